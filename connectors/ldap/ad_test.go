package ldap

// Tests of the Active Directory kind that need no domain controller. The
// behaviour against a real one is in ad_integration_test.go (go test -tags
// integration_ad, through scripts/with-samba-ad.sh).

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// validADSettings returns settings NewAD accepts, changed by extra (""
// removes a setting). Nothing listens on the address.
func validADSettings(extra map[string]string) map[string]string {
	s := map[string]string{
		settingURL:         "ldaps://127.0.0.1:1",
		settingBindDN:      "CN=svc-provisio,OU=Service Accounts,DC=example,DC=org",
		settingPassword:    passwordRef,
		settingBaseDN:      "OU=Users,OU=Company,DC=example,DC=org",
		settingGroupBaseDN: "OU=Groups,DC=example,DC=org",
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

func TestADKindDescribesTheActiveDirectoryTarget(t *testing.T) {
	k := ADKind()
	assert.Equal(t, "ad", k.Kind)
	assert.Equal(t, []string{"sAMAccountName", "userPrincipalName"}, k.Identity)
	assert.Equal(t, k.Identity, k.IdentityFor(validADSettings(nil)))
	assert.Equal(t, []string{"sAMAccountName"}, k.IdentityFor(validADSettings(map[string]string{settingUPNSuffix: "example.org"})),
		"with a UPN suffix the connector gives the userPrincipalName")
	var keys []string
	for _, d := range k.Settings {
		keys = append(keys, d.Key)
		assert.NotEmpty(t, d.Label, d.Key)
		assert.NotEmpty(t, d.Help, d.Key)
	}
	assert.Equal(t, []string{"url", "bindDN", "password", "caFile", "insecureSkipVerify", "baseDN", "disabledBaseDN",
		"groupBaseDN", "upnSuffix", "pageSize", "timeout"}, keys)
	assert.Equal(t, engine.SettingSecret, k.Settings[2].Kind, "the password is a keychain reference")
	assert.Equal(t, engine.SettingFile, k.Settings[3].Kind)

	c, err := k.New(validADSettings(nil), engine.ConnectorEnv{}, engine.TargetOptions{})
	require.NoError(t, err)
	require.NoError(t, c.Close())
	c, err = k.New(validADSettings(map[string]string{settingURL: "ldap://dc1"}), engine.ConnectorEnv{}, engine.TargetOptions{})
	assert.Error(t, err)
	assert.Nil(t, c, "a failed New returns a nil interface")
}

func TestLDAPKindIdentityIsTheNamingAttribute(t *testing.T) {
	k := Kind()
	assert.Equal(t, []string{"uid"}, k.IdentityFor(validSettings(nil)))
	assert.Equal(t, []string{"cn"}, k.IdentityFor(validSettings(map[string]string{settingRDNAttribute: " cn "})))
	assert.Equal(t, []string{"uid"}, k.IdentityFor(nil))
}

func TestNewADAppliesTheDefaults(t *testing.T) {
	cfg, err := parseADConfig(validADSettings(map[string]string{settingUPNSuffix: "@example.org"}), "")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:1", cfg.address)
	require.NotNil(t, cfg.tls)
	require.NotNil(t, cfg.ad)
	assert.Equal(t, "example.org", cfg.ad.upnSuffix, "the @ is optional")
	assert.Equal(t, "DC=example,DC=org", cfg.ad.domainDN)
	assert.Equal(t, uint32(500), cfg.pageSize)
	assert.Equal(t, 30*time.Second, cfg.timeout)
	assert.Equal(t, "member", cfg.memberAttr)
	assert.Equal(t, "(&(objectCategory=person)(objectClass=user))", cfg.accountFilter)
	assert.Equal(t, "(objectClass=group)", cfg.groupFilter)
	assert.Empty(t, cfg.disabledBaseDN, "the OU for disabled accounts is optional")

	cfg, err = parseADConfig(validADSettings(map[string]string{
		settingURL: "ldaps://dc1.example.org", settingPageSize: "1000",
		settingBaseDN: "OU=Users, OU=Company, DC=example, DC=org", settingDisabledBaseDN: "OU=Leavers,DC=example,DC=org",
	}), "")
	require.NoError(t, err)
	assert.Equal(t, "dc1.example.org:636", cfg.address)
	assert.Equal(t, uint32(1000), cfg.pageSize)
	assert.Equal(t, "OU=Users,OU=Company,DC=example,DC=org", cfg.baseDN, "written as the directory writes DNs")
	assert.Equal(t, "OU=Leavers,DC=example,DC=org", cfg.disabledBaseDN)

	for _, name := range []string{"svc-provisio@example.org", `EXAMPLE\svc-provisio`, "cn=svc,dc=example,dc=org"} {
		_, err := parseADConfig(validADSettings(map[string]string{settingBindDN: name}), "")
		assert.NoError(t, err, "bind as %q", name)
	}

	cfg, err = parseADConfig(validADSettings(map[string]string{settingBaseDN: "OU=Users,O=Example"}), "")
	require.NoError(t, err)
	assert.Empty(t, cfg.ad.domainDN, "no DC= part: identities are looked for in the account OUs")
}

func TestNewADRefusesSettingsItCannotUse(t *testing.T) {
	for _, c := range []struct {
		name  string
		extra map[string]string
		want  string
	}{
		{"plain LDAP", map[string]string{settingURL: "ldap://dc1.example.org"}, `"ldap://dc1.example.org" is plain LDAP, and Active Directory refuses simple binds and passwords without TLS: use ldaps://dc1.example.org:636`},
		{"no address", map[string]string{settingURL: ""}, "(url) is required"},
		{"no bind account", map[string]string{settingBindDN: ""}, "(bindDN) is required"},
		{"a bind name that is none of the three", map[string]string{settingBindDN: "svc-provisio"}, "is neither a DN"},
		{"a bind UPN without its domain", map[string]string{settingBindDN: "svc@"}, "is neither a DN"},
		{"a bind name without its domain", map[string]string{settingBindDN: `\svc`}, "is neither a DN"},
		{"a bind DN that is not one", map[string]string{settingBindDN: "cn=a,,=b"}, "is neither a DN"},
		{"no account OU", map[string]string{settingBaseDN: ""}, "(baseDN) is required"},
		{"no group OU", map[string]string{settingGroupBaseDN: ""}, "(groupBaseDN) is required"},
		{"the account OU as disabled OU", map[string]string{settingDisabledBaseDN: "ou=users,OU=Company,DC=example,DC=org"}, "is the account base DN itself"},
		{"a page size above the domain's limit", map[string]string{settingPageSize: "1001"}, "from 1 to 1000"},
		{"a UPN suffix with an @ inside", map[string]string{settingUPNSuffix: "a@example.org"}, "(upnSuffix)"},
		{"a UPN suffix with a space", map[string]string{settingUPNSuffix: "example org"}, "not a domain name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewAD(validADSettings(c.extra), engine.ConnectorEnv{}, engine.TargetOptions{})
			require.Error(t, err)
			assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "%v", err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestPasswordsAreLongRandomAndComplex(t *testing.T) {
	const n = 2000
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range n {
		p := newPassword(nil)
		assert.Len(t, p, passwordLength)
		assert.False(t, seen[p], "the same password twice")
		seen[p] = true
		for _, set := range []string{passwordUpper, passwordLower, passwordDigits, passwordSymbols} {
			assert.True(t, strings.ContainsAny(p, set), "%q has none of %q", p, set)
		}
		for _, r := range p {
			require.True(t, strings.ContainsRune(passwordChars, r), "%q holds %q", p, r)
			counts[r]++
		}
	}
	// Every character turns up about as often as the others: 2000×32
	// characters over 88 make about 730 each, give or take 27.
	assert.Len(t, counts, len(passwordChars))
	for r, k := range counts {
		assert.InDelta(t, n*passwordLength/len(passwordChars), k, 250, "%q turns up %d times", r, k)
	}
	assert.False(t, strings.ContainsAny(passwordChars, `" \`), "no quote, backslash or space")
}

func TestPasswordsAvoidTheAccountsNames(t *testing.T) {
	for range 200 {
		p := newPassword([]string{"a", "Z", "7"})
		assert.False(t, strings.ContainsAny(p, "aAzZ7"), "%q holds a character to avoid", p)
	}
	assert.Equal(t, []string{"jdevries", "Jan", "Vries", "ICT"}, passwordTokens("jdevries", "Jan de Vries, ICT-x_y#1"))
	assert.Empty(t, passwordTokens("jd", ""), "names shorter than three characters are not checked")
	assert.True(t, holdsAny("xxJDEVRIESxx", []string{"jdevries"}))
	assert.False(t, holdsAny("xx", []string{"", "y"}))
}

func TestUnicodePwdIsTheQuotedPasswordInUTF16LE(t *testing.T) {
	assert.Equal(t, "\"\x00a\x00B\x00!\x00\"\x00", unicodePwd("aB!"))
	got := unicodePwd("é𝄞")
	require.Len(t, got, 2*5, "quotes, é, and 𝄞 as a surrogate pair")
	units := make([]uint16, len(got)/2)
	for i := range units {
		units[i] = uint16(got[2*i]) | uint16(got[2*i+1])<<8
	}
	assert.Equal(t, `"é𝄞"`, string(utf16.Decode(units)))
}

func TestUserAccountControlFlags(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint32
		ok   bool
	}{
		{"514", 514, true},
		{" 512 ", 512, true},
		{"66050", 66050, true},
		{"-2147483646", 0x80000002, true},
		{"4294967295", 0xffffffff, true},
		{"4294967296", 0, false},
		{"", 0, false},
		{"0x202", 0, false},
	} {
		got, ok := parseUAC(c.in)
		assert.Equal(t, c.ok, ok, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
	assert.Equal(t, "514", formatUAC(uacNewAccount))
	assert.Equal(t, "-2147483646", formatUAC(0x80000002), "a signed 32-bit number, as the directory writes it")

	const dontExpire, smartCard = 0x10000, 0x40000
	flags := uint32(uacNormalAccount | dontExpire | smartCard | uacAccountDisable)
	assert.Equal(t, uint32(uacNormalAccount|dontExpire|smartCard), withDisabled(flags, false), "enabling keeps the other flags")
	assert.Equal(t, flags, withDisabled(withDisabled(flags, false), true), "disabling keeps them too")
	assert.Equal(t, flags, withDisabled(flags, true), "disabling a disabled account changes nothing")

	entry := func(v string) *goldap.Entry {
		return goldap.NewEntry("CN=x,DC=y", map[string][]string{"userAccountControl": {v}})
	}
	assert.True(t, uacEnabled(entry("512")))
	assert.True(t, uacEnabled(entry("66048")))
	assert.False(t, uacEnabled(entry("514")))
	assert.False(t, uacEnabled(entry("546")), "disabled, password not required")
	assert.False(t, uacEnabled(goldap.NewEntry("CN=x,DC=y", nil)), "no userAccountControl: not an account")
}

func TestCNCandidates(t *testing.T) {
	assert.Equal(t, []string{"Jan de Vries", "Jan de Vries (jdv)", "Jan de Vries (jdv) 2", "Jan de Vries (jdv) 3"},
		cnCandidates("Jan de Vries", "jdv")[:4])
	assert.Len(t, cnCandidates("Jan de Vries", "jdv"), cnTries)
	assert.Equal(t, []string{"jdv", "jdv 2", "jdv 3"}, cnCandidates("jdv", "JDV")[:3], "named by the sAMAccountName")
	assert.Equal(t, []string{"Jan (jdv)", "Jan (jdv) 2"}, cnCandidates("Jan (jdv)", "jdv")[:2], "already qualified")
	long := strings.Repeat("x", 70)
	names := cnCandidates(long, "jdevries")
	assert.Equal(t, long, names[0], "a cn the mapping gives is tried as it is")
	for _, n := range names[1:] {
		assert.LessOrEqual(t, len([]rune(n)), maxCN, n)
	}
	assert.Equal(t, strings.Repeat("x", 53)+" (jdevries)", names[1])
	assert.Equal(t, "a (b)", fitCN("a    ", " (b)"))
}

func TestADDNsEscapeTheEqualsSign(t *testing.T) {
	assert.Equal(t, `CN=a\+b\=c,OU=x`, adDN("a+b=c", "OU=x"))
	assert.Equal(t, `CN=Smith\, John`, adRDN("Smith, John"))
	v, ok := rdnValue(adDN("a+b=c", "OU=x"), "cn")
	assert.True(t, ok)
	assert.Equal(t, "a+b=c", v)
	assert.Equal(t, "DC=example,DC=org", domainOf(mustDN(t, "CN=x,OU=y,DC=example,DC=org")))
	assert.Equal(t, "", domainOf(mustDN(t, "CN=x,O=y")))
	assert.Equal(t, "OU=a,DC=b", normalDN(" OU=a ,  DC=b "))
	assert.Equal(t, `OU=a\, b,DC=c`, normalDN(`OU=a\, b, DC=c`))
}

func mustDN(t *testing.T, dn string) *goldap.DN {
	t.Helper()
	p, err := goldap.ParseDN(dn)
	require.NoError(t, err)
	return p
}

func TestADCallsCheckTheirArguments(t *testing.T) {
	c, err := NewAD(validADSettings(nil), engine.ConnectorEnv{Secrets: memSecrets{}}, engine.TargetOptions{})
	require.NoError(t, err)
	defer c.Close()
	ctx := t.Context()
	user := func(extra engine.Attributes) engine.Attributes {
		a := engine.Attributes{"sAMAccountName": "jdv", "displayName": "Jan de Vries"}
		for k, v := range extra {
			a[k] = v
		}
		return a
	}
	ref := "CN=Jan de Vries,OU=Users,OU=Company,DC=example,DC=org"
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"Create without sAMAccountName", second(c.Create(ctx, engine.Attributes{"displayName": "x"})), "the account has no sAMAccountName"},
		{"Create with two sAMAccountNames", second(c.Create(ctx, user(engine.Attributes{"sAMAccountName": "a\nb"}))), "sAMAccountName takes one value, not 2"},
		{"Create with a forbidden character", second(c.Create(ctx, user(engine.Attributes{"sAMAccountName": "j/dv"}))), `holds "/"`},
		{"Create with a trailing period", second(c.Create(ctx, user(engine.Attributes{"sAMAccountName": "jdv."}))), "cannot end with a period"},
		{"Create with two UPNs", second(c.Create(ctx, user(engine.Attributes{"userPrincipalName": "a@x\nb@x"}))), "userPrincipalName takes one value"},
		{"Create setting the password", second(c.Create(ctx, user(engine.Attributes{"unicodePwd": "secret"}))), "unicodePwd belongs to the connector"},
		{"Create setting userAccountControl", second(c.Create(ctx, user(engine.Attributes{"UserAccountControl": "512"}))), "UserAccountControl belongs to the connector"},
		{"Create with a bad attribute name", second(c.Create(ctx, user(engine.Attributes{"first name": "x"}))), `"first name" is not an LDAP attribute name`},
		{"Update setting the password", second(c.Update(ctx, ref, engine.Attributes{"unicodePwd": "secret"})), "take it out of the account mapping"},
		{"Update setting userAccountControl", second(c.Update(ctx, ref, engine.Attributes{"userAccountControl": "512"})), "creates accounts disabled and enables and disables them"},
		{"Update clearing the sAMAccountName", second(c.Update(ctx, ref, engine.Attributes{"sAMAccountName": ""})), "cannot be cleared"},
		{"Update clearing the cn", second(c.Update(ctx, ref, engine.Attributes{"cn": ""})), "the account has no cn"},
		{"Update of a ref that is not a DN", second(c.Update(ctx, "jdv", engine.Attributes{"title": "x"})), `"jdv" is not a distinguished name`},
		{"Enable of a DN not named by CN", second(c.Enable(ctx, "uid=jdv,DC=example,DC=org")), "which Active Directory names by CN"},
	} {
		assert.Equal(t, engine.Invalid, engine.ErrorCode(tc.err), "%s: %v", tc.name, tc.err)
		if tc.err != nil {
			assert.Contains(t, tc.err.Error(), tc.want, tc.name)
			assert.NotContains(t, tc.err.Error(), "secret", tc.name)
		}
	}
	// the checks pass: the next step is connecting, which fails
	_, err = c.Create(ctx, user(nil))
	assert.True(t, engine.IsTransient(err), "%v", err)
}

func TestADDiagnosticsSayWhatTheCodesMean(t *testing.T) {
	diag := func(code uint16, msg string) error { return goldap.NewError(code, errors.New(msg)) }
	for _, c := range []struct {
		err  error
		want engine.Code
		says string
	}{
		{diag(goldap.LDAPResultConstraintViolation, "0000052D: Constraint violation - check_password_restrictions: the password is too short."), engine.Invalid, "the domain's password policy refused the password: 0000052D"},
		{diag(goldap.LDAPResultEntryAlreadyExists, "00002071: samldb: samAccountName 'jdv' already in use!"), engine.Conflict, "sAMAccountName"},
		{diag(goldap.LDAPResultEntryAlreadyExists, "00000524: UpdErr: DSID-031A11E4, problem 6005 (ENTRY_EXISTS), data 0"), engine.Conflict, "sAMAccountName already exists"},
		{diag(goldap.LDAPResultConstraintViolation, "0000202F: samldb: userPrincipalName 'jdv@x' is already in use"), engine.Conflict, "the userPrincipalName is taken"},
		{diag(goldap.LDAPResultConstraintViolation, "000021C8: AtrErr: DSID-03200BBA, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 90290 (userPrincipalName)"), engine.Conflict, "the userPrincipalName is taken"},
		{diag(goldap.LDAPResultConstraintViolation, "0000202F: AtrErr: problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 3 (cn)"), engine.Invalid, "a value breaks a rule of its attribute"},
		{diag(goldap.LDAPResultUnwillingToPerform, "00000523: SysErr: DSID-031A1202, problem 22 (Invalid argument), data 0"), engine.Invalid, "the sAMAccountName is not valid"},
		{diag(goldap.LDAPResultInsufficientAccessRights, "00000005: SecErr: DSID-031521E1, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0"), engine.Invalid, "the bind account may not do this"},
		{diag(goldap.LDAPResultNoSuchObject, "0000208D: NameErr: DSID-03100241, problem 2001 (NO_OBJECT), data 0"), engine.NotFound, "no such entry"},
		{diag(goldap.LDAPResultUnwillingToPerform, "00002035: something new"), engine.Invalid, "the directory refused: 00002035: something new"},
		{diag(goldap.LDAPResultBusy, "00002024: busy"), engine.Unavailable, "busy"},
	} {
		err := classify(c.err, "create x")
		assert.Equal(t, c.want, engine.ErrorCode(err), "%v", err)
		assert.Contains(t, err.Error(), c.says)
		assert.True(t, strings.HasPrefix(err.Error(), "create x: "), "%v", err)
	}

	for _, err := range []error{
		diag(goldap.LDAPResultUnwillingToPerform, "0000052D: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM), data 0"),
		diag(goldap.LDAPResultConstraintViolation, "0000052D: Constraint violation - check_password_restrictions: the password does not meet the complexity criteria!"),
		diag(goldap.LDAPResultUnwillingToPerform, "the password is too short"),
	} {
		got := passwordError(err, "create x")
		assert.Equal(t, engine.Invalid, engine.ErrorCode(got), "%v", got)
		assert.Contains(t, got.Error(), "create x: the domain's password policy refused the generated password (32 random characters")
	}
	got := passwordError(diag(goldap.LDAPResultUnwillingToPerform, "no"), "create x")
	assert.Equal(t, "create x: the directory refused: no (LDAP result 53, Unwilling To Perform)", got.Error())
	assert.Equal(t, "", adCode(&goldap.Error{ResultCode: 53, Err: errors.New("0000052X: no")}))
	assert.Equal(t, "0000052D", adCode(&goldap.Error{ResultCode: 53, Err: errors.New(" 0000052d: no")}))
}

func TestADBindErrorsSayWhy(t *testing.T) {
	c, err := NewAD(validADSettings(map[string]string{settingBindDN: "svc@example.org"}), engine.ConnectorEnv{}, engine.TargetOptions{})
	require.NoError(t, err)
	for data, says := range map[string]string{
		"52e":  "the bind account or its password is wrong",
		"533":  "the bind account is disabled",
		"775":  "the bind account is locked out",
		"532":  "the bind account's password has expired",
		"":     "the bind account or its password is wrong",
		"52E,": "the bind account or its password is wrong",
	} {
		msg := "80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data " + data + ", v1db1"
		if data == "" {
			msg = "wrong"
		}
		err := c.bindError(goldap.NewError(goldap.LDAPResultInvalidCredentials, errors.New(msg)))
		assert.Equal(t, engine.Invalid, engine.ErrorCode(err))
		assert.Equal(t, `the domain controller rejected the sign-in as "svc@example.org": `+says, err.Error(), data)
	}
}

func TestRecentMovesAreFoundByTheSameCallOnly(t *testing.T) {
	var r recent
	r.moved("CN=a,OU=x", "CN=a,OU=y", "disable")
	to, ok := r.movedTo("cn=A,ou=x", "disable")
	assert.True(t, ok)
	assert.Equal(t, "CN=a,OU=y", to)
	_, ok = r.movedTo("CN=a,OU=x", "enable")
	assert.False(t, ok, "another call does not find it")
	r.moved("CN=a,OU=x", "CN=b,OU=x", "rename to b")
	_, ok = r.movedTo("CN=a,OU=x", "rename to B")
	assert.True(t, ok)
	r.moves[moveKey("CN=a,OU=x", "disable")] = recentMove{to: "CN=a,OU=y", at: time.Now().Add(-movedTTL - time.Second)}
	_, ok = r.movedTo("CN=a,OU=x", "disable")
	assert.False(t, ok, "forgotten after movedTTL")
}
