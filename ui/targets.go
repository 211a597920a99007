package ui

import (
	"context"
	"fmt"
	"image/color"
	"maps"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// targetsHelp says what target systems are for and, while no connector
// discovers permissions, that they are typed in.
const targetsHelp = "A target system is where persons get accounts and rights: a directory, an application, a database. " +
	"Business rules grant, in a target system, an account, account access (the account is enabled), " +
	"the permissions listed here (group memberships and other named rights), or custom entitlements.\n" +
	"For now permissions are entered by hand: list the ones rules may grant. Connectors that discover them from the system itself come later."

// targetsScreen lists the target systems; selecting one shows it with its
// permissions, and Add or Edit opens the target editor in its place.
type targetsScreen struct {
	w *Window

	list   *widget.List
	body   *fyne.Container
	split  fyne.CanvasObject
	root   *fyne.Container // the list and a target, or the editor alone
	editor *targetEditor

	targets  []engine.TargetSystem
	selected string
	shown    *engine.TargetSystem // the target on the right, if any
}

func newTargetsScreen(w *Window) *targetsScreen {
	s := &targetsScreen{w: w}
	s.list = widget.NewList(func() int { return len(s.targets) },
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			name.Truncation = fyne.TextTruncateEllipsis
			info := widget.NewLabel("")
			info.SizeName = theme.SizeNameCaptionText
			info.Truncation = fyne.TextTruncateEllipsis
			return container.NewVBox(name, info)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(s.targets) {
				return
			}
			t := &s.targets[id]
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(t.Name)
			box.Objects[1].(*widget.Label).SetText(targetSummary(t))
		})
	s.list.OnSelected = func(id widget.ListItemID) {
		if id < len(s.targets) {
			s.selected = s.targets[id].Key
			s.showTarget(&s.targets[id])
		}
	}
	add := widget.NewButtonWithIcon("Add target system", theme.ContentAddIcon(), s.add)
	add.Importance = widget.HighImportance
	s.body = container.NewStack(s.placeholder())
	left := container.NewBorder(container.NewVBox(widget.NewLabelWithStyle("Target systems", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), add), nil, nil, nil, s.list)
	split := container.NewHSplit(left, s.body)
	split.Offset = 0.22
	s.split = split
	s.root = container.NewStack(split)
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

// showTarget shows a target system with its permissions and actions, or
// the placeholder for nil.
func (s *targetsScreen) showTarget(t *engine.TargetSystem) {
	s.shown = t
	if t == nil {
		s.setBody(s.placeholder())
		return
	}
	title := widget.NewLabelWithStyle(t.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	form := container.New(layout.NewFormLayout())
	addRow := func(k, v string) {
		form.Add(widget.NewLabelWithStyle(k, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		l := widget.NewLabel(v)
		l.Wrapping = fyne.TextWrapWord
		form.Add(l)
	}
	addRow("Key", t.Key)
	addRow("Kind", targetKindLabel(t.Kind))
	if t.Disabled {
		addRow("State", "Disabled")
	} else {
		addRow("State", "Enabled")
	}
	key, name := t.Key, t.Name
	edit := widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), func() { s.edit(key) })
	edit.Importance = widget.HighImportance
	del := widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() { s.confirmDelete(key, name) })
	del.Importance = widget.DangerImportance
	perms := widget.NewLabelWithStyle("Permissions ("+strconv.Itoa(len(t.Permissions))+")", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewVBox(title, form, container.NewHBox(edit, layout.NewSpacer(), del), widget.NewSeparator(), perms)

	var center fyne.CanvasObject
	if len(t.Permissions) == 0 {
		center = container.NewVBox(widget.NewLabel("No permissions yet: edit the target system to list the ones rules may grant."), helpLabel(targetsHelp))
	} else {
		list := t.Permissions
		table := newTable([]column{{"Id", 240}, {"Display name", 220}, {"Description", 380}},
			func() int { return len(list) },
			func(row, col int) string {
				p := list[row]
				switch col {
				case 0:
					return p.ID
				case 1:
					return p.Name
				default:
					return p.Description
				}
			})
		center = withMinSize(table, 0, 160)
	}
	s.setBody(container.NewPadded(container.NewBorder(top, nil, nil, nil, center)))
}

func (s *targetsScreen) confirmDelete(key, name string) {
	msg := fmt.Sprintf("Delete the target system %q and its list of permissions?\n\nA target system that business rules grant in cannot be deleted:\nchange or delete those rules first.", name)
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
}

// closeEditor returns to the list, showing key when set.
func (s *targetsScreen) closeEditor(key string) {
	s.editor = nil
	s.root.Objects = []fyne.CanvasObject{s.split}
	s.root.Refresh()
	if key != "" {
		s.selected = key
	}
	s.refresh()
}

func cloneTarget(t engine.TargetSystem) engine.TargetSystem {
	out := t
	out.Permissions = slices.Clone(t.Permissions)
	out.Settings = maps.Clone(t.Settings)
	return out
}

// targetEditor is the form for one target system: name, key, kind,
// whether it is enabled, and its permissions.
type targetEditor struct {
	s           *targetsScreen
	originalKey string
	base        engine.TargetSystem

	name    *widget.Entry
	key     *widget.Entry
	kind    *widget.Select
	enabled *widget.Check
	perms   *permissionsEditor
	problem *widget.Label
	save    *widget.Button
	root    fyne.CanvasObject
}

func newTargetEditor(s *targetsScreen, t engine.TargetSystem, originalKey string) *targetEditor {
	e := &targetEditor{s: s, originalKey: originalKey, base: t}

	e.key = widget.NewEntry()
	e.key.SetText(t.Key)
	e.key.SetPlaceHolder("made from the name")
	if originalKey != "" {
		e.key.Disable() // rules, the ledger and the command line refer to it
	}
	e.name = widget.NewEntry()
	e.name.SetText(t.Name)
	e.name.SetPlaceHolder("e.g. Active Directory")
	e.name.OnChanged = func(name string) {
		if e.originalKey != "" {
			return
		}
		if slug := engine.Slug(name); slug != "" {
			e.key.SetPlaceHolder("made from the name: " + slug)
		} else {
			e.key.SetPlaceHolder("made from the name")
		}
	}

	var labels []string
	selected := ""
	for _, c := range app.TargetKinds {
		labels = append(labels, c.Label)
		if c.Value == t.Kind {
			selected = c.Label
		}
	}
	if selected == "" && t.Kind != "" {
		// a kind this version does not offer, e.g. from an imported
		// configuration: keep it rather than change it silently
		labels = append(labels, t.Kind)
		selected = t.Kind
	}
	e.kind = widget.NewSelect(labels, nil)
	e.kind.SetSelected(selected)
	e.enabled = widget.NewCheck("Enabled (a disabled target is left out of evaluations: nothing is granted or revoked in it)", nil)
	e.enabled.SetChecked(!t.Disabled)

	general := container.New(layout.NewFormLayout(),
		boldLabel("Name"), e.name, boldLabel("Key"), e.key, boldLabel("Kind"), e.kind, boldLabel("State"), e.enabled)

	e.perms = newPermissionsEditor(s.w.win, t.Permissions)

	e.problem = problemLabel()
	e.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), e.onSave)
	e.save.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { e.s.closeEditor("") })

	title := "New target system"
	if originalKey != "" {
		title = "Edit " + t.Name
	}
	header := container.NewBorder(nil, nil, widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), container.NewHBox(cancel, e.save))
	// the permissions take the height that is left: they scroll on
	// their own, however many there are
	e.root = container.NewBorder(container.NewVBox(header, e.problem, helpLabel(targetsHelp), general, widget.NewSeparator()), nil, nil, nil,
		e.perms.root)
	return e
}

// build returns the target system as the form describes it.
func (e *targetEditor) build() engine.TargetSystem {
	t := cloneTarget(e.base)
	t.Name = strings.TrimSpace(e.name.Text)
	t.Key = strings.TrimSpace(e.key.Text)
	if e.originalKey != "" {
		t.Key = e.originalKey
	}
	t.Kind = e.base.Kind
	for _, c := range app.TargetKinds {
		if c.Label == e.kind.Selected {
			t.Kind = c.Value
		}
	}
	t.Disabled = !e.enabled.Checked
	t.Permissions = e.perms.value()
	return t
}

func (e *targetEditor) onSave() {
	// rows left empty say nothing; dropping them keeps the row numbers
	// in the app's messages matching the rows on screen
	e.perms.dropBlank()
	t := e.build()
	e.save.Disable()
	e.s.w.jobs.run(func() func() {
		key, err := e.s.w.app.SaveTargetSystem(context.Background(), t, e.originalKey)
		return func() {
			e.save.Enable()
			if e.s.editor != e { // cancelled meanwhile
				if err == nil {
					e.s.refresh()
				}
				return
			}
			showProblem(e.problem, err)
			if err == nil {
				e.s.closeEditor(key)
			}
		}
	})
}

// permissionsEditor edits a target's permissions, one row each (id,
// display name, description) with a remove button, and adds pasted lists.
// The rows are a widget.List over the slice it owns: an export of
// thousands of groups pastes and scrolls without delay.
type permissionsEditor struct {
	win   fyne.Window
	perms []engine.Permission
	list  *widget.List
	items []*permissionItem // every row the list made, bound or not
	count *widget.Label
	note  *widget.Label // what the last paste added
	root  fyne.CanvasObject

	pasteEntry *widget.Entry // in the paste dialog while it is open
}

func newPermissionsEditor(win fyne.Window, perms []engine.Permission) *permissionsEditor {
	e := &permissionsEditor{win: win, perms: slices.Clone(perms)}
	e.count = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	e.note = helpLabel("")
	e.note.Hide()
	e.list = widget.NewList(func() int { return len(e.perms) },
		func() fyne.CanvasObject {
			it := newPermissionItem(e)
			e.items = append(e.items, it)
			return it
		},
		func(id widget.ListItemID, o fyne.CanvasObject) { o.(*permissionItem).bind(id) })
	// a row is edited in its entries, not selected
	e.list.OnSelected = func(id widget.ListItemID) { e.list.Unselect(id) }

	add := widget.NewButtonWithIcon("Add permission", theme.ContentAddIcon(), e.addEmpty)
	paste := widget.NewButtonWithIcon("Paste list…", theme.ContentPasteIcon(), e.showPaste)
	// the column titles line up with the rows: a number on the left, a
	// remove button on the right
	removeSpace := canvas.NewRectangle(color.Transparent)
	removeSpace.SetMinSize(widget.NewButtonWithIcon("", theme.DeleteIcon(), nil).MinSize())
	header := container.NewBorder(nil, nil, permissionNumber(widget.NewLabel("")), removeSpace, container.NewGridWithColumns(3,
		widget.NewLabelWithStyle("Id (as the target names it)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("Display name", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("Description", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})))
	e.root = container.NewBorder(container.NewVBox(e.count, header), container.NewVBox(container.NewHBox(add, paste), e.note), nil, nil,
		withMinSize(e.list, 0, 160))
	e.changed()
	return e
}

// changed updates the list and the count after rows came or went.
func (e *permissionsEditor) changed() {
	e.count.SetText("Permissions (" + strconv.Itoa(len(e.perms)) + ")")
	e.list.Refresh()
}

// permissionNumber gives row numbers one width, so the columns line up.
func permissionNumber(l *widget.Label) fyne.CanvasObject {
	l.Alignment = fyne.TextAlignTrailing
	return container.NewGridWrap(fyne.NewSize(56, l.MinSize().Height), l)
}

// permissionItem is one row of the permissions editor, bound to the
// permission at index by the list; its entries write through to it.
type permissionItem struct {
	widget.BaseWidget
	e                     *permissionsEditor
	index                 int
	num                   *widget.Label
	id, name, description *widget.Entry
	remove                *widget.Button
	content               fyne.CanvasObject
}

func newPermissionItem(e *permissionsEditor) *permissionItem {
	it := &permissionItem{e: e, index: -1, num: widget.NewLabel(""),
		id: widget.NewEntry(), name: widget.NewEntry(), description: widget.NewEntry()}
	it.id.SetPlaceHolder("e.g. GG-Finance")
	it.name.SetPlaceHolder("shown in rules (optional)")
	it.description.SetPlaceHolder("optional")
	field := func(set func(p *engine.Permission, v string)) func(string) {
		return func(v string) {
			if it.index >= 0 && it.index < len(e.perms) {
				set(&e.perms[it.index], v)
			}
		}
	}
	it.id.OnChanged = field(func(p *engine.Permission, v string) { p.ID = v })
	it.name.OnChanged = field(func(p *engine.Permission, v string) { p.Name = v })
	it.description.OnChanged = field(func(p *engine.Permission, v string) { p.Description = v })
	it.remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
		if it.index >= 0 && it.index < len(e.perms) {
			e.removeAt(it.index)
		}
	})
	it.remove.Importance = widget.LowImportance
	it.content = container.NewBorder(nil, nil, permissionNumber(it.num), it.remove,
		container.NewGridWithColumns(3, it.id, it.name, it.description))
	it.ExtendBaseWidget(it)
	return it
}

func (it *permissionItem) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(it.content)
}

// bind shows the permission at index i.
func (it *permissionItem) bind(i int) {
	// index first: setting the texts writes the same values back
	it.index = i
	p := it.e.perms[i]
	it.num.SetText(strconv.Itoa(i + 1))
	for _, x := range []struct {
		entry *widget.Entry
		text  string
	}{{it.id, p.ID}, {it.name, p.Name}, {it.description, p.Description}} {
		if x.entry.Text != x.text {
			x.entry.SetText(x.text)
		}
	}
}

// item returns the row showing permission i, scrolling to it; nil when
// the list has not laid it out.
func (e *permissionsEditor) item(i int) *permissionItem {
	e.list.ScrollTo(i)
	for _, it := range e.items {
		if it.index == i && it.Visible() {
			return it
		}
	}
	return nil
}

// addEmpty adds an empty row at the end and puts the cursor in it.
func (e *permissionsEditor) addEmpty() {
	e.perms = append(e.perms, engine.Permission{})
	e.changed()
	if it := e.item(len(e.perms) - 1); it != nil {
		e.win.Canvas().Focus(it.id)
	}
}

func (e *permissionsEditor) removeAt(i int) {
	e.perms = slices.Delete(e.perms, i, i+1)
	e.changed()
}

func blankPermission(p engine.Permission) bool {
	return strings.TrimSpace(p.ID) == "" && strings.TrimSpace(p.Name) == "" && strings.TrimSpace(p.Description) == ""
}

// dropBlank removes the rows with nothing in them.
func (e *permissionsEditor) dropBlank() {
	if slices.ContainsFunc(e.perms, blankPermission) {
		e.perms = slices.DeleteFunc(e.perms, blankPermission)
		e.changed()
	}
}

func (e *permissionsEditor) value() []engine.Permission {
	out := make([]engine.Permission, 0, len(e.perms))
	for _, p := range e.perms {
		out = append(out, engine.Permission{
			ID:          strings.TrimSpace(p.ID),
			Name:        strings.TrimSpace(p.Name),
			Description: strings.TrimSpace(p.Description),
		})
	}
	return out
}

// showPaste opens a dialog that adds a pasted list of permissions.
func (e *permissionsEditor) showPaste() {
	entry := widget.NewMultiLineEntry()
	entry.SetPlaceHolder("GG-Finance;Finance\nGG-HR;Human resources\nGG-Sales")
	entry.SetMinRowsVisible(10)
	e.pasteEntry = entry
	help := helpLabel("One permission per line: its id, or id;display name, or id;display name;description " +
		"(a tab works as well as a semicolon, as when copying from a spreadsheet). Empty lines and ids already listed are skipped.")
	d := dialog.NewCustomConfirm("Paste a list of permissions", "Add", "Cancel", container.NewBorder(help, nil, nil, nil, entry), func(ok bool) {
		e.pasteEntry = nil
		if ok {
			e.paste(entry.Text)
		}
	}, e.win)
	d.Resize(fyne.NewSize(600, 420))
	d.Show()
	e.win.Canvas().Focus(entry)
}

// paste adds the permissions listed in text, skipping ids already
// listed, and says what it did.
func (e *permissionsEditor) paste(text string) {
	seen := map[string]bool{}
	for _, p := range e.perms {
		seen[strings.TrimSpace(p.ID)] = true
	}
	added, dup, noID := 0, 0, 0
	for _, p := range parsePermissionList(text) {
		switch {
		case p.ID == "":
			noID++
		case seen[p.ID]:
			dup++
		default:
			seen[p.ID] = true
			e.perms = append(e.perms, p)
			added++
		}
	}
	if added > 0 {
		e.changed()
		e.list.ScrollToBottom()
	}
	msg := "Added " + permissionCount(added)
	if dup > 0 {
		msg += fmt.Sprintf("; skipped %d already listed", dup)
	}
	if noID > 0 {
		msg += fmt.Sprintf("; skipped %d without an id", noID)
	}
	e.note.SetText(msg + ".")
	e.note.Show()
}

// parsePermissionList reads one permission per non-empty line: "id",
// "id;name" or "id;name;description", with a tab also separating fields.
func parsePermissionList(text string) []engine.Permission {
	var out []engine.Permission
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
		if line == "" {
			continue
		}
		parts := strings.SplitN(strings.ReplaceAll(line, "\t", ";"), ";", 3)
		var p engine.Permission
		p.ID = strings.TrimSpace(parts[0])
		if len(parts) > 1 {
			p.Name = strings.TrimSpace(parts[1])
		}
		if len(parts) > 2 {
			p.Description = strings.TrimSpace(parts[2])
		}
		out = append(out, p)
	}
	return out
}
