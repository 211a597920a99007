//go:build integration_ad

package ldap

// These tests run against a real Samba Active Directory domain controller
// that scripts/with-samba-ad.sh provisions and starts on loopback:
//
//	scripts/with-samba-ad.sh go test -tags integration_ad -count=1 ./connectors/ldap/...
//
// They have a build tag of their own, apart from the slapd tests
// (integration), since each set needs its own server: without the
// PROVISIO_TEST_AD_* variables every test fails. The domain is new on each
// run; the tests share its OUs and groups, and each deletes the accounts it
// creates, so they run one after the other.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"maps"
	"os"
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

// adServer is the domain controller the tests run against.
type adServer struct {
	url, bindDN, password                 string
	base, disabled, groups, caFile, realm string
}

func adTestServer(t testing.TB) adServer {
	t.Helper()
	s := adServer{
		url:      os.Getenv("PROVISIO_TEST_AD_URL"),
		bindDN:   os.Getenv("PROVISIO_TEST_AD_BIND_DN"),
		password: os.Getenv("PROVISIO_TEST_AD_PASSWORD"),
		base:     os.Getenv("PROVISIO_TEST_AD_BASE"),
		disabled: os.Getenv("PROVISIO_TEST_AD_DISABLED_BASE"),
		groups:   os.Getenv("PROVISIO_TEST_AD_GROUP_BASE"),
		caFile:   os.Getenv("PROVISIO_TEST_AD_CA"),
		realm:    os.Getenv("PROVISIO_TEST_AD_DOMAIN"),
	}
	for _, v := range []string{s.url, s.bindDN, s.password, s.base, s.disabled, s.groups, s.caFile, s.realm} {
		if v == "" {
			t.Fatal("PROVISIO_TEST_AD_URL, _BIND_DN, _PASSWORD, _BASE, _DISABLED_BASE, _GROUP_BASE, _CA and _DOMAIN are not all set: run these tests through scripts/with-samba-ad.sh, e.g. scripts/with-samba-ad.sh go test -tags integration_ad -count=1 ./connectors/ldap/...")
		}
	}
	return s
}

// group returns the DN of one of the script's groups (GG-Staff, …).
func (s adServer) group(name string) string { return "CN=" + name + "," + s.groups }

// upn returns the user principal name of sam in the test domain.
func (s adServer) upn(sam string) string { return sam + "@" + strings.ToLower(s.realm) }

// settings returns connector settings for the domain, changed by extra (""
// removes a setting).
func (s adServer) settings(extra map[string]string) map[string]string {
	m := map[string]string{
		settingURL:         s.url,
		settingBindDN:      s.bindDN,
		settingPassword:    passwordRef,
		settingCAFile:      s.caFile,
		settingBaseDN:      s.base,
		settingGroupBaseDN: s.groups,
	}
	for k, v := range extra {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func (s adServer) env() engine.ConnectorEnv {
	return engine.ConnectorEnv{Secrets: memSecrets{passwordRef: s.password}}
}

// connect makes a connector and closes it when the test ends.
func (s adServer) connect(t testing.TB, extra map[string]string, opts engine.TargetOptions) *Connector {
	t.Helper()
	c, err := NewAD(s.settings(extra), s.env(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func (s adServer) tlsConfig(t testing.TB) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(s.caFile)
	require.NoError(t, err)
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(pem))
	return &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
}

// dial returns an LDAPS connection, not bound, closed when the test ends.
func (s adServer) dial(t testing.TB) *goldap.Conn {
	t.Helper()
	conn, err := goldap.DialURL(s.url, goldap.DialWithTLSConfig(s.tlsConfig(t)))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn
}

// admin returns a connection bound as Administrator: it reads and writes
// the domain behind the connector's back.
func (s adServer) admin(t testing.TB) *goldap.Conn {
	t.Helper()
	conn := s.dial(t)
	require.NoError(t, conn.Bind(s.bindDN, s.password))
	return conn
}

// read returns the entry with the attributes, read as Administrator; nil
// when it does not exist.
func (s adServer) read(t testing.TB, dn string, attrs ...string) *goldap.Entry {
	t.Helper()
	e, err := lookup(s.admin(t), dn, attrs...)
	require.NoError(t, err)
	return e
}

// uac returns the account's userAccountControl.
func (s adServer) uac(t testing.TB, dn string) uint32 {
	t.Helper()
	e := s.read(t, dn, attrUAC)
	require.NotNil(t, e, "%s does not exist", dn)
	flags, ok := parseUAC(e.GetAttributeValue(attrUAC))
	require.True(t, ok, "userAccountControl of %s: %q", dn, e.GetAttributeValue(attrUAC))
	return flags
}

// granted returns the groups the account is a member of (its memberOf),
// written as the fixture writes them where they are the same DN.
func (s adServer) granted(t testing.TB, ref string, known ...string) []string {
	t.Helper()
	e := s.read(t, ref, "memberOf")
	require.NotNil(t, e, "%s does not exist", ref)
	var out []string
	for _, g := range e.GetAttributeValues("memberOf") {
		for _, k := range known {
			if sameDN(g, k) {
				g = k
			}
		}
		out = append(out, g)
	}
	return out
}

// bind signs in as dn with the password on a new connection and returns
// the server's answer.
func (s adServer) bind(t testing.TB, dn, password string) error {
	t.Helper()
	return s.dial(t).Bind(dn, password)
}

// setPassword gives the account a password, as Administrator.
func (s adServer) setPassword(t testing.TB, dn, password string) {
	t.Helper()
	req := goldap.NewModifyRequest(dn, nil)
	req.Replace(attrPassword, []string{unicodePwd(password)})
	require.NoError(t, s.admin(t).Modify(req))
}

var adNames atomic.Int64

// uniq returns a short name no other call of this run returns, for
// sAMAccountNames (at most 20 characters).
func uniq(prefix string) string {
	return fmt.Sprintf("%s%d%s", prefix, adNames.Add(1), strings.ToLower(fmt.Sprintf("%x", time.Now().UnixNano()%0xfffff)))
}

// user returns the attributes of a new user with the sAMAccountName.
func (s adServer) user(sam, displayName string) engine.Attributes {
	return engine.Attributes{
		attrSAM:       sam,
		attrUPN:       s.upn(sam),
		"givenName":   "Test",
		"sn":          "User",
		"displayName": displayName,
	}
}

// create creates an account and deletes it when the test ends, under
// whatever DN *ref holds then.
func create(t testing.TB, c *Connector, attrs engine.Attributes) *string {
	t.Helper()
	ref, err := c.Create(t.Context(), attrs)
	require.NoError(t, err, "Create(%v)", attrs)
	r := &ref
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		assert.NoError(t, c.Delete(ctx, *r), "cleaning up %s", *r)
	})
	return r
}

// The configurations the suite runs with: with and without an OU for
// disabled accounts.
func TestADConnectorSuite(t *testing.T) {
	s := adTestServer(t)
	perms := []string{s.group("GG-Staff"), s.group("GG-VPN")}
	for _, cfg := range []struct {
		name  string
		extra map[string]string
	}{
		{"disabledOU", map[string]string{settingDisabledBaseDN: s.disabled}},
		{"userAccountControlOnly", map[string]string{}},
	} {
		t.Run(cfg.name, func(t *testing.T) {
			extra := maps.Clone(cfg.extra)
			extra[settingPageSize] = "5"
			run := uniq("s")
			connectortest.Run(t, connectortest.Fixture{
				New: func(t *testing.T, opts engine.TargetOptions) engine.TargetConnector {
					c, err := NewAD(s.settings(extra), s.env(), opts)
					require.NoError(t, err)
					return c
				},
				Account: func(i int) engine.Attributes {
					sam := fmt.Sprintf("%s-%d", run, i)
					return engine.Attributes{
						attrSAM:          sam,
						attrUPN:          s.upn(sam),
						"givenName":      "Test",
						"sn":             fmt.Sprintf("User %d", i),
						"displayName":    fmt.Sprintf("Test User %s %d", run, i),
						"mail":           sam + "@provisio.test",
						"employeeID":     fmt.Sprint(100000 + i),
						"department":     "ICT",
						"title":          "Tester",
						"otherTelephone": "+31 20 555 0101\n+31 20 555 0102",
					}
				},
				Change: engine.Attributes{"description": "changed by the suite", "telephoneNumber": "+31 20 555 0100"},
				Rename: func(i int) engine.Attributes {
					return engine.Attributes{"cn": fmt.Sprintf("Renamed %s %d", run, i)}
				},
				Permissions:       perms,
				UnknownPermission: s.group("GG-No-Such-Group"),
				Identity:          attrSAM,
				PageSize:          5,
				Granted:           func(t *testing.T, ref string) []string { return s.granted(t, ref, perms...) },
			})
		})
	}
}

// The random password is unknown, so a bind with any guess fails with
// data 52e (bad credentials) whatever the account's state: Samba, like
// Windows, reports a disabled account (data 533) only to the right
// password. The test gives the account a password of its own to watch the
// state change.
func TestADCreatesADisabledAccountWithAPasswordThatEnableLetsSignIn(t *testing.T) {
	s := adTestServer(t)
	c := s.connect(t, map[string]string{settingDisabledBaseDN: s.disabled}, engine.TargetOptions{})
	ctx := t.Context()
	sam := uniq("pw")
	ref := create(t, c, s.user(sam, "Pat Word"))
	assert.Equal(t, "CN=Pat Word,"+s.base, *ref, "new accounts are created in the account OU")

	e := s.read(t, *ref, attrUAC, "pwdLastSet")
	assert.Equal(t, "514", e.GetAttributeValue(attrUAC), "a normal account, disabled")
	assert.NotEqual(t, "0", e.GetAttributeValue("pwdLastSet"), "the account has a password")
	assert.NotEmpty(t, e.GetAttributeValue("pwdLastSet"))

	err := s.bind(t, *ref, "not-the-password")
	assert.ErrorContains(t, err, "data 52e", "a wrong password")

	known := newPassword(nil)
	s.setPassword(t, *ref, known)
	err = s.bind(t, *ref, known)
	require.Error(t, err, "a disabled account signs in")
	assert.Equal(t, int(goldap.LDAPResultInvalidCredentials), resultCode(err))
	assert.ErrorContains(t, err, "data 533", "the account is disabled")

	*ref, err = c.Enable(ctx, *ref)
	require.NoError(t, err)
	assert.Equal(t, "CN=Pat Word,"+s.base, *ref, "enabling leaves an account in the account OU there")
	assert.Equal(t, uint32(512), s.uac(t, *ref))
	assert.NoError(t, s.bind(t, *ref, known), "the enabled account signs in")
	assert.NoError(t, s.bind(t, s.upn(sam), known), "by its user principal name too")
	assert.ErrorContains(t, s.bind(t, *ref, "not-the-password"), "data 52e")

	*ref, err = c.Disable(ctx, *ref)
	require.NoError(t, err)
	assert.Equal(t, "CN=Pat Word,"+s.disabled, *ref, "disabling moves the account")
	assert.Equal(t, uint32(514), s.uac(t, *ref))
	assert.ErrorContains(t, s.bind(t, *ref, known), "data 533", "the disabled account cannot sign in")

	*ref, err = c.Enable(ctx, *ref)
	require.NoError(t, err)
	assert.Equal(t, "CN=Pat Word,"+s.base, *ref, "enabling moves it back")
	assert.NoError(t, s.bind(t, *ref, known))
}

func TestADEnableAndDisableKeepTheOtherUACFlags(t *testing.T) {
	s := adTestServer(t)
	c := s.connect(t, nil, engine.TargetOptions{})
	ctx := t.Context()
	ref := create(t, c, s.user(uniq("uac"), "Una Flag"))
	const dontExpire = 0x10000
	req := goldap.NewModifyRequest(*ref, nil)
	req.Replace(attrUAC, []string{formatUAC(uacNewAccount | dontExpire)})
	require.NoError(t, s.admin(t).Modify(req))

	got, err := c.Enable(ctx, *ref)
	require.NoError(t, err)
	assert.Equal(t, *ref, got, "no OU for disabled accounts: nothing moves")
	assert.Equal(t, uint32(uacNormalAccount|dontExpire), s.uac(t, *ref))
	_, err = c.Enable(ctx, *ref)
	require.NoError(t, err, "a second Enable")
	_, err = c.Disable(ctx, *ref)
	require.NoError(t, err)
	assert.Equal(t, uint32(uacNewAccount|dontExpire), s.uac(t, *ref))

	found, err := c.FindAccounts(ctx, attrSAM, strings.ToUpper(s.read(t, *ref, attrSAM).GetAttributeValue(attrSAM)), []string{"displayName"})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.False(t, found[0].Enabled)
	assert.Equal(t, engine.Attributes{"displayName": "Una Flag"}, found[0].Attributes)
}

func TestADTestSaysTheCredentialsAreWrong(t *testing.T) {
	s := adTestServer(t)
	c, err := NewAD(s.settings(nil), engine.ConnectorEnv{Secrets: memSecrets{passwordRef: "not-the-password"}}, engine.TargetOptions{})
	require.NoError(t, err)
	defer c.Close()
	err = c.Test(t.Context())
	require.Error(t, err)
	assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
	assert.Contains(t, err.Error(), "the bind account or its password is wrong")
	assert.Contains(t, err.Error(), s.bindDN)
	assert.NotContains(t, err.Error(), "not-the-password")
	assert.False(t, engine.IsTransient(err))

	_, err = c.Create(t.Context(), s.user(uniq("x"), "X"))
	assert.Contains(t, err.Error(), "password is wrong", "every call says so")

	// by user principal name and down-level name, as Administrator
	for _, name := range []string{"Administrator@" + s.realm, "PROVISIO\\Administrator"} {
		c := s.connect(t, map[string]string{settingBindDN: name}, engine.TargetOptions{})
		assert.NoError(t, c.Test(t.Context()), name)
	}
	// a missing OU is named
	missing := "OU=Nowhere," + s.base
	c = s.connect(t, map[string]string{settingDisabledBaseDN: missing}, engine.TargetOptions{})
	err = c.Test(t.Context())
	assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
	assert.ErrorContains(t, err, "the container for disabled accounts \""+missing+"\" does not exist")
}

// Active Directory refuses simple binds without TLS: the connector refuses
// an ldap:// address before it tries, and the generic kind, which allows
// one, hears the server say so.
func TestADRefusesPlainLDAP(t *testing.T) {
	s := adTestServer(t)
	plain := strings.Replace(strings.Replace(s.url, "ldaps://", "ldap://", 1), ":636", ":389", 1)
	_, err := NewAD(s.settings(map[string]string{settingURL: plain}), s.env(), engine.TargetOptions{})
	require.Error(t, err)
	assert.Equal(t, engine.Invalid, engine.ErrorCode(err))
	assert.ErrorContains(t, err, "use ldaps://127.0.0.1:636")

	generic, err := New(map[string]string{
		settingURL: plain, settingBindDN: s.bindDN, settingPassword: passwordRef,
		settingBaseDN: s.base, settingGroupBaseDN: s.groups, settingDisabledBaseDN: s.disabled,
	}, s.env(), engine.TargetOptions{})
	require.NoError(t, err)
	defer generic.Close()
	err = generic.Test(t.Context())
	assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
	assert.ErrorContains(t, err, "use an ldaps:// address")
}

func TestADCreateOfATakenUPNIsAConflictNamingIt(t *testing.T) {
	s := adTestServer(t)
	c := s.connect(t, nil, engine.TargetOptions{})
	dry := s.connect(t, nil, engine.TargetOptions{DryRun: true})
	ctx := t.Context()
	first := uniq("upn")
	ref := create(t, c, s.user(first, "Una Principal"))

	other := s.user(uniq("upn"), "Una Principal")
	other[attrUPN] = strings.ToUpper(s.upn(first))
	for _, conn := range []*Connector{c, dry} {
		_, err := conn.Create(ctx, other.Clone())
		assert.Equal(t, engine.Conflict, engine.ErrorCode(err), "%v", err)
		assert.ErrorContains(t, err, "userPrincipalName")
		assert.ErrorContains(t, err, *ref, "the error names the account that has it")
	}

	// a sAMAccountName that a group has is taken: they share one namespace
	_, err := c.Create(ctx, s.user("GG-Staff", "Staff"))
	assert.Equal(t, engine.Conflict, engine.ErrorCode(err), "%v", err)
	assert.ErrorContains(t, err, "sAMAccountName")

	// so is changing one's userPrincipalName or sAMAccountName to another's
	second := uniq("upn")
	ref2 := create(t, c, s.user(second, "Una Second"))
	_, err = c.Update(ctx, *ref2, engine.Attributes{attrUPN: s.upn(first)})
	assert.Equal(t, engine.Conflict, engine.ErrorCode(err), "%v", err)
	assert.ErrorContains(t, err, "userPrincipalName")
	_, err = c.Update(ctx, *ref2, engine.Attributes{attrSAM: first})
	assert.Equal(t, engine.Conflict, engine.ErrorCode(err), "%v", err)
	assert.ErrorContains(t, err, "sAMAccountName")
	// and its own values, in another case, are no conflict
	got, err := c.Update(ctx, *ref2, engine.Attributes{attrSAM: strings.ToUpper(second), attrUPN: s.upn(second)})
	require.NoError(t, err)
	assert.Equal(t, *ref2, got)

	// the server's own answer, when the check is passed by (a race),
	// names the attribute too
	err = classify(serverAnswer(t, s, s.upn(first)), "create x")
	assert.Equal(t, engine.Conflict, engine.ErrorCode(err), "%v", err)
	assert.ErrorContains(t, err, "userPrincipalName")
}

// serverAnswer adds a user with a taken userPrincipalName as
// Administrator and returns the server's error.
func serverAnswer(t *testing.T, s adServer, upn string) error {
	t.Helper()
	req := goldap.NewAddRequest("CN=Race "+uniq("r")+","+s.base, nil)
	req.Attribute("objectClass", []string{"user"})
	req.Attribute(attrSAM, []string{uniq("race")})
	req.Attribute(attrUPN, []string{upn})
	err := s.admin(t).Add(req)
	require.Error(t, err)
	return err
}

func TestADSameNameInAnOUGetsTheAccountNameAdded(t *testing.T) {
	s := adTestServer(t)
	c := s.connect(t, map[string]string{settingDisabledBaseDN: s.disabled}, engine.TargetOptions{})
	ctx := t.Context()
	staff := s.group("GG-Staff")
	name := "Sam " + uniq("N")
	samA, samB := uniq("a"), uniq("b")

	a := create(t, c, s.user(samA, name))
	assert.Equal(t, "CN="+name+","+s.base, *a)
	b := create(t, c, s.user(samB, name))
	assert.Equal(t, "CN="+name+" ("+samB+"),"+s.base, *b, "a name taken in the OU gets the sAMAccountName")
	require.NoError(t, c.Grant(ctx, *b, staff))

	// a dry run says the name it would give
	dry := s.connect(t, map[string]string{settingDisabledBaseDN: s.disabled}, engine.TargetOptions{DryRun: true})
	samC := uniq("c")
	ref, err := dry.Create(ctx, s.user(samC, name))
	require.NoError(t, err)
	assert.Equal(t, "CN="+name+" ("+samC+"),"+s.base, ref)

	// moving into an OU that holds the name
	var errA, errB error
	*a, errA = c.Disable(ctx, *a)
	require.NoError(t, errA)
	assert.Equal(t, "CN="+name+","+s.disabled, *a)
	*b, errB = c.Enable(ctx, *b) // stays, enabled
	require.NoError(t, errB)
	*a, errA = c.Enable(ctx, *a)
	require.NoError(t, errA)
	assert.Equal(t, "CN="+name+","+s.base, *a)

	c2 := create(t, c, s.user(uniq("d"), name+" Two"))
	_, err = c.Update(ctx, *c2, engine.Attributes{"cn": name})
	require.NoError(t, err)
	*c2, err = c.Update(ctx, *c2, engine.Attributes{"cn": name})
	require.NoError(t, err)
	samD := s.read(t, *c2, attrSAM).GetAttributeValue(attrSAM)
	assert.Equal(t, "CN="+name+" ("+samD+"),"+s.base, *c2, "a rename to a taken name adds the sAMAccountName")
	*c2, err = c.Disable(ctx, *c2)
	require.NoError(t, err)
	*a, err = c.Disable(ctx, *a)
	require.NoError(t, err)
	assert.Equal(t, "CN="+name+","+s.disabled, *a)

	// someone took b's name in the disabled OU: the move numbers it
	d := create(t, c, s.user(uniq("e"), "Other "+uniq("x")))
	*d, err = c.Disable(ctx, *d)
	require.NoError(t, err)
	*d, err = c.Update(ctx, *d, engine.Attributes{"cn": name + " (" + samB + ")"})
	require.NoError(t, err)
	assert.Equal(t, "CN="+name+" ("+samB+"),"+s.disabled, *d)
	*b, err = c.Disable(ctx, *b)
	require.NoError(t, err)
	assert.Equal(t, "CN="+name+" ("+samB+") 2,"+s.disabled, *b, "the name taken in the disabled OU gets a number")
	assert.Equal(t, []string{staff}, s.granted(t, *b, staff), "the membership follows the moves")

	// renaming to the plain name while it is taken keeps the name, and
	// takes the plain one once it is free
	got, err := c.Update(ctx, *b, engine.Attributes{"cn": name})
	require.NoError(t, err)
	assert.Equal(t, "CN="+name+" ("+samB+") 2,"+s.disabled, got, "the plain and the qualified names are taken")
	require.NoError(t, c.Delete(ctx, *a))
	*b, err = c.Update(ctx, *b, engine.Attributes{"cn": name})
	require.NoError(t, err)
	assert.Equal(t, "CN="+name+","+s.disabled, *b)
	assert.Equal(t, []string{staff}, s.granted(t, *b, staff))
	assert.Equal(t, name, s.read(t, *b, "cn").GetAttributeValue("cn"))
}

func TestADNamesThatNeedEscaping(t *testing.T) {
	s := adTestServer(t)
	c := s.connect(t, map[string]string{settingDisabledBaseDN: s.disabled}, engine.TargetOptions{})
	ctx := t.Context()
	staff := s.group("GG-Staff")
	for _, name := range []string{`Smith, John`, `a+b=c`, `#1 "quoted" <x>;y\z`, ` padded `, `Zoë (ops)*`} {
		sam := uniq("esc")
		ref := create(t, c, s.user(sam, name))
		found, err := c.FindAccounts(ctx, attrSAM, sam, []string{"cn", "displayName"})
		require.NoError(t, err, name)
		require.Len(t, found, 1, name)
		assert.Equal(t, *ref, found[0].Ref, "%q: the ref Create returns is the DN the domain lists", name)
		assert.Equal(t, strings.TrimSpace(name), found[0].Attributes["cn"], name)
		assert.Equal(t, name, found[0].Attributes["displayName"], name)
		require.NoError(t, c.Grant(ctx, *ref, staff), name)
		*ref, err = c.Enable(ctx, *ref)
		require.NoError(t, err, name)
		*ref, err = c.Disable(ctx, *ref)
		require.NoError(t, err, name)
		assert.Equal(t, []string{staff}, s.granted(t, *ref, staff), name)
		require.NoError(t, c.Revoke(ctx, *ref, staff), name)
		assert.Empty(t, s.granted(t, *ref, staff), name)
	}
}

func TestADUPNSuffixGivesNewAccountsTheirUPN(t *testing.T) {
	s := adTestServer(t)
	c := s.connect(t, map[string]string{settingUPNSuffix: "@provisio.test"}, engine.TargetOptions{})
	sam := uniq("sfx")
	attrs := s.user(sam, "Sue Fix")
	delete(attrs, attrUPN)
	ref := create(t, c, attrs)
	assert.Equal(t, sam+"@provisio.test", s.read(t, *ref, attrUPN).GetAttributeValue(attrUPN))
	// a mapping that gives one wins
	attrs = s.user(uniq("sfx"), "Sue Fix Two")
	ref = create(t, c, attrs)
	assert.Equal(t, attrs[attrUPN], s.read(t, *ref, attrUPN).GetAttributeValue(attrUPN))
}

// The policy refuses the generated password when it asks for more than
// the connector makes: here a minimum length above it.
func TestADPasswordPolicyRefusalIsInvalid(t *testing.T) {
	s := adTestServer(t)
	domain := domainOf(mustParseDN(t, s.base))
	setMinLength := func(n int) {
		req := goldap.NewModifyRequest(domain, nil)
		req.Replace("minPwdLength", []string{fmt.Sprint(n)})
		require.NoError(t, s.admin(t).Modify(req))
	}
	old := s.read(t, domain, "minPwdLength").GetAttributeValue("minPwdLength")
	setMinLength(passwordLength + 8)
	t.Cleanup(func() {
		req := goldap.NewModifyRequest(domain, nil)
		req.Replace("minPwdLength", []string{old})
		assert.NoError(t, s.admin(t).Modify(req))
	})
	c := s.connect(t, nil, engine.TargetOptions{})
	_, err := c.Create(t.Context(), s.user(uniq("pol"), "Polly Cy"))
	require.Error(t, err)
	assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
	assert.ErrorContains(t, err, "the domain's password policy refused the generated password")
	assert.False(t, engine.IsTransient(err))
}

func mustParseDN(t testing.TB, dn string) *goldap.DN {
	t.Helper()
	p, err := goldap.ParseDN(dn)
	require.NoError(t, err)
	return p
}

func TestADListsUsersAndGroupsOnly(t *testing.T) {
	s := adTestServer(t)
	c := s.connect(t, nil, engine.TargetOptions{})
	ctx := t.Context()
	// a computer below the account OU: its class derives from user
	pc := "CN=PC" + uniq("") + "," + s.base
	req := goldap.NewAddRequest(pc, nil)
	req.Attribute("objectClass", []string{"computer"})
	req.Attribute(attrSAM, []string{"PC" + uniq("") + "$"})
	admin := s.admin(t)
	require.NoError(t, admin.Add(req))
	t.Cleanup(func() { assert.NoError(t, s.admin(t).Del(goldap.NewDelRequest(pc, nil))) })
	ref := create(t, c, s.user(uniq("lst"), "Lis Ted"))

	var refs []string
	require.NoError(t, c.ListAccounts(ctx, nil, func(a *engine.Account) error { refs = append(refs, a.Ref); return nil }))
	assert.Contains(t, refs, *ref)
	assert.NotContains(t, refs, pc, "a computer is no account")

	perms, err := c.ListPermissions(ctx)
	require.NoError(t, err)
	var names []string
	for _, p := range perms {
		names = append(names, p.Name)
		assert.Equal(t, s.group(p.Name), p.ID)
	}
	assert.Equal(t, []string{"GG-All-Staff", "GG-ICT", "GG-ICT-Admins", "GG-Managers", "GG-Staff", "GG-VPN"}, names)
}

// Creates accounts and grants each two groups from several goroutines, as
// enforcement does, and logs the rate.
func TestADCreatesAndGrantsFromSeveralGoroutines(t *testing.T) {
	s := adTestServer(t)
	c := s.connect(t, map[string]string{settingDisabledBaseDN: s.disabled}, engine.TargetOptions{})
	ctx := t.Context()
	groups := []string{s.group("GG-Staff"), s.group("GG-VPN")}
	const workers, each = 8, 10
	run := uniq("w")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var refs []string
	errs := make(chan error, workers)
	start := time.Now()
	var createTime, grantTime atomic.Int64
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				t0 := time.Now()
				ref, err := c.Create(ctx, s.user(fmt.Sprintf("%s-%d-%d", run, w, i), fmt.Sprintf("Worker %s %d %d", run, w, i)))
				createTime.Add(int64(time.Since(t0)))
				if err == nil {
					mu.Lock()
					refs = append(refs, ref)
					mu.Unlock()
					t0 = time.Now()
					for _, g := range groups {
						if err = c.Grant(ctx, ref, g); err != nil {
							break
						}
					}
					grantTime.Add(int64(time.Since(t0)))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	t.Cleanup(func() {
		for _, ref := range refs {
			assert.NoError(t, c.Delete(context.Background(), ref))
		}
	})
	for err := range errs {
		require.NoError(t, err)
	}
	n := workers * each
	t.Logf("%d creates and %d grants from %d goroutines in %v: %.0f accounts/s with their grants; a create takes %v, a grant %v on average",
		n, 2*n, workers, took.Round(time.Millisecond), float64(n)/took.Seconds(),
		(time.Duration(createTime.Load()) / time.Duration(n)).Round(time.Millisecond),
		(time.Duration(grantTime.Load()) / time.Duration(2*n)).Round(time.Millisecond))
	for _, ref := range refs[:3] {
		assert.ElementsMatch(t, groups, s.granted(t, ref, groups...))
	}
}
