package importing_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// twoSources imports hr (10 persons, 5 departments) and then ext (4
// persons, 2 departments) and returns the second snapshot.
func twoSources(t *testing.T, s engine.Store) *engine.SnapshotInfo {
	t.Helper()
	im := newImporter(s)
	mustImport(t, im, hrSource("hr"), people(10).single(nil))
	ext := people(4)
	ext.depts = ext.depts[:2]
	_, snap := mustImport(t, im, hrSource("ext"), ext.single(nil))
	return snap
}

func TestImportingASecondSourceLeavesTheFirstAlone(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	im := newImporter(s)
	_, snap1 := mustImport(t, im, hrSource("hr"), people(10).single(nil))
	hr1 := sourceEntries(t, s, 1, "hr")

	ext := people(4)
	ext.depts = ext.depts[:2]
	run, snap2 := mustImport(t, im, hrSource("ext"), ext.single(nil))
	assert.Equal(t, 4, run.Counts.Added, "the other source's persons are not removed")
	assert.Zero(t, run.Counts.Removed)
	assert.Equal(t, "ext", snap2.Source)

	hr, e := people(10).expected(), ext.expected()
	assert.Equal(t, hr.persons+e.persons, snap2.Persons)
	assert.Equal(t, hr.contracts+e.contracts, snap2.Contracts)
	assert.Equal(t, hr.blocked+e.blocked, snap2.Blocked)
	assert.Equal(t, hr.excluded+e.excluded, snap2.Excluded)
	assert.Equal(t, 7, snap2.Departments)
	assert.Equal(t, 4, snap2.Added)
	assert.Equal(t, snap1.DepartmentRecords["hr"], snap2.DepartmentRecords["hr"])
	assert.Equal(t, 2, snap2.DepartmentRecords["ext"].Count)
	assert.Equal(t, hr1, sourceEntries(t, s, 2, "hr"), "hr's entries are untouched")
	assert.Len(t, sourceEntries(t, s, 2, "ext"), 4)

	// a later import of ext that removes and changes persons still
	// leaves hr alone
	ext = people(3)
	ext.depts = ext.depts[:2]
	ext.rows[0].first = "Changed"
	run, snap3 := mustImport(t, im, hrSource("ext"), ext.single(nil))
	assert.Equal(t, 1, run.Counts.Removed)
	assert.Equal(t, 1, run.Counts.Changed)
	assert.Equal(t, hr.persons+3, snap3.Persons)
	assert.Equal(t, hr1, sourceEntries(t, s, 3, "hr"))
	depts, err := s.ReadDepartments(ctx, 3)
	require.NoError(t, err)
	assert.Len(t, depts, 7)
}

func TestRemoveSourceMakesASnapshotWithoutItsPersonsAndDepartments(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	im := newImporter(s)
	snap2 := twoSources(t, s)
	ext := sourceEntries(t, s, 2, "ext")

	// a pending import of the removed source is superseded
	src := hrSource("hr")
	src.Thresholds.Removed.MaxCount = intp(0)
	pending := runBlocked(t, im, src, people(2).single(nil))

	run, snap, err := im.RemoveSource(ctx, hrSource("hr"), nil)
	require.NoError(t, err)
	require.NotNil(t, run)
	require.NotNil(t, snap)
	assert.Equal(t, engine.ImportAccepted, run.Status)
	assert.Equal(t, "hr", run.Source)
	assert.Equal(t, "HR export", run.SourceName)
	assert.Contains(t, run.Message, "deleted")
	assert.Equal(t, 10, run.Counts.Removed)
	assert.Equal(t, snap.Number, run.Snapshot)
	assert.Equal(t, importTime, run.FinishedAt)

	assert.Equal(t, snap2.Number+1, snap.Number)
	e := people(4).expected()
	assert.Equal(t, e.persons, snap.Persons)
	assert.Equal(t, e.contracts, snap.Contracts)
	assert.Equal(t, e.blocked, snap.Blocked)
	assert.Equal(t, e.excluded, snap.Excluded)
	assert.Equal(t, 2, snap.Departments)
	assert.Equal(t, 10, snap.Removed)
	assert.NotContains(t, snap.DepartmentRecords, "hr")
	assert.Contains(t, snap.DepartmentRecords, "ext")

	assert.Empty(t, sourceEntries(t, s, snap.Number, "hr"))
	assert.Equal(t, ext, sourceEntries(t, s, snap.Number, "ext"))
	depts, err := s.ReadDepartments(ctx, snap.Number)
	require.NoError(t, err)
	require.Len(t, depts, 2)
	for _, d := range depts {
		assert.Equal(t, "ext", d.Source)
	}

	runs, err := s.ListImports(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, runs)
	assert.Equal(t, run.ID, runs[0].ID, "the removal is recorded as the newest import")
	stored, err := s.FindImport(ctx, pending.ID)
	require.NoError(t, err)
	assert.Equal(t, engine.ImportSuperseded, stored.Status)

	// and the earlier snapshot is still whole
	assert.Len(t, sourceEntries(t, s, snap2.Number, "hr"), 10)

	run, snap, err = im.RemoveSource(ctx, hrSource("hr"), nil)
	assert.NoError(t, err)
	assert.Nil(t, run, "nothing left to remove")
	assert.Nil(t, snap)
}

func TestRemoveSourceWithNothingToRemoveDoesNothing(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	im := newImporter(s)

	run, snap, err := im.RemoveSource(ctx, hrSource("hr"), nil)
	assert.NoError(t, err)
	assert.Nil(t, run)
	assert.Nil(t, snap)

	mustImport(t, im, hrSource("hr"), people(3).single(nil))
	run, snap, err = im.RemoveSource(ctx, hrSource("never-imported"), nil)
	assert.NoError(t, err)
	assert.Nil(t, run)
	assert.Nil(t, snap)
	snaps, err := s.ListSnapshots(ctx)
	require.NoError(t, err)
	assert.Len(t, snaps, 1)
	runs, err := s.ListImports(ctx)
	require.NoError(t, err)
	assert.Len(t, runs, 1)
}

func TestRemoveSourceWithOnlyDepartments(t *testing.T) {
	s := openStore(t)
	im := newImporter(s)
	data := people(0)
	mustImport(t, im, hrSource("hr"), data.single(nil))

	run, snap, err := im.RemoveSource(context.Background(), hrSource("hr"), nil)
	require.NoError(t, err)
	require.NotNil(t, run)
	assert.Zero(t, run.Counts.Removed)
	assert.Zero(t, snap.Departments)
	assert.Empty(t, snap.DepartmentRecords)
}

func TestDepartmentsRecordIsWrittenOnlyWhenDepartmentsChange(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	im := newImporter(s)
	src := hrSource("hr")
	data := people(10)

	_, snap1 := mustImport(t, im, src, data.single(nil))
	ref1 := snap1.DepartmentRecords["hr"]
	assert.Equal(t, 5, ref1.Count)
	assert.NotZero(t, ref1.Ref.Seq)

	// persons change, departments do not
	data.rows[0].first = "Changed"
	_, snap2 := mustImport(t, im, src, data.single(nil))
	assert.Equal(t, ref1, snap2.DepartmentRecords["hr"], "unchanged departments keep their record")
	assert.Equal(t, 5, snap2.Departments)

	// the same departments in another order are the same departments
	reversed := data
	reversed.depts = []dept{data.depts[4], data.depts[3], data.depts[2], data.depts[1], data.depts[0]}
	_, snap3 := mustImport(t, im, src, reversed.single(nil))
	assert.Equal(t, ref1, snap3.DepartmentRecords["hr"])

	data.depts[2].name = "Renamed"
	run, snap4 := mustImport(t, im, src, data.single(nil))
	ref4 := snap4.DepartmentRecords["hr"]
	assert.Greater(t, ref4.Ref.Seq, ref1.Ref.Seq, "changed departments get a new record")
	assert.NotEqual(t, ref1.Ref.Hash, ref4.Ref.Hash)
	assert.Equal(t, 5, ref4.Count)
	assert.Equal(t, 5, run.Counts.Departments)
	depts, err := s.ReadDepartments(ctx, snap4.Number)
	require.NoError(t, err)
	require.Len(t, depts, 5)
	assert.Equal(t, "Renamed", depts[2].DisplayName)
	old, err := s.ReadDepartments(ctx, snap1.Number)
	require.NoError(t, err)
	assert.Equal(t, "Department 2", old[2].DisplayName, "the earlier snapshot keeps its departments")

	data.depts = nil
	_, snap5 := mustImport(t, im, src, data.single(nil))
	assert.NotContains(t, snap5.DepartmentRecords, "hr", "a source without departments any more")
	assert.Zero(t, snap5.Departments)
}

func TestRemoveSourceRejectsThePendingImportOfASourceWithNothingInASnapshot(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	im := newImporter(s)
	src := hrSource("hr")
	src.Thresholds.Added.MaxCount = intp(0)
	pending := runBlocked(t, im, src, people(3).single(nil))

	run, snap, err := im.RemoveSource(ctx, src, nil)
	require.NoError(t, err)
	assert.Nil(t, run)
	assert.Nil(t, snap)
	got, err := s.FindImport(ctx, pending.ID)
	require.NoError(t, err)
	assert.Equal(t, engine.ImportRejected, got.Status)
	assert.Contains(t, got.Message, "deleted")
	_, _, err = im.Approve(ctx, pending.ID, "")
	assert.True(t, engine.IsCode(err, engine.Conflict), "a deleted source's import cannot be approved: %v", err)
	noSnapshot(t, s)
}
