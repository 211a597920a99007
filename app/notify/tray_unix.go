//go:build linux || freebsd || openbsd || netbsd

package notify

import (
	"context"
	"time"

	"github.com/godbus/dbus/v5"
)

// StatusNotifierWatcher is the D-Bus name of the service that shows
// status icons (the "system tray") on Linux desktops: KDE and most others
// have one; GNOME only with an extension.
const StatusNotifierWatcher = "org.kde.StatusNotifierWatcher"

// TrayHost reports whether the desktop shows status icons: whether a
// StatusNotifierWatcher runs on the session bus. Without one, an icon in
// the tray would be invisible, and a window hidden there unreachable.
func TrayHost() bool {
	conn, err := dbus.SessionBusPrivateNoAutoStartup()
	if err != nil {
		return false
	}
	defer conn.Close()
	if conn.Auth(nil) != nil || conn.Hello() != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var has bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, StatusNotifierWatcher).Store(&has)
	return err == nil && has
}
