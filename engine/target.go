package engine

import (
	"fmt"
	"slices"
	"strings"
)

// TargetSystem is a system where persons get accounts and entitlements:
// a directory, an application, a database.
type TargetSystem struct {
	// Key identifies the target in rules, the ledger and on the command
	// line; it never changes once rules refer to it.
	Key  string `json:"key"`
	Name string `json:"name"`
	// Kind names the target connector; "manual" means the permissions
	// are entered by hand and nothing is written yet.
	Kind     string `json:"kind"`
	Disabled bool   `json:"disabled,omitempty"`
	// Permissions are the named rights the target offers, such as its
	// groups, for rules to grant.
	Permissions []Permission      `json:"permissions,omitempty"`
	Settings    map[string]string `json:"settings,omitempty"`

	// Mapping makes the account's attributes from the person, per stage.
	Mapping []AttributeMapping `json:"mapping,omitempty"`
	// Correlation, when set, links persons to accounts that exist.
	Correlation *Correlation `json:"correlation,omitempty"`
	Lifecycle   Lifecycle    `json:"lifecycle,omitzero"`
	// Thresholds hold back a run's actions of an operation beyond a limit
	// until an administrator approves them.
	Thresholds []ActionThreshold `json:"thresholds,omitempty"`
	// Concurrency is how many persons enforcement works on at once in
	// this target; 0 means 4.
	Concurrency int `json:"concurrency,omitempty"`
}

// Writes reports whether enforcement writes to the target through a
// connector; a manual target's changes are made by hand.
func (t *TargetSystem) Writes() bool { return t.Kind != TargetManual }

// MappedAttributes returns the attributes the mapping writes in any stage.
func (t *TargetSystem) MappedAttributes() []string {
	var out []string
	for _, m := range t.Mapping {
		if !slices.Contains(out, m.Attribute) {
			out = append(out, m.Attribute)
		}
	}
	return out
}

// TargetManual is the kind of a target whose permissions are entered by
// hand.
const TargetManual = "manual"

// Permission is one named right of a target system.
type Permission struct {
	// ID is how the target names it: a group's name or distinguished name.
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

// Label returns the permission's display name, or its id.
func (p Permission) Label() string {
	if p.Name != "" {
		return p.Name
	}
	return p.ID
}

// Permission returns the permission with the given id.
func (t *TargetSystem) Permission(id string) (Permission, bool) {
	for _, p := range t.Permissions {
		if p.ID == id {
			return p, true
		}
	}
	return Permission{}, false
}

// Validate checks the target's key, name and permissions.
func (t *TargetSystem) Validate() error {
	if strings.TrimSpace(t.Name) == "" {
		return fmt.Errorf("give the target system a name")
	}
	if !validKey(t.Key) {
		return fmt.Errorf("%q: the key %q must be 1 to 32 lowercase letters, digits or '-', starting with a letter", t.Name, t.Key)
	}
	if t.Kind == "" {
		return fmt.Errorf("%q has no kind", t.Name)
	}
	seen := map[string]int{}
	for i, p := range t.Permissions {
		id := strings.TrimSpace(p.ID)
		if id == "" {
			return fmt.Errorf("%q, permission %d: the permission has no id", t.Name, i+1)
		}
		if j, dup := seen[id]; dup {
			return fmt.Errorf("%q: permission %q is listed twice (rows %d and %d)", t.Name, id, j+1, i+1)
		}
		seen[id] = i
	}
	return nil
}

// TargetSystem returns the target system with the given key.
func (c *Config) TargetSystem(key string) (*TargetSystem, bool) {
	for i := range c.TargetSystems {
		if c.TargetSystems[i].Key == key {
			return &c.TargetSystems[i], true
		}
	}
	return nil, false
}
