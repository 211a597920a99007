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

	"provisio/engine"
)

// settingsScreen edits the workspace's custom fields, how the primary
// contract is chosen and which notifications are sent, and shows where
// the workspace lives.
type settingsScreen struct {
	w *Window

	personFields   *customFieldsEditor
	contractFields *customFieldsEditor
	order          *orderEditor
	notifications  *notificationsEditor
	schemaProblem  *widget.Label
	orderProblem   *widget.Label
	info           *widget.Label
	root           fyne.CanvasObject
}

func newSettingsScreen(w *Window) *settingsScreen {
	s := &settingsScreen{w: w}
	s.personFields = newCustomFieldsEditor()
	s.contractFields = newCustomFieldsEditor()
	s.order = newOrderEditor()
	s.notifications = newNotificationsEditor(w)
	s.schemaProblem = problemLabel()
	s.orderProblem = problemLabel()
	s.info = widget.NewLabel("")
	s.info.Wrapping = fyne.TextWrapWord

	saveSchema := widget.NewButtonWithIcon("Save custom fields", theme.DocumentSaveIcon(), s.saveSchema)
	saveSchema.Importance = widget.HighImportance
	saveOrder := widget.NewButtonWithIcon("Save ordering", theme.DocumentSaveIcon(), s.saveOrder)
	saveOrder.Importance = widget.HighImportance
	reset := widget.NewButton("Default ordering", func() { s.order.set(engine.DefaultPrimaryContractOrder()) })

	schemaHelp := helpLabel("Custom fields hold data your source systems have beyond the standard fields. Map them as Custom.<name>; a field a mapping uses cannot be removed.")
	orderHelp := helpLabel("Among a person's active contracts, the first by these steps is primary; with none active, the next future contract, else the most recent past one. An open-ended end date counts as the latest.")
	content := container.NewVBox(
		widget.NewLabelWithStyle("Settings", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewCard("", "Custom fields", container.NewVBox(schemaHelp,
			widget.NewLabelWithStyle("Person fields", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.personFields.root,
			widget.NewLabelWithStyle("Contract fields", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.contractFields.root,
			s.schemaProblem, container.NewHBox(layout.NewSpacer(), saveSchema))),
		widget.NewCard("", "Primary contract", container.NewVBox(orderHelp, s.order.root, s.orderProblem,
			container.NewHBox(reset, layout.NewSpacer(), saveOrder))),
		widget.NewCard("", "Notifications", s.notifications.root),
		widget.NewCard("", "Workspace", s.info),
	)
	s.root = container.NewVScroll(container.NewPadded(content))
	return s
}

func problemLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

func helpLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	return l
}

func showProblem(l *widget.Label, err error) {
	if err == nil {
		l.Hide()
		return
	}
	l.SetText(err.Error())
	l.Show()
}

func (s *settingsScreen) object() fyne.CanvasObject { return s.root }

func (s *settingsScreen) refresh() {
	s.w.jobs.run(func() func() {
		cfg, err := s.w.app.Config(context.Background())
		usage, uerr := s.w.app.StoreUsage()
		return func() {
			if err != nil {
				s.w.showError(err)
				return
			}
			s.personFields.set(cfg.Schema.PersonFields)
			s.contractFields.set(cfg.Schema.ContractFields)
			s.order.fields = engine.NewFields(cfg.Schema).Defs(engine.LevelContract)
			s.order.set(cfg.PrimaryContract)
			s.notifications.set(cfg.Notifications)
			info := "Folder: " + s.w.app.Dir()
			if uerr == nil {
				info += fmt.Sprintf("\nStore: %.1f MB in use, file %.1f MB", float64(usage.DataBytes-usage.FreeBytes)/1e6, float64(usage.FileBytes)/1e6)
			}
			s.info.SetText(info)
		}
	})
}

func (s *settingsScreen) saveSchema() {
	schema := engine.Schema{PersonFields: s.personFields.value(), ContractFields: s.contractFields.value()}
	s.w.jobs.run(func() func() {
		err := s.w.app.SaveSchema(context.Background(), schema)
		return func() {
			showProblem(s.schemaProblem, err)
			if err == nil {
				s.refresh()
			}
		}
	})
}

func (s *settingsScreen) saveOrder() {
	order := s.order.value()
	s.w.jobs.run(func() func() {
		err := s.w.app.SavePrimaryContractOrder(context.Background(), order)
		return func() {
			showProblem(s.orderProblem, err)
			if err == nil {
				s.refresh()
			}
		}
	})
}

var fieldTypes = []string{string(engine.TypeText), string(engine.TypeNumber), string(engine.TypeDate), string(engine.TypeBoolean)}

// customFieldsEditor edits a list of custom fields: name, label, type.
type customFieldsEditor struct {
	rows []*customFieldRow
	box  *fyne.Container
	root fyne.CanvasObject
}

type customFieldRow struct {
	name, label *widget.Entry
	typ         *widget.Select
	box         *fyne.Container
}

func newCustomFieldsEditor() *customFieldsEditor {
	e := &customFieldsEditor{box: container.NewVBox()}
	add := widget.NewButtonWithIcon("Add custom field", theme.ContentAddIcon(), func() { e.add(engine.CustomField{Type: engine.TypeText}) })
	e.root = container.NewVBox(e.box, container.NewHBox(add))
	return e
}

func (e *customFieldsEditor) set(fields []engine.CustomField) {
	e.rows = nil
	e.box.RemoveAll()
	for _, f := range fields {
		e.add(f)
	}
}

func (e *customFieldsEditor) add(f engine.CustomField) {
	r := &customFieldRow{name: widget.NewEntry(), label: widget.NewEntry(), typ: widget.NewSelect(fieldTypes, nil)}
	r.name.SetPlaceHolder("name, e.g. EmployeeType")
	r.name.SetText(f.Name)
	r.label.SetPlaceHolder("label shown in the app (optional)")
	r.label.SetText(f.Label)
	r.typ.SetSelected(string(f.Type))
	remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), nil)
	remove.Importance = widget.LowImportance
	r.box = container.NewBorder(nil, nil, nil, container.NewHBox(r.typ, remove), container.NewGridWithColumns(2, r.name, r.label))
	remove.OnTapped = func() {
		for i, x := range e.rows {
			if x == r {
				e.rows = append(e.rows[:i], e.rows[i+1:]...)
				break
			}
		}
		e.box.Remove(r.box)
	}
	e.rows = append(e.rows, r)
	e.box.Add(r.box)
}

func (e *customFieldsEditor) value() []engine.CustomField {
	var out []engine.CustomField
	for _, r := range e.rows {
		out = append(out, engine.CustomField{Name: strings.TrimSpace(r.name.Text), Label: strings.TrimSpace(r.label.Text), Type: engine.FieldType(r.typ.Selected)})
	}
	return out
}

// orderEditor edits the primary contract ordering: contract fields, each
// ascending or descending, in order.
type orderEditor struct {
	fields []engine.FieldDef
	rows   []*orderRow
	box    *fyne.Container
	root   fyne.CanvasObject
}

type orderRow struct {
	field *widget.Select
	dir   *widget.Select
	box   *fyne.Container
}

const (
	largestFirst  = "largest / latest first"
	smallestFirst = "smallest / earliest first"
)

func newOrderEditor() *orderEditor {
	e := &orderEditor{box: container.NewVBox()}
	add := widget.NewButtonWithIcon("Add step", theme.ContentAddIcon(), func() { e.add(engine.SortCriterion{Descending: true}) })
	e.root = container.NewVBox(e.box, container.NewHBox(add))
	return e
}

func (e *orderEditor) set(o engine.PrimaryContractOrder) {
	e.rows = nil
	e.box.RemoveAll()
	for _, c := range o.Criteria {
		e.add(c)
	}
}

func (e *orderEditor) add(c engine.SortCriterion) {
	var paths []string
	for _, f := range e.fields {
		paths = append(paths, f.Path)
	}
	r := &orderRow{field: widget.NewSelect(paths, nil), dir: widget.NewSelect([]string{largestFirst, smallestFirst}, nil)}
	r.field.SetSelected(c.Field)
	if c.Descending {
		r.dir.SetSelected(largestFirst)
	} else {
		r.dir.SetSelected(smallestFirst)
	}
	up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), nil)
	remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), nil)
	up.Importance, remove.Importance = widget.LowImportance, widget.LowImportance
	dir := container.NewGridWrap(fyne.NewSize(240, r.dir.MinSize().Height), r.dir)
	r.box = container.NewBorder(nil, nil, nil, container.NewHBox(dir, up, remove), r.field)
	up.OnTapped = func() {
		for i, x := range e.rows {
			if x == r && i > 0 {
				e.rows[i-1], e.rows[i] = e.rows[i], e.rows[i-1]
				e.relayout()
				return
			}
		}
	}
	remove.OnTapped = func() {
		for i, x := range e.rows {
			if x == r {
				e.rows = append(e.rows[:i], e.rows[i+1:]...)
				break
			}
		}
		e.relayout()
	}
	e.rows = append(e.rows, r)
	e.box.Add(r.box)
}

func (e *orderEditor) relayout() {
	e.box.RemoveAll()
	for _, r := range e.rows {
		e.box.Add(r.box)
	}
}

func (e *orderEditor) value() engine.PrimaryContractOrder {
	var o engine.PrimaryContractOrder
	for _, r := range e.rows {
		o.Criteria = append(o.Criteria, engine.SortCriterion{Field: r.field.Selected, Descending: r.dir.Selected == largestFirst})
	}
	return o
}
