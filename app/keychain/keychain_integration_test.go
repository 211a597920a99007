//go:build integration

package keychain

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"provisio/engine"
)

// howToRun tells whoever runs the integration test without a keychain
// what to do instead.
const howToRun = `this test needs a real, unlocked Secret Service on a D-Bus session bus; run it as
	scripts/with-keyring.sh go test -tags integration -count=1 ./app/keychain/
(scripts/install-deps.sh test installs dbus, gnome-keyring and libsecret-tools)`

// integrationService keeps the test's secrets apart from Provisio's.
const integrationService = "provisio-integration-test"

// lookup reads the secret stored under ref with libsecret's secret-tool,
// so the test checks the Secret Service itself rather than what go-keyring
// says about it. ok is false when there is no such secret.
func lookup(t *testing.T, ref string) (secret string, ok bool) {
	t.Helper()
	out, err := exec.Command("secret-tool", "lookup", "service", integrationService, "username", ref).Output()
	if err != nil {
		if _, isExit := err.(*exec.ExitError); isExit {
			return "", false
		}
		t.Fatalf("secret-tool: %v\n%s", err, howToRun)
	}
	return string(out), true
}

func TestKeychainOnTheRealSecretService(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatalf("DBUS_SESSION_BUS_ADDRESS is not set: there is no D-Bus session bus to reach the keychain on.\n%s", howToRun)
	}
	k := New(WithService(integrationService))
	ref := NewReference("integration-test", fmt.Sprintf("%d-%d/password", os.Getpid(), time.Now().UnixNano()))
	first, second := "first-secret-"+ref, "second secret with spaces, ümlauts and\nnewline"

	if _, err := k.Get(ref); !engine.IsCode(err, engine.NotFound) {
		if engine.IsCode(err, engine.Unavailable) {
			t.Fatalf("the Secret Service cannot be reached: %v\n%s", err, howToRun)
		}
		t.Fatalf("Get of a new reference = %v (code %q), want a NotFound error", err, engine.ErrorCode(err))
	}
	t.Cleanup(func() {
		if err := k.Delete(ref); err != nil && !engine.IsCode(err, engine.NotFound) {
			t.Errorf("cleanup: %v", err)
		}
	})

	if err := k.Set(ref, first); err != nil {
		t.Fatalf("Set: %v\n%s", err, howToRun)
	}
	if got, err := k.Get(ref); err != nil || got != first {
		t.Fatalf("Get after Set = %q, %v; want %q", got, err, first)
	}
	if got, ok := lookup(t, ref); !ok || got != first {
		t.Fatalf("secret-tool sees %q (found %v), want %q", got, ok, first)
	}

	if err := k.Set(ref, second); err != nil {
		t.Fatalf("Set (overwrite): %v", err)
	}
	if got, err := k.Get(ref); err != nil || got != second {
		t.Fatalf("Get after overwrite = %q, %v; want %q", got, err, second)
	}
	if got, ok := lookup(t, ref); !ok || got != second {
		t.Fatalf("secret-tool sees %q (found %v) after overwrite, want %q", got, ok, second)
	}

	if err := k.Delete(ref); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err := k.Get(ref)
	if !engine.IsCode(err, engine.NotFound) {
		t.Fatalf("Get after Delete = %v (code %q), want NotFound", err, engine.ErrorCode(err))
	}
	if strings.Contains(err.Error(), first) || strings.Contains(err.Error(), second) {
		t.Fatalf("NotFound error reveals a secret: %v", err)
	}
	if got, ok := lookup(t, ref); ok {
		t.Fatalf("secret-tool still finds %q after Delete", got)
	}
	if err := k.Delete(ref); !engine.IsCode(err, engine.NotFound) {
		t.Fatalf("second Delete = %v (code %q), want NotFound", err, engine.ErrorCode(err))
	}
}
