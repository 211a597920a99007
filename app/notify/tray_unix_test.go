//go:build linux || freebsd || openbsd || netbsd

package notify

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestASessionBusIsFoundWithoutStartingOne(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	assert.False(t, HasSessionBus())
	assert.False(t, TrayHost(), "no bus, no tray")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "autolaunch:")
	assert.False(t, HasSessionBus(), "autolaunch would start a bus nobody else uses")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus")
	assert.True(t, HasSessionBus())
}
