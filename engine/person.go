package engine

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Person is the bridge between source systems and target systems: one human
// as a source system describes them, with their contracts.
//
// Go field names follow Go's conventions (ExternalID); the names that
// administrators see and type, in mappings, rules and exports, are the
// dotted paths of the field registry (ExternalId, Name.GivenName, …).
type Person struct {
	// ID identifies the person in the workspace: the source system's key
	// and the person's external id, joined by a colon ("hr:10042").
	ID          string  `json:"Id"`
	Source      string  `json:"Source"`
	ExternalID  string  `json:"ExternalId"`
	DisplayName string  `json:"DisplayName"`
	Name        Name    `json:"Name"`
	Details     Details `json:"Details"`
	Contact     Contact `json:"Contact"`
	Location    Ref     `json:"Location"`
	Custom      Custom  `json:"Custom,omitempty"`
	// Excluded is set by the source mapping (or by hand, later) for a
	// person Provisio keeps but does not provision.
	Excluded bool `json:"Excluded,omitempty"`
	// Exclusion says why a person is excluded when the source mapping did
	// not exclude them: by hand, or while an aggregation suggestion
	// waits. MergedFrom lists the persons merged into this one. Both come
	// from the aggregation decisions, which apply on top of a snapshot;
	// neither is stored with the person's record.
	Exclusion  string     `json:"Exclusion,omitempty"`
	MergedFrom []string   `json:"MergedFrom,omitempty"`
	Contracts  []Contract `json:"Contracts"`
	// Issues are the problems mapping found; a person with a Blocking
	// issue is blocked: never provisioned until the data is fixed.
	Issues []Issue `json:"Issues,omitempty"`
}

// Name holds the parts of a person's name. Convention says which family
// names make up the display name: B (birth name), P (partner name), BP
// (birth name, then partner name) or PB.
type Name struct {
	GivenName               string `json:"GivenName"`
	NickName                string `json:"NickName"`
	Initials                string `json:"Initials"`
	FamilyName              string `json:"FamilyName"`
	FamilyNamePrefix        string `json:"FamilyNamePrefix"`
	FamilyNamePartner       string `json:"FamilyNamePartner"`
	FamilyNamePartnerPrefix string `json:"FamilyNamePartnerPrefix"`
	Convention              string `json:"Convention"`
}

// Details holds personal details.
type Details struct {
	BirthDate Date   `json:"BirthDate"`
	Gender    string `json:"Gender"`
}

// Contact holds business and personal contact details.
type Contact struct {
	Business ContactDetails `json:"Business"`
	Personal ContactDetails `json:"Personal"`
}

// ContactDetails is one set of contact details.
type ContactDetails struct {
	Email string `json:"Email"`
	Phone Phone  `json:"Phone"`
}

// Phone holds phone numbers.
type Phone struct {
	Mobile string `json:"Mobile"`
	Fixed  string `json:"Fixed"`
}

// Ref refers to an organisational object a source system knows by id, code
// and name: a department, title, location, cost centre, employer, team,
// division or organisation.
type Ref struct {
	ExternalID string `json:"ExternalId"`
	Code       string `json:"Code"`
	Name       string `json:"Name"`
}

// IsZero reports whether r is empty.
func (r Ref) IsZero() bool { return r == Ref{} }

// Label returns the most readable non-empty part of r.
func (r Ref) Label() string {
	switch {
	case r.Name != "":
		return r.Name
	case r.Code != "":
		return r.Code
	default:
		return r.ExternalID
	}
}

// Contract is one employment or appointment of a person.
type Contract struct {
	ExternalID string `json:"ExternalId"`
	StartDate  Date   `json:"StartDate"`
	// EndDate is zero for an open-ended contract.
	EndDate      Date            `json:"EndDate"`
	Type         Ref             `json:"Type"`
	Details      ContractDetails `json:"Details"`
	Department   Ref             `json:"Department"`
	Title        Ref             `json:"Title"`
	Location     Ref             `json:"Location"`
	CostCenter   Ref             `json:"CostCenter"`
	Employer     Ref             `json:"Employer"`
	Team         Ref             `json:"Team"`
	Division     Ref             `json:"Division"`
	Organization Ref             `json:"Organization"`
	Manager      ManagerRef      `json:"Manager"`
	Custom       Custom          `json:"Custom,omitempty"`
	// From is the person a contract came from when a merge moved it to
	// another person; not stored with the record.
	From string `json:"From,omitempty"`
}

// ContractDetails holds the size and ordering details of a contract; they
// decide, by default, which contract is the primary one.
type ContractDetails struct {
	Fte          Number `json:"Fte"`
	HoursPerWeek Number `json:"HoursPerWeek"`
	Percentage   Number `json:"Percentage"`
	Sequence     Number `json:"Sequence"`
}

// ManagerRef names the manager of a contract by the manager's external id.
type ManagerRef struct {
	ExternalID string `json:"ExternalId"`
}

// Department is a node of a source system's department tree.
type Department struct {
	Source            string `json:"Source"`
	ExternalID        string `json:"ExternalId"`
	Code              string `json:"Code"`
	DisplayName       string `json:"DisplayName"`
	ParentExternalID  string `json:"ParentExternalId"`
	ManagerExternalID string `json:"ManagerExternalId"`
}

// Issue is a problem found while mapping a record: the field, where the
// raw value came from and what was expected. A blocking issue (a required
// field that is empty or unreadable) blocks the person.
type Issue struct {
	Field    string `json:"field"`
	Contract string `json:"contract,omitempty"` // the contract's external id, for contract fields
	Message  string `json:"message"`
	Blocking bool   `json:"blocking,omitempty"`
}

// Blocked reports whether the person has a blocking issue.
func (p *Person) Blocked() bool {
	for _, is := range p.Issues {
		if is.Blocking {
			return true
		}
	}
	return false
}

// PersonID returns the workspace id of the person with the given external
// id in the given source system.
func PersonID(source, externalID string) string { return source + ":" + externalID }

// Number is an optional decimal number: Set is false when the source had
// no value.
type Number struct {
	V   float64
	Set bool
}

// Num returns a set Number.
func Num(v float64) Number { return Number{V: v, Set: true} }

// String formats n without trailing zeros, or "" when it is not set.
func (n Number) String() string {
	if !n.Set {
		return ""
	}
	return strconv.FormatFloat(n.V, 'f', -1, 64)
}

// MarshalJSON writes the number, or null when it is not set.
func (n Number) MarshalJSON() ([]byte, error) {
	if !n.Set {
		return []byte("null"), nil
	}
	return json.Marshal(n.V)
}

// UnmarshalJSON reads a number or null.
func (n *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Number{}
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = Num(v)
	return nil
}

// ParseNumber reads a decimal number as HR exports write them: "0.8",
// "0,8" (a decimal comma), "1,000.5" or "1.000,5" (thousands separators),
// with surrounding spaces. An empty string is an unset Number.
func ParseNumber(s string) (Number, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Number{}, nil
	}
	if v, ok := parseFinite(s); ok {
		return Num(v), nil
	}
	t := s
	dot, comma := strings.LastIndexByte(t, '.'), strings.LastIndexByte(t, ',')
	switch {
	case comma > dot && strings.Count(t, ",") == 1: // a decimal comma, perhaps with thousands dots
		t = strings.Replace(strings.ReplaceAll(t, ".", ""), ",", ".", 1)
	case comma > dot && dot < 0: // thousands commas only: 1,000,000
		t = strings.ReplaceAll(t, ",", "")
	case dot > comma && comma < 0 && groupsOfThree(t, "."): // thousands dots only: 1.000.000
		t = strings.ReplaceAll(t, ".", "")
	case dot > comma && comma >= 0: // a decimal dot with thousands commas
		t = strings.ReplaceAll(t, ",", "")
	}
	if v, ok := parseFinite(t); ok {
		return Num(v), nil
	}
	return Number{}, &valueError{want: "a number like 0.8 or 0,8", got: s}
}

// groupsOfThree reports whether s has at least two sep and three digits
// after each of them, as in 1.000.000 (and not 0.8. or 1.2.3).
func groupsOfThree(s, sep string) bool {
	parts := strings.Split(s, sep)
	if len(parts) < 3 {
		return false
	}
	for _, g := range parts[1:] {
		if len(g) != 3 || strings.Trim(g, "0123456789") != "" {
			return false
		}
	}
	return true
}

// parseFinite is strconv.ParseFloat without NaN and infinities, which
// strconv accepts by name ("NaN", "Inf") but no HR value means.
func parseFinite(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)
}

type valueError struct{ want, got string }

func (e *valueError) Error() string { return "expected " + e.want + ", got " + strconv.Quote(e.got) }

// ParseBool reads yes/no values as sources write them: true/false, yes/no,
// y/n, 1/0, ja/nee, on/off (any case). An empty string is false.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "false", "no", "n", "0", "nee", "off", "f":
		return false, nil
	case "true", "yes", "y", "1", "ja", "j", "on", "t":
		return true, nil
	}
	return false, &valueError{want: "yes or no (true/false, 1/0)", got: s}
}

// KV is one custom field value.
type KV struct {
	Name  string
	Value string
}

// Custom holds custom field values sorted by name; empty values are not
// kept. Values are strings in a canonical form for the field's declared
// type (dates as yyyy-mm-dd, numbers without trailing zeros, booleans as
// true/false).
type Custom []KV

// Get returns the value of the named custom field, or "".
func (c Custom) Get(name string) string {
	i := sort.Search(len(c), func(i int) bool { return c[i].Name >= name })
	if i < len(c) && c[i].Name == name {
		return c[i].Value
	}
	return ""
}

// Set sets (or, with an empty value, removes) the named custom field.
func (c *Custom) Set(name, value string) {
	s := *c
	i := sort.Search(len(s), func(i int) bool { return s[i].Name >= name })
	found := i < len(s) && s[i].Name == name
	switch {
	case found && value == "":
		*c = append(s[:i], s[i+1:]...)
	case found:
		s[i].Value = value
	case value != "":
		s = append(s, KV{})
		copy(s[i+1:], s[i:])
		s[i] = KV{name, value}
		*c = s
	}
}

// MarshalJSON writes the custom fields as a JSON object.
func (c Custom) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, kv := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv.Name)
		v, _ := json.Marshal(kv.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// UnmarshalJSON reads a JSON object of string values.
func (c *Custom) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*c = (*c)[:0]
	for k, v := range m {
		c.Set(k, v)
	}
	return nil
}
