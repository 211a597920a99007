package engine_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func TestContractStateOn(t *testing.T) {
	tests := []struct {
		name       string
		start, end engine.Date
		day        engine.Date
		want       engine.ContractState
	}{
		{"day before start", 20240201, 20240229, 20240131, engine.ContractFuture},
		{"start day", 20240201, 20240229, 20240201, engine.ContractActive},
		{"middle", 20240201, 20240229, 20240215, engine.ContractActive},
		{"end day", 20240201, 20240229, 20240229, engine.ContractActive},
		{"day after end", 20240201, 20240229, 20240301, engine.ContractPast},
		{"open-ended, long after start", 20240201, 0, 20991231, engine.ContractActive},
		{"open-ended, before start", 20240201, 0, 20240101, engine.ContractFuture},
		{"no start, before end", 0, 20240229, 19000101, engine.ContractActive},
		{"no start, after end", 0, 20240229, 20240301, engine.ContractPast},
		{"no dates at all", 0, 0, 20240101, engine.ContractActive},
		{"single-day contract", 20240201, 20240201, 20240201, engine.ContractActive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := engine.Contract{StartDate: tt.start, EndDate: tt.end}
			assert.Equal(t, tt.want, c.StateOn(tt.day))
		})
	}
}

const today engine.Date = 20240615

var (
	activeContract = engine.Contract{ExternalID: "a", StartDate: 20240101}
	futureContract = engine.Contract{ExternalID: "f", StartDate: 20240701}
	pastContract   = engine.Contract{ExternalID: "p", StartDate: 20230101, EndDate: 20231231}
)

func TestPersonLifecycleAndStatusPrecedence(t *testing.T) {
	blocking := []engine.Issue{{Field: "ExternalId", Blocking: true}}
	warning := []engine.Issue{{Field: "Name.GivenName"}}
	tests := []struct {
		name      string
		p         engine.Person
		lifecycle engine.Status
		status    engine.Status
	}{
		{"no contracts is former", engine.Person{}, engine.StatusFormer, engine.StatusFormer},
		{"active", engine.Person{Contracts: []engine.Contract{pastContract, activeContract, futureContract}}, engine.StatusActive, engine.StatusActive},
		{"future beats former", engine.Person{Contracts: []engine.Contract{pastContract, futureContract}}, engine.StatusFuture, engine.StatusFuture},
		{"only past", engine.Person{Contracts: []engine.Contract{pastContract}}, engine.StatusFormer, engine.StatusFormer},
		{"warnings do not block", engine.Person{Issues: warning, Contracts: []engine.Contract{activeContract}}, engine.StatusActive, engine.StatusActive},
		{"blocked beats active", engine.Person{Issues: blocking, Contracts: []engine.Contract{activeContract}}, engine.StatusActive, engine.StatusBlocked},
		{"blocked beats former", engine.Person{Issues: blocking}, engine.StatusFormer, engine.StatusBlocked},
		{"excluded beats blocked", engine.Person{Excluded: true, Issues: blocking, Contracts: []engine.Contract{activeContract}}, engine.StatusActive, engine.StatusExcluded},
		{"excluded beats future", engine.Person{Excluded: true, Contracts: []engine.Contract{futureContract}}, engine.StatusFuture, engine.StatusExcluded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.lifecycle, tt.p.LifecycleOn(today))
			assert.Equal(t, tt.status, tt.p.StatusOn(today))
		})
	}
}

func TestStatusesListsEveryStatusOnce(t *testing.T) {
	assert.ElementsMatch(t, []engine.Status{engine.StatusActive, engine.StatusFuture, engine.StatusFormer, engine.StatusBlocked, engine.StatusExcluded}, engine.Statuses)
}

func compileOrder(t *testing.T, o engine.PrimaryContractOrder, s engine.Schema) *engine.PrimaryContractRule {
	t.Helper()
	r, err := o.Compile(engine.NewFields(s))
	require.NoError(t, err)
	return r
}

// primaryID returns the external id of the primary contract on today.
func primaryID(t *testing.T, r *engine.PrimaryContractRule, cs ...engine.Contract) string {
	t.Helper()
	i := r.Primary(cs, today)
	require.GreaterOrEqual(t, i, 0)
	return cs[i].ExternalID
}

func withFte(c engine.Contract, id string, fte float64) engine.Contract {
	c.ExternalID = id
	c.Details.Fte = engine.Num(fte)
	return c
}

func TestPrimaryContractWithTheDefaultOrder(t *testing.T) {
	r := compileOrder(t, engine.DefaultPrimaryContractOrder(), engine.Schema{})
	active := func(id string) engine.Contract {
		return engine.Contract{ExternalID: id, StartDate: 20240101, EndDate: 20241231}
	}
	tests := []struct {
		name string
		cs   []engine.Contract
		want string
	}{
		{"single contract", []engine.Contract{active("only")}, "only"},
		{"active beats future", []engine.Contract{futureContract, activeContract}, "a"},
		{"active beats past", []engine.Contract{pastContract, activeContract}, "a"},
		{"future beats past", []engine.Contract{pastContract, futureContract}, "f"},
		{"a small active contract beats a larger future one",
			[]engine.Contract{withFte(futureContract, "big-future", 1), withFte(activeContract, "small-active", 0.1)}, "small-active"},
		{"higher FTE wins",
			[]engine.Contract{withFte(active("half"), "half", 0.5), withFte(active("full"), "full", 1)}, "full"},
		{"a set FTE beats none",
			[]engine.Contract{active("none"), withFte(active("some"), "some", 0.1)}, "some"},
		{"hours break an FTE tie", func() []engine.Contract {
			a, b := withFte(active("a"), "few-hours", 0.5), withFte(active("b"), "more-hours", 0.5)
			a.Details.HoursPerWeek, b.Details.HoursPerWeek = engine.Num(16), engine.Num(20)
			return []engine.Contract{a, b}
		}(), "more-hours"},
		{"percentage breaks an hours tie", func() []engine.Contract {
			a, b := active("low-pct"), active("high-pct")
			a.Details.HoursPerWeek, b.Details.HoursPerWeek = engine.Num(20), engine.Num(20)
			a.Details.Percentage, b.Details.Percentage = engine.Num(40), engine.Num(60)
			return []engine.Contract{a, b}
		}(), "high-pct"},
		{"sequence breaks a percentage tie", func() []engine.Contract {
			a, b := active("seq-1"), active("seq-2")
			a.Details.Percentage, b.Details.Percentage = engine.Num(50), engine.Num(50)
			a.Details.Sequence, b.Details.Sequence = engine.Num(1), engine.Num(2)
			return []engine.Contract{a, b}
		}(), "seq-2"},
		{"FTE beats hours", func() []engine.Contract {
			a, b := withFte(active("a"), "more-fte", 0.8), withFte(active("b"), "more-hours", 0.6)
			a.Details.HoursPerWeek, b.Details.HoursPerWeek = engine.Num(10), engine.Num(40)
			return []engine.Contract{b, a}
		}(), "more-fte"},
		{"open-ended beats any end date", []engine.Contract{
			{ExternalID: "ends", StartDate: 20240101, EndDate: 99991230},
			{ExternalID: "open", StartDate: 20240101},
		}, "open"},
		{"later end beats earlier end", []engine.Contract{
			{ExternalID: "early", StartDate: 20240101, EndDate: 20240630},
			{ExternalID: "late", StartDate: 20240101, EndDate: 20241231},
		}, "late"},
		{"earlier start wins last", []engine.Contract{
			{ExternalID: "later-start", StartDate: 20240301, EndDate: 20241231},
			{ExternalID: "earlier-start", StartDate: 20240201, EndDate: 20241231},
		}, "earlier-start"},
		{"full tie keeps the first", []engine.Contract{active("first"), active("second")}, "first"},
		{"next future is the earliest start", []engine.Contract{
			withFte(engine.Contract{StartDate: 20240901}, "september", 1),
			withFte(engine.Contract{StartDate: 20240701}, "july", 0.2),
			withFte(engine.Contract{StartDate: 20240801}, "august", 0.5),
		}, "july"},
		{"future tie broken by the criteria", []engine.Contract{
			withFte(engine.Contract{StartDate: 20240701}, "small", 0.2),
			withFte(engine.Contract{StartDate: 20240701}, "large", 0.8),
		}, "large"},
		{"most recent past is the latest end", []engine.Contract{
			withFte(engine.Contract{StartDate: 20200101, EndDate: 20211231}, "old", 1),
			withFte(engine.Contract{StartDate: 20220101, EndDate: 20240531}, "recent", 0.1),
			withFte(engine.Contract{StartDate: 20230101, EndDate: 20231231}, "middle", 0.5),
		}, "recent"},
		{"past tie broken by the criteria", []engine.Contract{
			withFte(engine.Contract{EndDate: 20240531}, "small", 0.2),
			withFte(engine.Contract{EndDate: 20240531}, "large", 0.8),
		}, "large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, primaryID(t, r, tt.cs...))
			// The outcome does not depend on the order of the contracts
			// unless they tie completely.
			if tt.name != "full tie keeps the first" {
				rev := make([]engine.Contract, len(tt.cs))
				for i := range tt.cs {
					rev[len(tt.cs)-1-i] = tt.cs[i]
				}
				assert.Equal(t, tt.want, primaryID(t, r, rev...), "reversed")
			}
		})
	}
}

func TestPrimaryContractOfNoContractsIsMinusOne(t *testing.T) {
	r := compileOrder(t, engine.DefaultPrimaryContractOrder(), engine.Schema{})
	assert.Equal(t, -1, r.Primary(nil, today))
}

func TestPrimaryContractWithACustomOrder(t *testing.T) {
	schema := engine.Schema{ContractFields: []engine.CustomField{{Name: "Rank", Type: engine.TypeNumber}, {Name: "Main", Type: engine.TypeBoolean}}}
	custom := func(id string, kv ...string) engine.Contract {
		c := engine.Contract{ExternalID: id, StartDate: 20240101}
		for i := 0; i < len(kv); i += 2 {
			c.Custom.Set(kv[i], kv[i+1])
		}
		return c
	}
	tests := []struct {
		name  string
		order []engine.SortCriterion
		cs    []engine.Contract
		want  string
	}{
		{"custom number ascending", []engine.SortCriterion{{Field: "Custom.Rank"}},
			[]engine.Contract{custom("r10", "Rank", "10"), custom("r2", "Rank", "2"), custom("r3", "Rank", "3")}, "r2"},
		{"custom number descending", []engine.SortCriterion{{Field: "Custom.Rank", Descending: true}},
			[]engine.Contract{custom("r10", "Rank", "10"), custom("r2", "Rank", "2")}, "r10"},
		{"custom boolean descending puts true first", []engine.SortCriterion{{Field: "Custom.Main", Descending: true}},
			[]engine.Contract{custom("side"), custom("main", "Main", "true")}, "main"},
		{"Title.Code ascending", []engine.SortCriterion{{Field: "Title.Code"}}, func() []engine.Contract {
			a, b := custom("dev"), custom("arch")
			a.Title.Code, b.Title.Code = "DEV", "ARCH"
			return []engine.Contract{a, b}
		}(), "arch"},
		{"no criteria keeps the first active", nil,
			[]engine.Contract{custom("first"), custom("second")}, "first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := compileOrder(t, engine.PrimaryContractOrder{Criteria: tt.order}, schema)
			assert.Equal(t, tt.want, primaryID(t, r, tt.cs...))
		})
	}
}

func TestPrimaryContractOrderRejectsUnknownFields(t *testing.T) {
	o := engine.PrimaryContractOrder{Criteria: []engine.SortCriterion{{Field: "StartDate"}, {Field: "Details.FTE"}}}
	_, err := o.Compile(engine.NewFields(engine.Schema{}))
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Invalid))
	assert.Contains(t, err.Error(), `primary contract ordering, step 2: "Details.FTE" is not a contract field`)
	assert.Contains(t, err.Error(), "did you mean Details.Fte")

	o = engine.PrimaryContractOrder{Criteria: []engine.SortCriterion{{Field: "DisplayName"}}}
	_, err = o.Compile(engine.NewFields(engine.Schema{}))
	require.Error(t, err, "a person field is not a contract field")
}

func TestOrgManagerOf(t *testing.T) {
	org := engine.NewOrg([]engine.Department{
		{Source: "hr", ExternalID: "root", ManagerExternalID: "ceo"},
		{Source: "hr", ExternalID: "it", ParentExternalID: "root", ManagerExternalID: "cio"},
		{Source: "hr", ExternalID: "ops", ParentExternalID: "it"},
		{Source: "hr", ExternalID: "loop-a", ParentExternalID: "loop-b"},
		{Source: "hr", ExternalID: "loop-b", ParentExternalID: "loop-a"},
		{Source: "hr", ExternalID: "self-parent", ParentExternalID: "self-parent"},
		{Source: "hr", ExternalID: "orphan", ParentExternalID: "gone"},
		{Source: "other", ExternalID: "it", ManagerExternalID: "someone-else"},
	})
	person := func(id string) *engine.Person { return &engine.Person{Source: "hr", ExternalID: id} }
	contract := func(manager, dept string) *engine.Contract {
		return &engine.Contract{Manager: engine.ManagerRef{ExternalID: manager}, Department: engine.Ref{ExternalID: dept}}
	}
	tests := []struct {
		name string
		p    *engine.Person
		c    *engine.Contract
		want string
	}{
		{"the contract's manager", person("e1"), contract("boss", "it"), "boss"},
		{"self as contract manager falls back to the department", person("e1"), contract("e1", "it"), "cio"},
		{"department manager", person("e1"), contract("", "it"), "cio"},
		{"walks up to a parent", person("e1"), contract("", "ops"), "cio"},
		{"the department's manager is managed by the parent's", person("cio"), contract("", "it"), "ceo"},
		{"self as contract and department manager walks up", person("cio"), contract("cio", "ops"), "ceo"},
		{"never self at the top", person("ceo"), contract("", "root"), ""},
		{"department cycle terminates", person("e1"), contract("", "loop-a"), ""},
		{"own parent terminates", person("e1"), contract("", "self-parent"), ""},
		{"missing parent", person("e1"), contract("", "orphan"), ""},
		{"unknown department", person("e1"), contract("", "nope"), ""},
		{"no department", person("e1"), contract("", ""), ""},
		{"no contract", person("e1"), nil, ""},
		{"departments of another source are not used", &engine.Person{Source: "other", ExternalID: "x"}, contract("", "it"), "someone-else"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, org.ManagerOf(tt.p, tt.c))
		})
	}
}

func TestOrgDepartmentLooksUpBySourceAndID(t *testing.T) {
	org := engine.NewOrg([]engine.Department{{Source: "hr", ExternalID: "it", DisplayName: "IT"}})
	d, ok := org.Department("hr", "it")
	require.True(t, ok)
	assert.Equal(t, "IT", d.DisplayName)
	_, ok = org.Department("other", "it")
	assert.False(t, ok)
}
