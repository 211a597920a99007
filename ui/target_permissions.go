package ui

import (
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/engine"
)

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

// newPermissionsEditor edits perms; extra are more buttons beside Add and
// Paste.
func newPermissionsEditor(win fyne.Window, perms []engine.Permission, extra ...fyne.CanvasObject) *permissionsEditor {
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
	buttons := container.NewHBox(append([]fyne.CanvasObject{add, paste}, extra...)...)
	e.root = container.NewBorder(container.NewVBox(e.count, header), container.NewVBox(buttons, e.note), nil, nil,
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

// ids returns the ids listed.
func (e *permissionsEditor) ids() []string {
	out := make([]string, 0, len(e.perms))
	for _, p := range e.perms {
		out = append(out, strings.TrimSpace(p.ID))
	}
	return out
}

// addFound adds permissions found in the target, skipping ids already
// listed, and says what it did.
func (e *permissionsEditor) addFound(found []engine.Permission, from string) {
	seen := map[string]bool{}
	for _, id := range e.ids() {
		seen[id] = true
	}
	added := 0
	for _, p := range found {
		if !seen[p.ID] {
			seen[p.ID] = true
			e.perms = append(e.perms, p)
			added++
		}
	}
	if added > 0 {
		e.changed()
		e.list.ScrollToBottom()
	}
	e.note.SetText(fmt.Sprintf("Added %s found in %s; save to keep them.", permissionCount(added), from))
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
