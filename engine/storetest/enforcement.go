package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// newRun returns a run of a plan of n actions as enforcement starts it,
// and its results: pending, but for a few held by a threshold or changed
// by hand.
func newRun(h *harness, n int) (*engine.EnforcementRun, []engine.ActionResult) {
	run := &engine.EnforcementRun{
		Evaluation: 3,
		StartedAt:  h.now(),
		Targets:    []string{"ad", "google"},
		Counts:     map[engine.Outcome]int{},
	}
	results := make([]engine.ActionResult, n)
	for i := range results {
		results[i].Index = i
		switch {
		case i%7 == 3:
			results[i].Outcome, results[i].Error = engine.OutcomeBlocked, "ad: 12 delete actions exceed the limit of 10"
		case i%11 == 5:
			results[i].Outcome, results[i].Error = engine.OutcomeManual, "the target is changed by hand"
		}
		run.Counts[results[i].Outcome]++
	}
	return run, results
}

// startRun starts a run and checks what the store returns.
func (h *harness) startRun(run *engine.EnforcementRun, results []engine.ActionResult) *engine.EnforcementRun {
	h.t.Helper()
	got, err := h.s.StartRun(h.ctx, run, results)
	require.NoError(h.t, err, "StartRun")
	require.NotNil(h.t, got)
	require.NotZero(h.t, got.ID, "StartRun assigns an id")
	want := *run
	want.ID = got.ID
	if want.Status == "" {
		want.Status = engine.RunRunning
	}
	require.Equal(h.t, &want, got, "StartRun returns the run with its id, running")
	return got
}

// requireRun checks that the store holds run with results.
func (h *harness) requireRun(id uint64, run *engine.EnforcementRun, results []engine.ActionResult, msgAndArgs ...any) {
	h.t.Helper()
	got, gotResults, err := h.s.FindRun(h.ctx, id)
	require.NoError(h.t, err, "FindRun(%d)", id)
	require.Equal(h.t, run, got, msgAndArgs...)
	if len(results) == 0 {
		require.Empty(h.t, gotResults, msgAndArgs...)
		return
	}
	require.Equal(h.t, results, gotResults, msgAndArgs...)
}

func testRunsRoundTrip(t *testing.T, h *harness) {
	list, err := h.s.ListRuns(h.ctx)
	require.NoError(t, err)
	require.Empty(t, list, "a new workspace has no runs")
	_, _, err = h.s.FindRun(h.ctx, 0)
	requireCode(t, engine.NotFound, err, "FindRun(0) without runs")

	run, results := newRun(h, 40)
	first := h.startRun(run, results)
	require.Zero(t, run.ID, "StartRun leaves its argument alone")
	h.reopen()
	h.requireRun(first.ID, first, results, "the run reads back with a result per action")
	h.requireRun(0, first, results, "FindRun(0) is the latest")

	dry := &engine.EnforcementRun{Evaluation: 4, StartedAt: h.now(), DryRun: true, Status: engine.RunRunning, Counts: map[engine.Outcome]int{}}
	second := h.startRun(dry, nil)
	require.Greater(t, second.ID, first.ID, "run ids grow")
	h.reopen()
	h.requireRun(0, second, nil, "a run of an empty plan has no results")
	h.requireRun(first.ID, first, results, "an earlier run stays as it was")

	done := *first
	done.Status, done.FinishedAt = engine.RunDone, h.now()
	done.Counts = map[engine.Outcome]int{engine.OutcomeDone: 30, engine.OutcomeFailed: 2, engine.OutcomeBlocked: 6, engine.OutcomeManual: 2}
	done.Breaches = []engine.Breach{{Target: "ad", Op: engine.OpDelete, Actions: 6, Message: "Directory: 6 delete actions exceed the limit of 5"}}
	done.Message, done.Resumed = "2 actions failed — see the results", 1
	require.NoError(t, h.s.UpdateRun(h.ctx, &done))
	h.reopen()
	h.requireRun(first.ID, &done, results, "UpdateRun saves the run's fields and keeps its results")

	list, err = h.s.ListRuns(h.ctx)
	require.NoError(t, err)
	require.Equal(t, []engine.EnforcementRun{*second, done}, list, "newest first")

	missing := done
	missing.ID = second.ID + 1
	err = h.s.UpdateRun(h.ctx, &missing)
	requireCode(t, engine.NotFound, err, "UpdateRun of an unknown run")
	require.Contains(t, err.Error(), fmt.Sprint(missing.ID), "the message names the run")
	_, _, err = h.s.FindRun(h.ctx, second.ID+1)
	requireCode(t, engine.NotFound, err, "FindRun of a later id")

	shuffled := slices.Clone(results[:3])
	shuffled[0], shuffled[1] = shuffled[1], shuffled[0]
	_, err = h.s.StartRun(h.ctx, run, shuffled)
	requireCode(t, engine.Invalid, err, "StartRun with results out of order")
	list, err = h.s.ListRuns(h.ctx)
	require.NoError(t, err)
	require.Len(t, list, 2, "a refused run is not recorded")
}

// doneResult returns the result of action i done (or failed) at a time.
func doneResult(h *harness, i int) engine.ActionResult {
	r := engine.ActionResult{Index: i, Outcome: engine.OutcomeDone, Ref: fmt.Sprintf("CN=Jürgen Groß %d,OU=Staff,DC=example,DC=org", i/4), Tries: 1, At: h.now()}
	if i%9 == 0 {
		r.Outcome, r.Ref, r.Error, r.Tries = engine.OutcomeFailed, "", "the directory refused it: insufficient access rights", 4
	}
	if i%13 == 0 {
		r.Outcome, r.Error, r.Tries, r.At = engine.OutcomeSkipped, "the account could not be made", 0, time.Time{}
	}
	return r
}

func testRecordResults(t *testing.T, h *harness) {
	const actions = 1000
	run, results := newRun(h, actions)
	started := h.startRun(run, results)

	// batches as enforcement records them: in the order actions finish,
	// not by index, some crossing others
	for _, batch := range [][2]int{{0, 100}, {500, 740}, {100, 130}, {999, 1000}, {740, 999}} {
		var got []engine.ActionResult
		for i := batch[1] - 1; i >= batch[0]; i-- {
			r := doneResult(h, i)
			results[i] = r
			got = append(got, r)
		}
		require.NoError(t, h.s.RecordResults(h.ctx, started.ID, got, nil, nil))
	}
	h.reopen()
	h.requireRun(started.ID, started, results, "every recorded result replaced the pending one")

	// two results for one action in a batch: the later wins
	first, second := doneResult(h, 300), doneResult(h, 300)
	first.Outcome, first.Error = engine.OutcomeFailed, "a first try"
	results[300] = second
	require.NoError(t, h.s.RecordResults(h.ctx, started.ID, []engine.ActionResult{first, second}, nil, nil))
	// a result can become pending again (a retried action)
	results[0] = engine.ActionResult{Index: 0}
	require.NoError(t, h.s.RecordResults(h.ctx, started.ID, []engine.ActionResult{results[0]}, nil, nil))
	h.reopen()
	h.requireRun(started.ID, started, results)
}

func testRecordResultsRefusals(t *testing.T, h *harness) {
	run, results := newRun(h, 10)
	started := h.startRun(run, results)

	err := h.s.RecordResults(h.ctx, started.ID+1, []engine.ActionResult{doneResult(h, 1)}, nil, nil)
	requireCode(t, engine.NotFound, err, "RecordResults of an unknown run")
	require.Contains(t, err.Error(), fmt.Sprint(started.ID+1), "the message names the run")
	err = h.s.RecordResults(h.ctx, started.ID+1, nil, nil, nil)
	requireCode(t, engine.NotFound, err, "RecordResults of an unknown run, even with nothing to record")

	for _, i := range []int{10, 11, -1} {
		err = h.s.RecordResults(h.ctx, started.ID, []engine.ActionResult{doneResult(h, 1), doneResult(h, i)}, nil, nil)
		requireCode(t, engine.Invalid, err, "a result for action %d of 10", i)
		require.Contains(t, err.Error(), fmt.Sprint(i), "the message names the action")
	}
	h.reopen()
	h.requireRun(started.ID, started, results, "refused results change nothing")
}

// enforcementState is everything RecordResults changes.
type enforcementState struct {
	results []engine.ActionResult
	ledger  []engine.LedgerEntry
	version uint64
	audit   []engine.AuditEntry
}

func (h *harness) enforcementState(run uint64) enforcementState {
	h.t.Helper()
	_, results, err := h.s.FindRun(h.ctx, run)
	require.NoError(h.t, err)
	return enforcementState{results: results, ledger: h.ledger(), version: h.ledgerVersion(), audit: h.audit(engine.AuditFilter{})}
}

func (h *harness) ledgerVersion() uint64 {
	h.t.Helper()
	v, err := h.s.LedgerVersion(h.ctx)
	require.NoError(h.t, err)
	return v
}

func (h *harness) audit(f engine.AuditFilter) []engine.AuditEntry {
	h.t.Helper()
	entries, err := h.s.ListAudit(h.ctx, f)
	require.NoError(h.t, err, "ListAudit(%+v)", f)
	return entries
}

// accountEntry returns the ledger entry of person's account in target.
func accountEntry(h *harness, person, target string) engine.LedgerEntry {
	return engine.LedgerEntry{
		Person: person, Key: engine.EntitlementKey{Target: target, Kind: engine.KindAccount},
		Reference: "CN=" + person + ",OU=Staff,DC=example,DC=org", Rules: []string{"r1", "r10"}, GrantedAt: h.now(),
		Attributes: engine.Attributes{"sAMAccountName": strings.ReplaceAll(person, ":", ""), "mail": person + "@example.org", "displayName": "Zoë Ñúñez", "department": ""},
	}
}

func entitlement(h *harness, person, target string, kind engine.EntitlementKind, name string, rules ...string) engine.LedgerEntry {
	return engine.LedgerEntry{Person: person, Key: engine.EntitlementKey{Target: target, Kind: kind, Name: name}, Rules: rules, GrantedAt: h.now()}
}

// auditEntry returns what enforcement records for a done action.
func auditEntry(h *harness, run uint64, person string, key engine.EntitlementKey, op engine.ActionOp) engine.AuditEntry {
	e := engine.AuditEntry{At: h.now(), Run: run, Person: person, PersonName: "Jürgen Groß", Target: key.Target, Op: op, Key: key,
		Ref: "CN=" + person + ",OU=Staff,DC=example,DC=org", Outcome: engine.OutcomeDone}
	if op == engine.OpCreate {
		e.Changes = []engine.AttributeChange{{Attribute: "sAMAccountName", New: "jgross"}, {Attribute: "mail", New: "j.gross@example.org"}}
	}
	return e
}

// sortLedger orders entries as LoadLedger returns them.
func sortLedger(entries []engine.LedgerEntry) []engine.LedgerEntry {
	out := slices.Clone(entries)
	slices.SortFunc(out, func(a, b engine.LedgerEntry) int {
		if c := cmp.Compare(a.Person, b.Person); c != 0 {
			return c
		}
		switch {
		case a.Key.Less(b.Key):
			return -1
		case b.Key.Less(a.Key):
			return 1
		}
		return 0
	})
	return out
}

func testFailedRecordResultsChangesNothing(t *testing.T, h *harness) {
	run, results := newRun(h, 20)
	started := h.startRun(run, results)
	acct := accountEntry(h, "hr:1", "ad")
	require.NoError(t, h.s.RecordResults(h.ctx, started.ID, []engine.ActionResult{doneResult(h, 1)},
		[]engine.LedgerChange{{Entry: acct}},
		[]engine.AuditEntry{auditEntry(h, started.ID, "hr:1", acct.Key, engine.OpCreate)}))
	before := h.enforcementState(started.ID)
	require.Len(t, before.audit, 1)

	access := entitlement(h, "hr:1", "ad", engine.KindAccess, "", "r1")
	group := entitlement(h, "hr:1", "ad", engine.KindPermission, "GRP-SALES", "r2")
	good := func() ([]engine.ActionResult, []engine.LedgerChange, []engine.AuditEntry) {
		return []engine.ActionResult{doneResult(h, 2), doneResult(h, 3)},
			[]engine.LedgerChange{{Entry: access}, {Entry: group}, {Entry: acct, Delete: true}},
			[]engine.AuditEntry{auditEntry(h, started.ID, "hr:1", access.Key, engine.OpEnable), auditEntry(h, started.ID, "hr:1", group.Key, engine.OpGrant)}
	}
	for _, tc := range []struct {
		name  string
		spoil func(r []engine.ActionResult, l []engine.LedgerChange) ([]engine.ActionResult, []engine.LedgerChange)
	}{
		{"a result for an action the run does not have", func(r []engine.ActionResult, l []engine.LedgerChange) ([]engine.ActionResult, []engine.LedgerChange) {
			return append(r, doneResult(h, 20)), l
		}},
		{"a ledger entry without a person", func(r []engine.ActionResult, l []engine.LedgerChange) ([]engine.ActionResult, []engine.LedgerChange) {
			return r, append(l, engine.LedgerChange{Entry: entitlement(h, "", "ad", engine.KindAccess, "")})
		}},
	} {
		r, l, a := good()
		r, l = tc.spoil(r, l)
		err := h.s.RecordResults(h.ctx, started.ID, r, l, a)
		requireCode(t, engine.Invalid, err, tc.name)
		h.reopen()
		require.Equal(t, before, h.enforcementState(started.ID), "%s: results, ledger, its version and the audit log are as they were", tc.name)
	}

	r, l, a := good()
	require.NoError(t, h.s.RecordResults(h.ctx, started.ID, r, l, a))
	after := h.enforcementState(started.ID)
	require.Len(t, after.audit, 3)
	require.Equal(t, uint64(2), after.audit[1].Seq, "the refused batches took no numbers")
	require.Equal(t, before.audit[0].Hash, after.audit[1].Prev, "the next batch chains to the last entry written")
	require.Equal(t, sortLedger([]engine.LedgerEntry{access, group}), after.ledger)
	require.Equal(t, before.version+1, after.version)
}

func testLedgerChanges(t *testing.T, h *harness) {
	run, results := newRun(h, 10)
	started := h.startRun(run, results)
	record := func(changes ...engine.LedgerChange) {
		t.Helper()
		require.NoError(t, h.s.RecordResults(h.ctx, started.ID, nil, changes, nil))
	}
	a1, a2 := accountEntry(h, "hr:1", "ad"), accountEntry(h, "hr:10", "ad")
	g1 := accountEntry(h, "hr:1", "google")
	g1.Reference, g1.Rules, g1.Attributes = "1029384756", []string{"r3"}, engine.Attributes{"primaryEmail": "jurgen@example.org"}
	retired := accountEntry(h, "hr:2", "ad")
	retired.RetiredOn, retired.Rules = engine.NewDate(2026, time.February, 27), nil
	want := []engine.LedgerEntry{
		a1, a2, g1, retired,
		entitlement(h, "hr:1", "ad", engine.KindAccess, "", "r1"),
		entitlement(h, "hr:1", "ad", engine.KindPermission, "GRP-SALES", "r2", "r7"),
		entitlement(h, "hr:1", "ad", engine.KindPermission, "GRP-ALL", "r2"),
		entitlement(h, "hr:1", "google", engine.KindCustom, "licence: business-starter", "r3"),
		entitlement(h, "hr:10", "ad", engine.KindAccess, "", "r1"),
		{Person: "hr:3", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}, Unmanaged: true},
		{Person: "hr:3", Key: engine.EntitlementKey{Target: "erp", Kind: "role", Name: "Approver"}, Rules: []string{"r9"}},
	}
	var changes []engine.LedgerChange
	for _, e := range want {
		changes = append(changes, engine.LedgerChange{Entry: e})
	}
	record(changes...)
	h.reopen()
	want = sortLedger(want)
	require.Equal(t, want, h.ledger(), "set changes add entries")
	for _, person := range []string{"hr:1", "hr:10", "hr:3", "hr:404", "hr:"} {
		var mine []engine.LedgerEntry
		for _, e := range want {
			if e.Person == person {
				mine = append(mine, e)
			}
		}
		got, err := h.s.PersonLedger(h.ctx, person)
		require.NoError(t, err)
		require.Equal(t, mine, got, "PersonLedger(%q) is LoadLedger's entries of the person, in order", person)
	}
	// fn may run on a goroutine of the store's: it only gathers
	var read []engine.LedgerEntry
	unpacked := 0
	require.NoError(t, h.s.ReadLedgerPacked(h.ctx, func(entries []engine.LedgerEntry) error {
		for _, e := range entries {
			if e.Attributes != nil {
				unpacked++
			}
			if e.Packed != nil {
				e.Attributes, e.Packed = e.Packed.AddTo(nil), nil
			}
			read = append(read, e)
		}
		return nil
	}))
	require.Zero(t, unpacked, "ReadLedgerPacked packs attributes")
	require.Equal(t, want, sortLedger(read), "ReadLedgerPacked hands out LoadLedger's entries")
	stop := errors.New("stop")
	require.ErrorIs(t, h.s.ReadLedgerPacked(h.ctx, func([]engine.LedgerEntry) error { return stop }), stop)

	// an account renamed: its entry is replaced, attributes and all
	renamed := a1
	renamed.Reference, renamed.Attributes = "CN=Jürgen Groß-Meier,OU=Staff,DC=example,DC=org", engine.Attributes{"sAMAccountName": "jgrossmeier"}
	record(
		engine.LedgerChange{Entry: renamed},
		engine.LedgerChange{Entry: engine.LedgerEntry{Person: "hr:1", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "GRP-SALES"}}, Delete: true},
		engine.LedgerChange{Entry: engine.LedgerEntry{Person: "hr:10", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccess}}, Delete: true},
		engine.LedgerChange{Entry: engine.LedgerEntry{Person: "hr:404", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccess}}, Delete: true},
		// set, then deleted in the same batch: the changes apply in order
		engine.LedgerChange{Entry: entitlement(h, "hr:5", "ad", engine.KindPermission, "GRP-TEMP", "r2")},
		engine.LedgerChange{Entry: engine.LedgerEntry{Person: "hr:5", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "GRP-TEMP"}}, Delete: true},
	)
	h.reopen()
	want = slices.DeleteFunc(want, func(e engine.LedgerEntry) bool {
		return e.Person == "hr:1" && e.Key.Name == "GRP-SALES" || e.Person == "hr:10" && e.Key.Kind == engine.KindAccess
	})
	want[0] = renamed
	require.Equal(t, want, h.ledger(), "a set replaces the entry by person and entitlement; a delete removes it, and deleting what is not there is no error")
}

func testLedgerVersion(t *testing.T, h *harness) {
	require.Zero(t, h.ledgerVersion(), "a new workspace is at ledger version 0")
	run, results := newRun(h, 10)
	started := h.startRun(run, results)
	require.Zero(t, h.ledgerVersion(), "starting a run changes no ledger")
	require.NoError(t, h.s.RecordResults(h.ctx, started.ID, []engine.ActionResult{doneResult(h, 1)}, nil, nil))
	require.Zero(t, h.ledgerVersion(), "results without ledger changes change no ledger")

	acct := accountEntry(h, "hr:1", "ad")
	require.NoError(t, h.s.RecordResults(h.ctx, started.ID, nil, []engine.LedgerChange{{Entry: acct}, {Entry: entitlement(h, "hr:1", "ad", engine.KindAccess, "", "r1")}}, nil))
	require.Equal(t, uint64(1), h.ledgerVersion(), "a batch of ledger changes counts one version")
	require.NoError(t, h.s.RecordResults(h.ctx, started.ID, nil, []engine.LedgerChange{{Entry: acct, Delete: true}}, nil))
	require.Equal(t, uint64(2), h.ledgerVersion(), "a delete counts a version")
	h.reopen()
	require.Equal(t, uint64(2), h.ledgerVersion(), "the version survives reopening")
	err := h.s.RecordResults(h.ctx, started.ID, []engine.ActionResult{doneResult(h, 10)}, []engine.LedgerChange{{Entry: acct}}, nil)
	requireCode(t, engine.Invalid, err)
	require.Equal(t, uint64(2), h.ledgerVersion(), "a refused batch counts no version")

	if h.writeLedger != nil {
		h.writeLedger(t, h.s, []engine.LedgerEntry{acct})
		require.Equal(t, uint64(3), h.ledgerVersion(), "writing the ledger otherwise counts a version too")
	}
}

// requireChain checks that entries, oldest first, are numbered from 1 and
// chained, and that apart from that they are want.
func requireChain(t *testing.T, want, entries []engine.AuditEntry) {
	t.Helper()
	require.Len(t, entries, len(want))
	prev := ""
	for i, e := range entries {
		require.Equal(t, uint64(i+1), e.Seq, "entries are numbered from 1 without gaps")
		require.Equal(t, prev, e.Prev, "entry %d holds the hash of the entry before", e.Seq)
		require.Equal(t, e.ComputeHash(), e.Hash, "entry %d holds the hash of its content", e.Seq)
		prev = e.Hash
		w := want[i]
		w.Seq, w.Prev, w.Hash = e.Seq, e.Prev, e.Hash
		require.Equal(t, w, e, "entry %d is as recorded", e.Seq)
	}
}

func testAuditChain(t *testing.T, h *harness) {
	n, err := h.s.VerifyAudit(h.ctx)
	require.NoError(t, err, "an empty audit log verifies")
	require.Zero(t, n)
	require.Empty(t, h.audit(engine.AuditFilter{}))

	run, results := newRun(h, 50)
	started := h.startRun(run, results)
	var want []engine.AuditEntry
	for b := range 6 {
		var batch []engine.AuditEntry
		for i := range 1 + b*3 {
			key := engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: fmt.Sprintf("GRP-%d", i)}
			e := auditEntry(h, started.ID, fmt.Sprintf("hr:%d", b), key, engine.OpGrant)
			if i == 0 {
				e.Op, e.Key = engine.OpCreate, engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}
				e.Changes = []engine.AttributeChange{{Attribute: "displayName", Old: "Jurgen Gross", New: "Jürgen Groß <jg>"}}
			}
			if i == 2 {
				e.Outcome, e.Error = engine.OutcomeFailed, `the directory said "no such object" & gave up`
			}
			e.DryRun = b == 5
			e.Seq, e.Prev, e.Hash = 99, "made up", "made up" // the store sets them
			batch = append(batch, e)
		}
		given := slices.Clone(batch)
		require.NoError(t, h.s.RecordResults(h.ctx, started.ID, nil, nil, batch))
		require.Equal(t, given, batch, "RecordResults leaves its entries alone")
		want = append(want, batch...)
		if b == 2 {
			h.reopen()
		}
	}
	h.reopen()
	got := h.audit(engine.AuditFilter{})
	slices.Reverse(got)
	requireChain(t, want, got)
	n, err = h.s.VerifyAudit(h.ctx)
	require.NoError(t, err)
	require.Equal(t, len(want), n, "VerifyAudit checks every entry")
}

func testAuditFilters(t *testing.T, h *harness) {
	run, results := newRun(h, 10)
	first := h.startRun(run, results)
	run, results = newRun(h, 10)
	second := h.startRun(run, results)
	base := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	var all []engine.AuditEntry // oldest first
	ops := []engine.ActionOp{engine.OpCreate, engine.OpEnable, engine.OpGrant, engine.OpRevoke, engine.OpDisable}
	for b := range 8 {
		var batch []engine.AuditEntry
		for i := range 25 {
			n := b*25 + i
			runID := first.ID
			if b >= 4 {
				runID = second.ID
			}
			target := []string{"ad", "google", "ad & co"}[n%3]
			e := auditEntry(h, runID, fmt.Sprintf("hr:%d", n%7), engine.EntitlementKey{Target: target, Kind: engine.KindPermission, Name: "G"}, ops[n%len(ops)])
			// several actions run at once: times are not quite in the
			// order entries are recorded
			e.At = base.Add(time.Duration(n)*time.Minute - time.Duration(i%4)*3*time.Minute)
			if n%6 == 0 {
				e.Outcome, e.Error = engine.OutcomeFailed, "refused"
			}
			batch = append(batch, e)
		}
		require.NoError(t, h.s.RecordResults(h.ctx, batch[0].Run, nil, nil, batch))
		all = append(all, batch...)
	}
	h.reopen()
	stored := h.audit(engine.AuditFilter{})
	slices.Reverse(stored)
	requireChain(t, all, stored)

	at := func(min int) time.Time { return base.Add(time.Duration(min) * time.Minute) }
	for _, f := range []engine.AuditFilter{
		{},
		{Limit: 10},
		{Person: "hr:3"},
		{Person: "hr:3", Limit: 4},
		{Target: "ad & co"},
		{Op: engine.OpRevoke},
		{Outcome: engine.OutcomeFailed},
		{Run: second.ID},
		{Since: at(150)},
		{Since: at(150).Add(30 * time.Second)},
		{Since: at(150), Limit: 3},
		{Until: at(20)},
		{Since: at(40), Until: at(60)},
		{Since: at(-100), Until: at(-50)},
		{Since: at(500)},
		{Since: at(100), Person: "hr:2", Target: "google", Op: engine.OpGrant, Outcome: engine.OutcomeDone, Run: second.ID},
		{Person: "hr:404"},
	} {
		var want []engine.AuditEntry
		for i := len(stored) - 1; i >= 0; i-- {
			if f.Matches(&stored[i]) && (f.Limit == 0 || len(want) < f.Limit) {
				want = append(want, stored[i])
			}
		}
		got := h.audit(f)
		if len(want) == 0 {
			require.Empty(t, got, "filter %+v", f)
			continue
		}
		require.Equal(t, want, got, "filter %+v selects its entries, newest first", f)
	}
}

func testTargetAccounts(t *testing.T, h *harness) {
	at, accounts, err := h.s.LoadTargetAccounts(h.ctx, "ad")
	require.NoError(t, err)
	require.True(t, at.IsZero(), "a target never read was read at the zero time")
	require.Empty(t, accounts)

	read := h.now()
	ad := []engine.Account{
		{Ref: "CN=Jürgen Groß,OU=Staff,DC=example,DC=org", Enabled: true, Attributes: engine.Attributes{"sAMAccountName": "jgross", "mail": "j.gross@example.org", "employeeID": "100001", "description": ""}},
		{Ref: "CN=Zoë Ñúñez,OU=Staff,DC=example,DC=org", Enabled: true, Attributes: engine.Attributes{"sAMAccountName": "znunez", "mail": "z.nunez@example.org"}},
		{Ref: "CN=Disabled,OU=Disabled,DC=example,DC=org", Attributes: engine.Attributes{"sAMAccountName": "old", "memberOf": "CN=GRP-A,DC=example,DC=org\nCN=GRP-B,DC=example,DC=org"}},
		{Ref: "CN=Bare,OU=Staff,DC=example,DC=org", Enabled: true},
		{Ref: "CN=Bare,OU=Staff,DC=example,DC=org", Enabled: true}, // listed twice: kept as listed
	}
	for i := range 3000 {
		ad = append(ad, engine.Account{Ref: fmt.Sprintf("CN=Person %d,OU=Staff,DC=example,DC=org", i), Enabled: i%5 != 0,
			Attributes: engine.Attributes{"sAMAccountName": fmt.Sprintf("person%d", i), "mail": fmt.Sprintf("person%d@example.org", i), "employeeID": fmt.Sprint(100000 + i)}})
	}
	require.NoError(t, h.s.SaveTargetAccounts(h.ctx, "ad", read, ad))
	google := []engine.Account{{Ref: "1029384756", Enabled: true, Attributes: engine.Attributes{"primaryEmail": "jurgen@example.org"}}}
	googleRead := h.now()
	require.NoError(t, h.s.SaveTargetAccounts(h.ctx, "google", googleRead, google))
	h.reopen()
	requireAccounts := func(target string, wantAt time.Time, want []engine.Account, msg string) {
		t.Helper()
		at, got, err := h.s.LoadTargetAccounts(h.ctx, target)
		require.NoError(t, err)
		require.Equal(t, wantAt, at, msg)
		if len(want) == 0 {
			require.Empty(t, got, msg)
			return
		}
		require.Equal(t, want, got, msg)
	}
	requireAccounts("ad", read, ad, "the accounts read back as saved, in order")
	requireAccounts("google", googleRead, google, "each target has its own")

	again := h.now()
	require.NoError(t, h.s.SaveTargetAccounts(h.ctx, "ad", again, ad[:2]))
	h.reopen()
	requireAccounts("ad", again, ad[:2], "saving replaces the accounts and their time")
	empty := h.now()
	require.NoError(t, h.s.SaveTargetAccounts(h.ctx, "ad", empty, nil))
	h.reopen()
	requireAccounts("ad", empty, nil, "a target read empty has no accounts, read at that time")
	requireAccounts("google", googleRead, google, "the other target is untouched")
}

func testConcurrentRecordResults(t *testing.T, h *harness) {
	const writers, batches, perBatch = 4, 20, 5
	run, results := newRun(h, writers*batches*perBatch)
	started := h.startRun(run, results)
	at := h.now()
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			var err error
			for b := 0; b < batches && err == nil; b++ {
				var res []engine.ActionResult
				var changes []engine.LedgerChange
				var audit []engine.AuditEntry
				for i := range perBatch {
					n := (w*batches+b)*perBatch + i
					person := fmt.Sprintf("hr:%d", n)
					key := engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}
					res = append(res, engine.ActionResult{Index: n, Outcome: engine.OutcomeDone, Ref: "CN=" + person, Tries: 1, At: at})
					changes = append(changes, engine.LedgerChange{Entry: engine.LedgerEntry{Person: person, Key: key, Reference: "CN=" + person, GrantedAt: at}})
					audit = append(audit, engine.AuditEntry{At: at, Run: started.ID, Person: person, Target: "ad", Op: engine.OpCreate, Key: key, Ref: "CN=" + person, Outcome: engine.OutcomeDone})
				}
				err = h.s.RecordResults(h.ctx, started.ID, res, changes, audit)
				if err == nil {
					// readers meanwhile see whole batches
					var entries []engine.AuditEntry
					if entries, err = h.s.ListAudit(h.ctx, engine.AuditFilter{}); err == nil && len(entries)%perBatch != 0 {
						err = fmt.Errorf("the audit log holds %d entries: part of a batch", len(entries))
					}
				}
			}
			errs <- err
		}()
	}
	for range writers {
		require.NoError(t, <-errs)
	}
	h.reopen()
	n, err := h.s.VerifyAudit(h.ctx)
	require.NoError(t, err, "batches recorded at once make one chain")
	require.Equal(t, writers*batches*perBatch, n)
	require.Len(t, h.ledger(), n)
	require.Equal(t, uint64(writers*batches), h.ledgerVersion(), "each batch counted a version")
	_, got, err := h.s.FindRun(h.ctx, started.ID)
	require.NoError(t, err)
	for _, r := range got {
		require.Equal(t, engine.OutcomeDone, r.Outcome, "action %d", r.Index)
	}
}
