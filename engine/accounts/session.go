package accounts

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"provisio/engine"
	"provisio/engine/mapping"
	"provisio/engine/rules"
)

// Input is what an account's attributes are made from.
type Input struct {
	// Subject is the person with their primary contract and manager (from
	// rules.Population.Subject).
	Subject *rules.Subject
	// InConditions are the indexes, into Subject.Person.Contracts, of the
	// contracts that satisfy the contract conditions of the rules that
	// give the account.
	InConditions []int
	// Accounts holds the person's accounts in other targets (stored, or
	// planned in this run), by target key.
	Accounts map[string]engine.Attributes
	// Iteration is 0, then 1, 2, … while a unique attribute's value is
	// taken. Unique field and fixed values get it appended (when not 0)
	// in whatever stage they are computed; snippets read it as Iteration.
	Iteration int
}

// Session computes account attributes on one goroutine. It owns a
// JavaScript runtime, made when a snippet first runs.
type Session struct {
	m   *Mapper
	in  *Input // the input being computed; the Person object reads it
	vm  *goja.Runtime
	run *mapping.Runner
}

// NewSession returns a session for one goroutine.
func (m *Mapper) NewSession() *Session { return &Session{m: m} }

// Values returns the attributes that have a value in the stage; an
// attribute whose value comes out empty is "" (clear it). An identity
// attribute that comes out empty at create is an error: the account
// cannot be made without it.
//
// Errors name the target, the attribute and the stage and say what went
// wrong: a JavaScript error with its line, a field the person lacks, a
// snippet stopped by the time limit. With an error, Values still returns
// the attributes it could compute (for previews); the error then lists
// every attribute that failed.
func (s *Session) Values(stage engine.Stage, in *Input) (engine.Attributes, error) {
	return s.ValuesInto(nil, stage, in)
}

// ValuesInto is Values into dst, which it clears first (or into a new map
// when dst is nil): a caller that works out many accounts and keeps none
// of the maps can use one for all.
func (s *Session) ValuesInto(dst engine.Attributes, stage engine.Stage, in *Input) (engine.Attributes, error) {
	si := slices.Index(engine.Stages, stage)
	if si < 0 {
		return nil, engine.Errorf(engine.Invalid, "the account mapping of %s: there is no stage %q; the stages are %s", s.m.name, stage, stageList())
	}
	if in == nil || in.Subject == nil || in.Subject.Person == nil {
		return nil, engine.Errorf(engine.Internal, "the account mapping of %s: no person to map", s.m.name)
	}
	for _, k := range in.InConditions {
		if k < 0 || k >= len(in.Subject.Person.Contracts) {
			return nil, engine.Errorf(engine.Internal, "the account mapping of %s: person %s has no contract %d", s.m.name, in.Subject.Person.ID, k)
		}
	}
	steps := s.m.steps[si]
	out := dst
	if out == nil {
		out = make(engine.Attributes, len(steps))
	}
	clear(out)
	var errs []error
	for i := range steps {
		st := &steps[i]
		v, err := s.value(st, in)
		if err == nil && v == "" && st.identity && stage == engine.StageCreate {
			err = errors.New(st.noValue())
		}
		if err != nil {
			errs = append(errs, engine.Errorf(engine.Invalid, "%s: %w", st.where, err))
			continue
		}
		out[st.attr] = v
	}
	s.in = nil
	switch len(errs) {
	case 0:
		return out, nil
	case 1:
		return out, errs[0]
	default:
		return out, errors.Join(errs...)
	}
}

// noValue explains an identity attribute that came out empty.
func (st *step) noValue() string {
	switch {
	case st.typ == engine.MapField && st.account != "":
		return fmt.Sprintf("the target needs a value, but the person's account in %s has no %s", st.account, st.accountAttr)
	case st.typ == engine.MapField:
		return fmt.Sprintf("the target needs a value, but the person's %s is empty", st.path)
	default:
		return "the target needs a value, but the JavaScript gave none"
	}
}

// value computes one attribute.
func (s *Session) value(st *step, in *Input) (string, error) {
	var v string
	switch st.typ {
	case engine.MapFixed:
		v = st.fixed
	case engine.MapField:
		if st.get != nil {
			v = st.get(in.Subject).String()
		} else {
			v = attribute(in.Accounts[st.account], st.accountAttr)
		}
	default:
		return s.runJS(st, in)
	}
	if st.unique && in.Iteration > 0 && v != "" {
		v += strconv.Itoa(in.Iteration)
	}
	return v, nil
}

// runJS runs a step's snippet for an input.
func (s *Session) runJS(st *step, in *Input) (string, error) {
	sn := st.snippet
	if n := sn.timeouts.Load(); n >= mapping.MaxTimeouts {
		return "", fmt.Errorf("the JavaScript took longer than %s for %d persons and is not run any more; make it faster", s.m.timeLimit, n)
	}
	if s.vm == nil {
		s.start()
	}
	s.in = in
	v, err := s.run.Run(sn.Snippet)
	if err != nil {
		if errors.Is(err, mapping.ErrTimeout) {
			sn.timeouts.Add(1)
		}
		return "", err
	}
	return s.text(v)
}

// start makes the session's runtime and its read-only globals.
func (s *Session) start() {
	vm := goja.New()
	s.vm = vm
	s.run = mapping.NewRunner(vm, s.m.timeLimit)
	t := s.m.tree
	mapping.ReadOnlyGlobal(vm, "Person", vm.NewDynamicObject(&object{s: s, n: t.root, bind: bindPerson, path: "Person"}))
	mapping.ReadOnlyGlobal(vm, "removeDiacritics", mapping.RemoveDiacritics(vm))
	iteration := vm.ToValue(func(goja.FunctionCall) goja.Value {
		if s.in == nil {
			return vm.ToValue(0)
		}
		return vm.ToValue(s.in.Iteration)
	})
	_ = vm.GlobalObject().DefineAccessorProperty("Iteration", iteration, nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
}

// personOf returns the person an object reads, or nil.
func (s *Session) personOf(bind int) *engine.Person {
	if s.in == nil {
		return nil
	}
	if bind == bindManager {
		return s.in.Subject.Manager
	}
	return s.in.Subject.Person
}

// contractOf returns the contract an object reads, or nil.
func (s *Session) contractOf(bind int) *engine.Contract {
	if s.in == nil {
		return nil
	}
	p := s.in.Subject.Person
	k := -1
	switch {
	case bind == bindPrimary:
		k = s.in.Subject.Primary
	case bind >= 0 && bind < len(s.in.InConditions):
		k = s.in.InConditions[bind]
	}
	if k < 0 || k >= len(p.Contracts) {
		return nil
	}
	return &p.Contracts[k]
}

// toJS converts a field's value for snippets: text as a string, a date
// as yyyy-mm-dd, a number as a number (null when empty), a boolean.
func (s *Session) toJS(v engine.Value) goja.Value {
	switch v.Type {
	case engine.TypeNumber:
		if !v.Num.Set {
			return goja.Null()
		}
		return s.vm.ToValue(v.Num.V)
	case engine.TypeBoolean:
		return s.vm.ToValue(v.Bool)
	case engine.TypeDate:
		return s.vm.ToValue(v.Date.String())
	default:
		return s.vm.ToValue(v.Text)
	}
}

// text converts a snippet's result to an attribute value.
func (s *Session) text(v goja.Value) (string, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return "", nil
	}
	if o, ok := v.(*goja.Object); ok && o.ClassName() == "Array" {
		var vals []string
		for _, e := range o.Export().([]any) {
			t, err := scalar(e)
			if err != nil {
				return "", fmt.Errorf("JavaScript result: the array holds %v", err)
			}
			if t != "" {
				vals = append(vals, t)
			}
		}
		return strings.Join(vals, "\n"), nil
	}
	if o, ok := v.(*goja.Object); ok && o.ClassName() != "Date" {
		if _, fn := goja.AssertFunction(v); fn {
			return "", errors.New("JavaScript result: expected text, a number, true or false, or an array of them; got a function (call it with ())")
		}
		return "", errors.New("JavaScript result: expected text, a number, true or false, or an array of them; got an object (pick one of its fields)")
	}
	t, err := scalar(v.Export())
	if err != nil {
		return "", fmt.Errorf("JavaScript result: expected text, a number, true or false, or an array of them; got %v", err)
	}
	return t, nil
}

// scalar converts an exported JavaScript value to text.
func scalar(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("%v, which is no number", x)
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case time.Time:
		return mapping.JSDate(x).String(), nil
	case []any:
		return "", errors.New("an array inside an array")
	default:
		return "", errors.New("an object")
	}
}

// Err reports a problem that makes computing more accounts pointless: a
// snippet that keeps hitting the time limit.
func (m *Mapper) Err() error {
	for _, steps := range m.steps {
		for _, st := range steps {
			if st.snippet != nil && st.snippet.timeouts.Load() >= mapping.MaxTimeouts {
				return engine.Errorf(engine.Invalid, "%s: the JavaScript took longer than %s for %d persons; make it faster and evaluate again", st.where, m.timeLimit, mapping.MaxTimeouts)
			}
		}
	}
	return nil
}
