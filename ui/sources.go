package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/engine"
)

// sourcesScreen lists the source systems; selecting one shows it, and
// Add or Edit opens the source editor in its place.
type sourcesScreen struct {
	w *Window

	list   *widget.List
	body   *fyne.Container
	split  fyne.CanvasObject
	root   *fyne.Container // the list and a source, or the editor alone
	editor *sourceEditor

	sources  []engine.SourceSystem
	selected string
	// editFirst opens the first source system in the editor once loaded.
	editFirst bool
}

func newSourcesScreen(w *Window) *sourcesScreen {
	s := &sourcesScreen{w: w}
	s.list = twoLineList(func() int { return len(s.sources) }, func(i int) (string, string) {
		src := s.sources[i]
		state := "enabled"
		if src.Disabled {
			state = "disabled"
		}
		return src.Name, fmt.Sprintf("%s · %s · %s", src.Key, src.Kind, state)
	})
	s.list.OnSelected = func(id widget.ListItemID) {
		if id < len(s.sources) {
			s.selected = s.sources[id].Key
			s.showSource(&s.sources[id])
		}
	}
	add := widget.NewButtonWithIcon("Add source system", theme.ContentAddIcon(), s.add)
	s.body = container.NewStack(s.placeholder())
	s.split, s.root = listAndDetail("Source systems", add, s.list, s.body, 0.22)
	return s
}

func (s *sourcesScreen) placeholder() fyne.CanvasObject {
	l := widget.NewLabel("A source system is where personnel data comes from, such as an HR export.\nSelect one to see it, or add one.")
	return container.NewPadded(l)
}

func (s *sourcesScreen) object() fyne.CanvasObject { return s.root }

func (s *sourcesScreen) refresh() {
	s.w.jobs.run(func() func() {
		cfg, err := s.w.app.Config(context.Background())
		return func() {
			if err != nil {
				s.w.showError(err)
				return
			}
			s.sources = cfg.SourceSystems
			s.list.Refresh()
			if s.editFirst && len(s.sources) > 0 {
				s.editFirst = false
				s.edit(s.sources[0].Key)
			}
			if s.editor != nil {
				return
			}
			if s.selected == "" && len(s.sources) > 0 {
				s.selected = s.sources[0].Key
			}
			if i := slices.IndexFunc(s.sources, func(x engine.SourceSystem) bool { return x.Key == s.selected }); i >= 0 {
				s.list.Select(i)
				s.showSource(&s.sources[i])
			} else {
				s.setBody(s.placeholder())
			}
		}
	})
}

func (s *sourcesScreen) setBody(o fyne.CanvasObject) {
	s.body.Objects = []fyne.CanvasObject{o}
	s.body.Refresh()
}

// showSource shows a source system's configuration and its actions.
func (s *sourcesScreen) showSource(src *engine.SourceSystem) {
	s.editor = nil
	kind, _ := kindOf(s.w, src.Kind)
	title := widget.NewLabelWithStyle(src.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	form := container.New(layout.NewFormLayout())
	addRow := func(k, v string) {
		form.Add(widget.NewLabelWithStyle(k, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		l := widget.NewLabel(v)
		l.Wrapping = fyne.TextWrapWord
		form.Add(l)
	}
	addRow("Key", src.Key)
	addRow("Kind", kind.Label)
	for _, d := range kind.Settings {
		if d.Applies(src.Settings) {
			if v := d.Value(src.Settings); v != "" {
				addRow(d.Label, v)
			}
		}
	}
	formats := strings.Join(src.DateFormats, ", ")
	if formats == "" {
		formats = strings.Join(engine.DefaultDateFormats, ", ") + " (defaults)"
	}
	addRow("Date formats", formats)
	addRow("Mapped fields", fmt.Sprintf("%d person, %d contract, %d department", len(src.Mapping.Person), len(src.Mapping.Contract), len(src.Mapping.Department)))
	addRow("Thresholds", fmt.Sprintf("added: %s; removed: %s; blocked: %s", src.Thresholds.Added, src.Thresholds.Removed, src.Thresholds.Blocked))
	key := src.Key
	edit := widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), func() { s.edit(key) })
	edit.Importance = widget.HighImportance
	importNow := widget.NewButtonWithIcon("Import now", theme.MediaPlayIcon(), func() {
		s.w.Show(ScreenImports)
		s.w.imports.runImport([]string{key})
	})
	del := widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() { s.confirmDelete(key, src.Name) })
	del.Importance = widget.DangerImportance
	s.setBody(container.NewVScroll(container.NewPadded(container.NewVBox(title, form, container.NewHBox(edit, importNow, layout.NewSpacer(), del)))))
}

func (s *sourcesScreen) confirmDelete(key, name string) {
	msg := fmt.Sprintf("Delete the source system %q?\n\nIts persons and departments leave in a new snapshot,\nrecorded as an import of this source system.", name)
	dialog.ShowConfirm("Delete source system", msg, func(ok bool) {
		if !ok {
			return
		}
		s.setBody(container.NewPadded(container.NewVBox(
			widget.NewLabel(fmt.Sprintf("Deleting %s: its persons leave in a new snapshot…", name)), widget.NewProgressBarInfinite())))
		s.w.jobs.run(func() func() {
			err := s.w.app.DeleteSourceSystem(context.Background(), key)
			return func() {
				if err != nil {
					s.w.showError(err)
				}
				s.selected = ""
				s.list.UnselectAll()
				s.refresh()
			}
		})
	}, s.w.win)
}

// add opens the editor on a new source system.
func (s *sourcesScreen) add() {
	kinds := s.w.app.SourceKinds()
	ten := 10.0
	src := engine.SourceSystem{Kind: kinds[0].Kind, Settings: map[string]string{},
		// a wrong export should wait for a look before persons leave
		Thresholds: engine.ImportThresholds{Removed: engine.Threshold{MaxPercent: &ten}, Blocked: engine.Threshold{MaxPercent: &ten}},
		Mapping: engine.SourceMapping{
			Person: []engine.FieldMapping{
				{Field: "ExternalId", Type: engine.MapField, Required: true},
				{Field: "Name.GivenName", Type: engine.MapField, Required: true},
				{Field: "Name.FamilyName", Type: engine.MapField, Required: true},
				{Field: "Contact.Business.Email", Type: engine.MapField},
			},
			Contract: []engine.FieldMapping{
				{Field: "ExternalId", Type: engine.MapField},
				{Field: "StartDate", Type: engine.MapField, Required: true},
				{Field: "EndDate", Type: engine.MapField},
				{Field: "Department.ExternalId", Type: engine.MapField},
				{Field: "Title.Name", Type: engine.MapField},
			},
		}}
	s.openEditor(src, "")
}

// edit opens the editor on an existing source system.
func (s *sourcesScreen) edit(key string) {
	i := slices.IndexFunc(s.sources, func(x engine.SourceSystem) bool { return x.Key == key })
	if i < 0 {
		return
	}
	s.openEditor(cloneSource(s.sources[i]), key)
}

func (s *sourcesScreen) openEditor(src engine.SourceSystem, originalKey string) {
	s.list.UnselectAll()
	s.editor = newSourceEditor(s, src, originalKey)
	s.root.Objects = []fyne.CanvasObject{s.editor.root}
	s.root.Refresh()
	s.editor.start()
}

// closeEditor returns to the list, showing key when set.
func (s *sourcesScreen) closeEditor(key string) {
	s.editor = nil
	s.root.Objects = []fyne.CanvasObject{s.split}
	s.root.Refresh()
	if key != "" {
		s.selected = key
	}
	s.refresh()
}

func cloneSource(src engine.SourceSystem) engine.SourceSystem {
	out := src
	out.Settings = map[string]string{}
	for k, v := range src.Settings {
		out.Settings[k] = v
	}
	out.DateFormats = slices.Clone(src.DateFormats)
	out.Mapping.Person = slices.Clone(src.Mapping.Person)
	out.Mapping.Contract = slices.Clone(src.Mapping.Contract)
	out.Mapping.Department = slices.Clone(src.Mapping.Department)
	return out
}

func kindOf(w *Window, kind string) (engine.SourceKind, bool) {
	for _, k := range w.app.SourceKinds() {
		if k.Kind == kind {
			return k, true
		}
	}
	return engine.SourceKind{Kind: kind, Label: kind}, false
}
