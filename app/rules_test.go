package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/app/boltstore"
	"provisio/engine"
)

// The demo's rules (assets/demo/config.json): r1 to r6 are published, r7
// ("VPN for engineers", ad permission GG-VPN) is a draft. r6 ("Managers")
// grants ad GG-Managers and google group-managers to persons whose primary
// contract's title is a manager's.

var (
	ggManagers = engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "GG-Managers"}
	ggVPN      = engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "GG-VPN"}
)

// managerTitles are the titles r6 tests.
var managerTitles = []string{"Chief Executive Officer", "Director", "Department Manager", "Team Lead"}

func mustRule(t *testing.T, a *app.App, id string) *engine.Rule {
	t.Helper()
	r, err := a.Rule(context.Background(), id)
	require.NoError(t, err)
	return r
}

func mustRules(t *testing.T, a *app.App) []engine.Rule {
	t.Helper()
	all, err := a.Rules(context.Background())
	require.NoError(t, err)
	return all
}

func ruleIDs(all []engine.Rule) []string {
	ids := make([]string, len(all))
	for i, r := range all {
		ids[i] = r.ID
	}
	return ids
}

// copyBody returns a deep copy of a rule version, to edit without touching
// the original.
func copyBody(t *testing.T, b *engine.RuleBody) engine.RuleBody {
	t.Helper()
	raw, err := json.Marshal(b)
	require.NoError(t, err)
	var out engine.RuleBody
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

// evaluate runs an evaluation and returns it with its plan.
func evaluate(t *testing.T, a *app.App, opts app.EvaluateOptions) *engine.Evaluation {
	t.Helper()
	ctx := context.Background()
	info, err := a.Evaluate(ctx, opts, nil)
	require.NoError(t, err)
	e, err := a.Evaluation(ctx, info.ID)
	require.NoError(t, err)
	return e
}

// grantsBy returns the plan's grants of key that rule gives.
func grantsBy(e *engine.Evaluation, key engine.EntitlementKey, rule string) []engine.Action {
	var out []engine.Action
	for _, x := range e.Actions {
		if x.Grant && x.Key == key && slices.ContainsFunc(x.Reasons, func(r engine.Reason) bool { return r.Rule == rule }) {
			out = append(out, x)
		}
	}
	return out
}

// actionsOf returns the plan's actions on one person's key.
func actionsOf(e *engine.Evaluation, person string, key engine.EntitlementKey) []engine.Action {
	var out []engine.Action
	for _, x := range e.Actions {
		if x.Person == person && x.Key == key {
			out = append(out, x)
		}
	}
	return out
}

// withID returns a copy of r with another id.
func withID(r *engine.Rule, id string) engine.Rule {
	c := *r
	c.ID = id
	return c
}

// rulesFile writes rules as a rules export file.
func rulesFile(t *testing.T, version int, rules ...engine.Rule) string {
	t.Helper()
	raw, err := json.MarshalIndent(app.RulesFile{Format: app.RulesFormat, Version: version, Rules: rules}, "", "  ")
	require.NoError(t, err)
	return string(raw)
}

// exportRules returns the workspace's rules as an export file.
func exportRules(t *testing.T, a *app.App) string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, a.ExportRules(context.Background(), &out))
	return out.String()
}

// withVPN returns r6's published version also granting GG-VPN.
func withVPN(t *testing.T, r *engine.Rule) engine.RuleBody {
	t.Helper()
	b := copyBody(t, r.Published)
	b.Entitlements = append(b.Entitlements, engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Permission: "GG-VPN"})
	return b
}

func TestRuleDraftLeavesThePublishedVersionInForceUntilPublished(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	r6 := mustRule(t, a, "r6")
	published := copyBody(t, r6.Published)
	before := evaluate(t, a, app.EvaluateOptions{})
	require.NotEmpty(t, grantsBy(before, ggManagers, "r6"))

	id, err := a.SaveRuleDraft(ctx, "r6", withVPN(t, r6))
	require.NoError(t, err)
	assert.Equal(t, "r6", id)
	saved := mustRule(t, a, "r6")
	assert.Equal(t, engine.RuleChanged, saved.State())
	assert.Equal(t, published, *saved.Published, "saving a draft leaves the published version as it was")

	inForce := evaluate(t, a, app.EvaluateOptions{})
	assert.Empty(t, grantsBy(inForce, ggVPN, "r6"), "without drafts the published version is evaluated")
	assert.Equal(t, len(grantsBy(before, ggManagers, "r6")), len(grantsBy(inForce, ggManagers, "r6")))
	withDrafts := evaluate(t, a, app.EvaluateOptions{WithDrafts: true})
	assert.Equal(t, len(grantsBy(before, ggManagers, "r6")), len(grantsBy(withDrafts, ggVPN, "r6")), "with drafts the draft gives GG-VPN to every manager")

	require.NoError(t, a.PublishRule(ctx, "r6"))
	saved = mustRule(t, a, "r6")
	assert.Equal(t, engine.RulePublished, saved.State())
	assert.Nil(t, saved.Draft)
	assert.True(t, saved.PublishedAt.Equal(day), "published at the app's time, not %v", saved.PublishedAt)
	afterPublish := evaluate(t, a, app.EvaluateOptions{})
	assert.Equal(t, len(grantsBy(before, ggManagers, "r6")), len(grantsBy(afterPublish, ggVPN, "r6")), "once published the new version is in force")
}

func TestPublishingARuleWithoutADraftFails(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	_, err := a.SaveRuleDraft(ctx, "r6", withVPN(t, mustRule(t, a, "r6")))
	require.NoError(t, err)
	require.NoError(t, a.PublishRule(ctx, "r6"))
	published := mustRule(t, a, "r6")

	err = a.PublishRule(ctx, "r6")
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)
	assert.Contains(t, err.Error(), "no draft")
	assert.Equal(t, published, mustRule(t, a, "r6"), "a refused publish changes nothing")

	err = a.PublishRule(ctx, "r99")
	assert.True(t, engine.IsCode(err, engine.NotFound), "%v", err)
}

func TestRuleStatesFollowSaveDraftPublishAndDiscard(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	assert.Equal(t, engine.RulePublished, mustRule(t, a, "r6").State())
	assert.Equal(t, engine.RuleDraft, mustRule(t, a, "r7").State())

	// a new rule is a draft until published
	body := copyBody(t, mustRule(t, a, "r7").Draft)
	body.Name = "  VPN for managers  "
	id, err := a.SaveRuleDraft(ctx, "", body)
	require.NoError(t, err)
	assert.Equal(t, "r8", id)
	created := mustRule(t, a, id)
	assert.Equal(t, engine.RuleDraft, created.State())
	assert.Equal(t, "VPN for managers", created.Name(), "the name is trimmed")
	assert.True(t, created.UpdatedAt.Equal(day))
	err = a.DiscardDraft(ctx, id)
	assert.True(t, engine.IsCode(err, engine.Conflict), "a rule never published is deleted, not discarded: %v", err)
	require.NoError(t, a.PublishRule(ctx, id))
	assert.Equal(t, engine.RulePublished, mustRule(t, a, id).State())

	// editing a published rule makes it changed; discarding goes back
	r6 := mustRule(t, a, "r6")
	_, err = a.SaveRuleDraft(ctx, "r6", withVPN(t, r6))
	require.NoError(t, err)
	assert.Equal(t, engine.RuleChanged, mustRule(t, a, "r6").State())
	require.NoError(t, a.DiscardDraft(ctx, "r6"))
	discarded := mustRule(t, a, "r6")
	assert.Equal(t, engine.RulePublished, discarded.State())
	assert.Equal(t, r6.Published, discarded.Published)

	// a draft equal to the published version is no draft
	_, err = a.SaveRuleDraft(ctx, "r6", withVPN(t, r6))
	require.NoError(t, err)
	_, err = a.SaveRuleDraft(ctx, "r6", copyBody(t, r6.Published))
	require.NoError(t, err)
	assert.Equal(t, engine.RulePublished, mustRule(t, a, "r6").State())

	summaries, err := a.RuleSummaries(ctx)
	require.NoError(t, err)
	states := map[string]engine.RuleState{}
	for _, s := range summaries {
		states[s.ID] = s.State
	}
	assert.Equal(t, map[string]engine.RuleState{"r1": "published", "r2": "published", "r3": "published", "r4": "published",
		"r5": "published", "r6": "published", "r7": "draft", "r8": "published"}, states)
}

func TestSaveRuleDraftRefusesAnInvalidRule(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	r6 := mustRule(t, a, "r6")
	body := copyBody(t, r6.Published)
	body.Entitlements[0].Permission = "GG-Manager"
	_, err := a.SaveRuleDraft(ctx, "r6", body)
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
	assert.Contains(t, err.Error(), `"GG-Manager"`)
	assert.Equal(t, r6, mustRule(t, a, "r6"), "nothing is saved")
}

// reopenWithLedger closes a, records entries in its workspace's ledger (as
// enforcement will) and opens the workspace again.
func reopenWithLedger(t *testing.T, a *app.App, entries ...engine.LedgerEntry) *app.App {
	t.Helper()
	dir := a.Dir()
	require.NoError(t, a.Close())
	st, err := boltstore.Open(dir)
	require.NoError(t, err)
	require.NoError(t, st.WriteLedger(context.Background(), entries))
	require.NoError(t, st.Close())
	b, err := app.Open(dir, app.Options{Clock: engine.FixedClock(day)})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

func TestDeleteRuleRevokesWhatItGrantedUnlessGrantsAreKept(t *testing.T) {
	for _, keepGrants := range []bool{false, true} {
		t.Run(fmt.Sprintf("keepGrants=%v", keepGrants), func(t *testing.T) {
			a := demoApp(t)
			ctx := context.Background()
			managers := grantsBy(evaluate(t, a, app.EvaluateOptions{}), ggManagers, "r6")
			require.NotEmpty(t, managers)
			person := managers[0].Person
			a = reopenWithLedger(t, a, engine.LedgerEntry{Person: person, Key: ggManagers, Rules: []string{"r6"}, GrantedAt: day})
			assert.Empty(t, actionsOf(evaluate(t, a, app.EvaluateOptions{}), person, ggManagers), "granted and wanted: nothing to do")

			require.NoError(t, a.DeleteRule(ctx, "r6", keepGrants))
			assert.NotContains(t, ruleIDs(mustRules(t, a)), "r6")
			_, err := a.Rule(ctx, "r6")
			assert.True(t, engine.IsCode(err, engine.NotFound), "%v", err)

			acts := actionsOf(evaluate(t, a, app.EvaluateOptions{}), person, ggManagers)
			if keepGrants {
				assert.Empty(t, acts, "what the deleted rule granted is kept, unmanaged")
			} else {
				require.Len(t, acts, 1, "what only the deleted rule granted is revoked")
				assert.False(t, acts[0].Grant)
				require.NotEmpty(t, acts[0].Reasons)
				assert.Equal(t, "r6", acts[0].Reasons[0].Rule)
			}

			err = a.DeleteRule(ctx, "r6", keepGrants)
			assert.True(t, engine.IsCode(err, engine.NotFound), "a rule is deleted once: %v", err)
		})
	}
}

func TestDuplicateRuleMakesANewDraftFromTheLatestVersion(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	r6 := mustRule(t, a, "r6")
	draft := withVPN(t, r6)
	_, err := a.SaveRuleDraft(ctx, "r6", draft)
	require.NoError(t, err)

	id, err := a.DuplicateRule(ctx, "r6")
	require.NoError(t, err)
	assert.Equal(t, "r8", id, "a new id")
	dup := mustRule(t, a, id)
	assert.Equal(t, engine.RuleDraft, dup.State(), "the copy is a draft, not in force")
	assert.Nil(t, dup.Published)
	assert.Equal(t, "Copy of Managers", dup.Name())
	draft.Name = "Copy of Managers"
	assert.Equal(t, draft, *dup.Draft, "the copy is of the latest version: the draft")

	original := mustRule(t, a, "r6")
	assert.Equal(t, engine.RuleChanged, original.State(), "the original is untouched")
	assert.Equal(t, r6.Published, original.Published)

	info, err := a.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	assert.Zero(t, info.RuleMatches[id], "a duplicate is not in force")
}

func TestRulesExportImportRoundTrip(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	_, err := a.SaveRuleDraft(ctx, "r6", withVPN(t, mustRule(t, a, "r6")))
	require.NoError(t, err)
	want := mustRules(t, a)
	file := exportRules(t, a)
	assert.Contains(t, file, `"format": "provisio-rules"`)
	assert.Contains(t, file, `"version": 1`)

	// into another workspace with the same targets, after changing this one
	b := demoApp(t)
	require.NoError(t, b.DeleteRule(ctx, "r7", false))
	n, err := b.ImportRules(ctx, strings.NewReader(file), "rules.json")
	require.NoError(t, err)
	assert.Equal(t, 7, n)
	assert.Equal(t, want, mustRules(t, b))

	// and back into the same one
	require.NoError(t, a.DeleteRule(ctx, "r1", false))
	require.NoError(t, a.DiscardDraft(ctx, "r6"))
	_, err = a.ImportRules(ctx, strings.NewReader(file), "rules.json")
	require.NoError(t, err)
	assert.Equal(t, want, mustRules(t, a))
	assert.Equal(t, file, exportRules(t, a))
}

func TestImportRulesMergesByID(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	before := mustRules(t, a)

	r2 := mustRule(t, a, "r2")
	r2.Published.Name = "Access while employed (imported)"
	added := engine.Rule{ID: "x1", Draft: &engine.RuleBody{Name: "Imported", Status: engine.RuleActive,
		Entitlements: []engine.Entitlement{{Target: "google", Kind: engine.KindAccount}}}, UpdatedAt: day}
	n, err := a.ImportRules(ctx, strings.NewReader(rulesFile(t, 1, added, *r2)), "rules.json")
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	after := mustRules(t, a)
	assert.Equal(t, []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7", "x1"}, ruleIDs(after))
	assert.Equal(t, "Access while employed (imported)", mustRule(t, a, "r2").Name(), "a rule in the file replaces the one with its id")
	assert.Equal(t, "Imported", mustRule(t, a, "x1").Name())
	for i, r := range before {
		if r.ID != "r2" {
			assert.Equal(t, r, after[i], "rules not in the file are kept as they were")
		}
	}

	id, err := a.SaveRuleDraft(ctx, "", copyBody(t, added.Draft))
	require.NoError(t, err)
	assert.NotContains(t, []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7", "x1"}, id, "new rules get fresh ids after an import")
}

func TestImportRulesRefusesTwoRulesWithTheSameID(t *testing.T) {
	a := demoApp(t)
	before := exportRules(t, a)
	all := mustRules(t, a)
	dup := all[0]
	other := copyBody(t, dup.Published)
	other.Name = "Another"
	dup.Published = &other
	_, err := a.ImportRules(context.Background(), strings.NewReader(rulesFile(t, 1, all[1], all[0], all[2], dup)), "rules.json")
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
	assert.Contains(t, err.Error(), "rules.json")
	assert.Contains(t, err.Error(), `rules 2 and 4 both have the id "r1"`)
	assert.Equal(t, before, exportRules(t, a), "nothing is imported")
}

func TestImportRulesRefusesAnUnsupportedVersion(t *testing.T) {
	a := demoApp(t)
	before := exportRules(t, a)
	for _, version := range []int{0, 2} {
		_, err := a.ImportRules(context.Background(), strings.NewReader(rulesFile(t, version, withID(mustRule(t, a, "r1"), "x1"))), "rules.json")
		require.Error(t, err, "version %d", version)
		assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
		assert.Contains(t, err.Error(), fmt.Sprintf("version %d is not supported", version))
	}
	assert.Equal(t, before, exportRules(t, a))
}

func TestImportRulesReportsAnUnknownKeyAtItsLine(t *testing.T) {
	a := demoApp(t)
	before := exportRules(t, a)
	file := `{
  "format": "provisio-rules",
  "version": 1,
  "rules": [
    {
      "id": "x1",
      "published": {
        "name": "Imported",
        "colour": "blue",
        "status": "active",
        "timeframe": {},
        "entitlements": [
          {
            "target": "ad",
            "kind": "account"
          }
        ]
      },
      "updatedAt": "2026-01-01T00:00:00Z"
    }
  ]
}
`
	_, err := a.ImportRules(context.Background(), strings.NewReader(file), "rules.json")
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
	msg := err.Error()
	assert.Contains(t, msg, "rules.json: line 9:", "the line of the key, not the end of the file")
	assert.Contains(t, msg, `"colour"`)
	assert.Contains(t, msg, "docs/RULES.md")
	assert.NotContains(t, msg, "CONFIG.md")
	assert.Contains(t, msg, "in rules[1].published")
	assert.Equal(t, before, exportRules(t, a))
}

func TestImportRulesReportsAKeyValidElsewhereAtItsOwnLine(t *testing.T) {
	a := demoApp(t)
	// "name" is a version's key, not a rule's: the second rule has it in
	// the wrong place, after the first rule used it rightly
	file := `{"format": "provisio-rules", "version": 1, "rules": [
  {"id": "x1", "draft": {"name": "Right", "status": "any", "entitlements": [{"target": "ad", "kind": "account"}]}},
  {"id": "x2",
   "Name": "Misplaced",
   "draft": {"name": "Wrong", "status": "any", "entitlements": [{"target": "ad", "kind": "account"}]}}
]}`
	_, err := a.ImportRules(context.Background(), strings.NewReader(file), "rules.json")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `rules.json: line 4: unknown field "Name" in rules[2];`)
}

func TestImportRulesWithAnInvalidRuleChangesNothing(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*engine.RuleBody)
		wants string
	}{
		{"unknown field", func(b *engine.RuleBody) {
			b.ContractConditions = &engine.Condition{Field: "Department.Kode", Op: engine.OpEquals, Value: "ICT"}
		}, `there is no contract field "Department.Kode"`},
		{"unknown target", func(b *engine.RuleBody) { b.Entitlements[0].Target = "ldap" }, `there is no target system "ldap"`},
		{"unknown permission", func(b *engine.RuleBody) { b.Entitlements[0].Permission = "GG-Manager" }, `no permission "GG-Manager"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := demoApp(t)
			before := exportRules(t, a)
			// a good new rule and a replacement of r1 go with the bad one
			r1 := mustRule(t, a, "r1")
			r1.Published.Name = "Renamed"
			good := withID(mustRule(t, a, "r2"), "x1")
			bad := mustRule(t, a, "r6")
			body := copyBody(t, bad.Published)
			tt.edit(&body)
			bad.Published = &body
			_, err := a.ImportRules(context.Background(), strings.NewReader(rulesFile(t, 1, *r1, good, *bad)), "rules.json")
			require.Error(t, err)
			assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
			assert.Contains(t, err.Error(), "rules.json")
			assert.Contains(t, err.Error(), `rule "Managers" (r6), published version`, "the rule, its id and the version")
			assert.Contains(t, err.Error(), tt.wants)
			assert.Equal(t, before, exportRules(t, a), "a file with a problem changes nothing")
		})
	}
}

func TestImportRulesStampsUndatedRulesWithTheClock(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	// written by hand: x1 and x2 without dates, x3 with its own
	file := `{"format": "provisio-rules", "version": 1, "rules": [
  {"id": "x1", "published": {"name": "Undated", "status": "active", "entitlements": [{"target": "ad", "kind": "account"}]}},
  {"id": "x2", "draft": {"name": "Undated draft", "status": "active", "entitlements": [{"target": "ad", "kind": "account"}]}},
  {"id": "x3", "published": {"name": "Dated", "status": "active", "entitlements": [{"target": "ad", "kind": "account"}]},
   "updatedAt": "2025-03-04T05:06:07Z", "publishedAt": "2025-02-03T04:05:06Z"}
]}`
	_, err := a.ImportRules(ctx, strings.NewReader(file), "rules.json")
	require.NoError(t, err)

	x1 := mustRule(t, a, "x1")
	assert.True(t, x1.UpdatedAt.Equal(day), "updatedAt is the app's time: %v", x1.UpdatedAt)
	assert.True(t, x1.PublishedAt.Equal(day), "publishedAt is the app's time: %v", x1.PublishedAt)
	x2 := mustRule(t, a, "x2")
	assert.True(t, x2.UpdatedAt.Equal(day), "updatedAt is the app's time: %v", x2.UpdatedAt)
	assert.True(t, x2.PublishedAt.IsZero(), "a rule never published has no publishedAt: %v", x2.PublishedAt)
	x3 := mustRule(t, a, "x3")
	assert.Equal(t, "2025-03-04T05:06:07Z", x3.UpdatedAt.UTC().Format(time.RFC3339), "dates in the file are kept")
	assert.Equal(t, "2025-02-03T04:05:06Z", x3.PublishedAt.UTC().Format(time.RFC3339), "dates in the file are kept")
}

// configFile returns a's configuration export, decoded.
func configFile(t *testing.T, a *app.App) *engine.ConfigFile {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, a.ExportConfig(context.Background(), &out))
	var f engine.ConfigFile
	require.NoError(t, json.Unmarshal(out.Bytes(), &f))
	return &f
}

func importConfig(t *testing.T, a *app.App, f *engine.ConfigFile) error {
	t.Helper()
	raw, err := json.Marshal(f)
	require.NoError(t, err)
	_, err = a.ImportConfig(context.Background(), bytes.NewReader(raw), "config.json", t.TempDir())
	return err
}

func mustConfig(t *testing.T, a *app.App) *engine.Config {
	t.Helper()
	cfg, err := a.Config(context.Background())
	require.NoError(t, err)
	return cfg
}

func TestImportConfigWithRulesReplacesTheRules(t *testing.T) {
	a := demoApp(t)
	f := configFile(t, a)
	only := withID(&f.Rules[3], "z1") // r4, ICT administrators
	only.UpdatedAt, only.PublishedAt = time.Time{}, time.Time{}
	f.Rules = []engine.Rule{only}
	require.NoError(t, importConfig(t, a, f))

	all := mustRules(t, a)
	require.Len(t, all, 1, "the file's rules replace the workspace's entirely")
	assert.Equal(t, "z1", all[0].ID)
	assert.Equal(t, "ICT administrators", all[0].Name())
	assert.True(t, all[0].UpdatedAt.Equal(day), "undated rules are stamped: %v", all[0].UpdatedAt)
	assert.True(t, all[0].PublishedAt.Equal(day), "undated rules are stamped: %v", all[0].PublishedAt)

	f.Rules = []engine.Rule{}
	raw, err := json.Marshal(f)
	require.NoError(t, err)
	raw = bytes.Replace(raw, []byte(`"config":`), []byte(`"rules":[],"config":`), 1) // an explicit empty list
	_, err = a.ImportConfig(context.Background(), bytes.NewReader(raw), "config.json", t.TempDir())
	require.NoError(t, err)
	assert.Empty(t, mustRules(t, a), `"rules": [] leaves no rules`)
}

func TestImportConfigWithoutRulesKeepsTheRules(t *testing.T) {
	a := demoApp(t)
	before := mustRules(t, a)
	f := configFile(t, a)
	f.Rules = nil
	f.Config.TargetSystems = append(f.Config.TargetSystems, engine.TargetSystem{Key: "crm", Name: "CRM", Kind: engine.TargetManual})
	raw, err := json.Marshal(f)
	require.NoError(t, err)
	require.NotContains(t, string(raw), `"rules"`)
	_, err = a.ImportConfig(context.Background(), bytes.NewReader(raw), "config.json", t.TempDir())
	require.NoError(t, err)
	_, ok := mustConfig(t, a).TargetSystem("crm")
	assert.True(t, ok, "the configuration is imported")
	assert.Equal(t, before, mustRules(t, a), "the rules are kept")

	// the kept rules must still fit the new configuration
	f = configFile(t, a)
	f.Rules = nil
	f.Config.TargetSystems = slices.DeleteFunc(f.Config.TargetSystems, func(x engine.TargetSystem) bool { return x.Key == "google" })
	err = importConfig(t, a, f)
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
	assert.Contains(t, err.Error(), `"google"`)
	_, ok = mustConfig(t, a).TargetSystem("google")
	assert.True(t, ok, "nothing is imported")
}

func TestImportConfigWithAnInvalidRuleChangesNothing(t *testing.T) {
	a := demoApp(t)
	before := mustRules(t, a)
	beforeCfg := mustConfig(t, a)
	f := configFile(t, a)
	f.Config.TargetSystems = append(f.Config.TargetSystems, engine.TargetSystem{Key: "crm", Name: "CRM", Kind: engine.TargetManual})
	f.Rules = f.Rules[:2]
	f.Rules[1].Published.Entitlements[1].Permission = "GG-Everyone"
	err := importConfig(t, a, f)
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
	assert.Contains(t, err.Error(), "config.json")
	assert.Contains(t, err.Error(), `"GG-Everyone"`)
	assert.Equal(t, beforeCfg, mustConfig(t, a), "the configuration is unchanged")
	assert.Equal(t, before, mustRules(t, a), "the rules are unchanged")
}

func TestTargetKeyUsedByRulesCannotChange(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	before := mustConfig(t, a)
	google, _ := before.TargetSystem("google")
	renamed := *google
	renamed.Key = "gws"
	_, err := a.SaveTargetSystem(ctx, renamed, "google")
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)
	assert.Contains(t, err.Error(), `"google"`)
	assert.Equal(t, before, mustConfig(t, a), "nothing is saved")

	renamed.Key, renamed.Name = "google", "Google Workspace (EU)"
	key, err := a.SaveTargetSystem(ctx, renamed, "google")
	require.NoError(t, err, "the name can change")
	assert.Equal(t, "google", key)

	// a key no rule uses can change
	key, err = a.SaveTargetSystem(ctx, engine.TargetSystem{Name: "CRM"}, "")
	require.NoError(t, err)
	assert.Equal(t, "crm", key, "a new target's key is made from its name")
	key, err = a.SaveTargetSystem(ctx, engine.TargetSystem{Key: "crm2", Name: "CRM"}, "crm")
	require.NoError(t, err)
	assert.Equal(t, "crm2", key)
	_, ok := mustConfig(t, a).TargetSystem("crm")
	assert.False(t, ok)
}

func TestPermissionARuleGrantsCannotBeRemoved(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	cfg := mustConfig(t, a)
	ad, _ := cfg.TargetSystem("ad")
	edited := *ad
	edited.Permissions = append(slices.Clone(ad.Permissions), engine.Permission{ID: " GG-Extra ", Name: "Extra"})
	_, err := a.SaveTargetSystem(ctx, edited, "ad")
	require.NoError(t, err, "a permission can be added")
	saved, _ := mustConfig(t, a).TargetSystem("ad")
	_, ok := saved.Permission("GG-Extra")
	require.True(t, ok, "the id is trimmed")

	// GG-VPN is granted only by r7's draft: drafts count too
	for _, id := range []string{"GG-All-Staff", "GG-VPN"} {
		before := mustConfig(t, a)
		edited := *saved
		edited.Permissions = slices.DeleteFunc(slices.Clone(saved.Permissions), func(p engine.Permission) bool { return p.ID == id })
		_, err := a.SaveTargetSystem(ctx, edited, "ad")
		require.Error(t, err, id)
		assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)
		assert.Contains(t, err.Error(), fmt.Sprintf("%q", id))
		assert.Equal(t, before, mustConfig(t, a), "nothing is saved")
	}

	edited = *saved
	edited.Permissions = slices.DeleteFunc(slices.Clone(saved.Permissions), func(p engine.Permission) bool { return p.ID == "GG-Extra" })
	_, err = a.SaveTargetSystem(ctx, edited, "ad")
	require.NoError(t, err, "a permission no rule grants can be removed")
}

func TestTargetUsedByARuleCannotBeDeleted(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	err := a.DeleteTargetSystem(ctx, "google")
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)
	assert.Contains(t, err.Error(), "Google Workspace")
	assert.Contains(t, err.Error(), `"Google Workspace for office staff"`)
	assert.Contains(t, err.Error(), `"Managers"`)
	_, ok := mustConfig(t, a).TargetSystem("google")
	assert.True(t, ok)

	require.NoError(t, a.DeleteRule(ctx, "r5", false))
	err = a.DeleteTargetSystem(ctx, "google")
	require.Error(t, err, "r6 still grants in it")
	assert.NotContains(t, err.Error(), "office staff")

	require.NoError(t, a.DeleteRule(ctx, "r6", false))
	require.NoError(t, a.DeleteTargetSystem(ctx, "google"))
	_, ok = mustConfig(t, a).TargetSystem("google")
	assert.False(t, ok)
	err = a.DeleteTargetSystem(ctx, "google")
	assert.True(t, engine.IsCode(err, engine.NotFound), "%v", err)
}

func TestDisabledTargetIsLeftOutOfEvaluation(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	inTarget := func(e *engine.Evaluation, target string) int {
		n := 0
		for _, x := range e.Actions {
			if x.Key.Target == target {
				n++
			}
		}
		return n
	}
	before := evaluate(t, a, app.EvaluateOptions{})
	require.Positive(t, inTarget(before, "google"))
	require.Empty(t, before.DisabledTargets)

	google, _ := mustConfig(t, a).TargetSystem("google")
	disabled := *google
	disabled.Disabled = true
	_, err := a.SaveTargetSystem(ctx, disabled, "google")
	require.NoError(t, err)

	e := evaluate(t, a, app.EvaluateOptions{})
	assert.Zero(t, inTarget(e, "google"), "no actions in a disabled target")
	assert.Equal(t, inTarget(before, "ad"), inTarget(e, "ad"), "other targets are evaluated as before")
	assert.Equal(t, []string{"google"}, e.DisabledTargets)
	infos, err := a.Evaluations(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"google"}, infos[0].DisabledTargets)
	for _, s := range e.Summary {
		assert.NotEqual(t, "google", s.Target)
	}
}

func TestEvaluationIDsIncreaseAndTheNewestComesFirst(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	var ids []uint64
	for _, opts := range []app.EvaluateOptions{{}, {WithDrafts: true}, {}} {
		info, err := a.Evaluate(ctx, opts, nil)
		require.NoError(t, err)
		ids = append(ids, info.ID)
	}
	assert.True(t, ids[0] < ids[1] && ids[1] < ids[2], "ids increase: %v", ids)

	infos, err := a.Evaluations(ctx)
	require.NoError(t, err)
	require.Len(t, infos, 3)
	assert.Equal(t, []uint64{ids[2], ids[1], ids[0]}, []uint64{infos[0].ID, infos[1].ID, infos[2].ID}, "newest first")
	assert.True(t, infos[1].WithDrafts)
	assert.True(t, infos[1].IsWhatIf())
	assert.False(t, infos[0].IsWhatIf())

	latest, err := a.Evaluation(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, ids[2], latest.ID, "0 means the latest")
	first, err := a.Evaluation(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, ids[0], first.ID)
	assert.Len(t, first.Actions, first.EvaluationInfo.Actions)
	_, err = a.Evaluation(ctx, ids[2]+1)
	assert.True(t, engine.IsCode(err, engine.NotFound), "%v", err)
}

func TestDiffOfAnEvaluationWithDraftsListsTheDraftsActions(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	published := evaluate(t, a, app.EvaluateOptions{})
	drafts := evaluate(t, a, app.EvaluateOptions{WithDrafts: true})

	d, err := a.DiffEvaluations(ctx, published.ID, drafts.ID)
	require.NoError(t, err)
	assert.Equal(t, published.ID, d.From)
	assert.Equal(t, drafts.ID, d.To)
	assert.Empty(t, d.Removed)
	require.NotEmpty(t, d.Added, "r7, a draft, gives engineers GG-VPN")
	assert.Equal(t, grantsBy(drafts, ggVPN, "r7"), d.Added, "exactly the draft's grants are added")

	back, err := a.DiffEvaluations(ctx, drafts.ID, published.ID)
	require.NoError(t, err)
	assert.Empty(t, back.Added)
	assert.Equal(t, d.Added, back.Removed)

	same, err := a.DiffEvaluations(ctx, published.ID, published.ID)
	require.NoError(t, err)
	assert.Empty(t, same.Added)
	assert.Empty(t, same.Removed)
}

func TestWhatIfEvaluationDoesNotChangeTheStoredRule(t *testing.T) {
	a := demoApp(t)
	before := mustRules(t, a)
	first := evaluate(t, a, app.EvaluateOptions{})

	edited := withVPN(t, mustRule(t, a, "r6"))
	edited.Name = "Managers with VPN"
	e := evaluate(t, a, app.EvaluateOptions{WhatIf: &edited, WhatIfRule: "r6"})
	assert.Equal(t, "Managers with VPN", e.WhatIf)
	assert.True(t, e.IsWhatIf())
	assert.Equal(t, len(grantsBy(first, ggManagers, "r6")), len(grantsBy(e, ggVPN, "r6")), "the edited version is evaluated")
	assert.Empty(t, grantsBy(e, ggVPN, "r7"), "without drafts, other drafts are not")

	assert.Equal(t, before, mustRules(t, a), "the stored rules are untouched")
	assert.Equal(t, engine.RulePublished, mustRule(t, a, "r6").State())
	assert.Equal(t, first.RulesVersion, e.RulesVersion, "the rules version does not move")
	again := evaluate(t, a, app.EvaluateOptions{})
	assert.Empty(t, grantsBy(again, ggVPN, "r6"))
	assert.Empty(t, again.WhatIf)

	// a new rule, not saved, evaluated as "new rule"
	created := copyBody(t, mustRule(t, a, "r7").Draft)
	e = evaluate(t, a, app.EvaluateOptions{WhatIf: &created})
	assert.NotEmpty(t, grantsBy(e, ggVPN, "new rule"))
	assert.Equal(t, before, mustRules(t, a))
}

func TestLiveCountFollowsTheEditedConditions(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	body := engine.RuleBody{Name: "Everyone active", Status: engine.RuleActive,
		Entitlements: []engine.Entitlement{{Target: "ad", Kind: engine.KindAccount}}}
	all, sample, err := a.LiveCount(ctx, &body, 0, 5)
	require.NoError(t, err)
	require.Positive(t, all)
	assert.Len(t, sample, 5)

	body.PersonConditions = &engine.Condition{Field: "PrimaryContract.Title.Name", Op: engine.OpIn, Values: managerTitles}
	managers, managerSample, err := a.LiveCount(ctx, &body, 0, 5)
	require.NoError(t, err)
	assert.Positive(t, managers)
	assert.Less(t, managers, all, "a condition narrows the count")
	require.NotEmpty(t, managerSample)
	assert.LessOrEqual(t, len(managerSample), 5)
	assert.NotEqual(t, sample, managerSample, "the sample follows the conditions")
	for _, p := range managerSample {
		assert.Contains(t, managerTitles, p.Title, "%s is in the sample", p.DisplayName)
	}

	// the same count as the rule in force that tests the same
	info, err := a.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	assert.Equal(t, info.RuleMatches["r6"], managers)

	_, _, err = a.LiveCount(ctx, &engine.RuleBody{Name: "x", Status: engine.RuleActive}, 0, 5)
	assert.True(t, engine.IsCode(err, engine.Invalid), "an invalid version is not counted: %v", err)
}

func TestExplainRunsForADemoPerson(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	managers := grantsBy(evaluate(t, a, app.EvaluateOptions{}), ggManagers, "r6")
	require.NotEmpty(t, managers)
	_, err := a.Explain(ctx, managers[0].Person, "", "", app.EvaluateOptions{})
	require.NoError(t, err)
	_, err = a.Explain(ctx, managers[0].Person, "ad", "GG-Managers", app.EvaluateOptions{WithDrafts: true})
	require.NoError(t, err)
}

func TestDraftStoredLikeThePublishedVersionIsNoDraft(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	body := engine.RuleBody{Name: "Directors", Status: engine.RuleActive,
		PersonConditions: &engine.Condition{Field: "PrimaryContract.Title.Name", Op: engine.OpIn, Values: []string{"Director"}},
		Entitlements:     []engine.Entitlement{{Target: "ad", Kind: engine.KindAccount}}}
	id, err := a.SaveRuleDraft(ctx, "", body)
	require.NoError(t, err)
	require.NoError(t, a.PublishRule(ctx, id))

	// as an editor may build it: empty lists where the stored version has none
	body.Categories = []string{}
	body.PersonConditions.Conditions = []engine.Condition{}
	_, err = a.SaveRuleDraft(ctx, id, body)
	require.NoError(t, err)
	assert.Equal(t, engine.RulePublished, mustRule(t, a, id).State(), "nothing changed: no draft")
}

func TestRuleSummariesCountMatchesOfTheLatestEvaluationInForce(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	matched := func() map[string]int {
		t.Helper()
		summaries, err := a.RuleSummaries(ctx)
		require.NoError(t, err)
		m := map[string]int{}
		for _, s := range summaries {
			m[s.ID] = s.Matched
		}
		return m
	}
	inForce := evaluate(t, a, app.EvaluateOptions{})
	m := matched()
	assert.Equal(t, inForce.RuleMatches["r6"], m["r6"])
	assert.Equal(t, -1, m["r7"], "a draft rule is not evaluated in force")

	withDrafts := evaluate(t, a, app.EvaluateOptions{WithDrafts: true})
	require.Positive(t, withDrafts.RuleMatches["r7"])
	assert.Equal(t, m, matched(), "a what-if evaluation does not change the counts")

	require.NoError(t, a.PublishRule(ctx, "r7"))
	assert.Equal(t, -1, matched()["r7"], "published since the latest evaluation: not evaluated yet, not 0")
}

func TestARuleThatMatchesNobodyCountsZero(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	body := engine.RuleBody{Name: "Nobody", Status: engine.RuleActive,
		ContractConditions: &engine.Condition{Field: "Department.Code", Op: engine.OpEquals, Value: "NO-SUCH-DEPARTMENT"},
		Entitlements:       []engine.Entitlement{{Target: "ad", Kind: engine.KindAccount}}}
	id, err := a.SaveRuleDraft(ctx, "", body)
	require.NoError(t, err)
	require.NoError(t, a.PublishRule(ctx, id))
	evaluate(t, a, app.EvaluateOptions{})

	summaries, err := a.RuleSummaries(ctx)
	require.NoError(t, err)
	i := slices.IndexFunc(summaries, func(s app.RuleSummary) bool { return s.ID == id })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, 0, summaries[i].Matched)
}
