package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// evaluationHarness opens the evaluation screen on the demo workspace.
func evaluationHarness(t *testing.T) (*harness, *evaluationScreen) {
	t.Helper()
	h := newHarness(t, true)
	h.w.Show(ScreenEvaluation)
	h.wait()
	s := h.w.evaluation
	s.debounce = 0
	return h, s
}

// evaluate presses Run and lets the evaluation finish.
func (h *harness) evaluate(s *evaluationScreen) {
	h.t.Helper()
	test.Tap(s.run)
	h.wait()
	require.NotNil(h.t, s.view, "an evaluation is shown")
}

// shownActions returns the actions the drill-down list shows.
func (s *evaluationScreen) shownActions() []engine.Action {
	out := make([]engine.Action, len(s.hits))
	for i, k := range s.hits {
		out[i] = s.view.ev.Actions[k]
	}
	return out
}

func hasRule(a engine.Action, id string) bool {
	return slices.ContainsFunc(a.Reasons, func(r engine.Reason) bool { return r.Rule == id })
}

func TestEvaluationRunShowsTheSummaryAndTheActions(t *testing.T) {
	h, s := evaluationHarness(t)
	ctx := context.Background()
	assert.Contains(t, s.heading.Text, "No evaluation yet")

	h.evaluate(s)
	e, err := h.app.Evaluation(ctx, 0)
	require.NoError(t, err)
	require.NotEmpty(t, e.Actions)
	assert.Equal(t, e.ID, s.view.ev.ID, "the new evaluation is shown")
	assert.False(t, s.banner.Visible(), "published rules only: no what-if banner")
	assert.Equal(t, []string{evalHistoryLabel(&e.EvaluationInfo)}, s.history.Options)
	assert.Equal(t, s.history.Options[0], s.history.Selected)

	// a row per target and kind, then the total
	require.Equal(t, len(e.Summary)+1, s.summaryRows())
	total := 0
	for i, r := range e.Summary {
		target := map[string]string{"ad": "Active Directory", "google": "Google Workspace"}[r.Target]
		assert.Equal(t, []string{target, r.Kind.Label(), thousands(r.Grants), thousands(r.Revokes)},
			[]string{s.summaryCell(i, 0), s.summaryCell(i, 1), s.summaryCell(i, 2), s.summaryCell(i, 3)})
		total += r.Grants + r.Revokes
	}
	assert.Equal(t, thousands(total), s.summaryCell(len(e.Summary), 4))
	figures := texts(s.figures)
	assert.Contains(t, figures, fmt.Sprintf("Actions: %s", thousands(len(e.Actions))))
	assert.Contains(t, figures, fmt.Sprintf("Blocked: %d", e.Blocked))
	assert.Contains(t, figures, fmt.Sprintf("Snapshot: %d", e.Snapshot))
	assert.Len(t, s.hits, len(e.Actions))
	assert.Equal(t, fmt.Sprintf("%s of %s actions", thousands(len(e.Actions)), thousands(len(e.Actions))), s.count.Text)
	assert.Contains(t, s.compared.Text, "first evaluation")
	assert.Equal(t, fmt.Sprintf("Skipped persons (%d)", len(e.Skipped)), s.skippedTab.Text)
	assert.Equal(t, fmt.Sprintf("Notes (%d)", len(e.Notes)), s.notesTab.Text)
	skipped := map[engine.Status]int{}
	for _, p := range e.Skipped {
		skipped[p.Status]++
	}
	assert.Equal(t, map[engine.Status]int{engine.StatusBlocked: 2, engine.StatusExcluded: 3}, skipped,
		"the demo's two blocked persons are passed over, and the three held for a duplicate suggestion")
}

func TestEvaluationActionsAreFilteredByTargetKindAndPerson(t *testing.T) {
	h, s := evaluationHarness(t)
	h.evaluate(s)
	all := s.view.ev.Actions

	s.target.SetSelected("Google Workspace")
	h.wait()
	want := 0
	for _, a := range all {
		if a.Key.Target == "google" {
			want++
		}
	}
	require.Positive(t, want)
	require.Len(t, s.hits, want)
	for _, a := range s.shownActions() {
		assert.Equal(t, "google", a.Key.Target)
	}
	assert.Equal(t, fmt.Sprintf("%s of %s actions", thousands(want), thousands(len(all))), s.count.Text)

	s.kind.SetSelected("account access")
	h.wait()
	require.NotEmpty(t, s.hits)
	for _, a := range s.shownActions() {
		assert.Equal(t, engine.EntitlementKey{Target: "google", Kind: engine.KindAccess}, a.Key)
	}

	// a person typed without accents and in any case
	s.target.SetSelected(evalAllTargets)
	s.kind.SetSelected(evalAllKinds)
	var who engine.Action
	for _, a := range all {
		if engine.RemoveDiacritics(a.PersonName) != a.PersonName {
			who = a
			break
		}
	}
	require.NotEmpty(t, who.Person, "the demo has accented names")
	test.Type(s.search, strings.ToUpper(engine.RemoveDiacritics(who.PersonName)))
	h.wait()
	require.NotEmpty(t, s.hits)
	for _, a := range s.shownActions() {
		assert.Equal(t, who.PersonName, a.PersonName)
	}
	s.search.SetText(who.Person)
	h.wait()
	n := 0
	for _, a := range all {
		if a.Person == who.Person {
			n++
		}
	}
	assert.Len(t, s.hits, n, "the id finds the same person's actions")

	// a summary row drills down to its actions
	s.search.SetText("")
	h.wait()
	row := slices.IndexFunc(s.view.ev.Summary, func(r engine.SummaryRow) bool { return r.Target == "ad" && r.Kind == engine.KindPermission })
	require.GreaterOrEqual(t, row, 0)
	s.summary.Select(widget.TableCellID{Row: row, Col: 0})
	h.wait()
	r := s.view.ev.Summary[row]
	assert.Len(t, s.hits, r.Grants+r.Revokes)
	assert.Equal(t, "Active Directory", s.target.Selected)
	assert.Equal(t, "permission", s.kind.Selected)
}

func TestEvaluationShowsTheReasonsOfTheSelectedActionAndExplainsThem(t *testing.T) {
	h, s := evaluationHarness(t)
	h.evaluate(s)
	s.rule.SetSelected("ICT administrators")
	h.wait()
	require.NotEmpty(t, s.hits)
	for _, a := range s.shownActions() {
		assert.True(t, hasRule(a, "r4"))
	}
	s.tabs.Select(s.actionsTab)
	s.list.Select(0)
	h.wait()
	a := s.view.ev.Actions[s.hits[0]]
	assert.Equal(t, int(s.hits[0]), s.selected)
	detail := texts(s.detail)
	assert.Contains(t, detail, "ICT administrators", "the rule that wants it")
	assert.Contains(t, detail, "In-conditions contracts: "+strings.Join(a.Reasons[0].Contracts, ", "))
	assert.Contains(t, detail, "Grant Active Directory: permission GG-ICT-Admins (ICT administrators)")

	require.NotNil(t, s.explainBtn)
	test.Tap(s.explainBtn)
	h.wait()
	ex := s.explained
	require.NotNil(t, ex)
	assert.True(t, ex.Granted)
	assert.Equal(t, a.Person, ex.Person.ID)
	shown := texts(h.win.Canvas().Overlays().Top())
	assert.Contains(t, shown, "✓ ICT administrators")
	assert.Contains(t, shown, "✓ Department.Code starts with ICT — seen:", "each condition with the value seen")
	test.Tap(h.overlayButton("Close"))
}

func TestEvaluationWithDraftsShowsTheWhatIfBannerAndTheChanges(t *testing.T) {
	h, s := evaluationHarness(t)
	h.evaluate(s)
	first := s.view.ev.ID

	s.drafts.SetChecked(true)
	h.evaluate(s)
	e := s.view.ev
	assert.NotEqual(t, first, e.ID)
	assert.True(t, e.WithDrafts)
	assert.True(t, s.banner.Visible())
	assert.True(t, strings.HasPrefix(s.bannerText.Text, "What-if: nothing here is in force; "), s.bannerText.Text)
	require.Len(t, s.history.Options, 2)
	assert.Contains(t, s.history.Options[0], fmt.Sprintf("#%d", e.ID), "newest first")
	assert.True(t, strings.HasSuffix(s.history.Options[0], "· what-if"))
	assert.Contains(t, s.rule.Options, "VPN for engineers", "the draft rule is among the reasons")

	vpn := 0
	for _, a := range e.Actions {
		if hasRule(a, "r7") {
			vpn++
		}
	}
	require.Positive(t, vpn)
	s.rule.SetSelected("VPN for engineers")
	h.wait()
	assert.Len(t, s.hits, vpn)

	// compared with the first evaluation, the draft only adds VPN access
	require.NotNil(t, s.diff)
	assert.Equal(t, fmt.Sprintf("Compared with #%d: +%d actions, −0 actions", first, vpn), s.compared.Text)
	assert.Equal(t, fmt.Sprintf("Changes since #%d (+%d −0)", first, vpn), s.diffTab.Text)
	require.Len(t, s.diffEntries, vpn, "the added actions are listed")
	for _, a := range s.diffEntries {
		assert.Equal(t, engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "GG-VPN"}, a.Key)
	}
	s.tabs.Select(s.diffTab)
	s.diffList.Select(0)
	assert.Contains(t, texts(s.diffDetail), "VPN for engineers")

	// back to the first: no banner, nothing before it
	s.history.SetSelectedIndex(1)
	h.wait()
	assert.Equal(t, first, s.view.ev.ID)
	assert.False(t, s.banner.Visible())
	assert.NotContains(t, s.rule.Options, "VPN for engineers")
	assert.Contains(t, s.compared.Text, "first evaluation")
}

func TestEvaluationRefusesAnInvalidReferenceDate(t *testing.T) {
	h, s := evaluationHarness(t)
	s.date.SetText("2026-13-45")
	test.Tap(s.run)
	h.wait()
	assert.True(t, s.problem.Visible())
	assert.Contains(t, s.problem.Text, `"2026-13-45"`)
	assert.Equal(t, widget.DangerImportance, s.problem.Importance)
	assert.False(t, s.progress.Running())
	infos, err := h.app.Evaluations(context.Background())
	require.NoError(t, err)
	assert.Empty(t, infos, "nothing ran")

	s.date.SetText("2027-01-15")
	assert.False(t, s.problem.Visible(), "editing the date clears the problem")
	h.evaluate(s)
	assert.Equal(t, engine.NewDate(2027, 1, 15), s.view.ev.AsOf)
	assert.Contains(t, s.heading.Text, "as of 2027-01-15")
}

func TestEvaluationCanBeCancelled(t *testing.T) {
	// enough persons that the evaluation cannot finish before Cancel
	h := newHarness(t, false)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "big.csv")
	writeExport(t, file, 40000)
	_, err := h.app.SaveSourceSystem(ctx, engine.SourceSystem{
		Name: "Big", Kind: "csv", Settings: map[string]string{"file": file, "personKey": "Id"},
		DateFormats: []string{"dd-MM-yyyy"},
	}, "")
	require.NoError(t, err)
	_, err = h.app.RunImport(ctx, nil, nil)
	require.NoError(t, err)
	h.app.Invalidate() // the persons are read again by the evaluation
	h.w.Show(ScreenEvaluation)
	h.wait()
	s := h.w.evaluation

	test.Tap(s.run)
	assert.True(t, s.progress.Running())
	assert.True(t, s.progress.box.Visible(), "progress and Cancel are shown")
	assert.True(t, s.run.Disabled())
	test.Tap(s.progress.cancel)
	h.wait()
	assert.False(t, s.progress.box.Visible())
	assert.False(t, s.run.Disabled())
	assert.Contains(t, s.status.Text, "cancelled: nothing was stored")
	infos, err := h.app.Evaluations(ctx)
	require.NoError(t, err)
	assert.Empty(t, infos, "nothing was stored")
	assert.True(t, s.view == nil, "no evaluation is shown")
}

func TestShowWhatIfEvaluatesAnEditedRuleWithoutSavingIt(t *testing.T) {
	h, s := evaluationHarness(t)
	ctx := context.Background()
	h.w.Show(ScreenDashboard)
	h.wait()
	r, err := h.app.Rule(ctx, "r4")
	require.NoError(t, err)
	body := evalCloneBody(r.Published)
	body.Name = "ICT administrators, edited"
	body.Entitlements = append(body.Entitlements, engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Permission: "GG-VPN"})

	s.showWhatIf(body, "r4")
	body.Name = "changed while it runs" // the screen evaluates what it was given
	h.wait()
	assert.Equal(t, ScreenEvaluation, h.w.current)
	require.NotNil(t, s.view)
	e := s.view.ev
	assert.Equal(t, "ICT administrators, edited", e.WhatIf)
	assert.False(t, e.WithDrafts)
	assert.True(t, s.banner.Visible())
	assert.Contains(t, s.bannerText.Text, "What-if: nothing here is in force; the rule “ICT administrators, edited” was evaluated as edited")
	assert.Contains(t, s.rule.Options, "ICT administrators, edited")
	var vpn []engine.Action
	for _, a := range e.Actions {
		if a.Key.Name == "GG-VPN" {
			vpn = append(vpn, a)
		}
	}
	require.NotEmpty(t, vpn, "the edited rule gives VPN access")
	for _, a := range vpn {
		assert.True(t, hasRule(a, "r4"))
	}
	saved, err := h.app.Rule(ctx, "r4")
	require.NoError(t, err)
	assert.Equal(t, r.Published, saved.Published, "nothing was saved")
	assert.Nil(t, saved.Draft)

	// explaining it uses the edited rule too
	s.search.SetText(vpn[0].Person)
	s.kind.SetSelected("permission")
	h.wait()
	i := slices.IndexFunc(s.shownActions(), func(a engine.Action) bool { return a.Key.Name == "GG-VPN" })
	require.GreaterOrEqual(t, i, 0)
	s.list.Select(i)
	test.Tap(s.explainBtn)
	h.wait()
	require.NotNil(t, s.explained)
	assert.True(t, s.explained.Granted, "the edited rule gives it")
}
