// Package evaluate compares what the business rules want for every person
// of a snapshot with what the ledger says is granted, and makes a plan:
// one action per entitlement to grant or revoke, each with its reasons.
// An evaluation writes nothing anywhere; it is a pure function of the
// snapshot, the rules, the ledger and the reference date.
package evaluate

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"provisio/engine"
	"provisio/engine/accounts"
	"provisio/engine/rules"
)

// Input is what an evaluation works from.
type Input struct {
	Population *rules.Population
	Rules      *rules.Set
	Ledger     *engine.Ledger
	// Held, when set, is the ledger instead of Ledger, already in the
	// evaluation's form: read from the store a batch at a time, it never
	// takes the room of the whole engine.Ledger. Run reads it and
	// changes none of it.
	Held         *Ledger
	Snapshot     uint64
	RulesVersion uint64
	WithDrafts   bool
	WhatIf       string
	// DisabledTargets are left out: nothing is granted or revoked in
	// them, whatever the rules and the ledger say.
	DisabledTargets []string
	// Accounts describes, by key, the targets whose accounts have a
	// lifecycle and attributes; Order lists them in the order their
	// mappings read each other's attributes.
	Accounts map[string]*TargetAccounts
	Order    []string
	// LedgerVersion is recorded with the plan.
	LedgerVersion uint64
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
	Now     time.Time
}

// Run evaluates every person and returns the plan. progress, when set, is
// called now and then with the persons done and the total.
func Run(ctx context.Context, in Input, progress func(done, total int)) (*engine.Evaluation, error) {
	start := time.Now()
	pop := in.Population
	n := len(pop.Persons)
	workers := in.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// no ledger yet: nothing is granted. The evaluation reads the ledger
	// in a compact form of its own, and lets the caller's go
	held := in.Held
	if held == nil {
		held = newLedger(in.Ledger)
	}
	in.Ledger, in.Held = nil, nil
	// account mappings still read the attributes of accounts in disabled
	// targets
	stored := &Ledger{keys: held.keys, rules: held.rules}
	if len(in.Accounts) > 0 {
		stored = held
	}
	if len(in.DisabledTargets) > 0 {
		held = held.without(in.DisabledTargets)
	}
	byRule := map[string]*rules.Rule{}
	for _, r := range in.Rules.Rules {
		byRule[r.ID] = r
	}
	// the workers need none of the values that are taken: they are
	// gathered meanwhile, for uniquePass
	indexes, take := newTargetIndexes(&in, held)
	var taking sync.WaitGroup
	taking.Go(take)
	defer taking.Wait()
	getters, err := correlationGetters(&in)
	if err != nil {
		return nil, err
	}
	parts := make([]part, workers)
	var done atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := &evaluator{in: &in, byRule: byRule, ledger: held, out: &parts[w], matches: make([]int, len(in.Rules.Rules)),
				stored: stored, indexes: indexes, correlationGetters: getters}
			for i := lo; i < hi; i++ {
				if (i-lo)%1024 == 0 {
					if ctx.Err() != nil {
						return
					}
					if progress != nil && w == 0 {
						progress(int(done.Load()), n)
					}
				}
				ev.person(i)
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if err := engine.CheckCanceled(ctx); err != nil {
		return nil, err
	}

	e := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{
		CreatedAt: in.Now, AsOf: pop.AsOf, Snapshot: in.Snapshot, RulesVersion: in.RulesVersion,
		WithDrafts: in.WithDrafts, WhatIf: in.WhatIf, Persons: n, RuleMatches: map[string]int{},
		DisabledTargets: slices.Clone(in.DisabledTargets), LedgerVersion: in.LedgerVersion,
	}}
	total := 0
	for w := range parts {
		total += parts[w].actions.len()
	}
	e.Actions = make([]engine.Action, 0, total)
	// every rule evaluated has a count, 0 too: no count means not evaluated
	for _, r := range in.Rules.Rules {
		e.RuleMatches[r.ID] = 0
	}
	for w := range parts {
		p := &parts[w]
		e.Actions = p.actions.appendTo(e.Actions, pop.Persons) // and lets each chunk go
		e.Skipped = append(e.Skipped, p.skipped...)
		e.Notes = append(e.Notes, p.notes...)
		e.Evaluated += p.evaluated
		for i, m := range p.matches {
			e.RuleMatches[in.Rules.Rules[i].ID] += m
		}
	}
	// persons in the ledger who are no longer in the snapshot have left
	var left []engine.Action
	for person, entries := range held.byPerson {
		if _, ok := pop.Find(person); ok {
			continue
		}
		var gone []engine.Action
		for j := range entries {
			if le := &entries[j]; !le.unmanaged {
				gone = append(gone, engine.Action{Person: person, PersonName: person, Key: held.key(le), Reasons: []engine.Reason{{
					Why: fmt.Sprintf("the person left: they are not in snapshot %d", in.Snapshot)}}})
			}
		}
		ev := &evaluator{in: &in, ledger: held}
		left = append(left, ev.setOps(&engine.Person{ID: person, DisplayName: person}, entries, nil, gone)...)
	}
	if len(left) > 0 {
		e.Actions = append(e.Actions, left...)
		slices.SortStableFunc(e.Actions, func(a, b engine.Action) int {
			if c := cmp.Compare(a.Person, b.Person); c != 0 {
				return c
			}
			return compareKeys(a.Key, b.Key)
		})
	}
	for _, s := range e.Skipped {
		switch s.Status {
		case engine.StatusBlocked:
			e.Blocked++
		case engine.StatusExcluded:
			e.Excluded++
		}
	}
	taking.Wait()
	if err := uniquePass(ctx, &in, e, indexes, stored); err != nil {
		return nil, err
	}
	e.Summary = summarize(e.Actions)
	e.EvaluationInfo.Actions = len(e.Actions)
	e.Duration = time.Since(start)
	if progress != nil {
		progress(n, n)
	}
	return e, nil
}

func compareKeys(a, b engine.EntitlementKey) int {
	switch {
	case a == b:
		return 0
	case a.Less(b):
		return -1
	default:
		return 1
	}
}

func summarize(actions []engine.Action) []engine.SummaryRow {
	idx := map[[2]string]int{}
	var rows []engine.SummaryRow
	for _, a := range actions {
		k := [2]string{a.Key.Target, string(a.Key.Kind)}
		i, ok := idx[k]
		if !ok {
			i = len(rows)
			idx[k] = i
			rows = append(rows, engine.SummaryRow{Target: a.Key.Target, Kind: a.Key.Kind})
		}
		switch {
		case a.Op == engine.OpUpdate:
			rows[i].Updates++
		case a.Grant:
			rows[i].Grants++
		default:
			rows[i].Revokes++
		}
	}
	slices.SortFunc(rows, func(a, b engine.SummaryRow) int {
		return compareKeys(engine.EntitlementKey{Target: a.Target, Kind: a.Kind}, engine.EntitlementKey{Target: b.Target, Kind: b.Kind})
	})
	return rows
}

// part is one worker's share of the plan, in person order.
type part struct {
	actions   chunks
	skipped   []engine.Skipped
	notes     []engine.Note
	evaluated int
	matches   []int // per rule position
}

// evaluator works through persons on one goroutine.
type evaluator struct {
	in      *Input
	byRule  map[string]*rules.Rule
	ledger  *Ledger
	out     *part
	matches []int
	s       rules.Subject
	sc      rules.Scratch
	want    []wanted
	grants  []grantRef      // scratch: the current person's grants, by entitlement
	matched []matchRef      // scratch: the rules that hold for the current person
	ints    []int           // scratch: the contracts of matched and grants
	acts    []engine.Action // scratch for one person's actions

	// stored is the ledger with the disabled targets' entries, whose
	// attributes other targets' mappings still read.
	stored             *Ledger
	indexes            map[string]*targetIndex
	correlationGetters map[string]func(*rules.Subject) engine.Value
	sessions           map[string]*accounts.Session
	order              []int                        // scratch: one target's actions in enforcement order
	input              accounts.Input               // scratch: the mapping input of one person's account
	planned            map[string]engine.Attributes // scratch: one person's accounts after the plan
	unpacked           map[string]*unpacked         // by target: packed ledger attributes read as a map
	scratchValues      engine.Attributes            // scratch: an account's attributes in one stage
}

// wanted is an entitlement the rules want for the current person, with
// the rules' matches that want it. Its reasons are made when an action
// needs them (reasonsOf): most entitlements are held already, and need
// none.
type wanted struct {
	key         engine.EntitlementKey
	first, last int32 // its grants, in evaluator.grants, in match order
	reasons     []engine.Reason
	made        bool // reasons are made
}

// grantRef is a match's wanting an entitlement.
type grantRef struct {
	match  int32 // in evaluator.matched
	lo, hi int32 // the contracts it is wanted on, in evaluator.ints, unless all
	all    bool  // on all the match's contracts: the match's shared reason
	next   int32 // the next grant of the same entitlement, or -1
}

// matchRef is a rule that holds for the current person.
type matchRef struct {
	rule   *rules.Rule
	lo, hi int32 // its in-conditions contracts, in evaluator.ints
	// shared is the reason of the entitlements it gives on all its
	// contracts, made once: a plan holds millions of actions
	shared []engine.Reason
}

// reasonsOf returns the reasons of an entitlement the current person
// wants, making them the first time.
func (ev *evaluator) reasonsOf(w *wanted) []engine.Reason {
	if w.made {
		return w.reasons
	}
	p := ev.s.Person
	var out []engine.Reason
	for gi := w.first; gi >= 0; gi = ev.grants[gi].next {
		g := &ev.grants[gi]
		m := &ev.matched[g.match]
		var r []engine.Reason
		if g.all {
			if m.shared == nil {
				m.shared = []engine.Reason{reason(m.rule, p, ev.ints[m.lo:m.hi])}
			}
			r = m.shared[:1:1] // a later append copies
		} else {
			r = []engine.Reason{reason(m.rule, p, ev.ints[g.lo:g.hi])}
		}
		if out == nil {
			out = r
		} else {
			out = append(out, r[0])
		}
	}
	w.reasons, w.made = out, true
	return out
}

func (ev *evaluator) person(i int) {
	pop := ev.in.Population
	p := pop.Persons[i]
	if p.Excluded || p.Blocked() {
		st := engine.StatusBlocked
		if p.Excluded {
			st = engine.StatusExcluded
		}
		ev.out.skipped = append(ev.out.skipped, engine.Skipped{Person: p.ID, Name: p.DisplayName, Status: st})
		return
	}
	ev.out.evaluated++
	if ev.out.matches == nil {
		ev.out.matches = ev.matches
	}
	pop.Subject(i, &ev.s)
	clear(ev.want) // the scratch must not keep the last person's reasons alive
	clear(ev.matched)
	ev.want, ev.grants, ev.matched, ev.ints = ev.want[:0], ev.grants[:0], ev.matched[:0], ev.ints[:0]
	ev.in.Rules.Matches(&ev.s, &ev.sc, func(m rules.Match) {
		ev.out.matches[m.Rule.Position()]++
		mi := int32(len(ev.matched))
		lo := int32(len(ev.ints))
		ev.ints = append(ev.ints, m.Contracts...)
		ev.matched = append(ev.matched, matchRef{rule: m.Rule, lo: lo, hi: int32(len(ev.ints))})
		m.Grants(&ev.s, func(key engine.EntitlementKey, contracts []int) {
			g := grantRef{match: mi, next: -1, all: len(contracts) == len(m.Contracts)}
			if !g.all {
				g.lo = int32(len(ev.ints))
				ev.ints = append(ev.ints, contracts...)
				g.hi = int32(len(ev.ints))
			}
			gi := int32(len(ev.grants))
			ev.grants = append(ev.grants, g)
			for j := range ev.want {
				if w := &ev.want[j]; w.key == key {
					ev.grants[w.last].next = gi
					w.last = gi
					return
				}
			}
			ev.want = append(ev.want, wanted{key: key, first: gi, last: gi})
		})
	})
	// access and permissions need an account in the same target
	hasAccount := func(target string) bool {
		for _, w := range ev.want {
			if w.key.Target == target && w.key.Kind == engine.KindAccount {
				return true
			}
		}
		return false
	}
	kept := ev.want[:0]
	for _, w := range ev.want {
		if slices.Contains(ev.in.DisabledTargets, w.key.Target) {
			continue
		}
		if NeedsAccount(w.key) && !hasAccount(w.key.Target) {
			ev.out.notes = append(ev.out.notes, engine.Note{Person: p.ID, Message: fmt.Sprintf(
				"%s is granted by %s, but no rule gives %s an account in %s", w.key, ruleNames(ev.reasonsOf(&w)), p.DisplayName, w.key.Target)})
			continue
		}
		kept = append(kept, w)
	}
	slices.SortFunc(kept, func(a, b wanted) int { return compareKeys(a.key, b.key) })

	have := ev.ledger.byPerson[p.ID]
	acts := ev.acts[:0]
	for j := range kept {
		if w := &kept[j]; !ev.ledger.holds(have, w.key) {
			acts = append(acts, engine.Action{Person: p.ID, PersonName: p.DisplayName, Key: w.key, Grant: true, Reasons: ev.reasonsOf(w)})
		}
	}
	for j := range have {
		le := &have[j]
		key := ev.ledger.key(le)
		if le.unmanaged || slices.ContainsFunc(kept, func(w wanted) bool { return w.key == key }) {
			continue
		}
		acts = append(acts, engine.Action{Person: p.ID, PersonName: p.DisplayName, Key: key, Reasons: ev.revokeReasons(key, ev.ledger.rulesOf(le))})
	}
	acts = ev.setOps(p, have, kept, acts)
	if len(ev.in.Accounts) > 0 {
		acts = ev.mapAccounts(i, have, kept, acts)
	}
	slices.SortStableFunc(acts, func(a, b engine.Action) int {
		if c := compareKeys(a.Key, b.Key); c != 0 {
			return c
		}
		return a.Op.Order() - b.Op.Order()
	})
	ev.out.actions.add(p, i, acts)
	clear(acts) // the scratch must not keep the strings alive
	ev.acts = acts
}

// NeedsAccount reports whether an entitlement is granted only with an
// account in its target: account access and permissions are.
func NeedsAccount(key engine.EntitlementKey) bool {
	return key.Kind == engine.KindAccess || key.Kind == engine.KindPermission
}

// Withheld says why an entitlement the rules want for a person is not
// granted, or "" when it is: its target is disabled, or it needs an
// account in its target that no rule gives the person. hasAccount reports
// whether the rules give the person an account in a target.
func Withheld(key engine.EntitlementKey, hasAccount func(target string) bool, disabled []string) string {
	switch {
	case slices.Contains(disabled, key.Target):
		return fmt.Sprintf("the target system %s is disabled: evaluations leave it out", key.Target)
	case NeedsAccount(key) && !hasAccount(key.Target):
		return fmt.Sprintf("it needs an account in %s, and no rule gives the person one", key.Target)
	}
	return ""
}

// chunks holds a worker's actions until the plan is put together, in
// fixed-size blocks of a compact form: unlike a growing slice they never
// over-allocate or copy, and at a third of an action's size the plan of
// millions of actions is not held twice, in full, while it is merged.
//
// An action is stored as its person's position in the population, its
// key's position in the worker's table of keys, its operation's in
// engine.ActionOps, its reasons, and (rarely) whatever else it has.
type chunks struct {
	blocks [][]packed
	keys   []engine.EntitlementKey
	keyIdx map[engine.EntitlementKey]int32
}

// packed is an action in chunks.
type packed struct {
	person  int32 // position in the population
	key     int32 // position in chunks.keys
	grant   bool
	op      uint8 // position in engine.ActionOps, or noOp
	reasons []engine.Reason
	extra   *packedExtra // nil for most actions
}

// packedExtra is what few actions have: a reference, changes, an
// operation enforcement does not know, or a person who is not the one at
// their position.
type packedExtra struct {
	person, personName string
	op                 engine.ActionOp // set when not in engine.ActionOps
	ref                string
	changes            []engine.AttributeChange
}

const noOp = 255

const chunkSize = 8192

// add adds the actions of the person p at position i, whose id and name
// they normally carry.
func (c *chunks) add(p *engine.Person, i int, actions []engine.Action) {
	for _, a := range actions {
		if len(c.blocks) == 0 || len(c.blocks[len(c.blocks)-1]) == chunkSize {
			c.blocks = append(c.blocks, make([]packed, 0, chunkSize))
		}
		k, ok := c.keyIdx[a.Key]
		if !ok {
			if c.keyIdx == nil {
				c.keyIdx = map[engine.EntitlementKey]int32{}
			}
			k = int32(len(c.keys))
			c.keys = append(c.keys, a.Key)
			c.keyIdx[a.Key] = k
		}
		x := packed{person: int32(i), key: k, grant: a.Grant, op: noOp, reasons: a.Reasons}
		known := true
		if a.Op != "" {
			if o := a.Op.Order(); o >= 0 {
				x.op = uint8(o)
			} else {
				known = false
			}
		}
		if !known || a.Person != p.ID || a.PersonName != p.DisplayName || a.Ref != "" || a.Changes != nil {
			x.extra = &packedExtra{person: a.Person, personName: a.PersonName, ref: a.Ref, changes: a.Changes}
			if !known {
				x.extra.op = a.Op
			}
		}
		last := &c.blocks[len(c.blocks)-1]
		*last = append(*last, x)
	}
}

func (c *chunks) len() int {
	n := 0
	for _, b := range c.blocks {
		n += len(b)
	}
	return n
}

// appendTo appends the actions to dst, releasing each block once copied.
func (c *chunks) appendTo(dst []engine.Action, persons []*engine.Person) []engine.Action {
	for i, b := range c.blocks {
		for _, x := range b {
			a := engine.Action{Key: c.keys[x.key], Grant: x.grant, Reasons: x.reasons}
			if x.op != noOp {
				a.Op = engine.ActionOps[x.op]
			}
			if e := x.extra; e != nil {
				a.Person, a.PersonName, a.Ref, a.Changes = e.person, e.personName, e.ref, e.changes
				if e.op != "" {
					a.Op = e.op
				}
			} else {
				p := persons[x.person]
				a.Person, a.PersonName = p.ID, p.DisplayName
			}
			dst = append(dst, a)
		}
		c.blocks[i] = nil
	}
	c.blocks = nil
	return dst
}

// reason says that a rule holds on the given contracts of p.
func reason(r *rules.Rule, p *engine.Person, contracts []int) engine.Reason {
	out := engine.Reason{Rule: r.ID, RuleName: r.Name}
	if len(contracts) > 0 {
		out.Contracts = make([]string, len(contracts))
		for i, k := range contracts {
			out.Contracts[i] = engine.ContractKey(p, k)
		}
	}
	return out
}

func ruleNames(reasons []engine.Reason) string {
	var names []string
	for _, r := range reasons {
		names = append(names, fmt.Sprintf("%q", r.RuleName))
	}
	return "rule " + strings.Join(names, " and ")
}

// revokeReasons says why an entitlement in the ledger is no longer
// wanted: for each rule that granted it, why that rule no longer gives it.
func (ev *evaluator) revokeReasons(key engine.EntitlementKey, granted []string) []engine.Reason {
	if len(granted) == 0 {
		return []engine.Reason{{Why: "no rule grants it"}}
	}
	var out []engine.Reason
	for _, id := range granted {
		r, ok := ev.byRule[id]
		if !ok {
			out = append(out, engine.Reason{Rule: id, Why: "the rule that granted it is no longer in force (deleted, or not published)"})
			continue
		}
		ex := r.Explain(&ev.s)
		why := ex.Summary
		if ex.Holds {
			var gives []string
			still := false
			for _, k := range ex.Grants {
				gives = append(gives, k.String())
				still = still || k == key
			}
			switch {
			case still: // wanted, but dropped for want of an account
				why = fmt.Sprintf("the rule still gives %s, but no rule gives %s an account in %s", key, ev.s.Person.DisplayName, key.Target)
			case len(gives) == 0:
				why = fmt.Sprintf("the rule still holds but no longer gives %s (it gives nothing)", key)
			default:
				why = fmt.Sprintf("the rule still holds but no longer gives %s (it gives %s)", key, strings.Join(gives, ", "))
			}
		}
		out = append(out, engine.Reason{Rule: id, RuleName: r.Name, Why: why})
	}
	return out
}
