// Package rules checks, compiles and evaluates business rules: conditions
// on a person and their contracts, and the entitlements granted while the
// conditions hold.
//
// Rules compile once per evaluation into trees of closures over the
// workspace's field registry. A Set indexes its rules by the values their
// conditions require, so a person is tested only against rules that can
// match them: a thousand rules cost little more than a few.
package rules

import (
	"strings"

	"provisio/engine"
)

// Field prefixes that reach beyond the person in person conditions.
const (
	PrefixPrimary = "PrimaryContract."
	PrefixManager = "Manager."
)

// Env is what rules are checked and compiled against: the workspace's
// fields and target systems, and how the primary contract is chosen.
type Env struct {
	Fields  *engine.Fields
	Targets []engine.TargetSystem
	Primary *engine.PrimaryContractRule
}

// DisabledTargets returns the keys of the disabled target systems, which
// evaluations leave out.
func (e *Env) DisabledTargets() []string {
	var keys []string
	for _, t := range e.Targets {
		if t.Disabled {
			keys = append(keys, t.Key)
		}
	}
	return keys
}

// NewEnv builds the environment of a configuration.
func NewEnv(cfg *engine.Config) (*Env, error) {
	fields := engine.NewFields(cfg.Schema)
	primary, err := cfg.PrimaryContract.Compile(fields)
	if err != nil {
		return nil, err
	}
	return &Env{Fields: fields, Targets: cfg.TargetSystems, Primary: primary}, nil
}

func (env *Env) target(key string) (*engine.TargetSystem, bool) {
	for i := range env.Targets {
		if env.Targets[i].Key == key {
			return &env.Targets[i], true
		}
	}
	return nil, false
}

// ConditionFields lists the fields conditions of a level can test, grouped
// for pickers: person conditions see the person's fields, their primary
// contract's (PrimaryContract.…) and their manager's (Manager.…); contract
// conditions see contract fields.
func (env *Env) ConditionFields(level engine.Level) []engine.FieldDef {
	if level == engine.LevelContract {
		return env.Fields.Defs(engine.LevelContract)
	}
	var out []engine.FieldDef
	for _, d := range env.Fields.Defs(engine.LevelPerson) {
		out = append(out, d)
	}
	for _, d := range env.Fields.Defs(engine.LevelContract) {
		d.Path = PrefixPrimary + d.Path
		d.Label = "Primary contract: " + d.Label
		if d.Group != "Custom" && d.Group != "Department" {
			d.Group = "Contract"
		}
		d.Level = engine.LevelPerson
		out = append(out, d)
	}
	for _, d := range env.Fields.Defs(engine.LevelPerson) {
		switch {
		case d.Path == "ExternalId", d.Path == "DisplayName", strings.HasPrefix(d.Path, "Name."),
			strings.HasPrefix(d.Path, "Contact.Business."), d.Custom:
			d.Path = PrefixManager + d.Path
			d.Label = "Manager: " + d.Label
			d.Group = "Manager"
			out = append(out, d)
		}
	}
	return out
}

// field resolves a condition's field for a level.
func (env *Env) field(level engine.Level, path string) (engine.FieldDef, getter, bool) {
	if level == engine.LevelContract {
		f, ok := env.Fields.ContractField(path)
		if !ok {
			return engine.FieldDef{}, getter{}, false
		}
		return f.FieldDef, getter{contract: f.Get}, true
	}
	if rest, ok := strings.CutPrefix(path, PrefixPrimary); ok {
		f, ok := env.Fields.ContractField(rest)
		if !ok {
			return engine.FieldDef{}, getter{}, false
		}
		empty := engine.Value{Type: f.Type}
		return f.FieldDef, getter{person: func(s *Subject) engine.Value {
			if s.Primary < 0 {
				return empty
			}
			return f.Get(&s.Person.Contracts[s.Primary])
		}}, true
	}
	if rest, ok := strings.CutPrefix(path, PrefixManager); ok {
		f, ok := env.Fields.PersonField(rest)
		if !ok {
			return engine.FieldDef{}, getter{}, false
		}
		empty := engine.Value{Type: f.Type}
		return f.FieldDef, getter{person: func(s *Subject) engine.Value {
			if s.Manager == nil {
				return empty
			}
			return f.Get(s.Manager)
		}}, true
	}
	f, ok := env.Fields.PersonField(path)
	if !ok {
		return engine.FieldDef{}, getter{}, false
	}
	return f.FieldDef, getter{person: func(s *Subject) engine.Value { return f.Get(s.Person) }}, true
}

// PersonField resolves a field path as person conditions use it: a
// person field (Name.GivenName, Custom.Shift), a field of the primary
// contract (PrimaryContract.Department.Code) or of the manager
// (Manager.Contact.Business.Email). The function reads the field of a
// subject; it gives an empty value when the subject has no primary
// contract or no manager.
func (env *Env) PersonField(path string) (engine.FieldDef, func(*Subject) engine.Value, bool) {
	def, g, ok := env.field(engine.LevelPerson, path)
	if !ok {
		return engine.FieldDef{}, nil, false
	}
	return def, g.person, true
}

// getter reads a field of a person (person) or of a contract (contract).
type getter struct {
	person   func(*Subject) engine.Value
	contract func(*engine.Contract) engine.Value
}

func (g getter) get(s *Subject, c *engine.Contract) engine.Value {
	if g.person != nil {
		return g.person(s)
	}
	return g.contract(c)
}

// ValueGetter returns a function that lists the values a condition field
// has for a subject: one for a person field, one per contract for a
// contract field. Editors use it for suggestions.
func ValueGetter(env *Env, level engine.Level, path string) (func(*Subject) []string, bool) {
	_, g, ok := env.field(level, path)
	if !ok {
		return nil, false
	}
	if g.person != nil {
		return func(s *Subject) []string { return []string{g.person(s).String()} }, true
	}
	return func(s *Subject) []string {
		out := make([]string, 0, len(s.Person.Contracts))
		for k := range s.Person.Contracts {
			out = append(out, g.contract(&s.Person.Contracts[k]).String())
		}
		return out
	}, true
}
