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
	// Packed, when set, holds the attributes instead of Attributes (which
	// is then nil): Store.ReadLedgerPacked reads them so.
	Packed *PackedAttributes `json:"-"`
	// RetiredOn is the day an account was retired: no rule gave it any
	// more, and its target keeps such accounts disabled for a while.
	RetiredOn Date `json:"retiredOn,omitzero"`
}

// Ledger is everything Provisio knows is granted, by person.
type Ledger struct {
	Entries []LedgerEntry
}

// PackedAttributes holds an account's attribute values compactly, for
// reading: a ledger of a million accounts holds some ten million values,
// which as maps take three times the room. Store.ReadLedgerPacked gives
// account entries their attributes so (LedgerEntry.Packed) for an
// evaluation, which only reads them.
type PackedAttributes struct {
	names  []string // shared by the entries with the same names
	values string   // the values, one after another
	ends   []uint32 // where each value ends in values
}

// NewPackedAttributes packs values: names[i] has the value
// values[ends[i-1]:ends[i]] (from 0 for the first). names and ends are
// kept, not copied: entries with the same names may share them.
func NewPackedAttributes(names []string, values string, ends []uint32) *PackedAttributes {
	return &PackedAttributes{names: names, values: values, ends: ends}
}

// Len returns the number of attributes.
func (p *PackedAttributes) Len() int {
	if p == nil {
		return 0
	}
	return len(p.names)
}

// value returns the value of the i-th attribute.
func (p *PackedAttributes) value(i int) string {
	lo := uint32(0)
	if i > 0 {
		lo = p.ends[i-1]
	}
	return p.values[lo:p.ends[i]]
}

// Get returns the value of an attribute (by its exact name) and whether
// there is one.
func (p *PackedAttributes) Get(name string) (string, bool) {
	if p == nil {
		return "", false
	}
	for i, n := range p.names {
		if n == name {
			return p.value(i), true
		}
	}
	return "", false
}

// AddTo adds the attributes to m and returns it (a new map when m is nil).
func (p *PackedAttributes) AddTo(m Attributes) Attributes {
	if m == nil {
		m = make(Attributes, p.Len())
	}
	for i, n := range p.names {
		m[n] = p.value(i)
	}
	return m
}

// AttributesOf returns the attributes of an entry, packed or not, as a
// map of its own when they are packed.
func (e *LedgerEntry) AttributesOf() Attributes {
	if e.Packed != nil {
		return e.Packed.AddTo(nil)
	}
	return e.Attributes
}
