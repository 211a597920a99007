package boltstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"

	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// snapshotMeta is a snapshot's description plus how its index is stored.
type snapshotMeta struct {
	engine.SnapshotInfo
	// Full is set when the snapshot's index bucket holds every entry;
	// otherwise it holds the changes since the previous snapshot.
	Full bool `json:"full"`
	// Base is the newest snapshot at or before this one with a full index.
	Base uint64 `json:"base"`
	// Chain counts the change entries stored since Base.
	Chain int `json:"chain"`
	// Links counts the snapshots since Base that changed something.
	Links int `json:"links"`
}

// A full index is written when the changes since the last one exceed a
// quarter of the snapshot, or after this many snapshots, so reading any
// snapshot costs at most about 1.25 full indexes and a bounded chain.
const maxChain = 64

const (
	entryRemoved = 0
	entryPresent = 1
)

func appendEntry(b []byte, e engine.IndexEntry) []byte {
	b = append(b, entryPresent)
	b = binary.AppendUvarint(b, e.Ref.Seq)
	b = append(b, e.Ref.Hash[:]...)
	b = append(b, byte(e.Flags))
	return binary.AppendUvarint(b, uint64(e.Contracts))
}

// entryWriter puts index entries into a bucket. bbolt keeps the value
// slices given to Put until the transaction ends, so every value needs
// memory of its own: the writer cuts values from large blocks instead of
// allocating each one. Keys are copied by bbolt and share one buffer.
type entryWriter struct {
	key   []byte
	block []byte
}

// value returns an empty slice to append one value to.
func (w *entryWriter) value() []byte {
	const maxEntry = 1 + 2*binary.MaxVarintLen64 + 17
	if cap(w.block)-len(w.block) < maxEntry {
		w.block = make([]byte, 0, 64<<10)
	}
	return w.block[len(w.block):len(w.block)]
}

// put stores v, which value returned, under id.
func (w *entryWriter) put(b *bolt.Bucket, id string, v []byte) error {
	if n := len(w.block) + len(v); n <= cap(w.block) {
		w.block = w.block[:n]
	}
	w.key = append(w.key[:0], id...)
	return b.Put(w.key, v[:len(v):len(v)])
}

// putChanges stores changes as the entries they set or remove.
func putChanges(b *bolt.Bucket, changes []engine.IndexChange) error {
	var w entryWriter
	for _, c := range changes {
		v := w.value()
		if c.Removed {
			v = append(v, entryRemoved)
		} else {
			v = appendEntry(v, c.Entry)
		}
		if err := w.put(b, c.Entry.ID, v); err != nil {
			return err
		}
	}
	return nil
}

func decodeEntry(id string, v []byte) (engine.IndexEntry, bool, error) {
	if len(v) == 1 && v[0] == entryRemoved {
		return engine.IndexEntry{ID: id}, false, nil
	}
	if len(v) < 1 || v[0] != entryPresent {
		return engine.IndexEntry{}, false, corruptEntry(id)
	}
	v = v[1:]
	seq, n := binary.Uvarint(v)
	if n <= 0 || len(v) < n+17 {
		return engine.IndexEntry{}, false, corruptEntry(id)
	}
	v = v[n:]
	e := engine.IndexEntry{ID: id, Ref: engine.RecordRef{Seq: seq}}
	copy(e.Ref.Hash[:], v[:16])
	e.Flags = engine.EntryFlags(v[16])
	c, n := binary.Uvarint(v[17:])
	if n <= 0 {
		return engine.IndexEntry{}, false, corruptEntry(id)
	}
	e.Contracts = uint32(c)
	return e, true, nil
}

// corruptEntry is made only on failure: decodeEntry runs once per person
// of an index.
func corruptEntry(id string) error { return fmt.Errorf("corrupt index entry for %q", id) }

func getSnapshotMeta(tx *bolt.Tx, n uint64) (*snapshotMeta, error) {
	raw := tx.Bucket(bucketSnapshots).Get(u64(n))
	if raw == nil {
		return nil, engine.Errorf(engine.NotFound, "there is no snapshot %d", n)
	}
	m := &snapshotMeta{}
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("snapshot %d: %w", n, err)
	}
	return m, nil
}

func lastSnapshot(tx *bolt.Tx) uint64 {
	k, _ := tx.Bucket(bucketSnapshots).Cursor().Last()
	if k == nil {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// ListSnapshots returns every snapshot, newest first.
func (s *Store) ListSnapshots(ctx context.Context) ([]engine.SnapshotInfo, error) {
	var out []engine.SnapshotInfo
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSnapshots).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var m snapshotMeta
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			out = append(out, m.SnapshotInfo)
		}
		return nil
	})
	return out, err
}

// FindSnapshot returns a snapshot; 0 means the latest.
func (s *Store) FindSnapshot(ctx context.Context, number uint64) (*engine.SnapshotInfo, error) {
	var info *engine.SnapshotInfo
	err := s.view(func(tx *bolt.Tx) error {
		n := number
		if n == 0 {
			if n = lastSnapshot(tx); n == 0 {
				return engine.Errorf(engine.NotFound, "there is no snapshot yet: run an import first")
			}
		}
		m, err := getSnapshotMeta(tx, n)
		if err != nil {
			return err
		}
		info = &m.SnapshotInfo
		return nil
	})
	return info, err
}

// SnapshotIndex returns the persons of a snapshot.
func (s *Store) SnapshotIndex(ctx context.Context, number uint64) (*engine.SnapshotIndex, error) {
	s.mu.Lock()
	if c := s.cache; c != nil && c.number == number {
		s.mu.Unlock()
		return c.index, nil
	}
	s.mu.Unlock()
	var idx *engine.SnapshotIndex
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		idx, err = readIndex(tx, number)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cache = &cachedIndex{number: number, index: idx}
	s.mu.Unlock()
	return idx, nil
}

// readIndex materialises a snapshot's index from its base and the changes
// after it.
func readIndex(tx *bolt.Tx, n uint64) (*engine.SnapshotIndex, error) {
	m, err := getSnapshotMeta(tx, n)
	if err != nil {
		return nil, err
	}
	ib := tx.Bucket(bucketIndex)
	base := ib.Bucket(u64(m.Base))
	if base == nil {
		return nil, fmt.Errorf("snapshot %d: the index of snapshot %d is missing", n, m.Base)
	}
	// the base snapshot's person count sizes the slice; counting the
	// bucket's keys would read every page twice
	size := m.Persons
	if m.Base != n {
		bm, err := getSnapshotMeta(tx, m.Base)
		if err != nil {
			return nil, err
		}
		size = bm.Persons
	}
	entries := make([]engine.IndexEntry, 0, max(size, 0))
	err = base.ForEach(func(k, v []byte) error {
		e, present, err := decodeEntry(string(k), v)
		if err != nil {
			return err
		}
		if present {
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if m.Base == n {
		return &engine.SnapshotIndex{Entries: entries}, nil
	}
	changed := make(map[string]engine.IndexChange, m.Chain)
	for k := m.Base + 1; k <= n; k++ {
		b := ib.Bucket(u64(k))
		if b == nil {
			return nil, fmt.Errorf("snapshot %d: the changes of snapshot %d are missing", n, k)
		}
		err := b.ForEach(func(key, v []byte) error {
			e, present, err := decodeEntry(string(key), v)
			if err != nil {
				return err
			}
			changed[e.ID] = engine.IndexChange{Entry: e, Record: -1, Removed: !present}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	changes := slices.SortedFunc(maps.Values(changed), func(a, b engine.IndexChange) int { return cmp.Compare(a.Entry.ID, b.Entry.ID) })
	return &engine.SnapshotIndex{Entries: engine.ApplyChanges(entries, changes)}, nil
}

// writeSnapshot stores a new snapshot made by applying changes (with their
// records' refs filled in) to the latest one, and returns its number.
func (s *Store) writeSnapshot(tx *bolt.Tx, info *engine.SnapshotInfo, changes []engine.IndexChange, source string, depts *engine.DepartmentsRef) (*engine.SnapshotIndex, error) {
	last := lastSnapshot(tx)
	n := last + 1
	info.Number = n
	if depts != nil {
		// a copy: the map belongs to the caller's description
		info.DepartmentRecords = maps.Clone(info.DepartmentRecords)
		if info.DepartmentRecords == nil {
			info.DepartmentRecords = map[string]engine.DepartmentsRef{}
		}
		if depts.Count == 0 {
			delete(info.DepartmentRecords, source)
		} else {
			info.DepartmentRecords[source] = *depts
		}
		info.Departments = 0
		for _, d := range info.DepartmentRecords {
			info.Departments += d.Count
		}
	}
	meta := &snapshotMeta{SnapshotInfo: *info}
	var prev *snapshotMeta
	if last > 0 {
		var err error
		if prev, err = getSnapshotMeta(tx, last); err != nil {
			return nil, err
		}
	}
	// a snapshot that changed nothing adds an empty change set, which
	// costs nothing to read, so only real changes lengthen the chain
	full := prev == nil || (prev.Chain+len(changes))*4 > info.Persons || len(changes) > 0 && prev.Links+1 >= maxChain
	b, err := tx.Bucket(bucketIndex).CreateBucket(u64(n))
	if err != nil {
		return nil, err
	}
	b.FillPercent = 1
	var idx *engine.SnapshotIndex
	if full {
		var base []engine.IndexEntry
		if prev != nil {
			old, err := s.indexInTx(tx, last)
			if err != nil {
				return nil, err
			}
			base = old.Entries
		}
		idx = &engine.SnapshotIndex{Entries: engine.ApplyChanges(base, changes)}
		var w entryWriter
		for _, e := range idx.Entries {
			if err := w.put(b, e.ID, appendEntry(w.value(), e)); err != nil {
				return nil, err
			}
		}
		meta.Full, meta.Base = true, n
	} else {
		if err := putChanges(b, changes); err != nil {
			return nil, err
		}
		meta.Base, meta.Chain, meta.Links = prev.Base, prev.Chain+len(changes), prev.Links
		if len(changes) > 0 {
			meta.Links++
		}
	}
	if err := putJSON(tx.Bucket(bucketSnapshots), u64(n), meta); err != nil {
		return nil, err
	}
	return idx, nil
}

// indexInTx reads an index inside a write transaction, using the cache
// when it holds that snapshot.
func (s *Store) indexInTx(tx *bolt.Tx, n uint64) (*engine.SnapshotIndex, error) {
	s.mu.Lock()
	c := s.cache
	s.mu.Unlock()
	if c != nil && c.number == n {
		return c.index, nil
	}
	return readIndex(tx, n)
}

// afterSnapshot updates the cache once a snapshot is committed: idx is its
// index when writeSnapshot built it, else it is derived from the cached
// previous one.
func (s *Store) afterSnapshot(n uint64, idx *engine.SnapshotIndex, changes []engine.IndexChange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case idx != nil:
		s.cache = &cachedIndex{number: n, index: idx}
	case s.cache != nil && s.cache.number == n-1:
		s.cache = &cachedIndex{number: n, index: &engine.SnapshotIndex{Entries: engine.ApplyChanges(s.cache.index.Entries, changes)}}
	default:
		s.cache = nil
	}
}

// ReadPersons decodes records in the order they were written.
func (s *Store) ReadPersons(ctx context.Context, refs []engine.RecordRef, fn func(i int, p *engine.Person) error) error {
	order := make([]int, len(refs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return refs[order[a]].Seq < refs[order[b]].Seq })
	return s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		if len(order) > 4096 { // a snapshot's persons: the pages are done with
			defer releaseMapped(tx)
		}
		read := 0 // bytes of the file mapped since they were last let go
		for n, i := range order {
			if n%4096 == 0 {
				if err := engine.CheckCanceled(ctx); err != nil {
					return err
				}
			}
			raw := b.Get(u64(refs[i].Seq))
			if raw == nil {
				return engine.Errorf(engine.Internal, "record %d is missing from the workspace store", refs[i].Seq)
			}
			if read += len(raw); read >= releaseEvery {
				releaseMapped(tx)
				read = 0
			}
			p, err := engine.DecodePerson(raw)
			if err != nil {
				return engine.Errorf(engine.Internal, "record %d: %v", refs[i].Seq, err)
			}
			if err := fn(i, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReadDepartments returns the departments of a snapshot, by source.
func (s *Store) ReadDepartments(ctx context.Context, number uint64) ([]engine.Department, error) {
	var out []engine.Department
	err := s.view(func(tx *bolt.Tx) error {
		m, err := getSnapshotMeta(tx, number)
		if err != nil {
			return err
		}
		for _, src := range slices.Sorted(maps.Keys(m.DepartmentRecords)) {
			ref := m.DepartmentRecords[src].Ref
			raw := tx.Bucket(bucketRecords).Get(u64(ref.Seq))
			if raw == nil {
				return engine.Errorf(engine.Internal, "departments record %d is missing from the workspace store", ref.Seq)
			}
			ds, err := engine.DecodeDepartments(raw)
			if err != nil {
				return engine.Errorf(engine.Internal, "departments record %d: %v", ref.Seq, err)
			}
			out = append(out, ds...)
		}
		return nil
	})
	return out, err
}
