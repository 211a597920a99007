package engine

import (
	"fmt"
	"strings"
)

// Config is a workspace's configuration: its schema, how the primary
// contract is chosen, and its source systems with their mappings and
// thresholds. It holds references to secrets, never the secrets.
type Config struct {
	Schema          Schema               `json:"schema"`
	PrimaryContract PrimaryContractOrder `json:"primaryContract"`
	SourceSystems   []SourceSystem       `json:"sourceSystems"`
	TargetSystems   []TargetSystem       `json:"targetSystems,omitempty"`
	// Aggregation tunes duplicate detection; nil means the defaults.
	Aggregation *AggregationSettings `json:"aggregation,omitempty"`
	// Schedules are the recurring pipelines.
	Schedules []Schedule `json:"schedules,omitempty"`
	// Notifications say which desktop notifications are sent.
	Notifications NotificationSettings `json:"notifications,omitzero"`
}

// AggregationSettings returns the aggregation settings, the defaults when
// none are set.
func (c *Config) AggregationSettings() AggregationSettings {
	if c.Aggregation == nil {
		return DefaultAggregationSettings()
	}
	return *c.Aggregation
}

// DefaultConfig is the configuration of a new, empty workspace.
func DefaultConfig() *Config {
	return &Config{PrimaryContract: DefaultPrimaryContractOrder()}
}

// SourceSystem returns the source system with the given key.
func (c *Config) SourceSystem(key string) (*SourceSystem, bool) {
	for i := range c.SourceSystems {
		if c.SourceSystems[i].Key == key {
			return &c.SourceSystems[i], true
		}
	}
	return nil, false
}

// Validate checks what can be checked without connectors: the schema, the
// primary contract ordering, and that source systems have unique keys and
// names. Mappings and connector settings are checked by their packages.
func (c *Config) Validate() error {
	if err := c.Schema.Validate(); err != nil {
		return err
	}
	if _, err := c.PrimaryContract.Compile(NewFields(c.Schema)); err != nil {
		return err
	}
	keys := map[string]bool{}
	for i, s := range c.SourceSystems {
		if err := s.validateIdentity(); err != nil {
			return Errorf(Invalid, "source system %d: %v", i+1, err)
		}
		if keys[s.Key] {
			return Errorf(Invalid, "source system %d: the key %q is used twice; each source system needs its own", i+1, s.Key)
		}
		keys[s.Key] = true
	}
	targets := map[string]bool{}
	for i := range c.TargetSystems {
		t := &c.TargetSystems[i]
		if err := t.Validate(); err != nil {
			return Errorf(Invalid, "target system %d: %v", i+1, err)
		}
		if targets[t.Key] {
			return Errorf(Invalid, "target system %d: the key %q is used twice; each target system needs its own", i+1, t.Key)
		}
		targets[t.Key] = true
	}
	return nil
}

// SourceSystem is a configured system of record for personnel data.
type SourceSystem struct {
	// Key identifies the source system in person ids and on the command
	// line; it never changes once persons were imported.
	Key  string `json:"key"`
	Name string `json:"name"`
	// Kind names the source connector, e.g. "csv".
	Kind string `json:"kind"`
	// Disabled source systems are skipped by "import all".
	Disabled bool `json:"disabled,omitempty"`
	// Settings are the connector's settings; a setting of kind secret holds
	// a keychain reference, never the secret.
	Settings map[string]string `json:"settings"`
	// DateFormats are tried in order when a date field is mapped from a
	// source field (yyyy-MM-dd is always tried as well).
	DateFormats []string         `json:"dateFormats,omitempty"`
	Mapping     SourceMapping    `json:"mapping"`
	Thresholds  ImportThresholds `json:"thresholds"`
	// AggregationValue is what the source's persons are compared by to
	// find duplicates: fixed, a person field, or a JavaScript snippet that
	// sees the mapped Person. nil means DefaultAggregationSnippet.
	AggregationValue *StageValue `json:"aggregationValue,omitempty"`
}

func (s *SourceSystem) validateIdentity() error {
	if strings.TrimSpace(s.Name) == "" {
		return fmt.Errorf("give the source system a name")
	}
	if !validKey(s.Key) {
		return fmt.Errorf("%q: the key %q must be 1 to 32 lowercase letters, digits or '-', starting with a letter", s.Name, s.Key)
	}
	if s.Kind == "" {
		return fmt.Errorf("%q has no connector kind", s.Key)
	}
	return nil
}

func validKey(s string) bool {
	if len(s) == 0 || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// Slug turns a name into a valid source system key ("HR Export 2" →
// "hr-export-2").
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(RemoveDiacritics(name)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if b.Len() == 0 && r <= '9' {
				b.WriteString("s")
			}
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if len(s) > 32 {
		s = strings.TrimRight(s[:32], "-")
	}
	if s == "" {
		s = "source"
	}
	return s
}

// MappingType says how a field gets its value.
type MappingType string

// The mapping types.
const (
	MapFixed   MappingType = "fixed"   // Value is the value itself
	MapField   MappingType = "field"   // Value names a source field
	MapComplex MappingType = "complex" // Value is a JavaScript snippet; its last expression is the value
)

// FieldMapping maps one person, contract or department field.
type FieldMapping struct {
	Field    string      `json:"field"`
	Type     MappingType `json:"type"`
	Value    string      `json:"value"`
	Required bool        `json:"required,omitempty"`
}

// SourceMapping holds a source system's field mappings per level.
type SourceMapping struct {
	Person     []FieldMapping `json:"person"`
	Contract   []FieldMapping `json:"contract"`
	Department []FieldMapping `json:"department,omitempty"`
}

// Threshold is a safety limit on a count; nil members are not checked.
// MaxPercent is relative to the source system's persons in the previous
// snapshot (for blocked persons: to the persons of this import). The
// blocked threshold counts persons newly blocked by this import, so a few
// persons who stay blocked do not hold every import back.
type Threshold struct {
	MaxCount   *int     `json:"maxCount,omitempty"`
	MaxPercent *float64 `json:"maxPercent,omitempty"`
}

// IsZero reports whether t checks nothing.
func (t Threshold) IsZero() bool { return t.MaxCount == nil && t.MaxPercent == nil }

// String describes t, e.g. "more than 50 or more than 5%".
func (t Threshold) String() string {
	var parts []string
	if t.MaxCount != nil {
		parts = append(parts, fmt.Sprintf("more than %d", *t.MaxCount))
	}
	if t.MaxPercent != nil {
		parts = append(parts, fmt.Sprintf("more than %s%%", trimFloat(*t.MaxPercent)))
	}
	if len(parts) == 0 {
		return "no limit"
	}
	return strings.Join(parts, " or ")
}

// ImportThresholds are the safety limits of a source system's imports.
type ImportThresholds struct {
	Added   Threshold `json:"added"`
	Removed Threshold `json:"removed"`
	Blocked Threshold `json:"blocked"`
}

// Validate checks that limits are not negative.
func (t ImportThresholds) Validate() error {
	for _, x := range []struct {
		name string
		t    Threshold
	}{{"added", t.Added}, {"removed", t.Removed}, {"blocked", t.Blocked}} {
		if x.t.MaxCount != nil && *x.t.MaxCount < 0 {
			return Errorf(Invalid, "threshold for %s persons: the count must be 0 or more, got %d", x.name, *x.t.MaxCount)
		}
		if x.t.MaxPercent != nil && (*x.t.MaxPercent < 0 || *x.t.MaxPercent > 100) {
			return Errorf(Invalid, "threshold for %s persons: the percentage must be between 0 and 100, got %s", x.name, trimFloat(*x.t.MaxPercent))
		}
	}
	return nil
}

// ThresholdBreach records one threshold an import exceeded.
type ThresholdBreach struct {
	What    string  `json:"what"` // added, removed or blocked
	Count   int     `json:"count"`
	Percent float64 `json:"percent"`
	Limit   string  `json:"limit"`
}

func (b ThresholdBreach) String() string {
	persons := "persons"
	if b.Count == 1 {
		persons = "person"
	}
	return fmt.Sprintf("%d %s %s (%s%%), limit: %s", b.Count, persons, b.What, trimFloat(round1(b.Percent)), b.Limit)
}

// CheckImportThresholds returns the thresholds that counts exceed. previous
// is the number of the source's persons in the latest snapshot; with none,
// percentages of added and removed persons are not checked (a first import
// adds everyone).
func CheckImportThresholds(t ImportThresholds, c ImportCounts, previous int) []ThresholdBreach {
	var out []ThresholdBreach
	check := func(what string, th Threshold, n, base int) {
		pct := 0.0
		if base > 0 {
			pct = float64(n) * 100 / float64(base)
		}
		over := th.MaxCount != nil && n > *th.MaxCount ||
			th.MaxPercent != nil && base > 0 && pct > *th.MaxPercent
		if over {
			out = append(out, ThresholdBreach{What: what, Count: n, Percent: pct, Limit: th.String()})
		}
	}
	check("added", t.Added, c.Added, previous)
	check("removed", t.Removed, c.Removed, previous)
	check("newly blocked", t.Blocked, c.NewlyBlocked, c.Persons)
	return out
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

func trimFloat(f float64) string { return Num(f).String() }

// ConfigFormat identifies a configuration export file.
const ConfigFormat = "provisio-config"

// ConfigFileVersion is the version of the export file layout.
const ConfigFileVersion = 1

// ConfigFile is the JSON document `provisio config export` writes and
// `provisio config import` reads. Relative file paths in connector settings
// are relative to the file's folder.
type ConfigFile struct {
	Format  string  `json:"format"`
	Version int     `json:"version"`
	Config  *Config `json:"config"`
	// Rules, when present, replace the workspace's business rules.
	Rules []Rule `json:"rules,omitempty"`
}
