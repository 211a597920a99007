package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// The ledger bucket holds one value per granted entitlement, keyed by
// person id, target, kind and name joined with a 0 byte, so a person's
// entries are adjacent. The key says whose entitlement it is; the value
// says the rest, in binary: a million accounts with their access and
// permissions are four million entries, which as JSON took 14 s and 6 GB
// of allocations to load, and in this form take about half a second
// (decoded on every core, without encoding/json):
//
//	format byte (ledgerFormat)
//	flags byte  (ledgerUnmanaged, ledgerReference, …: which fields follow)
//	[reference]            string
//	[rules]                count, then each rule id
//	granted at             a time (appendTime)
//	[attributes]           count, then each name and value, names sorted
//	[retired on]           varint date
//
// The meta bucket counts the changes to the ledger (keyLedgerVersion), so
// a plan can say which ledger it was made from.

// ledgerFormat is the first byte of every ledger value.
const ledgerFormat = 1

// The flags of a ledger value.
const (
	ledgerUnmanaged = 1 << iota
	ledgerReference
	ledgerRules
	ledgerAttributes
	ledgerRetired
)

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

// appendLedgerValue appends the value of an entry; its key holds the
// person and the entitlement.
func appendLedgerValue(b []byte, e *engine.LedgerEntry) []byte {
	var flags byte
	if e.Unmanaged {
		flags |= ledgerUnmanaged
	}
	if e.Reference != "" {
		flags |= ledgerReference
	}
	if len(e.Rules) > 0 {
		flags |= ledgerRules
	}
	if len(e.Attributes) > 0 {
		flags |= ledgerAttributes
	}
	if e.RetiredOn != 0 {
		flags |= ledgerRetired
	}
	b = append(b, ledgerFormat, flags)
	if e.Reference != "" {
		b = appendString(b, e.Reference)
	}
	if len(e.Rules) > 0 {
		b = binary.AppendUvarint(b, uint64(len(e.Rules)))
		for _, r := range e.Rules {
			b = appendString(b, r)
		}
	}
	b = appendTime(b, e.GrantedAt)
	if len(e.Attributes) > 0 {
		b = binary.AppendUvarint(b, uint64(len(e.Attributes)))
		for _, name := range e.Attributes.Names() {
			b = appendString(b, name)
			b = appendString(b, e.Attributes[name])
		}
	}
	if e.RetiredOn != 0 {
		b = binary.AppendVarint(b, int64(e.RetiredOn))
	}
	return b
}

// ledgerDecoder decodes ledger entries. It shares the strings that repeat
// (a person's id across their entries; targets, kinds, permission names,
// rule ids and attribute names across everyone's) and hands out rule lists
// from shared blocks instead of one allocation each.
type ledgerDecoder struct {
	strs   map[string]string
	person string
	rules  []string
	// the last target and attribute names, by position, which most
	// entries repeat: cheaper to compare than to look up
	target string
	names  []string

	// packed decodes attributes into engine.PackedAttributes: the lists
	// of names entries share (a target's accounts mostly have the same),
	// the ends of values handed out from shared blocks, and scratch for
	// the names and values of the entry being decoded
	packed bool
	lists  [][]string
	// ruleLists are the rule lists entries share, by their encoding
	ruleLists map[string][]string
	ends      []uint32
	nameBufs  [][]byte
	buf       []byte
}

func newLedgerDecoder() *ledgerDecoder {
	return &ledgerDecoder{strs: make(map[string]string, 1024)}
}

func (d *ledgerDecoder) intern(b []byte) string {
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	d.strs[s] = s
	return s
}

func (d *ledgerDecoder) newRules(n int) []string {
	if n > 64 {
		return make([]string, n)
	}
	if cap(d.rules)-len(d.rules) < n {
		d.rules = make([]string, 0, 4096)
	}
	k := len(d.rules)
	d.rules = d.rules[:k+n]
	return d.rules[k : k+n : k+n]
}

// decode decodes the entry with key k and value v into e.
func (d *ledgerDecoder) decode(k, v []byte, e *engine.LedgerEntry) error {
	parts := [4][]byte{}
	rest := k
	for i := range 3 {
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			return fmt.Errorf("the key has %d parts, not 4", i+1)
		}
		parts[i], rest = rest[:j], rest[j+1:]
	}
	parts[3] = rest
	if string(parts[0]) != d.person {
		d.person = string(parts[0])
	}
	*e = engine.LedgerEntry{Person: d.person}
	if string(parts[1]) != d.target {
		d.target = d.intern(parts[1])
	}
	e.Key.Target = d.target
	switch string(parts[2]) {
	case string(engine.KindAccount):
		e.Key.Kind = engine.KindAccount
	case string(engine.KindAccess):
		e.Key.Kind = engine.KindAccess
	case string(engine.KindPermission):
		e.Key.Kind = engine.KindPermission
	default:
		e.Key.Kind = engine.EntitlementKind(d.intern(parts[2]))
	}
	if len(parts[3]) > 0 {
		e.Key.Name = d.intern(parts[3])
	}

	if len(v) < 2 || v[0] != ledgerFormat {
		return fmt.Errorf("the value is not in ledger format %d", ledgerFormat)
	}
	flags := v[1]
	r := &planReader{b: v[2:]}
	e.Unmanaged = flags&ledgerUnmanaged != 0
	if flags&ledgerReference != 0 {
		e.Reference = r.string()
	}
	if flags&ledgerRules != 0 {
		before := r.b
		if n := r.count(); n > 0 && d.packed {
			e.Rules = d.ruleList(r, before, n)
		} else if n > 0 {
			e.Rules = d.newRules(n)
			for i := range e.Rules {
				e.Rules[i] = d.intern(r.bytes())
			}
		}
	}
	e.GrantedAt = r.time()
	if flags&ledgerAttributes != 0 {
		if n := r.count(); n > 0 && d.packed {
			e.Packed = d.pack(r, n)
		} else if n > 0 {
			e.Attributes = make(engine.Attributes, n)
			for i := range n {
				b := r.bytes()
				if i == len(d.names) {
					d.names = append(d.names, "")
				}
				if string(b) != d.names[i] {
					d.names[i] = d.intern(b)
				}
				e.Attributes[d.names[i]] = r.string()
			}
		}
	}
	if flags&ledgerRetired != 0 {
		e.RetiredOn = engine.Date(r.varint())
	}
	return r.end()
}

// pack decodes n attributes into their packed form: the list of names
// shared with the entries that have the same, the values in one string.
func (d *ledgerDecoder) pack(r *planReader, n int) *engine.PackedAttributes {
	d.nameBufs, d.buf = d.nameBufs[:0], d.buf[:0]
	if cap(d.ends)-len(d.ends) < n {
		d.ends = make([]uint32, 0, max(4096, n))
	}
	k := len(d.ends)
	for range n {
		d.nameBufs = append(d.nameBufs, r.bytes())
		d.buf = append(d.buf, r.bytes()...)
		d.ends = append(d.ends, uint32(len(d.buf)))
	}
	ends := d.ends[k : k+n : k+n]
	var names []string
	for _, list := range d.lists {
		if d.sameNames(list) {
			names = list
			break
		}
	}
	if names == nil {
		names = make([]string, n)
		for i, b := range d.nameBufs {
			names[i] = d.intern(b)
		}
		if len(d.lists) < 64 {
			d.lists = append(d.lists, names)
		}
	}
	return engine.NewPackedAttributes(names, string(d.buf), ends)
}

// ruleList decodes n rule ids into a list that the entries with the same
// rules share: a million accounts are granted by a few rules.
func (d *ledgerDecoder) ruleList(r *planReader, before []byte, n int) []string {
	d.nameBufs = d.nameBufs[:0]
	for range n {
		d.nameBufs = append(d.nameBufs, r.bytes())
	}
	raw := before[:len(before)-len(r.b)]
	if list, ok := d.ruleLists[string(raw)]; ok {
		return list
	}
	list := make([]string, n)
	for i, b := range d.nameBufs {
		list[i] = d.intern(b)
	}
	if d.ruleLists == nil {
		d.ruleLists = map[string][]string{}
	}
	if len(d.ruleLists) < 1<<16 {
		d.ruleLists[string(raw)] = list
	}
	return list
}

// sameNames reports whether the names being decoded are those of list.
func (d *ledgerDecoder) sameNames(list []string) bool {
	if len(list) != len(d.nameBufs) {
		return false
	}
	for i, b := range d.nameBufs {
		if string(b) != list[i] {
			return false
		}
	}
	return true
}

func unreadableLedgerEntry(k []byte, err error) error {
	return engine.Errorf(engine.Internal, "ledger entry %q in the workspace store is unreadable: %v", bytes.ReplaceAll(k, []byte{0}, []byte{' '}), err)
}

// ledgerBucket returns the ledger bucket for writing. Enforcement adds
// entries mostly in key order (a plan goes person by person), which with
// bbolt's default fill leaves every page half empty.
func ledgerBucket(tx *bolt.Tx) *bolt.Bucket {
	b := tx.Bucket(bucketLedger)
	b.FillPercent = 0.9
	return b
}

// putLedgerEntries adds or replaces entries, by person and entitlement.
func putLedgerEntries(tx *bolt.Tx, entries []engine.LedgerEntry) error {
	b := ledgerBucket(tx)
	for i := range entries {
		k, err := ledgerKey(&entries[i])
		if err != nil {
			return err
		}
		if err := b.Put(k, appendLedgerValue(make([]byte, 0, 64), &entries[i])); err != nil {
			return err
		}
	}
	return nil
}

// applyLedgerChanges sets or removes entries, in order, and counts a new
// ledger version when there are any.
func applyLedgerChanges(tx *bolt.Tx, changes []engine.LedgerChange) error {
	if len(changes) == 0 {
		return nil
	}
	b := ledgerBucket(tx)
	for i := range changes {
		c := &changes[i]
		k, err := ledgerKey(&c.Entry)
		if err != nil {
			return fmt.Errorf("ledger change %d: %w", i+1, err)
		}
		if c.Delete {
			err = b.Delete(k)
		} else {
			err = b.Put(k, appendLedgerValue(make([]byte, 0, 64), &c.Entry))
		}
		if err != nil {
			return fmt.Errorf("ledger change %d: %w", i+1, err)
		}
	}
	return bumpCounter(tx, keyLedgerVersion, "ledger")
}

// WriteLedger adds or replaces ledger entries (by person and entitlement)
// in one transaction and counts a new ledger version. Enforcement changes
// the ledger through RecordResults; this is for tests and tools.
func (s *Store) WriteLedger(ctx context.Context, entries []engine.LedgerEntry) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		if err := putLedgerEntries(tx, entries); err != nil {
			return err
		}
		return bumpCounter(tx, keyLedgerVersion, "ledger")
	})
}

// LedgerVersion returns how many times the ledger changed.
func (s *Store) LedgerVersion(ctx context.Context) (uint64, error) {
	var v uint64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		v, err = counter(tx, keyLedgerVersion, "ledger")
		return err
	})
	return v, err
}

// LoadLedger returns every ledger entry, by person and then entitlement
// (engine.EntitlementKey.Less). Entries share no memory a caller might
// change: their rule lists and attributes are their own.
func (s *Store) LoadLedger(ctx context.Context) (*engine.Ledger, error) {
	l := &engine.Ledger{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLedger)
		n := b.Stats().KeyN
		if n == 0 {
			return nil
		}
		l.Entries = make([]engine.LedgerEntry, n)
		defer releaseMapped(tx)
		return decodeLedger(ctx, b, l.Entries, false, nil)
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// ReadLedgerPacked calls fn with the entries LoadLedger returns, with the
// attributes of account entries packed (engine.LedgerEntry.Packed): the
// entries that have the same attribute names share the list of them, and
// each entry's values are one string. Entries with the same rules share
// their list of them too: they are to be read, not changed. The entries
// come a batch at a time, so that a caller that keeps them in a form of its own
// never holds them all: each batch holds whole persons' entries in
// LoadLedger's order; the batches come in no particular order, one at a
// time. fn must not keep the batch, whose entries are reused, but may
// keep what they point to. An error from fn stops the reading and is
// returned.
func (s *Store) ReadLedgerPacked(ctx context.Context, fn func(entries []engine.LedgerEntry) error) error {
	return s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLedger)
		defer releaseMapped(tx)
		return decodeLedger(ctx, b, nil, true, fn)
	})
}

// ledgerBatchSize is how many entries a decoding goroutine takes at once.
const ledgerBatchSize = 8192

// ledgerBatch is a run of ledger keys and values, in key order, that
// decode into the entries from start on. A batch ends between two
// persons, so that a person's entries are ordered within one.
type ledgerBatch struct {
	start        int
	keys, values [][]byte
}

// decodeLedger decodes the ledger bucket into out, which has one entry per
// key, on as many goroutines as there are processors: the cursor walks
// the keys on this one and hands out batches. With emit, out is nil: each
// batch is decoded into a buffer of its goroutine and handed to emit, one
// batch at a time.
func decodeLedger(ctx context.Context, b *bolt.Bucket, out []engine.LedgerEntry, packed bool, emit func([]engine.LedgerEntry) error) error {
	workers := min(runtime.GOMAXPROCS(0), len(out)/ledgerBatchSize+1)
	if emit != nil {
		workers = runtime.GOMAXPROCS(0)
	}
	var emitting sync.Mutex
	jobs := make(chan *ledgerBatch, workers)
	free := make(chan *ledgerBatch, 2*workers)
	var mu sync.Mutex
	var failure error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if failure == nil {
			failure = err
		}
	}
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failure != nil
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			d := newLedgerDecoder()
			d.packed = packed
			var buf []engine.LedgerEntry
			for bt := range jobs {
				if !failed() {
					var es []engine.LedgerEntry
					if emit != nil {
						if cap(buf) < len(bt.keys) {
							buf = make([]engine.LedgerEntry, len(bt.keys))
						}
						es = buf[:len(bt.keys)]
					} else {
						es = out[bt.start : bt.start+len(bt.keys)]
					}
					ok := true
					for i := range bt.keys {
						if err := d.decode(bt.keys[i], bt.values[i], &es[i]); err != nil {
							fail(unreadableLedgerEntry(bt.keys[i], err))
							ok = false
							break
						}
					}
					orderLedger(es)
					if ok && emit != nil {
						emitting.Lock()
						if !failed() {
							if err := emit(es); err != nil {
								fail(err)
							}
						}
						emitting.Unlock()
					}
				}
				select {
				case free <- bt:
				default:
				}
			}
		})
	}
	newBatch := func(start int) *ledgerBatch {
		select {
		case bt := <-free:
			bt.start, bt.keys, bt.values = start, bt.keys[:0], bt.values[:0]
			return bt
		default:
			return &ledgerBatch{start: start, keys: make([][]byte, 0, ledgerBatchSize+64), values: make([][]byte, 0, ledgerBatchSize+64)}
		}
	}

	n := 0
	bt := newBatch(0)
	c := b.Cursor()
	read := 0 // bytes of the file mapped since they were last let go
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if read += len(k) + len(v); read >= releaseEvery {
			releaseMapped(b.Tx())
			read = 0
		}
		if len(bt.keys) >= ledgerBatchSize && !samePerson(bt.keys[len(bt.keys)-1], k) {
			if err := engine.CheckCanceled(ctx); err != nil {
				fail(err)
			}
			if failed() {
				break
			}
			jobs <- bt
			bt = newBatch(n)
		}
		if emit == nil && n == len(out) {
			fail(engine.Errorf(engine.Internal, "the ledger in the workspace store holds more entries than it counts (%d)", len(out)))
			break
		}
		bt.keys = append(bt.keys, k)
		bt.values = append(bt.values, v)
		n++
	}
	if len(bt.keys) > 0 {
		jobs <- bt
	}
	close(jobs)
	wg.Wait()
	if failure == nil && emit == nil && n != len(out) {
		failure = engine.Errorf(engine.Internal, "the ledger in the workspace store holds %d entries, not the %d it counts", n, len(out))
	}
	return failure
}

// samePerson reports whether two ledger keys belong to one person.
func samePerson(a, b []byte) bool {
	i := bytes.IndexByte(a, 0)
	return i >= 0 && len(b) > i && b[i] == 0 && bytes.Equal(a[:i], b[:i])
}

// orderLedger puts each person's entries in one target in the engine's
// order of kinds: keys order them alphabetically (access before account).
func orderLedger(es []engine.LedgerEntry) {
	byKey := func(a, b engine.LedgerEntry) int {
		switch {
		case a.Key.Less(b.Key):
			return -1
		case b.Key.Less(a.Key):
			return 1
		}
		return 0
	}
	for i := 0; i < len(es); {
		j := i + 1
		for j < len(es) && es[j].Person == es[i].Person && es[j].Key.Target == es[i].Key.Target {
			j++
		}
		if g := es[i:j]; len(g) > 1 && !slices.IsSortedFunc(g, byKey) {
			slices.SortFunc(g, byKey)
		}
		i = j
	}
}

// forgetRule removes a deleted rule from the ledger entries it granted; an
// entry no rule granted any more becomes unmanaged. It reports whether it
// changed any.
func forgetRule(b *bolt.Bucket, id string) (bool, error) {
	// most entries do not name the rule: look for its bytes before
	// decoding
	needle := []byte(id)
	type change struct {
		key, value []byte
	}
	var changes []change
	d := newLedgerDecoder()
	err := b.ForEach(func(k, v []byte) error {
		if !bytes.Contains(v, needle) {
			return nil
		}
		var e engine.LedgerEntry
		if err := d.decode(k, v, &e); err != nil {
			return unreadableLedgerEntry(k, err)
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
		changes = append(changes, change{key: slices.Clone(k), value: appendLedgerValue(nil, &e)})
		return nil
	})
	if err != nil {
		return false, err
	}
	// written after the walk: bbolt cursors do not survive changes to
	// their bucket
	for _, c := range changes {
		if err := b.Put(c.key, c.value); err != nil {
			return false, err
		}
	}
	return len(changes) > 0, nil
}

// migrateLedgerToBinary rewrites the JSON ledger entries of schema version
// 2 in the binary form, a bounded batch at a time (a cursor does not
// survive changes to its bucket, so each batch seeks past the last).
func migrateLedgerToBinary(tx *bolt.Tx) error {
	b := ledgerBucket(tx)
	type change struct {
		key, value []byte
	}
	var after []byte
	for {
		var batch []change
		c := b.Cursor()
		k, v := c.First()
		if after != nil {
			if k, v = c.Seek(after); bytes.Equal(k, after) {
				k, v = c.Next()
			}
		}
		for ; k != nil && len(batch) < 10_000; k, v = c.Next() {
			var e engine.LedgerEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("ledger entry %q: %w", bytes.ReplaceAll(k, []byte{0}, []byte{' '}), err)
			}
			batch = append(batch, change{key: slices.Clone(k), value: appendLedgerValue(nil, &e)})
		}
		if len(batch) == 0 {
			return nil
		}
		for _, c := range batch {
			if err := b.Put(c.key, c.value); err != nil {
				return err
			}
		}
		after = batch[len(batch)-1].key
	}
}
