// Package importing runs an import: it reads a source system through its
// connector, maps the records into persons in parallel, compares them with
// the latest snapshot, checks the import thresholds and commits either a
// new snapshot or, when a threshold is exceeded, a pending import that
// waits for an administrator.
package importing

import (
	"context"
	"errors"
	"maps"
	"runtime"
	"strings"
	"time"

	"provisio/engine"
)

// Progress reports how far an import is. Done and Total are in units of
// the phase (bytes while reading, persons afterwards); Total is 0 when
// unknown.
type Progress struct {
	Source string
	Phase  Phase
	Done   int64
	Total  int64
}

// Phase names a step of an import.
type Phase string

// The phases of an import.
const (
	PhaseReading   Phase = "reading"
	PhaseComparing Phase = "comparing"
	PhaseWriting   Phase = "writing"
	// PhaseAggregating: after the import, the persons are compared to
	// find duplicates (Source is "aggregation").
	PhaseAggregating Phase = "looking for duplicates"
)

// Fraction returns the progress of the whole import between 0 and 1.
func (p Progress) Fraction() float64 {
	f := 0.0
	if p.Total > 0 {
		f = min(1, float64(p.Done)/float64(p.Total))
	}
	switch p.Phase {
	case PhaseReading:
		return 0.8 * f
	case PhaseComparing:
		return 0.8 + 0.1*f
	default:
		return 0.9 + 0.1*f
	}
}

// Importer runs imports against a store.
type Importer struct {
	Store engine.Store
	Clock engine.Clock
	// Workers is the number of mapping goroutines; 0 means GOMAXPROCS.
	Workers int
	// TimeLimit bounds one call of a mapping snippet; 0 means the default.
	TimeLimit time.Duration
}

// Run imports one source system. It returns the recorded run and, when the
// import was accepted, the new snapshot. A run blocked by a threshold is
// recorded as pending and returned with a Blocked error. A run that fails
// or is cancelled is recorded too, and nothing else changes.
func (im *Importer) Run(ctx context.Context, cfg *engine.Config, src *engine.SourceSystem, conn engine.SourceConnector, progress func(Progress)) (*engine.ImportRun, *engine.SnapshotInfo, error) {
	if progress == nil {
		progress = func(Progress) {}
	}
	run := &engine.ImportRun{Source: src.Key, SourceName: src.Name, StartedAt: im.Clock.Now()}
	latest, index, err := im.latest(ctx)
	if err != nil {
		return nil, nil, err
	}
	res, err := im.read(ctx, cfg, src, conn, len(index.Source(src.Key)), progress)
	if err == nil {
		err = engine.CheckCanceled(ctx)
	}
	if err != nil {
		return im.saveFailed(run, err)
	}
	run.Counts = res.counts
	run.Errors = res.errors
	run.Counts.Errors = res.errorCount

	progress(Progress{Source: src.Key, Phase: PhaseComparing, Total: int64(len(res.persons))})
	cmp, err := compare(ctx, im.workers(), src.Key, res.persons, res.unreadable, index)
	if err != nil {
		return im.saveFailed(run, err)
	}
	run.Counts.Added, run.Counts.Removed, run.Counts.Changed, run.Counts.Unchanged = cmp.added, cmp.removed, cmp.changed, cmp.unchanged
	run.Counts.Kept, run.Counts.NewlyBlocked = cmp.kept, cmp.newlyBlocked

	commit := &engine.ImportCommit{Run: run, Records: cmp.records, Changes: cmp.changes}
	deps := engine.AppendDepartments(nil, res.departments)
	var old engine.DepartmentsRef
	if latest != nil {
		old = latest.DepartmentRecords[src.Key]
	}
	if old.Ref.Hash != engine.HashOf(deps) && (len(res.departments) > 0 || old.Count > 0) {
		commit.Departments = deps
	}
	previous := len(index.Source(src.Key))
	run.Breaches = engine.CheckImportThresholds(src.Thresholds, run.Counts, previous)
	if previous > 0 && run.Counts.Persons == 0 {
		// an empty export is far more likely a broken one than an
		// organisation whose everyone left: never take it without asking
		run.Breaches = append(run.Breaches, engine.ThresholdBreach{What: "removed", Count: previous, Percent: 100,
			Limit: "an import without any person always waits for approval"})
	}
	if commit.Supersede, err = im.pendingOf(ctx, src.Key); err != nil {
		return im.saveFailed(run, err)
	}
	if err := engine.CheckCanceled(ctx); err != nil {
		return im.saveFailed(run, err)
	}
	progress(Progress{Source: src.Key, Phase: PhaseWriting, Done: 0, Total: 1})
	run.FinishedAt = im.Clock.Now()
	if len(run.Breaches) > 0 {
		run.Status = engine.ImportPending
		saved, _, err := im.Store.CommitImport(context.WithoutCancel(ctx), commit)
		if err != nil {
			return im.saveFailed(run, err) // the transaction rolled back
		}
		// the pending import is written: the run is over
		progress(Progress{Source: src.Key, Phase: PhaseWriting, Done: 1, Total: 1})
		return saved, nil, engine.Errorf(engine.Blocked, "import of %q is waiting for approval: %s", src.Name, breachText(run.Breaches))
	}
	run.Status = engine.ImportAccepted
	commit.Snapshot = nextSnapshot(latest, index, cmp.changes, run)
	saved, snapshot, err := im.Store.CommitImport(context.WithoutCancel(ctx), commit)
	if err != nil {
		return im.saveFailed(run, err) // the transaction rolled back
	}
	progress(Progress{Source: src.Key, Phase: PhaseWriting, Done: 1, Total: 1})
	return saved, snapshot, nil
}

func breachText(bs []engine.ThresholdBreach) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "; ")
}

func (im *Importer) workers() int {
	if im.Workers > 0 {
		return im.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Fail records an import of src that could not start, for example because
// its connector settings are wrong, and returns err.
func (im *Importer) Fail(src *engine.SourceSystem, err error) (*engine.ImportRun, *engine.SnapshotInfo, error) {
	return im.saveFailed(&engine.ImportRun{Source: src.Key, SourceName: src.Name, StartedAt: im.Clock.Now()}, err)
}

// saveFailed records a run that changed nothing and returns err.
func (im *Importer) saveFailed(run *engine.ImportRun, cause error) (*engine.ImportRun, *engine.SnapshotInfo, error) {
	run.FinishedAt = im.Clock.Now()
	run.Status = engine.ImportFailed
	if engine.IsCode(cause, engine.Canceled) {
		run.Status = engine.ImportCanceled
	}
	run.Message = cause.Error()
	if err := im.Store.SaveImport(context.Background(), run); err != nil {
		return nil, nil, errors.Join(cause, err)
	}
	return run, nil, cause
}

func (im *Importer) latest(ctx context.Context) (*engine.SnapshotInfo, *engine.SnapshotIndex, error) {
	snap, err := im.Store.FindSnapshot(ctx, 0)
	if engine.IsCode(err, engine.NotFound) {
		return nil, &engine.SnapshotIndex{}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	idx, err := im.Store.SnapshotIndex(ctx, snap.Number)
	if err != nil {
		return nil, nil, err
	}
	return snap, idx, nil
}

func (im *Importer) pendingOf(ctx context.Context, source string) ([]uint64, error) {
	runs, err := im.Store.ListImports(ctx)
	if err != nil {
		return nil, err
	}
	var ids []uint64
	for _, r := range runs {
		if r.Source == source && r.Status == engine.ImportPending {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// nextSnapshot describes the snapshot that applying changes to the latest
// one makes.
func nextSnapshot(latest *engine.SnapshotInfo, index *engine.SnapshotIndex, changes []engine.IndexChange, run *engine.ImportRun) *engine.SnapshotInfo {
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

// Approve turns a pending import into a new snapshot.
func (im *Importer) Approve(ctx context.Context, id uint64, note string) (*engine.ImportRun, *engine.SnapshotInfo, error) {
	run, err := im.Store.FindImport(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if run.Status != engine.ImportPending {
		return nil, nil, engine.Errorf(engine.Conflict, "import %d is %s, not pending: only a pending import can be approved", id, run.Status)
	}
	pending, err := im.Store.PendingImport(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	latest, index, err := im.latest(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := im.Clock.Now()
	decided := *run
	decided.FinishedAt = now
	snap := nextSnapshot(latest, index, pending.Changes, &decided)
	snap.CreatedAt = now
	return im.Store.ResolveImport(ctx, id, engine.ImportAccepted, now, note, snap)
}

// Reject discards a pending import; nothing changes.
func (im *Importer) Reject(ctx context.Context, id uint64, note string) (*engine.ImportRun, error) {
	run, err := im.Store.FindImport(ctx, id)
	if err != nil {
		return nil, err
	}
	if run.Status != engine.ImportPending {
		return nil, engine.Errorf(engine.Conflict, "import %d is %s, not pending: only a pending import can be rejected", id, run.Status)
	}
	run, _, err = im.Store.ResolveImport(ctx, id, engine.ImportRejected, im.Clock.Now(), note, nil)
	return run, err
}

// RemoveSource makes a new snapshot without any of a source system's
// persons and departments, for a source system that is being deleted. It
// records an accepted import run that says so, and its pending imports are
// superseded (or, with nothing to remove, rejected). cfg, when set, is
// saved in the same transaction as the new snapshot. With nothing to remove
// it returns nil, nil, nil and saves nothing.
func (im *Importer) RemoveSource(ctx context.Context, src *engine.SourceSystem, cfg *engine.Config, audit ...engine.AuditEntry) (*engine.ImportRun, *engine.SnapshotInfo, error) {
	latest, index, err := im.latest(ctx)
	if err != nil {
		return nil, nil, err
	}
	var entries []engine.IndexEntry
	var depts engine.DepartmentsRef
	if latest != nil {
		entries = index.Source(src.Key)
		depts = latest.DepartmentRecords[src.Key]
	}
	if len(entries) == 0 && depts.Count == 0 {
		// nothing in a snapshot, but a pending import must not be
		// approvable once its source is gone
		pending, err := im.pendingOf(ctx, src.Key)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range pending {
			if _, _, err := im.Store.ResolveImport(ctx, id, engine.ImportRejected, im.Clock.Now(), "the source system was deleted", nil); err != nil {
				return nil, nil, err
			}
		}
		return nil, nil, nil
	}
	now := im.Clock.Now()
	run := &engine.ImportRun{Source: src.Key, SourceName: src.Name, StartedAt: now, FinishedAt: now, Status: engine.ImportAccepted,
		Message: "the source system was deleted: its persons and departments were removed"}
	run.Counts.Removed = len(entries)
	changes := make([]engine.IndexChange, len(entries))
	for i, e := range entries {
		changes[i] = engine.IndexChange{Entry: engine.IndexEntry{ID: e.ID}, Record: -1, Removed: true}
	}
	commit := &engine.ImportCommit{Run: run, Changes: changes, Snapshot: nextSnapshot(latest, index, changes, run), Config: cfg, Audit: audit}
	if depts.Count > 0 {
		commit.Departments = engine.AppendDepartments(nil, nil)
	}
	if commit.Supersede, err = im.pendingOf(ctx, src.Key); err != nil {
		return nil, nil, err
	}
	return im.Store.CommitImport(ctx, commit)
}
