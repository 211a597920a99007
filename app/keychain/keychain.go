// Package keychain keeps Provisio's secrets (passwords, tokens, keys) in the
// operating system's keychain through go-keyring: the Secret Service
// (GNOME Keyring, KWallet, KeePassXC) over D-Bus on Linux and the BSDs,
// the Keychain on macOS and the Credential Manager on Windows.
//
// Configuration holds only references (see NewReference); a Keychain
// resolves them. Every error is an *engine.Error written for an
// administrator, and no error ever contains a secret.
package keychain

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"

	"provisio/engine"
)

// DefaultService is the service name under which Provisio's secrets are
// kept in the keychain.
const DefaultService = "provisio"

// MaxReferenceLen is the longest reference, in bytes, a Keychain accepts.
const MaxReferenceLen = 256

// Keychain is an engine.Secrets on the operating system's keychain. Each
// secret is stored under the Keychain's service name with its reference
// as the user name. It is safe for concurrent use.
//
// A call may block while the keychain asks the administrator to unlock it
// (the desktop's password prompt), so callers run it off the UI goroutine.
type Keychain struct {
	service string
	// haveBus reports whether a D-Bus session bus can be found without
	// starting one; nil where the keychain does not use D-Bus.
	haveBus func() bool
}

var _ engine.Secrets = (*Keychain)(nil)

// Option configures a Keychain.
type Option func(*Keychain)

// WithService keeps the secrets under another service name than
// DefaultService, so that tests do not touch the administrator's secrets.
// An empty name keeps the default.
func WithService(name string) Option {
	return func(k *Keychain) {
		if name != "" {
			k.service = name
		}
	}
}

// New returns a Keychain on the operating system's keychain.
func New(opts ...Option) *Keychain {
	k := &Keychain{service: DefaultService, haveBus: sessionBusCheck()}
	for _, o := range opts {
		o(k)
	}
	return k
}

// Service returns the service name the secrets are kept under.
func (k *Keychain) Service() string { return k.service }

// NewReference returns the keychain reference of a secret: kind says what
// owns it and name which secret it is, joined by a slash, so that
// NewReference("source/hr", "password") is "source/hr/password". The
// result depends only on its arguments, apart from surrounding spaces and
// slashes, which are dropped.
func NewReference(kind, name string) string {
	kind = strings.Trim(kind, " /")
	name = strings.Trim(name, " /")
	switch {
	case kind == "":
		return name
	case name == "":
		return kind
	}
	return kind + "/" + name
}

// ValidateReference returns an Invalid error unless ref can name a secret:
// non-empty, valid UTF-8 of at most MaxReferenceLen bytes, without control
// characters.
func ValidateReference(ref string) error {
	switch {
	case ref == "":
		return engine.Errorf(engine.Invalid, "keychain reference is empty; expected a name such as %q", NewReference("source/hr", "password"))
	case len(ref) > MaxReferenceLen:
		return engine.Errorf(engine.Invalid, "keychain reference %.40q… is %d bytes long; at most %d are allowed", ref, len(ref), MaxReferenceLen)
	case !utf8.ValidString(ref):
		return engine.Errorf(engine.Invalid, "keychain reference %q is not valid UTF-8", ref)
	}
	if i := strings.IndexFunc(ref, unicode.IsControl); i >= 0 {
		return engine.Errorf(engine.Invalid, "keychain reference %q contains a control character at byte %d; expected printable text", ref, i)
	}
	return nil
}

// Get returns the secret stored under ref, or a NotFound error when there
// is none.
func (k *Keychain) Get(ref string) (string, error) {
	if err := k.check(ref); err != nil {
		return "", err
	}
	secret, err := keyring.Get(k.service, ref)
	if err != nil {
		return "", k.classify(err, "read", ref, "")
	}
	return secret, nil
}

// Set stores secret under ref, replacing any secret stored there before.
func (k *Keychain) Set(ref, secret string) error {
	if err := k.check(ref); err != nil {
		return err
	}
	if err := keyring.Set(k.service, ref, secret); err != nil {
		return k.classify(err, "store", ref, secret)
	}
	return nil
}

// Delete removes the secret stored under ref, or returns a NotFound error
// when there is none (callers that only want it gone can ignore that).
func (k *Keychain) Delete(ref string) error {
	if err := k.check(ref); err != nil {
		return err
	}
	if err := keyring.Delete(k.service, ref); err != nil {
		return k.classify(err, "delete", ref, "")
	}
	return nil
}

// check validates ref and makes sure a call cannot start a session bus.
func (k *Keychain) check(ref string) error {
	if err := ValidateReference(ref); err != nil {
		return err
	}
	// Without a session bus, godbus runs dbus-launch, which starts a new,
	// private bus and keyring daemon per process: they are left running,
	// and whatever is stored there is lost to every other program.
	if k.haveBus != nil && !k.haveBus() {
		return engine.Errorf(engine.Unavailable, "the system keychain is not available: no D-Bus session bus was found "+
			"(DBUS_SESSION_BUS_ADDRESS is not set); run Provisio inside a desktop session")
	}
	return nil
}

// The names of the D-Bus errors that mean nobody provides the Secret
// Service.
var noServiceErrors = map[string]bool{
	"org.freedesktop.DBus.Error.ServiceUnknown":    true,
	"org.freedesktop.DBus.Error.NameHasNoOwner":    true,
	"org.freedesktop.DBus.Error.Spawn.ExecFailed":  true,
	"org.freedesktop.DBus.Error.Spawn.ChildExited": true,
	"org.freedesktop.DBus.Error.Spawn.Failed":      true,
}

// classify turns an error of go-keyring into an *engine.Error. op says what
// was being done; secret, when not empty, must not appear in the result.
func (k *Keychain) classify(err error, op, ref, secret string) error {
	if errors.Is(err, keyring.ErrNotFound) {
		msg := fmt.Sprintf("no secret is stored in the system keychain under %q (service %q)", ref, k.service)
		return &engine.Error{Code: engine.NotFound, Msg: msg, Err: err}
	}
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		msg := fmt.Sprintf("cannot store the secret for %q: it is too large for the system keychain", ref)
		return &engine.Error{Code: engine.Invalid, Msg: msg, Err: err}
	}
	// The causes below come from D-Bus or the operating system and should
	// never echo the secret; if one does, drop its text and the cause.
	if secret != "" && strings.Contains(err.Error(), secret) {
		return engine.Errorf(engine.Unavailable, "cannot %s the secret for %q: the system keychain failed (its message is withheld because it contained the secret)", op, ref)
	}

	var dbusErr dbus.Error
	var netErr *net.OpError
	switch {
	case errors.As(err, &dbusErr) && noServiceErrors[dbusErr.Name]:
		return engine.Errorf(engine.Unavailable, "cannot %s the secret for %q: the system keychain is not available: "+
			"no Secret Service is running on the session bus; install and start a keyring such as GNOME Keyring or KWallet (%w)", op, ref, err)
	case errors.As(err, &dbusErr) && dbusErr.Name == "org.freedesktop.DBus.Error.NoReply":
		return engine.Errorf(engine.Unavailable, "cannot %s the secret for %q: the system keychain did not answer in time; try again (%w)", op, ref, err)
	case strings.HasPrefix(err.Error(), "failed to unlock"):
		// go-keyring's words when the keyring stays locked: the unlock
		// prompt was dismissed, or could not be shown.
		return engine.Errorf(engine.Unavailable, "cannot %s the secret for %q: the system keychain is locked; "+
			"unlock the login keyring (for example by logging in to the desktop) and try again", op, ref)
	case errors.As(err, &netErr), strings.Contains(err.Error(), "dbus: authentication failed"):
		return engine.Errorf(engine.Unavailable, "cannot %s the secret for %q: the system keychain is not available: "+
			"cannot connect to the D-Bus session bus (%w)", op, ref, err)
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return engine.Errorf(engine.Unavailable, "cannot %s the secret for %q: this operating system has no keychain Provisio can use", op, ref)
	}
	return engine.Errorf(engine.Unavailable, "cannot %s the secret for %q: the system keychain failed: %w", op, ref, err)
}
