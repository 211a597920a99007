package app

import (
	"context"
	"errors"
	"runtime/debug"
	"slices"

	"provisio/engine"
	"provisio/engine/importing"
)

// ImportOutcome is the result of importing one source system.
type ImportOutcome struct {
	Run      *engine.ImportRun    `json:"run"`
	Snapshot *engine.SnapshotInfo `json:"snapshot,omitempty"`
	// Err is the reason the import did not produce a snapshot, when it
	// did not: a Blocked error for a pending import.
	Err error `json:"-"`
}

// Blocked reports whether a threshold blocked the import.
func (o ImportOutcome) Blocked() bool { return o.Run != nil && o.Run.Status == engine.ImportPending }

// RunImport imports the given source systems in order, or every enabled
// one when keys is empty. Each source's outcome is returned; the error is
// the first failure (a Blocked error when a threshold held an import back
// and nothing failed). Only one run goes at a time in a workspace.
func (a *App) RunImport(ctx context.Context, keys []string, progress func(importing.Progress)) ([]ImportOutcome, error) {
	done, err := a.beginRunAs("an import")
	if err != nil {
		return nil, err
	}
	defer done()
	return a.runImport(ctx, keys, progress)
}

// runImport is RunImport for a caller that holds the pipeline lock.
func (a *App) runImport(ctx context.Context, keys []string, progress func(importing.Progress)) ([]ImportOutcome, error) {
	defer limitMemory(importMemoryLimit)()
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	var sources []*engine.SourceSystem
	if len(keys) == 0 {
		for i := range cfg.SourceSystems {
			if !cfg.SourceSystems[i].Disabled {
				sources = append(sources, &cfg.SourceSystems[i])
			}
		}
		if len(sources) == 0 {
			return nil, engine.Errorf(engine.Invalid, "there is no enabled source system to import; add one first")
		}
	}
	for _, k := range keys {
		src, ok := cfg.SourceSystem(k)
		if !ok {
			return nil, engine.Errorf(engine.NotFound, "there is no source system %q (there are: %s)", k, sourceKeys(cfg))
		}
		sources = append(sources, src)
	}
	var outcomes []ImportOutcome
	var firstErr, blocked error
	made := false
	for _, src := range sources {
		conn, err := a.connector(src)
		var run *engine.ImportRun
		var snap *engine.SnapshotInfo
		if err == nil {
			run, snap, err = a.importer.Run(ctx, cfg, src, conn, progress)
		} else {
			run, snap, err = a.importer.Fail(src, err)
		}
		if snap != nil {
			a.invalidate()
			made = true
		}
		outcomes = append(outcomes, ImportOutcome{Run: run, Snapshot: snap, Err: err})
		switch {
		case err == nil:
		case engine.IsCode(err, engine.Blocked):
			if blocked == nil {
				blocked = err
			}
		case firstErr == nil:
			firstErr = err
		}
		if engine.IsCode(err, engine.Canceled) {
			break
		}
	}
	if made && ctx.Err() == nil {
		// a new snapshot: look for duplicates among its persons
		if err := a.scanAfterImport(ctx, progress); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if made {
		a.afterSnapshot(ctx)
	}
	if firstErr != nil {
		return outcomes, firstErr
	}
	return outcomes, blocked
}

func sourceKeys(cfg *engine.Config) string {
	var keys []string
	for _, s := range cfg.SourceSystems {
		keys = append(keys, s.Key)
	}
	if len(keys) == 0 {
		return "none"
	}
	slices.Sort(keys)
	out := keys[0]
	for _, k := range keys[1:] {
		out += ", " + k
	}
	return out
}

// Imports returns every import, newest first.
func (a *App) Imports(ctx context.Context) ([]engine.ImportRun, error) {
	return a.store.ListImports(ctx)
}

// Import returns one import with its record errors.
func (a *App) Import(ctx context.Context, id uint64) (*engine.ImportRun, error) {
	return a.store.FindImport(ctx, id)
}

// PendingImports returns the imports waiting for a decision, oldest first.
func (a *App) PendingImports(ctx context.Context) ([]engine.ImportRun, error) {
	runs, err := a.Imports(ctx)
	if err != nil {
		return nil, err
	}
	var out []engine.ImportRun
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Status == engine.ImportPending {
			out = append(out, runs[i])
		}
	}
	return out, nil
}

// ApproveImport accepts a pending import: its persons become a new
// snapshot.
func (a *App) ApproveImport(ctx context.Context, id uint64, note string) (*engine.ImportRun, *engine.SnapshotInfo, error) {
	done, err := a.beginRunAs("an import approval")
	if err != nil {
		return nil, nil, err
	}
	defer done()
	run, snap, err := a.importer.Approve(ctx, id, note)
	if err == nil {
		a.invalidate()
		if err = a.scanAfterImport(ctx, nil); err != nil {
			err = engine.Wrap(engine.ErrorCode(err), err, "import %d is approved (snapshot %d), but looking for duplicate persons failed", id, snap.Number)
		}
		a.afterSnapshot(ctx)
	}
	return run, snap, err
}

// RejectImport discards a pending import.
func (a *App) RejectImport(ctx context.Context, id uint64, note string) (*engine.ImportRun, error) {
	done, err := a.beginRun()
	if err != nil {
		return nil, err
	}
	defer done()
	return a.importer.Reject(ctx, id, note)
}

// importMemoryLimit is the heap size at which the garbage collector works
// harder during an import. An import holds every mapped person until it is
// compared; without a limit the heap grows to twice that before a
// collection (1.4 GB for 300,000 persons), with it to about 1 GB at a few
// percent more CPU. Larger imports pass the limit and simply collect more
// often.
const importMemoryLimit = 1 << 30

// limitMemory lowers the runtime's soft memory limit (unless it is lower
// already) and returns a function that restores it.
func limitMemory(limit int64) func() {
	old := debug.SetMemoryLimit(-1)
	if old <= limit {
		return func() {}
	}
	debug.SetMemoryLimit(limit)
	return func() { debug.SetMemoryLimit(old) }
}

// IsBlocked reports whether err (or any outcome) means a threshold held an
// import back.
func IsBlocked(err error) bool {
	var e *engine.Error
	return errors.As(err, &e) && e.Code == engine.Blocked
}
