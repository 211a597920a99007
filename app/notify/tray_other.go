//go:build !(linux || freebsd || openbsd || netbsd)

package notify

// TrayHost reports whether the desktop shows status icons: on Windows
// and macOS it always does.
func TrayHost() bool { return true }

// HasSessionBus reports whether notifications can be shown without a
// session bus being started for them: on Windows and macOS, which show
// them without D-Bus, always.
func HasSessionBus() bool { return true }
