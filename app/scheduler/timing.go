// Package scheduler runs Provisio's schedules: one gocron job per enabled
// schedule, firing in the schedule's time zone on a clock that tests
// replace. It knows when schedules are due; what a run does (the
// pipeline, the queue, the history) is the app package's.
package scheduler

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
	// the IANA zone database, so that time zones work on a machine without
	// one (Windows, minimal containers)
	_ "time/tzdata"

	"github.com/robfig/cron/v3"

	"provisio/engine"
)

// Timing is a schedule's timing, compiled: when it is due.
type Timing struct {
	// Expr is the five-field cron expression (the simple form converted).
	Expr     string
	Location *time.Location
	spec     cron.Schedule
	// everyHour is set when the expression runs in every hour of the
	// day: on the night the clocks go back it runs in both passes of the
	// repeated hour, an hour apart. Other timings run in it once.
	everyHour bool
}

// FieldError is a problem with one field of a schedule's timing.
type FieldError struct {
	// Field is the configuration name of the field: cron, every.at,
	// every.hours, every.minute or timeZone.
	Field, Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Compile checks a schedule's timing (cron or the simple form, and the
// time zone) and compiles it. Errors are *FieldError.
func Compile(s *engine.Schedule) (*Timing, error) {
	loc, err := Location(s.TimeZone)
	if err != nil {
		return nil, err
	}
	expr, err := Expression(s)
	if err != nil {
		return nil, err
	}
	spec, err := cron.ParseStandard(expr)
	if err != nil {
		return nil, &FieldError{"cron", fmt.Sprintf("%q is not a cron expression (%v); expected five fields, minute hour day-of-month month day-of-week, such as \"0 6 * * 1-5\"", expr, err)}
	}
	t := &Timing{Expr: expr, Location: loc, spec: spec}
	if ss, ok := spec.(*cron.SpecSchedule); ok {
		ss.Location = loc
		const starBit = 1 << 63 // robfig/cron's mark of a field given as *
		t.everyHour = bits.OnesCount64(ss.Hour&^starBit) == 24
	}
	if t.Next(time.Now()).IsZero() {
		return nil, &FieldError{"cron", fmt.Sprintf("%q never comes (a day that no month has?)", expr)}
	}
	return t, nil
}

// Location returns the time zone of a schedule: the machine's for "".
func Location(zone string) (*time.Location, error) {
	if zone == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "Local" {
		return nil, &FieldError{"timeZone", fmt.Sprintf("%q is not a time zone; expected an IANA name such as \"Europe/Amsterdam\" or \"UTC\", or nothing for this machine's zone", zone)}
	}
	return loc, nil
}

// Expression returns a schedule's cron expression: Cron, or the simple
// form converted ("every day at 06:00" is "0 6 * * *", "every 4 hours at
// minute 15" is "15 */4 * * *").
func Expression(s *engine.Schedule) (string, error) {
	c := strings.Join(strings.Fields(s.Cron), " ")
	switch {
	case c != "" && s.Every != nil:
		return "", &FieldError{"cron", "a schedule has either a cron expression or the simple form (every), not both"}
	case c != "":
		if strings.HasPrefix(c, "TZ=") || strings.HasPrefix(c, "CRON_TZ=") {
			return "", &FieldError{"cron", "give the time zone in the schedule's time zone, not in the cron expression"}
		}
		if strings.HasPrefix(c, "@every") {
			return "", &FieldError{"cron", "@every counts from when Provisio started; use the simple form \"every N hours\" instead"}
		}
		return c, nil
	case s.Every == nil:
		return "", &FieldError{"cron", "the schedule has no timing: give a cron expression, or the simple form (every day at a time, or every N hours)"}
	}
	e := s.Every
	if e.Hours == 0 {
		h, m, err := ParseClock(e.At)
		if err != nil {
			return "", &FieldError{"every.at", err.Error()}
		}
		return fmt.Sprintf("%d %d * * *", m, h), nil
	}
	if e.Hours < 1 || e.Hours > 23 {
		return "", &FieldError{"every.hours", fmt.Sprintf("%d is not a number of hours; expected 1 to 23 (or 0 with every.at for once a day)", e.Hours)}
	}
	if e.At != "" {
		return "", &FieldError{"every.at", "is for the daily form only; with every.hours, use every.minute for the minute past the hour"}
	}
	if e.Minute < 0 || e.Minute > 59 {
		return "", &FieldError{"every.minute", fmt.Sprintf("%d is not a minute; expected 0 to 59", e.Minute)}
	}
	if e.Hours == 1 {
		return fmt.Sprintf("%d * * * *", e.Minute), nil
	}
	return fmt.Sprintf("%d */%d * * *", e.Minute, e.Hours), nil
}

// ParseClock reads a time of day "HH:MM" (24 hours; "6:00" too).
func ParseClock(s string) (hour, minute int, err error) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	if ok {
		hour, err = strconv.Atoi(hh)
	}
	if ok && err == nil {
		minute, err = strconv.Atoi(mm)
	}
	if !ok || err != nil || len(mm) != 2 || hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		return 0, 0, fmt.Errorf("%q is not a time of day; expected HH:MM from 00:00 to 23:59, such as \"06:00\"", s)
	}
	return hour, minute, nil
}

// Next returns the first time after t that the timing is due (zero if
// never). On the night clocks go back, a time of day that happens twice
// is due once; on the night they go forward, a time of day that does not
// exist is skipped, as cron does.
func (t *Timing) Next(after time.Time) time.Time {
	next := t.spec.Next(after.In(t.Location))
	if next.IsZero() {
		return next
	}
	// 01:30 after 01:30 is the same wall-clock time an hour later: the
	// second pass of the hour the clocks went back
	a, n := after.In(t.Location), next.In(t.Location)
	if !t.everyHour && a.Year() == n.Year() && a.YearDay() == n.YearDay() && a.Hour() == n.Hour() && a.Minute() == n.Minute() {
		return t.spec.Next(next)
	}
	return next
}

// Due returns the times in (from, to] that the timing was due: how many
// (up to limit), the first and the last.
func (t *Timing) Due(from, to time.Time, limit int) (n int, first, last time.Time) {
	for at := t.Next(from); !at.IsZero() && !at.After(to); at = t.Next(at) {
		if n == 0 {
			first = at
		}
		last = at
		if n++; n == limit {
			break
		}
	}
	return n, first, last
}

// IsValid implements gocron.Cron: the timing was checked when compiled.
func (t *Timing) IsValid(string, *time.Location, time.Time) error { return nil }

// Describe says a schedule's timing in words: "every day at 06:00",
// "every 4 hours at :15", "cron 0 6 * * 1-5".
func Describe(s *engine.Schedule) string {
	var out string
	switch e := s.Every; {
	case strings.TrimSpace(s.Cron) != "" || e == nil:
		out = "cron " + strings.Join(strings.Fields(s.Cron), " ")
	case e.Hours == 0:
		out = "every day at " + e.At
	case e.Hours == 1:
		out = fmt.Sprintf("every hour at :%02d", e.Minute)
	default:
		out = fmt.Sprintf("every %d hours at :%02d", e.Hours, e.Minute)
	}
	if s.TimeZone != "" {
		out += " (" + s.TimeZone + ")"
	}
	return out
}
