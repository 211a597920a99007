package aggregate_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/aggregate"
)

func person(src, ext string, name engine.Name, birth string, gender string) *engine.Person {
	b, err := engine.ParseISODate(birth)
	if err != nil {
		panic(err)
	}
	return &engine.Person{ID: engine.PersonID(src, ext), Source: src, ExternalID: ext, Name: name,
		Details: engine.Details{BirthDate: b, Gender: gender}}
}

func values(t *testing.T, cfg *engine.Config, persons ...*engine.Person) ([]string, []aggregate.ValueError) {
	t.Helper()
	items, errs, err := aggregate.Values(context.Background(), cfg, persons, aggregate.Options{})
	require.NoError(t, err)
	require.Len(t, items, len(persons))
	out := make([]string, len(items))
	for i, it := range items {
		require.Equal(t, persons[i].ID, it.Person)
		out[i] = it.Value
	}
	return out, errs
}

func TestDefaultSnippetGivesFamilyNameInitialsBirthDateAndGender(t *testing.T) {
	persons := []*engine.Person{
		person("hr", "1", engine.Name{GivenName: "Pieter", Initials: "P.J.", FamilyNamePrefix: "van der", FamilyName: "Berg"}, "1980-01-02", "M"),
		person("hr", "2", engine.Name{GivenName: "Zoë", FamilyName: "Ørsted-Müller"}, "1990-03-15", "F"),
		person("hr", "3", engine.Name{GivenName: "Jürgen", Initials: "J", FamilyName: "Strauß"}, "1975-12-31", "male"),
		person("hr", "4", engine.Name{GivenName: "Hélène", Initials: "H.", FamilyName: "Lefèvre"}, "", "F"),
		person("hr", "5", engine.Name{GivenName: "Anne", FamilyName: "van der Berg"}, "1980-01-02", ""),
		person("hr", "6", engine.Name{GivenName: "Nobody"}, "1980-01-02", "M"),
		person("hr", "7", engine.Name{FamilyName: "D'Arcy"}, "", ""),
	}
	got, errs := values(t, twoSources(), persons...)
	assert.Empty(t, errs)
	assert.Equal(t, []string{
		"vanderberg pj 19800102 m",
		"orstedmuller z 19900315 f",
		"strauss j 19751231 m",
		"",                      // no birth date: no value, never compared
		"vanderberg a 19800102", // the prefix inside the family name: the same family
		"",                      // no family name: no value
		"",
	}, got)
}

func TestValuesMapFieldsAndFixedTexts(t *testing.T) {
	cfg := &engine.Config{SourceSystems: []engine.SourceSystem{
		{Key: "hr", AggregationValue: &engine.StageValue{Type: engine.MapField, Value: "Name.FamilyName"}},
		{Key: "ad", AggregationValue: &engine.StageValue{Type: engine.MapFixed, Value: "same"}},
		{Key: "erp", AggregationValue: &engine.StageValue{Type: engine.MapComplex, Value: "Person.Details.Gender + '-' + Person.ExternalId"}},
	}}
	got, errs := values(t, cfg,
		person("hr", "1", engine.Name{FamilyName: "Jansen"}, "", ""),
		person("ad", "2", engine.Name{FamilyName: "Jansen"}, "", ""),
		person("erp", "3", engine.Name{FamilyName: "Jansen"}, "", "F"),
		person("gone", "4", engine.Name{FamilyName: "Jansen", Initials: "K"}, "1970-05-06", ""), // a source no longer configured: the default
	)
	assert.Empty(t, errs)
	assert.Equal(t, []string{"Jansen", "same", "F-3", "jansen k 19700506"}, got)
}

func TestAFailingSnippetGivesAnErrorEntryNotAFailure(t *testing.T) {
	cfg := &engine.Config{SourceSystems: []engine.SourceSystem{{Key: "hr", Name: "HR", AggregationValue: &engine.StageValue{
		Type:  engine.MapComplex,
		Value: "const n = Person.Name.FamilyName;\nif (n === 'Boom') throw new Error('no trees');\nn.toLowerCase()",
	}}}}
	got, errs := values(t, cfg,
		person("hr", "1", engine.Name{FamilyName: "Jansen"}, "", ""),
		person("hr", "2", engine.Name{FamilyName: "Boom"}, "", ""),
		person("hr", "3", engine.Name{FamilyName: "Visser"}, "", ""),
	)
	assert.Equal(t, []string{"jansen", "", "visser"}, got)
	require.Len(t, errs, 1)
	assert.Equal(t, "hr:2", errs[0].Person)
	assert.Equal(t, "hr", errs[0].Source)
	msg := errs[0].Error()
	assert.Contains(t, msg, "hr:2")
	assert.Contains(t, msg, "the aggregation value of HR")
	assert.Contains(t, msg, "no trees")
	assert.Contains(t, msg, "AggregationValue:2:")
	assert.True(t, engine.IsCode(errs[0], engine.Invalid), "%v", errs[0])
}

func TestValuesRefusesAMappingThatDoesNotCompile(t *testing.T) {
	cfg := &engine.Config{SourceSystems: []engine.SourceSystem{{Key: "hr", Name: "HR", AggregationValue: &engine.StageValue{Type: engine.MapField, Value: "Name.FamilyNam"}}}}
	_, _, err := aggregate.Values(context.Background(), cfg, nil, aggregate.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the aggregation value of HR")
}

func TestCheckFindsMistakesInAnAggregationValue(t *testing.T) {
	cases := []struct {
		name  string
		value *engine.StageValue
		want  []string // in the error; none: valid
	}{
		{"default", nil, nil},
		{"field", &engine.StageValue{Type: engine.MapField, Value: "Name.FamilyName"}, nil},
		{"primary contract field", &engine.StageValue{Type: engine.MapField, Value: "PrimaryContract.Department.Code"}, nil},
		{"fixed", &engine.StageValue{Type: engine.MapFixed, Value: "x"}, nil},
		{"snippet", &engine.StageValue{Type: engine.MapComplex, Value: engine.DefaultAggregationSnippet}, nil},
		{"unknown field", &engine.StageValue{Type: engine.MapField, Value: "Name.FamilyNam"}, []string{"the aggregation value of HR", `"Name.FamilyNam"`, "Name.FamilyName"}},
		{"empty field", &engine.StageValue{Type: engine.MapField}, []string{"choose the person field"}},
		{"syntax error", &engine.StageValue{Type: engine.MapComplex, Value: "const a = ;\na"}, []string{"the aggregation value of HR", "JavaScript", "SyntaxError", "Line 1:11"}},
		{"unknown Person field", &engine.StageValue{Type: engine.MapComplex, Value: "\nPerson.Name.GivnName"}, []string{"GivnName", "line 2"}},
		{"accounts", &engine.StageValue{Type: engine.MapComplex, Value: "Person.Accounts.ad.mail"}, []string{"Person.Accounts is not available here"}},
		{"accounts field", &engine.StageValue{Type: engine.MapField, Value: "Accounts.ad.mail"}, []string{"Person.Accounts is not available here"}},
		{"bad type", &engine.StageValue{Type: "magic", Value: "x"}, []string{"fixed, field or complex"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := &engine.SourceSystem{Key: "hr", Name: "HR", AggregationValue: c.value}
			err := aggregate.Check(&engine.Config{SourceSystems: []engine.SourceSystem{*src}}, src)
			if c.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
