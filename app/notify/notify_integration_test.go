//go:build integration

package notify_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/app/notify"
	"provisio/app/notify/notifytest"
	"provisio/engine"
)

// These tests need a private D-Bus session bus, where they own the
// notification service themselves; run them as
//
//	scripts/with-session-bus.sh go test -tags integration -count=1 ./app/notify/
//
// Without a bus they fail: they exist to show that notifications really
// travel over D-Bus.

func TestANotificationReachesTheServiceOnTheSessionBus(t *testing.T) {
	srv := notifytest.Listen(t)
	d := notify.NewDBus()
	t.Cleanup(func() { d.Close() })

	require.NoError(t, d.Notify("Run finished", "Nightly: 3 added, 1 removed; 12 actions done"))
	n, err := srv.Next(5 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, "Provisio", n.AppName)
	assert.Equal(t, "Run finished", n.Summary)
	assert.Equal(t, "Nightly: 3 added, 1 removed; 12 actions done", n.Body)
	assert.Equal(t, uint32(0), n.ReplacesID, "each notification is a new one")
}

func TestBodiesAreEscapedForAServiceThatReadsMarkup(t *testing.T) {
	srv := notifytest.Listen(t)
	srv.SetCapabilities("body", "body-markup")
	d := notify.NewDBus()
	t.Cleanup(func() { d.Close() })

	require.NoError(t, d.Notify("Pre-offboarding", "Smith & Jones <Sales> (28 Nov)"))
	n, err := srv.Next(5 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, "Smith &amp; Jones &lt;Sales&gt; (28 Nov)", n.Body)
}

func TestTheAppsLifecycleNoticesTravelOverTheBus(t *testing.T) {
	srv := notifytest.Listen(t)
	d := notify.NewDBus()
	t.Cleanup(func() { d.Close() })
	a, err := app.Open(filepath.Join(t.TempDir(), "ws"), app.Options{Clock: engine.FixedClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	a.SetNotifier(d)

	require.NoError(t, a.TestNotification())
	n, err := srv.Next(5 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, "Provisio test notification", n.Summary)
	assert.Contains(t, n.Body, a.Dir())

	_, err = a.LifecycleNotices(context.Background())
	require.NoError(t, err, "an empty workspace has nothing to say")
	assert.Len(t, srv.Received(), 1)
}

func TestANotifierReconnectsWhenTheServiceComesLater(t *testing.T) {
	d := notify.NewDBus()
	t.Cleanup(func() { d.Close() })
	err := d.Notify("Early", "no service yet")
	require.Error(t, err, "nobody owns the notification service yet")
	assert.True(t, engine.IsCode(err, engine.Unavailable))

	srv := notifytest.Listen(t)
	require.NoError(t, d.Notify("Later", "the service is there now"))
	n, err := srv.Next(5 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, "Later", n.Summary)
}

func TestTheTrayIsThereWhenAStatusNotifierWatcherRuns(t *testing.T) {
	assert.False(t, notify.TrayHost(), "a private bus has no tray host")
	conn, err := notify.DialSessionBus()
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	reply, err := conn.RequestName(notify.StatusNotifierWatcher, dbus.NameFlagDoNotQueue)
	require.NoError(t, err)
	require.Equal(t, dbus.RequestNameReplyPrimaryOwner, reply)
	assert.True(t, notify.TrayHost())
}
