package accounts_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/accounts"
	"provisio/engine/rules"
)

// refDate is the day every test evaluates on.
var refDate = engine.NewDate(2025, 3, 15)

// testConfig is a workspace with custom fields and three targets: ad
// (whose mapping the tests set), google and payroll (whose mappings
// write a few attributes that ad may read).
func testConfig() *engine.Config {
	cfg := engine.DefaultConfig()
	cfg.Schema = engine.Schema{
		PersonFields: []engine.CustomField{
			{Name: "Shift", Type: engine.TypeText},
			{Name: "Level", Type: engine.TypeNumber},
			{Name: "Vip", Type: engine.TypeBoolean},
		},
		ContractFields: []engine.CustomField{
			{Name: "Grade", Type: engine.TypeNumber},
		},
	}
	cfg.TargetSystems = []engine.TargetSystem{
		{Key: "ad", Name: "Active Directory", Kind: engine.TargetManual},
		{Key: "google", Name: "Google Workspace", Kind: engine.TargetManual, Mapping: []engine.AttributeMapping{
			row("primaryEmail", false, create(field("Contact.Business.Email"))),
			row("id", false, create(fixed("g-1"))),
		}},
		{Key: "payroll", Name: "Payroll", Kind: engine.TargetManual, Mapping: []engine.AttributeMapping{
			row("employeeNumber", false, create(field("ExternalId"))),
		}},
	}
	return cfg
}

var testTargets = []string{"ad", "google", "payroll"}

func newEnv(t testing.TB) *rules.Env {
	t.Helper()
	env, err := rules.NewEnv(testConfig())
	require.NoError(t, err)
	return env
}

func fixed(v string) *engine.StageValue { return &engine.StageValue{Type: engine.MapFixed, Value: v} }
func field(v string) *engine.StageValue { return &engine.StageValue{Type: engine.MapField, Value: v} }
func complexJS(v string) *engine.StageValue {
	return &engine.StageValue{Type: engine.MapComplex, Value: v}
}

// create gives a value at create only.
func create(v *engine.StageValue) map[engine.Stage]*engine.StageValue {
	return map[engine.Stage]*engine.StageValue{engine.StageCreate: v}
}

func row(attr string, unique bool, stages map[engine.Stage]*engine.StageValue) engine.AttributeMapping {
	return engine.AttributeMapping{Attribute: attr, Unique: unique, Stages: stages}
}

// target returns the ad target with a mapping.
func target(rows ...engine.AttributeMapping) *engine.TargetSystem {
	return &engine.TargetSystem{Key: "ad", Name: "Active Directory", Kind: engine.TargetManual, Mapping: rows}
}

// compile compiles ad's mapping with no identity attributes.
func compile(t testing.TB, rows ...engine.AttributeMapping) *accounts.Mapper {
	t.Helper()
	m, err := accounts.Compile(target(rows...), newEnv(t), nil, testTargets)
	require.NoError(t, err)
	return m
}

// compileErr compiles ad's mapping and returns its error.
func compileErr(t testing.TB, identity []string, rows ...engine.AttributeMapping) error {
	t.Helper()
	_, err := accounts.Compile(target(rows...), newEnv(t), identity, testTargets)
	require.Error(t, err)
	require.True(t, engine.IsCode(err, engine.Invalid), "code %s: %v", engine.ErrorCode(err), err)
	return err
}

var testFields = engine.NewFields(testConfig().Schema)

// set sets fields given as "Path=value" on a person or a contract.
func setPerson(t testing.TB, p *engine.Person, fields ...string) {
	t.Helper()
	for _, kv := range fields {
		path, value, _ := strings.Cut(kv, "=")
		f, ok := testFields.PersonField(path)
		require.True(t, ok, path)
		v, err := engine.ParseValue(f.Type, value, nil)
		require.NoError(t, err)
		f.Set(p, v)
	}
}

func contract(t testing.TB, id string, fields ...string) engine.Contract {
	t.Helper()
	c := engine.Contract{ExternalID: id, StartDate: engine.NewDate(2020, 1, 1)}
	for _, kv := range fields {
		path, value, _ := strings.Cut(kv, "=")
		f, ok := testFields.ContractField(path)
		require.True(t, ok, path)
		v, err := engine.ParseValue(f.Type, value, nil)
		require.NoError(t, err)
		f.Set(&c, v)
	}
	return c
}

// people is a small population: Ada (two contracts, managed by Grace),
// Grace (one contract, no manager) and Nobody (no contracts).
type people struct {
	pop                *rules.Population
	ada, grace, nobody *rules.Subject
}

func newPeople(t testing.TB) *people {
	t.Helper()
	ada := &engine.Person{ID: "hr:1", Source: "hr", ExternalID: "1", DisplayName: "Ada Lovelace",
		Contracts: []engine.Contract{
			contract(t, "c1", "Department.Code=IT", "Department.Name=Information technology", "Title.Name=Engineer",
				"Details.Fte=1", "Details.Sequence=1", "Manager.ExternalId=2", "Custom.Grade=7"),
			contract(t, "c2", "Department.Code=RND", "Title.Name=Researcher", "Details.Fte=0.2", "Details.Sequence=2", "Manager.ExternalId=2"),
		}}
	setPerson(t, ada, "Name.GivenName=Ada", "Name.FamilyName=Lovelace", "Name.FamilyNamePrefix=",
		"Contact.Business.Email=ada@example.com", "Details.BirthDate=1815-12-10",
		"Custom.Shift=night", "Custom.Level=3.5", "Custom.Vip=true")
	grace := &engine.Person{ID: "hr:2", Source: "hr", ExternalID: "2", DisplayName: "Grace Hopper",
		Contracts: []engine.Contract{contract(t, "g1", "Department.Code=BOARD")}}
	setPerson(t, grace, "Name.GivenName=Grace", "Name.FamilyName=Hopper", "Contact.Business.Email=grace@example.com")
	nobody := &engine.Person{ID: "hr:3", Source: "hr", ExternalID: "3"}
	setPerson(t, nobody, "Name.GivenName=Zoë", "Name.FamilyName=Ørsted")

	env := newEnv(t)
	pop := rules.NewPopulation(env, []*engine.Person{ada, grace, nobody}, nil, refDate)
	ps := &people{pop: pop}
	for i, s := range []**rules.Subject{&ps.ada, &ps.grace, &ps.nobody} {
		*s = &rules.Subject{}
		pop.Subject(i, *s)
	}
	return ps
}
