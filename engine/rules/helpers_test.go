package rules_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/rules"
)

// refDate is the reference date every test evaluates on unless it says
// otherwise.
var refDate = engine.NewDate(2025, 3, 15)

// testConfig is a workspace with custom fields of every type and two
// target systems: ad lists its permissions, app does not.
func testConfig() *engine.Config {
	cfg := engine.DefaultConfig()
	cfg.Schema = engine.Schema{
		PersonFields: []engine.CustomField{
			{Name: "Badge", Type: engine.TypeText},
			{Name: "Level", Type: engine.TypeNumber},
			{Name: "Vip", Type: engine.TypeBoolean},
			{Name: "Review", Type: engine.TypeDate},
		},
		ContractFields: []engine.CustomField{
			{Name: "Shift", Type: engine.TypeText},
			{Name: "Grade", Type: engine.TypeNumber},
			{Name: "Remote", Type: engine.TypeBoolean},
		},
	}
	cfg.TargetSystems = []engine.TargetSystem{
		{Key: "ad", Name: "Active Directory", Kind: engine.TargetManual, Permissions: []engine.Permission{{ID: "VPN"}, {ID: "Staff"}}},
		{Key: "app", Name: "Payroll", Kind: engine.TargetManual, Permissions: []engine.Permission{{ID: "static"}}},
	}
	return cfg
}

// newEnv returns the environment of testConfig.
func newEnv(t testing.TB) *rules.Env {
	t.Helper()
	env, err := rules.NewEnv(testConfig())
	require.NoError(t, err)
	return env
}

// testFields is the field registry builders set fields through.
var testFields = engine.NewFields(testConfig().Schema)

// day parses yyyy-mm-dd; "" is no date.
func day(t testing.TB, s string) engine.Date {
	t.Helper()
	d, err := engine.ParseISODate(s)
	require.NoError(t, err)
	return d
}

// contract builds a contract running from start to end ("" for none) with
// fields given as "Path=value" (contract field paths, custom ones too).
func contract(t testing.TB, id, start, end string, fields ...string) engine.Contract {
	t.Helper()
	c := engine.Contract{ExternalID: id, StartDate: day(t, start), EndDate: day(t, end)}
	for _, kv := range fields {
		path, value, ok := strings.Cut(kv, "=")
		require.True(t, ok, "field %q: want Path=value", kv)
		f, ok := testFields.ContractField(path)
		require.True(t, ok, "no contract field %q", path)
		v, err := engine.ParseValue(f.Type, value, nil)
		require.NoError(t, err)
		f.Set(&c, v)
	}
	return c
}

// person builds a person of source "hr" with the given contracts.
func person(t testing.TB, id string, contracts ...engine.Contract) *engine.Person {
	t.Helper()
	return &engine.Person{
		ID: engine.PersonID("hr", id), Source: "hr", ExternalID: id,
		DisplayName: "Person " + id, Contracts: contracts,
	}
}

// withFields sets person fields given as "Path=value" and returns p.
func withFields(t testing.TB, p *engine.Person, fields ...string) *engine.Person {
	t.Helper()
	for _, kv := range fields {
		path, value, ok := strings.Cut(kv, "=")
		require.True(t, ok, "field %q: want Path=value", kv)
		f, ok := testFields.PersonField(path)
		require.True(t, ok, "no person field %q", path)
		v, err := engine.ParseValue(f.Type, value, nil)
		require.NoError(t, err)
		f.Set(p, v)
	}
	return p
}

// cond builds a comparison; in, notIn and between take their values as a
// list, other operators their one value.
func cond(field string, op engine.Operator, values ...string) engine.Condition {
	c := engine.Condition{Field: field, Op: op}
	switch {
	case op == engine.OpIn || op == engine.OpNotIn || op == engine.OpBetween:
		c.Values = values
	case len(values) == 1:
		c.Value = values[0]
	default:
		c.Values = values
	}
	return c
}

func allOf(cs ...engine.Condition) engine.Condition {
	return engine.Condition{Group: engine.GroupAll, Conditions: cs}
}

func anyOf(cs ...engine.Condition) engine.Condition {
	return engine.Condition{Group: engine.GroupAny, Conditions: cs}
}

func not(c engine.Condition) engine.Condition {
	return engine.Condition{Group: engine.GroupNot, Conditions: []engine.Condition{c}}
}

func ptr(c engine.Condition) *engine.Condition { return &c }

// adAccount is the entitlement most test rules grant.
var adAccount = engine.Entitlement{Target: "ad", Kind: engine.KindAccount}

// body builds a rule version; nil conditions are left out and without
// entitlements it grants an account in ad.
func body(name string, status engine.PersonStatusFilter, personCond, contractCond *engine.Condition, ents ...engine.Entitlement) *engine.RuleBody {
	if len(ents) == 0 {
		ents = []engine.Entitlement{adAccount}
	}
	return &engine.RuleBody{Name: name, Status: status, PersonConditions: personCond, ContractConditions: contractCond, Entitlements: ents}
}

// compile compiles rule versions with ids r1, r2, … in order.
func compile(t testing.TB, env *rules.Env, bodies ...*engine.RuleBody) *rules.Set {
	t.Helper()
	var in []rules.Input
	for i, b := range bodies {
		in = append(in, rules.Input{ID: ruleID(i), Body: b})
	}
	set, err := rules.Compile(in, env)
	require.NoError(t, err)
	return set
}

func ruleID(i int) string { return "r" + strconv.Itoa(i+1) }

// population builds a population on asOf.
func population(t testing.TB, env *rules.Env, asOf engine.Date, departments []engine.Department, persons ...*engine.Person) *rules.Population {
	t.Helper()
	return rules.NewPopulation(env, persons, departments, asOf)
}

// subject returns the subject of person i.
func subject(t testing.TB, pop *rules.Population, i int) *rules.Subject {
	t.Helper()
	var s rules.Subject
	pop.Subject(i, &s)
	return &s
}

// matched returns, per rule id that holds for person i, the keys of its
// in-conditions contracts (an empty, non-nil slice when there are none).
func matched(t testing.TB, set *rules.Set, pop *rules.Population, i int) map[string][]string {
	t.Helper()
	s := subject(t, pop, i)
	out := map[string][]string{}
	set.Matches(s, &rules.Scratch{}, func(m rules.Match) {
		keys := []string{}
		for _, k := range m.Contracts {
			keys = append(keys, engine.ContractKey(s.Person, k))
		}
		out[m.Rule.ID] = keys
	})
	return out
}

// holds reports whether the one rule of set holds for the only person,
// with its in-conditions contracts.
func holds(t testing.TB, set *rules.Set, p *engine.Person, asOf engine.Date, departments ...engine.Department) ([]string, bool) {
	t.Helper()
	env := newEnv(t)
	pop := population(t, env, asOf, departments, p)
	m := matched(t, set, pop, 0)
	require.LessOrEqual(t, len(set.Rules), 1, "holds is for a set of one rule")
	c, ok := m["r1"]
	return c, ok
}
