package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/engine"
)

// recorder is a Notifier that keeps what it is asked to show.
type recorder struct {
	mu    sync.Mutex
	sent  []notification
	fail  error
	calls int
}

type notification struct{ Title, Body string }

func (r *recorder) Notify(title, body string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail != nil {
		return r.fail
	}
	r.sent = append(r.sent, notification{title, body})
	return nil
}

// take returns what was sent since the last take.
func (r *recorder) take() []notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sent
	r.sent = nil
	return out
}

// clock is a clock tests move.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// noticeWorkspace is a workspace on day whose CSV source system holds
// rows (written with row), with a recorder for its notifications.
type noticeWorkspace struct {
	t     *testing.T
	a     *app.App
	dir   string
	file  string
	clock *clock
	rec   *recorder
}

func newNoticeWorkspace(t *testing.T, rows ...string) *noticeWorkspace {
	t.Helper()
	w := &noticeWorkspace{t: t, dir: filepath.Join(t.TempDir(), "ws"), file: filepath.Join(t.TempDir(), "export.csv"), clock: &clock{now: day}, rec: &recorder{}}
	w.open()
	_, err := w.a.SaveSourceSystem(context.Background(), csvSource(w.file, engine.ImportThresholds{}), "")
	require.NoError(t, err)
	w.importRows(rows...)
	return w
}

func (w *noticeWorkspace) open() {
	w.t.Helper()
	a, err := app.Open(w.dir, app.Options{Clock: w.clock})
	require.NoError(w.t, err)
	a.SetNotifier(w.rec)
	w.a = a
	w.t.Cleanup(func() { a.Close() })
}

// reopen closes the workspace and opens it again, as another process would.
func (w *noticeWorkspace) reopen() {
	w.t.Helper()
	require.NoError(w.t, w.a.Close())
	w.open()
}

// importRows writes the export and imports it.
func (w *noticeWorkspace) importRows(rows ...string) {
	w.t.Helper()
	content := header
	for _, r := range rows {
		content += r
	}
	writeFile(w.t, w.file, content)
	_, err := w.a.RunImport(context.Background(), nil, nil)
	require.NoError(w.t, err)
}

func (w *noticeWorkspace) check() []app.LifecycleNotice {
	w.t.Helper()
	sent, err := w.a.LifecycleNotices(context.Background())
	require.NoError(w.t, err)
	return sent
}

func (w *noticeWorkspace) settings(fn func(*engine.NotificationSettings)) {
	w.t.Helper()
	ns, err := w.a.NotificationSettings(context.Background())
	require.NoError(w.t, err)
	fn(&ns)
	require.NoError(w.t, w.a.SaveNotificationSettings(context.Background(), ns))
}

// The test day is Thursday 26 November 2026.
var (
	adaStarts   = row("1", "Ada", "Lovelace", "30-11-2026", "", "IT")         // in 4 days
	bobStarts   = row("2", "Bob", "Later", "10-12-2026", "", "IT")            // in 14 days
	cyLeaves    = row("3", "Cy", "Leaving", "01-01-2020", "28-11-2026", "IT") // in 2 days
	deeLeaves   = row("4", "Dee", "Leaves", "01-01-2020", "31-12-2026", "IT") // in 35 days
	eveStays    = row("5", "Eve", "Stays", "01-01-2020", "", "IT")
	finStartsTd = row("6", "Fin", "Today", "26-11-2026", "", "IT")
)

func TestAnAcceptedImportNotifiesWhoStartsAndWhoLeavesWithinSevenDays(t *testing.T) {
	w := newNoticeWorkspace(t, adaStarts, bobStarts, cyLeaves, deeLeaves, eveStays, finStartsTd)
	assert.Equal(t, []notification{
		{"2 persons start within 7 days", "Fin Today (today), Ada Lovelace (30 Nov)"},
		{"1 person leaves within 7 days", "Cy Leaving (28 Nov)"},
	}, w.rec.take(), "the import sent one summary per kind, soonest first")
}

func TestLifecycleNoticesAreSentOncePerPersonAndDate(t *testing.T) {
	w := newNoticeWorkspace(t, adaStarts, cyLeaves)
	require.Len(t, w.rec.take(), 2)

	assert.Empty(t, w.check(), "a second check names nobody")
	w.importRows(adaStarts, cyLeaves, eveStays)
	assert.Empty(t, w.rec.take(), "nor does a new import with the same dates")
	w.reopen()
	assert.Empty(t, w.check(), "nor another process on the workspace")
	assert.Empty(t, w.rec.take())
}

func TestAChangedStartDateNotifiesAgain(t *testing.T) {
	w := newNoticeWorkspace(t, adaStarts)
	require.Len(t, w.rec.take(), 1)
	w.importRows(row("1", "Ada", "Lovelace", "01-12-2026", "", "IT"))
	assert.Equal(t, []notification{{"1 person starts within 7 days", "Ada Lovelace (1 Dec)"}}, w.rec.take())
}

func TestTheDayWindowsFollowTheSettingsAndTheClock(t *testing.T) {
	w := newNoticeWorkspace(t, bobStarts, deeLeaves)
	assert.Empty(t, w.rec.take(), "both are further away than 7 days")

	w.settings(func(ns *engine.NotificationSettings) { ns.OnboardingDays = 14 })
	sent := w.check()
	require.Len(t, sent, 1)
	assert.Equal(t, app.LifecycleNotice{Event: engine.NotifyOnboarding, Person: "hr-test:2", Name: "Bob Later", Date: engine.DateOf(time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC))}, sent[0])
	assert.Equal(t, []notification{{"1 person starts within 14 days", "Bob Later (10 Dec)"}}, w.rec.take())

	w.clock.set(time.Date(2026, 12, 25, 8, 0, 0, 0, time.UTC))
	w.check()
	assert.Equal(t, []notification{{"1 person leaves within 7 days", "Dee Leaves (31 Dec)"}}, w.rec.take(), "a week before the end")

	w.clock.set(time.Date(2027, 1, 1, 8, 0, 0, 0, time.UTC))
	assert.Empty(t, w.check(), "past dates are never notified")
}

func TestASwitchedOffEventSendsNothing(t *testing.T) {
	w := newNoticeWorkspace(t)
	w.settings(func(ns *engine.NotificationSettings) { ns.SetOn(engine.NotifyOnboarding, false) })
	w.importRows(adaStarts, cyLeaves)
	assert.Equal(t, []notification{{"1 person leaves within 7 days", "Cy Leaving (28 Nov)"}}, w.rec.take())

	w.settings(func(ns *engine.NotificationSettings) {
		ns.SetOn(engine.NotifyOnboarding, true)
		ns.SetOn(engine.NotifyOffboarding, false)
	})
	assert.Empty(t, w.rec.take(), "saving settings alone sends nothing")
	w.check()
	assert.Equal(t, []notification{{"1 person starts within 7 days", "Ada Lovelace (30 Nov)"}}, w.rec.take(),
		"switched on again, the event notifies what it held back")
}

func TestLifecycleNoticesLookAtAllOfAPersonsContracts(t *testing.T) {
	// a person's rows share the person key, one row per contract
	w := newNoticeWorkspace(t,
		// first contract long ago, a second starting soon: not onboarding
		"7;Gil;Rehired;gil@example.org;7-1;01-01-2020;31-12-2024;IT;Clerk;1,0\n",
		"7;Gil;Rehired;gil@example.org;7-2;30-11-2026;;IT;Clerk;1,0\n",
		// one contract ends soon, the other runs on: not offboarding
		"8;Hal;Moves;hal@example.org;8-1;01-01-2020;28-11-2026;IT;Clerk;1,0\n",
		"8;Hal;Moves;hal@example.org;8-2;29-11-2026;;IT;Clerk;1,0\n",
		// two contracts that both end, the last soon: offboarding on the last
		"9;Ivy;Ends;ivy@example.org;9-1;01-01-2020;27-11-2026;IT;Clerk;1,0\n",
		"9;Ivy;Ends;ivy@example.org;9-2;01-01-2021;29-11-2026;IT;Clerk;1,0\n",
	)
	assert.Equal(t, []notification{{"1 person leaves within 7 days", "Ivy Ends (29 Nov)"}}, w.rec.take())
}

func TestALongListIsSummarised(t *testing.T) {
	var rows []string
	for i := 1; i <= 8; i++ {
		rows = append(rows, row(itoa(i), "P"+itoa(i), "Starter", "0"+itoa(i%3+1)+"-12-2026", "", "IT"))
	}
	w := newNoticeWorkspace(t, rows...)
	got := w.rec.take()
	require.Len(t, got, 1)
	assert.Equal(t, "8 persons start within 7 days", got[0].Title)
	assert.Equal(t, "P3 Starter (1 Dec), P6 Starter (1 Dec), P1 Starter (2 Dec), P4 Starter (2 Dec), P7 Starter (2 Dec), and 3 more", got[0].Body)
}

func TestWithoutANotifierNothingIsRecordedAsSent(t *testing.T) {
	w := newNoticeWorkspace(t)
	w.a.SetNotifier(nil)
	w.importRows(adaStarts)
	assert.Empty(t, w.check())
	w.a.SetNotifier(w.rec)
	assert.Len(t, w.check(), 1, "the notice waited for a notifier")
}

func TestAFailingNotifierDoesNotFailTheImport(t *testing.T) {
	w := newNoticeWorkspace(t)
	w.rec.fail = errors.New("no session bus")
	w.importRows(adaStarts) // requires success
	assert.Equal(t, 1, w.rec.calls, "the import tried to notify")
	w.importRows(bobStarts)
	_, err := w.a.LifecycleNotices(context.Background())
	assert.NoError(t, err, "nothing new to send")
}

func TestANoticeThatCouldNotBeShownIsToldNextTime(t *testing.T) {
	w := newNoticeWorkspace(t)
	w.rec.fail = errors.New("no session bus")
	w.importRows(adaStarts)
	assert.Equal(t, 1, w.rec.calls, "the import tried to notify")
	w.rec.fail = nil
	sent := w.check()
	require.Len(t, sent, 1, "not recorded as sent: told once it can be shown")
	assert.Equal(t, "hr-test:1", sent[0].Person)
	assert.Empty(t, w.check(), "and then not again")
}

func TestNotificationSettingsAreValidated(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	err := a.SaveNotificationSettings(ctx, engine.NotificationSettings{OnboardingDays: 366})
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Invalid))
	assert.Contains(t, err.Error(), "between 1 and 365")
	err = a.SaveNotificationSettings(ctx, engine.NotificationSettings{OffboardingDays: -1})
	require.Error(t, err)
	err = a.SaveNotificationSettings(ctx, engine.NotificationSettings{Off: []engine.NotificationEvent{"run-done"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"run-done"`)
	assert.Contains(t, err.Error(), "run-finished")

	want := engine.NotificationSettings{Off: []engine.NotificationEvent{engine.NotifyRunFinished}, OnboardingDays: 365, OffboardingDays: 1}
	require.NoError(t, a.SaveNotificationSettings(ctx, want))
	got, err := a.NotificationSettings(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestTestNotificationIgnoresTheSettings(t *testing.T) {
	a := openApp(t)
	require.Error(t, a.TestNotification(), "no notifier")
	rec := &recorder{}
	a.SetNotifier(rec)
	require.NoError(t, a.SaveNotificationSettings(context.Background(), engine.NotificationSettings{Off: engine.NotificationEvents}))
	require.NoError(t, a.TestNotification())
	got := rec.take()
	require.Len(t, got, 1)
	assert.Equal(t, "Provisio test notification", got[0].Title)
}

func TestStartLifecycleNoticesChecksAtOnceAndStopsBeforeClose(t *testing.T) {
	w := newNoticeWorkspace(t)
	w.a.SetNotifier(nil)
	w.importRows(adaStarts)
	w.a.SetNotifier(w.rec)
	stop := w.a.StartLifecycleNotices(time.Hour)
	require.Eventually(t, func() bool {
		w.rec.mu.Lock()
		defer w.rec.mu.Unlock()
		return len(w.rec.sent) == 1
	}, 5*time.Second, 5*time.Millisecond)
	stop()
	assert.Equal(t, []notification{{"1 person starts within 7 days", "Ada Lovelace (30 Nov)"}}, w.rec.take())
}
