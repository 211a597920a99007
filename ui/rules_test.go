package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/engine"
)

// openNewRule opens the rule editor on a new rule.
func openNewRule(t *testing.T, h *harness) *ruleEditor {
	t.Helper()
	h.w.Show(ScreenRules)
	h.wait()
	test.Tap(button(h.w.rules.root, "New rule"))
	h.wait()
	e := h.w.rules.editor
	require.NotNil(t, e)
	e.debounce = 0
	return e
}

// chooseField fills in a condition: group, field (by path), operator, value.
func chooseField(t *testing.T, l *condLeaf, group, path, op, value string) {
	t.Helper()
	l.group.SetSelected(group)
	def, ok := l.e.def(path)
	require.True(t, ok, "field %s", path)
	l.field.SetSelected(fieldOption(def))
	l.op.SetSelected(op)
	l.value1.SetText(value)
}

func TestRuleEditorBuildsARuleWithALiveCountPublishesItAndItIsEvaluated(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	e := openNewRule(t, h)
	test.Type(e.name, "VPN for ICT")

	// a contract condition, picked point and click
	test.Tap(button(e.contract.box, "Condition"))
	require.Len(t, e.contract.root.items, 1)
	leaf := e.contract.root.items[0].(*condLeaf)
	chooseField(t, leaf, "Department", "Department.Code", "starts with", "ICT")
	assert.Equal(t, []string{"is", "is not", "is one of", "is none of", "contains", "starts with", "ends with", "matches the pattern", "is empty", "is not empty"}, leaf.op.Options, "the operators fit a text field")

	// an entitlement
	test.Tap(button(e.grants.root, "Add entitlement"))
	row := e.grants.rows[0]
	row.kind.SetSelected("Permission")
	row.permission.SetSelected("VPN users (GG-VPN)")
	h.wait()

	body, err := e.body()
	require.NoError(t, err)
	want, _, err := h.app.LiveCount(ctx, &body, 0, 0)
	require.NoError(t, err)
	require.Positive(t, want)
	assert.Equal(t, plural(want, "person", "persons")+" match today", e.count.Text, "the live count")
	assert.NotEmpty(t, e.sample.Objects, "a sample of them")

	// the count follows the edit
	leaf.value1.SetText("FIN")
	h.wait()
	body, _ = e.body()
	fin, _, err := h.app.LiveCount(ctx, &body, 0, 0)
	require.NoError(t, err)
	assert.NotEqual(t, want, fin)
	assert.Equal(t, plural(fin, "person", "persons")+" match today", e.count.Text)
	leaf.value1.SetText("ICT")
	h.wait()

	test.Tap(e.publish)
	h.wait()
	assert.Nil(t, h.w.rules.editor, "publishing closes the editor")
	id := h.w.rules.selected
	r, err := h.app.Rule(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, engine.RulePublished, r.State())
	assert.Equal(t, "VPN for ICT", r.Name())

	info, err := h.app.Evaluate(ctx, appOpts(), nil)
	require.NoError(t, err)
	assert.Equal(t, want, info.RuleMatches[id], "the evaluation matches the persons the editor counted")
}

func TestRuleEditorExplainsWhatIsWrong(t *testing.T) {
	h := newHarness(t, true)
	e := openNewRule(t, h)
	test.Type(e.name, "Nothing yet")
	h.wait()
	assert.True(t, e.problem.Visible())
	assert.Contains(t, e.problem.Text, "grants nothing")
	test.Tap(button(e.root, "Save draft"))
	h.wait()
	assert.NotNil(t, h.w.rules.editor, "the editor stays open")
	rules, err := h.app.Rules(context.Background())
	require.NoError(t, err)
	assert.Len(t, rules, 7, "nothing was saved")

	e.before.SetText("-3")
	h.wait()
	assert.Contains(t, e.problem.Text, "0 or more")
}

func TestEditingAPublishedRuleKeepsItInForceUntilPublished(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	h.w.Show(ScreenRules)
	h.wait()
	s := h.w.rules
	s.showRule("r6")
	test.Tap(button(s.body, "Edit"))
	h.wait()
	e := s.editor
	require.NotNil(t, e)
	e.debounce = 0
	e.name.SetText("Managers and leads")
	test.Tap(button(e.root, "Save draft"))
	h.wait()
	assert.Equal(t, "Draft saved", e.saved.Text)
	r, err := h.app.Rule(ctx, "r6")
	require.NoError(t, err)
	assert.Equal(t, engine.RuleChanged, r.State())
	assert.Equal(t, "Managers", r.Published.Name, "the published version stays in force")
	assert.Equal(t, "Managers and leads", r.Draft.Name)
	test.Tap(button(e.root, "Close"))
	h.wait()

	s.showRule("r6")
	test.Tap(button(s.body, "Publish draft"))
	test.Tap(h.overlayButton("Yes"))
	h.wait()
	r, _ = h.app.Rule(ctx, "r6")
	assert.Equal(t, engine.RulePublished, r.State())
	assert.Equal(t, "Managers and leads", r.Published.Name)
}

func TestDeletingARuleAsksWhatHappensToWhatItGranted(t *testing.T) {
	h := newHarness(t, true)
	h.w.Show(ScreenRules)
	h.wait()
	s := h.w.rules
	s.showRule("r4")
	test.Tap(button(s.body, "Delete"))
	top := h.win.Canvas().Overlays().Top()
	require.NotNil(t, top)
	radio, _ := find(top, func(o fyneObject) bool { _, ok := o.(*widget.RadioGroup); return ok }).(*widget.RadioGroup)
	require.NotNil(t, radio, "the dialog asks")
	assert.Equal(t, []string{revokeGrants, keepGrants}, radio.Options)
	radio.SetSelected(keepGrants)
	test.Tap(h.overlayButton("Delete"))
	h.wait()
	_, err := h.app.Rule(context.Background(), "r4")
	assert.True(t, engine.IsCode(err, engine.NotFound))
}

func TestRulesListSearchesAndFilters(t *testing.T) {
	h := newHarness(t, true)
	h.w.Show(ScreenRules)
	h.wait()
	s := h.w.rules
	assert.Len(t, s.hits, 7)
	s.state.SetSelected(stateLabels[engine.RuleDraft])
	require.Len(t, s.hits, 1)
	assert.Equal(t, "VPN for engineers", s.summaries[s.hits[0]].Name)
	s.state.SetSelected(allStates)
	s.category.SetSelected("Accounts")
	assert.Len(t, s.hits, 3)
	s.category.SetSelected(allCategories)
	test.Type(s.search, "google")
	require.Len(t, s.hits, 1)
	assert.True(t, strings.HasPrefix(s.summaries[s.hits[0]].Name, "Google"))
}

type fyneObject = fyne.CanvasObject

func appOpts() app.EvaluateOptions { return app.EvaluateOptions{} }

func TestPersonDetailShowsTheEntitlementsTheRulesGive(t *testing.T) {
	h := newHarness(t, true)
	h.w.persons.openPerson("hr:100002")
	h.wait()
	detail := texts(h.w.persons.detail)
	assert.Contains(t, detail, "Entitlements today (rules in force)")
	assert.Contains(t, detail, `account ← rule "Active Directory account for staff"`)
	assert.Contains(t, detail, `permission GG-ICT-Admins ← rule "ICT administrators" on 100002-2`)
}
