package importing_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/importing"
)

// runBlocked runs an import that a threshold must block.
func runBlocked(t *testing.T, im *importing.Importer, src *engine.SourceSystem, conn engine.SourceConnector) *engine.ImportRun {
	t.Helper()
	run, snap, err := im.Run(context.Background(), config(src), src, conn, nil)
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Blocked), "want a Blocked error, got %v", err)
	assert.Contains(t, err.Error(), src.Name)
	require.NotNil(t, run)
	assert.Nil(t, snap)
	assert.Equal(t, engine.ImportPending, run.Status)
	assert.NotZero(t, run.ID)
	assert.Zero(t, run.Snapshot)
	require.NotEmpty(t, run.Breaches)
	return run
}

func TestAddedCountBlocksAFirstImport(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	src := hrSource("hr")
	src.Thresholds.Added.MaxCount = intp(9)

	run := runBlocked(t, newImporter(s), src, people(10).single(nil))
	assert.Equal(t, []engine.ThresholdBreach{{What: "added", Count: 10, Limit: "more than 9"}}, run.Breaches)
	assert.Equal(t, 10, run.Counts.Added)
	noSnapshot(t, s)
	snaps, err := s.ListSnapshots(ctx)
	require.NoError(t, err)
	assert.Empty(t, snaps)

	stored, err := s.FindImport(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, engine.ImportPending, stored.Status)
	pending, err := s.PendingImport(ctx, run.ID)
	require.NoError(t, err)
	assert.Len(t, pending.Changes, 10)
}

func TestFirstImportDoesNotCheckPercentages(t *testing.T) {
	s := openStore(t)
	src := hrSource("hr")
	src.Thresholds.Added.MaxPercent = pct(0)
	src.Thresholds.Removed.MaxPercent = pct(0)
	src.Thresholds.Added.MaxCount = intp(10) // exactly the count: passes
	run, snap := mustImport(t, newImporter(s), src, people(10).single(nil))
	assert.Empty(t, run.Breaches)
	assert.Equal(t, 10, snap.Persons)
}

func TestThresholdsOfALaterImport(t *testing.T) {
	for _, tc := range []struct {
		name       string
		first      int // persons in a first, unchecked import; 0 for none
		second     int // persons in the checked import
		thresholds engine.ImportThresholds
		breach     string // "" when the import passes
	}{
		{"removed percent over the limit blocks", 10, 7, engine.ImportThresholds{Removed: engine.Threshold{MaxPercent: pct(29.9)}}, "removed"},
		{"removed percent exactly at the limit passes", 10, 7, engine.ImportThresholds{Removed: engine.Threshold{MaxPercent: pct(30)}}, ""},
		{"removed count over the limit blocks", 10, 7, engine.ImportThresholds{Removed: engine.Threshold{MaxCount: intp(2)}}, "removed"},
		{"removed count exactly at the limit passes", 10, 7, engine.ImportThresholds{Removed: engine.Threshold{MaxCount: intp(3)}}, ""},
		{"added percent over the limit blocks", 10, 12, engine.ImportThresholds{Added: engine.Threshold{MaxPercent: pct(19)}}, "added"},
		{"added percent exactly at the limit passes", 10, 12, engine.ImportThresholds{Added: engine.Threshold{MaxPercent: pct(20)}}, ""},
		{"added count does not count unchanged persons", 10, 12, engine.ImportThresholds{Added: engine.Threshold{MaxCount: intp(2)}}, ""},
		{"blocked percent over the limit blocks a first import", 0, 10, engine.ImportThresholds{Blocked: engine.Threshold{MaxPercent: pct(9)}}, "newly blocked"},
		{"blocked percent exactly at the limit passes", 0, 10, engine.ImportThresholds{Blocked: engine.Threshold{MaxPercent: pct(10)}}, ""},
		{"blocked count over the limit blocks a first import", 0, 10, engine.ImportThresholds{Blocked: engine.Threshold{MaxCount: intp(0)}}, "newly blocked"},
		{"persons who stay blocked do not count against the limit", 10, 10, engine.ImportThresholds{Blocked: engine.Threshold{MaxCount: intp(0)}}, ""},
		{"blocked count exactly at the limit passes", 10, 10, engine.ImportThresholds{Blocked: engine.Threshold{MaxCount: intp(1)}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t)
			im := newImporter(s)
			src := hrSource("hr")
			var before uint64
			if tc.first > 0 {
				_, snap := mustImport(t, im, src, people(tc.first).single(nil))
				before = snap.Number
			}
			src.Thresholds = tc.thresholds
			run, snap, err := im.Run(context.Background(), config(src), src, people(tc.second).single(nil), nil)
			if tc.breach == "" {
				require.NoError(t, err)
				assert.Equal(t, engine.ImportAccepted, run.Status)
				assert.Empty(t, run.Breaches)
				require.NotNil(t, snap)
				assert.Equal(t, tc.second, snap.Persons)
				return
			}
			assert.True(t, engine.IsCode(err, engine.Blocked), "want Blocked, got %v", err)
			assert.Nil(t, snap)
			require.NotNil(t, run)
			assert.Equal(t, engine.ImportPending, run.Status)
			require.Len(t, run.Breaches, 1)
			assert.Equal(t, tc.breach, run.Breaches[0].What)
			if before == 0 {
				noSnapshot(t, s)
			} else {
				latest, err := s.FindSnapshot(context.Background(), 0)
				require.NoError(t, err)
				assert.Equal(t, before, latest.Number, "a blocked import makes no snapshot")
			}
		})
	}
}

func TestApprovedImportBecomesASnapshot(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	im := newImporter(s)
	src := hrSource("hr")
	mustImport(t, im, src, people(10).single(nil))

	data := people(7)
	for i := range data.rows {
		if data.rows[i].id == "E00002" {
			data.rows[i].first = "Changed"
		}
	}
	data.depts[1].name = "Renamed"
	src.Thresholds.Removed.MaxCount = intp(0)
	run := runBlocked(t, im, src, data.single(nil))
	assert.Equal(t, 3, run.Counts.Removed)
	assert.Equal(t, 1, run.Counts.Changed)

	// another source imports while hr waits: approval builds on the latest
	other := hrSource("ext")
	mustImport(t, im, other, people(4).single(nil))

	later := importTime.Add(2 * time.Hour)
	approver := &importing.Importer{Store: s, Clock: engine.FixedClock(later)}
	decided, snap, err := approver.Approve(ctx, run.ID, "checked with HR")
	require.NoError(t, err)
	require.NotNil(t, snap)
	assert.Equal(t, engine.ImportAccepted, decided.Status)
	assert.Equal(t, "checked with HR", decided.Message)
	assert.Equal(t, later, decided.DecidedAt)
	assert.Equal(t, snap.Number, decided.Snapshot)
	assert.Equal(t, uint64(3), snap.Number)
	assert.Equal(t, run.ID, snap.ImportID)
	assert.Equal(t, later, snap.CreatedAt)
	assert.Equal(t, "hr", snap.Source)

	want, ext := data.expected(), people(4).expected()
	assert.Equal(t, want.persons+ext.persons, snap.Persons)
	assert.Equal(t, want.contracts+ext.contracts, snap.Contracts)
	assert.Equal(t, want.blocked+ext.blocked, snap.Blocked)
	assert.Equal(t, want.excluded+ext.excluded, snap.Excluded)
	assert.Equal(t, 10, snap.Departments, "five of each source")
	assert.Equal(t, 3, snap.Removed)
	assert.Equal(t, 1, snap.Changed)
	assert.Zero(t, snap.Added)

	assert.Len(t, sourceEntries(t, s, 3, "hr"), 7)
	assert.Len(t, sourceEntries(t, s, 3, "ext"), 4)
	assert.Equal(t, "Changed", persons(t, s)["hr:E00002"].Name.GivenName)
	depts, err := s.ReadDepartments(ctx, 3)
	require.NoError(t, err)
	var renamed bool
	for _, d := range depts {
		renamed = renamed || d.Source == "hr" && d.DisplayName == "Renamed"
	}
	assert.True(t, renamed, "the pending departments are applied")

	_, _, err = im.Approve(ctx, run.ID, "again")
	assert.True(t, engine.IsCode(err, engine.Conflict), "approving twice: %v", err)
	_, err = im.Reject(ctx, run.ID, "too late")
	assert.True(t, engine.IsCode(err, engine.Conflict), "rejecting an accepted import: %v", err)
}

func TestApprovedFirstImportMakesSnapshotOne(t *testing.T) {
	s := openStore(t)
	im := newImporter(s)
	src := hrSource("hr")
	src.Thresholds.Added.MaxCount = intp(0)
	data := people(10)
	run := runBlocked(t, im, src, data.single(nil))

	_, snap, err := im.Approve(context.Background(), run.ID, "")
	require.NoError(t, err)
	want := data.expected()
	assert.Equal(t, uint64(1), snap.Number)
	assert.Equal(t, want.persons, snap.Persons)
	assert.Equal(t, want.persons, snap.Added)
	assert.Equal(t, want.contracts, snap.Contracts)
	assert.Equal(t, want.blocked, snap.Blocked)
	assert.Equal(t, want.excluded, snap.Excluded)
	assert.Equal(t, 5, snap.Departments)
	assert.Len(t, entries(t, s, 1), want.persons)
}

func TestRejectedImportChangesNothing(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	im := newImporter(s)
	src := hrSource("hr")
	_, first := mustImport(t, im, src, people(10).single(nil))
	before := entries(t, s, 1)

	src.Thresholds.Removed.MaxCount = intp(0)
	run := runBlocked(t, im, src, people(5).single(nil))
	rejected, err := im.Reject(ctx, run.ID, "the export was cut short")
	require.NoError(t, err)
	assert.Equal(t, engine.ImportRejected, rejected.Status)
	assert.Equal(t, "the export was cut short", rejected.Message)
	assert.Equal(t, importTime, rejected.DecidedAt)
	assert.Zero(t, rejected.Snapshot)

	latest, err := s.FindSnapshot(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, first, latest)
	assert.Equal(t, before, entries(t, s, 0))
	_, err = s.PendingImport(ctx, run.ID)
	assert.True(t, engine.IsCode(err, engine.NotFound), "%v", err)

	_, err = im.Reject(ctx, run.ID, "again")
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)
	_, _, err = im.Approve(ctx, run.ID, "changed my mind")
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)
}

func TestDecidingAnImportThatIsNotPendingIsAConflict(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	im := newImporter(s)
	accepted, _ := mustImport(t, im, hrSource("hr"), people(3).single(nil))
	failed, _, err := im.Fail(hrSource("hr"), engine.Errorf(engine.Invalid, "bad settings"))
	require.Error(t, err)

	for _, id := range []uint64{accepted.ID, failed.ID} {
		_, _, err := im.Approve(ctx, id, "")
		assert.True(t, engine.IsCode(err, engine.Conflict), "approve %d: %v", id, err)
		_, err = im.Reject(ctx, id, "")
		assert.True(t, engine.IsCode(err, engine.Conflict), "reject %d: %v", id, err)
	}
	_, _, err = im.Approve(ctx, 999, "")
	assert.True(t, engine.IsCode(err, engine.NotFound), "%v", err)
	_, err = im.Reject(ctx, 999, "")
	assert.True(t, engine.IsCode(err, engine.NotFound), "%v", err)
}

func TestNewImportSupersedesThePendingOne(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	im := newImporter(s)
	src := hrSource("hr")
	src.Thresholds.Added.MaxCount = intp(5)

	first := runBlocked(t, im, src, people(10).single(nil))
	second := runBlocked(t, im, src, people(9).single(nil))
	stored, err := s.FindImport(ctx, first.ID)
	require.NoError(t, err)
	assert.Equal(t, engine.ImportSuperseded, stored.Status)
	assert.Equal(t, importTime, stored.DecidedAt)
	_, err = s.PendingImport(ctx, first.ID)
	assert.True(t, engine.IsCode(err, engine.NotFound), "%v", err)
	_, _, err = im.Approve(ctx, first.ID, "")
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)

	// a pending import of another source is left alone
	other := hrSource("ext")
	other.Thresholds.Added.MaxCount = intp(0)
	otherRun := runBlocked(t, im, other, people(2).single(nil))

	src.Thresholds = engine.ImportThresholds{}
	accepted, snap := mustImport(t, im, src, people(8).single(nil))
	stored, err = s.FindImport(ctx, second.ID)
	require.NoError(t, err)
	assert.Equal(t, engine.ImportSuperseded, stored.Status)
	assert.Contains(t, stored.Message, "replaced by import")
	assert.Equal(t, 8, snap.Persons)
	assert.Equal(t, accepted.ID, snap.ImportID)

	stored, err = s.FindImport(ctx, otherRun.ID)
	require.NoError(t, err)
	assert.Equal(t, engine.ImportPending, stored.Status)
}
