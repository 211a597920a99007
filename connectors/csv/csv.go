// Package csv is the source connector for files exported by an HR system:
// CSV (any common delimiter and encoding) and JSON Lines. It reads either one
// file with a row per contract, or a persons file and a contracts file joined
// by person key, each with an optional departments file, and streams their
// rows as raw records without mapping them.
//
// Files are read as streams: memory stays proportional to one row, whatever
// the size of the file.
package csv

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
	settingLayout            = "layout"
	settingFile              = "file"
	settingPersonsFile       = "personsFile"
	settingContractsFile     = "contractsFile"
	settingDepartmentsFile   = "departmentsFile"
	settingFormat            = "format"
	settingDelimiter         = "delimiter"
	settingEncoding          = "encoding"
	settingPersonKey         = "personKey"
	settingContractPersonKey = "contractPersonKey"
	settingContractsField    = "contractsField"
)

// The values of the layout, format and encoding settings.
const (
	layoutSingle = "single"
	layoutSplit  = "split"

	formatAuto  = "auto"
	formatCSV   = "csv"
	formatJSONL = "jsonl"

	encodingAuto    = "auto"
	encodingUTF8    = "utf-8"
	encodingWindows = "windows-1252"
	encodingLatin1  = "iso-8859-1"
)

var settings = []engine.SettingDef{
	{
		Key: settingLayout, Label: "Layout", Kind: engine.SettingChoice, Default: layoutSingle,
		Help: "One file with a row per contract (the person's columns repeated on each row), or a persons file and a contracts file joined by the person key.",
		Choices: []engine.Choice{
			{Value: layoutSingle, Label: "One file, a row per contract"},
			{Value: layoutSplit, Label: "A persons file and a contracts file"},
		},
	},
	{
		Key: settingFile, Label: "File", Kind: engine.SettingFile, Required: true,
		Help:      "The export to read. A relative path is relative to the workspace folder.",
		ShownWhen: map[string][]string{settingLayout: {layoutSingle}},
	},
	{
		Key: settingPersonsFile, Label: "Persons file", Kind: engine.SettingFile, Required: true,
		Help:      "The file with a row per person. A relative path is relative to the workspace folder.",
		ShownWhen: map[string][]string{settingLayout: {layoutSplit}},
	},
	{
		Key: settingContractsFile, Label: "Contracts file", Kind: engine.SettingFile, Required: true,
		Help:      "The file with a row per contract, each naming its person's key. A relative path is relative to the workspace folder.",
		ShownWhen: map[string][]string{settingLayout: {layoutSplit}},
	},
	{
		Key: settingDepartmentsFile, Label: "Departments file", Kind: engine.SettingFile,
		Help: "Optional: a file with a row per department. A relative path is relative to the workspace folder.",
	},
	{
		Key: settingFormat, Label: "Format", Kind: engine.SettingChoice, Default: formatAuto,
		Help: "Automatic reads files ending in .jsonl or .ndjson as JSON Lines and any other file as CSV.",
		Choices: []engine.Choice{
			{Value: formatAuto, Label: "Automatic, by file extension"},
			{Value: formatCSV, Label: "CSV"},
			{Value: formatJSONL, Label: "JSON Lines (one JSON object per line)"},
		},
	},
	{
		Key: settingDelimiter, Label: "Delimiter", Kind: engine.SettingChoice, Default: "auto",
		Help: "The character between CSV columns. Detect looks at the header line and picks the most frequent of comma, semicolon, tab and pipe.",
		Choices: []engine.Choice{
			{Value: "auto", Label: "Detect"},
			{Value: ",", Label: "Comma (,)"},
			{Value: ";", Label: "Semicolon (;)"},
			{Value: "tab", Label: "Tab"},
			{Value: "|", Label: "Pipe (|)"},
		},
	},
	{
		Key: settingEncoding, Label: "Encoding", Kind: engine.SettingChoice, Default: encodingAuto,
		Help: "Automatic reads UTF-8 and falls back to Windows-1252 for text that is not valid UTF-8.",
		Choices: []engine.Choice{
			{Value: encodingAuto, Label: "Automatic (UTF-8, else Windows-1252)"},
			{Value: encodingUTF8, Label: "UTF-8"},
			{Value: encodingWindows, Label: "Windows-1252 (Western European, Windows)"},
			{Value: encodingLatin1, Label: "ISO-8859-1 (Latin-1)"},
		},
	},
	{
		Key: settingPersonKey, Label: "Person key column", Kind: engine.SettingText, Required: true,
		Help: "The column (or JSON field) that identifies a person, in the file or in the persons file, such as an employee number.",
	},
	{
		Key: settingContractPersonKey, Label: "Person key column in the contracts file", Kind: engine.SettingText,
		Help:      "The column of the contracts file that holds the key of the contract's person. Empty means the same name as the person key column.",
		ShownWhen: map[string][]string{settingLayout: {layoutSplit}},
	},
	{
		Key: settingContractsField, Label: "Contracts field", Kind: engine.SettingText, Default: "contracts",
		Help:      "For a JSON Lines file with a line per person: the array field holding the person's contracts.",
		ShownWhen: map[string][]string{settingLayout: {layoutSingle}, settingFormat: {formatAuto, formatJSONL}},
	},
}

// Kind describes the CSV and JSON Lines source connector for the registry.
func Kind() engine.SourceKind {
	return engine.SourceKind{
		Kind:        "csv",
		Label:       "CSV or JSON Lines files",
		Description: "Reads an HR export from CSV or JSON Lines files: one file with a row per contract, or a persons file and a contracts file, optionally with a departments file.",
		Settings:    slices.Clone(settings),
		New: func(s map[string]string, env engine.ConnectorEnv) (engine.SourceConnector, error) {
			c, err := New(s, env)
			if err != nil {
				return nil, err // not a nil *Connector in a non-nil interface
			}
			return c, nil
		},
	}
}

// Connector reads persons, contracts and departments from CSV or JSON Lines
// files. It is safe to call Read and Describe from several goroutines; each
// call opens its own files.
type Connector struct {
	files          []*sourceFile // in reading order: departments, persons, contracts
	delimiter      rune          // 0 detects it per file
	text           textDecoder
	contractsField string // JSON Lines, single layout: the array of contracts
}

var _ engine.SourceConnector = (*Connector)(nil)

// role says what the rows of a file are.
type role uint8

const (
	roleSingle role = iota + 1 // a person and one of their contracts per row
	rolePersons
	roleContracts
	roleDepartments
)

// sourceFile is one file of the source and how to read it.
type sourceFile struct {
	role    role
	what    string // for messages: "persons file"
	setting string // the setting that names it
	abs     string // resolved against the workspace folder
	name    string // the base name, for record errors
	jsonl   bool
	key     string // the person key column; "" for departments
}

func (f *sourceFile) kind() engine.RecordKind {
	switch f.role {
	case roleSingle:
		if f.jsonl {
			return engine.RecordPerson // followed by its contracts
		}
		return engine.RecordPersonContract
	case rolePersons:
		return engine.RecordPerson
	case roleContracts:
		return engine.RecordContract
	}
	return engine.RecordDepartment
}

// New checks settings and returns a connector. It does not open the files:
// a missing file is reported by Read and Describe.
func New(s map[string]string, env engine.ConnectorEnv) (*Connector, error) {
	// Fill in defaults first: SettingDef.Applies looks at the raw value of
	// the controlling setting, so an unset layout would otherwise hide the
	// required file setting from CheckSettings.
	vals := make(map[string]string, len(settings))
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
	c := &Connector{contractsField: vals[settingContractsField]}

	switch vals[settingDelimiter] {
	case "auto":
	case "tab":
		c.delimiter = '\t'
	default:
		c.delimiter = rune(vals[settingDelimiter][0])
	}
	switch vals[settingEncoding] {
	case encodingUTF8:
		c.text = textDecoder{mode: textUTF8}
	case encodingWindows:
		c.text = textDecoder{mode: textCharmap, table: windows1252}
	case encodingLatin1:
		c.text = textDecoder{mode: textCharmap, table: latin1}
	default:
		c.text = textDecoder{mode: textAuto}
	}

	personKey := vals[settingPersonKey]
	contractKey := vals[settingContractPersonKey]
	if contractKey == "" {
		contractKey = personKey
	}
	add := func(r role, what, setting, key string) {
		p := vals[setting]
		abs := p
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(env.BaseDir, abs)
		}
		f := &sourceFile{role: r, what: what, setting: setting, abs: abs, name: filepath.Base(p), key: key}
		switch vals[settingFormat] {
		case formatJSONL:
			f.jsonl = true
		case formatAuto:
			ext := strings.ToLower(filepath.Ext(p))
			f.jsonl = ext == ".jsonl" || ext == ".ndjson"
		}
		c.files = append(c.files, f)
	}
	if vals[settingDepartmentsFile] != "" {
		add(roleDepartments, "departments file", settingDepartmentsFile, "")
	}
	if vals[settingLayout] == layoutSplit {
		add(rolePersons, "persons file", settingPersonsFile, personKey)
		add(roleContracts, "contracts file", settingContractsFile, contractKey)
	} else {
		add(roleSingle, "file", settingFile, personKey)
		if f := c.files[len(c.files)-1]; f.jsonl && c.contractsField == personKey {
			return nil, engine.Errorf(engine.Invalid, "setting %q (%s): the contracts field cannot also be the person key %q", "Contracts field", settingContractsField, personKey)
		}
	}
	return c, nil
}

// open opens a file of the source, turning the usual mistakes into Invalid
// errors that say which setting to fix.
func (f *sourceFile) open() (*os.File, int64, error) {
	h, err := os.Open(f.abs)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, 0, engine.Errorf(engine.Invalid, "%s %s: %s does not exist; check the setting %q", f.what, f.name, f.abs, f.setting)
		case errors.Is(err, fs.ErrPermission):
			return nil, 0, engine.Errorf(engine.Invalid, "%s %s: Provisio may not read %s; check the file's permissions", f.what, f.name, f.abs)
		}
		return nil, 0, engine.Wrap(engine.Unavailable, err, "%s %s", f.what, f.name)
	}
	st, err := h.Stat()
	if err != nil {
		h.Close()
		return nil, 0, engine.Wrap(engine.Unavailable, err, "%s %s", f.what, f.name)
	}
	if st.IsDir() {
		h.Close()
		return nil, 0, engine.Errorf(engine.Invalid, "%s %s: %s is a folder, not a file; check the setting %q", f.what, f.name, f.abs, f.setting)
	}
	return h, st.Size(), nil
}

// readErr reports an error reading an open file, which is no fault of the
// configuration: a disk or network share that failed.
func (f *sourceFile) readErr(err error) error {
	return engine.Wrap(engine.Unavailable, err, "reading %s %s", f.what, f.name)
}

// missingKey is the error for a key column absent from a file.
func (f *sourceFile) missingKey(thing string, names []string) error {
	var found []string
	hint := ""
	for _, n := range names {
		if n == "" {
			continue
		}
		found = append(found, fmt.Sprintf("%q", n))
		if hint == "" && strings.EqualFold(n, f.key) {
			hint = fmt.Sprintf(" (did you mean %q? names are case-sensitive)", n)
		}
	}
	if hint == "" && len(found) == 1 {
		// one column whose name holds another delimiter: the wrong delimiter
		for _, d := range []string{",", ";", "\t", "|"} {
			if strings.Count(names[0], d) > 0 && strings.Contains(names[0], f.key) {
				shown := d
				if d == "\t" {
					shown = "tab"
				}
				hint = fmt.Sprintf(" (the header reads as one column: is the delimiter %q? set it, or choose Detect)", shown)
				break
			}
		}
	}
	list := "none"
	if len(found) > 0 {
		list = strings.Join(found, ", ")
	}
	return engine.Errorf(engine.Invalid, "%s %s has no %s %q, which should hold the person key%s; the %ss found are: %s", f.what, f.name, thing, f.key, hint, thing, list)
}

// reader is the state of one Read call.
type reader struct {
	ctx      context.Context
	emit     func(*engine.RawRecord) error
	onError  func(*engine.RecordError)
	progress engine.ReadProgress
	total    int64 // bytes in all files
	base     int64 // bytes in the files already read
	rows     int   // rows read, for pacing cancellation checks and progress
	// fatal is a problem with a row that makes the rest of the file
	// unreliable (a quote never closed, the wrong encoding): the read
	// stops with it rather than drop persons.
	fatal error
}

// checkEvery is how many rows pass between checks of the context and
// progress reports: often enough to cancel within milliseconds, rarely
// enough to cost nothing.
const checkEvery = 4096

// tick is called once per row with the bytes read so far in the current
// file; every checkEvery rows it reports progress and checks the context.
func (r *reader) tick(offset int64) error {
	r.rows++
	if r.rows%checkEvery != 0 {
		return nil
	}
	if err := engine.CheckCanceled(r.ctx); err != nil {
		return err
	}
	r.progress(min(r.base+offset, r.total), r.total)
	return nil
}

// Read streams the records of every file: departments first, then persons,
// then contracts. See engine.SourceConnector.
func (c *Connector) Read(ctx context.Context, emit func(*engine.RawRecord) error, onError func(*engine.RecordError), progress engine.ReadProgress) error {
	if err := engine.CheckCanceled(ctx); err != nil {
		return err
	}
	if onError == nil {
		onError = func(*engine.RecordError) {}
	}
	if progress == nil {
		progress = func(int64, int64) {}
	}
	// Open every file and check its header before emitting anything, so
	// that a missing contracts file or key column fails the read at once.
	r := &reader{ctx: ctx, emit: emit, onError: onError, progress: progress}
	handles := make([]*os.File, 0, len(c.files))
	defer func() {
		for _, h := range handles {
			h.Close()
		}
	}()
	streams := make([]interface{ read(*reader) error }, len(c.files))
	sizes := make([]int64, len(c.files))
	for i, f := range c.files {
		h, size, err := f.open()
		if err != nil {
			return err
		}
		handles = append(handles, h)
		sizes[i] = size
		r.total += size
		if f.jsonl {
			j := c.startJSONL(f, h)
			if err := j.checkKey(onError); err != nil {
				return err
			}
			streams[i] = j
		} else {
			cf, err := c.startCSV(f, h)
			if err != nil {
				return err
			}
			streams[i] = cf
		}
	}
	for i, s := range streams {
		if err := s.read(r); err != nil {
			return err
		}
		r.base += sizes[i]
	}
	if err := engine.CheckCanceled(ctx); err != nil {
		return err
	}
	progress(r.total, r.total)
	return nil
}

// Describe returns the field names of each record kind: the header line of
// a CSV file, the fields of the first records of a JSON Lines file.
func (c *Connector) Describe(ctx context.Context) (engine.SourceDescription, error) {
	var d engine.SourceDescription
	for _, f := range c.files {
		if err := engine.CheckCanceled(ctx); err != nil {
			return engine.SourceDescription{}, err
		}
		var person, contract []string
		var err error
		if f.jsonl {
			person, contract, err = c.describeJSONL(f)
		} else {
			person, err = c.describeCSV(f)
			contract = slices.Clone(person)
		}
		if err != nil {
			return engine.SourceDescription{}, err
		}
		switch f.role {
		case roleSingle:
			d.PersonFields, d.ContractFields = person, contract
		case rolePersons:
			d.PersonFields = person
		case roleContracts:
			d.ContractFields = person
		case roleDepartments:
			d.DepartmentFields = person
		}
	}
	return d, nil
}

// recordError builds a per-row error.
func (f *sourceFile) recordError(line int, field, person, format string, args ...any) *engine.RecordError {
	return &engine.RecordError{File: f.name, Line: line, Field: field, Person: person, Message: fmt.Sprintf(format, args...)}
}
