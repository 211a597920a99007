package ldap

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode"

	goldap "github.com/go-ldap/ldap/v3"

	"provisio/engine"
)

// What Active Directory accounts do differently from generic LDAP ones:
// they are named by cn, which is not their identity, and a container holds
// one entry per name; a random password and userAccountControl come with
// them; enabling and disabling change userAccountControl.

// adRDN returns the RDN CN=name, escaped as Active Directory wants it:
// besides what RFC 4514 asks, it wants '=' escaped too (Samba refuses
// CN=a\+b=c as an invalid DN).
func adRDN(name string) string {
	return "CN=" + strings.ReplaceAll(goldap.EscapeDN(name), "=", `\=`)
}

// adDN returns the DN of the entry named name in parent.
func adDN(name, parent string) string { return adRDN(name) + "," + parent }

// adListed returns the DN under which the directory lists the entry dn,
// just named name: dn itself, unless the name holds characters that need
// escaping, which the directory may escape its own way (Samba writes '='
// as \3D); then the DN the directory gives the entry, so that the ref the
// connector returns is the one ListAccounts reports.
func adListed(conn *goldap.Conn, dn, name string) string {
	if adRDN(name) == "CN="+name {
		return dn
	}
	if e, err := lookup(conn, dn); err == nil && e != nil {
		return e.DN
	}
	return dn
}

// maxCN is the longest cn that Active Directory takes, in characters.
const maxCN = 64

// cnTries bounds the names tried for one account.
const cnTries = 10

// cnCandidates returns the names to try, in order, for an account that
// should be named cn and whose sAMAccountName is sam. A container holds
// one entry per name, and two people may share a name: the first name is
// cn itself ("Jan de Vries"), the second adds the sAMAccountName, which is
// unique in the domain ("Jan de Vries (jdevries2)"), and the others a
// number as well, for names someone took by hand ("Jan de Vries
// (jdevries2) 2"). A cn that already ends with the sAMAccountName, or is
// it, gets numbers only. Names made longer are cut to maxCN characters.
func cnCandidates(cn, sam string) []string {
	qualifier := ""
	if sam != "" && !strings.EqualFold(cn, sam) && !hasSuffixFold(cn, " ("+sam+")") {
		qualifier = " (" + sam + ")"
	}
	names := []string{cn}
	if qualifier != "" {
		names = append(names, fitCN(cn, qualifier))
	}
	for n := 2; len(names) < cnTries; n++ {
		names = append(names, fitCN(cn, qualifier+" "+strconv.Itoa(n)))
	}
	return names
}

// fitCN returns name with suffix, cutting name so that the whole has at
// most maxCN characters.
func fitCN(name, suffix string) string {
	r := []rune(name)
	if n := maxCN - len([]rune(suffix)); len(r) > n {
		r = r[:max(n, 0)]
	}
	return strings.TrimRight(string(r), " ") + suffix
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// oneValue returns the value of the named attribute in attrs, which must
// hold at most one, without control characters; given says whether attrs
// names the attribute at all. A required attribute must have a value.
func oneValue(what string, attrs engine.Attributes, name string, required bool) (value string, given bool, err error) {
	v, _, given := attribute(attrs, name)
	vs := values(v)
	switch {
	case len(vs) > 1:
		return "", given, engine.Errorf(engine.Invalid, "%s: %s takes one value, not %d", what, name, len(vs))
	case len(vs) == 0 && required:
		return "", given, engine.Errorf(engine.Invalid, "%s: the account has no %s, which identifies it in the domain; the account mapping must give it a value", what, name)
	case len(vs) == 0:
		return "", given, nil
	case strings.IndexFunc(vs[0], unicode.IsControl) >= 0:
		return "", given, engine.Errorf(engine.Invalid, "%s: %s %q holds a control character", what, name, vs[0])
	}
	return vs[0], given, nil
}

// samForbidden are the characters a sAMAccountName may not hold.
const samForbidden = `"/\[]:;|=,+*?<>@`

// checkSAM refuses a sAMAccountName that the domain would refuse for its
// characters, with a message that says which rule it breaks.
func checkSAM(what, sam string) error {
	if i := strings.IndexAny(sam, samForbidden); i >= 0 {
		return engine.Errorf(engine.Invalid, "%s: sAMAccountName %q holds %q; Active Directory does not allow any of %s in it", what, sam, sam[i:i+1], samForbidden)
	}
	if strings.HasSuffix(sam, ".") || strings.TrimSpace(sam) == "" {
		return engine.Errorf(engine.Invalid, "%s: sAMAccountName %q cannot end with a period or be blank", what, sam)
	}
	return nil
}

// identityBases returns the containers in which an account's
// sAMAccountName and userPrincipalName must be free: the domain, or the
// account containers when the base DN has no DC= part.
func (c *Connector) identityBases() []string {
	if c.cfg.ad.domainDN != "" {
		return []string{c.cfg.ad.domainDN}
	}
	return c.accountBases()
}

// adIdentityFree returns a Conflict naming the attribute when another entry
// than self ("" for none) has the sAMAccountName or the userPrincipalName
// ("" values are not checked). sAMAccountName is unique among all the
// domain's security principals, groups and computers included.
func (c *Connector) adIdentityFree(conn *goldap.Conn, what, sam, upn, self string) error {
	var terms []string
	if sam != "" {
		terms = append(terms, eqFilter(attrSAM, sam))
	}
	if upn != "" {
		terms = append(terms, eqFilter(attrUPN, upn))
	}
	if len(terms) == 0 {
		return nil
	}
	filter := "(|" + strings.Join(terms, "") + ")"
	for _, base := range c.identityBases() {
		res, err := conn.Search(goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
			0, 0, false, filter, []string{attrSAM, attrUPN}, nil))
		if resultCode(err) == goldap.LDAPResultNoSuchObject {
			continue // reported as a missing container by the caller
		}
		if err != nil {
			return classify(err, what)
		}
		for _, e := range res.Entries {
			if self != "" && sameDN(e.DN, self) {
				continue
			}
			if sam != "" && strings.EqualFold(e.GetEqualFoldAttributeValue(attrSAM), sam) {
				return engine.Errorf(engine.Conflict, "%s: sAMAccountName %q is taken: %s has it", what, sam, e.DN)
			}
			if upn != "" && strings.EqualFold(e.GetEqualFoldAttributeValue(attrUPN), upn) {
				return engine.Errorf(engine.Conflict, "%s: userPrincipalName %q is taken: %s has it", what, upn, e.DN)
			}
		}
	}
	return nil
}

// adCreate makes a disabled user (userAccountControl 514) with a random
// password; see Create.
func (c *Connector) adCreate(ctx context.Context, attrs engine.Attributes) (string, error) {
	const what0 = "create an account"
	if err := c.checkAttributes(what0, attrs); err != nil {
		return "", err
	}
	sam, _, err := oneValue(what0, attrs, attrSAM, true)
	if err != nil {
		return "", err
	}
	if err := checkSAM(what0, sam); err != nil {
		return "", err
	}
	upn, _, err := oneValue(what0, attrs, attrUPN, false)
	if err != nil {
		return "", err
	}
	if upn == "" && c.cfg.ad.upnSuffix != "" {
		upn = sam + "@" + c.cfg.ad.upnSuffix
	}
	display, _, err := oneValue(what0, attrs, "displayName", false)
	if err != nil {
		return "", err
	}
	cn, _, err := oneValue(what0, attrs, "cn", false)
	if err != nil {
		return "", err
	}
	if cn == "" {
		// Named for people, as Active Directory's own tools do.
		cn = sam
		if strings.TrimSpace(display) != "" {
			cn = fitCN(strings.TrimSpace(display), "")
		}
	}
	if !validName(cn) {
		return "", engine.Errorf(engine.Invalid, "%s: cn %q cannot name an entry: it is blank", what0, cn)
	}

	base := c.cfg.baseDN
	dn := adDN(cn, base)
	what := "create " + dn
	req := goldap.NewAddRequest(dn, nil)
	classes := []string{adUserClass}
	if v, _, ok := attribute(attrs, "objectClass"); ok {
		for _, oc := range values(v) {
			if !slices.ContainsFunc(classes, func(s string) bool { return strings.EqualFold(s, oc) }) {
				classes = append(classes, oc)
			}
		}
	}
	req.Attribute("objectClass", classes)
	for _, name := range attrs.Names() {
		// The DN gives cn: a cn attribute that differs from it, as a
		// name with the sAMAccountName added does, would be refused.
		if strings.EqualFold(name, "objectClass") || strings.EqualFold(name, "cn") || strings.EqualFold(name, attrUPN) {
			continue
		}
		if vs := values(attrs[name]); len(vs) > 0 {
			req.Attribute(name, vs)
		}
	}
	if upn != "" {
		req.Attribute(attrUPN, []string{upn})
	}
	req.Attribute(attrUAC, []string{formatUAC(uacNewAccount)})
	if !c.dryRun {
		req.Attribute(attrPassword, []string{unicodePwd(newPassword(passwordTokens(sam, display)))})
	}

	names := cnCandidates(cn, sam)
	err = c.do(ctx, what, func(conn *goldap.Conn) error {
		if err := c.adIdentityFree(conn, what, sam, upn, ""); err != nil {
			return err
		}
		if c.dryRun {
			e, err := lookup(conn, base)
			if err != nil {
				return classify(err, what)
			}
			if e == nil {
				return engine.Errorf(engine.Invalid, "%s: the container %s does not exist", what, base)
			}
			for _, name := range names {
				d := adDN(name, base)
				e, err := lookup(conn, d)
				if err != nil {
					return classify(err, what)
				}
				if e == nil {
					dn = d
					return nil
				}
			}
			return namesTaken(what, base, names)
		}
		for _, name := range names {
			req.DN = adDN(name, base)
			err := conn.Add(req)
			if err == nil {
				dn = adListed(conn, req.DN, name)
				c.recent.remember(dn, "")
				return nil
			}
			switch resultCode(err) {
			case goldap.LDAPResultEntryAlreadyExists:
				e, lerr := lookup(conn, req.DN)
				if lerr != nil {
					return classify(lerr, what)
				}
				if e != nil {
					continue // another entry has the name: try the next
				}
				// The identity was taken since it was checked.
				if cerr := c.adIdentityFree(conn, what, sam, upn, ""); cerr != nil {
					return cerr
				}
				return classify(err, what)
			case goldap.LDAPResultNoSuchObject:
				return engine.Errorf(engine.Invalid, "%s: the container %s does not exist", what, base)
			}
			return passwordError(err, what)
		}
		return namesTaken(what, base, names)
	})
	if err != nil {
		return "", err
	}
	return dn, nil
}

func namesTaken(what, container string, names []string) error {
	return engine.Errorf(engine.Conflict, "%s: cn: every name tried is taken in %s (%q to %q)", what, container, names[0], names[len(names)-1])
}

// passwordError classifies an error of a request that set the generated
// password: a refusal by the password policy (0000052D, or a refusal that
// speaks of the password) says so.
func passwordError(err error, what string) error {
	if le, ok := ldapError(err); ok && (adCode(le) == "0000052D" ||
		(le.ResultCode == goldap.LDAPResultUnwillingToPerform || le.ResultCode == goldap.LDAPResultConstraintViolation) &&
			strings.Contains(strings.ToLower(diagnostic(le)), "password")) {
		return &engine.Error{Code: engine.Invalid, Err: err, Msg: what + ": the domain's password policy refused the generated password (" +
			strconv.Itoa(passwordLength) + " random characters: upper and lower case letters, digits and symbols); " +
			"the policy asks for more, perhaps a longer minimum length in a fine-grained password policy: " + diagnostic(le)}
	}
	return classify(err, what)
}

// adUpdate replaces attributes and renames on a change of cn; see Update.
func (c *Connector) adUpdate(ctx context.Context, ref string, attrs engine.Attributes) (string, error) {
	what := "update " + ref
	if err := checkRef(what, ref); err != nil {
		return "", err
	}
	if err := c.checkAttributes(what, attrs); err != nil {
		return "", err
	}
	cnValue, cnKey, renaming := attribute(attrs, "cn")
	cn := ""
	if renaming {
		if err := c.naming(what, cnValue); err != nil {
			return "", err
		}
		cn = values(cnValue)[0]
	}
	sam, samGiven, err := oneValue(what, attrs, attrSAM, false)
	if err != nil {
		return "", err
	}
	if samGiven {
		if sam == "" {
			return "", engine.Errorf(engine.Invalid, "%s: sAMAccountName identifies the account and cannot be cleared", what)
		}
		if err := checkSAM(what, sam); err != nil {
			return "", err
		}
	}
	upn, upnGiven, err := oneValue(what, attrs, attrUPN, false)
	if err != nil {
		return "", err
	}
	var changes []replacement
	for _, name := range attrs.Names() {
		if name != cnKey {
			changes = append(changes, replacement{name, values(attrs[name])})
		}
	}

	why := "update"
	if renaming {
		why = "rename to " + cn
	}
	dn := ref
	err = c.do(ctx, what, func(conn *goldap.Conn) error {
		e, found, err := c.adLookup(conn, ref, why, attrSAM, attrUPN)
		if err != nil {
			return classify(err, what)
		}
		if e == nil {
			return engine.Errorf(engine.NotFound, "%s: the account does not exist", what)
		}
		dn = found
		current := e.GetEqualFoldAttributeValue(attrSAM)
		newSAM, newUPN := "", "" // the identities to check
		if samGiven && !strings.EqualFold(sam, current) {
			newSAM, current = sam, sam
		}
		if upnGiven && upn != "" && !strings.EqualFold(upn, e.GetEqualFoldAttributeValue(attrUPN)) {
			newUPN = upn
		}
		if err := c.adIdentityFree(conn, what, newSAM, newUPN, dn); err != nil {
			return err
		}
		if !c.dryRun && len(changes) > 0 {
			err := modify(conn, dn, changes)
			if resultCode(err) == goldap.LDAPResultNoSuchObject {
				return engine.Errorf(engine.NotFound, "%s: the account does not exist", what)
			}
			if err != nil {
				return classify(err, what)
			}
		}
		if !renaming {
			return nil
		}
		if now, ok := rdnValue(dn, "cn"); ok && strings.EqualFold(now, cn) {
			return nil // a change of case only: names compare without case
		}
		renamed, err := c.adName(conn, what, why, dn, cnCandidates(cn, current), "")
		if resultCode(err) == goldap.LDAPResultNoSuchObject {
			return engine.Errorf(engine.NotFound, "%s: the account does not exist", what)
		}
		if err != nil {
			return err
		}
		dn = renamed
		return nil
	})
	if err != nil {
		return "", err
	}
	return dn, nil
}

// adName gives the entry dn the first name of names that is free in the
// container dest, moving it there, or in its own container when dest is
// "". Reaching the name the entry has in its own container keeps it. It
// returns the new DN, and the server's noSuchObject as it is (the entry or
// dest is missing) for the caller to tell which. why describes the call
// for recent.moved.
func (c *Connector) adName(conn *goldap.Conn, what, why, dn string, names []string, dest string) (string, error) {
	current, _ := rdnValue(dn, "cn")
	_, parent, _ := splitDN(dn)
	container := parent
	if dest != "" && !sameDN(dest, parent) {
		container = dest
	} else {
		dest = ""
	}
	for _, name := range names {
		if dest == "" && strings.EqualFold(name, current) {
			return dn, nil
		}
		target := adDN(name, container)
		if c.dryRun {
			e, err := lookup(conn, target)
			if err != nil {
				return "", classify(err, what)
			}
			if e == nil {
				return target, nil
			}
			continue
		}
		err := conn.ModifyDN(goldap.NewModifyDNRequest(dn, adRDN(name), true, dest))
		switch {
		case err == nil:
			target = adListed(conn, target, name)
			c.recent.forget(dn)
			c.recent.remember(target, "")
			c.recent.moved(dn, target, why)
			return target, nil
		case resultCode(err) == goldap.LDAPResultEntryAlreadyExists:
			continue
		case resultCode(err) == goldap.LDAPResultNoSuchObject:
			return "", err
		}
		return "", classify(err, what)
	}
	return "", namesTaken(what, container, names)
}

// adSetState sets or clears ACCOUNTDISABLE in userAccountControl, keeping
// the other flags, and moves the account between the account OU and the
// OU for disabled accounts when there is one; see Enable and Disable.
func (c *Connector) adSetState(ctx context.Context, ref string, enable bool) (string, error) {
	verb := "disable"
	if enable {
		verb = "enable"
	}
	what := verb + " " + ref
	if err := checkRef(what, ref); err != nil {
		return "", err
	}
	if _, ok := rdnValue(ref, "cn"); !ok {
		return "", engine.Errorf(engine.Invalid, "%s: %q is not the DN of a user, which Active Directory names by CN", what, ref)
	}
	dn, gone := ref, false
	missing := func() error {
		gone = true
		if enable {
			return engine.Errorf(engine.NotFound, "%s: the account does not exist", what)
		}
		return nil
	}
	err := c.do(ctx, what, func(conn *goldap.Conn) error {
		e, found, err := c.adLookup(conn, ref, verb, attrUAC, attrSAM)
		if err != nil {
			return classify(err, what)
		}
		if e == nil {
			return missing()
		}
		dn = found
		flags, ok := parseUAC(e.GetEqualFoldAttributeValue(attrUAC))
		if !ok {
			return engine.Errorf(engine.Invalid, "%s: the entry has no userAccountControl: it is not a user account", what)
		}
		if want := withDisabled(flags, !enable); want != flags && !c.dryRun {
			err := modify(conn, dn, []replacement{{attrUAC, []string{formatUAC(want)}}})
			if resultCode(err) == goldap.LDAPResultNoSuchObject {
				return missing()
			}
			if err != nil {
				if le, ok := ldapError(err); ok && enable && adCode(le) == "0000052D" {
					return &engine.Error{Code: engine.Invalid, Err: err, Msg: what + ": the domain refuses to enable an account whose password does not meet its password policy; give the account a new password first: " + diagnostic(le)}
				}
				return classify(err, what)
			}
		}
		dest := ""
		if c.cfg.disabled != nil {
			inDisabled := below(dn, c.cfg.disabled)
			switch {
			case enable && inDisabled:
				dest = c.cfg.baseDN
			case !enable && !inDisabled:
				dest = c.cfg.disabledBaseDN
			}
		}
		if dest == "" {
			return nil
		}
		name, ok := rdnValue(dn, "cn")
		if !ok {
			return engine.Errorf(engine.Invalid, "%s: %q is not the DN of a user, which Active Directory names by CN", what, dn)
		}
		moved, err := c.adName(conn, what, verb, dn, cnCandidates(name, e.GetEqualFoldAttributeValue(attrSAM)), dest)
		if resultCode(err) == goldap.LDAPResultNoSuchObject {
			if e, lerr := lookup(conn, dn); lerr == nil && e != nil {
				return engine.Errorf(engine.Invalid, "%s: the container %s does not exist", what, dest)
			}
			return missing()
		}
		if err != nil {
			return err
		}
		dn = moved
		return nil
	})
	if err != nil {
		return "", err
	}
	if gone {
		return ref, nil
	}
	return dn, nil
}

// adLookup reads the entry ref with the attributes. When there is none,
// but this connector moved or renamed ref in the call described by why a
// moment ago, it reads the entry where it went: a retry of a call whose
// answer was lost finds it there.
// It returns the entry, or nil, and the DN it read.
func (c *Connector) adLookup(conn *goldap.Conn, ref, why string, attrs ...string) (*goldap.Entry, string, error) {
	e, err := lookup(conn, ref, attrs...)
	if err != nil || e != nil {
		return e, ref, err
	}
	if to, ok := c.recent.movedTo(ref, why); ok {
		if e, err := lookup(conn, to, attrs...); err != nil || e != nil {
			return e, to, err
		}
	}
	return nil, ref, nil
}

// adCheckServer checks that the server is an Active Directory domain
// controller: its root DSE announces the capability.
func (c *Connector) adCheckServer(conn *goldap.Conn) error {
	e, err := lookup(conn, "", "supportedCapabilities")
	if err != nil {
		return classify(err, "read the root DSE of the server at "+c.cfg.address)
	}
	if e == nil || !slices.Contains(e.GetEqualFoldAttributeValues("supportedCapabilities"), adCapability) {
		return engine.Errorf(engine.Invalid, "the server at %s is not an Active Directory domain controller: its root DSE does not announce Active Directory; use the LDAP directory target kind for other directories", c.cfg.address)
	}
	return nil
}
