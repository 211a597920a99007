package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/connectors/file"
	"provisio/engine"
)

// manualKind is how the kind picker names a target changed by hand.
var manualKind = targetKindLabel(engine.TargetManual)

// targetsNow reads the saved target systems.
func (h *harness) targetsNow() []engine.TargetSystem {
	h.t.Helper()
	cfg, err := h.app.Config(context.Background())
	require.NoError(h.t, err)
	return cfg.TargetSystems
}

// openTarget shows the targets screen with the target key selected.
func (h *harness) openTarget(key string) *targetsScreen {
	h.t.Helper()
	h.w.Show(ScreenTargets)
	h.wait()
	s := h.w.targets
	for i, t := range s.targets {
		if t.Key == key {
			s.list.Select(i)
		}
	}
	h.wait()
	require.NotNil(h.t, s.shown)
	require.Equal(h.t, key, s.shown.Key)
	return s
}

// permissionRow returns the editor's row for permission i.
func (h *harness) permissionRow(e *targetEditor, i int) *permissionItem {
	h.t.Helper()
	it := e.perms.item(i)
	require.NotNil(h.t, it, "permission row %d is shown", i+1)
	return it
}

func TestTargetEditorAddsATargetWithPermissionsTypedAndPasted(t *testing.T) {
	h := newHarness(t, false)
	h.w.Show(ScreenTargets)
	h.wait()
	s := h.w.targets
	assert.Contains(t, texts(s.body), "by hand", "the help explains where permissions come from")
	test.Tap(button(s.root, "Add target system"))
	e := s.editor
	require.NotNil(t, e)
	e.kind.SetSelected(manualKind)
	assert.True(t, e.enabled.Checked)
	assert.True(t, e.tab[tabMapping].Disabled(), "a target changed by hand has no mapping")
	e.tabs.Select(e.tab[tabPerms])

	test.Type(e.name, "Entra ID")
	assert.Contains(t, e.key.PlaceHolder, "entra-id", "the key is made from the name")
	test.Tap(button(e.root, "Add permission"))
	require.Len(t, e.perms.perms, 1)
	first := h.permissionRow(e, 0)
	assert.Equal(t, first.id, h.win.Canvas().Focused(), "the cursor is in the new row")
	test.Type(first.id, "SG-Staff")
	test.Type(first.name, "All staff")
	test.Type(first.description, "Everyone employed")
	test.Tap(button(e.root, "Add permission"))
	test.Type(h.permissionRow(e, 1).id, "SG-Finance")
	test.Tap(button(e.root, "Add permission")) // left empty: dropped on save

	test.Tap(button(e.root, "Paste list…"))
	require.NotNil(t, e.perms.pasteEntry, "the paste dialog is open")
	e.perms.pasteEntry.SetText("SG-Sales;Sales team\n\nSG-Staff\n")
	test.Tap(h.overlayButton("Add"))
	require.Len(t, e.perms.perms, 4)
	pasted := h.permissionRow(e, 3)
	assert.Equal(t, "SG-Sales", pasted.id.Text)
	assert.Equal(t, "Sales team", pasted.name.Text)
	assert.Contains(t, e.perms.note.Text, "skipped 1 already listed")
	assert.Equal(t, "Permissions (4)", e.perms.count.Text)

	test.Tap(e.save)
	h.wait()
	assert.False(t, e.problem.Visible(), e.problem.Text)
	assert.Nil(t, s.editor, "saving closes the editor")
	targets := h.targetsNow()
	require.Len(t, targets, 1)
	got := targets[0]
	assert.Equal(t, "entra-id", got.Key)
	assert.Equal(t, "Entra ID", got.Name)
	assert.Equal(t, engine.TargetManual, got.Kind)
	assert.False(t, got.Disabled)
	assert.Equal(t, []engine.Permission{
		{ID: "SG-Staff", Name: "All staff", Description: "Everyone employed"},
		{ID: "SG-Finance"},
		{ID: "SG-Sales", Name: "Sales team"},
	}, got.Permissions)

	// the new target is listed and shown
	require.NotNil(t, s.shown)
	assert.Equal(t, "entra-id", s.shown.Key)
	assert.Equal(t, "entra-id · manual · enabled · 3 permissions", targetSummary(&s.targets[0]))
	shown := texts(s.body)
	assert.Contains(t, shown, "Permissions (3)")
	assert.Contains(t, shown, "Permissions entered by hand")
	assert.Nil(t, button(s.body, "Test connection"), "there is nothing to connect to")
}

func TestTargetEditorRenamesAPermission(t *testing.T) {
	h := newHarness(t, true)
	before := h.targetsNow()
	require.Len(t, before, 2, "the demo has Active Directory and Google Workspace")
	s := h.openTarget("ad")
	assert.Contains(t, texts(s.body), "Permissions (4)")
	test.Tap(button(s.body, "Edit"))
	e := s.editor
	require.NotNil(t, e)
	assert.True(t, e.key.Disabled(), "the key of a saved target cannot change")
	e.tabs.Select(e.tab[tabPerms])
	require.Len(t, e.perms.perms, 4)
	row := h.permissionRow(e, 0)
	require.Equal(t, "GG-All-Staff", row.id.Text)
	require.Equal(t, "All staff", row.name.Text)
	row.name.SetText("Everyone")
	test.Tap(e.save)
	h.wait()
	require.Nil(t, s.editor, "saving closes the editor: %s", e.problem.Text)

	after := h.targetsNow()
	require.Len(t, after, 2)
	assert.Equal(t, "ad", after[0].Key)
	require.Len(t, after[0].Permissions, 4)
	assert.Equal(t, "Everyone", after[0].Permissions[0].Name)
	assert.Equal(t, before[0].Permissions[1:], after[0].Permissions[1:], "the other permissions are kept")
	assert.Equal(t, before[1], after[1], "the other target is untouched")
	assert.Equal(t, "ad", s.shown.Key, "the saved target is shown")
}

func TestTargetEditorRefusesDuplicatePermissionIDs(t *testing.T) {
	h := newHarness(t, true)
	before := h.targetsNow()
	s := h.openTarget("ad")
	test.Tap(button(s.body, "Edit"))
	e := s.editor
	require.NotNil(t, e)
	e.tabs.Select(e.tab[tabPerms])
	test.Tap(button(e.root, "Add permission"))
	dup := h.permissionRow(e, 4)
	test.Type(dup.id, "GG-VPN")
	test.Type(dup.name, "VPN again")
	test.Tap(e.save)
	h.wait()
	require.True(t, e.problem.Visible(), "the problem is shown")
	assert.Contains(t, e.problem.Text, `permission "GG-VPN" is listed twice (rows 4 and 5)`)
	assert.Same(t, e, s.editor, "the editor stays open")
	assert.Equal(t, before, h.targetsNow(), "nothing was saved")

	test.Tap(button(e.root, "Cancel"))
	h.wait()
	assert.Nil(t, s.editor)
	assert.Equal(t, "ad", s.shown.Key)
}

func TestTargetUsedByRulesCannotBeDeleted(t *testing.T) {
	h := newHarness(t, true)
	before := h.targetsNow()
	s := h.openTarget("google")
	test.Tap(button(s.body, "Delete"))
	test.Tap(h.overlayButton("Yes"))
	h.wait()
	top := h.win.Canvas().Overlays().Top()
	require.NotNil(t, top, "the error is shown")
	msg := texts(top)
	assert.Contains(t, msg, "cannot be deleted")
	assert.Contains(t, msg, `"Google Workspace for office staff"`, "the message names the rules")
	assert.Contains(t, msg, `"Managers"`)
	test.Tap(h.overlayButton("OK"))
	assert.Equal(t, before, h.targetsNow(), "nothing changed")
	assert.Len(t, s.targets, 2)
	assert.Equal(t, "google", s.shown.Key, "the target is still shown")
}

func TestUnusedTargetIsDeleted(t *testing.T) {
	h := newHarness(t, true)
	_, err := h.app.SaveTargetSystem(context.Background(), engine.TargetSystem{Name: "Badge system",
		Permissions: []engine.Permission{{ID: "building-a"}}}, "")
	require.NoError(t, err)
	s := h.openTarget("badge-system")
	test.Tap(button(s.body, "Delete"))
	test.Tap(h.overlayButton("Yes"))
	h.wait()
	assert.Nil(t, h.win.Canvas().Overlays().Top(), "no error")
	targets := h.targetsNow()
	require.Len(t, targets, 2)
	for _, x := range targets {
		assert.NotEqual(t, "badge-system", x.Key)
	}
	assert.Len(t, s.targets, 2, "the list no longer shows it")
	require.NotNil(t, s.shown)
	assert.Equal(t, "ad", s.shown.Key, "the first target is shown instead")
}

func TestPermissionListIsReadLineByLine(t *testing.T) {
	got := parsePermissionList("GG-A\r\nGG-B;Group B\n\n  GG-C\tGroup C\tthe third  \n;no id\n")
	assert.Equal(t, []engine.Permission{
		{ID: "GG-A"},
		{ID: "GG-B", Name: "Group B"},
		{ID: "GG-C", Name: "Group C", Description: "the third"},
		{ID: "", Name: "no id"},
	}, got)
}

// fileTarget saves a file target over a directory file at path, with the
// mapping the kind needs, and returns its key.
func (h *harness) fileTarget(name, path string, perms ...engine.Permission) string {
	h.t.Helper()
	key, err := h.app.SaveTargetSystem(context.Background(), engine.TargetSystem{
		Name: name, Kind: "file", Settings: map[string]string{"path": path}, Permissions: perms,
		Mapping: []engine.AttributeMapping{{Attribute: "userName", Unique: true, Stages: map[engine.Stage]*engine.StageValue{
			engine.StageCreate: {Type: engine.MapField, Value: "ExternalId"}}}},
	}, "")
	require.NoError(h.t, err)
	return key
}

// activePerson returns an active person of the latest snapshot with a
// given name, family name and display name.
func (h *harness) activePerson() *app.PersonDetail {
	h.t.Helper()
	list, err := h.app.Persons(context.Background())
	require.NoError(h.t, err)
	for _, p := range list.Persons {
		if p.Status != engine.StatusActive {
			continue
		}
		d, err := h.app.Person(context.Background(), p.ID)
		require.NoError(h.t, err)
		if d.Person.Name.GivenName != "" && d.Person.Name.FamilyName != "" && d.Person.DisplayName != "" {
			return d
		}
	}
	h.t.Fatal("no active person")
	return nil
}

func TestTargetEditorMakesAFileTargetWithAMappingAndPreviewsIt(t *testing.T) {
	h := newHarness(t, true)
	h.w.targets.debounce = 0
	h.w.Show(ScreenTargets)
	h.wait()
	s := h.w.targets
	before := len(h.targetsNow())
	test.Tap(button(s.root, "Add target system"))
	h.wait()
	e := s.editor
	require.NotNil(t, e)
	assert.Equal(t, "Directory file (JSON)", e.kind.Selected, "the first connector kind is offered first")
	assert.Contains(t, texts(e.root), "Directory file *", "the kind's settings form is shown")

	// the connection form
	test.Type(e.name, "Staff directory")
	path := filepath.Join(t.TempDir(), "staff.json")
	e.settings.input("path").entry.SetText(path)
	assert.Equal(t, "userName", e.settings.input("identity").entry.Text, "a setting shows its default")

	// the identity attribute has a row to start from
	require.Len(t, e.grid.rows, 1)
	id := e.grid.rows[0]
	assert.Equal(t, "userName", id.attr.Text)
	assert.True(t, id.unique.Checked)
	assert.Equal(t, cellScript, id.cells[0].typ.Selected)
	assert.Equal(t, cellNone, id.cells[2].typ.Selected)

	// a snippet through its dialog, a field through the picker, a fixed value
	e.tabs.Select(e.tab[tabMapping])
	person := h.activePerson()
	e.preview.setPerson(person.Person.ID)
	h.wait()
	test.Tap(id.cells[0].script.button)
	require.NotNil(t, e.grid.script, "the script dialog is open")
	assert.Contains(t, texts(h.win.Canvas().Overlays().Top()), "removeDiacritics", "the dialog says what a snippet can use")
	e.grid.script.code.SetText("removeDiacritics(Person.Name.GivenName + '.' + Person.Name.FamilyName).toLowerCase() + (Iteration || '')")
	h.wait()
	want := strings.ToLower(engine.RemoveDiacritics(person.Person.Name.GivenName + "." + person.Person.Name.FamilyName))
	assert.Contains(t, e.grid.script.result.Text, want, "the dialog shows what the snippet gives for the preview's person")
	test.Tap(e.grid.script.apply)
	h.wait()
	assert.Nil(t, e.grid.script)

	test.Tap(button(e.grid.root, "Add attribute"))
	display := e.grid.rows[1]
	test.Type(display.attr, "displayName")
	display.cells[0].typ.SetSelected(cellField)
	test.Tap(display.cells[0].field.button)
	require.NotNil(t, e.grid.picker)
	e.grid.picker.search.SetText("display name")
	require.NotEmpty(t, e.grid.picker.shown)
	e.grid.picker.list.Select(0)
	assert.Equal(t, "DisplayName", display.cells[0].path)
	display.cells[2].setField("DisplayName")

	test.Tap(button(e.grid.root, "Add attribute"))
	company := e.grid.rows[2]
	test.Type(company.attr, "company")
	company.cells[0].setFixed("Provisio demo")
	h.wait()

	assert.False(t, e.mappingProblem.Visible(), e.mappingProblem.Text)
	v, ok := e.preview.value("userName")
	assert.True(t, ok)
	assert.Equal(t, want, v)
	v, _ = e.preview.value("displayName")
	assert.Equal(t, person.Person.DisplayName, v)
	v, _ = e.preview.value("company")
	assert.Equal(t, "Provisio demo", v)
	assert.Contains(t, e.preview.who.Text, person.Person.DisplayName)

	// the preview follows the mapping as it is edited, and the stage
	company.cells[0].fixed.SetText("Provisio")
	h.wait()
	v, _ = e.preview.value("company")
	assert.Equal(t, "Provisio", v)
	e.preview.stage.SetSelected(engine.StageUpdate.Label())
	h.wait()
	assert.Equal(t, [][2]string{{"displayName", person.Person.DisplayName}}, e.preview.rows, "at update only displayName is written")
	e.preview.stage.SetSelected(engine.StageCreate.Label())

	// another person, found with the search box
	other := ""
	e.preview.search.SetText(person.Person.Name.FamilyName)
	h.wait()
	require.NotEmpty(t, e.preview.matches)
	e.preview.hits.Select(0)
	h.wait()
	other = e.preview.personID
	assert.NotEmpty(t, other)

	// a snippet that reads a field that does not exist blocks saving
	test.Tap(id.cells[0].script.button)
	e.grid.script.code.SetText("Person.Name.GivnName.toLowerCase()")
	h.wait()
	assert.Contains(t, e.grid.script.result.Text, "GivnName", "the dialog shows the problem as it is typed")
	assert.Equal(t, widget.DangerImportance, e.grid.script.result.Importance)
	test.Tap(e.grid.script.apply)
	h.wait()
	require.True(t, e.mappingProblem.Visible(), "the problem is shown next to the grid")
	assert.Contains(t, e.mappingProblem.Text, "userName at create")
	assert.Contains(t, e.mappingProblem.Text, "GivnName")
	test.Tap(e.save)
	h.wait()
	assert.Same(t, e, s.editor, "the editor stays open")
	require.True(t, e.problem.Visible())
	assert.Contains(t, e.problem.Text, "GivnName")
	assert.Len(t, h.targetsNow(), before, "nothing was saved")

	test.Tap(id.cells[0].script.button)
	e.grid.script.code.SetText("removeDiacritics(Person.Name.GivenName).toLowerCase() + (Iteration || '')")
	test.Tap(e.grid.script.apply)
	h.wait()
	assert.False(t, e.mappingProblem.Visible())
	test.Tap(e.save)
	h.wait()
	require.Nil(t, s.editor, "saving closes the editor: %s", e.problem.Text)
	var saved *engine.TargetSystem
	for _, x := range h.targetsNow() {
		if x.Key == "staff-directory" {
			saved = &x
		}
	}
	require.NotNil(t, saved)
	assert.Equal(t, "file", saved.Kind)
	assert.Equal(t, path, saved.Settings["path"])
	assert.Equal(t, []engine.AttributeMapping{
		{Attribute: "userName", Unique: true, Stages: map[engine.Stage]*engine.StageValue{
			engine.StageCreate: {Type: engine.MapComplex, Value: "removeDiacritics(Person.Name.GivenName).toLowerCase() + (Iteration || '')"}}},
		{Attribute: "displayName", Stages: map[engine.Stage]*engine.StageValue{
			engine.StageCreate: {Type: engine.MapField, Value: "DisplayName"},
			engine.StageUpdate: {Type: engine.MapField, Value: "DisplayName"}}},
		{Attribute: "company", Stages: map[engine.Stage]*engine.StageValue{
			engine.StageCreate: {Type: engine.MapFixed, Value: "Provisio"}}},
	}, saved.Mapping)
	assert.Equal(t, "staff-directory", s.shown.Key, "the saved target is shown")
	overview := texts(s.body)
	assert.Contains(t, overview, path, "the overview shows where the directory is")
	assert.Contains(t, overview, "create: JavaScript: removeDiacritics(Person.Name.GivenName)", "and the mapping")
	assert.Contains(t, overview, "create and update: the person's DisplayName")
}

func TestMappingRowsAreReorderedAndRemoved(t *testing.T) {
	h := newHarness(t, false)
	h.w.targets.debounce = 0
	key := h.fileTarget("Directory", filepath.Join(t.TempDir(), "d.json"))
	s := h.openTarget(key)
	test.Tap(button(s.body, "Edit"))
	h.wait()
	e := s.editor
	require.Len(t, e.grid.rows, 1, "a saved target's mapping is shown as saved")
	test.Tap(button(e.grid.root, "Add attribute"))
	test.Type(e.grid.rows[1].attr, "mail")
	e.grid.rows[1].cells[0].setField("Contact.Business.Email")
	assert.True(t, e.grid.rows[1].down.Disabled(), "the last row cannot go down")
	test.Tap(e.grid.rows[1].up)
	assert.Equal(t, "mail", e.grid.rows[0].attr.Text)
	assert.True(t, e.grid.rows[0].up.Disabled())
	test.Tap(e.grid.rows[1].remove)
	h.wait()
	require.Len(t, e.grid.rows, 1)
	assert.True(t, e.mappingProblem.Visible(), "without userName the mapping is refused")
	assert.Contains(t, e.mappingProblem.Text, "gives userName no value at create")
}

func TestTestConnectionWorksForAFolderThatExistsAndExplainsAMissingOne(t *testing.T) {
	h := newHarness(t, false)
	h.w.targets.debounce = 0
	dir := t.TempDir()
	key := h.fileTarget("Directory", filepath.Join(dir, "directory.json"))
	s := h.openTarget(key)
	test.Tap(button(s.body, "Test connection"))
	h.wait()
	tasks := s.tasks[key]
	require.True(t, tasks.result.Visible())
	assert.Contains(t, tasks.result.Text, "The connection works")
	assert.Equal(t, widget.SuccessImportance, tasks.result.Importance)
	assert.False(t, tasks.running.Visible(), "the progress is gone")

	// in the editor, a changed connection is saved before it is tested
	test.Tap(button(s.body, "Edit"))
	h.wait()
	e := s.editor
	missing := filepath.Join(dir, "no-such-folder", "directory.json")
	e.settings.input("path").entry.SetText(missing)
	test.Tap(e.test)
	test.Tap(h.overlayButton("Save and test connection"))
	h.wait()
	assert.Same(t, e, s.editor, "the editor stays open")
	require.True(t, e.tasks.result.Visible())
	assert.Contains(t, e.tasks.result.Text, "does not exist")
	assert.Contains(t, e.tasks.result.Text, filepath.Join(dir, "no-such-folder"), "the message names the folder")
	assert.Equal(t, widget.DangerImportance, e.tasks.result.Importance)
	saved := h.targetsNow()
	require.Len(t, saved, 1)
	assert.Equal(t, missing, saved[0].Settings["path"], "what was tested is what was saved")

	// unchanged, it tests at once
	require.NoError(t, os.Mkdir(filepath.Join(dir, "no-such-folder"), 0o700))
	test.Tap(e.test)
	h.wait()
	assert.Nil(t, h.win.Canvas().Overlays().Top(), "nothing to save first")
	assert.Contains(t, e.tasks.result.Text, "The connection works")
}

func TestANewTargetIsSavedBeforeItsConnectionIsTested(t *testing.T) {
	h := newHarness(t, false)
	h.w.targets.debounce = 0
	h.w.Show(ScreenTargets)
	h.wait()
	s := h.w.targets
	s.add()
	h.wait()
	e := s.editor
	test.Type(e.name, "Badges")
	e.settings.input("path").entry.SetText(filepath.Join(t.TempDir(), "badges.json"))
	test.Tap(e.test)
	test.Tap(h.overlayButton("Save and test connection"))
	h.wait()
	assert.Contains(t, e.tasks.result.Text, "The connection works")
	assert.Equal(t, "badges", e.originalKey, "the editor now edits the saved target")
	assert.True(t, e.key.Disabled())
	assert.Equal(t, "Edit Badges", e.title.Text)
	require.Len(t, h.targetsNow(), 1)
	assert.Len(t, s.targets, 1, "the list shows it")
}

func TestDiscoveredPermissionsAreAddedToTheList(t *testing.T) {
	h := newHarness(t, false)
	h.w.targets.debounce = 0
	path := filepath.Join(t.TempDir(), "directory.json")
	require.NoError(t, file.WriteDirectory(path, &file.Directory{Permissions: []engine.Permission{
		{ID: "staff", Name: "Staff", Description: "Everyone"},
		{ID: "finance", Name: "Finance"},
		{ID: "vpn", Name: "VPN users"},
	}}))
	key := h.fileTarget("Directory", path, engine.Permission{ID: "staff", Name: "All staff"})
	s := h.openTarget(key)
	test.Tap(button(s.body, "Discover permissions…"))
	h.wait()
	d := s.discovered
	require.NotNil(t, d, "the permissions found are offered")
	require.Len(t, d.found, 3)
	assert.Contains(t, texts(h.win.Canvas().Overlays().Top()), "3 permissions; 1 of them are listed already")
	assert.True(t, d.add.Disabled(), "nothing picked yet")
	d.filter.SetText("vpn")
	require.Len(t, d.shown, 1)
	d.setShown(true)
	assert.Equal(t, "Add 1 permission", d.add.Text)
	test.Tap(d.add)
	h.wait()
	perms := h.targetsNow()[0].Permissions
	assert.Equal(t, []engine.Permission{{ID: "staff", Name: "All staff"}, {ID: "vpn", Name: "VPN users"}}, perms)
	assert.Contains(t, s.tasks[key].result.Text, "Added 1 permission")
	assert.Contains(t, texts(s.body), "Permissions (2)")

	// in the editor they join the list being edited
	test.Tap(button(s.body, "Edit"))
	h.wait()
	e := s.editor
	test.Tap(e.discover)
	h.wait()
	require.NotNil(t, e.discovered)
	e.discovered.set(slicesIndex(e.discovered.found, "finance"), true)
	test.Tap(e.discovered.add)
	assert.Equal(t, tabPerms, e.tabs.Selected().Text)
	require.Len(t, e.perms.perms, 3)
	assert.Equal(t, "finance", e.perms.perms[2].ID)
	assert.Contains(t, e.perms.note.Text, "save to keep them")
}

func slicesIndex(perms []engine.Permission, id string) int {
	for i, p := range perms {
		if p.ID == id {
			return i
		}
	}
	return -1
}

func TestReadAccountsShowsTheCountAndTheAccountsLinkedToNoPerson(t *testing.T) {
	h := newHarness(t, false)
	path := filepath.Join(t.TempDir(), "directory.json")
	require.NoError(t, file.WriteDirectory(path, &file.Directory{Accounts: []file.Account{
		{Enabled: true, Attributes: engine.Attributes{"userName": "jdoe", "mail": "jdoe@example.org"}},
		{Enabled: false, Attributes: engine.Attributes{"userName": "asmith", "mail": "asmith@example.org"}},
		{Enabled: true, Attributes: engine.Attributes{"userName": "svc-backup"}},
	}}))
	key := h.fileTarget("Directory", path)
	s := h.openTarget(key)
	d := s.detail
	d.tabs.SelectIndex(detailAccounts)
	h.wait()
	assert.Contains(t, d.accountsInfo.Text, "never read")
	test.Tap(d.read)
	h.wait()
	assert.Contains(t, s.tasks[key].result.Text, "Read 3 accounts")
	d = s.detail
	assert.Equal(t, detailAccounts, d.tabs.SelectedIndex(), "the accounts stay in view")
	assert.Contains(t, d.accountsInfo.Text, "Last read on")
	assert.Contains(t, d.accountsInfo.Text, "3 accounts, 3 linked to no person")
	assert.Equal(t, "Accounts linked to no person (3)", d.unlinkedHead.Text)
	require.Len(t, d.shown, 3)
	assert.Equal(t, []string{"userName"}, d.columns, "reading keeps the attributes the target needs: its identity here")
	d.filter.SetText("SMITH")
	require.Len(t, d.shown, 1)
	assert.Equal(t, "asmith", d.unlinked[d.shown[0]].Attributes["userName"])

	// the count survives showing the target again
	h.w.Show(ScreenDashboard)
	h.wait()
	s = h.openTarget(key)
	s.detail.tabs.SelectIndex(detailAccounts)
	h.wait()
	assert.Contains(t, s.detail.accountsInfo.Text, "3 accounts")
}

// memoryKeychain is a keychain in memory.
type memoryKeychain map[string]string

func (m memoryKeychain) Get(ref string) (string, error) {
	if s, ok := m[ref]; ok {
		return s, nil
	}
	return "", engine.Errorf(engine.NotFound, "no secret %q", ref)
}
func (m memoryKeychain) Set(ref, secret string) error { m[ref] = secret; return nil }
func (m memoryKeychain) Delete(ref string) error      { delete(m, ref); return nil }

// newHarnessWithKeychain is newHarness on an empty workspace whose
// secrets are kept in keychain.
func newHarnessWithKeychain(t *testing.T, keychain engine.Secrets) *harness {
	t.Helper()
	test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	a, err := app.Open(filepath.Join(t.TempDir(), "ws"), app.Options{Clock: engine.FixedClock(testDay), Secrets: keychain})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	j := &jobs{}
	j.testMode()
	h := &harness{t: t, app: a, win: win, w: newWindow(a, win, j)}
	win.Resize(fyne.NewSize(1200, 760))
	h.w.targets.debounce = 0
	h.wait()
	return h
}

func TestATargetsPasswordGoesToTheKeychainNotTheConfiguration(t *testing.T) {
	keychain := memoryKeychain{}
	h := newHarnessWithKeychain(t, keychain)
	h.w.Show(ScreenTargets)
	h.wait()
	s := h.w.targets
	s.add()
	h.wait()
	e := s.editor
	e.kind.SetSelected("LDAP directory")
	test.Type(e.name, "Directory")
	for key, v := range map[string]string{
		"url": "ldaps://ldap.example.org", "bindDN": "cn=provisio,dc=example,dc=org", "password": "s3cret!",
		"baseDN": "ou=people,dc=example,dc=org", "groupBaseDN": "ou=groups,dc=example,dc=org", "disabledBaseDN": "ou=disabled,dc=example,dc=org",
	} {
		e.settings.input(key).entry.SetText(v)
	}
	require.Len(t, e.grid.rows, 1, "the LDAP kind names accounts by uid")
	assert.Equal(t, "uid", e.grid.rows[0].attr.Text)
	test.Tap(e.save)
	h.wait()
	require.Nil(t, s.editor, "saved: %s", e.problem.Text)

	saved := h.targetsNow()[0]
	ref := saved.Settings["password"]
	assert.Regexp(t, `^workspace/[0-9a-f]{16}/target/directory/password$`, ref, "the configuration holds a reference")
	assert.Equal(t, "s3cret!", keychain[ref])
	var export strings.Builder
	require.NoError(t, h.app.ExportConfig(context.Background(), &export))
	assert.NotContains(t, export.String(), "s3cret!")
	overview := texts(s.body)
	assert.Contains(t, overview, "kept in the keychain")
	assert.Contains(t, overview, "ldaps://ldap.example.org", "the address is shown")
	assert.NotContains(t, overview, "s3cret!")

	// edited again, the secret is not shown and stays unless retyped
	test.Tap(button(s.body, "Edit"))
	h.wait()
	e = s.editor
	pw := e.settings.input("password").entry
	assert.Empty(t, pw.Text)
	assert.Contains(t, pw.PlaceHolder, "Kept in the keychain")
	assert.False(t, e.connectionDirty(), "nothing changed")
	test.Type(e.name, " (EU)")
	test.Tap(e.save)
	h.wait()
	require.Nil(t, s.editor, e.problem.Text)
	assert.Equal(t, ref, h.targetsNow()[0].Settings["password"])
	assert.Equal(t, "s3cret!", keychain[ref])
}

func TestSettingsFormFollowsItsChoicesAndChecksNumbers(t *testing.T) {
	test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	defs := []engine.SettingDef{
		{Key: "mode", Label: "Mode", Kind: engine.SettingChoice, Default: "file", Choices: []engine.Choice{{Value: "file", Label: "A file"}, {Value: "server", Label: "A server"}}},
		{Key: "path", Label: "File", Kind: engine.SettingFile, ShownWhen: map[string][]string{"mode": {"file"}}},
		{Key: "host", Label: "Server", Kind: engine.SettingText, Required: true, ShownWhen: map[string][]string{"mode": {"server"}}},
		{Key: "port", Label: "Port", Kind: engine.SettingNumber, Default: "389", ShownWhen: map[string][]string{"mode": {"server"}}},
		{Key: "tls", Label: "TLS", Kind: engine.SettingBool, Default: "true"},
		{Key: "key", Label: "API key", Kind: engine.SettingSecret},
	}
	changes := 0
	f := newSettingsForm(win, defs, map[string]string{"path": "dir.json"}, map[string]string{"key": "target/x/key"}, func() { changes++ })
	assert.Zero(t, changes, "filling the form in is no change")
	assert.True(t, f.input("path").row[1].Visible())
	assert.False(t, f.input("host").row[1].Visible(), "the server settings wait for their mode")
	assert.Equal(t, map[string]string{"mode": "file", "path": "dir.json", "tls": "true", "key": "target/x/key"}, f.values())

	f.input("mode").sel.SetSelected("A server")
	assert.Positive(t, changes)
	assert.False(t, f.input("path").row[1].Visible())
	assert.True(t, f.input("host").row[1].Visible())
	f.input("host").entry.SetText("ldap.example.org")
	f.input("port").entry.SetText("three")
	assert.ErrorContains(t, f.check(), `setting "Port" must be a number`)
	f.input("port").entry.SetText("636")
	assert.NoError(t, f.check())
	f.input("tls").check.SetChecked(false)
	f.input("key").entry.SetText("xyz")
	assert.Equal(t, map[string]string{"mode": "server", "host": "ldap.example.org", "port": "636", "tls": "false", "key": "target/x/key"}, f.values(),
		"a secret typed in stays out of the settings")
	assert.Equal(t, map[string]string{"key": "xyz"}, f.secrets())
}
