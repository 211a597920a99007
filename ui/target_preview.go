package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// accountPreview shows the attributes the account mapping, as edited,
// makes for a person of the latest snapshot in a stage: find the person
// with the search box (the matches take the table's place while typing)
// and pick the stage; it is recomputed off the UI goroutine as the
// mapping changes.
type accountPreview struct {
	e       *targetEditor
	search  *widget.Entry
	hits    *widget.List
	stage   *widget.Select
	who     *widget.Label
	status  *widget.Label
	table   *widget.Table
	body    *fyne.Container // the table, or the matches while searching
	root    fyne.CanvasObject
	persons *app.PersonList
	matches []int
	// personID is the person previewed; "" until the persons are loaded.
	personID string
	rows     [][2]string // attribute, value
	result   *app.MappingPreview

	searchTimer *time.Timer
	searchGen   int
}

func newAccountPreview(e *targetEditor) *accountPreview {
	p := &accountPreview{e: e}
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder("Search a person: name, id, e-mail, department")
	p.search.OnChanged = func(string) { e.s.w.jobs.debounce(&p.searchTimer, e.s.debounce, p.filter) }
	p.hits = widget.NewList(func() int { return len(p.matches) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("")
			name.Truncation = fyne.TextTruncateEllipsis
			info := widget.NewLabel("")
			info.SizeName = theme.SizeNameCaptionText
			info.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, info, name)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(p.matches) || p.persons == nil {
				return
			}
			s := &p.persons.Persons[p.matches[id]]
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(s.DisplayName)
			box.Objects[1].(*widget.Label).SetText(joinNonEmpty(" · ", s.ID, s.Department, string(s.Status)))
		})
	p.hits.OnSelected = func(id widget.ListItemID) {
		if id < len(p.matches) && p.persons != nil {
			p.setPerson(p.persons.Persons[p.matches[id]].ID)
			p.search.SetText("")
		}
	}
	var stages []string
	for _, s := range engine.Stages {
		stages = append(stages, s.Label())
	}
	p.stage = widget.NewSelect(stages, nil)
	p.stage.SetSelected(engine.StageCreate.Label())
	p.stage.OnChanged = func(string) { e.mappingChanged() }
	p.who = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.status = widget.NewLabel("Loading the persons of the latest snapshot…")
	p.status.Wrapping = fyne.TextWrapWord
	p.status.SizeName = theme.SizeNameCaptionText
	p.table = newTable([]column{{"Attribute", 200}, {"Value", 460}}, func() int { return len(p.rows) },
		func(row, col int) string { return p.rows[row][col] })
	p.body = container.NewStack(p.table)

	title := widget.NewLabelWithStyle("Preview for", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	at := container.NewHBox(widget.NewLabel("at"), withMinSize(p.stage, 130, 0))
	pick := container.NewBorder(nil, nil, title, at, p.search)
	info := container.NewBorder(nil, nil, p.who, nil, p.status)
	p.root = container.NewBorder(container.NewVBox(pick, info), nil, nil, nil, p.body)
	return p
}

// stageValue returns the stage chosen.
func (p *accountPreview) stageValue() engine.Stage {
	for _, s := range engine.Stages {
		if s.Label() == p.stage.Selected {
			return s
		}
	}
	return engine.StageCreate
}

// setPersons takes the persons list and previews the first active person.
func (p *accountPreview) setPersons(list *app.PersonList) {
	p.persons = list
	p.filterNow()
	if p.personID != "" || list == nil {
		return
	}
	for i := range list.Persons {
		if list.Persons[i].Status == engine.StatusActive {
			p.setPerson(list.Persons[i].ID)
			return
		}
	}
	if len(list.Persons) > 0 {
		p.setPerson(list.Persons[0].ID)
		return
	}
	p.status.SetText("There are no persons yet: import a source system to preview accounts.")
}

// setPerson previews the person with the given id.
func (p *accountPreview) setPerson(id string) {
	p.personID = id
	p.who.SetText(p.personName(id))
	p.search.SetPlaceHolder("Search another person: name, id, e-mail, department")
	p.e.mappingChanged()
}

func (p *accountPreview) personName(id string) string {
	if p.persons != nil {
		if s, ok := p.persons.Find(id); ok {
			return fmt.Sprintf("%s (%s)", s.DisplayName, s.ID)
		}
	}
	return id
}

func (p *accountPreview) filter() { p.filterNow() }

// filterNow lists the persons that match the search, at most 200, in
// place of the table; without a search the table is back.
func (p *accountPreview) filterNow() {
	if p.persons == nil {
		return
	}
	if strings.TrimSpace(p.search.Text) == "" {
		p.searchGen++
		p.matches = nil
		p.body.Objects = []fyne.CanvasObject{p.table}
		p.body.Refresh()
		return
	}
	p.searchGen++
	gen, list, q := p.searchGen, p.persons, p.search.Text
	p.e.s.w.jobs.run(func() func() {
		hits := list.Filter(app.PersonFilter{Query: q})
		if len(hits) > 200 {
			hits = hits[:200]
		}
		return func() {
			if gen == p.searchGen {
				p.matches = hits
				p.hits.UnselectAll()
				p.hits.Refresh()
				p.body.Objects = []fyne.CanvasObject{p.hits}
				p.body.Refresh()
			}
		}
	})
}

// show shows what the mapping made, or why it made nothing.
func (p *accountPreview) show(res *app.MappingPreview, err error, mapping []engine.AttributeMapping) {
	p.result = res
	p.rows = nil
	switch {
	case err != nil:
		p.status.SetText("No preview: " + err.Error())
		p.status.Importance = widget.DangerImportance
	case res == nil:
		p.status.SetText("The preview waits until the mapping above has no problem.")
		p.status.Importance = widget.WarningImportance
	default:
		stage := res.Stage
		for _, m := range mapping {
			if m.Value(stage) == nil {
				continue
			}
			v, ok := res.Attributes[m.Attribute]
			switch {
			case !ok:
				v = "(no value)"
			case v == "":
				v = "(empty: the attribute is cleared)"
			}
			p.rows = append(p.rows, [2]string{m.Attribute, v})
		}
		switch {
		case res.Error != "":
			p.status.SetText(res.Error)
			p.status.Importance = widget.DangerImportance
		case len(p.rows) == 0:
			p.status.SetText(fmt.Sprintf("The mapping writes nothing at %s.", stage))
			p.status.Importance = widget.MediumImportance
		default:
			p.status.SetText(fmt.Sprintf("%s at %s, with the rules in force today.", plural(len(p.rows), "attribute", "attributes"), stage))
			p.status.Importance = widget.MediumImportance
		}
	}
	p.status.Refresh()
	p.table.Refresh()
}

// value returns the value previewed for an attribute.
func (p *accountPreview) value(attr string) (string, bool) {
	if p.result == nil {
		return "", false
	}
	v, ok := p.result.Attributes[attr]
	return v, ok
}
