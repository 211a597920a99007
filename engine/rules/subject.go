package rules

import (
	"math"

	"provisio/engine"
)

// Population is the persons of a snapshot, ready for evaluation on a
// reference date: managers and departments resolve within it.
type Population struct {
	Persons []*engine.Person
	AsOf    engine.Date
	env     *Env
	org     *engine.Org
	byID    map[string]int
}

// NewPopulation indexes persons and departments for evaluation on asOf.
func NewPopulation(env *Env, persons []*engine.Person, departments []engine.Department, asOf engine.Date) *Population {
	p := &Population{Persons: persons, AsOf: asOf, env: env, org: engine.NewOrg(departments), byID: make(map[string]int, len(persons))}
	for i, x := range persons {
		p.byID[x.ID] = i
	}
	return p
}

// Env returns the environment the population was made in.
func (p *Population) Env() *Env { return p.env }

// Find returns the position of the person with the given id.
func (p *Population) Find(id string) (int, bool) {
	i, ok := p.byID[id]
	return i, ok
}

// Subject is one person as rules see them on the reference date: their
// primary contract, their manager, and their contracts' dates as day
// numbers for quick timeframe tests.
type Subject struct {
	Person  *engine.Person
	Primary int // index in Person.Contracts, or -1
	Manager *engine.Person
	AsOf    engine.Date
	refDays int
	starts  []int // per contract; MinInt for no start date
	ends    []int // per contract; MaxInt for no end date
}

// Subject fills s for person i, reusing its slices.
func (p *Population) Subject(i int, s *Subject) {
	person := p.Persons[i]
	s.Person, s.AsOf, s.refDays = person, p.AsOf, p.AsOf.Days()
	s.Primary = p.env.Primary.Primary(person.Contracts, p.AsOf)
	s.Manager = nil
	if s.Primary >= 0 {
		if m := p.org.ManagerOf(person, &person.Contracts[s.Primary]); m != "" {
			if k, ok := p.byID[engine.PersonID(person.Source, m)]; ok {
				s.Manager = p.Persons[k]
			}
		}
	}
	s.starts, s.ends = s.starts[:0], s.ends[:0]
	for k := range person.Contracts {
		c := &person.Contracts[k]
		start, end := math.MinInt, math.MaxInt
		if !c.StartDate.IsZero() {
			start = c.StartDate.Days()
		}
		if !c.EndDate.IsZero() {
			end = c.EndDate.Days()
		}
		s.starts, s.ends = append(s.starts, start), append(s.ends, end)
	}
}

// inWindow reports whether contract k counts as active for a timeframe on
// the reference date: from daysBefore before its start to daysAfter after
// its end.
func (s *Subject) inWindow(k int, t engine.Timeframe) bool {
	start, end := s.starts[k], s.ends[k]
	if start != math.MinInt {
		start -= t.DaysBefore
	}
	if end != math.MaxInt {
		end += t.DaysAfter
	}
	return start <= s.refDays && s.refDays <= end
}
