package ldap

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	goldap "github.com/go-ldap/ldap/v3"

	"provisio/engine"
)

// ADKindName is the target kind of Active Directory domains.
const ADKindName = "ad"

// settingUPNSuffix is the Active Directory kind's own setting.
const settingUPNSuffix = "upnSuffix"

// adMaxPageSize is the most entries a domain controller returns in a page
// (its MaxPageSize policy, 1000 unless an administrator changed it).
const adMaxPageSize = 1000

// The object classes and filters of Active Directory accounts and groups.
// objectCategory=person leaves out computers, whose class derives from
// user.
const (
	adUserClass     = "user"
	adGroupClass    = "group"
	adAccountFilter = "(&(objectCategory=person)(objectClass=user))"
	adGroupFilter   = "(objectClass=group)"
)

// The attributes the connector owns or reads for itself.
const (
	attrSAM      = "sAMAccountName"
	attrUPN      = "userPrincipalName"
	attrUAC      = "userAccountControl"
	attrPassword = "unicodePwd"
)

// adCapability is the capability a domain controller announces in its root
// DSE (LDAP_CAP_ACTIVE_DIRECTORY_OID); Samba's does too.
const adCapability = "1.2.840.113556.1.4.800"

var adSettings = settingDefs{
	{
		Key: settingURL, Label: "Domain controller", Kind: engine.SettingText, Required: true,
		Help: "ldaps://dc1.example.org:636. Active Directory takes passwords and simple binds only over TLS, so an ldap:// address is refused.",
	},
	{
		Key: settingBindDN, Label: "Bind account", Kind: engine.SettingText, Required: true,
		Help: "The account Provisio signs in as: a DN (CN=svc-provisio,OU=Service Accounts,DC=example,DC=org), a user principal name (svc-provisio@example.org) or EXAMPLE\\svc-provisio. It needs the right to create, change, move and delete users in the account OUs, to reset their passwords, and to change the members of the groups.",
	},
	{
		Key: settingPassword, Label: "Bind password", Kind: engine.SettingSecret, Required: true,
		Help: "The bind account's password, kept in the operating system's keychain.",
	},
	settings.def(settingCAFile),
	settings.def(settingInsecureSkipVerify),
	{
		Key: settingBaseDN, Label: "Account OU", Kind: engine.SettingText, Required: true,
		Help: "The OU new accounts are created in (disabled) and enabled accounts are moved back to; every user below it is listed, e.g. OU=Users,OU=Company,DC=example,DC=org.",
	},
	{
		Key: settingDisabledBaseDN, Label: "OU for disabled accounts", Kind: engine.SettingText,
		Help: "Optional: disabling an account moves it here and enabling it moves it back to the account OU. Without it accounts stay where they are; userAccountControl records the state either way.",
	},
	{
		Key: settingGroupBaseDN, Label: "Group OU", Kind: engine.SettingText, Required: true,
		Help: "The OU whose groups rules can grant, e.g. OU=Groups,DC=example,DC=org.",
	},
	{
		Key: settingUPNSuffix, Label: "UPN suffix", Kind: engine.SettingText,
		Help: "Optional, e.g. example.org: a new account whose mapping gives no userPrincipalName gets sAMAccountName@example.org.",
	},
	{
		Key: settingPageSize, Label: "Page size", Kind: engine.SettingNumber, Default: "500",
		Help: "How many entries the domain controller returns per page when Provisio lists accounts and groups: at most 1000, Active Directory's limit.",
	},
	settings.def(settingTimeout),
}

// def returns the setting with the key.
func (defs settingDefs) def(key string) engine.SettingDef {
	for _, d := range defs {
		if d.Key == key {
			return d
		}
	}
	panic("unknown setting " + key)
}

// ADKind returns the description of the Active Directory target kind.
func ADKind() engine.TargetKind {
	return engine.TargetKind{
		Kind:        ADKindName,
		Label:       "Active Directory",
		Description: "Creates user accounts in an Active Directory domain over LDAPS, disabled and with a random initial password; enables and disables them through userAccountControl, optionally moving them to an OU for disabled accounts; manages their group memberships.",
		Settings:    slices.Clone(adSettings),
		Identity:    []string{attrSAM, attrUPN},
		// With a UPN suffix the connector gives a new account its
		// userPrincipalName when the mapping does not, so the mapping
		// need not: Create still checks that it is free.
		IdentityOf: func(s map[string]string) []string {
			if adSettings.value(s, settingUPNSuffix) != "" {
				return []string{attrSAM}
			}
			return []string{attrSAM, attrUPN}
		},
		New: func(s map[string]string, env engine.ConnectorEnv, opts engine.TargetOptions) (engine.TargetConnector, error) {
			c, err := NewAD(s, env, opts)
			if err != nil {
				return nil, err // not a nil *Connector in a non-nil interface
			}
			return c, nil
		},
	}
}

// NewAD checks the settings of an Active Directory target and returns a
// connector. Like New, it reads the CA certificate file but does not
// connect.
func NewAD(settings map[string]string, env engine.ConnectorEnv, opts engine.TargetOptions) (*Connector, error) {
	cfg, err := parseADConfig(settings, env.BaseDir)
	if err != nil {
		return nil, err
	}
	return newConnector(cfg, env, opts), nil
}

// adConfig is what an Active Directory target has besides the settings
// every kind has.
type adConfig struct {
	upnSuffix string
	// domainDN is the domain's naming context, the DC= part of the base
	// DN: sAMAccountName is unique in the domain, so the connector looks
	// for a taken one there. "" when the base DN has no DC= part.
	domainDN string
}

// parseADConfig checks the settings of an Active Directory target and
// parses them; files are relative to baseDir.
func parseADConfig(s map[string]string, baseDir string) (*config, error) {
	c, err := parseCommon(adSettings, s, baseDir, adMaxPageSize)
	if err != nil {
		return nil, err
	}
	if c.tls == nil {
		host := c.address[:strings.LastIndex(c.address, ":")]
		return nil, adSettings.errorf(settingURL, "%q is plain LDAP, and Active Directory refuses simple binds and passwords without TLS: use ldaps://%s:636", c.url, host)
	}
	if err := checkBindName(c.bindDN); err != nil {
		return nil, err
	}
	suffix := strings.TrimPrefix(adSettings.value(s, settingUPNSuffix), "@")
	if suffix != "" && (strings.ContainsAny(suffix, "@ \\/") || strings.IndexFunc(suffix, unicode.IsControl) >= 0 ||
		strings.HasPrefix(suffix, ".") || strings.HasSuffix(suffix, ".")) {
		return nil, adSettings.errorf(settingUPNSuffix, "%q is not a domain name such as example.org", suffix)
	}
	c.ad = &adConfig{upnSuffix: suffix, domainDN: domainOf(c.base)}
	c.objectClasses = []string{adUserClass}
	c.rdnAttribute = "cn"
	c.groupType = adGroupClass
	c.memberAttr = "member"
	c.accountFilter = adAccountFilter
	c.groupFilter = adGroupFilter
	return c, nil
}

// checkBindName accepts the names Active Directory takes in a simple bind:
// a DN, a user principal name (name@domain) or a down-level logon name
// (DOMAIN\name).
func checkBindName(name string) error {
	bad := func() error {
		return adSettings.errorf(settingBindDN, "%q is neither a DN (CN=svc-provisio,OU=Service Accounts,DC=example,DC=org), a user principal name (svc-provisio@example.org) nor DOMAIN\\name", name)
	}
	switch {
	case strings.Contains(name, "="):
		if _, err := goldap.ParseDN(name); err != nil {
			return bad()
		}
	case strings.Contains(name, "@"):
		local, domain, _ := strings.Cut(name, "@")
		if local == "" || domain == "" || strings.Contains(domain, "@") {
			return bad()
		}
	case strings.Contains(name, `\`):
		domain, user, _ := strings.Cut(name, `\`)
		if domain == "" || user == "" || strings.Contains(user, `\`) {
			return bad()
		}
	default:
		return bad()
	}
	return nil
}

// domainOf returns the DC= part at the end of dn, the naming context of
// the domain that holds it, or "".
func domainOf(dn *goldap.DN) string {
	var parts []string
	for i := len(dn.RDNs) - 1; i >= 0; i-- {
		rdn := dn.RDNs[i]
		if len(rdn.Attributes) != 1 || !strings.EqualFold(rdn.Attributes[0].Type, "dc") {
			break
		}
		parts = append(parts, "DC="+goldap.EscapeDN(rdn.Attributes[0].Value))
	}
	slices.Reverse(parts)
	return strings.Join(parts, ",")
}

// The userAccountControl flags the connector sets. A new account is a
// normal account, disabled (514); enabling and disabling change only
// ACCOUNTDISABLE and keep the other flags (password never expires,
// smart card required, …) as they are.
const (
	uacAccountDisable = 0x0002
	uacNormalAccount  = 0x0200
	uacNewAccount     = uacNormalAccount | uacAccountDisable
)

// parseUAC reads a userAccountControl value, a 32-bit set of flags that the
// directory writes as a signed decimal number.
func parseUAC(s string) (uint32, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < math.MinInt32 || n > math.MaxUint32 {
		return 0, false
	}
	return uint32(n), true
}

// formatUAC writes flags as the directory takes them: a signed 32-bit
// decimal number.
func formatUAC(flags uint32) string {
	return strconv.FormatInt(int64(int32(flags)), 10)
}

// withDisabled returns flags with ACCOUNTDISABLE set or cleared and every
// other flag kept.
func withDisabled(flags uint32, disabled bool) uint32 {
	if disabled {
		return flags | uacAccountDisable
	}
	return flags &^ uacAccountDisable
}

// uacEnabled reports whether the entry's userAccountControl lets the
// account sign in; an entry without one (not an account) counts as
// disabled.
func uacEnabled(e *goldap.Entry) bool {
	flags, ok := parseUAC(e.GetEqualFoldAttributeValue(attrUAC))
	return ok && flags&uacAccountDisable == 0
}
