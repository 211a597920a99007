//go:build integration

package main

import (
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/app/notify/notifytest"
	"provisio/assets"
	"provisio/ui"
)

// The GUI's notifications go through Fyne's SendNotification, which on
// Linux calls the freedesktop notification service itself. This test
// runs the real Fyne app (no window, so no display is needed) on a
// private session bus that it serves the notification service on:
//
//	scripts/with-session-bus.sh go test -tags integration -count=1 ./cmd/provisio/
//
// Without a bus it fails. scripts/gui-smoke.sh checks the same with the
// built binary in a window.
func TestTheGUIsNotificationsReachTheServiceOnTheSessionBus(t *testing.T) {
	srv := notifytest.Listen(t)
	fa := fyneapp.NewWithID(AppID)
	fa.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	a, err := app.Open(filepath.Join(t.TempDir(), "ws"), app.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	a.SetNotifier(ui.NewNotifier(fa))

	require.NoError(t, a.TestNotification())
	n, err := srv.Next(10 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, AppID, n.AppName, "Fyne sends as the app's ID")
	assert.Equal(t, "Provisio test notification", n.Summary)
	assert.Contains(t, n.Body, a.Dir())
}
