package rules

import (
	"slices"

	"provisio/engine"
)

// Set is a compiled set of rules with an index from the values their
// conditions require to the rules.
type Set struct {
	Rules []*Rule

	personIdx   []*fieldIndex // person fields some rule requires a value of
	contractIdx []*fieldIndex // contract fields some rule requires a value of
	unindexed   []int         // rules every person is tested against
}

// fieldIndex maps the values of one field to the rules that require one of
// them.
type fieldIndex struct {
	path    string
	get     getter
	byValue map[string][]int // foldKey of a value → rule positions
}

// indexValues returns the values a rule's conditions require of one text
// field — a top-level "is" or "is one of", alone or in an "all" group —
// or nil when they require none.
func indexValues(n *node) (*leaf, []string) {
	if n == nil {
		return nil, nil
	}
	candidates := []*node{n}
	if n.group == engine.GroupAll {
		candidates = n.kids
	}
	for _, k := range candidates {
		l := k.leaf
		if l == nil || l.def.Type != engine.TypeText {
			continue
		}
		switch l.cond.Op {
		case engine.OpEquals:
			// the value the test compares with, also when it is given as
			// a one-value list
			vals, _ := operands(l.cond, engine.OperatorDef{Arity: engine.OneValue})
			return l, []string{foldKey(vals[0])}
		case engine.OpIn:
			vals, _ := operands(l.cond, engine.OperatorDef{Arity: engine.ValueList})
			for i := range vals {
				vals[i] = foldKey(vals[i])
			}
			return l, vals
		}
	}
	return nil, nil
}

// Position returns the rule's position in its Set's Rules.
func (r *Rule) Position() int { return r.pos }

func (s *Set) buildIndex() {
	for i, r := range s.Rules {
		r.pos = i
	}
	indexes := map[string]*fieldIndex{}
	add := func(list *[]*fieldIndex, prefix string, l *leaf, vals []string, rule int) {
		key := prefix + l.cond.Field
		fi := indexes[key]
		if fi == nil {
			fi = &fieldIndex{path: l.cond.Field, get: l.get, byValue: map[string][]int{}}
			indexes[key] = fi
			*list = append(*list, fi)
		}
		for _, v := range vals {
			fi.byValue[v] = append(fi.byValue[v], rule)
		}
	}
	for i, r := range s.Rules {
		if l, vals := indexValues(r.person); l != nil {
			add(&s.personIdx, "p:", l, vals, i)
		} else if l, vals := indexValues(r.contr); l != nil {
			add(&s.contractIdx, "c:", l, vals, i)
		} else {
			s.unindexed = append(s.unindexed, i)
		}
	}
}

// Scratch is reusable working memory for evaluating one subject at a time
// on one goroutine.
type Scratch struct {
	stamp      []uint32
	gen        uint32
	candidates []int
	contracts  []int
}

// Match is a rule that holds for a subject, with its in-conditions
// contracts (positions in Subject.Person.Contracts).
type Match struct {
	Rule      *Rule
	Contracts []int
}

// Matches calls fn for each rule that holds for s, in rule order. The
// Contracts slice is only valid during the call.
func (set *Set) Matches(s *Subject, sc *Scratch, fn func(Match)) {
	if len(sc.stamp) < len(set.Rules) {
		sc.stamp = make([]uint32, len(set.Rules))
	}
	sc.gen++
	if sc.gen == 0 { // wrapped: forget old stamps
		clear(sc.stamp)
		sc.gen = 1
	}
	sc.candidates = sc.candidates[:0]
	mark := func(rules []int) {
		for _, r := range rules {
			if sc.stamp[r] != sc.gen {
				sc.stamp[r] = sc.gen
				sc.candidates = append(sc.candidates, r)
			}
		}
	}
	mark(set.unindexed)
	for _, fi := range set.personIdx {
		if rules := fi.byValue[foldKey(fi.get.person(s).Text)]; rules != nil {
			mark(rules)
		}
	}
	if len(set.contractIdx) > 0 {
		for k := range s.Person.Contracts {
			c := &s.Person.Contracts[k]
			for _, fi := range set.contractIdx {
				if rules := fi.byValue[foldKey(fi.get.contract(c).Text)]; rules != nil {
					mark(rules)
				}
			}
		}
	}
	slices.Sort(sc.candidates)
	for _, i := range sc.candidates {
		r := set.Rules[i]
		if contracts, ok := r.eval(s, sc.contracts[:0]); ok {
			sc.contracts = contracts
			fn(Match{Rule: r, Contracts: contracts})
		}
	}
}

// eval tests the rule on a subject and returns its in-conditions
// contracts, appended to buf.
func (r *Rule) eval(s *Subject, buf []int) ([]int, bool) {
	b := r.Body
	active := false
	for k := range s.Person.Contracts {
		if s.inWindow(k, b.Timeframe) {
			active = true
			break
		}
	}
	switch b.Status {
	case engine.RuleActive:
		if !active {
			return buf, false
		}
	case engine.RuleInactive:
		if active {
			return buf, false
		}
	}
	if r.person != nil && !r.person.eval(s, nil) {
		return buf, false
	}
	for k := range s.Person.Contracts {
		if b.Status == engine.RuleActive && !s.inWindow(k, b.Timeframe) {
			continue
		}
		if r.contr == nil || r.contr.eval(s, &s.Person.Contracts[k]) {
			buf = append(buf, k)
		}
	}
	if r.contr != nil && len(buf) == 0 {
		return buf, false
	}
	return buf, true
}

func (n *node) eval(s *Subject, c *engine.Contract) bool {
	if l := n.leaf; l != nil {
		return l.test(l.get.get(s, c), s)
	}
	switch n.group {
	case engine.GroupAll:
		for _, k := range n.kids {
			if !k.eval(s, c) {
				return false
			}
		}
		return true
	case engine.GroupAny:
		for _, k := range n.kids {
			if k.eval(s, c) {
				return true
			}
		}
		return false
	default: // not
		return !n.kids[0].eval(s, c)
	}
}

// Grants calls fn with each entitlement a match gives: static ones once,
// dynamic permissions once per in-conditions contract that fills in the
// template (the same permission from two contracts is given once, with
// both contracts).
func (m Match) Grants(s *Subject, fn func(key engine.EntitlementKey, contracts []int)) {
	for i := range m.Rule.grants {
		g := &m.Rule.grants[i]
		if !g.dynamic {
			fn(g.key, m.Contracts)
			continue
		}
		if len(m.Contracts) == 1 { // the common case: no grouping needed
			if name, ok := g.expand(&s.Person.Contracts[m.Contracts[0]]); ok {
				key := g.key
				key.Name = name
				fn(key, m.Contracts)
			}
			continue
		}
		// group the contracts by the name they give, in contract order;
		// persons have few contracts, so a linear search beats a map
		type group struct {
			name      string
			contracts []int
		}
		var groups []group
	next:
		for _, k := range m.Contracts {
			name, ok := g.expand(&s.Person.Contracts[k])
			if !ok {
				continue
			}
			for j := range groups {
				if groups[j].name == name {
					groups[j].contracts = append(groups[j].contracts, k)
					continue next
				}
			}
			groups = append(groups, group{name: name, contracts: []int{k}})
		}
		for _, gr := range groups {
			key := g.key
			key.Name = gr.name
			fn(key, gr.contracts)
		}
	}
}
