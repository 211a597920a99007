package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// newRule returns a published rule with nested person and contract
// conditions and every kind of entitlement, and a draft that changes it.
func newRule(id, name string, h *harness) engine.Rule {
	published := &engine.RuleBody{
		Name:        name,
		Description: "Everyone in sales gets an account, mail and the sales groups — even in Zürich",
		Categories:  []string{"sales", "mail"},
		Status:      engine.RuleActive,
		Timeframe:   engine.Timeframe{DaysBefore: 14, DaysAfter: 30},
		PersonConditions: &engine.Condition{Group: engine.GroupAll, Conditions: []engine.Condition{
			{Field: "Details.BirthDate", Op: engine.OpBefore, Value: "2008-01-01"},
			{Group: engine.GroupNot, Conditions: []engine.Condition{
				{Field: "Custom.badge", Op: engine.OpIsEmpty},
			}},
			{Group: engine.GroupAny, Conditions: []engine.Condition{
				{Field: "Location.Name", Op: engine.OpIn, Values: []string{"Amsterdam", "Zürich"}},
				{Field: "Manager.Location.Name", Op: engine.OpStartsWith, Value: "Ams"},
			}},
		}},
		ContractConditions: &engine.Condition{Group: engine.GroupAll, Conditions: []engine.Condition{
			{Field: "Department.ExternalId", Op: engine.OpEquals, Value: "sales"},
			{Field: "Details.Fte", Op: engine.OpBetween, Values: []string{"0.5", "1"}},
		}},
		Entitlements: []engine.Entitlement{
			{Target: "ad", Kind: engine.KindAccount},
			{Target: "ad", Kind: engine.KindAccess},
			{Target: "ad", Kind: engine.KindPermission, Permission: "GRP-SALES"},
			{Target: "ad", Kind: engine.KindPermission, Template: "GRP-DEPT-{Department.Code}"},
			{Target: "google", Kind: engine.KindCustom, Name: "licence: business-starter"},
		},
	}
	draft := *published
	draft.Name = name + " (with Ops)"
	draft.ContractConditions = &engine.Condition{Field: "Department.ExternalId", Op: engine.OpIn, Values: []string{"sales", "ops"}}
	draft.Entitlements = published.Entitlements[:2]
	at := h.now()
	return engine.Rule{ID: id, Published: published, Draft: &draft, UpdatedAt: h.now(), PublishedAt: at}
}

// draftRule returns a rule that was never published.
func draftRule(id, name string) engine.Rule {
	return engine.Rule{ID: id, Draft: &engine.RuleBody{
		Name:         name,
		Status:       engine.RuleAny,
		Entitlements: []engine.Entitlement{{Target: "ad", Kind: engine.KindAccount}},
	}}
}

// saveRule saves r and checks that it got an id.
func (h *harness) saveRule(r engine.Rule) engine.Rule {
	h.t.Helper()
	require.NoError(h.t, h.s.SaveRule(h.ctx, &r), "SaveRule %q", r.ID)
	require.NotEmpty(h.t, r.ID, "SaveRule sets the rule's id")
	return r
}

// requireRules checks that the store lists exactly want, in order.
func (h *harness) requireRules(want []engine.Rule, msgAndArgs ...any) {
	h.t.Helper()
	got, err := h.s.ListRules(h.ctx)
	require.NoError(h.t, err)
	if len(want) == 0 {
		require.Empty(h.t, got, msgAndArgs...)
		return
	}
	require.Equal(h.t, want, got, msgAndArgs...)
}

func (h *harness) rulesVersion() uint64 {
	h.t.Helper()
	v, err := h.s.RulesVersion(h.ctx)
	require.NoError(h.t, err)
	return v
}

func testRulesRoundTrip(t *testing.T, h *harness) {
	h.requireRules(nil, "a new workspace has no rules")

	sales := h.saveRule(newRule("sales", "Sales staff", h))
	draft := h.saveRule(draftRule("temps", "Temporary staff"))
	h.reopen()
	h.requireRules([]engine.Rule{sales, draft}, "saved rules survive reopening, draft and published bodies alike")
	require.Equal(t, engine.RuleChanged, sales.State())
	require.Equal(t, engine.RuleDraft, draft.State())

	// publishing the draft: the draft replaces the published body
	sales.Published, sales.Draft = sales.Draft, nil
	sales.PublishedAt = h.now()
	sales.UpdatedAt = sales.PublishedAt
	h.saveRule(sales)
	h.reopen()
	got, err := h.s.ListRules(h.ctx)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, sales, got[0], "SaveRule replaces the rule with the same id")
	require.Equal(t, engine.RulePublished, got[0].State())
	require.Nil(t, got[0].Draft)
}

func testRuleIDs(t *testing.T, h *harness) {
	given := h.saveRule(draftRule("r2", "Chosen id"))
	require.Equal(t, "r2", given.ID, "a rule with an id keeps it")

	ids := map[string]bool{"r2": true}
	var saved []engine.Rule
	for range 5 {
		r := draftRule("", "New rule")
		require.NoError(t, h.s.SaveRule(h.ctx, &r))
		require.NotEmpty(t, r.ID, "SaveRule gives a rule without an id one")
		require.False(t, ids[r.ID], "id %q is given twice", r.ID)
		ids[r.ID] = true
		saved = append(saved, r)
	}
	h.reopen()
	got, err := h.s.ListRules(h.ctx)
	require.NoError(t, err)
	require.Len(t, got, 6)
	gotIDs := map[string]bool{}
	for _, r := range got {
		gotIDs[r.ID] = true
	}
	require.Equal(t, ids, gotIDs)
	require.Contains(t, got, given, "the rule with the chosen id was not replaced")

	// an id once given is not given again, even after its rule is gone
	require.NoError(t, h.s.DeleteRule(h.ctx, saved[4].ID, false))
	h.reopen()
	r := draftRule("", "After a deletion")
	require.NoError(t, h.s.SaveRule(h.ctx, &r))
	require.False(t, ids[r.ID], "id %q was given before", r.ID)
}

func testRulesVersion(t *testing.T, h *harness) {
	require.Zero(t, h.rulesVersion(), "a new workspace is at rules version 0")
	r := h.saveRule(draftRule("", "One"))
	require.Equal(t, uint64(1), h.rulesVersion(), "SaveRule counts a version")
	h.saveRule(r)
	require.Equal(t, uint64(2), h.rulesVersion(), "saving a rule again counts a version")
	h.reopen()
	require.Equal(t, uint64(2), h.rulesVersion(), "the version survives reopening")

	requireCode(t, engine.NotFound, h.s.DeleteRule(h.ctx, "nope", false))
	require.Equal(t, uint64(2), h.rulesVersion(), "a failed deletion changes nothing")
	require.NoError(t, h.s.DeleteRule(h.ctx, r.ID, true))
	require.Equal(t, uint64(3), h.rulesVersion(), "DeleteRule counts a version")
	require.NoError(t, h.s.ReplaceRules(h.ctx, []engine.Rule{draftRule("a", "A"), draftRule("b", "B")}))
	require.Equal(t, uint64(4), h.rulesVersion(), "ReplaceRules counts one version")
	require.NoError(t, h.s.ReplaceRules(h.ctx, nil))
	require.Equal(t, uint64(5), h.rulesVersion(), "removing every rule counts a version")
	h.reopen()
	require.Equal(t, uint64(5), h.rulesVersion())
}

func testRulesNaturalOrder(t *testing.T, h *harness) {
	for _, id := range []string{"r10", "r2", "r1", "sales", "r100", "r9", "hr2", "hr10"} {
		h.saveRule(draftRule(id, "Rule "+id))
	}
	h.reopen()
	got, err := h.s.ListRules(h.ctx)
	require.NoError(t, err)
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	require.Equal(t, []string{"hr2", "hr10", "r1", "r2", "r9", "r10", "r100", "sales"}, ids, "numbers in ids order by value")
}

func testDeleteMissingRule(t *testing.T, h *harness) {
	err := h.s.DeleteRule(h.ctx, "r7", false)
	requireCode(t, engine.NotFound, err, "DeleteRule without rules")
	require.Contains(t, err.Error(), `"r7"`, "the message names the rule")

	r := h.saveRule(draftRule("", "Kept"))
	requireCode(t, engine.NotFound, h.s.DeleteRule(h.ctx, r.ID+"0", true), "DeleteRule of another id")
	require.NoError(t, h.s.DeleteRule(h.ctx, r.ID, false))
	h.reopen()
	h.requireRules(nil, "the deleted rule is gone")
	requireCode(t, engine.NotFound, h.s.DeleteRule(h.ctx, r.ID, false), "deleting a rule twice")
}

// ledgerFixture seeds the ledger with entries granted by rules a and b.
func (h *harness) ledgerFixture() []engine.LedgerEntry {
	h.t.Helper()
	if h.writeLedger == nil {
		h.t.Skip("the store offers no way to write its ledger (storetest.WithLedger)")
	}
	at := h.now()
	entries := []engine.LedgerEntry{
		{Person: "hr:1", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}, Reference: "CN=Person 1,OU=Staff", Rules: []string{"a"}, GrantedAt: at},
		{Person: "hr:1", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "GRP-SALES"}, Rules: []string{"a", "b"}, GrantedAt: at},
		{Person: "hr:2", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}, Reference: "CN=Person 2,OU=Staff", Rules: []string{"b"}, GrantedAt: at},
		{Person: "hr:2", Key: engine.EntitlementKey{Target: "google", Kind: engine.KindCustom, Name: "licence"}, Rules: []string{"ab"}, GrantedAt: at},
		{Person: "hr:3", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}, Unmanaged: true, GrantedAt: at},
	}
	h.writeLedger(h.t, h.s, entries)
	h.saveRule(draftRule("a", "A"))
	h.saveRule(draftRule("b", "B"))
	h.saveRule(draftRule("ab", "AB"))
	h.reopen()
	require.Equal(h.t, entries, h.ledger(), "the ledger as seeded")
	return entries
}

func (h *harness) ledger() []engine.LedgerEntry {
	h.t.Helper()
	l, err := h.s.LoadLedger(h.ctx)
	require.NoError(h.t, err)
	require.NotNil(h.t, l)
	return l.Entries
}

func testDeleteRuleKeepGrants(t *testing.T, h *harness) {
	want := h.ledgerFixture()
	require.NoError(t, h.s.DeleteRule(h.ctx, "a", true))
	h.reopen()
	want[0].Rules, want[0].Unmanaged = nil, true // only a granted it: kept, unmanaged
	want[1].Rules = []string{"b"}                // b still grants it: still managed
	require.Equal(t, want, h.ledger(), "the entries rule a granted forget it")

	require.NoError(t, h.s.DeleteRule(h.ctx, "b", true))
	h.reopen()
	want[1].Rules, want[1].Unmanaged = nil, true
	want[2].Rules, want[2].Unmanaged = nil, true
	require.Equal(t, want, h.ledger(), "deleting the last rule that granted an entry makes it unmanaged; rule ab is another rule")
	h.requireRules([]engine.Rule{draftRule("ab", "AB")})
}

func testDeleteRuleRevokeGrants(t *testing.T, h *harness) {
	want := h.ledgerFixture()
	require.NoError(t, h.s.DeleteRule(h.ctx, "a", false))
	h.reopen()
	require.Equal(t, want, h.ledger(), "the ledger keeps naming the rule, so the next evaluation revokes what it granted")
	h.requireRules([]engine.Rule{draftRule("ab", "AB"), draftRule("b", "B")}, "only rule a is gone")
}

func testReplaceRules(t *testing.T, h *harness) {
	h.saveRule(draftRule("old", "Old"))
	h.saveRule(newRule("r5", "Kept id, new content", h))
	imported := []engine.Rule{newRule("r5", "Sales staff", h), draftRule("r12", "Twelve"), draftRule("", "Without an id")}
	require.NoError(t, h.s.ReplaceRules(h.ctx, imported))
	require.Equal(t, "", imported[2].ID, "ReplaceRules leaves its argument alone")
	h.reopen()
	got, err := h.s.ListRules(h.ctx)
	require.NoError(t, err)
	require.Len(t, got, 3, "every old rule is gone: %v", got)
	byID := map[string]engine.Rule{}
	for _, r := range got {
		byID[r.ID] = r
	}
	require.Equal(t, imported[0], byID["r5"])
	require.Equal(t, imported[1], byID["r12"])
	require.NotContains(t, byID, "old")
	var added engine.Rule
	for id, r := range byID {
		if id != "r5" && id != "r12" {
			added = r
		}
	}
	require.NotEmpty(t, added.ID, "a rule without an id gets one")
	added.ID = ""
	require.Equal(t, imported[2], added)

	v := h.rulesVersion()
	err = h.s.ReplaceRules(h.ctx, []engine.Rule{draftRule("x", "X"), draftRule("x", "Also X")})
	requireCode(t, engine.Invalid, err, "two rules with one id")
	require.Contains(t, err.Error(), `"x"`)
	require.Equal(t, v, h.rulesVersion(), "a refused replacement changes nothing")
	h.reopen()
	require.Len(t, h.mustListRules(), 3, "a refused replacement keeps the rules")

	require.NoError(t, h.s.ReplaceRules(h.ctx, nil))
	h.reopen()
	h.requireRules(nil, "replacing with no rules removes them all")
}

func testSaveConfigAndRules(t *testing.T, h *harness) {
	cfg := engine.DefaultConfig()
	cfg.TargetSystems = []engine.TargetSystem{{Key: "ad", Name: "Directory", Kind: "manual"}}
	require.NoError(t, h.s.SaveConfigAndRules(h.ctx, cfg, []engine.Rule{draftRule("a", "A")}))
	h.reopen()
	got, err := h.s.LoadConfig(h.ctx)
	require.NoError(t, err)
	require.Equal(t, cfg, got)
	h.requireRules([]engine.Rule{draftRule("a", "A")}, "both were saved")

	v := h.rulesVersion()
	other := engine.DefaultConfig()
	err = h.s.SaveConfigAndRules(h.ctx, other, []engine.Rule{draftRule("x", "X"), draftRule("x", "Also X")})
	requireCode(t, engine.Invalid, err, "two rules with one id")
	h.reopen()
	got, err = h.s.LoadConfig(h.ctx)
	require.NoError(t, err)
	require.Equal(t, cfg, got, "a refused save keeps the configuration too")
	require.Equal(t, v, h.rulesVersion())
	h.requireRules([]engine.Rule{draftRule("a", "A")}, "and the rules")
}

func (h *harness) mustListRules() []engine.Rule {
	h.t.Helper()
	rules, err := h.s.ListRules(h.ctx)
	require.NoError(h.t, err)
	return rules
}

func testEmptyLedger(t *testing.T, h *harness) {
	require.Empty(t, h.ledger(), "a new workspace has granted nothing")
	h.saveRule(draftRule("a", "A"))
	require.NoError(t, h.s.DeleteRule(h.ctx, "a", true), "deleting a rule that granted nothing")
	h.reopen()
	require.Empty(t, h.ledger())
}
