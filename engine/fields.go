package engine

import (
	"fmt"
	"sort"
	"strings"
)

// FieldType is the type of a person, contract or department field.
type FieldType string

// The field types.
const (
	TypeText    FieldType = "text"
	TypeNumber  FieldType = "number"
	TypeDate    FieldType = "date"
	TypeBoolean FieldType = "boolean"
)

// Valid reports whether t is one of the field types.
func (t FieldType) Valid() bool {
	switch t {
	case TypeText, TypeNumber, TypeDate, TypeBoolean:
		return true
	}
	return false
}

// Level says what a field belongs to.
type Level string

// The levels of fields.
const (
	LevelPerson     Level = "person"
	LevelContract   Level = "contract"
	LevelDepartment Level = "department"
)

// Value is a typed field value. Only the member that matches Type is used;
// a Value whose member is empty is an empty value.
type Value struct {
	Type FieldType
	Text string
	Num  Number
	Date Date
	Bool bool
}

// TextValue, NumberValue, DateValue and BoolValue build values.
func TextValue(s string) Value   { return Value{Type: TypeText, Text: s} }
func NumberValue(n Number) Value { return Value{Type: TypeNumber, Num: n} }
func DateValue(d Date) Value     { return Value{Type: TypeDate, Date: d} }
func BoolValue(b bool) Value     { return Value{Type: TypeBoolean, Bool: b} }

// IsEmpty reports whether v holds no value. A false boolean is empty.
func (v Value) IsEmpty() bool {
	switch v.Type {
	case TypeNumber:
		return !v.Num.Set
	case TypeDate:
		return v.Date.IsZero()
	case TypeBoolean:
		return !v.Bool
	default:
		return v.Text == ""
	}
}

// String returns v in its canonical text form: dates as yyyy-mm-dd,
// numbers without trailing zeros, booleans as true/false.
func (v Value) String() string {
	switch v.Type {
	case TypeNumber:
		return v.Num.String()
	case TypeDate:
		return v.Date.String()
	case TypeBoolean:
		if v.Bool {
			return "true"
		}
		return "false"
	default:
		return v.Text
	}
}

// ParseValue reads s as a value of type t. Dates are read with dates (nil
// means yyyy-mm-dd only). The error says what was expected.
func ParseValue(t FieldType, s string, dates *DateParser) (Value, error) {
	switch t {
	case TypeNumber:
		n, err := ParseNumber(s)
		return NumberValue(n), err
	case TypeDate:
		var d Date
		var err error
		if dates != nil {
			d, err = dates.Parse(s)
		} else {
			d, err = ParseISODate(s)
		}
		return DateValue(d), err
	case TypeBoolean:
		b, err := ParseBool(s)
		return BoolValue(b), err
	default:
		return TextValue(s), nil
	}
}

// FieldDef describes a field administrators can map, filter on and see.
type FieldDef struct {
	Path   string    `json:"path"` // as administrators write it: "Name.GivenName", "Department.Code"
	Label  string    `json:"label"`
	Type   FieldType `json:"type"`
	Level  Level     `json:"level"`
	Group  string    `json:"group"` // for pickers: Person, Name, Contact, Contract, Department, Custom
	Custom bool      `json:"custom,omitempty"`
	// Choices, when set, are the only values the field accepts.
	Choices []string `json:"choices,omitempty"`
}

// PersonField is a person-level field with its accessors.
type PersonField struct {
	FieldDef
	Get func(*Person) Value
	Set func(*Person, Value)
}

// ContractField is a contract-level field with its accessors.
type ContractField struct {
	FieldDef
	Get func(*Contract) Value
	Set func(*Contract, Value)
}

// DepartmentField is a department field with its accessors.
type DepartmentField struct {
	FieldDef
	Get func(*Department) Value
	Set func(*Department, Value)
}

// Fields is the complete field registry of a workspace: the built-in fields
// and the custom fields its schema declares.
type Fields struct {
	Person     []PersonField
	Contract   []ContractField
	Department []DepartmentField

	person     map[string]int
	contract   map[string]int
	department map[string]int
}

// PersonField returns the person field with the given path.
func (f *Fields) PersonField(path string) (PersonField, bool) {
	i, ok := f.person[path]
	if !ok {
		return PersonField{}, false
	}
	return f.Person[i], true
}

// ContractField returns the contract field with the given path.
func (f *Fields) ContractField(path string) (ContractField, bool) {
	i, ok := f.contract[path]
	if !ok {
		return ContractField{}, false
	}
	return f.Contract[i], true
}

// DepartmentField returns the department field with the given path.
func (f *Fields) DepartmentField(path string) (DepartmentField, bool) {
	i, ok := f.department[path]
	if !ok {
		return DepartmentField{}, false
	}
	return f.Department[i], true
}

// Defs returns the definitions of the fields of one level.
func (f *Fields) Defs(level Level) []FieldDef {
	var out []FieldDef
	switch level {
	case LevelPerson:
		for _, x := range f.Person {
			out = append(out, x.FieldDef)
		}
	case LevelContract:
		for _, x := range f.Contract {
			out = append(out, x.FieldDef)
		}
	case LevelDepartment:
		for _, x := range f.Department {
			out = append(out, x.FieldDef)
		}
	}
	return out
}

// Conventions are the name conventions Name.Convention accepts.
var Conventions = []string{"B", "P", "BP", "PB"}

// NewFields builds the field registry for a schema. The schema must be
// valid (see Schema.Validate).
func NewFields(s Schema) *Fields {
	f := &Fields{}
	pt := func(path, label, group string, ptr func(*Person) *string) {
		f.Person = append(f.Person, PersonField{
			FieldDef: FieldDef{Path: path, Label: label, Type: TypeText, Level: LevelPerson, Group: group},
			Get:      func(p *Person) Value { return TextValue(*ptr(p)) },
			Set:      func(p *Person, v Value) { *ptr(p) = v.Text },
		})
	}
	pref := func(prefix, label string, ptr func(*Person) *Ref) {
		pt(prefix+".ExternalId", label+" id", "Person", func(p *Person) *string { return &ptr(p).ExternalID })
		pt(prefix+".Code", label+" code", "Person", func(p *Person) *string { return &ptr(p).Code })
		pt(prefix+".Name", label+" name", "Person", func(p *Person) *string { return &ptr(p).Name })
	}
	pt("ExternalId", "External id", "Person", func(p *Person) *string { return &p.ExternalID })
	pt("DisplayName", "Display name", "Person", func(p *Person) *string { return &p.DisplayName })
	pt("Name.GivenName", "Given name", "Name", func(p *Person) *string { return &p.Name.GivenName })
	pt("Name.NickName", "Nickname", "Name", func(p *Person) *string { return &p.Name.NickName })
	pt("Name.Initials", "Initials", "Name", func(p *Person) *string { return &p.Name.Initials })
	pt("Name.FamilyNamePrefix", "Family name prefix", "Name", func(p *Person) *string { return &p.Name.FamilyNamePrefix })
	pt("Name.FamilyName", "Family name", "Name", func(p *Person) *string { return &p.Name.FamilyName })
	pt("Name.FamilyNamePartnerPrefix", "Partner's family name prefix", "Name", func(p *Person) *string { return &p.Name.FamilyNamePartnerPrefix })
	pt("Name.FamilyNamePartner", "Partner's family name", "Name", func(p *Person) *string { return &p.Name.FamilyNamePartner })
	pt("Name.Convention", "Name convention", "Name", func(p *Person) *string { return &p.Name.Convention })
	f.Person[len(f.Person)-1].Choices = Conventions
	f.Person = append(f.Person, PersonField{
		FieldDef: FieldDef{Path: "Details.BirthDate", Label: "Birth date", Type: TypeDate, Level: LevelPerson, Group: "Person"},
		Get:      func(p *Person) Value { return DateValue(p.Details.BirthDate) },
		Set:      func(p *Person, v Value) { p.Details.BirthDate = v.Date },
	})
	pt("Details.Gender", "Gender", "Person", func(p *Person) *string { return &p.Details.Gender })
	pt("Contact.Business.Email", "Business e-mail", "Contact", func(p *Person) *string { return &p.Contact.Business.Email })
	pt("Contact.Business.Phone.Mobile", "Business mobile phone", "Contact", func(p *Person) *string { return &p.Contact.Business.Phone.Mobile })
	pt("Contact.Business.Phone.Fixed", "Business fixed phone", "Contact", func(p *Person) *string { return &p.Contact.Business.Phone.Fixed })
	pt("Contact.Personal.Email", "Personal e-mail", "Contact", func(p *Person) *string { return &p.Contact.Personal.Email })
	pt("Contact.Personal.Phone.Mobile", "Personal mobile phone", "Contact", func(p *Person) *string { return &p.Contact.Personal.Phone.Mobile })
	pt("Contact.Personal.Phone.Fixed", "Personal fixed phone", "Contact", func(p *Person) *string { return &p.Contact.Personal.Phone.Fixed })
	pref("Location", "Location", func(p *Person) *Ref { return &p.Location })
	f.Person = append(f.Person, PersonField{
		FieldDef: FieldDef{Path: "Excluded", Label: "Excluded", Type: TypeBoolean, Level: LevelPerson, Group: "Person"},
		Get:      func(p *Person) Value { return BoolValue(p.Excluded) },
		Set:      func(p *Person, v Value) { p.Excluded = v.Bool },
	})
	for _, cf := range s.PersonFields {
		name, typ := cf.Name, cf.Type
		f.Person = append(f.Person, PersonField{
			FieldDef: FieldDef{Path: "Custom." + name, Label: cf.label(), Type: typ, Level: LevelPerson, Group: "Custom", Custom: true},
			Get:      func(p *Person) Value { return customValue(typ, p.Custom.Get(name)) },
			Set:      func(p *Person, v Value) { p.Custom.Set(name, customText(v)) },
		})
	}

	ct := func(path, label, group string, ptr func(*Contract) *string) {
		f.Contract = append(f.Contract, ContractField{
			FieldDef: FieldDef{Path: path, Label: label, Type: TypeText, Level: LevelContract, Group: group},
			Get:      func(c *Contract) Value { return TextValue(*ptr(c)) },
			Set:      func(c *Contract, v Value) { *ptr(c) = v.Text },
		})
	}
	cd := func(path, label string, ptr func(*Contract) *Date) {
		f.Contract = append(f.Contract, ContractField{
			FieldDef: FieldDef{Path: path, Label: label, Type: TypeDate, Level: LevelContract, Group: "Contract"},
			Get:      func(c *Contract) Value { return DateValue(*ptr(c)) },
			Set:      func(c *Contract, v Value) { *ptr(c) = v.Date },
		})
	}
	cn := func(path, label string, ptr func(*Contract) *Number) {
		f.Contract = append(f.Contract, ContractField{
			FieldDef: FieldDef{Path: path, Label: label, Type: TypeNumber, Level: LevelContract, Group: "Contract"},
			Get:      func(c *Contract) Value { return NumberValue(*ptr(c)) },
			Set:      func(c *Contract, v Value) { *ptr(c) = v.Num },
		})
	}
	cref := func(prefix, label, group string, ptr func(*Contract) *Ref) {
		ct(prefix+".ExternalId", label+" id", group, func(c *Contract) *string { return &ptr(c).ExternalID })
		ct(prefix+".Code", label+" code", group, func(c *Contract) *string { return &ptr(c).Code })
		ct(prefix+".Name", label+" name", group, func(c *Contract) *string { return &ptr(c).Name })
	}
	ct("ExternalId", "Contract id", "Contract", func(c *Contract) *string { return &c.ExternalID })
	cd("StartDate", "Start date", func(c *Contract) *Date { return &c.StartDate })
	cd("EndDate", "End date", func(c *Contract) *Date { return &c.EndDate })
	cref("Type", "Contract type", "Contract", func(c *Contract) *Ref { return &c.Type })
	cn("Details.Fte", "FTE", func(c *Contract) *Number { return &c.Details.Fte })
	cn("Details.HoursPerWeek", "Hours per week", func(c *Contract) *Number { return &c.Details.HoursPerWeek })
	cn("Details.Percentage", "Percentage", func(c *Contract) *Number { return &c.Details.Percentage })
	cn("Details.Sequence", "Sequence", func(c *Contract) *Number { return &c.Details.Sequence })
	cref("Department", "Department", "Department", func(c *Contract) *Ref { return &c.Department })
	cref("Title", "Title", "Contract", func(c *Contract) *Ref { return &c.Title })
	cref("Location", "Location", "Contract", func(c *Contract) *Ref { return &c.Location })
	cref("CostCenter", "Cost centre", "Contract", func(c *Contract) *Ref { return &c.CostCenter })
	cref("Employer", "Employer", "Contract", func(c *Contract) *Ref { return &c.Employer })
	cref("Team", "Team", "Department", func(c *Contract) *Ref { return &c.Team })
	cref("Division", "Division", "Department", func(c *Contract) *Ref { return &c.Division })
	cref("Organization", "Organisation", "Department", func(c *Contract) *Ref { return &c.Organization })
	ct("Manager.ExternalId", "Manager id", "Contract", func(c *Contract) *string { return &c.Manager.ExternalID })
	for _, cf := range s.ContractFields {
		name, typ := cf.Name, cf.Type
		f.Contract = append(f.Contract, ContractField{
			FieldDef: FieldDef{Path: "Custom." + name, Label: cf.label(), Type: typ, Level: LevelContract, Group: "Custom", Custom: true},
			Get:      func(c *Contract) Value { return customValue(typ, c.Custom.Get(name)) },
			Set:      func(c *Contract, v Value) { c.Custom.Set(name, customText(v)) },
		})
	}

	dt := func(path, label string, ptr func(*Department) *string) {
		f.Department = append(f.Department, DepartmentField{
			FieldDef: FieldDef{Path: path, Label: label, Type: TypeText, Level: LevelDepartment, Group: "Department"},
			Get:      func(d *Department) Value { return TextValue(*ptr(d)) },
			Set:      func(d *Department, v Value) { *ptr(d) = v.Text },
		})
	}
	dt("ExternalId", "Department id", func(d *Department) *string { return &d.ExternalID })
	dt("Code", "Department code", func(d *Department) *string { return &d.Code })
	dt("DisplayName", "Department name", func(d *Department) *string { return &d.DisplayName })
	dt("ParentExternalId", "Parent department id", func(d *Department) *string { return &d.ParentExternalID })
	dt("ManagerExternalId", "Manager id", func(d *Department) *string { return &d.ManagerExternalID })

	f.person = map[string]int{}
	for i, x := range f.Person {
		f.person[x.Path] = i
	}
	f.contract = map[string]int{}
	for i, x := range f.Contract {
		f.contract[x.Path] = i
	}
	f.department = map[string]int{}
	for i, x := range f.Department {
		f.department[x.Path] = i
	}
	return f
}

// customValue reads a stored custom field value, which is always in its
// canonical form.
func customValue(t FieldType, s string) Value {
	v, _ := ParseValue(t, s, nil)
	return v
}

// customText is the canonical stored form of a custom field value; a false
// boolean is stored as nothing.
func customText(v Value) string {
	if v.IsEmpty() {
		return ""
	}
	return v.String()
}

// Schema declares a workspace's custom fields.
type Schema struct {
	PersonFields   []CustomField `json:"personFields,omitempty"`
	ContractFields []CustomField `json:"contractFields,omitempty"`
}

// CustomField declares one custom field.
type CustomField struct {
	Name  string    `json:"name"` // used in paths: Custom.<name>
	Label string    `json:"label,omitempty"`
	Type  FieldType `json:"type"`
}

func (c CustomField) label() string {
	if c.Label != "" {
		return c.Label
	}
	return c.Name
}

// Validate checks names and types of the custom fields.
func (s Schema) Validate() error {
	for _, level := range []struct {
		name   string
		fields []CustomField
	}{{"person", s.PersonFields}, {"contract", s.ContractFields}} {
		seen := map[string]bool{}
		for i, f := range level.fields {
			switch {
			case !validCustomName(f.Name):
				return Errorf(Invalid, "schema: %s custom field %d: name %q must start with a letter and contain only letters, digits and _", level.name, i+1, f.Name)
			case seen[f.Name]:
				return Errorf(Invalid, "schema: %s custom field %q is declared twice", level.name, f.Name)
			case !f.Type.Valid():
				return Errorf(Invalid, "schema: %s custom field %q: type %q must be text, number, date or boolean", level.name, f.Name, f.Type)
			}
			seen[f.Name] = true
		}
	}
	return nil
}

func validCustomName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (i == 0 || !(r == '_' || r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}

// SuggestPaths returns the known paths closest to an unknown one, for
// "did you mean" in error messages.
func SuggestPaths(unknown string, known []FieldDef) string {
	type cand struct {
		path string
		d    int
	}
	var cs []cand
	lu := strings.ToLower(unknown)
	for _, k := range known {
		lk := strings.ToLower(k.Path)
		d := levenshtein(lu, lk)
		if strings.Contains(lk, lu) || strings.Contains(lu, lk) {
			d = 0
		}
		if d <= max(2, len(unknown)/3) {
			cs = append(cs, cand{k.Path, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	if len(cs) == 0 {
		return ""
	}
	if len(cs) > 3 {
		cs = cs[:3]
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.path)
	}
	return fmt.Sprintf(" (did you mean %s?)", strings.Join(names, ", "))
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
