package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/connectors/connectortest"
	"provisio/engine"
)

// testPermissions are the permissions the test directories declare.
var testPermissions = []engine.Permission{
	{ID: "staff", Name: "Staff", Description: "Everyone employed"},
	{ID: "vpn", Name: "VPN users"},
}

// newDirectory writes a directory file declaring testPermissions in a new
// folder and returns the folder and the file's path.
func newDirectory(t *testing.T) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "directory.json")
	require.NoError(t, WriteDirectory(path, &Directory{Permissions: testPermissions}))
	return dir, path
}

// connect makes a connector on the file directory.json in dir.
func connect(t *testing.T, dir string, settings map[string]string, opts engine.TargetOptions) *Connector {
	t.Helper()
	s := map[string]string{"path": "directory.json"}
	for k, v := range settings {
		s[k] = v
	}
	c, err := New(s, engine.ConnectorEnv{BaseDir: dir}, opts)
	require.NoError(t, err)
	return c
}

// granted reads the permissions of an account straight from the file.
func granted(t *testing.T, path, ref string) []string {
	t.Helper()
	d, err := ReadDirectory(path)
	require.NoError(t, err)
	if i := d.account(ref); i >= 0 {
		return d.Accounts[i].Permissions
	}
	return nil
}

func fixture(dir, path, identity string) connectortest.Fixture {
	return connectortest.Fixture{
		New: func(t *testing.T, opts engine.TargetOptions) engine.TargetConnector {
			return connect(t, dir, map[string]string{"identity": identity}, opts)
		},
		Account: func(i int) engine.Attributes {
			return engine.Attributes{
				"userName":    fmt.Sprintf("user%04d", i),
				"displayName": fmt.Sprintf("User %d", i),
				"mail":        fmt.Sprintf("user%04d@example.org", i),
				"roles":       "reader\nwriter",
			}
		},
		Change:            engine.Attributes{"title": "Engineer", "department": "Research"},
		Permissions:       []string{"staff", "vpn"},
		UnknownPermission: "no-such-group",
		Identity:          identity,
		PageSize:          5,
		Granted:           func(t *testing.T, ref string) []string { return granted(t, path, ref) },
	}
}

func TestConnectorSuite(t *testing.T) {
	dir, path := newDirectory(t)
	connectortest.Run(t, fixture(dir, path, "userName"))
}

func TestConnectorSuiteWithTheIdentitySetting(t *testing.T) {
	dir, path := newDirectory(t)
	connectortest.Run(t, fixture(dir, path, "mail"))
}

func TestKindDescribesTheFileTarget(t *testing.T) {
	k := Kind()
	assert.Equal(t, "file", k.Kind)
	assert.Equal(t, []string{"userName"}, k.Identity)
	require.Len(t, k.Settings, 2)
	assert.Equal(t, engine.SettingDef{Key: "path", Label: "Directory file", Kind: engine.SettingFile, Required: true, Help: k.Settings[0].Help}, k.Settings[0])
	assert.Equal(t, "identity", k.Settings[1].Key)
	assert.Equal(t, "userName", k.Settings[1].Default)

	dir := t.TempDir()
	c, err := k.New(map[string]string{"path": "d.json"}, engine.ConnectorEnv{BaseDir: dir}, engine.TargetOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"userName"}, c.(*Connector).Identity())

	c, err = k.New(map[string]string{"path": "d.json", "identity": "  "}, engine.ConnectorEnv{BaseDir: dir}, engine.TargetOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"userName"}, c.(*Connector).Identity(), "a blank identity setting means the default")

	c, err = k.New(map[string]string{}, engine.ConnectorEnv{BaseDir: dir}, engine.TargetOptions{})
	assert.Nil(t, c, "a failed New returns a nil interface")
	assert.True(t, engine.IsCode(err, engine.Invalid), "New without a path: %v", err)
	assert.ErrorContains(t, err, `"Directory file" (path) is required`)
}

func TestRelativePathResolvesAgainstTheWorkspaceFolder(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "targets"), 0o755))
	c, err := New(map[string]string{"path": "targets/people.json"}, engine.ConnectorEnv{BaseDir: dir}, engine.TargetOptions{})
	require.NoError(t, err)
	want := filepath.Join(dir, "targets", "people.json")
	assert.Equal(t, want, c.Path())
	ref, err := c.Create(t.Context(), engine.Attributes{"userName": "jdoe"})
	require.NoError(t, err)
	d, err := ReadDirectory(want)
	require.NoError(t, err)
	require.Len(t, d.Accounts, 1, "the account is in the file under the workspace folder")
	assert.Equal(t, ref, d.Accounts[0].Ref)

	// an absolute path is used as it is
	other := filepath.Join(t.TempDir(), "abs.json")
	c, err = New(map[string]string{"path": other}, engine.ConnectorEnv{BaseDir: dir}, engine.TargetOptions{})
	require.NoError(t, err)
	assert.Equal(t, other, c.Path())
}

func TestMissingFileIsEmptyUntilTheFirstWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "directory.json")
	c := connect(t, dir, nil, engine.TargetOptions{})
	ctx := t.Context()

	require.NoError(t, c.Test(ctx), "Test of a missing file in an existing folder")
	n := 0
	require.NoError(t, c.ListAccounts(ctx, nil, func(*engine.Account) error { n++; return nil }))
	assert.Zero(t, n)
	perms, err := c.ListPermissions(ctx)
	require.NoError(t, err)
	assert.Empty(t, perms)
	assert.NoError(t, c.Delete(ctx, "acct-0"))
	assert.NoFileExists(t, path, "reads and no-op writes do not create the file")

	ref, err := c.Create(ctx, engine.Attributes{"userName": "jdoe", "mail": "jdoe@example.org"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(ref, "acct-"), "ref %q", ref)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"format": "provisio-directory"`)
	assert.Contains(t, string(data), `"version": 1`)
	assert.Contains(t, string(data), `"permissions": []`)

	// a listing without attribute names has all of them
	var got []*engine.Account
	require.NoError(t, c.ListAccounts(ctx, nil, func(a *engine.Account) error { got = append(got, a); return nil }))
	require.Len(t, got, 1)
	assert.Equal(t, &engine.Account{Ref: ref, Attributes: engine.Attributes{"userName": "jdoe", "mail": "jdoe@example.org"}}, got[0])
}

func TestIdentityIsRequiredAndUniqueWhateverTheCase(t *testing.T) {
	dir, _ := newDirectory(t)
	c := connect(t, dir, nil, engine.TargetOptions{})
	ctx := t.Context()
	ref, err := c.Create(ctx, engine.Attributes{"userName": "jdoe", "mail": "jdoe@example.org"})
	require.NoError(t, err)
	other, err := c.Create(ctx, engine.Attributes{"userName": "asmith"})
	require.NoError(t, err)

	_, err = c.Create(ctx, engine.Attributes{"userName": "JDoe"})
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)
	assert.EqualError(t, err, fmt.Sprintf(`directory file directory.json: the userName "jdoe" is taken by the account %s`, ref))

	_, err = c.Create(ctx, engine.Attributes{"mail": "x@example.org"})
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
	assert.ErrorContains(t, err, `the identity attribute "userName" must have a value`)

	_, err = c.Update(ctx, other, engine.Attributes{"userName": "JDOE"})
	assert.True(t, engine.IsCode(err, engine.Conflict), "renaming to a taken identity: %v", err)
	_, err = c.Update(ctx, other, engine.Attributes{"userName": ""})
	assert.True(t, engine.IsCode(err, engine.Invalid), "clearing the identity: %v", err)

	got, err := c.Update(ctx, ref, engine.Attributes{"userName": "JDoe"})
	require.NoError(t, err, "an account may change the case of its own identity")
	assert.Equal(t, ref, got, "refs never change")
	found, err := c.FindAccounts(ctx, "userName", "jdoe", []string{"userName"})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, engine.Attributes{"userName": "JDoe"}, found[0].Attributes)

	// another identity setting
	m := connect(t, dir, map[string]string{"identity": "mail"}, engine.TargetOptions{})
	_, err = m.Create(ctx, engine.Attributes{"userName": "jdoe2", "mail": "JDOE@example.org"})
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)
	assert.ErrorContains(t, err, `the mail "jdoe@example.org" is taken`)
	assert.Equal(t, []string{"mail"}, m.Identity())
}

func TestFindAccountsMatchesOneOfSeveralValues(t *testing.T) {
	dir, _ := newDirectory(t)
	c := connect(t, dir, nil, engine.TargetOptions{})
	ctx := t.Context()
	ref, err := c.Create(ctx, engine.Attributes{"userName": "jdoe", "proxyAddresses": "smtp:jdoe@example.org\nsmtp:john.doe@example.org"})
	require.NoError(t, err)
	found, err := c.FindAccounts(ctx, "proxyAddresses", "SMTP:john.doe@example.org", []string{"userName"})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, &engine.Account{Ref: ref, Attributes: engine.Attributes{"userName": "jdoe"}}, found[0])
	found, err = c.FindAccounts(ctx, "title", "", nil)
	require.NoError(t, err)
	assert.Empty(t, found, "an empty value finds nothing, not every account without the attribute")
}

func TestGrantOfAnUndeclaredPermissionNamesTheDeclaredOnes(t *testing.T) {
	dir, _ := newDirectory(t)
	c := connect(t, dir, nil, engine.TargetOptions{})
	ref, err := c.Create(t.Context(), engine.Attributes{"userName": "jdoe"})
	require.NoError(t, err)
	err = c.Grant(t.Context(), ref, "admins")
	assert.True(t, engine.IsCode(err, engine.NotFound), "%v", err)
	assert.EqualError(t, err, `directory file directory.json has no permission "admins"; it declares "staff", "vpn"`)

	err = c.Grant(t.Context(), "acct-missing", "staff")
	assert.EqualError(t, err, `directory file directory.json: cannot grant "staff" to the account acct-missing: there is no account with that ref`)
}

// snapshot is the content and identity of a file, to tell whether it was
// written.
type snapshot struct {
	data []byte
	info os.FileInfo
}

func take(t *testing.T, path string) snapshot {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	info, err := os.Stat(path)
	require.NoError(t, err)
	return snapshot{data, info}
}

// unchanged checks that the file was not written since s.
func (s snapshot) unchanged(t *testing.T, path, msg string) {
	t.Helper()
	now := take(t, path)
	assert.Equal(t, string(s.data), string(now.data), "%s: the file's content changed", msg)
	assert.True(t, os.SameFile(s.info, now.info), "%s: the file was replaced", msg)
}

func TestCallsThatChangeNothingDoNotRewriteTheFile(t *testing.T) {
	dir, path := newDirectory(t)
	c := connect(t, dir, nil, engine.TargetOptions{})
	ctx := t.Context()
	ref, err := c.Create(ctx, engine.Attributes{"userName": "jdoe", "title": "Engineer"})
	require.NoError(t, err)
	require.NoError(t, c.Grant(ctx, ref, "staff"))
	before := take(t, path)

	require.NoError(t, c.Grant(ctx, ref, "staff"))
	require.NoError(t, c.Revoke(ctx, ref, "vpn"))
	_, err = c.Disable(ctx, ref)
	require.NoError(t, err)
	_, err = c.Update(ctx, ref, engine.Attributes{"title": "Engineer", "department": ""})
	require.NoError(t, err)
	require.NoError(t, c.Delete(ctx, "acct-missing"))
	before.unchanged(t, path, "calls that find what they want already so")

	require.NoError(t, c.Revoke(ctx, ref, "staff"))
	assert.NotEqual(t, string(before.data), string(take(t, path).data), "a Revoke that changes something writes")
}

func TestDryRunLeavesTheFileAlone(t *testing.T) {
	dir, path := newDirectory(t)
	c := connect(t, dir, nil, engine.TargetOptions{})
	d := connect(t, dir, nil, engine.TargetOptions{DryRun: true})
	ctx := t.Context()
	ref, err := c.Create(ctx, engine.Attributes{"userName": "jdoe"})
	require.NoError(t, err)
	before := take(t, path)

	newRef, err := d.Create(ctx, engine.Attributes{"userName": "asmith"})
	require.NoError(t, err)
	assert.NotEqual(t, ref, newRef)
	_, err = d.Update(ctx, ref, engine.Attributes{"title": "Engineer"})
	require.NoError(t, err)
	_, err = d.Enable(ctx, ref)
	require.NoError(t, err)
	require.NoError(t, d.Grant(ctx, ref, "staff"))
	require.NoError(t, d.Delete(ctx, ref))
	before.unchanged(t, path, "dry-run calls")

	// nor does a dry run create a missing file
	empty := t.TempDir()
	d = connect(t, empty, nil, engine.TargetOptions{DryRun: true})
	_, err = d.Create(ctx, engine.Attributes{"userName": "jdoe"})
	require.NoError(t, err)
	assert.NoFileExists(t, filepath.Join(empty, "directory.json"))
}

// onlyFile checks that the folder holds only the directory file: no
// temporary file is left behind.
func onlyFile(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"directory.json"}, names, "the folder's files")
}

func TestAFailedWriteLeavesTheOldFileIntact(t *testing.T) {
	failed := errors.New("disk on fire")
	for _, step := range []struct {
		name string
		fail func() (restore func())
	}{
		{"flushing the new file", func() func() {
			old := syncFile
			syncFile = func(*os.File) error { return failed }
			return func() { syncFile = old }
		}},
		{"renaming it over the old one", func() func() {
			old := rename
			rename = func(string, string) error { return failed }
			return func() { rename = old }
		}},
	} {
		t.Run(step.name, func(t *testing.T) {
			dir, path := newDirectory(t)
			c := connect(t, dir, nil, engine.TargetOptions{})
			ctx := t.Context()
			ref, err := c.Create(ctx, engine.Attributes{"userName": "jdoe"})
			require.NoError(t, err)
			before := take(t, path)

			restore := step.fail()
			_, err = c.Create(ctx, engine.Attributes{"userName": "asmith"})
			restore()
			require.Error(t, err)
			assert.True(t, engine.IsTransient(err), "a failing disk is worth retrying: %v", err)
			assert.ErrorContains(t, err, "directory file directory.json")
			assert.ErrorIs(t, err, failed)

			before.unchanged(t, path, "a failed write")
			onlyFile(t, dir)
			var refs []string
			require.NoError(t, c.ListAccounts(ctx, nil, func(a *engine.Account) error { refs = append(refs, a.Ref); return nil }))
			assert.Equal(t, []string{ref}, refs)

			_, err = c.Create(ctx, engine.Attributes{"userName": "asmith"})
			assert.NoError(t, err, "once the disk works again, so do writes")
		})
	}
}

func TestAReadOnlyFolderIsReportedAndTheFileKept(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes in read-only folders; TestAFailedWriteLeavesTheOldFileIntact covers failed writes")
	}
	dir, path := newDirectory(t)
	c := connect(t, dir, nil, engine.TargetOptions{})
	ctx := t.Context()
	_, err := c.Create(ctx, engine.Attributes{"userName": "jdoe"})
	require.NoError(t, err)
	before := take(t, path)
	require.NoError(t, os.Chmod(dir, 0o555))
	t.Cleanup(func() { os.Chmod(dir, 0o755) })

	_, err = c.Create(ctx, engine.Attributes{"userName": "asmith"})
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
	assert.ErrorContains(t, err, "may not write in the folder "+dir)
	err = c.Test(ctx)
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
	assert.ErrorContains(t, err, "cannot write in the folder "+dir)
	before.unchanged(t, path, "a write into a read-only folder")
	onlyFile(t, dir)
}

func TestACorruptFileGivesAClearErrorAndIsNotOverwritten(t *testing.T) {
	const head = `{"format": "provisio-directory", "version": 1,`
	for _, c := range []struct {
		name    string
		content string
		want    string
	}{
		{"a syntax error", head + "\n  \"accounts\": [\n    {\"ref\": \"a\",, }\n  ]}", `directory file directory.json line 3, column 17: invalid character ','`},
		{"a value of the wrong type", head + "\n\"accounts\": [\n{\"ref\": \"a\", \"enabled\": \"yes\"}]}", `directory file directory.json line 3: "accounts.enabled" holds a JSON string, expected true or false`},
		{"cut off", head + "\n\"accounts\": [\n{\"ref\": \"a\"", `directory file directory.json line 3, column 12: the file ends in the middle of the directory`},
		{"an unknown field", head + `"accounts": [{"ref": "a", "enable": true}]}`, `directory file directory.json: unknown field "enable"`},
		{"another format", `{"format": "scim", "version": 1}`, `directory file directory.json is not a Provisio directory file: "format" is "scim", expected "provisio-directory"`},
		{"no format", `{"accounts": []}`, `"format" is "", expected "provisio-directory"`},
		{"a newer version", `{"format": "provisio-directory", "version": 2}`, `directory file directory.json has version 2; this version of Provisio reads version 1`},
		{"empty", "  \n", `directory file directory.json is empty`},
		{"more after the object", head + `"accounts": []} {}`, `directory file directory.json line 1, column`},
		{"an account with no ref", head + `"accounts": [{"enabled": true}]}`, `directory file directory.json, account 1 has no "ref"`},
		{"two accounts with one ref", head + `"accounts": [{"ref": "a"}, {"ref": "a"}]}`, `directory file directory.json: accounts 1 and 2 have the same ref "a"`},
		{"two permissions with one id", head + `"permissions": [{"id": "p"}, {"id": "p"}]}`, `directory file directory.json: permissions 1 and 2 have the same id "p"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "directory.json")
			require.NoError(t, os.WriteFile(path, []byte(c.content), 0o644))
			conn := connect(t, dir, nil, engine.TargetOptions{})
			ctx := t.Context()

			err := conn.ListAccounts(ctx, nil, func(*engine.Account) error { return nil })
			assert.True(t, engine.IsCode(err, engine.Invalid), "ListAccounts: %v", err)
			assert.ErrorContains(t, err, c.want)
			assert.ErrorContains(t, conn.Test(ctx), c.want, "Test")
			_, err = conn.Create(ctx, engine.Attributes{"userName": "jdoe"})
			assert.ErrorContains(t, err, c.want, "Create")
			assert.ErrorContains(t, conn.Delete(ctx, "b"), c.want, "Delete")
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, c.content, string(data), "the corrupt file is left for the administrator to fix")
		})
	}
}

func TestTestNamesWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	c, err := New(map[string]string{"path": "missing/directory.json"}, engine.ConnectorEnv{BaseDir: dir}, engine.TargetOptions{})
	require.NoError(t, err)
	err = c.Test(ctx)
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
	assert.EqualError(t, err, fmt.Sprintf(`directory file missing/directory.json: the folder %s does not exist; create it or change the setting "path"`, filepath.Join(dir, "missing")))
	_, err = c.Create(ctx, engine.Attributes{"userName": "jdoe"})
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
	assert.ErrorContains(t, err, "does not exist")

	require.NoError(t, os.Mkdir(filepath.Join(dir, "folder.json"), 0o755))
	c, err = New(map[string]string{"path": "folder.json"}, engine.ConnectorEnv{BaseDir: dir}, engine.TargetOptions{})
	require.NoError(t, err)
	assert.ErrorContains(t, c.Test(ctx), "is a folder, not a file")
	assert.ErrorContains(t, c.ListAccounts(ctx, nil, func(*engine.Account) error { return nil }), "is a folder, not a file")

	dir, _ = newDirectory(t)
	assert.NoError(t, connect(t, dir, nil, engine.TargetOptions{}).Test(ctx))
	onlyFile(t, dir)
}

func TestConcurrentConnectorsLoseNothing(t *testing.T) {
	const workers, each = 4, 50
	dir, path := newDirectory(t)
	ctx := t.Context()
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		c := connect(t, dir, nil, engine.TargetOptions{})
		wg.Go(func() {
			for i := range each {
				ref, err := c.Create(ctx, engine.Attributes{"userName": fmt.Sprintf("w%d-u%d", w, i)})
				if err == nil {
					err = c.Grant(ctx, ref, "staff")
				}
				if err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	d, err := ReadDirectory(path)
	require.NoError(t, err)
	require.Len(t, d.Accounts, workers*each)
	for _, a := range d.Accounts {
		assert.Equal(t, []string{"staff"}, a.Permissions, "account %s", a.Attributes["userName"])
	}
}

func TestWaitingForTheLockHonoursTheContext(t *testing.T) {
	dir, path := newDirectory(t)
	c := connect(t, dir, nil, engine.TargetOptions{})
	unlock, err := lock(t.Context(), path, "directory.json")
	require.NoError(t, err)
	defer unlock()

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Create(ctx, engine.Attributes{"userName": "jdoe"})
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.True(t, engine.IsTransient(err), "a timeout waiting for the file is transient: %v", err)
	assert.EqualError(t, err, "directory file directory.json: timed out")

	ctx, cancel = context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	err = c.Grant(ctx, "acct-x", "staff")
	assert.True(t, engine.IsCode(err, engine.Canceled), "%v", err)
	assert.False(t, engine.IsTransient(err))
}

func TestWriteDirectoryChecksWhatItWrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "directory.json")
	err := WriteDirectory(path, &Directory{Permissions: []engine.Permission{{ID: "staff"}, {ID: "staff"}}})
	assert.ErrorContains(t, err, `permissions 1 and 2 have the same id "staff"`)
	err = WriteDirectory(path, &Directory{Accounts: []Account{{Attributes: engine.Attributes{"userName": "jdoe"}, Permissions: []string{"admins"}}}, Permissions: testPermissions})
	assert.ErrorContains(t, err, `account 1 (): the permission "admins" is not declared`)
	assert.NoFileExists(t, path)

	seed := &Directory{
		Accounts: []Account{
			{Enabled: true, Attributes: engine.Attributes{"userName": "jdoe", "title": ""}, Permissions: []string{"vpn", "staff", "vpn"}},
			{Ref: "acct-fixed", Attributes: engine.Attributes{"userName": "asmith"}},
		},
		Permissions: testPermissions,
	}
	require.NoError(t, WriteDirectory(path, seed))
	assert.Empty(t, seed.Accounts[0].Ref, "WriteDirectory does not change its argument")
	d, err := ReadDirectory(path)
	require.NoError(t, err)
	require.Len(t, d.Accounts, 2)
	assert.True(t, strings.HasPrefix(d.Accounts[0].Ref, "acct-"), "an account with no ref gets one: %q", d.Accounts[0].Ref)
	assert.Equal(t, Account{Ref: d.Accounts[0].Ref, Enabled: true, Attributes: engine.Attributes{"userName": "jdoe"}, Permissions: []string{"staff", "vpn"}}, d.Accounts[0])
	assert.Equal(t, "acct-fixed", d.Accounts[1].Ref)
	assert.Equal(t, testPermissions, d.Permissions)

	c := connect(t, dir, nil, engine.TargetOptions{})
	found, err := c.FindAccounts(t.Context(), "userName", "ASMITH", nil)
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "acct-fixed", found[0].Ref)
}
