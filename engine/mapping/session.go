package mapping

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"provisio/engine"
)

// Session maps records on one goroutine. It owns a JavaScript runtime,
// created on first use.
type Session struct {
	m   *Mapper
	vm  *goja.Runtime
	src *sourceObject

	run *Runner
}

// NewSession returns a session for one goroutine.
func (m *Mapper) NewSession() *Session { return &Session{m: m} }

func (s *Session) runtime() *goja.Runtime {
	if s.vm != nil {
		return s.vm
	}
	vm := goja.New()
	s.src = &sourceObject{vm: vm, known: s.m.known}
	// read-only globals: a snippet cannot replace them for later records
	ReadOnlyGlobal(vm, "source", vm.NewDynamicObject(s.src))
	ReadOnlyGlobal(vm, "removeDiacritics", RemoveDiacritics(vm))
	ReadOnlyGlobal(vm, "toDate", func(call goja.FunctionCall) goja.Value {
		arg := call.Argument(0)
		if goja.IsUndefined(arg) || goja.IsNull(arg) {
			return vm.ToValue("")
		}
		dates := s.m.dates
		if f := call.Argument(1); !goja.IsUndefined(f) {
			p, err := engine.NewDateParser([]string{f.String()})
			if err != nil {
				panic(vm.NewTypeError(err.Error()))
			}
			dates = p
		}
		d, err := dates.Parse(arg.String())
		if err != nil {
			panic(vm.NewTypeError(err.Error()))
		}
		return vm.ToValue(d.String())
	})
	s.vm = vm
	s.run = NewRunner(vm, s.m.timeLimit)
	return vm
}

// sourceObject is the read-only `source` object snippets see: the fields of
// the record being mapped.
type sourceObject struct {
	vm    *goja.Runtime
	rec   *engine.RawRecord
	known map[string]bool // every field the source's records may have
}

func (o *sourceObject) Get(key string) goja.Value {
	if v, ok := o.rec.Get(key); ok {
		return o.vm.ToValue(v)
	}
	if o.known[key] {
		return goja.Undefined() // a field other records have (JSON Lines)
	}
	// most likely a typo, or a column the export no longer has: say so
	// rather than map "undefined"
	panic(o.vm.NewTypeError("source has no field %q%s; use 'name' in source to test for a field", key, suggestField(key, o.rec.Header.Names)))
}
func (o *sourceObject) Set(string, goja.Value) bool { return false }
func (o *sourceObject) Has(key string) bool {
	_, ok := o.rec.Get(key)
	return ok
}
func (o *sourceObject) Delete(string) bool { return false }
func (o *sourceObject) Keys() []string {
	var keys []string
	for _, n := range o.rec.Header.Names {
		if n != "" {
			keys = append(keys, n)
		}
	}
	return keys
}

// runSnippet evaluates a snippet for a record within the time limit.
func (s *Session) runSnippet(sn *snippet, rec *engine.RawRecord) (goja.Value, error) {
	s.runtime()
	s.src.rec = rec
	v, err := s.run.Run(sn.Snippet)
	if errors.Is(err, ErrTimeout) {
		s.m.timedOut(sn)
	}
	return v, err
}

// value computes one mapped field for a record.
func (s *Session) value(c *compiled, rec *engine.RawRecord) (engine.Value, error) {
	switch c.Type {
	case engine.MapFixed:
		return c.fixed, nil
	case engine.MapField:
		raw, _ := rec.Get(c.Value)
		v, err := s.m.convertText(c.def, strings.TrimSpace(raw))
		if err != nil {
			return v, fmt.Errorf("source field %q: %v", c.Value, err)
		}
		return v, nil
	default:
		jv, err := s.runSnippet(c.snippet, rec)
		if err != nil {
			return engine.Value{Type: c.def.Type}, err
		}
		v, err := s.fromJS(c.def, jv)
		if err != nil {
			return v, fmt.Errorf("JavaScript result: %v", err)
		}
		return v, nil
	}
}

// fromJS converts a snippet's result to the field's type.
func (s *Session) fromJS(def engine.FieldDef, v goja.Value) (engine.Value, error) {
	empty := engine.Value{Type: def.Type}
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return empty, nil
	}
	switch x := v.Export().(type) {
	case bool:
		if def.Type == engine.TypeBoolean {
			return engine.BoolValue(x), nil
		}
		return s.m.convertText(def, strconv.FormatBool(x))
	case int64:
		if def.Type == engine.TypeNumber {
			return engine.NumberValue(engine.Num(float64(x))), nil
		}
		return s.m.convertText(def, strconv.FormatInt(x, 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return empty, fmt.Errorf("expected a %s, got %v", def.Type, x)
		}
		if def.Type == engine.TypeNumber {
			return engine.NumberValue(engine.Num(x)), nil
		}
		return s.m.convertText(def, strconv.FormatFloat(x, 'f', -1, 64))
	case time.Time:
		if def.Type == engine.TypeDate || def.Type == engine.TypeText {
			return s.m.convertText(def, JSDate(x).String())
		}
		return empty, fmt.Errorf("expected a %s, got a date", def.Type)
	case string:
		return s.m.convertText(def, strings.TrimSpace(x))
	default:
		return empty, fmt.Errorf("expected a %s, got %s", def.Type, v.String())
	}
}

// Person maps a person record. Problems are returned as record errors
// and recorded as issues on the person; a required field that ends up empty
// or unreadable is a blocking issue.
func (s *Session) Person(rec *engine.RawRecord) (*engine.Person, []engine.RecordError) {
	p := &engine.Person{Source: s.m.source}
	var errs []engine.RecordError
	for i := range s.m.person {
		c := &s.m.person[i]
		v, err := s.value(c, rec)
		if err == nil && c.Required && v.IsEmpty() {
			err = errRequiredEmpty(c)
		}
		if err != nil {
			errs = append(errs, recordError(rec, c, err))
			p.Issues = append(p.Issues, issue(c, "", err))
			continue
		}
		c.setP(p, v)
	}
	if p.DisplayName == "" {
		p.DisplayName = engine.DisplayNameOf(p.Name)
	}
	if s.m.keyIsExternalID {
		p.ExternalID = rec.PersonKey
	}
	if p.ExternalID == "" {
		err := engine.RecordError{File: rec.File, Line: rec.Line, Field: "ExternalId", Person: rec.PersonKey, Message: "the person's ExternalId is empty; the person cannot be imported", Blocking: true}
		errs = append(errs, err)
	}
	p.ID = engine.PersonID(p.Source, p.ExternalID)
	return p, errs
}

// Contract maps a contract record. Its problems are returned as record
// errors and as issues to attach to the contract's person.
func (s *Session) Contract(rec *engine.RawRecord) (engine.Contract, []engine.Issue, []engine.RecordError) {
	var c engine.Contract
	var issues []engine.Issue
	var errs []engine.RecordError
	var failed []*compiled
	var causes []error
	for i := range s.m.contract {
		cm := &s.m.contract[i]
		v, err := s.value(cm, rec)
		if err == nil && cm.Required && v.IsEmpty() {
			err = errRequiredEmpty(cm)
		}
		if err != nil {
			failed = append(failed, cm)
			causes = append(causes, err)
			continue
		}
		cm.setC(&c, v)
	}
	for i, cm := range failed {
		re := recordError(rec, cm, causes[i])
		errs = append(errs, re)
		issues = append(issues, issue(cm, c.ExternalID, causes[i]))
	}
	return c, issues, errs
}

// Department maps a department record.
func (s *Session) Department(rec *engine.RawRecord) (engine.Department, []engine.RecordError) {
	d := engine.Department{Source: s.m.source}
	var errs []engine.RecordError
	for i := range s.m.department {
		c := &s.m.department[i]
		v, err := s.value(c, rec)
		if err == nil && (c.Required || c.Field == "ExternalId") && v.IsEmpty() {
			err = errRequiredEmpty(c)
		}
		if err != nil {
			errs = append(errs, recordError(rec, c, err))
			continue
		}
		c.setD(&d, v)
	}
	return d, errs
}

func errRequiredEmpty(c *compiled) error {
	switch c.Type {
	case engine.MapField:
		return fmt.Errorf("required, but source field %q is empty", c.Value)
	default:
		return errors.New("required, but the mapping gave no value")
	}
}

// issue records a mapping problem on the person. Unlike the record error
// it names no file or line, so that a row moving in the file does not
// change the person. Every problem blocks the person: a value that is
// there but cannot be read (an end date in the wrong format, a failing
// snippet) must not be provisioned as if it were empty, and an empty
// required field must not be provisioned at all.
func issue(c *compiled, contract string, err error) engine.Issue {
	msg := c.Field + ": " + err.Error()
	if contract != "" {
		msg = fmt.Sprintf("contract %s, %s", contract, msg)
	}
	return engine.Issue{Field: c.Field, Contract: contract, Message: msg, Blocking: true}
}

func recordError(rec *engine.RawRecord, c *compiled, err error) engine.RecordError {
	return engine.RecordError{File: rec.File, Line: rec.Line, Field: c.Field, Person: rec.PersonKey, Message: err.Error(), Blocking: true}
}

// MapPerson maps a person record and the records of the person's contracts
// into a complete person, as an import does; previews use it.
func (s *Session) MapPerson(person *engine.RawRecord, contracts []*engine.RawRecord) (*engine.Person, []engine.RecordError) {
	p, errs := s.Person(person)
	for _, rec := range contracts {
		c, issues, cerrs := s.Contract(rec)
		p.Contracts = append(p.Contracts, c)
		p.Issues = append(p.Issues, issues...)
		errs = append(errs, cerrs...)
	}
	engine.CanonicalizePerson(p)
	return p, errs
}
