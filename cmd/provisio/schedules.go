package main

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"provisio/app"
	"provisio/engine"
	"provisio/ui"
)

// startSchedules runs the workspace's schedules while the window is
// open, refreshing the screen that shows them as runs change. The
// returned function stops them (a run going is cancelled and recorded as
// interrupted); call it before closing the workspace.
func startSchedules(a *app.App, win *ui.Window, w fyne.Window) (stop func()) {
	halt, err := a.StartScheduler(context.Background(), app.SchedulerOptions{
		OnRun: func(engine.ScheduleRun) { fyne.Do(win.SchedulesChanged) },
	})
	if err != nil {
		dialog.ShowError(err, w)
		return func() {}
	}
	return func() { _ = halt() }
}
