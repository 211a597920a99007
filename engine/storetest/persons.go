package storetest

import (
	"fmt"
	"time"

	"provisio/engine"
)

// newPerson returns a canonical person of source with one contract, as a
// source mapping makes them, changed by mods. Empty lists are nil, as
// engine.DecodePerson returns them, so decoded persons compare equal.
func newPerson(source, externalID string, mods ...func(*engine.Person)) *engine.Person {
	p := &engine.Person{
		ID:          engine.PersonID(source, externalID),
		Source:      source,
		ExternalID:  externalID,
		DisplayName: "Person " + externalID,
		Name:        engine.Name{GivenName: "Person", FamilyName: externalID, Initials: "P.", Convention: "B"},
		Details:     engine.Details{BirthDate: engine.NewDate(1985, time.June, 14), Gender: "X"},
		Contact:     engine.Contact{Business: engine.ContactDetails{Email: "p" + externalID + "@example.org", Phone: engine.Phone{Fixed: "+31 20 555 0100"}}},
		Location:    engine.Ref{ExternalID: "ams", Name: "Amsterdam"},
		Custom:      engine.Custom{{Name: "badge", Value: "B-" + externalID}},
		Contracts:   []engine.Contract{newContract(externalID+"-1", "sales", "Account manager")},
	}
	for _, mod := range mods {
		mod(p)
	}
	engine.CanonicalizePerson(p)
	return p
}

func newContract(externalID, department, title string) engine.Contract {
	return engine.Contract{
		ExternalID: externalID,
		StartDate:  engine.NewDate(2021, time.February, 1),
		Type:       engine.Ref{Code: "perm", Name: "Permanent"},
		Details:    engine.ContractDetails{Fte: engine.Num(0.8), HoursPerWeek: engine.Num(32)},
		Department: engine.Ref{ExternalID: department, Name: department},
		Title:      engine.Ref{Code: "t-" + title, Name: title},
		Manager:    engine.ManagerRef{ExternalID: "1"},
	}
}

// titled gives the person's first contract another title: a change.
func titled(title string) func(*engine.Person) {
	return func(p *engine.Person) { p.Contracts[0].Title = engine.Ref{Code: "t-" + title, Name: title} }
}

// withContracts gives the person n contracts in all.
func withContracts(n int) func(*engine.Person) {
	return func(p *engine.Person) {
		for i := len(p.Contracts); i < n; i++ {
			c := newContract(fmt.Sprintf("%s-%d", p.ExternalID, i+1), "support", "Engineer")
			c.EndDate = engine.NewDate(2027, time.December, 31)
			c.Custom = engine.Custom{{Name: "grade", Value: fmt.Sprint(i + 7)}}
			p.Contracts = append(p.Contracts, c)
		}
	}
}

// blocked gives the person a blocking issue.
func blocked(p *engine.Person) {
	p.Contact.Business.Email = ""
	p.Issues = []engine.Issue{{Field: "Contact.Business.Email", Message: "required, but empty", Blocking: true}}
}

// excluded marks the person excluded.
func excluded(p *engine.Person) { p.Excluded = true }

// people returns persons of source with external ids from to to-1.
func people(source string, from, to int, mods ...func(*engine.Person)) []*engine.Person {
	var out []*engine.Person
	for i := from; i < to; i++ {
		out = append(out, newPerson(source, fmt.Sprint(i), mods...))
	}
	return out
}

// newDepartments returns n departments of source, sorted by external id.
func newDepartments(source string, n int, label string) []engine.Department {
	var out []engine.Department
	for i := range n {
		id := fmt.Sprintf("d%02d", i)
		out = append(out, engine.Department{Source: source, ExternalID: id, Code: id, DisplayName: label + " " + id, ParentExternalID: "root", ManagerExternalID: "1"})
	}
	return out
}

// replace returns persons with the persons of the same id in with put in
// their place.
func replace(persons []*engine.Person, with ...*engine.Person) []*engine.Person {
	out := make([]*engine.Person, len(persons))
	copy(out, persons)
	for _, w := range with {
		for i, p := range out {
			if p.ID == w.ID {
				out[i] = w
			}
		}
	}
	return out
}

// without returns persons except those with the given ids.
func without(persons []*engine.Person, ids ...string) []*engine.Person {
	var out []*engine.Person
	for _, p := range persons {
		keep := true
		for _, id := range ids {
			if p.ID == id {
				keep = false
			}
		}
		if keep {
			out = append(out, p)
		}
	}
	return out
}
