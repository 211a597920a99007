package boltstore

import (
	"encoding/binary"
	"time"
)

// The binary encodings of the ledger, enforcement results and target
// accounts share these pieces with the plan codec (plancodec.go): numbers
// are uvarints (varints when signed), a string is its length and its
// bytes, and a reader (planReader) whose first problem sticks.

// The tags that start an encoded time.
const (
	timeZero   = 0 // the zero time; nothing follows
	timeUTC    = 1 // seconds and nanoseconds follow
	timeOffset = 2 // seconds, nanoseconds and the zone's offset in seconds follow
)

// appendTime writes t as its instant and its zone's offset, which is what
// JSON keeps of a time (and what it reads back: UTC for offset 0, the
// local zone when it has that offset then, a fixed zone otherwise).
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, timeZero)
	}
	_, offset := t.Zone()
	tag := byte(timeUTC)
	if offset != 0 {
		tag = timeOffset
	}
	b = append(b, tag)
	b = binary.AppendVarint(b, t.Unix())
	b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	if tag == timeOffset {
		b = binary.AppendVarint(b, int64(offset))
	}
	return b
}

// time reads a time appendTime wrote.
func (r *planReader) time() time.Time {
	switch tag := r.byte(); tag {
	case timeZero:
		return time.Time{}
	case timeUTC, timeOffset:
		sec := r.varint()
		nsec := r.uvarint()
		if nsec >= 1e9 {
			r.fail("a time has %d nanoseconds", nsec)
			return time.Time{}
		}
		t := time.Unix(sec, int64(nsec))
		if tag == timeUTC {
			return t.UTC()
		}
		offset := r.varint()
		if offset < -24*3600 || offset > 24*3600 {
			r.fail("a time zone is %d seconds off UTC", offset)
			return time.Time{}
		}
		if _, local := t.Zone(); int64(local) == offset {
			return t // in time.Local, as JSON reads it
		}
		return t.In(time.FixedZone("", int(offset)))
	default:
		r.fail("unknown time tag %d", tag)
		return time.Time{}
	}
}

func (r *planReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("a number is cut off")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// appendAffix writes s as how many leading and trailing bytes it shares
// with prev and the bytes between: the distinguished names and mail
// addresses of accounts listed one after another share both ends.
func appendAffix(b []byte, prev, s string) []byte {
	p := 0
	for p < len(prev) && p < len(s) && prev[p] == s[p] {
		p++
	}
	q := 0
	for q < len(prev)-p && q < len(s)-p && prev[len(prev)-1-q] == s[len(s)-1-q] {
		q++
	}
	b = binary.AppendUvarint(b, uint64(p))
	b = binary.AppendUvarint(b, uint64(q))
	return appendString(b, s[p:len(s)-q])
}

// affix reads a string appendAffix wrote; a repeat of prev is prev itself.
func (r *planReader) affix(prev string) string {
	p, q := r.uvarint(), r.uvarint()
	if p > uint64(len(prev)) || q > uint64(len(prev))-p {
		r.fail("%d and %d shared bytes are more than the %d before", p, q, len(prev))
		return ""
	}
	mid := r.bytes()
	if len(mid) == 0 && p+q == uint64(len(prev)) {
		return prev
	}
	return prev[:p] + string(mid) + prev[uint64(len(prev))-q:]
}
