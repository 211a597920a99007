package aggregate_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/aggregate"
)

// The default value runs in Go; it must give what the default snippet
// gives in JavaScript, which administrators read and copy.
func TestDefaultValueInGoIsTheDefaultSnippet(t *testing.T) {
	persons, _ := population(3, 5000, 200)
	persons = append(persons,
		person("hr", "x1", engine.Name{GivenName: "Ŀuís", Initials: " J.-P. ", FamilyNamePrefix: "van 't", FamilyName: "Hoff-Ørsted"}, "1970-01-01", " female"),
		person("hr", "x2", engine.Name{GivenName: "\u00a0Ägir", FamilyName: "O’Brien\u2003Smith"}, "2001-12-31", "X"),
		person("hr", "x3", engine.Name{GivenName: "İlkay", FamilyName: "Şahin"}, "1988-08-08", ""),
		person("hr", "x4", engine.Name{FamilyName: "ß`,.'"}, "1988-08-08", "M"),
		person("hr", "x5", engine.Name{GivenName: "Anna", FamilyName: "---"}, "1999-09-09", "F"),
	)
	js := &engine.Config{SourceSystems: []engine.SourceSystem{
		{Key: "hr", AggregationValue: &engine.StageValue{Type: engine.MapComplex, Value: engine.DefaultAggregationSnippet}},
		{Key: "erp", AggregationValue: &engine.StageValue{Type: engine.MapComplex, Value: engine.DefaultAggregationSnippet}},
	}}
	want, errs, err := aggregate.Values(context.Background(), js, persons, aggregate.Options{})
	require.NoError(t, err)
	require.Empty(t, errs)
	got, errs, err := aggregate.Values(context.Background(), twoSources(), persons, aggregate.Options{})
	require.NoError(t, err)
	require.Empty(t, errs)
	nonEmpty := 0
	for i := range persons {
		require.Equal(t, want[i], got[i], "person %s %+v", persons[i].ID, persons[i].Name)
		if got[i].Value != "" {
			nonEmpty++
		}
	}
	require.Greater(t, nonEmpty, 5000)
}
