package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

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
	assert.Contains(t, texts(s.body), "entered by hand", "the help explains where permissions come from")
	test.Tap(button(s.root, "Add target system"))
	e := s.editor
	require.NotNil(t, e)
	assert.Equal(t, "Permissions entered by hand", e.kind.Selected)
	assert.True(t, e.enabled.Checked)

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
