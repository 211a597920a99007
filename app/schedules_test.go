package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/app/boltstore"
	"provisio/app/demo"
	"provisio/engine"
)

// clockApp opens a fresh workspace on a fake clock at day (09:00 UTC),
// with the demo when demo is set.
func clockApp(t *testing.T, withDemo bool) (*app.App, *clockwork.FakeClock) {
	t.Helper()
	clock := clockwork.NewFakeClockAt(day)
	a, err := app.Open(filepath.Join(t.TempDir(), "ws"), app.Options{Clock: clock})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	if withDemo {
		_, err := a.CreateDemo(context.Background(), nil)
		require.NoError(t, err)
		// the tests make schedules of their own
		require.NoError(t, a.DeleteSchedule(context.Background(), demo.NightlySchedule))
	}
	return a, clock
}

// runLog collects the schedule runs a scheduler reports.
type runLog chan engine.ScheduleRun

// startScheduler starts the app's scheduler and returns what it reports.
func startScheduler(t *testing.T, a *app.App) runLog {
	t.Helper()
	log := make(runLog, 64)
	stop, err := a.StartScheduler(context.Background(), app.SchedulerOptions{OnRun: func(r engine.ScheduleRun) { log <- r }})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, stop()) })
	return log
}

// next returns the next report of schedule id in the given state.
func (l runLog) next(t *testing.T, id string, outcome engine.ScheduleOutcome) engine.ScheduleRun {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case r := <-l:
			if r.Schedule == id && r.Outcome == outcome {
				return r
			}
		case <-timeout:
			t.Fatalf("schedule %s was not reported %s", id, outcome)
		}
	}
}

// finished returns the next report of schedule id that is not waiting
// or running.
func (l runLog) finished(t *testing.T, id string) engine.ScheduleRun {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case r := <-l:
			if r.Schedule == id && r.Finished() {
				return r
			}
		case <-timeout:
			t.Fatalf("schedule %s did not finish", id)
		}
	}
}

// advanceTo waits for the scheduler's n timers and moves the clock to at.
func advanceTo(t *testing.T, clock *clockwork.FakeClock, n int, at time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, clock.BlockUntilContext(ctx, n))
	clock.Advance(at.Sub(clock.Now()))
}

func saveSchedule(t *testing.T, a *app.App, s engine.Schedule) engine.Schedule {
	t.Helper()
	saved, err := a.SaveSchedule(context.Background(), s)
	require.NoError(t, err)
	return *saved
}

// daily is a schedule of the demo's HR import, evaluated and enforced
// every day at HH:MM UTC.
func daily(name, at string, enforce engine.EnforceMode) engine.Schedule {
	return engine.Schedule{Name: name, Sources: []string{"hr"}, Evaluate: true, Enforce: enforce, Every: &engine.Every{At: at}, TimeZone: "UTC"}
}

func TestScheduleFiresOnTimeAndRunsImportEvaluationAndEnforcement(t *testing.T) {
	a, clock := clockApp(t, true)
	ctx := context.Background()
	s := saveSchedule(t, a, daily("Morning run", "10:00", engine.EnforceAlways))
	assert.Equal(t, "morning-run", s.ID)
	log := startScheduler(t, a)

	list, err := a.Schedules(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	assert.True(t, at.Equal(list[0].NextRun), "next run %s", list[0].NextRun)

	advanceTo(t, clock, 1, at)
	r := log.finished(t, s.ID)
	assert.Equal(t, engine.ScheduleSucceeded, r.Outcome, r.Message)
	assert.True(t, at.Equal(r.DueAt))
	assert.False(t, r.Manual)
	assert.False(t, r.Queued)
	require.Len(t, r.Imports, 1)
	assert.NotZero(t, r.Evaluation)
	assert.NotZero(t, r.Enforcement)
	assert.Equal(t, r.Counts.Actions, r.Counts.Done, "the demo's whole first plan is written")
	assert.Equal(t, 300, r.Counts.Imported)

	// the history links to what the run made
	imp, err := a.Import(ctx, r.Imports[0])
	require.NoError(t, err)
	assert.Equal(t, "hr", imp.Source)
	run, err := a.Run(ctx, r.Enforcement)
	require.NoError(t, err)
	assert.Equal(t, r.Evaluation, run.Run.Evaluation)
	assert.Equal(t, engine.RunDone, run.Run.Status)
	history, err := a.ScheduleRuns(ctx, s.ID, 0)
	require.NoError(t, err)
	require.Len(t, history, 1)
	assert.Equal(t, r, history[0])

	d, err := a.Dashboard(ctx)
	require.NoError(t, err)
	require.Len(t, d.NextRuns, 1)
	assert.True(t, at.AddDate(0, 0, 1).Equal(d.NextRuns[0].NextRun), "tomorrow at 10:00")
	assert.Equal(t, engine.ScheduleSucceeded, d.NextRuns[0].LastRun.Outcome)
	assert.Empty(t, d.ScheduleAttention)
}

func TestAScheduleDueDuringAnotherRunWaitsForItAndSaysSo(t *testing.T) {
	a, clock := clockApp(t, true)
	ctx := context.Background()
	first := saveSchedule(t, a, daily("First", "10:00", engine.EnforceNever))
	second := saveSchedule(t, a, engine.Schedule{Name: "Second", Evaluate: true, Cron: "5 10 * * *", TimeZone: "UTC"})
	entered, release := make(chan struct{}), make(chan struct{})
	app.SetScheduleStepHook(a, func(id, step string) {
		if id == first.ID && step == "import" {
			close(entered)
			<-release
		}
	})
	log := startScheduler(t, a)

	advanceTo(t, clock, 2, time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	<-entered // the first run holds the pipeline

	// a manual import fails fast, saying what runs
	_, err := a.RunImport(ctx, nil, nil)
	require.True(t, engine.IsCode(err, engine.Unavailable), "%v", err)
	assert.Contains(t, err.Error(), `The scheduled run of "First" is in progress`)

	// the second schedule comes due and queues
	advanceTo(t, clock, 2, time.Date(2026, 11, 26, 10, 5, 0, 0, time.UTC))
	waiting := log.next(t, second.ID, engine.ScheduleWaiting)
	assert.True(t, waiting.Queued)
	assert.Equal(t, `the scheduled run of "First"`, waiting.QueuedBehind)
	assert.Contains(t, waiting.Message, "waiting for")
	history, err := a.ScheduleRuns(ctx, second.ID, 0)
	require.NoError(t, err)
	require.Len(t, history, 1)
	assert.Equal(t, engine.ScheduleWaiting, history[0].Outcome, "the history says it waits")

	close(release)
	r1 := log.finished(t, first.ID)
	r2 := log.finished(t, second.ID)
	assert.Equal(t, engine.ScheduleSucceeded, r1.Outcome, r1.Message)
	assert.Equal(t, engine.ScheduleSucceeded, r2.Outcome, r2.Message)
	assert.True(t, r2.Queued, "the history keeps that it queued")
	assert.Equal(t, `the scheduled run of "First"`, r2.QueuedBehind)
	assert.Equal(t, waiting.ID, r2.ID, "one record from waiting to finished")
	assert.Greater(t, r2.Evaluation, r1.Evaluation, "it ran after the first")
}

func TestARunDueWhileProvisioWasNotRunningIsReportedOnStartUntilAcknowledged(t *testing.T) {
	a, clock := clockApp(t, true)
	ctx := context.Background()
	s := saveSchedule(t, a, daily("Nightly", "06:00", engine.EnforceNever))
	paused := saveSchedule(t, a, daily("Paused", "07:00", engine.EnforceNever))
	_, err := a.PauseSchedules(ctx, []string{paused.ID}, true)
	require.NoError(t, err)

	clock.Advance(3 * 24 * time.Hour) // no scheduler runs: 27, 28 and 29 November at 06:00 pass
	log := startScheduler(t, a)
	missed := log.next(t, s.ID, engine.ScheduleMissed)
	assert.Equal(t, 3, missed.Missed)
	assert.Equal(t, time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC), missed.DueAt.UTC())
	assert.Equal(t, time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC), missed.LastDue.UTC())
	assert.Contains(t, missed.Message, "3 runs were due")

	d, err := a.Dashboard(ctx)
	require.NoError(t, err)
	require.Len(t, d.ScheduleAttention, 1, "only the enabled schedule missed runs")
	assert.Equal(t, missed.ID, d.ScheduleAttention[0].ID)

	require.NoError(t, a.AcknowledgeScheduleRuns(ctx, missed.ID))
	d, err = a.Dashboard(ctx)
	require.NoError(t, err)
	assert.Empty(t, d.ScheduleAttention)

	// resuming does not count the paused days as missed
	_, err = a.PauseSchedules(ctx, []string{paused.ID}, false)
	require.NoError(t, err)
	history, err := a.ScheduleRuns(ctx, paused.ID, 0)
	require.NoError(t, err)
	assert.Empty(t, history)
}

func TestMissedRunsAreCountedFromTheLastRunNotAgain(t *testing.T) {
	a, clock := clockApp(t, true)
	ctx := context.Background()
	s := saveSchedule(t, a, engine.Schedule{Name: "Hourly", Evaluate: true, Every: &engine.Every{Hours: 1}, TimeZone: "UTC"})
	clock.Advance(150 * time.Minute) // 10:00 and 11:00 pass
	stop, err := a.StartScheduler(ctx, app.SchedulerOptions{})
	require.NoError(t, err)
	require.NoError(t, stop())
	stop, err = a.StartScheduler(ctx, app.SchedulerOptions{})
	require.NoError(t, err)
	require.NoError(t, stop())
	history, err := a.ScheduleRuns(ctx, s.ID, 0)
	require.NoError(t, err)
	require.Len(t, history, 1, "a second start finds nothing new missed")
	assert.Equal(t, 2, history[0].Missed)
}

func TestARunLeftGoingByAStoppedProcessIsRecordedAsInterrupted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	a, err := app.Open(dir, app.Options{Clock: engine.FixedClock(day)})
	require.NoError(t, err)
	require.NoError(t, a.Close())
	st, err := boltstore.Open(dir)
	require.NoError(t, err)
	_, err = st.SaveScheduleRun(context.Background(), &engine.ScheduleRun{Schedule: "nightly", Name: "Nightly", DueAt: day, StartedAt: day, Outcome: engine.ScheduleRunning})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	a, err = app.Open(dir, app.Options{Clock: engine.FixedClock(day)})
	require.NoError(t, err)
	defer a.Close()
	runs, err := a.ScheduleRuns(context.Background(), "nightly", 0)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, engine.ScheduleInterrupted, runs[0].Outcome)
	assert.Contains(t, runs[0].Message, "Provisio stopped while it ran")
	assert.True(t, runs[0].NeedsAttention())
}

func TestRunNowRunsEvenAPausedScheduleAsAManualRun(t *testing.T) {
	a, _ := clockApp(t, true)
	ctx := context.Background()
	s := saveSchedule(t, a, daily("Nightly", "06:00", engine.EnforceNever))
	_, err := a.PauseSchedules(ctx, nil, true)
	require.NoError(t, err)
	info, err := a.FindSchedule(ctx, "nightly")
	require.NoError(t, err)
	assert.True(t, info.Paused)
	assert.True(t, info.NextRun.IsZero(), "a paused schedule has no next run")

	r, err := a.RunSchedule(ctx, "NIGHTLY") // by name, in any case
	require.NoError(t, err)
	assert.Equal(t, engine.ScheduleSucceeded, r.Outcome, r.Message)
	assert.True(t, r.Manual)
	assert.Equal(t, s.ID, r.Schedule)
	assert.Len(t, r.Imports, 1)
	assert.NotZero(t, r.Evaluation)
	assert.Zero(t, r.Enforcement, "this schedule does not enforce")
}

// blockDemoImport makes the demo's next HR import exceed its removal
// threshold: a third of the persons leave the export.
func blockDemoImport(t *testing.T, a *app.App) {
	t.Helper()
	ctx := context.Background()
	cfg, err := a.Config(ctx)
	require.NoError(t, err)
	src, _ := cfg.SourceSystem("hr")
	src.Thresholds.Removed = engine.Threshold{MaxPercent: floatp(10)}
	_, err = a.SaveSourceSystem(ctx, *src, "hr")
	require.NoError(t, err)
	path := filepath.Join(a.Dir(), app.DemoDataDir, "persons.csv")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(raw), "\n")
	writeFile(t, path, strings.Join(lines[:200], ""))
}

func TestABlockedImportStopsEnforcementOnlyWhenTheScheduleEnforcesUnblocked(t *testing.T) {
	for _, c := range []struct {
		mode     engine.EnforceMode
		enforced bool
	}{
		{engine.EnforceUnblocked, false},
		{engine.EnforceAlways, true},
	} {
		t.Run(string(c.mode), func(t *testing.T) {
			a, _ := clockApp(t, true)
			blockDemoImport(t, a)
			s := saveSchedule(t, a, daily("Nightly", "06:00", c.mode))
			r, err := a.RunSchedule(context.Background(), s.ID)
			require.NoError(t, err)
			assert.Equal(t, engine.ScheduleBlocked, r.Outcome, r.Message)
			assert.Contains(t, r.Message, "waits for approval")
			assert.NotZero(t, r.Evaluation, "the evaluation runs on the snapshot before the import")
			assert.Positive(t, r.Counts.Actions)
			if c.enforced {
				assert.NotZero(t, r.Enforcement)
				assert.Equal(t, r.Counts.Actions, r.Counts.Done)
			} else {
				assert.Zero(t, r.Enforcement)
				assert.Contains(t, r.Message, "not enforced")
				runs, err := a.Runs(context.Background())
				require.NoError(t, err)
				assert.Empty(t, runs, "nothing was written")
			}
			d, err := a.Dashboard(context.Background())
			require.NoError(t, err)
			require.Len(t, d.ScheduleAttention, 1, "a blocked run asks for attention")
			require.Len(t, d.Pending, 1, "and so does its import")
		})
	}
}

func TestAFailedSourceFailsTheRunBeforeEvaluating(t *testing.T) {
	a, clock := clockApp(t, false)
	ctx := context.Background()
	key, file := addSource(t, a, 3, engine.ImportThresholds{})
	s := saveSchedule(t, a, engine.Schedule{Name: "Import", Sources: []string{key}, Evaluate: true, Every: &engine.Every{At: "10:00"}, TimeZone: "UTC"})
	require.NoError(t, os.Remove(file))
	log := startScheduler(t, a)
	advanceTo(t, clock, 1, time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	r := log.finished(t, s.ID)
	assert.Equal(t, engine.ScheduleFailed, r.Outcome)
	assert.Contains(t, r.Message, "the import failed")
	assert.Contains(t, r.Message, "export.csv")
	assert.Len(t, r.Imports, 1, "the failed import is in the history")
	assert.Zero(t, r.Evaluation)
	d, err := a.Dashboard(ctx)
	require.NoError(t, err)
	require.Len(t, d.ScheduleAttention, 1)
	assert.Equal(t, engine.ScheduleFailed, d.ScheduleAttention[0].Outcome)
}

func TestSaveScheduleNamesTheFieldThatIsWrong(t *testing.T) {
	a, _ := clockApp(t, true)
	ctx := context.Background()
	saveSchedule(t, a, daily("Nightly", "06:00", engine.EnforceNever))
	ok := func(edit func(s *engine.Schedule)) engine.Schedule {
		s := daily("Other", "07:00", engine.EnforceNever)
		edit(&s)
		return s
	}
	for _, c := range []struct {
		s    engine.Schedule
		says string
	}{
		{ok(func(s *engine.Schedule) { s.Name = " " }), "name: give the schedule a name"},
		{ok(func(s *engine.Schedule) { s.Name = "NIGHTLY" }), "name: another schedule has this name"},
		{ok(func(s *engine.Schedule) { s.Sources = []string{"payroll"} }), `sources: there is no source system "payroll" (there are: hr)`},
		{ok(func(s *engine.Schedule) { s.Sources = []string{"hr", "hr"} }), `sources: "hr" is listed twice`},
		{ok(func(s *engine.Schedule) { s.Evaluate = false; s.Enforce = engine.EnforceAlways }), "enforce: a schedule that enforces must also evaluate"},
		{ok(func(s *engine.Schedule) { s.Sources = nil; s.Evaluate = false }), "the schedule does nothing"},
		{ok(func(s *engine.Schedule) { s.Enforce = "sometimes" }), `enforce: "sometimes" is not an enforce mode`},
		{ok(func(s *engine.Schedule) { s.Every = nil; s.Cron = "0 6 * *" }), "cron:"},
		{ok(func(s *engine.Schedule) { s.Every = &engine.Every{Hours: 30} }), "every.hours: 30 is not a number of hours; expected 1 to 23"},
		{ok(func(s *engine.Schedule) { s.Every = &engine.Every{At: "7am"} }), `every.at: "7am" is not a time of day`},
		{ok(func(s *engine.Schedule) { s.TimeZone = "Mars/Olympus" }), `timeZone: "Mars/Olympus" is not a time zone`},
	} {
		_, err := a.SaveSchedule(ctx, c.s)
		require.Error(t, err, c.says)
		assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
		assert.Contains(t, err.Error(), c.says)
	}
	list, err := a.Schedules(ctx)
	require.NoError(t, err)
	assert.Len(t, list, 1, "nothing invalid was saved")
}

func TestASourceAScheduleImportsCannotBeDeleted(t *testing.T) {
	a, _ := clockApp(t, true)
	ctx := context.Background()
	s := saveSchedule(t, a, daily("Nightly", "06:00", engine.EnforceNever))
	err := a.DeleteSourceSystem(ctx, "hr")
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)
	assert.Contains(t, err.Error(), `schedule "Nightly" imports it`)
	require.NoError(t, a.DeleteSchedule(ctx, s.ID))
	require.NoError(t, a.DeleteSourceSystem(ctx, "hr"))
}

func TestEditingTheTimingRestartsTheMissedRunCount(t *testing.T) {
	a, clock := clockApp(t, true)
	s := saveSchedule(t, a, daily("Nightly", "06:00", engine.EnforceNever))
	created := s.CreatedAt
	clock.Advance(time.Hour)
	s.Name = "Nightly HR"
	renamed := saveSchedule(t, a, s)
	assert.Equal(t, created, renamed.CreatedAt, "a new name is not a new timing")
	s.Every = &engine.Every{At: "05:00"}
	retimed := saveSchedule(t, a, s)
	assert.Equal(t, clock.Now(), retimed.CreatedAt)
	assert.Equal(t, s.ID, retimed.ID, "the id never changes")
}

func TestADisabledSourceIsNotImportedAndTheRunSaysSo(t *testing.T) {
	a, _ := clockApp(t, true)
	ctx := context.Background()
	s := saveSchedule(t, a, daily("Nightly", "06:00", engine.EnforceNever))
	cfg, err := a.Config(ctx)
	require.NoError(t, err)
	src, _ := cfg.SourceSystem("hr")
	src.Disabled = true
	_, err = a.SaveSourceSystem(ctx, *src, "hr")
	require.NoError(t, err)
	r, err := a.RunSchedule(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, engine.ScheduleSucceeded, r.Outcome)
	assert.Empty(t, r.Imports)
	assert.Contains(t, r.Message, "HR export is disabled: not imported")
	assert.NotZero(t, r.Evaluation)
}

func TestRunNowTellsItsProgressAndCanBeCancelled(t *testing.T) {
	a, _ := clockApp(t, true)
	ctx := context.Background()
	s := saveSchedule(t, a, daily("Nightly", "06:00", engine.EnforceNever))

	var steps []string
	run, err := a.RunScheduleWithProgress(ctx, s.ID, func(p app.ScheduleProgress) {
		if len(steps) == 0 || steps[len(steps)-1] != p.Step {
			steps = append(steps, p.Step)
		}
		assert.NotEmpty(t, p.Text)
		assert.GreaterOrEqual(t, p.Fraction, 0.0)
		assert.LessOrEqual(t, p.Fraction, 1.0)
	})
	require.NoError(t, err)
	assert.Equal(t, engine.ScheduleSucceeded, run.Outcome, run.Message)
	assert.Equal(t, []string{"import", "evaluate"}, steps)

	// a run held at its import is cancelled from elsewhere (the GUI's Cancel)
	entered, release := make(chan struct{}), make(chan struct{})
	app.SetScheduleStepHook(a, func(id, step string) {
		if step == "import" {
			close(entered)
			<-release
		}
	})
	done := make(chan *engine.ScheduleRun)
	go func() {
		r, err := a.RunScheduleWithProgress(ctx, s.ID, nil)
		assert.NoError(t, err)
		done <- r
	}()
	<-entered
	require.NoError(t, a.CancelScheduleRun(s.ID))
	close(release)
	r := <-done
	assert.Equal(t, engine.ScheduleCanceled, r.Outcome, r.Message)
	assert.True(t, engine.IsCode(a.CancelScheduleRun(s.ID), engine.NotFound), "nothing left to cancel")
}

func TestARunStoppedBecauseProvisioStopsIsInterruptedNotCancelled(t *testing.T) {
	a, _ := clockApp(t, true)
	s := saveSchedule(t, a, daily("Nightly", "06:00", engine.EnforceNever))
	entered := make(chan struct{})
	app.SetScheduleStepHook(a, func(id, step string) {
		if step == "import" {
			close(entered)
		}
	})
	ctx, stop := context.WithCancelCause(context.Background())
	done := make(chan *engine.ScheduleRun)
	go func() {
		r, err := a.RunScheduleWithProgress(ctx, s.ID, nil)
		assert.NoError(t, err)
		done <- r
	}()
	<-entered
	stop(app.ErrStopping) // the tray's runs as Provisio quits
	r := <-done
	assert.Equal(t, engine.ScheduleInterrupted, r.Outcome, r.Message)
}
