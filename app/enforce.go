package app

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"provisio/connectors"
	"provisio/engine"
	"provisio/engine/accounts"
	"provisio/engine/aggregate"
	"provisio/engine/enforce"
	"provisio/engine/evaluate"
	"provisio/engine/rules"
)

// targetConnector makes a connector for a target that writes through one.
func (a *App) targetConnector(t *engine.TargetSystem, dryRun bool) (engine.TargetConnector, *engine.TargetKind, error) {
	kind, ok := connectors.Target(t.Kind)
	if !ok {
		return nil, nil, engine.Errorf(engine.Invalid, "%s: there is no target connector of kind %q", t.Name, t.Kind)
	}
	if err := engine.CheckSettings(kind.Settings, t.Settings); err != nil {
		return nil, nil, engine.Errorf(engine.Invalid, "%s: %v", t.Name, err)
	}
	c, err := kind.New(t.Settings, a.env(), engine.TargetOptions{DryRun: dryRun})
	if err != nil {
		return nil, nil, err
	}
	return c, &kind, nil
}

// targetSystem returns a target by key from the configuration.
func (a *App) targetSystem(ctx context.Context, key string) (*engine.TargetSystem, error) {
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	t, ok := cfg.TargetSystem(key)
	if !ok {
		return nil, engine.Errorf(engine.NotFound, "there is no target system %q", key)
	}
	return t, nil
}

// TestTarget checks that a target can be reached and used with its
// settings; the error says what is wrong.
func (a *App) TestTarget(ctx context.Context, key string) error {
	t, err := a.targetSystem(ctx, key)
	if err != nil {
		return err
	}
	if !t.Writes() {
		return engine.Errorf(engine.Invalid, "%s is changed by hand: there is nothing to connect to", t.Name)
	}
	c, _, err := a.targetConnector(t, false)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Test(ctx)
}

// DiscoverPermissions lists the permissions (groups) a target offers, for
// the administrator to pick from.
func (a *App) DiscoverPermissions(ctx context.Context, key string) ([]engine.Permission, error) {
	t, err := a.targetSystem(ctx, key)
	if err != nil {
		return nil, err
	}
	if !t.Writes() {
		return nil, engine.Errorf(engine.Invalid, "%s is changed by hand: enter its permissions yourself", t.Name)
	}
	c, _, err := a.targetConnector(t, false)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ListPermissions(ctx)
}

// ReadTargetAccounts reads the accounts a target holds, with the
// attributes correlation, unique attributes and the mapping need, and
// keeps them for evaluations. progress gets the number read so far.
func (a *App) ReadTargetAccounts(ctx context.Context, key string, progress func(n int)) (int, error) {
	t, err := a.targetSystem(ctx, key)
	if err != nil {
		return 0, err
	}
	if !t.Writes() {
		return 0, engine.Errorf(engine.Invalid, "%s is changed by hand: there are no accounts to read", t.Name)
	}
	c, kind, err := a.targetConnector(t, false)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	attrs := slices.Clone(kind.IdentityFor(t.Settings))
	for _, name := range t.MappedAttributes() {
		if !slices.Contains(attrs, name) {
			attrs = append(attrs, name)
		}
	}
	if t.Correlation != nil && !slices.Contains(attrs, t.Correlation.Attribute) {
		attrs = append(attrs, t.Correlation.Attribute)
	}
	at := a.clock.Now()
	var list []engine.Account
	err = c.ListAccounts(ctx, attrs, func(acct *engine.Account) error {
		list = append(list, *acct)
		if progress != nil && len(list)%1000 == 0 {
			progress(len(list))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := a.store.SaveTargetAccounts(context.WithoutCancel(ctx), key, at, list); err != nil {
		return 0, err
	}
	if progress != nil {
		progress(len(list))
	}
	return len(list), nil
}

// TargetAccounts returns a target's accounts as last read, and when.
func (a *App) TargetAccounts(ctx context.Context, key string) (time.Time, []engine.Account, error) {
	return a.store.LoadTargetAccounts(ctx, key)
}

// Unlinked returns the accounts a target held when it was last read that
// no person is linked to in the ledger: accounts Provisio did not make
// and did not correlate, for an administrator to review.
func (a *App) Unlinked(ctx context.Context, key string) ([]engine.Account, error) {
	_, list, err := a.store.LoadTargetAccounts(ctx, key)
	if err != nil {
		return nil, err
	}
	ledger, err := a.store.LoadLedger(ctx)
	if err != nil {
		return nil, err
	}
	linked := map[string]bool{}
	for _, le := range ledger.Entries {
		if le.Key.Target == key && le.Key.Kind == engine.KindAccount {
			linked[strings.ToLower(le.Reference)] = true
		}
	}
	var out []engine.Account
	for _, acct := range list {
		if !linked[strings.ToLower(acct.Ref)] {
			out = append(out, acct)
		}
	}
	return out, nil
}

// accountInputs compiles the account mappings of the targets Provisio
// writes to and loads what they held when last read, for an evaluation.
func (a *App) accountInputs(ctx context.Context, env *rules.Env) (map[string]*evaluate.TargetAccounts, []string, error) {
	keys := make([]string, 0, len(env.Targets))
	for _, t := range env.Targets {
		keys = append(keys, t.Key)
	}
	out := map[string]*evaluate.TargetAccounts{}
	mappers := map[string]*accounts.Mapper{}
	for i := range env.Targets {
		t := &env.Targets[i]
		if !t.Writes() || t.Disabled {
			continue
		}
		ta := &evaluate.TargetAccounts{System: t}
		if len(t.Mapping) > 0 {
			var identity []string
			if kind, ok := connectors.Target(t.Kind); ok {
				identity = kind.IdentityFor(t.Settings)
			}
			m, err := accounts.Compile(t, env, identity, keys)
			if err != nil {
				return nil, nil, err
			}
			ta.Mapper, mappers[t.Key] = m, m
		}
		if t.Correlation != nil || (ta.Mapper != nil && len(ta.Mapper.Unique()) > 0) {
			_, existing, err := a.store.LoadTargetAccounts(ctx, t.Key)
			if err != nil {
				return nil, nil, err
			}
			ta.Existing = existing
		}
		out[t.Key] = ta
	}
	order, err := accounts.Order(mappers)
	if err != nil {
		return nil, nil, err
	}
	// targets without a mapping have no order to keep: they go last
	for _, k := range slices.Sorted(maps.Keys(out)) {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	return out, order, nil
}

// EnforceOptions choose what an enforcement run does.
type EnforceOptions struct {
	// Evaluation is the plan to apply; 0 means the latest evaluation of
	// the rules in force.
	Evaluation uint64
	// DryRun checks every action with the targets and writes nothing.
	DryRun bool
	// Targets limits the run to these targets; empty means all.
	Targets []string
}

// RunDetail is a run with its plan's actions and their results.
type RunDetail struct {
	Run     engine.EnforcementRun `json:"run"`
	Results []engine.ActionResult `json:"results"`
	Actions []engine.Action       `json:"actions,omitempty"`
}

// Enforce applies an evaluation's plan to the target systems: thresholds
// are checked first (the actions over them wait for approval), then the
// rest is written, target by target, and recorded in the journal, the
// ledger and the audit log.
func (a *App) Enforce(ctx context.Context, opts EnforceOptions, progress func(enforce.Progress)) (*engine.EnforcementRun, error) {
	done, err := a.beginRunAs("an enforcement run")
	if err != nil {
		return nil, err
	}
	defer done()
	return a.enforce(ctx, opts, progress)
}

// enforce is Enforce for a caller that holds the pipeline lock.
func (a *App) enforce(ctx context.Context, opts EnforceOptions, progress func(enforce.Progress)) (*engine.EnforcementRun, error) {
	p, err := a.prepareEnforce(ctx, opts)
	if err != nil {
		return nil, err
	}
	run, err := a.store.StartRun(ctx, p.run, p.results)
	if err != nil {
		return nil, err
	}
	return a.runPlan(ctx, run, p.plan, p.results, p.ledger, nil, progress)
}

// preparedRun is an enforcement run with its thresholds checked, not yet
// started.
type preparedRun struct {
	run     *engine.EnforcementRun
	plan    *engine.Evaluation
	results []engine.ActionResult
	ledger  *engine.Ledger
	// held are the indexes of the actions a threshold holds back.
	held []int
}

// prepareEnforce picks the targets of a run's actions and checks the
// thresholds, writing nothing: what a scheduled run that enforces only
// when nothing is blocked looks at first.
func (a *App) prepareEnforce(ctx context.Context, opts EnforceOptions) (*preparedRun, error) {
	plan, err := a.planToEnforce(ctx, opts.Evaluation)
	if err != nil {
		return nil, err
	}
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	results := make([]engine.ActionResult, len(plan.Actions))
	systems := map[string]*engine.TargetSystem{}
	for i := range plan.Actions {
		results[i].Index = i
		key := plan.Actions[i].Key.Target
		t, ok := cfg.TargetSystem(key)
		switch {
		case !ok:
			results[i].Outcome, results[i].Error = engine.OutcomeSkipped, fmt.Sprintf("there is no target system %q any more", key)
		case t.Disabled:
			results[i].Outcome, results[i].Error = engine.OutcomeSkipped, fmt.Sprintf("%s is disabled", t.Name)
		case len(opts.Targets) > 0 && !slices.Contains(opts.Targets, key):
			results[i].Outcome, results[i].Error = engine.OutcomeSkipped, "not in this run's targets"
		case !t.Writes():
			results[i].Outcome, results[i].Error = engine.OutcomeManual, fmt.Sprintf("%s is changed by hand", t.Name)
		default:
			systems[key] = t
		}
	}
	ledger, err := a.store.LoadLedger(ctx)
	if err != nil {
		return nil, err
	}
	perTarget := map[string]int{}
	for _, le := range ledger.Entries {
		if le.Key.Kind == engine.KindAccount {
			perTarget[le.Key.Target]++
		}
	}
	run := &engine.EnforcementRun{Evaluation: plan.ID, StartedAt: a.clock.Now(), Status: engine.RunRunning, DryRun: opts.DryRun,
		Targets: slices.Sorted(maps.Keys(systems)), Counts: map[engine.Outcome]int{}}
	breaches, held := enforce.Thresholds(plan, results, systems, perTarget)
	run.Breaches = breaches
	for _, i := range held {
		b := breachOf(breaches, &plan.Actions[i])
		results[i].Outcome, results[i].Error = engine.OutcomeBlocked, b
	}
	return &preparedRun{run: run, plan: plan, results: results, ledger: ledger, held: held}, nil
}

func breachOf(breaches []engine.Breach, a *engine.Action) string {
	for _, b := range breaches {
		if b.Target == a.Key.Target && b.Op == a.Op {
			return "waits for approval: " + b.Message
		}
	}
	return "waits for approval with the action it needs, which a threshold held back"
}

// planToEnforce returns an evaluation's plan if it can be enforced: the
// rules in force, made from the ledger as it is now.
func (a *App) planToEnforce(ctx context.Context, id uint64) (*engine.Evaluation, error) {
	if id == 0 {
		list, err := a.store.ListEvaluations(ctx)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(list, func(e engine.EvaluationInfo) bool { return !e.IsWhatIf() })
		if i < 0 {
			return nil, engine.Errorf(engine.NotFound, "there is no evaluation of the rules in force to enforce: evaluate first")
		}
		id = list[i].ID
	}
	plan, err := a.store.FindEvaluation(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case plan.IsWhatIf():
		return nil, engine.Errorf(engine.Invalid, "evaluation %d is a what-if (draft or edited rules): only an evaluation of the rules in force can be enforced", id)
	case plan.Pruned:
		return nil, engine.Errorf(engine.Conflict, "evaluation %d is too old: its plan is no longer kept; evaluate again", id)
	}
	version, err := a.store.LedgerVersion(ctx)
	if err != nil {
		return nil, err
	}
	if plan.LedgerVersion != version {
		return nil, engine.Errorf(engine.Conflict, "evaluation %d was made before the targets or the decisions on persons (merges, exclusions) last changed: evaluate again, then enforce the new plan", id)
	}
	return plan, nil
}

// runPlan writes a run's pending actions (or only those of only) and
// records the outcome.
func (a *App) runPlan(ctx context.Context, run *engine.EnforcementRun, plan *engine.Evaluation, results []engine.ActionResult, ledger *engine.Ledger, only []int, progress func(enforce.Progress)) (*engine.EnforcementRun, error) {
	out, err := a.writePlan(ctx, run, plan, results, ledger, only, progress)
	if out == nil && err != nil {
		// it stopped before writing anything: say so, so it can be resumed
		run.Status, run.Message, run.FinishedAt = engine.RunInterrupted, err.Error(), a.clock.Now()
		run.Counts = countOutcomes(results)
		if uerr := a.store.UpdateRun(context.WithoutCancel(ctx), run); uerr != nil {
			return nil, uerr
		}
		return run, err
	}
	return out, err
}

func (a *App) writePlan(ctx context.Context, run *engine.EnforcementRun, plan *engine.Evaluation, results []engine.ActionResult, ledger *engine.Ledger, only []int, progress func(enforce.Progress)) (*engine.EnforcementRun, error) {
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	env, err := rules.NewEnv(cfg)
	if err != nil {
		return nil, err
	}
	_, order, err := a.accountInputs(ctx, env)
	if err != nil {
		return nil, err
	}
	targets := map[string]enforce.Target{}
	defer func() {
		for _, t := range targets {
			if t.Conn != nil {
				t.Conn.Close()
			}
		}
	}()
	for _, key := range run.Targets {
		t, ok := cfg.TargetSystem(key)
		if !ok || t.Disabled {
			continue
		}
		et := enforce.Target{System: t}
		if t.Writes() {
			c, kind, err := a.targetConnector(t, run.DryRun)
			if err != nil {
				return nil, err
			}
			et.Conn, et.Identity = c, kind.IdentityFor(t.Settings)
		}
		targets[key] = et
		if !slices.Contains(order, key) {
			order = append(order, key)
		}
	}
	byPerson := map[string][]engine.LedgerEntry{}
	inPlan := map[string]bool{}
	for i := range plan.Actions {
		inPlan[plan.Actions[i].Person] = true
	}
	for _, le := range ledger.Entries {
		if inPlan[le.Person] {
			byPerson[le.Person] = append(byPerson[le.Person], le)
		}
	}
	lookup := func(person string, key engine.EntitlementKey) (engine.LedgerEntry, bool) {
		for _, le := range byPerson[person] {
			if le.Key == key {
				return le, true
			}
		}
		return engine.LedgerEntry{}, false
	}
	runErr := enforce.Run(ctx, enforce.Options{
		Run: run, Plan: plan, Results: results, Only: only, Targets: targets, Order: order,
		Ledger: lookup, Journal: a.store, Now: a.clock.Now, Progress: progress,
	})
	// the figures come from the journal, which has every result
	_, stored, err := a.store.FindRun(context.WithoutCancel(ctx), run.ID)
	if err != nil {
		return nil, err
	}
	run.Counts = countOutcomes(stored)
	run.FinishedAt = a.clock.Now()
	switch {
	case runErr == nil:
		run.Status, run.Message = engine.RunDone, ""
	case engine.IsCode(runErr, engine.Canceled):
		run.Status, run.Message = engine.RunCanceled, "cancelled: what was not done yet can be run again"
	default:
		run.Status, run.Message = engine.RunInterrupted, runErr.Error()
	}
	if err := a.store.UpdateRun(context.WithoutCancel(ctx), run); err != nil {
		return nil, err
	}
	return run, runErr
}

// ResumeRun finishes a run that was cancelled or interrupted: the actions
// still pending are written. A create the interrupted run may already have
// made is found by its identity instead of made twice.
func (a *App) ResumeRun(ctx context.Context, id uint64, progress func(enforce.Progress)) (*engine.EnforcementRun, error) {
	done, err := a.beginRunAs("an enforcement run")
	if err != nil {
		return nil, err
	}
	defer done()
	run, results, plan, err := a.runWithPlan(ctx, id)
	if err != nil {
		return nil, err
	}
	if run.Status == engine.RunDone {
		return nil, engine.Errorf(engine.Conflict, "run %d is finished: nothing is pending", run.ID)
	}
	if err := a.checkNoLaterRun(ctx, run); err != nil {
		return nil, err
	}
	var pending []int
	for i, res := range results {
		if res.Outcome == engine.OutcomePending {
			pending = append(pending, i)
		}
	}
	if err := a.checkNotDecidedSince(ctx, plan, pending); err != nil {
		return nil, err
	}
	run.Resumed++
	run.Status = engine.RunRunning
	if err := a.store.UpdateRun(ctx, run); err != nil {
		return nil, err
	}
	ledger, err := a.store.LoadLedger(ctx)
	if err != nil {
		return nil, err
	}
	return a.runPlan(ctx, run, plan, results, ledger, nil, progress)
}

// DecideBlocked approves (and runs) or rejects actions a threshold held
// back; nil indexes means all of them.
func (a *App) DecideBlocked(ctx context.Context, id uint64, indexes []int, approve bool, progress func(enforce.Progress)) (*engine.EnforcementRun, error) {
	return a.rerun(ctx, id, indexes, engine.OutcomeBlocked, approve, progress)
}

// RetryFailed runs a run's failed actions again; nil indexes means all.
func (a *App) RetryFailed(ctx context.Context, id uint64, indexes []int, progress func(enforce.Progress)) (*engine.EnforcementRun, error) {
	return a.rerun(ctx, id, indexes, engine.OutcomeFailed, true, progress)
}

func (a *App) rerun(ctx context.Context, id uint64, indexes []int, from engine.Outcome, run bool, progress func(enforce.Progress)) (*engine.EnforcementRun, error) {
	done, err := a.beginRunAs("an enforcement run")
	if err != nil {
		return nil, err
	}
	defer done()
	r, results, plan, err := a.runWithPlan(ctx, id)
	if err != nil {
		return nil, err
	}
	if run { // a rejection writes nothing: it may close an old run
		if err := a.checkNoLaterRun(ctx, r); err != nil {
			return nil, err
		}
	}
	wanted := map[int]bool{}
	for _, i := range indexes {
		wanted[i] = true
	}
	var picked []int
	for i, res := range results {
		if res.Outcome == from && (indexes == nil || wanted[i]) {
			picked = append(picked, i)
		}
	}
	// what needs the chosen actions goes with them: the enables and grants
	// held back with their creates, the actions a failed create skipped,
	// the delete held back with its revoke
	chosen := enforce.WithDependents(plan, picked, func(j int) bool {
		return results[j].Outcome == from || (from == engine.OutcomeFailed && results[j].Outcome == engine.OutcomeSkipped)
	})
	if run {
		if err := a.checkNotDecidedSince(ctx, plan, chosen); err != nil {
			return nil, err
		}
	}
	var changed []engine.ActionResult
	for _, i := range chosen {
		res := results[i]
		res.Error = ""
		if run {
			res.Outcome = engine.OutcomePending
		} else {
			res.Outcome, res.Error = engine.OutcomeRejected, "rejected by the administrator"
		}
		results[i] = res
		changed = append(changed, res)
	}
	if len(chosen) == 0 {
		return nil, engine.Errorf(engine.Conflict, "run %d has no %s actions to decide", r.ID, from)
	}
	// decisions on held actions are audited: who approved deleting what
	// is as much a part of the record as the deletes
	var audit []engine.AuditEntry
	if from == engine.OutcomeBlocked && !r.DryRun {
		now := a.clock.Now()
		for _, i := range chosen {
			x := &plan.Actions[i]
			e := engine.AuditEntry{At: now, Run: r.ID, Person: x.Person, PersonName: x.PersonName, Target: x.Key.Target,
				Op: x.Op, Key: x.Key, Ref: x.Ref, Outcome: engine.OutcomeApproved, Error: "approved by the administrator"}
			if !run {
				e.Outcome, e.Error = engine.OutcomeRejected, "rejected by the administrator"
			}
			audit = append(audit, e)
		}
	}
	if err := a.store.RecordResults(ctx, r.ID, changed, nil, audit); err != nil {
		return nil, err
	}
	if !run {
		r.Counts = countOutcomes(results)
		return r, a.store.UpdateRun(ctx, r)
	}
	r.Status = engine.RunRunning
	if err := a.store.UpdateRun(ctx, r); err != nil {
		return nil, err
	}
	ledger, err := a.store.LoadLedger(ctx)
	if err != nil {
		return nil, err
	}
	return a.runPlan(ctx, r, plan, results, ledger, chosen, progress)
}

func (a *App) runWithPlan(ctx context.Context, id uint64) (*engine.EnforcementRun, []engine.ActionResult, *engine.Evaluation, error) {
	run, results, err := a.store.FindRun(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	plan, err := a.store.FindEvaluation(ctx, run.Evaluation)
	if err != nil {
		return nil, nil, nil, err
	}
	if plan.Pruned {
		return nil, nil, nil, engine.Errorf(engine.Conflict, "run %d's plan (evaluation %d) is no longer kept: evaluate and enforce again", run.ID, run.Evaluation)
	}
	return run, results, plan, nil
}

// Runs returns the enforcement runs, newest first.
func (a *App) Runs(ctx context.Context) ([]engine.EnforcementRun, error) {
	return a.store.ListRuns(ctx)
}

// Run returns a run with its plan's actions and their results; 0 means
// the latest.
func (a *App) Run(ctx context.Context, id uint64) (*RunDetail, error) {
	run, results, err := a.store.FindRun(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &RunDetail{Run: *run, Results: results}
	if plan, err := a.store.FindEvaluation(ctx, run.Evaluation); err == nil && !plan.Pruned {
		d.Actions = plan.Actions
	}
	return d, nil
}

// checkNoLaterRun refuses to write more of a run's plan once a later run
// has written to the targets: that run worked from a newer plan, and the
// older plan could undo what it did (delete an account of a person hired
// again since). A dry run, which writes nothing, is no obstacle, and is
// never stopped by one.
func (a *App) checkNoLaterRun(ctx context.Context, run *engine.EnforcementRun) error {
	if run.DryRun {
		return nil
	}
	runs, err := a.store.ListRuns(ctx)
	if err != nil {
		return err
	}
	for _, later := range runs {
		if later.ID > run.ID && !later.DryRun {
			return engine.Errorf(engine.Conflict, "run %d wrote to the targets after run %d, from a newer plan: the rest of run %d could undo what it did. Evaluate again and enforce the new plan (rejecting run %d's blocked actions closes it)", later.ID, run.ID, run.ID, run.ID)
		}
	}
	return nil
}

// countOutcomes counts a run's results by outcome.
func countOutcomes(results []engine.ActionResult) map[engine.Outcome]int {
	counts := map[engine.Outcome]int{}
	for _, r := range results {
		counts[r.Outcome]++
	}
	return counts
}

// markInterrupted marks the runs a crash left running, at open: they can be
// resumed.
func (a *App) markInterrupted(ctx context.Context) error {
	runs, err := a.store.ListRuns(ctx)
	if err != nil {
		return err
	}
	for i := range runs {
		if runs[i].Status == engine.RunRunning {
			runs[i].Status = engine.RunInterrupted
			runs[i].Message = "Provisio stopped while the run was writing: resume it to finish the actions still pending"
			// the figures from the journal: the run never counted them
			if _, results, err := a.store.FindRun(ctx, runs[i].ID); err == nil {
				runs[i].Counts = countOutcomes(results)
			}
			if err := a.store.UpdateRun(ctx, &runs[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkNotDecidedSince refuses to write actions of a plan for persons a
// decision has excluded or merged into another person since the plan was
// made: the plan no longer says what they should get.
func (a *App) checkNotDecidedSince(ctx context.Context, plan *engine.Evaluation, indexes []int) error {
	g, err := a.aggregation(ctx)
	if err != nil {
		return err
	}
	overlay := aggregate.NewOverlay(g)
	seen := map[string]bool{}
	var who []string
	for _, i := range indexes {
		x := &plan.Actions[i]
		if seen[x.Person] {
			continue
		}
		seen[x.Person] = true
		if why, ok := overlay.Decided(x.Person); ok {
			who = append(who, fmt.Sprintf("%s (%s)", x.Person, why))
		}
	}
	if len(who) == 0 {
		return nil
	}
	return engine.Errorf(engine.Conflict, "evaluation %d was made before decisions on %s: %s; reject their actions, or evaluate again and enforce the new plan",
		plan.ID, countOf(len(who), "person", "persons"), strings.Join(who[:min(len(who), 5)], ", ")+moreOf(len(who), 5))
}

// moreOf says how many of n a list cut at shown left out.
func moreOf(n, shown int) string {
	if n <= shown {
		return ""
	}
	return fmt.Sprintf(" and %d more", n-shown)
}
