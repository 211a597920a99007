package boltstore

import (
	"encoding/binary"
	"fmt"
	"slices"

	"provisio/engine"
)

// An evaluation's plan (its actions, skipped persons and notes) is stored
// in a bucket of its own in a compact binary form, because a first
// evaluation of 300,000 persons has about a million actions: as JSON that
// would be some 200 MB (204 bytes an action), here it is 14 MB.
//
// The bucket holds:
//
//	"h"               header: format, then uvarint counts of strings,
//	                  actions, skipped persons and notes
//	"s" + uint32 BE   chunks of the string table
//	"a" + uint32 BE   chunks of actions
//	"k" + uint32 BE   chunks of skipped persons
//	"n" + uint32 BE   chunks of notes
//
// Every chunk is a value of at most about a MiB (chunkTarget plus one
// record): a uint32 BE count of its records, then the records. Numbers are
// uvarints; a string is its length and its bytes.
//
// The string table interns the strings that repeat across persons: target
// keys, entitlement names, unknown kinds, operations, attribute names, rule
// ids and names, the why of a reason, skip statuses and note messages.
// Index 0 is the empty string and is not stored; the table's chunks list
// the others in index order.
//
// Records refer to the record before them in the same chunk, and the
// first record of a chunk to nothing, so that every chunk decodes on its
// own:
//
//	action   flags byte: bit 0 grant; bit 1 same person (id and name) as
//	         the previous action; bit 2 same reasons as the previous
//	         action; bits 3-5 the kind (kindCodes; kindOther: its string
//	         index follows the name); bit 6 an operation and a reference
//	         follow the kind; bit 7 attribute changes follow them
//	         unless same person: person id front-coded against the
//	         previous person id, then the person's name
//	         target index, name index, [kind index]
//	         [operation index, reference front-coded against the previous
//	         reference]
//	         [changes: a count, then per change its attribute index, its
//	         old and its new value]
//	         unless same reasons: count, then per reason its rule, rule
//	         name and why indexes and its contracts: a count, then each id
//	         front-coded against the previous contract id
//	skipped  person id front-coded, name, status index
//	note     person id front-coded, message index
//
// Front coding writes how many leading bytes a string shares with the one
// before and then the rest: "hr:100124" after "hr:100123" takes three bytes.
//
// Format 1 had no operations, references and changes (bits 6 and 7 were
// never set); format 2 plans decode the same way, so both are read.
const planFormat = 2

// chunkTarget is the size at which a chunk is closed.
const chunkTarget = 1<<20 - 32<<10

const (
	sectionStrings = 's'
	sectionActions = 'a'
	sectionSkipped = 'k'
	sectionNotes   = 'n'
)

var keyPlanHeader = []byte("h")

const (
	flagGrant       = 1 << 0
	flagSamePerson  = 1 << 1
	flagSameReasons = 1 << 2
	kindShift       = 3
	kindMask        = 7
	kindOther       = 7
	flagOpRef       = 1 << 6
	flagChanges     = 1 << 7
)

var kindCodes = map[engine.EntitlementKind]byte{
	engine.KindAccount:    0,
	engine.KindAccess:     1,
	engine.KindPermission: 2,
	engine.KindCustom:     3,
}

var kindsByCode = [...]engine.EntitlementKind{engine.KindAccount, engine.KindAccess, engine.KindPermission, engine.KindCustom}

func chunkKey(section byte, n uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{section}, n)
}

// planValue is one key and value of a plan's bucket.
type planValue struct {
	key, value []byte
}

// encodePlan returns the values of a plan's bucket, header first.
func encodePlan(e *engine.Evaluation) []planValue {
	enc := &planEncoder{index: map[string]uint64{}, strs: []string{""}}

	actions := enc.newChunker(sectionActions)
	var prev *engine.Action
	for i := range e.Actions {
		a := &e.Actions[i]
		if actions.next() {
			prev = nil
		}
		actions.buf = enc.appendAction(actions.buf, a, prev, actions)
		prev = a
	}
	actions.flush()

	skipped := enc.newChunker(sectionSkipped)
	for i := range e.Skipped {
		sk := &e.Skipped[i]
		skipped.next()
		b := skipped.appendPerson(skipped.buf, sk.Person)
		b = appendString(b, sk.Name)
		skipped.buf = binary.AppendUvarint(b, enc.intern(string(sk.Status)))
	}
	skipped.flush()

	notes := enc.newChunker(sectionNotes)
	for i := range e.Notes {
		n := &e.Notes[i]
		notes.next()
		b := notes.appendPerson(notes.buf, n.Person)
		notes.buf = binary.AppendUvarint(b, enc.intern(n.Message))
	}
	notes.flush()

	strs := enc.newChunker(sectionStrings)
	for _, s := range enc.strs[1:] {
		strs.next()
		strs.buf = appendString(strs.buf, s)
	}
	strs.flush()

	header := []byte{planFormat}
	for _, n := range []int{len(enc.strs) - 1, len(e.Actions), len(e.Skipped), len(e.Notes)} {
		header = binary.AppendUvarint(header, uint64(n))
	}
	out := []planValue{{key: keyPlanHeader, value: header}}
	for _, c := range []*chunker{strs, actions, skipped, notes} {
		out = append(out, c.chunks...)
	}
	return out
}

type planEncoder struct {
	index map[string]uint64
	strs  []string
}

// intern returns the string's index in the table, adding it when new.
func (enc *planEncoder) intern(s string) uint64 {
	if s == "" {
		return 0
	}
	if i, ok := enc.index[s]; ok {
		return i
	}
	i := uint64(len(enc.strs))
	enc.strs = append(enc.strs, s)
	enc.index[s] = i
	return i
}

func (enc *planEncoder) newChunker(section byte) *chunker {
	return &chunker{section: section}
}

func (enc *planEncoder) appendAction(b []byte, a, prev *engine.Action, c *chunker) []byte {
	var flags byte
	if a.Grant {
		flags |= flagGrant
	}
	samePerson := prev != nil && prev.Person == a.Person && prev.PersonName == a.PersonName
	if samePerson {
		flags |= flagSamePerson
	}
	sameReasons := prev != nil && equalReasons(prev.Reasons, a.Reasons)
	if sameReasons {
		flags |= flagSameReasons
	}
	kind, known := kindCodes[a.Key.Kind]
	if !known {
		kind = kindOther
	}
	if a.Op != "" || a.Ref != "" {
		flags |= flagOpRef
	}
	if len(a.Changes) > 0 {
		flags |= flagChanges
	}
	b = append(b, flags|kind<<kindShift)
	if !samePerson {
		b = c.appendPerson(b, a.Person)
		b = appendString(b, a.PersonName)
	}
	b = binary.AppendUvarint(b, enc.intern(a.Key.Target))
	b = binary.AppendUvarint(b, enc.intern(a.Key.Name))
	if !known {
		b = binary.AppendUvarint(b, enc.intern(string(a.Key.Kind)))
	}
	if flags&flagOpRef != 0 {
		b = binary.AppendUvarint(b, enc.intern(string(a.Op)))
		b = appendFront(b, c.ref, a.Ref)
		c.ref = a.Ref
	}
	if flags&flagChanges != 0 {
		b = binary.AppendUvarint(b, uint64(len(a.Changes)))
		for _, ch := range a.Changes {
			b = binary.AppendUvarint(b, enc.intern(ch.Attribute))
			b = appendString(b, ch.Old)
			b = appendString(b, ch.New)
		}
	}
	if sameReasons {
		return b
	}
	b = binary.AppendUvarint(b, uint64(len(a.Reasons)))
	for i := range a.Reasons {
		r := &a.Reasons[i]
		b = binary.AppendUvarint(b, enc.intern(r.Rule))
		b = binary.AppendUvarint(b, enc.intern(r.RuleName))
		b = binary.AppendUvarint(b, enc.intern(r.Why))
		b = binary.AppendUvarint(b, uint64(len(r.Contracts)))
		for _, ct := range r.Contracts {
			b = appendFront(b, c.contract, ct)
			c.contract = ct
		}
	}
	return b
}

func equalReasons(a, b []engine.Reason) bool {
	return slices.EqualFunc(a, b, func(x, y engine.Reason) bool {
		return x.Rule == y.Rule && x.RuleName == y.RuleName && x.Why == y.Why && slices.Equal(x.Contracts, y.Contracts)
	})
}

// chunker cuts a section's records into chunks and keeps the front-coding
// state, which starts afresh in every chunk.
type chunker struct {
	section byte
	chunks  []planValue
	buf     []byte
	count   uint32

	person, contract, ref string
}

// next starts a record, closing the chunk first when it is full; it
// reports whether the record starts a chunk.
func (c *chunker) next() bool {
	if len(c.buf) >= chunkTarget {
		c.flush()
	}
	first := c.buf == nil
	if first {
		// room for a whole chunk: growing by doubling would allocate
		// twice what the plan takes
		c.buf = make([]byte, 4, chunkTarget+64<<10)
		c.person, c.contract, c.ref = "", "", ""
	}
	c.count++
	return first
}

func (c *chunker) flush() {
	if c.buf == nil {
		return
	}
	binary.BigEndian.PutUint32(c.buf, c.count)
	v := c.buf
	if len(v) < cap(v)/2 {
		v = slices.Clone(v) // a small plan's last chunk: let the rest go
	}
	// bbolt keeps values until the commit, so each chunk has memory of its
	// own
	c.chunks = append(c.chunks, planValue{key: chunkKey(c.section, uint32(len(c.chunks))), value: v})
	c.buf, c.count = nil, 0
}

func (c *chunker) appendPerson(b []byte, id string) []byte {
	b = appendFront(b, c.person, id)
	c.person = id
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendFront writes s as the length of its common prefix with prev and
// the rest of s.
func appendFront(b []byte, prev, s string) []byte {
	n := 0
	for n < len(prev) && n < len(s) && prev[n] == s[n] {
		n++
	}
	b = binary.AppendUvarint(b, uint64(n))
	return appendString(b, s[n:])
}

// planReader decodes one value; the first problem sticks, so records are
// decoded whole and checked once.
type planReader struct {
	b   []byte
	err error
}

func (r *planReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

func (r *planReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("a number is cut off")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a number of items that each take at least one byte.
func (r *planReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail("a count of %d exceeds the %d bytes left", n, len(r.b))
		return 0
	}
	return int(n)
}

func (r *planReader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail("a record is cut off")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *planReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail("a string of %d bytes exceeds the %d bytes left", n, len(r.b))
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *planReader) string() string { return string(r.bytes()) }

func (r *planReader) interned(table []string) string {
	i := r.uvarint()
	if i >= uint64(len(table)) {
		r.fail("string %d is not in the table of %d", i, len(table))
		return ""
	}
	return table[i]
}

// front reads a front-coded string; a repeat of prev is prev itself.
func (r *planReader) front(prev string) string {
	n := r.uvarint()
	if n > uint64(len(prev)) {
		r.fail("a shared prefix of %d bytes is longer than the %d before", n, len(prev))
		return ""
	}
	rest := r.bytes()
	if len(rest) == 0 && n == uint64(len(prev)) {
		return prev
	}
	return prev[:n] + string(rest)
}

// chunkRecords reads a chunk's record count and returns a reader of its
// records.
func chunkRecords(v []byte) (*planReader, int, error) {
	if len(v) < 4 {
		return nil, 0, fmt.Errorf("a chunk of %d bytes has no record count", len(v))
	}
	n := binary.BigEndian.Uint32(v)
	r := &planReader{b: v[4:]}
	if uint64(n) > uint64(len(r.b)) {
		return nil, 0, fmt.Errorf("a chunk counts %d records in %d bytes", n, len(r.b))
	}
	return r, int(n), nil
}

// planHeader is what a plan's header says.
type planHeader struct {
	strings, actions, skipped, notes int
}

func decodePlanHeader(v []byte) (planHeader, error) {
	var h planHeader
	if len(v) == 0 {
		return h, fmt.Errorf("the plan has no header")
	}
	if v[0] < 1 || v[0] > planFormat {
		return h, fmt.Errorf("the plan is in format %d; this Provisio reads formats 1 to %d", v[0], planFormat)
	}
	r := &planReader{b: v[1:]}
	for _, p := range []*int{&h.strings, &h.actions, &h.skipped, &h.notes} {
		n := r.uvarint()
		if n > 1<<40 {
			r.fail("a count of %d is implausible", n)
		}
		*p = int(n)
	}
	if r.err == nil && len(r.b) > 0 {
		r.fail("%d bytes follow the header", len(r.b))
	}
	return h, r.err
}

// planDecoder rebuilds a plan; it hands out reasons and contract lists
// from shared blocks instead of one allocation each.
type planDecoder struct {
	table     []string
	reasons   []engine.Reason
	contracts []string
	changes   []engine.AttributeChange
}

func (d *planDecoder) newReasons(n int) []engine.Reason {
	if n > 256 {
		return make([]engine.Reason, n)
	}
	if cap(d.reasons)-len(d.reasons) < n {
		d.reasons = make([]engine.Reason, 0, 4096)
	}
	k := len(d.reasons)
	d.reasons = d.reasons[:k+n]
	return d.reasons[k : k+n : k+n]
}

func (d *planDecoder) newChanges(n int) []engine.AttributeChange {
	if n > 256 {
		return make([]engine.AttributeChange, n)
	}
	if cap(d.changes)-len(d.changes) < n {
		d.changes = make([]engine.AttributeChange, 0, 4096)
	}
	k := len(d.changes)
	d.changes = d.changes[:k+n]
	return d.changes[k : k+n : k+n]
}

func (d *planDecoder) newContracts(n int) []string {
	if n > 256 {
		return make([]string, n)
	}
	if cap(d.contracts)-len(d.contracts) < n {
		d.contracts = make([]string, 0, 4096)
	}
	k := len(d.contracts)
	d.contracts = d.contracts[:k+n]
	return d.contracts[k : k+n : k+n]
}

// decodeStrings appends a chunk of the string table to table.
func decodeStrings(v []byte, table []string) ([]string, error) {
	r, n, err := chunkRecords(v)
	if err != nil {
		return table, err
	}
	for range n {
		table = append(table, r.string())
	}
	return table, r.end()
}

// decodeActions decodes a chunk of actions into out, which is as long
// as the chunk's record count.
func (d *planDecoder) decodeActions(v []byte, out []engine.Action) error {
	r, n, err := chunkRecords(v)
	if err != nil {
		return err
	}
	if n != len(out) {
		return fmt.Errorf("the chunk holds %d actions, not %d", n, len(out))
	}
	var person, contract, ref string
	for i := range n {
		a := &out[i]
		flags := r.byte()
		if flags&flagSamePerson != 0 || flags&flagSameReasons != 0 {
			if i == 0 {
				return fmt.Errorf("the first action of a chunk refers to the one before")
			}
		}
		a.Grant = flags&flagGrant != 0
		if flags&flagSamePerson != 0 {
			a.Person, a.PersonName = out[i-1].Person, out[i-1].PersonName
		} else {
			person = r.front(person)
			a.Person = person
			a.PersonName = r.string()
		}
		a.Key.Target = r.interned(d.table)
		a.Key.Name = r.interned(d.table)
		if k := flags >> kindShift & kindMask; k == kindOther {
			a.Key.Kind = engine.EntitlementKind(r.interned(d.table))
		} else if int(k) < len(kindsByCode) {
			a.Key.Kind = kindsByCode[k]
		} else {
			r.fail("unknown kind code %d", k)
		}
		if flags&flagOpRef != 0 {
			a.Op = engine.ActionOp(r.interned(d.table))
			ref = r.front(ref)
			a.Ref = ref
		}
		if flags&flagChanges != 0 {
			if nc := r.count(); nc > 0 {
				a.Changes = d.newChanges(nc)
				for j := range a.Changes {
					ch := &a.Changes[j]
					ch.Attribute = r.interned(d.table)
					ch.Old = r.string()
					ch.New = r.string()
				}
			}
		}
		if flags&flagSameReasons != 0 {
			a.Reasons = d.copyReasons(out[i-1].Reasons)
		} else if nr := r.count(); nr > 0 {
			a.Reasons = d.newReasons(nr)
			for j := range a.Reasons {
				rs := &a.Reasons[j]
				rs.Rule = r.interned(d.table)
				rs.RuleName = r.interned(d.table)
				rs.Why = r.interned(d.table)
				if nc := r.count(); nc > 0 {
					rs.Contracts = d.newContracts(nc)
					for k := range rs.Contracts {
						contract = r.front(contract)
						rs.Contracts[k] = contract
					}
				}
			}
		}
		if r.err != nil {
			return fmt.Errorf("action %d of the chunk: %w", i+1, r.err)
		}
	}
	return r.end()
}

// copyReasons copies the reasons of the action before, so that no two
// actions share memory a caller might change.
func (d *planDecoder) copyReasons(rs []engine.Reason) []engine.Reason {
	if rs == nil {
		return nil
	}
	out := d.newReasons(len(rs))
	copy(out, rs)
	for i := range out {
		if out[i].Contracts != nil {
			cs := d.newContracts(len(out[i].Contracts))
			copy(cs, out[i].Contracts)
			out[i].Contracts = cs
		}
	}
	return out
}

func (d *planDecoder) decodeSkipped(v []byte, out []engine.Skipped) error {
	r, n, err := chunkRecords(v)
	if err != nil {
		return err
	}
	if n != len(out) {
		return fmt.Errorf("the chunk holds %d skipped persons, not %d", n, len(out))
	}
	var person string
	for i := range n {
		person = r.front(person)
		out[i] = engine.Skipped{Person: person, Name: r.string(), Status: engine.Status(r.interned(d.table))}
	}
	return r.end()
}

func (d *planDecoder) decodeNotes(v []byte, out []engine.Note) error {
	r, n, err := chunkRecords(v)
	if err != nil {
		return err
	}
	if n != len(out) {
		return fmt.Errorf("the chunk holds %d notes, not %d", n, len(out))
	}
	var person string
	for i := range n {
		person = r.front(person)
		out[i] = engine.Note{Person: person, Message: r.interned(d.table)}
	}
	return r.end()
}

// end checks that the value was read to its last byte.
func (r *planReader) end() error {
	if r.err == nil && len(r.b) > 0 {
		r.fail("%d bytes follow the last record", len(r.b))
	}
	return r.err
}
