package evaluate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/evaluate"
	"provisio/engine/rules"
)

// refDate is the reference date evaluations run on.
var refDate = engine.NewDate(2025, 3, 15)

var fixedNow = time.Date(2025, 3, 15, 9, 0, 0, 0, time.UTC)

func testConfig() *engine.Config {
	cfg := engine.DefaultConfig()
	cfg.Schema.ContractFields = []engine.CustomField{{Name: "Shift", Type: engine.TypeText}}
	cfg.TargetSystems = []engine.TargetSystem{
		{Key: "ad", Name: "Active Directory", Kind: engine.TargetManual, Permissions: []engine.Permission{{ID: "VPN"}, {ID: "Staff"}}},
		{Key: "mail", Name: "Mail", Kind: engine.TargetManual},
	}
	return cfg
}

func newEnv(t testing.TB) *rules.Env {
	t.Helper()
	env, err := rules.NewEnv(testConfig())
	require.NoError(t, err)
	return env
}

var testFields = engine.NewFields(testConfig().Schema)

func day(t testing.TB, s string) engine.Date {
	t.Helper()
	d, err := engine.ParseISODate(s)
	require.NoError(t, err)
	return d
}

// contract builds a contract with fields given as "Path=value".
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

// person builds person hr:<id> named after the id.
func person(t testing.TB, id string, contracts ...engine.Contract) *engine.Person {
	t.Helper()
	return &engine.Person{ID: engine.PersonID("hr", id), Source: "hr", ExternalID: id, DisplayName: "Person " + id, Contracts: contracts}
}

func cond(field string, op engine.Operator, values ...string) *engine.Condition {
	c := engine.Condition{Field: field, Op: op}
	if op == engine.OpIn || op == engine.OpNotIn || op == engine.OpBetween {
		c.Values = values
	} else if len(values) == 1 {
		c.Value = values[0]
	}
	return &c
}

var (
	adAccount  = engine.Entitlement{Target: "ad", Kind: engine.KindAccount}
	adAccess   = engine.Entitlement{Target: "ad", Kind: engine.KindAccess}
	adVPN      = engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Permission: "VPN"}
	adPerDept  = engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Template: "GRP-{Department.Code}"}
	mailBox    = engine.Entitlement{Target: "mail", Kind: engine.KindCustom, Name: "Mailbox"}
	mailAcct   = engine.Entitlement{Target: "mail", Kind: engine.KindAccount}
	mailAccess = engine.Entitlement{Target: "mail", Kind: engine.KindAccess}
)

func key(target string, kind engine.EntitlementKind, name string) engine.EntitlementKey {
	return engine.EntitlementKey{Target: target, Kind: kind, Name: name}
}

// testRule is a rule with its id.
type testRule struct {
	id   string
	body *engine.RuleBody
}

func rule(id, name string, status engine.PersonStatusFilter, contractCond *engine.Condition, ents ...engine.Entitlement) testRule {
	return testRule{id, &engine.RuleBody{Name: name, Status: status, ContractConditions: contractCond, Entitlements: ents}}
}

func compile(t testing.TB, env *rules.Env, rs ...testRule) *rules.Set {
	t.Helper()
	var in []rules.Input
	for _, r := range rs {
		in = append(in, rules.Input{ID: r.id, Body: r.body})
	}
	set, err := rules.Compile(in, env)
	require.NoError(t, err)
	return set
}

// input builds an evaluation input on refDate.
func input(t testing.TB, set *rules.Set, ledger []engine.LedgerEntry, persons ...*engine.Person) evaluate.Input {
	t.Helper()
	env := newEnv(t)
	return evaluate.Input{
		Population: rules.NewPopulation(env, persons, nil, refDate), Rules: set,
		Ledger: &engine.Ledger{Entries: ledger}, Snapshot: 7, RulesVersion: 3, Workers: 1, Now: fixedNow,
	}
}
