// Package connectortest is the behavioural test suite that every target
// connector (engine.TargetConnector) passes against its real system, the
// way restic's backend/test suite serves its backends. It checks the
// contract written on engine.TargetConnector: what each call does, as
// ListAccounts and FindAccounts report it afterwards; idempotency; error
// codes; context cancellation; dry runs; and use from several goroutines.
//
// A connector's test file describes the system under test in a Fixture and
// calls Run:
//
//	func TestConnectorSuite(t *testing.T) {
//		connectortest.Run(t, connectortest.Fixture{
//			New: func(t *testing.T, opts engine.TargetOptions) engine.TargetConnector {
//				c, err := ldap.New(settings, env, opts)
//				require.NoError(t, err)
//				return c
//			},
//			Account: func(i int) engine.Attributes {
//				uid := fmt.Sprintf("ct-%s-%d", run, i)
//				return engine.Attributes{"uid": uid, "cn": uid, "sn": "Test"}
//			},
//			Change:      engine.Attributes{"description": "changed by the suite"},
//			Rename:      func(i int) engine.Attributes { return engine.Attributes{"cn": fmt.Sprintf("ct-%s-%d-renamed", run, i)} },
//			Permissions: []string{"cn=staff,ou=groups,dc=example,dc=org", "cn=vpn,ou=groups,dc=example,dc=org"},
//			UnknownPermission: "cn=no-such-group,ou=groups,dc=example,dc=org",
//			Identity:    "uid",
//			PageSize:    5,
//			Granted:     func(t *testing.T, ref string) []string { ... read the groups from the server ... },
//		})
//	}
//
// Every subtest makes its own connectors (and closes them when it ends),
// creates its own accounts with indexes no other subtest uses, and deletes
// them when it ends. Subtests run one after the other, never in parallel:
// some compare the number of accounts listed before and after a call, so
// nothing else should write under the connector's base container while the
// suite runs.
package connectortest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// Fixture describes the system under test.
type Fixture struct {
	// New makes a connector on the system under test with opts (a dry run
	// when opts.DryRun is set). Its ListAccounts must page by PageSize.
	// The suite closes every connector New returns. New fails t when it
	// cannot make one.
	New func(t *testing.T, opts engine.TargetOptions) engine.TargetConnector
	// Account returns the attributes of a new account for index i,
	// identity attributes included, e.g. uid, cn and sn for LDAP. Two
	// indexes must give accounts with different identities, and an index
	// must give an account that does not exist yet: when the system
	// outlives a test run (a shared server), put something unique to the
	// run in the names. Every attribute must read back through
	// ListAccounts exactly as given (a multi-valued attribute in any
	// order), so leave out write-only attributes such as passwords.
	// Account is called from one goroutine at a time.
	Account func(i int) engine.Attributes
	// Change is an update to apply to an existing account: attributes
	// that are neither identity nor naming attributes and that an account
	// may go without, since the suite also clears them with "".
	Change engine.Attributes
	// Rename, when not nil, returns an update to account i that changes a
	// naming attribute, so that Update returns a new ref. Nil when the
	// target has no renames.
	Rename func(i int) engine.Attributes
	// Permissions are the ids of at least two existing permissions
	// (groups) that the suite grants and revokes.
	Permissions []string
	// UnknownPermission is the id of a permission that does not exist,
	// written as the target writes ids (a DN for LDAP). Empty means
	// "provisio-connectortest-no-such-permission".
	UnknownPermission string
	// Identity is the attribute that must be unique in the target,
	// compared without regard to case as directories compare account
	// names: Create of an account whose Identity value is taken must fail
	// with a Conflict error that names it, and FindAccounts by it must
	// find the account whatever the case of the value.
	Identity string
	// PageSize is the page size of the connectors New makes. The suite
	// creates PageSize*2+1 accounts to check that ListAccounts pages
	// through all of them, so keep it small (5).
	PageSize int
	// Granted, when not nil, returns the ids of the permissions the
	// account with ref holds, read from the system under test (not through
	// the connector), so that the suite can check what Grant and Revoke
	// did. Without it the suite checks only what the calls return.
	Granted func(t *testing.T, ref string) []string
}

// Run runs the suite as subtests of t.
func Run(t *testing.T, f Fixture) {
	t.Helper()
	s := newSuite(t, f)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.needsRename && f.Rename == nil {
				t.Skip("the target has no renames (Fixture.Rename is nil)")
			}
			c.run(s.start(t))
		})
	}
}

// cases lists the suite's tests.
var cases = []struct {
	name        string
	run         func(e *env)
	needsRename bool
}{
	{name: "TestSucceeds", run: testTest},
	{name: "CreateMakesADisabledAccountWithItsAttributes", run: testCreate},
	{name: "FindAccountsFindsByIdentityIgnoringCase", run: testFindAccounts},
	{name: "EnableAndDisableChangeWhatListAccountsReports", run: testEnableDisable},
	{name: "UpdateSetsAndClearsAttributes", run: testUpdate},
	{name: "RenameGivesANewRefAndTheOldOneIsNotFound", run: testRename, needsRename: true},
	{name: "GrantAndRevokeAreIdempotent", run: testGrantRevoke},
	{name: "BatchGrantsAndRevokesAnswerPerAccount", run: testBatch},
	{name: "CreateEnabledMakesAnEnabledAccount", run: testCreateEnabled},
	{name: "CallsOnAMissingAccount", run: testMissingAccount},
	{name: "GrantOfAnUnknownPermissionIsNotFound", run: testUnknownPermission},
	{name: "CreateOfATakenIdentityIsAConflictNamingTheAttribute", run: testConflict},
	{name: "ListPermissionsIncludesTheFixturePermissions", run: testListPermissions},
	{name: "ListAccountsPagesThroughEveryAccount", run: testPaging},
	{name: "CallsFromSeveralGoroutines", run: testConcurrent},
	{name: "CancelledCallsEndQuicklyAndChangeNothing", run: testCancelled},
	{name: "DryRunWritesNothing", run: testDryRunWritesNothing},
	{name: "DryRunReportsWhatARealCallWould", run: testDryRunReports},
}

// The suite's time limits.
const (
	// subtestTimeout bounds the calls of one subtest.
	subtestTimeout = 2 * time.Minute
	// cleanupTimeout bounds deleting one account when a subtest ends.
	cleanupTimeout = 30 * time.Second
	// quickly is how soon a call with a cancelled context must return.
	quickly = 5 * time.Second
)

// suite holds the fixture and what every subtest shares.
type suite struct {
	f Fixture
	// attrs are the attributes the suite asks ListAccounts for.
	attrs []string
	next  atomic.Int64
}

func newSuite(t *testing.T, f Fixture) *suite {
	t.Helper()
	if f.New == nil || f.Account == nil {
		t.Fatal("connectortest: Fixture.New and Fixture.Account are required")
	}
	if f.Identity == "" {
		t.Fatal("connectortest: Fixture.Identity must name the attribute that is unique in the target")
	}
	a, b := f.Account(1), f.Account(2)
	if a[f.Identity] == "" {
		t.Fatalf("connectortest: Fixture.Account(1) has no value for the identity attribute %q: %v", f.Identity, a)
	}
	if strings.EqualFold(a[f.Identity], b[f.Identity]) {
		t.Fatalf("connectortest: Fixture.Account gives accounts 1 and 2 the same identity %q=%q", f.Identity, a[f.Identity])
	}
	if len(f.Change) == 0 {
		t.Fatal("connectortest: Fixture.Change must hold at least one attribute")
	}
	if _, ok := f.Change[f.Identity]; ok {
		t.Fatalf("connectortest: Fixture.Change must not change the identity attribute %q", f.Identity)
	}
	if len(f.Permissions) < 2 || f.Permissions[0] == f.Permissions[1] {
		t.Fatalf("connectortest: Fixture.Permissions must name two different permissions, got %q", f.Permissions)
	}
	if f.PageSize < 1 {
		t.Fatalf("connectortest: Fixture.PageSize must be at least 1, got %d", f.PageSize)
	}
	if f.UnknownPermission == "" {
		f.UnknownPermission = "provisio-connectortest-no-such-permission"
	}
	names := map[string]bool{f.Identity: true}
	for _, attrs := range []engine.Attributes{a, f.Change} {
		for n := range attrs {
			names[n] = true
		}
	}
	if f.Rename != nil {
		for n := range f.Rename(1) {
			names[n] = true
		}
	}
	return &suite{f: f, attrs: slices.Sorted(maps.Keys(names))}
}

// index returns an account index no other call has returned.
func (s *suite) index() int { return int(s.next.Add(1)) }

// connect makes a connector and closes it when the test ends.
func (s *suite) connect(t *testing.T, dryRun bool) engine.TargetConnector {
	t.Helper()
	c := s.f.New(t, engine.TargetOptions{DryRun: dryRun})
	require.NotNil(t, c, "Fixture.New returned no connector")
	t.Cleanup(func() { assert.NoError(t, c.Close(), "Close") })
	return c
}

// env is one subtest: its context and its connector.
type env struct {
	t   *testing.T
	s   *suite
	f   *Fixture
	ctx context.Context
	c   engine.TargetConnector
}

func (s *suite) start(t *testing.T) *env {
	ctx, cancel := context.WithTimeout(t.Context(), subtestTimeout)
	t.Cleanup(cancel)
	return &env{t: t, s: s, f: &s.f, ctx: ctx, c: s.connect(t, false)}
}

// account is an account a subtest created, under its latest ref.
type account struct {
	i     int
	ref   string
	attrs engine.Attributes
}

func (a *account) String() string { return fmt.Sprintf("account %d (%s)", a.i, a.ref) }

// create creates a new account and deletes it when the test ends.
func (e *env) create() *account {
	e.t.Helper()
	i := e.s.index()
	attrs := e.f.Account(i)
	ref, err := e.c.Create(e.ctx, attrs.Clone())
	require.NoError(e.t, err, "Create(%v)", attrs)
	require.NotEmpty(e.t, ref, "Create(%v) returned an empty ref", attrs)
	a := &account{i: i, ref: ref, attrs: attrs}
	e.deleteLater(a)
	return a
}

// deleteLater deletes the account under its ref of the time when the test
// ends.
func (e *env) deleteLater(a *account) {
	c, t := e.c, e.t
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := c.Delete(ctx, a.ref); err != nil {
			t.Errorf("cleaning up: Delete(%q): %v", a.ref, err)
		}
	})
}

// missing returns the ref of an account that existed and was deleted.
func (e *env) missing() string {
	e.t.Helper()
	a := e.create()
	require.NoError(e.t, e.c.Delete(e.ctx, a.ref), "Delete(%q)", a.ref)
	return a.ref
}

// list returns every account c lists, by ref, failing on an account
// listed twice or with no ref.
func (e *env) list(c engine.TargetConnector) map[string]*engine.Account {
	e.t.Helper()
	got := map[string]*engine.Account{}
	var mu sync.Mutex // emit may be called from another goroutine
	err := c.ListAccounts(e.ctx, e.s.attrs, func(a *engine.Account) error {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case a == nil:
			return errors.New("connectortest: ListAccounts emitted a nil account")
		case a.Ref == "":
			return fmt.Errorf("connectortest: ListAccounts emitted an account with no ref: %v", a.Attributes)
		}
		if _, dup := got[a.Ref]; dup {
			return fmt.Errorf("connectortest: ListAccounts emitted %q twice", a.Ref)
		}
		got[a.Ref] = a
		return nil
	})
	require.NoError(e.t, err, "ListAccounts")
	return got
}

// listed returns the account as ListAccounts reports it, failing when it is
// not listed.
func (e *env) listed(a *account) *engine.Account {
	e.t.Helper()
	got, ok := e.list(e.c)[a.ref]
	require.True(e.t, ok, "%v is not listed by ListAccounts", a)
	return got
}

// withIdentity returns the listed accounts whose identity is value.
func (e *env) withIdentity(listing map[string]*engine.Account, value string) []string {
	var refs []string
	for ref, a := range listing {
		if strings.EqualFold(a.Attributes[e.f.Identity], value) {
			refs = append(refs, ref)
		}
	}
	return refs
}

// checkAttrs checks that got holds every attribute of want ("" meaning
// absent).
func (e *env) checkAttrs(got *engine.Account, want engine.Attributes, msg string) {
	e.t.Helper()
	for _, n := range want.Names() {
		assert.True(e.t, sameValue(got.Attributes[n], want[n]), "%s: attribute %q is %q, want %q", msg, n, got.Attributes[n], want[n])
	}
}

// sameValue compares attribute values, a multi-valued one (values joined
// by newlines) in any order.
func sameValue(a, b string) bool {
	if a == b {
		return true
	}
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// checkGranted checks, through Fixture.Granted, that the account holds
// exactly the wanted ones among the fixture's permissions (it may hold
// others, such as a default group).
func (e *env) checkGranted(ref string, want ...string) {
	e.t.Helper()
	if e.f.Granted == nil {
		return
	}
	got := e.f.Granted(e.t, ref)
	for _, p := range e.f.Permissions {
		assert.Equal(e.t, slices.Contains(want, p), slices.Contains(got, p), "account %s holds %q: it holds %q, want %q among %q", ref, p, got, want, e.f.Permissions)
	}
}

// checkCode checks that err carries the code.
func checkCode(t *testing.T, err error, code engine.Code, call string) bool {
	t.Helper()
	if !assert.Error(t, err, "%s should fail with %s", call, code) {
		return false
	}
	return assert.Equal(t, code, engine.ErrorCode(err), "%s: the error %q should have the code %s", call, err, code)
}

// enable enables the account and keeps its new ref.
func (e *env) enable(a *account) {
	e.t.Helper()
	ref, err := e.c.Enable(e.ctx, a.ref)
	require.NoError(e.t, err, "Enable(%q)", a.ref)
	require.NotEmpty(e.t, ref, "Enable(%q) returned an empty ref", a.ref)
	a.ref = ref
}

// disable disables the account and keeps its new ref.
func (e *env) disable(a *account) {
	e.t.Helper()
	ref, err := e.c.Disable(e.ctx, a.ref)
	require.NoError(e.t, err, "Disable(%q)", a.ref)
	require.NotEmpty(e.t, ref, "Disable(%q) returned an empty ref", a.ref)
	a.ref = ref
}

// update updates the account and keeps its new ref.
func (e *env) update(a *account, attrs engine.Attributes) {
	e.t.Helper()
	ref, err := e.c.Update(e.ctx, a.ref, attrs.Clone())
	require.NoError(e.t, err, "Update(%q, %v)", a.ref, attrs)
	require.NotEmpty(e.t, ref, "Update(%q, %v) returned an empty ref", a.ref, attrs)
	a.ref = ref
}

// merged returns a with b's values set on it.
func merged(a, b engine.Attributes) engine.Attributes {
	m := a.Clone()
	maps.Copy(m, b)
	return m
}

// cleared returns attrs with every value "".
func cleared(attrs engine.Attributes) engine.Attributes {
	m := engine.Attributes{}
	for n := range attrs {
		m[n] = ""
	}
	return m
}
