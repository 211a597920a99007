package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"

	"provisio/app/scheduler"
	"provisio/engine"
	"provisio/engine/enforce"
	"provisio/engine/importing"
)

// schedulesState is the App's part in running schedules, guarded by a.mu.
type schedulesState struct {
	sched *scheduler.Scheduler
	// onRun is told of every change to a schedule run (waiting, started,
	// finished, missed), for a screen to refresh or the daemon to log.
	onRun func(engine.ScheduleRun)
	// busy holds the schedules with a run waiting or going: a schedule
	// runs once at a time.
	busy map[string]bool
	// cancels stops the run of a schedule going or waiting in this
	// process, by schedule id; names has their names.
	cancels map[string]context.CancelCauseFunc
	names   map[string]string
	// step, when set (by tests), is called as a scheduled run starts
	// each step: "import", "evaluate", "enforce".
	step func(schedule, step string)
}

// ScheduleInfo is a schedule as the schedules screen and `provisio
// schedule list` show it.
type ScheduleInfo struct {
	engine.Schedule
	// Timing says when it runs, in words.
	Timing string `json:"timing"`
	// NextRun is when it is due next; zero when paused or invalid.
	NextRun time.Time `json:"nextRun,omitzero"`
	// LastRun is its latest run, if any.
	LastRun *engine.ScheduleRun `json:"lastRun,omitempty"`
	// Problem says why it cannot run as it is (a source system deleted,
	// a timing no longer valid); "" when it can.
	Problem string `json:"problem,omitempty"`
	// Busy is set while a run of it waits or goes in this process.
	Busy bool `json:"busy,omitempty"`
}

// Schedules returns the schedules in the order of the configuration, each
// with its next and last run.
func (a *App) Schedules(ctx context.Context) ([]ScheduleInfo, error) {
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ScheduleInfo, 0, len(cfg.Schedules))
	for i := range cfg.Schedules {
		info, err := a.scheduleInfo(ctx, cfg, &cfg.Schedules[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *info)
	}
	return out, nil
}

func (a *App) scheduleInfo(ctx context.Context, cfg *engine.Config, s *engine.Schedule) (*ScheduleInfo, error) {
	info := &ScheduleInfo{Schedule: *s, Timing: scheduler.Describe(s)}
	if err := CheckSchedule(cfg, s); err != nil {
		info.Problem = err.Error()
	} else if !s.Paused {
		t, _ := scheduler.Compile(s)
		info.NextRun = t.Next(a.clock.Now())
	}
	runs, err := a.store.ListScheduleRuns(ctx, s.ID, 1)
	if err != nil {
		return nil, err
	}
	if len(runs) > 0 {
		info.LastRun = &runs[0]
	}
	a.mu.Lock()
	info.Busy = a.schedules.busy[s.ID]
	a.mu.Unlock()
	return info, nil
}

// FindSchedule returns a schedule by id, or by name (ignoring case).
func (a *App) FindSchedule(ctx context.Context, ref string) (*ScheduleInfo, error) {
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	s, err := findSchedule(cfg, ref)
	if err != nil {
		return nil, err
	}
	return a.scheduleInfo(ctx, cfg, s)
}

func findSchedule(cfg *engine.Config, ref string) (*engine.Schedule, error) {
	for i := range cfg.Schedules {
		if cfg.Schedules[i].ID == ref {
			return &cfg.Schedules[i], nil
		}
	}
	for i := range cfg.Schedules {
		if strings.EqualFold(cfg.Schedules[i].Name, strings.TrimSpace(ref)) {
			return &cfg.Schedules[i], nil
		}
	}
	var names []string
	for _, s := range cfg.Schedules {
		names = append(names, s.ID)
	}
	there := "there are none"
	if len(names) > 0 {
		there = "there are: " + strings.Join(names, ", ")
	}
	return nil, engine.Errorf(engine.NotFound, "there is no schedule %q (%s)", ref, there)
}

// CheckSchedule checks a schedule against the configuration it is (or is
// to be) part of: its name, source systems, steps, timing and time zone.
// The error names the field and what was expected.
func CheckSchedule(cfg *engine.Config, s *engine.Schedule) error {
	name := strings.TrimSpace(s.Name)
	bad := func(format string, args ...any) error {
		if name == "" {
			return engine.Errorf(engine.Invalid, "schedule: "+format, args...)
		}
		return engine.Errorf(engine.Invalid, "schedule %q: "+format, append([]any{name}, args...)...)
	}
	if name == "" {
		return bad("name: give the schedule a name")
	}
	for _, o := range cfg.Schedules {
		if o.ID != s.ID && strings.EqualFold(strings.TrimSpace(o.Name), name) {
			return bad("name: another schedule has this name; each needs its own")
		}
	}
	for i, k := range s.Sources {
		if _, ok := cfg.SourceSystem(k); !ok {
			return bad("sources: there is no source system %q (there are: %s)", k, sourceKeys(cfg))
		}
		if slices.Index(s.Sources, k) < i {
			return bad("sources: %q is listed twice", k)
		}
	}
	switch s.Enforce {
	case engine.EnforceNever, engine.EnforceUnblocked, engine.EnforceAlways:
	default:
		return bad("enforce: %q is not an enforce mode; expected \"\" (never), %q or %q", s.Enforce, engine.EnforceUnblocked, engine.EnforceAlways)
	}
	if s.Enforce != engine.EnforceNever && !s.Evaluate {
		return bad("enforce: a schedule that enforces must also evaluate (enforcement applies the plan its evaluation makes)")
	}
	if len(s.Sources) == 0 && !s.Evaluate {
		return bad("sources: the schedule does nothing; choose source systems to import, or evaluate")
	}
	if _, err := scheduler.Compile(s); err != nil {
		return bad("%v", err)
	}
	return nil
}

// checkSchedules checks every schedule of a configuration, and that their
// ids are unique.
func checkSchedules(cfg *engine.Config) error {
	ids := map[string]bool{}
	for i := range cfg.Schedules {
		s := &cfg.Schedules[i]
		if s.ID == "" {
			return engine.Errorf(engine.Invalid, "schedule %d (%q): id: every schedule needs an id", i+1, s.Name)
		}
		if ids[s.ID] {
			return engine.Errorf(engine.Invalid, "schedule %d (%q): id: %q is used twice; each schedule needs its own", i+1, s.Name, s.ID)
		}
		ids[s.ID] = true
		if err := CheckSchedule(cfg, s); err != nil {
			return err
		}
	}
	return nil
}

// stampSchedules gives the schedules of a configuration being imported
// an id and a creation time where they have none.
func (a *App) stampSchedules(cfg *engine.Config) {
	for i := range cfg.Schedules {
		s := &cfg.Schedules[i]
		if s.ID == "" {
			s.ID = scheduleID(cfg, s.Name)
		}
		if s.CreatedAt.IsZero() {
			s.CreatedAt = a.clock.Now()
		}
	}
}

// scheduleID makes a new schedule's id from its name.
func scheduleID(cfg *engine.Config, name string) string {
	base := engine.Slug(name)
	taken := func(id string) bool {
		return slices.ContainsFunc(cfg.Schedules, func(s engine.Schedule) bool { return s.ID == id })
	}
	id := base
	for n := 2; taken(id); n++ {
		suffix := fmt.Sprintf("-%d", n)
		id = base[:min(len(base), 32-len(suffix))] + suffix
	}
	return id
}

// NextRuns returns the next n times a schedule (being edited, say) is due.
func (a *App) NextRuns(s *engine.Schedule, n int) ([]time.Time, error) {
	t, err := scheduler.Compile(s)
	if err != nil {
		return nil, engine.Errorf(engine.Invalid, "%v", err)
	}
	var out []time.Time
	for at := a.clock.Now(); len(out) < n; {
		if at = t.Next(at); at.IsZero() {
			break
		}
		out = append(out, at)
	}
	return out, nil
}

// SaveSchedule adds a schedule (when it has no id) or replaces the one
// with its id, after checking it, and returns it as saved. A schedule
// whose timing changes (or that is resumed) starts counting missed runs
// afresh.
func (a *App) SaveSchedule(ctx context.Context, s engine.Schedule) (*engine.Schedule, error) {
	a.config.Lock()
	defer a.config.Unlock()
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	s.Name = strings.TrimSpace(s.Name)
	s.Cron = strings.Join(strings.Fields(s.Cron), " ")
	s.TimeZone = strings.TrimSpace(s.TimeZone)
	i := -1
	if s.ID == "" {
		s.ID = scheduleID(cfg, s.Name)
		s.CreatedAt = a.clock.Now()
	} else if i = slices.IndexFunc(cfg.Schedules, func(x engine.Schedule) bool { return x.ID == s.ID }); i < 0 {
		return nil, engine.Errorf(engine.NotFound, "there is no schedule %q", s.ID)
	} else {
		old := cfg.Schedules[i]
		s.CreatedAt = old.CreatedAt
		timing := old.Cron != s.Cron || !sameEvery(old.Every, s.Every) || old.TimeZone != s.TimeZone
		if timing || (old.Paused && !s.Paused) || s.CreatedAt.IsZero() {
			s.CreatedAt = a.clock.Now()
		}
	}
	if err := CheckSchedule(cfg, &s); err != nil {
		return nil, err
	}
	if i >= 0 {
		cfg.Schedules[i] = s
	} else {
		cfg.Schedules = append(cfg.Schedules, s)
	}
	if err := a.saveConfig(ctx, cfg, "schedule saved"); err != nil {
		return nil, err
	}
	a.reloadSchedules(cfg)
	return &s, nil
}

func sameEvery(x, y *engine.Every) bool {
	return x == nil && y == nil || x != nil && y != nil && *x == *y
}

// DeleteSchedule removes a schedule. Its history is kept; a run of it
// that is going finishes.
func (a *App) DeleteSchedule(ctx context.Context, id string) error {
	a.config.Lock()
	defer a.config.Unlock()
	cfg, err := a.Config(ctx)
	if err != nil {
		return err
	}
	s, err := findSchedule(cfg, id)
	if err != nil {
		return err
	}
	cfg.Schedules = slices.DeleteFunc(cfg.Schedules, func(x engine.Schedule) bool { return x.ID == s.ID })
	if err := a.saveConfig(ctx, cfg, "schedule deleted"); err != nil {
		return err
	}
	a.reloadSchedules(cfg)
	return nil
}

// PauseSchedules pauses (or, with paused false, resumes) the schedules
// with the given ids or names, every schedule when none are given, and
// returns the ids of those that changed.
func (a *App) PauseSchedules(ctx context.Context, refs []string, paused bool) ([]string, error) {
	a.config.Lock()
	defer a.config.Unlock()
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	var picked []*engine.Schedule
	if len(refs) == 0 {
		for i := range cfg.Schedules {
			picked = append(picked, &cfg.Schedules[i])
		}
	}
	for _, ref := range refs {
		s, err := findSchedule(cfg, ref)
		if err != nil {
			return nil, err
		}
		picked = append(picked, s)
	}
	var changed []string
	for _, s := range picked {
		if s.Paused == paused {
			continue
		}
		s.Paused = paused
		if !paused { // the time it was paused is not missed
			s.CreatedAt = a.clock.Now()
		}
		changed = append(changed, s.ID)
	}
	if len(changed) == 0 {
		return nil, nil
	}
	if err := a.saveConfig(ctx, cfg, "schedules paused or resumed"); err != nil {
		return nil, err
	}
	a.reloadSchedules(cfg)
	return changed, nil
}

// ScheduleRuns returns the history of a schedule ("" for all), newest
// first, at most limit runs (0: all).
func (a *App) ScheduleRuns(ctx context.Context, schedule string, limit int) ([]engine.ScheduleRun, error) {
	return a.store.ListScheduleRuns(ctx, schedule, limit)
}

// AcknowledgeScheduleRuns marks runs as seen: a missed, failed, blocked
// or interrupted run no longer asks for attention.
func (a *App) AcknowledgeScheduleRuns(ctx context.Context, ids ...uint64) error {
	runs, err := a.store.ListScheduleRuns(ctx, "", 0)
	if err != nil {
		return err
	}
	for _, id := range ids {
		i := slices.IndexFunc(runs, func(r engine.ScheduleRun) bool { return r.ID == id })
		if i < 0 {
			return engine.Errorf(engine.NotFound, "there is no schedule run %d", id)
		}
		if runs[i].Acknowledged {
			continue
		}
		runs[i].Acknowledged = true
		if _, err := a.store.SaveScheduleRun(ctx, &runs[i]); err != nil {
			return err
		}
	}
	return nil
}

// ScheduleAttention returns the runs of existing schedules that ask for
// attention (failed, blocked, missed, interrupted, not acknowledged),
// newest first.
func (a *App) ScheduleAttention(ctx context.Context) ([]engine.ScheduleRun, error) {
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	runs, err := a.store.ListScheduleRuns(ctx, "", 0)
	if err != nil {
		return nil, err
	}
	var out []engine.ScheduleRun
	for _, r := range runs {
		if _, err := findSchedule(cfg, r.Schedule); err == nil && r.NeedsAttention() {
			out = append(out, r)
		}
	}
	return out, nil
}

// SchedulerOptions configure the scheduler of a GUI or daemon process.
type SchedulerOptions struct {
	// OnRun is told of every change to a schedule run, on the run's
	// goroutine: keep it short.
	OnRun func(engine.ScheduleRun)
}

// StartScheduler starts running the schedules in this process (the GUI,
// or `provisio daemon`): runs missed while no Provisio ran are recorded
// (and notified), then each enabled schedule fires when due, in turn with
// every other run. Changes to the schedules take effect at once. Stop
// cancels the runs going and waits for them.
func (a *App) StartScheduler(ctx context.Context, opts SchedulerOptions) (stop func() error, err error) {
	a.mu.Lock()
	started := a.schedules.sched != nil
	a.mu.Unlock()
	if started {
		return nil, engine.Errorf(engine.Conflict, "the scheduler is already running in this process")
	}
	clock, ok := a.clock.(clockwork.Clock)
	if !ok {
		clock = clockwork.NewRealClock()
	}
	a.mu.Lock()
	a.schedules.onRun = opts.OnRun
	a.mu.Unlock()
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.reportMissed(ctx, cfg); err != nil {
		return nil, err
	}
	sched, err := scheduler.New(scheduler.Options{Clock: clock, Run: func(ctx context.Context, s engine.Schedule, due time.Time) {
		_, _ = a.runSchedule(ctx, s, due, false, nil)
	}})
	if err != nil {
		return nil, err
	}
	// a schedule that cannot run says why in the list; the others run
	_ = sched.Load(cfg.Schedules)
	a.mu.Lock()
	a.schedules.sched = sched
	a.mu.Unlock()
	sched.Start()
	return func() error {
		err := sched.Stop()
		a.mu.Lock()
		a.schedules.sched = nil
		a.mu.Unlock()
		return err
	}, nil
}

// reloadSchedules gives the running scheduler, if any, the schedules of
// cfg.
func (a *App) reloadSchedules(cfg *engine.Config) {
	a.mu.Lock()
	sched := a.schedules.sched
	a.mu.Unlock()
	if sched != nil {
		_ = sched.Load(cfg.Schedules)
	}
}

// missedLimit caps the runs counted as missed: a schedule every hour,
// missed for a year, is 8,760.
const missedLimit = 100_000

// reportMissed records, for each enabled schedule, the runs that were due
// since its last run (or since it was made) while no Provisio ran it:
// one record per schedule, with the count.
func (a *App) reportMissed(ctx context.Context, cfg *engine.Config) error {
	now := a.clock.Now()
	for i := range cfg.Schedules {
		s := &cfg.Schedules[i]
		if s.Paused {
			continue
		}
		t, err := scheduler.Compile(s)
		if err != nil {
			continue
		}
		from := s.CreatedAt
		runs, err := a.store.ListScheduleRuns(ctx, s.ID, 1)
		if err != nil {
			return err
		}
		if len(runs) > 0 {
			from = latest(from, runs[0].DueAt, runs[0].LastDue)
		}
		if from.IsZero() {
			continue
		}
		n, first, last := t.Due(from, now, missedLimit)
		if n == 0 {
			continue
		}
		rec := &engine.ScheduleRun{Schedule: s.ID, Name: s.Name, DueAt: first, LastDue: last, Missed: n,
			Outcome: engine.ScheduleMissed, StartedAt: now, FinishedAt: now}
		if n == 1 {
			rec.Message = fmt.Sprintf("it was due at %s while Provisio was not running", first.In(t.Location).Format("Mon 2 Jan 2006 15:04 MST"))
		} else {
			rec.Message = fmt.Sprintf("%d runs were due from %s to %s while Provisio was not running", n,
				first.In(t.Location).Format("Mon 2 Jan 2006 15:04 MST"), last.In(t.Location).Format("Mon 2 Jan 2006 15:04 MST"))
		}
		if err := a.saveScheduleRun(ctx, rec); err != nil {
			return err
		}
		a.notifyScheduleRun(ctx, rec)
	}
	return nil
}

func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// RunSchedule runs a schedule now, in the caller's goroutine ("run now"):
// it waits for a run in progress to finish (the history says it queued),
// and returns the run as recorded. A paused schedule runs too. The error
// is for a run that could not start; how the run ended is its outcome.
func (a *App) RunSchedule(ctx context.Context, ref string) (*engine.ScheduleRun, error) {
	return a.RunScheduleWithProgress(ctx, ref, nil)
}

// ScheduleProgress is how far a run of a schedule got: its step (waiting,
// import, evaluate, enforce), how far the step is (0 to 1) and a line
// that says so.
type ScheduleProgress struct {
	Step     string
	Fraction float64
	Text     string
}

// RunScheduleWithProgress is RunSchedule telling progress how far the run
// got; cancelling ctx stops the run (recorded as cancelled).
func (a *App) RunScheduleWithProgress(ctx context.Context, ref string, progress func(ScheduleProgress)) (*engine.ScheduleRun, error) {
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	s, err := findSchedule(cfg, ref)
	if err != nil {
		return nil, err
	}
	if err := CheckSchedule(cfg, s); err != nil {
		return nil, err
	}
	return a.runSchedule(ctx, *s, a.clock.Now(), true, progress)
}

// CancelScheduleRun stops the run of a schedule that is going or waiting
// in this process (a scheduled one too); it is recorded as cancelled or
// interrupted. NotFound when none is.
func (a *App) CancelScheduleRun(ref string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, cancel := range a.schedules.cancels {
		if id == ref || a.schedules.names[id] == ref {
			cancel(ErrRunCancelled)
			return nil
		}
	}
	return engine.Errorf(engine.NotFound, "no run of schedule %q is going in this Provisio", ref)
}

// runSchedule runs a schedule's pipeline as one run: it waits its turn
// behind any run in progress, then holds the pipeline lock from the first
// import to the end of enforcement, so nothing slips in between steps.
func (a *App) runSchedule(ctx context.Context, s engine.Schedule, due time.Time, manual bool, progress func(ScheduleProgress)) (*engine.ScheduleRun, error) {
	rec := &engine.ScheduleRun{Schedule: s.ID, Name: s.Name, DueAt: due, Manual: manual}
	if progress == nil {
		progress = func(ScheduleProgress) {}
	}
	// records outlive a cancelled run
	store := context.WithoutCancel(ctx)
	a.mu.Lock()
	if a.schedules.busy == nil {
		a.schedules.busy = map[string]bool{}
	}
	busy := a.schedules.busy[s.ID]
	a.schedules.busy[s.ID] = true
	var cancel context.CancelCauseFunc
	if !busy { // CancelScheduleRun stops it
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		if a.schedules.cancels == nil {
			a.schedules.cancels, a.schedules.names = map[string]context.CancelCauseFunc{}, map[string]string{}
		}
		a.schedules.cancels[s.ID], a.schedules.names[s.ID] = cancel, s.Name
	}
	a.mu.Unlock()
	if busy {
		if manual {
			return nil, engine.Errorf(engine.Conflict, "schedule %q is already running or waiting to run", s.Name)
		}
		now := a.clock.Now()
		rec.Outcome, rec.StartedAt, rec.FinishedAt = engine.ScheduleSkipped, now, now
		rec.Message = "it was due while its previous run was still going or waiting: it runs once at a time"
		return rec, a.saveScheduleRun(store, rec)
	}
	defer func() {
		a.mu.Lock()
		delete(a.schedules.busy, s.ID)
		delete(a.schedules.cancels, s.ID)
		a.mu.Unlock()
	}()
	what := fmt.Sprintf("the scheduled run of %q", s.Name)
	if manual {
		what = fmt.Sprintf("a run of schedule %q", s.Name)
	}
	var saveErr error
	done, behind, err := a.waitRunAs(ctx, what, func(behind string) {
		rec.Queued, rec.QueuedBehind, rec.Outcome = true, behind, engine.ScheduleWaiting
		rec.Message = fmt.Sprintf("waiting for %s to finish", behind)
		progress(ScheduleProgress{Step: "waiting", Text: "Waiting for " + behind + " to finish…"})
		saveErr = a.saveScheduleRun(store, rec)
	})
	if saveErr != nil {
		if done != nil {
			done()
		}
		return nil, saveErr
	}
	if err != nil {
		rec.Outcome, rec.FinishedAt = a.stopOutcome(ctx, manual), a.clock.Now()
		rec.Message = fmt.Sprintf("it never started: it was waiting for %s when it was stopped", behind)
		return rec, a.saveScheduleRun(store, rec)
	}
	defer done()
	rec.StartedAt, rec.Outcome, rec.Message = a.clock.Now(), engine.ScheduleRunning, ""
	if err := a.saveScheduleRun(store, rec); err != nil {
		return nil, err
	}
	a.pipeline(ctx, &s, rec, progress)
	rec.FinishedAt = a.clock.Now()
	if err := a.saveScheduleRun(store, rec); err != nil {
		return nil, err
	}
	a.notifyScheduleRun(store, rec)
	return rec, nil
}

// ErrRunCancelled and ErrStopping are why a schedule's run was stopped,
// as the cause of its context (context.WithCancelCause): an
// administrator cancelled it, or Provisio is stopping.
var (
	ErrRunCancelled = errors.New("cancelled by the administrator")
	ErrStopping     = errors.New("Provisio stopped")
)

// stopOutcome is how a run that was stopped ended: cancelled when an
// administrator cancelled it (a manual run's own context, or Cancel the
// run), interrupted when Provisio stopped.
func (a *App) stopOutcome(ctx context.Context, manual bool) engine.ScheduleOutcome {
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, ErrRunCancelled):
		return engine.ScheduleCanceled
	case errors.Is(cause, ErrStopping):
		return engine.ScheduleInterrupted
	case manual:
		return engine.ScheduleCanceled
	}
	return engine.ScheduleInterrupted
}

// pipeline runs a schedule's steps under the pipeline lock and fills in
// rec: outcome, message, counts and what each step made.
func (a *App) pipeline(ctx context.Context, s *engine.Schedule, rec *engine.ScheduleRun, progress func(ScheduleProgress)) {
	var notes []string
	stop := func(step string, err error) {
		switch {
		case engine.IsCode(err, engine.Canceled) || ctx.Err() != nil:
			rec.Outcome = a.stopOutcome(ctx, rec.Manual)
			notes = append(notes, fmt.Sprintf("stopped during the %s", step))
		default:
			rec.Outcome = engine.ScheduleFailed
			notes = append(notes, fmt.Sprintf("the %s failed: %v", step, err))
		}
		rec.Message = strings.Join(notes, "; ")
	}
	a.mu.Lock()
	hook := a.schedules.step
	a.mu.Unlock()
	step := func(name string) {
		if hook != nil {
			hook(s.ID, name)
		}
	}
	blocked := false
	cfg, err := a.Config(ctx)
	if err != nil {
		stop("import", err)
		return
	}
	var sources []string // a disabled source system is not imported
	for _, k := range s.Sources {
		if src, ok := cfg.SourceSystem(k); ok && src.Disabled {
			notes = append(notes, fmt.Sprintf("%s is disabled: not imported", src.Name))
			continue
		}
		sources = append(sources, k)
	}
	if len(sources) > 0 {
		step("import")
		outcomes, err := a.runImport(ctx, sources, func(p importing.Progress) {
			progress(ScheduleProgress{Step: "import", Fraction: p.Fraction(), Text: fmt.Sprintf("Importing %s: %s… %.0f%%", p.Source, p.Phase, p.Fraction()*100)})
		})
		for _, o := range outcomes {
			if o.Run == nil {
				continue
			}
			rec.Imports = append(rec.Imports, o.Run.ID)
			rec.Counts.Added += o.Run.Counts.Added
			rec.Counts.Removed += o.Run.Counts.Removed
			rec.Counts.Changed += o.Run.Counts.Changed
			if o.Blocked() {
				blocked = true
				notes = append(notes, fmt.Sprintf("import %d of %s waits for approval: %s", o.Run.ID, o.Run.SourceName, breachText(o.Run.Breaches)))
			}
		}
		if err != nil && !IsBlocked(err) {
			stop("import", err)
			return
		}
	}
	if snap, err := a.store.FindSnapshot(ctx, 0); err == nil {
		rec.Counts.Imported = snap.Persons
	}
	finish := func() {
		switch {
		case rec.Outcome == engine.ScheduleFailed:
		case blocked || rec.Counts.Blocked > 0:
			rec.Outcome = engine.ScheduleBlocked
		default:
			rec.Outcome = engine.ScheduleSucceeded
		}
		rec.Message = strings.Join(notes, "; ")
	}
	if !s.Evaluate {
		finish()
		return
	}
	step("evaluate")
	info, err := a.evaluate(ctx, EvaluateOptions{}, func(done, total int) {
		f := float64(done) / float64(max(total, 1))
		progress(ScheduleProgress{Step: "evaluate", Fraction: f, Text: fmt.Sprintf("Evaluating the business rules… %.0f%%", f*100)})
	})
	if err != nil {
		stop("evaluation", err)
		return
	}
	rec.Evaluation, rec.Counts.Actions = info.ID, info.Actions
	switch {
	case s.Enforce == engine.EnforceNever:
		finish()
		return
	case info.Actions == 0:
		notes = append(notes, "nothing to enforce: the plan has no actions")
		finish()
		return
	case s.Enforce == engine.EnforceUnblocked && blocked:
		notes = append(notes, "not enforced: an import waits for approval, and the schedule enforces only when nothing is blocked")
		finish()
		return
	}
	step("enforce")
	p, err := a.prepareEnforce(ctx, EnforceOptions{Evaluation: info.ID})
	if err != nil {
		stop("enforcement", err)
		return
	}
	if s.Enforce == engine.EnforceUnblocked && len(p.held) > 0 {
		rec.Counts.Blocked = len(p.held)
		var why []string
		for _, b := range p.run.Breaches {
			why = append(why, b.Message)
		}
		notes = append(notes, fmt.Sprintf("not enforced: thresholds hold %d actions back (%s), and the schedule enforces only when nothing is blocked; review the plan and enforce it by hand",
			len(p.held), strings.Join(why, "; ")))
		finish()
		return
	}
	run, err := a.store.StartRun(ctx, p.run, p.results)
	if err != nil {
		stop("enforcement", err)
		return
	}
	rec.Enforcement = run.ID
	run, err = a.runPlan(ctx, run, p.plan, p.results, p.ledger, nil, func(ep enforce.Progress) {
		f := float64(ep.Done) / float64(max(ep.Total, 1))
		progress(ScheduleProgress{Step: "enforce", Fraction: f, Text: fmt.Sprintf("Enforcing in %s: %d of %d actions", ep.Target, ep.Done, ep.Total)})
	})
	if run != nil {
		rec.Counts.Done = run.Counts[engine.OutcomeDone]
		rec.Counts.Failed = run.Counts[engine.OutcomeFailed]
		rec.Counts.Blocked = run.Counts[engine.OutcomeBlocked]
	}
	if err != nil {
		stop("enforcement", err)
		return
	}
	if rec.Counts.Blocked > 0 {
		notes = append(notes, fmt.Sprintf("%d actions of enforcement run %d wait for approval", rec.Counts.Blocked, run.ID))
	}
	if rec.Counts.Failed > 0 {
		rec.Outcome = engine.ScheduleFailed
		notes = append(notes, fmt.Sprintf("%d actions of enforcement run %d failed", rec.Counts.Failed, run.ID))
	}
	finish()
}

func breachText(bs []engine.ThresholdBreach) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "; ")
}

// saveScheduleRun records a run (giving it its id when new) and tells
// the process's listener.
func (a *App) saveScheduleRun(ctx context.Context, rec *engine.ScheduleRun) error {
	saved, err := a.store.SaveScheduleRun(ctx, rec)
	if err != nil {
		return err
	}
	rec.ID = saved.ID
	a.mu.Lock()
	onRun := a.schedules.onRun
	a.mu.Unlock()
	if onRun != nil {
		onRun(*rec)
	}
	return nil
}

// notifyScheduleRun sends the desktop notification for a finished run.
func (a *App) notifyScheduleRun(ctx context.Context, r *engine.ScheduleRun) {
	once := fmt.Sprintf("schedule-run-%d", r.ID)
	var err error
	switch r.Outcome {
	case engine.ScheduleSucceeded:
		err = a.notify(ctx, engine.NotifyRunFinished, once, fmt.Sprintf("Schedule %q finished", r.Name), ScheduleRunSummary(r))
	case engine.ScheduleBlocked:
		err = a.notify(ctx, engine.NotifyBlocked, once, fmt.Sprintf("Schedule %q is blocked", r.Name), r.Message)
	case engine.ScheduleFailed, engine.ScheduleInterrupted:
		err = a.notify(ctx, engine.NotifyRunFailed, once, fmt.Sprintf("Schedule %q %s", r.Name, r.Outcome), r.Message)
	case engine.ScheduleMissed:
		err = a.notify(ctx, engine.NotifyRunFailed, once, fmt.Sprintf("Schedule %q missed %s", r.Name, plural(r.Missed, "run", "runs")), r.Message)
	}
	_ = err // a notification that cannot be shown does not fail the run
}

// ScheduleRunSummary says a run's figures in a line: "312 persons, 2
// added, 1 removed; 5 actions: 5 done".
func ScheduleRunSummary(r *engine.ScheduleRun) string {
	c := r.Counts
	var parts []string
	if len(r.Imports) > 0 {
		parts = append(parts, fmt.Sprintf("%s, %d added, %d removed, %d changed", plural(c.Imported, "person", "persons"), c.Added, c.Removed, c.Changed))
	}
	if r.Evaluation != 0 {
		s := plural(c.Actions, "action", "actions") + " planned"
		if r.Enforcement != 0 || c.Blocked > 0 {
			s += fmt.Sprintf(": %d done, %d failed, %d blocked", c.Done, c.Failed, c.Blocked)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return string(r.Outcome)
	}
	return strings.Join(parts, "; ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// markScheduleRunsInterrupted records, at open, the schedule runs a
// stopped process left going or waiting.
func (a *App) markScheduleRunsInterrupted(ctx context.Context) error {
	runs, err := a.store.ListScheduleRuns(ctx, "", 0)
	if err != nil {
		return err
	}
	for i := range runs {
		r := &runs[i]
		if r.Finished() {
			continue
		}
		if r.Outcome == engine.ScheduleWaiting {
			r.Message = fmt.Sprintf("Provisio stopped while it was waiting for %s: it never started", r.QueuedBehind)
		} else {
			r.Message = "Provisio stopped while it ran: see its import, evaluation and enforcement for how far it got"
		}
		r.Outcome = engine.ScheduleInterrupted
		if _, err := a.store.SaveScheduleRun(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// ScheduleSteps says what a schedule does, a step each: "import hr,
// payroll", "evaluate", "enforce if nothing was blocked".
func ScheduleSteps(s *engine.Schedule) []string {
	var steps []string
	if len(s.Sources) > 0 {
		steps = append(steps, "import "+strings.Join(s.Sources, ", "))
	}
	if s.Evaluate {
		steps = append(steps, "evaluate")
	}
	switch s.Enforce {
	case engine.EnforceUnblocked:
		steps = append(steps, "enforce if nothing was blocked")
	case engine.EnforceAlways:
		steps = append(steps, "enforce")
	}
	return steps
}
