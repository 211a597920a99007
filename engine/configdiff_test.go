package engine_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"provisio/engine"
)

func TestConfigChangesSayWhatWasAddedChangedAndDeleted(t *testing.T) {
	old := &engine.Config{
		SourceSystems: []engine.SourceSystem{{Key: "hr", Name: "HR", Kind: "csv"}, {Key: "erp", Name: "ERP", Kind: "csv"}},
		Schedules:     []engine.Schedule{{ID: "nightly", Name: "Nightly", Cron: "0 6 * * *"}},
	}
	cfg := &engine.Config{
		SourceSystems: []engine.SourceSystem{{Key: "hr", Name: "HR export", Kind: "csv", Settings: map[string]string{"file": "x.csv"}}},
		TargetSystems: []engine.TargetSystem{{Key: "ad", Name: "Active Directory"}},
		Schedules:     []engine.Schedule{{ID: "nightly", Name: "Nightly", Cron: "0 6 * * *"}},
		Aggregation:   &engine.AggregationSettings{SuggestScore: 0.95, MaxCandidates: 5},
	}
	got := engine.ConfigChanges(old, cfg)
	assert.Equal(t, []engine.AttributeChange{
		{Attribute: "source system hr", Old: "HR", New: "changed: name, settings"},
		{Attribute: "source system erp", Old: "ERP", New: "deleted"},
		{Attribute: "target system ad", New: "added: Active Directory"},
		{Attribute: "aggregation settings", Old: `{"suggestScore":0.92,"maxCandidates":5,"measure":"levenshtein"}`, New: `{"suggestScore":0.95,"maxCandidates":5}`},
	}, got)
	assert.Empty(t, engine.ConfigChanges(cfg, cfg), "no change, no lines")
}
