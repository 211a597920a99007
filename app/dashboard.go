package app

import (
	"context"

	"provisio/engine"
)

// Dashboard is the overview of a workspace.
type Dashboard struct {
	AsOf          engine.Date           `json:"asOf"`
	Persons       int                   `json:"persons"`
	ByStatus      map[engine.Status]int `json:"byStatus"`
	SourceSystems int                   `json:"sourceSystems"`
	LastImport    *engine.ImportRun     `json:"lastImport,omitempty"`
	LastSnapshot  *engine.SnapshotInfo  `json:"lastSnapshot,omitempty"`
	// Attention lists what an administrator should act on.
	Pending      []engine.ImportRun `json:"pending,omitempty"`
	FailedImport *engine.ImportRun  `json:"failedImport,omitempty"`
}

// Dashboard gathers the overview.
func (a *App) Dashboard(ctx context.Context) (*Dashboard, error) {
	d := &Dashboard{AsOf: a.Today()}
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	d.SourceSystems = len(cfg.SourceSystems)
	list, err := a.Persons(ctx)
	if err != nil {
		return nil, err
	}
	d.Persons = len(list.Persons)
	d.ByStatus = list.Counts()
	runs, err := a.Imports(ctx)
	if err != nil {
		return nil, err
	}
	if len(runs) > 0 {
		d.LastImport = &runs[0]
	}
	latestPerSource := map[string]bool{}
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Status == engine.ImportPending {
			d.Pending = append(d.Pending, runs[i])
		}
	}
	for i := range runs {
		if latestPerSource[runs[i].Source] {
			continue
		}
		latestPerSource[runs[i].Source] = true
		if runs[i].Status == engine.ImportFailed && d.FailedImport == nil {
			d.FailedImport = &runs[i]
		}
	}
	snap, err := a.store.FindSnapshot(ctx, 0)
	switch {
	case err == nil:
		d.LastSnapshot = snap
	case !engine.IsCode(err, engine.NotFound):
		return nil, err
	}
	return d, nil
}

// IsEmpty reports whether the workspace has neither source systems nor
// snapshots: a first start.
func (a *App) IsEmpty(ctx context.Context) (bool, error) {
	cfg, err := a.Config(ctx)
	if err != nil {
		return false, err
	}
	if len(cfg.SourceSystems) > 0 {
		return false, nil
	}
	_, err = a.store.FindSnapshot(ctx, 0)
	if engine.IsCode(err, engine.NotFound) {
		return true, nil
	}
	return false, err
}
