package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/cmd/provisio/cli"
	"provisio/engine"
)

// demoRuleIDs are the ids of the demo's rules: six published, r7 a draft.
var demoRuleIDs = []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7"}

// ruleSummaries returns the workspace's rules as `provisio rules` lists
// them, by id.
func ruleSummaries(t *testing.T, ws string) map[string]app.RuleSummary {
	t.Helper()
	var list []app.RuleSummary
	runJSON(t, ws, &list, "rules")
	out := make(map[string]app.RuleSummary, len(list))
	for _, r := range list {
		out[r.ID] = r
	}
	return out
}

// exportRules returns `provisio rules export` of ws.
func exportRules(t *testing.T, ws string) string {
	t.Helper()
	return runOK(t, ws, "rules", "export").stdout
}

// readRulesFile decodes a rules export.
func readRulesFile(t *testing.T, text string) *app.RulesFile {
	t.Helper()
	var f app.RulesFile
	require.NoError(t, json.Unmarshal([]byte(text), &f), text)
	return &f
}

// writeRulesFile writes f as JSON into a new file and returns its path.
func writeRulesFile(t *testing.T, f *app.RulesFile, name string) string {
	t.Helper()
	raw, err := json.MarshalIndent(f, "", "  ")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	return path
}

// ruleByID returns the rule with the given id in f.
func ruleByID(t *testing.T, f *app.RulesFile, id string) *engine.Rule {
	t.Helper()
	for i := range f.Rules {
		if f.Rules[i].ID == id {
			return &f.Rules[i]
		}
	}
	require.FailNow(t, "no rule "+id, "the rules file has no rule %q", id)
	return nil
}

// evaluateJSON runs `provisio evaluate` with args and returns what it
// reported.
func evaluateJSON(t *testing.T, ws string, args ...string) engine.EvaluationInfo {
	t.Helper()
	var info engine.EvaluationInfo
	runJSON(t, ws, &info, append([]string{"evaluate"}, args...)...)
	return info
}

// latestEvaluation returns the newest evaluation with its whole plan.
func latestEvaluation(t *testing.T, ws string) engine.Evaluation {
	t.Helper()
	var e engine.Evaluation
	runJSON(t, ws, &e, "evaluations", "show", "latest")
	return e
}

// grantsOf returns the persons the plan grants an entitlement in target
// whose name satisfies match, by person id.
func grantsOf(e engine.Evaluation, target string, match func(name string) bool) map[string]bool {
	out := map[string]bool{}
	for _, a := range e.Actions {
		if a.Grant && a.Key.Target == target && a.Key.Kind == engine.KindPermission && match(a.Key.Name) {
			out[a.Person] = true
		}
	}
	return out
}

func is(name string) func(string) bool { return func(s string) bool { return s == name } }

func TestRulesListsTheDemoRulesWithTheirStates(t *testing.T) {
	ws := newDemoWorkspace(t)

	text := runOK(t, ws, "rules").stdout

	assert.Regexp(t, `^ID\s+NAME\s+STATE\s+CATEGORIES\s+MATCHED\n`, text)
	for _, id := range demoRuleIDs[:6] {
		assert.Regexp(t, `(?m)^`+id+`\s+.+\s+published\s+.+\s+[1-9]\d*$`, text, "the demo's first evaluation counted the matches")
	}
	assert.Regexp(t, `(?m)^r4\s+ICT administrators\s+published\s+Groups, ICT\s+\d+$`, text)
	assert.Regexp(t, `(?m)^r7\s+VPN for engineers\s+draft\s+Groups, ICT\s+-$`, text)
	assert.Equal(t, 8, strings.Count(text, "\n"), "a header and the seven rules")
	assert.Equal(t, text, runOK(t, ws, "rules", "list").stdout, "rules list is rules")

	rules := ruleSummaries(t, ws)
	require.Len(t, rules, 7)
	for _, id := range demoRuleIDs[:6] {
		assert.Positive(t, rules[id].Matched, id)
	}
	assert.Equal(t, -1, rules["r7"].Matched, "a draft is not evaluated with the rules in force")
	assert.Equal(t, engine.RuleDraft, rules["r7"].State)
	assert.Equal(t, "ICT administrators", rules["r4"].Name)
}

func TestRulesShowsHowManyPersonsEachRuleMatchedAtTheLatestEvaluation(t *testing.T) {
	ws := newDemoWorkspace(t)
	info := evaluateJSON(t, ws)

	text := runOK(t, ws, "rules").stdout

	rules := ruleSummaries(t, ws)
	for _, id := range demoRuleIDs[:6] {
		require.Contains(t, info.RuleMatches, id)
		assert.Positive(t, info.RuleMatches[id], id)
		assert.Equal(t, info.RuleMatches[id], rules[id].Matched, id)
		assert.Regexp(t, fmt.Sprintf(`(?m)^%s\s.*\s%d$`, id, info.RuleMatches[id]), text)
	}
	assert.Equal(t, -1, rules["r7"].Matched, "a draft is not evaluated")
	assert.Regexp(t, `(?m)^r7\s.*\s-$`, text)
}

func TestRulesShowFindsARuleByIDOrName(t *testing.T) {
	ws := newDemoWorkspace(t)

	text := runOK(t, ws, "rules", "show", "r4").stdout

	assert.Regexp(t, `^r4\s+ICT administrators \(published\)\n`, text)
	assert.Contains(t, text, "published version:")
	assert.NotContains(t, text, "draft version:")
	assert.Regexp(t, `(?m)^\s+categories\s+Groups, ICT$`, text)
	assert.Regexp(t, `(?m)^\s+persons\s+active: with a contract active from 0 days before its start to 0 days after its end$`, text)
	assert.Regexp(t, `(?m)^\s+contract conditions\s+\(Department\.Code starts with ICT and Title\.Name is one of System Administrator, .*Security Officer\)$`, text)
	assert.Regexp(t, `(?m)^\s+grants\s+ad: permission GG-ICT-Admins$`, text)
	for _, name := range []string{"ICT administrators", "ict ADMINISTRATORS"} {
		assert.Equal(t, text, runOK(t, ws, "rules", "show", name).stdout, "by name, in any case: %q", name)
	}

	var rule engine.Rule
	runJSON(t, ws, &rule, "rules", "show", "r4")
	assert.Equal(t, "r4", rule.ID)
	require.NotNil(t, rule.Published)
	assert.Nil(t, rule.Draft)
	assert.Equal(t, engine.RuleActive, rule.Published.Status)

	draft := runOK(t, ws, "rules", "show", "VPN for engineers").stdout
	assert.Regexp(t, `^r7\s+VPN for engineers \(draft\)\n`, draft)
	assert.Contains(t, draft, "draft version:")
	assert.NotContains(t, draft, "published version:")
	assert.Regexp(t, `(?m)^\s+contract conditions\s+Title\.Name contains Engineer$`, draft)
}

func TestRulesShowOfAnUnknownRuleFails(t *testing.T) {
	ws := newDemoWorkspace(t)

	r := runFails(t, cli.ExitError, ws, "rules", "show", "nosuch")

	assert.Contains(t, r.stderr, `there is no rule "nosuch"`)
	assert.Empty(t, r.stdout)
}

func TestRulesExportImportsIntoAnotherWorkspaceReplacingRulesWithTheSameID(t *testing.T) {
	ws := newDemoWorkspace(t)
	exported := exportRules(t, ws)
	f := readRulesFile(t, exported)
	assert.Equal(t, "provisio-rules", f.Format)
	assert.Equal(t, 1, f.Version)
	require.Len(t, f.Rules, 7)
	file := filepath.Join(t.TempDir(), "rules.json")
	runOK(t, ws, "rules", "export", "--out", file)
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, exported, string(raw), "--out and standard output write the same")

	// another workspace whose r7 is published and which has a rule of its
	// own, r8
	other := newDemoWorkspace(t)
	runOK(t, other, "rules", "publish", "r7")
	extra := &app.RulesFile{Format: app.RulesFormat, Version: 1, Rules: []engine.Rule{*ruleByID(t, readRulesFile(t, exported), "r4")}}
	extra.Rules[0].ID = "r8"
	extra.Rules[0].Published.Name = "ICT administrators, again"
	runOK(t, other, "rules", "import", writeRulesFile(t, extra, "extra.json"))
	require.Len(t, ruleSummaries(t, other), 8)

	r := runOK(t, other, "rules", "import", file)

	assert.Contains(t, r.stdout, "imported 7 rules from "+file)
	rules := ruleSummaries(t, other)
	require.Len(t, rules, 8, "rules the file does not have stay")
	assert.Equal(t, engine.RuleDraft, rules["r7"].State, "r7 is replaced by the file's draft")
	assert.Equal(t, "ICT administrators, again", rules["r8"].Name)
	got := readRulesFile(t, exportRules(t, other))
	want := readRulesFile(t, exported)
	for _, id := range demoRuleIDs {
		assert.Equal(t, ruleByID(t, want, id), ruleByID(t, got, id), id)
	}
}

func TestRulesImportOfAFileWithAnInvalidRuleChangesNothing(t *testing.T) {
	ws := newDemoWorkspace(t)
	before := exportRules(t, ws)

	for _, tc := range []struct {
		name  string
		spoil func(f *app.RulesFile)
		want  []string
	}{
		{
			name: "unknown field",
			spoil: func(f *app.RulesFile) {
				ruleByID(t, f, "r4").Published.ContractConditions.Conditions[0].Field = "Department.Kode"
			},
			want: []string{`rule "ICT administrators"`, "contract conditions, condition 1", `there is no contract field "Department.Kode"`, "Department.Code"},
		},
		{
			name: "unknown target",
			spoil: func(f *app.RulesFile) {
				ruleByID(t, f, "r6").Published.Entitlements[1].Target = "ldap"
			},
			want: []string{`rule "Managers"`, "entitlement 2", `there is no target system "ldap"`, "there are: ad, google"},
		},
		{
			name: "contract field in person conditions",
			spoil: func(f *app.RulesFile) {
				ruleByID(t, f, "r6").Published.PersonConditions.Field = "Title.Name"
			},
			want: []string{`rule "Managers"`, "person conditions", `there is no person field "Title.Name"`, "PrimaryContract.Title.Name"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := readRulesFile(t, before)
			// a valid change before the broken rule must not be imported
			// either: the whole file is checked first
			ruleByID(t, f, "r1").Published.Name = "Renamed"
			tc.spoil(f)
			path := writeRulesFile(t, f, strings.ReplaceAll(tc.name, " ", "-")+".json")

			r := runFails(t, cli.ExitError, ws, "rules", "import", path)

			assert.Contains(t, r.stderr, path, "the message names the file")
			for _, w := range tc.want {
				assert.Contains(t, r.stderr, w)
			}
			assert.Equal(t, before, exportRules(t, ws), "the rules are unchanged")
		})
	}

	config := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(config, []byte(exportConfig(t, ws)), 0o600))
	r := runFails(t, cli.ExitError, ws, "rules", "import", config)
	assert.Contains(t, r.stderr, config)
	wrongFormat := filepath.Join(t.TempDir(), "other.json")
	require.NoError(t, os.WriteFile(wrongFormat, []byte(`{"format": "provisio-config", "version": 1, "rules": []}`), 0o600))
	r = runFails(t, cli.ExitError, ws, "rules", "import", wrongFormat)
	assert.Contains(t, r.stderr, `not a Provisio rules file (expected "format": "provisio-rules")`)
	assert.Equal(t, before, exportRules(t, ws))
}

func TestRulesPublishPutsADraftInForce(t *testing.T) {
	ws := newDemoWorkspace(t)
	first := evaluateJSON(t, ws)
	assert.NotContains(t, first.RuleMatches, "r7", "a draft is not in force")

	r := runOK(t, ws, "rules", "publish", "r7")

	assert.Contains(t, r.stderr, "published r7")
	assert.Equal(t, engine.RulePublished, ruleSummaries(t, ws)["r7"].State)
	show := runOK(t, ws, "rules", "show", "r7").stdout
	assert.Regexp(t, `^r7\s+VPN for engineers \(published\)\n`, show)
	info := evaluateJSON(t, ws)
	assert.False(t, info.IsWhatIf())
	assert.Positive(t, info.RuleMatches["r7"])
	assert.Equal(t, info.RuleMatches["r7"], ruleSummaries(t, ws)["r7"].Matched)
	assert.Greater(t, info.RulesVersion, first.RulesVersion, "publishing changes the rules version")
	assert.NotEmpty(t, grantsOf(latestEvaluation(t, ws), "ad", is("GG-VPN")))

	r = runFails(t, cli.ExitError, ws, "rules", "publish", "r7")
	assert.Contains(t, r.stderr, "no draft to publish")
}

func TestEvaluatePrintsTheSummaryTable(t *testing.T) {
	ws := newDemoWorkspace(t)

	r := runOK(t, ws, "evaluate")

	text := r.stdout
	assert.Regexp(t, `^evaluation 2: snapshot 1 as of 2027-01-01, rules version \d+\n`, text, "the demo made evaluation 1")
	assert.Regexp(t, `(?m)^\s+300 persons: \d+ evaluated, [1-9]\d* blocked, [1-9]\d* excluded; \d+ actions in `, text)
	assert.Regexp(t, `(?m)^\s+TARGET\s+KIND\s+GRANT\s+REVOKE$`, text)
	for _, kind := range []string{"account", "account access", "permission"} {
		for _, target := range []string{"ad", "google"} {
			assert.Regexp(t, `(?m)^\s+`+target+`\s+`+kind+`\s+[1-9]\d*\s+0$`, text, "%s %s: grants only, the ledger is empty", target, kind)
		}
	}
	assert.Contains(t, r.stderr, "evaluating: 100%")
}

func TestEvaluateJSONIsTheEvaluationInfo(t *testing.T) {
	ws := newDemoWorkspace(t)

	info := evaluateJSON(t, ws)

	assert.Equal(t, uint64(2), info.ID, "the demo made evaluation 1")
	assert.Equal(t, engine.NewDate(2027, time.January, 1), info.AsOf, "the reference date defaults to today")
	assert.Equal(t, uint64(1), info.Snapshot)
	assert.False(t, info.IsWhatIf())
	assert.Equal(t, 300, info.Persons)
	assert.Positive(t, info.Blocked, "the demo has blocked persons")
	assert.Equal(t, info.Persons, info.Evaluated+info.Blocked+info.Excluded)
	require.NotEmpty(t, info.Summary)
	total := 0
	for _, s := range info.Summary {
		total += s.Grants + s.Revokes
		assert.Zero(t, s.Revokes, "nothing is granted yet, so nothing is revoked")
	}
	assert.Equal(t, info.Actions, total, "the summary counts every action")
	for _, id := range demoRuleIDs[:6] {
		assert.Positive(t, info.RuleMatches[id], id)
	}
	e := latestEvaluation(t, ws)
	assert.Len(t, e.Actions, info.Actions)
	assert.Len(t, e.Skipped, info.Blocked+info.Excluded, "blocked and excluded persons are listed")
}

func TestEvaluateAsOfEvaluatesOnThatDate(t *testing.T) {
	ws := newDemoWorkspace(t)
	today := evaluateJSON(t, ws)

	r := runOK(t, ws, "evaluate", "--as-of", "2027-06-01")

	assert.Regexp(t, `^evaluation 3: snapshot 1 as of 2027-06-01,`, r.stdout)
	info := latestEvaluation(t, ws).EvaluationInfo
	assert.Equal(t, engine.NewDate(2027, time.June, 1), info.AsOf)
	assert.NotEqual(t, today.RuleMatches, info.RuleMatches, "five months on, hires have started and leavers have gone")
}

func TestEvaluateRejectsABadAsOfDate(t *testing.T) {
	ws := newDemoWorkspace(t)

	for _, bad := range []string{"2027-02-30", "01-06-2027", "tomorrow"} {
		r := runFails(t, cli.ExitError, ws, "evaluate", "--as-of", bad)

		assert.Contains(t, r.stderr, fmt.Sprintf(`--as-of: expected a date like 2024-01-31, got %q`, bad))
	}
	var list []engine.EvaluationInfo
	runJSON(t, ws, &list, "evaluations")
	assert.Len(t, list, 1, "nothing was evaluated but the demo's first evaluation")
}

func TestEvaluateWithDraftsIsAWhatIfThatGrantsTheDraftsEntitlements(t *testing.T) {
	ws := newDemoWorkspace(t)

	r := runOK(t, ws, "evaluate", "--with-drafts")

	assert.Regexp(t, `^evaluation 2 \(what-if: with draft rules\): snapshot 1 as of 2027-01-01,`, r.stdout)
	e := latestEvaluation(t, ws)
	assert.True(t, e.WithDrafts)
	assert.True(t, e.IsWhatIf())
	assert.Positive(t, e.RuleMatches["r7"])
	vpn := grantsOf(e, "ad", is("GG-VPN"))
	assert.NotEmpty(t, vpn)
	for _, a := range e.Actions {
		if a.Key.Name == "GG-VPN" {
			require.Len(t, a.Reasons, 1)
			assert.Equal(t, "r7", a.Reasons[0].Rule)
			assert.Equal(t, "VPN for engineers", a.Reasons[0].RuleName)
			assert.NotEmpty(t, a.Reasons[0].Contracts, "the reason names the in-conditions contracts")
		}
	}
	assert.Equal(t, engine.RuleDraft, ruleSummaries(t, ws)["r7"].State, "nothing is published")
}

func TestEvaluationsListsEveryEvaluationNewestFirst(t *testing.T) {
	ws := newDemoWorkspace(t)
	first := evaluateJSON(t, ws)
	second := evaluateJSON(t, ws, "--with-drafts")

	text := runOK(t, ws, "evaluations").stdout

	assert.Regexp(t, `^ID\s+CREATED\s+AS OF\s+SNAPSHOT\s+RULES\s+WHAT-IF\s+PERSONS\s+ACTIONS\n`, text)
	assert.Regexp(t, fmt.Sprintf(`(?m)^3\s+2027-01-01 09:30\s+2027-01-01\s+1\s+\d+\s+drafts\s+300\s+%d\n2\s+2027-01-01 09:30\s+2027-01-01\s+1\s+\d+\s+-\s+300\s+%d\n1\s`, second.Actions, first.Actions), text)
	assert.Equal(t, text, runOK(t, ws, "evaluations", "list").stdout)
	var list []engine.EvaluationInfo
	runJSON(t, ws, &list, "evaluations")
	require.Len(t, list, 3, "with the demo's first evaluation")
	assert.Equal(t, []uint64{3, 2, 1}, []uint64{list[0].ID, list[1].ID, list[2].ID})
	assert.True(t, list[0].WithDrafts)
	assert.False(t, list[1].WithDrafts)
}

func TestEvaluationsShowLimitsTheActionsItPrints(t *testing.T) {
	ws := newDemoWorkspace(t)
	info := evaluateJSON(t, ws)
	require.Greater(t, info.Actions, 5)
	action := regexp.MustCompile(`(?m)^(grant|revoke)\s`)

	text := runOK(t, ws, "evaluations", "show", "latest", "--limit", "5").stdout

	assert.Regexp(t, `^evaluation 2: snapshot 1 as of 2027-01-01`, text)
	assert.Regexp(t, `(?m)^\s+TARGET\s+KIND\s+GRANT\s+REVOKE$`, text)
	assert.Len(t, action.FindAllString(text, -1), 5)
	assert.Contains(t, text, fmt.Sprintf("… %d more (use --limit 0 for all)", info.Actions-5))
	assert.Regexp(t, `(?m)^grant\s+.+ \(hr:\d+\)\s+ad: account\s+rule "Active Directory account for staff" on contract \S+`, text)
	assert.Regexp(t, `(?m)^note\s+hr:\d+: ad: permission GG-ICT-Admins is granted by rule "ICT administrators", but no rule gives .+ an account in ad$`, text,
		"an on-call ICT administrator gets no account, so the group is a note, not an action")

	all := runOK(t, ws, "evaluations", "show", fmt.Sprint(info.ID), "--limit", "0").stdout
	assert.Len(t, action.FindAllString(all, -1), info.Actions)
	assert.NotContains(t, all, "more (use --limit 0 for all)")

	r := runFails(t, cli.ExitError, ws, "evaluations", "show", "9")
	assert.Contains(t, r.stderr, "9")
}

func TestEvaluationsDiffShowsTheActionsTheDraftsAdd(t *testing.T) {
	ws := newDemoWorkspace(t)
	evaluateJSON(t, ws)
	drafts := evaluateJSON(t, ws, "--with-drafts")
	vpn := grantsOf(latestEvaluation(t, ws), "ad", is("GG-VPN"))
	require.NotEmpty(t, vpn)

	text := runOK(t, ws, "evaluations", "diff", "2", "3").stdout

	assert.Regexp(t, fmt.Sprintf(`^evaluation 2 → 3: %d actions added, 0 removed\n`, len(vpn)), text)
	added := regexp.MustCompile(`(?m)^\+ grant\s+.+ \((hr:\d+)\)\s+ad: permission GG-VPN\s+rule "VPN for engineers" on contract \S+`).FindAllStringSubmatch(text, -1)
	assert.Len(t, added, len(vpn))
	for _, m := range added {
		assert.True(t, vpn[m[1]], m[1])
	}
	assert.NotRegexp(t, `(?m)^- `, text)

	var d app.EvaluationDiff
	runJSON(t, ws, &d, "evaluations", "diff", "2", "3")
	assert.Equal(t, uint64(2), d.From)
	assert.Equal(t, drafts.ID, d.To)
	assert.Empty(t, d.Removed)
	require.Len(t, d.Added, len(vpn))
	for _, a := range d.Added {
		assert.Equal(t, engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "GG-VPN"}, a.Key)
	}

	back := runOK(t, ws, "evaluations", "diff", "3", "2").stdout
	assert.Regexp(t, fmt.Sprintf(`^evaluation 3 → 2: 0 actions added, %d removed\n`, len(vpn)), back)
}

// ictAdminPersons returns, from the demo's plan, a person the ICT
// administrators group is granted to and an office worker in Operations
// who is not in ICT at all.
func ictAdminPersons(t *testing.T, ws string) (admin, other string) {
	t.Helper()
	evaluateJSON(t, ws)
	e := latestEvaluation(t, ws)
	admins := grantsOf(e, "ad", is("GG-ICT-Admins"))
	require.NotEmpty(t, admins)
	ops := grantsOf(e, "ad", func(name string) bool { return strings.HasPrefix(name, "GG-OPS") })
	for _, a := range e.Actions {
		if admins[a.Person] && admin == "" {
			admin = a.Person
		}
		if ops[a.Person] && !admins[a.Person] && other == "" {
			var d app.PersonDetail
			runJSON(t, ws, &d, "persons", "show", a.Person)
			inICT := false
			for _, c := range d.Contracts {
				inICT = inICT || strings.HasPrefix(c.Department.Code, "ICT")
			}
			if !inICT {
				other = a.Person
			}
		}
	}
	require.NotEmpty(t, admin)
	require.NotEmpty(t, other, "the demo has persons in Operations")
	return admin, other
}

func TestExplainShowsWhyAPersonHasAnEntitlement(t *testing.T) {
	ws := newDemoWorkspace(t)
	admin, _ := ictAdminPersons(t, ws)

	text := runOK(t, ws, "explain", admin, "--target", "ad", "--entitlement", "GG-ICT-Admins").stdout

	assert.Regexp(t, `^.+ \(`+admin+`\), GG-ICT-Admins in ad, as of 2027-01-01\n`, text)
	assert.Regexp(t, `(?m)^\s+wanted: ad: permission GG-ICT-Admins$`, text)
	assert.Regexp(t, `(?m)^\s+rule "ICT administrators" holds: the rule holds on contract \S+`, text)
	assert.Regexp(t, `(?m)^\s+✓ all of$`, text)
	assert.Regexp(t, `(?m)^\s+✓ Department\.Code starts with ICT \(value: ICT[^)]*\)$`, text)
	assert.Regexp(t, `(?m)^\s+✓ Title\.Name is one of .+ \(value: (System Administrator|Cloud Architect|Network Engineer|IAM Specialist|Security Officer)\)$`, text)

	var ex app.Explanation
	runJSON(t, ws, &ex, "explain", admin, "--target", "ad", "--entitlement", "GG-ICT-Admins")
	assert.True(t, ex.Granted)
	assert.Equal(t, []engine.EntitlementKey{{Target: "ad", Kind: engine.KindPermission, Name: "GG-ICT-Admins"}}, ex.Wanted)
}

func TestExplainShowsTheConditionThatFailed(t *testing.T) {
	ws := newDemoWorkspace(t)
	_, other := ictAdminPersons(t, ws)

	text := runOK(t, ws, "explain", other, "--target", "ad", "--entitlement", "GG-ICT-Admins").stdout

	assert.Regexp(t, `(?m)^\s+not wanted: no rule that could give it holds$`, text)
	assert.Regexp(t, `(?m)^\s+rule "ICT administrators" does not hold: no contract meets the contract conditions: .*Department\.Code starts with ICT does not hold \(the value is OPS`, text)
	assert.Regexp(t, `(?m)^\s+contract \S+:\n\s+✗ all of\n\s+✗ Department\.Code starts with ICT \(value: OPS[^)]*\)$`, text)
	assert.NotRegexp(t, `(?m)^\s+wanted:`, text)

	var ex app.Explanation
	runJSON(t, ws, &ex, "explain", other, "--target", "ad", "--entitlement", "GG-ICT-Admins")
	assert.False(t, ex.Granted)
	assert.Empty(t, ex.Wanted)
}

func TestExplainSaysWhenAWantedPermissionIsWithheldForWantOfAnAccount(t *testing.T) {
	ws := newDemoWorkspace(t)
	evaluateJSON(t, ws)
	e := latestEvaluation(t, ws)
	person := ""
	for _, n := range e.Notes {
		if strings.Contains(n.Message, "GG-ICT-Admins") {
			person = n.Person
			break
		}
	}
	require.NotEmpty(t, person, "the demo has an on-call ICT administrator: the rule holds, but no rule gives them an account")

	text := runOK(t, ws, "explain", person, "--target", "ad", "--entitlement", "GG-ICT-Admins").stdout

	assert.Regexp(t, `(?m)^\s+withheld: ad: permission GG-ICT-Admins, given by rule "ICT administrators": it needs an account in ad, and no rule gives the person one$`, text)
	assert.NotRegexp(t, `(?m)^\s+(wanted|not wanted):`, text)
	var ex app.Explanation
	runJSON(t, ws, &ex, "explain", person, "--target", "ad", "--entitlement", "GG-ICT-Admins")
	assert.False(t, ex.Granted, "the evaluation does not grant it")
	assert.Empty(t, ex.Wanted)
	require.Len(t, ex.Withheld, 1)

	// with the target disabled, nothing in it is granted, and Explain says so
	admin, _ := ictAdminPersons(t, ws)
	var cfg engine.ConfigFile
	file := filepath.Join(t.TempDir(), "config.json")
	runOK(t, ws, "config", "export", "--out", file)
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &cfg))
	for i := range cfg.Config.TargetSystems {
		cfg.Config.TargetSystems[i].Disabled = cfg.Config.TargetSystems[i].Key == "ad"
	}
	raw, err = json.Marshal(cfg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, raw, 0o600))
	runOK(t, ws, "config", "import", file)
	text = runOK(t, ws, "explain", admin, "--target", "ad", "--entitlement", "account").stdout
	assert.Regexp(t, `(?m)^\s+withheld: ad: account, given by rule .+: the target system ad is disabled: evaluations leave it out$`, text)
}

func TestExplainOfAnUnknownPersonOrTargetFails(t *testing.T) {
	ws := newDemoWorkspace(t)

	r := runFails(t, cli.ExitError, ws, "explain", "hr:999999")
	assert.Contains(t, r.stderr, `there is no person "hr:999999"`)

	r = runFails(t, cli.ExitError, ws, "explain", "hr:100001", "--target", "nosuchtarget")
	assert.Contains(t, r.stderr, `there is no target system "nosuchtarget"`)

	r = runFails(t, cli.ExitError, ws, "explain", "hr:100001", "--as-of", "soon")
	assert.Contains(t, r.stderr, "--as-of")
}

func TestConfigExportCarriesTheRulesToAFreshWorkspace(t *testing.T) {
	ws := newDemoWorkspace(t)
	runOK(t, ws, "rules", "publish", "r7")
	rules := exportRules(t, ws)
	file := filepath.Join(t.TempDir(), "config.json")
	runOK(t, ws, "config", "export", "--out", file)
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var cfg engine.ConfigFile
	require.NoError(t, json.Unmarshal(raw, &cfg))
	require.Len(t, cfg.Rules, 7, "the configuration holds the rules")
	require.Len(t, cfg.Config.TargetSystems, 2, "and the target systems they grant in")

	fresh := filepath.Join(t.TempDir(), "fresh")
	runOK(t, fresh, "config", "import", file)

	assert.Equal(t, rules, exportRules(t, fresh))
	assert.Equal(t, engine.RulePublished, ruleSummaries(t, fresh)["r7"].State)
	runOK(t, fresh, "import")
	info := evaluateJSON(t, fresh)
	assert.Positive(t, info.RuleMatches["r7"], "the imported rules are in force")
}

// docsRulesExample returns the example rules file of docs/RULES.md.
func docsRulesExample(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "RULES.md"))
	require.NoError(t, err)
	for _, m := range regexp.MustCompile("(?s)```json\n(.*?)```").FindAllStringSubmatch(string(raw), -1) {
		if strings.Contains(m[1], `"provisio-rules"`) {
			return m[1]
		}
	}
	require.FailNow(t, "docs/RULES.md has no example rules file")
	return ""
}

func TestTheRulesFileExampleOfTheDocumentationImports(t *testing.T) {
	ws := newDemoWorkspace(t)
	path := filepath.Join(t.TempDir(), "example.json")
	require.NoError(t, os.WriteFile(path, []byte(docsRulesExample(t)), 0o600))

	r := runOK(t, ws, "rules", "import", path)

	assert.Contains(t, r.stdout, "imported 4 rules")
	rules := ruleSummaries(t, ws)
	assert.Equal(t, engine.RuleChanged, rules["r6"].State, "the example gives r6 a draft")
	assert.Equal(t, engine.RuleDraft, rules["r7"].State)
	info := evaluateJSON(t, ws, "--with-drafts")
	assert.Positive(t, info.RuleMatches["r6"])
}
