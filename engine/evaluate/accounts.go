package evaluate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"provisio/engine"
	"provisio/engine/accounts"
	"provisio/engine/rules"
)

// TargetAccounts is what evaluation needs of a target whose accounts
// Provisio writes: how they end, how their attributes are made, and the
// accounts the target held when it was last read.
type TargetAccounts struct {
	System *engine.TargetSystem
	// Mapper makes the attributes; nil writes none.
	Mapper *accounts.Mapper
	// Existing are the target's accounts as last read, for correlation
	// and for unique attributes; nil when it was never read.
	Existing []engine.Account
}

// targetIndex holds, for one target, what the evaluation looks up while
// it works out accounts: the existing accounts by correlation value, and
// every value of each unique attribute that is taken.
type targetIndex struct {
	ta *TargetAccounts
	// byCorrelation maps a folded correlation value to accounts.
	byCorrelation map[string][]int
	// byRef maps a folded account reference to its account, for the
	// targets with correlation or unique attributes.
	byRef map[string]int
	// linked maps an account reference to the person the ledger has it
	// for, where there is correlation (byCorrelation).
	linked map[string]string
	// taken holds the folded values of each unique attribute; it is
	// complete only after newTargetIndexes' take has run.
	taken map[string]map[string]struct{}
}

func fold(s string) string { return strings.ToLower(s) }

// attribute returns an attribute's value, matching its name exactly or,
// failing that, ignoring case: directories spell attribute names their
// own way (sAMAccountName, samaccountname).
func attribute(attrs engine.Attributes, name string) string {
	if v, ok := attrs[name]; ok {
		return v
	}
	for k, v := range attrs {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// inMappingCase returns a copy of attrs with the names the mapping writes
// spelled as the mapping spells them, so that an account read from the
// target compares with the mapping's values.
func inMappingCase(attrs engine.Attributes, names []string) engine.Attributes {
	out := make(engine.Attributes, len(attrs))
	for k, v := range attrs {
		for _, n := range names {
			if strings.EqualFold(k, n) {
				k = n
				break
			}
		}
		out[k] = v
	}
	return out
}

// existing returns the attributes of the target's account with a
// reference, in the mapping's spelling, or nil.
func (ix *targetIndex) existing(ref string) engine.Attributes {
	k, ok := ix.byRef[fold(ref)]
	if !ok || ref == "" {
		return nil
	}
	return inMappingCase(ix.ta.Existing[k].Attributes, ix.ta.System.MappedAttributes())
}

// newTargetIndexes builds the indexes of the targets with accounts. The
// values of unique attributes that are taken are only asked for once the
// workers are done (by uniquePass): they are gathered by take, which the
// caller runs meanwhile, on a goroutine of its own if it likes.
func newTargetIndexes(in *Input, ledger *Ledger) (indexes map[string]*targetIndex, take func()) {
	// the ledger's accounts by target, to make the maps their size at
	// once: growing maps of a million values costs seconds
	accountsIn := map[string]int{}
	for _, entries := range ledger.byPerson {
		for j := range entries {
			if k := ledger.key(&entries[j]); k.Kind == engine.KindAccount {
				accountsIn[k.Target]++
			}
		}
	}
	out := map[string]*targetIndex{}
	var takes []func()
	for key, ta := range in.Accounts {
		n := accountsIn[key]
		ix := &targetIndex{ta: ta, taken: map[string]map[string]struct{}{}}
		out[key] = ix
		var unique []string
		if ta.Mapper != nil {
			unique = ta.Mapper.Unique()
		}
		c := ta.System.Correlation
		if c != nil && len(ta.Existing) > 0 {
			ix.byCorrelation = map[string][]int{}
			for i := range ta.Existing {
				if v := attribute(ta.Existing[i].Attributes, c.Attribute); v != "" {
					ix.byCorrelation[fold(v)] = append(ix.byCorrelation[fold(v)], i)
				}
			}
		}
		if (c != nil || len(unique) > 0) && len(ta.Existing) > 0 {
			ix.byRef = make(map[string]int, len(ta.Existing))
			for i := range ta.Existing {
				ix.byRef[fold(ta.Existing[i].Ref)] = i
			}
		}
		// only correlation asks who has an account, and only when there
		// are accounts to correlate with
		if ix.byCorrelation != nil && n > 0 {
			ix.linked = make(map[string]string, n)
			for person, entries := range ledger.byPerson {
				for j := range entries {
					if le := &entries[j]; ledger.key(le) == accountKey(key) && le.ref != "" {
						ix.linked[fold(le.ref)] = person
					}
				}
			}
		}
		for _, u := range unique {
			ix.taken[u] = make(map[string]struct{}, n+len(ta.Existing))
		}
		if len(unique) == 0 {
			continue
		}
		takes = append(takes, func() {
			for i := range ta.Existing {
				for _, u := range unique {
					for v := range strings.SplitSeq(attribute(ta.Existing[i].Attributes, u), "\n") {
						if v != "" {
							ix.taken[u][fold(v)] = struct{}{}
						}
					}
				}
			}
			if n == 0 {
				return
			}
			for _, entries := range ledger.byPerson {
				for j := range entries {
					le := &entries[j]
					if ledger.key(le) != accountKey(key) {
						continue
					}
					for _, u := range unique {
						for v := range strings.SplitSeq(entryAttribute(le, u), "\n") {
							if v != "" {
								ix.taken[u][fold(v)] = struct{}{}
							}
						}
					}
				}
			}
		})
	}
	return out, func() {
		for _, t := range takes {
			t()
		}
	}
}

// accountKey is the account entitlement of a target.
func accountKey(target string) engine.EntitlementKey {
	return engine.EntitlementKey{Target: target, Kind: engine.KindAccount}
}

// setOps gives every action of one person its operation, applying each
// target's lifecycle: a retired account that a rule gives again is
// reinstated; an account no rule gives is deleted, or retired and deleted
// later. kept are the entitlements the rules want.
//
// It runs for every person of every evaluation, accounts or not: it
// changes the actions in place rather than copying them.
func (ev *evaluator) setOps(p *engine.Person, have []entry, kept []wanted, acts []engine.Action) []engine.Action {
	asOf := ev.in.Population.AsOf
	n := 0
	for i := range acts {
		a := &acts[i]
		switch a.Key.Kind {
		case engine.KindAccount:
			if a.Grant {
				a.Op = engine.OpCreate
				break
			}
			a.Op = engine.OpDelete
			le := ev.ledger.find(have, a.Key)
			if le == nil {
				break // not so: revokes are of what the ledger has
			}
			a.Ref = le.ref
			if t := ev.system(a.Key.Target); t != nil && t.Lifecycle.End == engine.EndKeepDisabled {
				switch {
				case le.retiredOn.IsZero():
					a.Op = engine.OpRetire
				case t.Lifecycle.DeleteAfterDays > 0 && asOf.Days() >= le.retiredOn.Days()+t.Lifecycle.DeleteAfterDays:
					a.Reasons = append(slices.Clip(a.Reasons), engine.Reason{Why: fmt.Sprintf(
						"retired on %s and kept disabled for %d days", le.retiredOn, t.Lifecycle.DeleteAfterDays)})
				default:
					continue // retired: it stays, disabled, until it is due
				}
			}
		case engine.KindAccess:
			a.Op = engine.OpEnable
			if !a.Grant {
				a.Op = engine.OpDisable
			}
		default:
			a.Op = engine.OpGrant
			if !a.Grant {
				a.Op = engine.OpRevoke
			}
		}
		if n != i {
			acts[n] = *a
		}
		n++
	}
	clear(acts[n:]) // the scratch must not keep what was dropped alive
	acts = acts[:n]
	if len(have) == 0 {
		return acts // no account exists: nothing to reinstate or refer to
	}
	// retired accounts a rule gives again
	for j := range kept {
		w := &kept[j]
		if w.key.Kind != engine.KindAccount {
			continue
		}
		if le := ev.ledger.find(have, w.key); le != nil && !le.retiredOn.IsZero() {
			acts = append(acts, engine.Action{Person: p.ID, PersonName: p.DisplayName, Key: w.key, Grant: true,
				Reasons: ev.reasonsOf(w), Op: engine.OpReinstate, Ref: le.ref})
		}
	}
	// actions on an account that exists carry its reference
	for i := range acts {
		a := &acts[i]
		if a.Ref == "" && a.Op != engine.OpCreate {
			if le := ev.ledger.find(have, accountKey(a.Key.Target)); le != nil {
				a.Ref = le.ref
			}
		}
	}
	return acts
}

func (ev *evaluator) system(key string) *engine.TargetSystem {
	if ta := ev.in.Accounts[key]; ta != nil {
		return ta.System
	}
	return nil
}

// mapAccounts works out the attributes of one person's accounts, target by
// target in mapping order: what a create writes (or the account it
// correlates), what enabling, disabling and deleting write, and the
// updates that bring an existing account in line. A target whose mapping
// fails for the person gets a note instead of its actions.
func (ev *evaluator) mapAccounts(i int, have []entry, kept []wanted, acts []engine.Action) []engine.Action {
	p := ev.in.Population.Persons[i]
	// by target: the account's attributes after this plan
	if ev.planned == nil {
		ev.planned = map[string]engine.Attributes{}
	}
	planned := ev.planned
	clear(planned)
	defer clear(planned) // the scratch must not keep the maps alive
	for _, target := range ev.in.Order {
		ta := ev.in.Accounts[target]
		if ta == nil || ta.Mapper == nil {
			continue
		}
		var attrs engine.Attributes
		var failed string
		acts, attrs, failed = ev.mapTarget(p, target, ta, have, kept, planned, acts)
		if failed != "" {
			ev.out.notes = append(ev.out.notes, engine.Note{Person: p.ID, Message: fmt.Sprintf(
				"%s: nothing is planned in %s for %s: %s", target, ta.System.Name, p.DisplayName, failed)})
			acts = slices.DeleteFunc(acts, func(a engine.Action) bool { return a.Key.Target == target && a.Grant })
			continue
		}
		if len(attrs) > 0 {
			planned[target] = attrs
		}
	}
	return acts
}

// mapTarget works out the attributes of a person's actions in one target,
// in the order enforcement runs them, so that each change's old value is
// what the account holds by then: the account is created (or correlated),
// then brought in line by an update, then enabled or disabled, then
// deleted. It returns the actions with the update, the account's
// attributes after the plan, or why the mapping failed.
func (ev *evaluator) mapTarget(p *engine.Person, target string, ta *TargetAccounts, have []entry, kept []wanted,
	planned map[string]engine.Attributes, acts []engine.Action) ([]engine.Action, engine.Attributes, string) {
	acct := ev.ledger.find(have, accountKey(target))
	order := ev.order[:0]
	for j := range acts {
		if acts[j].Key.Target == target {
			order = append(order, j)
		}
	}
	slices.SortStableFunc(order, func(x, y int) int { return acts[x].Op.Order() - acts[y].Op.Order() })
	ev.order = order
	// an account that exists, and that a rule still gives, is kept in line
	update := acct != nil && acct.retiredOn.IsZero() && ta.Mapper.Has(engine.StageUpdate) && wantsKey(kept, accountKey(target))
	if len(order) == 0 && !update {
		return acts, nil, "" // others read the account as the ledger has it
	}
	in := ev.mapInput(p, target, kept, planned, 0)
	// attrs is the ledger's own map until the plan changes it: most
	// accounts are in line, and copying a million maps to find that out
	// costs more than the comparison
	var attrs engine.Attributes
	shared := false
	if acct != nil {
		attrs, shared = ev.ledgerAttributes(target, acct), true
	}
	for k := 0; k <= len(order); k++ {
		if update && (k == len(order) || acts[order[k]].Op.Order() > engine.OpUpdate.Order()) {
			update = false
			values, err := ev.values(target, engine.StageUpdate, in)
			if err != nil {
				return acts, nil, err.Error()
			}
			if changes := diff(attrs, values); len(changes) > 0 {
				acts = append(acts, engine.Action{Person: p.ID, PersonName: p.DisplayName, Key: accountKey(target), Grant: true,
					Reasons: ev.wantedReasons(kept, accountKey(target)), Op: engine.OpUpdate, Ref: acct.ref, Changes: changes})
				attrs, shared = mergeShared(attrs, shared, values)
			}
		}
		if k == len(order) {
			break
		}
		a := &acts[order[k]]
		stage, ok := stageOf(a.Op)
		if !ok {
			continue
		}
		values, err := ev.values(target, stage, in)
		if err != nil {
			return acts, nil, err.Error()
		}
		if a.Op == engine.OpCreate {
			ref, corr, why := ev.correlate(target, p)
			if why != "" {
				return acts, nil, why
			}
			if ref != "" {
				// link the account found, and bring it in line
				a.Op, a.Ref = engine.OpCorrelate, ref
				if ta.Mapper.Has(engine.StageUpdate) {
					if values, err = ev.values(target, engine.StageUpdate, in); err != nil {
						return acts, nil, err.Error()
					}
				}
				attrs, shared = corr, false
				a.Changes = correlated(engine.OpCorrelate, attrs, values)
				attrs = merge(attrs, values)
				continue
			}
		}
		a.Changes = diff(attrs, values)
		attrs, shared = mergeShared(attrs, shared, values)
	}
	return acts, attrs, ""
}

// stageOf returns the mapping stage an operation writes.
func stageOf(op engine.ActionOp) (engine.Stage, bool) {
	switch op {
	case engine.OpCreate:
		return engine.StageCreate, true
	case engine.OpEnable:
		return engine.StageEnable, true
	case engine.OpDisable:
		return engine.StageDisable, true
	case engine.OpDelete:
		return engine.StageDelete, true
	}
	return "", false
}

func wantsKey(kept []wanted, key engine.EntitlementKey) bool {
	return slices.ContainsFunc(kept, func(w wanted) bool { return w.key == key })
}

func (ev *evaluator) wantedReasons(kept []wanted, key engine.EntitlementKey) []engine.Reason {
	for j := range kept {
		if kept[j].key == key {
			return ev.reasonsOf(&kept[j])
		}
	}
	return nil
}

// mapInput is the mapping's view of a person for one target: the
// in-conditions contracts of the rules that give the account, and the
// attributes of the person's accounts in other targets: as planned, or
// as the ledger has them, disabled targets' too.
func (ev *evaluator) mapInput(p *engine.Person, target string, kept []wanted, planned map[string]engine.Attributes, iteration int) *accounts.Input {
	// one input serves every target and person of the worker in turn:
	// mapTarget is done with it before it asks for the next
	in := &ev.input
	if in.Accounts == nil {
		in.Accounts = map[string]engine.Attributes{}
	}
	clear(in.Accounts)
	*in = accounts.Input{Subject: &ev.s, Iteration: iteration, Accounts: in.Accounts, InConditions: in.InConditions[:0]}
	// the contracts of the account's reasons, in their order, found by
	// their keys as the reasons name them; without making the reasons
	for j := range kept {
		if kept[j].key != accountKey(target) {
			continue
		}
		for gi := kept[j].first; gi >= 0; gi = ev.grants[gi].next {
			g := &ev.grants[gi]
			lo, hi := g.lo, g.hi
			if g.all {
				lo, hi = ev.matched[g.match].lo, ev.matched[g.match].hi
			}
			for _, c := range ev.ints[lo:hi] {
				if k := contractIndex(p, engine.ContractKey(p, c)); k >= 0 && !slices.Contains(in.InConditions, k) {
					in.InConditions = append(in.InConditions, k)
				}
			}
		}
		break
	}
	stored := ev.stored.byPerson[p.ID]
	for j := range stored {
		if le := &stored[j]; ev.stored.isAccount(le) && ev.stored.target(le) != target && entryAttributes(le) > 0 {
			t := ev.stored.target(le)
			in.Accounts[t] = ev.ledgerAttributes(t, le)
		}
	}
	for t, attrs := range planned {
		in.Accounts[t] = attrs
	}
	return in
}

func contractIndex(p *engine.Person, key string) int {
	for k := range p.Contracts {
		if engine.ContractKey(p, k) == key {
			return k
		}
	}
	return -1
}

// correlate looks for an account the person already has in the target:
// the person's correlation value equals the account's. It returns the
// account's reference and attributes, or why it cannot be linked.
func (ev *evaluator) correlate(target string, p *engine.Person) (string, engine.Attributes, string) {
	ix := ev.indexes[target]
	c := ix.ta.System.Correlation
	if c == nil || ix.byCorrelation == nil {
		return "", nil, ""
	}
	get, ok := ev.correlationGetters[target]
	if !ok {
		return "", nil, ""
	}
	value := get(&ev.s).String()
	if value == "" {
		return "", nil, ""
	}
	found := ix.byCorrelation[fold(value)]
	switch len(found) {
	case 0:
		return "", nil, ""
	case 1:
		acct := &ix.ta.Existing[found[0]]
		if other, ok := ix.linked[fold(acct.Ref)]; ok && other != p.ID {
			return "", nil, fmt.Sprintf("the account %s that %s %q correlates with is already linked to %s", acct.Ref, c.PersonField, value, other)
		}
		return acct.Ref, inMappingCase(acct.Attributes, ix.ta.System.MappedAttributes()), ""
	}
	var refs []string
	for _, k := range found[:min(len(found), 5)] {
		refs = append(refs, ix.ta.Existing[k].Ref)
	}
	return "", nil, fmt.Sprintf("%d accounts have %s %q (%s): correlation needs exactly one", len(found), c.Attribute, value, strings.Join(refs, "; "))
}

// diff returns the attributes of values that differ from have.
func diff(have, values engine.Attributes) []engine.AttributeChange {
	// most accounts are in line: find that out without sorting names
	n := 0
	for name, v := range values {
		if have[name] != v {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	// the names that differ, sorted, on the stack for most mappings; the
	// changes in a slice of their size, as a plan of millions keeps them
	var buf [16]string
	names := buf[:0]
	for name, v := range values {
		if have[name] != v {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	out := make([]engine.AttributeChange, len(names))
	for i, name := range names {
		out[i] = engine.AttributeChange{Attribute: name, Old: have[name], New: values[name]}
	}
	return out
}

// mergeShared merges values into attrs, which when shared belong to
// someone else (the ledger): they are copied before they change. It
// returns the attributes and whether they are still shared.
func mergeShared(attrs engine.Attributes, shared bool, values engine.Attributes) (engine.Attributes, bool) {
	if shared {
		if !changes(attrs, values) {
			return attrs, true
		}
		attrs = attrs.Clone()
	}
	return merge(attrs, values), false
}

// changes reports whether merging values into attrs would change them.
func changes(attrs, values engine.Attributes) bool {
	if attrs == nil {
		return true // merge makes a map
	}
	for k, v := range values {
		old, ok := attrs[k]
		if v == "" && ok || v != "" && (!ok || old != v) {
			return true
		}
	}
	return false
}

func merge(into, values engine.Attributes) engine.Attributes {
	if into == nil {
		into = engine.Attributes{}
	}
	for k, v := range values {
		if v == "" {
			delete(into, k)
		} else {
			into[k] = v
		}
	}
	return into
}

// values works out the attributes of the person's account in target in a
// stage, in the worker's map for them: mapTarget keeps none of them.
func (ev *evaluator) values(target string, stage engine.Stage, in *accounts.Input) (engine.Attributes, error) {
	v, err := ev.session(target).ValuesInto(ev.scratchValues, stage, in)
	if v != nil {
		ev.scratchValues = v
	}
	return v, err
}

// session returns the worker's mapping session for a target.
func (ev *evaluator) session(target string) *accounts.Session {
	s := ev.sessions[target]
	if s == nil {
		s = ev.in.Accounts[target].Mapper.NewSession()
		if ev.sessions == nil {
			ev.sessions = map[string]*accounts.Session{}
		}
		ev.sessions[target] = s
	}
	return s
}

// correlationGetters reads each target's correlation field of a subject.
func correlationGetters(in *Input) (map[string]func(*rules.Subject) engine.Value, error) {
	out := map[string]func(*rules.Subject) engine.Value{}
	for key, ta := range in.Accounts {
		c := ta.System.Correlation
		if c == nil {
			continue
		}
		_, get, ok := in.Population.Env().PersonField(c.PersonField)
		if !ok {
			return nil, engine.Errorf(engine.Invalid, "%s: the correlation field %q is not a person field", ta.System.Name, c.PersonField)
		}
		out[key] = get
	}
	return out, nil
}

// maxIterations bounds the search for a free value of a unique attribute.
const maxIterations = 50

// uniquePass finishes, in one pass over the whole plan, what the mapping
// of each person alone cannot know. It works in plan order, so that the
// same inputs always give the same plan:
//
//   - an account that several persons' correlation values find is linked
//     to none of them;
//   - the unique attributes of creates, correlations and updates are made
//     free, target by target in mapping order: a value taken in the
//     target, in the ledger or earlier in the plan is made again with
//     Iteration 1, 2, …;
//   - a person whose account in one target changed (or will not be made)
//     has the targets that read it worked out again.
//
// An account that cannot be made or linked is left out with the grants
// that need it, and the person gets a note.
func uniquePass(ctx context.Context, in *Input, e *engine.Evaluation, indexes map[string]*targetIndex, stored *Ledger) error {
	correlation := false
	if !slices.ContainsFunc(in.Order, func(t string) bool {
		ta := in.Accounts[t]
		if ta == nil || ta.Mapper == nil {
			return false
		}
		correlation = correlation || ta.System.Correlation != nil
		return ta.System.Correlation != nil || len(ta.Mapper.Unique()) > 0 || len(ta.Mapper.Dependencies()) > 0
	}) {
		return nil
	}
	u := &planPass{in: in, e: e, indexes: indexes, stored: stored,
		spans: map[string][2]int{}, changed: map[string]map[string]bool{}, drop: map[int]bool{}}
	for j := range e.Actions {
		sp, ok := u.spans[e.Actions[j].Person]
		if !ok {
			sp[0] = j
		}
		sp[1] = j + 1
		u.spans[e.Actions[j].Person] = sp
	}
	if correlation {
		u.linkOnce()
	}
	for _, target := range in.Order {
		if err := u.target(ctx, target); err != nil {
			return err
		}
	}
	if len(u.drop) > 0 {
		kept := e.Actions[:0]
		for j, a := range e.Actions {
			if !u.drop[j] {
				kept = append(kept, a)
			}
		}
		clear(e.Actions[len(kept):])
		e.Actions = kept
	}
	e.Notes = append(e.Notes, u.notes...)
	return nil
}

// planPass is the state of uniquePass.
type planPass struct {
	in      *Input
	e       *engine.Evaluation
	indexes map[string]*targetIndex
	stored  *Ledger
	spans   map[string][2]int          // each person's actions are adjacent in the plan
	changed map[string]map[string]bool // target → persons whose account there is not as first planned
	drop    map[int]bool               // actions left out of the plan
	notes   []engine.Note
	s       rules.Subject
}

func (u *planPass) markChanged(target, person string) {
	if u.changed[target] == nil {
		u.changed[target] = map[string]bool{}
	}
	u.changed[target][person] = true
}

// dropAccount leaves the create or correlation a out of the plan, with
// the person's other grants in its target: nothing can follow an account
// that is not made.
func (u *planPass) dropAccount(a *engine.Action, why string) {
	u.notes = append(u.notes, engine.Note{Person: a.Person, Message: fmt.Sprintf(
		"%s: nothing is planned in %s for %s: %s", a.Key.Target, u.in.Accounts[a.Key.Target].System.Name, a.PersonName, why)})
	sp := u.spans[a.Person]
	for k := sp[0]; k < sp[1]; k++ {
		if b := &u.e.Actions[k]; b.Key.Target == a.Key.Target && b.Grant {
			u.drop[k] = true
		}
	}
	u.markChanged(a.Key.Target, a.Person)
}

// linkOnce leaves out the correlations of an account that several
// persons' correlation values find (the same employee id in two sources,
// say): linking any of them could give one person another's account.
func (u *planPass) linkOnce() {
	claims := map[string][]string{} // target and folded reference → persons
	for j := range u.e.Actions {
		if a := &u.e.Actions[j]; a.Op == engine.OpCorrelate {
			k := a.Key.Target + "\x00" + fold(a.Ref)
			claims[k] = append(claims[k], a.Person)
		}
	}
	for j := range u.e.Actions {
		a := &u.e.Actions[j]
		if a.Op != engine.OpCorrelate {
			continue
		}
		if persons := claims[a.Key.Target+"\x00"+fold(a.Ref)]; len(persons) > 1 {
			u.dropAccount(a, fmt.Sprintf("the account %s correlates with %d persons (%s): correlation needs exactly one",
				a.Ref, len(persons), strings.Join(persons, ", ")))
		}
	}
}

// target makes the unique values of one target's accounts free, and works
// out again the accounts of persons whose accounts in the targets this
// one reads changed.
func (u *planPass) target(ctx context.Context, target string) error {
	ta := u.in.Accounts[target]
	if ta == nil || ta.Mapper == nil {
		return nil
	}
	unique := ta.Mapper.Unique()
	deps := ta.Mapper.Dependencies()
	if len(unique) == 0 && !slices.ContainsFunc(deps, func(d string) bool { return len(u.changed[d]) > 0 }) {
		return nil
	}
	ix := u.indexes[target]
	var session *accounts.Session
	next := map[string]int{} // first clashing values → the iteration to try next
	for j := range u.e.Actions {
		if j%4096 == 0 {
			if err := engine.CheckCanceled(ctx); err != nil {
				return err
			}
		}
		a := &u.e.Actions[j]
		if a.Key.Target != target || u.drop[j] {
			continue
		}
		// what the action's values are made in, and compared with
		stage, base := engine.StageCreate, engine.Attributes(nil)
		switch a.Op {
		case engine.OpCreate:
		case engine.OpUpdate:
			stage, base = engine.StageUpdate, u.stored.attributes(a.Person, target)
		case engine.OpCorrelate:
			if ta.Mapper.Has(engine.StageUpdate) {
				stage = engine.StageUpdate
			}
			base = ix.existing(a.Ref)
		default:
			continue
		}
		depChanged := slices.ContainsFunc(deps, func(d string) bool { return u.changed[d][a.Person] })
		own := ownValues(ix, unique, u.stored.attributes(a.Person, target), a.Ref)
		if !depChanged && free(ix, unique, a.Changes, own) {
			take(ix, unique, a.Changes)
			continue
		}
		k, ok := u.in.Population.Find(a.Person)
		if !ok {
			continue
		}
		u.in.Population.Subject(k, &u.s)
		if session == nil {
			session = ta.Mapper.NewSession()
		}
		found := false
		var why string
		// persons whose first values clash alike go on where the last of
		// them found a free one: the values before are taken
		first := uniqueKey(unique, a.Changes)
		for it := next[first]; it < maxIterations; it++ {
			values, err := session.Values(stage, u.planInput(a, target, it))
			if err != nil {
				why = err.Error()
				break
			}
			if changes := correlated(a.Op, base, values); free(ix, unique, changes, own) {
				if !slices.Equal(changes, a.Changes) {
					a.Changes = changes
					u.markChanged(target, a.Person)
				}
				take(ix, unique, changes)
				found = true
				if it > 0 && first != "" {
					next[first] = it + 1
				}
				break
			}
		}
		if !found && why == "" {
			why = fmt.Sprintf("no free value for %s after %d tries (does the mapping use Iteration?)", strings.Join(unique, ", "), maxIterations)
		}
		switch {
		case !found && a.Op == engine.OpUpdate:
			u.notes = append(u.notes, engine.Note{Person: a.Person, Message: fmt.Sprintf(
				"%s: the account of %s in %s is not updated: %s", target, a.PersonName, ta.System.Name, why)})
			u.drop[j] = true
			u.markChanged(target, a.Person)
		case !found:
			u.dropAccount(a, why)
		case a.Op == engine.OpUpdate && len(a.Changes) == 0:
			u.drop[j] = true // in line after all
		}
	}
	return nil
}

// ownValues returns the unique values the person's own account holds, as
// the ledger has it and as the target does (found by its reference), by
// attribute and folded value: keeping one of them is no clash.
func ownValues(ix *targetIndex, unique []string, stored engine.Attributes, ref string) map[string]bool {
	var out map[string]bool
	add := func(attrs engine.Attributes) {
		for _, u := range unique {
			for v := range strings.SplitSeq(attribute(attrs, u), "\n") {
				if v != "" {
					if out == nil {
						out = map[string]bool{}
					}
					out[u+"\x00"+fold(v)] = true
				}
			}
		}
	}
	add(stored)
	if k, ok := ix.byRef[fold(ref)]; ok && ref != "" {
		add(ix.ta.Existing[k].Attributes)
	}
	return out
}

// attributes returns the attributes of a person's account in target, or
// nil.
func (l *Ledger) attributes(person, target string) engine.Attributes {
	if le := l.find(l.byPerson[person], accountKey(target)); le != nil {
		return attributesOf(le)
	}
	return nil
}

// ledgerAttributes returns the attributes of a ledger entry, to read and
// not to change: packed ones in the worker's map for the entry's target,
// which is filled again for the next entry (the next person's) there.
func (ev *evaluator) ledgerAttributes(target string, le *entry) engine.Attributes {
	if le.attrs == nil {
		return nil
	}
	u := ev.unpacked[target]
	if u == nil {
		if ev.unpacked == nil {
			ev.unpacked = map[string]*unpacked{}
		}
		u = &unpacked{attrs: engine.Attributes{}}
		ev.unpacked[target] = u
	}
	if u.from != le.attrs {
		clear(u.attrs)
		le.attrs.AddTo(u.attrs)
		u.from = le.attrs
	}
	return u.attrs
}

// unpacked is the map a worker reads a target's packed attributes in.
type unpacked struct {
	from  *engine.PackedAttributes
	attrs engine.Attributes
}

// free reports whether the unique attributes among changes are free: each
// of their values (a multi-valued attribute has several, one a line).
func free(ix *targetIndex, unique []string, changes []engine.AttributeChange, own map[string]bool) bool {
	for _, c := range changes {
		if !slices.Contains(unique, c.Attribute) {
			continue
		}
		for v := range strings.SplitSeq(c.New, "\n") {
			if v == "" || own[c.Attribute+"\x00"+fold(v)] {
				continue
			}
			if _, taken := ix.taken[c.Attribute][fold(v)]; taken {
				return false
			}
		}
	}
	return true
}

func take(ix *targetIndex, unique []string, changes []engine.AttributeChange) {
	for _, c := range changes {
		if !slices.Contains(unique, c.Attribute) {
			continue
		}
		for v := range strings.SplitSeq(c.New, "\n") {
			if v != "" {
				ix.taken[c.Attribute][fold(v)] = struct{}{}
			}
		}
	}
}

// planInput is the mapping input of a person for an action of the plan:
// its reasons' contracts, and the person's accounts in other targets as
// the ledger (or, when correlated, the target) has them, with what the
// plan, as it stands, writes on top.
func (u *planPass) planInput(a *engine.Action, target string, iteration int) *accounts.Input {
	in := &accounts.Input{Subject: &u.s, Iteration: iteration, Accounts: map[string]engine.Attributes{}}
	for _, r := range a.Reasons {
		for _, c := range r.Contracts {
			if k := contractIndex(u.s.Person, c); k >= 0 && !slices.Contains(in.InConditions, k) {
				in.InConditions = append(in.InConditions, k)
			}
		}
	}
	stored := u.stored.byPerson[a.Person]
	for j := range stored {
		if le := &stored[j]; u.stored.isAccount(le) && u.stored.target(le) != target && entryAttributes(le) > 0 {
			in.Accounts[u.stored.target(le)] = attributesOf(le)
		}
	}
	sp := u.spans[a.Person]
	for k := sp[0]; k < sp[1]; k++ {
		b := &u.e.Actions[k]
		if b.Key.Target == target || u.drop[k] {
			continue
		}
		if b.Op == engine.OpCorrelate {
			in.Accounts[b.Key.Target] = u.indexes[b.Key.Target].existing(b.Ref)
		}
		if len(b.Changes) > 0 {
			in.Accounts[b.Key.Target] = merge(in.Accounts[b.Key.Target], newAttributes(b.Changes))
		}
	}
	return in
}

func newAttributes(changes []engine.AttributeChange) engine.Attributes {
	out := engine.Attributes{}
	for _, c := range changes {
		out[c.Attribute] = c.New
	}
	return out
}

// correlated returns an action's attribute changes: for a correlation
// every attribute the account is known by, those that stay as they are
// with their old value as new, so that the ledger learns them all (other
// targets' mappings read them); for anything else only what changes.
func correlated(op engine.ActionOp, have, values engine.Attributes) []engine.AttributeChange {
	changes := diff(have, values)
	if op != engine.OpCorrelate {
		return changes
	}
	for _, name := range have.Names() {
		if v := have[name]; v != "" && attribute(values, name) == "" && !hasAttribute(values, name) {
			changes = append(changes, engine.AttributeChange{Attribute: name, Old: v, New: v})
		}
	}
	for _, name := range values.Names() {
		if old := attribute(have, name); old == values[name] && old != "" {
			changes = append(changes, engine.AttributeChange{Attribute: name, Old: old, New: old})
		}
	}
	slices.SortFunc(changes, func(x, y engine.AttributeChange) int { return strings.Compare(x.Attribute, y.Attribute) })
	return changes
}

func hasAttribute(a engine.Attributes, name string) bool {
	for k := range a {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// uniqueKey names the unique values among changes, folded: persons whose
// values are the same clash alike.
func uniqueKey(unique []string, changes []engine.AttributeChange) string {
	var b strings.Builder
	for _, c := range changes {
		if slices.ContainsFunc(unique, func(u string) bool { return strings.EqualFold(u, c.Attribute) }) {
			b.WriteString(strings.ToLower(c.Attribute))
			b.WriteByte(0)
			b.WriteString(fold(c.New))
			b.WriteByte(0)
		}
	}
	return b.String()
}
