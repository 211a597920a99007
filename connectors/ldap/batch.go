package ldap

import (
	"context"
	"slices"
	"strings"
	"sync"

	goldap "github.com/go-ldap/ldap/v3"

	"provisio/engine"
)

// Batches: GrantAll and RevokeAll change a group's membership attribute for
// many accounts in one modify request, as a directory takes many values in
// one change. A multi-value change succeeds or fails whole: one value
// already there (attributeOrValueExists, 20; Active Directory answers
// entryAlreadyExists, 68), one missing from a delete (noSuchAttribute, 16;
// Active Directory: unwillingToPerform, 53) or one member that does not
// exist (Active Directory: noSuchObject, 32) fails them all. Then the
// connector finds out which values to send: a generic directory's group is
// read once and only the values that change it are sent again; for Active
// Directory, whose large groups answer a read of member only in ranges, and
// whenever the second try fails too, each value is sent on its own, as Grant
// and Revoke do, so that every account gets its own answer.

var _ engine.BatchGranter = (*Connector)(nil)

// lookupsInFlight bounds the lookups a batch keeps in flight at once on
// its connection: the server answers them in parallel, and one connection
// of the pool is all a batch holds.
const lookupsInFlight = 16

// batchMember is an account of a batch: the indexes of its refs in the
// call (a ref given twice is one account), and the value that records it
// in the group.
type batchMember struct {
	ref   string
	idx   []int
	value string
	// key is the ref's dnKey: the value's valueKey, unless the group
	// records uids
	key string
}

// batchMembers groups the refs that are DNs by the entry they name, and
// gives every ref that is not one its Invalid error in errs.
func batchMembers(refs []string, errs []error, what func(string) string) []*batchMember {
	byKey := map[string]*batchMember{}
	var out []*batchMember
	for k, ref := range refs {
		dn, err := goldap.ParseDN(ref)
		if err != nil || strings.TrimSpace(ref) == "" {
			errs[k] = checkRef(what(ref), ref) // worded for the ref
			continue
		}
		key := strings.ToLower(dn.String())
		m := byKey[key]
		if m == nil {
			m = &batchMember{ref: ref, key: key}
			byKey[key] = m
			out = append(out, m)
		}
		m.idx = append(m.idx, k)
	}
	return out
}

// dnKey returns a key that is the same for DNs that name the same entry, as
// the directory compares them: without case, and without regard to spaces
// or escapes.
func dnKey(dn string) string {
	if parsed, err := goldap.ParseDN(dn); err == nil {
		return strings.ToLower(parsed.String())
	}
	return strings.ToLower(strings.TrimSpace(dn))
}

// valueKey returns a key that is the same for membership values the
// directory holds as one: DNs as dnKey compares them, a posixGroup's uids
// as they are (memberUid is case-sensitive).
func (c *Connector) valueKey(v string) string {
	if c.cfg.groupType == posixGroup {
		return v
	}
	return dnKey(v)
}

// lookupAll reads the entries dns with the named attributes, keeping up to
// lookupsInFlight requests in flight on conn. It returns one entry per DN
// (nil for a missing one) and one error per DN (a failed request).
func lookupAll(conn *goldap.Conn, dns []string, attrs ...string) ([]*goldap.Entry, []error) {
	entries := make([]*goldap.Entry, len(dns))
	errs := make([]error, len(dns))
	if len(dns) == 1 {
		entries[0], errs[0] = lookup(conn, dns[0], attrs...)
		return entries, errs
	}
	slots := make(chan struct{}, lookupsInFlight)
	var wg sync.WaitGroup
	for i, dn := range dns {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			entries[i], errs[i] = lookup(conn, dn, attrs...)
		})
	}
	wg.Wait()
	return entries, errs
}

// answer gives every ref of the members the error made by fn (nil for
// none).
func answer(errs []error, members []*batchMember, fn func(m *batchMember) error) {
	for _, m := range members {
		err := fn(m)
		for _, k := range m.idx {
			errs[k] = err
		}
	}
}

// perValueCodes are the results of a multi-value change that may concern
// only some of its values: the change is then made value by value, so that
// each account gets its own answer. Other refusals (access rights, a
// read-only server) concern the request and are every account's answer.
var perValueCodes = []int{
	goldap.LDAPResultAttributeOrValueExists,
	goldap.LDAPResultEntryAlreadyExists,
	goldap.LDAPResultNoSuchAttribute,
	goldap.LDAPResultNoSuchObject,
	goldap.LDAPResultUnwillingToPerform,
	goldap.LDAPResultConstraintViolation,
	goldap.LDAPResultInvalidAttributeSyntax,
	goldap.LDAPResultInvalidDNSyntax,
	goldap.LDAPResultObjectClassViolation,
}

// GrantAll adds the accounts to the group whose DN is permission, as Grant
// does one by one, in one change of the membership attribute when it can:
// errs holds, per ref, the error Grant would have given (a missing account
// is NotFound; a member already there or a ref given twice is no error; a
// missing group is NotFound for every ref). err is for the whole call: the
// directory could not be reached or did not answer (Unavailable), or ctx
// ended.
//
// A generic directory records members that do not exist, so the accounts
// are looked up first (several lookups in flight at once), except those
// this connector has just written, as for Grant. Active Directory refuses
// a member that does not exist, so there the change itself tells, and the
// accounts are looked up only in a dry run.
func (c *Connector) GrantAll(ctx context.Context, permission string, refs []string) ([]error, error) {
	errs := make([]error, len(refs))
	what := func(ref string) string { return "add " + ref + " to the group " + permission }
	if err := checkRef("add accounts to the group "+permission, permission); err != nil {
		for k, ref := range refs {
			errs[k] = checkRef(what(ref), permission)
		}
		return errs, nil
	}
	members := batchMembers(refs, errs, what)
	if len(members) == 0 {
		return errs, nil
	}
	err := c.do(ctx, "add accounts to the group "+permission, func(conn *goldap.Conn) error {
		members, err := c.memberValues(conn, members, errs, what)
		if err != nil || len(members) == 0 {
			return err
		}
		if c.dryRun {
			g, err := lookup(conn, permission, "objectClass")
			if err != nil {
				return c.answerAll(err, members, errs, what)
			}
			answer(errs, members, func(m *batchMember) error {
				switch {
				case g == nil:
					return engine.Errorf(engine.NotFound, "%s: the group does not exist", what(m.ref))
				case !slices.ContainsFunc(g.GetEqualFoldAttributeValues("objectClass"), func(s string) bool { return strings.EqualFold(s, c.cfg.groupType) }):
					return engine.Errorf(engine.Invalid, "%s: the entry is not a %s", what(m.ref), c.cfg.groupType)
				}
				return nil
			})
			return nil
		}
		return c.addAll(conn, permission, members, errs, what)
	})
	return errs, err
}

// memberValues works out the value that records each member in the group
// and returns the members that have one. Accounts that do not exist get a
// NotFound error in errs, as does, for a posixGroup, an account without a
// uid an Invalid one. The error is for the whole batch: the directory
// could not be reached.
func (c *Connector) memberValues(conn *goldap.Conn, members []*batchMember, errs []error, what func(string) string) ([]*batchMember, error) {
	var unknown []*batchMember
	for _, m := range members {
		if c.cfg.ad != nil && !c.dryRun {
			m.value = m.ref // the domain controller checks that it exists
			continue
		}
		known, ok := c.recent.get(m.ref)
		if !ok || c.dryRun || c.cfg.groupType == posixGroup && known.uid == "" {
			unknown = append(unknown, m)
			continue
		}
		m.value = c.memberValue(m.ref, known.uid)
	}
	if len(unknown) > 0 {
		dns := make([]string, len(unknown))
		for i, m := range unknown {
			dns[i] = m.ref
		}
		entries, lerrs := lookupAll(conn, dns, "uid")
		for i, m := range unknown {
			err := lerrs[i]
			if err != nil {
				err = classify(err, what(m.ref))
				if engine.IsTransient(err) {
					return nil, err
				}
				answer(errs, unknown[i:i+1], func(*batchMember) error { return err })
				continue
			}
			e := entries[i]
			if e == nil {
				answer(errs, unknown[i:i+1], func(*batchMember) error {
					return engine.Errorf(engine.NotFound, "%s: the account does not exist", what(m.ref))
				})
				continue
			}
			uid := e.GetEqualFoldAttributeValue("uid")
			if !c.dryRun {
				c.recent.remember(m.ref, uid)
			}
			m.value = c.memberValue(m.ref, uid)
		}
	}
	out := members[:0:0]
	for _, m := range members {
		switch {
		case m.value != "":
			out = append(out, m)
		case errs[m.idx[0]] == nil: // found, but without a uid
			answer(errs, []*batchMember{m}, func(*batchMember) error {
				return engine.Errorf(engine.Invalid, "%s: the account has no uid, which a posixGroup records its members by (memberUid)", what(m.ref))
			})
		}
	}
	return out, nil
}

// distinct returns the members' values once each, as the directory
// compares them, and the members by value.
func (c *Connector) distinct(members []*batchMember) ([]string, map[string][]*batchMember) {
	byValue := map[string][]*batchMember{}
	var vals []string
	for _, m := range members {
		k := m.key
		if c.cfg.groupType == posixGroup {
			k = c.valueKey(m.value)
		}
		if _, ok := byValue[k]; !ok {
			vals = append(vals, m.value)
		}
		byValue[k] = append(byValue[k], m)
	}
	return vals, byValue
}

// addAll adds the members' values to the group: in one change, else
// (some are there already, or refused) only the new ones, else one by one.
func (c *Connector) addAll(conn *goldap.Conn, group string, members []*batchMember, errs []error, what func(string) string) error {
	vals, byValue := c.distinct(members)
	err := addValues(conn, group, c.cfg.memberAttr, vals)
	if err == nil {
		return nil
	}
	code := resultCode(err)
	switch {
	case code == goldap.LDAPResultNoSuchObject:
		// The group, or for Active Directory a member, does not exist.
		g, lerr := lookup(conn, group)
		if lerr != nil {
			return c.answerAll(lerr, members, errs, what)
		}
		if g == nil {
			answer(errs, members, func(m *batchMember) error {
				return engine.Errorf(engine.NotFound, "%s: the group does not exist", what(m.ref))
			})
			return nil
		}
	case (code == goldap.LDAPResultAttributeOrValueExists || code == goldap.LDAPResultEntryAlreadyExists) && c.cfg.ad == nil:
		// Some are members already: add the others.
		held, found, lerr := c.groupValues(conn, group)
		if lerr != nil {
			return c.answerAll(lerr, members, errs, what)
		}
		if !found {
			answer(errs, members, func(m *batchMember) error {
				return engine.Errorf(engine.NotFound, "%s: the group does not exist", what(m.ref))
			})
			return nil
		}
		vals = slices.DeleteFunc(vals, func(v string) bool { return held[c.valueKey(v)] })
		if len(vals) == 0 {
			return nil
		}
		if addValues(conn, group, c.cfg.memberAttr, vals) == nil {
			return nil
		}
	case !slices.Contains(perValueCodes, code):
		return c.answerAll(err, members, errs, what)
	}
	for _, v := range vals {
		ms := byValue[c.valueKey(v)]
		err := c.addMember(conn, what(ms[0].ref), ms[0].ref, group, v)
		if engine.IsTransient(err) {
			return err
		}
		answer(errs, ms, func(*batchMember) error { return err })
	}
	return nil
}

// answerAll gives every member the error, worded for it, unless the error
// is transient: then it is the batch's.
func (c *Connector) answerAll(err error, members []*batchMember, errs []error, what func(string) string) error {
	if e := classify(err, "change the group's members"); engine.IsTransient(e) {
		return e
	}
	answer(errs, members, func(m *batchMember) error { return classify(err, what(m.ref)) })
	return nil
}

// groupValues reads the values of the group's membership attribute, by
// valueKey; found is false when there is no such group.
func (c *Connector) groupValues(conn *goldap.Conn, group string) (map[string]bool, bool, error) {
	e, err := lookup(conn, group, c.cfg.memberAttr)
	if err != nil || e == nil {
		return nil, false, err
	}
	vs := e.GetEqualFoldAttributeValues(c.cfg.memberAttr)
	held := make(map[string]bool, len(vs))
	for _, v := range vs {
		held[c.valueKey(v)] = true
	}
	return held, true, nil
}

func addValues(conn *goldap.Conn, group, attr string, vals []string) error {
	req := goldap.NewModifyRequest(group, nil)
	req.Add(attr, vals)
	return conn.Modify(req)
}

// RevokeAll removes the accounts from the group whose DN is permission, as
// Revoke does one by one, in one change of the membership attribute when
// it can. As for Revoke, a membership, account or group that does not
// exist is no error, and a groupOfNames or groupOfUniqueNames keeps the
// empty DN as its only member when the last ones go. errs holds one error
// per ref; err is for the whole call, as for GrantAll.
func (c *Connector) RevokeAll(ctx context.Context, permission string, refs []string) ([]error, error) {
	errs := make([]error, len(refs))
	what := func(ref string) string { return "remove " + ref + " from the group " + permission }
	if err := checkRef("remove accounts from the group "+permission, permission); err != nil {
		for k, ref := range refs {
			errs[k] = checkRef(what(ref), permission)
		}
		return errs, nil
	}
	members := batchMembers(refs, errs, what)
	if len(members) == 0 {
		return errs, nil
	}
	err := c.do(ctx, "remove accounts from the group "+permission, func(conn *goldap.Conn) error {
		if c.cfg.groupType == posixGroup {
			if err := c.memberUIDs(conn, members, errs, what); err != nil {
				return err
			}
			members = slices.DeleteFunc(members, func(m *batchMember) bool { return m.value == "" })
		} else {
			for _, m := range members {
				m.value = m.ref
			}
		}
		if len(members) == 0 {
			return nil
		}
		if c.dryRun {
			_, err := lookup(conn, permission)
			if err != nil {
				return c.answerAll(err, members, errs, what)
			}
			return nil
		}
		return c.removeAll(conn, permission, members, errs, what)
	})
	return errs, err
}

// memberUIDs sets the value of each member to its uid, read from its DN
// when it is named by uid, else from the entry; a missing account or one
// without a uid keeps none (nothing to remove).
func (c *Connector) memberUIDs(conn *goldap.Conn, members []*batchMember, errs []error, what func(string) string) error {
	var unknown []*batchMember
	var dns []string
	for _, m := range members {
		if uid, ok := rdnValue(m.ref, "uid"); ok {
			m.value = uid
			continue
		}
		unknown = append(unknown, m)
		dns = append(dns, m.ref)
	}
	if len(unknown) == 0 {
		return nil
	}
	entries, lerrs := lookupAll(conn, dns, "uid")
	for i, m := range unknown {
		if lerrs[i] != nil {
			err := classify(lerrs[i], what(m.ref))
			if engine.IsTransient(err) {
				return err
			}
			answer(errs, unknown[i:i+1], func(*batchMember) error { return err })
			continue
		}
		if entries[i] != nil {
			m.value = entries[i].GetEqualFoldAttributeValue("uid")
		}
	}
	return nil
}

// removeAll removes the members' values from the group: in one change,
// else (some are not there, or refused) only those that are, else one by
// one.
func (c *Connector) removeAll(conn *goldap.Conn, group string, members []*batchMember, errs []error, what func(string) string) error {
	vals, byValue := c.distinct(members)
	err := c.deleteValues(conn, group, vals)
	code := resultCode(err)
	switch {
	case err == nil, code == goldap.LDAPResultNoSuchObject:
		return nil // removed, or there is no such group
	case code == goldap.LDAPResultNoSuchAttribute && c.cfg.ad == nil:
		// Some are not members: remove the others.
		held, found, lerr := c.groupValues(conn, group)
		if lerr != nil {
			return c.answerAll(lerr, members, errs, what)
		}
		vals = slices.DeleteFunc(vals, func(v string) bool { return !held[c.valueKey(v)] })
		if !found || len(vals) == 0 {
			return nil
		}
		if c.deleteValues(conn, group, vals) == nil {
			return nil
		}
	case !slices.Contains(perValueCodes, code):
		return c.answerAll(err, members, errs, what)
	}
	for _, v := range vals {
		ms := byValue[c.valueKey(v)]
		err := classify(c.removeMember(conn, group, v), what(ms[0].ref))
		if engine.IsTransient(err) {
			return err
		}
		answer(errs, ms, func(*batchMember) error { return err })
	}
	return nil
}

// deleteValues removes the values from the group's membership attribute
// in one change. A groupOfNames or groupOfUniqueNames that would be left
// without members gets the empty DN as its only member in the same change,
// as removeMember does.
func (c *Connector) deleteValues(conn *goldap.Conn, group string, vals []string) error {
	req := goldap.NewModifyRequest(group, nil)
	req.Delete(c.cfg.memberAttr, vals)
	err := conn.Modify(req)
	if resultCode(err) == goldap.LDAPResultObjectClassViolation && c.cfg.groupType != posixGroup && c.cfg.ad == nil {
		req = goldap.NewModifyRequest(group, nil)
		req.Delete(c.cfg.memberAttr, vals)
		req.Add(c.cfg.memberAttr, []string{emptyMember})
		err = conn.Modify(req)
	}
	return err
}
