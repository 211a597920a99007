package boltstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// The audit bucket holds the audit log: one JSON engine.AuditEntry per
// entry, keyed by its Seq as a uint64 BE, numbered from 1 without gaps and
// chained by hash (see engine.AuditEntry.ComputeHash). Entries are only
// ever appended, a batch per RecordResults, and never pruned.
//
// The meta bucket's audit-head describes the last entry: its Seq (uint64
// BE), the latest second any entry happened at so far (int64 BE) and its
// Hash. It lets a batch be chained without reading the log, and
// VerifyAudit notice entries removed from the end, which no link shows.
//
// Entries are appended in the order enforcement recorded them, which is
// almost but not exactly the order of their times (several actions run at
// once). So that ListAudit can stop at a filter's Since without reading
// the log to its start, the audit-marks bucket notes, each time the latest
// second any entry happened at grows, that second and the first Seq of the
// batch that made it grow: key int64 BE (sign bit flipped) and uint64 BE,
// no value. Every entry before the first mark at or after a second
// happened before that second.

// auditHead is what audit-head holds.
type auditHead struct {
	seq    uint64
	latest int64 // unix seconds; math.MinInt64 for an empty log
	hash   string
}

func readAuditHead(tx *bolt.Tx) (auditHead, error) {
	raw := tx.Bucket(bucketMeta).Get(keyAuditHead)
	if raw == nil {
		return auditHead{latest: math.MinInt64}, nil
	}
	if len(raw) < 16 {
		return auditHead{}, engine.Errorf(engine.Internal, "the head of the audit log in the workspace store is corrupt (%d bytes)", len(raw))
	}
	return auditHead{seq: binary.BigEndian.Uint64(raw), latest: int64(binary.BigEndian.Uint64(raw[8:])), hash: string(raw[16:])}, nil
}

func writeAuditHead(tx *bolt.Tx, h auditHead) error {
	raw := binary.BigEndian.AppendUint64(nil, h.seq)
	raw = binary.BigEndian.AppendUint64(raw, uint64(h.latest))
	return tx.Bucket(bucketMeta).Put(keyAuditHead, append(raw, h.hash...))
}

// auditMarkKey orders marks by second (signed) and then by Seq.
func auditMarkKey(sec int64, seq uint64) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(sec)^1<<63)
	return binary.BigEndian.AppendUint64(k, seq)
}

// appendAudit numbers, chains and stores entries after the last one. It
// does not modify entries.
func appendAudit(tx *bolt.Tx, entries []engine.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	head, err := readAuditHead(tx)
	if err != nil {
		return err
	}
	b := tx.Bucket(bucketAudit)
	first, latest := head.seq+1, head.latest
	for i := range entries {
		e := entries[i]
		e.Seq, e.Prev, e.Hash = head.seq+1, head.hash, ""
		raw, err := json.Marshal(&e)
		if err != nil {
			return engine.Errorf(engine.Invalid, "audit entry %d of the batch (%s %s of %s): %v", i+1, e.Op, e.Key, e.Person, err)
		}
		// raw is what ComputeHash hashes; with the hash, the last field,
		// filled in it is what is stored, so the entry is encoded once.
		sum := sha256.Sum256(raw)
		e.Hash = hex.EncodeToString(sum[:])
		if rest, ok := bytes.CutSuffix(raw, []byte(`"hash":""}`)); ok {
			raw = append(append(append(rest, `"hash":"`...), e.Hash...), `"}`...)
		} else if raw, err = json.Marshal(&e); err != nil {
			return engine.Errorf(engine.Invalid, "audit entry %d of the batch (%s %s of %s): %v", i+1, e.Op, e.Key, e.Person, err)
		}
		if err := b.Put(u64(e.Seq), raw); err != nil {
			return err
		}
		head.seq, head.hash = e.Seq, e.Hash
		latest = max(latest, e.At.Unix())
	}
	if latest > head.latest {
		if err := tx.Bucket(bucketAuditMarks).Put(auditMarkKey(latest, first), nil); err != nil {
			return err
		}
		head.latest = latest
	}
	return writeAuditHead(tx, head)
}

// auditFrom returns the first Seq that can have happened at or after
// since, and false when none can.
func auditFrom(tx *bolt.Tx, since time.Time) (uint64, bool) {
	// Unix rounds down: an entry at or after since is at or after its
	// second
	k, _ := tx.Bucket(bucketAuditMarks).Cursor().Seek(auditMarkKey(since.Unix(), 0))
	if len(k) != 16 {
		return 0, false
	}
	return binary.BigEndian.Uint64(k[8:]), true
}

// ListAudit returns the entries f selects, newest (highest Seq) first, at
// most f.Limit of them when it is positive. It reads the log backwards
// and stops at the limit, or at the first entry that cannot have happened
// since f.Since.
func (s *Store) ListAudit(ctx context.Context, f engine.AuditFilter) ([]engine.AuditEntry, error) {
	// most entries are not the person's or the target's: look for the
	// value's JSON before decoding
	var needles [][]byte
	for _, v := range []string{f.Person, f.Target, string(f.Op), string(f.Outcome)} {
		if v != "" {
			q, err := json.Marshal(v)
			if err != nil {
				return nil, engine.Wrap(engine.Invalid, err, "audit filter")
			}
			needles = append(needles, q)
		}
	}
	var out []engine.AuditEntry
	err := s.view(func(tx *bolt.Tx) error {
		from := uint64(1)
		if !f.Since.IsZero() {
			var any bool
			if from, any = auditFrom(tx, f.Since); !any {
				return nil
			}
		}
		c := tx.Bucket(bucketAudit).Cursor()
		n := 0
	entries:
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			seq := binary.BigEndian.Uint64(k)
			if seq < from {
				break
			}
			if n++; n%4096 == 0 {
				if err := engine.CheckCanceled(ctx); err != nil {
					return err
				}
			}
			for _, q := range needles {
				if !bytes.Contains(v, q) {
					continue entries
				}
			}
			var e engine.AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return engine.Errorf(engine.Internal, "audit entry %d in the workspace store is unreadable: %v", seq, err)
			}
			if !f.Matches(&e) {
				continue
			}
			out = append(out, e)
			if f.Limit > 0 && len(out) >= f.Limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyAudit walks the audit log from its first entry and checks that
// every entry is there, numbered in order, holds the hash of its content
// and the hash of the entry before it, and that the log ends with the
// entry it was last given. It returns how many entries passed, and an
// Invalid error naming the first entry that did not.
func (s *Store) VerifyAudit(ctx context.Context) (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		head, err := readAuditHead(tx)
		if err != nil {
			return err
		}
		prev := ""
		want := uint64(1)
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if n%4096 == 4095 {
				if err := engine.CheckCanceled(ctx); err != nil {
					return err
				}
			}
			if len(k) != 8 {
				return engine.Errorf(engine.Invalid, "the audit log holds a record that is no entry (key %x), after entry %d", k, want-1)
			}
			seq := binary.BigEndian.Uint64(k)
			if seq != want {
				return engine.Errorf(engine.Invalid, "%s: entry %d follows entry %d", missing(want, seq-1), seq, want-1)
			}
			var e engine.AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return engine.Errorf(engine.Invalid, "audit entry %d was changed: it is not an audit entry any more (%v)", seq, err)
			}
			switch {
			case e.Seq != seq:
				return engine.Errorf(engine.Invalid, "audit entry %d was changed: it says it is entry %d", seq, e.Seq)
			case e.ComputeHash() != e.Hash:
				return engine.Errorf(engine.Invalid, "audit entry %d was changed: its hash does not match its content", seq)
			case e.Prev != prev && seq == 1:
				return engine.Errorf(engine.Invalid, "audit entry 1 was changed: the first entry names an entry before it")
			case e.Prev != prev:
				return engine.Errorf(engine.Invalid, "audit entry %d does not follow entry %d: it holds another hash of the entry before it", seq, seq-1)
			}
			prev = e.Hash
			want++
			n++
		}
		last := want - 1
		switch {
		case head.seq > last:
			return engine.Errorf(engine.Invalid, "%s from the end of the log", missing(last+1, head.seq))
		case head.seq < last:
			return engine.Errorf(engine.Invalid, "audit entries %d to %d were added behind the store's back: the log ended at entry %d", head.seq+1, last, head.seq)
		case head.hash != prev:
			return engine.Errorf(engine.Invalid, "audit entry %d was replaced: it is not the entry the log ended with", last)
		}
		return nil
	})
	return n, err
}

// missing says which entries are missing.
func missing(from, to uint64) string {
	if from == to {
		return fmt.Sprintf("audit entry %d is missing", from)
	}
	return fmt.Sprintf("audit entries %d to %d are missing", from, to)
}
