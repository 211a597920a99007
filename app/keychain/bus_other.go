//go:build !((dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd)

package keychain

// sessionBusCheck returns nil on the platforms where go-keyring needs no
// D-Bus (macOS, Windows) or has no keychain at all.
func sessionBusCheck() func() bool { return nil }
