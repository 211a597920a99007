package keychain

import (
	"os"
	"path/filepath"
)

// sessionBusKnown reports whether godbus will find a session bus without
// launching one: DBUS_SESSION_BUS_ADDRESS is set (and not "autolaunch:"),
// or runtimeDir holds the bus socket ("bus") or its address ("dbus-session"),
// which is where godbus looks next.
func sessionBusKnown(getenv func(string) string, runtimeDir string) bool {
	if a := getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return true
	}
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(runtimeDir, name)); err == nil {
			return true
		}
	}
	return false
}
