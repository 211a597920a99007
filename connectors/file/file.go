// Package file is the "file" target connector: a directory kept in one
// JSON file, the demo workspace's default target, so that the whole
// pipeline (import, evaluation, enforcement) runs with no server. It is
// also a simple target for small organisations and tests that want to see
// exactly what enforcement writes.
//
// The file looks like this:
//
//	{
//	  "format": "provisio-directory",
//	  "version": 1,
//	  "accounts": [
//	    {"ref": "acct-3f9c0a1b2c3d4e5f", "enabled": true,
//	     "attributes": {"userName": "jdoe", "mail": "jdoe@example.org"},
//	     "permissions": ["staff"]}
//	  ],
//	  "permissions": [{"id": "staff", "name": "Staff", "description": "Everyone"}]
//	}
//
// Refs are generated when an account is created and never change: the
// file kind has no renames. The identity setting names the attribute that
// identifies an account (userName by default); it must have a value and be
// unique in the file, compared without regard to case, as directories
// compare account names. Permissions are declared in the file by an
// administrator (or with WriteDirectory); the connector grants only those.
//
// A missing file reads as an empty directory and is created on the first
// write; its folder must exist. Every write reads the file again and
// replaces it atomically (a temporary file in the same folder, flushed to
// disk, renamed over the old one) under a lock per file within the process
// and an OS lock on the folder, so connectors in one process or several
// never lose each other's writes. Every call reads the whole file: the kind
// suits directories of up to some tens of thousands of accounts.
package file

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"provisio/engine"
)

// The setting keys of the connector.
const (
	settingPath     = "path"
	settingIdentity = "identity"
)

// DefaultIdentity is the identity attribute when the setting is empty.
const DefaultIdentity = "userName"

var settings = []engine.SettingDef{
	{
		Key: settingPath, Label: "Directory file", Kind: engine.SettingFile, Required: true,
		Help: "The JSON file that holds the accounts and the permissions. A relative path is relative to the workspace folder. A missing file is created on the first write; its folder must exist.",
	},
	{
		Key: settingIdentity, Label: "Identity attribute", Kind: engine.SettingText, Default: DefaultIdentity,
		Help: "The attribute that names an account: every account must have a value, unique in the file (compared without regard to case).",
	},
}

// Kind describes the file target connector for the registry: accounts are
// identified by the identity setting's attribute (IdentityOf).
func Kind() engine.TargetKind {
	return engine.TargetKind{
		Kind:        "file",
		Label:       "Directory file (JSON)",
		Description: "Keeps accounts and group memberships in a JSON file: for the demo, tests, and small organisations without a directory server.",
		Settings:    slices.Clone(settings),
		Identity:    []string{DefaultIdentity},
		IdentityOf: func(s map[string]string) []string {
			if v := strings.TrimSpace(s[settingIdentity]); v != "" {
				return []string{v}
			}
			return []string{DefaultIdentity}
		},
		New: func(s map[string]string, env engine.ConnectorEnv, opts engine.TargetOptions) (engine.TargetConnector, error) {
			c, err := New(s, env, opts)
			if err != nil {
				return nil, err // not a nil *Connector in a non-nil interface
			}
			return c, nil
		},
	}
}

// Connector reads and writes a directory file. It is safe for use from
// several goroutines, and several connectors (in one process or several)
// may share a file.
type Connector struct {
	path     string // absolute
	name     string // as the setting gives it, for messages
	identity string
	dryRun   bool
}

var _ engine.TargetConnector = (*Connector)(nil)

// New checks settings and returns a connector. It does not open the file.
func New(s map[string]string, env engine.ConnectorEnv, opts engine.TargetOptions) (*Connector, error) {
	vals := map[string]string{}
	for _, d := range settings {
		v := strings.TrimSpace(s[d.Key])
		if v == "" {
			v = d.Default
		}
		vals[d.Key] = v
	}
	if err := engine.CheckSettings(settings, vals); err != nil {
		return nil, err
	}
	name := vals[settingPath]
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(env.BaseDir, path)
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return nil, engine.Wrap(engine.Invalid, err, "setting %q (%s)", "Directory file", settingPath)
	}
	return &Connector{path: path, name: name, identity: vals[settingIdentity], dryRun: opts.DryRun}, nil
}

// Path returns the absolute path of the directory file.
func (c *Connector) Path() string { return c.path }

// where names the file in messages.
func (c *Connector) where() string { return "directory file " + c.name }

// load reads the directory.
func (c *Connector) load() (*Directory, error) { return readDirectory(c.path, c.name) }

// change runs fn on the current directory and writes the result when fn
// reports a change. A dry run reads the directory and runs fn on it, for
// its checks and result, and writes nothing.
func (c *Connector) change(ctx context.Context, fn func(d *Directory) (changed bool, err error)) error {
	if ctx.Err() != nil {
		return contextError(ctx, c.where())
	}
	if c.dryRun {
		d, err := c.load()
		if err != nil {
			return err
		}
		_, err = fn(d)
		return err
	}
	unlock, err := lock(ctx, c.path, c.name)
	if err != nil {
		return err
	}
	defer unlock()
	d, err := c.load()
	if err != nil {
		return err
	}
	changed, err := fn(d)
	if err != nil || !changed {
		return err
	}
	if ctx.Err() != nil {
		return contextError(ctx, c.where())
	}
	return writeDirectory(c.path, c.name, d)
}

// Test checks that the file's folder exists and is writable and that the
// file, when it exists, is a directory file.
func (c *Connector) Test(ctx context.Context) error {
	if ctx.Err() != nil {
		return contextError(ctx, c.where())
	}
	dir := filepath.Dir(c.path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return engine.Errorf(engine.Invalid, "%s: the folder %s does not exist; create it or change the setting %q", c.where(), dir, settingPath)
	case err != nil:
		return fileError(err, dir, c.name, "open the folder")
	case !st.IsDir():
		return engine.Errorf(engine.Invalid, "%s: %s is not a folder; check the setting %q", c.where(), dir, settingPath)
	}
	if isDir(c.path) {
		return engine.Errorf(engine.Invalid, "%s: %s is a folder, not a file; check the setting %q", c.where(), c.path, settingPath)
	}
	// Only trying tells whether the folder is writable (permission bits,
	// ACLs, a read-only share).
	probe, err := os.CreateTemp(dir, ".provisio-test-*")
	if err != nil {
		var reason error = err
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			reason = pe.Err // the path is in the message already
		}
		return engine.Errorf(engine.Invalid, "%s: Provisio cannot write in the folder %s: %v", c.where(), dir, reason)
	}
	probe.Close()
	os.Remove(probe.Name())
	_, err = c.load()
	return err
}

// ListAccounts emits every account with the named attributes; with no
// names, with all its attributes. Each account emitted is new.
func (c *Connector) ListAccounts(ctx context.Context, attributes []string, emit func(*engine.Account) error) error {
	if ctx.Err() != nil {
		return contextError(ctx, c.where())
	}
	d, err := c.load()
	if err != nil {
		return err
	}
	for _, a := range d.Accounts {
		if ctx.Err() != nil {
			return contextError(ctx, c.where())
		}
		if err := emit(account(&a, attributes)); err != nil {
			return err
		}
	}
	return nil
}

// FindAccounts returns the accounts whose attribute has value (one of its
// values, for a multi-valued attribute), compared without regard to case,
// with the named attributes; with no names, with all of them. An empty
// value finds nothing.
func (c *Connector) FindAccounts(ctx context.Context, attribute, value string, attributes []string) ([]*engine.Account, error) {
	if ctx.Err() != nil {
		return nil, contextError(ctx, c.where())
	}
	d, err := c.load()
	if err != nil {
		return nil, err
	}
	var found []*engine.Account
	if value == "" {
		return nil, nil // an empty value is no value: no account has it
	}
	for _, a := range d.Accounts {
		if slices.ContainsFunc(strings.Split(a.Attributes[attribute], "\n"), func(v string) bool { return strings.EqualFold(v, value) }) {
			found = append(found, account(&a, attributes))
		}
	}
	return found, nil
}

// account returns a as the engine sees it, with the named attributes (all
// of them when there are no names).
func account(a *Account, attributes []string) *engine.Account {
	attrs := engine.Attributes{}
	if len(attributes) == 0 {
		attrs = a.Attributes.Clone()
	}
	for _, n := range attributes {
		if v, ok := a.Attributes[n]; ok {
			attrs[n] = v
		}
	}
	return &engine.Account{Ref: a.Ref, Enabled: a.Enabled, Attributes: attrs}
}

// Identity returns the attribute that identifies accounts in the file (the
// identity setting), which Kind().Identity, being the same for every
// target of the kind, can only give as the default.
func (c *Connector) Identity() []string { return []string{c.identity} }

// ListPermissions returns the permissions the file declares.
func (c *Connector) ListPermissions(ctx context.Context) ([]engine.Permission, error) {
	if ctx.Err() != nil {
		return nil, contextError(ctx, c.where())
	}
	d, err := c.load()
	if err != nil {
		return nil, err
	}
	return d.Permissions, nil
}

// Create adds a disabled account. Its identity attribute must have a value
// that no other account has.
func (c *Connector) Create(ctx context.Context, attrs engine.Attributes) (string, error) {
	var ref string
	err := c.change(ctx, func(d *Directory) (bool, error) {
		a := Account{Attributes: engine.Attributes{}}
		for n, v := range attrs {
			if strings.TrimSpace(n) == "" {
				return false, engine.Errorf(engine.Invalid, "%s: cannot create an account with an attribute with no name", c.where())
			}
			if v != "" {
				a.Attributes[n] = v
			}
		}
		id := a.Attributes[c.identity]
		if strings.TrimSpace(id) == "" {
			return false, engine.Errorf(engine.Invalid, "%s: cannot create an account with no %s: the identity attribute %q must have a value", c.where(), c.identity, c.identity)
		}
		if err := c.checkFree(d, id, ""); err != nil {
			return false, err
		}
		a.Ref = d.newRef()
		ref = a.Ref
		d.Accounts = append(d.Accounts, a)
		return true, nil
	})
	if err != nil {
		return "", err
	}
	return ref, nil
}

// checkFree returns a Conflict error when an account other than the one
// with ref has the identity id.
func (c *Connector) checkFree(d *Directory, id, ref string) error {
	for _, a := range d.Accounts {
		if a.Ref != ref && strings.EqualFold(a.Attributes[c.identity], id) {
			return engine.Errorf(engine.Conflict, "%s: the %s %q is taken by the account %s", c.where(), c.identity, a.Attributes[c.identity], a.Ref)
		}
	}
	return nil
}

// find returns the account with ref, or a NotFound error saying what the
// call wanted to do.
func (c *Connector) find(d *Directory, ref, doing string) (*Account, error) {
	i := d.account(ref)
	if i < 0 {
		return nil, engine.Errorf(engine.NotFound, "%s: cannot %s the account %s: there is no account with that ref", c.where(), doing, ref)
	}
	return &d.Accounts[i], nil
}

// Update sets attributes ("" removes one). The identity attribute cannot be
// removed, nor given a value another account has. The ref never changes.
func (c *Connector) Update(ctx context.Context, ref string, attrs engine.Attributes) (string, error) {
	err := c.change(ctx, func(d *Directory) (bool, error) {
		a, err := c.find(d, ref, "update")
		if err != nil {
			return false, err
		}
		if id, ok := attrs[c.identity]; ok {
			if strings.TrimSpace(id) == "" {
				return false, engine.Errorf(engine.Invalid, "%s: cannot clear the %s of the account %s: the identity attribute must have a value", c.where(), c.identity, ref)
			}
			if err := c.checkFree(d, id, ref); err != nil {
				return false, err
			}
		}
		changed := false
		if a.Attributes == nil {
			a.Attributes = engine.Attributes{}
		}
		for n, v := range attrs {
			if strings.TrimSpace(n) == "" {
				return false, engine.Errorf(engine.Invalid, "%s: cannot update the account %s: an attribute has no name", c.where(), ref)
			}
			old, had := a.Attributes[n]
			switch {
			case v == "" && had:
				delete(a.Attributes, n)
				changed = true
			case v != "" && v != old:
				a.Attributes[n] = v
				changed = true
			}
		}
		return changed, nil
	})
	if err != nil {
		return "", err
	}
	return ref, nil
}

// Enable marks the account enabled.
func (c *Connector) Enable(ctx context.Context, ref string) (string, error) {
	err := c.change(ctx, func(d *Directory) (bool, error) {
		a, err := c.find(d, ref, "enable")
		if err != nil {
			return false, err
		}
		changed := !a.Enabled
		a.Enabled = true
		return changed, nil
	})
	if err != nil {
		return "", err
	}
	return ref, nil
}

// Disable marks the account disabled; a missing account is left so.
func (c *Connector) Disable(ctx context.Context, ref string) (string, error) {
	err := c.change(ctx, func(d *Directory) (bool, error) {
		i := d.account(ref)
		if i < 0 || !d.Accounts[i].Enabled {
			return false, nil
		}
		d.Accounts[i].Enabled = false
		return true, nil
	})
	if err != nil {
		return "", err
	}
	return ref, nil
}

// Delete removes the account; a missing account is left so.
func (c *Connector) Delete(ctx context.Context, ref string) error {
	return c.change(ctx, func(d *Directory) (bool, error) {
		i := d.account(ref)
		if i < 0 {
			return false, nil
		}
		d.Accounts = slices.Delete(d.Accounts, i, i+1)
		return true, nil
	})
}

// Grant gives the account a permission the file declares.
func (c *Connector) Grant(ctx context.Context, ref, permission string) error {
	return c.change(ctx, func(d *Directory) (bool, error) {
		a, err := c.find(d, ref, fmt.Sprintf("grant %q to", permission))
		if err != nil {
			return false, err
		}
		if !d.permission(permission) {
			return false, c.unknownPermission(d, permission)
		}
		if slices.Contains(a.Permissions, permission) {
			return false, nil
		}
		a.Permissions = append(a.Permissions, permission)
		slices.Sort(a.Permissions)
		return true, nil
	})
}

// unknownPermission is the NotFound error for a permission the file does
// not declare.
func (c *Connector) unknownPermission(d *Directory, id string) error {
	ids := make([]string, len(d.Permissions))
	for i, p := range d.Permissions {
		ids[i] = fmt.Sprintf("%q", p.ID)
	}
	declared := "it declares none"
	if len(ids) > 0 {
		declared = "it declares " + strings.Join(ids, ", ")
	}
	return engine.Errorf(engine.NotFound, "%s has no permission %q; %s", c.where(), id, declared)
}

// Revoke takes a permission away; an account or membership that does not
// exist is left so.
func (c *Connector) Revoke(ctx context.Context, ref, permission string) error {
	return c.change(ctx, func(d *Directory) (bool, error) {
		i := d.account(ref)
		if i < 0 {
			return false, nil
		}
		a := &d.Accounts[i]
		j := slices.Index(a.Permissions, permission)
		if j < 0 {
			return false, nil
		}
		a.Permissions = slices.Delete(a.Permissions, j, j+1)
		return true, nil
	})
}

// Close does nothing: the connector holds no open file between calls.
func (c *Connector) Close() error { return nil }

var _ engine.BatchGranter = (*Connector)(nil)

// GrantAll grants a permission to many accounts in one write of the file:
// errs holds, per ref, the error Grant would have given.
func (c *Connector) GrantAll(ctx context.Context, permission string, refs []string) ([]error, error) {
	errs := make([]error, len(refs))
	err := c.change(ctx, func(d *Directory) (bool, error) {
		if !d.permission(permission) {
			return false, c.unknownPermission(d, permission)
		}
		changed := false
		for k, ref := range refs {
			a, err := c.find(d, ref, fmt.Sprintf("grant %q to", permission))
			if err != nil {
				errs[k] = err
				continue
			}
			if !slices.Contains(a.Permissions, permission) {
				a.Permissions = append(a.Permissions, permission)
				slices.Sort(a.Permissions)
				changed = true
			}
		}
		return changed, nil
	})
	return errs, err
}

// RevokeAll takes a permission away from many accounts in one write.
func (c *Connector) RevokeAll(ctx context.Context, permission string, refs []string) ([]error, error) {
	err := c.change(ctx, func(d *Directory) (bool, error) {
		changed := false
		for _, ref := range refs {
			i := d.account(ref)
			if i < 0 {
				continue
			}
			a := &d.Accounts[i]
			if j := slices.Index(a.Permissions, permission); j >= 0 {
				a.Permissions = slices.Delete(a.Permissions, j, j+1)
				changed = true
			}
		}
		return changed, nil
	})
	return make([]error, len(refs)), err
}
