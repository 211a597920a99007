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
	// linked maps an account reference to the person the ledger has it for.
	linked map[string]string
	// taken holds the folded values of each unique attribute.
	taken map[string]map[string]struct{}
}

func fold(s string) string { return strings.ToLower(s) }

// newTargetIndexes builds the indexes of the targets with accounts.
func newTargetIndexes(in *Input, ledger map[string][]engine.LedgerEntry) map[string]*targetIndex {
	out := map[string]*targetIndex{}
	for key, ta := range in.Accounts {
		ix := &targetIndex{ta: ta, linked: map[string]string{}, taken: map[string]map[string]struct{}{}}
		var unique []string
		if ta.Mapper != nil {
			unique = ta.Mapper.Unique()
		}
		for _, u := range unique {
			ix.taken[u] = map[string]struct{}{}
		}
		if c := ta.System.Correlation; c != nil && len(ta.Existing) > 0 {
			ix.byCorrelation = map[string][]int{}
			for i := range ta.Existing {
				if v := ta.Existing[i].Attributes[c.Attribute]; v != "" {
					ix.byCorrelation[fold(v)] = append(ix.byCorrelation[fold(v)], i)
				}
			}
		}
		for i := range ta.Existing {
			for _, u := range unique {
				for _, v := range strings.Split(ta.Existing[i].Attributes[u], "\n") {
					if v != "" {
						ix.taken[u][fold(v)] = struct{}{}
					}
				}
			}
		}
		for person, entries := range ledger {
			for _, le := range entries {
				if le.Key.Target != key || le.Key.Kind != engine.KindAccount {
					continue
				}
				if le.Reference != "" {
					ix.linked[fold(le.Reference)] = person
				}
				for _, u := range unique {
					if v := le.Attributes[u]; v != "" {
						ix.taken[u][fold(v)] = struct{}{}
					}
				}
			}
		}
		out[key] = ix
	}
	return out
}

// accountKey is the account entitlement of a target.
func accountKey(target string) engine.EntitlementKey {
	return engine.EntitlementKey{Target: target, Kind: engine.KindAccount}
}

func ledgerEntry(have []engine.LedgerEntry, key engine.EntitlementKey) (engine.LedgerEntry, bool) {
	for _, le := range have {
		if le.Key == key {
			return le, true
		}
	}
	return engine.LedgerEntry{}, false
}

// setOps gives every action of one person its operation, applying each
// target's lifecycle: a retired account that a rule gives again is
// reinstated; an account no rule gives is deleted, or retired and deleted
// later. kept are the entitlements the rules want.
func (ev *evaluator) setOps(p *engine.Person, have []engine.LedgerEntry, kept []wanted, acts []engine.Action) []engine.Action {
	asOf := ev.in.Population.AsOf
	out := acts[:0]
	for _, a := range acts {
		switch a.Key.Kind {
		case engine.KindAccount:
			if a.Grant {
				a.Op = engine.OpCreate
				break
			}
			le, _ := ledgerEntry(have, a.Key)
			a.Ref = le.Reference
			a.Op = engine.OpDelete
			if t := ev.system(a.Key.Target); t != nil && t.Lifecycle.End == engine.EndKeepDisabled {
				switch {
				case le.RetiredOn.IsZero():
					a.Op = engine.OpRetire
				case t.Lifecycle.DeleteAfterDays > 0 && asOf.Days() >= le.RetiredOn.Days()+t.Lifecycle.DeleteAfterDays:
					a.Reasons = append(slices.Clip(a.Reasons), engine.Reason{Why: fmt.Sprintf(
						"retired on %s and kept disabled for %d days", le.RetiredOn, t.Lifecycle.DeleteAfterDays)})
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
		out = append(out, a)
	}
	// retired accounts a rule gives again
	for _, w := range kept {
		if w.key.Kind != engine.KindAccount {
			continue
		}
		if le, ok := ledgerEntry(have, w.key); ok && !le.RetiredOn.IsZero() {
			out = append(out, engine.Action{Person: p.ID, PersonName: p.DisplayName, Key: w.key, Grant: true,
				Reasons: w.reasons, Op: engine.OpReinstate, Ref: le.Reference})
		}
	}
	// actions on an account that exists carry its reference
	for i := range out {
		if out[i].Ref == "" && out[i].Op != engine.OpCreate {
			if le, ok := ledgerEntry(have, accountKey(out[i].Key.Target)); ok {
				out[i].Ref = le.Reference
			}
		}
	}
	return out
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
func (ev *evaluator) mapAccounts(i int, have []engine.LedgerEntry, kept []wanted, acts []engine.Action) []engine.Action {
	p := ev.in.Population.Persons[i]
	planned := map[string]engine.Attributes{} // by target: the account's attributes after this plan
	for _, target := range ev.in.Order {
		ta := ev.in.Accounts[target]
		if ta == nil || ta.Mapper == nil {
			continue
		}
		acct, hasAcct := ledgerEntry(have, accountKey(target))
		in := ev.mapInput(p, target, kept, have, planned, 0)
		attrs := acct.Attributes.Clone()
		failed := ""
		for j := range acts {
			a := &acts[j]
			if a.Key.Target != target || a.Person != p.ID {
				continue
			}
			stage, ok := stageOf(a.Op)
			if !ok {
				continue
			}
			values, err := ev.session(target).Values(stage, in)
			if err != nil {
				failed = err.Error()
				break
			}
			if a.Op == engine.OpCreate {
				if ref, corr, why := ev.correlate(target, p, values); why != "" {
					failed = why
					break
				} else if ref != "" {
					// link the account found, and bring it in line
					a.Op, a.Ref = engine.OpCorrelate, ref
					if ta.Mapper.Has(engine.StageUpdate) {
						if values, err = ev.session(target).Values(engine.StageUpdate, in); err != nil {
							failed = err.Error()
							break
						}
					}
					a.Changes = diff(corr.Attributes, values)
					attrs = merge(corr.Attributes.Clone(), values)
					continue
				}
			}
			a.Changes = diff(attrs, values)
			if a.Op == engine.OpCreate {
				a.Changes = diff(nil, values)
			}
			attrs = merge(attrs, values)
		}
		if failed == "" && hasAcct && acct.RetiredOn.IsZero() && ta.Mapper.Has(engine.StageUpdate) && wantsKey(kept, accountKey(target)) &&
			!slices.ContainsFunc(acts, func(a engine.Action) bool { return a.Key == accountKey(target) && a.Op == engine.OpDelete }) {
			values, err := ev.session(target).Values(engine.StageUpdate, in)
			if err != nil {
				failed = err.Error()
			} else if changes := diff(attrs, values); len(changes) > 0 {
				acts = append(acts, engine.Action{Person: p.ID, PersonName: p.DisplayName, Key: accountKey(target), Grant: true,
					Reasons: wantedReasons(kept, accountKey(target)), Op: engine.OpUpdate, Ref: acct.Reference, Changes: changes})
				attrs = merge(attrs, values)
			}
		}
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

func wantedReasons(kept []wanted, key engine.EntitlementKey) []engine.Reason {
	for _, w := range kept {
		if w.key == key {
			return w.reasons
		}
	}
	return nil
}

// mapInput is the mapping's view of a person for one target: the
// in-conditions contracts of the rules that give the account, and the
// attributes of the person's accounts in other targets.
func (ev *evaluator) mapInput(p *engine.Person, target string, kept []wanted, have []engine.LedgerEntry, planned map[string]engine.Attributes, iteration int) *accounts.Input {
	in := &accounts.Input{Subject: &ev.s, Iteration: iteration, Accounts: map[string]engine.Attributes{}}
	for _, r := range wantedReasons(kept, accountKey(target)) {
		for _, c := range r.Contracts {
			if k := contractIndex(p, c); k >= 0 && !slices.Contains(in.InConditions, k) {
				in.InConditions = append(in.InConditions, k)
			}
		}
	}
	for _, le := range have {
		if le.Key.Kind == engine.KindAccount && le.Key.Target != target && len(le.Attributes) > 0 {
			in.Accounts[le.Key.Target] = le.Attributes
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
// account's reference, or why it cannot be linked.
func (ev *evaluator) correlate(target string, p *engine.Person, _ engine.Attributes) (string, *engine.Account, string) {
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
		return acct.Ref, acct, ""
	}
	var refs []string
	for _, k := range found[:min(len(found), 5)] {
		refs = append(refs, ix.ta.Existing[k].Ref)
	}
	return "", nil, fmt.Sprintf("%d accounts have %s %q (%s): correlation needs exactly one", len(found), c.Attribute, value, strings.Join(refs, "; "))
}

// diff returns the attributes of values that differ from have.
func diff(have, values engine.Attributes) []engine.AttributeChange {
	var out []engine.AttributeChange
	for _, name := range values.Names() {
		if old := have[name]; old != values[name] {
			out = append(out, engine.AttributeChange{Attribute: name, Old: old, New: values[name]})
		}
	}
	return out
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

// uniquePass makes the unique attributes of the plan's creates and updates
// free, target by target in mapping order and person by person in plan
// order, so that the same inputs always give the same names: a value
// taken in the target, in the ledger or earlier in the plan is made again
// with Iteration 1, 2, … A person whose values changed in one target has
// the targets that read them worked out again.
func uniquePass(ctx context.Context, in *Input, e *engine.Evaluation, indexes map[string]*targetIndex, ledger map[string][]engine.LedgerEntry) error {
	pop := in.Population
	changed := map[string]map[string]bool{} // target → persons whose values changed
	var s rules.Subject
	var notes []engine.Note
	drop := map[int]bool{}
	if !slices.ContainsFunc(in.Order, func(t string) bool {
		ta := in.Accounts[t]
		return ta != nil && ta.Mapper != nil && (len(ta.Mapper.Unique()) > 0 || len(ta.Mapper.Dependencies()) > 0)
	}) {
		return nil
	}
	spans := map[string][2]int{} // each person's actions are adjacent in the plan
	for j := range e.Actions {
		sp, ok := spans[e.Actions[j].Person]
		if !ok {
			sp[0] = j
		}
		sp[1] = j + 1
		spans[e.Actions[j].Person] = sp
	}
	for _, target := range in.Order {
		ta := in.Accounts[target]
		if ta == nil || ta.Mapper == nil {
			continue
		}
		unique := ta.Mapper.Unique()
		deps := ta.Mapper.Dependencies()
		if len(unique) == 0 && !slices.ContainsFunc(deps, func(d string) bool { return len(changed[d]) > 0 }) {
			continue
		}
		ix := indexes[target]
		session := ta.Mapper.NewSession()
		for j := range e.Actions {
			if j%4096 == 0 {
				if err := engine.CheckCanceled(ctx); err != nil {
					return err
				}
			}
			a := &e.Actions[j]
			if a.Key.Target != target || drop[j] {
				continue
			}
			stage := engine.StageCreate
			switch a.Op {
			case engine.OpCreate:
			case engine.OpUpdate, engine.OpCorrelate:
				stage = engine.StageUpdate
			default:
				continue
			}
			depChanged := slices.ContainsFunc(deps, func(d string) bool { return changed[d][a.Person] })
			own := ownValues(ledger[a.Person], target)
			if !depChanged && free(ix, unique, a.Changes, own) {
				take(ix, unique, a.Changes)
				continue
			}
			k, ok := pop.Find(a.Person)
			if !ok {
				continue
			}
			pop.Subject(k, &s)
			found := false
			var why string
			for it := 0; it < maxIterations; it++ {
				mi := planInput(&s, e, spans[a.Person], a, ledger[a.Person], target, it)
				values, err := session.Values(stage, mi)
				if err != nil {
					why = err.Error()
					break
				}
				changes := diff(nil, values)
				if a.Op != engine.OpCreate {
					base := ledgerAttributes(ledger[a.Person], target)
					changes = diff(base, values)
				}
				if free(ix, unique, changes, own) {
					if !slices.Equal(changes, a.Changes) {
						a.Changes = changes
						if changed[target] == nil {
							changed[target] = map[string]bool{}
						}
						changed[target][a.Person] = true
					}
					take(ix, unique, changes)
					found = true
					break
				}
			}
			if !found {
				if why == "" {
					why = fmt.Sprintf("no free value for %s after %d tries (does the mapping use Iteration?)", strings.Join(unique, ", "), maxIterations)
				}
				notes = append(notes, engine.Note{Person: a.Person, Message: fmt.Sprintf("%s: nothing is planned in %s for %s: %s", target, ta.System.Name, a.PersonName, why)})
				if a.Op == engine.OpCreate {
					// nothing can follow a create that cannot be made
					for k := range e.Actions {
						if b := &e.Actions[k]; b.Person == a.Person && b.Key.Target == target && b.Grant {
							drop[k] = true
						}
					}
				}
				drop[j] = true
			}
		}
	}
	if len(drop) > 0 {
		kept := e.Actions[:0]
		for j, a := range e.Actions {
			if !drop[j] {
				kept = append(kept, a)
			}
		}
		clear(e.Actions[len(kept):])
		e.Actions = kept
	}
	e.Notes = append(e.Notes, notes...)
	return nil
}

// ownValues returns the folded unique values the person's own account in
// the target has: keeping them is never a clash.
func ownValues(have []engine.LedgerEntry, target string) map[string]bool {
	attrs := ledgerAttributes(have, target)
	if len(attrs) == 0 {
		return nil
	}
	out := map[string]bool{}
	for _, v := range attrs {
		out[fold(v)] = true
	}
	return out
}

func ledgerAttributes(have []engine.LedgerEntry, target string) engine.Attributes {
	le, _ := ledgerEntry(have, accountKey(target))
	return le.Attributes
}

// free reports whether the unique attributes among changes are free.
func free(ix *targetIndex, unique []string, changes []engine.AttributeChange, own map[string]bool) bool {
	for _, c := range changes {
		if !slices.Contains(unique, c.Attribute) || c.New == "" || own[fold(c.New)] {
			continue
		}
		if _, taken := ix.taken[c.Attribute][fold(c.New)]; taken {
			return false
		}
	}
	return true
}

func take(ix *targetIndex, unique []string, changes []engine.AttributeChange) {
	for _, c := range changes {
		if slices.Contains(unique, c.Attribute) && c.New != "" {
			ix.taken[c.Attribute][fold(c.New)] = struct{}{}
		}
	}
}

// planInput is the mapping input of a person for an action of the plan:
// its reasons' contracts, and the person's attributes in other targets as
// the ledger has them, with what the plan writes on top.
func planInput(s *rules.Subject, e *engine.Evaluation, span [2]int, a *engine.Action, have []engine.LedgerEntry, target string, iteration int) *accounts.Input {
	in := &accounts.Input{Subject: s, Iteration: iteration, Accounts: map[string]engine.Attributes{}}
	for _, r := range a.Reasons {
		for _, c := range r.Contracts {
			if k := contractIndex(s.Person, c); k >= 0 && !slices.Contains(in.InConditions, k) {
				in.InConditions = append(in.InConditions, k)
			}
		}
	}
	for _, le := range have {
		if le.Key.Kind == engine.KindAccount && le.Key.Target != target && len(le.Attributes) > 0 {
			in.Accounts[le.Key.Target] = le.Attributes.Clone()
		}
	}
	// the person's actions are adjacent in the plan
	for k := span[0]; k < span[1]; k++ {
		b := &e.Actions[k]
		if b.Key.Target == target || len(b.Changes) == 0 {
			continue
		}
		in.Accounts[b.Key.Target] = merge(in.Accounts[b.Key.Target], newAttributes(b.Changes))
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
