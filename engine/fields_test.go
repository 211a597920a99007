package engine_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

var builtinPersonPaths = map[string]engine.FieldType{
	"ExternalId":                    engine.TypeText,
	"DisplayName":                   engine.TypeText,
	"Name.GivenName":                engine.TypeText,
	"Name.NickName":                 engine.TypeText,
	"Name.Initials":                 engine.TypeText,
	"Name.FamilyNamePrefix":         engine.TypeText,
	"Name.FamilyName":               engine.TypeText,
	"Name.FamilyNamePartnerPrefix":  engine.TypeText,
	"Name.FamilyNamePartner":        engine.TypeText,
	"Name.Convention":               engine.TypeText,
	"Details.BirthDate":             engine.TypeDate,
	"Details.Gender":                engine.TypeText,
	"Contact.Business.Email":        engine.TypeText,
	"Contact.Business.Phone.Mobile": engine.TypeText,
	"Contact.Business.Phone.Fixed":  engine.TypeText,
	"Contact.Personal.Email":        engine.TypeText,
	"Contact.Personal.Phone.Mobile": engine.TypeText,
	"Contact.Personal.Phone.Fixed":  engine.TypeText,
	"Location.ExternalId":           engine.TypeText,
	"Location.Code":                 engine.TypeText,
	"Location.Name":                 engine.TypeText,
	"Excluded":                      engine.TypeBoolean,
}

func builtinContractPaths() map[string]engine.FieldType {
	m := map[string]engine.FieldType{
		"ExternalId":           engine.TypeText,
		"StartDate":            engine.TypeDate,
		"EndDate":              engine.TypeDate,
		"Details.Fte":          engine.TypeNumber,
		"Details.HoursPerWeek": engine.TypeNumber,
		"Details.Percentage":   engine.TypeNumber,
		"Details.Sequence":     engine.TypeNumber,
		"Manager.ExternalId":   engine.TypeText,
	}
	for _, ref := range []string{"Type", "Department", "Title", "Location", "CostCenter", "Employer", "Team", "Division", "Organization"} {
		for _, part := range []string{"ExternalId", "Code", "Name"} {
			m[ref+"."+part] = engine.TypeText
		}
	}
	return m
}

var builtinDepartmentPaths = map[string]engine.FieldType{
	"ExternalId":        engine.TypeText,
	"Code":              engine.TypeText,
	"DisplayName":       engine.TypeText,
	"ParentExternalId":  engine.TypeText,
	"ManagerExternalId": engine.TypeText,
}

// sampleValue returns a distinct non-empty value of type t for a path.
func sampleValue(t *testing.T, typ engine.FieldType, path string, n int) engine.Value {
	t.Helper()
	switch typ {
	case engine.TypeText:
		if path == "Name.Convention" {
			return engine.TextValue("BP")
		}
		return engine.TextValue("v-" + path)
	case engine.TypeNumber:
		return engine.NumberValue(engine.Num(float64(n) + 0.25))
	case engine.TypeDate:
		return engine.DateValue(engine.NewDate(2000+n, 3, 1+n%28))
	case engine.TypeBoolean:
		return engine.BoolValue(true)
	}
	t.Fatalf("no sample for type %q", typ)
	return engine.Value{}
}

// jsonAt returns the member at a dotted path of v's JSON encoding: the
// field registry's paths are the JSON names of the Go structs.
func jsonAt(t *testing.T, v any, path string) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	var cur any = m
	for _, part := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		require.True(t, ok, "path %s: %q is not an object in %s", path, part, b)
		cur, ok = obj[part]
		require.True(t, ok, "path %s: no member %q in %s", path, part, b)
	}
	return cur
}

func jsonOf(t *testing.T, v engine.Value) any {
	t.Helper()
	var x any
	switch v.Type {
	case engine.TypeNumber:
		x = v.Num.V
	case engine.TypeDate:
		x = v.Date.String()
	case engine.TypeBoolean:
		x = v.Bool
	default:
		x = v.Text
	}
	return x
}

func TestBuiltinPersonFieldsResolveAndRoundTrip(t *testing.T) {
	f := engine.NewFields(engine.Schema{})
	require.Len(t, f.Person, len(builtinPersonPaths))
	n := 0
	for path, typ := range builtinPersonPaths {
		n++
		t.Run(path, func(t *testing.T) {
			pf, ok := f.PersonField(path)
			require.True(t, ok)
			assert.Equal(t, path, pf.Path)
			assert.Equal(t, typ, pf.Type)
			assert.Equal(t, engine.LevelPerson, pf.Level)
			assert.NotEmpty(t, pf.Label)
			assert.False(t, pf.Custom)

			var p engine.Person
			assert.True(t, pf.Get(&p).IsEmpty(), "a new person has no %s", path)
			v := sampleValue(t, typ, path, n)
			pf.Set(&p, v)
			assert.Equal(t, v, pf.Get(&p))
			assert.Equal(t, jsonOf(t, v), jsonAt(t, p, path), "Set writes the member the path names")

			_, ok = f.ContractField(path)
			if _, isContract := builtinContractPaths()[path]; !isContract {
				assert.False(t, ok, "%s is not a contract field", path)
			}
		})
	}
}

func TestBuiltinContractFieldsResolveAndRoundTrip(t *testing.T) {
	f := engine.NewFields(engine.Schema{})
	paths := builtinContractPaths()
	require.Len(t, f.Contract, len(paths))
	n := 0
	for path, typ := range paths {
		n++
		t.Run(path, func(t *testing.T) {
			cf, ok := f.ContractField(path)
			require.True(t, ok)
			assert.Equal(t, typ, cf.Type)
			assert.Equal(t, engine.LevelContract, cf.Level)
			assert.NotEmpty(t, cf.Label)

			var c engine.Contract
			assert.True(t, cf.Get(&c).IsEmpty())
			v := sampleValue(t, typ, path, n)
			cf.Set(&c, v)
			assert.Equal(t, v, cf.Get(&c))
			assert.Equal(t, jsonOf(t, v), jsonAt(t, c, path))
		})
	}
}

func TestBuiltinDepartmentFieldsResolveAndRoundTrip(t *testing.T) {
	f := engine.NewFields(engine.Schema{})
	require.Len(t, f.Department, len(builtinDepartmentPaths))
	for path, typ := range builtinDepartmentPaths {
		t.Run(path, func(t *testing.T) {
			df, ok := f.DepartmentField(path)
			require.True(t, ok)
			assert.Equal(t, typ, df.Type)
			assert.Equal(t, engine.LevelDepartment, df.Level)
			var d engine.Department
			v := sampleValue(t, typ, path, 1)
			df.Set(&d, v)
			assert.Equal(t, v, df.Get(&d))
			assert.Equal(t, jsonOf(t, v), jsonAt(t, d, path))
		})
	}
}

func TestFieldsRejectUnknownPaths(t *testing.T) {
	f := engine.NewFields(engine.Schema{})
	for _, path := range []string{"", "Name", "name.givenname", "Custom.Nope", "Contracts", "Department.Code"} {
		_, ok := f.PersonField(path)
		assert.False(t, ok, "person %q", path)
	}
	for _, path := range []string{"DisplayName", "Fte", "Custom.Nope"} {
		_, ok := f.ContractField(path)
		assert.False(t, ok, "contract %q", path)
	}
	_, ok := f.DepartmentField("Name")
	assert.False(t, ok)
}

func TestNameConventionDeclaresItsChoices(t *testing.T) {
	f := engine.NewFields(engine.Schema{})
	pf, ok := f.PersonField("Name.Convention")
	require.True(t, ok)
	assert.Equal(t, []string{"B", "P", "BP", "PB"}, pf.Choices)
	gn, _ := f.PersonField("Name.GivenName")
	assert.Empty(t, gn.Choices)
}

func testSchema() engine.Schema {
	return engine.Schema{
		PersonFields: []engine.CustomField{
			{Name: "Badge", Label: "Badge number", Type: engine.TypeText},
			{Name: "Level", Type: engine.TypeNumber},
			{Name: "Hired", Type: engine.TypeDate},
			{Name: "Remote", Type: engine.TypeBoolean},
		},
		ContractFields: []engine.CustomField{
			{Name: "Grade", Type: engine.TypeNumber},
			{Name: "Union", Type: engine.TypeBoolean},
			{Name: "Review", Type: engine.TypeDate},
			{Name: "Room", Type: engine.TypeText},
		},
	}
}

func TestCustomFieldsRoundTripInCanonicalForm(t *testing.T) {
	f := engine.NewFields(testSchema())
	tests := []struct {
		path   string
		typ    engine.FieldType
		set    engine.Value
		stored string
	}{
		{"Custom.Badge", engine.TypeText, engine.TextValue("B-17"), "B-17"},
		{"Custom.Level", engine.TypeNumber, engine.NumberValue(engine.Num(3.50)), "3.5"},
		{"Custom.Hired", engine.TypeDate, engine.DateValue(20240131), "2024-01-31"},
		{"Custom.Remote", engine.TypeBoolean, engine.BoolValue(true), "true"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			pf, ok := f.PersonField(tt.path)
			require.True(t, ok)
			assert.True(t, pf.Custom)
			assert.Equal(t, "Custom", pf.Group)
			assert.Equal(t, tt.typ, pf.Type)

			var p engine.Person
			pf.Set(&p, tt.set)
			name := strings.TrimPrefix(tt.path, "Custom.")
			assert.Equal(t, tt.stored, p.Custom.Get(name))
			assert.Equal(t, tt.set, pf.Get(&p))

			// An empty value (or a false boolean) removes the field.
			pf.Set(&p, engine.Value{Type: tt.typ})
			assert.Empty(t, p.Custom)
			assert.True(t, pf.Get(&p).IsEmpty())
		})
	}
	pf, _ := f.PersonField("Custom.Badge")
	assert.Equal(t, "Badge number", pf.Label)
	pf, _ = f.PersonField("Custom.Level")
	assert.Equal(t, "Level", pf.Label, "the name is the label when none is given")
}

func TestContractCustomFieldsRoundTrip(t *testing.T) {
	f := engine.NewFields(testSchema())
	var c engine.Contract
	set := map[string]engine.Value{
		"Custom.Grade":  engine.NumberValue(engine.Num(11)),
		"Custom.Union":  engine.BoolValue(true),
		"Custom.Review": engine.DateValue(20250615),
		"Custom.Room":   engine.TextValue("A.204"),
	}
	for path, v := range set {
		cf, ok := f.ContractField(path)
		require.True(t, ok, path)
		assert.Equal(t, engine.LevelContract, cf.Level)
		cf.Set(&c, v)
	}
	assert.Equal(t, customOf("Grade", "11", "Review", "2025-06-15", "Room", "A.204", "Union", "true"), c.Custom)
	for path, v := range set {
		cf, _ := f.ContractField(path)
		assert.Equal(t, v, cf.Get(&c), path)
	}
	_, ok := f.PersonField("Custom.Grade")
	assert.False(t, ok, "contract custom fields are not person fields")
}

func TestFieldsDefsListsEachLevelInOrder(t *testing.T) {
	f := engine.NewFields(testSchema())
	person := f.Defs(engine.LevelPerson)
	require.Len(t, person, len(builtinPersonPaths)+4)
	assert.Equal(t, "ExternalId", person[0].Path)
	assert.Equal(t, "Custom.Remote", person[len(person)-1].Path)
	assert.Len(t, f.Defs(engine.LevelContract), len(builtinContractPaths())+4)
	assert.Len(t, f.Defs(engine.LevelDepartment), len(builtinDepartmentPaths))
	assert.Empty(t, f.Defs("team"))
}

func TestSchemaValidate(t *testing.T) {
	tests := []struct {
		name   string
		schema engine.Schema
		want   string
	}{
		{"valid", testSchema(), ""},
		{"empty", engine.Schema{}, ""},
		{"same name on both levels", engine.Schema{
			PersonFields:   []engine.CustomField{{Name: "Code", Type: engine.TypeText}},
			ContractFields: []engine.CustomField{{Name: "Code", Type: engine.TypeText}},
		}, ""},
		{"underscore and digits", engine.Schema{PersonFields: []engine.CustomField{{Name: "cost_2", Type: engine.TypeText}}}, ""},
		{"empty name", engine.Schema{PersonFields: []engine.CustomField{{Name: "", Type: engine.TypeText}}},
			`schema: person custom field 1: name "" must start with a letter`},
		{"leading digit", engine.Schema{ContractFields: []engine.CustomField{{Name: "ok", Type: engine.TypeText}, {Name: "2nd", Type: engine.TypeText}}},
			`schema: contract custom field 2: name "2nd" must start with a letter`},
		{"leading underscore", engine.Schema{PersonFields: []engine.CustomField{{Name: "_x", Type: engine.TypeText}}}, `name "_x"`},
		{"dot", engine.Schema{PersonFields: []engine.CustomField{{Name: "a.b", Type: engine.TypeText}}}, `name "a.b"`},
		{"space", engine.Schema{PersonFields: []engine.CustomField{{Name: "cost centre", Type: engine.TypeText}}}, `name "cost centre"`},
		{"non-ASCII letter", engine.Schema{PersonFields: []engine.CustomField{{Name: "größe", Type: engine.TypeText}}}, `name "größe"`},
		{"declared twice", engine.Schema{PersonFields: []engine.CustomField{{Name: "A", Type: engine.TypeText}, {Name: "A", Type: engine.TypeNumber}}},
			`schema: person custom field "A" is declared twice`},
		{"bad type", engine.Schema{ContractFields: []engine.CustomField{{Name: "A", Type: "integer"}}},
			`schema: contract custom field "A": type "integer" must be text, number, date or boolean`},
		{"missing type", engine.Schema{PersonFields: []engine.CustomField{{Name: "A"}}}, `type "" must be`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.schema.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, engine.IsCode(err, engine.Invalid))
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestSuggestPaths(t *testing.T) {
	defs := engine.NewFields(engine.Schema{}).Defs(engine.LevelPerson)
	tests := []struct {
		unknown string
		want    string // the first suggestion; "" means none
	}{
		{"Name.Givenname", "Name.GivenName"},
		{"name.givenname", "Name.GivenName"},
		{"Name.GivnName", "Name.GivenName"},
		{"DisplayNme", "DisplayName"},
		{"Contact.Business.Emial", "Contact.Business.Email"},
		{"Salary.Amount.Yearly", ""},
	}
	for _, tt := range tests {
		t.Run(tt.unknown, func(t *testing.T) {
			got := engine.SuggestPaths(tt.unknown, defs)
			if tt.want == "" {
				assert.Equal(t, "", got)
				return
			}
			assert.True(t, strings.HasPrefix(got, " (did you mean "+tt.want), "got %q", got)
			assert.True(t, strings.HasSuffix(got, "?)"), "got %q", got)
			assert.LessOrEqual(t, strings.Count(got, ","), 2, "at most three suggestions: %q", got)
		})
	}
}

func TestValueEmptinessAndCanonicalText(t *testing.T) {
	tests := []struct {
		name  string
		v     engine.Value
		empty bool
		text  string
	}{
		{"text", engine.TextValue("x"), false, "x"},
		{"empty text", engine.TextValue(""), true, ""},
		{"number", engine.NumberValue(engine.Num(0.50)), false, "0.5"},
		{"zero is a value", engine.NumberValue(engine.Num(0)), false, "0"},
		{"unset number", engine.NumberValue(engine.Number{}), true, ""},
		{"date", engine.DateValue(20240131), false, "2024-01-31"},
		{"zero date", engine.DateValue(0), true, ""},
		{"true", engine.BoolValue(true), false, "true"},
		{"false is empty", engine.BoolValue(false), true, "false"},
		{"untyped is text", engine.Value{Text: "t"}, false, "t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.empty, tt.v.IsEmpty())
			assert.Equal(t, tt.text, tt.v.String())
		})
	}
}

func TestParseValue(t *testing.T) {
	dutch, err := engine.NewDateParser([]string{"dd-MM-yyyy"})
	require.NoError(t, err)
	tests := []struct {
		name    string
		typ     engine.FieldType
		in      string
		dates   *engine.DateParser
		want    engine.Value
		wantErr string
	}{
		{"text keeps spaces", engine.TypeText, " a ", nil, engine.TextValue(" a "), ""},
		{"number", engine.TypeNumber, "0,8", nil, engine.NumberValue(engine.Num(0.8)), ""},
		{"bad number", engine.TypeNumber, "x", nil, engine.Value{}, "expected a number"},
		{"ISO date without a parser", engine.TypeDate, "2024-01-31", nil, engine.DateValue(20240131), ""},
		{"other date needs a parser", engine.TypeDate, "31-01-2024", nil, engine.Value{}, "expected a date like 2024-01-31"},
		{"date with a parser", engine.TypeDate, "31-01-2024", dutch, engine.DateValue(20240131), ""},
		{"boolean", engine.TypeBoolean, "ja", nil, engine.BoolValue(true), ""},
		{"bad boolean", engine.TypeBoolean, "misschien", nil, engine.Value{}, "expected yes or no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := engine.ParseValue(tt.typ, tt.in, tt.dates)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, tt.typ, got.Type)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFieldTypeValid(t *testing.T) {
	for _, ft := range []engine.FieldType{engine.TypeText, engine.TypeNumber, engine.TypeDate, engine.TypeBoolean} {
		assert.True(t, ft.Valid(), ft)
	}
	for _, ft := range []engine.FieldType{"", "Text", "int"} {
		assert.False(t, ft.Valid(), ft)
	}
}
