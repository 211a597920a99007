package main

import (
	"context"
	"log"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"provisio/app"
	"provisio/engine"
	"provisio/ui"
)

// startSchedules runs the workspace's schedules while the window is
// open, refreshing the screen that shows them (and the tray menu, when
// there is one) as runs change. The returned function stops them (a run
// going is cancelled and recorded as interrupted); call it before closing
// the workspace.
func startSchedules(a *app.App, win *ui.Window, w fyne.Window, tray *ui.Tray) (stop func()) {
	halt, err := a.StartScheduler(context.Background(), app.SchedulerOptions{
		OnRun: func(engine.ScheduleRun) {
			fyne.Do(func() {
				win.SchedulesChanged()
				if tray != nil {
					tray.Refresh()
				}
			})
		},
	})
	if err != nil {
		dialog.ShowError(err, w)
		return func() {}
	}
	return func() { _ = halt() }
}

// traySchedules is what the tray menu offers of the schedules: run one
// now, pause or resume them all.
type traySchedules struct {
	a        *app.App
	notifier app.Notifier
	ctx      context.Context // cancelled when the window's app stops
	runs     *sync.WaitGroup // the runs started from the tray
}

var _ ui.Scheduling = traySchedules{}

// newTraySchedules returns the tray's scheduling and the function that
// stops its runs (each is cancelled, recorded as such, and waited for);
// call it before closing the workspace.
func newTraySchedules(a *app.App, n app.Notifier) (traySchedules, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	t := traySchedules{a: a, notifier: n, ctx: ctx, runs: &sync.WaitGroup{}}
	return t, func() {
		cancel(app.ErrStopping) // recorded as interrupted, like a scheduled run
		t.runs.Wait()
	}
}

// Schedules lists the schedules in the configuration's order.
func (s traySchedules) Schedules() []ui.ScheduleItem {
	all, err := s.a.Schedules(context.Background())
	if err != nil {
		log.Printf("tray: %v", err)
		return nil
	}
	items := make([]ui.ScheduleItem, len(all))
	for i := range all {
		items[i] = ui.ScheduleItem{ID: all[i].ID, Name: all[i].Name}
	}
	return items
}

// RunNow starts a run in the background; it queues behind a run going,
// and notifies how it ends like any scheduled run. A run that cannot
// start is notified too.
func (s traySchedules) RunNow(id string) error {
	s.runs.Go(func() {
		if _, err := s.a.RunSchedule(s.ctx, id); err != nil && s.notifier != nil && s.ctx.Err() == nil {
			_ = s.notifier.Notify("The schedule did not run", err.Error())
		}
	})
	return nil
}

// PauseAll pauses or resumes every schedule.
func (s traySchedules) PauseAll(paused bool) error {
	_, err := s.a.PauseSchedules(context.Background(), nil, paused)
	return err
}

// Paused reports whether there are schedules and all are paused.
func (s traySchedules) Paused() bool {
	all, err := s.a.Schedules(context.Background())
	if err != nil || len(all) == 0 {
		return false
	}
	for i := range all {
		if !all[i].Paused {
			return false
		}
	}
	return true
}
