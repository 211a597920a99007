package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"provisio/engine"
)

// RunFunc runs a schedule that is due. It is called on a goroutine of its
// own, so it may wait (for another run to finish) as long as it needs;
// ctx is cancelled when the scheduler stops.
type RunFunc func(ctx context.Context, s engine.Schedule, due time.Time)

// Options configure a Scheduler.
type Options struct {
	// Clock defaults to the real clock; tests pass a clockwork.FakeClock.
	Clock clockwork.Clock
	// Run is called with each schedule when it is due.
	Run RunFunc
	// StopTimeout is how long Stop waits for runs to finish after
	// cancelling them; 0 means 30 seconds.
	StopTimeout time.Duration
	// Logger receives gocron's own errors; nil discards them.
	Logger *slog.Logger
}

// Scheduler fires the enabled schedules when they are due. Its methods
// may be called from any goroutine.
type Scheduler struct {
	clock clockwork.Clock
	run   RunFunc
	cron  gocron.Scheduler
	// ctx is the runs' context, cancelled by Stop. Not gocron's job
	// context: replacing a job (its timing changed) must not cancel the
	// run it has going.
	ctx    context.Context
	cancel context.CancelFunc

	mu   sync.Mutex
	jobs map[string]*job // by schedule id
}

// job is one schedule's gocron job.
type job struct {
	id     uuid.UUID
	sched  engine.Schedule
	timing *Timing
	// next is when the job is due next, set when it is registered and
	// after each firing: the time a firing was due, whatever the clock
	// says by the time the job runs.
	next time.Time
}

// New makes a scheduler with no schedules; Load gives it some and Start
// starts it.
func New(opts Options) (*Scheduler, error) {
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	if opts.StopTimeout == 0 {
		opts.StopTimeout = 30 * time.Second
	}
	gopts := []gocron.SchedulerOption{gocron.WithClock(opts.Clock), gocron.WithStopTimeout(opts.StopTimeout)}
	if opts.Logger != nil {
		gopts = append(gopts, gocron.WithLogger(slogLogger{opts.Logger}))
	}
	c, err := gocron.NewScheduler(gopts...)
	if err != nil {
		return nil, engine.Wrap(engine.Internal, err, "start the scheduler")
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{clock: opts.Clock, run: opts.Run, cron: c, ctx: ctx, cancel: cancel, jobs: map[string]*job{}}, nil
}

// Load makes the scheduler's jobs those of the enabled (not paused)
// schedules with a valid timing: new ones are added, changed ones
// replaced, the rest removed. A schedule whose timing is invalid is left
// out, and its error returned (joined with the others').
func (s *Scheduler) Load(schedules []engine.Schedule) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	keep := map[string]bool{}
	for _, sc := range schedules {
		if sc.Paused {
			continue
		}
		if sc.Every != nil { // kept: the caller's may change
			e := *sc.Every
			sc.Every = &e
		}
		sc.Sources = slices.Clone(sc.Sources)
		t, err := Compile(&sc)
		if err != nil {
			errs = append(errs, engine.Errorf(engine.Invalid, "schedule %q: %v", sc.Name, err))
			continue
		}
		keep[sc.ID] = true
		if j := s.jobs[sc.ID]; j != nil {
			if sameSchedule(j.sched, sc) {
				j.sched = sc // a name, say
				continue
			}
			_ = s.cron.RemoveJob(j.id)
			delete(s.jobs, sc.ID)
		}
		j := &job{sched: sc, timing: t, next: t.Next(s.clock.Now())}
		gj, err := s.cron.NewJob(gocron.CronJob(t.Expr, false), gocron.NewTask(s.fire, j),
			gocron.WithCronImplementation(t), gocron.WithName(sc.Name), gocron.WithTags(sc.ID))
		if err != nil {
			errs = append(errs, engine.Wrap(engine.Internal, err, "schedule %q", sc.Name))
			continue
		}
		j.id = gj.ID()
		s.jobs[sc.ID] = j
	}
	for id, j := range s.jobs {
		if !keep[id] {
			_ = s.cron.RemoveJob(j.id)
			delete(s.jobs, id)
		}
	}
	return errors.Join(errs...)
}

// sameSchedule reports whether two versions of a schedule fire alike and
// run the same pipeline.
func sameSchedule(a, b engine.Schedule) bool {
	same := func(x, y *engine.Every) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return a.Cron == b.Cron && same(a.Every, b.Every) && a.TimeZone == b.TimeZone && slices.Equal(a.Sources, b.Sources) &&
		a.Evaluate == b.Evaluate && a.Enforce == b.Enforce
}

// fire runs when a job is due.
func (s *Scheduler) fire(j *job) {
	s.mu.Lock()
	now := s.clock.Now()
	due := j.next
	// a firing long after its time (the machine slept) is due now
	if due.IsZero() || due.After(now) || now.Sub(due) > time.Minute {
		due = now.Truncate(time.Minute)
	}
	j.next = j.timing.Next(now)
	sc := j.sched
	s.mu.Unlock()
	s.run(s.ctx, sc, due)
}

// Start starts firing the loaded schedules.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops firing, cancels the runs going (through their context) and
// waits for them to return, at most the stop timeout.
func (s *Scheduler) Stop() error {
	s.cancel()
	err := s.cron.Shutdown()
	if errors.Is(err, gocron.ErrStopJobsTimedOut) {
		return engine.Errorf(engine.Unavailable, "a scheduled run did not stop in time")
	}
	return err
}

// Next returns when a loaded schedule is due next; false when it is not
// loaded (paused, invalid, or unknown).
func (s *Scheduler) Next(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[id]
	if j == nil {
		return time.Time{}, false
	}
	return j.next, true
}

// Loaded returns the ids of the schedules that fire, sorted.
func (s *Scheduler) Loaded() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.jobs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// slogLogger passes gocron's messages to a slog.Logger.
type slogLogger struct{ l *slog.Logger }

func (l slogLogger) Debug(msg string, args ...any) { l.l.Debug(msg, args...) }
func (l slogLogger) Error(msg string, args ...any) { l.l.Error(msg, args...) }
func (l slogLogger) Info(msg string, args ...any)  { l.l.Info(msg, args...) }
func (l slogLogger) Warn(msg string, args ...any)  { l.l.Warn(msg, args...) }
