package storetest

import (
	"cmp"
	"context"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// harness holds the store under test and a model of what it must hold:
// the persons and departments of every snapshot and the changes of every
// pending import.
type harness struct {
	t      *testing.T
	ctx    context.Context
	dir    string
	open   func(t *testing.T, dir string) engine.Store
	checks []func(t *testing.T, s engine.Store)
	s      engine.Store
	tick   int

	snaps      map[uint64]*wantSnapshot
	latest     uint64
	pending    map[uint64]*wantPending
	lastImport uint64
	// indexes holds each snapshot's index as first read, so that later
	// reads (after reopening) must return it exactly, record refs included.
	indexes map[uint64][]engine.IndexEntry

	// writeLedger seeds the ledger (WithLedger); nil when the store offers
	// no way to.
	writeLedger func(t *testing.T, s engine.Store, entries []engine.LedgerEntry)
}

// wantSnapshot is what a snapshot must hold.
type wantSnapshot struct {
	persons map[string]*engine.Person
	depts   map[string][]engine.Department // by source system
}

// wantPending is what a pending import changes once approved.
type wantPending struct {
	source  string
	changes map[string]*engine.Person // nil for a removed person
	depts   []engine.Department
	newDept bool // whether the departments change
}

func newHarness(t *testing.T, open func(t *testing.T, dir string) engine.Store, o options) *harness {
	t.Helper()
	h := &harness{
		t:       t,
		ctx:     context.Background(),
		dir:     t.TempDir(),
		open:    open,
		checks:  o.checks,
		snaps:   map[uint64]*wantSnapshot{0: {persons: map[string]*engine.Person{}, depts: map[string][]engine.Department{}}},
		pending: map[uint64]*wantPending{},
		indexes: map[uint64][]engine.IndexEntry{},
	}
	h.writeLedger = o.writeLedger
	h.s = open(t, h.dir)
	require.NotNil(t, h.s, "open returned no store")
	t.Cleanup(h.close)
	return h
}

// close runs the checks and closes the store.
func (h *harness) close() {
	if h.s == nil {
		return
	}
	for _, check := range h.checks {
		check(h.t, h.s)
	}
	s := h.s
	h.s = nil
	if c, ok := s.(io.Closer); ok {
		require.NoError(h.t, c.Close(), "close the store")
	}
}

// reopen closes the store and opens it again from its folder.
func (h *harness) reopen() {
	h.t.Helper()
	h.close()
	h.s = h.open(h.t, h.dir)
	require.NotNil(h.t, h.s, "open returned no store")
}

// now returns a new, later time for each call, in UTC so that it survives
// any encoding unchanged.
func (h *harness) now() time.Time {
	h.tick++
	return time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC).Add(time.Duration(h.tick) * time.Minute)
}

// importSpec describes an import for the harness to commit.
type importSpec struct {
	source      string
	persons     []*engine.Person    // every person the source holds now
	departments []engine.Department // every department the source holds now
	pending     bool
	supersede   []uint64
	errors      []engine.RecordError
}

// accept commits an accepted import of source holding persons and checks
// the new snapshot against the model.
func (h *harness) accept(source string, persons ...*engine.Person) (*engine.ImportRun, *engine.SnapshotInfo, *engine.ImportCommit) {
	h.t.Helper()
	return h.commit(importSpec{source: source, persons: persons})
}

// latestSnapshot returns the store's latest snapshot and its index, or nil
// and an empty index when there is none, as the importer does.
func (h *harness) latestSnapshot() (*engine.SnapshotInfo, *engine.SnapshotIndex) {
	h.t.Helper()
	info, err := h.s.FindSnapshot(h.ctx, 0)
	if h.latest == 0 {
		require.True(h.t, engine.IsCode(err, engine.NotFound), "FindSnapshot(0) on a store without snapshots: want a NotFound error, got %v", err)
		return nil, &engine.SnapshotIndex{}
	}
	require.NoError(h.t, err)
	require.Equal(h.t, h.latest, info.Number, "FindSnapshot(0) returns the latest snapshot")
	idx, err := h.s.SnapshotIndex(h.ctx, info.Number)
	require.NoError(h.t, err)
	return info, idx
}

// commit plans an import as engine/importing does, commits it and checks
// what the store returns; an accepted import's snapshot is checked against
// the model.
func (h *harness) commit(in importSpec) (*engine.ImportRun, *engine.SnapshotInfo, *engine.ImportCommit) {
	h.t.Helper()
	latest, index := h.latestSnapshot()
	c, changed := plan(in, latest, index, h.now(), h.now())
	run, snap, err := h.s.CommitImport(h.ctx, c)
	require.NoError(h.t, err, "CommitImport")
	require.NotNil(h.t, run)
	require.Greater(h.t, run.ID, h.lastImport, "import ids grow")
	h.lastImport = run.ID
	require.Equal(h.t, c.Run.Status, run.Status)
	require.Equal(h.t, in.source, run.Source)
	require.Equal(h.t, c.Run.Counts, run.Counts)
	for _, id := range in.supersede {
		delete(h.pending, id)
	}
	if in.pending {
		require.Nil(h.t, snap, "a pending import makes no snapshot")
		require.Zero(h.t, run.Snapshot)
		h.pending[run.ID] = &wantPending{source: in.source, changes: changed, depts: in.departments, newDept: c.Departments != nil}
		return run, nil, c
	}
	require.NotNil(h.t, snap, "an accepted import makes a snapshot")
	require.Equal(h.t, h.latest+1, snap.Number, "snapshots are numbered in order")
	require.Equal(h.t, run.ID, snap.ImportID)
	require.Equal(h.t, snap.Number, run.Snapshot)
	h.addSnapshot(snap.Number, in.source, changed, in.departments, c.Departments != nil)
	h.requireSnapshot(snap.Number)
	return run, snap, c
}

// approve accepts a pending import as engine/importing does: the snapshot
// description applies its changes to the latest snapshot.
func (h *harness) approve(id uint64, note string) (*engine.ImportRun, *engine.SnapshotInfo, *engine.PendingImport) {
	h.t.Helper()
	run, err := h.s.FindImport(h.ctx, id)
	require.NoError(h.t, err)
	p, err := h.s.PendingImport(h.ctx, id)
	require.NoError(h.t, err)
	latest, index := h.latestSnapshot()
	at := h.now()
	decided := *run
	decided.FinishedAt = at
	desc := describe(latest, index, p.Changes, &decided)
	desc.CreatedAt = at
	got, snap, err := h.s.ResolveImport(h.ctx, id, engine.ImportAccepted, at, note, desc)
	require.NoError(h.t, err, "ResolveImport accepted")
	require.Equal(h.t, engine.ImportAccepted, got.Status)
	require.Equal(h.t, id, got.ID)
	require.True(h.t, at.Equal(got.DecidedAt), "DecidedAt is the decision's time")
	require.Equal(h.t, note, got.Message)
	require.NotNil(h.t, snap)
	require.Equal(h.t, h.latest+1, snap.Number)
	require.Equal(h.t, id, snap.ImportID)
	require.Equal(h.t, snap.Number, got.Snapshot)
	w := h.pending[id]
	require.NotNil(h.t, w, "the model has no pending import %d", id)
	delete(h.pending, id)
	h.addSnapshot(snap.Number, w.source, w.changes, w.depts, w.newDept)
	h.requireSnapshot(snap.Number)
	return got, snap, p
}

// reject rejects a pending import.
func (h *harness) reject(id uint64, note string) *engine.ImportRun {
	h.t.Helper()
	at := h.now()
	run, snap, err := h.s.ResolveImport(h.ctx, id, engine.ImportRejected, at, note, nil)
	require.NoError(h.t, err, "ResolveImport rejected")
	require.Nil(h.t, snap, "a rejected import makes no snapshot")
	require.Equal(h.t, engine.ImportRejected, run.Status)
	require.True(h.t, at.Equal(run.DecidedAt), "DecidedAt is the decision's time")
	require.Equal(h.t, note, run.Message)
	require.Zero(h.t, run.Snapshot)
	delete(h.pending, id)
	return run
}

// addSnapshot records in the model the snapshot that applies changes (and
// perhaps new departments) of source to the latest one.
func (h *harness) addSnapshot(n uint64, source string, changes map[string]*engine.Person, depts []engine.Department, newDepts bool) {
	prev := h.snaps[h.latest]
	next := &wantSnapshot{persons: maps.Clone(prev.persons), depts: maps.Clone(prev.depts)}
	for id, p := range changes {
		if p == nil {
			delete(next.persons, id)
		} else {
			next.persons[id] = p
		}
	}
	if newDepts {
		if len(depts) == 0 {
			delete(next.depts, source)
		} else {
			next.depts[source] = depts
		}
	}
	h.snaps[n] = next
	h.latest = n
}

// requireSnapshot checks snapshot n against the model: its counts, its
// index, its persons and its departments.
func (h *harness) requireSnapshot(n uint64) {
	t := h.t
	t.Helper()
	want := h.snaps[n]
	require.NotNil(t, want, "the model has no snapshot %d", n)

	info, err := h.s.FindSnapshot(h.ctx, n)
	require.NoError(t, err, "FindSnapshot(%d)", n)
	require.Equal(t, n, info.Number)
	var persons, contracts, blocked, excluded, departments int
	for _, p := range want.persons {
		persons++
		contracts += len(p.Contracts)
		if p.Blocked() {
			blocked++
		}
		if p.Excluded {
			excluded++
		}
	}
	require.Equal(t, persons, info.Persons, "snapshot %d persons", n)
	require.Equal(t, contracts, info.Contracts, "snapshot %d contracts", n)
	require.Equal(t, blocked, info.Blocked, "snapshot %d blocked persons", n)
	require.Equal(t, excluded, info.Excluded, "snapshot %d excluded persons", n)
	require.Len(t, info.DepartmentRecords, len(want.depts), "snapshot %d department records: %v", n, info.DepartmentRecords)
	for src, ds := range want.depts {
		ref, ok := info.DepartmentRecords[src]
		require.True(t, ok, "snapshot %d has no departments record of %q", n, src)
		require.Equal(t, len(ds), ref.Count, "snapshot %d: departments of %q", n, src)
		require.Equal(t, engine.HashOf(engine.AppendDepartments(nil, ds)), ref.Ref.Hash, "snapshot %d: departments record hash of %q", n, src)
		departments += len(ds)
	}
	require.Equal(t, departments, info.Departments, "snapshot %d departments", n)

	idx, err := h.s.SnapshotIndex(h.ctx, n)
	require.NoError(t, err, "SnapshotIndex(%d)", n)
	ids := slices.Sorted(maps.Keys(want.persons))
	require.Equal(t, ids, entryIDs(idx.Entries), "snapshot %d: the index lists its persons sorted by id", n)
	for _, e := range idx.Entries {
		p := want.persons[e.ID]
		require.Equal(t, hashOf(p), e.Ref.Hash, "snapshot %d: record hash of %s", n, e.ID)
		require.Equal(t, flagsOf(p), e.Flags, "snapshot %d: flags of %s", n, e.ID)
		require.Equal(t, uint32(len(p.Contracts)), e.Contracts, "snapshot %d: contracts of %s", n, e.ID)
	}
	if first, ok := h.indexes[n]; ok {
		require.Equal(t, first, idx.Entries, "snapshot %d: the index reads back exactly as it first did", n)
	} else {
		h.indexes[n] = slices.Clone(idx.Entries)
	}
	if prev, ok := h.indexes[n-1]; ok {
		old := engine.SnapshotIndex{Entries: prev}
		for _, e := range idx.Entries {
			if o, found := old.Find(e.ID); found && o.Ref.Hash == e.Ref.Hash {
				require.Equal(t, o.Ref, e.Ref, "snapshot %d: unchanged %s keeps the record of snapshot %d", n, e.ID, n-1)
			}
		}
	}

	got := h.readPersons(idx.Entries)
	for i, e := range idx.Entries {
		require.Equal(t, want.persons[e.ID], got[i], "snapshot %d: person %s", n, e.ID)
	}

	ds, err := h.s.ReadDepartments(h.ctx, n)
	require.NoError(t, err, "ReadDepartments(%d)", n)
	var wantDepts []engine.Department
	for _, src := range slices.Sorted(maps.Keys(want.depts)) {
		wantDepts = append(wantDepts, want.depts[src]...)
	}
	if len(wantDepts) == 0 {
		require.Empty(t, ds, "snapshot %d departments", n)
	} else {
		slices.SortStableFunc(ds, func(a, b engine.Department) int { return cmp.Compare(a.Source, b.Source) })
		require.Equal(t, wantDepts, ds, "snapshot %d departments", n)
	}
}

// readPersons reads the persons of entries, in the entries' order.
func (h *harness) readPersons(entries []engine.IndexEntry) []*engine.Person {
	h.t.Helper()
	refs := make([]engine.RecordRef, len(entries))
	for i, e := range entries {
		refs[i] = e.Ref
	}
	got := make([]*engine.Person, len(refs))
	calls := 0
	err := h.s.ReadPersons(h.ctx, refs, func(i int, p *engine.Person) error {
		calls++
		if i >= 0 && i < len(got) {
			got[i] = p
		}
		return nil
	})
	require.NoError(h.t, err, "ReadPersons")
	require.Equal(h.t, len(refs), calls, "ReadPersons calls fn once per ref")
	for i := range got {
		require.NotNil(h.t, got[i], "ReadPersons skipped ref %d", i)
	}
	return got
}

// requirePendingGone checks that import id holds no pending changes.
func (h *harness) requirePendingGone(id uint64) {
	h.t.Helper()
	_, err := h.s.PendingImport(h.ctx, id)
	requireCode(h.t, engine.NotFound, err, "PendingImport(%d)", id)
}

// requireStatus checks the recorded status of import id.
func (h *harness) requireStatus(id uint64, status engine.ImportStatus) *engine.ImportRun {
	h.t.Helper()
	run, err := h.s.FindImport(h.ctx, id)
	require.NoError(h.t, err, "FindImport(%d)", id)
	require.Equal(h.t, status, run.Status, "import %d", id)
	return run
}

// requireSnapshotCount checks how many snapshots the store lists.
func (h *harness) requireSnapshotCount(n int) []engine.SnapshotInfo {
	h.t.Helper()
	list, err := h.s.ListSnapshots(h.ctx)
	require.NoError(h.t, err)
	require.Len(h.t, list, n)
	return list
}

// plan computes what engine/importing commits for an import of in.source
// against the latest snapshot, and the changed persons by id (nil for a
// removed one).
func plan(in importSpec, latest *engine.SnapshotInfo, index *engine.SnapshotIndex, started, finished time.Time) (*engine.ImportCommit, map[string]*engine.Person) {
	persons := slices.Clone(in.persons)
	slices.SortFunc(persons, func(a, b *engine.Person) int { return cmp.Compare(a.ID, b.ID) })
	run := &engine.ImportRun{
		Source:     in.source,
		SourceName: strings.ToUpper(in.source) + " export",
		StartedAt:  started,
		FinishedAt: finished,
		Status:     engine.ImportAccepted,
		Errors:     in.errors,
	}
	if in.pending {
		run.Status = engine.ImportPending
		run.Breaches = []engine.ThresholdBreach{{What: "removed", Count: 1, Percent: 25, Limit: "more than 0"}}
	}
	run.Counts.Records = len(persons) + len(in.departments) + len(in.errors)
	run.Counts.Persons = len(persons)
	run.Counts.Departments = len(in.departments)
	run.Counts.Errors = len(in.errors)
	for _, p := range persons {
		run.Counts.Contracts += len(p.Contracts)
		if p.Blocked() {
			run.Counts.Blocked++
		}
		if p.Excluded {
			run.Counts.Excluded++
		}
	}

	c := &engine.ImportCommit{Run: run, Supersede: in.supersede}
	changed := map[string]*engine.Person{}
	old := index.Source(in.source)
	add := func(p *engine.Person) {
		rec := engine.AppendPerson(nil, p)
		c.Changes = append(c.Changes, engine.IndexChange{Entry: entryOf(p), Record: len(c.Records)})
		c.Records = append(c.Records, rec)
		changed[p.ID] = p
	}
	i, j := 0, 0
	for i < len(persons) || j < len(old) {
		switch {
		case j == len(old) || i < len(persons) && persons[i].ID < old[j].ID:
			add(persons[i])
			run.Counts.Added++
			i++
		case i == len(persons) || old[j].ID < persons[i].ID:
			c.Changes = append(c.Changes, engine.IndexChange{Entry: engine.IndexEntry{ID: old[j].ID}, Record: -1, Removed: true})
			changed[old[j].ID] = nil
			run.Counts.Removed++
			j++
		default:
			if hashOf(persons[i]) == old[j].Ref.Hash {
				run.Counts.Unchanged++
			} else {
				add(persons[i])
				run.Counts.Changed++
			}
			i++
			j++
		}
	}

	deps := engine.AppendDepartments(nil, in.departments)
	var prev engine.DepartmentsRef
	if latest != nil {
		prev = latest.DepartmentRecords[in.source]
	}
	if prev.Ref.Hash != engine.HashOf(deps) && (len(in.departments) > 0 || prev.Count > 0) {
		c.Departments = deps
	}
	if !in.pending {
		c.Snapshot = describe(latest, index, c.Changes, run)
	}
	return c, changed
}

// describe returns the description of the snapshot that applying changes
// to the latest one makes, as engine/importing writes it.
func describe(latest *engine.SnapshotInfo, index *engine.SnapshotIndex, changes []engine.IndexChange, run *engine.ImportRun) *engine.SnapshotInfo {
	s := &engine.SnapshotInfo{CreatedAt: run.FinishedAt, ImportID: run.ID, Source: run.Source}
	if latest != nil {
		s.Persons, s.Contracts, s.Blocked, s.Excluded = latest.Persons, latest.Contracts, latest.Blocked, latest.Excluded
		s.Departments = latest.Departments
		s.DepartmentRecords = maps.Clone(latest.DepartmentRecords)
	}
	count := func(e engine.IndexEntry, sign int) {
		s.Persons += sign
		s.Contracts += sign * int(e.Contracts)
		if e.Flags&engine.FlagBlocked != 0 {
			s.Blocked += sign
		}
		if e.Flags&engine.FlagExcluded != 0 {
			s.Excluded += sign
		}
	}
	for _, c := range changes {
		old, existed := index.Find(c.Entry.ID)
		if existed {
			count(old, -1)
		}
		switch {
		case c.Removed:
			s.Removed++
		case existed:
			s.Changed++
			count(c.Entry, 1)
		default:
			s.Added++
			count(c.Entry, 1)
		}
	}
	return s
}

// entryOf returns the index entry of p, without its record's position.
func entryOf(p *engine.Person) engine.IndexEntry {
	return engine.IndexEntry{ID: p.ID, Ref: engine.RecordRef{Hash: hashOf(p)}, Flags: flagsOf(p), Contracts: uint32(len(p.Contracts))}
}

func hashOf(p *engine.Person) engine.Hash { return engine.HashOf(engine.AppendPerson(nil, p)) }

func flagsOf(p *engine.Person) engine.EntryFlags {
	var f engine.EntryFlags
	if p.Blocked() {
		f |= engine.FlagBlocked
	}
	if p.Excluded {
		f |= engine.FlagExcluded
	}
	return f
}

func entryIDs(entries []engine.IndexEntry) []string {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	return ids
}

// withRefs returns changes with the refs of their new records taken from
// idx, so that they can be applied to the previous index and compared.
func withRefs(t *testing.T, changes []engine.IndexChange, idx *engine.SnapshotIndex) []engine.IndexChange {
	t.Helper()
	out := slices.Clone(changes)
	for i := range out {
		if c := &out[i]; !c.Removed && c.Record >= 0 {
			e, ok := idx.Find(c.Entry.ID)
			require.True(t, ok, "the snapshot lacks changed person %s", c.Entry.ID)
			c.Entry.Ref.Seq = e.Ref.Seq
		}
	}
	return out
}

// requireCode checks that err carries code.
func requireCode(t *testing.T, code engine.Code, err error, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.Equal(t, code, engine.ErrorCode(err), "error %q", err)
}
