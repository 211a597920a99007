package connectortest_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/connectors/connectortest"
	"provisio/engine"
)

// directory is an in-memory LDAP-like target for testing the suite itself:
// an account's ref is its DN, "cn=<cn>,ou=<people|disabled>", so renames
// (a new cn) and Enable and Disable (a move) change it, as they can in a
// real directory. bugs switches on mistakes the suite must catch.
type directory struct {
	mu       sync.Mutex
	accounts map[string]engine.Attributes // by ref
	enabled  map[string]bool
	groups   map[string]map[string]bool // members by group id
	pageSize int
	bugs     map[string]bool
}

func newDirectory(bugs ...string) *directory {
	d := &directory{
		accounts: map[string]engine.Attributes{},
		enabled:  map[string]bool{},
		groups:   map[string]map[string]bool{"cn=staff": {}, "cn=vpn": {}},
		pageSize: 5,
		bugs:     map[string]bool{},
	}
	for _, b := range bugs {
		d.bugs[b] = true
	}
	return d
}

func dn(cn string, enabled bool) string {
	if enabled {
		return "cn=" + cn + ",ou=people"
	}
	return "cn=" + cn + ",ou=disabled"
}

// conn is a connector on the directory.
type conn struct {
	d      *directory
	dryRun bool
}

func (c *conn) check(ctx context.Context) error {
	if c.d.bugs["ignores-context"] {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return &engine.Error{Code: engine.Canceled, Msg: "cancelled", Err: err}
	}
	return nil
}

func (c *conn) Test(ctx context.Context) error { return c.check(ctx) }

func (c *conn) ListAccounts(ctx context.Context, attributes []string, emit func(*engine.Account) error) error {
	c.d.mu.Lock()
	refs := slices.Sorted(maps.Keys(c.d.accounts))
	c.d.mu.Unlock()
	if c.d.bugs["lists-one-twice"] && len(refs) > 0 {
		refs = append(refs, refs[0])
	}
	for page := range slices.Chunk(refs, c.d.pageSize) {
		if err := c.check(ctx); err != nil {
			return err
		}
		for _, ref := range page {
			c.d.mu.Lock()
			attrs, ok := c.d.accounts[ref]
			a := &engine.Account{Ref: ref, Enabled: c.d.enabled[ref], Attributes: engine.Attributes{}}
			for _, n := range attributes {
				if v := attrs[n]; v != "" {
					a.Attributes[n] = v
				}
			}
			c.d.mu.Unlock()
			if !ok {
				continue
			}
			if err := emit(a); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *conn) FindAccounts(ctx context.Context, attribute, value string, attributes []string) ([]*engine.Account, error) {
	var found []*engine.Account
	err := c.ListAccounts(ctx, append(slices.Clone(attributes), attribute), func(a *engine.Account) error {
		if a.Attributes[attribute] == value || !c.d.bugs["find-case-sensitive"] && strings.EqualFold(a.Attributes[attribute], value) {
			found = append(found, a)
		}
		return nil
	})
	return found, err
}

func (c *conn) ListPermissions(ctx context.Context) ([]engine.Permission, error) {
	if err := c.check(ctx); err != nil {
		return nil, err
	}
	var out []engine.Permission
	for _, id := range slices.Sorted(maps.Keys(c.d.groups)) {
		out = append(out, engine.Permission{ID: id})
	}
	return out, nil
}

// write reports whether a call should change the directory.
func (c *conn) write() bool { return !c.dryRun || c.d.bugs["dry-run-writes"] }

func (c *conn) taken(uid, except string) bool {
	for ref, a := range c.d.accounts {
		if ref != except && strings.EqualFold(a["uid"], uid) {
			return true
		}
	}
	return false
}

func (c *conn) Create(ctx context.Context, attrs engine.Attributes) (string, error) {
	if err := c.check(ctx); err != nil {
		return "", err
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	enabled := c.d.bugs["create-enabled"]
	ref := dn(attrs["cn"], enabled)
	if !c.d.bugs["no-conflict-check"] && c.taken(attrs["uid"], "") {
		return "", engine.Errorf(engine.Conflict, "the uid %q is taken", attrs["uid"])
	}
	if _, ok := c.d.accounts[ref]; ok {
		return "", engine.Errorf(engine.Conflict, "the cn %q is taken", attrs["cn"])
	}
	if c.write() {
		c.d.accounts[ref] = attrs.Clone()
		c.d.enabled[ref] = enabled
	}
	return ref, nil
}

func (c *conn) notFound(ref string) error {
	return engine.Errorf(engine.NotFound, "no account %s", ref)
}

// move renames or moves the account; the caller holds the lock.
func (c *conn) move(ref, to string) {
	if ref == to || !c.write() {
		return
	}
	c.d.accounts[to] = c.d.accounts[ref]
	c.d.enabled[to] = c.d.enabled[ref]
	delete(c.d.accounts, ref)
	delete(c.d.enabled, ref)
	for _, members := range c.d.groups {
		if members[ref] {
			delete(members, ref)
			members[to] = true
		}
	}
}

func (c *conn) Update(ctx context.Context, ref string, attrs engine.Attributes) (string, error) {
	if err := c.check(ctx); err != nil {
		return "", err
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	a, ok := c.d.accounts[ref]
	if !ok {
		return "", c.notFound(ref)
	}
	if c.write() {
		for n, v := range attrs {
			if v == "" && c.d.bugs["update-no-clear"] {
				continue
			}
			a[n] = v
		}
	}
	cn := a["cn"]
	if v, ok := attrs["cn"]; ok {
		cn = v
	}
	to := dn(cn, c.d.enabled[ref])
	c.move(ref, to)
	if c.d.bugs["rename-keeps-old-ref"] {
		return ref, nil
	}
	return to, nil
}

func (c *conn) setEnabled(ctx context.Context, ref string, enabled bool) (string, error) {
	if err := c.check(ctx); err != nil {
		return "", err
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	a, ok := c.d.accounts[ref]
	if !ok {
		if enabled || c.d.bugs["disable-missing-fails"] {
			return "", c.notFound(ref)
		}
		return ref, nil
	}
	to := dn(a["cn"], enabled)
	c.move(ref, to)
	if c.write() {
		c.d.enabled[to] = enabled
	}
	return to, nil
}

func (c *conn) Enable(ctx context.Context, ref string) (string, error) {
	return c.setEnabled(ctx, ref, true)
}

func (c *conn) Disable(ctx context.Context, ref string) (string, error) {
	return c.setEnabled(ctx, ref, false)
}

func (c *conn) Delete(ctx context.Context, ref string) error {
	if err := c.check(ctx); err != nil {
		return err
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	if c.write() {
		delete(c.d.accounts, ref)
		delete(c.d.enabled, ref)
		for _, members := range c.d.groups {
			delete(members, ref)
		}
	}
	return nil
}

func (c *conn) Grant(ctx context.Context, ref, permission string) error {
	if err := c.check(ctx); err != nil {
		return err
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	if _, ok := c.d.accounts[ref]; !ok {
		return c.notFound(ref)
	}
	members, ok := c.d.groups[permission]
	if !ok {
		if c.d.bugs["grant-unknown-ok"] {
			return nil
		}
		return engine.Errorf(engine.NotFound, "no group %s", permission)
	}
	if c.write() {
		members[ref] = true
	}
	return nil
}

func (c *conn) Revoke(ctx context.Context, ref, permission string) error {
	if err := c.check(ctx); err != nil {
		return err
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	members := c.d.groups[permission]
	if c.d.bugs["revoke-missing-fails"] && !members[ref] {
		return engine.Errorf(engine.NotFound, "%s is not a member of %s", ref, permission)
	}
	if c.write() && members != nil {
		delete(members, ref)
	}
	return nil
}

func (c *conn) Close() error { return nil }

var _ engine.TargetConnector = (*conn)(nil)

func fixture(d *directory) connectortest.Fixture {
	return connectortest.Fixture{
		New: func(t *testing.T, opts engine.TargetOptions) engine.TargetConnector {
			return &conn{d: d, dryRun: opts.DryRun}
		},
		Account: func(i int) engine.Attributes {
			return engine.Attributes{"uid": fmt.Sprintf("u%d", i), "cn": fmt.Sprintf("User %d", i), "sn": "User"}
		},
		Change:            engine.Attributes{"description": "changed"},
		Rename:            func(i int) engine.Attributes { return engine.Attributes{"cn": fmt.Sprintf("User %d renamed", i)} },
		Permissions:       []string{"cn=staff", "cn=vpn"},
		UnknownPermission: "cn=nobody",
		Identity:          "uid",
		PageSize:          d.pageSize,
		Granted: func(t *testing.T, ref string) []string {
			d.mu.Lock()
			defer d.mu.Unlock()
			var out []string
			for id, members := range d.groups {
				if members[ref] {
					out = append(out, id)
				}
			}
			return out
		},
	}
}

// bugEnv names the bug a helper process runs the suite with.
const bugEnv = "CONNECTORTEST_BUG"

// TestSuiteOnAnInMemoryDirectory runs the suite on a correct connector,
// or, in a helper process of TestSuiteCatchesBugs, on a buggy one.
func TestSuiteOnAnInMemoryDirectory(t *testing.T) {
	var bugs []string
	if b := os.Getenv(bugEnv); b != "" {
		bugs = append(bugs, b)
	}
	d := newDirectory(bugs...)
	connectortest.Run(t, fixture(d))
	if len(bugs) == 0 {
		assert.Empty(t, d.accounts, "the suite deletes the accounts it creates")
	}
}

// TestSuiteCatchesBugs runs the suite on connectors that each break the
// contract one way, each in its own process (a failing suite fails its
// test), and checks that the subtest about that part of the contract
// fails.
func TestSuiteCatchesBugs(t *testing.T) {
	if os.Getenv(bugEnv) != "" {
		t.Skip("a helper process")
	}
	for _, c := range []struct{ bug, fails string }{
		{"ignores-context", "CancelledCallsEndQuicklyAndChangeNothing"},
		{"lists-one-twice", "CreateMakesADisabledAccountWithItsAttributes"},
		{"find-case-sensitive", "FindAccountsFindsByIdentityIgnoringCase"},
		{"dry-run-writes", "DryRunWritesNothing"},
		{"create-enabled", "CreateMakesADisabledAccountWithItsAttributes"},
		{"no-conflict-check", "CreateOfATakenIdentityIsAConflictNamingTheAttribute"},
		{"update-no-clear", "UpdateSetsAndClearsAttributes"},
		{"rename-keeps-old-ref", "RenameGivesANewRefAndTheOldOneIsNotFound"},
		{"disable-missing-fails", "CallsOnAMissingAccount"},
		{"grant-unknown-ok", "GrantOfAnUnknownPermissionIsNotFound"},
		{"revoke-missing-fails", "GrantAndRevokeAreIdempotent"},
	} {
		t.Run(c.bug, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSuiteOnAnInMemoryDirectory$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), bugEnv+"="+c.bug)
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "the suite passed a connector with the bug %q:\n%s", c.bug, out)
			assert.Contains(t, string(out), "--- FAIL: TestSuiteOnAnInMemoryDirectory/"+c.fails+" ", "the bug %q:\n%s", c.bug, out)
		})
	}
}
