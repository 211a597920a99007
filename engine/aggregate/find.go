package aggregate

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	edlib "github.com/hbollon/go-edlib"

	"provisio/engine"
)

// Window is how many following values each value is compared with in
// each sorted pass of Find.
const Window = 16

// passes is the number of sorted passes of Find: by value, by reversed
// value, and by value rotated to start at its middle.
const passes = 3

// Result is what Find found.
type Result struct {
	// Suggestions are the pairs scoring at least SuggestScore, highest
	// score first, then by A and B.
	Suggestions []engine.Suggestion
	// Compared counts the items with a value.
	Compared int
	// Comparisons counts the pairs of distinct values Find looked at;
	// Scored counts those of them it measured with the similarity measure
	// (the others could not reach SuggestScore on their letters alone).
	// Persons with the same value are paired without a comparison.
	Comparisons int64
	Scored      int64
}

// CheckSettings checks aggregation settings as an editor saves them. The
// error says which setting is wrong and what it must be.
func CheckSettings(s engine.AggregationSettings) error {
	switch {
	case !(s.SuggestScore > 0 && s.SuggestScore <= 1):
		return engine.Errorf(engine.Invalid, "the suggestion score must be above 0 and at most 1, not %g", s.SuggestScore)
	case s.AutoMergeScore != 0 && !(s.AutoMergeScore >= s.SuggestScore && s.AutoMergeScore <= 1):
		return engine.Errorf(engine.Invalid, "the automatic-merge score must be 0 (never) or from the suggestion score (%g) to 1, not %g", s.SuggestScore, s.AutoMergeScore)
	case s.MaxCandidates < 1:
		return engine.Errorf(engine.Invalid, "the maximum number of candidates per person must be at least 1, not %d", s.MaxCandidates)
	case s.Measure != "" && s.Measure != engine.MeasureJaroWinkler && s.Measure != engine.MeasureLevenshtein:
		return engine.Errorf(engine.Invalid, "the similarity measure must be %s or %s, not %q", engine.MeasureJaroWinkler, engine.MeasureLevenshtein, s.Measure)
	}
	return nil
}

// Similarity returns the similarity (0 to 1, rounded to four decimals) of
// two aggregation values by a measure (engine.MeasureLevenshtein, the
// default, or engine.MeasureJaroWinkler; both from go-edlib). Two empty
// values are not alike (0).
func Similarity(measure, a, b string) float64 {
	if a == "" || b == "" {
		return 0
	}
	if a == b {
		return 1
	}
	var s float64
	if measure == engine.MeasureJaroWinkler {
		s = float64(edlib.JaroWinklerSimilarity(a, b))
	} else {
		n := max(utf8.RuneCountInString(a), utf8.RuneCountInString(b))
		s = 1 - float64(edlib.OSADamerauLevenshteinDistance(a, b))/float64(n)
	}
	return math.Round(s*1e4) / 1e4
}

// Find suggests pairs of persons whose aggregation values are alike: a
// score (Similarity by settings.Measure) of at least settings.SuggestScore.
// Each person is in at most settings.MaxCandidates suggestions: pairs are
// taken best first, and a pair one of whose persons has enough already is
// left out. The order is deterministic: highest score first, then by A
// and B. Items with an empty value are never compared; with
// settings.Disabled, Find finds nothing.
//
// skip, when not nil, is asked about each pair that scores enough before
// it is taken (on Find's goroutine, best first): true leaves the pair out,
// for a rejected pair or persons already merged together.
//
// Find does not compare every pair, which for 300,000 persons would be
// 4.5e10 comparisons. Persons with the same value are paired outright.
// The distinct values are sorted three times: as they are, reversed, and
// rotated to start at their middle; each value is compared with the
// Window values that follow it in each order (a pair is compared once).
// One typo leaves a value's start or its end as it was, so the two
// copies sort close together in one of the orders; swapped initials too.
// The cost is three sorts (n log n) and at most 3·Window·n comparisons,
// each first bounded by the letters the two values share.
func Find(items []Item, settings engine.AggregationSettings, skip func(a, b string) bool) Result {
	var res Result
	if settings.Disabled {
		return res
	}
	threshold := settings.SuggestScore
	if threshold <= 0 {
		threshold = engine.DefaultAggregationSettings().SuggestScore
	}
	limit := settings.MaxCandidates
	if limit <= 0 {
		limit = math.MaxInt
	}

	// the distinct values, sorted, each with its persons sorted by id
	idx := make([]int32, 0, len(items))
	for i := range items {
		if items[i].Value != "" {
			idx = append(idx, int32(i))
		}
	}
	res.Compared = len(idx)
	slices.SortFunc(idx, func(a, b int32) int {
		return cmp.Or(strings.Compare(items[a].Value, items[b].Value), strings.Compare(items[a].Person, items[b].Person))
	})
	var values []string
	var groups [][]int32 // per distinct value, sub-slices of idx
	for lo := 0; lo < len(idx); {
		hi := lo + 1
		for hi < len(idx) && items[idx[hi]].Value == items[idx[lo]].Value {
			hi++
		}
		values = append(values, items[idx[lo]].Value)
		groups = append(groups, idx[lo:hi:hi])
		lo = hi
	}

	// span bounds the pairs made within and between large groups of
	// persons with the same value: enough for each to fill its candidates
	span := min(len(idx), max(2*min(limit, len(idx)), Window))
	var pairs []pair
	for _, g := range groups {
		for k := range g {
			for d := 1; d <= span && k+d < len(g); d++ {
				pairs = append(pairs, pair{g[k], g[k+d], 1})
			}
		}
	}

	hits, compared, scored := compareValues(values, settings.Measure, threshold)
	res.Comparisons, res.Scored = compared, scored
	for _, h := range hits {
		gu, gv := groups[h.a], groups[h.b]
		for _, x := range gu[:min(len(gu), span)] {
			for _, y := range gv[:min(len(gv), span)] {
				pairs = append(pairs, pair{x, y, h.score})
			}
		}
	}

	// best first; a pair's persons in id order
	for i := range pairs {
		p := &pairs[i]
		if items[p.b].Person < items[p.a].Person {
			p.a, p.b = p.b, p.a
		}
	}
	slices.SortFunc(pairs, func(x, y pair) int {
		return cmp.Or(cmp.Compare(y.score, x.score),
			strings.Compare(items[x.a].Person, items[y.a].Person),
			strings.Compare(items[x.b].Person, items[y.b].Person))
	})
	taken := map[string]int{}
	var last pair
	for i, p := range pairs {
		a, b := items[p.a].Person, items[p.b].Person
		if a == b || (i > 0 && a == items[last.a].Person && b == items[last.b].Person) {
			continue // one person twice in items
		}
		last = p
		if taken[a] >= limit || taken[b] >= limit {
			continue
		}
		if skip != nil && skip(a, b) {
			continue
		}
		taken[a]++
		taken[b]++
		res.Suggestions = append(res.Suggestions, engine.Suggestion{
			A: a, B: b, AValue: items[p.a].Value, BValue: items[p.b].Value, Score: p.score,
		})
	}
	return res
}

// pair is two items (or, in compareValues, two distinct values) and their
// score.
type pair struct {
	a, b  int32
	score float64
}

// compareValues compares each of the sorted distinct values with the
// Window values that follow it in each pass's order, on GOMAXPROCS
// goroutines, and returns the pairs that score at least threshold, with
// how many pairs it looked at and how many it measured.
func compareValues(values []string, measure string, threshold float64) ([]pair, int64, int64) {
	n := len(values)
	if n < 2 {
		return nil, 0, 0
	}
	profiles := make([]profile, n)
	for i, v := range values {
		profiles[i] = newProfile(v)
	}
	// rank[p][v] is value v's position in pass p's order, so that a pair
	// an earlier pass compared is not compared again
	orders := make([][]int32, passes)
	rank := make([][]int32, passes)
	for p := range passes {
		orders[p], rank[p] = passOrder(values, p)
	}
	workers := runtime.GOMAXPROCS(0)
	type part struct {
		hits             []pair
		compared, scored int64
	}
	parts := make([]part, workers)
	bound := newBound(measure, threshold)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Go(func() {
			out := &parts[w]
			for p := range passes {
				order := orders[p]
				for i := lo; i < hi; i++ {
					u := order[i]
					for j := i + 1; j <= i+Window && j < n; j++ {
						v := order[j]
						if comparedBefore(rank[:p], u, v) {
							continue
						}
						out.compared++
						if !bound.reachable(&profiles[u], &profiles[v]) {
							continue
						}
						out.scored++
						if s := Similarity(measure, values[u], values[v]); s >= threshold {
							out.hits = append(out.hits, pair{min(u, v), max(u, v), s})
						}
					}
				}
			}
		})
	}
	wg.Wait()
	var hits []pair
	var compared, scored int64
	for _, pt := range parts {
		hits = append(hits, pt.hits...)
		compared += pt.compared
		scored += pt.scored
	}
	return hits, compared, scored
}

// comparedBefore reports whether one of the passes whose ranks are given
// compared u and v: they were within Window of each other.
func comparedBefore(ranks [][]int32, u, v int32) bool {
	for _, r := range ranks {
		if d := r[u] - r[v]; d <= Window && d >= -Window {
			return true
		}
	}
	return false
}

// passOrder returns the order of the values in a pass, and each value's
// position in it. Values are sorted (pass 0), so pass 0 is the identity.
func passOrder(values []string, p int) ([]int32, []int32) {
	n := len(values)
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	if p > 0 {
		keys := make([]string, n)
		for i, v := range values {
			keys[i] = passKey(v, p)
		}
		slices.SortStableFunc(order, func(a, b int32) int { return strings.Compare(keys[a], keys[b]) })
	}
	rank := make([]int32, n)
	for i, v := range order {
		rank[v] = int32(i)
	}
	return order, rank
}

// passKey returns what a value sorts by in pass 1 (reversed) and pass 2
// (rotated to start at its middle). Bytes, not letters, are reversed: the
// key only needs to bring values with the same end together.
func passKey(v string, p int) string {
	b := []byte(v)
	switch p {
	case 1:
		slices.Reverse(b)
	case 2:
		h := len(b) / 2
		b = append(b[h:len(b):len(b)], b[:h]...)
	}
	return string(b)
}

// profile is what the bound needs of a value: its length in letters, its
// first letters and how often each letter occurs in it.
type profile struct {
	runes  int32
	counts [buckets]uint8
	exact  bool // counts did not overflow
	head   [4]rune
}

// buckets count a to z, 0 to 9 and space each apart and every other
// letter together, which only loosens the bound.
const buckets = 26 + 10 + 2

func newProfile(v string) profile {
	p := profile{exact: true}
	for _, r := range v {
		if p.runes < 4 {
			p.head[p.runes] = r
		}
		p.runes++
		var k int
		switch {
		case r >= 'a' && r <= 'z':
			k = int(r - 'a')
		case r >= '0' && r <= '9':
			k = 26 + int(r-'0')
		case r == ' ':
			k = 36
		default:
			k = 37
		}
		if p.counts[k] == math.MaxUint8 {
			p.exact = false
		} else {
			p.counts[k]++
		}
	}
	return p
}

// bound says quickly whether two values can reach the threshold: the
// letters two values share (ignoring where) bound the letters Jaro can
// match and the letters an edit script can keep.
type bound struct {
	levenshtein bool
	threshold   float64
}

func newBound(measure string, threshold float64) bound {
	// a hair below the threshold: rounding of scores must not lose a pair
	return bound{levenshtein: measure != engine.MeasureJaroWinkler, threshold: threshold - 1e-4}
}

func (b bound) reachable(x, y *profile) bool {
	if !x.exact || !y.exact {
		return true
	}
	common := 0
	for k := range buckets {
		common += int(min(x.counts[k], y.counts[k]))
	}
	lx, ly := float64(x.runes), float64(y.runes)
	m := float64(common)
	if b.levenshtein {
		return m/max(lx, ly) >= b.threshold
	}
	jaro := (m/lx + m/ly + 1) / 3
	prefix := 0
	for prefix < 4 && prefix < int(min(x.runes, y.runes)) && x.head[prefix] == y.head[prefix] {
		prefix++
	}
	return jaro+0.1*float64(prefix)*(1-jaro) >= b.threshold
}

// String formats a Result for logs: "12 suggestions among 300000 persons
// (4300000 comparisons)".
func (r Result) String() string {
	return fmt.Sprintf("%d suggestions among %d persons (%d comparisons)", len(r.Suggestions), r.Compared, r.Comparisons)
}
