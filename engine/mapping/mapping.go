// Package mapping turns a source system's raw records into persons,
// contracts and departments, following the source mapping: a fixed value,
// a source field, or a JavaScript snippet (run by goja) per field.
//
// A Mapper is compiled once per import and is safe for concurrent use; each
// goroutine maps through its own Session, which owns a JavaScript runtime.
// Snippets see the raw record as `source` and a few helpers; they have no
// file, network or process access, and each call has a time limit.
package mapping

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"provisio/engine"
)

// DefaultTimeLimit bounds one call of a snippet.
const DefaultTimeLimit = time.Second

// Mapper is a compiled source mapping.
type Mapper struct {
	source     string
	person     []compiled
	contract   []compiled
	department []compiled
	dates      *engine.DateParser
	timeLimit  time.Duration
	// keyIsExternalID is set when the mapping has no ExternalId field: the
	// person key is the external id.
	keyIsExternalID bool
	// known holds every field name the source describes; snippets may
	// read a known field a record lacks.
	known map[string]bool
	// timeouts counts snippet calls stopped by the time limit.
	timeouts atomic.Int64
	failed   atomic.Pointer[string]
}

// MaxTimeouts is how many snippet calls may hit the time limit before the
// mapper gives up: a snippet that is slow for every record would otherwise
// take the time limit times the number of records.
const MaxTimeouts = 10

// timedOut counts a call stopped by the time limit.
func (m *Mapper) timedOut(sn *snippet) {
	if m.timeouts.Add(1) == MaxTimeouts {
		msg := fmt.Sprintf("the JavaScript for %s took longer than %s for %d records; fix the snippet and import again", sn.field, m.timeLimit, MaxTimeouts)
		m.failed.Store(&msg)
	}
}

// Err reports a problem that makes mapping the rest of the source
// pointless, such as a snippet that keeps hitting the time limit.
func (m *Mapper) Err() error {
	if msg := m.failed.Load(); msg != nil {
		return engine.Errorf(engine.Invalid, "%s", *msg)
	}
	return nil
}

type compiled struct {
	engine.FieldMapping
	def     engine.FieldDef
	fixed   engine.Value
	snippet *snippet
	setP    func(*engine.Person, engine.Value)
	setC    func(*engine.Contract, engine.Value)
	setD    func(*engine.Department, engine.Value)
}

// Options tune a Mapper.
type Options struct {
	// Description, when set, lets Compile check that mapped source fields
	// exist.
	Description *engine.SourceDescription
	// TimeLimit bounds one call of a snippet; zero means DefaultTimeLimit.
	TimeLimit time.Duration
}

// Compile checks a source system's mapping against the field registry and
// compiles its snippets. Errors name the level, the field and what is
// wrong.
func Compile(src *engine.SourceSystem, fields *engine.Fields, opts Options) (*Mapper, error) {
	dates, err := engine.NewDateParser(src.DateFormats)
	if err != nil {
		return nil, fmt.Errorf("source system %q: %w", src.Name, err)
	}
	m := &Mapper{source: src.Key, dates: dates, timeLimit: opts.TimeLimit, keyIsExternalID: true, known: map[string]bool{}}
	if m.timeLimit <= 0 {
		m.timeLimit = DefaultTimeLimit
	}
	var desc engine.SourceDescription
	if opts.Description != nil {
		desc = *opts.Description
	}
	for _, names := range [][]string{desc.PersonFields, desc.ContractFields, desc.DepartmentFields} {
		for _, n := range names {
			m.known[n] = true
		}
	}
	levels := []struct {
		level   engine.Level
		rows    []engine.FieldMapping
		columns []string
		out     *[]compiled
	}{
		{engine.LevelPerson, src.Mapping.Person, desc.PersonFields, &m.person},
		{engine.LevelContract, src.Mapping.Contract, desc.ContractFields, &m.contract},
		{engine.LevelDepartment, src.Mapping.Department, desc.DepartmentFields, &m.department},
	}
	for _, l := range levels {
		seen := map[string]bool{}
		for i, fm := range l.rows {
			where := fmt.Sprintf("source system %q, %s mapping row %d", src.Name, l.level, i+1)
			if fm.Field != "" {
				where = fmt.Sprintf("source system %q, %s field %s", src.Name, l.level, fm.Field)
			}
			c := compiled{FieldMapping: fm}
			switch l.level {
			case engine.LevelPerson:
				f, ok := fields.PersonField(fm.Field)
				if !ok {
					return nil, unknownField(where, fm.Field, l.level, fields)
				}
				c.def, c.setP = f.FieldDef, f.Set
			case engine.LevelContract:
				f, ok := fields.ContractField(fm.Field)
				if !ok {
					return nil, unknownField(where, fm.Field, l.level, fields)
				}
				c.def, c.setC = f.FieldDef, f.Set
			default:
				f, ok := fields.DepartmentField(fm.Field)
				if !ok {
					return nil, unknownField(where, fm.Field, l.level, fields)
				}
				c.def, c.setD = f.FieldDef, f.Set
			}
			if seen[fm.Field] {
				return nil, engine.Errorf(engine.Invalid, "%s: the field is mapped twice; keep one row", where)
			}
			seen[fm.Field] = true
			switch fm.Type {
			case engine.MapFixed:
				v, err := m.convertText(c.def, fm.Value)
				if err != nil {
					return nil, engine.Errorf(engine.Invalid, "%s: fixed value: %v", where, err)
				}
				c.fixed = v
			case engine.MapField:
				if strings.TrimSpace(fm.Value) == "" {
					return nil, engine.Errorf(engine.Invalid, "%s: choose the source field to map from", where)
				}
				if len(l.columns) > 0 && !contains(l.columns, fm.Value) {
					return nil, engine.Errorf(engine.Invalid, "%s: the source has no field %q (it has: %s)", where, fm.Value, strings.Join(l.columns, ", "))
				}
			case engine.MapComplex:
				sn, err := compileSnippet(fm.Field, fm.Value)
				if err != nil {
					return nil, engine.Errorf(engine.Invalid, "%s: %v", where, err)
				}
				c.snippet = sn
			default:
				return nil, engine.Errorf(engine.Invalid, "%s: mapping type %q must be fixed, field or complex", where, fm.Type)
			}
			if l.level == engine.LevelPerson && fm.Field == "ExternalId" {
				m.keyIsExternalID = false
			}
			*l.out = append(*l.out, c)
		}
	}
	if len(m.department) > 0 && !seenField(m.department, "ExternalId") {
		return nil, engine.Errorf(engine.Invalid, "source system %q: the department mapping must map ExternalId", src.Name)
	}
	return m, nil
}

func seenField(cs []compiled, path string) bool {
	for _, c := range cs {
		if c.Field == path {
			return true
		}
	}
	return false
}

func unknownField(where, path string, level engine.Level, fields *engine.Fields) error {
	if path == "" {
		return engine.Errorf(engine.Invalid, "%s: choose the field to map", where)
	}
	return engine.Errorf(engine.Invalid, "%s: there is no %s field %q%s", where, level, path, engine.SuggestPaths(path, fields.Defs(level)))
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// compileSnippet compiles the snippet of a field.
func compileSnippet(field, src string) (*snippet, error) {
	sn, err := CompileSnippet(field, src)
	if err != nil {
		return nil, err
	}
	return &snippet{field: field, Snippet: sn}, nil
}

// snippet is the compiled snippet of a field.
type snippet struct {
	field string
	*Snippet
}

// convertText reads a text value (from a fixed value or a source field) as
// the field's type.
func (m *Mapper) convertText(def engine.FieldDef, s string) (engine.Value, error) {
	v, err := engine.ParseValue(def.Type, s, m.dates)
	if err != nil {
		return v, err
	}
	return checkChoice(def, v)
}

func checkChoice(def engine.FieldDef, v engine.Value) (engine.Value, error) {
	if len(def.Choices) == 0 || v.Text == "" {
		return v, nil
	}
	t := strings.ToUpper(strings.TrimSpace(v.Text))
	for _, c := range def.Choices {
		if c == t {
			v.Text = c
			return v, nil
		}
	}
	return engine.Value{Type: v.Type}, fmt.Errorf("expected %s, got %q", orList(def.Choices), v.Text)
}

func orList(xs []string) string {
	if len(xs) == 1 {
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// SourceFields returns the source fields a mapping level reads through
// field mappings, sorted.
func (m *Mapper) SourceFields(level engine.Level) []string {
	var cs []compiled
	switch level {
	case engine.LevelPerson:
		cs = m.person
	case engine.LevelContract:
		cs = m.contract
	default:
		cs = m.department
	}
	var out []string
	for _, c := range cs {
		if c.Type == engine.MapField && !contains(out, c.Value) {
			out = append(out, c.Value)
		}
	}
	sort.Strings(out)
	return out
}

// MapsDepartments reports whether the mapping has department fields.
func (m *Mapper) MapsDepartments() bool { return len(m.department) > 0 }

// suggestField names the fields closest to an unknown one, for messages.
func suggestField(name string, fields []string) string {
	defs := make([]engine.FieldDef, 0, len(fields))
	for _, f := range fields {
		if f != "" {
			defs = append(defs, engine.FieldDef{Path: f})
		}
	}
	return engine.SuggestPaths(name, defs)
}
