package app

import (
	"context"
	"fmt"
	"slices"

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

	// Rules counts the rules by state.
	Rules map[engine.RuleState]int `json:"rules"`
	// LastEvaluation is the latest evaluation of the rules in force
	// (what-ifs aside); Outdated says why its plan no longer shows what
	// an evaluation now would: the persons or the rules changed since.
	LastEvaluation *engine.EvaluationInfo `json:"lastEvaluation,omitempty"`
	Outdated       string                 `json:"outdated,omitempty"`

	// NextRuns are the schedules due next, soonest first (at most
	// dashboardNextRuns).
	NextRuns []ScheduleInfo `json:"nextRuns,omitempty"`
	// Suggestions counts the possible duplicates waiting for a decision,
	// and Held the persons they hold.
	Suggestions int `json:"suggestions"`
	Held        int `json:"held"`
	// ScheduleAttention are the schedule runs that failed, were blocked,
	// missed or interrupted, and were not acknowledged; newest first.
	ScheduleAttention []engine.ScheduleRun `json:"scheduleAttention,omitempty"`
}

// dashboardNextRuns is how many upcoming runs the dashboard shows.
const dashboardNextRuns = 5

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
	if err := a.dashboardRules(ctx, d); err != nil {
		return nil, err
	}
	if err := a.dashboardSchedules(ctx, d); err != nil {
		return nil, err
	}
	g, err := a.aggregation(ctx)
	if err != nil {
		return nil, err
	}
	held := map[string]bool{}
	for _, s := range g.Suggestions {
		for _, id := range s.Held {
			held[id] = true
		}
	}
	d.Suggestions, d.Held = len(g.Suggestions), len(held)
	return d, nil
}

// dashboardSchedules fills in the next runs and the schedule runs that
// need attention.
func (a *App) dashboardSchedules(ctx context.Context, d *Dashboard) error {
	all, err := a.Schedules(ctx)
	if err != nil {
		return err
	}
	for _, s := range all {
		if !s.NextRun.IsZero() {
			d.NextRuns = append(d.NextRuns, s)
		}
	}
	slices.SortStableFunc(d.NextRuns, func(x, y ScheduleInfo) int { return x.NextRun.Compare(y.NextRun) })
	d.NextRuns = d.NextRuns[:min(len(d.NextRuns), dashboardNextRuns)]
	d.ScheduleAttention, err = a.ScheduleAttention(ctx)
	return err
}

// dashboardRules fills in the rules and the latest evaluation, and whether
// its plan is out of date.
func (a *App) dashboardRules(ctx context.Context, d *Dashboard) error {
	all, err := a.store.ListRules(ctx)
	if err != nil {
		return err
	}
	d.Rules = map[engine.RuleState]int{}
	for _, r := range all {
		d.Rules[r.State()]++
	}
	version, err := a.store.RulesVersion(ctx)
	if err != nil {
		return err
	}
	evals, err := a.store.ListEvaluations(ctx)
	if err != nil {
		return err
	}
	if i := slices.IndexFunc(evals, func(e engine.EvaluationInfo) bool { return !e.IsWhatIf() }); i >= 0 {
		d.LastEvaluation = &evals[i]
	}
	e := d.LastEvaluation
	switch {
	case d.LastSnapshot == nil || len(all) == 0:
	case e == nil:
		d.Outdated = "the rules have not been evaluated yet"
	case e.Snapshot != d.LastSnapshot.Number && e.RulesVersion != version:
		d.Outdated = fmt.Sprintf("the persons and the rules changed since evaluation #%d", e.ID)
	case e.Snapshot != d.LastSnapshot.Number:
		d.Outdated = fmt.Sprintf("a new snapshot of the persons came after evaluation #%d", e.ID)
	case e.RulesVersion != version:
		d.Outdated = fmt.Sprintf("the rules changed since evaluation #%d", e.ID)
	case e.AsOf != d.AsOf:
		d.Outdated = fmt.Sprintf("evaluation #%d was for %s, not today", e.ID, e.AsOf)
	}
	return nil
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
