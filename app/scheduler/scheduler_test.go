package scheduler_test

import (
	"context"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app/scheduler"
	"provisio/engine"
)

// fired is one call of a scheduler's run function.
type fired struct {
	id       string
	due, now time.Time
}

// startScheduler starts a scheduler on clock with schedules, and returns
// the channel its runs are reported on.
func startScheduler(t *testing.T, clock *clockwork.FakeClock, schedules ...engine.Schedule) (*scheduler.Scheduler, chan fired) {
	t.Helper()
	runs := make(chan fired, 16)
	s, err := scheduler.New(scheduler.Options{Clock: clock, Run: func(_ context.Context, sc engine.Schedule, due time.Time) {
		runs <- fired{sc.ID, due, clock.Now()}
	}})
	require.NoError(t, err)
	require.NoError(t, s.Load(schedules))
	s.Start()
	t.Cleanup(func() { require.NoError(t, s.Stop()) })
	return s, runs
}

// advanceTo waits until the scheduler has set its n timers, then moves
// the clock to at.
func advanceTo(t *testing.T, clock *clockwork.FakeClock, n int, at time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, clock.BlockUntilContext(ctx, n), "the scheduler sets a timer per job")
	clock.Advance(at.Sub(clock.Now()))
}

// next receives the next run, failing the test when none comes.
func next(t *testing.T, runs chan fired) fired {
	t.Helper()
	select {
	case f := <-runs:
		return f
	case <-time.After(10 * time.Second):
		t.Fatal("the schedule did not fire")
		return fired{}
	}
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestScheduleFiresAtItsTimeOfDayInItsZoneAcrossTheChangeToSummerTime(t *testing.T) {
	ams := zone(t, "Europe/Amsterdam")
	// clocks in Amsterdam go forward on Sunday 28 March 2027 at 02:00
	clock := clockwork.NewFakeClockAt(time.Date(2027, 3, 26, 12, 0, 0, 0, time.UTC))
	daily := engine.Schedule{ID: "daily", Name: "Daily", Every: &engine.Every{At: "06:00"}, TimeZone: "Europe/Amsterdam"}
	_, runs := startScheduler(t, clock, daily)

	want := []time.Time{
		time.Date(2027, 3, 27, 5, 0, 0, 0, time.UTC), // 06:00 CET
		time.Date(2027, 3, 28, 4, 0, 0, 0, time.UTC), // 06:00 CEST
		time.Date(2027, 3, 29, 4, 0, 0, 0, time.UTC),
	}
	for _, at := range want {
		advanceTo(t, clock, 1, at)
		f := next(t, runs)
		assert.Equal(t, "daily", f.id)
		assert.True(t, at.Equal(f.due), "due at %s, fired as due %s", at, f.due)
		assert.True(t, at.Equal(f.now), "fired at %s, not before or after", f.now)
		assert.Equal(t, "06:00", f.due.In(ams).Format("15:04"), "06:00 in Amsterdam, summer time or not")
	}
	assert.Equal(t, 23*time.Hour, want[1].Sub(want[0]), "the night the clocks go forward is an hour short")
}

func TestCronScheduleFiresOnItsWeekdaysInItsZone(t *testing.T) {
	ny := zone(t, "America/New_York")
	// Friday 1 January 2027, 12:00 UTC = 07:00 in New York
	clock := clockwork.NewFakeClockAt(time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC))
	weekdays := engine.Schedule{ID: "weekdays", Name: "Weekdays", Cron: "30 7 * * 1-5", TimeZone: "America/New_York"}
	_, runs := startScheduler(t, clock, weekdays)

	for _, at := range []time.Time{
		time.Date(2027, 1, 1, 7, 30, 0, 0, ny), // Friday, half an hour later
		time.Date(2027, 1, 4, 7, 30, 0, 0, ny), // Monday: not the weekend
	} {
		advanceTo(t, clock, 1, at)
		f := next(t, runs)
		assert.True(t, at.Equal(f.due), "due at %s, fired as due %s", at, f.due)
		assert.True(t, at.Equal(f.now))
	}
}

func TestPausedScheduleIsNotLoadedAndDoesNotFire(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC))
	active := engine.Schedule{ID: "active", Name: "Active", Every: &engine.Every{Hours: 1}, TimeZone: "UTC"}
	paused := engine.Schedule{ID: "paused", Name: "Paused", Every: &engine.Every{Hours: 1, Minute: 30}, TimeZone: "UTC", Paused: true}
	s, runs := startScheduler(t, clock, active, paused)
	assert.Equal(t, []string{"active"}, s.Loaded())
	_, ok := s.Next("paused")
	assert.False(t, ok)

	// past the paused schedule's :30 and on to the active one's 14:00
	advanceTo(t, clock, 1, time.Date(2027, 1, 1, 13, 0, 0, 0, time.UTC))
	assert.Equal(t, "active", next(t, runs).id)
	advanceTo(t, clock, 1, time.Date(2027, 1, 1, 14, 0, 0, 0, time.UTC))
	assert.Equal(t, "active", next(t, runs).id, "the paused schedule's 13:30 was not run")
	assert.Empty(t, runs)
}

func TestLoadReplacesChangedSchedulesAndDropsRemovedOnes(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC))
	sc := engine.Schedule{ID: "nightly", Name: "Nightly", Every: &engine.Every{At: "02:00"}, TimeZone: "UTC"}
	s, runs := startScheduler(t, clock, sc)
	at, ok := s.Next("nightly")
	require.True(t, ok)
	assert.Equal(t, time.Date(2027, 1, 2, 2, 0, 0, 0, time.UTC), at.UTC())

	sc.Every.At = "13:15"
	require.NoError(t, s.Load([]engine.Schedule{sc}))
	at, _ = s.Next("nightly")
	assert.Equal(t, time.Date(2027, 1, 1, 13, 15, 0, 0, time.UTC), at.UTC())
	advanceTo(t, clock, 1, at)
	assert.True(t, at.Equal(next(t, runs).due), "it fires at its new time")

	require.NoError(t, s.Load(nil))
	assert.Empty(t, s.Loaded())
}

func TestLoadLeavesOutAnInvalidScheduleAndSaysWhy(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC))
	s, _ := startScheduler(t, clock)
	err := s.Load([]engine.Schedule{
		{ID: "good", Name: "Good", Cron: "0 6 * * *"},
		{ID: "bad", Name: "Bad", Cron: "0 25 * * *"},
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `schedule "Bad": cron:`)
	assert.Equal(t, []string{"good"}, s.Loaded())
}
