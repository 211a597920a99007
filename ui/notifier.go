package ui

import (
	"fyne.io/fyne/v2"

	"provisio/app"
)

// NewNotifier returns a notifier that shows notifications through the
// Fyne app: on Linux over the freedesktop notification service on D-Bus,
// on Windows and macOS through their notification centres. Fyne logs
// what fails; Notify itself never fails.
func NewNotifier(fa fyne.App) app.Notifier { return fyneNotifier{fa} }

type fyneNotifier struct{ fa fyne.App }

func (n fyneNotifier) Notify(title, body string) error {
	n.fa.SendNotification(fyne.NewNotification(title, body))
	return nil
}
