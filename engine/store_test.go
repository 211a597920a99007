package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func entries(ids ...string) []engine.IndexEntry {
	out := make([]engine.IndexEntry, len(ids))
	for i, id := range ids {
		out[i] = engine.IndexEntry{ID: id, Ref: engine.RecordRef{Seq: uint64(i + 1)}}
	}
	return out
}

func ids(es []engine.IndexEntry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func TestSnapshotIndexFind(t *testing.T) {
	x := &engine.SnapshotIndex{Entries: entries("erp:1", "hr:1", "hr:10", "hr:2")}
	for i, id := range []string{"erp:1", "hr:1", "hr:10", "hr:2"} {
		e, ok := x.Find(id)
		require.True(t, ok, id)
		assert.Equal(t, uint64(i+1), e.Ref.Seq)
	}
	for _, id := range []string{"", "a", "hr:", "hr:3", "zzz"} {
		e, ok := x.Find(id)
		assert.False(t, ok, id)
		assert.Equal(t, engine.IndexEntry{}, e)
	}
	_, ok := (&engine.SnapshotIndex{}).Find("hr:1")
	assert.False(t, ok)
}

func TestSnapshotIndexSourceReturnsOneSourcesEntries(t *testing.T) {
	// "hr-2:" sorts before "hr:" because '-' < ':'.
	x := &engine.SnapshotIndex{Entries: entries("erp:1", "hr-2:1", "hr:1", "hr:2", "hrx:1", "zz:1")}
	tests := []struct {
		key  string
		want []string
	}{
		{"hr", []string{"hr:1", "hr:2"}},
		{"hr-2", []string{"hr-2:1"}},
		{"erp", []string{"erp:1"}},
		{"zz", []string{"zz:1"}},
		{"h", []string{}},
		{"none", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			assert.Equal(t, tt.want, ids(x.Source(tt.key)))
		})
	}
	assert.Empty(t, (&engine.SnapshotIndex{}).Source("hr"))
}

func TestApplyChanges(t *testing.T) {
	add := func(id string, seq uint64) engine.IndexChange {
		return engine.IndexChange{Entry: engine.IndexEntry{ID: id, Ref: engine.RecordRef{Seq: seq}}, Record: -1}
	}
	remove := func(id string) engine.IndexChange {
		return engine.IndexChange{Entry: engine.IndexEntry{ID: id}, Removed: true}
	}
	tests := []struct {
		name    string
		base    []engine.IndexEntry
		changes []engine.IndexChange
		want    []engine.IndexEntry
	}{
		{"nothing", nil, nil, []engine.IndexEntry{}},
		{"no changes", entries("a", "b"), nil, entries("a", "b")},
		{"into an empty index", nil, []engine.IndexChange{add("a", 1), add("b", 2)}, entries("a", "b")},
		{"add before, between and after", entries("b", "d"),
			[]engine.IndexChange{add("a", 10), add("c", 11), add("e", 12)},
			[]engine.IndexEntry{{ID: "a", Ref: engine.RecordRef{Seq: 10}}, {ID: "b", Ref: engine.RecordRef{Seq: 1}}, {ID: "c", Ref: engine.RecordRef{Seq: 11}}, {ID: "d", Ref: engine.RecordRef{Seq: 2}}, {ID: "e", Ref: engine.RecordRef{Seq: 12}}}},
		{"replace", entries("a", "b", "c"), []engine.IndexChange{add("b", 99)},
			[]engine.IndexEntry{{ID: "a", Ref: engine.RecordRef{Seq: 1}}, {ID: "b", Ref: engine.RecordRef{Seq: 99}}, {ID: "c", Ref: engine.RecordRef{Seq: 3}}}},
		{"remove first, middle and last", entries("a", "b", "c", "d", "e"), []engine.IndexChange{remove("a"), remove("c"), remove("e")},
			[]engine.IndexEntry{{ID: "b", Ref: engine.RecordRef{Seq: 2}}, {ID: "d", Ref: engine.RecordRef{Seq: 4}}}},
		{"remove everything", entries("a", "b"), []engine.IndexChange{remove("a"), remove("b")}, []engine.IndexEntry{}},
		{"removing a missing entry changes nothing", entries("a", "c"), []engine.IndexChange{remove("b"), remove("z")}, entries("a", "c")},
		{"removing from an empty index", nil, []engine.IndexChange{remove("a")}, []engine.IndexEntry{}},
		{"mixed", entries("a", "b", "c"), []engine.IndexChange{remove("a"), add("b", 20), add("bb", 21), remove("c")},
			[]engine.IndexEntry{{ID: "b", Ref: engine.RecordRef{Seq: 20}}, {ID: "bb", Ref: engine.RecordRef{Seq: 21}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var base []engine.IndexEntry
			if tt.base != nil {
				base = append(base, tt.base...)
			}
			got := engine.ApplyChanges(tt.base, tt.changes)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, base, tt.base, "the base is not modified")
		})
	}
}

func TestApplyChangesKeepsFlagsAndContractCounts(t *testing.T) {
	e := engine.IndexEntry{ID: "hr:1", Flags: engine.FlagBlocked | engine.FlagExcluded, Contracts: 3}
	got := engine.ApplyChanges(nil, []engine.IndexChange{{Entry: e}})
	require.Len(t, got, 1)
	assert.Equal(t, e, got[0])
}

func TestClocks(t *testing.T) {
	at := time.Date(2024, 1, 31, 23, 30, 0, 0, time.UTC)
	c := engine.FixedClock(at)
	assert.Equal(t, at, c.Now())
	assert.Equal(t, engine.Date(20240131), engine.Today(c))
	assert.WithinDuration(t, time.Now(), engine.SystemClock{}.Now(), time.Minute)
}
