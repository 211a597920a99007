//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package keychain

import (
	"fmt"
	"os"
)

// sessionBusCheck returns the check a Keychain makes before each call on
// the platforms where go-keyring talks to the Secret Service over D-Bus
// (these build constraints are go-keyring's). godbus looks for the session
// bus in /run/user/UID, whatever XDG_RUNTIME_DIR says.
func sessionBusCheck() func() bool {
	return func() bool {
		return sessionBusKnown(os.Getenv, fmt.Sprintf("/run/user/%d", os.Getuid()))
	}
}
