package rules_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/rules"
)

// randomWorld makes a reproducible population and rule set that mixes
// indexable conditions (a top-level "is" or "is one of", alone or in an
// "all" group) with unindexable ones, on persons and contracts.
type randomWorld struct {
	r *rand.Rand
}

var (
	worldDepts  = []string{"ICT", "HR", "FIN", "OPS", "SALES", "LEGAL", ""}
	worldTitles = []string{"DEV", "MGR", "CLERK", "ANALYST", ""}
	worldShifts = []string{"day", "night", ""}
	worldBadges = []string{"B-1", "B-2", "X-9", ""}
)

func (w *randomWorld) pick(xs []string) string { return xs[w.r.IntN(len(xs))] }

// cased returns s in a random case, so that the index must ignore case.
func (w *randomWorld) cased(s string) string {
	switch w.r.IntN(3) {
	case 0:
		return strings.ToLower(s)
	case 1:
		return strings.ToUpper(s)
	}
	return s
}

func (w *randomWorld) date() string {
	return engine.NewDate(2024, 1, 1).AddDays(w.r.IntN(900)).String()
}

func (w *randomWorld) persons(t testing.TB, n int) ([]*engine.Person, []engine.Department) {
	t.Helper()
	var departments []engine.Department
	for i, d := range worldDepts[:len(worldDepts)-1] {
		departments = append(departments, engine.Department{Source: "hr", ExternalID: "D-" + d, Code: d, ManagerExternalID: fmt.Sprintf("p%d", i*7)})
	}
	var persons []*engine.Person
	for i := range n {
		var cs []engine.Contract
		for k := range w.r.IntN(4) {
			start, end := w.date(), w.date()
			if start > end {
				start, end = end, start
			}
			switch w.r.IntN(5) {
			case 0:
				end = ""
			case 1:
				start = ""
			}
			dept := w.pick(worldDepts)
			fields := []string{
				"Department.Code=" + w.cased(dept), "Department.ExternalId=D-" + dept,
				"Title.Code=" + w.cased(w.pick(worldTitles)), "Custom.Shift=" + w.pick(worldShifts),
			}
			if w.r.IntN(4) > 0 {
				fields = append(fields, fmt.Sprintf("Details.Fte=%.1f", float64(w.r.IntN(11))/10))
			}
			if w.r.IntN(3) == 0 {
				fields = append(fields, "Manager.ExternalId="+fmt.Sprintf("p%d", w.r.IntN(n)))
			}
			cs = append(cs, contract(t, fmt.Sprintf("c%d-%d", i, k), start, end, fields...))
		}
		p := withFields(t, person(t, fmt.Sprintf("p%d", i), cs...),
			"Custom.Badge="+w.cased(w.pick(worldBadges)), fmt.Sprintf("Custom.Level=%d", w.r.IntN(6)))
		if w.r.IntN(2) == 0 {
			withFields(t, p, "Custom.Vip=yes")
		}
		persons = append(persons, p)
	}
	return persons, departments
}

// contractLeaf returns a random contract condition; indexable ones are
// likelier.
func (w *randomWorld) contractLeaf() engine.Condition {
	switch w.r.IntN(9) {
	case 0, 1:
		return cond("Department.Code", engine.OpEquals, w.cased(w.pick(worldDepts[:6])))
	case 2:
		return engine.Condition{Field: "Department.Code", Op: engine.OpEquals, Values: []string{w.pick(worldDepts[:6])}} // one value as a list
	case 3:
		return cond("Title.Code", engine.OpIn, w.pick(worldTitles[:4]), w.cased(w.pick(worldTitles[:4])))
	case 4:
		return engine.Condition{Field: "Department.Code", Op: engine.OpIn, Value: w.pick(worldDepts[:6]) + ", " + w.pick(worldDepts[:6])} // a comma list
	case 5:
		return cond("Details.Fte", engine.OpAtLeast, fmt.Sprintf("%.1f", float64(w.r.IntN(11))/10))
	case 6:
		return cond("Title.Code", engine.OpStartsWith, w.pick([]string{"d", "M", "an"}))
	case 7:
		return cond("StartDate", engine.OpWithinDays, fmt.Sprint(w.r.IntN(400)))
	default:
		return cond("Custom.Shift", engine.OpNotEquals, w.pick(worldShifts))
	}
}

func (w *randomWorld) personLeaf() engine.Condition {
	switch w.r.IntN(8) {
	case 0, 1:
		return cond("Custom.Badge", engine.OpEquals, w.cased(w.pick(worldBadges[:3])))
	case 2:
		return cond("PrimaryContract.Department.Code", engine.OpIn, w.pick(worldDepts[:6]), w.pick(worldDepts[:6]))
	case 3:
		return cond("Manager.Custom.Badge", engine.OpEquals, w.pick(worldBadges[:3]))
	case 4:
		return cond("Custom.Level", engine.OpBetween, fmt.Sprint(w.r.IntN(6)), fmt.Sprint(w.r.IntN(6)))
	case 5:
		return cond("Custom.Vip", engine.OpIsTrue)
	case 6:
		return cond("PrimaryContract.Department.Code", engine.OpIsEmpty)
	default:
		return cond("Custom.Badge", engine.OpContains, w.pick([]string{"b", "9", "-"}))
	}
}

// conditions returns a random tree of depth up to depth, or nil.
func (w *randomWorld) conditions(leaf func() engine.Condition, depth int) *engine.Condition {
	if w.r.IntN(4) == 0 {
		return nil
	}
	c := w.tree(leaf, depth)
	return &c
}

func (w *randomWorld) tree(leaf func() engine.Condition, depth int) engine.Condition {
	if depth == 0 || w.r.IntN(3) == 0 {
		return leaf()
	}
	var kids []engine.Condition
	for range 1 + w.r.IntN(3) {
		kids = append(kids, w.tree(leaf, depth-1))
	}
	switch w.r.IntN(5) {
	case 0, 1:
		return allOf(kids...)
	case 2, 3:
		return anyOf(kids...)
	default:
		return not(kids[0])
	}
}

func (w *randomWorld) rules(n int) []*engine.RuleBody {
	statuses := []engine.PersonStatusFilter{engine.RuleActive, engine.RuleActive, engine.RuleInactive, engine.RuleAny}
	var out []*engine.RuleBody
	for i := range n {
		b := body(fmt.Sprintf("Rule %d", i), statuses[w.r.IntN(len(statuses))],
			w.conditions(w.personLeaf, 2), w.conditions(w.contractLeaf, 2),
			engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Template: "GRP-{Department.Code}"})
		b.Timeframe = engine.Timeframe{DaysBefore: w.r.IntN(3) * 10, DaysAfter: w.r.IntN(3) * 5}
		out = append(out, b)
	}
	return out
}

func TestIndexedMatchesEqualBruteForce(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			w := &randomWorld{r: rand.New(rand.NewPCG(seed, 42))}
			env := newEnv(t)
			persons, departments := w.persons(t, 400)
			set := compile(t, env, w.rules(200)...)
			pop := population(t, env, engine.NewDate(2025, 3, 15), departments, persons...)
			// both paths must be exercised
			assert.Greater(t, set.Unindexed(), len(set.Rules)/10)
			assert.Less(t, set.Unindexed(), len(set.Rules)*9/10)

			var sc rules.Scratch
			var s rules.Subject
			total := 0
			for i := range persons {
				pop.Subject(i, &s)
				indexed := map[string][]int{}
				set.Matches(&s, &sc, func(m rules.Match) {
					indexed[m.Rule.ID] = append([]int{}, m.Contracts...)
				})
				brute := map[string][]int{}
				for _, r := range set.Rules {
					contracts, ok := r.EvalUnindexed(&s)
					ex := r.Explain(&s)
					require.Equal(t, ok, ex.Holds, "person %d, rule %s: Explain agrees with evaluation: %s", i, r.ID, ex.Summary)
					if ok {
						brute[r.ID] = append([]int{}, contracts...)
						var keys []string
						for _, k := range contracts {
							keys = append(keys, engine.ContractKey(s.Person, k))
						}
						assert.Equal(t, keys, ex.InConditions, "person %d, rule %s: Explain's in-conditions contracts", i, r.ID)
					}
				}
				require.Equal(t, brute, indexed, "person %d", i)
				total += len(brute)
			}
			// the set must be neither trivial nor all-matching to prove anything
			assert.Greater(t, total, len(persons)/2)
			assert.Less(t, total, len(persons)*len(set.Rules)/2)
		})
	}
}

func TestEqualsGivenAsAOneValueListMatches(t *testing.T) {
	env := newEnv(t)
	for _, level := range []string{"person", "contract"} {
		t.Run(level, func(t *testing.T) {
			var b *engine.RuleBody
			if level == "person" {
				b = body("ICT", engine.RuleActive, &engine.Condition{Field: "PrimaryContract.Department.Code", Op: engine.OpEquals, Values: []string{"ICT"}}, nil)
			} else {
				b = body("ICT", engine.RuleActive, nil, &engine.Condition{Field: "Department.Code", Op: engine.OpEquals, Values: []string{"ICT"}})
			}
			set := compile(t, env, b)
			_, ok := holds(t, set, person(t, "1", contract(t, "C", "2024-01-01", "", "Department.Code=ict")), refDate)
			assert.True(t, ok, "an ICT contract")
			_, ok = holds(t, set, person(t, "2", contract(t, "C", "2024-01-01", "")), refDate)
			assert.False(t, ok, "no department")
		})
	}
}

func TestTextMatchingIgnoresCaseTheSameWayIndexedOrNot(t *testing.T) {
	env := newEnv(t)
	filler := []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"} // makes "is one of" lists long
	tests := []struct {
		name, want, actual string
	}{
		{"long s", "sales", "ſALES"},
		{"Kelvin sign", "kelvin", "\u212Aelvin"},
		{"accented capital", "école", "ÉCOLE"},
		{"final sigma", "ΟΔΟΣ", "οδος"},
		{"ß is not ss", "strasse", "STRAßE"},
		{"plain ASCII", "Ict", "iCT"},
		{"different", "ict", "hr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			equal := strings.EqualFold(tt.want, tt.actual)
			conditions := []struct {
				c    engine.Condition
				want bool
			}{
				{cond("Department.Code", engine.OpEquals, tt.want), equal},
				{cond("Department.Code", engine.OpIn, tt.want, "zz"), equal},
				{cond("Department.Code", engine.OpIn, append([]string{tt.want}, filler...)...), equal},
				{cond("Department.Code", engine.OpNotIn, append([]string{tt.want}, filler...)...), !equal},
				{cond("Department.Code", engine.OpContains, tt.want), equal},
			}
			for _, level := range []string{"contract", "person"} {
				for _, c := range conditions {
					var set *rules.Set
					if level == "contract" {
						set = compile(t, env, body("Fold", engine.RuleAny, nil, ptr(c.c)))
					} else {
						set = compile(t, env, body("Fold", engine.RuleAny, ptr(primaryPaths(c.c)), nil))
					}
					pop := population(t, env, refDate, nil, person(t, "1", contract(t, "C", "", "", "Department.Code="+tt.actual)))
					s := subject(t, pop, 0)
					_, indexed := matched(t, set, pop, 0)["r1"]
					_, brute := set.Rules[0].EvalUnindexed(s)
					explained := set.Rules[0].Explain(s).Holds
					assert.Equal(t, c.want, indexed, "%s %s, indexed", level, c.c.Op)
					assert.Equal(t, c.want, brute, "%s %s, unindexed", level, c.c.Op)
					assert.Equal(t, c.want, explained, "%s %s, explained", level, c.c.Op)
				}
			}
		})
	}
}
