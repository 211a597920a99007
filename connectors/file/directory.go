package file

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"provisio/engine"
)

// The format and version a directory file declares.
const (
	Format  = "provisio-directory"
	Version = 1
)

// Directory is what a directory file holds: accounts and the permissions
// they may be granted.
type Directory struct {
	Accounts    []Account           `json:"accounts"`
	Permissions []engine.Permission `json:"permissions"`
}

// Account is an account as a directory file holds it.
type Account struct {
	// Ref is the account's stable id, generated when it is created
	// ("acct-" and 16 hex digits); it never changes.
	Ref        string            `json:"ref"`
	Enabled    bool              `json:"enabled"`
	Attributes engine.Attributes `json:"attributes,omitempty"`
	// Permissions are the ids of the permissions granted to the account.
	Permissions []string `json:"permissions,omitempty"`
}

// document is the file's JSON: the directory under a format marker.
type document struct {
	Format      string              `json:"format"`
	Version     int                 `json:"version"`
	Accounts    []Account           `json:"accounts"`
	Permissions []engine.Permission `json:"permissions"`
}

// ReadDirectory reads the directory file at path. A missing file is an
// empty directory.
func ReadDirectory(path string) (*Directory, error) {
	return readDirectory(path, path)
}

// WriteDirectory replaces the directory file at path with d, atomically
// and under the same locks as a connector's writes, creating the file when
// it is missing (its folder must exist). Tests and the demo workspace use
// it to declare permissions and seed accounts. An account with no ref gets
// a new one; refs and permission ids must be unique, and accounts may hold
// only permissions that d declares.
func WriteDirectory(path string, d *Directory) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return engine.Wrap(engine.Invalid, err, "directory file %s", path)
	}
	d = d.clone()
	if err := d.validate(path); err != nil {
		return err
	}
	declared := map[string]bool{}
	for _, p := range d.Permissions {
		declared[p.ID] = true
	}
	for i := range d.Accounts {
		a := &d.Accounts[i]
		for _, p := range a.Permissions {
			if !declared[p] {
				return engine.Errorf(engine.Invalid, "directory file %s, account %d (%s): the permission %q is not declared in the directory's permissions", path, i+1, a.Ref, p)
			}
		}
	}
	for i := range d.Accounts {
		if d.Accounts[i].Ref == "" {
			d.Accounts[i].Ref = d.newRef()
		}
	}
	unlock, err := lock(context.Background(), abs, path)
	if err != nil {
		return err
	}
	defer unlock()
	return writeDirectory(abs, path, d)
}

// readDirectory reads the directory file at path, naming it name in
// errors.
func readDirectory(path, name string) (*Directory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, err := os.Stat(filepath.Dir(path)); errors.Is(err, fs.ErrNotExist) {
				return nil, engine.Errorf(engine.Invalid, "directory file %s: the folder %s does not exist", name, filepath.Dir(path))
			}
			return &Directory{}, nil
		}
		return nil, fileError(err, path, name, "read")
	}
	return parseDirectory(data, name)
}

// fileError turns an error reading or writing the file into an Invalid
// error for what the administrator must fix, or an Unavailable one for a
// disk that failed.
func fileError(err error, path, name, verb string) error {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return engine.Errorf(engine.Invalid, "directory file %s: Provisio may not %s %s; check the permissions of the file and its folder", name, verb, path)
	case isDir(path):
		return engine.Errorf(engine.Invalid, "directory file %s: %s is a folder, not a file; check the setting %q", name, path, settingPath)
	}
	return engine.Wrap(engine.Unavailable, err, "directory file %s: could not %s it", name, verb)
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// parseDirectory decodes and checks a directory file's content.
func parseDirectory(data []byte, name string) (*Directory, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, engine.Errorf(engine.Invalid, "directory file %s is empty: expected a JSON object with \"format\": %q; delete the file to start an empty directory", name, Format)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc document
	if err := dec.Decode(&doc); err != nil {
		return nil, decodeError(err, data, name)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := position(data, dec.InputOffset())
		return nil, engine.Errorf(engine.Invalid, "directory file %s line %d, column %d: more follows the directory object; expected the end of the file", name, line, col)
	}
	if doc.Format != Format {
		return nil, engine.Errorf(engine.Invalid, "directory file %s is not a Provisio directory file: \"format\" is %q, expected %q", name, doc.Format, Format)
	}
	if doc.Version != Version {
		return nil, engine.Errorf(engine.Invalid, "directory file %s has version %d; this version of Provisio reads version %d", name, doc.Version, Version)
	}
	d := &Directory{Accounts: doc.Accounts, Permissions: doc.Permissions}
	for i := range d.Accounts {
		if d.Accounts[i].Ref == "" {
			return nil, engine.Errorf(engine.Invalid, "directory file %s, account %d has no \"ref\"", name, i+1)
		}
	}
	if err := d.validate(name); err != nil {
		return nil, err
	}
	return d, nil
}

// decodeError describes a JSON error with the file, line and column.
func decodeError(err error, data []byte, name string) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		// Offset counts the character that broke the syntax
		line, col := position(data, syntax.Offset-1)
		return engine.Errorf(engine.Invalid, "directory file %s line %d, column %d: %v; expected a JSON directory file", name, line, col, syntax)
	case errors.As(err, &typ):
		// Offset is the end of the value, so only its line is sure
		line, _ := position(data, typ.Offset)
		return engine.Errorf(engine.Invalid, "directory file %s line %d: %q holds a JSON %s, expected %s", name, line, typ.Field, typ.Value, jsonType(typ.Type.String()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := position(data, int64(len(data)))
		return engine.Errorf(engine.Invalid, "directory file %s line %d, column %d: the file ends in the middle of the directory; it may have been cut off", name, line, col)
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return engine.Errorf(engine.Invalid, "directory file %s: unknown field %s; the fields are format, version, accounts (ref, enabled, attributes, permissions) and permissions (id, name, description)", name, field)
	}
	return engine.Wrap(engine.Invalid, err, "directory file %s", name)
}

// jsonType names a Go type of the file's structure as JSON.
func jsonType(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int"):
		return "a whole number"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	}
	return "an object"
}

// position returns the line and column (from 1) of a byte offset.
func position(data []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// validate checks what the code relies on: unique refs and permission ids.
// Empty values are dropped (an empty value means no value) and duplicate
// grants merged.
func (d *Directory) validate(name string) error {
	refs := map[string]int{}
	for i := range d.Accounts {
		a := &d.Accounts[i]
		if a.Ref != "" {
			if j, dup := refs[a.Ref]; dup {
				return engine.Errorf(engine.Invalid, "directory file %s: accounts %d and %d have the same ref %q", name, j+1, i+1, a.Ref)
			}
			refs[a.Ref] = i
		}
		for n, v := range a.Attributes {
			if strings.TrimSpace(n) == "" {
				return engine.Errorf(engine.Invalid, "directory file %s, account %d (%s): an attribute has no name", name, i+1, a.Ref)
			}
			if v == "" {
				delete(a.Attributes, n)
			}
		}
		slices.Sort(a.Permissions)
		a.Permissions = slices.Compact(a.Permissions)
	}
	ids := map[string]int{}
	for i, p := range d.Permissions {
		if strings.TrimSpace(p.ID) == "" {
			return engine.Errorf(engine.Invalid, "directory file %s, permission %d has no \"id\"", name, i+1)
		}
		if j, dup := ids[p.ID]; dup {
			return engine.Errorf(engine.Invalid, "directory file %s: permissions %d and %d have the same id %q", name, j+1, i+1, p.ID)
		}
		ids[p.ID] = i
	}
	return nil
}

// clone returns a deep copy of d.
func (d *Directory) clone() *Directory {
	c := &Directory{Permissions: slices.Clone(d.Permissions), Accounts: make([]Account, len(d.Accounts))}
	for i, a := range d.Accounts {
		a.Attributes = a.Attributes.Clone()
		a.Permissions = slices.Clone(a.Permissions)
		c.Accounts[i] = a
	}
	return c
}

// account returns the index of the account with ref, or -1.
func (d *Directory) account(ref string) int {
	return slices.IndexFunc(d.Accounts, func(a Account) bool { return a.Ref == ref })
}

// permission reports whether the directory declares the permission.
func (d *Directory) permission(id string) bool {
	return slices.ContainsFunc(d.Permissions, func(p engine.Permission) bool { return p.ID == id })
}

// newRef returns a ref no account of d has.
func (d *Directory) newRef() string {
	for {
		var b [8]byte
		rand.Read(b[:]) // never fails
		ref := "acct-" + hex.EncodeToString(b[:])
		if d.account(ref) < 0 {
			return ref
		}
	}
}

// The steps of an atomic write, replaced by tests to make one fail.
var (
	syncFile = (*os.File).Sync
	rename   = os.Rename
)

// writeDirectory replaces the file at path with d: it writes a temporary
// file in the same folder, flushes it to disk and renames it over the old
// one, so that readers and a crash see either the old directory or the new
// one, never a part. The caller holds the locks.
func writeDirectory(path, name string, d *Directory) error {
	doc := document{Format: Format, Version: Version, Accounts: d.Accounts, Permissions: d.Permissions}
	if doc.Accounts == nil {
		doc.Accounts = []Account{}
	}
	if doc.Permissions == nil {
		doc.Permissions = []engine.Permission{}
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return engine.Wrap(engine.Internal, err, "directory file %s", name)
	}
	data = append(data, '\n')

	dir := filepath.Dir(path)
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return engine.Errorf(engine.Invalid, "directory file %s: the folder %s does not exist", name, dir)
		}
		if errors.Is(err, fs.ErrPermission) {
			return engine.Errorf(engine.Invalid, "directory file %s: Provisio may not write in the folder %s; check its permissions", name, dir)
		}
		return engine.Wrap(engine.Unavailable, err, "directory file %s: could not write in the folder %s", name, dir)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return engine.Wrap(engine.Unavailable, err, "directory file %s: could not write %s", name, tmp.Name())
	}
	if err := tmp.Chmod(mode); err != nil {
		return engine.Wrap(engine.Unavailable, err, "directory file %s: could not set the permissions of %s", name, tmp.Name())
	}
	if err := syncFile(tmp); err != nil {
		return engine.Wrap(engine.Unavailable, err, "directory file %s: could not flush %s to disk", name, tmp.Name())
	}
	if err := tmp.Close(); err != nil {
		return engine.Wrap(engine.Unavailable, err, "directory file %s: could not write %s", name, tmp.Name())
	}
	if err := rename(tmp.Name(), path); err != nil {
		return fileError(err, path, name, "replace")
	}
	done = true
	syncDir(dir)
	return nil
}

// syncDir flushes a folder's entries, so that a rename survives a crash.
// Not every system can (Windows cannot), and the file is whole either way,
// so a failure is ignored.
func syncDir(dir string) {
	f, err := os.Open(dir)
	if err != nil {
		return
	}
	f.Sync()
	f.Close()
}
