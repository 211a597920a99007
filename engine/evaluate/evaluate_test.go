package evaluate_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/evaluate"
	"provisio/engine/rules"
)

// run evaluates in, and again with the ledger's attributes packed as
// the store loads them for an evaluation: the plans must be the same.
func run(t *testing.T, in evaluate.Input) *engine.Evaluation {
	t.Helper()
	e, err := evaluate.Run(context.Background(), in, nil)
	require.NoError(t, err)
	if in.Ledger != nil {
		packed := &engine.Ledger{Entries: slices.Clone(in.Ledger.Entries)}
		for i := range packed.Entries {
			if le := &packed.Entries[i]; len(le.Attributes) > 0 {
				names := le.Attributes.Names()
				var values strings.Builder
				ends := make([]uint32, len(names))
				for j, n := range names {
					values.WriteString(le.Attributes[n])
					ends[j] = uint32(values.Len())
				}
				le.Packed, le.Attributes = engine.NewPackedAttributes(names, values.String(), ends), nil
			}
		}
		in.Ledger = packed
		again, err := evaluate.Run(context.Background(), in, nil)
		require.NoError(t, err)
		again.Duration = e.Duration
		require.Equal(t, e, again, "the plan is the same with the ledger's attributes packed")
	}
	return e
}

// actionsOf lists a plan's actions as "verb person key".
func actionsOf(e *engine.Evaluation) []string {
	var out []string
	for _, a := range e.Actions {
		out = append(out, fmt.Sprintf("%s %s %s", a.Verb(), a.Person, a.Key))
	}
	return out
}

func find(t *testing.T, e *engine.Evaluation, person string, k engine.EntitlementKey) engine.Action {
	t.Helper()
	for _, a := range e.Actions {
		if a.Person == person && a.Key == k {
			return a
		}
	}
	require.Failf(t, "no action", "for %s %s in %v", person, k, actionsOf(e))
	return engine.Action{}
}

var ictStaff = rule("r-ict", "ICT staff", engine.RuleActive, cond("Department.Code", engine.OpEquals, "ICT"), adAccount, adAccess, adPerDept)

func TestBlockedAndExcludedPersonsGetNoActionsAndAreListed(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env, ictStaff)
	ict := contract(t, "C", "2024-01-01", "", "Department.Code=ICT")
	blocked := person(t, "blocked", ict)
	blocked.Issues = []engine.Issue{{Field: "ExternalId", Message: "empty", Blocking: true}}
	excluded := person(t, "excluded", ict)
	excluded.Excluded = true
	both := person(t, "both", ict)
	both.Excluded = true
	both.Issues = blocked.Issues
	ok := person(t, "ok", ict)
	// what the ledger says they have must not be revoked either
	ledger := []engine.LedgerEntry{
		{Person: blocked.ID, Key: key("ad", engine.KindAccount, ""), Rules: []string{"r-ict"}},
		{Person: excluded.ID, Key: key("ad", engine.KindPermission, "VPN"), Rules: []string{"gone"}},
	}

	e := run(t, input(t, set, ledger, blocked, excluded, both, ok))

	for _, a := range e.Actions {
		assert.Equal(t, ok.ID, a.Person, "only the evaluated person has actions")
	}
	assert.Equal(t, []engine.Skipped{
		{Person: blocked.ID, Name: "Person blocked", Status: engine.StatusBlocked},
		{Person: excluded.ID, Name: "Person excluded", Status: engine.StatusExcluded},
		{Person: both.ID, Name: "Person both", Status: engine.StatusExcluded},
	}, e.Skipped)
	assert.Equal(t, 4, e.Persons)
	assert.Equal(t, 1, e.Evaluated)
	assert.Equal(t, 1, e.Blocked)
	assert.Equal(t, 2, e.Excluded)
	assert.Equal(t, map[string]int{"r-ict": 1}, e.RuleMatches)
}

func TestGrantsEverythingWantedWithItsReasons(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env,
		ictStaff,
		rule("r-all", "Everyone active", engine.RuleActive, nil, adAccount, adVPN),
		rule("r-mail", "Mail for all", engine.RuleAny, nil, mailAcct, mailBox))
	p := person(t, "1",
		contract(t, "A", "2024-01-01", "", "Department.Code=ICT"),
		contract(t, "B", "2024-01-01", "", "Department.Code=HR"))

	e := run(t, input(t, set, nil, p))

	assert.Equal(t, []string{
		"grant hr:1 ad: account",
		"grant hr:1 ad: account access",
		"grant hr:1 ad: permission GRP-ICT",
		"grant hr:1 ad: permission VPN",
		"grant hr:1 mail: account",
		"grant hr:1 mail: custom Mailbox",
	}, actionsOf(e))
	account := find(t, e, p.ID, key("ad", engine.KindAccount, ""))
	assert.True(t, account.Grant)
	assert.Equal(t, "Person 1", account.PersonName)
	assert.Equal(t, []engine.Reason{
		{Rule: "r-ict", RuleName: "ICT staff", Contracts: []string{"A"}},
		{Rule: "r-all", RuleName: "Everyone active", Contracts: []string{"A", "B"}},
	}, account.Reasons, "one action with a reason per rule, in rule order")
	assert.Equal(t, []engine.Reason{{Rule: "r-ict", RuleName: "ICT staff", Contracts: []string{"A"}}},
		find(t, e, p.ID, key("ad", engine.KindPermission, "GRP-ICT")).Reasons)
	assert.Equal(t, map[string]int{"r-ict": 1, "r-all": 1, "r-mail": 1}, e.RuleMatches)
	assert.Equal(t, 6, e.EvaluationInfo.Actions)
	assert.Empty(t, e.Notes)
}

func TestDynamicPermissionsGiveOneGrantPerValue(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env, rule("r-dept", "Department groups", engine.RuleActive, nil, adAccount, adPerDept))
	p := person(t, "1",
		contract(t, "A", "2024-01-01", "", "Department.Code=ICT"),
		contract(t, "B", "2024-01-01", "", "Department.Code=HR"),
		contract(t, "C", "2024-06-01", "", "Department.Code=ICT"),
		contract(t, "D", "2024-06-01", ""))

	e := run(t, input(t, set, nil, p))

	assert.Equal(t, []string{
		"grant hr:1 ad: account",
		"grant hr:1 ad: permission GRP-HR",
		"grant hr:1 ad: permission GRP-ICT",
	}, actionsOf(e))
	assert.Equal(t, []string{"A", "C"}, find(t, e, p.ID, key("ad", engine.KindPermission, "GRP-ICT")).Reasons[0].Contracts)
	assert.Equal(t, []string{"B"}, find(t, e, p.ID, key("ad", engine.KindPermission, "GRP-HR")).Reasons[0].Contracts)
}

func TestNothingHappensForWhatTheLedgerAlreadyHas(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env, ictStaff)
	p := person(t, "1", contract(t, "A", "2024-01-01", "", "Department.Code=ICT"))
	ledger := []engine.LedgerEntry{
		{Person: p.ID, Key: key("ad", engine.KindAccount, ""), Reference: "CN=1", Rules: []string{"r-ict"}},
		{Person: p.ID, Key: key("ad", engine.KindAccess, ""), Rules: []string{"r-ict"}},
	}

	e := run(t, input(t, set, ledger, p))

	assert.Equal(t, []string{"grant hr:1 ad: permission GRP-ICT"}, actionsOf(e))
}

func TestRevokesSayWhyTheEntitlementIsNoLongerWanted(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env,
		ictStaff,
		rule("r-mail", "Mail for ICT", engine.RuleActive, cond("Department.Code", engine.OpEquals, "ICT"), mailAcct, mailAccess))
	movedToHR := person(t, "moved", contract(t, "A", "2024-01-01", "", "Department.Code=HR"))
	stillICT := person(t, "stays", contract(t, "B", "2024-01-01", "", "Department.Code=ICT"))
	left := person(t, "former", contract(t, "C", "2020-01-01", "2024-12-31", "Department.Code=ICT"))
	ledger := []engine.LedgerEntry{
		// stopped holding: the contract is in another department now
		{Person: movedToHR.ID, Key: key("ad", engine.KindAccount, ""), Rules: []string{"r-ict"}},
		// granted by a rule that was deleted or unpublished
		{Person: stillICT.ID, Key: key("ad", engine.KindPermission, "VPN"), Rules: []string{"r-old"}},
		// the rule still holds but gives another dynamic permission
		{Person: stillICT.ID, Key: key("ad", engine.KindPermission, "GRP-HR"), Rules: []string{"r-ict"}},
		// granted, nobody knows by whom
		{Person: stillICT.ID, Key: key("ad", engine.KindCustom, "Printer")},
		// kept by an administrator: never revoked
		{Person: stillICT.ID, Key: key("ad", engine.KindPermission, "Staff"), Rules: []string{"r-old"}, Unmanaged: true},
		// the person's contract ended
		{Person: left.ID, Key: key("mail", engine.KindAccount, ""), Rules: []string{"r-mail"}},
	}

	e := run(t, input(t, set, ledger, movedToHR, stillICT, left))

	assert.ElementsMatch(t, []string{
		"revoke hr:moved ad: account",
		"grant hr:stays ad: account",
		"grant hr:stays ad: account access",
		"grant hr:stays ad: permission GRP-ICT",
		"revoke hr:stays ad: permission GRP-HR",
		"revoke hr:stays ad: permission VPN",
		"revoke hr:stays ad: custom Printer",
		"grant hr:stays mail: account",
		"grant hr:stays mail: account access",
		"revoke hr:former mail: account",
	}, actionsOf(e))

	moved := find(t, e, movedToHR.ID, key("ad", engine.KindAccount, ""))
	require.Len(t, moved.Reasons, 1)
	assert.Equal(t, "r-ict", moved.Reasons[0].Rule)
	assert.Equal(t, "ICT staff", moved.Reasons[0].RuleName)
	assert.Contains(t, moved.Reasons[0].Why, "contract A: Department.Code is ICT does not hold (the value is HR)")

	deleted := find(t, e, stillICT.ID, key("ad", engine.KindPermission, "VPN"))
	assert.Equal(t, []engine.Reason{{Rule: "r-old", Why: "the rule that granted it is no longer in force (deleted, or not published)"}}, deleted.Reasons)

	other := find(t, e, stillICT.ID, key("ad", engine.KindPermission, "GRP-HR"))
	require.Len(t, other.Reasons, 1)
	assert.Equal(t, "r-ict", other.Reasons[0].Rule)
	assert.Contains(t, other.Reasons[0].Why, "the rule still holds but no longer gives ad: permission GRP-HR")
	assert.Contains(t, other.Reasons[0].Why, "ad: permission GRP-ICT")

	unknown := find(t, e, stillICT.ID, key("ad", engine.KindCustom, "Printer"))
	assert.Equal(t, []engine.Reason{{Why: "no rule grants it"}}, unknown.Reasons)

	former := find(t, e, left.ID, key("mail", engine.KindAccount, ""))
	require.Len(t, former.Reasons, 1)
	assert.Contains(t, former.Reasons[0].Why, "no contract of Person former is active on 2025-03-15")
	assert.False(t, former.Grant)
}

func TestRevokeOfAPermissionKeptByItsRuleButLeftWithoutAnAccountSaysSo(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env,
		rule("r-acct", "ICT accounts", engine.RuleActive, cond("Department.Code", engine.OpEquals, "ICT"), adAccount),
		rule("r-vpn", "VPN for all", engine.RuleActive, nil, adVPN))
	p := person(t, "1", contract(t, "A", "2024-01-01", "", "Department.Code=HR"))
	ledger := []engine.LedgerEntry{
		{Person: p.ID, Key: key("ad", engine.KindAccount, ""), Rules: []string{"r-acct"}},
		{Person: p.ID, Key: key("ad", engine.KindPermission, "VPN"), Rules: []string{"r-vpn"}},
	}

	e := run(t, input(t, set, ledger, p))

	assert.Equal(t, []string{"revoke hr:1 ad: account", "revoke hr:1 ad: permission VPN"}, actionsOf(e))
	vpn := find(t, e, p.ID, key("ad", engine.KindPermission, "VPN"))
	require.Len(t, vpn.Reasons, 1)
	assert.NotContains(t, vpn.Reasons[0].Why, "no longer gives", "the rule does still give it")
	assert.Contains(t, vpn.Reasons[0].Why, "no rule gives Person 1 an account in ad")
	require.Len(t, e.Notes, 1)
}

func TestPersonsWhoLeftTheSnapshotLoseWhatTheyHad(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env, ictStaff)
	stays := person(t, "stays", contract(t, "A", "2024-01-01", "", "Department.Code=ICT"))
	ledger := []engine.LedgerEntry{
		{Person: stays.ID, Key: key("ad", engine.KindAccount, ""), Rules: []string{"r-ict"}},
		{Person: stays.ID, Key: key("ad", engine.KindAccess, ""), Rules: []string{"r-ict"}},
		{Person: stays.ID, Key: key("ad", engine.KindPermission, "GRP-ICT"), Rules: []string{"r-ict"}},
		{Person: "hr:gone", Key: key("ad", engine.KindPermission, "GRP-ICT"), Rules: []string{"r-ict"}},
		{Person: "hr:gone", Key: key("ad", engine.KindAccount, ""), Rules: []string{"r-ict"}},
		{Person: "hr:gone", Key: key("mail", engine.KindCustom, "Archive"), Unmanaged: true},
		{Person: "hr:also-gone", Key: key("ad", engine.KindAccount, ""), Rules: []string{"r-ict"}},
	}

	e := run(t, input(t, set, ledger, stays))

	assert.Equal(t, []string{
		"revoke hr:also-gone ad: account",
		"revoke hr:gone ad: account",
		"revoke hr:gone ad: permission GRP-ICT",
	}, actionsOf(e))
	for _, a := range e.Actions {
		require.Len(t, a.Reasons, 1)
		assert.Equal(t, "the person left: they are not in snapshot 7", a.Reasons[0].Why)
		assert.Equal(t, a.Person, a.PersonName, "the ledger knows no name")
	}
}

func TestAccessOrPermissionWithoutAnAccountIsANoteNotAnAction(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env,
		rule("r-vpn", "VPN", engine.RuleActive, nil, adVPN, adAccess),
		rule("r-mail", "Mailbox", engine.RuleActive, nil, mailBox))
	p := person(t, "1", contract(t, "A", "2024-01-01", ""))

	e := run(t, input(t, set, nil, p))

	assert.Equal(t, []string{"grant hr:1 mail: custom Mailbox"}, actionsOf(e), "a custom entitlement needs no account")
	require.Len(t, e.Notes, 2)
	for _, n := range e.Notes {
		assert.Equal(t, p.ID, n.Person)
		assert.Contains(t, n.Message, `is granted by rule "VPN", but no rule gives Person 1 an account in ad`)
	}
	assert.Contains(t, e.Notes[0].Message+e.Notes[1].Message, "ad: permission VPN")
	assert.Contains(t, e.Notes[0].Message+e.Notes[1].Message, "ad: account access")
}

func TestSummaryCountsActionsPerTargetAndKind(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env, ictStaff, rule("r-mail", "Mail", engine.RuleActive, nil, mailAcct))
	var persons []*engine.Person
	var ledger []engine.LedgerEntry
	for i := range 5 {
		dept := []string{"ICT", "HR"}[i%2] // 0, 2, 4 in ICT
		p := person(t, fmt.Sprint(i), contract(t, "A", "2024-01-01", "", "Department.Code="+dept))
		persons = append(persons, p)
		if i%2 == 1 { // HR persons had an ICT account
			ledger = append(ledger, engine.LedgerEntry{Person: p.ID, Key: key("ad", engine.KindAccount, ""), Rules: []string{"r-ict"}})
		}
	}

	e := run(t, input(t, set, ledger, persons...))

	assert.Equal(t, []engine.SummaryRow{
		{Target: "ad", Kind: engine.KindAccount, Grants: 3, Revokes: 2},
		{Target: "ad", Kind: engine.KindAccess, Grants: 3},
		{Target: "ad", Kind: engine.KindPermission, Grants: 3},
		{Target: "mail", Kind: engine.KindAccount, Grants: 5},
	}, e.Summary)
	assert.Equal(t, map[string]int{"r-ict": 3, "r-mail": 5}, e.RuleMatches)
	assert.Equal(t, len(e.Actions), e.EvaluationInfo.Actions)
}

func TestEvaluationRecordsItsInputs(t *testing.T) {
	env := newEnv(t)
	in := input(t, compile(t, env, ictStaff), nil)
	in.WithDrafts, in.WhatIf = true, "r-ict"
	e := run(t, in)
	assert.Equal(t, refDate, e.AsOf)
	assert.Equal(t, uint64(7), e.Snapshot)
	assert.Equal(t, uint64(3), e.RulesVersion)
	assert.Equal(t, fixedNow, e.CreatedAt)
	assert.True(t, e.IsWhatIf())
	assert.Equal(t, "r-ict", e.WhatIf)
	assert.Empty(t, e.Actions)
	assert.NotNil(t, e.RuleMatches)
}

func TestEvaluationWithoutALedgerGrantsEverything(t *testing.T) {
	env := newEnv(t)
	in := input(t, compile(t, env, ictStaff), nil, person(t, "1", contract(t, "A", "2024-01-01", "", "Department.Code=ICT")))
	in.Ledger = nil
	e := run(t, in)
	assert.Len(t, e.Actions, 3)
}

// randomCase makes a population with a ledger that partly agrees with the
// rules, so that plans hold grants, revokes, notes and skips.
func randomCase(t *testing.T, n int) evaluate.Input {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 7))
	env := newEnv(t)
	depts := []string{"ICT", "HR", "FIN", "OPS"}
	set := compile(t, env,
		ictStaff,
		rule("r-all", "Everyone active", engine.RuleActive, nil, adAccount, adVPN),
		rule("r-hr-mail", "HR mail", engine.RuleActive, cond("Department.Code", engine.OpIn, "HR", "FIN"), mailAcct, mailAccess, mailBox),
		rule("r-night", "Night shift VPN", engine.RuleAny, cond("Custom.Shift", engine.OpEquals, "night"), adVPN, adPerDept),
		rule("r-former", "Former mailbox", engine.RuleInactive, nil, mailBox))
	var persons []*engine.Person
	var ledger []engine.LedgerEntry
	keys := []engine.EntitlementKey{
		key("ad", engine.KindAccount, ""), key("ad", engine.KindAccess, ""), key("ad", engine.KindPermission, "VPN"),
		key("ad", engine.KindPermission, "GRP-ICT"), key("ad", engine.KindPermission, "GRP-HR"),
		key("mail", engine.KindAccount, ""), key("mail", engine.KindCustom, "Mailbox"),
	}
	for i := range n {
		var cs []engine.Contract
		for k := range r.IntN(3) {
			start := engine.NewDate(2024, 1, 1).AddDays(r.IntN(700))
			c := engine.Contract{ExternalID: fmt.Sprintf("c%d", k), StartDate: start, Department: engine.Ref{Code: depts[r.IntN(len(depts))]}}
			if r.IntN(2) == 0 {
				c.EndDate = start.AddDays(r.IntN(400))
			}
			if r.IntN(3) == 0 {
				c.Custom.Set("Shift", "night")
			}
			cs = append(cs, c)
		}
		p := person(t, fmt.Sprintf("%04d", i), cs...)
		switch r.IntN(20) {
		case 0:
			p.Excluded = true
		case 1:
			p.Issues = []engine.Issue{{Field: "ExternalId", Blocking: true}}
		}
		persons = append(persons, p)
		id := p.ID
		if r.IntN(15) == 0 {
			id = fmt.Sprintf("hr:left-%d", i) // no longer in the snapshot
		}
		for _, k := range keys {
			if r.IntN(3) == 0 {
				ledger = append(ledger, engine.LedgerEntry{Person: id, Key: k, Rules: []string{[]string{"r-ict", "r-all", "r-old"}[r.IntN(3)]}, Unmanaged: r.IntN(10) == 0})
			}
		}
	}
	return input(t, set, ledger, persons...)
}

func TestPlansAreTheSameWithOneOrFourWorkers(t *testing.T) {
	in := randomCase(t, 3000)
	in.Workers = 1
	one := run(t, in)
	in.Workers = 4
	four := run(t, in)
	in.Workers = 0 // GOMAXPROCS
	all := run(t, in)

	for _, e := range []*engine.Evaluation{four, all} {
		assert.Equal(t, one.Actions, e.Actions)
		assert.Equal(t, one.Skipped, e.Skipped)
		assert.Equal(t, one.Notes, e.Notes)
		assert.Equal(t, one.Summary, e.Summary)
		assert.Equal(t, one.RuleMatches, e.RuleMatches)
		assert.Equal(t, one.Evaluated, e.Evaluated)
	}
	// the case must be rich enough to prove anything
	var grants, revokes, left int
	for _, a := range one.Actions {
		if a.Grant {
			grants++
		} else {
			revokes++
		}
		if len(a.Reasons) > 0 && a.Reasons[0].Why != "" && a.PersonName == a.Person {
			left++
		}
	}
	assert.Greater(t, grants, 100)
	assert.Greater(t, revokes, 100)
	assert.Greater(t, left, 10)
	assert.NotEmpty(t, one.Notes)
	assert.NotEmpty(t, one.Skipped)
	// every action is a change: grants are not in the ledger, revokes are
	have := map[string]bool{}
	for _, le := range in.Ledger.Entries {
		have[le.Person+" "+le.Key.String()] = true
	}
	for _, a := range one.Actions {
		assert.Equal(t, !a.Grant, have[a.Person+" "+a.Key.String()], "%s %s %s", a.Verb(), a.Person, a.Key)
	}
	// actions are in person order, then key order
	assert.True(t, slices.IsSortedFunc(one.Actions, func(a, b engine.Action) int {
		if a.Person != b.Person {
			if a.Person < b.Person {
				return -1
			}
			return 1
		}
		if a.Key == b.Key {
			return 0
		}
		if a.Key.Less(b.Key) {
			return -1
		}
		return 1
	}))
}

func TestCancelledEvaluationReturnsCanceled(t *testing.T) {
	in := randomCase(t, 3000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, workers := range []int{1, 4} {
		in.Workers = workers
		e, err := evaluate.Run(ctx, in, nil)
		require.Error(t, err)
		assert.Nil(t, e)
		assert.True(t, engine.IsCode(err, engine.Canceled), "code %q", engine.ErrorCode(err))
	}
}

func TestProgressEndsWithAllPersonsDone(t *testing.T) {
	in := randomCase(t, 3000)
	in.Workers = 2
	var mu sync.Mutex
	var calls [][2]int
	_, err := evaluate.Run(context.Background(), in, func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, [2]int{done, total})
	})
	require.NoError(t, err)
	require.NotEmpty(t, calls)
	assert.Equal(t, [2]int{3000, 3000}, calls[len(calls)-1])
	for i := 1; i < len(calls); i++ {
		assert.LessOrEqual(t, calls[i-1][0], calls[i][0], "progress never goes back")
	}
}

func BenchmarkRun(b *testing.B) {
	// a quick figure for the whole pipeline on a small population; the
	// 300,000-person benchmark lives with the app
	env := newEnv(b)
	var rs []testRule
	for i := range 100 {
		rs = append(rs, rule(fmt.Sprint("r", i), fmt.Sprint("Rule ", i), engine.RuleActive,
			cond("Department.Code", engine.OpEquals, fmt.Sprintf("D%02d", i%50)), adAccount, adAccess, adPerDept))
	}
	set := compile(b, env, rs...)
	var persons []*engine.Person
	for i := range 20000 {
		persons = append(persons, person(b, fmt.Sprint(i), engine.Contract{ExternalID: "c", StartDate: 20240101,
			Department: engine.Ref{Code: fmt.Sprintf("D%02d", i%60)}}))
	}
	in := evaluate.Input{Population: rules.NewPopulation(env, persons, nil, refDate), Rules: set, Ledger: &engine.Ledger{}, Now: fixedNow}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := evaluate.Run(context.Background(), in, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRevokeWhenTheRuleHoldsButItsTemplateFillsInNothing(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env,
		rule("r-acct", "Accounts", engine.RuleActive, nil, adAccount),
		rule("r-dyn", "Department groups", engine.RuleActive, nil, adPerDept))
	p := person(t, "1", contract(t, "A", "2024-01-01", "")) // no department
	ledger := []engine.LedgerEntry{
		{Person: p.ID, Key: key("ad", engine.KindAccount, ""), Rules: []string{"r-acct"}},
		{Person: p.ID, Key: key("ad", engine.KindPermission, "GRP-ICT"), Rules: []string{"r-dyn"}},
	}

	e := run(t, input(t, set, ledger, p))

	assert.Equal(t, []string{"revoke hr:1 ad: permission GRP-ICT"}, actionsOf(e))
	assert.Equal(t, []engine.Reason{{Rule: "r-dyn", RuleName: "Department groups",
		Why: "the rule still holds but no longer gives ad: permission GRP-ICT (it gives nothing)"}}, e.Actions[0].Reasons)
}

func TestDisabledTargetsAreLeftOut(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env,
		ictStaff,
		rule("r-mail", "Mail for ICT", engine.RuleActive, cond("Department.Code", engine.OpEquals, "ICT"), mailAcct, mailAccess))
	p := person(t, "1", contract(t, "A", "2024-01-01", "", "Department.Code=ICT"))
	ledger := []engine.LedgerEntry{
		// neither revoked while the target is disabled
		{Person: p.ID, Key: key("ad", engine.KindPermission, "VPN"), Rules: []string{"r-old"}},
		{Person: "hr:gone", Key: key("ad", engine.KindAccount, ""), Rules: []string{"r-ict"}},
		// the enabled target's entries still count
		{Person: p.ID, Key: key("mail", engine.KindAccount, ""), Rules: []string{"r-mail"}},
		{Person: "hr:gone", Key: key("mail", engine.KindAccount, ""), Rules: []string{"r-mail"}},
	}
	in := input(t, set, ledger, p)
	in.DisabledTargets = []string{"ad"}

	e := run(t, in)

	assert.Equal(t, []string{"grant hr:1 mail: account access", "revoke hr:gone mail: account"}, actionsOf(e))
	assert.Equal(t, []string{"ad"}, e.DisabledTargets)
	assert.Empty(t, e.Notes, "a disabled target's permissions are not missing an account")
	assert.Equal(t, 1, e.RuleMatches["r-ict"], "the rule still matched")
}
