package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/engine"
)

// conditionEditor edits a tree of conditions point and click: groups
// (all, any, not) holding conditions (a field, an operator that fits its
// type, and values, with suggestions from the current snapshot).
type conditionEditor struct {
	w        *Window
	level    engine.Level
	fields   []engine.FieldDef
	groups   []string // field groups, in first-seen order
	root     *condGroup
	box      *fyne.Container
	onChange func()
}

var groupLabels = map[engine.GroupKind]string{
	engine.GroupAll: "all of these hold",
	engine.GroupAny: "any of these holds",
	engine.GroupNot: "none of these holds",
}

func groupKind(label string) engine.GroupKind {
	for k, l := range groupLabels {
		if l == label {
			return k
		}
	}
	return engine.GroupAll
}

func newConditionEditor(w *Window, level engine.Level, fields []engine.FieldDef, c *engine.Condition, onChange func()) *conditionEditor {
	e := &conditionEditor{w: w, level: level, fields: fields, onChange: func() {}}
	seen := map[string]bool{}
	for _, f := range fields {
		if !seen[f.Group] {
			seen[f.Group] = true
			e.groups = append(e.groups, f.Group)
		}
	}
	root := engine.Condition{Group: engine.GroupAll}
	if c != nil {
		root = *c
		if !root.IsGroup() {
			root = engine.Condition{Group: engine.GroupAll, Conditions: []engine.Condition{*c}}
		}
	}
	e.root = e.newGroup(nil, root)
	e.box = container.NewVBox(e.root.box)
	e.onChange = onChange
	return e
}

// value returns the conditions, or nil when there are none.
func (e *conditionEditor) value() *engine.Condition {
	if len(e.root.items) == 0 {
		return nil
	}
	c := e.root.value()
	return &c
}

// condGroup is a group in the editor.
type condGroup struct {
	e      *conditionEditor
	parent *condGroup
	kind   *widget.Select
	items  []condItem
	list   *fyne.Container
	box    *fyne.Container
}

// condItem is a group or a single condition.
type condItem interface {
	value() engine.Condition
	object() fyne.CanvasObject
}

func (g *condGroup) object() fyne.CanvasObject { return g.box }

func (e *conditionEditor) newGroup(parent *condGroup, c engine.Condition) *condGroup {
	g := &condGroup{e: e, parent: parent, list: container.NewVBox()}
	g.kind = widget.NewSelect([]string{groupLabels[engine.GroupAll], groupLabels[engine.GroupAny], groupLabels[engine.GroupNot]}, func(string) { e.onChange() })
	g.kind.SetSelected(groupLabels[c.Group])
	if c.Group == engine.GroupNot && len(c.Conditions) == 1 && c.Conditions[0].IsGroup() && c.Conditions[0].Group == engine.GroupAny {
		// not(any(...)) is shown as "none of these holds"
		c = engine.Condition{Group: engine.GroupNot, Conditions: c.Conditions[0].Conditions}
	}
	for _, k := range c.Conditions {
		g.add(k)
	}
	addCond := widget.NewButtonWithIcon("Condition", theme.ContentAddIcon(), func() {
		g.add(engine.Condition{})
		e.onChange()
	})
	addGroup := widget.NewButtonWithIcon("Group", theme.ContentAddIcon(), func() {
		g.add(engine.Condition{Group: engine.GroupAny})
		e.onChange()
	})
	header := container.NewHBox(widget.NewLabel("Match when"), withMinSize(g.kind, 260, 0), addCond, addGroup)
	if parent != nil {
		remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { parent.remove(g) })
		remove.Importance = widget.LowImportance
		header.Add(remove)
	}
	indent := widget.NewLabel("   ")
	g.box = container.NewVBox(header, container.NewBorder(nil, nil, indent, nil, g.list))
	return g
}

func (g *condGroup) add(c engine.Condition) {
	var it condItem
	if c.IsGroup() {
		it = g.e.newGroup(g, c)
	} else {
		it = g.e.newLeaf(g, c)
	}
	g.items = append(g.items, it)
	g.list.Add(it.object())
}

func (g *condGroup) remove(it condItem) {
	for i, x := range g.items {
		if x == it {
			g.items = append(g.items[:i], g.items[i+1:]...)
			break
		}
	}
	g.list.Remove(it.object())
	g.e.onChange()
}

func (g *condGroup) value() engine.Condition {
	kind := groupKind(g.kind.Selected)
	var kids []engine.Condition
	for _, it := range g.items {
		kids = append(kids, it.value())
	}
	if kind == engine.GroupNot {
		// "none of these holds": not (any of them)
		inner := engine.Condition{Group: engine.GroupAny, Conditions: kids}
		if len(kids) == 1 {
			inner = kids[0]
		}
		return engine.Condition{Group: engine.GroupNot, Conditions: []engine.Condition{inner}}
	}
	return engine.Condition{Group: kind, Conditions: kids}
}

// condLeaf is one condition: field, operator, values.
type condLeaf struct {
	e           *conditionEditor
	group       *widget.Select
	field       *widget.Select
	op          *widget.Select
	value1      *widget.SelectEntry
	value2      *widget.Entry
	values      *fyne.Container
	box         *fyne.Container
	def         engine.FieldDef
	ops         []engine.OperatorDef
	loaded      string   // the field whose suggestions value1 holds
	suggestions []string // value1's options
}

func (l *condLeaf) object() fyne.CanvasObject { return l.box }

func (e *conditionEditor) newLeaf(parent *condGroup, c engine.Condition) *condLeaf {
	l := &condLeaf{e: e}
	l.group = widget.NewSelect(e.groups, nil)
	l.group.PlaceHolder = "(group)"
	l.field = widget.NewSelect(nil, nil)
	l.field.PlaceHolder = "(field)"
	l.op = widget.NewSelect(nil, nil)
	l.op.PlaceHolder = "(operator)"
	l.value1 = widget.NewSelectEntry(nil)
	l.value2 = widget.NewEntry()
	l.values = container.NewStack()
	remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { parent.remove(l) })
	remove.Importance = widget.LowImportance
	l.box = container.NewBorder(nil, nil, nil, remove,
		columns([]float32{2, 3, 2, 3}, []float32{110, 150, 110, 130}, l.group, l.field, l.op, l.values))

	// fill in from c before wiring the callbacks
	if def, ok := e.def(c.Field); ok {
		l.group.SetSelected(def.Group)
		l.setFields(def.Group)
		l.field.SetSelected(fieldOption(def))
		l.setField(def)
		if d, ok := engine.OperatorFor(def.Type, c.Op); ok {
			l.op.SetSelected(d.Label)
		}
		switch {
		case c.Op == engine.OpBetween && len(c.Values) == 2:
			l.value1.SetText(c.Values[0])
			l.value2.SetText(c.Values[1])
		case len(c.Values) > 0:
			l.value1.SetText(strings.Join(c.Values, ", "))
		default:
			l.value1.SetText(c.Value)
		}
	}
	l.showValues()
	l.group.OnChanged = func(g string) {
		l.setFields(g)
		l.field.ClearSelected()
		e.onChange()
	}
	l.field.OnChanged = func(string) {
		if def, ok := l.selectedDef(); ok {
			l.setField(def)
		}
		l.showValues()
		e.onChange()
	}
	l.op.OnChanged = func(string) {
		l.showValues()
		e.onChange()
	}
	prev := l.value1.Text
	l.value1.OnChanged = func(text string) {
		// picking a suggestion for "is one of" adds it to the list
		if d, ok := l.opDef(); ok && d.Arity == engine.ValueList && prev != "" && text != prev &&
			contains(l.suggestions, text) && !strings.Contains(prev, text) {
			text = strings.TrimRight(prev, ", ") + ", " + text
			prev = text
			l.value1.SetText(text) // calls back with the joined list
			return
		}
		prev = text
		e.onChange()
	}
	l.value2.OnChanged = func(string) { e.onChange() }
	return l
}

func (e *conditionEditor) def(path string) (engine.FieldDef, bool) {
	for _, f := range e.fields {
		if f.Path == path {
			return f, true
		}
	}
	return engine.FieldDef{}, false
}

// fieldOption is how a field is offered: its label and path.
func fieldOption(f engine.FieldDef) string { return f.Label + " · " + f.Path }

func (l *condLeaf) setFields(group string) {
	var opts []string
	for _, f := range l.e.fields {
		if f.Group == group {
			opts = append(opts, fieldOption(f))
		}
	}
	l.field.SetOptions(opts)
}

func (l *condLeaf) selectedDef() (engine.FieldDef, bool) {
	for _, f := range l.e.fields {
		if fieldOption(f) == l.field.Selected {
			return f, true
		}
	}
	return engine.FieldDef{}, false
}

// setField offers the operators that fit the field's type and loads value
// suggestions for text fields.
func (l *condLeaf) setField(def engine.FieldDef) {
	l.def = def
	l.ops = engine.Operators(def.Type)
	var labels []string
	for _, d := range l.ops {
		labels = append(labels, d.Label)
	}
	keep := l.op.Selected
	l.op.SetOptions(labels)
	if !contains(labels, keep) {
		l.op.SetSelected(labels[0])
	}
	switch def.Type {
	case engine.TypeDate:
		l.value1.SetPlaceHolder("yyyy-mm-dd")
		l.value2.SetPlaceHolder("yyyy-mm-dd")
	case engine.TypeNumber:
		l.value1.SetPlaceHolder("number")
		l.value2.SetPlaceHolder("number")
	default:
		l.value1.SetPlaceHolder("value (one of: separate with commas)")
	}
	if def.Type == engine.TypeText && l.loaded != def.Path {
		l.loaded = def.Path
		path, level := def.Path, l.e.level
		l.e.w.jobs.run(func() func() {
			values, err := l.e.w.app.FieldValues(context.Background(), level, path, "", 60)
			return func() {
				if err == nil && l.loaded == path {
					l.suggestions = values
					l.value1.SetOptions(values)
				}
			}
		})
	} else if def.Type != engine.TypeText {
		l.suggestions = nil
		l.value1.SetOptions(nil)
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func (l *condLeaf) opDef() (engine.OperatorDef, bool) {
	for _, d := range l.ops {
		if d.Label == l.op.Selected {
			return d, true
		}
	}
	return engine.OperatorDef{}, false
}

// showValues shows as many value entries as the operator takes.
func (l *condLeaf) showValues() {
	d, ok := l.opDef()
	switch {
	case !ok || d.Arity == engine.NoValue:
		l.values.Objects = nil
	case d.Arity == engine.TwoValues:
		l.values.Objects = []fyne.CanvasObject{container.NewGridWithColumns(2, l.value1, l.value2)}
	default:
		if d.Op == engine.OpWithinDays {
			l.value1.SetPlaceHolder("number of days")
		}
		l.values.Objects = []fyne.CanvasObject{l.value1}
	}
	l.values.Refresh()
}

func (l *condLeaf) value() engine.Condition {
	c := engine.Condition{}
	def, ok := l.selectedDef()
	if !ok {
		return c
	}
	c.Field = def.Path
	d, ok := l.opDef()
	if !ok {
		return c
	}
	c.Op = d.Op
	switch d.Arity {
	case engine.OneValue:
		c.Value = strings.TrimSpace(l.value1.Text)
	case engine.TwoValues:
		c.Values = []string{strings.TrimSpace(l.value1.Text), strings.TrimSpace(l.value2.Text)}
	case engine.ValueList:
		for _, v := range strings.Split(l.value1.Text, ",") {
			if v = strings.TrimSpace(v); v != "" {
				c.Values = append(c.Values, v)
			}
		}
	}
	return c
}
