package app_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/app/demo"
	"provisio/engine"
)

// enforcedDemo is the demo workspace with its first plan enforced: every
// person with entitlements has them in the ledger.
func enforcedDemo(t *testing.T) *app.App {
	t.Helper()
	a := demoApp(t)
	ctx := context.Background()
	_, err := a.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	run, err := a.Enforce(ctx, app.EnforceOptions{}, nil)
	require.NoError(t, err)
	require.Equal(t, engine.RunDone, run.Status)
	return a
}

// planOf evaluates and returns the plan's actions.
func planOf(t *testing.T, a *app.App) []engine.Action {
	t.Helper()
	ctx := context.Background()
	info, err := a.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	e, err := a.Evaluation(ctx, info.ID)
	require.NoError(t, err)
	return e.Actions
}

// withAccounts returns persons who hold entitlements in target, and
// those who hold none anywhere.
func withAccounts(t *testing.T, a *app.App, target string) (holders, none []string) {
	t.Helper()
	ctx := context.Background()
	list, err := a.Persons(ctx)
	require.NoError(t, err)
	for _, p := range list.Persons {
		accts, err := a.PersonAccounts(ctx, p.ID)
		require.NoError(t, err)
		has := false
		for _, pa := range accts {
			if pa.Account != nil && pa.Target == target {
				has = true
			}
		}
		if has {
			holders = append(holders, p.ID)
		} else if len(accts) == 0 {
			none = append(none, p.ID)
		}
	}
	return holders, none
}

func TestMergeMovesContractsAndEntitlementsAndUnmergePutsThemBack(t *testing.T) {
	a := enforcedDemo(t)
	ctx := context.Background()
	holders, _ := withAccounts(t, a, "ad")
	require.GreaterOrEqual(t, len(holders), 2)
	main, member := holders[0], holders[1]
	before, err := a.Person(ctx, main)
	require.NoError(t, err)
	memberBefore, err := a.Person(ctx, member)
	require.NoError(t, err)

	m, err := a.Merge(ctx, app.MergeRequest{Main: main, Members: []string{member}, Entitlements: engine.TransferEntitlements, Note: "same human"})
	require.NoError(t, err)
	assert.Equal(t, uint64(1), m.ID)
	require.NotEmpty(t, m.Moved)
	for _, mv := range m.Moved {
		if mv.Key.Target == "ad" {
			assert.False(t, mv.Transferred, "the main person has an AD account: the member's stays theirs, unmanaged")
		}
	}

	// the merged person has both persons' contracts; the member is gone
	after, err := a.Person(ctx, main)
	require.NoError(t, err)
	assert.Len(t, after.Contracts, len(before.Contracts)+len(memberBefore.Contracts))
	assert.Equal(t, []string{member}, after.Person.MergedFrom)
	viaMember, err := a.Person(ctx, member)
	require.NoError(t, err)
	assert.Equal(t, main, viaMember.Person.ID, "looking up the member finds the merged person")
	list, err := a.Persons(ctx)
	require.NoError(t, err)
	_, listed := list.Find(member)
	assert.False(t, listed, "the member is no person of their own")
	sum, _ := list.Find(main)
	require.NotNil(t, sum)
	assert.Equal(t, []string{member}, sum.MergedFrom)

	// nothing of the member's is revoked: it was transferred or left unmanaged
	for _, x := range planOf(t, a) {
		assert.NotEqual(t, member, x.Person, "after the merge the plan has %s %s for the member", x.Op, x.Key)
	}
	accts, err := a.PersonAccounts(ctx, member)
	require.NoError(t, err)
	for _, pa := range accts {
		if pa.Account != nil {
			assert.True(t, pa.Account.Unmanaged, "%s's account in %s is left unmanaged", member, pa.Target)
		}
	}

	// the decision is in the audit log
	entries, err := a.Audit(ctx, engine.AuditFilter{Op: engine.OpMerge})
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	n, err := a.VerifyAudit(ctx)
	require.NoError(t, err)
	assert.Positive(t, n)

	// the decision holds across a re-import
	_, err = a.RunImport(ctx, nil, nil)
	require.NoError(t, err)
	again, err := a.Person(ctx, main)
	require.NoError(t, err)
	assert.Len(t, again.Contracts, len(after.Contracts))

	// unmerge: both persons as before, and the plan is empty again
	_, err = a.Unmerge(ctx, member)
	require.NoError(t, err)
	restored, err := a.Person(ctx, member)
	require.NoError(t, err)
	assert.Equal(t, member, restored.Person.ID)
	assert.Len(t, restored.Contracts, len(memberBefore.Contracts))
	for _, x := range planOf(t, a) {
		t.Errorf("after the unmerge the plan has %s %s %s", x.Op, x.Person, x.Key)
	}
	_, err = a.Unmerge(ctx, member)
	assert.True(t, engine.IsCode(err, engine.NotFound), "%v", err)
}

func TestMergeTransfersEntitlementsTheMainPersonLacks(t *testing.T) {
	a := enforcedDemo(t)
	ctx := context.Background()
	holders, none := withAccounts(t, a, "ad")
	require.NotEmpty(t, none, "the demo has persons with nothing granted")
	main, member := none[0], holders[0]

	_, err := a.Merge(ctx, app.MergeRequest{Main: main, Members: []string{member}, Entitlements: engine.TransferEntitlements})
	require.NoError(t, err)
	accts, err := a.PersonAccounts(ctx, main)
	require.NoError(t, err)
	var targets []string
	for _, pa := range accts {
		if pa.Account != nil {
			targets = append(targets, pa.Target)
			assert.False(t, pa.Account.Unmanaged)
		}
	}
	assert.Contains(t, targets, "ad", "the member's AD account is the main person's now")
	moved, err := a.PersonAccounts(ctx, member)
	require.NoError(t, err)
	assert.Empty(t, moved, "nothing is left with the member")
	for _, x := range planOf(t, a) {
		if x.Person == main && x.Key.Target == "ad" && x.Key.Kind == engine.KindAccount {
			assert.NotEqual(t, engine.OpCreate, x.Op, "the transferred account is not made again")
		}
	}
}

func TestMergeRefusesWhatCannotBeMerged(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	list, err := a.Persons(ctx)
	require.NoError(t, err)
	p := list.Persons
	x, y, z := p[0].ID, p[1].ID, p[2].ID

	_, err = a.Merge(ctx, app.MergeRequest{Main: x, Members: []string{y}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "entitlements")
	_, err = a.Merge(ctx, app.MergeRequest{Main: x, Members: []string{"hr:nobody"}, Entitlements: engine.LeaveUnmanaged})
	assert.True(t, engine.IsCode(err, engine.NotFound), "%v", err)
	_, err = a.Merge(ctx, app.MergeRequest{Main: x, Members: []string{x}, Entitlements: engine.LeaveUnmanaged})
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)

	_, err = a.Merge(ctx, app.MergeRequest{Main: x, Members: []string{y}, Entitlements: engine.LeaveUnmanaged})
	require.NoError(t, err)
	_, err = a.Merge(ctx, app.MergeRequest{Main: z, Members: []string{y}, Entitlements: engine.LeaveUnmanaged})
	assert.True(t, engine.IsCode(err, engine.Conflict), "a member of one merge cannot join another: %v", err)
	_, err = a.Merge(ctx, app.MergeRequest{Main: y, Members: []string{z}, Entitlements: engine.LeaveUnmanaged})
	assert.True(t, engine.IsCode(err, engine.Conflict), "a member cannot be a main person: %v", err)
	m, err := a.Merge(ctx, app.MergeRequest{Main: x, Members: []string{z}, Entitlements: engine.LeaveUnmanaged})
	require.NoError(t, err, "more persons join the main person's merge")
	assert.Equal(t, []string{y, z}, m.Members)
	g, err := a.Aggregation(ctx)
	require.NoError(t, err)
	assert.Len(t, g.Merges, 1)
}

func TestExcludedPersonKeepsWhatTheyHaveAndCatchesUpWhenIncluded(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	first := planOf(t, a)
	require.NotEmpty(t, first)
	who := first[0].Person
	var theirs int
	for _, x := range first {
		if x.Person == who {
			theirs++
		}
	}

	err := a.Exclude(ctx, who, "  ")
	require.Error(t, err, "a reason is required")
	require.NoError(t, a.Exclude(ctx, who, "on long leave, decided by HR"))
	d, err := a.Person(ctx, who)
	require.NoError(t, err)
	assert.Equal(t, engine.StatusExcluded, d.Status)
	assert.Contains(t, d.Person.Exclusion, "on long leave")
	for _, x := range planOf(t, a) {
		assert.NotEqual(t, who, x.Person, "nothing is granted to an excluded person")
	}

	require.NoError(t, a.Include(ctx, who))
	var caught int
	for _, x := range planOf(t, a) {
		if x.Person == who {
			caught++
		}
	}
	assert.Equal(t, theirs, caught, "once included, what was held back is caught up")
	err = a.Include(ctx, who)
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)

	entries, err := a.Audit(ctx, engine.AuditFilter{Person: who})
	require.NoError(t, err)
	var ops []engine.ActionOp
	for _, e := range entries {
		ops = append(ops, e.Op)
	}
	assert.Equal(t, []engine.ActionOp{engine.OpInclude, engine.OpExclude}, ops, "both decisions are audited, newest first")
}

func TestExcludedPersonWhoLeavesTheSourceIsALeaver(t *testing.T) {
	a := enforcedDemo(t)
	ctx := context.Background()
	holders, _ := withAccounts(t, a, "ad")
	who := holders[0]
	require.NoError(t, a.Exclude(ctx, who, "under investigation"))
	assert.Empty(t, planOf(t, a), "an excluded person keeps what they have")

	// remove them from the source
	removeFromDemoExport(t, a, who)
	_, err := a.RunImport(ctx, nil, nil)
	require.NoError(t, err)
	var revokes int
	for _, x := range planOf(t, a) {
		require.Equal(t, who, x.Person)
		assert.False(t, x.Grant)
		revokes++
	}
	assert.Positive(t, revokes, "what they had is revoked")
}

// removeFromDemoExport takes a person's rows out of the demo's export.
func removeFromDemoExport(t *testing.T, a *app.App, person string) {
	t.Helper()
	id := strings.TrimPrefix(person, "hr:")
	for file, col := range map[string]int{demo.PersonsFile: 0, demo.ContractsFile: 1} {
		path := filepath.Join(a.Dir(), app.DemoDataDir, file)
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		var kept []string
		for _, line := range strings.SplitAfter(string(raw), "\n") {
			if f := strings.Split(line, ";"); len(f) > col && f[col] == id {
				continue
			}
			kept = append(kept, line)
		}
		require.Less(t, len(kept), len(strings.SplitAfter(string(raw), "\n")), "%s has %s", file, id)
		require.NoError(t, os.WriteFile(path, []byte(strings.Join(kept, "")), 0o600))
	}
}

// recordingNotifier keeps the notifications sent.
type recordingNotifier struct{ sent []string }

func (n *recordingNotifier) Notify(title, body string) error {
	n.sent = append(n.sent, title+": "+body)
	return nil
}

func TestScanTellsNewSuggestionsOnceAndHoldsTheNewPerson(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	n := &recordingNotifier{}
	a.SetNotifier(n)

	g, err := a.ScanAggregation(ctx, nil)
	require.NoError(t, err)
	require.Len(t, g.Suggestions, 3, "the demo's three humans under two numbers")
	for _, s := range g.Suggestions {
		assert.Equal(t, 1.0, s.Score)
		assert.Equal(t, []string{s.B}, s.Held, "neither has anything yet: the later number waits")
	}
	require.Len(t, n.sent, 1)
	assert.Contains(t, n.sent[0], "3 new possible duplicates found")

	_, err = a.ScanAggregation(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, n.sent, 1, "the same suggestions are not told twice")

	// a rejected pair is not suggested again, and a merged one is gone
	s0, s1 := g.Suggestions[0], g.Suggestions[1]
	require.NoError(t, a.RejectSuggestion(ctx, s0.A, s0.B, "twins"))
	_, err = a.Merge(ctx, app.MergeRequest{Main: s1.A, Members: []string{s1.B}, Entitlements: engine.TransferEntitlements})
	require.NoError(t, err)
	g, err = a.ScanAggregation(ctx, nil)
	require.NoError(t, err)
	require.Len(t, g.Suggestions, 1)
	assert.Equal(t, g.Suggestions[0].A, "hr:100187")
}

func TestAutomaticMergeFromItsScore(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	st := engine.DefaultAggregationSettings()
	st.AutoMergeScore = 0.99
	require.NoError(t, a.SaveAggregationSettings(ctx, st))
	st.AutoMergeScore = 1.5
	assert.Error(t, a.SaveAggregationSettings(ctx, st), "a score above 1 is refused")

	g, err := a.ScanAggregation(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, g.Suggestions)
	require.Len(t, g.Merges, 3)
	for _, m := range g.Merges {
		assert.True(t, m.Automatic)
		assert.Equal(t, engine.TransferEntitlements, m.Entitlements)
	}
	entries, err := a.Audit(ctx, engine.AuditFilter{Op: engine.OpMerge})
	require.NoError(t, err)
	assert.Len(t, entries, 3, "each automatic merge is audited")
	assert.Contains(t, entries[0].Error, "automatically")
}

func TestAPlanMadeBeforeADecisionIsNotEnforced(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	info, err := a.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	plan, err := a.Evaluation(ctx, info.ID)
	require.NoError(t, err)
	who := plan.Actions[0].Person
	require.NoError(t, a.Exclude(ctx, who, "left in a hurry"))

	_, err = a.Enforce(ctx, app.EnforceOptions{Evaluation: info.ID}, nil)
	require.Error(t, err, "the plan still grants to the person excluded since")
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)
	assert.Contains(t, err.Error(), "decisions on persons")
}

func TestStoreKeepsDecisionsWithTheirLedgerChangesAndAudit(t *testing.T) {
	a := enforcedDemo(t)
	ctx := context.Background()
	holders, none := withAccounts(t, a, "ad")
	before, err := a.PersonAccounts(ctx, holders[0])
	require.NoError(t, err)
	_, err = a.Merge(ctx, app.MergeRequest{Main: none[0], Members: []string{holders[0]}, Entitlements: engine.TransferEntitlements})
	require.NoError(t, err)
	dir := a.Dir()
	require.NoError(t, a.Close())

	// reopened: the merge, its ledger changes and its audit entries are there
	b, err := app.Open(dir, app.Options{Clock: engine.FixedClock(day)})
	require.NoError(t, err)
	defer b.Close()
	g, err := b.Aggregation(ctx)
	require.NoError(t, err)
	require.Len(t, g.Merges, 1)
	after, err := b.PersonAccounts(ctx, none[0])
	require.NoError(t, err)
	assert.Len(t, after, len(before), "every target's entitlements moved to the main person")
	n, err := b.VerifyAudit(ctx)
	require.NoError(t, err)
	entries, err := b.Audit(ctx, engine.AuditFilter{Op: engine.OpMerge})
	require.NoError(t, err)
	assert.Greater(t, len(entries), 1, "the decision and each entitlement it moved")
	assert.Positive(t, n)
}

func TestAMergeKeepsHeldWhoASuggestionWithAMemberHeld(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	g, err := a.Aggregation(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, g.Suggestions)
	s := g.Suggestions[0] // s.B is held
	list, err := a.Persons(ctx)
	require.NoError(t, err)
	var other string
	for _, p := range list.Persons {
		if p.ID != s.A && p.ID != s.B && p.Status == engine.StatusActive {
			other = p.ID
			break
		}
	}
	// s.A joins another person: the suggestion is the merged person's now
	_, err = a.Merge(ctx, app.MergeRequest{Main: other, Members: []string{s.A}, Entitlements: engine.TransferEntitlements})
	require.NoError(t, err)
	g, err = a.Aggregation(ctx)
	require.NoError(t, err)
	lo, hi := engine.PairKey(other, s.B)
	i := slices.IndexFunc(g.Suggestions, func(x engine.Suggestion) bool { return x.A == lo && x.B == hi })
	require.GreaterOrEqual(t, i, 0, "the suggestion moved to the merged person")
	assert.Equal(t, []string{s.B}, g.Suggestions[i].Held)
	d, err := a.Person(ctx, s.B)
	require.NoError(t, err)
	assert.Equal(t, engine.StatusExcluded, d.Status, "still held until someone decides")
}

func TestAHeldPersonStaysHeldWhenOthersAreMergedIntoThem(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	g, err := a.Aggregation(ctx)
	require.NoError(t, err)
	s := g.Suggestions[0]
	held := s.Held[0]
	other := g.Suggestions[1].B // held by another suggestion: nothing granted either
	_, err = a.Merge(ctx, app.MergeRequest{Main: held, Members: []string{other}, Entitlements: engine.TransferEntitlements})
	require.NoError(t, err)
	d, err := a.Person(ctx, held)
	require.NoError(t, err)
	assert.Equal(t, engine.StatusExcluded, d.Status, "the suggestion that holds them is not decided")
}

// failingNotifier cannot show anything: no session bus.
type failingNotifier struct{ calls int }

func (n *failingNotifier) Notify(string, string) error {
	n.calls++
	return engine.Errorf(engine.Unavailable, "there is no D-Bus session bus")
}

func TestImportsAndScansGoOnWhenNotificationsCannotBeShown(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	n := &failingNotifier{}
	a.SetNotifier(n)
	for range 3 {
		_, err := a.RunImport(ctx, nil, nil)
		require.NoError(t, err)
		_, err = a.ScanAggregation(ctx, nil)
		require.NoError(t, err)
	}
	assert.Positive(t, n.calls, "it tried, and keeps trying")
}

func TestAScanThatHoldsTheSamePersonsKeepsPlansCurrent(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	info, err := a.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	_, err = a.ScanAggregation(ctx, nil)
	require.NoError(t, err)
	_, err = a.Enforce(ctx, app.EnforceOptions{Evaluation: info.ID, DryRun: true}, nil)
	require.NoError(t, err, "the same suggestions hold the same persons: the plan is still current")
}

func TestHeldActionsOfAPersonExcludedSinceAreNotApproved(t *testing.T) {
	a := demoHoldingCreates(t)
	ctx := context.Background()
	run, err := a.Enforce(ctx, app.EnforceOptions{}, nil)
	require.NoError(t, err)
	d, err := a.Run(ctx, run.ID)
	require.NoError(t, err)
	first := slices.IndexFunc(d.Results, func(r engine.ActionResult) bool { return r.Outcome == engine.OutcomeBlocked })
	require.GreaterOrEqual(t, first, 0)
	who := d.Actions[first].Person
	require.NoError(t, a.Exclude(ctx, who, "left before the first day"))

	_, err = a.DecideBlocked(ctx, run.ID, []int{first}, true, nil)
	require.Error(t, err, "the plan no longer says what they should get")
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)
	assert.Contains(t, err.Error(), who+" (excluded by hand: left before the first day)")
	_, err = a.DecideBlocked(ctx, run.ID, []int{first}, false, nil)
	require.NoError(t, err, "rejecting them is fine")
}
