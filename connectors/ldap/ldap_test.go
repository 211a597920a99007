package ldap

// Tests that need no directory server. The behaviour against a real one is
// in ldap_integration_test.go (go test -tags integration, through
// scripts/with-slapd.sh).

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// memSecrets is a keychain in memory.
type memSecrets map[string]string

func (m memSecrets) Get(ref string) (string, error) {
	if v, ok := m[ref]; ok {
		return v, nil
	}
	return "", engine.Errorf(engine.NotFound, "no secret %q", ref)
}
func (m memSecrets) Set(ref, secret string) error { m[ref] = secret; return nil }
func (m memSecrets) Delete(ref string) error      { delete(m, ref); return nil }

const passwordRef = "target/ldap/password"

// validSettings returns settings New accepts, changed by extra ("" removes
// a setting).
func validSettings(extra map[string]string) map[string]string {
	s := map[string]string{
		settingURL:            "ldap://127.0.0.1:389",
		settingBindDN:         "cn=admin,dc=example,dc=org",
		settingPassword:       passwordRef,
		settingBaseDN:         "ou=people,dc=example,dc=org",
		settingGroupBaseDN:    "ou=groups,dc=example,dc=org",
		settingDisabledBaseDN: "ou=disabled,dc=example,dc=org",
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

func TestKindDescribesTheLDAPTarget(t *testing.T) {
	k := Kind()
	assert.Equal(t, "ldap", k.Kind)
	assert.Equal(t, []string{"uid"}, k.Identity)
	var keys []string
	for _, d := range k.Settings {
		keys = append(keys, d.Key)
		assert.NotEmpty(t, d.Label, d.Key)
		assert.NotEmpty(t, d.Help, d.Key)
	}
	assert.Equal(t, []string{"url", "bindDN", "password", "caFile", "insecureSkipVerify", "baseDN", "groupBaseDN",
		"objectClasses", "rdnAttribute", "groupType", "disabledBaseDN", "enabledAttribute", "enabledValue",
		"disabledValue", "pageSize", "timeout"}, keys)
	assert.Equal(t, engine.SettingSecret, k.Settings[2].Kind, "the password is a keychain reference")
	assert.Len(t, k.Settings[9].Choices, 3)

	c, err := k.New(validSettings(nil), engine.ConnectorEnv{}, engine.TargetOptions{})
	require.NoError(t, err)
	require.NoError(t, c.Close())
	c, err = k.New(validSettings(map[string]string{settingURL: ""}), engine.ConnectorEnv{}, engine.TargetOptions{})
	assert.Error(t, err)
	assert.Nil(t, c, "a failed New returns a nil interface")
}

func TestNewAppliesTheDefaults(t *testing.T) {
	for _, c := range []struct {
		url, address string
		tls          bool
	}{
		{"ldap://dir.example.org", "dir.example.org:389", false},
		{"ldaps://dir.example.org", "dir.example.org:636", true},
		{"ldaps://dir.example.org:1636/", "dir.example.org:1636", true},
		{"ldap://[::1]:10389", "[::1]:10389", false},
	} {
		cfg, err := parseConfig(validSettings(map[string]string{settingURL: c.url}), "")
		require.NoError(t, err, c.url)
		assert.Equal(t, c.address, cfg.address, c.url)
		assert.Equal(t, c.tls, cfg.tls != nil, c.url)
		if c.tls {
			assert.Equal(t, "dir.example.org", cfg.tls.ServerName)
			assert.False(t, cfg.tls.InsecureSkipVerify)
		}
	}
	cfg, err := parseConfig(validSettings(nil), "")
	require.NoError(t, err)
	assert.Equal(t, []string{"inetOrgPerson"}, cfg.objectClasses)
	assert.Equal(t, "uid", cfg.rdnAttribute)
	assert.Equal(t, groupOfNames, cfg.groupType)
	assert.Equal(t, "member", cfg.memberAttr)
	assert.Equal(t, uint32(500), cfg.pageSize)
	assert.Equal(t, 30*time.Second, cfg.timeout)

	cfg, err = parseConfig(validSettings(map[string]string{
		settingObjectClasses: " inetOrgPerson, posixAccount ,,shadowAccount", settingGroupType: posixGroup,
		settingRDNAttribute: "cn", settingPageSize: "100", settingTimeout: "2.5",
	}), "")
	require.NoError(t, err)
	assert.Equal(t, []string{"inetOrgPerson", "posixAccount", "shadowAccount"}, cfg.objectClasses)
	assert.Equal(t, "memberUid", cfg.memberAttr)
	assert.Equal(t, "cn", cfg.rdnAttribute)
	assert.Equal(t, uint32(100), cfg.pageSize)
	assert.Equal(t, 2500*time.Millisecond, cfg.timeout)

	cfg, err = parseConfig(validSettings(map[string]string{settingGroupType: groupOfUniqueNames}), "")
	require.NoError(t, err)
	assert.Equal(t, "uniqueMember", cfg.memberAttr)
}

func TestNewRefusesSettingsItCannotUse(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "not-a-cert.pem"), []byte("hello"), 0o600))
	for _, c := range []struct {
		name  string
		extra map[string]string
		want  string
	}{
		{"no address", map[string]string{settingURL: ""}, `"Server address" (url) is required`},
		{"an http address", map[string]string{settingURL: "http://dir.example.org"}, "not an LDAP address"},
		{"no host", map[string]string{settingURL: "ldap://"}, "not an LDAP address"},
		{"a base DN in the address", map[string]string{settingURL: "ldap://dir/dc=example,dc=org"}, "give the base DNs in their own settings"},
		{"a bad port", map[string]string{settingURL: "ldap://dir:99999"}, "port"},
		{"no bind DN", map[string]string{settingBindDN: ""}, "(bindDN) is required"},
		{"no password reference", map[string]string{settingPassword: ""}, "(password) is required"},
		{"a base DN that is not a DN", map[string]string{settingBaseDN: "people"}, `"Account base DN" (baseDN): "people" is not a distinguished name`},
		{"a group base DN that is not a DN", map[string]string{settingGroupBaseDN: "groups"}, "(groupBaseDN)"},
		{"a disabled container that is not a DN", map[string]string{settingDisabledBaseDN: "disabled"}, "(disabledBaseDN)"},
		{"the base DN as disabled container", map[string]string{settingDisabledBaseDN: "OU=People,dc=example,dc=org"}, "is the account base DN itself"},
		{"a disabled container above the base DN", map[string]string{settingDisabledBaseDN: "dc=example,dc=org"}, "holds the account base DN"},
		{"no way to mark disabled accounts", map[string]string{settingDisabledBaseDN: ""}, "choose how disabled accounts are marked"},
		{"an enabled attribute without its value", map[string]string{settingEnabledAttribute: "employeeType"}, "(enabledValue)"},
		{"values without the attribute", map[string]string{settingEnabledValue: "active"}, "not the attribute that holds them"},
		{"the same enabled and disabled value", map[string]string{settingEnabledAttribute: "employeeType", settingEnabledValue: "Active", settingDisabledValue: "active"}, "also the enabled value"},
		{"the naming attribute as enabled attribute", map[string]string{settingEnabledAttribute: "UID", settingEnabledValue: "x"}, "is the naming attribute"},
		{"an enabled attribute that is not a name", map[string]string{settingEnabledAttribute: "employee type", settingEnabledValue: "x"}, "not an attribute name"},
		{"no object class", map[string]string{settingObjectClasses: " , "}, "at least one object class"},
		{"an object class that is not a name", map[string]string{settingObjectClasses: "inetOrgPerson,(x)"}, `"(x)" is not an object class name`},
		{"a naming attribute that is not a name", map[string]string{settingRDNAttribute: "u id"}, "(rdnAttribute)"},
		{"an unknown group type", map[string]string{settingGroupType: "group"}, "is not one of"},
		{"a page size of 0", map[string]string{settingPageSize: "0"}, "(pageSize)"},
		{"a page size that is not a number", map[string]string{settingPageSize: "many"}, "(pageSize)"},
		{"a negative timeout", map[string]string{settingTimeout: "-1"}, "(timeout)"},
		{"a bool that is not one", map[string]string{settingURL: "ldaps://dir", settingInsecureSkipVerify: "maybe"}, "not true or false"},
		{"a missing CA file", map[string]string{settingURL: "ldaps://dir", settingCAFile: "nowhere.pem"}, "cannot read " + filepath.Join(dir, "nowhere.pem")},
		{"a CA file without a certificate", map[string]string{settingURL: "ldaps://dir", settingCAFile: "not-a-cert.pem"}, "holds no PEM certificate"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(validSettings(c.extra), engine.ConnectorEnv{BaseDir: dir}, engine.TargetOptions{})
			require.Error(t, err)
			assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestDNHelpers(t *testing.T) {
	for _, c := range []struct{ value, dn string }{
		{"jdoe", "uid=jdoe,ou=people,dc=x"},
		{"Smith, John", `uid=Smith\, John,ou=people,dc=x`},
		{"a+b=c", `uid=a\+b=c,ou=people,dc=x`},
		{`#1 "q" <x>;y\z`, `uid=\#1 \"q\" \<x\>\;y\\z,ou=people,dc=x`},
		{" padded ", `uid=\ padded\ ,ou=people,dc=x`},
		{"Zoë", "uid=Zoë,ou=people,dc=x"},
	} {
		dn := buildDN("uid", c.value, "ou=people,dc=x")
		assert.Equal(t, c.dn, dn, c.value)
		v, ok := rdnValue(dn, "UID")
		assert.True(t, ok, c.value)
		assert.Equal(t, c.value, v, "the value of %s", dn)
		rdn, parent, ok := splitDN(dn)
		assert.True(t, ok)
		assert.Equal(t, strings.TrimSuffix(c.dn, ",ou=people,dc=x"), rdn)
		assert.Equal(t, "ou=people,dc=x", parent)
	}

	for _, c := range []struct{ dn, rdn, parent string }{
		{"uid=a,ou=b", "uid=a", "ou=b"},
		{"uid=a , ou=b,dc=c", "uid=a", "ou=b,dc=c"},
		{`cn="Smith, John",ou=b`, `cn="Smith, John"`, "ou=b"},
		{`cn=a\2Cb,ou=b`, `cn=a\2Cb`, "ou=b"},
		{"uid=a;ou=b", "uid=a", "ou=b"},
	} {
		rdn, parent, ok := splitDN(c.dn)
		assert.True(t, ok, c.dn)
		assert.Equal(t, c.rdn, rdn, c.dn)
		assert.Equal(t, c.parent, parent, c.dn)
	}
	_, _, ok := splitDN("dc=org")
	assert.False(t, ok, "a DN of one RDN has no parent")

	_, ok = rdnValue("cn=John,ou=people", "uid")
	assert.False(t, ok, "named by another attribute")
	_, ok = rdnValue("uid=a+cn=b,ou=people", "uid")
	assert.False(t, ok, "a multi-valued RDN")

	base, _ := goldap.ParseDN("ou=Disabled,dc=x")
	assert.True(t, below("uid=a,ou=disabled,DC=X", base))
	assert.True(t, below("uid=a,ou=sub,ou=disabled,dc=x", base))
	assert.False(t, below("ou=disabled,dc=x", base), "the container itself")
	assert.False(t, below("uid=a,ou=people,dc=x", base))
	assert.False(t, below("uid=a,ou=people,dc=x", nil))

	assert.True(t, sameDN("UID=JDoe, ou=People,dc=x", "uid=jdoe,ou=people,dc=x"))
	assert.False(t, sameDN("uid=jdoe,ou=people,dc=x", "uid=jdoe,ou=disabled,dc=x"))

	assert.Equal(t, `(uid=a\2ab\28c\29\5c)`, eqFilter("uid", `a*b(c)\`))
	assert.Equal(t, `(cn=Zo\c3\ab)`, eqFilter("cn", "Zoë"))

	assert.Nil(t, values(""))
	assert.Equal(t, []string{"a"}, values("a"))
	assert.Equal(t, []string{"a", "b"}, values("a\r\n\nb\n"))

	assert.True(t, validName("Smith, John"))
	assert.False(t, validName("  "))
	assert.False(t, validName("a\tb"))
}

func TestClassifyMapsResultCodes(t *testing.T) {
	for _, c := range []struct {
		code      uint16
		want      engine.Code
		transient bool
		says      string
	}{
		{goldap.ErrorNetwork, engine.Unavailable, true, "the connection to the directory failed"},
		{goldap.LDAPResultBusy, engine.Unavailable, true, "busy or unavailable"},
		{goldap.LDAPResultUnavailable, engine.Unavailable, true, "busy or unavailable"},
		{goldap.LDAPResultTimeLimitExceeded, engine.Unavailable, true, "busy or unavailable"},
		{goldap.LDAPResultInvalidCredentials, engine.Invalid, false, "the bind DN or password is wrong"},
		{goldap.LDAPResultStrongAuthRequired, engine.Invalid, false, "ldaps://"},
		{goldap.LDAPResultConfidentialityRequired, engine.Invalid, false, "ldaps://"},
		{goldap.LDAPResultInsufficientAccessRights, engine.Invalid, false, "the bind DN may not do this"},
		{goldap.LDAPResultNoSuchObject, engine.NotFound, false, "no such entry"},
		{goldap.LDAPResultEntryAlreadyExists, engine.Conflict, false, "Entry Already Exists"},
		{goldap.LDAPResultNotAllowedOnNonLeaf, engine.Conflict, false, "Not Allowed On Non Leaf"},
		{goldap.LDAPResultUnwillingToPerform, engine.Invalid, false, "the directory refused"},
		{goldap.LDAPResultObjectClassViolation, engine.Invalid, false, "the directory refused"},
		{goldap.LDAPResultOther, engine.Invalid, false, "the directory refused"},
		{goldap.LDAPResultReferral, engine.Invalid, false, "refers the request to another server"},
	} {
		err := classify(goldap.NewError(c.code, errors.New("what the server said")), "create uid=x,dc=y")
		assert.Equal(t, c.want, engine.ErrorCode(err), "result %d: %v", c.code, err)
		assert.Equal(t, c.transient, engine.IsTransient(err), "result %d is transient", c.code)
		assert.True(t, strings.HasPrefix(err.Error(), "create uid=x,dc=y: "), "%v", err)
		assert.Contains(t, err.Error(), c.says, "result %d", c.code)
		if c.code != goldap.LDAPResultInvalidCredentials && c.code < goldap.ErrorNetwork &&
			c.code != goldap.LDAPResultStrongAuthRequired && c.code != goldap.LDAPResultConfidentialityRequired {
			assert.Contains(t, err.Error(), "what the server said", "result %d keeps the diagnostic", c.code)
			assert.Contains(t, err.Error(), fmt.Sprintf("LDAP result %d", c.code))
		}
		var le *goldap.Error
		assert.True(t, errors.As(err, &le), "the LDAP error stays in the chain")
	}

	timeout := classify(goldap.NewError(goldap.ErrorNetwork, errors.New("ldap: connection timed out")), "read x")
	assert.Equal(t, "read x: the directory did not answer in time", timeout.Error())
	assert.True(t, engine.IsTransient(timeout))

	other := classify(errors.New("broken pipe"), "read x")
	assert.True(t, engine.IsTransient(other), "an error from below the protocol is a connection failure")

	mine := engine.Errorf(engine.Conflict, "already classified")
	assert.Same(t, mine, classify(mine, "read x"))
	assert.NoError(t, classify(nil, "read x"))
}

func TestContextErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := contextError(ctx, "create x")
	assert.Equal(t, engine.Canceled, engine.ErrorCode(err))
	assert.False(t, engine.IsTransient(err))
	assert.Equal(t, "create x: cancelled", err.Error())

	ctx, cancel = context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	err = contextError(ctx, "create x")
	assert.Equal(t, engine.Unavailable, engine.ErrorCode(err))
	assert.True(t, engine.IsTransient(err))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// closedAddress returns a loopback address nothing listens on.
func closedAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestCallsOnAnUnreachableServerAreUnavailable(t *testing.T) {
	addr := closedAddress(t)
	c, err := New(validSettings(map[string]string{settingURL: "ldap://" + addr}), engine.ConnectorEnv{Secrets: memSecrets{}}, engine.TargetOptions{})
	require.NoError(t, err)
	defer c.Close()

	err = c.Test(t.Context())
	assert.Equal(t, engine.Unavailable, engine.ErrorCode(err), "%v", err)
	assert.Contains(t, err.Error(), "cannot reach the directory at "+addr)

	_, err = c.Create(t.Context(), engine.Attributes{"uid": "x"})
	assert.True(t, engine.IsTransient(err), "%v", err)
	assert.True(t, engine.IsTransient(c.ListAccounts(t.Context(), nil, func(*engine.Account) error { return nil })))

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for name, err := range map[string]error{
		"Test":   c.Test(ctx),
		"Grant":  c.Grant(ctx, "uid=x,ou=people,dc=example,dc=org", "cn=g,ou=groups,dc=example,dc=org"),
		"Delete": c.Delete(ctx, "uid=x,ou=people,dc=example,dc=org"),
	} {
		assert.Equal(t, engine.Canceled, engine.ErrorCode(err), "%s: %v", name, err)
	}

	require.NoError(t, c.Close())
	_, err = c.Create(t.Context(), engine.Attributes{"uid": "x"})
	assert.Error(t, err, "a closed connector")
}

func TestCallsCheckTheirArguments(t *testing.T) {
	c, err := New(validSettings(map[string]string{settingEnabledAttribute: "employeeType", settingEnabledValue: "active"}),
		engine.ConnectorEnv{Secrets: memSecrets{}}, engine.TargetOptions{})
	require.NoError(t, err)
	defer c.Close()
	ctx := t.Context()
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"Create without uid", second(c.Create(ctx, engine.Attributes{"cn": "x"})), "the account has no uid"},
		{"Create with two uids", second(c.Create(ctx, engine.Attributes{"uid": "a\nb"})), "takes one value, not 2"},
		{"Create with a control character", second(c.Create(ctx, engine.Attributes{"uid": "a\tb"})), "control character"},
		{"Create with a bad attribute name", second(c.Create(ctx, engine.Attributes{"uid": "a", "first name": "x"})), `"first name" is not an LDAP attribute name`},
		{"Create setting the enabled attribute", second(c.Create(ctx, engine.Attributes{"uid": "a", "EmployeeType": "active"})), "take it out of the account mapping"},
		{"Update of a ref that is not a DN", second(c.Update(ctx, "jdoe", engine.Attributes{"cn": "x"})), `"jdoe" is not a distinguished name`},
		{"Update clearing the naming attribute", second(c.Update(ctx, "uid=a,ou=people,dc=example,dc=org", engine.Attributes{"uid": ""})), "the account has no uid"},
		{"Enable of a ref that is not a DN", second(c.Enable(ctx, "")), "is not a distinguished name"},
		{"Grant of a permission that is not a DN", c.Grant(ctx, "uid=a,ou=people,dc=example,dc=org", "staff"), `"staff" is not a distinguished name`},
		{"ListAccounts of a bad attribute", c.ListAccounts(ctx, []string{"a b"}, nil), `"a b" is not an LDAP attribute name`},
		{"FindAccounts by a bad attribute", second(c.FindAccounts(ctx, "(uid", "x", nil)), `"(uid" is not an LDAP attribute name`},
	} {
		assert.Equal(t, engine.Invalid, engine.ErrorCode(tc.err), "%s: %v", tc.name, tc.err)
		if tc.err != nil {
			assert.Contains(t, tc.err.Error(), tc.want, tc.name)
		}
	}
}

func TestBatchCallsAnswerRefsThatAreNoDNsWithoutConnecting(t *testing.T) {
	// no server listens at the address: a call that connected would fail
	// whole
	c, err := New(validSettings(map[string]string{settingURL: "ldap://" + closedAddress(t)}), engine.ConnectorEnv{Secrets: memSecrets{}}, engine.TargetOptions{})
	require.NoError(t, err)
	defer c.Close()
	ctx := t.Context()
	group, a := "cn=staff,ou=groups,dc=example,dc=org", "uid=a,ou=people,dc=example,dc=org"
	for name, batch := range map[string]func(context.Context, string, []string) ([]error, error){"GrantAll": c.GrantAll, "RevokeAll": c.RevokeAll} {
		call := func(permission string, refs []string) ([]error, error) { return batch(ctx, permission, refs) }
		errs, err := call("staff", []string{a, "jdoe"})
		require.NoError(t, err, "%s to a permission that is not a DN", name)
		require.Len(t, errs, 2)
		for i, e := range errs {
			assert.Equal(t, engine.Invalid, engine.ErrorCode(e), "%s: ref %d: %v", name, i, e)
			assert.Contains(t, e.Error(), `"staff" is not a distinguished name`)
		}
		errs, err = call(group, []string{"jdoe", " "})
		require.NoError(t, err, "%s of refs that are not DNs", name)
		assert.Contains(t, errs[0].Error(), `"jdoe" is not a distinguished name`)
		assert.Equal(t, engine.Invalid, engine.ErrorCode(errs[1]))
		errs, err = call(group, nil)
		assert.NoError(t, err)
		assert.Empty(t, errs)
		errs, err = call(group, []string{"jdoe", a})
		assert.True(t, engine.IsTransient(err), "%s with a DN connects: %v", name, err)
		assert.Equal(t, engine.Invalid, engine.ErrorCode(errs[0]))
	}
}

func second[T any](_ T, err error) error { return err }

// selfSigned writes a certificate for host (a name or an IP address) and
// its key, and returns the TLS certificate and the PEM file of the
// certificate.
func selfSigned(t *testing.T, host string) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: host},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, file
}

// serve accepts connections on a loopback listener and hands each to
// handle, until the test ends.
func serve(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				handle(conn)
			}()
		}
	}()
	return l.Addr().String()
}

func TestTestSaysWhatIsWrongWithTLS(t *testing.T) {
	cert, caFile := selfSigned(t, "127.0.0.1")
	_, otherCA := selfSigned(t, "127.0.0.1")
	otherHost, otherHostCA := selfSigned(t, "dir.example.org")
	// An LDAPS server that completes the handshake and then waits for the
	// client to hang up.
	ldaps := serve(t, func(conn net.Conn) {
		tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{cert}})
		if tc.Handshake() == nil {
			_, _ = tc.Read(make([]byte, 1024))
		}
	})
	// One whose certificate is for another name.
	misnamed := serve(t, func(conn net.Conn) {
		_ = tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{otherHost}}).Handshake()
	})
	// A plain LDAP server (it answers the TLS hello with something that
	// is not TLS).
	plain := serve(t, func(conn net.Conn) {
		_, _ = conn.Read(make([]byte, 1024))
		_, _ = conn.Write([]byte("0\x0c\x02\x01\x01a\x07\x0a\x01\x02\x04\x00\x04\x00"))
	})

	test := func(extra map[string]string) error {
		c, err := New(validSettings(extra), engine.ConnectorEnv{Secrets: memSecrets{}}, engine.TargetOptions{})
		require.NoError(t, err)
		defer c.Close()
		return c.Test(t.Context())
	}

	err := test(map[string]string{settingURL: "ldaps://" + ldaps})
	assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
	assert.Contains(t, err.Error(), "TLS with "+ldaps+" failed: the server's certificate is not signed by an authority this computer trusts")

	err = test(map[string]string{settingURL: "ldaps://" + ldaps, settingCAFile: otherCA})
	assert.Contains(t, err.Error(), "not signed by an authority", "another CA")

	err = test(map[string]string{settingURL: "ldaps://" + misnamed, settingCAFile: otherHostCA})
	assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
	assert.Contains(t, err.Error(), "TLS with "+misnamed+" failed: the server's certificate is not for the host in the address")

	err = test(map[string]string{settingURL: "ldaps://" + plain})
	assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
	assert.Contains(t, err.Error(), "check that the server speaks LDAPS on this port")

	// With the CA the handshake succeeds, and the next step, reading the
	// password, is what fails.
	err = test(map[string]string{settingURL: "ldaps://" + ldaps, settingCAFile: caFile})
	assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
	assert.Contains(t, err.Error(), "the bind password is not in the keychain")
	assert.NotContains(t, err.Error(), "target/ldap/password", "the setting, which could be a password typed in by mistake, is not repeated")

	err = test(map[string]string{settingURL: "ldaps://" + ldaps, settingInsecureSkipVerify: "true"})
	assert.Contains(t, err.Error(), "the bind password is not in the keychain", "verification skipped")
}

func TestTestTimesOutOnAServerThatDoesNotAnswer(t *testing.T) {
	addr := serve(t, func(conn net.Conn) {
		// Read the bind request and never answer it.
		_, _ = conn.Read(make([]byte, 1024))
		_, _ = conn.Read(make([]byte, 1024))
	})
	c, err := New(validSettings(map[string]string{settingURL: "ldap://" + addr, settingTimeout: "0.2"}),
		engine.ConnectorEnv{Secrets: memSecrets{passwordRef: "secret-password"}}, engine.TargetOptions{})
	require.NoError(t, err)
	defer c.Close()
	start := time.Now()
	err = c.Test(t.Context())
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.True(t, engine.IsTransient(err), "%v", err)
	assert.Contains(t, err.Error(), "did not answer", "the per-request timeout or the dial deadline, whichever ends first")
	assert.NotContains(t, err.Error(), "secret-password")
}

func TestPoolBoundsTheConnections(t *testing.T) {
	dials := 0
	p := newPool(2, func(context.Context) (*goldap.Conn, error) {
		dials++
		a, b := net.Pipe()
		t.Cleanup(func() { b.Close() })
		conn := goldap.NewConn(a, false)
		conn.Start()
		return conn, nil
	})
	ctx := t.Context()
	c1, err := p.get(ctx)
	require.NoError(t, err)
	c2, err := p.get(ctx)
	require.NoError(t, err)

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = p.get(short)
	assert.True(t, engine.IsTransient(err), "a third connection waits for a free one until the deadline: %v", err)

	p.put(c1, false)
	c3, err := p.get(ctx)
	require.NoError(t, err)
	assert.Same(t, c1, c3, "an idle connection is reused")
	p.put(c2, true)
	c4, err := p.get(ctx)
	require.NoError(t, err)
	assert.NotSame(t, c2, c4, "a broken connection is not reused")
	assert.True(t, c2.IsClosing())
	assert.Equal(t, 3, dials)

	p.put(c3, false)
	p.close()
	assert.True(t, c3.IsClosing(), "close closes the idle connections")
	p.put(c4, false)
	assert.True(t, c4.IsClosing(), "a connection put back after close is closed")
	_, err = p.get(ctx)
	assert.Error(t, err)
}

func TestRecentAccountsExpire(t *testing.T) {
	var r recent
	_, ok := r.get("uid=a,dc=x")
	assert.False(t, ok)
	r.remember("uid=a,dc=x", "a")
	got, ok := r.get("UID=A,dc=x ")
	assert.True(t, ok)
	assert.Equal(t, "a", got.uid)
	r.forget("uid=A,DC=X")
	_, ok = r.get("uid=a,dc=x")
	assert.False(t, ok)

	r.remember("uid=b,dc=x", "")
	r.m[recentKey("uid=b,dc=x")] = recentAccount{at: time.Now().Add(-recentTTL - time.Second)}
	_, ok = r.get("uid=b,dc=x")
	assert.False(t, ok, "an account remembered longer ago than recentTTL")
}
