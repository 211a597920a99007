package engine

import (
	"context"
	"errors"
	"maps"
	"slices"
)

// Attributes are an account's attribute values by attribute name, as the
// target names them (sAMAccountName, mail, uid). A multi-valued attribute
// holds its values joined by newlines; an empty value means the attribute
// is absent (set to "" to clear it).
type Attributes map[string]string

// Clone returns a copy of a.
func (a Attributes) Clone() Attributes { return maps.Clone(a) }

// Names returns the attribute names in order.
func (a Attributes) Names() []string { return slices.Sorted(maps.Keys(a)) }

// Account is an account as a target system holds it.
type Account struct {
	// Ref is how the target knows the account: a distinguished name, an
	// id. It can change when the account is renamed or moved; the calls
	// that can change it return the new one.
	Ref     string `json:"ref"`
	Enabled bool   `json:"enabled"`
	// Attributes holds the values of the attributes asked for.
	Attributes Attributes `json:"attributes,omitempty"`
}

// TargetConnector writes to a target system. Every call is idempotent
// given the account reference:
//
//   - Delete, Disable and Revoke of an account (or membership) that does
//     not exist succeed: what they want is already so.
//   - Update, Enable and Grant of an account that does not exist fail with
//     a NotFound error, as does Grant of a permission that does not exist.
//   - Create of an account whose identity (its name in the target) is
//     taken fails with a Conflict error that names the attribute.
//
// Errors are classified by their Code: Unavailable is transient (the
// caller retries later: a timeout, a busy server, a dropped connection);
// every other code is permanent and is recorded on the action. Calls
// honour ctx: a deadline or a cancellation ends them with an Unavailable
// or Canceled error. Messages are written for an administrator and never
// hold a secret.
//
// A connector made with TargetOptions.DryRun checks what each call would
// do (the account or permission exists, the identity is free, the
// container exists) and writes nothing; calls return what they would
// (Create the reference it would make).
//
// An empty attribute list in ListAccounts or FindAccounts reads every
// attribute the connector knows. emit may keep the *Account it gets.
// Revoking a permission the target does not have succeeds, like revoking
// a membership the account does not have.
//
// A connector may be used from several goroutines at once.
type TargetConnector interface {
	// Test checks that the target can be reached and used with the
	// settings: address, TLS, credentials, base containers. Its error
	// says which of them is wrong, in words an administrator understands.
	Test(ctx context.Context) error
	// ListAccounts streams every account the target manages (under its
	// base container), reading the named attributes; it pages through
	// large directories.
	ListAccounts(ctx context.Context, attributes []string, emit func(*Account) error) error
	// FindAccounts returns the accounts (under the base container) whose
	// attribute equals value, ignoring case as the target does, with the
	// named attributes read; none is not an error. Correlation links a
	// person to an existing account with it, and a run resumed after a
	// crash finds an account it may already have created.
	FindAccounts(ctx context.Context, attribute, value string, attributes []string) ([]*Account, error)
	// ListPermissions returns the permissions (groups) the target offers.
	ListPermissions(ctx context.Context) ([]Permission, error)
	// Create makes a disabled account with the attributes and returns its
	// reference.
	Create(ctx context.Context, attrs Attributes) (ref string, err error)
	// Update sets attributes of an account ("" clears one) and returns
	// its reference, new when a naming attribute changed.
	Update(ctx context.Context, ref string, attrs Attributes) (string, error)
	// Enable lets the account sign in and returns its reference, new
	// when enabling moves it.
	Enable(ctx context.Context, ref string) (string, error)
	// Disable stops the account signing in and returns its reference,
	// new when disabling moves it (to a container for disabled accounts).
	Disable(ctx context.Context, ref string) (string, error)
	// Delete removes the account.
	Delete(ctx context.Context, ref string) error
	// Grant gives the account a permission (adds it to a group), by the
	// permission's id.
	Grant(ctx context.Context, ref, permission string) error
	// Revoke takes a permission away.
	Revoke(ctx context.Context, ref, permission string) error
	// Close releases connections.
	Close() error
}

// BatchGranter is a TargetConnector that grants (and revokes) a
// permission to many accounts in one call, as a directory adds many
// members to a group in one change. Enforcement uses it where a connector
// has it. errs holds one error (or nil) per ref; err is for the whole call
// (a transient err is retried whole: the calls are idempotent).
type BatchGranter interface {
	GrantAll(ctx context.Context, permission string, refs []string) (errs []error, err error)
	RevokeAll(ctx context.Context, permission string, refs []string) (errs []error, err error)
}

// EnabledCreator is a TargetConnector that makes an account enabled in one
// call, as a directory takes the enabled state with the new entry.
// Enforcement uses it for an account that one run creates and enables:
// CreateEnabled(attrs) leaves the target as Create(attrs) then Enable would,
// with the same errors (a taken identity is a Conflict), in fewer calls.
// An error with a ref means the account was made but not enabled.
type EnabledCreator interface {
	CreateEnabled(ctx context.Context, attrs Attributes) (ref string, err error)
}

// TargetOptions change how a target connector behaves.
type TargetOptions struct {
	// DryRun checks every call and writes nothing.
	DryRun bool
}

// TargetKind describes a kind of target connector: its settings, for forms
// and checks, and how to make one.
type TargetKind struct {
	Kind        string
	Label       string
	Description string
	Settings    []SettingDef
	// Identity names the attributes that identify an account in the
	// target and must be unique there (sAMAccountName, uid); account
	// mappings must give them a value on create. IdentityOf, when set,
	// works them out from a target's settings instead.
	Identity   []string
	IdentityOf func(settings map[string]string) []string
	// New checks settings and returns a connector; it connects lazily.
	New func(settings map[string]string, env ConnectorEnv, opts TargetOptions) (TargetConnector, error)
}

// IdentityFor returns the identity attributes of a target with the given
// settings.
func (k *TargetKind) IdentityFor(settings map[string]string) []string {
	if k.IdentityOf != nil {
		return k.IdentityOf(settings)
	}
	return k.Identity
}

// IsTransient reports whether err is worth retrying: the target was
// unreachable or busy, or the call timed out.
func IsTransient(err error) bool {
	return err != nil && IsCode(err, Unavailable) && !errors.Is(err, context.Canceled)
}
