package rules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/rules"
)

func TestActiveContractCountsWithinTheTimeframeInclusive(t *testing.T) {
	env := newEnv(t)
	rule := body("Staff", engine.RuleActive, nil, nil)
	rule.Timeframe = engine.Timeframe{DaysBefore: 14, DaysAfter: 7}
	set := compile(t, env, rule)

	tests := []struct {
		name       string
		start, end string
		asOf       string
		want       bool
	}{
		{"the day before the window opens", "2025-03-01", "2025-06-30", "2025-02-14", false},
		{"the first day of the window", "2025-03-01", "2025-06-30", "2025-02-15", true},
		{"the start date", "2025-03-01", "2025-06-30", "2025-03-01", true},
		{"the end date", "2025-03-01", "2025-06-30", "2025-06-30", true},
		{"the last day after the end", "2025-03-01", "2025-06-30", "2025-07-07", true},
		{"the day after the window closes", "2025-03-01", "2025-06-30", "2025-07-08", false},
		{"open-ended, long after the start", "2025-03-01", "", "2099-12-31", true},
		{"open-ended, before the window opens", "2025-03-01", "", "2025-02-14", false},
		{"no start date, long before the end", "", "2025-06-30", "1990-01-01", true},
		{"no start date, last day after the end", "", "2025-06-30", "2025-07-07", true},
		{"no start date, after the window closes", "", "2025-06-30", "2025-07-08", false},
		{"no dates at all", "", "", "2025-03-15", true},
		{"window across a leap day", "2024-03-13", "2024-03-13", "2024-02-28", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := person(t, "1", contract(t, "C1", tt.start, tt.end))
			in, ok := holds(t, set, p, day(t, tt.asOf))
			assert.Equal(t, tt.want, ok)
			if tt.want {
				assert.Equal(t, []string{"C1"}, in)
			}
		})
	}
}

func TestZeroTimeframeMeansTheContractDatesExactly(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env, body("Staff", engine.RuleActive, nil, nil))
	p := person(t, "1", contract(t, "C1", "2025-03-01", "2025-06-30"))
	for asOf, want := range map[string]bool{
		"2025-02-28": false, "2025-03-01": true, "2025-06-30": true, "2025-07-01": false,
	} {
		_, ok := holds(t, set, p, day(t, asOf))
		assert.Equal(t, want, ok, asOf)
	}
}

func TestPersonStatusSelectsActiveInactiveOrAnyPerson(t *testing.T) {
	env := newEnv(t)
	// the reference date is 2025-03-15
	persons := map[string]*engine.Person{
		"current":              person(t, "cur", contract(t, "C", "2024-01-01", "")),
		"future":               person(t, "fut", contract(t, "C", "2025-06-01", "")),
		"future within window": person(t, "soon", contract(t, "C", "2025-03-25", "")),
		"former":               person(t, "for", contract(t, "C", "2020-01-01", "2024-12-31")),
		"former within window": person(t, "left", contract(t, "C", "2020-01-01", "2025-03-10")),
		"former and future":    person(t, "gap", contract(t, "P", "2020-01-01", "2024-12-31"), contract(t, "F", "2025-09-01", "")),
		"no contracts":         person(t, "none"),
	}
	tests := []struct {
		status engine.PersonStatusFilter
		want   map[string]bool
	}{
		{engine.RuleActive, map[string]bool{"current": true, "future within window": true, "former within window": true}},
		{engine.RuleInactive, map[string]bool{"future": true, "former": true, "former and future": true, "no contracts": true}},
		{engine.RuleAny, map[string]bool{"current": true, "future": true, "future within window": true, "former": true,
			"former within window": true, "former and future": true, "no contracts": true}},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			rule := body("Status", tt.status, nil, nil)
			rule.Timeframe = engine.Timeframe{DaysBefore: 14, DaysAfter: 7}
			set := compile(t, env, rule)
			for name, p := range persons {
				_, ok := holds(t, set, p, refDate)
				assert.Equal(t, tt.want[name], ok, name)
			}
		})
	}
}

func TestInactiveAndAnyTestContractConditionsOnEveryContract(t *testing.T) {
	env := newEnv(t)
	former := person(t, "1",
		contract(t, "OLD", "2020-01-01", "2024-12-31", "Department.Code=ICT"),
		contract(t, "OLDER", "2018-01-01", "2019-12-31", "Department.Code=HR"))
	ict := ptr(cond("Department.Code", engine.OpEquals, "ICT"))

	in, ok := holds(t, compile(t, env, body("Former ICT", engine.RuleInactive, nil, ict)), former, refDate)
	require.True(t, ok)
	assert.Equal(t, []string{"OLD"}, in)

	_, ok = holds(t, compile(t, env, body("Active ICT", engine.RuleActive, nil, ict)), former, refDate)
	assert.False(t, ok, "a former person's contracts are not active")

	in, ok = holds(t, compile(t, env, body("Anyone ever", engine.RuleAny, nil, nil)), former, refDate)
	require.True(t, ok)
	assert.Equal(t, []string{"OLD", "OLDER"}, in, "without contract conditions every contract is in conditions")
}

func TestContractConditionsMustHoldOnTheSameContract(t *testing.T) {
	env := newEnv(t)
	ictDev := ptr(allOf(cond("Department.Code", engine.OpEquals, "ICT"), cond("Title.Code", engine.OpEquals, "DEV")))
	tests := []struct {
		name      string
		status    engine.PersonStatusFilter
		contracts []engine.Contract
		wantIn    []string // nil: the rule does not hold
	}{
		{"ICT on one contract, DEV on another", engine.RuleActive, []engine.Contract{
			contract(t, "A", "2024-01-01", "", "Department.Code=ICT", "Title.Code=OPS"),
			contract(t, "B", "2024-01-01", "", "Department.Code=HR", "Title.Code=DEV"),
		}, nil},
		{"ICT and DEV on one contract", engine.RuleActive, []engine.Contract{
			contract(t, "A", "2024-01-01", "", "Department.Code=ICT", "Title.Code=OPS"),
			contract(t, "B", "2024-01-01", "", "Department.Code=ICT", "Title.Code=DEV"),
		}, []string{"B"}},
		{"two contracts meet them", engine.RuleActive, []engine.Contract{
			contract(t, "A", "2024-01-01", "", "Department.Code=ict", "Title.Code=dev"),
			contract(t, "B", "2024-01-01", "", "Department.Code=HR", "Title.Code=DEV"),
			contract(t, "C", "2023-01-01", "", "Department.Code=ICT", "Title.Code=DEV"),
		}, []string{"A", "C"}},
		{"the matching contract is out of the window", engine.RuleActive, []engine.Contract{
			contract(t, "A", "2024-01-01", "", "Department.Code=HR", "Title.Code=OPS"),
			contract(t, "B", "2020-01-01", "2021-01-01", "Department.Code=ICT", "Title.Code=DEV"),
		}, nil},
		{"status any also counts a past contract", engine.RuleAny, []engine.Contract{
			contract(t, "A", "2024-01-01", "", "Department.Code=HR", "Title.Code=OPS"),
			contract(t, "B", "2020-01-01", "2021-01-01", "Department.Code=ICT", "Title.Code=DEV"),
		}, []string{"B"}},
		{"only in-window contracts are in conditions", engine.RuleActive, []engine.Contract{
			contract(t, "A", "2024-01-01", "", "Department.Code=ICT", "Title.Code=DEV"),
			contract(t, "B", "2020-01-01", "2021-01-01", "Department.Code=ICT", "Title.Code=DEV"),
			contract(t, "C", "2026-01-01", "", "Department.Code=ICT", "Title.Code=DEV"),
		}, []string{"A"}},
		{"contracts without an external id are named by position", engine.RuleActive, []engine.Contract{
			contract(t, "", "2024-01-01", "", "Department.Code=HR"),
			contract(t, "", "2024-01-01", "", "Department.Code=ICT", "Title.Code=DEV"),
		}, []string{"#2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := compile(t, env, body("ICT developers", tt.status, nil, ictDev))
			in, ok := holds(t, set, person(t, "1", tt.contracts...), refDate)
			assert.Equal(t, tt.wantIn != nil, ok)
			assert.Equal(t, tt.wantIn, in)
		})
	}
}

func TestRuleWithoutContractConditionsTakesTheActiveContractsInConditions(t *testing.T) {
	env := newEnv(t)
	p := person(t, "1",
		contract(t, "NOW", "2024-01-01", ""),
		contract(t, "PAST", "2020-01-01", "2021-01-01"),
		contract(t, "ALSO", "2025-03-01", "2025-03-31"))
	in, ok := holds(t, compile(t, env, body("Everyone active", engine.RuleActive, nil, nil)), p, refDate)
	require.True(t, ok)
	assert.Equal(t, []string{"NOW", "ALSO"}, in)
}

func TestPrimaryContractFieldsFollowTheConfiguredOrderingOnTheReferenceDate(t *testing.T) {
	env := newEnv(t)
	// default ordering: largest FTE first; active before future before past
	p := person(t, "1",
		contract(t, "SMALL", "2023-09-01", "", "Department.Code=HR", "Details.Fte=0.5"),
		contract(t, "BIG", "2024-01-01", "2025-04-30", "Department.Code=ICT", "Details.Fte=1"),
		contract(t, "NEXT", "2025-09-01", "", "Department.Code=FIN", "Details.Fte=1"))
	tests := []struct {
		asOf string
		want string // the primary contract's department
	}{
		{"2025-03-15", "ICT"}, // both active: the larger one
		{"2025-05-01", "HR"},  // BIG ended: the active one beats the bigger past one
		{"2023-06-01", "HR"},  // nothing active yet: the earliest future one, though smaller
	}
	for _, tt := range tests {
		t.Run(tt.asOf, func(t *testing.T) {
			for _, dept := range []string{"ICT", "HR", "FIN"} {
				set := compile(t, env, body("Primary "+dept, engine.RuleAny, ptr(cond("PrimaryContract.Department.Code", engine.OpEquals, dept)), nil))
				_, ok := holds(t, set, p, day(t, tt.asOf))
				assert.Equal(t, tt.want == dept, ok, dept)
			}
		})
	}

	t.Run("a person without contracts has an empty primary contract", func(t *testing.T) {
		set := compile(t, env, body("No primary", engine.RuleAny, ptr(cond("PrimaryContract.Department.Code", engine.OpIsEmpty)), nil))
		_, ok := holds(t, set, person(t, "2"), refDate)
		assert.True(t, ok)
	})
}

func TestManagerFieldsResolveThroughTheContractOrTheDepartmentTree(t *testing.T) {
	env := newEnv(t)
	departments := []engine.Department{
		{Source: "hr", ExternalID: "D-ROOT", Code: "ROOT", ManagerExternalID: "boss"},
		{Source: "hr", ExternalID: "D-ICT", Code: "ICT", ParentExternalID: "D-ROOT"},
		{Source: "hr", ExternalID: "D-HR", Code: "HR", ParentExternalID: "D-ROOT", ManagerExternalID: "hrlead"},
	}
	boss := withFields(t, person(t, "boss", contract(t, "B", "2020-01-01", "", "Department.ExternalId=D-ROOT")), "DisplayName=Big Boss", "Custom.Badge=GOLD")
	hrlead := withFields(t, person(t, "hrlead", contract(t, "H", "2020-01-01", "", "Department.ExternalId=D-HR")), "DisplayName=HR Lead", "Custom.Badge=SILVER")
	direct := withFields(t, person(t, "direct"), "DisplayName=Direct Manager")
	persons := []*engine.Person{
		boss, hrlead, direct,
		person(t, "dev", contract(t, "C", "2024-01-01", "", "Department.ExternalId=D-ICT")),                            // walks up to ROOT
		person(t, "clerk", contract(t, "C", "2024-01-01", "", "Department.ExternalId=D-HR")),                           // HR's own manager
		person(t, "pa", contract(t, "C", "2024-01-01", "", "Department.ExternalId=D-HR", "Manager.ExternalId=direct")), // the contract's manager first
		person(t, "orphan", contract(t, "C", "2024-01-01", "", "Department.ExternalId=D-UNKNOWN")),
		person(t, "temp", contract(t, "C", "2024-01-01", "", "Manager.ExternalId=gone")), // manager not in the population
	}
	pop := population(t, env, refDate, departments, persons...)
	want := map[string]string{ // person → manager's display name; "" none
		"boss": "", "hrlead": "Big Boss", "direct": "", "dev": "Big Boss", "clerk": "HR Lead",
		"pa": "Direct Manager", "orphan": "", "temp": "",
	}
	set := compile(t, env,
		body("Reports to the boss", engine.RuleAny, ptr(cond("Manager.DisplayName", engine.OpEquals, "big boss")), nil),
		body("No manager", engine.RuleAny, ptr(cond("Manager.ExternalId", engine.OpIsEmpty)), nil),
		body("Manager has a gold badge", engine.RuleAny, ptr(cond("Manager.Custom.Badge", engine.OpEquals, "GOLD")), nil),
	)
	for i, p := range persons {
		s := subject(t, pop, i)
		if want[p.ExternalID] == "" {
			assert.Nil(t, s.Manager, p.ExternalID)
		} else if assert.NotNil(t, s.Manager, p.ExternalID) {
			assert.Equal(t, want[p.ExternalID], s.Manager.DisplayName, p.ExternalID)
		}
		m := matched(t, set, pop, i)
		_, toBoss := m["r1"]
		_, none := m["r2"]
		_, gold := m["r3"]
		assert.Equal(t, want[p.ExternalID] == "Big Boss", toBoss, p.ExternalID)
		assert.Equal(t, want[p.ExternalID] == "", none, p.ExternalID)
		assert.Equal(t, toBoss, gold, p.ExternalID)
	}
}

func TestCustomPersonAndContractFieldsAreConditions(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env, body("Senior night shift", engine.RuleActive,
		ptr(allOf(cond("Custom.Level", engine.OpAtLeast, "3"), cond("Custom.Vip", engine.OpIsFalse))),
		ptr(allOf(cond("Custom.Shift", engine.OpEquals, "night"), cond("Custom.Remote", engine.OpIsTrue)))))
	tests := []struct {
		name   string
		p      *engine.Person
		wantIn []string
	}{
		{"all fields fit", withFields(t, person(t, "1",
			contract(t, "D", "2024-01-01", "", "Custom.Shift=day", "Custom.Remote=yes"),
			contract(t, "N", "2024-01-01", "", "Custom.Shift=Night", "Custom.Remote=true")), "Custom.Level=4"), []string{"N"}},
		{"level too low", withFields(t, person(t, "2",
			contract(t, "N", "2024-01-01", "", "Custom.Shift=night", "Custom.Remote=1")), "Custom.Level=2.5"), nil},
		{"no level", person(t, "3", contract(t, "N", "2024-01-01", "", "Custom.Shift=night", "Custom.Remote=1")), nil},
		{"a VIP", withFields(t, person(t, "4",
			contract(t, "N", "2024-01-01", "", "Custom.Shift=night", "Custom.Remote=1")), "Custom.Level=3", "Custom.Vip=yes"), nil},
		{"night shift but not remote", withFields(t, person(t, "5",
			contract(t, "N", "2024-01-01", "", "Custom.Shift=night")), "Custom.Level=3"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, ok := holds(t, set, tt.p, refDate)
			assert.Equal(t, tt.wantIn != nil, ok)
			assert.Equal(t, tt.wantIn, in)
		})
	}
}

func TestGroupsNestAllAnyAndNot(t *testing.T) {
	env := newEnv(t)
	ict := cond("Department.Code", engine.OpEquals, "ICT")
	hr := cond("Department.Code", engine.OpEquals, "HR")
	dev := cond("Title.Code", engine.OpEquals, "DEV")
	mgr := cond("Title.Code", engine.OpEquals, "MGR")
	tests := []struct {
		name string
		c    engine.Condition
		want map[string]bool // contract → holds
	}{
		{"all", allOf(ict, dev), map[string]bool{"ICT/DEV": true}},
		{"any", anyOf(ict, mgr), map[string]bool{"ICT/DEV": true, "ICT/MGR": true, "HR/MGR": true}},
		{"not", not(ict), map[string]bool{"HR/MGR": true, "HR/DEV": true, "FIN/OPS": true}},
		{"all with a nested any", allOf(anyOf(ict, hr), not(mgr)), map[string]bool{"ICT/DEV": true, "HR/DEV": true}},
		{"any of alls", anyOf(allOf(ict, dev), allOf(hr, mgr)), map[string]bool{"ICT/DEV": true, "HR/MGR": true}},
		{"not of any", not(anyOf(ict, hr)), map[string]bool{"FIN/OPS": true}},
		{"double not", not(not(dev)), map[string]bool{"ICT/DEV": true, "HR/DEV": true}},
	}
	codes := [][2]string{{"ICT", "DEV"}, {"ICT", "MGR"}, {"HR", "MGR"}, {"HR", "DEV"}, {"FIN", "OPS"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, level := range []string{"contract", "person"} {
				var set *rules.Set
				if level == "contract" {
					set = compile(t, env, body(tt.name, engine.RuleAny, nil, ptr(tt.c)))
				} else {
					set = compile(t, env, body(tt.name, engine.RuleAny, ptr(primaryPaths(tt.c)), nil))
				}
				for _, dt := range codes {
					name := dt[0] + "/" + dt[1]
					p := person(t, "1", contract(t, "C", "2024-01-01", "", "Department.Code="+dt[0], "Title.Code="+dt[1]))
					_, ok := holds(t, set, p, refDate)
					assert.Equal(t, tt.want[name], ok, "%s conditions on %s", level, name)
				}
			}
		})
	}
}

// primaryPaths rewrites contract conditions as person conditions on the
// primary contract.
func primaryPaths(c engine.Condition) engine.Condition {
	if c.IsGroup() {
		kids := make([]engine.Condition, len(c.Conditions))
		for i, k := range c.Conditions {
			kids[i] = primaryPaths(k)
		}
		c.Conditions = kids
		return c
	}
	c.Field = rules.PrefixPrimary + c.Field
	return c
}

func TestPersonAndContractConditionsMustBothHold(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env, body("Badge holders in ICT", engine.RuleActive,
		ptr(cond("Custom.Badge", engine.OpIsNotEmpty)), ptr(cond("Department.Code", engine.OpEquals, "ICT"))))
	ict := contract(t, "C", "2024-01-01", "", "Department.Code=ICT")
	_, ok := holds(t, set, withFields(t, person(t, "1", ict), "Custom.Badge=B7"), refDate)
	assert.True(t, ok)
	_, ok = holds(t, set, person(t, "2", ict), refDate)
	assert.False(t, ok, "no badge")
	_, ok = holds(t, set, withFields(t, person(t, "3", contract(t, "C", "2024-01-01", "", "Department.Code=HR")), "Custom.Badge=B7"), refDate)
	assert.False(t, ok, "not in ICT")
}

func TestMatchesCallsRulesInRuleOrder(t *testing.T) {
	env := newEnv(t)
	var bodies []*engine.RuleBody
	for i := range 20 {
		c := cond("Department.Code", engine.OpEquals, "ICT")
		if i%3 == 0 {
			c = cond("Department.Code", engine.OpContains, "C")
		}
		bodies = append(bodies, body("Rule "+ruleID(i), engine.RuleActive, nil, ptr(c)))
	}
	set := compile(t, env, bodies...)
	pop := population(t, env, refDate, nil, person(t, "1", contract(t, "C", "2024-01-01", "", "Department.Code=ICT")))
	var got []int
	set.Matches(subject(t, pop, 0), &rules.Scratch{}, func(m rules.Match) { got = append(got, m.Rule.Position()) })
	require.Len(t, got, 20)
	for i := range got {
		assert.Equal(t, i, got[i])
	}
}

func TestScratchIsReusedAcrossSubjects(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env,
		body("ICT", engine.RuleActive, nil, ptr(cond("Department.Code", engine.OpEquals, "ICT"))),
		body("HR", engine.RuleActive, nil, ptr(cond("Department.Code", engine.OpIn, "HR", "FIN"))))
	pop := population(t, env, refDate, nil,
		person(t, "1", contract(t, "A", "2024-01-01", "", "Department.Code=ICT")),
		person(t, "2", contract(t, "B", "2024-01-01", "", "Department.Code=FIN")),
		person(t, "3", contract(t, "C", "2024-01-01", "", "Department.Code=OPS")))
	var sc rules.Scratch
	var s rules.Subject
	var got []string
	for range 3 { // the same scratch and subject, several rounds
		got = got[:0]
		for i := range pop.Persons {
			pop.Subject(i, &s)
			set.Matches(&s, &sc, func(m rules.Match) {
				got = append(got, s.Person.ExternalID+":"+m.Rule.ID+":"+engine.ContractKey(s.Person, m.Contracts[0]))
			})
		}
		assert.Equal(t, []string{"1:r1:A", "2:r2:B"}, got)
	}
}

func TestPopulationFindsPersonsByID(t *testing.T) {
	env := newEnv(t)
	pop := population(t, env, refDate, nil, person(t, "a"), person(t, "b"))
	i, ok := pop.Find("hr:b")
	assert.True(t, ok)
	assert.Equal(t, 1, i)
	_, ok = pop.Find("hr:c")
	assert.False(t, ok)
}
