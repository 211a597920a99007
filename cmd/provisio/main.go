// Command provisio is Provisio: without arguments it opens the application
// window on the workspace; with a command it runs headless (see
// `provisio --help`).
package main

import (
	"context"
	"os"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"provisio/app"
	"provisio/app/keychain"
	"provisio/assets"
	"provisio/cmd/provisio/cli"
	"provisio/ui"
)

// AppID identifies Provisio to the desktop.
const AppID = "io.provisio.desktop"

func main() {
	opts := app.Options{Secrets: keychain.New()}
	code := cli.Run(context.Background(), os.Args[1:], cli.Env{
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Options: opts,
		GUI:     func(workspace, screen string) error { return runGUI(workspace, screen, opts) },
	})
	os.Exit(code)
}

// runGUI opens the application window on a workspace until it is closed.
func runGUI(workspace, screen string, opts app.Options) error {
	a, err := app.Open(workspace, opts)
	if err != nil {
		return err
	}
	defer a.Close()
	fyneapp.SetMetadata(fyne.AppMetadata{
		ID:         AppID,
		Name:       "Provisio",
		Version:    "0.1.0",
		Icon:       fyne.NewStaticResource("icon.png", assets.Icon),
		Migrations: map[string]bool{"fyneDo": true},
	})
	fa := fyneapp.NewWithID(AppID)
	fa.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	w := fa.NewWindow("Provisio")
	win := ui.NewWindow(a, w)
	if screen != "" {
		win.Show(screen)
	}
	win.OfferDemoIfEmpty()
	w.SetMaster()
	w.ShowAndRun()
	return nil
}
