package rules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/rules"
)

// granted lists what the rules give person 0: entitlement → contract keys.
func granted(t *testing.T, set *rules.Set, p *engine.Person) map[engine.EntitlementKey][]string {
	t.Helper()
	env := newEnv(t)
	pop := population(t, env, refDate, nil, p)
	s := subject(t, pop, 0)
	out := map[engine.EntitlementKey][]string{}
	set.Matches(s, &rules.Scratch{}, func(m rules.Match) {
		m.Grants(s, func(key engine.EntitlementKey, contracts []int) {
			_, dup := out[key]
			assert.False(t, dup, "%s given twice by one rule", key)
			keys := []string{}
			for _, k := range contracts {
				keys = append(keys, engine.ContractKey(s.Person, k))
			}
			out[key] = keys
		})
	})
	return out
}

func perm(target, name string) engine.EntitlementKey {
	return engine.EntitlementKey{Target: target, Kind: engine.KindPermission, Name: name}
}

func TestDynamicPermissionIsExpandedPerInConditionsContract(t *testing.T) {
	env := newEnv(t)
	perDept := engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Template: "GRP-{Department.Code}"}
	set := compile(t, env, body("Department groups", engine.RuleActive, nil,
		ptr(cond("Title.Code", engine.OpNotEquals, "INTERN")), adAccount, perDept))
	account := engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}
	tests := []struct {
		name      string
		contracts []engine.Contract
		want      map[engine.EntitlementKey][]string
	}{
		{"two contracts in different departments give two permissions", []engine.Contract{
			contract(t, "A", "2024-01-01", "", "Department.Code=ICT"),
			contract(t, "B", "2024-01-01", "", "Department.Code=HR"),
		}, map[engine.EntitlementKey][]string{account: {"A", "B"}, perm("ad", "GRP-ICT"): {"A"}, perm("ad", "GRP-HR"): {"B"}}},
		{"two contracts in the same department give one permission with both", []engine.Contract{
			contract(t, "A", "2024-01-01", "", "Department.Code=ICT"),
			contract(t, "B", "2024-06-01", "", "Department.Code=ICT"),
		}, map[engine.EntitlementKey][]string{account: {"A", "B"}, perm("ad", "GRP-ICT"): {"A", "B"}}},
		{"a contract with an empty placeholder field gives nothing", []engine.Contract{
			contract(t, "A", "2024-01-01", "", "Department.Code=ICT"),
			contract(t, "B", "2024-01-01", ""),
		}, map[engine.EntitlementKey][]string{account: {"A", "B"}, perm("ad", "GRP-ICT"): {"A"}}},
		{"only empty placeholders: the account but no permission", []engine.Contract{
			contract(t, "A", "2024-01-01", ""),
		}, map[engine.EntitlementKey][]string{account: {"A"}}},
		{"contracts not in conditions give nothing", []engine.Contract{
			contract(t, "A", "2024-01-01", "", "Department.Code=ICT"),
			contract(t, "B", "2024-01-01", "", "Department.Code=HR", "Title.Code=INTERN"),
			contract(t, "C", "2020-01-01", "2020-12-31", "Department.Code=FIN"),
		}, map[engine.EntitlementKey][]string{account: {"A"}, perm("ad", "GRP-ICT"): {"A"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, granted(t, set, person(t, "1", tt.contracts...)))
		})
	}
}

func TestTemplatesFillEveryPlaceholderInCanonicalForm(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env, body("Templates", engine.RuleAny, nil, nil,
		engine.Entitlement{Target: "app", Kind: engine.KindPermission, Template: "{Department.Code}-{Custom.Shift}"},
		engine.Entitlement{Target: "app", Kind: engine.KindPermission, Template: "FTE {Details.Fte} from {StartDate}"},
		engine.Entitlement{Target: "app", Kind: engine.KindPermission, Permission: "static"},
		engine.Entitlement{Target: "app", Kind: engine.KindCustom, Name: " Mailbox "}))
	got := granted(t, set, person(t, "1",
		contract(t, "A", "2024-01-05", "", "Department.Code=ICT", "Custom.Shift=night", "Details.Fte=0,80"),
		contract(t, "B", "2024-02-01", "", "Department.Code=HR")))
	assert.Equal(t, map[engine.EntitlementKey][]string{
		perm("app", "ICT-night"):                                  {"A"},
		perm("app", "FTE 0.8 from 2024-01-05"):                    {"A"},
		perm("app", "static"):                                     {"A", "B"},
		{Target: "app", Kind: engine.KindCustom, Name: "Mailbox"}: {"A", "B"},
	}, got)
}

func TestRulesWithTheSameEntitlementEachGiveIt(t *testing.T) {
	env := newEnv(t)
	vpn := engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Permission: "VPN"}
	set := compile(t, env,
		body("ICT VPN", engine.RuleActive, nil, ptr(cond("Department.Code", engine.OpEquals, "ICT")), vpn),
		body("Manager VPN", engine.RuleActive, nil, ptr(cond("Title.Code", engine.OpEquals, "MGR")), vpn))
	pop := population(t, env, refDate, nil, person(t, "1",
		contract(t, "A", "2024-01-01", "", "Department.Code=ICT"),
		contract(t, "B", "2024-01-01", "", "Title.Code=MGR")))
	s := subject(t, pop, 0)
	var got []string
	set.Matches(s, &rules.Scratch{}, func(m rules.Match) {
		m.Grants(s, func(key engine.EntitlementKey, contracts []int) {
			got = append(got, m.Rule.ID+" "+key.String()+" "+engine.ContractKey(s.Person, contracts[0]))
		})
	})
	assert.Equal(t, []string{"r1 ad: permission VPN A", "r2 ad: permission VPN B"}, got)
}

func TestExplainSaysWhyARuleDoesNotHold(t *testing.T) {
	env := newEnv(t)
	tf := engine.Timeframe{DaysBefore: 14, DaysAfter: 7}
	withTimeframe := func(b *engine.RuleBody) *engine.RuleBody { b.Timeframe = tf; return b }
	tests := []struct {
		name string
		rule *engine.RuleBody
		p    *engine.Person
		want []string // parts of the summary
	}{
		{"no active contract",
			withTimeframe(body("Staff", engine.RuleActive, nil, nil)),
			person(t, "1", contract(t, "OLD", "2020-01-01", "2024-12-31")),
			[]string{"no contract of Person 1 is active", "from 14 days before its start until 7 days after its end", "on 2025-03-15"}},
		{"no contracts at all",
			body("Staff", engine.RuleActive, nil, nil),
			person(t, "1"),
			[]string{"no contract of Person 1 is active on 2025-03-15"}},
		{"active but the rule is for inactive persons",
			body("Leavers", engine.RuleInactive, nil, nil),
			person(t, "1", contract(t, "NOW", "2024-01-01", "")),
			[]string{"Person 1 has a contract active on 2025-03-15", "the rule is for inactive persons"}},
		{"a person condition fails",
			body("Badges", engine.RuleAny, ptr(allOf(cond("Custom.Level", engine.OpAtLeast, "1"), cond("Custom.Badge", engine.OpEquals, "B-1"))), nil),
			withFields(t, person(t, "1"), "Custom.Level=3", "Custom.Badge=X-9"),
			[]string{"person conditions: Custom.Badge is B-1 does not hold (the value is X-9)"}},
		{"an empty value is shown as such",
			body("Badges", engine.RuleAny, ptr(cond("Custom.Badge", engine.OpStartsWith, "B")), nil),
			person(t, "1"),
			[]string{"Custom.Badge starts with B does not hold (the value is (empty))"}},
		{"contract conditions fail on every contract",
			withTimeframe(body("ICT developers", engine.RuleActive, nil, ptr(allOf(cond("Department.Code", engine.OpEquals, "ICT"), cond("Title.Code", engine.OpEquals, "DEV"))))),
			person(t, "1",
				contract(t, "A", "2024-01-01", "", "Department.Code=ICT", "Title.Code=OPS"),
				contract(t, "B", "2024-01-01", "", "Department.Code=HR", "Title.Code=DEV"),
				contract(t, "OLD", "2020-01-01", "2021-01-01", "Department.Code=ICT", "Title.Code=DEV")),
			[]string{"no contract meets the contract conditions",
				"contract A: Title.Code is DEV does not hold (the value is OPS)",
				"contract B: Department.Code is ICT does not hold (the value is HR)",
				"contract OLD is not active (from 14 days before its start until 7 days after its end)"}},
		{"an any group fails",
			body("Either", engine.RuleAny, nil, ptr(anyOf(cond("Department.Code", engine.OpIn, "ICT", "HR"), cond("Details.Fte", engine.OpAtLeast, "1")))),
			person(t, "1", contract(t, "A", "2024-01-01", "", "Department.Code=FIN", "Details.Fte=0.5")),
			[]string{"contract A: none of these holds: Department.Code is one of ICT, HR does not hold (the value is FIN); Details.Fte ≥ 1 does not hold (the value is 0.5)"}},
		{"a not group fails",
			body("Not ICT", engine.RuleAny, nil, ptr(not(cond("Department.Code", engine.OpEquals, "ICT")))),
			person(t, "1", contract(t, "A", "2024-01-01", "", "Department.Code=ICT")),
			[]string{"contract A: not (Department.Code is ICT) does not hold (the value is ICT)"}},
		{"a not of a group fails",
			body("Not ICT developers", engine.RuleAny, nil, ptr(not(allOf(cond("Department.Code", engine.OpEquals, "ICT"), cond("Title.Code", engine.OpIn, "DEV", "OPS"))))),
			person(t, "1", contract(t, "A", "2024-01-01", "", "Department.Code=ICT", "Title.Code=DEV")),
			[]string{"contract A: not (Department.Code is ICT and Title.Code is one of DEV, OPS) does not hold: Department.Code is ICT (the value is ICT) and Title.Code is one of DEV, OPS (the value is DEV)"}},
		{"no contracts to test contract conditions on",
			body("Anyone in ICT", engine.RuleAny, nil, ptr(cond("Department.Code", engine.OpEquals, "ICT"))),
			person(t, "1"),
			[]string{"no contract meets the contract conditions: Person 1 has no contracts"}},
		{"a date condition shows the date seen",
			body("Recent", engine.RuleAny, nil, ptr(cond("StartDate", engine.OpWithinDays, "30"))),
			person(t, "1", contract(t, "A", "2024-01-01", "")),
			[]string{"contract A: StartDate is within 30 days of the reference date does not hold (the value is 2024-01-01)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := compile(t, env, tt.rule)
			pop := population(t, env, refDate, nil, tt.p)
			ex := set.Rules[0].Explain(subject(t, pop, 0))
			assert.False(t, ex.Holds)
			assert.Equal(t, "r1", ex.Rule)
			assert.Equal(t, tt.rule.Name, ex.Name)
			assert.Empty(t, ex.Grants)
			assert.Empty(t, ex.InConditions)
			for _, w := range tt.want {
				assert.Contains(t, ex.Summary, w)
			}
		})
	}
}

func TestExplainOfAHoldingRuleListsContractsAndGrants(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env, body("ICT groups", engine.RuleActive,
		ptr(cond("Custom.Vip", engine.OpIsFalse)),
		ptr(cond("Department.Code", engine.OpIn, "ICT", "HR")),
		adAccount, engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Template: "GRP-{Department.Code}"}))
	p := person(t, "1",
		contract(t, "A", "2024-01-01", "", "Department.Code=ICT"),
		contract(t, "B", "2024-01-01", "", "Department.Code=FIN"),
		contract(t, "C", "2024-01-01", "", "Department.Code=HR"),
		contract(t, "OLD", "2020-01-01", "2021-01-01", "Department.Code=ICT"))
	pop := population(t, env, refDate, nil, p)
	ex := set.Rules[0].Explain(subject(t, pop, 0))

	assert.True(t, ex.Holds)
	assert.Equal(t, "the rule holds on contract A, C", ex.Summary)
	assert.Equal(t, []string{"A", "C"}, ex.InConditions)
	assert.Equal(t, []engine.EntitlementKey{
		{Target: "ad", Kind: engine.KindAccount}, perm("ad", "GRP-ICT"), perm("ad", "GRP-HR"),
	}, ex.Grants)
	assert.Contains(t, ex.Status, "Person 1 has 3")
	require.NotNil(t, ex.Person)
	assert.True(t, ex.Person.Holds)
	assert.Equal(t, "Custom.Vip is false", ex.Person.Text)
	assert.Equal(t, "false", ex.Person.Actual)

	require.Len(t, ex.Contracts, 4)
	byKey := map[string]rules.ContractTrace{}
	for _, c := range ex.Contracts {
		byKey[c.Contract] = c
	}
	assert.True(t, byKey["A"].Tested && byKey["A"].Holds && byKey["A"].InWindow)
	assert.True(t, byKey["B"].Tested && !byKey["B"].Holds)
	assert.Equal(t, "FIN", byKey["B"].Trace.Actual)
	assert.False(t, byKey["OLD"].Tested || byKey["OLD"].InWindow || byKey["OLD"].Holds, "an inactive contract is not tested for status active")
}

func TestExplainAgreesWithMatchesForTheTimeframeBoundaries(t *testing.T) {
	env := newEnv(t)
	rule := body("Staff", engine.RuleActive, nil, ptr(cond("Department.Code", engine.OpEquals, "ICT")))
	rule.Timeframe = engine.Timeframe{DaysBefore: 14, DaysAfter: 7}
	set := compile(t, env, rule)
	p := person(t, "1", contract(t, "C1", "2025-03-01", "2025-06-30", "Department.Code=ICT"))
	for _, asOf := range []string{"2025-02-14", "2025-02-15", "2025-03-01", "2025-06-30", "2025-07-07", "2025-07-08"} {
		pop := population(t, env, day(t, asOf), nil, p)
		ex := set.Rules[0].Explain(subject(t, pop, 0))
		_, ok := holds(t, set, p, day(t, asOf))
		assert.Equal(t, ok, ex.Holds, asOf)
	}
}

func TestConditionTextReadsAsASentence(t *testing.T) {
	tests := []struct {
		c    engine.Condition
		want string
	}{
		{cond("Department.Code", engine.OpIn, "ICT", "HR"), "Department.Code is one of ICT, HR"},
		{cond("Details.Fte", engine.OpBetween, "0.5", "1"), "Details.Fte between 0.5 and 1"},
		{cond("StartDate", engine.OpWithinDays, "30"), "StartDate is within 30 days of the reference date"},
		{cond("Custom.Badge", engine.OpIsEmpty), "Custom.Badge is empty"},
		{allOf(cond("Title.Code", engine.OpEquals, "DEV"), not(cond("Custom.Remote", engine.OpIsTrue))), "(Title.Code is DEV and not (Custom.Remote is true))"},
		{anyOf(cond("Title.Code", engine.OpStartsWith, "D"), cond("Title.Code", engine.OpEndsWith, "R")), "(Title.Code starts with D or Title.Code ends with R)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, rules.ConditionText(tt.c))
	}
}
