package mapping_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/mapping"
)

func fixed(field, value string) engine.FieldMapping {
	return engine.FieldMapping{Field: field, Type: engine.MapFixed, Value: value}
}

func field(field, source string) engine.FieldMapping {
	return engine.FieldMapping{Field: field, Type: engine.MapField, Value: source}
}

func complexJS(field, snippet string) engine.FieldMapping {
	return engine.FieldMapping{Field: field, Type: engine.MapComplex, Value: snippet}
}

func required(fm engine.FieldMapping) engine.FieldMapping {
	fm.Required = true
	return fm
}

// source returns a source system named "HR export" with key "hr".
func source(person, contract []engine.FieldMapping) *engine.SourceSystem {
	return &engine.SourceSystem{
		Key:         "hr",
		Name:        "HR export",
		Kind:        "csv",
		DateFormats: []string{"dd-MM-yyyy"},
		Mapping:     engine.SourceMapping{Person: person, Contract: contract},
	}
}

var schema = engine.Schema{
	PersonFields: []engine.CustomField{
		{Name: "Badge", Type: engine.TypeText},
		{Name: "Level", Type: engine.TypeNumber},
		{Name: "Hired", Type: engine.TypeDate},
		{Name: "Remote", Type: engine.TypeBoolean},
	},
	ContractFields: []engine.CustomField{{Name: "Grade", Type: engine.TypeNumber}},
}

func compile(t *testing.T, src *engine.SourceSystem, opts mapping.Options) *mapping.Mapper {
	t.Helper()
	m, err := mapping.Compile(src, engine.NewFields(schema), opts)
	require.NoError(t, err)
	return m
}

func TestCompileRejectsBadMappings(t *testing.T) {
	desc := &engine.SourceDescription{
		PersonFields:     []string{"id", "first", "last"},
		ContractFields:   []string{"contract", "start"},
		DepartmentFields: []string{"dept", "name"},
	}
	tests := []struct {
		name       string
		src        *engine.SourceSystem
		desc       *engine.SourceDescription
		wantAll    []string
		wantAbsent string
	}{
		{"unknown person field with a suggestion",
			source([]engine.FieldMapping{field("Name.Givenname", "first")}, nil), nil,
			[]string{`source system "HR export", person field Name.Givenname: there is no person field "Name.Givenname"`, "did you mean Name.GivenName"}, ""},
		{"unknown contract field with a suggestion",
			source(nil, []engine.FieldMapping{field("Details.FTE", "fte")}), nil,
			[]string{`contract field Details.FTE: there is no contract field "Details.FTE"`, "did you mean Details.Fte"}, ""},
		{"a person field at contract level",
			source(nil, []engine.FieldMapping{field("DisplayName", "x")}), nil,
			[]string{`there is no contract field "DisplayName"`}, ""},
		{"an undeclared custom field",
			source([]engine.FieldMapping{field("Custom.Shoe", "x")}, nil), nil,
			[]string{`there is no person field "Custom.Shoe"`}, ""},
		{"no field chosen",
			source([]engine.FieldMapping{field("ExternalId", "id"), field("", "x")}, nil), nil,
			[]string{`person mapping row 2: choose the field to map`}, ""},
		{"duplicate field",
			source([]engine.FieldMapping{field("Name.GivenName", "first"), fixed("Name.GivenName", "Ada")}, nil), nil,
			[]string{`person field Name.GivenName: the field is mapped twice; keep one row`}, ""},
		{"duplicate contract field",
			source(nil, []engine.FieldMapping{field("StartDate", "start"), field("StartDate", "begin")}), nil,
			[]string{`contract field StartDate: the field is mapped twice`}, ""},
		{"bad mapping type",
			source([]engine.FieldMapping{{Field: "DisplayName", Type: "formula", Value: "x"}}, nil), nil,
			[]string{`person field DisplayName: mapping type "formula" must be fixed, field or complex`}, ""},
		{"fixed date that is not a date",
			source([]engine.FieldMapping{fixed("Details.BirthDate", "tomorrow")}, nil), nil,
			[]string{`person field Details.BirthDate: fixed value: expected a date like dd-MM-yyyy, got "tomorrow"`}, ""},
		{"fixed number that is not a number",
			source(nil, []engine.FieldMapping{fixed("Details.Fte", "full")}), nil,
			[]string{`contract field Details.Fte: fixed value: expected a number like 0.8 or 0,8, got "full"`}, ""},
		{"fixed boolean that is not a boolean",
			source([]engine.FieldMapping{fixed("Excluded", "sometimes")}, nil), nil,
			[]string{`person field Excluded: fixed value: expected yes or no`}, ""},
		{"fixed custom number that is not a number",
			source([]engine.FieldMapping{fixed("Custom.Level", "high")}, nil), nil,
			[]string{`person field Custom.Level: fixed value: expected a number`}, ""},
		{"fixed convention that is not a choice",
			source([]engine.FieldMapping{fixed("Name.Convention", "X")}, nil), nil,
			[]string{`person field Name.Convention: fixed value: expected B, P, BP or PB, got "X"`}, ""},
		{"field mapping without a source field",
			source([]engine.FieldMapping{field("Name.GivenName", "  ")}, nil), nil,
			[]string{`person field Name.GivenName: choose the source field to map from`}, ""},
		{"source field not in the description",
			source([]engine.FieldMapping{field("Name.GivenName", "firstname")}, nil), desc,
			[]string{`person field Name.GivenName: the source has no field "firstname" (it has: id, first, last)`}, ""},
		{"contract source field not in the description",
			source(nil, []engine.FieldMapping{field("StartDate", "begin")}), desc,
			[]string{`contract field StartDate: the source has no field "begin" (it has: contract, start)`}, ""},
		{"empty snippet",
			source([]engine.FieldMapping{complexJS("DisplayName", " \n\t ")}, nil), nil,
			[]string{`person field DisplayName: the JavaScript snippet is empty`}, ""},
		{"JavaScript syntax error",
			source([]engine.FieldMapping{complexJS("DisplayName", "source.first +")}, nil), nil,
			[]string{`person field DisplayName: JavaScript: SyntaxError`, "Unexpected end of input"}, ""},
		{"JavaScript syntax error on a later line",
			source([]engine.FieldMapping{complexJS("DisplayName", "var a = 1;\nvar b = ;\na")}, nil), nil,
			[]string{`JavaScript: SyntaxError`, "Line 2:"}, ""},
		{"syntax error in a snippet with a top-level return",
			source([]engine.FieldMapping{complexJS("DisplayName", "if (x) return 1;\nreturn (")}, nil), nil,
			[]string{`JavaScript: SyntaxError`}, "Illegal return"},
		{"department mapping without ExternalId",
			&engine.SourceSystem{Key: "hr", Name: "HR export", Mapping: engine.SourceMapping{Department: []engine.FieldMapping{field("DisplayName", "name")}}}, nil,
			[]string{`source system "HR export": the department mapping must map ExternalId`}, ""},
		{"unknown department field",
			&engine.SourceSystem{Key: "hr", Name: "HR export", Mapping: engine.SourceMapping{Department: []engine.FieldMapping{field("ExternalId", "dept"), field("Manager", "m")}}}, nil,
			[]string{`department field Manager: there is no department field "Manager"`}, ""},
		{"department source field not in the description",
			&engine.SourceSystem{Key: "hr", Name: "HR export", Mapping: engine.SourceMapping{Department: []engine.FieldMapping{field("ExternalId", "deptid")}}}, desc,
			[]string{`the source has no field "deptid" (it has: dept, name)`}, ""},
		{"bad date format",
			&engine.SourceSystem{Key: "hr", Name: "HR export", DateFormats: []string{"DD-MM-YYYY"}}, nil,
			[]string{`source system "HR export": date format "DD-MM-YYYY": unexpected 'D'`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mapping.Compile(tt.src, engine.NewFields(schema), mapping.Options{Description: tt.desc})
			require.Error(t, err)
			assert.Nil(t, m)
			assert.True(t, engine.IsCode(err, engine.Invalid), "code %q", engine.ErrorCode(err))
			for _, want := range tt.wantAll {
				assert.Contains(t, err.Error(), want)
			}
			if tt.wantAbsent != "" {
				assert.NotContains(t, err.Error(), tt.wantAbsent)
			}
		})
	}
}

func TestCompileAcceptsAValidMapping(t *testing.T) {
	desc := &engine.SourceDescription{PersonFields: []string{"id", "first", "last"}, ContractFields: []string{"start"}}
	src := source(
		[]engine.FieldMapping{
			field("ExternalId", "id"),
			field("Name.GivenName", "first"),
			field("Name.FamilyName", "last"),
			complexJS("DisplayName", "source.first + ' ' + source.last"),
			fixed("Name.Convention", "bp"),
			fixed("Details.BirthDate", "31-01-1980"),
			fixed("Custom.Level", "2,5"),
		},
		[]engine.FieldMapping{field("StartDate", "start"), fixed("Details.Fte", "")},
	)
	m, err := mapping.Compile(src, engine.NewFields(schema), mapping.Options{Description: desc})
	require.NoError(t, err)
	assert.Equal(t, []string{"first", "id", "last"}, m.SourceFields(engine.LevelPerson))
	assert.Equal(t, []string{"start"}, m.SourceFields(engine.LevelContract))
	assert.Empty(t, m.SourceFields(engine.LevelDepartment))
	assert.False(t, m.MapsDepartments())
}

func TestCompileWithoutADescriptionAcceptsAnySourceField(t *testing.T) {
	src := source([]engine.FieldMapping{field("Name.GivenName", "whatever")}, nil)
	_, err := mapping.Compile(src, engine.NewFields(schema), mapping.Options{})
	require.NoError(t, err)
	// An empty description (a source that could not describe itself)
	// does not reject fields either.
	_, err = mapping.Compile(src, engine.NewFields(schema), mapping.Options{Description: &engine.SourceDescription{}})
	require.NoError(t, err)
}

func TestSourceFieldsListsEachFieldOnce(t *testing.T) {
	src := source([]engine.FieldMapping{
		field("Name.GivenName", "first"),
		field("Name.NickName", "first"),
		complexJS("DisplayName", "source.nick"),
		fixed("Name.Initials", "X"),
	}, nil)
	m := compile(t, src, mapping.Options{})
	assert.Equal(t, []string{"first"}, m.SourceFields(engine.LevelPerson))
}

func TestMapsDepartments(t *testing.T) {
	src := &engine.SourceSystem{Key: "hr", Name: "HR", Mapping: engine.SourceMapping{Department: []engine.FieldMapping{field("ExternalId", "dept")}}}
	m := compile(t, src, mapping.Options{})
	assert.True(t, m.MapsDepartments())
	assert.Equal(t, []string{"dept"}, m.SourceFields(engine.LevelDepartment))
}
