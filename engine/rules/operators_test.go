package rules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// operatorCase tests one condition on a person whose field holds actual
// ("" leaves the field empty).
type operatorCase struct {
	name   string
	field  string
	op     engine.Operator
	values []string
	actual string
	want   bool
}

func runOperatorCases(t *testing.T, tests []operatorCase) {
	t.Helper()
	env := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var personCond, contractCond *engine.Condition
			p := person(t, "1")
			c := cond(tt.field, tt.op, tt.values...)
			if _, ok := testFields.PersonField(tt.field); ok {
				personCond = &c
				if tt.actual != "" {
					withFields(t, p, tt.field+"="+tt.actual)
				}
				p.Contracts = []engine.Contract{contract(t, "C", "", "")}
			} else {
				contractCond = &c
				fields := []string{}
				if tt.actual != "" {
					fields = append(fields, tt.field+"="+tt.actual)
				}
				p.Contracts = []engine.Contract{contract(t, "C", "", "", fields...)}
			}
			set := compile(t, env, body(tt.name, engine.RuleAny, personCond, contractCond))
			_, ok := holds(t, set, p, refDate)
			assert.Equal(t, tt.want, ok)
		})
	}
}

func TestTextOperatorsIgnoreCaseExceptPatterns(t *testing.T) {
	const f = "Department.Code"
	many := []string{"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "ICT", "HR"} // more than 8: a set
	runOperatorCases(t, []operatorCase{
		{"equals ignores case", f, engine.OpEquals, []string{"ICT"}, "ict", true},
		{"equals is not a prefix", f, engine.OpEquals, []string{"ICT"}, "ICT2", false},
		{"equals on empty", f, engine.OpEquals, []string{"ICT"}, "", false},
		{"notEquals ignores case", f, engine.OpNotEquals, []string{"ICT"}, "Ict", false},
		{"notEquals another", f, engine.OpNotEquals, []string{"ICT"}, "HR", true},
		{"notEquals empty", f, engine.OpNotEquals, []string{"ICT"}, "", true},
		{"in ignores case", f, engine.OpIn, []string{"ICT", "HR"}, "hr", true},
		{"in misses", f, engine.OpIn, []string{"ICT", "HR"}, "FIN", false},
		{"in on empty", f, engine.OpIn, []string{"ICT", "HR"}, "", false},
		{"in trims its values", f, engine.OpIn, []string{" ICT ", "HR"}, "ict", true},
		{"in a long list ignores case", f, engine.OpIn, many, "Ict", true},
		{"in a long list misses", f, engine.OpIn, many, "A9", false},
		{"notIn misses", f, engine.OpNotIn, []string{"ICT", "HR"}, "fin", true},
		{"notIn hits ignoring case", f, engine.OpNotIn, []string{"ICT", "HR"}, "Ict", false},
		{"notIn on empty", f, engine.OpNotIn, []string{"ICT", "HR"}, "", true},
		{"notIn a long list", f, engine.OpNotIn, many, "hr", false},
		{"contains ignores case", f, engine.OpContains, []string{"CT"}, "ict", true},
		{"contains the whole", f, engine.OpContains, []string{"ict"}, "ICT", true},
		{"contains misses", f, engine.OpContains, []string{"X"}, "ICT", false},
		{"contains on empty", f, engine.OpContains, []string{"I"}, "", false},
		{"startsWith ignores case", f, engine.OpStartsWith, []string{"ic"}, "ICT", true},
		{"startsWith the whole", f, engine.OpStartsWith, []string{"ICT"}, "ict", true},
		{"startsWith longer than the value", f, engine.OpStartsWith, []string{"ICTS"}, "ICT", false},
		{"startsWith misses", f, engine.OpStartsWith, []string{"CT"}, "ICT", false},
		{"startsWith accented", f, engine.OpStartsWith, []string{"éc"}, "École", true},
		{"startsWith a letter whose other case is longer", f, engine.OpStartsWith, []string{"k"}, "\u212AX", true},
		{"startsWith with such a letter", f, engine.OpStartsWith, []string{"\u212A"}, "kx", true},
		{"endsWith a letter whose other case is longer", f, engine.OpEndsWith, []string{"s"}, "Hau\u017F", true},
		{"endsWith with such a letter misses", f, engine.OpEndsWith, []string{"\u017F"}, "Haut", false},
		{"endsWith ignores case", f, engine.OpEndsWith, []string{"ct"}, "ICT", true},
		{"endsWith longer than the value", f, engine.OpEndsWith, []string{"XICT"}, "ICT", false},
		{"endsWith misses", f, engine.OpEndsWith, []string{"IC"}, "ICT", false},
		{"endsWith on empty", f, engine.OpEndsWith, []string{"T"}, "", false},
		{"matches anchored", f, engine.OpMatches, []string{"^I.T$"}, "ICT", true},
		{"matches is case-sensitive", f, engine.OpMatches, []string{"^I.T$"}, "ict", false},
		{"matches with (?i)", f, engine.OpMatches, []string{"(?i)^i.t$"}, "ICT", true},
		{"matches unanchored finds a part", f, engine.OpMatches, []string{"C"}, "ICT", true},
		{"matches on empty", f, engine.OpMatches, []string{"^$"}, "", true},
		{"isEmpty on empty", f, engine.OpIsEmpty, nil, "", true},
		{"isEmpty on a value", f, engine.OpIsEmpty, nil, "ICT", false},
		{"isNotEmpty on empty", f, engine.OpIsNotEmpty, nil, "", false},
		{"isNotEmpty on a value", f, engine.OpIsNotEmpty, nil, "ICT", true},
		{"custom person text field", "Custom.Badge", engine.OpStartsWith, []string{"b-"}, "B-17", true},
	})
}

func TestNumberOperatorsAtTheirEdges(t *testing.T) {
	const f = "Details.Fte"
	runOperatorCases(t, []operatorCase{
		{"= same", f, engine.OpEquals, []string{"0.8"}, "0.8", true},
		{"= with a decimal comma", f, engine.OpEquals, []string{"0,8"}, "0.8", true},
		{"= other", f, engine.OpEquals, []string{"0.8"}, "0.9", false},
		{"= on empty", f, engine.OpEquals, []string{"0"}, "", false},
		{"≠ same", f, engine.OpNotEquals, []string{"0.8"}, "0.8", false},
		{"≠ other", f, engine.OpNotEquals, []string{"0.8"}, "1", true},
		{"≠ empty counts as not equal", f, engine.OpNotEquals, []string{"0.8"}, "", true},
		{"< below", f, engine.OpLessThan, []string{"1"}, "0.99", true},
		{"< at the edge", f, engine.OpLessThan, []string{"1"}, "1", false},
		{"< on empty", f, engine.OpLessThan, []string{"1"}, "", false},
		{"< negative", f, engine.OpLessThan, []string{"0"}, "-1", true},
		{"≤ at the edge", f, engine.OpAtMost, []string{"1"}, "1", true},
		{"≤ above", f, engine.OpAtMost, []string{"1"}, "1.01", false},
		{"≤ on empty", f, engine.OpAtMost, []string{"1"}, "", false},
		{"> at the edge", f, engine.OpGreaterThan, []string{"1"}, "1", false},
		{"> above", f, engine.OpGreaterThan, []string{"1"}, "1.01", true},
		{"> on empty", f, engine.OpGreaterThan, []string{"-1"}, "", false},
		{"≥ at the edge", f, engine.OpAtLeast, []string{"1"}, "1", true},
		{"≥ below", f, engine.OpAtLeast, []string{"1"}, "0.99", false},
		{"≥ on empty", f, engine.OpAtLeast, []string{"0"}, "", false},
		{"between low edge", f, engine.OpBetween, []string{"1", "3"}, "1", true},
		{"between high edge", f, engine.OpBetween, []string{"1", "3"}, "3", true},
		{"between below", f, engine.OpBetween, []string{"1", "3"}, "0.99", false},
		{"between above", f, engine.OpBetween, []string{"1", "3"}, "3.01", false},
		{"between in reverse order", f, engine.OpBetween, []string{"3", "1"}, "2", true},
		{"between in reverse order, low edge", f, engine.OpBetween, []string{"3", "1"}, "1", true},
		{"between in reverse order, high edge", f, engine.OpBetween, []string{"3", "1"}, "3", true},
		{"between on empty", f, engine.OpBetween, []string{"-1", "1"}, "", false},
		{"isEmpty on empty", f, engine.OpIsEmpty, nil, "", true},
		{"isEmpty on zero", f, engine.OpIsEmpty, nil, "0", false},
		{"isNotEmpty on zero", f, engine.OpIsNotEmpty, nil, "0", true},
		{"isNotEmpty on empty", f, engine.OpIsNotEmpty, nil, "", false},
		{"custom person number field", "Custom.Level", engine.OpBetween, []string{"2", "4"}, "4", true},
		{"custom contract number field, empty", "Custom.Grade", engine.OpNotEquals, []string{"7"}, "", true},
	})
}

func TestDateOperatorsAtTheirEdges(t *testing.T) {
	// the reference date is 2025-03-15
	const f = "Custom.Review"
	runOperatorCases(t, []operatorCase{
		{"before the day before", f, engine.OpBefore, []string{"2025-03-15"}, "2025-03-14", true},
		{"before is strict", f, engine.OpBefore, []string{"2025-03-15"}, "2025-03-15", false},
		{"before on empty", f, engine.OpBefore, []string{"2025-03-15"}, "", false},
		{"after the day after", f, engine.OpAfter, []string{"2025-03-15"}, "2025-03-16", true},
		{"after is strict", f, engine.OpAfter, []string{"2025-03-15"}, "2025-03-15", false},
		{"after on empty", f, engine.OpAfter, []string{"1900-01-01"}, "", false},
		{"on the day", f, engine.OpEquals, []string{"2025-03-15"}, "2025-03-15", true},
		{"on another day", f, engine.OpEquals, []string{"2025-03-15"}, "2025-03-16", false},
		{"between the first day", f, engine.OpBetween, []string{"2025-01-01", "2025-01-31"}, "2025-01-01", true},
		{"between the last day", f, engine.OpBetween, []string{"2025-01-01", "2025-01-31"}, "2025-01-31", true},
		{"between the day before", f, engine.OpBetween, []string{"2025-01-01", "2025-01-31"}, "2024-12-31", false},
		{"between the day after", f, engine.OpBetween, []string{"2025-01-01", "2025-01-31"}, "2025-02-01", false},
		{"between in reverse order", f, engine.OpBetween, []string{"2025-01-31", "2025-01-01"}, "2025-01-31", true},
		{"between on empty", f, engine.OpBetween, []string{"2025-01-01", "2025-01-31"}, "", false},
		{"within days, the reference date", f, engine.OpWithinDays, []string{"10"}, "2025-03-15", true},
		{"within days, N days before", f, engine.OpWithinDays, []string{"10"}, "2025-03-05", true},
		{"within days, N days after", f, engine.OpWithinDays, []string{"10"}, "2025-03-25", true},
		{"within days, N+1 days before", f, engine.OpWithinDays, []string{"10"}, "2025-03-04", false},
		{"within days, N+1 days after", f, engine.OpWithinDays, []string{"10"}, "2025-03-26", false},
		{"within days, across a month and a leap year", f, engine.OpWithinDays, []string{"30"}, "2025-02-13", true},
		{"within 0 days, the day itself", f, engine.OpWithinDays, []string{"0"}, "2025-03-15", true},
		{"within 0 days, the next day", f, engine.OpWithinDays, []string{"0"}, "2025-03-16", false},
		{"within days, empty is never within", f, engine.OpWithinDays, []string{"100000"}, "", false},
		{"isEmpty on empty", f, engine.OpIsEmpty, nil, "", true},
		{"isEmpty on a date", f, engine.OpIsEmpty, nil, "2025-03-15", false},
		{"isNotEmpty on a date", f, engine.OpIsNotEmpty, nil, "2025-03-15", true},
		{"contract start date", "StartDate", engine.OpBefore, []string{"2025-01-01"}, "2024-12-31", true},
		{"contract end date empty: open-ended", "EndDate", engine.OpIsEmpty, nil, "", true},
		{"birth date", "Details.BirthDate", engine.OpBefore, []string{"2000-01-01"}, "1999-12-31", true},
	})
}

func TestWithinDaysCountsFromTheReferenceDate(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env, body("Starting soon", engine.RuleAny, nil, ptr(cond("StartDate", engine.OpWithinDays, "7"))))
	p := person(t, "1", contract(t, "C", "2025-04-01", ""))
	for asOf, want := range map[string]bool{"2025-03-24": false, "2025-03-25": true, "2025-04-08": true, "2025-04-09": false} {
		_, ok := holds(t, set, p, day(t, asOf))
		assert.Equal(t, want, ok, asOf)
	}
}

func TestBooleanOperators(t *testing.T) {
	runOperatorCases(t, []operatorCase{
		{"isTrue on true", "Custom.Vip", engine.OpIsTrue, nil, "yes", true},
		{"isTrue on false", "Custom.Vip", engine.OpIsTrue, nil, "no", false},
		{"isTrue on empty", "Custom.Vip", engine.OpIsTrue, nil, "", false},
		{"isFalse on true", "Custom.Vip", engine.OpIsFalse, nil, "true", false},
		{"isFalse on false", "Custom.Vip", engine.OpIsFalse, nil, "false", true},
		{"isFalse on empty", "Custom.Vip", engine.OpIsFalse, nil, "", true},
		{"contract boolean", "Custom.Remote", engine.OpIsTrue, nil, "1", true},
	})
}

func TestEveryOperatorOfEveryTypeCompiles(t *testing.T) {
	env := newEnv(t)
	fields := map[engine.FieldType]string{
		engine.TypeText: "Department.Code", engine.TypeNumber: "Details.Fte",
		engine.TypeDate: "StartDate", engine.TypeBoolean: "Custom.Remote",
	}
	sample := map[engine.FieldType]string{
		engine.TypeText: "x", engine.TypeNumber: "1", engine.TypeDate: "2025-01-01", engine.TypeBoolean: "",
	}
	for typ, field := range fields {
		for _, d := range engine.Operators(typ) {
			c := engine.Condition{Field: field, Op: d.Op}
			switch d.Arity {
			case engine.OneValue:
				c.Value = sample[typ]
				if d.Op == engine.OpWithinDays {
					c.Value = "3"
				}
			case engine.TwoValues:
				c.Values = []string{sample[typ], sample[typ]}
			case engine.ValueList:
				c.Values = []string{sample[typ]}
			}
			_, err := compileErr(env, body("All operators", engine.RuleAny, nil, &c))
			require.NoError(t, err, "%s %s", typ, d.Op)
		}
	}
}
