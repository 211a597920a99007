package app

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"provisio/engine"
	"provisio/engine/aggregate"
	"provisio/engine/evaluate"
	"provisio/engine/rules"
)

// people is the persons and departments of a snapshot, decoded once for
// evaluations, live counts and explanations.
type people struct {
	snapshot uint64
	// persons are as the aggregation decisions agg make them, from raw,
	// the snapshot's
	persons     []*engine.Person
	raw         []*engine.Person
	agg         *engine.Aggregation
	departments []engine.Department
}

// loadPeople returns the latest snapshot's persons, decoding them once per
// snapshot (300,000 persons take about a second and 400 MB).
func (a *App) loadPeople(ctx context.Context) (*people, error) {
	a.peopleMu.Lock()
	defer a.peopleMu.Unlock()
	snap, err := a.store.FindSnapshot(ctx, 0)
	if engine.IsCode(err, engine.NotFound) {
		return &people{}, nil
	}
	if err != nil {
		return nil, err
	}
	g, err := a.aggregation(ctx)
	if err != nil {
		return nil, err
	}
	if p := a.people; p != nil && p.snapshot == snap.Number {
		if p.agg != g { // a decision changed: the snapshot's persons are decoded already
			p = &people{snapshot: p.snapshot, raw: p.raw, agg: g, departments: p.departments}
			p.persons = aggregate.Apply(p.raw, g)
			a.people = p
		}
		return p, nil
	}
	idx, err := a.store.SnapshotIndex(ctx, snap.Number)
	if err != nil {
		return nil, err
	}
	p := &people{snapshot: snap.Number, raw: make([]*engine.Person, len(idx.Entries)), agg: g}
	refs := make([]engine.RecordRef, len(idx.Entries))
	for i, e := range idx.Entries {
		refs[i] = e.Ref
	}
	if err := a.store.ReadPersons(ctx, refs, func(i int, x *engine.Person) error { p.raw[i] = x; return nil }); err != nil {
		return nil, err
	}
	p.persons = aggregate.Apply(p.raw, g)
	if p.departments, err = a.store.ReadDepartments(ctx, snap.Number); err != nil {
		return nil, err
	}
	a.people = p
	return p, nil
}

// population prepares the latest snapshot for evaluation on asOf (zero:
// today).
func (a *App) population(ctx context.Context, env *rules.Env, asOf engine.Date) (*rules.Population, uint64, error) {
	p, err := a.loadPeople(ctx)
	if err != nil {
		return nil, 0, err
	}
	if asOf.IsZero() {
		asOf = a.Today()
	}
	return rules.NewPopulation(env, p.persons, p.departments, asOf), p.snapshot, nil
}

// evaluateMemoryLimit is the heap size at which the garbage collector
// works harder during an evaluation, which holds the decoded persons, the
// ledger and a plan of up to millions of actions (see importMemoryLimit).
//
// It leaves the collector room above what an evaluation keeps: with
// 300,000 persons and a ledger of a million accounts that was 1.4 GB, and
// at a limit of 1600 MiB the collector ran without pause, capped at half
// the processors, while the heap passed the limit anyway (1.8 to 1.9 GiB
// resident). At 1800 MiB it collects as needed and the resident memory
// stays at the limit: a third less time for about the same memory.
//
// Since the ledger is held in the evaluation's compact form (read a
// batch at a time) the same evaluation keeps about 1.2 GB: it takes 10 s
// at 1600 MiB as at 1800 (1.6 against 1.75 GiB resident), but the plans
// of a first run and of 1000 rules, which the collector cannot free, then
// take longer (33 s against 29, 6.9 s against 5.7). 1800 MiB it stays.
const evaluateMemoryLimit = 1800 << 20

// EvaluateOptions choose what an evaluation uses.
type EvaluateOptions struct {
	// AsOf is the reference date; zero means today.
	AsOf engine.Date
	// WithDrafts evaluates each rule's draft where it has one.
	WithDrafts bool
	// WhatIf, when set, is a rule version being edited and not saved:
	// WhatIfRule's id (or "" for a new rule) is evaluated with it.
	WhatIf     *engine.RuleBody
	WhatIfRule string
}

// compileRules compiles the rules an evaluation uses.
func (a *App) compileRules(ctx context.Context, opts EvaluateOptions) (*rules.Env, *rules.Set, uint64, error) {
	// the configuration, the rules and their version are read together:
	// an edit in between would leave rules that do not fit the targets
	// read, or a version that is not the rules'
	a.config.Lock()
	env, err := a.RulesEnv(ctx)
	var all []engine.Rule
	var version uint64
	if err == nil {
		all, err = a.store.ListRules(ctx)
	}
	if err == nil {
		version, err = a.store.RulesVersion(ctx)
	}
	a.config.Unlock()
	if err != nil {
		return nil, nil, 0, err
	}
	set, err := rules.Compile(ruleInputs(all, opts.WithDrafts, opts.WhatIfRule, opts.WhatIf), env)
	return env, set, version, err
}

// Evaluate compares what the rules want with the ledger for every person of
// the latest snapshot and stores the plan. It writes nothing to any target.
func (a *App) Evaluate(ctx context.Context, opts EvaluateOptions, progress func(done, total int)) (*engine.EvaluationInfo, error) {
	done, err := a.beginRunAs("an evaluation")
	if err != nil {
		return nil, err
	}
	defer done()
	return a.evaluate(ctx, opts, progress)
}

// evaluate is Evaluate for a caller that holds the pipeline lock.
func (a *App) evaluate(ctx context.Context, opts EvaluateOptions, progress func(done, total int)) (*engine.EvaluationInfo, error) {
	defer limitMemory(evaluateMemoryLimit)()
	env, set, version, err := a.compileRules(ctx, opts)
	if err != nil {
		return nil, err
	}
	// The ledger is read while the persons are decoded: each takes
	// seconds, the persons on one processor. Packed: a million accounts'
	// attributes as maps take three times the room, and the evaluation
	// only reads them. A batch at a time, into the evaluation's compact
	// form: the whole ledger as engine.LedgerEntry is never held.
	// the version first: a decision saved while the persons are read
	// makes this plan out of date rather than pass for current
	ledgerVersion, err := a.store.LedgerVersion(ctx)
	if err != nil {
		return nil, err
	}
	ledger := evaluate.NewLedger()
	var ledgerErr error
	var reading sync.WaitGroup
	defer reading.Wait()
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	reading.Go(func() {
		ledgerErr = a.store.ReadLedgerPacked(readCtx, func(entries []engine.LedgerEntry) error {
			ledger.Add(entries)
			return nil
		})
	})
	pop, snapshot, err := a.population(ctx, env, opts.AsOf)
	if err != nil {
		return nil, err
	}
	if snapshot == 0 {
		return nil, engine.Errorf(engine.Invalid, "there is no snapshot to evaluate: import a source system first")
	}
	reading.Wait()
	if ledgerErr != nil {
		return nil, ledgerErr
	}
	targets, order, err := a.accountInputs(ctx, env)
	if err != nil {
		return nil, err
	}
	in := evaluate.Input{Population: pop, Rules: set, Held: ledger, Snapshot: snapshot, RulesVersion: version,
		WithDrafts: opts.WithDrafts, DisabledTargets: env.DisabledTargets(), Now: a.clock.Now(),
		Accounts: targets, Order: order, LedgerVersion: ledgerVersion}
	if opts.WhatIf != nil {
		in.WhatIf = opts.WhatIf.Name
	}
	e, err := evaluate.Run(ctx, in, progress)
	if err != nil {
		return nil, err
	}
	return a.store.SaveEvaluation(context.WithoutCancel(ctx), e)
}

// Evaluations returns every evaluation, newest first.
func (a *App) Evaluations(ctx context.Context) ([]engine.EvaluationInfo, error) {
	return a.store.ListEvaluations(ctx)
}

// Evaluation returns one evaluation with its plan; 0 means the latest.
func (a *App) Evaluation(ctx context.Context, id uint64) (*engine.Evaluation, error) {
	return a.store.FindEvaluation(ctx, id)
}

// EvaluationDiff is how the plans of two evaluations differ.
type EvaluationDiff struct {
	From    uint64          `json:"from"`
	To      uint64          `json:"to"`
	Added   []engine.Action `json:"added"`   // in To's plan, not in From's
	Removed []engine.Action `json:"removed"` // in From's plan, not in To's
}

// DiffEvaluations compares the plans of two evaluations: an action is the
// same when it grants or revokes the same entitlement of the same person.
func (a *App) DiffEvaluations(ctx context.Context, from, to uint64) (*EvaluationDiff, error) {
	ea, err := a.Evaluation(ctx, from)
	if err != nil {
		return nil, err
	}
	eb, err := a.Evaluation(ctx, to)
	if err != nil {
		return nil, err
	}
	for _, e := range []*engine.Evaluation{ea, eb} {
		if e.Pruned {
			return nil, engine.Errorf(engine.Conflict, "evaluation %d is too old: only its figures are kept, not its plan", e.ID)
		}
	}
	type key struct {
		person string
		key    engine.EntitlementKey
		grant  bool
	}
	inA := make(map[key]bool, len(ea.Actions))
	for _, x := range ea.Actions {
		inA[key{x.Person, x.Key, x.Grant}] = true
	}
	inB := make(map[key]bool, len(eb.Actions))
	d := &EvaluationDiff{From: ea.ID, To: eb.ID}
	for _, x := range eb.Actions {
		k := key{x.Person, x.Key, x.Grant}
		inB[k] = true
		if !inA[k] {
			d.Added = append(d.Added, x)
		}
	}
	for _, x := range ea.Actions {
		if !inB[key{x.Person, x.Key, x.Grant}] {
			d.Removed = append(d.Removed, x)
		}
	}
	return d, nil
}

// Explanation says, for one person, which rules give (or would give) an
// entitlement and why, or why not.
type Explanation struct {
	Person PersonSummary `json:"person"`
	AsOf   engine.Date   `json:"asOf"`
	Target string        `json:"target,omitempty"`
	What   string        `json:"entitlement,omitempty"`
	// Granted is set when the evaluation grants it: a rule that holds
	// gives it, the person is not passed over, and it is not withheld.
	Granted bool                    `json:"granted"`
	Skipped engine.Status           `json:"skipped,omitempty"`
	Rules   []*rules.Explanation    `json:"rules"`
	Ledger  []engine.LedgerEntry    `json:"ledger,omitempty"`
	Wanted  []engine.EntitlementKey `json:"wanted,omitempty"`
	// Withheld are entitlements rules that hold give, which the
	// evaluation still does not grant, each with why.
	Withheld []PersonEntitlement `json:"withheld,omitempty"`
}

// Explain explains, for a person (an id or unambiguous external id) on
// asOf, every published rule (with drafts: every rule's latest version)
// that could grant an entitlement in target (any when empty) named what
// (a kind or a permission; any when empty).
func (a *App) Explain(ctx context.Context, person, target, what string, opts EvaluateOptions) (*Explanation, error) {
	env, set, _, err := a.compileRules(ctx, opts)
	if err != nil {
		return nil, err
	}
	if target != "" {
		if _, ok := targetOf(env, target); !ok {
			return nil, engine.Errorf(engine.NotFound, "there is no target system %q", target)
		}
	}
	pop, _, err := a.population(ctx, env, opts.AsOf)
	if err != nil {
		return nil, err
	}
	detail, err := a.Person(ctx, person)
	if err != nil {
		return nil, err
	}
	i, ok := pop.Find(detail.Person.ID)
	if !ok {
		return nil, engine.Errorf(engine.NotFound, "there is no person %q", person)
	}
	sum, _ := mustList(a.Persons(ctx))
	out := &Explanation{AsOf: pop.AsOf, Target: target, What: what}
	if s, ok := sum.Find(detail.Person.ID); ok {
		out.Person = *s
	}
	p := pop.Persons[i]
	if p.Excluded || p.Blocked() {
		out.Skipped = p.StatusOn(pop.AsOf)
	}
	var s rules.Subject
	pop.Subject(i, &s)
	for _, r := range set.Rules {
		if r.CouldGrant(target, what) {
			out.Rules = append(out.Rules, r.Explain(&s))
		}
	}
	// what the evaluation decides, from everything the rules give: an
	// account given by one rule lets another's permission through
	for _, e := range wantedBy(set, pop, i, env.DisabledTargets()) {
		switch {
		case !matchesKey(e.Key, target, what):
		case e.Withheld != "":
			out.Withheld = append(out.Withheld, e)
		default:
			out.Wanted = append(out.Wanted, e.Key)
		}
	}
	out.Granted = len(out.Wanted) > 0 && out.Skipped == ""
	sort.SliceStable(out.Rules, func(x, y int) bool { return out.Rules[x].Holds && !out.Rules[y].Holds })
	ledger, err := a.store.LoadLedger(ctx)
	if err != nil {
		return nil, err
	}
	for _, le := range ledger.Entries {
		if le.Person == p.ID && matchesKey(le.Key, target, what) {
			out.Ledger = append(out.Ledger, le)
		}
	}
	return out, nil
}

func mustList(l *PersonList, err error) (*PersonList, error) {
	if l == nil {
		l = &PersonList{byID: map[string]int{}}
	}
	return l, err
}

func targetOf(env *rules.Env, key string) (*engine.TargetSystem, bool) {
	for i := range env.Targets {
		if env.Targets[i].Key == key {
			return &env.Targets[i], true
		}
	}
	return nil, false
}

// matchesKey reports whether a key is in target (any when empty) and named
// what (a kind label or a name; any when empty).
func matchesKey(k engine.EntitlementKey, target, what string) bool {
	if target != "" && k.Target != target {
		return false
	}
	return what == "" || k.Name == what || string(k.Kind) == what || k.Kind.Label() == what
}

// LiveCount counts the persons a rule version (being edited) matches on
// asOf in the latest snapshot, with a sample of them.
func (a *App) LiveCount(ctx context.Context, body *engine.RuleBody, asOf engine.Date, sample int) (int, []PersonSummary, error) {
	env, err := a.RulesEnv(ctx)
	if err != nil {
		return 0, nil, err
	}
	set, err := rules.Compile([]rules.Input{{ID: "edited", Body: body}}, env)
	if err != nil {
		return 0, nil, err
	}
	pop, _, err := a.population(ctx, env, asOf)
	if err != nil {
		return 0, nil, err
	}
	n, idx, err := set.Count(ctx, pop, sample)
	if err != nil {
		return 0, nil, err
	}
	list, err := a.Persons(ctx)
	if err != nil {
		return 0, nil, err
	}
	var out []PersonSummary
	for _, i := range idx {
		if s, ok := list.Find(pop.Persons[i].ID); ok {
			out = append(out, *s)
		}
	}
	return n, out, nil
}

// PersonEntitlement is an entitlement a person should have, with the
// rules that give it.
type PersonEntitlement struct {
	Key   engine.EntitlementKey `json:"key"`
	Rules []engine.Reason       `json:"rules"`
	// Withheld, when set, says why the person does not get it although
	// rules want it (see evaluate.Withheld).
	Withheld string `json:"withheld,omitempty"`
}

// wantedBy returns every entitlement the rules of set want for person i
// of pop, with the rules and contracts that want it, and why it is
// withheld where it is: the evaluation's own decision.
func wantedBy(set *rules.Set, pop *rules.Population, i int, disabled []string) []PersonEntitlement {
	p := pop.Persons[i]
	var s rules.Subject
	var sc rules.Scratch
	pop.Subject(i, &s)
	var out []PersonEntitlement
	set.Matches(&s, &sc, func(m rules.Match) {
		m.Grants(&s, func(key engine.EntitlementKey, contracts []int) {
			r := engine.Reason{Rule: m.Rule.ID, RuleName: m.Rule.Name}
			for _, k := range contracts {
				r.Contracts = append(r.Contracts, engine.ContractKey(p, k))
			}
			for j := range out {
				if out[j].Key == key {
					out[j].Rules = append(out[j].Rules, r)
					return
				}
			}
			out = append(out, PersonEntitlement{Key: key, Rules: []engine.Reason{r}})
		})
	})
	hasAccount := func(target string) bool {
		return slices.ContainsFunc(out, func(e PersonEntitlement) bool {
			return e.Key.Target == target && e.Key.Kind == engine.KindAccount && !slices.Contains(disabled, target)
		})
	}
	for j := range out {
		out[j].Withheld = evaluate.Withheld(out[j].Key, hasAccount, disabled)
	}
	slices.SortFunc(out, func(x, y PersonEntitlement) int {
		switch {
		case x.Key == y.Key:
			return 0
		case x.Key.Less(y.Key):
			return -1
		default:
			return 1
		}
	})
	return out
}

// PersonEntitlements returns what the published rules give a person on
// asOf, by target.
func (a *App) PersonEntitlements(ctx context.Context, id string, asOf engine.Date) ([]PersonEntitlement, error) {
	env, set, _, err := a.compileRules(ctx, EvaluateOptions{})
	if err != nil {
		return nil, err
	}
	pop, _, err := a.population(ctx, env, asOf)
	if err != nil {
		return nil, err
	}
	i, ok := pop.Find(id)
	if !ok {
		return nil, engine.Errorf(engine.NotFound, "there is no person %q", id)
	}
	p := pop.Persons[i]
	if p.Excluded || p.Blocked() {
		return nil, nil
	}
	return wantedBy(set, pop, i, env.DisabledTargets()), nil
}

// FieldValues returns the most common values of a condition field in the
// latest snapshot, for suggestions; prefix narrows them (any case).
func (a *App) FieldValues(ctx context.Context, level engine.Level, path, prefix string, limit int) ([]string, error) {
	env, err := a.RulesEnv(ctx)
	if err != nil {
		return nil, err
	}
	get, ok := rules.ValueGetter(env, level, path)
	if !ok {
		return nil, engine.Errorf(engine.Invalid, "there is no %s field %q", level, path)
	}
	pop, _, err := a.population(ctx, env, 0)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	prefix = strings.ToLower(prefix)
	var s rules.Subject
	for i := range pop.Persons {
		pop.Subject(i, &s)
		for _, v := range get(&s) {
			if v != "" && strings.HasPrefix(strings.ToLower(v), prefix) {
				counts[v]++
			}
		}
	}
	values := make([]string, 0, len(counts))
	for v := range counts {
		values = append(values, v)
	}
	sort.Slice(values, func(i, j int) bool {
		if counts[values[i]] != counts[values[j]] {
			return counts[values[i]] > counts[values[j]]
		}
		return values[i] < values[j]
	})
	if len(values) > limit {
		values = values[:limit]
	}
	return values, nil
}
