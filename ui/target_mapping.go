package ui

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/engine"
)

// The ways a mapping cell gives an attribute its value in one stage.
const (
	cellNone   = "None"
	cellFixed  = "Fixed"
	cellField  = "Field"
	cellScript = "JavaScript"
)

var cellTypes = []string{cellNone, cellFixed, cellField, cellScript}

// The grid's columns: attribute, unique, a stage each, row buttons. The
// header and every row share them, so they line up at any width.
var (
	gridWeights = []float32{3, 0, 2, 2, 2, 2, 2, 0}
	gridMins    = []float32{130, 72, 112, 112, 112, 112, 112, 120}
)

// fieldChoice is a person field a mapping or a correlation can read.
type fieldChoice struct {
	Path  string // as the mapping writes it: Name.GivenName, Accounts.ad.mail
	Label string
	Group string
}

// mappingGrid edits a target's account mapping: a row per attribute with
// its name, whether it is unique, and a cell per stage (none, a fixed
// value, a person field, or a JavaScript snippet); rows are added,
// removed and moved.
type mappingGrid struct {
	win      fyne.Window
	fields   func() []fieldChoice // for the field pickers and the script help
	try      func(attr string, stage engine.Stage, script string, show func(string, widget.Importance))
	onChange func()

	rows []*gridRow
	box  *fyne.Container
	root fyne.CanvasObject

	script *scriptDialog // while one is open, for tests
	picker *fieldPicker  // the last field picker, for tests
}

func newMappingGrid(win fyne.Window, rows []engine.AttributeMapping, fields func() []fieldChoice, onChange func()) *mappingGrid {
	g := &mappingGrid{win: win, fields: fields, onChange: func() {}}
	g.box = container.NewVBox()
	for _, m := range rows {
		g.addRow(m)
	}
	header := []fyne.CanvasObject{gridTitle("Attribute"), gridTitle("Unique")}
	for _, s := range engine.Stages {
		header = append(header, gridTitle(s.Label()))
	}
	header = append(header, widget.NewLabel(""))
	add := widget.NewButtonWithIcon("Add attribute", theme.ContentAddIcon(), func() {
		r := g.addRow(engine.AttributeMapping{})
		g.onChange()
		g.win.Canvas().Focus(r.attr)
	})
	g.root = container.NewBorder(columns(gridWeights, gridMins, header...), container.NewHBox(add), nil, nil,
		container.NewVScroll(g.box))
	g.onChange = onChange
	return g
}

func gridTitle(s string) *widget.Label {
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// gridRow is one attribute of the mapping.
type gridRow struct {
	g      *mappingGrid
	attr   *widget.Entry
	unique *widget.Check
	cells  []*stageCell // in the order of engine.Stages
	up     *widget.Button
	down   *widget.Button
	remove *widget.Button
	box    *fyne.Container
	// auto marks a row added for the connector's identity and not
	// edited since: changing the kind replaces it.
	auto bool
}

func (g *mappingGrid) addRow(m engine.AttributeMapping) *gridRow {
	r := &gridRow{g: g}
	r.attr = widget.NewEntry()
	r.attr.SetPlaceHolder("attribute")
	r.attr.SetText(m.Attribute)
	r.attr.OnChanged = func(string) { r.edited() }
	r.unique = widget.NewCheck("", func(bool) { r.edited() })
	r.unique.SetChecked(m.Unique)
	objects := []fyne.CanvasObject{container.NewVBox(r.attr), container.NewVBox(r.unique)}
	for _, s := range engine.Stages {
		c := newStageCell(r, s, m.Value(s))
		r.cells = append(r.cells, c)
		objects = append(objects, c.box)
	}
	r.up = widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { g.move(r, -1) })
	r.down = widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { g.move(r, 1) })
	r.remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { g.removeRow(r) })
	for _, b := range []*widget.Button{r.up, r.down, r.remove} {
		b.Importance = widget.LowImportance
	}
	objects = append(objects, container.NewVBox(container.NewHBox(r.up, r.down, r.remove)))
	r.box = container.NewVBox(columns(gridWeights, gridMins, objects...), widget.NewSeparator())
	g.rows = append(g.rows, r)
	g.box.Add(r.box)
	g.updateButtons()
	return r
}

func (r *gridRow) edited() {
	r.auto = false
	r.g.onChange()
}

func (g *mappingGrid) removeRow(r *gridRow) {
	i := slices.Index(g.rows, r)
	if i < 0 {
		return
	}
	g.rows = slices.Delete(g.rows, i, i+1)
	g.relayout()
	g.onChange()
}

// move moves r up (-1) or down (1).
func (g *mappingGrid) move(r *gridRow, d int) {
	i := slices.Index(g.rows, r)
	j := i + d
	if i < 0 || j < 0 || j >= len(g.rows) {
		return
	}
	g.rows[i], g.rows[j] = g.rows[j], g.rows[i]
	g.relayout()
	g.onChange()
}

func (g *mappingGrid) relayout() {
	objs := make([]fyne.CanvasObject, len(g.rows))
	for i, r := range g.rows {
		objs[i] = r.box
	}
	g.box.Objects = objs
	g.box.Refresh()
	g.updateButtons()
}

// updateButtons disables moving the first row up and the last down.
func (g *mappingGrid) updateButtons() {
	for i, r := range g.rows {
		if i == 0 {
			r.up.Disable()
		} else {
			r.up.Enable()
		}
		if i == len(g.rows)-1 {
			r.down.Disable()
		} else {
			r.down.Enable()
		}
	}
}

// value returns the mapping as the grid shows it; rows with neither an
// attribute nor a value are left out.
func (g *mappingGrid) value() []engine.AttributeMapping {
	var out []engine.AttributeMapping
	for _, r := range g.rows {
		m := engine.AttributeMapping{Attribute: strings.TrimSpace(r.attr.Text), Unique: r.unique.Checked, Stages: map[engine.Stage]*engine.StageValue{}}
		for _, c := range r.cells {
			if v := c.value(); v != nil {
				m.Stages[c.stage] = v
			}
		}
		if m.Attribute == "" && len(m.Stages) == 0 {
			continue
		}
		out = append(out, m)
	}
	return out
}

// row returns the row of an attribute, or nil.
func (g *mappingGrid) row(attr string) *gridRow {
	for _, r := range g.rows {
		if strings.EqualFold(strings.TrimSpace(r.attr.Text), attr) {
			return r
		}
	}
	return nil
}

// setIdentity makes sure the attributes a connector needs at create have
// a row: rows added for another kind and not edited since go, and a new
// row gets a value that works for most organisations, to edit.
func (g *mappingGrid) setIdentity(identity []string) {
	g.rows = slices.DeleteFunc(g.rows, func(r *gridRow) bool {
		return r.auto && !slices.ContainsFunc(identity, func(id string) bool { return strings.EqualFold(id, r.attr.Text) })
	})
	at := 0
	for _, id := range identity {
		if r := g.row(id); r != nil {
			at = slices.Index(g.rows, r) + 1
			continue
		}
		r := g.addRow(engine.AttributeMapping{Attribute: id, Unique: true, Stages: map[engine.Stage]*engine.StageValue{
			engine.StageCreate: identityValue(id)}})
		r.auto = true
		// keep the identity first, in the connector's order
		g.rows = slices.Insert(slices.Delete(g.rows, len(g.rows)-1, len(g.rows)), at, r)
		at++
	}
	g.relayout()
}

// accountNameSnippet makes an account name from the person's names: the
// first letter of the given name and the family name, in lower case,
// without accents, spaces or punctuation; 1, 2, … are added while it is
// taken.
const accountNameSnippet = `// the first letter of the given name and the family name, e.g. jdoe
const name = removeDiacritics(Person.Name.GivenName.charAt(0) + Person.Name.FamilyName)
  .toLowerCase().replace(/[^a-z0-9]/g, "")
Iteration === 0 ? name : name + Iteration`

// identityValue is a new identity row's value at create: the business
// e-mail for an attribute that holds an address, else an account name.
func identityValue(attr string) *engine.StageValue {
	a := strings.ToLower(attr)
	if strings.Contains(a, "mail") || strings.Contains(a, "principal") {
		return &engine.StageValue{Type: engine.MapField, Value: "Contact.Business.Email"}
	}
	return &engine.StageValue{Type: engine.MapComplex, Value: accountNameSnippet}
}

// stageCell is the value of one attribute in one stage.
type stageCell struct {
	row    *gridRow
	stage  engine.Stage
	typ    *widget.Select
	fixed  *widget.Entry
	field  *pickButton
	script *pickButton
	none   *widget.Label
	slot   *fyne.Container // the input of the type chosen
	box    *fyne.Container

	path string // the person field
	code string // the snippet
}

func newStageCell(r *gridRow, stage engine.Stage, v *engine.StageValue) *stageCell {
	c := &stageCell{row: r, stage: stage}
	c.fixed = widget.NewEntry()
	c.fixed.SetPlaceHolder("empty clears it")
	c.none = widget.NewLabel("not written")
	c.none.SizeName = theme.SizeNameCaptionText
	c.none.Importance = widget.LowImportance
	c.field = newPickButton("choose a field…", func() { c.pickField() })
	c.script = newPickButton("write a script…", func() { c.editScript() })
	c.slot = container.NewStack()
	c.typ = widget.NewSelect(cellTypes, nil)
	switch {
	case v == nil:
		c.typ.SetSelected(cellNone)
	case v.Type == engine.MapFixed:
		c.typ.SetSelected(cellFixed)
		c.fixed.SetText(v.Value)
	case v.Type == engine.MapComplex:
		c.typ.SetSelected(cellScript)
		c.setScript(v.Value)
	default:
		c.typ.SetSelected(cellField)
		c.setField(v.Value)
	}
	c.show()
	c.typ.OnChanged = func(string) {
		c.show()
		r.edited()
	}
	c.fixed.OnChanged = func(string) { r.edited() }
	c.box = container.NewVBox(c.typ, c.slot)
	return c
}

func (c *stageCell) show() {
	var o fyne.CanvasObject
	switch c.typ.Selected {
	case cellFixed:
		o = c.fixed
	case cellField:
		o = c.field
	case cellScript:
		o = c.script
	default:
		o = c.none
	}
	c.slot.Objects = []fyne.CanvasObject{o}
	c.slot.Refresh()
}

// value returns the cell's value, or nil for none.
func (c *stageCell) value() *engine.StageValue {
	switch c.typ.Selected {
	case cellFixed:
		return &engine.StageValue{Type: engine.MapFixed, Value: c.fixed.Text}
	case cellField:
		return &engine.StageValue{Type: engine.MapField, Value: c.path}
	case cellScript:
		return &engine.StageValue{Type: engine.MapComplex, Value: c.code}
	}
	return nil
}

// setField makes the cell read a person field.
func (c *stageCell) setField(path string) {
	c.path = path
	c.field.SetText(path)
	if c.typ.Selected != cellField {
		c.typ.SetSelected(cellField) // shows it
	}
}

// setScript makes the cell run a snippet.
func (c *stageCell) setScript(code string) {
	c.code = code
	c.script.SetText(scriptSummary(code))
	if c.typ.Selected != cellScript {
		c.typ.SetSelected(cellScript)
	}
}

// setFixed makes the cell a fixed value.
func (c *stageCell) setFixed(v string) {
	c.typ.SetSelected(cellFixed)
	c.fixed.SetText(v)
}

// scriptSummary is a one-line snippet itself, or how long a longer one
// is (its first line is seldom the value).
func scriptSummary(code string) string {
	var lines []string
	for _, line := range strings.Split(code, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	switch len(lines) {
	case 0:
		return ""
	case 1:
		return lines[0]
	}
	return fmt.Sprintf("%d lines: edit…", len(lines))
}

func (c *stageCell) where() string {
	attr := strings.TrimSpace(c.row.attr.Text)
	if attr == "" {
		attr = "the attribute"
	}
	return fmt.Sprintf("%s at %s", attr, c.stage)
}

func (c *stageCell) pickField() {
	g := c.row.g
	g.picker = pickField(g.win, "Person field for "+c.where(), g.fields(), c.path, func(path string) {
		c.setField(path)
		c.row.edited()
	})
}

func (c *stageCell) editScript() {
	g := c.row.g
	attr := strings.TrimSpace(c.row.attr.Text)
	g.script = newScriptDialog(g.win, "JavaScript for "+c.where(), c.code, g.fields(), func(code string, show func(string, widget.Importance)) {
		if g.try != nil {
			g.try(attr, c.stage, code, show)
		}
	}, func(code string) {
		g.script = nil
		c.setScript(code)
		c.row.edited()
	}, func() { g.script = nil })
}

// pickButton is a button that shows a value cut to its width, for the
// narrow cells of the grid.
type pickButton struct {
	widget.BaseWidget
	button *widget.Button
	label  *widget.Label
	empty  string
}

func newPickButton(empty string, tapped func()) *pickButton {
	b := &pickButton{button: widget.NewButton("", tapped), label: widget.NewLabel(empty), empty: empty}
	b.label.Truncation = fyne.TextTruncateEllipsis
	b.label.Importance = widget.LowImportance
	b.ExtendBaseWidget(b)
	return b
}

// SetText shows text, or the placeholder when it is empty.
func (b *pickButton) SetText(text string) {
	b.label.Importance = widget.MediumImportance
	if text == "" {
		text = b.empty
		b.label.Importance = widget.LowImportance
	}
	b.label.SetText(text)
}

func (b *pickButton) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(b.button, b.label))
}

func (b *pickButton) MinSize() fyne.Size {
	return fyne.NewSize(40, b.button.MinSize().Height)
}

// pickField opens a dialog to choose a field, with search; pick gets its
// path.
func pickField(win fyne.Window, title string, fields []fieldChoice, current string, pick func(string)) *fieldPicker {
	p := &fieldPicker{fields: fields}
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder("Search fields: name, path or group (e.g. department code, manager, Accounts)")
	p.search.OnChanged = func(string) { p.filter() }
	p.list = widget.NewList(func() int { return len(p.shown) },
		func() fyne.CanvasObject {
			label := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			label.Truncation = fyne.TextTruncateEllipsis
			path := widget.NewLabel("")
			path.SizeName = theme.SizeNameCaptionText
			path.Truncation = fyne.TextTruncateEllipsis
			group := widget.NewLabel("")
			group.SizeName = theme.SizeNameCaptionText
			return container.NewBorder(nil, nil, nil, group, container.NewVBox(label, path))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(p.shown) {
				return
			}
			f := p.fields[p.shown[id]]
			row := o.(*fyne.Container)
			texts := row.Objects[0].(*fyne.Container)
			texts.Objects[0].(*widget.Label).SetText(f.Label)
			texts.Objects[1].(*widget.Label).SetText(f.Path)
			row.Objects[1].(*widget.Label).SetText(f.Group)
		})
	p.list.OnSelected = func(id widget.ListItemID) {
		if id < len(p.shown) {
			path := p.fields[p.shown[id]].Path
			p.d.Hide()
			pick(path)
		}
	}
	p.filter()
	content := container.NewBorder(container.NewVBox(p.search), nil, nil, nil, p.list)
	p.d = dialog.NewCustom(title, "Cancel", content, win)
	p.d.Resize(fyne.NewSize(560, 520))
	p.d.Show()
	win.Canvas().Focus(p.search)
	if i := slices.IndexFunc(p.fields, func(f fieldChoice) bool { return f.Path == current }); i >= 0 {
		if j := slices.Index(p.shown, i); j >= 0 {
			p.list.ScrollTo(j)
		}
	}
	return p
}

// fieldPicker is the dialog of pickField.
type fieldPicker struct {
	fields []fieldChoice
	shown  []int
	search *widget.Entry
	list   *widget.List
	d      *dialog.CustomDialog
}

func (p *fieldPicker) filter() {
	words := strings.Fields(evalFold(p.search.Text))
	p.shown = p.shown[:0]
next:
	for i, f := range p.fields {
		text := evalFold(f.Label + " " + f.Path + " " + f.Group)
		for _, w := range words {
			if !strings.Contains(text, w) {
				continue next
			}
		}
		p.shown = append(p.shown, i)
	}
	p.list.UnselectAll()
	p.list.Refresh()
}

// scriptHelp says what a snippet sees.
const scriptHelp = "The last expression is the value: text, a number or true/false; null or undefined leaves the attribute empty; an array gives several values.\n" +
	"• Person: the person's fields (Person.Name.GivenName, Person.Contact.Business.Email, Person.Custom.…); " +
	"Person.PrimaryContract (Person.PrimaryContract.Department.Code) and Person.Manager, each null when there is none; " +
	"Person.Contracts, the contracts the rules that give the account hold on; " +
	"Person.Accounts.<target>.<attribute>, the person's account in another target (null without one).\n" +
	"• Iteration: 0, then 1, 2, … while a unique attribute's value is taken: use it to make the value free.\n" +
	"• removeDiacritics(text): \"Zoë Núñez\" becomes \"Zoe Nunez\"."

// scriptDialog edits a snippet in a dialog: the code, what it can read
// (with a field list that inserts a field at the cursor), and what it
// gives for the preview's person as it is typed.
type scriptDialog struct {
	code   *widget.Entry
	result *widget.Label
	fields []fieldChoice
	shown  []int
	search *widget.Entry
	list   *widget.List
	d      *dialog.CustomDialog
	apply  *widget.Button
}

func newScriptDialog(win fyne.Window, title, code string, fields []fieldChoice, try func(string, func(string, widget.Importance)), apply func(string), cancel func()) *scriptDialog {
	x := &scriptDialog{fields: fields}
	x.code = widget.NewMultiLineEntry()
	x.code.TextStyle = fyne.TextStyle{Monospace: true}
	x.code.Wrapping = fyne.TextWrapOff
	x.code.SetMinRowsVisible(12)
	x.code.SetText(code)
	x.code.SetPlaceHolder("Person.Name.GivenName + ' ' + Person.Name.FamilyName")
	x.result = widget.NewLabel("")
	x.result.Wrapping = fyne.TextWrapWord
	show := func(text string, imp widget.Importance) {
		x.result.SetText(text)
		x.result.Importance = imp
		x.result.Refresh()
	}
	x.code.OnChanged = func(src string) { try(src, show) }

	x.search = widget.NewEntry()
	x.search.SetPlaceHolder("Find a field to insert")
	x.search.OnChanged = func(string) { x.filter() }
	x.list = widget.NewList(func() int { return len(x.shown) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			l.SizeName = theme.SizeNameCaptionText
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(x.shown) {
				o.(*widget.Label).SetText(scriptPath(x.fields[x.shown[id]].Path))
			}
		})
	x.list.OnSelected = func(id widget.ListItemID) {
		if id < len(x.shown) {
			x.insert(scriptPath(x.fields[x.shown[id]].Path))
			win.Canvas().Focus(x.code)
		}
		x.list.UnselectAll()
	}
	x.filter()
	side := container.NewBorder(container.NewVBox(boldTitle("Insert a field"), x.search), nil, nil, nil, x.list)
	help := helpLabel(scriptHelp)
	editor := container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), x.result), nil, nil, x.code)
	split := container.NewHSplit(editor, side)
	split.Offset = 0.68
	content := container.NewBorder(help, nil, nil, nil, split)
	x.apply = widget.NewButtonWithIcon("Apply", theme.ConfirmIcon(), nil)
	x.apply.Importance = widget.HighImportance
	cancelButton := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), nil)
	x.d = dialog.NewCustomWithoutButtons(title, content, win)
	x.apply.OnTapped = func() {
		x.d.Hide()
		apply(x.code.Text)
	}
	cancelButton.OnTapped = func() {
		x.d.Hide()
		cancel()
	}
	x.d.SetButtons([]fyne.CanvasObject{cancelButton, x.apply})
	size := win.Canvas().Size()
	x.d.Resize(fyne.NewSize(min(960, size.Width-40), min(640, size.Height-40)))
	x.d.Show()
	win.Canvas().Focus(x.code)
	try(code, show)
	return x
}

func boldTitle(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// scriptPath is how a snippet reads a field path.
func scriptPath(path string) string { return "Person." + path }

func (x *scriptDialog) filter() {
	words := strings.Fields(evalFold(x.search.Text))
	x.shown = x.shown[:0]
next:
	for i, f := range x.fields {
		text := evalFold(f.Label + " " + f.Path + " " + f.Group)
		for _, w := range words {
			if !strings.Contains(text, w) {
				continue next
			}
		}
		x.shown = append(x.shown, i)
	}
	x.list.Refresh()
}

// insert puts text at the cursor.
func (x *scriptDialog) insert(text string) {
	lines := strings.Split(x.code.Text, "\n")
	row := min(x.code.CursorRow, len(lines)-1)
	line := []rune(lines[row])
	col := min(x.code.CursorColumn, len(line))
	lines[row] = string(line[:col]) + text + string(line[col:])
	x.code.SetText(strings.Join(lines, "\n"))
	x.code.CursorRow, x.code.CursorColumn = row, col+len([]rune(text))
	x.code.Refresh()
}
