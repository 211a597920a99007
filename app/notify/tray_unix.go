//go:build linux || freebsd || openbsd || netbsd

package notify

import (
	"context"
	"os"
	"path/filepath"
	"time"
)

// StatusNotifierWatcher is the D-Bus name of the service that shows
// status icons (the "system tray") on Linux desktops: KDE and most others
// have one; GNOME only with an extension.
const StatusNotifierWatcher = "org.kde.StatusNotifierWatcher"

// TrayHost reports whether the desktop shows status icons: whether a
// StatusNotifierWatcher runs on the session bus. Without one, an icon in
// the tray would be invisible, and a window hidden there unreachable.
func TrayHost() bool {
	if !HasSessionBus() {
		return false
	}
	conn, err := DialSessionBus()
	if err != nil {
		return false
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var has bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, StatusNotifierWatcher).Store(&has)
	return err == nil && has
}

// HasSessionBus reports whether a session bus is there to connect to,
// without starting one: DBUS_SESSION_BUS_ADDRESS names it, or the user's
// bus socket exists. A client library asked for the session bus without
// one starts a bus daemon of its own (dbus-launch), which outlives the
// process and serves nobody.
func HasSessionBus() bool {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return true
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		if fi, err := os.Stat(filepath.Join(dir, "bus")); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return true
		}
	}
	return false
}
