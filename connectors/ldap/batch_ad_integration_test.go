//go:build integration_ad

package ldap

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// Active Directory refuses a whole multi-value change for one member that
// is there already (68), does not exist (32) or, on delete, is not there
// (53): GrantAll and RevokeAll then answer account by account.
func TestADGrantAllAndRevokeAllAnswerPerAccount(t *testing.T) {
	s := adTestServer(t)
	c := s.connect(t, map[string]string{settingDisabledBaseDN: s.disabled}, engine.TargetOptions{})
	ctx := t.Context()
	vpn, staff := s.group("GG-VPN"), s.group("GG-Staff")
	var refs []string
	for range 4 {
		sam := uniq("ba")
		refs = append(refs, *create(t, c, s.user(sam, "Batch "+sam)))
	}
	a, b, x, y := refs[0], refs[1], refs[2], refs[3]
	missing := "CN=Nobody Here," + s.base
	answers := func(call string, errs []error, err error, want ...engine.Code) {
		t.Helper()
		require.NoError(t, err, call)
		require.Len(t, errs, len(want), call)
		for i, code := range want {
			if code == "" {
				assert.NoError(t, errs[i], "%s: ref %d", call, i)
			} else {
				assert.Equal(t, code, engine.ErrorCode(errs[i]), "%s: ref %d: %v", call, i, errs[i])
			}
		}
	}

	require.NoError(t, c.Grant(ctx, a, vpn))
	errs, err := c.GrantAll(ctx, vpn, []string{a, b, missing, x, b})
	answers("GrantAll", errs, err, "", "", engine.NotFound, "", "")
	for _, r := range []string{a, b, x} {
		assert.Equal(t, []string{vpn}, s.granted(t, r, vpn, staff), r)
	}
	assert.Empty(t, s.granted(t, y, vpn, staff))

	dry := s.connect(t, map[string]string{settingDisabledBaseDN: s.disabled}, engine.TargetOptions{DryRun: true})
	errs, err = dry.GrantAll(ctx, staff, []string{y, missing})
	answers("dry-run GrantAll", errs, err, "", engine.NotFound)
	assert.Empty(t, s.granted(t, y, vpn, staff), "a dry run granted")

	errs, err = c.GrantAll(ctx, s.group("GG-No-Such-Group"), []string{a, y})
	answers("GrantAll to a missing group", errs, err, engine.NotFound, engine.NotFound)

	errs, err = c.RevokeAll(ctx, vpn, []string{a, missing, y})
	answers("RevokeAll", errs, err, "", "", "")
	assert.Empty(t, s.granted(t, a, vpn, staff))
	assert.Equal(t, []string{vpn}, s.granted(t, b, vpn, staff))
	errs, err = c.RevokeAll(ctx, vpn, []string{b, x})
	answers("RevokeAll of the rest", errs, err, "", "")
	assert.Empty(t, s.granted(t, b, vpn, staff))
	errs, err = c.RevokeAll(ctx, s.group("GG-No-Such-Group"), []string{a})
	answers("RevokeAll from a missing group", errs, err, "")
}
