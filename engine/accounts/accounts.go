// Package accounts computes a target system's account attributes from a
// person, per lifecycle stage, following the target's account mapping: a
// fixed text, a person field, or a JavaScript snippet (run by goja) per
// attribute and stage.
//
// A Mapper is compiled once per evaluation (or preview) and is safe for
// concurrent use; each goroutine computes through its own Session, which
// owns a JavaScript runtime made on first use. Field and fixed values
// never touch JavaScript. Snippets see a read-only Person object, the
// global Iteration and the helper removeDiacritics; they have no file,
// network or process access, and each call has a time limit.
//
// # What snippets see
//
// Person holds the person's fields nested by their paths
// (Person.Name.GivenName, Person.Contact.Business.Email,
// Person.Custom.Shift), and:
//
//   - Person.PrimaryContract: the primary contract's fields
//     (Person.PrimaryContract.Department.Code), or null;
//   - Person.Manager: the manager's person fields, or null;
//   - Person.Contracts: an array of the contracts that satisfy the contract
//     conditions of the rules that give the account;
//   - Person.Accounts.<target>.<attribute>: an attribute of the person's
//     account in another target, as stored or planned in this run; the
//     target is null when the person has no account there. Name the
//     target as written here (or as Person.Accounts['key']): the mapping
//     learns before it runs which targets must be provisioned first, and
//     refuses a target read through a computed name.
//
// Text fields read as strings ("" when empty), dates as "yyyy-mm-dd"
// strings ("" when empty), numbers as numbers (null when empty), booleans
// as true or false. Reading a field that does not exist, such as
// Person.Name.GivnName, is an error that names the nearest fields: found
// when the mapping compiles where the snippet spells the path out, and
// when it runs otherwise. Test for a field with 'name' in object.
//
// A snippet's last expression is the value: a string, number or boolean
// becomes text, null or undefined clears the attribute, an array gives a
// multi-valued attribute (its values joined by newlines, empty ones left
// out), a Date gives yyyy-mm-dd; any other object is an error. Strings
// are trimmed of surrounding white space.
//
// # Unique attributes
//
// A unique attribute's value must be free in the target. The caller asks
// again with Input.Iteration 1, 2, … while the value is taken. A field or
// fixed value gets the iteration appended (jsmith, jsmith1, jsmith2); a
// snippet reads Iteration itself:
//
//	const name = removeDiacritics(Person.Name.GivenName[0] + Person.Name.FamilyName).toLowerCase()
//	Iteration === 0 ? name : name + Iteration
//
// A unique snippet that ignores Iteration gives the same value every
// time and so cannot be made unique: the caller sees the value does not
// change and reports the clash.
package accounts

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"provisio/engine"
	"provisio/engine/mapping"
	"provisio/engine/rules"
)

// DefaultTimeLimit bounds one call of a snippet.
const DefaultTimeLimit = time.Second

// Options tune a Mapper.
type Options struct {
	// TimeLimit bounds one call of a snippet; zero means DefaultTimeLimit.
	TimeLimit time.Duration
}

// Mapper is a compiled account mapping.
type Mapper struct {
	key, name string
	steps     [][]step // per stage, in the order of engine.Stages
	unique    []string
	deps      []string // sorted
	targets   []string // every target's key
	// attributesOf holds, per target the mapping depends on, the
	// attributes that target's mapping writes (nil when not known).
	attributesOf map[string][]string
	tree         *tree
	timeLimit    time.Duration
	// noAccounts is set for values computed outside a target (see
	// CompileValues): there are no accounts to read.
	noAccounts bool
	values     map[string]int // CompileValues' keys → step in StageCreate
}

// step computes one attribute in one stage.
type step struct {
	attr        string
	where       string // for errors: the account mapping of X, mail at create
	unique      bool
	identity    bool
	typ         engine.MappingType
	fixed       string
	path        string                            // a field's path
	get         func(*rules.Subject) engine.Value // a person field
	account     string                            // Accounts.<account>.<accountAttr>
	accountAttr string
	snippet     *snippet
	jsName      string // the snippet's name in error positions, when not attr
}

// snippet is a compiled snippet and how often it hit the time limit.
type snippet struct {
	*mapping.Snippet
	timeouts atomic.Int64
}

// Compile checks and compiles a target's account mapping. identity lists
// the attributes that must get a value at create (the connector kind's
// engine.TargetKind.Identity); targets are the keys of all target
// systems, which Accounts.<key>.<attribute> may name. Errors name the
// target, the attribute and the stage, and say what is wrong.
func Compile(t *engine.TargetSystem, env *rules.Env, identity []string, targets []string, opts ...Options) (*Mapper, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	m := &Mapper{
		key: t.Key, name: t.Name, targets: targets,
		steps:        make([][]step, len(engine.Stages)),
		attributesOf: map[string][]string{},
		timeLimit:    o.TimeLimit,
	}
	if m.name == "" {
		m.name = t.Key
	}
	if m.timeLimit <= 0 {
		m.timeLimit = DefaultTimeLimit
	}
	snippets := map[string]*snippet{} // by attribute and source
	rows := map[string]int{}          // lower-case attribute → row
	for i := range t.Mapping {
		row := &t.Mapping[i]
		attr := strings.TrimSpace(row.Attribute)
		if attr == "" {
			return nil, engine.Errorf(engine.Invalid, "the account mapping of %s, row %d: name the attribute", m.name, i+1)
		}
		if j, dup := rows[strings.ToLower(attr)]; dup {
			return nil, engine.Errorf(engine.Invalid, "the account mapping of %s: %s is mapped twice (rows %d and %d); keep one row", m.name, attr, j+1, i+1)
		}
		rows[strings.ToLower(attr)] = i
		if engine.Sensitive(attr) {
			// plans, the ledger and the audit log show what mappings write
			return nil, engine.Errorf(engine.Invalid, "the account mapping of %s, row %d: %s looks like a password or secret; mappings write values everyone with the workspace can read, so passwords are left to the connector", m.name, i+1, attr)
		}
		for _, s := range slices.Sorted(maps.Keys(row.Stages)) {
			if !slices.Contains(engine.Stages, s) {
				return nil, engine.Errorf(engine.Invalid, "the account mapping of %s, %s: there is no stage %q; the stages are %s", m.name, attr, s, stageList())
			}
		}
		if row.Unique {
			m.unique = append(m.unique, attr)
		}
		isIdentity := slices.ContainsFunc(identity, func(id string) bool { return strings.EqualFold(id, attr) })
		for si, stage := range engine.Stages {
			sv := row.Stages[stage]
			if sv == nil {
				continue
			}
			st := step{
				attr: attr, unique: row.Unique, identity: isIdentity, typ: sv.Type,
				where: fmt.Sprintf("the account mapping of %s, %s at %s", m.name, attr, stage),
			}
			if err := m.compileStep(&st, sv, env, snippets); err != nil {
				return nil, err
			}
			m.steps[si] = append(m.steps[si], st)
		}
	}
	for _, id := range identity {
		if !m.gives(id, engine.StageCreate) {
			return nil, engine.Errorf(engine.Invalid, "the account mapping of %s gives %s no value at create; the target needs it", m.name, id)
		}
	}
	sort.Strings(m.deps)
	for _, d := range m.deps {
		if tg, ok := targetOf(env, d); ok {
			m.attributesOf[d] = tg.MappedAttributes()
		}
	}
	return m, nil
}

// gives reports whether an attribute gets a value in a stage.
func (m *Mapper) gives(attr string, stage engine.Stage) bool {
	for _, st := range m.steps[slices.Index(engine.Stages, stage)] {
		if strings.EqualFold(st.attr, attr) && (st.typ != engine.MapFixed || st.fixed != "") {
			return true
		}
	}
	return false
}

func (m *Mapper) compileStep(st *step, sv *engine.StageValue, env *rules.Env, snippets map[string]*snippet) error {
	if sv == nil {
		return engine.Errorf(engine.Invalid, "%s: no value", st.where)
	}
	switch sv.Type {
	case engine.MapFixed:
		st.fixed = sv.Value
	case engine.MapField:
		path := strings.TrimSpace(sv.Value)
		st.path = path
		if path == "" {
			return engine.Errorf(engine.Invalid, "%s: choose the person field", st.where)
		}
		if rest, ok := strings.CutPrefix(path, "Accounts."); ok {
			if m.noAccounts {
				return engine.Errorf(engine.Invalid, "%s: %s", st.where, noAccountsHere)
			}
			key, attr, _ := strings.Cut(rest, ".")
			if problem := m.accountProblem(env, key, attr); problem != "" {
				return engine.Errorf(engine.Invalid, "%s: %s", st.where, problem)
			}
			if tg, ok := targetOf(env, key); ok {
				attr, _ = canonical(tg.MappedAttributes(), attr)
			}
			st.account, st.accountAttr = key, attr
			m.depend(key)
			return nil
		}
		_, get, ok := env.PersonField(path)
		if !ok {
			return engine.Errorf(engine.Invalid, "%s: there is no person field %q%s", st.where, path, engine.SuggestPaths(path, m.knownPaths(env)))
		}
		st.get = get
	case engine.MapComplex:
		if m.tree == nil {
			m.tree = newTree(env.Fields)
		}
		// an attribute's stages often share a snippet: compile it once
		id := st.attr + "\x00" + sv.Value
		sn, ok := snippets[id]
		if !ok {
			compiled, err := mapping.CompileSnippet(cmp.Or(st.jsName, st.attr), sv.Value)
			if err != nil {
				return engine.Errorf(engine.Invalid, "%s: %v", st.where, err)
			}
			sn = &snippet{Snippet: compiled}
			snippets[id] = sn
		}
		st.snippet = sn
		r := analyse(sv.Value, m.tree)
		if r.problem != "" {
			return engine.Errorf(engine.Invalid, "%s: %s", st.where, r.problem)
		}
		for _, a := range r.accounts {
			if m.noAccounts {
				if a.person {
					return engine.Errorf(engine.Invalid, "%s: %s (line %d)", st.where, noAccountsHere, a.line)
				}
				continue
			}
			if !slices.Contains(m.targets, a.key) || a.key == m.key {
				if a.person {
					return engine.Errorf(engine.Invalid, "%s: %s (line %d)", st.where, m.accountsKeyProblem(a.key), a.line)
				}
				continue // not Person's: some other object's Accounts
			}
			if a.attribute != "" {
				if problem := m.accountProblem(env, a.key, a.attribute); problem != "" {
					return engine.Errorf(engine.Invalid, "%s: %s (line %d)", st.where, problem, a.line)
				}
			}
			m.depend(a.key)
		}
	default:
		return engine.Errorf(engine.Invalid, "%s: the value's type %q must be fixed, field or complex", st.where, sv.Type)
	}
	return nil
}

func (m *Mapper) depend(key string) {
	if !slices.Contains(m.deps, key) {
		m.deps = append(m.deps, key)
	}
}

// accountProblem says what is wrong with Accounts.<key>.<attr>, or "".
func (m *Mapper) accountProblem(env *rules.Env, key, attr string) string {
	if !slices.Contains(m.targets, key) || key == m.key {
		return m.accountsKeyProblem(key)
	}
	if attr == "" {
		return fmt.Sprintf("name the attribute of %s to read: Accounts.%s.<attribute>", key, key)
	}
	tg, ok := targetOf(env, key)
	if !ok {
		return ""
	}
	known := tg.MappedAttributes()
	if _, ok := canonical(known, attr); !ok {
		if len(known) == 0 {
			return fmt.Sprintf("the account mapping of %s writes no attributes, so it has no %s to read", tg.Name, attr)
		}
		return fmt.Sprintf("the account mapping of %s writes no attribute %q (it writes %s)", tg.Name, attr, strings.Join(known, ", "))
	}
	return ""
}

// accountsKeyProblem says why Accounts.<key> cannot be read.
func (m *Mapper) accountsKeyProblem(key string) string {
	switch {
	case key == m.key:
		return fmt.Sprintf("Accounts.%s is this target's own account; a mapping can read only other targets' accounts", key)
	case slices.Contains(m.targets, key):
		// a target read through a computed name (Person.Accounts[k])
		return fmt.Sprintf("Accounts[%q] is read through a name the mapping cannot see before it runs; write Person.Accounts.%s so that %s is provisioned first", key, key, key)
	}
	var others []engine.FieldDef
	for _, k := range m.targets {
		if k != m.key {
			others = append(others, engine.FieldDef{Path: k})
		}
	}
	hint := engine.SuggestPaths(key, others)
	if hint == "" && len(others) > 0 {
		names := make([]string, len(others))
		for i, o := range others {
			names[i] = o.Path
		}
		hint = " (the other targets are " + strings.Join(names, ", ") + ")"
	}
	return fmt.Sprintf("there is no target system %q%s", key, hint)
}

// knownPaths lists the field paths a field value can name, for "did you
// mean".
func (m *Mapper) knownPaths(env *rules.Env) []engine.FieldDef {
	known := env.ConditionFields(engine.LevelPerson)
	for _, tg := range env.Targets {
		if tg.Key == m.key {
			continue
		}
		for _, a := range tg.MappedAttributes() {
			known = append(known, engine.FieldDef{Path: "Accounts." + tg.Key + "." + a})
		}
	}
	return known
}

func targetOf(env *rules.Env, key string) (*engine.TargetSystem, bool) {
	for i := range env.Targets {
		if env.Targets[i].Key == key {
			return &env.Targets[i], true
		}
	}
	return nil, false
}

func stageList() string {
	names := make([]string, len(engine.Stages))
	for i, s := range engine.Stages {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Key returns the key of the mapping's target.
func (m *Mapper) Key() string { return m.key }

// Dependencies returns the other targets whose accounts the mapping reads
// (Accounts.<key>.…), sorted: they are provisioned first. The slice is
// the mapper's own, for cheap calls per person: do not change it.
func (m *Mapper) Dependencies() []string { return m.deps }

// Unique returns the unique attributes, in mapping order. The slice is
// the mapper's own: do not change it.
func (m *Mapper) Unique() []string { return m.unique }

// Has reports whether any attribute has a value in the stage.
func (m *Mapper) Has(stage engine.Stage) bool {
	i := slices.Index(engine.Stages, stage)
	return i >= 0 && len(m.steps[i]) > 0
}

// Attributes returns the attributes that have a value in the stage, in
// mapping order.
func (m *Mapper) Attributes(stage engine.Stage) []string {
	i := slices.Index(engine.Stages, stage)
	if i < 0 {
		return nil
	}
	out := make([]string, len(m.steps[i]))
	for j, st := range m.steps[i] {
		out[j] = st.attr
	}
	return out
}

// Order returns the keys of the targets in the order their accounts must
// be provisioned: a target after the targets whose accounts its mapping
// reads; otherwise by key. Dependencies on targets without a mapper are
// left out. A circle of dependencies is an Invalid error that names it.
func Order(mappers map[string]*Mapper) ([]string, error) {
	keys := slices.Sorted(maps.Keys(mappers))
	const (
		unseen = iota
		visiting
		done
	)
	state := map[string]int{}
	var order, stack []string
	var visit func(k string) error
	visit = func(k string) error {
		switch state[k] {
		case done:
			return nil
		case visiting:
			i := slices.Index(stack, k)
			circle := append(slices.Clone(stack[i:]), k)
			names := make([]string, len(circle))
			for j, c := range circle {
				names[j] = mappers[c].name
			}
			return engine.Errorf(engine.Invalid, "the account mappings read each other's accounts in a circle: %s; one of them must stop reading the other's", strings.Join(names, " → "))
		}
		state[k] = visiting
		stack = append(stack, k)
		for _, d := range mappers[k].deps {
			if mappers[d] == nil {
				continue
			}
			if err := visit(d); err != nil {
				return err
			}
		}
		stack = stack[:len(stack)-1]
		state[k] = done
		order = append(order, k)
		return nil
	}
	for _, k := range keys {
		if mappers[k] == nil {
			continue
		}
		if err := visit(k); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// noAccountsHere explains a value outside a target that reads accounts.
const noAccountsHere = "Person.Accounts is not available here: this value is computed before any account exists"

// NamedValue is one value computed the way an account attribute is, but
// outside any target's account mapping: a source system's aggregation
// value, for instance. Its snippet sees the same Person object and
// helpers as account mappings do, except Person.Accounts.
type NamedValue struct {
	// Key is what Session.Value asks for.
	Key string
	// Where names the value in errors: "the aggregation value of HR".
	Where string
	// Name is the snippet's name in JavaScript error positions
	// ("AggregationValue:3:12"); empty means Key.
	Name  string
	Value *engine.StageValue
}

// CompileValues checks and compiles named values against env's field
// registry: a fixed text, a person field (a path such as Name.FamilyName
// or PrimaryContract.Department.Code) or a snippet. Errors start with the
// value's Where and say what is wrong: an unknown field with the nearest
// ones, a JavaScript syntax error with its line. The Mapper computes them
// through Session.Value; it is safe for concurrent use as any Mapper is.
func CompileValues(values []NamedValue, env *rules.Env, opts ...Options) (*Mapper, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	m := &Mapper{
		key: "", name: "values",
		steps:        make([][]step, len(engine.Stages)),
		attributesOf: map[string][]string{},
		timeLimit:    cmp.Or(o.TimeLimit, DefaultTimeLimit),
		noAccounts:   true,
		values:       make(map[string]int, len(values)),
	}
	snippets := map[string]*snippet{}
	for _, v := range values {
		if _, dup := m.values[v.Key]; dup {
			return nil, engine.Errorf(engine.Internal, "%s: the value %q is compiled twice", v.Where, v.Key)
		}
		st := step{attr: v.Key, where: v.Where, jsName: v.Name}
		if v.Value != nil {
			st.typ = v.Value.Type
		}
		if err := m.compileStep(&st, v.Value, env, snippets); err != nil {
			return nil, err
		}
		m.values[v.Key] = len(m.steps[0])
		m.steps[0] = append(m.steps[0], st)
	}
	return m, nil
}

// Value computes one value of a Mapper made by CompileValues. Errors
// start with the value's Where and give the JavaScript error with its
// line, or say the snippet was stopped by the time limit.
func (s *Session) Value(key string, in *Input) (string, error) {
	i, ok := s.m.values[key]
	if !ok {
		return "", engine.Errorf(engine.Internal, "there is no compiled value %q", key)
	}
	if in == nil || in.Subject == nil || in.Subject.Person == nil {
		return "", engine.Errorf(engine.Internal, "%s: no person", s.m.steps[0][i].where)
	}
	st := &s.m.steps[0][i]
	v, err := s.value(st, in)
	s.in = nil
	if err != nil {
		return "", engine.Errorf(engine.Invalid, "%s: %w", st.where, err)
	}
	return v, nil
}
