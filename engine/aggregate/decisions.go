package aggregate

import (
	"fmt"
	"slices"
	"strings"

	"provisio/engine"
)

// Overlay applies the aggregation decisions to a snapshot's persons: the
// members of a merge are no persons of their own, their contracts move to
// the main person; persons excluded by hand, and new persons a pending
// suggestion holds, are excluded.
//
// A merge whose main person is no longer in the snapshot lives on while
// one of its members is: the first member present takes the main
// person's place (and id), so the human keeps what was granted to the
// merged person.
type Overlay struct {
	g        *engine.Aggregation
	roles    map[string]role
	excluded map[string]string
}

type role struct {
	merge  int // index in g.Merges
	member bool
}

// NewOverlay prepares the decisions of g (nil: none).
func NewOverlay(g *engine.Aggregation) *Overlay {
	if g == nil {
		g = &engine.Aggregation{}
	}
	o := &Overlay{g: g, roles: map[string]role{}, excluded: map[string]string{}}
	for i, m := range g.Merges {
		o.roles[m.Main] = role{merge: i}
		for _, id := range m.Members {
			o.roles[id] = role{merge: i, member: true}
		}
	}
	for _, s := range g.Suggestions {
		other := map[string]string{s.A: s.B, s.B: s.A}
		for _, id := range s.Held {
			if _, ok := o.excluded[id]; !ok {
				o.excluded[id] = fmt.Sprintf("waiting for an aggregation decision: they may be the same human as %s (score %.2f)", other[id], s.Score)
			}
		}
	}
	for _, x := range g.Exclusions {
		o.excluded[x.Person] = "excluded by hand: " + x.Reason
	}
	return o
}

// Empty reports whether the overlay changes nothing.
func (o *Overlay) Empty() bool { return len(o.roles) == 0 && len(o.excluded) == 0 }

// InMerge reports whether a person is the main person or a member of a
// merge: Apply must see all of a merge's persons at once.
func (o *Overlay) InMerge(id string) bool {
	_, ok := o.roles[id]
	return ok
}

// Decided says why the decisions keep a person from being provisioned as
// they are: excluded (by hand or held by a suggestion) or merged into
// another person. A person the source excludes is not its business.
func (o *Overlay) Decided(id string) (string, bool) {
	if r, ok := o.roles[id]; ok && r.member {
		return "merged into " + o.g.Merges[r.merge].Main, true
	}
	why, ok := o.excluded[id]
	return why, ok
}

// Exclude returns p excluded (a copy) when a decision excludes them, else
// p itself. It does not look at merges.
func (o *Overlay) Exclude(p *engine.Person) *engine.Person {
	if why, ok := o.excluded[p.ID]; ok {
		return exclude(p, why)
	}
	return p
}

// Apply returns the persons as the decisions make them. persons is sorted
// by id and holds every person of each merge it holds one of (a whole
// snapshot does); it is not modified: changed persons are copies.
func (o *Overlay) Apply(persons []*engine.Person) []*engine.Person {
	if o.Empty() {
		return persons
	}
	g := o.g
	// the persons of each merge, as found
	found := make([]map[string]*engine.Person, len(g.Merges))
	out := make([]*engine.Person, 0, len(persons))
	for _, p := range persons {
		r, ok := o.roles[p.ID]
		if !ok {
			out = append(out, o.Exclude(p))
			continue
		}
		if found[r.merge] == nil {
			found[r.merge] = map[string]*engine.Person{}
		}
		found[r.merge][p.ID] = p
	}
	inserted := false
	for i := range g.Merges {
		m := &g.Merges[i]
		p := merged(m, found[i])
		if p == nil {
			continue
		}
		if why, ex := o.excluded[m.Main]; ex {
			p.Excluded = true
			if p.Exclusion == "" {
				p.Exclusion = why
			}
		}
		out = append(out, p)
		inserted = true
	}
	if inserted {
		slices.SortFunc(out, func(a, b *engine.Person) int { return strings.Compare(a.ID, b.ID) })
	}
	return out
}

// Apply applies the decisions of g to persons: NewOverlay(g).Apply.
func Apply(persons []*engine.Person, g *engine.Aggregation) []*engine.Person {
	return NewOverlay(g).Apply(persons)
}

func exclude(p *engine.Person, why string) *engine.Person {
	c := *p
	c.Excluded = true
	if !p.Excluded { // the source's exclusion says enough
		c.Exclusion = why
	}
	return &c
}

// merged makes the person of a merge from those of its persons the
// snapshot has, or returns nil when it has none.
func merged(m *engine.Merge, found map[string]*engine.Person) *engine.Person {
	base := found[m.Main]
	if base == nil {
		for _, id := range m.Members {
			if base = found[id]; base != nil {
				break
			}
		}
	}
	if base == nil {
		return nil
	}
	p := *base
	p.ID = m.Main
	p.MergedFrom = nil
	p.Contracts = slices.Clone(base.Contracts)
	taken := map[string]bool{}
	for _, c := range p.Contracts {
		taken[c.ExternalID] = true
	}
	for _, id := range append([]string{m.Main}, m.Members...) {
		x := found[id]
		if id == m.Main || x == nil {
			continue
		}
		p.MergedFrom = append(p.MergedFrom, id)
		if x == base {
			continue
		}
		for _, c := range x.Contracts {
			c.From = id
			if taken[c.ExternalID] {
				c.ExternalID = id + "/" + c.ExternalID
			}
			taken[c.ExternalID] = true
			p.Contracts = append(p.Contracts, c)
		}
	}
	if base != found[m.Main] {
		// the main person's record is gone: its stand-in's contracts came
		// from it
		for i := range len(base.Contracts) {
			p.Contracts[i].From = base.ID
		}
	}
	return &p
}

// PlanMerge works out what a merge does to the ledger. ledger holds the
// entries of the main person and of each member, by person. With
// TransferEntitlements a member's entries in a target move to the main
// person, unless the main person (or a member before) already has
// entries in that target: an account and what hangs on it belong
// together, so those are left unmanaged instead. With LeaveUnmanaged they
// all stay with the member, unmanaged. It returns what moved (for an
// unmerge) and the ledger changes.
func PlanMerge(main string, members []string, handling engine.EntitlementHandling, ledger map[string][]engine.LedgerEntry) ([]engine.MovedEntitlement, []engine.LedgerChange) {
	held := map[string]bool{} // targets the main person has entries in
	for _, e := range ledger[main] {
		held[e.Key.Target] = true
	}
	var moved []engine.MovedEntitlement
	var changes []engine.LedgerChange
	for _, id := range members {
		entries := ledger[id]
		taking := map[string]bool{}
		for _, e := range entries {
			if handling == engine.TransferEntitlements && !held[e.Key.Target] {
				taking[e.Key.Target] = true
			}
		}
		for _, e := range entries {
			mv := engine.MovedEntitlement{From: id, Key: e.Key, WasUnmanaged: e.Unmanaged}
			if taking[e.Key.Target] {
				mv.Transferred = true
				changes = append(changes, engine.LedgerChange{Entry: e, Delete: true})
				e.Person = main
				changes = append(changes, engine.LedgerChange{Entry: e})
			} else {
				if e.Unmanaged {
					moved = append(moved, mv)
					continue
				}
				e.Unmanaged = true
				changes = append(changes, engine.LedgerChange{Entry: e})
			}
			moved = append(moved, mv)
		}
		for t := range taking {
			held[t] = true
		}
	}
	return moved, changes
}

// PlanUnmerge works out the ledger changes that undo a merge: a target
// whose entries the merge transferred goes back whole to the member it
// came from, with what the main person was granted there since (it hangs
// on that account); entries left unmanaged are managed again as before.
// Entries that are no longer in the ledger (revoked since) are left alone.
// ledger holds the entries of the main person and of each member, by
// person.
func PlanUnmerge(m *engine.Merge, ledger map[string][]engine.LedgerEntry) []engine.LedgerChange {
	from := map[string]string{} // target → the member whose entries it took
	for _, mv := range m.Moved {
		if mv.Transferred {
			from[mv.Key.Target] = mv.From
		}
	}
	var changes []engine.LedgerChange
	for _, e := range ledger[m.Main] {
		member, ok := from[e.Key.Target]
		if !ok {
			continue
		}
		changes = append(changes, engine.LedgerChange{Entry: e, Delete: true})
		e.Person = member
		changes = append(changes, engine.LedgerChange{Entry: e})
	}
	for _, mv := range m.Moved {
		if mv.Transferred {
			continue
		}
		for _, e := range ledger[mv.From] {
			if e.Key != mv.Key || e.Unmanaged == mv.WasUnmanaged {
				continue
			}
			e.Unmanaged = mv.WasUnmanaged
			changes = append(changes, engine.LedgerChange{Entry: e})
		}
	}
	return changes
}
