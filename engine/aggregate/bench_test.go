package aggregate_test

import (
	"context"
	"sync"
	"testing"

	"provisio/engine"
	"provisio/engine/aggregate"
)

// The figures are in docs/BENCHMARKS.md, "Aggregation (issue 5)".

const benchPersons, benchDuplicates = 300_000, 3_000

var bench struct {
	once    sync.Once
	persons []*engine.Person
	items   []aggregate.Item
	planted map[[2]string]bool
}

func benchData(b *testing.B) ([]*engine.Person, []aggregate.Item) {
	b.Helper()
	bench.once.Do(func() {
		bench.persons, bench.planted = population(42, benchPersons-benchDuplicates, benchDuplicates)
		items, errs, err := aggregate.Values(context.Background(), twoSources(), bench.persons, aggregate.Options{})
		if err != nil || len(errs) > 0 {
			panic(err)
		}
		bench.items = items
	})
	return bench.persons, bench.items
}

// BenchmarkValues computes the default snippet for 300,000 persons.
func BenchmarkValues(b *testing.B) {
	persons, _ := benchData(b)
	cfg := twoSources()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := aggregate.Values(context.Background(), cfg, persons, aggregate.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(persons)), "ns/person")
}

// BenchmarkFind finds the duplicates among 300,000 values.
func BenchmarkFind(b *testing.B) {
	_, items := benchData(b)
	for _, m := range []string{engine.MeasureLevenshtein, engine.MeasureJaroWinkler} {
		b.Run(m, func(b *testing.B) {
			s := engine.DefaultAggregationSettings()
			s.Measure = m
			var r aggregate.Result
			b.ReportAllocs()
			for b.Loop() {
				r = aggregate.Find(items, s, nil)
			}
			b.ReportMetric(float64(r.Comparisons), "comparisons")
			b.ReportMetric(float64(r.Scored), "scored")
			b.ReportMetric(float64(len(r.Suggestions)), "suggestions")
			found := 0
			for _, x := range r.Suggestions {
				if bench.planted[[2]string{x.A, x.B}] {
					found++
				}
			}
			b.ReportMetric(float64(found)/float64(len(bench.planted)), "recall")
		})
	}
}

// BenchmarkSimilarity measures one call of each measure on a typical
// pair of values.
func BenchmarkSimilarity(b *testing.B) {
	for _, m := range []string{engine.MeasureLevenshtein, engine.MeasureJaroWinkler} {
		b.Run(m, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				aggregate.Similarity(m, "vanderberg pj 19800102 m", "vandenberg jp 19800102 m")
			}
		})
	}
}
