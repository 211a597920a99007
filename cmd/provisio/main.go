// Command provisio is Provisio: without arguments it opens the application
// window on the workspace; with a command it runs headless (see
// `provisio --help`).
package main

import (
	"context"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/app/keychain"
	"provisio/app/notify"
	"provisio/assets"
	"provisio/cmd/provisio/cli"
	"provisio/ui"
)

// AppID identifies Provisio to the desktop.
const AppID = "io.provisio.desktop"

func main() {
	opts := app.Options{Secrets: keychain.New()}
	code := cli.Run(context.Background(), os.Args[1:], cli.Env{
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Options:  opts,
		GUI:      func(workspace, screen string) error { return runGUI(workspace, screen, opts) },
		Notifier: notify.NewDBus(),
	})
	os.Exit(code)
}

// runGUI opens the application window on a workspace until it is closed.
func runGUI(workspace, screen string, opts app.Options) error {
	icon := fyne.NewStaticResource("icon.png", assets.Icon)
	fyneapp.SetMetadata(fyne.AppMetadata{
		ID:         AppID,
		Name:       "Provisio",
		Version:    "0.1.0",
		Icon:       icon,
		Migrations: map[string]bool{"fyneDo": true},
	})
	fa := fyneapp.NewWithID(AppID)
	fa.SetIcon(icon)
	a, err := app.Open(workspace, opts)
	if err != nil {
		// at once for a terminal, and in a window for a desktop, which
		// has no terminal
		fmt.Fprintln(os.Stderr, "error:", err)
		showStartupError(fa, err)
		return cli.Reported(err)
	}
	defer a.Close()
	notifier := ui.NewNotifier(fa)
	if !notify.HasSessionBus() {
		// Fyne would start a D-Bus daemon of its own for each notification
		notifier = notify.Unavailable("there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
	}
	a.SetNotifier(notifier)
	// lifecycle notices now and hourly; stopped before the workspace closes
	defer a.StartLifecycleNotices(app.LifecycleNoticeInterval)()
	w := fa.NewWindow("Provisio")
	win := ui.NewWindow(a, w)
	var tray *ui.Tray
	if desk, ok := fa.(desktop.App); ok && notify.TrayHost() {
		desk.SetSystemTrayIcon(icon)
		scheduling, stopRuns := newTraySchedules(a, notifier)
		defer stopRuns() // before the workspace closes
		tray = win.UseTray(desk, ui.TrayOptions{Available: notify.TrayHost, Notifier: notifier, Scheduling: scheduling})
	}
	if screen != "" {
		win.Show(screen)
	}
	win.OfferDemoIfEmpty()
	defer startSchedules(a, win, w, tray)()
	w.SetMaster()
	w.ShowAndRun()
	return nil
}

// showStartupError shows why the workspace could not be opened, such as
// another Provisio having it open, until the window is closed.
func showStartupError(fa fyne.App, err error) {
	w := fa.NewWindow("Provisio: cannot open the workspace")
	msg := widget.NewLabel("Provisio cannot open the workspace:\n\n" + err.Error())
	msg.Wrapping = fyne.TextWrapWord
	quit := widget.NewButton("Quit", fa.Quit)
	w.SetContent(container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), quit), nil, nil, container.NewPadded(msg)))
	w.Resize(fyne.NewSize(520, 200))
	w.ShowAndRun()
}
