package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"strings"
)

// Hash is the content hash of an encoded record: the first 16 bytes of its
// SHA-256. Two records with the same hash are the same record.
type Hash [16]byte

// HashOf returns the content hash of an encoded record.
func HashOf(b []byte) Hash {
	sum := sha256.Sum256(b)
	var h Hash
	copy(h[:], sum[:16])
	return h
}

func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// recordVersion is the first byte of every encoded record; a new layout
// gets a new version and the decoder keeps reading the old ones.
const (
	personRecordV1      = 1
	departmentsRecordV1 = 2
)

var errCorrupt = errors.New("corrupt record")

// CanonicalizePerson puts p in canonical order so that two mappings of the
// same data encode, and hash, identically: contracts by external id, then
// start date, then end date; issues by field.
func CanonicalizePerson(p *Person) {
	slices.SortStableFunc(p.Contracts, func(a, b Contract) int {
		if c := strings.Compare(a.ExternalID, b.ExternalID); c != 0 {
			return c
		}
		if a.StartDate != b.StartDate {
			return int(a.StartDate - b.StartDate)
		}
		return int(a.EndDate - b.EndDate)
	})
	slices.SortStableFunc(p.Issues, func(a, b Issue) int {
		if c := strings.Compare(a.Contract, b.Contract); c != 0 {
			return c
		}
		return strings.Compare(a.Field, b.Field)
	})
}

// AppendPerson appends the binary encoding of p to b. The encoding is
// deterministic for a canonical person (see CanonicalizePerson).
func AppendPerson(b []byte, p *Person) []byte {
	e := encoder{b: append(b, personRecordV1)}
	e.str(p.ID)
	e.str(p.Source)
	e.str(p.ExternalID)
	e.str(p.DisplayName)
	n := &p.Name
	e.str(n.GivenName)
	e.str(n.NickName)
	e.str(n.Initials)
	e.str(n.FamilyName)
	e.str(n.FamilyNamePrefix)
	e.str(n.FamilyNamePartner)
	e.str(n.FamilyNamePartnerPrefix)
	e.str(n.Convention)
	e.date(p.Details.BirthDate)
	e.str(p.Details.Gender)
	e.contact(&p.Contact.Business)
	e.contact(&p.Contact.Personal)
	e.ref(&p.Location)
	e.custom(p.Custom)
	e.bool(p.Excluded)
	e.uint(uint64(len(p.Contracts)))
	for i := range p.Contracts {
		c := &p.Contracts[i]
		e.str(c.ExternalID)
		e.date(c.StartDate)
		e.date(c.EndDate)
		e.ref(&c.Type)
		e.num(c.Details.Fte)
		e.num(c.Details.HoursPerWeek)
		e.num(c.Details.Percentage)
		e.num(c.Details.Sequence)
		for _, r := range []*Ref{&c.Department, &c.Title, &c.Location, &c.CostCenter, &c.Employer, &c.Team, &c.Division, &c.Organization} {
			e.ref(r)
		}
		e.str(c.Manager.ExternalID)
		e.custom(c.Custom)
	}
	e.uint(uint64(len(p.Issues)))
	for _, is := range p.Issues {
		e.str(is.Field)
		e.str(is.Contract)
		e.str(is.Message)
		e.bool(is.Blocking)
	}
	return e.b
}

// DecodePerson decodes a record written by AppendPerson. The strings of the
// result share one allocation.
func DecodePerson(b []byte) (*Person, error) {
	if len(b) == 0 || b[0] != personRecordV1 {
		return nil, errCorrupt
	}
	d := decoder{s: string(b[1:])}
	p := &Person{}
	p.ID = d.str()
	p.Source = d.str()
	p.ExternalID = d.str()
	p.DisplayName = d.str()
	n := &p.Name
	n.GivenName = d.str()
	n.NickName = d.str()
	n.Initials = d.str()
	n.FamilyName = d.str()
	n.FamilyNamePrefix = d.str()
	n.FamilyNamePartner = d.str()
	n.FamilyNamePartnerPrefix = d.str()
	n.Convention = d.str()
	p.Details.BirthDate = d.date()
	p.Details.Gender = d.str()
	d.contact(&p.Contact.Business)
	d.contact(&p.Contact.Personal)
	d.ref(&p.Location)
	p.Custom = d.custom()
	p.Excluded = d.bool()
	if nc := d.count(); nc > 0 {
		p.Contracts = make([]Contract, nc)
		for i := range p.Contracts {
			c := &p.Contracts[i]
			c.ExternalID = d.str()
			c.StartDate = d.date()
			c.EndDate = d.date()
			d.ref(&c.Type)
			c.Details.Fte = d.num()
			c.Details.HoursPerWeek = d.num()
			c.Details.Percentage = d.num()
			c.Details.Sequence = d.num()
			for _, r := range []*Ref{&c.Department, &c.Title, &c.Location, &c.CostCenter, &c.Employer, &c.Team, &c.Division, &c.Organization} {
				d.ref(r)
			}
			c.Manager.ExternalID = d.str()
			c.Custom = d.custom()
		}
	}
	if ni := d.count(); ni > 0 {
		p.Issues = make([]Issue, ni)
		for i := range p.Issues {
			p.Issues[i] = Issue{Field: d.str(), Contract: d.str(), Message: d.str(), Blocking: d.bool()}
		}
	}
	if d.err != nil || d.i != len(d.s) {
		return nil, errCorrupt
	}
	return p, nil
}

// AppendDepartments appends the encoding of a list of departments, which
// must be sorted by source and external id.
func AppendDepartments(b []byte, ds []Department) []byte {
	e := encoder{b: append(b, departmentsRecordV1)}
	e.uint(uint64(len(ds)))
	for i := range ds {
		x := &ds[i]
		e.str(x.Source)
		e.str(x.ExternalID)
		e.str(x.Code)
		e.str(x.DisplayName)
		e.str(x.ParentExternalID)
		e.str(x.ManagerExternalID)
	}
	return e.b
}

// DecodeDepartments decodes a record written by AppendDepartments.
func DecodeDepartments(b []byte) ([]Department, error) {
	if len(b) == 0 || b[0] != departmentsRecordV1 {
		return nil, errCorrupt
	}
	d := decoder{s: string(b[1:])}
	ds := make([]Department, d.count())
	for i := range ds {
		ds[i] = Department{Source: d.str(), ExternalID: d.str(), Code: d.str(), DisplayName: d.str(), ParentExternalID: d.str(), ManagerExternalID: d.str()}
	}
	if d.err != nil || d.i != len(d.s) {
		return nil, errCorrupt
	}
	return ds, nil
}

type encoder struct{ b []byte }

func (e *encoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) str(s string) {
	e.uint(uint64(len(s)))
	e.b = append(e.b, s...)
}
func (e *encoder) date(d Date) { e.uint(uint64(d)) }
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}
func (e *encoder) num(n Number) {
	if !n.Set {
		e.b = append(e.b, 0)
		return
	}
	e.b = append(e.b, 1)
	e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(n.V))
}
func (e *encoder) ref(r *Ref) {
	e.str(r.ExternalID)
	e.str(r.Code)
	e.str(r.Name)
}
func (e *encoder) contact(c *ContactDetails) {
	e.str(c.Email)
	e.str(c.Phone.Mobile)
	e.str(c.Phone.Fixed)
}
func (e *encoder) custom(c Custom) {
	e.uint(uint64(len(c)))
	for _, kv := range c {
		e.str(kv.Name)
		e.str(kv.Value)
	}
}

type decoder struct {
	s   string
	i   int
	err error
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	var v uint64
	var shift uint
	for {
		if d.i >= len(d.s) || shift > 63 {
			d.err = errCorrupt
			return 0
		}
		c := d.s[d.i]
		d.i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
		shift += 7
	}
}

// count reads a length and rejects one that cannot fit in the rest.
func (d *decoder) count() int {
	n := d.uint()
	if n > uint64(len(d.s)-d.i) {
		d.err = errCorrupt
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count()
	if d.err != nil {
		return ""
	}
	s := d.s[d.i : d.i+n]
	d.i += n
	return s
}
func (d *decoder) date() Date { return Date(d.uint()) }
func (d *decoder) bool() bool {
	if d.err != nil || d.i >= len(d.s) {
		d.err = errCorrupt
		return false
	}
	v := d.s[d.i] != 0
	d.i++
	return v
}
func (d *decoder) num() Number {
	if !d.bool() {
		return Number{}
	}
	if d.i+8 > len(d.s) {
		d.err = errCorrupt
		return Number{}
	}
	var bits uint64
	for k := 7; k >= 0; k-- {
		bits = bits<<8 | uint64(d.s[d.i+k])
	}
	d.i += 8
	return Num(math.Float64frombits(bits))
}
func (d *decoder) ref(r *Ref) {
	r.ExternalID = d.str()
	r.Code = d.str()
	r.Name = d.str()
}
func (d *decoder) contact(c *ContactDetails) {
	c.Email = d.str()
	c.Phone.Mobile = d.str()
	c.Phone.Fixed = d.str()
}
func (d *decoder) custom() Custom {
	n := d.count()
	if n == 0 {
		return nil
	}
	c := make(Custom, n)
	for i := range c {
		c[i] = KV{Name: d.str(), Value: d.str()}
	}
	return c
}
