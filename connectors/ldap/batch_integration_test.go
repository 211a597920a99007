//go:build integration

package ldap

// GrantAll and RevokeAll against slapd: the fallbacks a multi-value change
// needs, for every group type. The connector suite checks the contract;
// these check the group's values afterwards.

import (
	"fmt"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// memberOf returns the value that records the account ref in a group of
// the tree's type.
func (tr *tree) memberOf(t *testing.T, ref string) string {
	t.Helper()
	if tr.groupType != posixGroup {
		return ref
	}
	uid, ok := rdnValue(ref, "uid")
	require.True(t, ok, "%s is not named by uid", ref)
	return uid
}

// placeholder returns the values a group of the tree's type holds besides
// its members: the empty DN for the classes that require a member.
func (tr *tree) placeholder() []string {
	if tr.groupType == posixGroup {
		return nil
	}
	return []string{emptyMember}
}

func requireAnswers(t *testing.T, call string, errs []error, err error, want ...engine.Code) {
	t.Helper()
	require.NoError(t, err, "%s: the whole call failed", call)
	require.Len(t, errs, len(want), "%s: one answer per ref", call)
	for i, code := range want {
		if code == "" {
			assert.NoError(t, errs[i], "%s: ref %d", call, i)
		} else {
			assert.Equal(t, code, engine.ErrorCode(errs[i]), "%s: ref %d: %v", call, i, errs[i])
		}
	}
}

func TestGrantAllAndRevokeAllLeaveTheGroupRight(t *testing.T) {
	s := testServer(t)
	for _, groupType := range []string{groupOfNames, groupOfUniqueNames, posixGroup} {
		t.Run(groupType, func(t *testing.T) {
			tr := newTree(t, s, groupType)
			extra := map[string]string{settingDisabledBaseDN: tr.disabled}
			c := tr.connect(t, extra, engine.TargetOptions{})
			ctx := t.Context()
			var refs []string
			for i := range 4 {
				ref, err := c.Create(ctx, engine.Attributes{"uid": fmt.Sprintf("b%d", i), "cn": "B", "sn": "B"})
				require.NoError(t, err)
				refs = append(refs, ref)
			}
			a, b, x, y := refs[0], refs[1], refs[2], refs[3]
			missing := "uid=nobody," + tr.people
			g, h := tr.groups[0], tr.groups[1]
			values := func(refs ...string) []string {
				out := tr.placeholder()
				for _, r := range refs {
					out = append(out, tr.memberOf(t, r))
				}
				return out
			}

			// a is a member already: the others are added, a stays once
			require.NoError(t, c.Grant(ctx, a, g))
			errs, err := c.GrantAll(ctx, g, []string{a, b, missing, x, b})
			requireAnswers(t, "GrantAll", errs, err, "", "", engine.NotFound, "", "")
			assert.ElementsMatch(t, values(a, b, x), tr.members(t, g))

			// a connector that remembers none of them looks them up
			fresh := tr.connect(t, extra, engine.TargetOptions{})
			errs, err = fresh.GrantAll(ctx, h, []string{a, missing, y})
			requireAnswers(t, "GrantAll by another connector", errs, err, "", engine.NotFound, "")
			assert.ElementsMatch(t, values(a, y), tr.members(t, h))

			// a dry run checks and writes nothing
			dry := tr.connect(t, extra, engine.TargetOptions{DryRun: true})
			errs, err = dry.GrantAll(ctx, h, []string{b, missing})
			requireAnswers(t, "dry-run GrantAll", errs, err, "", engine.NotFound)
			errs, err = dry.GrantAll(ctx, "cn=no-such-group,"+tr.grps, []string{b})
			requireAnswers(t, "dry-run GrantAll to a missing group", errs, err, engine.NotFound)
			errs, err = dry.RevokeAll(ctx, h, []string{a, y})
			requireAnswers(t, "dry-run RevokeAll", errs, err, "", "")
			assert.ElementsMatch(t, values(a, y), tr.members(t, h), "after dry runs")

			// a missing group is every ref's NotFound
			errs, err = c.GrantAll(ctx, "cn=no-such-group,"+tr.grps, []string{a, b})
			requireAnswers(t, "GrantAll to a missing group", errs, err, engine.NotFound, engine.NotFound)
			assert.Contains(t, errs[1].Error(), "add "+b+" to the group cn=no-such-group,"+tr.grps+": the group does not exist")

			// y is no member of g, missing does not exist: both are so
			errs, err = c.RevokeAll(ctx, g, []string{a, y, missing})
			requireAnswers(t, "RevokeAll", errs, err, "", "", "")
			assert.ElementsMatch(t, values(b, x), tr.members(t, g))
			errs, err = c.RevokeAll(ctx, "cn=no-such-group,"+tr.grps, []string{a})
			requireAnswers(t, "RevokeAll from a missing group", errs, err, "")

			// the last members go: the group keeps its placeholder
			errs, err = c.RevokeAll(ctx, g, []string{b, x})
			requireAnswers(t, "RevokeAll of the last members", errs, err, "", "")
			assert.ElementsMatch(t, values(), tr.members(t, g))
		})
	}
}

func TestRevokeAllOfEveryMemberLeavesThePlaceholder(t *testing.T) {
	s := testServer(t)
	tr := newTree(t, s, groupOfNames)
	c := tr.connect(t, map[string]string{settingDisabledBaseDN: tr.disabled}, engine.TargetOptions{})
	ctx := t.Context()
	a, err := c.Create(ctx, engine.Attributes{"uid": "a", "cn": "A", "sn": "A"})
	require.NoError(t, err)
	b, err := c.Create(ctx, engine.Attributes{"uid": "b", "cn": "B", "sn": "B"})
	require.NoError(t, err)
	// a group made by someone else, without the placeholder
	group := "cn=solo," + tr.grps
	req := goldap.NewAddRequest(group, nil)
	req.Attribute("objectClass", []string{groupOfNames})
	req.Attribute("cn", []string{"solo"})
	req.Attribute("member", []string{a, b})
	require.NoError(t, tr.s.admin(t).Add(req))

	errs, err := c.RevokeAll(ctx, group, []string{a, b})
	requireAnswers(t, "RevokeAll", errs, err, "", "")
	assert.Equal(t, []string{emptyMember}, tr.members(t, group))
}

func TestGrantAllToAPosixGroupNeedsAUid(t *testing.T) {
	s := testServer(t)
	tr := newTree(t, s, posixGroup)
	c := tr.connect(t, map[string]string{settingRDNAttribute: "cn", settingDisabledBaseDN: tr.disabled}, engine.TargetOptions{})
	ctx := t.Context()
	withUID, err := c.Create(ctx, engine.Attributes{"cn": "With Uid", "uid": "withuid", "sn": "W"})
	require.NoError(t, err)
	without, err := c.Create(ctx, engine.Attributes{"cn": "Without Uid", "sn": "W"})
	require.NoError(t, err)

	errs, err := c.GrantAll(ctx, tr.groups[0], []string{without, withUID})
	requireAnswers(t, "GrantAll", errs, err, engine.Invalid, "")
	assert.Contains(t, errs[0].Error(), "the account has no uid")
	assert.Equal(t, []string{"withuid"}, tr.members(t, tr.groups[0]))

	// named by cn, the uid is read from the entry
	errs, err = c.RevokeAll(ctx, tr.groups[0], []string{without, withUID})
	requireAnswers(t, "RevokeAll", errs, err, "", "")
	assert.Empty(t, tr.members(t, tr.groups[0]))
}
