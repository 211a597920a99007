package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"provisio/engine"
)

// aggregationValueEditor edits what a source system's persons are
// compared by to find duplicates: a person field, a fixed value or a
// JavaScript snippet that sees the mapped Person.
type aggregationValueEditor struct {
	typ    *widget.Select
	field  *widget.Select
	fixed  *widget.Entry
	script *widget.Entry
	value  *fyne.Container
	root   fyne.CanvasObject
}

var aggregationTypes = []string{"Person field", "Fixed value", "JavaScript"}

func newAggregationValueEditor(current *engine.StageValue, fields *engine.Fields, onChange func()) *aggregationValueEditor {
	e := &aggregationValueEditor{}
	var paths []string
	for _, d := range fields.Defs(engine.LevelPerson) {
		paths = append(paths, d.Path)
	}
	e.field = widget.NewSelect(paths, func(string) { onChange() })
	e.fixed = widget.NewEntry()
	e.script = widget.NewMultiLineEntry()
	e.script.TextStyle = fyne.TextStyle{Monospace: true}
	e.script.SetMinRowsVisible(8)
	e.fixed.OnChanged = func(string) { onChange() }
	e.script.OnChanged = func(string) { onChange() }
	e.value = container.NewStack()
	e.typ = widget.NewSelect(aggregationTypes, func(label string) {
		e.show(label)
		onChange()
	})
	v := current
	if v == nil {
		v = &engine.StageValue{Type: engine.MapComplex, Value: engine.DefaultAggregationSnippet}
	}
	switch v.Type {
	case engine.MapField:
		e.field.SetSelected(v.Value)
		e.typ.SetSelected(aggregationTypes[0])
	case engine.MapFixed:
		e.fixed.SetText(v.Value)
		e.typ.SetSelected(aggregationTypes[1])
	default:
		e.script.SetText(v.Value)
		e.typ.SetSelected(aggregationTypes[2])
	}
	reset := widget.NewButton("Use the default", func() {
		e.script.SetText(engine.DefaultAggregationSnippet)
		e.typ.SetSelected(aggregationTypes[2])
	})
	help := helpLabel("Persons are compared by this value to find the same human twice (in this source or across sources): the closer two values, the higher their score. The default combines family name, initials, birth date and gender without accents. A snippet sees the mapped Person (Person.Name.FamilyName, Person.Details.BirthDate, …) and returns text; an empty value is never compared.")
	typ := container.NewGridWrap(fyne.NewSize(160, e.typ.MinSize().Height), e.typ)
	e.root = container.NewVBox(help, container.NewBorder(nil, nil, typ, reset), e.value)
	return e
}

func (e *aggregationValueEditor) show(label string) {
	switch label {
	case aggregationTypes[0]:
		e.value.Objects = []fyne.CanvasObject{e.field}
	case aggregationTypes[1]:
		e.value.Objects = []fyne.CanvasObject{e.fixed}
	default:
		e.value.Objects = []fyne.CanvasObject{e.script}
	}
	e.value.Refresh()
}

// mapping returns the value as the form has it: nil for the default
// snippet, unchanged.
func (e *aggregationValueEditor) mapping() *engine.StageValue {
	switch e.typ.Selected {
	case aggregationTypes[0]:
		return &engine.StageValue{Type: engine.MapField, Value: e.field.Selected}
	case aggregationTypes[1]:
		return &engine.StageValue{Type: engine.MapFixed, Value: e.fixed.Text}
	}
	if e.script.Text == engine.DefaultAggregationSnippet {
		return nil
	}
	return &engine.StageValue{Type: engine.MapComplex, Value: e.script.Text}
}
