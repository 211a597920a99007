package aggregate_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/aggregate"
)

func items(kv ...string) []aggregate.Item {
	var out []aggregate.Item
	for i := 0; i < len(kv); i += 2 {
		out = append(out, aggregate.Item{Person: kv[i], Value: kv[i+1]})
	}
	return out
}

func pairs(r aggregate.Result) []string {
	var out []string
	for _, s := range r.Suggestions {
		out = append(out, s.A+"~"+s.B)
	}
	return out
}

// both runs the test with each measure at the default score.
func both(t *testing.T, f func(t *testing.T, s engine.AggregationSettings)) {
	for _, m := range []string{engine.MeasureLevenshtein, engine.MeasureJaroWinkler} {
		t.Run(m, func(t *testing.T) {
			s := engine.DefaultAggregationSettings()
			s.Measure = m
			f(t, s)
		})
	}
}

func TestFindSuggestsExactDuplicates(t *testing.T) {
	both(t, func(t *testing.T, s engine.AggregationSettings) {
		r := aggregate.Find(items("hr:2", "jansen pj 19800102 m", "ad:9", "jansen pj 19800102 m", "hr:3", "visser a 19700101 f"), s, nil)
		require.Len(t, r.Suggestions, 1)
		assert.Equal(t, engine.Suggestion{A: "ad:9", B: "hr:2", AValue: "jansen pj 19800102 m", BValue: "jansen pj 19800102 m", Score: 1}, r.Suggestions[0])
		assert.Equal(t, 3, r.Compared)
	})
}

func TestFindSuggestsValuesWithOneTypo(t *testing.T) {
	base := "vanderberg pj 19800102 m"
	variants := []string{
		"vandreberg pj 19800102 m", // swapped letters
		"vanderbreg pj 19800102 m",
		"vanderberg jp 19800102 m", // swapped initials
		"vanderberg p 19800102 m",  // an initial left out
		"vanderberg pj 19810102 m", // a digit of the birth date
		"wanderberg pj 19800102 m", // the first letter
		"vanderbergh pj 19800102 m",
	}
	both(t, func(t *testing.T, s engine.AggregationSettings) {
		for _, v := range variants {
			r := aggregate.Find(items("hr:1", base, "erp:1", v), s, nil)
			require.Len(t, r.Suggestions, 1, v)
			assert.GreaterOrEqual(t, r.Suggestions[0].Score, s.SuggestScore)
			assert.Less(t, r.Suggestions[0].Score, 1.0)
		}
	})
}

func TestFindDoesNotSuggestDifferentPeople(t *testing.T) {
	base := "vanderberg pj 19800102 m"
	others := []string{
		"jansen pj 19800102 m",
		"vandenbosch ak 19800102 m",
		"vanderberg mk 19631117 f",
		"devries a 19800102 f",
		"berg pj 19800102 m",
	}
	both(t, func(t *testing.T, s engine.AggregationSettings) {
		for _, v := range others {
			r := aggregate.Find(items("hr:1", base, "erp:1", v), s, nil)
			assert.Empty(t, r.Suggestions, v)
		}
	})
	// Levenshtein, the default, also tells persons of one name apart by
	// their birth dates (Jaro-Winkler does not: it scores these 0.97)
	s := engine.DefaultAggregationSettings()
	for _, v := range []string{"vanderberg pj 19820106 m", "vanderberg pj 19700102 f"} {
		assert.Empty(t, aggregate.Find(items("hr:1", base, "erp:1", v), s, nil).Suggestions, v)
	}
}

func TestFindKeepsEachPersonsBestCandidatesUpToTheMaximum(t *testing.T) {
	s := engine.DefaultAggregationSettings()
	s.MaxCandidates = 2
	var in []aggregate.Item
	for i := range 10 {
		in = append(in, aggregate.Item{Person: fmt.Sprintf("hr:%02d", i), Value: "jansen pj 19800102 m"})
	}
	r := aggregate.Find(in, s, nil)
	count := map[string]int{}
	for _, x := range r.Suggestions {
		count[x.A]++
		count[x.B]++
	}
	for p, n := range count {
		assert.LessOrEqual(t, n, 2, p)
	}
	// pairs are taken best first (then by id): hr:09's partners are all
	// full by its turn
	assert.Len(t, count, 9)

	// the best candidate wins the only place
	s.MaxCandidates = 1
	r = aggregate.Find(items("a", "vanderberg pj 19800102 m", "b", "vanderberg pj 19800102 x", "c", "vanderberg pj 19800102 m"), s, nil)
	assert.Equal(t, []string{"a~c"}, pairs(r))
}

func TestFindSkipsPairsTheCallerRuledOut(t *testing.T) {
	in := items("hr:1", "jansen pj 19800102 m", "ad:1", "jansen pj 19800102 m", "erp:1", "jansen pj 19800103 m")
	var asked [][2]string
	r := aggregate.Find(in, engine.DefaultAggregationSettings(), func(a, b string) bool {
		asked = append(asked, [2]string{a, b})
		return a == "ad:1" && b == "hr:1"
	})
	assert.Equal(t, []string{"ad:1~erp:1", "erp:1~hr:1"}, pairs(r))
	assert.Contains(t, asked, [2]string{"ad:1", "hr:1"}, "skip gets the ids in PairKey order")
}

func TestFindIsDeterministic(t *testing.T) {
	persons, _ := population(3, 3000, 200)
	var in []aggregate.Item
	for _, p := range persons {
		in = append(in, aggregate.Item{Person: p.ID, Value: engine.RemoveDiacritics(p.Name.FamilyName) + " " + p.Details.BirthDate.String()})
	}
	s := engine.DefaultAggregationSettings()
	s.MaxCandidates = 2
	want := aggregate.Find(in, s, nil)
	require.NotEmpty(t, want.Suggestions)
	assert.True(t, slices.IsSortedFunc(want.Suggestions, func(x, y engine.Suggestion) int {
		if x.Score != y.Score {
			if x.Score > y.Score {
				return -1
			}
			return 1
		}
		return 0
	}), "highest score first")
	r := rand.New(rand.NewPCG(1, 2))
	for range 3 {
		r.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
		assert.Equal(t, want.Suggestions, aggregate.Find(in, s, nil).Suggestions)
	}
}

func TestFindNeverComparesEmptyValues(t *testing.T) {
	r := aggregate.Find(items("hr:1", "", "hr:2", "", "hr:3", "visser a 19700101 f"), engine.DefaultAggregationSettings(), nil)
	assert.Empty(t, r.Suggestions)
	assert.Equal(t, 1, r.Compared)
	assert.Zero(t, r.Comparisons)
}

func TestFindDoesNothingWhenDisabled(t *testing.T) {
	s := engine.DefaultAggregationSettings()
	s.Disabled = true
	assert.Empty(t, aggregate.Find(items("hr:1", "x y", "hr:2", "x y"), s, nil).Suggestions)
}

func TestFindComparesFarFewerPairsThanAllOfThem(t *testing.T) {
	persons, _ := population(4, 20000, 0)
	var in []aggregate.Item
	for _, p := range persons {
		in = append(in, aggregate.Item{Person: p.ID, Value: p.Name.FamilyName + " " + p.Details.BirthDate.String()})
	}
	r := aggregate.Find(in, engine.DefaultAggregationSettings(), nil)
	assert.LessOrEqual(t, r.Comparisons, int64(3*aggregate.Window*len(in)))
	assert.Less(t, r.Scored, r.Comparisons/10, "the letter bound spares most measurements")
}

func TestSimilarity(t *testing.T) {
	assert.Equal(t, 1.0, aggregate.Similarity(engine.MeasureLevenshtein, "abc", "abc"))
	assert.Equal(t, 0.0, aggregate.Similarity(engine.MeasureLevenshtein, "", ""))
	// a swap is one edit in 24 letters
	assert.Equal(t, 0.9583, aggregate.Similarity(engine.MeasureLevenshtein, "vanderberg pj 19800102 m", "vanderberg jp 19800102 m"))
	assert.Equal(t, 0.9583, aggregate.Similarity("", "vanderberg pj 19800102 m", "vanderberg jp 19800102 m"), "the default")
	assert.InDelta(t, 0.961, aggregate.Similarity(engine.MeasureJaroWinkler, "martha", "marhta"), 0.001)
}

func TestCheckSettings(t *testing.T) {
	ok := engine.DefaultAggregationSettings()
	require.NoError(t, aggregate.CheckSettings(ok))
	for name, change := range map[string]func(*engine.AggregationSettings){
		"suggestion score":   func(s *engine.AggregationSettings) { s.SuggestScore = 0 },
		"automatic-merge":    func(s *engine.AggregationSettings) { s.AutoMergeScore = 0.5 },
		"maximum number":     func(s *engine.AggregationSettings) { s.MaxCandidates = 0 },
		"similarity measure": func(s *engine.AggregationSettings) { s.Measure = "soundex" },
	} {
		s := ok
		change(&s)
		err := aggregate.CheckSettings(s)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), name)
	}
}
