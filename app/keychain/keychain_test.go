// These tests replace go-keyring's process-wide provider with its
// in-memory mock, which cannot be undone; the integration build leaves
// them out so that its tests reach the real Secret Service.
//go:build !integration

package keychain

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"

	"provisio/engine"
)

// newMockKeychain returns a Keychain on go-keyring's in-memory mock, with
// the session bus check passing.
func newMockKeychain(t *testing.T) *Keychain {
	t.Helper()
	keyring.MockInit()
	k := New(WithService("provisio-test"))
	k.haveBus = func() bool { return true }
	return k
}

// failingKeychain returns a Keychain whose every keychain call fails with err.
func failingKeychain(t *testing.T, err error) *Keychain {
	t.Helper()
	k := newMockKeychain(t)
	keyring.MockInitWithError(err)
	return k
}

func wantCode(t *testing.T, err error, code engine.Code) {
	t.Helper()
	if !engine.IsCode(err, code) {
		t.Fatalf("error = %v (code %q), want code %q", err, engine.ErrorCode(err), code)
	}
}

func TestSetGetDeleteRoundTrip(t *testing.T) {
	k := newMockKeychain(t)
	ref := NewReference("source/hr", "password")

	if err := k.Set(ref, "s3cret"); err != nil {
		t.Fatalf("Set: %v", err)
	}
	got, err := k.Get(ref)
	if err != nil || got != "s3cret" {
		t.Fatalf("Get = %q, %v; want %q", got, err, "s3cret")
	}
	if err := k.Delete(ref); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = k.Get(ref)
	wantCode(t, err, engine.NotFound)
}

func TestSetReplacesTheSecret(t *testing.T) {
	k := newMockKeychain(t)
	for _, s := range []string{"first", "second", ""} {
		if err := k.Set("target/ad/bind", s); err != nil {
			t.Fatalf("Set(%q): %v", s, err)
		}
		if got, err := k.Get("target/ad/bind"); err != nil || got != s {
			t.Fatalf("Get = %q, %v; want %q", got, err, s)
		}
	}
}

func TestServicesKeepSeparateSecrets(t *testing.T) {
	keyring.MockInit()
	a, b := New(WithService("provisio-a")), New(WithService("provisio-b"))
	a.haveBus = func() bool { return true }
	b.haveBus = a.haveBus
	if err := a.Set("x", "secret-a"); err != nil {
		t.Fatal(err)
	}
	_, err := b.Get("x")
	wantCode(t, err, engine.NotFound)
	if New().Service() != DefaultService || New(WithService("")).Service() != DefaultService {
		t.Fatalf("default service is not %q", DefaultService)
	}
}

func TestMissingSecretIsNotFound(t *testing.T) {
	k := newMockKeychain(t)
	_, err := k.Get("source/hr/password")
	wantCode(t, err, engine.NotFound)
	if !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("Get error %v does not wrap keyring.ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), `"source/hr/password"`) {
		t.Errorf("Get error %q does not name the reference", err)
	}
	wantCode(t, k.Delete("source/hr/password"), engine.NotFound)
}

func TestKeychainFailuresMapToCodes(t *testing.T) {
	tests := []struct {
		name  string
		cause error
		code  engine.Code
		want  string // in the message
	}{
		{"no secret service", dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown",
			Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}},
			engine.Unavailable, "the system keychain is not available: no Secret Service is running on the session bus"},
		{"service failed to start", dbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited"},
			engine.Unavailable, "no Secret Service is running"},
		{"locked", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"),
			engine.Unavailable, "the system keychain is locked"},
		{"no reply", dbus.Error{Name: "org.freedesktop.DBus.Error.NoReply"},
			engine.Unavailable, "did not answer"},
		{"bus unreachable", &net.OpError{Op: "dial", Net: "unix", Err: errors.New("connect: no such file or directory")},
			engine.Unavailable, "cannot connect to the D-Bus session bus"},
		{"unsupported platform", keyring.ErrUnsupportedPlatform,
			engine.Unavailable, "no keychain Provisio can use"},
		{"too big", keyring.ErrSetDataTooBig, engine.Invalid, "too large"},
		{"anything else", errors.New("dbus: connection closed by user"),
			engine.Unavailable, "the system keychain failed: dbus: connection closed by user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := failingKeychain(t, tt.cause)
			_, getErr := k.Get("source/hr/password")
			for op, err := range map[string]error{
				"Get":    getErr,
				"Set":    k.Set("source/hr/password", "s3cret"),
				"Delete": k.Delete("source/hr/password"),
			} {
				wantCode(t, err, tt.code)
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s error %q does not say %q", op, err, tt.want)
				}
				if !strings.Contains(err.Error(), `"source/hr/password"`) {
					t.Errorf("%s error %q does not name the reference", op, err)
				}
			}
		})
	}
}

func TestNoSessionBusIsUnavailableAndLaunchesNothing(t *testing.T) {
	k := newMockKeychain(t)
	k.haveBus = func() bool { return false }

	err := k.Set("source/hr/password", "s3cret")
	wantCode(t, err, engine.Unavailable)
	if want := "the system keychain is not available: no D-Bus session bus"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	_, err = k.Get("source/hr/password")
	wantCode(t, err, engine.Unavailable)
	wantCode(t, k.Delete("source/hr/password"), engine.Unavailable)

	k.haveBus = func() bool { return true }
	_, err = k.Get("source/hr/password")
	wantCode(t, err, engine.NotFound) // the Set never reached the keychain
}

func TestSessionBusKnown(t *testing.T) {
	empty, withBus, withFile := t.TempDir(), t.TempDir(), t.TempDir()
	for dir, name := range map[string]string{withBus: "bus", withFile: "dbus-session"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := func(addr string) func(string) string {
		return func(k string) string {
			if k == "DBUS_SESSION_BUS_ADDRESS" {
				return addr
			}
			return ""
		}
	}
	tests := []struct {
		name, addr, dir string
		want            bool
	}{
		{"address set", "unix:path=/run/user/1000/bus", empty, true},
		{"nothing", "", empty, false},
		{"autolaunch", "autolaunch:", empty, false},
		{"bus socket in runtime dir", "", withBus, true},
		{"address file in runtime dir", "", withFile, true},
		{"missing runtime dir", "", filepath.Join(empty, "nope"), false},
	}
	for _, tt := range tests {
		if got := sessionBusKnown(env(tt.addr), tt.dir); got != tt.want {
			t.Errorf("%s: sessionBusKnown = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestInvalidReferencesAreRejectedBeforeTheKeychain(t *testing.T) {
	refs := map[string]string{
		"empty":        "",
		"too long":     strings.Repeat("a", MaxReferenceLen+1),
		"newline":      "source/hr\npassword",
		"nul":          "source/hr\x00password",
		"escape":       "source/\x1b[31mhr",
		"delete":       "source/hr\x7f",
		"C1 control":   "source/hr\u0085",
		"invalid utf8": "source/\xffhr",
	}
	for name, ref := range refs {
		t.Run(name, func(t *testing.T) {
			k := failingKeychain(t, errors.New("the keychain must not be called"))
			_, getErr := k.Get(ref)
			for op, err := range map[string]error{"Get": getErr, "Set": k.Set(ref, "s3cret"), "Delete": k.Delete(ref)} {
				wantCode(t, err, engine.Invalid)
				if !strings.Contains(err.Error(), "keychain reference") {
					t.Errorf("%s error %q does not say what was wrong", op, err)
				}
				if strings.ContainsFunc(err.Error(), func(r rune) bool { return r < ' ' }) {
					t.Errorf("%s error %q contains a control character", op, err)
				}
			}
		})
	}
}

func TestValidReferencesAreAccepted(t *testing.T) {
	for _, ref := range []string{
		"source/hr/password",
		"target/AD (prod)/bind password",
		"quelle/personal/kennwort-äöü",
		"x",
		strings.Repeat("a", MaxReferenceLen),
	} {
		if err := ValidateReference(ref); err != nil {
			t.Errorf("ValidateReference(%q) = %v, want nil", ref, err)
		}
	}
}

func TestSecretNeverAppearsInErrors(t *testing.T) {
	const secret = "hunter2-very-secret"
	causes := []error{
		keyring.ErrNotFound,
		keyring.ErrSetDataTooBig,
		dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown"},
		errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"),
		errors.New("boom"),
		// A cause that echoes the secret must not pass it on.
		fmt.Errorf("dbus: cannot marshal %q", secret),
		dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"value " + secret}},
	}
	for _, cause := range causes {
		k := failingKeychain(t, cause)
		err := k.Set("source/hr/password", secret)
		if err == nil {
			t.Fatalf("Set with failing keychain (%v) returned nil", cause)
		}
		for e := err; e != nil; e = errors.Unwrap(e) {
			for _, text := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
				if strings.Contains(text, secret) {
					t.Errorf("Set error chain for cause %T reveals the secret: %s", cause, text)
				}
			}
		}
	}
}

func TestNewReference(t *testing.T) {
	tests := []struct{ kind, name, want string }{
		{"source/hr", "password", "source/hr/password"},
		{"target/ad", "bind password", "target/ad/bind password"},
		{" source/hr/ ", "/password ", "source/hr/password"},
		{"source", "", "source"},
		{"", "password", "password"},
	}
	for _, tt := range tests {
		if got := NewReference(tt.kind, tt.name); got != tt.want {
			t.Errorf("NewReference(%q, %q) = %q, want %q", tt.kind, tt.name, got, tt.want)
		}
		if err := ValidateReference(NewReference(tt.kind, tt.name)); err != nil {
			t.Errorf("NewReference(%q, %q) is not a valid reference: %v", tt.kind, tt.name, err)
		}
	}
}
