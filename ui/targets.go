package ui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// targetsHelp says what target systems are for.
const targetsHelp = "A target system is where persons get accounts and rights: a directory, an application, a database. " +
	"Business rules grant, in a target system, an account, account access (the account is enabled), " +
	"the permissions listed here (group memberships and other named rights), or custom entitlements. " +
	"Discover a connected target's permissions from the system itself, or enter them by hand."

// targetsScreen lists the target systems; selecting one shows it (its
// connection, mapping, lifecycle, accounts and permissions), and Add or
// Edit opens the target editor in its place.
type targetsScreen struct {
	w *Window

	list   *widget.List
	body   *fyne.Container
	split  fyne.CanvasObject
	root   *fyne.Container // the list and a target, or the editor alone
	editor *targetEditor
	detail *targetDetail // the target on the right, if any

	targets  []engine.TargetSystem
	selected string
	shown    *engine.TargetSystem // the target on the right, if any
	// tasks holds each target's calls to the system (test, discover,
	// read), which go on while another target is shown.
	tasks map[string]*taskPanel
	// editFirst, when set, opens the first target system in the editor
	// on this tab once loaded (for views and screenshots).
	editFirst string
	// discovered is the last discovery dialog, for tests.
	discovered *discoverDialog
	// debounce is how long the editor waits after a keystroke before it
	// checks and previews the mapping.
	debounce time.Duration
}

func newTargetsScreen(w *Window) *targetsScreen {
	s := &targetsScreen{w: w, tasks: map[string]*taskPanel{}, debounce: 400 * time.Millisecond}
	s.list = twoLineList(func() int { return len(s.targets) }, func(i int) (string, string) {
		t := &s.targets[i]
		return t.Name, targetSummary(t)
	})
	s.list.OnSelected = func(id widget.ListItemID) {
		if id < len(s.targets) {
			s.selected = s.targets[id].Key
			s.showTarget(&s.targets[id])
		}
	}
	add := widget.NewButtonWithIcon("Add target system", theme.ContentAddIcon(), s.add)
	s.body = container.NewStack(s.placeholder())
	s.split, s.root = listAndDetail("Target systems", add, s.list, s.body, 0.22)
	return s
}

// targetSummary is a target's line under its name in the list.
func targetSummary(t *engine.TargetSystem) string {
	return fmt.Sprintf("%s · %s · %s · %s", t.Key, t.Kind, enabledWord(!t.Disabled), permissionCount(len(t.Permissions)))
}

func enabledWord(enabled bool) string {
	if enabled {
		return "enabled"
	}
	return "disabled"
}

func permissionCount(n int) string {
	if n == 1 {
		return "1 permission"
	}
	return strconv.Itoa(n) + " permissions"
}

// targetKindLabel is how the app names a kind of target system.
func targetKindLabel(kind string) string {
	for _, c := range app.TargetKinds {
		if c.Value == kind {
			return c.Label
		}
	}
	return kind
}

func (s *targetsScreen) placeholder() fyne.CanvasObject {
	return container.NewPadded(container.NewVBox(
		widget.NewLabel("Select a target system to see it, or add one."),
		helpLabel(targetsHelp)))
}

func (s *targetsScreen) object() fyne.CanvasObject { return s.root }

func (s *targetsScreen) refresh() {
	s.w.jobs.run(func() func() {
		cfg, err := s.w.app.Config(context.Background())
		return func() {
			if err != nil {
				s.w.showError(err)
				return
			}
			s.targets = cfg.TargetSystems
			s.list.Refresh()
			if tab := s.editFirst; tab != "" && len(s.targets) > 0 && s.editor == nil {
				s.editFirst = ""
				s.edit(s.targets[0].Key)
				if it := s.editor.tab[tab]; it != nil {
					s.editor.tabs.Select(it)
				}
			}
			if s.editor != nil {
				return
			}
			if s.selected == "" && len(s.targets) > 0 {
				s.selected = s.targets[0].Key
			}
			if i := slices.IndexFunc(s.targets, func(x engine.TargetSystem) bool { return x.Key == s.selected }); i >= 0 {
				s.list.Select(i)
				s.showTarget(&s.targets[i])
			} else {
				s.selected = ""
				s.list.UnselectAll()
				s.showTarget(nil)
			}
		}
	})
}

func (s *targetsScreen) setBody(o fyne.CanvasObject) {
	s.body.Objects = []fyne.CanvasObject{o}
	s.body.Refresh()
}

// showTarget shows a target system, or the placeholder for nil.
func (s *targetsScreen) showTarget(t *engine.TargetSystem) {
	s.shown = t
	if t == nil {
		s.detail = nil
		s.setBody(s.placeholder())
		return
	}
	tab := 0
	if s.detail != nil && s.detail.t.Key == t.Key {
		tab = s.detail.tabs.SelectedIndex() // the same target, changed: stay where the administrator was
	}
	s.detail = newTargetDetail(s, t, tab)
	s.setBody(s.detail.root)
}

// taskPanel returns the panel of the calls to a target.
func (s *targetsScreen) taskPanel(key string) *taskPanel {
	p := s.tasks[key]
	if p == nil {
		p = newTaskPanel()
		s.tasks[key] = p
	}
	return p
}

func (s *targetsScreen) confirmDelete(key, name string) {
	msg := fmt.Sprintf("Delete the target system %q, its settings, mapping and list of permissions?\n\n"+
		"Nothing is deleted in the system itself. A target system that business rules grant in cannot be deleted:\n"+
		"change or delete those rules first.", name)
	dialog.ShowConfirm("Delete target system", msg, func(ok bool) {
		if !ok {
			return
		}
		s.w.jobs.run(func() func() {
			err := s.w.app.DeleteTargetSystem(context.Background(), key)
			return func() {
				if err != nil {
					s.w.showError(err)
				} else if s.selected == key {
					s.selected = ""
				}
				s.refresh()
			}
		})
	}, s.w.win)
}

// add opens the editor on a new target system.
func (s *targetsScreen) add() {
	kind := engine.TargetManual
	if len(app.TargetKinds) > 0 {
		kind = app.TargetKinds[0].Value
	}
	s.openEditor(engine.TargetSystem{Kind: kind}, "")
}

// edit opens the editor on an existing target system.
func (s *targetsScreen) edit(key string) {
	i := slices.IndexFunc(s.targets, func(x engine.TargetSystem) bool { return x.Key == key })
	if i < 0 {
		return
	}
	s.openEditor(cloneTarget(s.targets[i]), key)
}

func (s *targetsScreen) openEditor(t engine.TargetSystem, originalKey string) {
	s.editor = newTargetEditor(s, t, originalKey)
	s.root.Objects = []fyne.CanvasObject{s.editor.root}
	s.root.Refresh()
	s.editor.start()
}

// closeEditor returns to the list, showing key when set.
func (s *targetsScreen) closeEditor(key string) {
	s.editor = nil
	s.root.Objects = []fyne.CanvasObject{s.split}
	s.root.Refresh()
	if key != "" {
		s.selected = key
	}
	s.detail = nil // shown afresh
	s.refresh()
}

// cloneTarget returns a deep copy of t, for editing.
func cloneTarget(t engine.TargetSystem) engine.TargetSystem {
	out := t
	out.Permissions = slices.Clone(t.Permissions)
	out.Settings = maps.Clone(t.Settings)
	out.Mapping = make([]engine.AttributeMapping, len(t.Mapping))
	for i, m := range t.Mapping {
		m.Stages = maps.Clone(m.Stages)
		for s, v := range m.Stages {
			if v != nil {
				c := *v
				m.Stages[s] = &c
			}
		}
		out.Mapping[i] = m
	}
	if t.Mapping == nil {
		out.Mapping = nil
	}
	if t.Correlation != nil {
		c := *t.Correlation
		out.Correlation = &c
	}
	out.Thresholds = slices.Clone(t.Thresholds)
	return out
}
