// Package enforce applies an evaluation's plan to the target systems:
// account first, then access, then permissions for each person; revokes
// before disabling, disabling before deleting; targets in the order their
// mappings depend on each other. Every action's result, the ledger changes
// it makes and its audit entry are recorded together, in batches, after
// the target answered; the run's actions were recorded as pending before
// anything was sent, so a run that stops half way (a crash, a cancel) is
// finished by running it again, without doing anything twice.
package enforce

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"provisio/engine"
)

// Target is one target system a run writes to.
type Target struct {
	System *engine.TargetSystem
	// Conn writes to it; nil for a target changed by hand (nothing is
	// written, the actions are marked manual).
	Conn engine.TargetConnector
	// Identity names the attributes that identify an account in it.
	Identity []string
}

// Journal keeps a run's results durably.
type Journal interface {
	// RecordResults stores results, the ledger changes they make and their audit
	// entries in one transaction; it numbers and chains the entries.
	RecordResults(ctx context.Context, run uint64, results []engine.ActionResult, ledger []engine.LedgerChange, audit []engine.AuditEntry) error
}

// Retry says how transient errors are retried: Attempts tries in all,
// waiting Base, then twice as long each time, at most Max.
type Retry struct {
	Attempts  int
	Base, Max time.Duration
}

// DefaultRetry tries four times over about 7 seconds.
var DefaultRetry = Retry{Attempts: 4, Base: time.Second, Max: 8 * time.Second}

// Progress reports how far a run is.
type Progress struct {
	Done, Total int
	Target      string // the target being written
	Failed      int
}

// Options are a run's inputs.
type Options struct {
	Run  *engine.EnforcementRun
	Plan *engine.Evaluation
	// Results holds one result per plan action, at its index, as the
	// journal has them: only pending ones are run.
	Results []engine.ActionResult
	// Only, when set, limits the run to these action indexes (approved
	// or retried actions).
	Only    []int
	Targets map[string]Target
	// Order lists the targets to write, in the order their mappings need.
	Order []string
	// Ledger returns a person's ledger entry for an entitlement.
	Ledger  func(person string, key engine.EntitlementKey) (engine.LedgerEntry, bool)
	Journal Journal
	Now     func() time.Time
	Retry   Retry
	// Progress is called after each action, from any goroutine.
	Progress func(Progress)
	// Sleep waits between retries; tests make it instant.
	Sleep func(ctx context.Context, d time.Duration) error
	// BatchSize and BatchDelay bound how many results wait before they
	// are recorded; zero means 256 and 100 ms.
	BatchSize  int
	BatchDelay time.Duration
}

// Run applies the pending actions of the plan and records every result.
// It returns a Canceled error when ctx ends first; what was not done stays
// pending for the next run.
func Run(ctx context.Context, o Options) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Retry.Attempts <= 0 {
		o.Retry = DefaultRetry
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if len(o.Results) != len(o.Plan.Actions) {
		return engine.Errorf(engine.Internal, "run %d has %d results for %d actions", o.Run.ID, len(o.Results), len(o.Plan.Actions))
	}
	chains := chainsOf(o)
	total := 0
	for _, cs := range chains {
		for _, c := range cs {
			total += len(c.actions)
		}
	}
	rec := newRecorder(ctx, o)
	defer rec.stop()
	var down error // why a target's part of the run stopped
	var done, failed int
	var mu sync.Mutex
	report := func(target string, outcome engine.Outcome) {
		mu.Lock()
		done++
		if outcome == engine.OutcomeFailed {
			failed++
		}
		p := Progress{Done: done, Total: total, Target: target, Failed: failed}
		mu.Unlock()
		if o.Progress != nil {
			o.Progress(p)
		}
	}
	for _, key := range o.Order {
		cs := chains[key]
		if len(cs) == 0 {
			continue
		}
		t := o.Targets[key]
		workers := t.System.Concurrency
		if workers <= 0 {
			workers = 4
		}
		tctx, stop := context.WithCancelCause(ctx)
		r := &runner{o: &o, t: &t, rec: rec, report: report, stop: stop}
		for _, ph := range phases {
			if ph == phaseGrant || ph == phaseRevoke {
				if bg, ok := t.Conn.(engine.BatchGranter); ok {
					r.batch(tctx, cs, ph, bg)
					if tctx.Err() != nil || rec.err() != nil {
						break
					}
					continue
				}
			}
			r.parallel(tctx, cs, workers, func(c *chain) { r.chain(tctx, c, ph) })
			if tctx.Err() != nil || rec.err() != nil {
				break
			}
		}
		stop(nil)
		if ctx.Err() != nil || rec.err() != nil {
			break
		}
		if cause := context.Cause(tctx); cause != nil && !errors.Is(cause, context.Canceled) && down == nil {
			down = cause // the next target is tried all the same
		}
	}
	if err := rec.stop(); err != nil {
		return err
	}
	if err := engine.CheckCanceled(ctx); err != nil {
		return err
	}
	return down
}

// unreachableAfter is how many actions in a row may fail for a transient
// reason, each after its retries, before enforcement stops writing to the
// target: it is down, and trying the rest would take hours and fail them
// all.
const unreachableAfter = 8

// transientFailure counts an action that failed for a transient reason;
// after unreachableAfter in a row it stops the target's part of the run,
// leaving its other actions pending.
func (r *runner) transientFailure(err error) {
	if n := r.unreachable.Add(1); n == unreachableAfter {
		r.stop(engine.Errorf(engine.Unavailable, "%s: %d actions in a row failed for want of an answer (the last: %v); its other actions were not tried and stay pending: resume the run once it answers, and retry the failed ones", r.t.System.Name, n, err))
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// chain is one person's actions in one target, in the order they are
// applied, and what applying them has learnt so far.
type chain struct {
	target  string
	person  string
	actions []int

	started  bool
	acct     engine.LedgerEntry // the account's ledger entry, as it is now
	hasAcct  bool
	ref      string
	blocked  string // why later actions cannot run: the account could not be made
	noDelete string // why the account is not deleted: something before it failed
	dryNew   bool   // a dry run "made" the account: it is not there to check against
}

// phase is a part of a run: every person's account first, then the
// permissions granted (in batches where the target can), then those
// revoked, then accounts disabled, retired and deleted.
type phase int

const (
	phaseAccount phase = iota
	phaseGrant
	phaseRevoke
	phaseLeave
)

var phases = []phase{phaseAccount, phaseGrant, phaseRevoke, phaseLeave}

func phaseOf(op engine.ActionOp) phase {
	switch op {
	case engine.OpGrant:
		return phaseGrant
	case engine.OpRevoke:
		return phaseRevoke
	case engine.OpDisable, engine.OpRetire, engine.OpDelete:
		return phaseLeave
	}
	return phaseAccount
}

// chainsOf groups the actions to run by target and person, each chain in
// operation order.
func chainsOf(o Options) map[string][]*chain {
	only := map[int]bool{}
	for _, i := range o.Only {
		only[i] = true
	}
	byKey := map[[2]string]*chain{}
	out := map[string][]*chain{}
	for i := range o.Plan.Actions {
		a := &o.Plan.Actions[i]
		if _, ok := o.Targets[a.Key.Target]; !ok {
			continue
		}
		if o.Results[i].Outcome != engine.OutcomePending || (len(only) > 0 && !only[i]) {
			continue
		}
		k := [2]string{a.Key.Target, a.Person}
		c := byKey[k]
		if c == nil {
			c = &chain{target: a.Key.Target, person: a.Person}
			byKey[k] = c
			out[a.Key.Target] = append(out[a.Key.Target], c)
		}
		c.actions = append(c.actions, i)
	}
	for _, cs := range out {
		for _, c := range cs {
			slices.SortStableFunc(c.actions, func(x, y int) int {
				return cmp.Compare(o.Plan.Actions[x].Op.Order(), o.Plan.Actions[y].Op.Order())
			})
		}
	}
	return out
}

// runner applies one chain.
type runner struct {
	o      *Options
	t      *Target
	rec    *recorder
	report func(target string, outcome engine.Outcome)
	// stop ends the target's part of the run; unreachable counts the
	// actions in a row that failed for a transient reason
	stop        context.CancelCauseFunc
	unreachable atomic.Int32
}

// parallel calls fn for every chain on workers goroutines, until ctx ends
// or the journal fails.
func (r *runner) parallel(ctx context.Context, cs []*chain, workers int, fn func(*chain)) {
	work := make(chan *chain)
	var wg sync.WaitGroup
	for range min(workers, len(cs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				fn(c)
			}
		}()
	}
feed:
	for _, c := range cs {
		select {
		case work <- c:
		case <-ctx.Done():
			break feed
		case <-r.rec.failed:
			break feed
		}
	}
	close(work)
	wg.Wait()
}

// start reads the person's account from the ledger, once.
func (r *runner) start(c *chain) {
	if c.started {
		return
	}
	c.started = true
	c.acct, c.hasAcct = r.o.Ledger(c.person, engine.EntitlementKey{Target: c.target, Kind: engine.KindAccount})
	c.ref = c.acct.Reference
}

// chain applies a person's actions of one phase in one target. An account
// that could not be made stops the actions that need it; a revoke or
// disable that failed stops the delete after it.
func (r *runner) chain(ctx context.Context, c *chain, ph phase) {
	r.start(c)
	skip := -1 // an enable already done with the create before it
	for k, i := range c.actions {
		a := &r.o.Plan.Actions[i]
		if phaseOf(a.Op) != ph || k == skip {
			continue
		}
		if ctx.Err() != nil || r.rec.err() != nil {
			return
		}
		res := engine.ActionResult{Index: i, Outcome: engine.OutcomePending}
		if r.settle(c, a, &res) {
			continue
		}
		if ec, ok := r.t.Conn.(engine.EnabledCreator); ok && a.Op == engine.OpCreate && !r.o.Run.DryRun &&
			k+1 < len(c.actions) && r.o.Plan.Actions[c.actions[k+1]].Op == engine.OpEnable {
			ok, enabled := r.createEnabled(ctx, c, ec, res, c.actions[k+1])
			if !ok {
				return
			}
			if enabled {
				skip = k + 1
			}
			continue
		}
		if a.Op == engine.OpDisable || a.Op == engine.OpDelete {
			r.relocate(ctx, c)
		}
		newRef, note, err := r.apply(ctx, a, c.ref, &res)
		if !r.done(ctx, c, a, res, newRef, note, err) {
			return
		}
	}
}

// relocate looks a leaver's account up by the identity the ledger has for
// it before it is disabled or deleted, and follows it when it is no longer
// where the ledger says: moved by hand to another container, or by a
// disable whose answer a crash lost. Disable and Delete take an account
// they do not find as gone; without this, a moved account would stay
// enabled while the ledger and the audit log said it was disabled. When
// the lookup fails or finds no one account, the reference stays as it is.
func (r *runner) relocate(ctx context.Context, c *chain) {
	if c.ref == "" || !c.hasAcct {
		return
	}
	for _, id := range r.t.Identity {
		v := c.acct.Attributes[id]
		if v == "" {
			continue
		}
		found, err := r.t.Conn.FindAccounts(ctx, id, v, []string{id})
		if err == nil && len(found) == 1 && found[0].Ref != "" && !strings.EqualFold(found[0].Ref, c.ref) {
			c.ref = found[0].Ref
		}
		return
	}
}

// createEnabled makes the account of the create in res enabled, in one
// call, when the action after it (index next) enables it: both are
// recorded as the two calls would have been, the enable-stage attributes
// written with the create's. It reports false when the run was cancelled
// during the call, and whether the enable is done; when it is not (the
// account was made but not enabled, or found after an interrupted run), it
// is left to run on its own.
func (r *runner) createEnabled(ctx context.Context, c *chain, ec engine.EnabledCreator, res engine.ActionResult, next int) (ok, enabled bool) {
	a, en := &r.o.Plan.Actions[res.Index], &r.o.Plan.Actions[next]
	attrs := engine.Attributes{}
	maps.Copy(attrs, newValues(a.Changes))
	maps.Copy(attrs, newValues(en.Changes))
	var made string
	var enableErr error
	err := r.retry(ctx, &res, func() error {
		ref, err := ec.CreateEnabled(ctx, attrs)
		if err != nil && ref != "" {
			// made, not enabled: the enable tries again on its own
			made, enableErr = ref, err
			return nil
		}
		made = ref
		return err
	})
	if err != nil && engine.IsCode(err, engine.Conflict) {
		if found, note, ok := r.findOwn(ctx, attrs, res.Tries); ok {
			return r.done(ctx, c, a, res, found, note, nil), false
		}
	}
	if !r.done(ctx, c, a, res, made, "", err) {
		return false, false
	}
	if err != nil || enableErr != nil {
		return true, false
	}
	return r.done(ctx, c, en, engine.ActionResult{Index: next, Outcome: engine.OutcomePending, Tries: 1}, "", "", nil), true
}

// settle finishes an action that needs no call to the target: a manual
// target, an account that could not be made, a dry run's new account. It
// reports whether it did.
func (r *runner) settle(c *chain, a *engine.Action, res *engine.ActionResult) bool {
	if a.Ref != "" && c.ref == "" {
		c.ref = a.Ref
	}
	switch {
	case r.t.Conn == nil:
		res.Outcome, res.Error = engine.OutcomeManual, "the target is changed by hand"
	case c.blocked != "":
		res.Outcome, res.Error = engine.OutcomeSkipped, c.blocked
	case c.noDelete != "" && a.Op == engine.OpDelete:
		res.Outcome, res.Error = engine.OutcomeSkipped, c.noDelete
	case c.ref == "" && a.Op != engine.OpCreate && a.Op != engine.OpCorrelate && a.Key.Kind != engine.KindCustom:
		res.Outcome, res.Error = engine.OutcomeSkipped, "the person has no account in the target to do it on"
	case c.dryNew:
		res.Outcome, res.At = engine.OutcomeDone, r.o.Now()
		res.Error = "not checked: the account is made by the create before it"
	default:
		return false
	}
	r.finish(a, *res, nil)
	return true
}

// done records what the target answered. It reports false when the run
// was cancelled during the call: the action stays pending.
func (r *runner) done(ctx context.Context, c *chain, a *engine.Action, res engine.ActionResult, newRef, note string, err error) bool {
	if err != nil && ctx.Err() != nil && (engine.IsTransient(err) || engine.IsCode(err, engine.Canceled)) {
		return false // cancelled mid-call: it stays pending for the next run
	}
	res.At = r.o.Now()
	if err != nil && engine.IsTransient(err) {
		r.transientFailure(err)
	} else {
		r.unreachable.Store(0)
	}
	if err != nil {
		res.Outcome, res.Error = engine.OutcomeFailed, err.Error()
		switch a.Op {
		case engine.OpCreate, engine.OpCorrelate:
			c.blocked = fmt.Sprintf("the account could not be made: %v", err)
		case engine.OpRevoke, engine.OpDisable:
			c.noDelete = fmt.Sprintf("not deleted: %s %s failed first", a.Op, a.Key)
		}
		r.finish(a, res, nil)
		return true
	}
	if newRef != "" {
		c.ref = newRef
	}
	c.dryNew = c.dryNew || (r.o.Run.DryRun && a.Op == engine.OpCreate)
	res.Outcome, res.Ref, res.Error = engine.OutcomeDone, c.ref, note
	var changes []engine.LedgerChange
	if !r.o.Run.DryRun {
		changes, c.acct, c.hasAcct = r.ledgerChanges(a, c.ref, c.acct, c.hasAcct)
	}
	r.finish(a, res, changes)
	return true
}

// batchSize is how many accounts one batch call grants a permission to.
const batchSize = 500

// batch grants (or revokes) each permission to many accounts per call.
func (r *runner) batch(ctx context.Context, cs []*chain, ph phase, bg engine.BatchGranter) {
	type item struct {
		c *chain
		i int
	}
	byPerm := map[string][]item{}
	var perms []string
	for _, c := range cs {
		r.start(c)
		for _, i := range c.actions {
			a := &r.o.Plan.Actions[i]
			if phaseOf(a.Op) != ph {
				continue
			}
			res := engine.ActionResult{Index: i, Outcome: engine.OutcomePending}
			if a.Key.Kind == engine.KindCustom {
				if !r.settle(c, a, &res) {
					newRef, note, err := r.apply(ctx, a, c.ref, &res)
					r.done(ctx, c, a, res, newRef, note, err)
				}
				continue
			}
			if r.settle(c, a, &res) {
				continue
			}
			if _, ok := byPerm[a.Key.Name]; !ok {
				perms = append(perms, a.Key.Name)
			}
			byPerm[a.Key.Name] = append(byPerm[a.Key.Name], item{c, i})
		}
	}
	for _, perm := range perms {
		items := byPerm[perm]
		for lo := 0; lo < len(items); lo += batchSize {
			if ctx.Err() != nil || r.rec.err() != nil {
				return
			}
			part := items[lo:min(lo+batchSize, len(items))]
			refs := make([]string, len(part))
			for k, it := range part {
				refs[k] = it.c.ref
			}
			var res engine.ActionResult
			var errs []error
			err := r.retry(ctx, &res, func() error {
				var err error
				if ph == phaseGrant {
					errs, err = bg.GrantAll(ctx, perm, refs)
				} else {
					errs, err = bg.RevokeAll(ctx, perm, refs)
				}
				return err
			})
			for k, it := range part {
				a := &r.o.Plan.Actions[it.i]
				one := engine.ActionResult{Index: it.i, Tries: res.Tries}
				e := err
				if e == nil && k < len(errs) {
					e = errs[k]
				}
				if !r.done(ctx, it.c, a, one, "", "", e) {
					return
				}
			}
		}
	}
}

// finish records an action's result with its ledger changes and its audit
// entry (for actions sent to the target).
func (r *runner) finish(a *engine.Action, res engine.ActionResult, changes []engine.LedgerChange) {
	var audit *engine.AuditEntry
	// the audit log records what was written (or tried): a dry run wrote
	// nothing
	if !r.o.Run.DryRun && (res.Outcome == engine.OutcomeDone || res.Outcome == engine.OutcomeFailed) {
		audit = &engine.AuditEntry{
			At: res.At, Run: r.o.Run.ID, Person: a.Person, PersonName: a.PersonName, Target: a.Key.Target,
			Op: a.Op, Key: a.Key, Ref: res.Ref, Changes: changed(a.Changes), Outcome: res.Outcome, Error: res.Error,
		}
		if audit.Ref == "" {
			audit.Ref = a.Ref
		}
	}
	r.rec.add(res, changes, audit)
	r.report(a.Key.Target, res.Outcome)
}

// apply sends one action to the target, retrying transient errors. It
// returns the account's new reference, when it changed, and a note.
func (r *runner) apply(ctx context.Context, a *engine.Action, ref string, res *engine.ActionResult) (string, string, error) {
	var newRef, note string
	err := r.retry(ctx, res, func() error {
		var err error
		newRef, note, err = r.send(ctx, a, ref, res.Tries)
		return err
	})
	return newRef, note, err
}

func (r *runner) retry(ctx context.Context, res *engine.ActionResult, call func() error) error {
	wait := r.o.Retry.Base
	for {
		res.Tries++
		err := call()
		if err == nil || !engine.IsTransient(err) || res.Tries >= r.o.Retry.Attempts || ctx.Err() != nil {
			if err != nil && engine.IsTransient(err) && res.Tries > 1 {
				err = fmt.Errorf("%w (after %d tries)", err, res.Tries)
			}
			return err
		}
		if err := r.o.Sleep(ctx, wait); err != nil {
			return engine.Errorf(engine.Unavailable, "cancelled while waiting to try again")
		}
		wait = min(wait*2, r.o.Retry.Max)
	}
}

// send does one action's connector calls.
func (r *runner) send(ctx context.Context, a *engine.Action, ref string, tries int) (newRef, note string, err error) {
	conn := r.t.Conn
	attrs := newValues(a.Changes)
	// stage attributes go first, while the account is as it was
	update := func() error {
		if len(attrs) == 0 {
			return nil
		}
		nr, err := conn.Update(ctx, ref, attrs)
		if err == nil && nr != "" {
			ref, newRef = nr, nr
		}
		return err
	}
	switch a.Key.Kind {
	case engine.KindCustom:
		return "", "", nil // recorded in the ledger only
	}
	switch a.Op {
	case engine.OpCreate:
		created, err := conn.Create(ctx, attrs)
		if err != nil && engine.IsCode(err, engine.Conflict) {
			if found, note, ok := r.findOwn(ctx, attrs, tries); ok {
				return found, note, nil
			}
		}
		return created, "", err
	case engine.OpCorrelate, engine.OpUpdate:
		return newRef, "", update()
	case engine.OpEnable:
		if err := update(); err != nil {
			return "", "", err
		}
		nr, err := conn.Enable(ctx, ref)
		return cmp.Or(nr, newRef), "", err
	case engine.OpDisable:
		if err := update(); err != nil {
			return "", "", err
		}
		nr, err := conn.Disable(ctx, ref)
		return cmp.Or(nr, newRef), "", err
	case engine.OpDelete:
		if err := update(); err != nil && !engine.IsCode(err, engine.NotFound) {
			return "", "", err
		}
		return "", "", conn.Delete(ctx, ref)
	case engine.OpGrant:
		return "", "", conn.Grant(ctx, ref, a.Key.Name)
	case engine.OpRevoke:
		return "", "", conn.Revoke(ctx, ref, a.Key.Name)
	case engine.OpRetire, engine.OpReinstate:
		return "", "", nil // the ledger says it; access is revoked or granted by its own action
	}
	return "", "", engine.Errorf(engine.Internal, "unknown operation %q", a.Op)
}

// findOwn finds the account a create whose identity is taken may itself
// have made: in a resumed run (the interrupted run may have made it
// before its answer was recorded) or after an earlier try of this call
// (tries > 1: the answer to it may have been lost). It looks the account
// up by its identity, and takes it only when it is the one account with
// that identity and has every attribute the create writes, with the same
// values: an account someone else made under the same name is never
// taken over; the create fails with the Conflict instead. It returns the
// account's reference and a note for the result.
func (r *runner) findOwn(ctx context.Context, attrs engine.Attributes, tries int) (string, string, bool) {
	note := "found: made before the run was interrupted"
	switch {
	case tries > 1:
		note = "found: made by an earlier try whose answer was lost"
	case r.o.Run.Resumed == 0:
		return "", "", false
	}
	names := attrs.Names()
	for _, id := range r.t.Identity {
		v := attrs[id]
		if v == "" {
			continue
		}
		found, err := r.t.Conn.FindAccounts(ctx, id, v, names)
		if err != nil || len(found) != 1 || !sameAttributes(found[0].Attributes, attrs) {
			return "", "", false
		}
		return found[0].Ref, note, true
	}
	return "", "", false
}

// sameAttributes reports whether an account has every attribute a create
// wrote, with the same values (without regard to case, as directories
// compare names, and to the order of several values). The object
// classes, which a target adds to, are left out.
func sameAttributes(has, wrote engine.Attributes) bool {
	lines := func(v string) []string {
		var out []string
		for _, l := range strings.Split(strings.ToLower(v), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		slices.Sort(out)
		return out
	}
	for name, v := range wrote {
		if strings.EqualFold(name, "objectClass") || v == "" {
			continue
		}
		got, ok := has[name]
		if !ok {
			for n, x := range has { // the target may spell the name otherwise
				if strings.EqualFold(n, name) {
					got, ok = x, true
					break
				}
			}
		}
		if !ok || !slices.Equal(lines(got), lines(v)) {
			return false
		}
	}
	return true
}

// newValues returns what an action writes: the attributes that change (a
// correlation also lists those that stay, for the ledger).
func newValues(changes []engine.AttributeChange) engine.Attributes {
	var out engine.Attributes
	for _, c := range changes {
		if c.Old == c.New {
			continue
		}
		if out == nil {
			out = make(engine.Attributes, len(changes))
		}
		out[c.Attribute] = c.New
	}
	return out
}

// changed leaves out the attributes that stay as they are.
func changed(changes []engine.AttributeChange) []engine.AttributeChange {
	var out []engine.AttributeChange
	for _, c := range changes {
		if c.Old != c.New {
			out = append(out, c)
		}
	}
	return out
}

// ledgerChanges returns what a done action changes in the ledger, and the
// account's entry afterwards.
func (r *runner) ledgerChanges(a *engine.Action, ref string, acct engine.LedgerEntry, hasAcct bool) ([]engine.LedgerChange, engine.LedgerEntry, bool) {
	now := r.o.Now()
	rules := ruleIDs(a.Reasons)
	var out []engine.LedgerChange
	setAcct := func() {
		acct.Reference = ref
		out = append(out, engine.LedgerChange{Entry: acct})
	}
	merge := func() {
		if len(a.Changes) == 0 {
			return
		}
		attrs := acct.Attributes.Clone()
		if attrs == nil {
			attrs = engine.Attributes{}
		}
		for _, c := range a.Changes {
			if c.New == "" {
				delete(attrs, c.Attribute)
			} else {
				attrs[c.Attribute] = c.New
			}
		}
		acct.Attributes = attrs
	}
	switch a.Op {
	case engine.OpCreate, engine.OpCorrelate:
		acct = engine.LedgerEntry{Person: a.Person, Key: a.Key, Rules: rules, GrantedAt: now}
		hasAcct = true
		merge()
		setAcct()
	case engine.OpReinstate:
		acct.RetiredOn = 0
		if len(rules) > 0 {
			acct.Rules = rules
		}
		setAcct()
	case engine.OpRetire:
		acct.RetiredOn = engine.DateOf(now)
		setAcct()
	case engine.OpUpdate:
		merge()
		setAcct()
	case engine.OpDelete:
		out = append(out, engine.LedgerChange{Entry: engine.LedgerEntry{Person: a.Person, Key: a.Key}, Delete: true})
		acct, hasAcct = engine.LedgerEntry{}, false
	case engine.OpEnable, engine.OpGrant:
		out = append(out, engine.LedgerChange{Entry: engine.LedgerEntry{Person: a.Person, Key: a.Key, Rules: rules, GrantedAt: now}})
		if a.Op == engine.OpEnable && hasAcct && (ref != acct.Reference || len(a.Changes) > 0) {
			merge()
			setAcct()
		}
	case engine.OpDisable, engine.OpRevoke:
		out = append(out, engine.LedgerChange{Entry: engine.LedgerEntry{Person: a.Person, Key: a.Key}, Delete: true})
		if a.Op == engine.OpDisable && hasAcct && (ref != acct.Reference || len(a.Changes) > 0) {
			merge()
			setAcct()
		}
	}
	return out, acct, hasAcct
}

func ruleIDs(reasons []engine.Reason) []string {
	var out []string
	for _, r := range reasons {
		if r.Rule != "" && !slices.Contains(out, r.Rule) {
			out = append(out, r.Rule)
		}
	}
	return out
}

// recorder records results in the journal on its own goroutine, in
// batches: a batch is written once BatchSize results wait, or BatchDelay
// after the last one, and takes every result that came in while the batch
// before it was being written (a group commit). A slow disk thus makes
// the batches larger, not the run slower: the workers go on while a batch
// is written, and wait only when maxPending batches' worth of results
// wait.
type recorder struct {
	o    *Options
	size int
	// kick wakes the writer when a batch is full or the run ends.
	kick   chan struct{}
	done   chan struct{}
	failed chan struct{}
	once   sync.Once

	mu      sync.Mutex
	space   sync.Cond // signalled when the writer takes the pending results
	pending []record
	closed  bool
	failure error
}

// maxPending is how many batches' worth of results may wait for the
// journal before the workers wait for it.
const maxPending = 64

type record struct {
	res     engine.ActionResult
	changes []engine.LedgerChange
	audit   *engine.AuditEntry
}

func newRecorder(ctx context.Context, o Options) *recorder {
	r := &recorder{o: &o, size: o.BatchSize, kick: make(chan struct{}, 1), done: make(chan struct{}), failed: make(chan struct{})}
	r.space.L = &r.mu
	delay := o.BatchDelay
	if r.size <= 0 {
		r.size = 256
	}
	if delay <= 0 {
		delay = 100 * time.Millisecond
	}
	// the journal is written even after ctx ends: what was done must be
	// recorded
	go r.write(context.WithoutCancel(ctx), delay)
	return r
}

// write writes the pending results, a batch at a time, until the recorder
// is stopped.
func (r *recorder) write(ctx context.Context, delay time.Duration) {
	defer close(r.done)
	tick := time.NewTicker(delay)
	defer tick.Stop()
	for {
		r.mu.Lock()
		wait := len(r.pending) < r.size && !r.closed
		r.mu.Unlock()
		if wait {
			select {
			case <-r.kick:
			case <-tick.C:
			}
		}
		r.mu.Lock()
		batch, closed := r.pending, r.closed
		r.pending = nil
		r.space.Broadcast()
		r.mu.Unlock()
		r.flush(ctx, batch)
		if closed {
			return
		}
	}
}

func (r *recorder) flush(ctx context.Context, batch []record) {
	if len(batch) == 0 || r.err() != nil {
		return
	}
	results := make([]engine.ActionResult, 0, len(batch))
	var changes []engine.LedgerChange
	audit := make([]engine.AuditEntry, 0, len(batch))
	for _, b := range batch {
		results = append(results, b.res)
		changes = append(changes, b.changes...)
		if b.audit != nil {
			audit = append(audit, *b.audit)
		}
	}
	if err := r.o.Journal.RecordResults(ctx, r.o.Run.ID, results, changes, audit); err != nil {
		r.fail(err)
	}
}

// add queues a result for the journal. It must not be called after stop.
func (r *recorder) add(res engine.ActionResult, changes []engine.LedgerChange, audit *engine.AuditEntry) {
	r.mu.Lock()
	for len(r.pending) >= maxPending*r.size && r.failure == nil {
		r.space.Wait()
	}
	r.pending = append(r.pending, record{res: res, changes: changes, audit: audit})
	full := len(r.pending) >= r.size
	r.mu.Unlock()
	if full {
		r.wake()
	}
}

func (r *recorder) wake() {
	select {
	case r.kick <- struct{}{}:
	default: // the writer is woken already
	}
}

func (r *recorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failure == nil {
		r.failure = engine.Wrap(engine.Internal, err, "record the run's results")
		close(r.failed)
		r.space.Broadcast()
	}
}

func (r *recorder) err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failure
}

// stop records what is left and returns the first journal error.
func (r *recorder) stop() error {
	r.once.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		r.wake()
		<-r.done
	})
	return r.err()
}

// Thresholds checks the pending actions of a plan against the targets'
// thresholds and returns the breaches and the indexes of the actions they
// hold back. accounts counts each target's accounts, for percentages.
func Thresholds(plan *engine.Evaluation, results []engine.ActionResult, targets map[string]*engine.TargetSystem, accounts map[string]int) ([]engine.Breach, []int) {
	type group struct {
		target string
		op     engine.ActionOp
	}
	counts := map[group][]int{}
	for i := range plan.Actions {
		a := &plan.Actions[i]
		if results[i].Outcome != engine.OutcomePending || targets[a.Key.Target] == nil {
			continue
		}
		g := group{a.Key.Target, a.Op}
		counts[g] = append(counts[g], i)
	}
	var breaches []engine.Breach
	var held []int
	for _, key := range slices.Sorted(maps.Keys(targets)) {
		t := targets[key]
		for _, th := range t.Thresholds {
			idx := counts[group{key, th.Op}]
			if msg, over := th.Check(len(idx), accounts[key]); over {
				breaches = append(breaches, engine.Breach{Target: key, Op: th.Op, Actions: len(idx), Message: fmt.Sprintf("%s: %s", t.Name, msg)})
				held = append(held, idx...)
			}
		}
	}
	slices.Sort(held)
	held = slices.Compact(held)
	// what needs a held action waits with it: approving the creates
	// later then writes the enables and grants too
	return breaches, WithDependents(plan, held, func(j int) bool { return results[j].Outcome == engine.OutcomePending })
}

// WithDependents returns the actions of idx (sorted) and, for each, the
// actions of the same person and target that cannot happen without it and
// for which ok holds: after an action that makes the account (create,
// correlate, reinstate), every later action on it; after a revoke or a
// disable, the delete, which must not come first. A threshold holds them
// back together, an approval or a rejection decides them together, and a
// retry of a failed create runs the actions it skipped.
func WithDependents(plan *engine.Evaluation, idx []int, ok func(j int) bool) []int {
	if len(idx) == 0 {
		return idx
	}
	type chainKey struct{ target, person string }
	chains := map[chainKey][]int{}
	for _, i := range idx {
		a := &plan.Actions[i]
		chains[chainKey{a.Key.Target, a.Person}] = nil
	}
	for j := range plan.Actions {
		a := &plan.Actions[j]
		k := chainKey{a.Key.Target, a.Person}
		if list, found := chains[k]; found {
			chains[k] = append(list, j)
		}
	}
	out := slices.Clone(idx)
	for _, i := range idx {
		a := &plan.Actions[i]
		for _, j := range chains[chainKey{a.Key.Target, a.Person}] {
			if j != i && dependsOn(plan.Actions[j].Op, a.Op) && ok(j) {
				out = append(out, j)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// dependsOn reports whether an action of operation op on an account cannot
// happen without one of operation first.
func dependsOn(op, first engine.ActionOp) bool {
	switch first {
	case engine.OpCreate, engine.OpCorrelate, engine.OpReinstate:
		return op.Order() > first.Order()
	case engine.OpRevoke, engine.OpDisable:
		return op == engine.OpDelete
	}
	return false
}
