package ldap

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"provisio/engine"
)

// KindName is the target kind of generic LDAP directories.
const KindName = "ldap"

// The setting keys of the connector.
const (
	settingURL                = "url"
	settingBindDN             = "bindDN"
	settingPassword           = "password"
	settingCAFile             = "caFile"
	settingInsecureSkipVerify = "insecureSkipVerify"
	settingBaseDN             = "baseDN"
	settingGroupBaseDN        = "groupBaseDN"
	settingObjectClasses      = "objectClasses"
	settingRDNAttribute       = "rdnAttribute"
	settingGroupType          = "groupType"
	settingDisabledBaseDN     = "disabledBaseDN"
	settingEnabledAttribute   = "enabledAttribute"
	settingEnabledValue       = "enabledValue"
	settingDisabledValue      = "disabledValue"
	settingPageSize           = "pageSize"
	settingTimeout            = "timeout"
)

// The group types, named after their object classes.
const (
	groupOfNames       = "groupOfNames"
	groupOfUniqueNames = "groupOfUniqueNames"
	posixGroup         = "posixGroup"
)

// emptyMember is the member value a groupOfNames or groupOfUniqueNames
// holds when it has no other member: both classes require one. It is the
// empty DN, which names no entry; scripts/with-slapd.sh makes its groups
// the same way.
const emptyMember = ""

// maxConnections bounds the connections one connector opens. Enforcement
// runs a few calls per target at once; more connections than that would
// only load the server.
const maxConnections = 8

var settings = settingDefs{
	{
		Key: settingURL, Label: "Server address", Kind: engine.SettingText, Required: true,
		Help: "ldap://host:389 or ldaps://host:636. Use ldaps:// whenever the accounts have passwords: ldap:// sends everything, the bind password included, in clear text.",
	},
	{
		Key: settingBindDN, Label: "Bind DN", Kind: engine.SettingText, Required: true,
		Help: "The distinguished name Provisio signs in as, e.g. cn=provisio,ou=services,dc=example,dc=org. It needs write access to the account and group containers.",
	},
	{
		Key: settingPassword, Label: "Bind password", Kind: engine.SettingSecret, Required: true,
		Help: "The bind DN's password, kept in the operating system's keychain.",
	},
	{
		Key: settingCAFile, Label: "CA certificate", Kind: engine.SettingFile,
		Help: "Optional, for ldaps://: a PEM file with the certificate of the authority that signed the server's certificate, when the system does not trust it already. A relative path is relative to the workspace folder.",
	},
	{
		Key: settingInsecureSkipVerify, Label: "Skip certificate verification", Kind: engine.SettingBool, Default: "false",
		Help: "For tests only: accept any server certificate over ldaps://. Anyone between Provisio and the server could then read the bind password.",
	},
	{
		Key: settingBaseDN, Label: "Account base DN", Kind: engine.SettingText, Required: true,
		Help: "The container new accounts are created in (and enabled accounts moved back to); every account below it is listed, e.g. ou=people,dc=example,dc=org.",
	},
	{
		Key: settingGroupBaseDN, Label: "Group base DN", Kind: engine.SettingText, Required: true,
		Help: "The container whose groups rules can grant, e.g. ou=groups,dc=example,dc=org.",
	},
	{
		Key: settingObjectClasses, Label: "Account object classes", Kind: engine.SettingText, Default: "inetOrgPerson",
		Help: "The object classes of new accounts, separated by commas, e.g. inetOrgPerson,posixAccount. Accounts are listed by the first one.",
	},
	{
		Key: settingRDNAttribute, Label: "Naming attribute", Kind: engine.SettingText, Default: "uid",
		Help: "The attribute that names an account in its DN (uid=jdoe,ou=people,…). It identifies the account: the account mapping must give it on create, and changing it renames the entry.",
	},
	{
		Key: settingGroupType, Label: "Group type", Kind: engine.SettingChoice, Default: groupOfNames,
		Help: "The object class of the groups, which decides how members are recorded.",
		Choices: []engine.Choice{
			{Value: groupOfNames, Label: "groupOfNames (member holds the account's DN)"},
			{Value: groupOfUniqueNames, Label: "groupOfUniqueNames (uniqueMember holds the account's DN)"},
			{Value: posixGroup, Label: "posixGroup (memberUid holds the account's uid)"},
		},
	},
	{
		Key: settingDisabledBaseDN, Label: "Container for disabled accounts", Kind: engine.SettingText,
		Help: "Optional: disabling an account moves it here and enabling moves it back to the account base DN; new accounts are created here. Give this, an enabled attribute, or both.",
	},
	{
		Key: settingEnabledAttribute, Label: "Enabled attribute", Kind: engine.SettingText,
		Help: "Optional: an attribute that records whether the account may sign in, e.g. employeeType. Give this, a container for disabled accounts, or both.",
	},
	{
		Key: settingEnabledValue, Label: "Enabled value", Kind: engine.SettingText,
		Help: "The enabled attribute's value for an account that may sign in, e.g. active. Any other value, or none, counts as disabled.",
	},
	{
		Key: settingDisabledValue, Label: "Disabled value", Kind: engine.SettingText,
		Help: "The enabled attribute's value for a disabled account, e.g. disabled. Empty removes the attribute when an account is disabled.",
	},
	{
		Key: settingPageSize, Label: "Page size", Kind: engine.SettingNumber, Default: "500",
		Help: "How many entries the server returns per page when Provisio lists accounts and groups.",
	},
	{
		Key: settingTimeout, Label: "Timeout (seconds)", Kind: engine.SettingNumber, Default: "30",
		Help: "How long Provisio waits to connect and for each answer of the server before it gives up and tries again later.",
	},
}

// Kind returns the description of the generic LDAP target kind.
func Kind() engine.TargetKind {
	return engine.TargetKind{
		Kind:        KindName,
		Label:       "LDAP directory",
		Description: "Creates and manages accounts and group memberships in an LDAP directory such as OpenLDAP: configurable object classes, naming attribute and containers; groupOfNames, groupOfUniqueNames or posixGroup groups.",
		Settings:    slices.Clone(settings),
		// uid, the default naming attribute, for forms that have no
		// settings yet; IdentityOf gives a target's own.
		Identity:   []string{"uid"},
		IdentityOf: identityOf,
		New: func(s map[string]string, env engine.ConnectorEnv, opts engine.TargetOptions) (engine.TargetConnector, error) {
			c, err := New(s, env, opts)
			if err != nil {
				return nil, err // not a nil *Connector in a non-nil interface
			}
			return c, nil
		},
	}
}

// identityOf returns the identity of a generic LDAP target: its naming
// attribute.
func identityOf(s map[string]string) []string {
	if rdn := settingDefs(settings).value(s, settingRDNAttribute); rdn != "" {
		return []string{rdn}
	}
	return []string{"uid"}
}

// config is a target's settings, checked and parsed.
type config struct {
	url      string // as given, for messages
	address  string // host:port
	tls      *tls.Config
	bindDN   string // a DN, or for Active Directory also a user name
	password string // the keychain reference, never the secret

	baseDN         string
	groupBaseDN    string
	disabledBaseDN string
	// The containers parsed, to tell whether an entry is below them.
	base, disabled *goldap.DN

	objectClasses []string
	rdnAttribute  string
	groupType     string // the object class of the groups
	memberAttr    string

	enabledAttr   string
	enabledValue  string
	disabledValue string

	// accountFilter selects the accounts below the account containers,
	// groupFilter the groups below the group base DN.
	accountFilter string
	groupFilter   string

	pageSize uint32
	timeout  time.Duration

	// ad holds what Active Directory does its own way; nil for a generic
	// directory.
	ad *adConfig
}

// settingDefs are the settings of a kind.
type settingDefs []engine.SettingDef

// value returns the setting's value in s, or its default, trimmed.
func (defs settingDefs) value(s map[string]string, key string) string {
	for _, d := range defs {
		if d.Key == key {
			return strings.TrimSpace(d.Value(s))
		}
	}
	panic("unknown setting " + key)
}

// errorf names a setting and says what was expected.
func (defs settingDefs) errorf(key, format string, args ...any) error {
	label := key
	for _, d := range defs {
		if d.Key == key {
			label = d.Label
		}
	}
	return engine.Errorf(engine.Invalid, "setting %q (%s): %s", label, key, fmt.Sprintf(format, args...))
}

// settingError names a setting of the generic kind and says what was
// expected.
func settingError(key, format string, args ...any) error {
	return settingDefs(settings).errorf(key, format, args...)
}

// parseCommon checks and parses the settings every kind has: the address
// and TLS, the bind password, the containers, the page size (at most
// maxPage) and the timeout. It reads the bind DN but leaves checking it to
// the kind. Files are relative to baseDir.
func parseCommon(defs settingDefs, s map[string]string, baseDir string, maxPage uint64) (*config, error) {
	if err := engine.CheckSettings(defs, s); err != nil {
		return nil, err
	}
	value := func(key string) string { return defs.value(s, key) }
	c := &config{
		url:         value(settingURL),
		bindDN:      value(settingBindDN),
		password:    value(settingPassword),
		baseDN:      value(settingBaseDN),
		groupBaseDN: value(settingGroupBaseDN),
	}

	u, err := url.Parse(c.url)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Hostname() == "" {
		return nil, defs.errorf(settingURL, "%q is not an LDAP address; expected ldap://host:389 or ldaps://host:636", c.url)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return nil, defs.errorf(settingURL, "%q has more than a scheme, host and port; give the base DNs in their own settings", c.url)
	}
	port := u.Port()
	if port == "" {
		port = "389"
		if u.Scheme == "ldaps" {
			port = "636"
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, defs.errorf(settingURL, "%q: the port %q is not a number from 1 to 65535", c.url, port)
	}
	c.address = net.JoinHostPort(u.Hostname(), port)

	skip, err := strconv.ParseBool(value(settingInsecureSkipVerify))
	if err != nil {
		return nil, defs.errorf(settingInsecureSkipVerify, "%q is not true or false", value(settingInsecureSkipVerify))
	}
	if u.Scheme == "ldaps" {
		c.tls = &tls.Config{ServerName: u.Hostname(), InsecureSkipVerify: skip, MinVersion: tls.VersionTLS12}
		if f := value(settingCAFile); f != "" {
			if !filepath.IsAbs(f) && baseDir != "" {
				f = filepath.Join(baseDir, f)
			}
			pem, err := os.ReadFile(f)
			if err != nil {
				return nil, defs.errorf(settingCAFile, "cannot read %s: %v", f, err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, defs.errorf(settingCAFile, "%s holds no PEM certificate (a block starting with -----BEGIN CERTIFICATE-----)", f)
			}
			c.tls.RootCAs = pool
		}
	}

	for _, d := range []struct {
		key string
		dn  *string
	}{{settingBaseDN, &c.baseDN}, {settingGroupBaseDN, &c.groupBaseDN}} {
		if _, err := goldap.ParseDN(*d.dn); err != nil {
			return nil, defs.errorf(d.key, "%q is not a distinguished name such as ou=people,dc=example,dc=org", *d.dn)
		}
	}
	// As the directory writes them, so that the DNs the connector makes
	// in them are the ones it lists.
	c.baseDN, c.groupBaseDN = normalDN(c.baseDN), normalDN(c.groupBaseDN)
	c.base, _ = goldap.ParseDN(c.baseDN)
	if dn := value(settingDisabledBaseDN); dn != "" {
		parsed, err := goldap.ParseDN(dn)
		if err != nil {
			return nil, defs.errorf(settingDisabledBaseDN, "%q is not a distinguished name such as ou=disabled,dc=example,dc=org", dn)
		}
		if parsed.EqualFold(c.base) {
			return nil, defs.errorf(settingDisabledBaseDN, "%q is the account base DN itself; disabled accounts need a container of their own", dn)
		}
		if parsed.AncestorOfFold(c.base) {
			return nil, defs.errorf(settingDisabledBaseDN, "%q holds the account base DN %q; give a container beside it or below it", dn, c.baseDN)
		}
		c.disabledBaseDN, c.disabled = normalDN(dn), parsed
	}

	n, err := strconv.ParseUint(value(settingPageSize), 10, 32)
	if err != nil || n < 1 || n > maxPage {
		return nil, defs.errorf(settingPageSize, "%q is not a whole number from 1 to %d", value(settingPageSize), maxPage)
	}
	c.pageSize = uint32(n)
	secs, err := strconv.ParseFloat(value(settingTimeout), 64)
	if err != nil || secs <= 0 || secs > 3600 {
		return nil, defs.errorf(settingTimeout, "%q is not a number of seconds from 1 to 3600", value(settingTimeout))
	}
	c.timeout = time.Duration(secs * float64(time.Second))
	return c, nil
}

// parseConfig checks the settings of a generic LDAP target and parses
// them; files are relative to baseDir.
func parseConfig(s map[string]string, baseDir string) (*config, error) {
	c, err := parseCommon(settings, s, baseDir, 100000)
	if err != nil {
		return nil, err
	}
	value := func(key string) string { return settingDefs(settings).value(s, key) }
	if _, err := goldap.ParseDN(c.bindDN); err != nil {
		return nil, settingError(settingBindDN, "%q is not a distinguished name such as cn=provisio,ou=services,dc=example,dc=org", c.bindDN)
	}
	c.rdnAttribute = value(settingRDNAttribute)
	c.groupType = value(settingGroupType)
	c.enabledAttr = value(settingEnabledAttribute)
	c.enabledValue = value(settingEnabledValue)
	c.disabledValue = value(settingDisabledValue)

	for _, oc := range strings.Split(value(settingObjectClasses), ",") {
		if oc = strings.TrimSpace(oc); oc != "" {
			if !validAttributeName(oc) {
				return nil, settingError(settingObjectClasses, "%q is not an object class name", oc)
			}
			c.objectClasses = append(c.objectClasses, oc)
		}
	}
	if len(c.objectClasses) == 0 {
		return nil, settingError(settingObjectClasses, "give at least one object class, such as inetOrgPerson")
	}
	c.accountFilter = eqFilter("objectClass", c.objectClasses[0])
	if !validAttributeName(c.rdnAttribute) {
		return nil, settingError(settingRDNAttribute, "%q is not an attribute name such as uid or cn", c.rdnAttribute)
	}
	switch c.groupType {
	case groupOfNames:
		c.memberAttr = "member"
	case groupOfUniqueNames:
		c.memberAttr = "uniqueMember"
	case posixGroup:
		c.memberAttr = "memberUid"
	}
	c.groupFilter = eqFilter("objectClass", c.groupType)

	if c.enabledAttr != "" {
		if !validAttributeName(c.enabledAttr) {
			return nil, settingError(settingEnabledAttribute, "%q is not an attribute name such as employeeType", c.enabledAttr)
		}
		if strings.EqualFold(c.enabledAttr, c.rdnAttribute) {
			return nil, settingError(settingEnabledAttribute, "%q is the naming attribute; the state needs an attribute of its own", c.enabledAttr)
		}
		if c.enabledValue == "" {
			return nil, settingError(settingEnabledValue, "give the value of %s that marks an enabled account, such as active", c.enabledAttr)
		}
		if strings.EqualFold(c.enabledValue, c.disabledValue) {
			return nil, settingError(settingDisabledValue, "%q is also the enabled value; give another, or leave it empty to remove %s on disable", c.disabledValue, c.enabledAttr)
		}
	} else if c.enabledValue != "" || c.disabledValue != "" {
		return nil, settingError(settingEnabledAttribute, "the enabled and disabled values are set, but not the attribute that holds them")
	}
	if c.enabledAttr == "" && c.disabledBaseDN == "" {
		return nil, engine.Errorf(engine.Invalid, "choose how disabled accounts are marked: a container for disabled accounts (%s), an enabled attribute with its values (%s), or both; without either, a new account could sign in before its start date and a leaver's account after their end date", settingDisabledBaseDN, settingEnabledAttribute)
	}
	return c, nil
}

// validAttributeName reports whether s is an attribute or object class
// name (a descriptor, or an OID), optionally with options (;lang-en).
func validAttributeName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9', r == '-' && i > 0, r == '.' && i > 0, r == ';' && i > 0:
		default:
			return false
		}
	}
	return true
}
