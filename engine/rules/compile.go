package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"provisio/engine"
)

// Input is a rule to compile: its id and the version to use.
type Input struct {
	ID   string
	Body *engine.RuleBody
	// Version, when set, names which version Body is ("draft",
	// "published version") in errors.
	Version string
}

// Rule is a compiled rule.
type Rule struct {
	ID     string
	Name   string
	Body   *engine.RuleBody
	pos    int
	person *node // nil: no person conditions
	contr  *node // nil: no contract conditions
	grants []grant
}

// node is a compiled condition: a group or a leaf.
type node struct {
	group engine.GroupKind
	kids  []*node
	leaf  *leaf
}

type leaf struct {
	cond engine.Condition
	def  engine.FieldDef
	get  getter
	test func(v engine.Value, s *Subject) bool
}

// grant is a compiled entitlement: a fixed key, or a template filled in
// from each in-conditions contract.
type grant struct {
	key      engine.EntitlementKey
	template []templatePart
	dynamic  bool // the template has a placeholder
}

type templatePart struct {
	literal string
	get     func(*engine.Contract) engine.Value
}

// CompileError is a problem with a rule, naming where it is.
type CompileError struct {
	Rule    string // rule name
	ID      string // rule id, when known
	Version string // "draft" or "published version", when it matters
	Where   string // "person conditions, condition 2.1", "entitlement 3", …
	Msg     string
}

func (e *CompileError) Error() string {
	var who string
	switch {
	case e.Rule == "" && e.ID != "":
		who = "rule " + e.ID
	case e.ID != "":
		who = fmt.Sprintf("rule %q (%s)", e.Rule, e.ID)
	default:
		who = fmt.Sprintf("rule %q", e.Rule)
	}
	if e.Version != "" {
		who += ", " + e.Version
	}
	if e.Where == "" {
		return fmt.Sprintf("%s: %s", who, e.Msg)
	}
	return fmt.Sprintf("%s, %s: %s", who, e.Where, e.Msg)
}

// ValidateVersion is Validate for a stored rule's version: the error
// names the rule's id and which version is wrong too.
func ValidateVersion(in Input, env *Env) error {
	_, err := compileRule(in, env)
	return err
}

// Validate checks a rule version against the environment; the error names
// the rule, where in it the problem is and what was expected.
func Validate(body *engine.RuleBody, env *Env) error {
	_, err := compileRule(Input{Body: body}, env)
	return err
}

// Compile compiles rules; the first problem is returned as an Invalid
// error wrapping a *CompileError.
func Compile(inputs []Input, env *Env) (*Set, error) {
	set := &Set{}
	for _, in := range inputs {
		r, err := compileRule(in, env)
		if err != nil {
			return nil, err
		}
		set.Rules = append(set.Rules, r)
	}
	set.buildIndex()
	return set, nil
}

func compileRule(in Input, env *Env) (*Rule, error) {
	b := in.Body
	name := strings.TrimSpace(b.Name)
	fail := func(where, format string, args ...any) error {
		ce := &CompileError{Rule: name, ID: in.ID, Version: in.Version, Where: where, Msg: fmt.Sprintf(format, args...)}
		return &engine.Error{Code: engine.Invalid, Msg: ce.Error(), Err: ce}
	}
	if name == "" {
		return nil, fail("", "give the rule a name")
	}
	switch b.Status {
	case engine.RuleActive, engine.RuleInactive, engine.RuleAny:
	default:
		return nil, fail("person status", "%q must be active, inactive or any", b.Status)
	}
	if b.Timeframe.DaysBefore < 0 || b.Timeframe.DaysAfter < 0 {
		return nil, fail("timeframe", "days before the start and after the end must be 0 or more")
	}
	r := &Rule{ID: in.ID, Name: name, Body: b}
	var err error
	if b.PersonConditions != nil {
		if r.person, err = compileNode(*b.PersonConditions, engine.LevelPerson, env, "person conditions", fail); err != nil {
			return nil, err
		}
	}
	if b.ContractConditions != nil {
		if r.contr, err = compileNode(*b.ContractConditions, engine.LevelContract, env, "contract conditions", fail); err != nil {
			return nil, err
		}
	}
	if len(b.Entitlements) == 0 {
		return nil, fail("entitlements", "the rule grants nothing: add an entitlement")
	}
	for i, e := range b.Entitlements {
		g, err := compileGrant(e, env, fmt.Sprintf("entitlement %d", i+1), fail)
		if err != nil {
			return nil, err
		}
		r.grants = append(r.grants, g)
	}
	return r, nil
}

type failFunc func(where, format string, args ...any) error

func compileNode(c engine.Condition, level engine.Level, env *Env, where string, fail failFunc) (*node, error) {
	if c.IsGroup() {
		switch c.Group {
		case engine.GroupAll, engine.GroupAny:
		case engine.GroupNot:
			if len(c.Conditions) != 1 {
				return nil, fail(where, "a \"not\" group holds exactly one condition, not %d", len(c.Conditions))
			}
		default:
			return nil, fail(where, "group %q must be all, any or not", c.Group)
		}
		if len(c.Conditions) == 0 {
			// an empty "all" would always hold and an empty "any" never:
			// neither is what anyone means
			return nil, fail(where, "the group is empty: add a condition to it, or remove it")
		}
		n := &node{group: c.Group}
		for i, k := range c.Conditions {
			kid, err := compileNode(k, level, env, childWhere(where, i+1), fail)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kid)
		}
		return n, nil
	}
	l, err := compileLeaf(c, level, env, where, fail)
	if err != nil {
		return nil, err
	}
	return &node{leaf: l}, nil
}

// childWhere names the i-th condition of a group the way CompileError
// documents it: "person conditions, condition 2.1".
func childWhere(where string, i int) string {
	if strings.Contains(where, ", condition ") {
		return fmt.Sprintf("%s.%d", where, i)
	}
	return fmt.Sprintf("%s, condition %d", where, i)
}

func compileLeaf(c engine.Condition, level engine.Level, env *Env, where string, fail failFunc) (*leaf, error) {
	if c.Field == "" {
		return nil, fail(where, "choose a field")
	}
	def, get, ok := env.field(level, c.Field)
	if !ok {
		hint := engine.SuggestPaths(c.Field, env.ConditionFields(level))
		if level == engine.LevelPerson {
			if _, _, ok := env.field(engine.LevelContract, c.Field); ok {
				hint = fmt.Sprintf(" (%s is a contract field: test it in the contract conditions, or as %s%s)", c.Field, PrefixPrimary, c.Field)
			}
		}
		return nil, fail(where, "there is no %s field %q%s", level, c.Field, hint)
	}
	where = fmt.Sprintf("%s (%s)", where, c.Field)
	opDef, ok := engine.OperatorFor(def.Type, c.Op)
	if !ok {
		var names []string
		for _, d := range engine.Operators(def.Type) {
			names = append(names, string(d.Op))
		}
		return nil, fail(where, "%q does not fit a %s field; use one of %s", c.Op, def.Type, strings.Join(names, ", "))
	}
	values, err := operands(c, opDef)
	if err != nil {
		return nil, fail(where, "%v", err)
	}
	test, err := compileTest(def.Type, c.Op, values)
	if err != nil {
		return nil, fail(where, "%v", err)
	}
	return &leaf{cond: c, def: def, get: get, test: test}, nil
}

// operands returns a condition's values as its operator takes them.
func operands(c engine.Condition, d engine.OperatorDef) ([]string, error) {
	switch d.Arity {
	case engine.NoValue:
		return nil, nil
	case engine.OneValue:
		v := c.Value
		switch {
		case len(c.Values) > 1 || (len(c.Values) == 1 && v != ""):
			return nil, fmt.Errorf("%q takes one value, got %d", c.Op, len(c.Values)+min(len(v), 1))
		case len(c.Values) == 1:
			v = c.Values[0]
		}
		if v == "" && c.Op != engine.OpEquals && c.Op != engine.OpNotEquals {
			return nil, fmt.Errorf("%q needs a value", c.Op)
		}
		return []string{v}, nil
	case engine.TwoValues:
		if len(c.Values) != 2 {
			return nil, fmt.Errorf("%q takes two values (from and to), got %d", c.Op, len(c.Values))
		}
		return c.Values, nil
	default:
		vals := c.Values
		if len(vals) == 0 && c.Value != "" {
			vals = strings.Split(c.Value, ",")
		}
		var out []string
		for _, v := range vals {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%q needs at least one value", c.Op)
		}
		return out, nil
	}
}

// compileTest builds the comparison of a typed value with the operands.
func compileTest(t engine.FieldType, op engine.Operator, values []string) (func(engine.Value, *Subject) bool, error) {
	switch t {
	case engine.TypeText:
		return textTest(op, values)
	case engine.TypeNumber:
		return numberTest(op, values)
	case engine.TypeDate:
		return dateTest(op, values)
	default:
		if op == engine.OpIsTrue {
			return func(v engine.Value, _ *Subject) bool { return v.Bool }, nil
		}
		return func(v engine.Value, _ *Subject) bool { return !v.Bool }, nil
	}
}

// Text comparisons ignore case.
func textTest(op engine.Operator, values []string) (func(engine.Value, *Subject) bool, error) {
	var want string
	if len(values) > 0 {
		want = values[0]
	}
	wantKey := foldKey(want)
	wantASCII := asciiUpTo(want, len(want), true)
	switch op {
	case engine.OpEquals:
		return func(v engine.Value, _ *Subject) bool { return strings.EqualFold(v.Text, want) }, nil
	case engine.OpNotEquals:
		return func(v engine.Value, _ *Subject) bool { return !strings.EqualFold(v.Text, want) }, nil
	case engine.OpIn, engine.OpNotIn:
		in := inList(values)
		if op == engine.OpNotIn {
			return func(v engine.Value, _ *Subject) bool { return !in(v.Text) }, nil
		}
		return func(v engine.Value, _ *Subject) bool { return in(v.Text) }, nil
	case engine.OpContains:
		return func(v engine.Value, _ *Subject) bool { return strings.Contains(foldKey(v.Text), wantKey) }, nil
	case engine.OpStartsWith:
		return func(v engine.Value, _ *Subject) bool {
			if len(v.Text) >= len(want) && strings.EqualFold(v.Text[:len(want)], want) {
				return true
			}
			// letters whose case differs in length (K and the Kelvin
			// sign) need the folded texts, as contains has
			if wantASCII && asciiUpTo(v.Text, 3*len(want)+3, true) {
				return false
			}
			return strings.HasPrefix(foldKey(v.Text), wantKey)
		}, nil
	case engine.OpEndsWith:
		return func(v engine.Value, _ *Subject) bool {
			if len(v.Text) >= len(want) && strings.EqualFold(v.Text[len(v.Text)-len(want):], want) {
				return true
			}
			if wantASCII && asciiUpTo(v.Text, 3*len(want)+3, false) {
				return false
			}
			return strings.HasSuffix(foldKey(v.Text), wantKey)
		}, nil
	case engine.OpMatches:
		re, err := regexp.Compile(want)
		if err != nil {
			return nil, fmt.Errorf("the pattern %q is not a valid regular expression: %v", want, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
		return func(v engine.Value, _ *Subject) bool { return re.MatchString(v.Text) }, nil
	case engine.OpIsEmpty:
		return func(v engine.Value, _ *Subject) bool { return v.Text == "" }, nil
	default: // isNotEmpty
		return func(v engine.Value, _ *Subject) bool { return v.Text != "" }, nil
	}
}

// foldKey returns s with each rune replaced by one representative of its
// case-folding orbit (the ASCII lower-case letter where there is one), so
// that foldKey(a) == foldKey(b) exactly when strings.EqualFold(a, b). The
// index and long "is one of" lists look values up by it; strings.ToLower
// would not do, as it leaves letters such as ſ (long s) or K (Kelvin) that
// EqualFold matches with s and k.
// asciiUpTo reports whether the first (or, with !fromStart, the last) n
// bytes of s are ASCII.
func asciiUpTo(s string, n int, fromStart bool) bool {
	if n < len(s) {
		if fromStart {
			s = s[:n]
		} else {
			s = s[len(s)-n:]
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		if 'A' <= least && least <= 'Z' {
			least += 'a' - 'A'
		}
		b.WriteRune(least)
	}
	return b.String()
}

// inList tests membership, ignoring case.
func inList(values []string) func(string) bool {
	if len(values) <= 8 {
		return func(s string) bool {
			for _, v := range values {
				if strings.EqualFold(s, v) {
					return true
				}
			}
			return false
		}
	}
	set := make(map[string]struct{}, len(values))
	for _, v := range values {
		set[foldKey(v)] = struct{}{}
	}
	return func(s string) bool {
		_, ok := set[foldKey(s)]
		return ok
	}
}

func numberTest(op engine.Operator, values []string) (func(engine.Value, *Subject) bool, error) {
	nums := make([]float64, len(values))
	for i, s := range values {
		n, err := engine.ParseNumber(s)
		if err != nil || !n.Set {
			return nil, fmt.Errorf("expected a number like 0.8, got %q", s)
		}
		nums[i] = n.V
	}
	cmp := func(pred func(float64) bool) func(engine.Value, *Subject) bool {
		return func(v engine.Value, _ *Subject) bool { return v.Num.Set && pred(v.Num.V) }
	}
	switch op {
	case engine.OpEquals:
		return cmp(func(x float64) bool { return x == nums[0] }), nil
	case engine.OpNotEquals:
		return func(v engine.Value, _ *Subject) bool { return !v.Num.Set || v.Num.V != nums[0] }, nil
	case engine.OpLessThan:
		return cmp(func(x float64) bool { return x < nums[0] }), nil
	case engine.OpAtMost:
		return cmp(func(x float64) bool { return x <= nums[0] }), nil
	case engine.OpGreaterThan:
		return cmp(func(x float64) bool { return x > nums[0] }), nil
	case engine.OpAtLeast:
		return cmp(func(x float64) bool { return x >= nums[0] }), nil
	case engine.OpBetween:
		lo, hi := min(nums[0], nums[1]), max(nums[0], nums[1])
		return cmp(func(x float64) bool { return lo <= x && x <= hi }), nil
	case engine.OpIsEmpty:
		return func(v engine.Value, _ *Subject) bool { return !v.Num.Set }, nil
	default:
		return func(v engine.Value, _ *Subject) bool { return v.Num.Set }, nil
	}
}

func dateTest(op engine.Operator, values []string) (func(engine.Value, *Subject) bool, error) {
	if op == engine.OpWithinDays {
		n, err := strconv.Atoi(strings.TrimSpace(values[0]))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("expected a number of days (0 or more), got %q", values[0])
		}
		return func(v engine.Value, s *Subject) bool {
			if v.Date.IsZero() {
				return false
			}
			d := v.Date.Days() - s.refDays
			return -n <= d && d <= n
		}, nil
	}
	dates := make([]engine.Date, len(values))
	for i, s := range values {
		d, err := engine.ParseISODate(s)
		if err != nil || d.IsZero() {
			return nil, fmt.Errorf("expected a date like 2024-01-31, got %q", s)
		}
		dates[i] = d
	}
	set := func(pred func(engine.Date) bool) func(engine.Value, *Subject) bool {
		return func(v engine.Value, _ *Subject) bool { return !v.Date.IsZero() && pred(v.Date) }
	}
	switch op {
	case engine.OpEquals:
		return set(func(d engine.Date) bool { return d == dates[0] }), nil
	case engine.OpBefore:
		return set(func(d engine.Date) bool { return d < dates[0] }), nil
	case engine.OpAfter:
		return set(func(d engine.Date) bool { return d > dates[0] }), nil
	case engine.OpBetween:
		lo, hi := min(dates[0], dates[1]), max(dates[0], dates[1])
		return set(func(d engine.Date) bool { return lo <= d && d <= hi }), nil
	case engine.OpIsEmpty:
		return func(v engine.Value, _ *Subject) bool { return v.Date.IsZero() }, nil
	default:
		return func(v engine.Value, _ *Subject) bool { return !v.Date.IsZero() }, nil
	}
}

var placeholder = regexp.MustCompile(`\{([^{}]*)\}`)

func compileGrant(e engine.Entitlement, env *Env, where string, fail failFunc) (grant, error) {
	t, ok := env.target(e.Target)
	if !ok {
		var keys []string
		for _, x := range env.Targets {
			keys = append(keys, x.Key)
		}
		if len(keys) == 0 {
			return grant{}, fail(where, "there is no target system %q (add target systems first)", e.Target)
		}
		return grant{}, fail(where, "there is no target system %q (there are: %s)", e.Target, strings.Join(keys, ", "))
	}
	key := engine.EntitlementKey{Target: e.Target, Kind: e.Kind}
	switch e.Kind {
	case engine.KindAccount, engine.KindAccess:
		return grant{key: key}, nil
	case engine.KindCustom:
		if strings.TrimSpace(e.Name) == "" {
			return grant{}, fail(where, "name the custom entitlement")
		}
		key.Name = strings.TrimSpace(e.Name)
		return grant{key: key}, nil
	case engine.KindPermission:
	default:
		return grant{}, fail(where, "kind %q must be account, access, permission or custom", e.Kind)
	}
	switch {
	case e.Template != "":
		g := grant{key: key}
		rest := e.Template
		for _, m := range placeholder.FindAllStringSubmatchIndex(e.Template, -1) {
			path := e.Template[m[2]:m[3]]
			f, ok := env.Fields.ContractField(path)
			if !ok {
				return grant{}, fail(where, "the template %q has an unknown placeholder {%s}: use contract fields such as {Department.Code}%s", e.Template, path, engine.SuggestPaths(path, env.Fields.Defs(engine.LevelContract)))
			}
			if lit := e.Template[len(e.Template)-len(rest) : m[0]]; lit != "" {
				if strings.ContainsAny(lit, "{}") {
					return grant{}, fail(where, "the template %q has an unbalanced brace", e.Template)
				}
				g.template = append(g.template, templatePart{literal: lit})
			}
			g.template = append(g.template, templatePart{get: f.Get})
			rest = e.Template[m[1]:]
		}
		if strings.ContainsAny(rest, "{}") {
			return grant{}, fail(where, "the template %q has an unbalanced brace", e.Template)
		}
		if rest != "" {
			g.template = append(g.template, templatePart{literal: rest})
		}
		if g.dynamic = g.hasPlaceholder(); !g.dynamic {
			return grant{}, fail(where, "the template %q has no {placeholder}; for a fixed permission choose it as a permission", e.Template)
		}
		return g, nil
	case strings.TrimSpace(e.Permission) == "":
		return grant{}, fail(where, "choose a permission of %s, or give a template", t.Name)
	default:
		if _, ok := t.Permission(e.Permission); !ok {
			return grant{}, fail(where, "%s has no permission %q: add it to the target system's permissions, or choose one it has", t.Name, e.Permission)
		}
		key.Name = e.Permission
		return grant{key: key}, nil
	}
}

func (g grant) hasPlaceholder() bool {
	for _, p := range g.template {
		if p.get != nil {
			return true
		}
	}
	return false
}

// expand fills in a dynamic permission's template from a contract; ok is
// false when a placeholder's field is empty.
func (g *grant) expand(c *engine.Contract) (string, bool) {
	var b strings.Builder
	for _, p := range g.template {
		if p.get == nil {
			b.WriteString(p.literal)
			continue
		}
		v := p.get(c).String()
		if v == "" {
			return "", false
		}
		b.WriteString(v)
	}
	return b.String(), true
}

// CouldGrant reports whether the rule can grant an entitlement in target
// (any target when empty) that what names: a kind ("account", "access",
// "account access", "permission", "custom") or a permission or custom
// name — a dynamic permission's template counts when its fixed parts fit.
func (r *Rule) CouldGrant(target, what string) bool {
	for _, g := range r.grants {
		if target != "" && g.key.Target != target {
			continue
		}
		if what == "" || g.key.Name == what || string(g.key.Kind) == what || g.key.Kind.Label() == what {
			return true
		}
		if g.dynamic && g.templatePattern().MatchString(what) {
			return true
		}
	}
	return false
}

func (g grant) templatePattern() *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, p := range g.template {
		if p.get == nil {
			b.WriteString(regexp.QuoteMeta(p.literal))
		} else {
			b.WriteString(".+")
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
