package engine

import "time"

// LedgerEntry records one entitlement a person actually has in a target
// system, as far as Provisio knows: written by enforcement, read by
// evaluation.
type LedgerEntry struct {
	Person string         `json:"person"`
	Key    EntitlementKey `json:"key"`
	// Reference is how the target knows the account (for account entries).
	Reference string `json:"reference,omitempty"`
	// Rules are the rules that granted it.
	Rules []string `json:"rules,omitempty"`
	// Unmanaged entries are kept but no longer revoked by evaluation: an
	// administrator deleted the rule that granted them and chose to keep
	// what it gave.
	Unmanaged bool      `json:"unmanaged,omitempty"`
	GrantedAt time.Time `json:"grantedAt,omitzero"`
	// Attributes are an account's attribute values as Provisio last wrote
	// (or, when correlated, found) them: updates are worked out against
	// them, and other targets' mappings read them.
	Attributes Attributes `json:"attributes,omitempty"`
	// RetiredOn is the day an account was retired: no rule gave it any
	// more, and its target keeps such accounts disabled for a while.
	RetiredOn Date `json:"retiredOn,omitzero"`
}

// Ledger is everything Provisio knows is granted, by person.
type Ledger struct {
	Entries []LedgerEntry
}

// ByPerson groups the entries by person id. Entries that are already
// grouped (as stores load them) are not copied: each person's slice is a
// part of Entries, capped so that appending to it copies.
func (l *Ledger) ByPerson() map[string][]LedgerEntry {
	m := make(map[string][]LedgerEntry)
	for lo := 0; lo < len(l.Entries); {
		person := l.Entries[lo].Person
		hi := lo + 1
		for hi < len(l.Entries) && l.Entries[hi].Person == person {
			hi++
		}
		if prev, seen := m[person]; seen {
			m[person] = append(prev, l.Entries[lo:hi]...) // not grouped: copy
		} else {
			m[person] = l.Entries[lo:hi:hi]
		}
		lo = hi
	}
	return m
}
