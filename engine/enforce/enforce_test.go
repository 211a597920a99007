package enforce_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app/boltstore"
	"provisio/connectors/file"
	"provisio/engine"
	"provisio/engine/enforce"
)

// world is a file target and a real store for a run.
type world struct {
	t     *testing.T
	path  string
	store *boltstore.Store
	sys   *engine.TargetSystem
	now   time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "directory.json")
	require.NoError(t, file.WriteDirectory(path, &file.Directory{Permissions: []engine.Permission{{ID: "staff"}, {ID: "vpn"}}}))
	st, err := boltstore.Open(filepath.Join(dir, "ws"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return &world{t: t, path: path, store: st, now: time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC),
		sys: &engine.TargetSystem{Key: "dir", Name: "Directory", Kind: "file", Settings: map[string]string{"path": path}}}
}

func (w *world) conn(dryRun bool) engine.TargetConnector {
	c, err := file.New(w.sys.Settings, engine.ConnectorEnv{BaseDir: filepath.Dir(w.path)}, engine.TargetOptions{DryRun: dryRun})
	require.NoError(w.t, err)
	return c
}

func key(kind engine.EntitlementKind, name string) engine.EntitlementKey {
	return engine.EntitlementKey{Target: "dir", Kind: kind, Name: name}
}

func reason(rule string) []engine.Reason {
	return []engine.Reason{{Rule: rule, RuleName: "Rule " + rule}}
}

// joiner is the plan of a new person: an account, access and a group.
func joiner(id, name string) []engine.Action {
	person := "hr:" + id
	return []engine.Action{
		// listed out of order: enforcement orders each person's actions
		{Person: person, PersonName: name, Key: key(engine.KindPermission, "staff"), Grant: true, Op: engine.OpGrant, Reasons: reason("r3")},
		{Person: person, PersonName: name, Key: key(engine.KindAccess, ""), Grant: true, Op: engine.OpEnable, Reasons: reason("r2")},
		{Person: person, PersonName: name, Key: key(engine.KindAccount, ""), Grant: true, Op: engine.OpCreate, Reasons: reason("r1"),
			Changes: []engine.AttributeChange{{Attribute: "userName", New: id}, {Attribute: "displayName", New: name}}},
	}
}

type runResult struct {
	run     *engine.EnforcementRun
	results []engine.ActionResult
	err     error
}

// enforce starts a run of plan in the store and applies it with conn.
func (w *world) enforce(ctx context.Context, plan *engine.Evaluation, conn engine.TargetConnector, dryRun bool, opts ...func(*enforce.Options)) runResult {
	w.t.Helper()
	results := make([]engine.ActionResult, len(plan.Actions))
	for i := range results {
		results[i].Index = i
	}
	run, err := w.store.StartRun(ctx, &engine.EnforcementRun{Evaluation: plan.ID, StartedAt: w.now, Status: engine.RunRunning, DryRun: dryRun}, results)
	require.NoError(w.t, err)
	return w.resume(ctx, run, plan, conn, opts...)
}

func (w *world) resume(ctx context.Context, run *engine.EnforcementRun, plan *engine.Evaluation, conn engine.TargetConnector, opts ...func(*enforce.Options)) runResult {
	w.t.Helper()
	_, results, err := w.store.FindRun(context.Background(), run.ID)
	require.NoError(w.t, err)
	ledger, err := w.store.LoadLedger(context.Background())
	require.NoError(w.t, err)
	o := enforce.Options{
		Run: run, Plan: plan, Results: results, Journal: w.store, Order: []string{"dir"},
		Targets: map[string]enforce.Target{"dir": {System: w.sys, Conn: conn, Identity: []string{"userName"}}},
		Ledger: func(person string, k engine.EntitlementKey) (engine.LedgerEntry, bool) {
			for _, le := range ledger.Entries {
				if le.Person == person && le.Key == k {
					return le, true
				}
			}
			return engine.LedgerEntry{}, false
		},
		Now:   func() time.Time { return w.now },
		Sleep: func(context.Context, time.Duration) error { return nil },
	}
	for _, f := range opts {
		f(&o)
	}
	runErr := enforce.Run(ctx, o)
	_, results, err = w.store.FindRun(context.Background(), run.ID)
	require.NoError(w.t, err)
	return runResult{run: run, results: results, err: runErr}
}

func (w *world) directory() *file.Directory {
	w.t.Helper()
	d, err := file.ReadDirectory(w.path)
	require.NoError(w.t, err)
	return d
}

func (w *world) account(userName string) *file.Account {
	for _, a := range w.directory().Accounts {
		if a.Attributes["userName"] == userName {
			return &a
		}
	}
	return nil
}

func outcomes(results []engine.ActionResult) []engine.Outcome {
	var out []engine.Outcome
	for _, r := range results {
		out = append(out, r.Outcome)
	}
	return out
}

func TestARunMakesAccountsEnablesThemAndGrantsTheirGroups(t *testing.T) {
	w := newWorld(t)
	plan := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{ID: 1}}
	plan.Actions = append(append(joiner("1", "Ann Smith"), joiner("2", "Bob Jones")...), joiner("3", "Eve Evans")...)

	r := w.enforce(context.Background(), plan, w.conn(false), false)

	require.NoError(t, r.err)
	assert.Equal(t, slices.Repeat([]engine.Outcome{engine.OutcomeDone}, 9), outcomes(r.results))
	for _, id := range []string{"1", "2", "3"} {
		a := w.account(id)
		require.NotNil(t, a, id)
		assert.True(t, a.Enabled, id)
		assert.Equal(t, []string{"staff"}, a.Permissions, id)
	}
	ledger, err := w.store.LoadLedger(context.Background())
	require.NoError(t, err)
	require.Len(t, ledger.Entries, 9)
	i := slices.IndexFunc(ledger.Entries, func(le engine.LedgerEntry) bool { return le.Person == "hr:1" && le.Key.Kind == engine.KindAccount })
	require.GreaterOrEqual(t, i, 0)
	acct := ledger.Entries[i]
	assert.Equal(t, key(engine.KindAccount, ""), acct.Key)
	assert.Equal(t, w.account("1").Ref, acct.Reference, "the ledger knows the account by the target's reference")
	assert.Equal(t, engine.Attributes{"userName": "1", "displayName": "Ann Smith"}, acct.Attributes)
	assert.Equal(t, []string{"r1"}, acct.Rules)

	audit, err := w.store.ListAudit(context.Background(), engine.AuditFilter{})
	require.NoError(t, err)
	require.Len(t, audit, 9, "every action written is audited")
	n, err := w.store.VerifyAudit(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 9, n)
	var ops []engine.ActionOp
	for _, e := range audit {
		if e.Person == "hr:1" {
			ops = append([]engine.ActionOp{e.Op}, ops...) // newest first
		}
	}
	assert.Equal(t, []engine.ActionOp{engine.OpCreate, engine.OpEnable, engine.OpGrant}, ops, "account, then access, then permissions")
}

func TestAnAccountThatCannotBeMadeSkipsWhatNeedsIt(t *testing.T) {
	w := newWorld(t)
	// the name is taken in the target
	_, err := w.conn(false).Create(context.Background(), engine.Attributes{"userName": "1"})
	require.NoError(t, err)
	plan := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{ID: 1}, Actions: append(joiner("1", "Ann Smith"), joiner("2", "Bob Jones")...)}

	r := w.enforce(context.Background(), plan, w.conn(false), false)

	require.NoError(t, r.err)
	byOp := map[engine.ActionOp]engine.ActionResult{}
	for i, res := range r.results[:3] {
		byOp[plan.Actions[i].Op] = res
	}
	assert.Equal(t, engine.OutcomeFailed, byOp[engine.OpCreate].Outcome)
	assert.Contains(t, byOp[engine.OpCreate].Error, "taken")
	assert.Equal(t, engine.OutcomeSkipped, byOp[engine.OpEnable].Outcome)
	assert.Contains(t, byOp[engine.OpEnable].Error, "the account could not be made")
	assert.Equal(t, engine.OutcomeSkipped, byOp[engine.OpGrant].Outcome)
	assert.Equal(t, []engine.Outcome{engine.OutcomeDone, engine.OutcomeDone, engine.OutcomeDone}, outcomes(r.results[3:]), "the other person is not held up")
	audit, err := w.store.ListAudit(context.Background(), engine.AuditFilter{Outcome: engine.OutcomeFailed})
	require.NoError(t, err)
	require.Len(t, audit, 1, "the failed attempt is audited, the skipped actions are not")
}

// flaky is the file connector with errors on chosen calls.
type flaky struct {
	engine.TargetConnector
	grantFails atomic.Int32 // transient failures left for Grant
	grantErr   error
	createHook func()
}

func (f *flaky) Grant(ctx context.Context, ref, perm string) error {
	if f.grantFails.Add(-1) >= 0 {
		return f.grantErr
	}
	return f.TargetConnector.Grant(ctx, ref, perm)
}

func (f *flaky) Create(ctx context.Context, attrs engine.Attributes) (string, error) {
	if f.createHook != nil {
		f.createHook()
	}
	return f.TargetConnector.Create(ctx, attrs)
}

func TestTransientErrorsAreRetriedAndPermanentOnesAreNot(t *testing.T) {
	w := newWorld(t)
	c := &flaky{TargetConnector: w.conn(false), grantErr: engine.Errorf(engine.Unavailable, "the server is busy")}
	c.grantFails.Store(2)
	plan := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{ID: 1}, Actions: joiner("1", "Ann Smith")}

	r := w.enforce(context.Background(), plan, c, false)

	require.NoError(t, r.err)
	assert.Equal(t, engine.OutcomeDone, r.results[0].Outcome)
	assert.Equal(t, 3, r.results[0].Tries, "two busy answers, then done")

	w2 := newWorld(t)
	c2 := &flaky{TargetConnector: w2.conn(false), grantErr: engine.Errorf(engine.Invalid, "no such group")}
	c2.grantFails.Store(100)
	r = w2.enforce(context.Background(), plan, c2, false)
	require.NoError(t, r.err)
	assert.Equal(t, engine.OutcomeFailed, r.results[0].Outcome)
	assert.Equal(t, 1, r.results[0].Tries)
	assert.Equal(t, "no such group", r.results[0].Error)

	w3 := newWorld(t)
	c3 := &flaky{TargetConnector: w3.conn(false), grantErr: engine.Errorf(engine.Unavailable, "the server is busy")}
	c3.grantFails.Store(100)
	r = w3.enforce(context.Background(), plan, c3, false)
	require.NoError(t, r.err)
	assert.Equal(t, engine.OutcomeFailed, r.results[0].Outcome)
	assert.Equal(t, enforce.DefaultRetry.Attempts, r.results[0].Tries)
	assert.Contains(t, r.results[0].Error, "after 4 tries")
}

func TestADryRunChecksEverythingAndWritesNothing(t *testing.T) {
	w := newWorld(t)
	plan := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{ID: 1}, Actions: append(joiner("1", "Ann Smith"), joiner("2", "Bob Jones")...)}
	before := w.directory()

	r := w.enforce(context.Background(), plan, w.conn(true), true)

	require.NoError(t, r.err)
	assert.Equal(t, slices.Repeat([]engine.Outcome{engine.OutcomeDone}, 6), outcomes(r.results))
	assert.Equal(t, before, w.directory(), "nothing was written")
	ledger, err := w.store.LoadLedger(context.Background())
	require.NoError(t, err)
	assert.Empty(t, ledger.Entries, "the ledger records what the targets have, and they have nothing new")
	audit, err := w.store.ListAudit(context.Background(), engine.AuditFilter{})
	require.NoError(t, err)
	assert.Empty(t, audit, "the audit log records what was written")
}

func TestACancelledRunLeavesTheRestPendingAndFinishesWhenRunAgain(t *testing.T) {
	w := newWorld(t)
	var plan engine.Evaluation
	plan.ID = 1
	for i := range 20 {
		plan.Actions = append(plan.Actions, joiner(fmt.Sprint(100+i), fmt.Sprintf("Person %d", i))...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var creates atomic.Int32
	c := &flaky{TargetConnector: w.conn(false), createHook: func() {
		if creates.Add(1) == 5 {
			cancel()
		}
	}}

	r := w.enforce(ctx, &plan, c, false, func(o *enforce.Options) { o.Targets["dir"].System.Concurrency = 1 })

	require.True(t, engine.IsCode(r.err, engine.Canceled), "%v", r.err)
	pending := 0
	for _, res := range r.results {
		if res.Outcome == engine.OutcomePending {
			pending++
		}
	}
	require.Positive(t, pending, "what was not done stays pending")

	r.run.Resumed++
	r = w.resume(context.Background(), r.run, &plan, w.conn(false))
	require.NoError(t, r.err)
	assert.Equal(t, slices.Repeat([]engine.Outcome{engine.OutcomeDone}, 60), outcomes(r.results))
	assert.Len(t, w.directory().Accounts, 20, "no account twice")
	audit, err := w.store.ListAudit(context.Background(), engine.AuditFilter{})
	require.NoError(t, err)
	assert.Len(t, audit, 60, "one audit entry per action")
}

// lossyJournal loses the results of the batch it fails, as a crash
// between the target's answer and the journal's commit would.
type lossyJournal struct {
	enforce.Journal
	batches  int
	failAt   int
	recorded atomic.Int32
}

func (j *lossyJournal) RecordResults(ctx context.Context, run uint64, results []engine.ActionResult, ledger []engine.LedgerChange, audit []engine.AuditEntry) error {
	j.batches++
	if j.batches == j.failAt {
		return fmt.Errorf("the disk went away")
	}
	return j.Journal.RecordResults(ctx, run, results, ledger, audit)
}

func TestACrashAfterTheTargetAnsweredDoesNotMakeAnAccountTwice(t *testing.T) {
	w := newWorld(t)
	var plan engine.Evaluation
	plan.ID = 1
	for i := range 6 {
		plan.Actions = append(plan.Actions, joiner(fmt.Sprint(200+i), fmt.Sprintf("Person %d", i))...)
	}
	j := &lossyJournal{Journal: w.store, failAt: 1}

	r := w.enforce(context.Background(), &plan, w.conn(false), false, func(o *enforce.Options) {
		o.Journal = j
		o.BatchSize = 1000 // one batch: everything the run did is lost
		o.Targets["dir"].System.Concurrency = 1
	})

	require.Error(t, r.err)
	assert.True(t, engine.IsCode(r.err, engine.Internal), "%v", r.err)
	written := len(w.directory().Accounts)
	require.Positive(t, written, "the target has accounts the journal does not know")

	r.run.Resumed++
	r = w.resume(context.Background(), r.run, &plan, w.conn(false))
	require.NoError(t, r.err)
	assert.Equal(t, slices.Repeat([]engine.Outcome{engine.OutcomeDone}, 18), outcomes(r.results))
	assert.Len(t, w.directory().Accounts, 6, "accounts made before the crash were found, not made again")
	for i := range 6 {
		a := w.account(fmt.Sprint(200 + i))
		require.NotNil(t, a)
		assert.True(t, a.Enabled)
		assert.Equal(t, []string{"staff"}, a.Permissions)
	}
	n, err := w.store.VerifyAudit(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 18, n, "each action audited once")
}

func TestRevokesGoBeforeDisablingAndAFailedRevokeKeepsTheAccount(t *testing.T) {
	w := newWorld(t)
	plan := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{ID: 1}, Actions: joiner("1", "Ann Smith")}
	r := w.enforce(context.Background(), plan, w.conn(false), false)
	require.NoError(t, r.err)
	ref := w.account("1").Ref

	leave := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{ID: 2}, Actions: []engine.Action{
		{Person: "hr:1", Key: key(engine.KindAccount, ""), Op: engine.OpDelete, Ref: ref},
		{Person: "hr:1", Key: key(engine.KindAccess, ""), Op: engine.OpDisable, Ref: ref,
			Changes: []engine.AttributeChange{{Attribute: "description", New: "Disabled by Provisio"}}},
		{Person: "hr:1", Key: key(engine.KindPermission, "staff"), Op: engine.OpRevoke, Ref: ref},
	}}
	c := &flaky{TargetConnector: w.conn(false)}
	revokeFails := &revokeFailing{flaky: c}
	r = w.enforce(context.Background(), leave, revokeFails, false)
	require.NoError(t, r.err)
	assert.Equal(t, engine.OutcomeFailed, r.results[2].Outcome, "the revoke")
	assert.Equal(t, engine.OutcomeDone, r.results[1].Outcome, "disabling does not need the revoke")
	assert.Equal(t, engine.OutcomeSkipped, r.results[0].Outcome, "the delete waits for the revoke")
	a := w.account("1")
	require.NotNil(t, a)
	assert.False(t, a.Enabled)
	assert.Equal(t, "Disabled by Provisio", a.Attributes["description"])

	r = w.enforce(context.Background(), leave, w.conn(false), false)
	require.NoError(t, r.err)
	assert.Equal(t, slices.Repeat([]engine.Outcome{engine.OutcomeDone}, 3), outcomes(r.results), "disabling twice is fine")
	assert.Nil(t, w.account("1"))
	ledger, err := w.store.LoadLedger(context.Background())
	require.NoError(t, err)
	assert.Empty(t, ledger.Entries)
}

type revokeFailing struct{ *flaky }

func (r *revokeFailing) Revoke(context.Context, string, string) error {
	return engine.Errorf(engine.Invalid, "the group is read-only")
}

func TestThresholdsHoldBackActionsOverTheLimit(t *testing.T) {
	max := 2
	sys := &engine.TargetSystem{Key: "dir", Name: "Directory", Thresholds: []engine.ActionThreshold{
		{Op: engine.OpCreate, MaxCount: &max},
		{Op: engine.OpDelete, MaxPercent: ptr(10.0)},
	}}
	var plan engine.Evaluation
	for i := range 3 {
		plan.Actions = append(plan.Actions, joiner(fmt.Sprint(i), "P")...)
	}
	plan.Actions = append(plan.Actions, engine.Action{Person: "hr:9", Key: key(engine.KindAccount, ""), Op: engine.OpDelete, Ref: "x"},
		engine.Action{Person: "hr:8", Key: key(engine.KindPermission, "vpn"), Op: engine.OpGrant, Grant: true, Ref: "y"})
	results := make([]engine.ActionResult, len(plan.Actions))

	breaches, held := enforce.Thresholds(&plan, results, map[string]*engine.TargetSystem{"dir": sys}, map[string]int{"dir": 5})

	require.Len(t, breaches, 2)
	assert.Equal(t, engine.OpCreate, breaches[0].Op)
	assert.Equal(t, 3, breaches[0].Actions)
	assert.Contains(t, breaches[0].Message, "3 create actions exceed the limit of 2")
	assert.Contains(t, breaches[1].Message, "20.0% of the 5 accounts")
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, held, "the creates with the enables and grants that need them, and the delete; the rest proceeds")
}

func TestWhatNeedsAnActionGoesWithIt(t *testing.T) {
	person := func(id string, ops ...engine.ActionOp) []engine.Action {
		var out []engine.Action
		for _, op := range ops {
			k := key(engine.KindAccount, "")
			if op == engine.OpGrant || op == engine.OpRevoke {
				k = key(engine.KindPermission, "staff")
			}
			out = append(out, engine.Action{Person: "hr:" + id, Key: k, Op: op})
		}
		return out
	}
	plan := &engine.Evaluation{}
	plan.Actions = append(plan.Actions, person("1", engine.OpCreate, engine.OpEnable, engine.OpGrant)...)                                                         // 0-2
	plan.Actions = append(plan.Actions, person("2", engine.OpRevoke, engine.OpDisable, engine.OpDelete)...)                                                       // 3-5
	plan.Actions = append(plan.Actions, person("3", engine.OpUpdate, engine.OpGrant, engine.OpRevoke)...)                                                         // 6-8
	plan.Actions = append(plan.Actions, engine.Action{Person: "hr:1", Key: engine.EntitlementKey{Target: "other", Kind: engine.KindAccess}, Op: engine.OpEnable}) // 9
	all := func(int) bool { return true }

	assert.Equal(t, []int{0, 1, 2}, enforce.WithDependents(plan, []int{0}, all), "a create brings the enable and grant, not another target's")
	assert.Equal(t, []int{3, 5}, enforce.WithDependents(plan, []int{3}, all), "a revoke brings the delete")
	assert.Equal(t, []int{4, 5}, enforce.WithDependents(plan, []int{4}, all), "a disable brings the delete")
	assert.Equal(t, []int{5}, enforce.WithDependents(plan, []int{5}, all))
	assert.Equal(t, []int{6}, enforce.WithDependents(plan, []int{6}, all), "nothing needs an update")
	assert.Equal(t, []int{0, 2}, enforce.WithDependents(plan, []int{0}, func(j int) bool { return j != 1 }), "only what ok allows")
}

func ptr[T any](v T) *T { return &v }

// oneCall is the file connector with CreateEnabled, counting the calls.
type oneCall struct {
	engine.TargetConnector
	creates, enables, createEnabled atomic.Int32
	// enableFails is how many CreateEnabled calls make the account and
	// then fail to enable it
	enableFails atomic.Int32
}

func (o *oneCall) Create(ctx context.Context, attrs engine.Attributes) (string, error) {
	o.creates.Add(1)
	return o.TargetConnector.Create(ctx, attrs)
}

func (o *oneCall) Enable(ctx context.Context, ref string) (string, error) {
	o.enables.Add(1)
	return o.TargetConnector.Enable(ctx, ref)
}

func (o *oneCall) CreateEnabled(ctx context.Context, attrs engine.Attributes) (string, error) {
	o.createEnabled.Add(1)
	ref, err := o.TargetConnector.Create(ctx, attrs)
	if err != nil {
		return "", err
	}
	if o.enableFails.Add(-1) >= 0 {
		return ref, engine.Errorf(engine.Unavailable, "the server went away before the account was enabled")
	}
	if _, err := o.TargetConnector.Enable(ctx, ref); err != nil {
		return ref, err
	}
	return ref, nil
}

// withEnableStage gives the enable actions of plan an enable-stage
// attribute.
func withEnableStage(plan []engine.Action) []engine.Action {
	for i := range plan {
		if plan[i].Op == engine.OpEnable {
			plan[i].Changes = []engine.AttributeChange{{Attribute: "description", New: "Staff"}}
		}
	}
	return plan
}

func TestAnAccountCreatedAndEnabledInOneRunTakesOneCallWhereTheTargetCan(t *testing.T) {
	w := newWorld(t)
	c := &oneCall{TargetConnector: w.conn(false)}
	plan := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{ID: 1}, Actions: withEnableStage(append(joiner("1", "Ann Smith"), joiner("2", "Bob Jones")...))}

	r := w.enforce(context.Background(), plan, c, false)

	require.NoError(t, r.err)
	assert.Equal(t, slices.Repeat([]engine.Outcome{engine.OutcomeDone}, 6), outcomes(r.results))
	assert.Equal(t, int32(2), c.createEnabled.Load())
	assert.Zero(t, c.creates.Load(), "no Create of its own")
	assert.Zero(t, c.enables.Load(), "no Enable of its own")
	for _, id := range []string{"1", "2"} {
		a := w.account(id)
		require.NotNil(t, a, id)
		assert.True(t, a.Enabled, id)
		assert.Equal(t, "Staff", a.Attributes["description"], "the enable stage's attribute is written with the create")
		assert.Equal(t, []string{"staff"}, a.Permissions, id)
	}
	ledger, err := w.store.LoadLedger(context.Background())
	require.NoError(t, err)
	require.Len(t, ledger.Entries, 6, "account, access and group of each")
	for _, le := range ledger.Entries {
		if le.Key.Kind == engine.KindAccount {
			assert.Equal(t, "Staff", le.Attributes["description"], "the ledger has what was written")
			assert.Equal(t, w.account(strings.TrimPrefix(le.Person, "hr:")).Ref, le.Reference)
		}
	}
	audit, err := w.store.ListAudit(context.Background(), engine.AuditFilter{Person: "hr:1"})
	require.NoError(t, err)
	var ops []engine.ActionOp
	for _, e := range audit {
		ops = append([]engine.ActionOp{e.Op}, ops...) // newest first
	}
	assert.Equal(t, []engine.ActionOp{engine.OpCreate, engine.OpEnable, engine.OpGrant}, ops, "both halves of the call are audited")

	// enforcing the same plan again changes nothing (and a dry run
	// checks the calls one by one)
	d := newWorld(t)
	dc := &oneCall{TargetConnector: d.conn(true)}
	r = d.enforce(context.Background(), plan, dc, true)
	require.NoError(t, r.err)
	assert.Zero(t, dc.createEnabled.Load(), "a dry run checks Create as it is")
	assert.Empty(t, d.directory().Accounts)
}

func TestAnAccountMadeButNotEnabledIsEnabledByItsOwnCall(t *testing.T) {
	w := newWorld(t)
	c := &oneCall{TargetConnector: w.conn(false)}
	c.enableFails.Store(1)
	plan := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{ID: 1}, Actions: withEnableStage(joiner("1", "Ann Smith"))}

	r := w.enforce(context.Background(), plan, c, false)

	require.NoError(t, r.err)
	assert.Equal(t, slices.Repeat([]engine.Outcome{engine.OutcomeDone}, 3), outcomes(r.results))
	assert.Equal(t, int32(1), c.createEnabled.Load(), "made once, not tried again")
	assert.Equal(t, int32(1), c.enables.Load(), "then enabled on its own")
	a := w.account("1")
	require.NotNil(t, a)
	assert.True(t, a.Enabled)
	assert.Equal(t, "Staff", a.Attributes["description"])
	assert.Len(t, w.directory().Accounts, 1)
}

func TestACrashAfterACreateEnabledDoesNotMakeAnAccountTwice(t *testing.T) {
	w := newWorld(t)
	var plan engine.Evaluation
	plan.ID = 1
	for i := range 4 {
		plan.Actions = append(plan.Actions, joiner(fmt.Sprint(300+i), fmt.Sprintf("Person %d", i))...)
	}
	j := &lossyJournal{Journal: w.store, failAt: 1}
	r := w.enforce(context.Background(), &plan, &oneCall{TargetConnector: w.conn(false)}, false, func(o *enforce.Options) {
		o.Journal = j
		o.BatchSize = 1000
		o.Targets["dir"].System.Concurrency = 1
	})
	require.Error(t, r.err)
	require.Positive(t, len(w.directory().Accounts))

	r.run.Resumed++
	r = w.resume(context.Background(), r.run, &plan, &oneCall{TargetConnector: w.conn(false)})
	require.NoError(t, r.err)
	assert.Equal(t, slices.Repeat([]engine.Outcome{engine.OutcomeDone}, 12), outcomes(r.results))
	assert.Len(t, w.directory().Accounts, 4, "accounts made before the crash were found, not made again")
	for i := range 4 {
		a := w.account(fmt.Sprint(300 + i))
		require.NotNil(t, a)
		assert.True(t, a.Enabled)
	}
	n, err := w.store.VerifyAudit(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 12, n, "each action audited once")
}

func TestAResumedRunNeverTakesOverAnAccountSomeoneElseMade(t *testing.T) {
	w := newWorld(t)
	// someone else's account has the identity the plan's create wants
	_, err := w.conn(false).Create(context.Background(), engine.Attributes{"userName": "1", "displayName": "Someone Else"})
	require.NoError(t, err)
	plan := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{ID: 1}, Actions: joiner("1", "Ann Smith")}
	results := make([]engine.ActionResult, len(plan.Actions))
	for i := range results {
		results[i].Index = i
	}
	run, err := w.store.StartRun(context.Background(), &engine.EnforcementRun{Evaluation: 1, StartedAt: w.now, Status: engine.RunRunning}, results)
	require.NoError(t, err)
	run.Resumed++

	r := w.resume(context.Background(), run, plan, w.conn(false))

	require.NoError(t, r.err)
	byOp := map[engine.ActionOp]engine.ActionResult{}
	for i, res := range r.results {
		byOp[plan.Actions[i].Op] = res
	}
	assert.Equal(t, engine.OutcomeFailed, byOp[engine.OpCreate].Outcome, "the create is not taken as done")
	assert.Contains(t, byOp[engine.OpCreate].Error, "taken")
	assert.Equal(t, engine.OutcomeSkipped, byOp[engine.OpEnable].Outcome)
	assert.Equal(t, engine.OutcomeSkipped, byOp[engine.OpGrant].Outcome)
	other := w.account("1")
	require.NotNil(t, other)
	assert.Equal(t, "Someone Else", other.Attributes["displayName"])
	assert.False(t, other.Enabled, "someone else's account is not enabled")
	assert.Empty(t, other.Permissions, "nor given the person's groups")
}

// lostAnswer is the file connector whose first Create makes the account
// and then loses the answer, as a timeout does.
type lostAnswer struct {
	engine.TargetConnector
	lost atomic.Bool
}

func (l *lostAnswer) Create(ctx context.Context, attrs engine.Attributes) (string, error) {
	ref, err := l.TargetConnector.Create(ctx, attrs)
	if err == nil && l.lost.CompareAndSwap(false, true) {
		return "", engine.Errorf(engine.Unavailable, "no answer in time")
	}
	return ref, err
}

func TestACreateWhoseAnswerWasLostFindsTheAccountItMade(t *testing.T) {
	w := newWorld(t)
	plan := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{ID: 1}, Actions: joiner("1", "Ann Smith")}

	r := w.enforce(context.Background(), plan, &lostAnswer{TargetConnector: w.conn(false)}, false)

	require.NoError(t, r.err)
	assert.Equal(t, slices.Repeat([]engine.Outcome{engine.OutcomeDone}, 3), outcomes(r.results))
	var create engine.ActionResult
	for i, res := range r.results {
		if plan.Actions[i].Op == engine.OpCreate {
			create = res
		}
	}
	assert.Equal(t, 2, create.Tries)
	assert.Equal(t, "found: made by an earlier try whose answer was lost", create.Error)
	assert.Len(t, w.directory().Accounts, 1, "one account, not two")
	a := w.account("1")
	require.NotNil(t, a)
	assert.True(t, a.Enabled)
	assert.Equal(t, []string{"staff"}, a.Permissions)
}

// unreachable is a target that never answers.
type unreachable struct {
	engine.TargetConnector
	calls atomic.Int32
}

func (u *unreachable) Create(context.Context, engine.Attributes) (string, error) {
	u.calls.Add(1)
	return "", engine.Errorf(engine.Unavailable, "cannot reach the directory")
}

func TestATargetThatStopsAnsweringIsLeftAfterAFewActions(t *testing.T) {
	w := newWorld(t)
	var plan engine.Evaluation
	plan.ID = 1
	for i := range 30 {
		plan.Actions = append(plan.Actions, joiner(fmt.Sprint(400+i), fmt.Sprintf("Person %d", i))...)
	}
	c := &unreachable{TargetConnector: w.conn(false)}

	r := w.enforce(context.Background(), &plan, c, false, func(o *enforce.Options) {
		o.Targets["dir"].System.Concurrency = 1
	})

	require.Error(t, r.err)
	assert.True(t, engine.IsTransient(r.err), "%v", r.err)
	assert.Contains(t, r.err.Error(), "Directory: 8 actions in a row failed for want of an answer")
	counts := map[engine.Outcome]int{}
	for _, res := range r.results {
		counts[res.Outcome]++
	}
	assert.Equal(t, 8, counts[engine.OutcomeFailed], "the creates tried")
	assert.Equal(t, 7, counts[engine.OutcomeSkipped], "the enables of the first seven (the grants come later)")
	assert.Equal(t, 90-8-7, counts[engine.OutcomePending], "the rest was not tried, and can be resumed")
	assert.Equal(t, int32(8*enforce.DefaultRetry.Attempts), c.calls.Load())
}

func TestALeaversAccountMovedByHandIsFoundAndDisabled(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	conn := w.conn(false)
	ref, err := conn.Create(ctx, engine.Attributes{"userName": "1", "displayName": "Ann Smith"})
	require.NoError(t, err)
	_, err = conn.Enable(ctx, ref)
	require.NoError(t, err)
	// the ledger knows the account by a reference it no longer has (an
	// administrator moved it)
	require.NoError(t, w.store.WriteLedger(ctx, []engine.LedgerEntry{
		{Person: "hr:1", Key: key(engine.KindAccount, ""), Reference: "CN=Ann Smith,OU=Old", Attributes: engine.Attributes{"userName": "1"}, Rules: []string{"r1"}},
		{Person: "hr:1", Key: key(engine.KindAccess, ""), Rules: []string{"r2"}},
	}))
	plan := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{ID: 1}, Actions: []engine.Action{
		{Person: "hr:1", PersonName: "Ann Smith", Key: key(engine.KindAccess, ""), Op: engine.OpDisable, Ref: "CN=Ann Smith,OU=Old", Reasons: reason("r2")},
	}}

	r := w.enforce(ctx, plan, conn, false)

	require.NoError(t, r.err)
	assert.Equal(t, engine.OutcomeDone, r.results[0].Outcome)
	assert.Equal(t, ref, r.results[0].Ref, "the account where it is")
	assert.False(t, w.account("1").Enabled, "the moved account is disabled, not left enabled")
	ledger, err := w.store.LoadLedger(ctx)
	require.NoError(t, err)
	require.Len(t, ledger.Entries, 1)
	assert.Equal(t, ref, ledger.Entries[0].Reference, "the ledger follows the account")
}
