package ui

import (
	"errors"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// spyWindow is a test window that records what is done to it, and keeps
// the close intercept so a test can ask to close as a user would.
type spyWindow struct {
	fyne.Window
	intercept            func()
	hides, shows, closes int
}

func (w *spyWindow) SetCloseIntercept(f func()) { w.intercept = f; w.Window.SetCloseIntercept(f) }
func (w *spyWindow) Hide()                      { w.hides++; w.Window.Hide() }
func (w *spyWindow) Show()                      { w.shows++; w.Window.Show() }
func (w *spyWindow) Close()                     { w.closes++ }

// fakeDesk is the desktop's system tray.
type fakeDesk struct {
	menu *fyne.Menu
	win  fyne.Window
}

func (d *fakeDesk) SetSystemTrayMenu(m *fyne.Menu)    { d.menu = m }
func (d *fakeDesk) SetSystemTrayIcon(fyne.Resource)   {}
func (d *fakeDesk) SetSystemTrayWindow(w fyne.Window) { d.win = w }

// fakeScheduling is a scheduler with two schedules.
type fakeScheduling struct {
	mu     sync.Mutex
	paused bool
	ran    []string
	fail   error
}

func (s *fakeScheduling) Schedules() []ScheduleItem {
	return []ScheduleItem{{ID: "s1", Name: "Nightly import"}, {ID: "s2", Name: "Hourly evaluation"}}
}

func (s *fakeScheduling) RunNow(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ran = append(s.ran, id)
	return s.fail
}

func (s *fakeScheduling) PauseAll(p bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paused = p
	return nil
}

func (s *fakeScheduling) Paused() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.paused
}

// notes is a Notifier that keeps the titles it is asked to show.
type notes struct {
	mu     sync.Mutex
	titles []string
}

func (n *notes) Notify(title, _ string) error {
	n.mu.Lock()
	n.titles = append(n.titles, title)
	n.mu.Unlock()
	return nil
}

func labels(m *fyne.Menu) []string {
	var out []string
	for _, it := range m.Items {
		if it.IsSeparator {
			out = append(out, "—")
			continue
		}
		out = append(out, it.Label)
	}
	return out
}

func item(t *testing.T, m *fyne.Menu, label string) *fyne.MenuItem {
	t.Helper()
	for _, it := range m.Items {
		if it.Label == label {
			return it
		}
	}
	t.Fatalf("the menu has no item %q: %v", label, labels(m))
	return nil
}

type trayHarness struct {
	*harness
	spy  *spyWindow
	desk *fakeDesk
	tray *Tray
	note *notes
}

func newTrayHarness(t *testing.T, opts TrayOptions) *trayHarness {
	t.Helper()
	test.NewTempApp(t)
	spy := &spyWindow{Window: test.NewTempWindow(t, nil)}
	h := &trayHarness{harness: newHarnessIn(t, false, spy), spy: spy, desk: &fakeDesk{}, note: &notes{}}
	if opts.Notifier == nil {
		opts.Notifier = h.note
	}
	h.tray = h.w.UseTray(h.desk, opts)
	return h
}

func TestTrayMenuWithoutASchedulerOpensAndQuits(t *testing.T) {
	h := newTrayHarness(t, TrayOptions{})
	assert.Equal(t, []string{TrayOpen, "—", TrayQuit}, labels(h.desk.menu), "no schedule items without a scheduler")
	assert.True(t, item(t, h.desk.menu, TrayQuit).IsQuit)
	assert.Same(t, h.spy, h.desk.win, "clicking the tray icon shows the window")
}

func TestTrayMenuRunsEachScheduleAndPausesThemAll(t *testing.T) {
	s := &fakeScheduling{}
	h := newTrayHarness(t, TrayOptions{Scheduling: s})
	m := h.desk.menu
	assert.Equal(t, []string{TrayOpen, TrayRunNow, TrayPause, "—", TrayQuit}, labels(m))
	run := item(t, m, TrayRunNow)
	require.NotNil(t, run.ChildMenu)
	assert.Equal(t, []string{"Nightly import", "Hourly evaluation"}, labels(run.ChildMenu))

	item(t, run.ChildMenu, "Hourly evaluation").Action()
	h.wait()
	assert.Equal(t, []string{"s2"}, s.ran)

	item(t, m, TrayPause).Action()
	h.wait()
	assert.True(t, s.Paused())
	assert.Equal(t, []string{TrayOpen, TrayRunNow, TrayResume, "—", TrayQuit}, labels(h.desk.menu), "the menu offers to resume")
	item(t, h.desk.menu, TrayResume).Action()
	h.wait()
	assert.False(t, s.Paused())
	assert.Equal(t, TrayPause, labels(h.desk.menu)[2])
}

func TestClosingTheWindowHidesItInTheTrayAndSaysSoOnce(t *testing.T) {
	h := newTrayHarness(t, TrayOptions{})
	h.spy.intercept()
	h.wait()
	assert.Equal(t, 1, h.spy.hides)
	assert.Zero(t, h.spy.closes, "Provisio keeps running")
	assert.True(t, h.tray.Hidden())
	assert.Equal(t, []string{"Provisio keeps running in the tray"}, h.note.titles)

	item(t, h.desk.menu, TrayOpen).Action()
	h.wait()
	assert.False(t, h.tray.Hidden())
	assert.Equal(t, 1, h.spy.shows)
	h.spy.intercept()
	h.wait()
	assert.Equal(t, 2, h.spy.hides)
	assert.Len(t, h.note.titles, 1, "told only the first time")

	item(t, h.desk.menu, TrayQuit).Action()
	h.wait()
	assert.Equal(t, 1, h.spy.closes, "quit closes the main window, which quits the app")
}

func TestWithoutATrayClosingTheWindowQuits(t *testing.T) {
	h := newTrayHarness(t, TrayOptions{Available: func() bool { return false }})
	h.spy.intercept()
	h.wait()
	assert.Zero(t, h.spy.hides)
	assert.Equal(t, 1, h.spy.closes)
	assert.Empty(t, h.note.titles)
}

func TestAScheduleThatDoesNotStartIsToldAsANotificationWhileHidden(t *testing.T) {
	s := &fakeScheduling{fail: errors.New("another run is in progress")}
	h := newTrayHarness(t, TrayOptions{Scheduling: s})
	h.spy.intercept()
	h.wait()
	item(t, item(t, h.desk.menu, TrayRunNow).ChildMenu, "Nightly import").Action()
	h.wait()
	assert.Equal(t, []string{"Provisio keeps running in the tray", `Schedule "Nightly import" did not start`}, h.note.titles)
}
