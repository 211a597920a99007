package ldap

import (
	"strings"
	"sync"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// Group memberships follow their account. A groupOfNames or
// groupOfUniqueNames records its members by DN, which changes when an
// account is renamed or moved between the base DN and the container for
// disabled accounts; a posixGroup records them by uid. Directories such as
// Active Directory, or OpenLDAP with the refint overlay, update the groups
// themselves; a generic directory need not, so the connector does it for
// the groups below the group base DN: after a rename or a move it replaces
// the old value with the new one, and before a delete it removes the
// account's memberships. Where the server has already done so, the search
// finds nothing and nothing is written.

// memberValue returns the value that records the account with the given
// DN and uid in a group's membership attribute.
func (c *Connector) memberValue(dn, uid string) string {
	if c.cfg.groupType == posixGroup {
		return uid
	}
	return dn
}

// groupsWith returns the DNs of the groups below the group base DN whose
// membership attribute holds value.
func (c *Connector) groupsWith(conn *goldap.Conn, value string) ([]string, error) {
	filter := "(&" + c.cfg.groupFilter + eqFilter(c.cfg.memberAttr, value) + ")"
	res, err := conn.Search(goldap.NewSearchRequest(c.cfg.groupBaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
		0, 0, false, filter, []string{noAttributes}, nil))
	if resultCode(err) == goldap.LDAPResultNoSuchObject {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	groups := make([]string, 0, len(res.Entries))
	for _, e := range res.Entries {
		groups = append(groups, e.DN)
	}
	return groups, nil
}

// moveMemberships replaces from by to in the membership attribute of every
// group below the group base DN that holds from.
func (c *Connector) moveMemberships(conn *goldap.Conn, from, to string) error {
	if from == "" || to == "" || from == to {
		return nil
	}
	groups, err := c.groupsWith(conn, from)
	if err != nil {
		return classify(err, "find the groups of "+from)
	}
	for _, g := range groups {
		req := goldap.NewModifyRequest(g, nil)
		req.Add(c.cfg.memberAttr, []string{to})
		req.Delete(c.cfg.memberAttr, []string{from})
		err := conn.Modify(req)
		if resultCode(err) == goldap.LDAPResultAttributeOrValueExists {
			// The new value is there already (the server, or an
			// earlier try, added it): only the old one goes.
			err = c.removeMember(conn, g, from)
		}
		if err != nil {
			return classify(err, "replace "+from+" by "+to+" in the members of "+g)
		}
	}
	return nil
}

// removeMemberships removes value from every group below the group base DN
// that holds it.
func (c *Connector) removeMemberships(conn *goldap.Conn, value string) error {
	if value == "" {
		return nil
	}
	groups, err := c.groupsWith(conn, value)
	if err != nil {
		return classify(err, "find the groups of "+value)
	}
	for _, g := range groups {
		if err := c.removeMember(conn, g, value); err != nil {
			return classify(err, "remove "+value+" from the members of "+g)
		}
	}
	return nil
}

// removeMember removes value from the group's membership attribute. A
// value or group that is not there is no error. A groupOfNames or
// groupOfUniqueNames that would be left without members gets the empty DN
// as its only member in the same request, since both classes require one.
func (c *Connector) removeMember(conn *goldap.Conn, group, value string) error {
	req := goldap.NewModifyRequest(group, nil)
	req.Delete(c.cfg.memberAttr, []string{value})
	err := conn.Modify(req)
	if resultCode(err) == goldap.LDAPResultObjectClassViolation && c.cfg.groupType != posixGroup {
		req = goldap.NewModifyRequest(group, nil)
		req.Delete(c.cfg.memberAttr, []string{value})
		req.Add(c.cfg.memberAttr, []string{emptyMember})
		err = conn.Modify(req)
	}
	switch resultCode(err) {
	case goldap.LDAPResultNoSuchAttribute, goldap.LDAPResultNoSuchObject:
		return nil
	case goldap.LDAPResultUnwillingToPerform:
		// Active Directory refuses to remove a member that is not there
		// (or names no entry): what Revoke wants is so when the group
		// does not hold the value.
		if c.cfg.ad != nil {
			res, serr := conn.Search(goldap.NewSearchRequest(group, goldap.ScopeBaseObject, goldap.NeverDerefAliases,
				0, 0, false, eqFilter(c.cfg.memberAttr, value), []string{noAttributes}, nil))
			if serr == nil && len(res.Entries) == 0 {
				return nil
			}
		}
	}
	return err
}

// accountUID returns the uid of the account, read from its DN when it is
// named by uid, else from the entry; "" when it has none or is missing.
func (c *Connector) accountUID(conn *goldap.Conn, dn string) (string, error) {
	if uid, ok := rdnValue(dn, "uid"); ok {
		return uid, nil
	}
	e, err := lookup(conn, dn, "uid")
	if err != nil || e == nil {
		return "", err
	}
	return e.GetEqualFoldAttributeValue("uid"), nil
}

// recentTTL is how long Grant trusts that an account this connector
// created, renamed or moved, or found a moment ago, still exists.
const recentTTL = time.Minute

// recentMax bounds the accounts remembered.
const recentMax = 100_000

// recent remembers the accounts this connector wrote or found a moment
// ago, and their uids when known. Grant must not add a member that does
// not exist, so it looks the account up first, which costs a round trip
// as dear as the change itself; right after Create, as enforcement grants
// a new account its groups, it need not. Delete, renames and moves through
// the connector forget the old DN at once; an account deleted by someone
// else within recentTTL of its creation is the one case in which a Grant
// records a member that no longer exists.
type recent struct {
	mu sync.Mutex
	m  map[string]recentAccount
	// moves maps the old DN of an entry this connector renamed or moved
	// to its new one; see moved.
	moves map[string]recentMove
}

type recentMove struct {
	to string
	at time.Time
}

// movedTTL is how long the connector remembers where it moved an entry:
// longer than the retries of a call take.
const movedTTL = time.Hour

type recentAccount struct {
	uid string
	at  time.Time
}

func recentKey(dn string) string { return strings.ToLower(strings.TrimSpace(dn)) }

// remember records that the account dn exists, with its uid ("" when not
// known).
func (r *recent) remember(dn, uid string) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]recentAccount{}
	}
	if len(r.m) >= recentMax {
		for k, a := range r.m {
			if now.Sub(a.at) > recentTTL {
				delete(r.m, k)
			}
		}
		if len(r.m) >= recentMax {
			clear(r.m)
		}
	}
	r.m[recentKey(dn)] = recentAccount{uid: uid, at: now}
}

// forget drops dn.
func (r *recent) forget(dn string) {
	r.mu.Lock()
	delete(r.m, recentKey(dn))
	r.mu.Unlock()
}

// get returns what is remembered of dn, if it is recent.
func (r *recent) get(dn string) (recentAccount, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.m[recentKey(dn)]
	if ok && time.Since(a.at) > recentTTL {
		delete(r.m, recentKey(dn))
		return recentAccount{}, false
	}
	return a, ok
}

// moved records that this connector renamed or moved the entry from one DN
// to another, for a call described by why ("disable", "rename to x"). A
// call whose answer was lost (the change made, the answer never received)
// is retried with the old DN; the retry, the same call, finds the entry
// through movedTo. Another call with the old DN finds nothing, as it
// should. Active Directory names accounts by cn, which an account in
// another container may share, so the new DN cannot be guessed from the
// old one as it can in a generic directory, where the naming attribute is
// unique.
func (r *recent) moved(from, to, why string) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.moves == nil {
		r.moves = map[string]recentMove{}
	}
	if len(r.moves) >= recentMax {
		for k, m := range r.moves {
			if now.Sub(m.at) > movedTTL {
				delete(r.moves, k)
			}
		}
		if len(r.moves) >= recentMax {
			clear(r.moves)
		}
	}
	r.moves[moveKey(from, why)] = recentMove{to: to, at: now}
}

// movedTo returns where this connector moved the entry from for the call
// described by why, if it did so within movedTTL.
func (r *recent) movedTo(from, why string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.moves[moveKey(from, why)]
	if !ok || time.Since(m.at) > movedTTL {
		return "", false
	}
	return m.to, true
}

func moveKey(dn, why string) string { return recentKey(dn) + "\x00" + strings.ToLower(why) }
