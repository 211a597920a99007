package scheduler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app/scheduler"
	"provisio/engine"
)

func TestTheSimpleFormBecomesACronExpression(t *testing.T) {
	for _, c := range []struct {
		every engine.Every
		want  string
	}{
		{engine.Every{At: "06:00"}, "0 6 * * *"},
		{engine.Every{At: "6:05"}, "5 6 * * *"},
		{engine.Every{At: "23:59"}, "59 23 * * *"},
		{engine.Every{Hours: 1}, "0 * * * *"},
		{engine.Every{Hours: 4, Minute: 15}, "15 */4 * * *"},
		{engine.Every{Hours: 23, Minute: 59}, "59 */23 * * *"},
	} {
		got, err := scheduler.Expression(&engine.Schedule{Every: &c.every})
		require.NoError(t, err, "%+v", c.every)
		assert.Equal(t, c.want, got, "%+v", c.every)
	}
}

func TestTimingErrorsNameTheFieldAndWhatWasExpected(t *testing.T) {
	for _, c := range []struct {
		name  string
		s     engine.Schedule
		field string
		says  string
	}{
		{"no timing", engine.Schedule{}, "cron", "no timing"},
		{"both forms", engine.Schedule{Cron: "0 6 * * *", Every: &engine.Every{At: "06:00"}}, "cron", "not both"},
		{"bad cron", engine.Schedule{Cron: "0 6 * *"}, "cron", "expected five fields"},
		{"hour out of range", engine.Schedule{Cron: "0 24 * * *"}, "cron", "above maximum"},
		{"zone in the expression", engine.Schedule{Cron: "CRON_TZ=UTC 0 6 * * *"}, "cron", "schedule's time zone"},
		{"@every", engine.Schedule{Cron: "@every 1h"}, "cron", "every N hours"},
		{"never", engine.Schedule{Cron: "0 0 31 2 *"}, "cron", "never comes"},
		{"bad time of day", engine.Schedule{Every: &engine.Every{At: "25:00"}}, "every.at", "HH:MM"},
		{"no time of day", engine.Schedule{Every: &engine.Every{}}, "every.at", "HH:MM"},
		{"too many hours", engine.Schedule{Every: &engine.Every{Hours: 24}}, "every.hours", "1 to 23"},
		{"minute out of range", engine.Schedule{Every: &engine.Every{Hours: 2, Minute: 60}}, "every.minute", "0 to 59"},
		{"at with hours", engine.Schedule{Every: &engine.Every{Hours: 2, At: "06:00"}}, "every.at", "daily form only"},
		{"unknown zone", engine.Schedule{Cron: "0 6 * * *", TimeZone: "Europe/Atlantis"}, "timeZone", "IANA name"},
	} {
		_, err := scheduler.Compile(&c.s)
		var fe *scheduler.FieldError
		require.ErrorAs(t, err, &fe, c.name)
		assert.Equal(t, c.field, fe.Field, c.name)
		assert.Contains(t, fe.Problem, c.says, c.name)
	}
}

func TestDueCountsTheRunsBetweenTwoTimes(t *testing.T) {
	tm, err := scheduler.Compile(&engine.Schedule{Every: &engine.Every{Hours: 6}, TimeZone: "UTC"})
	require.NoError(t, err)
	from := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	n, first, last := tm.Due(from, from.Add(24*time.Hour), 100)
	assert.Equal(t, 4, n, "06:00, 12:00, 18:00 and midnight; not the start")
	assert.Equal(t, from.Add(6*time.Hour), first)
	assert.Equal(t, from.Add(24*time.Hour), last)
	n, _, last = tm.Due(from, from.Add(24*time.Hour), 2)
	assert.Equal(t, 2, n, "at most the limit")
	assert.Equal(t, from.Add(12*time.Hour), last)
}

func TestATimeOfDayIsDueOnceOnTheNightTheClocksGoBack(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	require.NoError(t, err)
	tm, err := scheduler.Compile(&engine.Schedule{Every: &engine.Every{At: "02:30"}, TimeZone: "Europe/Amsterdam"})
	require.NoError(t, err)
	// 31 October 2027: 02:30 happens at 00:30 UTC (summer time) and 01:30 UTC
	first := tm.Next(time.Date(2027, 10, 31, 0, 0, 0, 0, time.UTC))
	assert.Equal(t, time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC), first.UTC())
	second := tm.Next(first)
	assert.Equal(t, time.Date(2027, 11, 1, 2, 30, 0, 0, ams), second.In(ams), "not again an hour later")
}

func TestAnHourlyTimingRunsInBothPassesOfTheHourTheClocksGoBack(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	require.NoError(t, err)
	tm, err := scheduler.Compile(&engine.Schedule{Every: &engine.Every{Hours: 1, Minute: 15}, TimeZone: "Europe/Amsterdam"})
	require.NoError(t, err)
	// 26 October 2025: at 03:00 summer time the clocks go back to 02:00
	start := time.Date(2025, time.October, 26, 1, 0, 0, 0, ams)
	n, _, _ := tm.Due(start, start.Add(4*time.Hour), 10)
	assert.Equal(t, 4, n, "an hour apart all night: 01:15, 02:15, 02:15 again, 03:15")
}

func TestDescribeSaysTheTimingInWords(t *testing.T) {
	assert.Equal(t, "every day at 06:00 (Europe/Amsterdam)", scheduler.Describe(&engine.Schedule{Every: &engine.Every{At: "06:00"}, TimeZone: "Europe/Amsterdam"}))
	assert.Equal(t, "every 4 hours at :15", scheduler.Describe(&engine.Schedule{Every: &engine.Every{Hours: 4, Minute: 15}}))
	assert.Equal(t, "every hour at :00", scheduler.Describe(&engine.Schedule{Every: &engine.Every{Hours: 1}}))
	assert.Equal(t, "cron 0 6 * * 1-5", scheduler.Describe(&engine.Schedule{Cron: " 0 6  * * 1-5"}))
}

func TestEveryTwoHoursRunsOnceInTheRepeatedHour(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	require.NoError(t, err)
	tm, err := scheduler.Compile(&engine.Schedule{Every: &engine.Every{Hours: 2}, TimeZone: "Europe/Amsterdam"})
	require.NoError(t, err)
	// 26 October 2025: 02:00 happens twice
	start := time.Date(2025, time.October, 26, 1, 0, 0, 0, ams)
	n, first, last := tm.Due(start, start.Add(5*time.Hour), 10)
	assert.Equal(t, 2, n, "02:00 (once) and 04:00")
	assert.Equal(t, 2, first.In(ams).Hour())
	assert.Equal(t, 4, last.In(ams).Hour())
}
