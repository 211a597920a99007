package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// mappingEditor edits the field mappings of one level: a row per field
// with how it gets its value (a fixed value, a source field or a
// JavaScript snippet) and whether it is required.
type mappingEditor struct {
	level    engine.Level
	defs     []engine.FieldDef
	paths    []string
	rows     []*mappingRow
	box      *fyne.Container
	root     fyne.CanvasObject
	columns  []string
	onChange func()
}

var mappingTypes = []string{"Source field", "Fixed value", "JavaScript"}

func mappingTypeOf(label string) engine.MappingType {
	switch label {
	case "Fixed value":
		return engine.MapFixed
	case "JavaScript":
		return engine.MapComplex
	default:
		return engine.MapField
	}
}

func mappingTypeLabel(t engine.MappingType) string {
	switch t {
	case engine.MapFixed:
		return "Fixed value"
	case engine.MapComplex:
		return "JavaScript"
	default:
		return "Source field"
	}
}

// mappingRow is one field mapping.
type mappingRow struct {
	field    *widget.Select
	typ      *widget.Select
	column   *widget.SelectEntry
	fixed    *widget.Entry
	script   *widget.Entry
	value    *fyne.Container
	required *widget.Check
	box      *fyne.Container
}

func newMappingEditor(level engine.Level, defs []engine.FieldDef, rows []engine.FieldMapping, onChange func()) *mappingEditor {
	m := &mappingEditor{level: level, defs: defs, onChange: func() {}}
	for _, d := range defs {
		m.paths = append(m.paths, d.Path)
	}
	m.box = container.NewVBox()
	for _, r := range rows {
		m.addRow(r)
	}
	add := widget.NewButtonWithIcon("Add field", theme.ContentAddIcon(), func() {
		m.addRow(engine.FieldMapping{Type: engine.MapField})
		m.onChange()
	})
	help := helpLabel(m.help())
	m.root = container.NewVBox(m.box, container.NewHBox(add), help)
	m.onChange = onChange // after the rows exist: filling them in is no change
	return m
}

func (m *mappingEditor) help() string {
	s := "A JavaScript snippet sees the record as source (e.g. source.FirstName) and its last expression is the value; removeDiacritics(text) and toDate(text, format) help."
	switch m.level {
	case engine.LevelPerson:
		return "Without an ExternalId row, the person key is the external id. " + s
	case engine.LevelDepartment:
		return "Only for a departments file: map at least ExternalId. " + s
	default:
		return s
	}
}

func (m *mappingEditor) addRow(fm engine.FieldMapping) *mappingRow {
	r := &mappingRow{}
	r.field = widget.NewSelect(m.paths, func(string) { m.onChange() })
	r.field.PlaceHolder = "(choose a field)"
	if fm.Field != "" {
		r.field.SetSelected(fm.Field)
	}
	r.column = widget.NewSelectEntry(m.columns)
	r.column.SetPlaceHolder("source field")
	r.fixed = widget.NewEntry()
	r.fixed.SetPlaceHolder("value")
	r.script = widget.NewMultiLineEntry()
	r.script.SetPlaceHolder("source.FirstName + ' ' + source.LastName")
	r.script.SetMinRowsVisible(3)
	r.script.TextStyle = fyne.TextStyle{Monospace: true}
	switch fm.Type {
	case engine.MapFixed:
		r.fixed.SetText(fm.Value)
	case engine.MapComplex:
		r.script.SetText(fm.Value)
	default:
		r.column.SetText(fm.Value)
	}
	for _, e := range []*widget.Entry{r.fixed, r.script, &r.column.Entry} {
		e.OnChanged = func(string) { m.onChange() }
	}
	r.value = container.NewStack()
	r.typ = widget.NewSelect(mappingTypes, func(label string) {
		r.showValue(mappingTypeOf(label))
		m.onChange()
	})
	r.typ.SetSelected(mappingTypeLabel(fm.Type))
	r.showValue(fm.Type)
	r.required = widget.NewCheck("Required", func(bool) { m.onChange() })
	r.required.SetChecked(fm.Required)
	remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), nil)
	remove.Importance = widget.LowImportance
	left := container.NewGridWrap(fyne.NewSize(230, r.field.MinSize().Height), r.field)
	typ := container.NewGridWrap(fyne.NewSize(140, r.typ.MinSize().Height), r.typ)
	r.box = container.NewBorder(nil, nil, container.NewHBox(left, typ), container.NewHBox(r.required, remove), r.value)
	remove.OnTapped = func() {
		for i, x := range m.rows {
			if x == r {
				m.rows = append(m.rows[:i], m.rows[i+1:]...)
				break
			}
		}
		m.box.Remove(r.box)
		m.onChange()
	}
	m.rows = append(m.rows, r)
	m.box.Add(r.box)
	return r
}

func (r *mappingRow) showValue(t engine.MappingType) {
	switch t {
	case engine.MapFixed:
		r.value.Objects = []fyne.CanvasObject{r.fixed}
	case engine.MapComplex:
		r.value.Objects = []fyne.CanvasObject{r.script}
	default:
		r.value.Objects = []fyne.CanvasObject{r.column}
	}
	r.value.Refresh()
}

func (r *mappingRow) mapping() engine.FieldMapping {
	fm := engine.FieldMapping{Field: r.field.Selected, Type: mappingTypeOf(r.typ.Selected), Required: r.required.Checked}
	switch fm.Type {
	case engine.MapFixed:
		fm.Value = r.fixed.Text
	case engine.MapComplex:
		fm.Value = r.script.Text
	default:
		fm.Value = strings.TrimSpace(r.column.Text)
	}
	return fm
}

func (m *mappingEditor) rowsValue() []engine.FieldMapping {
	var out []engine.FieldMapping
	for _, r := range m.rows {
		out = append(out, r.mapping())
	}
	return out
}

// setColumns offers the source's field names in the source field pickers.
func (m *mappingEditor) setColumns(cols []string) {
	m.columns = cols
	for _, r := range m.rows {
		r.column.SetOptions(cols)
	}
}

// mappingPreview shows a sample record and the person the mapping makes of
// it, with any problem, as the administrator edits.
type mappingPreview struct {
	e       *sourceEditor
	status  *widget.Label
	pos     *widget.Label
	raw     *fyne.Container
	mapped  *fyne.Container
	issues  *fyne.Container
	root    fyne.CanvasObject
	samples []app.Sample
	index   int
	person  *engine.Person
	errs    []engine.RecordError
	gen     int
	// aggValue is the sample's aggregation value, as shown
	aggValue string
}

func newMappingPreview(e *sourceEditor) *mappingPreview {
	p := &mappingPreview{e: e}
	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord
	p.pos = widget.NewLabel("")
	prev := widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { p.move(-1) })
	next := widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { p.move(1) })
	reload := widget.NewButtonWithIcon("Reload samples", theme.ViewRefreshIcon(), e.loadSamples)
	p.raw = container.New(layout.NewFormLayout())
	p.mapped = container.New(layout.NewFormLayout())
	p.issues = container.NewVBox()
	head := container.NewVBox(
		widget.NewLabelWithStyle("Preview", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(prev, p.pos, next, layout.NewSpacer(), reload),
		p.status)
	body := container.NewVBox(p.issues,
		widget.NewCard("", "Mapped person", p.mapped),
		widget.NewCard("", "Source record", p.raw))
	p.root = container.NewBorder(head, nil, nil, nil, container.NewScroll(body))
	return p
}

func (p *mappingPreview) setStatus(s string) { p.status.SetText(s) }

func (p *mappingPreview) setSamples(samples []app.Sample) {
	p.samples = samples
	p.index = 0
	if len(samples) == 0 {
		p.pos.SetText("no samples")
		p.raw.RemoveAll()
		p.mapped.RemoveAll()
		p.issues.RemoveAll()
		return
	}
	p.setStatus("")
	p.update()
}

func (p *mappingPreview) move(d int) {
	if len(p.samples) == 0 {
		return
	}
	p.index = (p.index + d + len(p.samples)) % len(p.samples)
	p.update()
}

// update maps the current sample with the mapping as it stands.
func (p *mappingPreview) update() {
	if len(p.samples) == 0 || p.e.s.editor != p.e {
		return
	}
	sample := p.samples[p.index]
	p.pos.SetText(fmt.Sprintf("Sample %d of %d (key %s)", p.index+1, len(p.samples), sample.Key))
	p.showRaw(sample)
	src, err := p.e.build()
	if err != nil {
		p.showResult(nil, nil, err)
		return
	}
	p.gen++
	gen := p.gen
	p.e.s.w.jobs.run(func() func() {
		ctx := context.Background()
		person, errs, err := p.e.s.w.app.PreviewMapping(ctx, &src, sample)
		var agg string
		var aggErr error
		if err == nil {
			agg, aggErr = p.e.s.w.app.PreviewAggregationValue(ctx, &src, person)
		}
		return func() {
			if gen == p.gen {
				p.showResult(person, errs, err)
				if err == nil {
					p.showAggregationValue(agg, aggErr)
				}
			}
		}
	})
}

// showAggregationValue adds the person's aggregation value, or why it
// cannot be made, to the mapped fields.
func (p *mappingPreview) showAggregationValue(v string, err error) {
	p.aggValue = v
	p.mapped.Add(widget.NewLabelWithStyle("Aggregation value", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	l := widget.NewLabel(v)
	switch {
	case err != nil:
		l.SetText(err.Error())
		l.Importance = widget.DangerImportance
	case v == "":
		l.SetText("(empty: never compared)")
	}
	l.Wrapping = fyne.TextWrapWord
	p.mapped.Add(l)
}

func (p *mappingPreview) showRaw(sample app.Sample) {
	p.raw.RemoveAll()
	add := func(rec *engine.RawRecord, prefix string) {
		for i, name := range rec.Header.Names {
			if name == "" || i >= len(rec.Values) {
				continue
			}
			p.raw.Add(widget.NewLabelWithStyle(prefix+name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
			v := widget.NewLabel(rec.Values[i])
			v.Truncation = fyne.TextTruncateEllipsis
			p.raw.Add(v)
		}
	}
	add(sample.Person, "")
	for i, c := range sample.Contracts {
		if c == sample.Person {
			continue
		}
		add(c, fmt.Sprintf("contract %d: ", i+1))
	}
}

// showResult shows the mapped person, or what is wrong.
func (p *mappingPreview) showResult(person *engine.Person, errs []engine.RecordError, err error) {
	p.person, p.errs = person, errs
	p.issues.RemoveAll()
	p.mapped.RemoveAll()
	if err != nil {
		l := widget.NewLabel(err.Error())
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.DangerImportance
		p.issues.Add(l)
		return
	}
	for _, re := range errs {
		l := widget.NewLabel(re.Error())
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		if re.Blocking {
			l.Importance = widget.DangerImportance
		}
		p.issues.Add(l)
	}
	for _, fv := range engine.FlattenPerson(person, p.e.fields, false) {
		p.mapped.Add(widget.NewLabelWithStyle(fv.Path, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		v := widget.NewLabel(fv.Value)
		v.Wrapping = fyne.TextWrapWord
		p.mapped.Add(v)
	}
}
