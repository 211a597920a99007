package engine

import "time"

// Schedule is a recurring pipeline: import the chosen source systems in
// order, evaluate, and optionally enforce.
type Schedule struct {
	// ID identifies the schedule; it never changes.
	ID   string `json:"id"`
	Name string `json:"name"`
	// Sources are the keys of the source systems to import, in order;
	// none means no import (evaluate the latest snapshot).
	Sources []string `json:"sources,omitempty"`
	// Evaluate runs an evaluation after the imports.
	Evaluate bool `json:"evaluate"`
	// Enforce says whether the evaluation's plan is enforced.
	Enforce EnforceMode `json:"enforce,omitempty"`
	// Cron is a five-field cron expression ("0 6 * * 1-5"). When empty,
	// Every is used.
	Cron string `json:"cron,omitempty"`
	// Every is the simple form: every day at a time, or every N hours.
	Every *Every `json:"every,omitempty"`
	// TimeZone is an IANA zone name ("Europe/Amsterdam"); empty means the
	// machine's local zone.
	TimeZone string `json:"timeZone,omitempty"`
	Paused   bool   `json:"paused,omitempty"`
	// CreatedAt is when the schedule was made (or last changed its
	// timing): runs due before it were never missed.
	CreatedAt time.Time `json:"createdAt,omitzero"`
}

// Every is the simple form of a schedule's timing: every day at a time
// (Hours 0), or every Hours hours from midnight, at Minute past the hour.
type Every struct {
	// Hours is 0 for daily, else 1 to 23.
	Hours int `json:"hours,omitempty"`
	// At is "HH:MM" for daily.
	At string `json:"at,omitempty"`
	// Minute is the minute past the hour for hourly forms.
	Minute int `json:"minute,omitempty"`
}

// EnforceMode says when a scheduled run enforces.
type EnforceMode string

// The enforce modes.
const (
	EnforceNever EnforceMode = ""
	// EnforceUnblocked enforces only if no threshold blocked anything
	// (an import or the plan's actions).
	EnforceUnblocked EnforceMode = "unblocked"
	// EnforceAlways enforces whatever passes the thresholds; blocked
	// actions wait for approval as in a manual run.
	EnforceAlways EnforceMode = "always"
)

// ScheduleOutcome is how a scheduled run ended.
type ScheduleOutcome string

// The schedule outcomes.
const (
	ScheduleRunning   ScheduleOutcome = "running"
	ScheduleSucceeded ScheduleOutcome = "succeeded"
	// ScheduleBlocked: a threshold blocked an import or actions; the
	// administrator decides.
	ScheduleBlocked  ScheduleOutcome = "blocked"
	ScheduleFailed   ScheduleOutcome = "failed"
	ScheduleCanceled ScheduleOutcome = "cancelled"
	// ScheduleMissed: it was due while Provisio was not running.
	ScheduleMissed ScheduleOutcome = "missed"
	// ScheduleInterrupted: Provisio stopped while it ran.
	ScheduleInterrupted ScheduleOutcome = "interrupted"
	// ScheduleWaiting: it is queued behind another run (QueuedBehind).
	ScheduleWaiting ScheduleOutcome = "waiting"
	// ScheduleSkipped: it was due while the schedule's previous run was
	// still going or waiting, so it did not run a second time.
	ScheduleSkipped ScheduleOutcome = "skipped"
)

// NeedsAttention reports whether a run's outcome asks the administrator
// to look (until acknowledged): it failed, was blocked, missed or
// interrupted.
func (r *ScheduleRun) NeedsAttention() bool {
	switch r.Outcome {
	case ScheduleFailed, ScheduleBlocked, ScheduleMissed, ScheduleInterrupted:
		return !r.Acknowledged
	}
	return false
}

// Finished reports whether the run is over (or never ran).
func (r *ScheduleRun) Finished() bool {
	return r.Outcome != ScheduleRunning && r.Outcome != ScheduleWaiting
}

// ScheduleRun is one run of a schedule (or a record of runs missed).
type ScheduleRun struct {
	ID       uint64 `json:"id"`
	Schedule string `json:"schedule"`
	// Name is the schedule's name at the time.
	Name string `json:"name"`
	// DueAt is when the schedule fired (or, for a manual "run now", when
	// it was asked for).
	DueAt      time.Time       `json:"dueAt"`
	StartedAt  time.Time       `json:"startedAt,omitzero"`
	FinishedAt time.Time       `json:"finishedAt,omitzero"`
	Outcome    ScheduleOutcome `json:"outcome"`
	Message    string          `json:"message,omitempty"`
	// Manual is set for "run now".
	Manual bool `json:"manual,omitempty"`
	// Queued is set when the run waited for another run to finish, and
	// QueuedBehind says what it waited for.
	Queued       bool   `json:"queued,omitempty"`
	QueuedBehind string `json:"queuedBehind,omitempty"`
	// Missed counts the runs that were due while Provisio was not running
	// (for outcome missed), the first at DueAt and the last at LastDue.
	Missed  int       `json:"missed,omitempty"`
	LastDue time.Time `json:"lastDue,omitzero"`
	// Acknowledged missed or failed runs no longer ask for attention.
	Acknowledged bool `json:"acknowledged,omitempty"`
	// What the run made.
	Imports     []uint64       `json:"imports,omitempty"`
	Evaluation  uint64         `json:"evaluation,omitempty"`
	Enforcement uint64         `json:"enforcement,omitempty"`
	Counts      ScheduleCounts `json:"counts"`
}

// ScheduleCounts are a scheduled run's figures.
type ScheduleCounts struct {
	Imported int `json:"imported"` // persons in the snapshot after the imports
	Added    int `json:"added"`
	Removed  int `json:"removed"`
	Changed  int `json:"changed"`
	Actions  int `json:"actions"` // in the evaluation's plan
	Done     int `json:"done"`
	Failed   int `json:"failed"`
	Blocked  int `json:"blocked"`
}

// NotificationSettings say which desktop notifications are sent.
type NotificationSettings struct {
	// Off lists the events that are not notified (all are on by default).
	Off []NotificationEvent `json:"off,omitempty"`
	// OnboardingDays and OffboardingDays are how many days before a
	// person's first contract starts (or last contract ends) a notice is
	// sent; 0 means the default of 7.
	OnboardingDays  int `json:"onboardingDays,omitempty"`
	OffboardingDays int `json:"offboardingDays,omitempty"`
}

// NotificationEvent names a kind of notification.
type NotificationEvent string

// The notification events.
const (
	NotifyRunFinished NotificationEvent = "run-finished"
	NotifyRunFailed   NotificationEvent = "run-failed"
	NotifyBlocked     NotificationEvent = "threshold-blocked"
	NotifyOnboarding  NotificationEvent = "pre-onboarding"
	NotifyOffboarding NotificationEvent = "pre-offboarding"
	NotifyAggregation NotificationEvent = "aggregation-suggestions"
)

// NotificationEvents lists the events in the order settings show them.
var NotificationEvents = []NotificationEvent{NotifyRunFinished, NotifyRunFailed, NotifyBlocked, NotifyOnboarding, NotifyOffboarding, NotifyAggregation}
