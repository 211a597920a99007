//go:build integration

package ldap

// These tests run against a real OpenLDAP slapd that scripts/with-slapd.sh
// starts on loopback:
//
//	scripts/with-slapd.sh go test -tags integration -count=1 ./connectors/ldap/...
//
// Each test makes containers of its own below the base DN, so tests never
// see each other's accounts.

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/connectors/connectortest"
	"provisio/engine"
)

// server is the slapd the tests run against.
type server struct {
	url, bindDN, password, base string
}

func testServer(t testing.TB) server {
	t.Helper()
	s := server{
		url:      os.Getenv("PROVISIO_TEST_LDAP_URL"),
		bindDN:   os.Getenv("PROVISIO_TEST_LDAP_BIND_DN"),
		password: os.Getenv("PROVISIO_TEST_LDAP_PASSWORD"),
		base:     os.Getenv("PROVISIO_TEST_LDAP_BASE"),
	}
	if s.url == "" || s.bindDN == "" || s.password == "" || s.base == "" {
		t.Fatal("PROVISIO_TEST_LDAP_URL, _BIND_DN, _PASSWORD and _BASE are not set: run these tests through scripts/with-slapd.sh, e.g. scripts/with-slapd.sh go test -tags integration -count=1 ./connectors/ldap/...")
	}
	return s
}

// admin returns a connection bound as the root DN, closed when the test
// ends: it reads and writes the directory behind the connector's back.
func (s server) admin(t testing.TB) *goldap.Conn {
	t.Helper()
	conn, err := goldap.DialURL(s.url)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.Bind(s.bindDN, s.password))
	return conn
}

var containers atomic.Int64

// tree is a test's own part of the directory: containers for accounts,
// disabled accounts and groups, and two groups of a type.
type tree struct {
	s                      server
	root                   string
	people, disabled, grps string
	groupType              string
	groups                 []string
}

// newTree makes the containers and the groups below a new organizational
// unit of the base DN, and removes them when the test ends.
func newTree(t testing.TB, s server, groupType string) *tree {
	t.Helper()
	conn := s.admin(t)
	name := fmt.Sprintf("t%d-%d", time.Now().UnixNano()%1e9, containers.Add(1))
	tr := &tree{s: s, root: "ou=" + name + "," + s.base, groupType: groupType}
	tr.people, tr.disabled, tr.grps = "ou=people,"+tr.root, "ou=disabled,"+tr.root, "ou=groups,"+tr.root
	for _, dn := range []string{tr.root, tr.people, tr.disabled, tr.grps} {
		req := goldap.NewAddRequest(dn, nil)
		req.Attribute("objectClass", []string{"organizationalUnit"})
		ou, _ := rdnValue(dn, "ou")
		req.Attribute("ou", []string{ou})
		require.NoError(t, conn.Add(req), "add %s", dn)
	}
	for i, cn := range []string{"staff", "vpn"} {
		dn := "cn=" + cn + "," + tr.grps
		req := goldap.NewAddRequest(dn, nil)
		req.Attribute("objectClass", []string{groupType})
		req.Attribute("cn", []string{cn})
		req.Attribute("description", []string{"The " + cn + " group"})
		switch groupType {
		case groupOfNames:
			req.Attribute("member", []string{emptyMember})
		case groupOfUniqueNames:
			req.Attribute("uniqueMember", []string{emptyMember})
		case posixGroup:
			req.Attribute("gidNumber", []string{fmt.Sprint(5000 + i)})
		}
		require.NoError(t, conn.Add(req), "add %s", dn)
		tr.groups = append(tr.groups, dn)
	}
	t.Cleanup(func() { tr.remove(t) })
	return tr
}

// remove deletes the tree, deepest entries first.
func (tr *tree) remove(t testing.TB) {
	conn, err := goldap.DialURL(tr.s.url)
	if err != nil {
		t.Errorf("removing %s: %v", tr.root, err)
		return
	}
	defer conn.Close()
	if err := conn.Bind(tr.s.bindDN, tr.s.password); err != nil {
		t.Errorf("removing %s: %v", tr.root, err)
		return
	}
	res, err := conn.SearchWithPaging(goldap.NewSearchRequest(tr.root, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
		0, 0, false, "(objectClass=*)", []string{noAttributes}, nil), 500)
	if err != nil {
		t.Errorf("removing %s: %v", tr.root, err)
		return
	}
	dns := make([]string, 0, len(res.Entries))
	for _, e := range res.Entries {
		dns = append(dns, e.DN)
	}
	slices.SortFunc(dns, func(a, b string) int { return strings.Count(b, ",") - strings.Count(a, ",") })
	for _, dn := range dns {
		if err := conn.Del(goldap.NewDelRequest(dn, nil)); err != nil {
			t.Errorf("removing %s: %v", dn, err)
		}
	}
}

// settings returns the connector settings for the tree, changed by extra
// ("" removes a setting).
func (tr *tree) settings(extra map[string]string) map[string]string {
	s := map[string]string{
		settingURL:         tr.s.url,
		settingBindDN:      tr.s.bindDN,
		settingPassword:    passwordRef,
		settingBaseDN:      tr.people,
		settingGroupBaseDN: tr.grps,
		settingGroupType:   tr.groupType,
	}
	for k, v := range extra {
		if v == "" {
			delete(s, k)
		} else {
			s[k] = v
		}
	}
	return s
}

func (tr *tree) secrets() memSecrets { return memSecrets{passwordRef: tr.s.password} }

// connect makes a connector on the tree and closes it when the test ends.
func (tr *tree) connect(t testing.TB, extra map[string]string, opts engine.TargetOptions) *Connector {
	t.Helper()
	c, err := New(tr.settings(extra), engine.ConnectorEnv{Secrets: tr.secrets()}, opts)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// granted returns the groups of the tree that hold the account, read as
// the root DN.
func (tr *tree) granted(t testing.TB, ref string) []string {
	t.Helper()
	conn := tr.s.admin(t)
	attr, value := "member", ref
	switch tr.groupType {
	case groupOfUniqueNames:
		attr = "uniqueMember"
	case posixGroup:
		attr = "memberUid"
		uid, ok := rdnValue(ref, "uid")
		require.True(t, ok, "%s is not named by uid", ref)
		value = uid
	}
	res, err := conn.Search(goldap.NewSearchRequest(tr.grps, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
		0, 0, false, eqFilter(attr, value), []string{noAttributes}, nil))
	require.NoError(t, err)
	var dns []string
	for _, e := range res.Entries {
		dns = append(dns, e.DN)
	}
	return dns
}

// members returns the values of the group's membership attribute.
func (tr *tree) members(t testing.TB, group string) []string {
	t.Helper()
	e, err := lookup(tr.s.admin(t), group, "member", "uniqueMember", "memberUid")
	require.NoError(t, err)
	require.NotNil(t, e, "group %s", group)
	var vs []string
	for _, a := range []string{"member", "uniqueMember", "memberUid"} {
		vs = append(vs, e.GetEqualFoldAttributeValues(a)...)
	}
	return vs
}

// The configurations the suite runs with: every group type, and every way
// of recording that an account is disabled.
var suiteConfigs = []struct {
	name      string
	groupType string
	extra     func(tr *tree) map[string]string
}{
	{"groupOfNames/disabledContainer", groupOfNames, func(tr *tree) map[string]string {
		return map[string]string{settingDisabledBaseDN: tr.disabled}
	}},
	{"groupOfUniqueNames/disabledContainer", groupOfUniqueNames, func(tr *tree) map[string]string {
		return map[string]string{settingDisabledBaseDN: tr.disabled}
	}},
	{"posixGroup/disabledContainer", posixGroup, func(tr *tree) map[string]string {
		return map[string]string{settingDisabledBaseDN: tr.disabled}
	}},
	{"groupOfNames/enabledAttribute", groupOfNames, func(tr *tree) map[string]string {
		return map[string]string{settingEnabledAttribute: "employeeType", settingEnabledValue: "active", settingDisabledValue: "disabled"}
	}},
	{"posixGroup/enabledAttributeRemovedOnDisable", posixGroup, func(tr *tree) map[string]string {
		return map[string]string{settingEnabledAttribute: "employeeType", settingEnabledValue: "active"}
	}},
	{"groupOfUniqueNames/both", groupOfUniqueNames, func(tr *tree) map[string]string {
		return map[string]string{settingDisabledBaseDN: tr.disabled, settingEnabledAttribute: "employeeType", settingEnabledValue: "active", settingDisabledValue: "disabled"}
	}},
}

func TestConnectorSuite(t *testing.T) {
	s := testServer(t)
	for _, cfg := range suiteConfigs {
		t.Run(cfg.name, func(t *testing.T) {
			tr := newTree(t, s, cfg.groupType)
			extra := cfg.extra(tr)
			extra[settingPageSize] = "5"
			run := fmt.Sprintf("ct%d", time.Now().UnixNano()%1e6)
			connectortest.Run(t, connectortest.Fixture{
				New: func(t *testing.T, opts engine.TargetOptions) engine.TargetConnector {
					c, err := New(tr.settings(extra), engine.ConnectorEnv{Secrets: tr.secrets()}, opts)
					require.NoError(t, err)
					return c
				},
				Account: func(i int) engine.Attributes {
					uid := fmt.Sprintf("%s-%d", run, i)
					return engine.Attributes{
						"uid":       uid,
						"cn":        fmt.Sprintf("Test User %d", i),
						"sn":        "User",
						"givenName": "Test",
						"mail":      uid + "@provisio.test\n" + uid + ".alias@provisio.test",
					}
				},
				Change: engine.Attributes{"description": "changed by the suite", "telephoneNumber": "+31 20 555 0100"},
				Rename: func(i int) engine.Attributes {
					return engine.Attributes{"uid": fmt.Sprintf("%s-%d-renamed", run, i)}
				},
				Permissions:       tr.groups,
				UnknownPermission: "cn=no-such-group," + tr.grps,
				Identity:          "uid",
				PageSize:          5,
				Granted:           func(t *testing.T, ref string) []string { return tr.granted(t, ref) },
			})
		})
	}
}

func TestTestSaysTheBindDNOrPasswordIsWrong(t *testing.T) {
	s := testServer(t)
	tr := newTree(t, s, groupOfNames)
	c, err := New(tr.settings(map[string]string{settingDisabledBaseDN: tr.disabled}),
		engine.ConnectorEnv{Secrets: memSecrets{passwordRef: "not-the-password"}}, engine.TargetOptions{})
	require.NoError(t, err)
	defer c.Close()

	err = c.Test(t.Context())
	require.Error(t, err)
	assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
	assert.Contains(t, err.Error(), "the bind DN or password is wrong")
	assert.NotContains(t, err.Error(), "not-the-password", "the error shows the password")
	assert.False(t, engine.IsTransient(err))

	// every other call says the same, and is not retried
	_, err = c.Create(t.Context(), engine.Attributes{"uid": "x", "cn": "x", "sn": "x"})
	assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
	assert.Contains(t, err.Error(), "the bind DN or password is wrong")
}

func TestTestNamesAMissingContainer(t *testing.T) {
	s := testServer(t)
	tr := newTree(t, s, groupOfNames)
	missing := "ou=nowhere," + tr.root
	for _, c := range []struct{ key, label string }{
		{settingBaseDN, "account base DN"},
		{settingGroupBaseDN, "group base DN"},
		{settingDisabledBaseDN, "container for disabled accounts"},
	} {
		extra := map[string]string{settingDisabledBaseDN: tr.disabled}
		extra[c.key] = missing
		conn := tr.connect(t, extra, engine.TargetOptions{})
		err := conn.Test(t.Context())
		require.Error(t, err, c.key)
		assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
		assert.Contains(t, err.Error(), c.label)
		assert.Contains(t, err.Error(), missing)
	}

	// listing below a missing base says so too
	c := tr.connect(t, map[string]string{settingBaseDN: missing, settingDisabledBaseDN: tr.disabled}, engine.TargetOptions{})
	err := c.ListAccounts(t.Context(), nil, func(*engine.Account) error { return nil })
	assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
	assert.Contains(t, err.Error(), missing)
	// and so does creating an account in it
	c = tr.connect(t, map[string]string{settingBaseDN: missing, settingEnabledAttribute: "employeeType", settingEnabledValue: "active"}, engine.TargetOptions{})
	_, err = c.Create(t.Context(), engine.Attributes{"uid": "x", "cn": "x", "sn": "x"})
	if assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err) {
		assert.Contains(t, err.Error(), "the container "+missing+" does not exist")
	}
}

func TestAnUnreachablePortIsUnavailable(t *testing.T) {
	s := testServer(t)
	tr := newTree(t, s, groupOfNames)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()

	c := tr.connect(t, map[string]string{settingURL: "ldap://" + addr, settingDisabledBaseDN: tr.disabled, settingTimeout: "2"}, engine.TargetOptions{})
	err = c.Test(t.Context())
	require.Error(t, err)
	assert.Equal(t, engine.Unavailable, engine.ErrorCode(err), "%v", err)
	assert.True(t, engine.IsTransient(err))
	assert.Contains(t, err.Error(), "cannot reach the directory at "+addr)

	_, err = c.Create(t.Context(), engine.Attributes{"uid": "x", "cn": "x", "sn": "x"})
	assert.True(t, engine.IsTransient(err), "%v", err)
	assert.True(t, engine.IsTransient(c.Grant(t.Context(), "uid=x,"+tr.people, tr.groups[0])))
}

func TestRenameReturnsTheNewDNAndMovesMemberships(t *testing.T) {
	s := testServer(t)
	for _, groupType := range []string{groupOfNames, posixGroup} {
		t.Run(groupType, func(t *testing.T) {
			tr := newTree(t, s, groupType)
			c := tr.connect(t, map[string]string{settingEnabledAttribute: "employeeType", settingEnabledValue: "active"}, engine.TargetOptions{})
			ctx := t.Context()
			ref, err := c.Create(ctx, engine.Attributes{"uid": "jdoe", "cn": "John Doe", "sn": "Doe"})
			require.NoError(t, err)
			assert.Equal(t, "uid=jdoe,"+tr.people, ref)
			require.NoError(t, c.Grant(ctx, ref, tr.groups[0]))

			renamed, err := c.Update(ctx, ref, engine.Attributes{"uid": "john.doe", "description": "renamed"})
			require.NoError(t, err)
			assert.Equal(t, "uid=john.doe,"+tr.people, renamed)
			assert.Equal(t, []string{tr.groups[0]}, tr.granted(t, renamed), "the membership follows the rename")
			assert.Empty(t, tr.granted(t, ref), "the old name is still a member")

			found, err := c.FindAccounts(ctx, "uid", "JOHN.DOE", []string{"uid", "description"})
			require.NoError(t, err)
			require.Len(t, found, 1)
			assert.Equal(t, engine.Attributes{"uid": "john.doe", "description": "renamed"}, found[0].Attributes, "the old uid value is gone")

			// a retry of the rename with the old ref, whose answer was
			// lost, finds the renamed account
			again, err := c.Update(ctx, ref, engine.Attributes{"uid": "john.doe", "description": "renamed"})
			require.NoError(t, err)
			assert.Equal(t, renamed, again)

			// a change of case only keeps the name
			same, err := c.Update(ctx, renamed, engine.Attributes{"uid": "John.Doe"})
			require.NoError(t, err)
			assert.Equal(t, renamed, same)

			// a taken name is a conflict
			other, err := c.Create(ctx, engine.Attributes{"uid": "other", "cn": "Other", "sn": "Other"})
			require.NoError(t, err)
			_, err = c.Update(ctx, other, engine.Attributes{"uid": "john.doe"})
			assert.Equal(t, engine.Conflict, engine.ErrorCode(err), "%v", err)
			assert.Contains(t, err.Error(), "uid")

			require.NoError(t, c.Delete(ctx, renamed))
			require.NoError(t, c.Delete(ctx, other))
		})
	}
}

func TestDisableMovesTheAccountAndItsMemberships(t *testing.T) {
	s := testServer(t)
	tr := newTree(t, s, groupOfNames)
	c := tr.connect(t, map[string]string{settingDisabledBaseDN: tr.disabled}, engine.TargetOptions{})
	ctx := t.Context()

	ref, err := c.Create(ctx, engine.Attributes{"uid": "mover", "cn": "Mover", "sn": "Mover"})
	require.NoError(t, err)
	assert.Equal(t, "uid=mover,"+tr.disabled, ref, "a new account is created in the container for disabled accounts")
	enabled, err := c.Enable(ctx, ref)
	require.NoError(t, err)
	assert.Equal(t, "uid=mover,"+tr.people, enabled)
	require.NoError(t, c.Grant(ctx, enabled, tr.groups[0]))
	require.NoError(t, c.Grant(ctx, enabled, tr.groups[1]))

	disabled, err := c.Disable(ctx, enabled)
	require.NoError(t, err)
	assert.Equal(t, ref, disabled)
	assert.ElementsMatch(t, tr.groups, tr.granted(t, disabled))
	assert.Empty(t, tr.granted(t, enabled))

	// a retry of Disable with the old ref (its answer lost) succeeds
	// with the new one
	again, err := c.Disable(ctx, enabled)
	require.NoError(t, err)
	assert.Equal(t, disabled, again)

	// Delete takes the account out of its groups, leaving each group its
	// placeholder member
	require.NoError(t, c.Delete(ctx, disabled))
	for _, g := range tr.groups {
		assert.Equal(t, []string{emptyMember}, tr.members(t, g), "members of %s", g)
	}
}

func TestRevokingTheLastMemberLeavesThePlaceholder(t *testing.T) {
	s := testServer(t)
	for _, groupType := range []string{groupOfNames, groupOfUniqueNames} {
		t.Run(groupType, func(t *testing.T) {
			tr := newTree(t, s, groupType)
			conn := tr.s.admin(t)
			// A group made by someone else, whose only member is a real
			// account.
			c := tr.connect(t, map[string]string{settingDisabledBaseDN: tr.disabled}, engine.TargetOptions{})
			ctx := t.Context()
			ref, err := c.Create(ctx, engine.Attributes{"uid": "last", "cn": "Last", "sn": "Last"})
			require.NoError(t, err)
			group := "cn=solo," + tr.grps
			req := goldap.NewAddRequest(group, nil)
			req.Attribute("objectClass", []string{groupType})
			req.Attribute("cn", []string{"solo"})
			req.Attribute(map[string]string{groupOfNames: "member", groupOfUniqueNames: "uniqueMember"}[groupType], []string{ref})
			require.NoError(t, conn.Add(req))

			require.NoError(t, c.Revoke(ctx, ref, group))
			assert.Equal(t, []string{emptyMember}, tr.members(t, group))
			require.NoError(t, c.Revoke(ctx, ref, group), "a second revoke")
			require.NoError(t, c.Grant(ctx, ref, group))
			assert.ElementsMatch(t, []string{emptyMember, ref}, tr.members(t, group))

			perms, err := c.ListPermissions(ctx)
			require.NoError(t, err)
			var names []string
			for _, p := range perms {
				names = append(names, p.Name)
			}
			assert.Equal(t, []string{"solo", "staff", "vpn"}, names, "sorted by name")
			assert.Equal(t, "The staff group", perms[1].Description)
		})
	}
}

func TestNamesThatNeedEscaping(t *testing.T) {
	s := testServer(t)
	tr := newTree(t, s, groupOfNames)
	c := tr.connect(t, map[string]string{settingRDNAttribute: "cn", settingDisabledBaseDN: tr.disabled}, engine.TargetOptions{})
	ctx := t.Context()
	for _, name := range []string{`Smith, John`, `a+b=c`, `#1 "quoted" <x>;y\z`, ` padded `, `Zoë (ops)*`} {
		ref, err := c.Create(ctx, engine.Attributes{"cn": name, "sn": "X"})
		require.NoError(t, err, name)
		found, err := c.FindAccounts(ctx, "cn", name, []string{"cn"})
		require.NoError(t, err, name)
		require.Len(t, found, 1, name)
		assert.True(t, sameDN(ref, found[0].Ref), "%s: created %s, found %s", name, ref, found[0].Ref)
		require.NoError(t, c.Grant(ctx, ref, tr.groups[0]), name)
		enabled, err := c.Enable(ctx, ref)
		require.NoError(t, err, name)
		assert.Equal(t, []string{tr.groups[0]}, tr.granted(t, enabled), name)
		_, err = c.Create(ctx, engine.Attributes{"cn": name, "sn": "X"})
		assert.Equal(t, engine.Conflict, engine.ErrorCode(err), "%s: %v", name, err)
		require.NoError(t, c.Delete(ctx, enabled), name)
	}
}

func TestListAccountsPagesThroughMoreThanAPage(t *testing.T) {
	s := testServer(t)
	tr := newTree(t, s, posixGroup)
	c := tr.connect(t, map[string]string{settingDisabledBaseDN: tr.disabled, settingPageSize: "7"}, engine.TargetOptions{})
	ctx := t.Context()
	const n = 60
	for i := range n {
		ref, err := c.Create(ctx, engine.Attributes{"uid": fmt.Sprintf("page%02d", i), "cn": "P", "sn": "P"})
		require.NoError(t, err)
		if i%2 == 0 {
			_, err = c.Enable(ctx, ref)
			require.NoError(t, err)
		}
	}
	seen := map[string]bool{}
	enabled := 0
	require.NoError(t, c.ListAccounts(ctx, []string{"uid"}, func(a *engine.Account) error {
		assert.False(t, seen[a.Attributes["uid"]], "%s listed twice", a.Attributes["uid"])
		seen[a.Attributes["uid"]] = true
		if a.Enabled {
			enabled++
		}
		return nil
	}))
	assert.Len(t, seen, n)
	assert.Equal(t, n/2, enabled)
}

func TestCallsFromManyGoroutinesShareAFewConnections(t *testing.T) {
	s := testServer(t)
	tr := newTree(t, s, groupOfNames)
	c := tr.connect(t, map[string]string{settingEnabledAttribute: "employeeType", settingEnabledValue: "active", settingDisabledValue: "disabled"}, engine.TargetOptions{})
	ctx := t.Context()
	const workers, each = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				ref, err := c.Create(ctx, engine.Attributes{"uid": fmt.Sprintf("w%d-%d", w, i), "cn": "W", "sn": "W"})
				if err == nil {
					err = c.Grant(ctx, ref, tr.groups[0])
				}
				if err == nil {
					err = c.Grant(ctx, ref, tr.groups[1])
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	t.Logf("%d creates and %d grants from %d goroutines in %v", workers*each, 2*workers*each, workers, time.Since(start))
	assert.Len(t, tr.members(t, tr.groups[0]), workers*each+1) // and the placeholder
	c.pool.mu.Lock()
	idle := len(c.pool.idle)
	c.pool.mu.Unlock()
	assert.LessOrEqual(t, idle, maxConnections)
}

func TestADeadlineEndsACallAsUnavailable(t *testing.T) {
	s := testServer(t)
	tr := newTree(t, s, groupOfNames)
	c := tr.connect(t, map[string]string{settingDisabledBaseDN: tr.disabled}, engine.TargetOptions{})
	for i := range 20 {
		_, err := c.Create(t.Context(), engine.Attributes{"uid": fmt.Sprintf("d%d", i), "cn": "D", "sn": "D"})
		require.NoError(t, err)
	}
	// A listing whose deadline passes while it runs: emit is slow.
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := c.ListAccounts(ctx, nil, func(*engine.Account) error { time.Sleep(10 * time.Millisecond); return nil })
	assert.Equal(t, engine.Unavailable, engine.ErrorCode(err), "%v", err)
	assert.True(t, engine.IsTransient(err))
	// and the connector goes on working
	_, err = c.Create(t.Context(), engine.Attributes{"uid": "after", "cn": "A", "sn": "A"})
	assert.NoError(t, err)
}

// BenchmarkCreateAndGrant creates accounts and adds each to two groups,
// from four goroutines as enforcement does.
func BenchmarkCreateAndGrant(b *testing.B) {
	s := testServer(b)
	tr := newTree(b, s, groupOfNames)
	c := tr.connect(b, map[string]string{settingEnabledAttribute: "employeeType", settingEnabledValue: "active"}, engine.TargetOptions{})
	var next atomic.Int64
	b.SetParallelism(2) // 2×GOMAXPROCS goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ref, err := c.Create(context.Background(), engine.Attributes{"uid": fmt.Sprintf("b%d", next.Add(1)), "cn": "B", "sn": "B"})
			if err == nil {
				err = c.Grant(context.Background(), ref, tr.groups[0])
			}
			if err == nil {
				err = c.Grant(context.Background(), ref, tr.groups[1])
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
