package engine_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func ptr[T any](v T) *T { return &v }

func validSource(key string) engine.SourceSystem {
	return engine.SourceSystem{Key: key, Name: "Source " + key, Kind: "csv"}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *engine.Config)
		want   string
	}{
		{"default config", func(c *engine.Config) {}, ""},
		{"two sources", func(c *engine.Config) {
			c.SourceSystems = []engine.SourceSystem{validSource("hr"), validSource("hr-2")}
		}, ""},
		{"duplicate keys", func(c *engine.Config) {
			c.SourceSystems = []engine.SourceSystem{validSource("hr"), validSource("erp"), validSource("hr")}
		}, `source system 3: the key "hr" is used twice`},
		{"upper-case key", func(c *engine.Config) { c.SourceSystems = []engine.SourceSystem{validSource("HR")} },
			`key "HR" must be 1 to 32 lowercase letters, digits or '-', starting with a letter`},
		{"empty key", func(c *engine.Config) { c.SourceSystems = []engine.SourceSystem{validSource("")} }, `key ""`},
		{"key with a leading digit", func(c *engine.Config) { c.SourceSystems = []engine.SourceSystem{validSource("1hr")} }, `key "1hr"`},
		{"key with a colon", func(c *engine.Config) { c.SourceSystems = []engine.SourceSystem{validSource("hr:x")} }, `key "hr:x"`},
		{"key too long", func(c *engine.Config) { c.SourceSystems = []engine.SourceSystem{validSource(strings.Repeat("a", 33))} }, "1 to 32"},
		{"key of 32 is fine", func(c *engine.Config) { c.SourceSystems = []engine.SourceSystem{validSource(strings.Repeat("a", 32))} }, ""},
		{"missing name", func(c *engine.Config) {
			s := validSource("hr")
			s.Name = "  "
			c.SourceSystems = []engine.SourceSystem{s}
		}, `source system 1: give the source system a name`},
		{"missing kind", func(c *engine.Config) {
			s := validSource("hr")
			s.Kind = ""
			c.SourceSystems = []engine.SourceSystem{s}
		}, `"hr" has no connector kind`},
		{"bad schema", func(c *engine.Config) {
			c.Schema.PersonFields = []engine.CustomField{{Name: "x", Type: "money"}}
		}, `type "money"`},
		{"bad primary contract order", func(c *engine.Config) {
			c.PrimaryContract.Criteria = append(c.PrimaryContract.Criteria, engine.SortCriterion{Field: "Custom.Rank"})
		}, `"Custom.Rank" is not a contract field`},
		{"order on a declared custom field", func(c *engine.Config) {
			c.Schema.ContractFields = []engine.CustomField{{Name: "Rank", Type: engine.TypeNumber}}
			c.PrimaryContract.Criteria = []engine.SortCriterion{{Field: "Custom.Rank"}}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := engine.DefaultConfig()
			tt.mutate(c)
			err := c.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, engine.IsCode(err, engine.Invalid), "code %q", engine.ErrorCode(err))
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestConfigSourceSystemFindsByKey(t *testing.T) {
	c := engine.DefaultConfig()
	c.SourceSystems = []engine.SourceSystem{validSource("hr"), validSource("erp")}
	s, ok := c.SourceSystem("erp")
	require.True(t, ok)
	s.Name = "changed"
	assert.Equal(t, "changed", c.SourceSystems[1].Name, "the result points into the config")
	_, ok = c.SourceSystem("nope")
	assert.False(t, ok)
}

func TestSlug(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{"HR Export 2", "hr-export-2"},
		{"hr", "hr"},
		{"  Leading and trailing  ", "leading-and-trailing"},
		{"Zoë's Ørsted Süd", "zoe-s-orsted-sud"},
		{"Straße", "strasse"},
		{"AFAS -- Profit!!", "afas-profit"},
		{"2024 export", "s2024-export"},
		{"42", "s42"},
		{"", "source"},
		{"!!!", "source"},
		{"Персонал", "source"},
		{"A very long name for a human resources export", "a-very-long-name-for-a-human-res"},
		{"abcdefghijklmnopqrstuvwxyzabcde fgh", "abcdefghijklmnopqrstuvwxyzabcde"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := engine.Slug(tt.name)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got), 32)
			// A slug is always a valid source system key.
			c := engine.DefaultConfig()
			c.SourceSystems = []engine.SourceSystem{{Key: got, Name: tt.name + "x", Kind: "csv"}}
			assert.NoError(t, c.Validate())
		})
	}
}

func TestThresholdString(t *testing.T) {
	tests := []struct {
		th   engine.Threshold
		want string
	}{
		{engine.Threshold{}, "no limit"},
		{engine.Threshold{MaxCount: ptr(50)}, "more than 50"},
		{engine.Threshold{MaxPercent: ptr(5.0)}, "more than 5%"},
		{engine.Threshold{MaxPercent: ptr(2.5)}, "more than 2.5%"},
		{engine.Threshold{MaxCount: ptr(50), MaxPercent: ptr(5.0)}, "more than 50 or more than 5%"},
		{engine.Threshold{MaxCount: ptr(0)}, "more than 0"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.th.String())
			assert.Equal(t, tt.want == "no limit", tt.th.IsZero())
		})
	}
}

func TestImportThresholdsValidate(t *testing.T) {
	tests := []struct {
		name string
		t    engine.ImportThresholds
		want string
	}{
		{"none", engine.ImportThresholds{}, ""},
		{"zero and bounds", engine.ImportThresholds{Added: engine.Threshold{MaxCount: ptr(0), MaxPercent: ptr(0.0)}, Removed: engine.Threshold{MaxPercent: ptr(100.0)}}, ""},
		{"negative count", engine.ImportThresholds{Removed: engine.Threshold{MaxCount: ptr(-1)}},
			"threshold for removed persons: the count must be 0 or more, got -1"},
		{"negative percent", engine.ImportThresholds{Added: engine.Threshold{MaxPercent: ptr(-0.5)}},
			"threshold for added persons: the percentage must be between 0 and 100, got -0.5"},
		{"percent over 100", engine.ImportThresholds{Blocked: engine.Threshold{MaxPercent: ptr(150.0)}},
			"threshold for blocked persons: the percentage must be between 0 and 100, got 150"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.t.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, engine.IsCode(err, engine.Invalid))
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestCheckImportThresholds(t *testing.T) {
	count := func(n int) engine.Threshold { return engine.Threshold{MaxCount: ptr(n)} }
	pct := func(p float64) engine.Threshold { return engine.Threshold{MaxPercent: ptr(p)} }
	tests := []struct {
		name     string
		th       engine.ImportThresholds
		counts   engine.ImportCounts
		previous int
		want     []engine.ThresholdBreach
	}{
		{"no thresholds", engine.ImportThresholds{}, engine.ImportCounts{Added: 1000, Removed: 1000, NewlyBlocked: 1000, Persons: 1000}, 1000, nil},
		{"added count exceeded", engine.ImportThresholds{Added: count(10)}, engine.ImportCounts{Added: 11, Persons: 111}, 100, []engine.ThresholdBreach{
			{What: "added", Count: 11, Percent: 11, Limit: "more than 10"},
		}},
		{"exactly at the count limit is no breach", engine.ImportThresholds{Added: count(10), Removed: count(10), Blocked: count(10)},
			engine.ImportCounts{Added: 10, Removed: 10, NewlyBlocked: 10, Persons: 100}, 100, nil},
		{"exactly at the percent limit is no breach", engine.ImportThresholds{Added: pct(5), Removed: pct(5), Blocked: pct(5)},
			engine.ImportCounts{Added: 5, Removed: 5, NewlyBlocked: 5, Persons: 100}, 100, nil},
		{"removed percent exceeded", engine.ImportThresholds{Removed: pct(5)}, engine.ImportCounts{Removed: 6, Persons: 94}, 100, []engine.ThresholdBreach{
			{What: "removed", Count: 6, Percent: 6, Limit: "more than 5%"},
		}},
		{"a zero count limit breaches at one", engine.ImportThresholds{Removed: count(0)}, engine.ImportCounts{Removed: 1, Persons: 99}, 100, []engine.ThresholdBreach{
			{What: "removed", Count: 1, Percent: 1, Limit: "more than 0"},
		}},
		{"first import skips percentages of added and removed", engine.ImportThresholds{Added: pct(1), Removed: pct(1)}, engine.ImportCounts{Added: 500, Persons: 500}, 0, nil},
		{"first import still checks counts", engine.ImportThresholds{Added: count(100)}, engine.ImportCounts{Added: 500, Persons: 500}, 0, []engine.ThresholdBreach{
			{What: "added", Count: 500, Percent: 0, Limit: "more than 100"},
		}},
		{"persons who stay blocked are not counted", engine.ImportThresholds{Blocked: count(0)}, engine.ImportCounts{Blocked: 50, Persons: 100}, 100, nil},
		{"blocked percent is of this import's persons", engine.ImportThresholds{Blocked: pct(10)}, engine.ImportCounts{NewlyBlocked: 11, Persons: 100}, 1000, []engine.ThresholdBreach{
			{What: "newly blocked", Count: 11, Percent: 11, Limit: "more than 10%"},
		}},
		{"blocked percent applies on a first import", engine.ImportThresholds{Blocked: pct(10)}, engine.ImportCounts{NewlyBlocked: 20, Persons: 100}, 0, []engine.ThresholdBreach{
			{What: "newly blocked", Count: 20, Percent: 20, Limit: "more than 10%"},
		}},
		{"blocked percent within limit though large against previous", engine.ImportThresholds{Blocked: pct(10)}, engine.ImportCounts{NewlyBlocked: 10, Persons: 100}, 10, nil},
		{"either part of a threshold breaches", engine.ImportThresholds{Added: engine.Threshold{MaxCount: ptr(100), MaxPercent: ptr(5.0)}}, engine.ImportCounts{Added: 6, Persons: 106}, 100, []engine.ThresholdBreach{
			{What: "added", Count: 6, Percent: 6, Limit: "more than 100 or more than 5%"},
		}},
		{"several breaches in order", engine.ImportThresholds{Added: count(1), Removed: count(1), Blocked: count(1)}, engine.ImportCounts{Added: 2, Removed: 2, NewlyBlocked: 2, Persons: 10}, 10, []engine.ThresholdBreach{
			{What: "added", Count: 2, Percent: 20, Limit: "more than 1"},
			{What: "removed", Count: 2, Percent: 20, Limit: "more than 1"},
			{What: "newly blocked", Count: 2, Percent: 20, Limit: "more than 1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, engine.CheckImportThresholds(tt.th, tt.counts, tt.previous))
		})
	}
}

func TestThresholdBreachString(t *testing.T) {
	b := engine.ThresholdBreach{What: "removed", Count: 1, Percent: 100.0 / 3, Limit: "more than 5%"}
	assert.Equal(t, "1 person removed (33.3%), limit: more than 5%", b.String())
}
