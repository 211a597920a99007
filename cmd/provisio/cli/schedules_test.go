package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/app/demo"
	"provisio/cmd/provisio/cli"
	"provisio/engine"
)

// runAt runs a command on ws with the clock at now and the context ctx.
func runAt(t *testing.T, ctx context.Context, now time.Time, ws string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Run(ctx, append([]string{"--workspace", ws}, args...), cli.Env{
		Stdout: &stdout, Stderr: &stderr, Options: app.Options{Clock: engine.FixedClock(now)},
	})
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func TestScheduleAddListShowEditAndDelete(t *testing.T) {
	ws := newDemoWorkspaceWithoutSchedules(t)
	r := runOK(t, ws, "schedule", "add", "--name", "Nightly HR", "--source", "hr", "--daily", "06:00", "--zone", "Europe/Amsterdam", "--enforce", "unblocked")
	assert.Contains(t, r.stdout, "schedule nightly-hr added: every day at 06:00 (Europe/Amsterdam); import hr; evaluate; enforce if nothing was blocked")
	// testNow is 1 January 2027 09:30 UTC: the next 06:00 in Amsterdam is tomorrow's
	assert.Contains(t, r.stdout, "next run 2027-01-02 06:00 CET")

	var list []app.ScheduleInfo
	runJSON(t, ws, &list, "schedule", "list")
	require.Len(t, list, 1)
	assert.Equal(t, "nightly-hr", list[0].ID)
	assert.Equal(t, time.Date(2027, 1, 2, 5, 0, 0, 0, time.UTC), list[0].NextRun.UTC())
	assert.Equal(t, engine.EnforceUnblocked, list[0].Enforce)
	assert.Equal(t, testNow, list[0].CreatedAt.UTC())

	r = runOK(t, ws, "schedule", "edit", "Nightly HR", "--cron", "0 */4 * * 1-5", "--zone", "UTC")
	assert.Contains(t, r.stdout, "cron 0 */4 * * 1-5 (UTC)")
	var shown struct {
		app.ScheduleInfo
		Runs []engine.ScheduleRun `json:"runs"`
	}
	runJSON(t, ws, &shown, "schedule", "show", "nightly-hr")
	assert.Nil(t, shown.Every, "the cron expression replaces the simple form")
	assert.Equal(t, []string{"hr"}, shown.Sources, "what was not given stays")
	assert.Equal(t, time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), shown.NextRun.UTC())

	// the configuration carries the schedules
	assert.Contains(t, exportConfig(t, ws), `"schedules"`)

	runOK(t, ws, "schedule", "delete", "nightly-hr")
	r = runOK(t, ws, "schedule", "list")
	assert.Contains(t, r.stdout, "There are no schedules")
}

func TestScheduleAddExplainsWhatIsWrong(t *testing.T) {
	ws := newDemoWorkspaceWithoutSchedules(t)
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--name", "X", "--source", "payroll", "--daily", "06:00"}, `sources: there is no source system "payroll"`},
		{[]string{"--name", "X", "--source", "hr", "--daily", "6 o'clock"}, `every.at: "6 o'clock" is not a time of day; expected HH:MM`},
		{[]string{"--name", "X", "--source", "hr", "--cron", "0 6 * * *", "--zone", "CET+1"}, `timeZone: "CET+1" is not a time zone`},
		{[]string{"--name", "X", "--source", "hr", "--every-hours", "24"}, "every.hours: 24 is not a number of hours; expected 1 to 23"},
		{[]string{"--name", "X", "--source", "hr", "--daily", "06:00", "--cron", "0 6 * * *"}, "give one of --cron, --daily and --every-hours"},
		{[]string{"--name", "X", "--source", "hr", "--daily", "06:00", "--enforce", "sometimes"}, "--enforce: \"sometimes\" is not an enforce mode"},
		{[]string{"--source", "hr", "--daily", "06:00"}, "name: give the schedule a name"},
	} {
		r := runFails(t, cli.ExitError, ws, append([]string{"schedule", "add"}, c.args...)...)
		assert.Contains(t, r.stderr, c.says, strings.Join(c.args, " "))
	}
}

func TestScheduleRunRecordsTheRunInTheHistoryWithWhatItMade(t *testing.T) {
	ws := newDemoWorkspaceWithoutSchedules(t)
	runOK(t, ws, "schedule", "add", "--name", "Nightly", "--source", "hr", "--daily", "06:00", "--enforce", "always", "--paused")
	var run engine.ScheduleRun
	runJSON(t, ws, &run, "schedule", "run", "nightly")
	assert.Equal(t, engine.ScheduleSucceeded, run.Outcome, run.Message)
	assert.True(t, run.Manual)
	require.Len(t, run.Imports, 1)
	assert.NotZero(t, run.Evaluation)
	assert.NotZero(t, run.Enforcement)

	r := runOK(t, ws, "schedule", "history", "nightly")
	assert.Contains(t, r.stdout, "succeeded (run now)")
	assert.Contains(t, r.stdout, "#"+strconv.FormatUint(run.Evaluation, 10))
	var history []engine.ScheduleRun
	runJSON(t, ws, &history, "schedule", "history")
	require.Len(t, history, 1)
	assert.Equal(t, run.ID, history[0].ID)

	// the run is the one the enforcement history has
	var runs []engine.EnforcementRun
	runJSON(t, ws, &runs, "runs")
	require.NotEmpty(t, runs)
	assert.Equal(t, run.Enforcement, runs[0].ID)
}

func TestScheduleRunOfABlockedImportExitsWithTheBlockedCode(t *testing.T) {
	ws, hr := newThresholdWorkspace(t)
	runOK(t, ws, "schedule", "add", "--name", "Import", "--source", "hr", "--every-hours", "6", "--enforce", "unblocked")
	removeLastPerson(t, hr)
	r := runFails(t, cli.ExitBlocked, ws, "schedule", "run", "import")
	assert.Contains(t, r.stderr, `blocked: schedule "Import": import`)
	assert.Contains(t, r.stderr, "waits for approval")
}

func TestPauseAndResumeOneOrAllSchedules(t *testing.T) {
	ws := newDemoWorkspaceWithoutSchedules(t)
	runOK(t, ws, "schedule", "add", "--name", "A", "--source", "hr", "--daily", "06:00")
	runOK(t, ws, "schedule", "add", "--name", "B", "--source", "hr", "--daily", "07:00")
	r := runOK(t, ws, "schedule", "pause", "a")
	assert.Contains(t, r.stdout, "paused: a")
	r = runOK(t, ws, "schedule", "list")
	assert.Regexp(t, `(?m)^a\s+A\s+every day at 06:00.*paused`, r.stdout)
	runOK(t, ws, "schedule", "pause", "--all")
	var list []app.ScheduleInfo
	runJSON(t, ws, &list, "schedule", "list")
	for _, s := range list {
		assert.True(t, s.Paused, s.ID)
	}
	r = runOK(t, ws, "schedule", "resume", "--all")
	assert.Contains(t, r.stdout, "resumed: a, b")
	runFails(t, cli.ExitError, ws, "schedule", "pause")
}

func TestDaemonReportsRunsMissedWhileNothingRanAndStopsOnInterrupt(t *testing.T) {
	ws := newDemoWorkspaceWithoutSchedules(t)
	runOK(t, ws, "schedule", "add", "--name", "Nightly", "--source", "hr", "--daily", "06:00", "--zone", "UTC")

	// three days later, the daemon starts, and is stopped at once
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := runAt(t, ctx, testNow.Add(72*time.Hour), ws, "daemon")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, `schedule "Nightly" run 1: missed 3 runs: 3 runs were due from Sat 2 Jan 2027 06:00 UTC to Mon 4 Jan 2027 06:00 UTC while Provisio was not running`)
	assert.Contains(t, r.stderr, "provisio daemon: 1 schedule in")
	assert.Contains(t, r.stderr, "Nightly (nightly): every day at 06:00 (UTC), next run 2027-01-05 06:00 UTC")
	assert.Contains(t, r.stderr, "provisio daemon: stopping")

	var history []engine.ScheduleRun
	runJSON(t, ws, &history, "schedule", "history", "nightly")
	require.Len(t, history, 1)
	assert.Equal(t, engine.ScheduleMissed, history[0].Outcome)
	assert.Equal(t, 3, history[0].Missed)

	runOK(t, ws, "schedule", "ack", "1")
	runJSON(t, ws, &history, "schedule", "history", "nightly")
	assert.True(t, history[0].Acknowledged)
}

func TestConfigImportChecksTheSchedules(t *testing.T) {
	ws := newDemoWorkspaceWithoutSchedules(t)
	runOK(t, ws, "schedule", "add", "--name", "Nightly", "--source", "hr", "--daily", "06:00")
	file := filepath.Join(t.TempDir(), "config.json")
	exported := exportConfig(t, ws)
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(exported, `"at": "06:00"`, `"at": "06:61"`, 1)), 0o600))
	r := runFails(t, cli.ExitError, ws, "config", "import", file)
	assert.Contains(t, r.stderr, `schedule "Nightly": every.at: "06:61" is not a time of day`)
}

// newDemoWorkspaceWithoutSchedules is a demo workspace without the demo's
// schedule: the tests make their own.
func newDemoWorkspaceWithoutSchedules(t *testing.T) string {
	t.Helper()
	ws := newDemoWorkspace(t)
	runOK(t, ws, "schedule", "delete", demo.NightlySchedule)
	return ws
}
