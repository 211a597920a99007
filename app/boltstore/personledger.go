package boltstore

import (
	"bytes"
	"context"

	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// PersonLedger returns the ledger entries of one person: the keys that
// start with the person's id and a 0 byte, which sort together.
func (s *Store) PersonLedger(ctx context.Context, person string) ([]engine.LedgerEntry, error) {
	if person == "" || bytes.IndexByte([]byte(person), 0) >= 0 {
		return nil, nil // no entry has such a person
	}
	prefix := append([]byte(person), 0)
	var out []engine.LedgerEntry
	err := s.view(func(tx *bolt.Tx) error {
		d := newLedgerDecoder()
		c := tx.Bucket(bucketLedger).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var e engine.LedgerEntry
			if err := d.decode(k, v, &e); err != nil {
				return unreadableLedgerEntry(k, err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	orderLedger(out)
	return out, nil
}
