package connectortest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func testTest(e *env) {
	assert.NoError(e.t, e.c.Test(e.ctx), "Test")
	assert.NoError(e.t, e.s.connect(e.t, true).Test(e.ctx), "Test of a dry-run connector")
}

func testCreate(e *env) {
	a := e.create()
	got := e.listed(a)
	assert.False(e.t, got.Enabled, "a new account is disabled")
	e.checkAttrs(got, a.attrs, a.String())

	b := e.create()
	assert.NotEqual(e.t, a.ref, b.ref, "two accounts have the same ref")
	listing := e.list(e.c)
	assert.Contains(e.t, listing, a.ref)
	assert.Contains(e.t, listing, b.ref)
	e.checkGranted(a.ref)
}

func testFindAccounts(e *env) {
	a := e.create()
	b := e.create()
	id := e.f.Identity
	for _, value := range []string{a.attrs[id], swapCase(a.attrs[id])} {
		found := e.find(e.c, value)
		if assert.Len(e.t, found, 1, "FindAccounts(%q, %q)", id, value) {
			assert.Equal(e.t, a.ref, found[0].Ref, "FindAccounts(%q, %q)", id, value)
			assert.False(e.t, found[0].Enabled, "FindAccounts reports a new account enabled")
			e.checkAttrs(found[0], a.attrs, fmt.Sprintf("FindAccounts(%q, %q)", id, value))
		}
	}
	assert.Empty(e.t, e.find(e.c, a.attrs[id]+"-nobody"), "FindAccounts of a value no account has")

	e.enable(b)
	if found := e.find(e.c, b.attrs[id]); assert.Len(e.t, found, 1) {
		assert.Equal(e.t, b.ref, found[0].Ref)
		assert.True(e.t, found[0].Enabled, "FindAccounts reports an enabled account enabled")
	}
	require.NoError(e.t, e.c.Delete(e.ctx, a.ref), "Delete(%q)", a.ref)
	assert.Empty(e.t, e.find(e.c, a.attrs[id]), "FindAccounts finds a deleted account")
}

// find returns the accounts c finds by identity.
func (e *env) find(c engine.TargetConnector, value string) []*engine.Account {
	e.t.Helper()
	found, err := c.FindAccounts(e.ctx, e.f.Identity, value, e.s.attrs)
	require.NoError(e.t, err, "FindAccounts(%q, %q)", e.f.Identity, value)
	for _, a := range found {
		require.NotNil(e.t, a, "FindAccounts returned a nil account")
	}
	return found
}

// swapCase returns s with upper and lower case swapped.
func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		if u := unicode.ToUpper(r); u != r {
			return u
		}
		return unicode.ToLower(r)
	}, s)
}

func testEnableDisable(e *env) {
	a := e.create()
	e.enable(a)
	got := e.listed(a)
	assert.True(e.t, got.Enabled, "%v is enabled after Enable", a)
	e.checkAttrs(got, a.attrs, a.String()+" after Enable")

	e.enable(a)
	assert.True(e.t, e.listed(a).Enabled, "%v is enabled after a second Enable", a)

	e.disable(a)
	got = e.listed(a)
	assert.False(e.t, got.Enabled, "%v is disabled after Disable", a)
	e.checkAttrs(got, a.attrs, a.String()+" after Disable")

	e.disable(a)
	assert.False(e.t, e.listed(a).Enabled, "%v is disabled after a second Disable", a)

	e.enable(a)
	assert.True(e.t, e.listed(a).Enabled, "%v is enabled again after Disable and Enable", a)

	// the other accounts stay as they are
	b := e.create()
	assert.False(e.t, e.listed(b).Enabled, "enabling one account enabled another")
}

func testUpdate(e *env) {
	a := e.create()
	before := a.ref
	e.update(a, e.f.Change)
	assert.Equal(e.t, before, a.ref, "Update of attributes that do not name the account keeps its ref")
	want := merged(a.attrs, e.f.Change)
	e.checkAttrs(e.listed(a), want, a.String()+" after Update")

	e.update(a, cleared(e.f.Change))
	want = merged(a.attrs, cleared(e.f.Change))
	got := e.listed(a)
	e.checkAttrs(got, want, a.String()+" after clearing the changed attributes")
	assert.False(e.t, got.Enabled, "Update enabled the account")

	// updating again to the same values is fine
	e.update(a, e.f.Change)
	e.update(a, e.f.Change)
	e.checkAttrs(e.listed(a), merged(a.attrs, e.f.Change), a.String()+" after updating twice")
}

func testRename(e *env) {
	a := e.create()
	old := a.ref
	rename := e.f.Rename(a.i)
	e.update(a, rename)
	require.NotEqual(e.t, old, a.ref, "Update(%v) changes a naming attribute and should return a new ref", rename)

	listing := e.list(e.c)
	require.Contains(e.t, listing, a.ref, "the renamed account is not listed under its new ref")
	assert.NotContains(e.t, listing, old, "the renamed account is still listed under its old ref")
	e.checkAttrs(listing[a.ref], merged(a.attrs, rename), a.String()+" after the rename")
	if found := e.find(e.c, merged(a.attrs, rename)[e.f.Identity]); assert.Len(e.t, found, 1, "FindAccounts of the renamed account") {
		assert.Equal(e.t, a.ref, found[0].Ref, "FindAccounts returns the renamed account's new ref")
	}

	_, err := e.c.Update(e.ctx, old, e.f.Change.Clone())
	checkCode(e.t, err, engine.NotFound, "Update of the old ref")
	_, err = e.c.Enable(e.ctx, old)
	checkCode(e.t, err, engine.NotFound, "Enable of the old ref")
	checkCode(e.t, e.c.Grant(e.ctx, old, e.f.Permissions[0]), engine.NotFound, "Grant to the old ref")
	// what wants the old ref gone is so already, and must not touch the
	// account under its new name
	_, err = e.c.Disable(e.ctx, old)
	assert.NoError(e.t, err, "Disable of the old ref")
	assert.NoError(e.t, e.c.Revoke(e.ctx, old, e.f.Permissions[0]), "Revoke from the old ref")
	assert.NoError(e.t, e.c.Delete(e.ctx, old), "Delete of the old ref")

	// the new ref works for every later call
	e.update(a, e.f.Change)
	e.enable(a)
	require.NoError(e.t, e.c.Grant(e.ctx, a.ref, e.f.Permissions[0]), "Grant to the new ref")
	got := e.listed(a)
	assert.True(e.t, got.Enabled, "the renamed account is enabled")
	e.checkAttrs(got, merged(merged(a.attrs, rename), e.f.Change), a.String()+" after the rename and an update")
	e.checkGranted(a.ref, e.f.Permissions[0])
}

func testGrantRevoke(e *env) {
	a := e.create()
	b := e.create()
	p, q := e.f.Permissions[0], e.f.Permissions[1]
	require.NoError(e.t, e.c.Grant(e.ctx, a.ref, p), "Grant(%q, %q)", a.ref, p)
	require.NoError(e.t, e.c.Grant(e.ctx, a.ref, q), "Grant(%q, %q)", a.ref, q)
	e.checkGranted(a.ref, p, q)
	e.checkGranted(b.ref)

	assert.NoError(e.t, e.c.Grant(e.ctx, a.ref, p), "granting %q a second time", p)
	e.checkGranted(a.ref, p, q)

	require.NoError(e.t, e.c.Revoke(e.ctx, a.ref, p), "Revoke(%q, %q)", a.ref, p)
	e.checkGranted(a.ref, q)
	assert.NoError(e.t, e.c.Revoke(e.ctx, a.ref, p), "revoking %q a second time", p)
	e.checkGranted(a.ref, q)

	assert.NoError(e.t, e.c.Revoke(e.ctx, b.ref, q), "revoking a permission the account never had")
	e.checkGranted(a.ref, q)

	// a membership survives enabling and disabling (which may move the
	// account)
	e.enable(a)
	e.disable(a)
	e.checkGranted(a.ref, q)
	require.NoError(e.t, e.c.Revoke(e.ctx, a.ref, q), "Revoke(%q, %q) after Enable and Disable", a.ref, q)
	e.checkGranted(a.ref)
}

func testBatch(e *env) {
	bg, ok := e.c.(engine.BatchGranter)
	if !ok {
		return // the connector grants one at a time
	}
	a, b := e.create(), e.create()
	missing := e.missing()
	p := e.f.Permissions[0]
	errs, err := bg.GrantAll(e.ctx, p, []string{a.ref, missing, b.ref, a.ref})
	require.NoError(e.t, err, "GrantAll(%q)", p)
	require.Len(e.t, errs, 4, "one answer per ref")
	assert.NoError(e.t, errs[0])
	checkCode(e.t, errs[1], engine.NotFound, "GrantAll to a missing account")
	assert.NoError(e.t, errs[2])
	assert.NoError(e.t, errs[3], "the same account twice in one batch")
	e.checkGranted(a.ref, p)
	e.checkGranted(b.ref, p)

	errs, err = bg.GrantAll(e.ctx, p, []string{a.ref, b.ref})
	require.NoError(e.t, err, "GrantAll a second time")
	for i, x := range errs {
		assert.NoError(e.t, x, "GrantAll a second time, ref %d", i)
	}
	errs, err = bg.RevokeAll(e.ctx, p, []string{a.ref, missing})
	require.NoError(e.t, err, "RevokeAll(%q)", p)
	require.Len(e.t, errs, 2)
	assert.NoError(e.t, errs[0])
	assert.NoError(e.t, errs[1], "RevokeAll from a missing account")
	e.checkGranted(a.ref)
	e.checkGranted(b.ref, p)

	_, err = bg.GrantAll(e.ctx, e.f.UnknownPermission, []string{a.ref})
	if err == nil {
		errs, _ = bg.GrantAll(e.ctx, e.f.UnknownPermission, []string{a.ref})
		checkCode(e.t, errs[0], engine.NotFound, "GrantAll of an unknown permission")
	} else {
		checkCode(e.t, err, engine.NotFound, "GrantAll of an unknown permission")
	}
}

func testCreateEnabled(e *env) {
	ec, ok := e.c.(engine.EnabledCreator)
	if !ok {
		return // the connector creates, then enables
	}
	before := len(e.list(e.c))
	i := e.s.index()
	attrs := e.f.Account(i)
	ref, err := ec.CreateEnabled(e.ctx, attrs.Clone())
	require.NoError(e.t, err, "CreateEnabled(%v)", attrs)
	require.NotEmpty(e.t, ref, "CreateEnabled(%v) returned an empty ref", attrs)
	a := &account{i: i, ref: ref, attrs: attrs}
	e.deleteLater(a)
	got := e.listed(a)
	assert.True(e.t, got.Enabled, "%v is enabled", a)
	e.checkAttrs(got, attrs, a.String())
	assert.Len(e.t, e.list(e.c), before+1, "one account made")
	id := e.f.Identity
	if found := e.find(e.c, attrs[id]); assert.Len(e.t, found, 1) {
		assert.Equal(e.t, ref, found[0].Ref)
		assert.True(e.t, found[0].Enabled, "FindAccounts reports it enabled")
	}

	// it is an account like any other: enabled again, disabled, granted
	e.enable(a)
	assert.True(e.t, e.listed(a).Enabled, "%v is enabled after Enable", a)
	e.disable(a)
	assert.False(e.t, e.listed(a).Enabled, "%v is disabled after Disable", a)
	p := e.f.Permissions[0]
	require.NoError(e.t, e.c.Grant(e.ctx, a.ref, p), "Grant(%q, %q)", a.ref, p)
	e.checkGranted(a.ref, p)

	// a taken identity is a Conflict, as for Create
	b := e.create()
	_, err = ec.CreateEnabled(e.ctx, merged(e.f.Account(e.s.index()), engine.Attributes{id: b.attrs[id]}))
	if checkCode(e.t, err, engine.Conflict, "CreateEnabled of a taken identity") {
		assert.Contains(e.t, err.Error(), id, "the Conflict error should name the identity attribute")
	}
	assert.False(e.t, e.listed(b).Enabled, "a CreateEnabled that failed enabled the account that has the identity")
	assert.Len(e.t, e.withIdentity(e.list(e.c), b.attrs[id]), 1)
}

func testMissingAccount(e *env) {
	ref := e.missing()
	assert.NotContains(e.t, e.list(e.c), ref, "a deleted account is still listed")
	p := e.f.Permissions[0]

	assert.NoError(e.t, e.c.Delete(e.ctx, ref), "Delete of a missing account")
	_, err := e.c.Disable(e.ctx, ref)
	assert.NoError(e.t, err, "Disable of a missing account")
	assert.NoError(e.t, e.c.Revoke(e.ctx, ref, p), "Revoke from a missing account")

	_, err = e.c.Update(e.ctx, ref, e.f.Change.Clone())
	checkCode(e.t, err, engine.NotFound, "Update of a missing account")
	_, err = e.c.Enable(e.ctx, ref)
	checkCode(e.t, err, engine.NotFound, "Enable of a missing account")
	checkCode(e.t, e.c.Grant(e.ctx, ref, p), engine.NotFound, "Grant to a missing account")
	assert.NotContains(e.t, e.list(e.c), ref, "a call on a missing account brought it back")
}

func testUnknownPermission(e *env) {
	a := e.create()
	checkCode(e.t, e.c.Grant(e.ctx, a.ref, e.f.UnknownPermission), engine.NotFound, fmt.Sprintf("Grant of the unknown permission %q", e.f.UnknownPermission))
	assert.NoError(e.t, e.c.Revoke(e.ctx, a.ref, e.f.UnknownPermission), "Revoke of a permission that does not exist (so neither does the membership)")
	e.checkGranted(a.ref)
}

func testConflict(e *env) {
	a := e.create()
	id := e.f.Identity
	before := len(e.list(e.c))

	for _, c := range []struct {
		what  string
		attrs engine.Attributes
	}{
		{"the same attributes", a.attrs.Clone()},
		{"another account with the same identity", merged(e.f.Account(e.s.index()), engine.Attributes{id: a.attrs[id]})},
	} {
		ref, err := e.c.Create(e.ctx, c.attrs.Clone())
		if err == nil {
			e.deleteLater(&account{ref: ref})
		}
		if checkCode(e.t, err, engine.Conflict, "Create of "+c.what) {
			assert.Contains(e.t, err.Error(), id, "the Conflict error should name the identity attribute")
		}
	}
	listing := e.list(e.c)
	assert.Len(e.t, listing, before, "a Create that failed with a Conflict created an account")
	assert.Len(e.t, e.withIdentity(listing, a.attrs[id]), 1, "accounts listed with %s=%q", id, a.attrs[id])
	assert.Len(e.t, e.find(e.c, a.attrs[id]), 1, "accounts found with %s=%q", id, a.attrs[id])
}

func testListPermissions(e *env) {
	perms, err := e.c.ListPermissions(e.ctx)
	require.NoError(e.t, err, "ListPermissions")
	var ids []string
	for _, p := range perms {
		assert.NotEmpty(e.t, p.ID, "ListPermissions returned a permission with no id: %+v", p)
		ids = append(ids, p.ID)
	}
	for _, want := range e.f.Permissions {
		assert.Contains(e.t, ids, want, "ListPermissions should list the fixture's permission")
	}
	assert.NotContains(e.t, ids, e.f.UnknownPermission)
}

func testPaging(e *env) {
	n := e.f.PageSize*2 + 1
	var created []*account
	for range n {
		created = append(created, e.create())
	}
	listing := e.list(e.c) // fails on an account listed twice
	for _, a := range created {
		if assert.Contains(e.t, listing, a.ref, "%v of %d is not listed", a, n) {
			e.checkAttrs(listing[a.ref], a.attrs, a.String())
		}
	}

	// an error from emit ends the listing and is returned as it is
	stop := errors.New("connectortest: stop")
	calls := 0
	err := e.c.ListAccounts(e.ctx, e.s.attrs, func(*engine.Account) error { calls++; return stop })
	assert.ErrorIs(e.t, err, stop, "ListAccounts should return the error emit returned")
	assert.Equal(e.t, 1, calls, "ListAccounts should stop at the first error of emit")

	// cancelling while listing more than a page ends the listing
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	calls = 0
	err = e.c.ListAccounts(ctx, e.s.attrs, func(*engine.Account) error { calls++; cancel(); return nil })
	assert.True(e.t, isCancel(err), "ListAccounts cancelled while it lists %d accounts or more should end with Canceled or Unavailable, got %v after %d accounts", n, err, calls)
}

func testConcurrent(e *env) {
	const workers, each = 4, 3
	p := e.f.Permissions[0]
	attrs := make([][]engine.Attributes, workers)
	for w := range workers {
		for range each {
			attrs[w] = append(attrs[w], e.f.Account(e.s.index()))
		}
	}
	refs := make([][]string, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for _, a := range attrs[w] {
				ref, err := e.c.Create(e.ctx, a.Clone())
				if err != nil {
					errs[w] = fmt.Errorf("Create(%v): %w", a, err)
					return
				}
				refs[w] = append(refs[w], ref)
				if err := e.c.Grant(e.ctx, ref, p); err != nil {
					errs[w] = fmt.Errorf("Grant(%q, %q): %w", ref, p, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, rs := range refs {
		for _, ref := range rs {
			e.deleteLater(&account{ref: ref})
		}
	}
	for _, err := range errs {
		require.NoError(e.t, err, "a call from one of %d goroutines", workers)
	}
	listing := e.list(e.c)
	for w := range workers {
		for k, ref := range refs[w] {
			if assert.Contains(e.t, listing, ref, "an account created from goroutine %d is not listed", w) {
				e.checkAttrs(listing[ref], attrs[w][k], ref)
			}
			e.checkGranted(ref, p)
		}
	}
}

// isCancel reports whether err ends a call whose context is done.
func isCancel(err error) bool {
	code := engine.ErrorCode(err)
	return code == engine.Canceled || code == engine.Unavailable
}

func testCancelled(e *env) {
	a := e.create()
	missing := e.missing()
	fresh := e.f.Account(e.s.index())
	p := e.f.Permissions[0]
	before := len(e.list(e.c))

	cancelled, cancel := context.WithCancel(e.ctx)
	cancel()
	expired, cancel := context.WithDeadline(e.ctx, time.Now().Add(-time.Second))
	defer cancel()

	var createdRefs []string
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Test", func(ctx context.Context) error { return e.c.Test(ctx) }},
		{"ListAccounts", func(ctx context.Context) error {
			return e.c.ListAccounts(ctx, e.s.attrs, func(*engine.Account) error { return nil })
		}},
		{"FindAccounts", func(ctx context.Context) error {
			_, err := e.c.FindAccounts(ctx, e.f.Identity, a.attrs[e.f.Identity], e.s.attrs)
			return err
		}},
		{"ListPermissions", func(ctx context.Context) error { _, err := e.c.ListPermissions(ctx); return err }},
		{"Create", func(ctx context.Context) error {
			ref, err := e.c.Create(ctx, fresh.Clone())
			if err == nil {
				createdRefs = append(createdRefs, ref)
			}
			return err
		}},
		{"Update", func(ctx context.Context) error { _, err := e.c.Update(ctx, a.ref, e.f.Change.Clone()); return err }},
		{"Enable", func(ctx context.Context) error { _, err := e.c.Enable(ctx, a.ref); return err }},
		{"Disable", func(ctx context.Context) error { _, err := e.c.Disable(ctx, missing); return err }},
		{"Grant", func(ctx context.Context) error { return e.c.Grant(ctx, a.ref, p) }},
		{"Revoke", func(ctx context.Context) error { return e.c.Revoke(ctx, a.ref, p) }},
		{"Delete", func(ctx context.Context) error { return e.c.Delete(ctx, a.ref) }},
	}
	for _, ctx := range []struct {
		what string
		ctx  context.Context
	}{{"a cancelled context", cancelled}, {"a context past its deadline", expired}} {
		for _, c := range calls {
			start := time.Now()
			err := c.call(ctx.ctx)
			took := time.Since(start)
			assert.True(e.t, isCancel(err), "%s with %s should fail with Canceled or Unavailable, got %v", c.name, ctx.what, err)
			assert.Less(e.t, took, quickly, "%s with %s took %v", c.name, ctx.what, took)
		}
	}
	for _, ref := range createdRefs {
		e.deleteLater(&account{ref: ref})
	}

	// nothing was written
	listing := e.list(e.c)
	assert.Len(e.t, listing, before, "a call with a cancelled context created or deleted an account")
	assert.Empty(e.t, e.withIdentity(listing, fresh[e.f.Identity]), "Create with a cancelled context created the account")
	if got, ok := listing[a.ref]; assert.True(e.t, ok, "Delete with a cancelled context deleted %v", a) {
		assert.False(e.t, got.Enabled, "Enable with a cancelled context enabled the account")
		e.checkAttrs(got, a.attrs, "Update with a cancelled context")
	}
	e.checkGranted(a.ref)
}

func testDryRunWritesNothing(e *env) {
	d := e.s.connect(e.t, true)
	a := e.create()
	id := e.f.Identity
	p, q := e.f.Permissions[0], e.f.Permissions[1]

	fresh := e.f.Account(e.s.index())
	ref, err := d.Create(e.ctx, fresh.Clone())
	assert.NoError(e.t, err, "dry-run Create of a free identity")
	assert.NotEmpty(e.t, ref, "a dry-run Create returns the ref the account would have")
	assert.Empty(e.t, e.withIdentity(e.list(e.c), fresh[id]), "a dry-run Create created the account")
	assert.Empty(e.t, e.find(d, fresh[id]), "a dry-run connector finds the account a dry-run Create would have made")

	ref, err = d.Update(e.ctx, a.ref, e.f.Change.Clone())
	assert.NoError(e.t, err, "dry-run Update")
	assert.Equal(e.t, a.ref, ref, "a dry-run Update of attributes that do not name the account returns its ref")
	ref, err = d.Enable(e.ctx, a.ref)
	assert.NoError(e.t, err, "dry-run Enable")
	assert.NotEmpty(e.t, ref, "a dry-run Enable returns the account's ref")
	assert.NoError(e.t, d.Grant(e.ctx, a.ref, p), "dry-run Grant")
	got := e.listed(a)
	assert.False(e.t, got.Enabled, "a dry-run Enable enabled the account")
	e.checkAttrs(got, a.attrs, "after a dry-run Update")
	e.checkGranted(a.ref)

	if e.f.Rename != nil {
		_, err := d.Update(e.ctx, a.ref, e.f.Rename(a.i))
		assert.NoError(e.t, err, "dry-run rename")
		got := e.listed(a)
		e.checkAttrs(got, a.attrs, "after a dry-run rename")
	}

	// what a dry run would undo must stay done
	e.enable(a)
	require.NoError(e.t, e.c.Grant(e.ctx, a.ref, q), "Grant(%q, %q)", a.ref, q)
	ref, err = d.Disable(e.ctx, a.ref)
	assert.NoError(e.t, err, "dry-run Disable")
	assert.NotEmpty(e.t, ref, "a dry-run Disable returns the account's ref")
	assert.NoError(e.t, d.Revoke(e.ctx, a.ref, q), "dry-run Revoke")
	assert.NoError(e.t, d.Delete(e.ctx, a.ref), "dry-run Delete")
	got = e.listed(a)
	assert.True(e.t, got.Enabled, "a dry-run Disable disabled the account")
	e.checkGranted(a.ref, q)

	// a dry-run connector reads
	assert.Contains(e.t, e.list(d), a.ref, "a dry-run connector lists accounts")
	if found := e.find(d, a.attrs[id]); assert.Len(e.t, found, 1, "a dry-run connector finds accounts") {
		assert.Equal(e.t, a.ref, found[0].Ref)
	}
	perms, err := d.ListPermissions(e.ctx)
	assert.NoError(e.t, err, "dry-run ListPermissions")
	assert.NotEmpty(e.t, perms, "a dry-run connector lists permissions")
}

func testDryRunReports(e *env) {
	d := e.s.connect(e.t, true)
	a := e.create()
	missing := e.missing()
	id := e.f.Identity
	p := e.f.Permissions[0]
	before := len(e.list(e.c))

	_, err := d.Create(e.ctx, a.attrs.Clone())
	if checkCode(e.t, err, engine.Conflict, "dry-run Create of a taken identity") {
		assert.Contains(e.t, err.Error(), id, "the Conflict error should name the identity attribute")
	}
	other := merged(e.f.Account(e.s.index()), engine.Attributes{id: a.attrs[id]})
	_, err = d.Create(e.ctx, other)
	checkCode(e.t, err, engine.Conflict, "dry-run Create of another account with a taken identity")

	_, err = d.Update(e.ctx, missing, e.f.Change.Clone())
	checkCode(e.t, err, engine.NotFound, "dry-run Update of a missing account")
	_, err = d.Enable(e.ctx, missing)
	checkCode(e.t, err, engine.NotFound, "dry-run Enable of a missing account")
	checkCode(e.t, d.Grant(e.ctx, missing, p), engine.NotFound, "dry-run Grant to a missing account")
	checkCode(e.t, d.Grant(e.ctx, a.ref, e.f.UnknownPermission), engine.NotFound, "dry-run Grant of an unknown permission")

	_, err = d.Disable(e.ctx, missing)
	assert.NoError(e.t, err, "dry-run Disable of a missing account")
	assert.NoError(e.t, d.Delete(e.ctx, missing), "dry-run Delete of a missing account")
	assert.NoError(e.t, d.Revoke(e.ctx, missing, p), "dry-run Revoke from a missing account")

	listing := e.list(e.c)
	assert.Len(e.t, listing, before, "a failed dry-run call changed the number of accounts")
	assert.NotContains(e.t, listing, missing)
	assert.True(e.t, slices.Contains(e.withIdentity(listing, a.attrs[id]), a.ref), "%v is listed with its identity", a)
}
