package evaluate

import (
	"strings"
	"unsafe"

	"provisio/engine"
)

// Ledger is the ledger as an evaluation reads it, by person: compact, and
// light on pointers. A ledger of a million accounts is four million
// entries, which as engine.LedgerEntry take 160 bytes and nine pointers
// each; the collector scans them all on every cycle of an evaluation
// that allocates gigabytes. Here an entry names its entitlement and its
// rules by their positions in tables the entries share.
//
// Make one with NewLedger and fill it with Add (a batch of entries at a
// time, as engine.Store.ReadLedgerPacked hands them out), or let Run make
// it of Input.Ledger.
type Ledger struct {
	keys     []engine.EntitlementKey
	rules    [][]string // rules[0] is no rules
	byPerson map[string][]entry

	// while it is filled: the positions of keys and of rule lists
	keyIdx  map[engine.EntitlementKey]uint32
	byList  map[listID]uint32 // the lists entries share, as packed ledgers load them
	byRules map[string]uint32 // the lists by their rules, for those that are not shared
}

// listID is a list of rules by its memory.
type listID struct {
	data *string
	n    int
}

// entry is a ledger entry of the evaluation's ledger.
type entry struct {
	ref       string                   // the account's reference
	attrs     *engine.PackedAttributes // nil when it has none
	key       uint32                   // in Ledger.keys
	rules     uint32                   // in Ledger.rules
	retiredOn engine.Date
	unmanaged bool
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{rules: [][]string{nil}, byPerson: map[string][]entry{}, keyIdx: map[engine.EntitlementKey]uint32{},
		byList: map[listID]uint32{}, byRules: map[string]uint32{}}
}

// newLedger makes the evaluation's ledger of l, which may be nil.
func newLedger(l *engine.Ledger) *Ledger {
	out := NewLedger()
	if l != nil {
		out.Add(l.Entries)
	}
	return out
}

// Add adds entries to the ledger, grouped by person as stores load them
// (a person's entries that are not adjacent are gathered). It keeps what
// the entries point to, and not the slice: the entries' attributes are
// shared, packed (those that are not are packed here), and their rule
// lists are to be read, not changed. Add is not safe for concurrent use.
func (l *Ledger) Add(entries []engine.LedgerEntry) {
	if len(entries) == 0 {
		return
	}
	all := make([]entry, len(entries))
	var last engine.EntitlementKey
	lastIdx := uint32(0)
	for i := range entries {
		le := &entries[i]
		e := &all[i]
		e.ref, e.retiredOn, e.unmanaged = le.Reference, le.RetiredOn, le.Unmanaged
		if i == 0 || le.Key != last {
			k, ok := l.keyIdx[le.Key]
			if !ok {
				k = uint32(len(l.keys))
				l.keys = append(l.keys, le.Key)
				l.keyIdx[le.Key] = k
			}
			last, lastIdx = le.Key, k
		}
		e.key = lastIdx
		if len(le.Rules) > 0 {
			id := listID{unsafe.SliceData(le.Rules), len(le.Rules)}
			r, ok := l.byList[id]
			if !ok {
				joined := strings.Join(le.Rules, "\x00")
				if r, ok = l.byRules[joined]; !ok {
					r = uint32(len(l.rules))
					l.rules = append(l.rules, le.Rules)
					l.byRules[joined] = r
				}
				if len(l.byList) < 1<<16 {
					l.byList[id] = r
				}
			}
			e.rules = r
		}
		switch {
		case le.Packed != nil:
			e.attrs = le.Packed
		case len(le.Attributes) > 0:
			e.attrs = pack(le.Attributes)
		}
	}
	for lo := 0; lo < len(all); {
		person := entries[lo].Person
		hi := lo + 1
		for hi < len(all) && entries[hi].Person == person {
			hi++
		}
		if prev, seen := l.byPerson[person]; seen {
			l.byPerson[person] = append(prev, all[lo:hi]...)
		} else {
			l.byPerson[person] = all[lo:hi:hi]
		}
		lo = hi
	}
}

// pack packs attributes.
func pack(attrs engine.Attributes) *engine.PackedAttributes {
	names := attrs.Names()
	var b strings.Builder
	ends := make([]uint32, len(names))
	for i, n := range names {
		b.WriteString(attrs[n])
		ends[i] = uint32(b.Len())
	}
	return engine.NewPackedAttributes(names, b.String(), ends)
}

// key returns the entitlement of an entry.
func (l *Ledger) key(e *entry) engine.EntitlementKey { return l.keys[e.key] }

// rulesOf returns the rules that granted an entry.
func (l *Ledger) rulesOf(e *entry) []string { return l.rules[e.rules] }

// target returns the target of an entry.
func (l *Ledger) target(e *entry) string { return l.keys[e.key].Target }

// isAccount reports whether an entry is an account.
func (l *Ledger) isAccount(e *entry) bool { return l.keys[e.key].Kind == engine.KindAccount }

// find returns the entry of a key among a person's, or nil.
func (l *Ledger) find(have []entry, key engine.EntitlementKey) *entry {
	for i := range have {
		if l.keys[have[i].key] == key {
			return &have[i]
		}
	}
	return nil
}

// holds reports whether a person's entries hold a key.
func (l *Ledger) holds(have []entry, key engine.EntitlementKey) bool {
	return l.find(have, key) != nil
}

// without returns the ledger without the entries in the given targets.
func (l *Ledger) without(targets []string) *Ledger {
	out := &Ledger{keys: l.keys, rules: l.rules, byPerson: make(map[string][]entry, len(l.byPerson))}
	for person, entries := range l.byPerson {
		var kept []entry
		for j := range entries {
			if !containsString(targets, l.target(&entries[j])) {
				kept = append(kept, entries[j])
			}
		}
		if len(kept) > 0 {
			out.byPerson[person] = kept
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// entryAttributes returns the number of attributes of an entry.
func entryAttributes(e *entry) int { return e.attrs.Len() }

// entryAttribute returns an attribute of an entry (by its exact name).
func entryAttribute(e *entry, name string) string {
	v, _ := e.attrs.Get(name)
	return v
}

// attributesOf returns the attributes of an entry as a map of its own, or
// nil.
func attributesOf(e *entry) engine.Attributes {
	if e.attrs == nil {
		return nil
	}
	return e.attrs.AddTo(nil)
}
