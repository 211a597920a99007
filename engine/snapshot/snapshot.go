// Package snapshot compares snapshots: which persons were added, removed
// or changed between two of them, and for a changed person, which fields
// changed from what to what.
package snapshot

import (
	"provisio/engine"
)

// IndexDiff lists the ids of persons that differ between two snapshots,
// each list sorted.
type IndexDiff struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []string `json:"changed"`
}

// DiffIndexes compares two snapshot indexes. A person whose record has the
// same content hash in both is unchanged.
func DiffIndexes(old, new *engine.SnapshotIndex) IndexDiff {
	var d IndexDiff
	a, b := old.Entries, new.Entries
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].ID < b[j].ID:
			d.Removed = append(d.Removed, a[i].ID)
			i++
		case i == len(a) || b[j].ID < a[i].ID:
			d.Added = append(d.Added, b[j].ID)
			j++
		default:
			if a[i].Ref.Hash != b[j].Ref.Hash {
				d.Changed = append(d.Changed, a[i].ID)
			}
			i++
			j++
		}
	}
	return d
}

// FieldChange is one field that differs between two versions of a person.
type FieldChange struct {
	Path  string `json:"path"`
	Label string `json:"label"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// DiffPersons lists the fields that differ between two versions of a
// person, in field order; contracts are matched by their key, so an added
// or removed contract shows as its fields going from or to empty.
func DiffPersons(old, new *engine.Person, f *engine.Fields) []FieldChange {
	ov := index(engine.FlattenPerson(old, f, false))
	nv := index(engine.FlattenPerson(new, f, false))
	var out []FieldChange
	seen := map[string]bool{}
	for _, fv := range engine.FlattenPerson(new, f, true) {
		seen[fv.Path] = true
		if o, n := ov[fv.Path], nv[fv.Path]; o.Value != n.Value {
			out = append(out, FieldChange{Path: fv.Path, Label: fv.Label, Old: o.Value, New: n.Value})
		}
	}
	for _, fv := range engine.FlattenPerson(old, f, false) {
		if !seen[fv.Path] {
			out = append(out, FieldChange{Path: fv.Path, Label: fv.Label, Old: fv.Value})
		}
	}
	if issuesText(old) != issuesText(new) {
		out = append(out, FieldChange{Path: "Issues", Label: "Data problems", Old: issuesText(old), New: issuesText(new)})
	}
	return out
}

func index(fvs []engine.FieldValue) map[string]engine.FieldValue {
	m := make(map[string]engine.FieldValue, len(fvs))
	for _, fv := range fvs {
		m[fv.Path] = fv
	}
	return m
}

func issuesText(p *engine.Person) string {
	s := ""
	for i, is := range p.Issues {
		if i > 0 {
			s += "; "
		}
		s += is.Message
	}
	return s
}
