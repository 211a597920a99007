package engine

import (
	"cmp"
)

// ContractState says where a contract stands on a given day.
type ContractState string

// The contract states.
const (
	ContractActive ContractState = "active"
	ContractFuture ContractState = "future"
	ContractPast   ContractState = "past"
)

// StateOn returns the state of c on day d. A contract with no start date
// has always run; one with no end date never ends.
func (c *Contract) StateOn(d Date) ContractState {
	switch {
	case !c.StartDate.IsZero() && d < c.StartDate:
		return ContractFuture
	case !c.EndDate.IsZero() && d > c.EndDate:
		return ContractPast
	default:
		return ContractActive
	}
}

// Status is a person's status on a given day. Excluded and blocked take
// precedence over the lifecycle statuses active, future and former.
type Status string

// The person statuses.
const (
	StatusActive   Status = "active"
	StatusFuture   Status = "future"
	StatusFormer   Status = "former"
	StatusBlocked  Status = "blocked"
	StatusExcluded Status = "excluded"
)

// Statuses lists every status, in the order screens show them.
var Statuses = []Status{StatusActive, StatusFuture, StatusFormer, StatusBlocked, StatusExcluded}

// LifecycleOn returns active when one of the person's contracts is active on
// d, future when none is but one will start, and former otherwise
// (including a person without contracts).
func (p *Person) LifecycleOn(d Date) Status {
	st := StatusFormer
	for i := range p.Contracts {
		switch p.Contracts[i].StateOn(d) {
		case ContractActive:
			return StatusActive
		case ContractFuture:
			st = StatusFuture
		}
	}
	return st
}

// StatusOn returns the person's status on day d.
func (p *Person) StatusOn(d Date) Status {
	switch {
	case p.Excluded:
		return StatusExcluded
	case p.Blocked():
		return StatusBlocked
	default:
		return p.LifecycleOn(d)
	}
}

// SortCriterion is one step of the primary contract ordering: a contract
// field and a direction.
type SortCriterion struct {
	Field      string `json:"field"`
	Descending bool   `json:"descending,omitempty"`
}

// PrimaryContractOrder decides which of a person's contracts is primary.
// Among the active contracts the first in Criteria order wins; with none
// active the next future one (earliest start) wins, and otherwise the most
// recent past one (latest end); Criteria break ties within those.
type PrimaryContractOrder struct {
	Criteria []SortCriterion `json:"criteria"`
}

// DefaultPrimaryContractOrder is the ordering of a new workspace: the
// largest contract (FTE, hours per week, percentage, sequence), then the
// one that ends last (open-ended last of all), then the one that started
// first.
func DefaultPrimaryContractOrder() PrimaryContractOrder {
	return PrimaryContractOrder{Criteria: []SortCriterion{
		{Field: "Details.Fte", Descending: true},
		{Field: "Details.HoursPerWeek", Descending: true},
		{Field: "Details.Percentage", Descending: true},
		{Field: "Details.Sequence", Descending: true},
		{Field: "EndDate", Descending: true},
		{Field: "StartDate"},
	}}
}

// PrimaryContractRule is a compiled PrimaryContractOrder.
type PrimaryContractRule struct {
	keys []sortKey
}

type sortKey struct {
	get  func(*Contract) Value
	desc bool
	// zeroHigh makes an empty date sort after every date: an open-ended
	// end date is the latest end date.
	zeroHigh bool
}

// Compile checks the ordering against the field registry.
func (o PrimaryContractOrder) Compile(f *Fields) (*PrimaryContractRule, error) {
	r := &PrimaryContractRule{}
	for i, c := range o.Criteria {
		fd, ok := f.ContractField(c.Field)
		if !ok {
			return nil, Errorf(Invalid, "primary contract ordering, step %d: %q is not a contract field%s", i+1, c.Field, SuggestPaths(c.Field, f.Defs(LevelContract)))
		}
		r.keys = append(r.keys, sortKey{get: fd.Get, desc: c.Descending, zeroHigh: c.Field == "EndDate"})
	}
	return r, nil
}

// Primary returns the index of the primary contract in cs on day d, or -1
// when there are no contracts.
func (r *PrimaryContractRule) Primary(cs []Contract, d Date) int {
	best, bestState := -1, ContractState("")
	for i := range cs {
		st := cs[i].StateOn(d)
		if best < 0 || r.better(&cs[i], st, &cs[best], bestState) {
			best, bestState = i, st
		}
	}
	return best
}

var stateRank = map[ContractState]int{ContractActive: 0, ContractFuture: 1, ContractPast: 2}

func (r *PrimaryContractRule) better(a *Contract, as ContractState, b *Contract, bs ContractState) bool {
	if as != bs {
		return stateRank[as] < stateRank[bs]
	}
	switch as {
	case ContractFuture:
		if c := cmp.Compare(a.StartDate, b.StartDate); c != 0 {
			return c < 0
		}
	case ContractPast:
		if c := cmp.Compare(a.EndDate, b.EndDate); c != 0 {
			return c > 0
		}
	}
	for _, k := range r.keys {
		c := compareValues(k.get(a), k.get(b), k.zeroHigh)
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c < 0
		}
	}
	return false
}

// compareValues orders two values of the same type; an empty value sorts
// first (or, for dates with zeroHigh, last).
func compareValues(a, b Value, zeroHigh bool) int {
	switch a.Type {
	case TypeNumber:
		if a.Num.Set != b.Num.Set {
			if a.Num.Set {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.Num.V, b.Num.V)
	case TypeDate:
		ad, bd := a.Date, b.Date
		if zeroHigh {
			if ad == 0 {
				ad = 99991231
			}
			if bd == 0 {
				bd = 99991231
			}
		}
		return cmp.Compare(ad, bd)
	case TypeBoolean:
		switch {
		case a.Bool == b.Bool:
			return 0
		case a.Bool:
			return 1
		default:
			return -1
		}
	default:
		return cmp.Compare(a.Text, b.Text)
	}
}

// Org resolves departments and managers within one snapshot.
type Org struct {
	departments map[string]*Department // by source and external id
}

// NewOrg indexes departments.
func NewOrg(departments []Department) *Org {
	o := &Org{departments: make(map[string]*Department, len(departments))}
	for i := range departments {
		d := &departments[i]
		o.departments[PersonID(d.Source, d.ExternalID)] = d
	}
	return o
}

// Department returns the department with the given external id in a
// source system.
func (o *Org) Department(source, externalID string) (*Department, bool) {
	d, ok := o.departments[PersonID(source, externalID)]
	return d, ok
}

// ManagerOf returns the external id of the manager of person p under
// contract c: the contract's manager when it names one, else the manager of
// the contract's department, walking up the department tree. A person is
// never their own manager; "" means no manager was found.
func (o *Org) ManagerOf(p *Person, c *Contract) string {
	if c == nil {
		return ""
	}
	if m := c.Manager.ExternalID; m != "" && m != p.ExternalID {
		return m
	}
	seen := map[string]bool{}
	id := c.Department.ExternalID
	for id != "" && !seen[id] {
		seen[id] = true
		d, ok := o.departments[PersonID(p.Source, id)]
		if !ok {
			return ""
		}
		if m := d.ManagerExternalID; m != "" && m != p.ExternalID {
			return m
		}
		id = d.ParentExternalID
	}
	return ""
}
