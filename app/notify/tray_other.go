//go:build !(linux || freebsd || openbsd || netbsd)

package notify

// TrayHost reports whether the desktop shows status icons: on Windows
// and macOS it always does.
func TrayHost() bool { return true }
