package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// The ledger bucket holds one JSON engine.LedgerEntry per granted
// entitlement, keyed by person id, target, kind and name joined with a 0
// byte, so a person's entries are adjacent.

// ledgerKey returns the key of an entry, or an error when a part holds a 0
// byte, which would make two entries share a key.
func ledgerKey(e *engine.LedgerEntry) ([]byte, error) {
	parts := []string{e.Person, e.Key.Target, string(e.Key.Kind), e.Key.Name}
	for _, p := range parts {
		if strings.IndexByte(p, 0) >= 0 {
			return nil, engine.Errorf(engine.Invalid, "ledger entry of %q for %s: a 0 byte is not allowed in a person id, target, kind or name", e.Person, e.Key)
		}
	}
	if e.Person == "" || e.Key.Target == "" || e.Key.Kind == "" {
		return nil, engine.Errorf(engine.Invalid, "ledger entry of %q for %s: it needs a person, a target and a kind", e.Person, e.Key)
	}
	return []byte(strings.Join(parts, "\x00")), nil
}

// putLedgerEntries adds or replaces entries, by person and entitlement.
func putLedgerEntries(tx *bolt.Tx, entries []engine.LedgerEntry) error {
	b := tx.Bucket(bucketLedger)
	for i := range entries {
		k, err := ledgerKey(&entries[i])
		if err != nil {
			return err
		}
		if err := putJSON(b, k, &entries[i]); err != nil {
			return err
		}
	}
	return nil
}

// WriteLedger adds or replaces ledger entries (by person and entitlement)
// in one transaction. Nothing but tests calls it yet: enforcement (issue 4)
// builds on it to record what it granted; revoked entries will need a
// delete beside it.
func (s *Store) WriteLedger(ctx context.Context, entries []engine.LedgerEntry) error {
	return s.update(ctx, func(tx *bolt.Tx) error { return putLedgerEntries(tx, entries) })
}

// LoadLedger returns every ledger entry, by person and then entitlement
// (engine.EntitlementKey.Less).
func (s *Store) LoadLedger(ctx context.Context) (*engine.Ledger, error) {
	l := &engine.Ledger{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLedger)
		return b.ForEach(func(k, v []byte) error {
			var e engine.LedgerEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return engine.Errorf(engine.Internal, "ledger entry %q in the workspace store is unreadable: %v", bytes.ReplaceAll(k, []byte{0}, []byte{' '}), err)
			}
			l.Entries = append(l.Entries, e)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	// keys order persons already; within a person, kinds go in the
	// engine's order rather than alphabetically
	slices.SortStableFunc(l.Entries, func(a, b engine.LedgerEntry) int {
		if a.Person != b.Person {
			return strings.Compare(a.Person, b.Person)
		}
		switch {
		case a.Key.Less(b.Key):
			return -1
		case b.Key.Less(a.Key):
			return 1
		}
		return 0
	})
	return l, nil
}

// forgetRule removes a deleted rule from the ledger entries it granted; an
// entry no rule granted any more becomes unmanaged.
func forgetRule(b *bolt.Bucket, id string) error {
	// most entries do not name the rule: look for its JSON string before
	// decoding
	quoted, err := json.Marshal(id)
	if err != nil {
		return err
	}
	type change struct {
		key   []byte
		entry engine.LedgerEntry
	}
	var changes []change
	err = b.ForEach(func(k, v []byte) error {
		if !bytes.Contains(v, quoted) {
			return nil
		}
		var e engine.LedgerEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return engine.Errorf(engine.Internal, "ledger entry %q in the workspace store is unreadable: %v", bytes.ReplaceAll(k, []byte{0}, []byte{' '}), err)
		}
		n := len(e.Rules)
		e.Rules = slices.DeleteFunc(e.Rules, func(r string) bool { return r == id })
		if len(e.Rules) == n {
			return nil
		}
		if len(e.Rules) == 0 {
			e.Rules = nil
			e.Unmanaged = true
		}
		changes = append(changes, change{key: slices.Clone(k), entry: e})
		return nil
	})
	if err != nil {
		return err
	}
	// written after the walk: bbolt cursors do not survive changes to
	// their bucket
	for _, c := range changes {
		if err := putJSON(b, c.key, &c.entry); err != nil {
			return err
		}
	}
	return nil
}
