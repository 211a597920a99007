package ldap

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"provisio/engine"
)

// Connector writes accounts and group memberships to an LDAP directory.
// It is safe for use from several goroutines.
type Connector struct {
	cfg     *config
	secrets engine.Secrets
	dryRun  bool
	pool    *pool
	recent  recent
}

var _ engine.TargetConnector = (*Connector)(nil)

// New checks the settings and returns a connector. It reads the CA
// certificate file but does not connect: the first call does, and
// resolves the bind password through env.Secrets then.
func New(settings map[string]string, env engine.ConnectorEnv, opts engine.TargetOptions) (*Connector, error) {
	cfg, err := parseConfig(settings, env.BaseDir)
	if err != nil {
		return nil, err
	}
	return newConnector(cfg, env, opts), nil
}

func newConnector(cfg *config, env engine.ConnectorEnv, opts engine.TargetOptions) *Connector {
	c := &Connector{cfg: cfg, secrets: env.Secrets, dryRun: opts.DryRun}
	c.pool = newPool(maxConnections, c.dial)
	return c
}

// Close closes the connections; calls made afterwards fail.
func (c *Connector) Close() error {
	c.pool.close()
	return nil
}

// Test connects, signs in and reads the account, group and disabled
// account containers, on a connection of its own. Its error says which
// step failed: the address cannot be reached, TLS failed, the sign-in was
// refused, the server is not an Active Directory domain controller (for
// the kind "ad"), or a container does not exist.
func (c *Connector) Test(ctx context.Context) error {
	if ctx.Err() != nil {
		return contextError(ctx, "test the connection to the directory")
	}
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if c.cfg.ad != nil {
		if err := c.adCheckServer(conn); err != nil {
			if ctx.Err() != nil {
				return contextError(ctx, "read the root DSE")
			}
			return err
		}
	}
	for _, b := range []struct{ key, label, dn string }{
		{settingBaseDN, "account base DN", c.cfg.baseDN},
		{settingGroupBaseDN, "group base DN", c.cfg.groupBaseDN},
		{settingDisabledBaseDN, "container for disabled accounts", c.cfg.disabledBaseDN},
	} {
		if b.dn == "" {
			continue
		}
		e, err := lookup(conn, b.dn)
		if ctx.Err() != nil {
			return contextError(ctx, "read the "+b.label)
		}
		if err != nil {
			return classify(err, fmt.Sprintf("read the %s %q", b.label, b.dn))
		}
		if e == nil {
			return engine.Errorf(engine.Invalid, "the %s %q does not exist in the directory (setting %s)", b.label, b.dn, b.key)
		}
	}
	return nil
}

// noAttributes asks a search for no attributes (RFC 4511, 4.5.1.8).
const noAttributes = "1.1"

// lookup reads the entry dn with the named attributes (none when attrs is
// empty); it returns nil and no error when there is no such entry.
func lookup(conn *goldap.Conn, dn string, attrs ...string) (*goldap.Entry, error) {
	if len(attrs) == 0 {
		attrs = []string{noAttributes}
	}
	res, err := conn.Search(goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases,
		0, 0, false, "(objectClass=*)", attrs, nil))
	if resultCode(err) == goldap.LDAPResultNoSuchObject {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(res.Entries) == 0 {
		return nil, nil
	}
	return res.Entries[0], nil
}

// locate returns dn when the entry exists, else alt when that exists (an
// earlier try renamed or moved it and its answer was lost), else "".
func locate(conn *goldap.Conn, dn, alt string) (string, error) {
	for _, d := range []string{dn, alt} {
		if d == "" {
			continue
		}
		e, err := lookup(conn, d)
		if err != nil || e != nil {
			return d, err
		}
	}
	return "", nil
}

// accountBases returns the containers whose subtrees hold the accounts:
// the base DN, and the container for disabled accounts unless it is below
// the base DN.
func (c *Connector) accountBases() []string {
	bases := []string{c.cfg.baseDN}
	if c.cfg.disabled != nil && !c.cfg.base.AncestorOfFold(c.cfg.disabled) {
		bases = append(bases, c.cfg.disabledBaseDN)
	}
	return bases
}

// identityOwner returns the DN of an entry below the account containers
// whose naming attribute has the value, or "".
func (c *Connector) identityOwner(conn *goldap.Conn, value string) (string, error) {
	for _, base := range c.accountBases() {
		res, err := conn.Search(goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
			0, 0, false, eqFilter(c.cfg.rdnAttribute, value), []string{noAttributes}, nil))
		if err != nil {
			if resultCode(err) == goldap.LDAPResultNoSuchObject {
				continue // reported as a missing container by the caller
			}
			return "", err
		}
		if len(res.Entries) > 0 {
			return res.Entries[0].DN, nil
		}
	}
	return "", nil
}

func (c *Connector) conflict(value, owner string) error {
	return engine.Errorf(engine.Conflict, "%s %q is taken: %s already exists", c.cfg.rdnAttribute, value, owner)
}

// attribute returns the value of the named attribute in attrs and the key
// it is under, comparing names without case as LDAP does.
func attribute(attrs engine.Attributes, name string) (value, key string, ok bool) {
	if v, ok := attrs[name]; ok {
		return v, name, true
	}
	for k, v := range attrs {
		if strings.EqualFold(k, name) {
			return v, k, true
		}
	}
	return "", "", false
}

// naming checks the value of the naming attribute for a create or a
// rename.
func (c *Connector) naming(what, v string) error {
	switch vs := values(v); {
	case len(vs) == 0:
		return engine.Errorf(engine.Invalid, "%s: the account has no %s, which names it in the directory; the account mapping must give it a value", what, c.cfg.rdnAttribute)
	case len(vs) > 1:
		return engine.Errorf(engine.Invalid, "%s: %s names the account and takes one value, not %d", what, c.cfg.rdnAttribute, len(vs))
	case !validName(v):
		return engine.Errorf(engine.Invalid, "%s: %s %q cannot name an entry: it is blank or holds a control character", what, c.cfg.rdnAttribute, v)
	}
	return nil
}

// checkAttributes refuses attribute names that are not LDAP attribute
// names, and the enabled attribute, which only Enable and Disable set.
func (c *Connector) checkAttributes(what string, attrs engine.Attributes) error {
	for name := range attrs {
		if !validAttributeName(name) {
			return engine.Errorf(engine.Invalid, "%s: %q is not an LDAP attribute name (letters, digits and '-', starting with a letter)", what, name)
		}
		if c.cfg.enabledAttr != "" && strings.EqualFold(name, c.cfg.enabledAttr) {
			return engine.Errorf(engine.Invalid, "%s: %s records whether the account is enabled, and Provisio sets it when it enables or disables the account; take it out of the account mapping", what, name)
		}
		if c.cfg.ad != nil && strings.EqualFold(name, attrUAC) {
			return engine.Errorf(engine.Invalid, "%s: %s belongs to the connector, which creates accounts disabled and enables and disables them; take it out of the account mapping", what, name)
		}
		if c.cfg.ad != nil && strings.EqualFold(name, attrPassword) {
			return engine.Errorf(engine.Invalid, "%s: %s belongs to the connector, which gives each new account a random initial password; take it out of the account mapping", what, name)
		}
	}
	return nil
}

func checkRef(what, ref string) error {
	if _, err := goldap.ParseDN(ref); err != nil || strings.TrimSpace(ref) == "" {
		return engine.Errorf(engine.Invalid, "%s: %q is not a distinguished name", what, ref)
	}
	return nil
}

// Create adds an entry named by the naming attribute, with the configured
// object classes (plus any objectClass values in attrs) and the non-empty
// attributes, disabled: in the container for disabled accounts when there
// is one, and with the disabled value when there is an enabled attribute.
// A naming value that an entry below the account containers already has is
// a Conflict naming the attribute.
func (c *Connector) Create(ctx context.Context, attrs engine.Attributes) (string, error) {
	if c.cfg.ad != nil {
		return c.adCreate(ctx, attrs)
	}
	return c.create(ctx, attrs, false)
}

var _ engine.EnabledCreator = (*Connector)(nil)

// CreateEnabled makes the account as Create and Enable do one after the
// other: in a generic directory one add request, of an entry in the
// enabled container with the enabled value; in Active Directory, whose
// account takes its password before it can be enabled, Create then
// Enable.
func (c *Connector) CreateEnabled(ctx context.Context, attrs engine.Attributes) (string, error) {
	if c.cfg.ad == nil {
		return c.create(ctx, attrs, true)
	}
	ref, err := c.adCreate(ctx, attrs)
	if err != nil {
		return "", err
	}
	if moved, err := c.adSetState(ctx, ref, true); err != nil {
		return ref, err
	} else if moved != "" {
		ref = moved
	}
	return ref, nil
}

// create adds the entry of a generic directory's account, disabled or
// enabled.
func (c *Connector) create(ctx context.Context, attrs engine.Attributes, enabled bool) (string, error) {
	name, _, _ := attribute(attrs, c.cfg.rdnAttribute)
	if err := c.naming("create an account", name); err != nil {
		return "", err
	}
	container := c.cfg.baseDN
	if c.cfg.disabledBaseDN != "" && !enabled {
		container = c.cfg.disabledBaseDN
	}
	dn := buildDN(c.cfg.rdnAttribute, name, container)
	what := "create " + dn
	if err := c.checkAttributes(what, attrs); err != nil {
		return "", err
	}
	req := c.addRequest(dn, attrs, enabled)
	err := c.do(ctx, what, func(conn *goldap.Conn) error {
		owner, err := c.identityOwner(conn, name)
		if err != nil {
			return classify(err, what)
		}
		if owner != "" {
			return c.conflict(name, owner)
		}
		if c.dryRun {
			e, err := lookup(conn, container)
			if err == nil && e == nil {
				return engine.Errorf(engine.Invalid, "%s: the container %s does not exist", what, container)
			}
			return classify(err, what)
		}
		err = conn.Add(req)
		switch resultCode(err) {
		case goldap.LDAPResultEntryAlreadyExists:
			return c.conflict(name, dn)
		case goldap.LDAPResultNoSuchObject:
			return engine.Errorf(engine.Invalid, "%s: the container %s does not exist", what, container)
		}
		if err == nil {
			uid, _, _ := attribute(attrs, "uid")
			if vs := values(uid); len(vs) == 1 {
				c.recent.remember(dn, vs[0])
			} else {
				c.recent.remember(dn, "")
			}
		}
		return classify(err, what)
	})
	if err != nil {
		return "", err
	}
	return dn, nil
}

func (c *Connector) addRequest(dn string, attrs engine.Attributes, enabled bool) *goldap.AddRequest {
	req := goldap.NewAddRequest(dn, nil)
	classes := slices.Clone(c.cfg.objectClasses)
	if v, _, ok := attribute(attrs, "objectClass"); ok {
		for _, oc := range values(v) {
			if !slices.ContainsFunc(classes, func(s string) bool { return strings.EqualFold(s, oc) }) {
				classes = append(classes, oc)
			}
		}
	}
	req.Attribute("objectClass", classes)
	for _, name := range attrs.Names() {
		if strings.EqualFold(name, "objectClass") {
			continue
		}
		if vs := values(attrs[name]); len(vs) > 0 {
			req.Attribute(name, vs)
		}
	}
	state := c.cfg.disabledValue
	if enabled {
		state = c.cfg.enabledValue
	}
	if c.cfg.enabledAttr != "" && state != "" {
		req.Attribute(c.cfg.enabledAttr, []string{state})
	}
	return req
}

// replacement is a change that sets an attribute to the values, or
// removes it when there are none.
type replacement struct {
	attr   string
	values []string
}

func modify(conn *goldap.Conn, dn string, changes []replacement) error {
	req := goldap.NewModifyRequest(dn, nil)
	for _, ch := range changes {
		// A replace without values removes the attribute, and succeeds
		// when it is already absent.
		req.Replace(ch.attr, ch.values)
	}
	return conn.Modify(req)
}

// Update replaces the attributes given ("" removes one) and, when the
// naming attribute changes, renames the entry in its container and
// returns the new DN; group memberships follow. A change of case only in
// the naming value is left alone: directories compare names without case.
// A taken name is a Conflict; a missing account is NotFound.
func (c *Connector) Update(ctx context.Context, ref string, attrs engine.Attributes) (string, error) {
	if c.cfg.ad != nil {
		return c.adUpdate(ctx, ref, attrs)
	}
	what := "update " + ref
	if err := checkRef(what, ref); err != nil {
		return "", err
	}
	if err := c.checkAttributes(what, attrs); err != nil {
		return "", err
	}
	var newName, newDN string
	skip := ""
	if v, key, ok := attribute(attrs, c.cfg.rdnAttribute); ok {
		if cur, named := rdnValue(ref, c.cfg.rdnAttribute); named {
			if err := c.naming(what, v); err != nil {
				return "", err
			}
			skip = key // the rename sets it
			if !strings.EqualFold(cur, v) {
				_, parent, _ := splitDN(ref)
				newName, newDN = v, buildDN(c.cfg.rdnAttribute, v, parent)
			}
		}
	}
	// A posixGroup records its members by uid: when the uid changes other
	// than by a rename, the memberships move to the new one.
	newUID := ""
	if c.cfg.groupType == posixGroup {
		if v, key, ok := attribute(attrs, "uid"); ok && key != skip {
			if vs := values(v); len(vs) == 1 {
				newUID = vs[0]
			}
		}
	}
	var changes []replacement
	for _, name := range attrs.Names() {
		if name != skip {
			changes = append(changes, replacement{name, values(attrs[name])})
		}
	}

	if !c.dryRun {
		c.recent.forget(ref) // its uid may change
	}
	dn := ref
	err := c.do(ctx, what, func(conn *goldap.Conn) error {
		if c.dryRun || len(changes) == 0 {
			found, err := locate(conn, ref, newDN)
			if err != nil {
				return classify(err, what)
			}
			if found == "" {
				return engine.Errorf(engine.NotFound, "%s: the account does not exist", what)
			}
			dn = found
		} else {
			oldUID := ""
			if newUID != "" {
				u, err := c.accountUID(conn, ref)
				if err != nil {
					return classify(err, what)
				}
				oldUID = u
			}
			err := modify(conn, ref, changes)
			if resultCode(err) == goldap.LDAPResultNoSuchObject && newDN != "" {
				// An earlier try may have renamed it and lost the answer.
				if e, lerr := lookup(conn, newDN); lerr == nil && e != nil {
					dn = newDN
					err = modify(conn, newDN, changes)
				}
			}
			if resultCode(err) == goldap.LDAPResultNoSuchObject {
				return engine.Errorf(engine.NotFound, "%s: the account does not exist", what)
			}
			if err != nil {
				return classify(err, what)
			}
			if oldUID != "" {
				if err := c.moveMemberships(conn, oldUID, newUID); err != nil {
					return err
				}
			}
		}
		if newDN == "" || sameDN(dn, newDN) {
			if !c.dryRun && dn != ref {
				return c.followRename(conn, ref, dn)
			}
			return nil
		}
		owner, err := c.identityOwner(conn, newName)
		if err != nil {
			return classify(err, what)
		}
		if owner != "" && !sameDN(owner, dn) {
			return c.conflict(newName, owner)
		}
		if c.dryRun {
			dn = newDN
			return nil
		}
		rdn := c.cfg.rdnAttribute + "=" + goldap.EscapeDN(newName)
		err = conn.ModifyDN(goldap.NewModifyDNRequest(dn, rdn, true, ""))
		switch resultCode(err) {
		case goldap.LDAPResultEntryAlreadyExists:
			return c.conflict(newName, newDN)
		case goldap.LDAPResultNoSuchObject:
			return engine.Errorf(engine.NotFound, "%s: the account does not exist", what)
		}
		if err != nil {
			return classify(err, "rename "+dn+" to "+newDN)
		}
		dn = newDN
		return c.followRename(conn, ref, dn)
	})
	if err != nil {
		return "", err
	}
	return dn, nil
}

// followRename moves the memberships of an account renamed or moved from
// oldDN to newDN: by DN, or for a posixGroup by the uid that names it.
func (c *Connector) followRename(conn *goldap.Conn, oldDN, newDN string) error {
	// The entry is where it went: a Grant right after need not look.
	known, _ := c.recent.get(oldDN)
	c.recent.forget(oldDN)
	if uid, ok := rdnValue(newDN, "uid"); ok {
		known.uid = uid
	}
	c.recent.remember(newDN, known.uid)
	if c.cfg.groupType != posixGroup {
		return c.moveMemberships(conn, oldDN, newDN)
	}
	oldUID, ok1 := rdnValue(oldDN, "uid")
	newUID, ok2 := rdnValue(newDN, "uid")
	if ok1 && ok2 && oldUID != newUID {
		return c.moveMemberships(conn, oldUID, newUID)
	}
	return nil
}

// Enable sets the enabled value and moves the account out of the container
// for disabled accounts into the base DN, as configured; group memberships
// follow. A missing account is NotFound.
func (c *Connector) Enable(ctx context.Context, ref string) (string, error) {
	return c.setState(ctx, ref, true)
}

// Disable sets the disabled value (or removes the enabled attribute) and
// moves the account into the container for disabled accounts, as
// configured; group memberships follow. A missing account is no error:
// Disable returns ref.
func (c *Connector) Disable(ctx context.Context, ref string) (string, error) {
	return c.setState(ctx, ref, false)
}

func (c *Connector) setState(ctx context.Context, ref string, enable bool) (string, error) {
	if c.cfg.ad != nil {
		return c.adSetState(ctx, ref, enable)
	}
	verb, value, dest := "disable", c.cfg.disabledValue, ""
	if enable {
		verb, value = "enable", c.cfg.enabledValue
	}
	what := verb + " " + ref
	if err := checkRef(what, ref); err != nil {
		return "", err
	}
	rdn, _, ok := splitDN(ref)
	if !ok {
		return "", engine.Errorf(engine.Invalid, "%s: %q is not the DN of an entry in a container", what, ref)
	}
	if c.cfg.disabled != nil {
		inDisabled := below(ref, c.cfg.disabled)
		switch {
		case enable && inDisabled:
			dest = c.cfg.baseDN
		case !enable && !inDisabled:
			dest = c.cfg.disabledBaseDN
		}
	}
	newDN := ""
	if dest != "" {
		newDN = rdn + "," + dest
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
		if c.dryRun || c.cfg.enabledAttr == "" {
			found, err := locate(conn, ref, newDN)
			if err != nil {
				return classify(err, what)
			}
			if found == "" {
				return missing()
			}
			dn = found
		} else {
			changes := []replacement{{c.cfg.enabledAttr, values(value)}}
			err := modify(conn, ref, changes)
			if resultCode(err) == goldap.LDAPResultNoSuchObject && newDN != "" {
				// An earlier try may have moved it and lost the answer.
				if e, lerr := lookup(conn, newDN); lerr == nil && e != nil {
					dn = newDN
					err = modify(conn, newDN, changes)
				}
			}
			if resultCode(err) == goldap.LDAPResultNoSuchObject {
				return missing()
			}
			if err != nil {
				return classify(err, what)
			}
		}
		if newDN == "" || sameDN(dn, newDN) {
			if !c.dryRun && dn != ref {
				return c.followRename(conn, ref, dn)
			}
			return nil
		}
		if c.dryRun {
			e, err := lookup(conn, newDN)
			if err != nil {
				return classify(err, what)
			}
			if e != nil {
				return engine.Errorf(engine.Conflict, "%s: cannot move it to %s: an entry named %s is already there", what, dest, rdn)
			}
			dn = newDN
			return nil
		}
		err := conn.ModifyDN(goldap.NewModifyDNRequest(dn, rdn, true, dest))
		switch resultCode(err) {
		case goldap.LDAPResultEntryAlreadyExists:
			return engine.Errorf(engine.Conflict, "%s: cannot move it to %s: an entry named %s is already there", what, dest, rdn)
		case goldap.LDAPResultNoSuchObject:
			if e, lerr := lookup(conn, dn); lerr == nil && e != nil {
				return engine.Errorf(engine.Invalid, "%s: the container %s does not exist", what, dest)
			}
			return missing()
		}
		if err != nil {
			return classify(err, what)
		}
		dn = newDN
		return c.followRename(conn, ref, dn)
	})
	if err != nil {
		return "", err
	}
	if gone {
		return ref, nil
	}
	return dn, nil
}

// Delete removes the account from the groups below the group base DN and
// then removes its entry; a missing entry is no error. An entry with
// entries below it is a Conflict: Provisio does not delete subtrees.
func (c *Connector) Delete(ctx context.Context, ref string) error {
	what := "delete " + ref
	if err := checkRef(what, ref); err != nil {
		return err
	}
	c.recent.forget(ref)
	return c.do(ctx, what, func(conn *goldap.Conn) error {
		e, err := lookup(conn, ref, "uid")
		if err != nil || e == nil || c.dryRun {
			return classify(err, what)
		}
		// Memberships first: a retry after a failure still finds them.
		// Active Directory removes them itself.
		if c.cfg.ad == nil {
			if err := c.removeMemberships(conn, c.memberValue(ref, e.GetEqualFoldAttributeValue("uid"))); err != nil {
				return err
			}
		}
		err = conn.Del(goldap.NewDelRequest(ref, nil))
		switch resultCode(err) {
		case goldap.LDAPResultNoSuchObject:
			return nil
		case goldap.LDAPResultNotAllowedOnNonLeaf:
			return engine.Errorf(engine.Conflict, "%s: the entry has entries below it; Provisio deletes only single entries", what)
		}
		return classify(err, what)
	})
}

// Grant adds the account to the group whose DN is permission: its DN to
// member or uniqueMember, or its uid to memberUid. A member already there
// is no error; a missing account or group is NotFound.
func (c *Connector) Grant(ctx context.Context, ref, permission string) error {
	what := "add " + ref + " to the group " + permission
	if err := checkRef(what, ref); err != nil {
		return err
	}
	if err := checkRef(what, permission); err != nil {
		return err
	}
	return c.do(ctx, what, func(conn *goldap.Conn) error {
		// The directory would record a member that does not exist, so
		// the account is looked up, unless this connector has just
		// written it.
		known, ok := c.recent.get(ref)
		if !ok || c.dryRun || c.cfg.groupType == posixGroup && known.uid == "" {
			e, err := lookup(conn, ref, "uid")
			if err != nil {
				return classify(err, what)
			}
			if e == nil {
				return engine.Errorf(engine.NotFound, "%s: the account does not exist", what)
			}
			known.uid = e.GetEqualFoldAttributeValue("uid")
			if !c.dryRun {
				c.recent.remember(ref, known.uid)
			}
		}
		value := c.memberValue(ref, known.uid)
		if value == "" {
			return engine.Errorf(engine.Invalid, "%s: the account has no uid, which a posixGroup records its members by (memberUid)", what)
		}
		if c.dryRun {
			g, err := lookup(conn, permission, "objectClass")
			switch {
			case err != nil:
				return classify(err, what)
			case g == nil:
				return engine.Errorf(engine.NotFound, "%s: the group does not exist", what)
			case !slices.ContainsFunc(g.GetEqualFoldAttributeValues("objectClass"), func(s string) bool { return strings.EqualFold(s, c.cfg.groupType) }):
				return engine.Errorf(engine.Invalid, "%s: the entry is not a %s", what, c.cfg.groupType)
			}
			return nil
		}
		return c.addMember(conn, what, ref, permission, value)
	})
}

// addMember adds value, which records the account ref, to the group's
// membership attribute. A member already there is no error; a missing
// group, or for Active Directory a missing account, is NotFound.
func (c *Connector) addMember(conn *goldap.Conn, what, ref, group, value string) error {
	err := addValues(conn, group, c.cfg.memberAttr, []string{value})
	switch resultCode(err) {
	case goldap.LDAPResultAttributeOrValueExists, goldap.LDAPResultEntryAlreadyExists:
		// The member is there already (Active Directory answers
		// entryAlreadyExists).
		return nil
	case goldap.LDAPResultNoSuchObject:
		// The group, or (for Active Directory, which checks members) the
		// account, deleted since it was looked up.
		if g, lerr := lookup(conn, group); lerr == nil && g != nil {
			c.recent.forget(ref)
			return engine.Errorf(engine.NotFound, "%s: the account does not exist", what)
		}
		return engine.Errorf(engine.NotFound, "%s: the group does not exist", what)
	}
	return classify(err, what)
}

// Revoke removes the account from the group whose DN is permission. A
// membership, account or group that does not exist is no error: what
// Revoke wants is already so. A groupOfNames or groupOfUniqueNames that
// would be left without members keeps the empty DN as its only member,
// since both classes require one.
func (c *Connector) Revoke(ctx context.Context, ref, permission string) error {
	what := "remove " + ref + " from the group " + permission
	if err := checkRef(what, ref); err != nil {
		return err
	}
	if err := checkRef(what, permission); err != nil {
		return err
	}
	return c.do(ctx, what, func(conn *goldap.Conn) error {
		value := ref
		if c.cfg.groupType == posixGroup {
			uid, err := c.accountUID(conn, ref)
			if err != nil || uid == "" {
				return classify(err, what)
			}
			value = uid
		}
		if c.dryRun {
			_, err := lookup(conn, permission)
			return classify(err, what)
		}
		return classify(c.removeMember(conn, permission, value), what)
	})
}

// pagedSearch searches the subtree of base page by page and passes each
// entry to fn, returning fn's error as it is. A missing base is an Invalid
// error naming it as label; other request errors are classified.
func (c *Connector) pagedSearch(ctx context.Context, conn *goldap.Conn, what, label, base, filter string, attrs []string, fn func(*goldap.Entry) error) error {
	paging := goldap.NewControlPaging(c.cfg.pageSize)
	req := goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
		0, 0, false, filter, attrs, []goldap.Control{paging})
	for {
		res, err := conn.Search(req)
		if resultCode(err) == goldap.LDAPResultNoSuchObject {
			return engine.Errorf(engine.Invalid, "%s: the %s %q does not exist in the directory", what, label, base)
		}
		if err != nil {
			return classify(err, what)
		}
		for _, e := range res.Entries {
			if ctx.Err() != nil {
				return contextError(ctx, what)
			}
			if err := fn(e); err != nil {
				// Tell the server to drop the rest of the results.
				paging.PagingSize = 0
				_, _ = conn.Search(req)
				return err
			}
		}
		ctl, ok := goldap.FindControl(res.Controls, goldap.ControlTypePaging).(*goldap.ControlPaging)
		if !ok || len(ctl.Cookie) == 0 {
			return nil
		}
		paging.SetCookie(ctl.Cookie)
	}
}

// searchAttributes returns the attributes to read for accounts: those
// asked for and the enabled attribute.
func (c *Connector) searchAttributes(what string, attributes []string) ([]string, error) {
	for _, a := range attributes {
		if !validAttributeName(a) {
			return nil, engine.Errorf(engine.Invalid, "%s: %q is not an LDAP attribute name", what, a)
		}
	}
	want := slices.Clone(attributes)
	state := c.cfg.enabledAttr
	if c.cfg.ad != nil {
		state = attrUAC
	}
	if state != "" && !slices.ContainsFunc(want, func(s string) bool { return strings.EqualFold(s, state) }) {
		want = append(want, state)
	}
	if len(want) == 0 {
		want = []string{noAttributes}
	}
	return want, nil
}

// baseLabel names the i-th of accountBases in messages.
func (c *Connector) baseLabel(i int) string {
	if i == 0 {
		return "account base DN"
	}
	return "container for disabled accounts"
}

// ListAccounts streams the entries of the first object class below the
// base DN and the container for disabled accounts, page by page, with the
// attributes asked for (multiple values joined by newlines; absent
// attributes left out). An account is enabled unless it is below the
// container for disabled accounts or, with an enabled attribute, that
// attribute does not hold the enabled value (compared without case).
func (c *Connector) ListAccounts(ctx context.Context, attributes []string, emit func(*engine.Account) error) error {
	want, err := c.searchAttributes("list accounts", attributes)
	if err != nil {
		return err
	}
	filter := c.cfg.accountFilter
	for i, base := range c.accountBases() {
		what := "list the accounts below " + base
		err := c.do(ctx, what, func(conn *goldap.Conn) error {
			return c.pagedSearch(ctx, conn, what, c.baseLabel(i), base, filter, want, func(e *goldap.Entry) error {
				return emit(c.account(e, attributes))
			})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// FindAccounts returns the accounts of the first object class below the
// account containers whose attribute equals value, compared by the
// attribute's own matching rule (without case for uid, cn and mail).
func (c *Connector) FindAccounts(ctx context.Context, attribute, value string, attributes []string) ([]*engine.Account, error) {
	what := "find the accounts whose " + attribute + " is " + strconv.Quote(value)
	if !validAttributeName(attribute) {
		return nil, engine.Errorf(engine.Invalid, "%s: %q is not an LDAP attribute name", what, attribute)
	}
	want, err := c.searchAttributes(what, attributes)
	if err != nil {
		return nil, err
	}
	filter := "(&" + c.cfg.accountFilter + eqFilter(attribute, value) + ")"
	var found []*engine.Account
	for i, base := range c.accountBases() {
		err := c.do(ctx, what, func(conn *goldap.Conn) error {
			return c.pagedSearch(ctx, conn, what, c.baseLabel(i), base, filter, want, func(e *goldap.Entry) error {
				found = append(found, c.account(e, attributes))
				return nil
			})
		})
		if err != nil {
			return nil, err
		}
	}
	return found, nil
}

func (c *Connector) account(e *goldap.Entry, attributes []string) *engine.Account {
	a := &engine.Account{Ref: e.DN, Enabled: c.enabled(e)}
	for _, name := range attributes {
		if vs := e.GetEqualFoldAttributeValues(name); len(vs) > 0 {
			if a.Attributes == nil {
				a.Attributes = make(engine.Attributes, len(attributes))
			}
			a.Attributes[name] = strings.Join(vs, "\n")
		}
	}
	return a
}

func (c *Connector) enabled(e *goldap.Entry) bool {
	if c.cfg.ad != nil {
		return uacEnabled(e)
	}
	if below(e.DN, c.cfg.disabled) {
		return false
	}
	if c.cfg.enabledAttr != "" {
		return slices.ContainsFunc(e.GetEqualFoldAttributeValues(c.cfg.enabledAttr), func(v string) bool {
			return strings.EqualFold(v, c.cfg.enabledValue)
		})
	}
	return true
}

// ListPermissions returns the groups of the configured type below the
// group base DN: the DN as id, cn as name, and the description, sorted by
// name.
func (c *Connector) ListPermissions(ctx context.Context) ([]engine.Permission, error) {
	what := "list the groups below " + c.cfg.groupBaseDN
	var perms []engine.Permission
	err := c.do(ctx, what, func(conn *goldap.Conn) error {
		perms = perms[:0]
		return c.pagedSearch(ctx, conn, what, "group base DN", c.cfg.groupBaseDN, c.cfg.groupFilter,
			[]string{"cn", "description"}, func(e *goldap.Entry) error {
				perms = append(perms, engine.Permission{
					ID:          e.DN,
					Name:        e.GetEqualFoldAttributeValue("cn"),
					Description: e.GetEqualFoldAttributeValue("description"),
				})
				return nil
			})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(perms, func(a, b engine.Permission) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Label()), strings.ToLower(b.Label())), cmp.Compare(a.ID, b.ID))
	})
	return perms, nil
}
