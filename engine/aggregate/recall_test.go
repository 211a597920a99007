package aggregate_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/aggregate"
)

func twoSources() *engine.Config {
	return &engine.Config{SourceSystems: []engine.SourceSystem{{Key: "hr", Name: "HR"}, {Key: "erp", Name: "ERP"}}}
}

func TestFindRecallOnPlantedDuplicates(t *testing.T) {
	persons, planted := population(1, 20000, 500)
	items, errs, err := aggregate.Values(context.Background(), twoSources(), persons, aggregate.Options{})
	require.NoError(t, err)
	require.Empty(t, errs)
	res := aggregate.Find(items, engine.DefaultAggregationSettings(), nil)
	found, falses := 0, 0
	for _, s := range res.Suggestions {
		if planted[[2]string{s.A, s.B}] {
			found++
		} else {
			falses++
			if falses < 30 {
				t.Logf("false: %s | %s  %.4f", s.AValue, s.BValue, s.Score)
			}
		}
	}
	byID := map[string]string{}
	for _, it := range items {
		byID[it.Person] = it.Value
	}
	missed := 0
	got := map[[2]string]bool{}
	for _, s := range res.Suggestions {
		got[[2]string{s.A, s.B}] = true
	}
	for p := range planted {
		if !got[p] && missed < 30 {
			missed++
			t.Logf("missed: %s | %s  %.4f", byID[p[0]], byID[p[1]], aggregate.Similarity("", byID[p[0]], byID[p[1]]))
		}
	}
	recall := float64(found) / float64(len(planted))
	t.Logf("recall %.3f (%d of %d), %d false suggestions, %s, scored %d", recall, found, len(planted), falses, res, res.Scored)
	require.GreaterOrEqual(t, recall, 0.95)
	require.Less(t, falses, len(planted)/10)
}
