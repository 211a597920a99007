package ui

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/app/demo"
	"provisio/engine"
)

// withoutDemoSchedule deletes the demo's schedule: the tests make their
// own.
func (h *harness) withoutDemoSchedule() {
	h.t.Helper()
	require.NoError(h.t, h.app.DeleteSchedule(context.Background(), demo.NightlySchedule))
}

// schedulesScreen opens the Schedules screen.
func (h *harness) schedulesScreen() *schedulesScreen {
	h.t.Helper()
	h.w.Show(ScreenSchedules)
	h.wait()
	return h.w.schedules
}

func TestScheduleMadeInTheEditorRunsNowAndShowsInItsHistory(t *testing.T) {
	h := newHarness(t, true)
	h.withoutDemoSchedule()
	s := h.schedulesScreen()
	assert.Contains(t, texts(s.root), "Select a schedule")
	test.Tap(button(s.root, "Add schedule"))
	e := s.editor
	require.NotNil(t, e, "Add opens the editor")

	// what is wrong is said as it is typed, and Save waits for it
	assert.Contains(t, e.problem.Text, "name: give the schedule a name")
	assert.True(t, e.save.Disabled())
	test.Type(e.name, "Nightly HR")
	e.addSource.SetSelected("HR export (hr)")
	require.Equal(t, []string{"hr"}, e.sources, "the source is chosen")
	e.at.SetText("25:00")
	assert.Contains(t, e.problem.Text, `every.at: "25:00" is not a time of day`)
	assert.True(t, e.save.Disabled())
	e.at.SetText("06:30")
	e.zone.SetText("Mars/Olympus")
	assert.Contains(t, e.problem.Text, `timeZone: "Mars/Olympus" is not a time zone`)
	e.zone.SetText("Europe/Amsterdam")
	e.enforce.SetSelected("Only if no threshold blocked anything")
	assert.False(t, e.problem.Visible(), e.problem.Text)
	assert.False(t, e.save.Disabled())
	// 26 November 2026, 09:00 UTC: 06:30 in Amsterdam is tomorrow's
	assert.Contains(t, e.preview.Text, "Next runs: Fri 27 Nov 06:30 CET; Sat 28 Nov 06:30 CET")

	test.Tap(e.save)
	h.wait()
	require.Nil(t, s.editor, "saving returns to the list")
	saved, err := h.app.FindSchedule(context.Background(), "nightly-hr")
	require.NoError(t, err)
	assert.Equal(t, engine.Every{At: "06:30"}, *saved.Every)
	assert.Equal(t, "Europe/Amsterdam", saved.TimeZone)
	assert.Equal(t, engine.EnforceUnblocked, saved.Enforce)
	assert.True(t, saved.Evaluate)
	require.Len(t, s.items, 1)
	d := s.detail
	require.NotNil(t, d)
	assert.Equal(t, "nightly-hr", d.it.ID)
	assert.Contains(t, d.summary.Text, "every day at 06:30")
	assert.Contains(t, d.summary.Text, "Next Fri 27 Nov 06:30 CET")

	test.Tap(d.runNow)
	h.wait()
	d = s.detail
	require.Len(t, d.runs, 1, "the run is in the history")
	r := d.runs[0]
	assert.Equal(t, engine.ScheduleSucceeded, r.Outcome, r.Message)
	assert.Equal(t, "succeeded (run now)", d.cell(0, 2))
	assert.NotEqual(t, "–", d.cell(0, 4), "it links to its evaluation")
	assert.Contains(t, d.summary.Text, "last succeeded (run now)")

	// the history leads to what the run made
	d.pick(0)
	open := button(d.links, "Open evaluation #"+strconv.FormatUint(r.Evaluation, 10))
	require.NotNil(t, open, texts(d.links))
	test.Tap(open)
	h.wait()
	assert.Equal(t, ScreenEvaluation, h.w.current)
	assert.Equal(t, r.Evaluation, h.w.evaluation.openID)
}

func TestPauseResumeAndDeleteASchedule(t *testing.T) {
	h := newHarness(t, true)
	h.withoutDemoSchedule()
	_, err := h.app.SaveSchedule(context.Background(), engine.Schedule{Name: "Nightly", Sources: []string{"hr"}, Evaluate: true, Every: &engine.Every{At: "06:00"}, TimeZone: "UTC"})
	require.NoError(t, err)
	s := h.schedulesScreen()
	require.NotNil(t, s.detail)
	test.Tap(button(s.detail.root, "Pause"))
	h.wait()
	assert.True(t, s.items[0].Paused)
	assert.Contains(t, s.detail.summary.Text, "Paused")
	test.Tap(button(s.detail.root, "Resume"))
	h.wait()
	assert.False(t, s.items[0].Paused)

	test.Tap(button(s.detail.root, "Delete"))
	test.Tap(h.overlayButton("Yes"))
	h.wait()
	assert.Empty(t, s.items)
}

func TestDashboardShowsTheNextRunsAndAFailedRunUntilAcknowledged(t *testing.T) {
	h := newHarness(t, true)
	h.withoutDemoSchedule()
	ctx := context.Background()
	_, err := h.app.SaveSchedule(ctx, engine.Schedule{Name: "Nightly", Sources: []string{"hr"}, Evaluate: true, Every: &engine.Every{At: "06:00"}, TimeZone: "UTC"})
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Join(h.app.Dir(), app.DemoDataDir, "persons.csv")))
	run, err := h.app.RunSchedule(ctx, "nightly")
	require.NoError(t, err)
	require.Equal(t, engine.ScheduleFailed, run.Outcome)

	h.w.Show(ScreenDashboard)
	h.wait()
	ds := h.w.dashboard
	assert.Contains(t, ds.nextRuns.Text, "Nightly: Fri 27 Nov 06:00 UTC (every day at 06:00 (UTC))")
	assert.Contains(t, texts(ds.attention), `Schedule "Nightly" failed (run now)`)
	assert.Contains(t, texts(ds.attention), "persons.csv")

	test.Tap(button(ds.attention, "Acknowledge"))
	h.wait()
	assert.NotContains(t, texts(ds.attention), `Schedule "Nightly"`)
	runs, err := h.app.ScheduleRuns(ctx, "nightly", 0)
	require.NoError(t, err)
	assert.True(t, runs[0].Acknowledged)
}
