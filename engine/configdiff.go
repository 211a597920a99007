package engine

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strings"
)

// OpConfigure is the audit operation of a change to the configuration or
// the business rules. Its entries have no person and no target; their
// changes say what changed.
const OpConfigure ActionOp = "configure"

// ConfigChanges describes how a configuration changed, an item a line:
// "source system hr" changed (name, mapping), "target system ad" added,
// "schedule nightly" deleted, "aggregation settings" changed (with the old
// and new values). Settings hold secret references, never secrets, so
// nothing here reveals one. No change, no lines.
func ConfigChanges(old, new *Config) []AttributeChange {
	if old == nil {
		old = &Config{}
	}
	var out []AttributeChange
	if !sameJSON(old.Schema, new.Schema) {
		out = append(out, AttributeChange{Attribute: "custom fields", Old: customFieldNames(old.Schema), New: customFieldNames(new.Schema)})
	}
	if !sameJSON(old.PrimaryContract, new.PrimaryContract) {
		out = append(out, AttributeChange{Attribute: "primary contract order", New: "changed"})
	}
	out = append(out, listChanges("source system", old.SourceSystems, new.SourceSystems,
		func(s SourceSystem) string { return s.Key }, func(s SourceSystem) string { return s.Name })...)
	out = append(out, listChanges("target system", old.TargetSystems, new.TargetSystems,
		func(t TargetSystem) string { return t.Key }, func(t TargetSystem) string { return t.Name })...)
	out = append(out, listChanges("schedule", old.Schedules, new.Schedules,
		func(s Schedule) string { return s.ID }, func(s Schedule) string { return s.Name })...)
	if !sameJSON(old.Aggregation, new.Aggregation) {
		out = append(out, AttributeChange{Attribute: "aggregation settings", Old: compactJSON(old.AggregationSettings()), New: compactJSON(new.AggregationSettings())})
	}
	if !sameJSON(old.Notifications, new.Notifications) {
		out = append(out, AttributeChange{Attribute: "notification settings", Old: compactJSON(old.Notifications), New: compactJSON(new.Notifications)})
	}
	return out
}

// listChanges compares two lists of configured items by key.
func listChanges[T any](kind string, old, new []T, key, name func(T) string) []AttributeChange {
	before := map[string]T{}
	for _, x := range old {
		before[key(x)] = x
	}
	var out []AttributeChange
	seen := map[string]bool{}
	for _, x := range new {
		k := key(x)
		seen[k] = true
		was, ok := before[k]
		switch {
		case !ok:
			out = append(out, AttributeChange{Attribute: kind + " " + k, New: "added: " + name(x)})
		case !sameJSON(was, x):
			out = append(out, AttributeChange{Attribute: kind + " " + k, Old: name(was), New: "changed: " + strings.Join(changedFields(was, x), ", ")})
		}
	}
	for _, x := range old {
		if k := key(x); !seen[k] {
			out = append(out, AttributeChange{Attribute: kind + " " + k, Old: name(x), New: "deleted"})
		}
	}
	return out
}

// changedFields lists the top-level JSON fields in which two values
// differ, by name.
func changedFields(a, b any) []string {
	var x, y map[string]json.RawMessage
	ra, _ := json.Marshal(a)
	rb, _ := json.Marshal(b)
	if json.Unmarshal(ra, &x) != nil || json.Unmarshal(rb, &y) != nil {
		return []string{"value"}
	}
	var out []string
	for k, v := range x {
		if w, ok := y[k]; !ok || !bytes.Equal(v, w) {
			out = append(out, k)
		}
	}
	for k := range y {
		if _, ok := x[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func sameJSON(a, b any) bool {
	ra, _ := json.Marshal(a)
	rb, _ := json.Marshal(b)
	return bytes.Equal(ra, rb)
}

func compactJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func customFieldNames(s Schema) string {
	var names []string
	for _, f := range s.PersonFields {
		names = append(names, f.Name)
	}
	for _, f := range s.ContractFields {
		names = append(names, "contract "+f.Name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
