package storetest

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func testConfig(t *testing.T, h *harness) {
	c, err := h.s.LoadConfig(h.ctx)
	require.NoError(t, err)
	require.Equal(t, engine.DefaultConfig(), c, "a new workspace has the default configuration")
	h.reopen()
	c, err = h.s.LoadConfig(h.ctx)
	require.NoError(t, err)
	require.Equal(t, engine.DefaultConfig(), c)

	maxRemoved := 10
	cfg := engine.DefaultConfig()
	cfg.Schema.PersonFields = []engine.CustomField{{Name: "badge", Label: "Badge number", Type: engine.TypeText}}
	cfg.SourceSystems = []engine.SourceSystem{{
		Key:         "hr",
		Name:        "HR export",
		Kind:        "csv",
		Settings:    map[string]string{"path": "hr.csv", "delimiter": ";"},
		DateFormats: []string{"dd-MM-yyyy"},
		Mapping: engine.SourceMapping{
			Person:   []engine.FieldMapping{{Field: "ExternalId", Type: engine.MapField, Value: "id", Required: true}},
			Contract: []engine.FieldMapping{{Field: "Title.Name", Type: engine.MapComplex, Value: "source.title.trim()"}},
		},
		Thresholds: engine.ImportThresholds{Removed: engine.Threshold{MaxCount: &maxRemoved}},
	}}
	require.NoError(t, h.s.SaveConfig(h.ctx, cfg))
	h.reopen()
	c, err = h.s.LoadConfig(h.ctx)
	require.NoError(t, err)
	require.Equal(t, cfg, c, "the saved configuration survives reopening")

	cfg.SourceSystems[0].Disabled = true
	cfg.SourceSystems = append(cfg.SourceSystems, engine.SourceSystem{Key: "erp", Name: "ERP", Kind: "sql", Settings: map[string]string{"password": "keychain:erp"}})
	require.NoError(t, h.s.SaveConfig(h.ctx, cfg))
	h.reopen()
	c, err = h.s.LoadConfig(h.ctx)
	require.NoError(t, err)
	require.Equal(t, cfg, c, "SaveConfig replaces the configuration")

	// fields that JSON leaves out (false, empty) come back as saved, not
	// as the defaults
	cfg.PrimaryContract = engine.PrimaryContractOrder{Criteria: []engine.SortCriterion{{Field: "StartDate"}, {Field: "Title.Code"}}}
	cfg.SourceSystems[0].Disabled = false
	require.NoError(t, h.s.SaveConfig(h.ctx, cfg))
	h.reopen()
	c, err = h.s.LoadConfig(h.ctx)
	require.NoError(t, err)
	require.Equal(t, cfg, c, "ascending criteria stay ascending")
}

func testFirstImport(t *testing.T, h *harness) {
	persons := []*engine.Person{
		newPerson("hr", "1", withContracts(2)),
		newPerson("hr", "2", blocked),
		newPerson("hr", "3", excluded),
	}
	depts := newDepartments("hr", 2, "Sales")
	run, snap, _ := h.commit(importSpec{source: "hr", persons: persons, departments: depts})

	require.Equal(t, uint64(1), snap.Number)
	require.Equal(t, run.ID, snap.ImportID)
	require.Equal(t, "hr", snap.Source)
	require.Equal(t, 3, snap.Persons)
	require.Equal(t, 4, snap.Contracts)
	require.Equal(t, 1, snap.Blocked)
	require.Equal(t, 1, snap.Excluded)
	require.Equal(t, 3, snap.Added)
	require.Equal(t, 2, snap.Departments)
	require.Equal(t, 2, snap.DepartmentRecords["hr"].Count)
	require.Equal(t, engine.ImportAccepted, run.Status)
	require.Equal(t, uint64(1), run.Snapshot)

	h.reopen()
	latest, err := h.s.FindSnapshot(h.ctx, 0)
	require.NoError(t, err)
	require.Equal(t, snap, latest, "FindSnapshot(0) is the latest snapshot")
	one, err := h.s.FindSnapshot(h.ctx, 1)
	require.NoError(t, err)
	require.Equal(t, snap, one)
	require.Equal(t, []engine.SnapshotInfo{*snap}, h.requireSnapshotCount(1))
	found, err := h.s.FindImport(h.ctx, run.ID)
	require.NoError(t, err)
	require.Equal(t, run, found)
	h.requireSnapshot(1)
}

func testChangesApplyToPreviousIndex(t *testing.T, h *harness) {
	first := people("hr", 1, 5)
	h.accept("hr", first...)
	idx1, err := h.s.SnapshotIndex(h.ctx, 1)
	require.NoError(t, err)
	before := slices.Clone(idx1.Entries)

	second := append(without(replace(first, newPerson("hr", "2", titled("Team lead"))), "hr:3"), newPerson("hr", "5"))
	_, snap, c := h.accept("hr", second...)
	require.Equal(t, uint64(2), snap.Number)
	require.Equal(t, 1, snap.Added)
	require.Equal(t, 1, snap.Changed)
	require.Equal(t, 1, snap.Removed)
	require.Equal(t, 4, snap.Persons)
	require.Len(t, c.Records, 2, "only the changed and the added person have new records")

	h.reopen()
	idx2, err := h.s.SnapshotIndex(h.ctx, 2)
	require.NoError(t, err)
	require.Equal(t, engine.ApplyChanges(before, withRefs(t, c.Changes, idx2)), idx2.Entries)
	old, _ := idx1.Find("hr:2")
	changed, _ := idx2.Find("hr:2")
	require.NotEqual(t, old.Ref, changed.Ref, "a changed person gets a new record")
	h.requireSnapshot(1)
	h.requireSnapshot(2)
	idx1Again, err := h.s.SnapshotIndex(h.ctx, 1)
	require.NoError(t, err)
	require.Equal(t, before, idx1Again.Entries, "a snapshot never changes")
}

func testUnchangedPersonsKeepTheirRecord(t *testing.T, h *harness) {
	persons := people("hr", 1, 6)
	h.accept("hr", persons...)
	_, snap, c := h.accept("hr", persons...)
	require.Empty(t, c.Changes)
	require.Empty(t, c.Records)
	require.Equal(t, 5, snap.Persons)
	require.Zero(t, snap.Added+snap.Changed+snap.Removed)

	_, _, c = h.accept("hr", replace(persons, newPerson("hr", "4", titled("Director")))...)
	require.Len(t, c.Records, 1)

	h.reopen()
	idx1, err := h.s.SnapshotIndex(h.ctx, 1)
	require.NoError(t, err)
	idx2, err := h.s.SnapshotIndex(h.ctx, 2)
	require.NoError(t, err)
	require.Equal(t, idx1.Entries, idx2.Entries, "an import without changes refers to the same records")
	idx3, err := h.s.SnapshotIndex(h.ctx, 3)
	require.NoError(t, err)
	for _, e := range idx3.Entries {
		prev, _ := idx2.Find(e.ID)
		if e.ID == "hr:4" {
			require.NotEqual(t, prev.Ref, e.Ref)
			continue
		}
		require.Equal(t, prev.Ref, e.Ref, "unchanged %s keeps its record", e.ID)
	}
	for n := uint64(1); n <= 3; n++ {
		h.requireSnapshot(n)
	}
}

// testLongHistory makes enough snapshots, with small and large changes, that
// a store keeping full indexes and chains of changes uses both, and checks
// every snapshot after reopening. With the bolt store's rules (a full index
// when the changes since the last one exceed a quarter of the persons, or
// after 64 snapshots) the history below writes full indexes for snapshot 1,
// for the large changes of 30, 100 and 101, for the 64th snapshot after 30,
// and once the changes of 3 persons per import add up after 101.
func testLongHistory(t *testing.T, h *harness) {
	const persons, imports = 400, 160
	rng := rand.New(rand.NewPCG(7, 11))
	current := map[string]*engine.Person{}
	for _, p := range people("hr", 0, persons) {
		current[p.ID] = p
	}
	version := 0
	change := func(id string) {
		version++
		p := current[id]
		current[id] = newPerson("hr", p.ExternalID, titled(fmt.Sprintf("Title %d", version)))
	}
	next := persons
	for k := 1; k <= imports; k++ {
		ids := slices.Sorted(maps.Keys(current))
		switch {
		case k == 1:
		case k == 30: // more than a quarter of the persons change
			for _, id := range ids[:persons*3/8] {
				change(id)
			}
		case k == 100: // a third leave
			for _, id := range ids[:persons/3] {
				delete(current, id)
			}
		case k == 101: // and others join
			for range persons / 3 {
				p := newPerson("hr", fmt.Sprint(next))
				next++
				current[p.ID] = p
			}
		default:
			n := 1
			if k > 101 {
				n = 3
			}
			for range n {
				change(ids[rng.IntN(len(ids))])
			}
			if k%20 == 0 { // one leaves, one joins
				delete(current, ids[rng.IntN(len(ids))])
				p := newPerson("hr", fmt.Sprint(next), withContracts(2))
				next++
				current[p.ID] = p
			}
		}
		h.accept("hr", slices.Collect(maps.Values(current))...)
		if k%25 == 0 {
			h.reopen()
		}
	}
	h.reopen()
	for n := uint64(imports); n >= 1; n-- {
		h.requireSnapshot(n)
	}
	h.reopen()
	for n := uint64(1); n <= imports; n++ {
		h.requireSnapshot(n)
	}
	require.Len(t, h.requireSnapshotCount(imports), imports)
}

func testPendingApproved(t *testing.T, h *harness) {
	first := people("hr", 1, 5)
	h.commit(importSpec{source: "hr", persons: first, departments: newDepartments("hr", 2, "Old")})
	idx1, err := h.s.SnapshotIndex(h.ctx, 1)
	require.NoError(t, err)
	before := slices.Clone(idx1.Entries)

	second := append(without(replace(first, newPerson("hr", "2", titled("Team lead"))), "hr:3"), newPerson("hr", "5", blocked))
	depts := newDepartments("hr", 3, "New")
	run, _, c := h.commit(importSpec{source: "hr", persons: second, departments: depts, pending: true})
	require.Equal(t, engine.ImportPending, run.Status)
	require.NotNil(t, c.Departments)
	h.requireSnapshotCount(1)

	h.reopen()
	h.requireStatus(run.ID, engine.ImportPending)
	latest, err := h.s.FindSnapshot(h.ctx, 0)
	require.NoError(t, err)
	require.Equal(t, uint64(1), latest.Number, "a pending import makes no snapshot")
	p, err := h.s.PendingImport(h.ctx, run.ID)
	require.NoError(t, err)
	require.Len(t, p.Changes, len(c.Changes))
	var refs []engine.RecordRef
	var want []*engine.Person
	for i, ch := range p.Changes {
		require.Equal(t, c.Changes[i].Entry.ID, ch.Entry.ID, "pending changes are sorted by id")
		require.Equal(t, c.Changes[i].Removed, ch.Removed)
		if ch.Removed {
			continue
		}
		require.Equal(t, c.Changes[i].Entry.Ref.Hash, ch.Entry.Ref.Hash)
		require.Equal(t, c.Changes[i].Entry.Flags, ch.Entry.Flags)
		require.Equal(t, c.Changes[i].Entry.Contracts, ch.Entry.Contracts)
		refs = append(refs, ch.Entry.Ref)
		want = append(want, h.pending[run.ID].changes[ch.Entry.ID])
	}
	got := h.readPersons(entriesOf(refs))
	require.Equal(t, want, got, "pending changes refer to their new records")
	require.NotNil(t, p.Departments)
	require.Equal(t, engine.HashOf(c.Departments), p.Departments.Hash)

	note := "checked with HR: the leaver is real"
	approved, snap, pending := h.approve(run.ID, note)
	require.Equal(t, uint64(2), snap.Number)
	require.Equal(t, 1, snap.Added)
	require.Equal(t, 1, snap.Changed)
	require.Equal(t, 1, snap.Removed)
	require.Equal(t, 3, snap.Departments)

	h.reopen()
	h.requirePendingGone(run.ID)
	found := h.requireStatus(run.ID, engine.ImportAccepted)
	require.Equal(t, approved, found)
	idx2, err := h.s.SnapshotIndex(h.ctx, 2)
	require.NoError(t, err)
	require.Equal(t, engine.ApplyChanges(before, pending.Changes), idx2.Entries, "the approved snapshot is the previous index with the pending changes")
	h.requireSnapshot(1)
	h.requireSnapshot(2)

	_, _, err = h.s.ResolveImport(h.ctx, run.ID, engine.ImportAccepted, h.now(), "again", &engine.SnapshotInfo{})
	requireCode(t, engine.Conflict, err, "approving an import twice")
	_, _, err = h.s.ResolveImport(h.ctx, run.ID, engine.ImportRejected, h.now(), "too late", nil)
	requireCode(t, engine.Conflict, err, "rejecting an accepted import")
	h.requireSnapshotCount(2)
}

func testPendingAppliesToLatest(t *testing.T, h *harness) {
	hr := people("hr", 1, 5)
	h.accept("hr", hr...)
	run, _, _ := h.commit(importSpec{source: "hr", persons: append(without(hr, "hr:1"), newPerson("hr", "9")), pending: true})
	h.accept("erp", people("erp", 1, 3)...)
	h.reopen()

	_, snap, _ := h.approve(run.ID, "")
	require.Equal(t, uint64(3), snap.Number)
	require.Equal(t, 6, snap.Persons, "the approved changes apply to the latest snapshot, which holds the other source system")
	h.reopen()
	for n := uint64(1); n <= 3; n++ {
		h.requireSnapshot(n)
	}
}

func testFirstPendingApproved(t *testing.T, h *harness) {
	run, _, _ := h.commit(importSpec{source: "hr", persons: people("hr", 1, 4, blocked), departments: newDepartments("hr", 1, "Only"), pending: true})
	h.requireSnapshotCount(0)
	h.reopen()
	_, snap, _ := h.approve(run.ID, "first import")
	require.Equal(t, uint64(1), snap.Number)
	require.Equal(t, 3, snap.Blocked)
	h.reopen()
	h.requireSnapshot(1)
}

func testPendingRejected(t *testing.T, h *harness) {
	persons := people("hr", 1, 5)
	h.accept("hr", persons...)
	run, _, _ := h.commit(importSpec{source: "hr", persons: append(persons[:1:1], newPerson("hr", "9")), departments: newDepartments("hr", 4, "New"), pending: true})
	h.reopen()
	written := h.pendingRecords(run.ID)

	rejected := h.reject(run.ID, "the export was cut short")
	h.reopen()
	found := h.requireStatus(run.ID, engine.ImportRejected)
	require.Equal(t, rejected, found)
	h.requirePendingGone(run.ID)
	h.requireSnapshotCount(1)
	h.requireSnapshot(1)

	h.requireRecordsGone(written, "a rejected import's records are discarded")

	_, _, err := h.s.ResolveImport(h.ctx, run.ID, engine.ImportRejected, h.now(), "again", nil)
	requireCode(t, engine.Conflict, err, "rejecting an import twice")
	_, _, c := h.accept("hr", persons...)
	require.Empty(t, c.Changes, "the rejected changes are gone")
}

func testSupersede(t *testing.T, h *harness) {
	persons := people("hr", 1, 5)
	h.accept("hr", persons...)
	a, _, _ := h.commit(importSpec{source: "hr", persons: append(persons[:2:2], newPerson("hr", "9")), pending: true})
	written := h.pendingRecords(a.ID)
	b, _, _ := h.commit(importSpec{source: "hr", persons: persons[:3], pending: true, supersede: []uint64{a.ID}})
	h.requireRecordsGone(written, "a superseded import's records are discarded")

	h.reopen()
	old := h.requireStatus(a.ID, engine.ImportSuperseded)
	require.True(t, b.FinishedAt.Equal(old.DecidedAt), "a superseded import is decided when its successor finished")
	require.NotEmpty(t, old.Message, "a superseded import says what replaced it")
	h.requirePendingGone(a.ID)
	h.requireStatus(b.ID, engine.ImportPending)
	_, err := h.s.PendingImport(h.ctx, b.ID)
	require.NoError(t, err)
	_, _, err = h.s.ResolveImport(h.ctx, a.ID, engine.ImportAccepted, h.now(), "", &engine.SnapshotInfo{})
	requireCode(t, engine.Conflict, err, "approving a superseded import")

	c, snap, _ := h.commit(importSpec{source: "hr", persons: append(persons, newPerson("hr", "5")), supersede: []uint64{b.ID}})
	require.Equal(t, uint64(2), snap.Number)
	h.reopen()
	h.requireStatus(b.ID, engine.ImportSuperseded)
	h.requireStatus(c.ID, engine.ImportAccepted)
	h.requirePendingGone(b.ID)
	h.requireSnapshot(2)
}

func testSaveImport(t *testing.T, h *harness) {
	failed := &engine.ImportRun{
		Source: "hr", SourceName: "HR export", StartedAt: h.now(), FinishedAt: h.now(),
		Status:  engine.ImportFailed,
		Message: "hr.csv: line 1: expected a header row",
		Counts:  engine.ImportCounts{Records: 2, Errors: 2},
		Errors: []engine.RecordError{
			{File: "hr.csv", Line: 2, Field: "StartDate", Person: "17", Message: "expected a date like 2024-03-01, got \"soon\"", Blocking: true},
			{File: "hr.csv", Line: 3, Message: "the row has 4 fields, the header 5"},
		},
	}
	require.NoError(t, h.s.SaveImport(h.ctx, failed))
	require.NotZero(t, failed.ID, "SaveImport assigns the import's id")
	cancelled := &engine.ImportRun{Source: "hr", SourceName: "HR export", StartedAt: h.now(), FinishedAt: h.now(), Status: engine.ImportCanceled, Message: "cancelled"}
	require.NoError(t, h.s.SaveImport(h.ctx, cancelled))
	require.Greater(t, cancelled.ID, failed.ID)
	h.lastImport = cancelled.ID

	accepted := &engine.ImportRun{Source: "hr", Status: engine.ImportAccepted}
	require.Error(t, h.s.SaveImport(h.ctx, accepted), "SaveImport records only imports that changed nothing")

	h.reopen()
	got, err := h.s.FindImport(h.ctx, failed.ID)
	require.NoError(t, err)
	require.Equal(t, failed, got)
	got, err = h.s.FindImport(h.ctx, cancelled.ID)
	require.NoError(t, err)
	require.Equal(t, cancelled, got)
	list, err := h.s.ListImports(h.ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	h.requireSnapshotCount(0)
	_, err = h.s.FindSnapshot(h.ctx, 0)
	requireCode(t, engine.NotFound, err, "a failed import makes no snapshot")

	run, _, _ := h.accept("hr", people("hr", 1, 3)...)
	require.Greater(t, run.ID, cancelled.ID, "saved and committed imports share one sequence of ids")
}

func testListImports(t *testing.T, h *harness) {
	list, err := h.s.ListImports(h.ctx)
	require.NoError(t, err)
	require.Empty(t, list)

	errs := []engine.RecordError{{File: "hr.csv", Line: 7, Field: "ExternalId", Message: "required, but empty"}}
	a, _, _ := h.commit(importSpec{source: "hr", persons: people("hr", 1, 3), errors: errs})
	failed := &engine.ImportRun{Source: "erp", SourceName: "ERP", StartedAt: h.now(), FinishedAt: h.now(), Status: engine.ImportFailed, Message: "connection refused", Errors: errs, Counts: engine.ImportCounts{Errors: 1}}
	require.NoError(t, h.s.SaveImport(h.ctx, failed))
	h.lastImport = failed.ID
	c, _, _ := h.commit(importSpec{source: "hr", persons: people("hr", 2, 4), errors: errs, pending: true})

	h.reopen()
	list, err = h.s.ListImports(h.ctx)
	require.NoError(t, err)
	require.Equal(t, []uint64{c.ID, failed.ID, a.ID}, []uint64{list[0].ID, list[1].ID, list[2].ID}, "newest first")
	require.Len(t, list, 3)
	for _, run := range list {
		require.Nil(t, run.Errors, "ListImports leaves out record errors")
		full, err := h.s.FindImport(h.ctx, run.ID)
		require.NoError(t, err)
		require.Equal(t, errs, full.Errors, "FindImport returns the record errors")
		full.Errors = nil
		require.Equal(t, *full, run)
	}
	require.Equal(t, engine.ImportPending, list[0].Status)
	require.Equal(t, []engine.ThresholdBreach{{What: "removed", Count: 1, Percent: 25, Limit: "more than 0"}}, list[0].Breaches)
}

func testNotFound(t *testing.T, h *harness) {
	notFound := func(what string, err error) {
		t.Helper()
		requireCode(t, engine.NotFound, err, what)
	}
	_, err := h.s.FindSnapshot(h.ctx, 0)
	notFound("FindSnapshot(0) without snapshots", err)
	_, err = h.s.FindSnapshot(h.ctx, 1)
	notFound("FindSnapshot(1) without snapshots", err)
	_, err = h.s.SnapshotIndex(h.ctx, 1)
	notFound("SnapshotIndex(1) without snapshots", err)
	_, err = h.s.ReadDepartments(h.ctx, 1)
	notFound("ReadDepartments(1) without snapshots", err)
	_, err = h.s.FindImport(h.ctx, 1)
	notFound("FindImport(1) without imports", err)
	_, err = h.s.PendingImport(h.ctx, 1)
	notFound("PendingImport(1) without imports", err)
	_, _, err = h.s.ResolveImport(h.ctx, 1, engine.ImportRejected, h.now(), "", nil)
	notFound("ResolveImport(1) without imports", err)
	list, err := h.s.ListSnapshots(h.ctx)
	require.NoError(t, err)
	require.Empty(t, list)

	run, _, _ := h.accept("hr", people("hr", 1, 3)...)
	h.reopen()
	_, err = h.s.FindSnapshot(h.ctx, 2)
	notFound("FindSnapshot(2) after one snapshot", err)
	_, err = h.s.SnapshotIndex(h.ctx, 2)
	notFound("SnapshotIndex(2) after one snapshot", err)
	_, err = h.s.ReadDepartments(h.ctx, 2)
	notFound("ReadDepartments(2) after one snapshot", err)
	_, err = h.s.FindImport(h.ctx, run.ID+1)
	notFound("FindImport of a later id", err)
	_, err = h.s.PendingImport(h.ctx, run.ID)
	notFound("PendingImport of an accepted import", err)
}

func testCommitRefusesBadRuns(t *testing.T, h *harness) {
	persons := people("hr", 1, 3)
	c, _ := plan(importSpec{source: "hr", persons: persons}, nil, &engine.SnapshotIndex{}, h.now(), h.now())
	c.Run.Status = engine.ImportFailed
	_, _, err := h.s.CommitImport(h.ctx, c)
	require.Error(t, err, "CommitImport of a failed run")

	c, _ = plan(importSpec{source: "hr", persons: persons}, nil, &engine.SnapshotIndex{}, h.now(), h.now())
	c.Snapshot = nil
	_, _, err = h.s.CommitImport(h.ctx, c)
	require.Error(t, err, "CommitImport of an accepted run without its snapshot")

	h.reopen()
	list, err := h.s.ListImports(h.ctx)
	require.NoError(t, err)
	require.Empty(t, list, "a refused commit writes nothing")
	h.requireSnapshotCount(0)
}

func testCommitLeavesInputUntouched(t *testing.T, h *harness) {
	h.commit(importSpec{source: "hr", persons: people("hr", 1, 3), departments: newDepartments("hr", 2, "Sales")})
	latest, index := h.latestSnapshot()
	c, _ := plan(importSpec{source: "erp", persons: people("erp", 1, 3), departments: newDepartments("erp", 1, "Ops")}, latest, index, h.now(), h.now())
	changes := slices.Clone(c.Changes)
	snap := *c.Snapshot
	snap.DepartmentRecords = maps.Clone(c.Snapshot.DepartmentRecords)
	_, _, err := h.s.CommitImport(h.ctx, c)
	require.NoError(t, err)
	require.Equal(t, changes, c.Changes, "CommitImport leaves the changes as they were")
	require.Equal(t, snap, *c.Snapshot, "CommitImport leaves the snapshot description as it was")
	require.Equal(t, latest.DepartmentRecords, c.Snapshot.DepartmentRecords)
}

func testDepartments(t *testing.T, h *harness) {
	hr := people("hr", 1, 4)
	erp := people("erp", 1, 3)
	_, s1, _ := h.commit(importSpec{source: "hr", persons: hr, departments: newDepartments("hr", 3, "HR")})
	require.Equal(t, 3, s1.Departments)

	_, s2, _ := h.commit(importSpec{source: "erp", persons: erp, departments: newDepartments("erp", 2, "ERP")})
	require.Equal(t, 5, s2.Departments, "a snapshot counts the departments of every source system")
	require.Equal(t, s1.DepartmentRecords["hr"], s2.DepartmentRecords["hr"], "another source's import keeps the departments record")

	_, s3, c := h.commit(importSpec{source: "hr", persons: replace(hr, newPerson("hr", "1", titled("Boss"))), departments: newDepartments("hr", 3, "HR")})
	require.Nil(t, c.Departments, "unchanged departments are not written again")
	require.Equal(t, s2.DepartmentRecords, s3.DepartmentRecords)
	require.Equal(t, 5, s3.Departments)

	_, s4, _ := h.commit(importSpec{source: "hr", persons: hr, departments: newDepartments("hr", 4, "HR renamed")})
	require.Equal(t, 6, s4.Departments)
	_, s5, c := h.commit(importSpec{source: "hr", persons: hr})
	require.NotNil(t, c.Departments, "a source whose departments are gone writes an empty record")
	require.Equal(t, 2, s5.Departments)
	require.NotContains(t, s5.DepartmentRecords, "hr")

	h.reopen()
	for n := uint64(1); n <= 5; n++ {
		h.requireSnapshot(n)
	}
	ds, err := h.s.ReadDepartments(h.ctx, 2)
	require.NoError(t, err)
	require.Len(t, ds, 5)
}

func testMultipleSources(t *testing.T, h *harness) {
	hr := people("hr", 1, 4)
	h.accept("hr", hr...)
	h.accept("hr-eu", people("hr-eu", 1, 3)...)
	h.accept("erp", people("erp", 1, 3, withContracts(3))...)
	h.reopen()

	idx, err := h.s.SnapshotIndex(h.ctx, 3)
	require.NoError(t, err)
	require.Len(t, idx.Entries, 7)
	require.Equal(t, []string{"hr:1", "hr:2", "hr:3"}, entryIDs(idx.Source("hr")))
	require.Equal(t, []string{"hr-eu:1", "hr-eu:2"}, entryIDs(idx.Source("hr-eu")))
	require.Equal(t, []string{"erp:1", "erp:2"}, entryIDs(idx.Source("erp")))

	_, snap, c := h.accept("hr", without(hr, "hr:2")...)
	require.Len(t, c.Changes, 1, "an import changes only its own source system's persons")
	require.Equal(t, 6, snap.Persons)
	h.reopen()
	idx4, err := h.s.SnapshotIndex(h.ctx, 4)
	require.NoError(t, err)
	require.Equal(t, idx.Source("erp"), idx4.Source("erp"))
	require.Equal(t, idx.Source("hr-eu"), idx4.Source("hr-eu"))
	for n := uint64(1); n <= 4; n++ {
		h.requireSnapshot(n)
	}
}

func testReadPersonsStops(t *testing.T, h *harness) {
	h.accept("hr", people("hr", 1, 10)...)
	idx, err := h.s.SnapshotIndex(h.ctx, 1)
	require.NoError(t, err)
	refs := make([]engine.RecordRef, len(idx.Entries))
	for i, e := range idx.Entries {
		refs[i] = e.Ref
	}
	stop := errors.New("enough")
	calls := 0
	err = h.s.ReadPersons(h.ctx, refs, func(int, *engine.Person) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	require.Equal(t, 3, calls, "ReadPersons stops at the first error")
	require.NoError(t, h.s.ReadPersons(h.ctx, nil, func(int, *engine.Person) error { return stop }), "no refs, no calls")
}

// testConcurrentReaders reads the latest snapshot on several goroutines
// while imports commit; each read must see one whole snapshot.
func testConcurrentReaders(t *testing.T, h *harness) {
	persons := people("hr", 0, 50)
	h.accept("hr", persons...)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				info, err := h.s.FindSnapshot(h.ctx, 0)
				if !assert.NoError(t, err) {
					return
				}
				idx, err := h.s.SnapshotIndex(h.ctx, info.Number)
				if !assert.NoError(t, err) {
					return
				}
				assert.Len(t, idx.Entries, info.Persons, "snapshot %d", info.Number)
				refs := make([]engine.RecordRef, len(idx.Entries))
				for i, e := range idx.Entries {
					refs[i] = e.Ref
				}
				err = h.s.ReadPersons(h.ctx, refs, func(i int, p *engine.Person) error {
					if p.ID != idx.Entries[i].ID || hashOf(p) != idx.Entries[i].Ref.Hash {
						return fmt.Errorf("snapshot %d: ref %d is not the record of %s", info.Number, i, idx.Entries[i].ID)
					}
					return nil
				})
				if !assert.NoError(t, err) {
					return
				}
			}
		})
	}
	for k := range 20 {
		persons = replace(persons, newPerson("hr", fmt.Sprint(k), titled(fmt.Sprintf("Title %d", k))))
		if k%4 == 0 {
			persons = append(persons, newPerson("hr", fmt.Sprint(100+k)))
		}
		h.accept("hr", persons...)
		time.Sleep(time.Millisecond)
	}
	close(done)
	wg.Wait()
}

// entriesOf wraps refs in index entries, for readPersons.
func entriesOf(refs []engine.RecordRef) []engine.IndexEntry {
	out := make([]engine.IndexEntry, len(refs))
	for i, r := range refs {
		out[i] = engine.IndexEntry{Ref: r}
	}
	return out
}

// pendingRecords returns the refs of the records a pending import wrote.
func (h *harness) pendingRecords(id uint64) []engine.RecordRef {
	h.t.Helper()
	p, err := h.s.PendingImport(h.ctx, id)
	require.NoError(h.t, err)
	var refs []engine.RecordRef
	for _, c := range p.Changes {
		if !c.Removed {
			refs = append(refs, c.Entry.Ref)
		}
	}
	require.NotEmpty(h.t, refs, "the pending import wrote records")
	return refs
}

// requireRecordsGone checks that none of the records can be read.
func (h *harness) requireRecordsGone(refs []engine.RecordRef, msg string) {
	h.t.Helper()
	for _, r := range refs {
		err := h.s.ReadPersons(h.ctx, []engine.RecordRef{r}, func(int, *engine.Person) error { return nil })
		require.Error(h.t, err, msg)
	}
}
