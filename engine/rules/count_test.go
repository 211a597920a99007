package rules_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/rules"
)

func TestCountLeavesOutBlockedAndExcludedAndCountsEachPersonOnce(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env,
		body("ICT", engine.RuleActive, nil, ptr(cond("Department.Code", engine.OpEquals, "ICT"))),
		body("Developers", engine.RuleActive, nil, ptr(cond("Title.Code", engine.OpEquals, "DEV"))))
	var persons []*engine.Person
	want := 0
	var wantSample []int
	for i := range 5000 {
		dept := []string{"ICT", "HR"}[i%2]
		p := person(t, fmt.Sprint(i), contract(t, "C", "2024-01-01", "", "Department.Code="+dept, "Title.Code=DEV"))
		switch i % 10 {
		case 1, 3: // HR: matches only the developers rule
		case 4:
			p.Excluded = true
		case 6:
			p.Issues = []engine.Issue{{Field: "ExternalId", Message: "empty", Blocking: true}}
		case 8:
			p.Issues = []engine.Issue{{Field: "Name.GivenName", Message: "a warning"}}
		}
		if i%10 == 5 {
			p.Contracts = nil // no contract: matches nothing
		}
		persons = append(persons, p)
		if !p.Excluded && !p.Blocked() && p.Contracts != nil {
			want++
			if len(wantSample) < 7 {
				wantSample = append(wantSample, i)
			}
		}
	}
	pop := population(t, env, refDate, nil, persons...)

	n, sample, err := set.Count(context.Background(), pop, 7)
	require.NoError(t, err)
	assert.Equal(t, want, n)
	assert.Equal(t, wantSample, sample)

	n, sample, err = set.Count(context.Background(), pop, 0)
	require.NoError(t, err)
	assert.Equal(t, want, n)
	assert.Empty(t, sample)
}

func TestCountOfAnEmptyPopulationIsZero(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env, body("Anyone", engine.RuleAny, nil, nil))
	n, sample, err := set.Count(context.Background(), population(t, env, refDate, nil), 10)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Empty(t, sample)
}

func TestCountStopsWhenCancelled(t *testing.T) {
	env := newEnv(t)
	set := compile(t, env, body("Anyone", engine.RuleAny, nil, nil))
	var persons []*engine.Person
	for i := range 10000 {
		persons = append(persons, person(t, fmt.Sprint(i)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := set.Count(ctx, population(t, env, refDate, nil, persons...), 10)
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Canceled))
}

// syntheticPersons makes n persons with one or two contracts spread over
// departments and titles, sharing their strings as an import would.
func syntheticPersons(n int) []*engine.Person {
	depts := make([]string, 200)
	for i := range depts {
		depts[i] = fmt.Sprintf("D%03d", i)
	}
	titles := []string{"DEV", "MGR", "CLERK", "ANALYST", "NURSE", "TEACHER"}
	persons := make([]*engine.Person, n)
	contracts := make([]engine.Contract, n*3/2+1)
	for i := range persons {
		id := fmt.Sprint(i)
		k := 1 + (i+1)%2 // two contracts for every other person
		cs := contracts[:k:k]
		contracts = contracts[k:]
		for k := range cs {
			cs[k] = engine.Contract{
				ExternalID: id + "-" + fmt.Sprint(k),
				StartDate:  engine.NewDate(2020+i%5, time.Month(1+i%12), 1),
				Department: engine.Ref{ExternalID: depts[(i+k)%len(depts)], Code: depts[(i+k)%len(depts)]},
				Title:      engine.Ref{Code: titles[(i*7+k)%len(titles)]},
				Details:    engine.ContractDetails{Fte: engine.Num(float64(1+i%10) / 10)},
			}
			if i%7 == 0 {
				cs[k].EndDate = engine.NewDate(2024, 12, 31)
			}
		}
		persons[i] = &engine.Person{ID: "hr:" + id, Source: "hr", ExternalID: id, DisplayName: "Person " + id, Contracts: cs}
	}
	return persons
}

// benchmarkRules makes n rules of five conditions each, the first an
// indexable department condition.
func benchmarkRules(n int) []*engine.RuleBody {
	titles := []string{"DEV", "MGR", "CLERK", "ANALYST", "NURSE", "TEACHER"}
	var out []*engine.RuleBody
	for i := range n {
		dept := fmt.Sprintf("D%03d", i%200)
		contractCond := allOf(
			cond("Department.Code", engine.OpEquals, dept),
			cond("Title.Code", engine.OpIn, titles[i%6], titles[(i+1)%6]),
			cond("Details.Fte", engine.OpAtLeast, "0.3"),
			anyOf(cond("EndDate", engine.OpIsEmpty), cond("EndDate", engine.OpAfter, "2025-01-01")),
		)
		b := body(fmt.Sprintf("Rule %d", i), engine.RuleActive, ptr(cond("DisplayName", engine.OpIsNotEmpty)), &contractCond,
			adAccount, engine.Entitlement{Target: "ad", Kind: engine.KindAccess},
			engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Template: "GRP-{Department.Code}"})
		b.Timeframe = engine.Timeframe{DaysBefore: 14, DaysAfter: 7}
		out = append(out, b)
	}
	return out
}

func BenchmarkMatches1000Rules(b *testing.B) {
	env := newEnv(b)
	set := compile(b, env, benchmarkRules(1000)...)
	persons := syntheticPersons(1000)
	pop := rules.NewPopulation(env, persons, nil, refDate)
	var s rules.Subject
	var sc rules.Scratch
	pop.Subject(4, &s) // two contracts, each matching some rules
	matched := 0
	b.ReportAllocs()
	for b.Loop() {
		set.Matches(&s, &sc, func(rules.Match) { matched++ })
	}
	if matched == 0 {
		b.Fatal("the subject matches no rule")
	}
}

func BenchmarkCount300k(b *testing.B) {
	env := newEnv(b)
	set := compile(b, env, benchmarkRules(4)[3:]...) // rule 3 matches a few hundred persons
	pop := rules.NewPopulation(env, syntheticPersons(300_000), nil, refDate)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		var err error
		n, _, err = set.Count(context.Background(), pop, 20)
		if err != nil {
			b.Fatal(err)
		}
	}
	if n == 0 {
		b.Fatal("the rule matches nobody")
	}
	b.ReportMetric(float64(n), "matched")
}
