package engine

import (
	"context"
	"fmt"
	"strings"
)

// RecordKind says what a raw record describes.
type RecordKind uint8

// The kinds of raw records.
const (
	// RecordPerson holds a person's fields (a row of a persons file).
	RecordPerson RecordKind = iota + 1
	// RecordContract holds a contract's fields and the key of its person.
	RecordContract
	// RecordPersonContract is a row holding a person's fields and one of
	// their contracts, as in an export with one row per contract.
	RecordPersonContract
	// RecordDepartment holds a department's fields.
	RecordDepartment
)

func (k RecordKind) String() string {
	switch k {
	case RecordPerson:
		return "person"
	case RecordContract:
		return "contract"
	case RecordPersonContract:
		return "person and contract"
	case RecordDepartment:
		return "department"
	}
	return fmt.Sprintf("kind %d", k)
}

// Header is the list of field names shared by the records of one file.
type Header struct {
	Names []string
	index map[string]int
}

// NewHeader indexes names; the first occurrence of a name wins.
func NewHeader(names []string) *Header {
	h := &Header{Names: names, index: make(map[string]int, len(names))}
	for i, n := range names {
		if _, dup := h.index[n]; !dup && n != "" {
			h.index[n] = i
		}
	}
	return h
}

// Index returns the position of the named field, or -1.
func (h *Header) Index(name string) int {
	if i, ok := h.index[name]; ok {
		return i
	}
	return -1
}

// RawRecord is one record exactly as a source system delivered it, before
// mapping: field names and text values, and where it came from.
type RawRecord struct {
	Kind RecordKind
	// PersonKey is the value of the person key: the person's own key for
	// person rows, the key of the person a contract belongs to.
	PersonKey string
	Header    *Header
	Values    []string
	// File and Line say where the record starts, for error messages.
	File string
	Line int
}

// Get returns the named field's value and whether the record has it.
func (r *RawRecord) Get(name string) (string, bool) {
	i := r.Header.Index(name)
	if i < 0 || i >= len(r.Values) {
		return "", false
	}
	return r.Values[i], true
}

// Where describes the record's origin, e.g. `persons.csv line 17`.
func (r *RawRecord) Where() string {
	if r.File == "" {
		return fmt.Sprintf("record %d", r.Line)
	}
	return fmt.Sprintf("%s line %d", r.File, r.Line)
}

// RecordError is a problem with one record of a source: a row that could
// not be read, a key that is missing. The import reports it and goes on.
type RecordError struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"`
	Person  string `json:"person,omitempty"` // the person key, when known
	Message string `json:"message"`
	// Blocking marks a problem that blocks the person (a required field).
	Blocking bool `json:"blocking,omitempty"`
}

func (e *RecordError) Error() string {
	s := e.File
	if e.Line > 0 {
		if s != "" {
			s += " "
		}
		s += fmt.Sprintf("line %d", e.Line)
	}
	if e.Field != "" {
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("field %q", e.Field)
	}
	if s != "" {
		s += ": "
	}
	return s + e.Message
}

// ReadProgress reports how far a source connector has read, in units it
// chooses (bytes for files); total is 0 when unknown.
type ReadProgress func(done, total int64)

// SourceConnector reads a source system. It streams raw records and does
// not map them.
type SourceConnector interface {
	// Read streams every record to emit, in source order; for a source
	// with separate files, departments first, then persons, then
	// contracts. A record that cannot be read is passed to onError and
	// skipped. Read returns the first error emit returns, a Canceled
	// error when ctx is done, or an Invalid error when the source cannot
	// be read at all (a missing file, a missing key column); the message
	// names the file and what was expected. Each record passed to emit is
	// new: emit may keep it, and values mapped from it may keep its
	// strings, so a record's values should share memory only with each
	// other (one string per row is typical), never with a read buffer.
	Read(ctx context.Context, emit func(rec *RawRecord) error, onError func(*RecordError), progress ReadProgress) error
	// Describe returns the field names of each record kind, for mapping
	// editors, without reading whole files.
	Describe(ctx context.Context) (SourceDescription, error)
}

// SourceDescription lists the fields a source system offers.
type SourceDescription struct {
	PersonFields     []string
	ContractFields   []string
	DepartmentFields []string
}

// SettingKind says how a connector setting is entered and stored.
type SettingKind string

// The kinds of connector settings.
const (
	SettingText   SettingKind = "text"
	SettingFile   SettingKind = "file"   // a path; relative paths are relative to the workspace folder
	SettingChoice SettingKind = "choice" // one of Choices
	SettingSecret SettingKind = "secret" // stored in the keychain; the setting holds its reference
	SettingNumber SettingKind = "number"
	SettingBool   SettingKind = "bool"
)

// SettingDef describes one setting of a connector kind, so that forms can
// be built from it and configurations checked against it.
type SettingDef struct {
	Key      string      `json:"key"`
	Label    string      `json:"label"`
	Help     string      `json:"help,omitempty"`
	Kind     SettingKind `json:"kind"`
	Choices  []Choice    `json:"choices,omitempty"`
	Default  string      `json:"default,omitempty"`
	Required bool        `json:"required,omitempty"`
	// ShownWhen, when set, shows (and requires) the setting only while
	// another setting has one of the given values: {"layout": ["split"]}.
	ShownWhen map[string][]string `json:"shownWhen,omitempty"`
}

// Choice is one allowed value of a choice setting.
type Choice struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Applies reports whether the setting is in use under the given settings.
func (d SettingDef) Applies(settings map[string]string) bool {
	for key, values := range d.ShownWhen {
		v := settings[key]
		ok := false
		for _, want := range values {
			ok = ok || v == want
		}
		if !ok {
			return false
		}
	}
	return true
}

// Value returns the setting's value in settings, or its default.
func (d SettingDef) Value(settings map[string]string) string {
	if v, ok := settings[d.Key]; ok && v != "" {
		return v
	}
	return d.Default
}

// CheckSettings checks settings against their definitions: required
// settings are present and choices are valid. A setting that another one
// is shown for counts with its default when it is not set, as connectors
// read it.
func CheckSettings(defs []SettingDef, settings map[string]string) error {
	effective := make(map[string]string, len(settings)+len(defs))
	for k, v := range settings {
		effective[k] = v
	}
	for _, d := range defs {
		effective[d.Key] = d.Value(settings)
	}
	for _, d := range defs {
		if !d.Applies(effective) {
			continue
		}
		v := effective[d.Key]
		if d.Required && strings.TrimSpace(v) == "" {
			return Errorf(Invalid, "setting %q (%s) is required", d.Label, d.Key)
		}
		if d.Kind == SettingChoice && v != "" {
			ok := false
			var allowed []string
			for _, c := range d.Choices {
				ok = ok || c.Value == v
				allowed = append(allowed, c.Value)
			}
			if !ok {
				return Errorf(Invalid, "setting %q (%s): %q is not one of %v", d.Label, d.Key, v, allowed)
			}
		}
	}
	return nil
}

// ConnectorEnv is what a connector gets from the workspace besides its
// settings.
type ConnectorEnv struct {
	// BaseDir is the workspace folder; relative file settings are
	// relative to it.
	BaseDir string
	Secrets Secrets
}

// SourceKind describes a kind of source connector: its settings, for forms
// and checks, and how to make one.
type SourceKind struct {
	Kind        string
	Label       string
	Description string
	Settings    []SettingDef
	// New checks settings and returns a connector; it does not read the
	// source yet.
	New func(settings map[string]string, env ConnectorEnv) (SourceConnector, error)
}
