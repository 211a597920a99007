package engine

import (
	"strconv"
)

// FieldValue is one field of a flattened person: its full path and its
// value as text.
type FieldValue struct {
	Path  string `json:"path"`
	Label string `json:"label"`
	Value string `json:"value"`
}

// ContractKey names a contract in a flattened path: its external id, or
// its position ("#2") when it has none.
func ContractKey(p *Person, i int) string {
	if id := p.Contracts[i].ExternalID; id != "" {
		return id
	}
	return "#" + strconv.Itoa(i+1)
}

// FlattenPerson lists every field of p, person fields first, then each
// contract's fields under "Contracts[<key>].". Empty fields are included
// when withEmpty is set.
func FlattenPerson(p *Person, f *Fields, withEmpty bool) []FieldValue {
	var out []FieldValue
	for _, pf := range f.Person {
		v := pf.Get(p)
		if withEmpty || !v.IsEmpty() {
			out = append(out, FieldValue{Path: pf.Path, Label: pf.Label, Value: v.String()})
		}
	}
	for i := range p.Contracts {
		prefix := "Contracts[" + ContractKey(p, i) + "]."
		for _, cf := range f.Contract {
			v := cf.Get(&p.Contracts[i])
			if withEmpty || !v.IsEmpty() {
				out = append(out, FieldValue{Path: prefix + cf.Path, Label: cf.Label, Value: v.String()})
			}
		}
	}
	return out
}
