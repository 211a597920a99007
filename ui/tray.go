package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"provisio/app"
)

// ScheduleItem is a schedule as the tray menu offers it.
type ScheduleItem struct {
	ID   string
	Name string
}

// Scheduling is what the tray needs of the scheduler. The tray calls
// Schedules and Paused on the UI goroutine when it builds its menu, so
// they must answer at once; it calls RunNow and PauseAll off the UI
// goroutine.
type Scheduling interface {
	// Schedules returns the schedules to offer under "Run schedule now",
	// in menu order.
	Schedules() []ScheduleItem
	// RunNow starts a run of the schedule with the given ID and returns
	// without waiting for it (the run notifies how it ends).
	RunNow(id string) error
	// PauseAll pauses every schedule (true) or resumes them (false).
	PauseAll(paused bool) error
	// Paused reports whether the schedules are paused.
	Paused() bool
}

// TrayOptions configure the system tray.
type TrayOptions struct {
	// Available reports whether the desktop shows a system tray now
	// (on Linux: whether a StatusNotifierItem host runs). When it does
	// not, closing the window quits as it would without a tray. nil
	// means always.
	Available func() bool
	// Scheduling, when set, adds "Run schedule now" and "Pause all
	// schedules" to the menu; without it those items are absent.
	Scheduling Scheduling
	// Notifier tells, the first time the window is hidden, that Provisio
	// keeps running; nil tells nobody.
	Notifier app.Notifier
}

// Tray keeps Provisio running in the desktop's system tray when its
// window is closed, with a menu to open the window again, run a schedule,
// pause the schedules, or quit.
type Tray struct {
	w      *Window
	desk   desktop.App
	opts   TrayOptions
	hidden bool
	told   bool // the "keeps running" notification was sent
	menu   *fyne.Menu
}

// Tray menu labels.
const (
	TrayOpen    = "Open Provisio"
	TrayRunNow  = "Run schedule now"
	TrayPause   = "Pause all schedules"
	TrayResume  = "Resume all schedules"
	TrayQuit    = "Quit"
	trayHidden  = "Provisio keeps running in the tray"
	trayHiddenB = "Schedules and notifications go on. Open Provisio or quit it from its icon in the system tray."
)

// UseTray puts Provisio in the desktop's system tray: from now on closing
// the window hides it while a tray is available. Call it on the UI
// goroutine, before the window runs.
func (w *Window) UseTray(desk desktop.App, opts TrayOptions) *Tray {
	t := &Tray{w: w, desk: desk, opts: opts}
	desk.SetSystemTrayWindow(w.win)
	t.Refresh()
	w.win.SetCloseIntercept(t.closeRequested)
	return t
}

// Refresh rebuilds the tray menu, after the schedules or their pause
// changed. Call it on the UI goroutine (fyne.Do).
func (t *Tray) Refresh() {
	t.menu = t.buildMenu()
	t.desk.SetSystemTrayMenu(t.menu)
}

// Menu returns the tray menu as last built.
func (t *Tray) Menu() *fyne.Menu { return t.menu }

func (t *Tray) buildMenu() *fyne.Menu {
	items := []*fyne.MenuItem{fyne.NewMenuItem(TrayOpen, t.open)}
	if s := t.opts.Scheduling; s != nil {
		if list := s.Schedules(); len(list) > 0 {
			sub := make([]*fyne.MenuItem, len(list))
			for i, it := range list {
				sub[i] = fyne.NewMenuItem(it.Name, func() { t.runNow(it) })
			}
			run := fyne.NewMenuItem(TrayRunNow, nil)
			run.ChildMenu = fyne.NewMenu("", sub...)
			items = append(items, run)
		}
		label, pause := TrayPause, true
		if s.Paused() {
			label, pause = TrayResume, false
		}
		items = append(items, fyne.NewMenuItem(label, func() { t.pauseAll(pause) }))
	}
	quit := fyne.NewMenuItem(TrayQuit, t.quit)
	quit.IsQuit = true
	items = append(items, fyne.NewMenuItemSeparator(), quit)
	return fyne.NewMenu("Provisio", items...)
}

// Hidden reports whether the window is hidden in the tray.
func (t *Tray) Hidden() bool { return t.hidden }

// closeRequested hides the window when a tray shows Provisio, and else
// closes it as before.
func (t *Tray) closeRequested() {
	if t.opts.Available != nil && !t.opts.Available() {
		t.w.close()
		return
	}
	t.w.win.Hide()
	t.hidden = true
	if !t.told && t.opts.Notifier != nil {
		t.told = true
		n := t.opts.Notifier
		t.w.jobs.run(func() func() {
			_ = n.Notify(trayHidden, trayHiddenB) // the notifier logs what fails
			return nil
		})
	}
}

func (t *Tray) open() {
	t.w.win.Show()
	t.w.win.RequestFocus()
	t.hidden = false
	t.w.screen(t.w.current).refresh()
}

// quit quits, but with runs going shows the window to offer to cancel
// them first.
func (t *Tray) quit() {
	if len(t.w.running()) > 0 {
		t.open()
	}
	t.w.close()
}

func (t *Tray) runNow(it ScheduleItem) {
	s := t.opts.Scheduling
	t.w.jobs.run(func() func() {
		if err := s.RunNow(it.ID); err != nil {
			return func() { t.tell(fmt.Sprintf("Schedule %q did not start", it.Name), err) }
		}
		return nil
	})
}

func (t *Tray) pauseAll(pause bool) {
	s := t.opts.Scheduling
	t.w.jobs.run(func() func() {
		err := s.PauseAll(pause)
		return func() {
			t.Refresh()
			if err != nil {
				t.tell("The schedules did not change", err)
			}
		}
	})
}

// tell shows an error in the window when it is open, else as a
// notification.
func (t *Tray) tell(title string, err error) {
	if !t.hidden || t.opts.Notifier == nil {
		t.w.showError(fmt.Errorf("%s: %w", title, err))
		return
	}
	n := t.opts.Notifier
	t.w.jobs.run(func() func() {
		_ = n.Notify(title, err.Error())
		return nil
	})
}
