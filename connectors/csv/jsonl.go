package csv

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"provisio/engine"
)

// A JSON Lines file holds a JSON object per line. Objects are flattened
// into fields: a nested object's fields get dotted names (name.given),
// scalars become text as written (null becomes empty), an array of
// scalars becomes its values joined by commas, and any other array its
// compact JSON text. Each line is read with encoding/json's token stream,
// which keeps the fields in the order they are written and numbers as
// they are written.

// describeRecords is how many records of a JSON Lines file Describe reads
// to collect field names.
const describeRecords = 200

// maxDepth limits the nesting of objects and arrays on a line.
const maxDepth = 100

// maxShapes is how many distinct sets of field names a JSON Lines file
// keeps a shared header for.
const maxShapes = 16

// lineReader reads a file line by line, however long its lines.
type lineReader struct {
	br     *bufio.Reader
	long   []byte // a line longer than the buffer
	line   int    // the number of the line last returned
	offset int64  // bytes read
}

// next returns the next line without its line end, or io.EOF.
func (lr *lineReader) next() ([]byte, error) {
	lr.long = lr.long[:0]
	for {
		b, err := lr.br.ReadSlice('\n')
		lr.offset += int64(len(b))
		if err == bufio.ErrBufferFull {
			lr.long = append(lr.long, b...)
			continue
		}
		if len(lr.long) > 0 {
			lr.long = append(lr.long, b...)
			b = lr.long
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if len(b) == 0 {
			return nil, io.EOF
		}
		lr.line++
		b = bytes.TrimSuffix(b, []byte{'\n'})
		return bytes.TrimSuffix(b, []byte{'\r'}), nil
	}
}

// fields holds the flattened fields of one object, in the order written.
type fields struct {
	names  []string
	values []string
}

func (f *fields) reset() {
	f.names, f.values = f.names[:0], f.values[:0]
}

func (f *fields) add(name, value string) {
	f.names = append(f.names, name)
	f.values = append(f.values, value)
}

// shape is a list of field names seen in a file, with the header its
// records share.
type shape struct {
	names  []string
	header *engine.Header
	keep   []int // for each header column, the field holding its value
	key    int   // the header index of the person key, or -1
}

// columns returns the record's values in the shape's column order.
func (f *fields) columns(s *shape) []string {
	out := make([]string, len(s.keep))
	for k, i := range s.keep {
		out[k] = f.values[i]
	}
	return out
}

// flattener reads the lines of a JSON Lines file into fields.
type flattener struct {
	text textDecoder
	// contractsField, when set, names the top-level field whose objects
	// are the person's contracts; they go to contracts.
	contractsField string
	person         fields
	contracts      []fields
	// checkUTF8 is set when the encoding is UTF-8 and the line is not
	// valid UTF-8; bad then names the first field holding such text.
	checkUTF8 bool
	bad       string
	line      []byte // the line being read, as UTF-8
	buf       []byte // the line decoded to UTF-8
}

// parse flattens the object on raw into person and, when contractsField
// is set, the person's contracts.
func (p *flattener) parse(raw []byte) error {
	p.line, p.bad = p.toUTF8(raw), ""
	p.checkUTF8 = p.text.mode == textUTF8 && !utf8.Valid(raw)
	p.person.reset()
	p.contracts = p.contracts[:0]

	d := json.NewDecoder(bytes.NewReader(p.line))
	d.UseNumber()
	t, err := d.Token()
	if err == nil {
		if t != json.Delim('{') {
			found := "a single value"
			if t == json.Delim('[') {
				found = "an array"
			}
			return fmt.Errorf("expected an object ({...}), found %s", found)
		}
		err = p.object(d, &p.person, "", 1, true)
	}
	var syntax *json.SyntaxError
	switch {
	case err == nil:
		if _, err := d.Token(); err != io.EOF {
			return invalidJSON(raw) // something follows the object
		}
		return nil
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("not valid JSON: the line ends before the object does; a closing quote, bracket or brace is missing")
	case errors.As(err, &syntax):
		return invalidJSON(raw)
	}
	return err
}

// invalidJSON says where and why line is not valid JSON. The errors of
// json.Decoder.Token do not give a reliable position in the line, but
// json.Unmarshal checks the whole line first and does.
func invalidJSON(line []byte) error {
	var syntax *json.SyntaxError
	if err := json.Unmarshal(line, new(any)); errors.As(err, &syntax) {
		return fmt.Errorf("not valid JSON at column %d: %s", syntax.Offset, syntax.Error())
	}
	return errors.New("not valid JSON")
}

// toUTF8 returns the line as UTF-8, which is what encoding/json reads:
// it would turn the bytes of other encodings into U+FFFD.
func (p *flattener) toUTF8(raw []byte) []byte {
	switch {
	case p.text.mode == textCharmap:
		if !isASCII(raw) {
			p.buf = appendDecoded(p.text.table, p.buf[:0], raw)
			return p.buf
		}
	case p.text.mode == textAuto && !utf8.Valid(raw):
		// Bytes that are not UTF-8 are Windows-1252; the rest of the line
		// stays as it is, so UTF-8 text beside them reads correctly.
		p.buf = p.buf[:0]
		for len(raw) > 0 {
			r, n := utf8.DecodeRune(raw)
			if r == utf8.RuneError && n == 1 {
				p.buf = append(p.buf, windows1252[raw[0]]...)
			} else {
				p.buf = append(p.buf, raw[:n]...)
			}
			raw = raw[n:]
		}
		return p.buf
	}
	return raw
}

// token returns the next token inside the object of a line, where the
// end of the line is an error.
func token(d *json.Decoder) (json.Token, error) {
	t, err := d.Token()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return t, err
}

var errTooDeep = fmt.Errorf("nested more than %d levels deep", maxDepth)

// object flattens the fields of the object whose '{' was just read into
// f, naming them after prefix.
func (p *flattener) object(d *json.Decoder, f *fields, prefix string, depth int, top bool) error {
	if depth > maxDepth {
		return errTooDeep
	}
	for d.More() {
		start := d.InputOffset()
		t, err := token(d)
		if err != nil {
			return err
		}
		key, _ := t.(string) // for a key, Token returns a string or an error
		name := prefix + key
		if t, err = token(d); err != nil {
			return err
		}
		if top && key == p.contractsField && p.contractsField != "" {
			err = p.contractList(d, t, name, depth)
		} else {
			err = p.value(d, t, f, name, depth)
		}
		if err != nil {
			return err
		}
		if p.checkUTF8 && p.bad == "" && !utf8.Valid(p.line[start:d.InputOffset()]) {
			p.bad = name
		}
	}
	_, err := token(d) // '}'
	return err
}

// value flattens the value that starts with t into f under name.
func (p *flattener) value(d *json.Decoder, t json.Token, f *fields, name string, depth int) error {
	switch t {
	case json.Delim('{'):
		return p.object(d, f, name+".", depth+1, false)
	case json.Delim('['):
		s, err := p.array(d, depth+1)
		if err != nil {
			return err
		}
		f.add(name, s)
		return nil
	}
	f.add(name, scalar(t))
	return nil
}

// scalar returns the text of a string, number, true, false or null.
func scalar(t json.Token) string {
	switch v := t.(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return ""
}

// array returns the text of the array whose '[' was just read: its values
// joined by commas when they are all scalars, else its compact JSON text.
func (p *flattener) array(d *json.Decoder, depth int) (string, error) {
	if depth > maxDepth {
		return "", errTooDeep
	}
	start := d.InputOffset() - 1
	var joined []byte
	for i := 0; d.More(); i++ {
		t, err := token(d)
		if err != nil {
			return "", err
		}
		if _, nested := t.(json.Delim); nested {
			// Read to the end of this value and of the array.
			if err := skip(d, depth+1, 2); err != nil {
				return "", err
			}
			var b bytes.Buffer
			if err := json.Compact(&b, p.line[start:d.InputOffset()]); err != nil {
				return "", err
			}
			return b.String(), nil
		}
		if i > 0 {
			joined = append(joined, ',')
		}
		joined = append(joined, scalar(t)...)
	}
	_, err := token(d) // ']'
	return string(joined), err
}

// skip reads tokens until open arrays or objects have ended; the
// innermost is at depth.
func skip(d *json.Decoder, depth, open int) error {
	for open > 0 {
		if depth > maxDepth {
			return errTooDeep
		}
		t, err := token(d)
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			open++
			depth++
		case json.Delim('}'), json.Delim(']'):
			open--
			depth--
		}
	}
	return nil
}

// contractList reads the person's contracts, which start with t: an array
// of objects, one object, or null.
func (p *flattener) contractList(d *json.Decoder, t json.Token, name string, depth int) error {
	switch t {
	case nil:
		return nil
	case json.Delim('{'):
		return p.contract(d, depth+1)
	case json.Delim('['):
	default:
		return fmt.Errorf("the field %q should hold the person's contracts: an array of objects", name)
	}
	for i := 1; d.More(); i++ {
		t, err := token(d)
		if err != nil {
			return err
		}
		if t != json.Delim('{') {
			return fmt.Errorf("the field %q should hold the person's contracts, but item %d is not an object", name, i)
		}
		if err := p.contract(d, depth+2); err != nil {
			return err
		}
	}
	_, err := token(d) // ']'
	return err
}

// contract reads a contract object whose '{' was just read; its fields
// are named from the contract object.
func (p *flattener) contract(d *json.Decoder, depth int) error {
	if len(p.contracts) == cap(p.contracts) {
		p.contracts = append(p.contracts, fields{})
	} else {
		p.contracts = p.contracts[:len(p.contracts)+1] // reusing an earlier line's storage
	}
	c := &p.contracts[len(p.contracts)-1]
	c.reset()
	return p.object(d, c, "", depth, false)
}

// jsonFile is an open JSON Lines file.
type jsonFile struct {
	*sourceFile
	lines   lineReader
	p       flattener
	shapes  []*shape
	pending int  // the line of an object checkKey read ahead, or 0
	ended   bool // checkKey found no object
}

func (c *Connector) startJSONL(f *sourceFile, h io.Reader) *jsonFile {
	br := bufio.NewReaderSize(h, bufferSize)
	j := &jsonFile{sourceFile: f, lines: lineReader{br: br}}
	j.lines.offset = skipBOM(br)
	j.p.text = c.text
	if f.role == roleSingle {
		j.p.contractsField = c.contractsField
	}
	return j
}

// next parses the next line holding an object; a line that is not valid
// is passed to bad. tick is called with the bytes read after every line.
func (j *jsonFile) next(bad func(*engine.RecordError), tick func(int64) error) (line int, err error) {
	for {
		b, err := j.lines.next()
		if err == io.EOF {
			return 0, err
		}
		if err != nil {
			return 0, j.readErr(err)
		}
		if err := tick(j.lines.offset); err != nil {
			return 0, err
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if err := j.p.parse(b); err != nil {
			bad(j.recordError(j.lines.line, "", "", "%v", err))
			continue
		}
		if j.p.bad != "" {
			bad(j.recordError(j.lines.line, j.p.bad, "", "%s", notUTF8))
			continue
		}
		return j.lines.line, nil
	}
}

// shapeOf returns the shape of the fields, shared with earlier records
// holding the same names.
func (j *jsonFile) shapeOf(f *fields) *shape {
	for i := len(j.shapes) - 1; i >= 0; i-- {
		if s := j.shapes[i]; slices.Equal(s.names, f.names) {
			return s
		}
	}
	names := make([]string, 0, len(f.names))
	keep := make([]int, 0, len(f.names))
	index := make(map[string]int, len(f.names))
	for i, name := range f.names {
		if k, dup := index[name]; dup {
			keep[k] = i // a repeated name: the last value wins, as in encoding/json
			continue
		}
		index[name] = len(names)
		names = append(names, name)
		keep = append(keep, i)
	}
	s := &shape{names: slices.Clone(f.names), header: engine.NewHeader(names), keep: keep, key: -1}
	if j.key != "" {
		s.key = s.header.Index(j.key)
	}
	if len(j.shapes) == maxShapes {
		j.shapes = slices.Delete(j.shapes, 0, 1)
	}
	j.shapes = append(j.shapes, s)
	return s
}

// checkKey reads ahead to the first object of the file and fails when it
// lacks the person key field: like a CSV header without the key column,
// that means the setting is wrong rather than the file. Later objects
// without the key are reported one by one.
func (j *jsonFile) checkKey(bad func(*engine.RecordError)) error {
	if j.key == "" {
		return nil
	}
	line, err := j.next(bad, func(int64) error { return nil })
	if err == io.EOF {
		j.ended = true
		return nil
	}
	if err != nil {
		return err
	}
	if s := j.shapeOf(&j.p.person); s.key < 0 {
		return j.missingKey("field", s.header.Names)
	}
	j.pending = line
	return nil
}

// nextObject is next, starting with an object checkKey read ahead.
func (j *jsonFile) nextObject(bad func(*engine.RecordError), tick func(int64) error) (int, error) {
	if line := j.pending; line > 0 {
		j.pending = 0
		return line, nil
	}
	if j.ended {
		return 0, io.EOF
	}
	return j.next(bad, tick)
}

// read streams the records of a JSON Lines file.
func (j *jsonFile) read(r *reader) error {
	kind := j.kind()
	for {
		line, err := j.nextObject(r.onError, r.tick)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		s := j.shapeOf(&j.p.person)
		rec := &engine.RawRecord{Kind: kind, Header: s.header, Values: j.p.person.columns(s), File: j.name, Line: line}
		if j.key != "" {
			if s.key < 0 {
				r.onError(j.recordError(line, j.key, "", "the person key field %q is missing; the line is skipped", j.key))
				continue
			}
			key := strings.TrimSpace(rec.Values[s.key])
			if key == "" {
				r.onError(j.recordError(line, j.key, "", "the person key field %q is empty; the line is skipped", j.key))
				continue
			}
			rec.PersonKey = key
		}
		if err := r.emit(rec); err != nil {
			return err
		}
		for i := range j.p.contracts {
			cf := &j.p.contracts[i]
			s := j.shapeOf(cf)
			crec := &engine.RawRecord{Kind: engine.RecordContract, PersonKey: rec.PersonKey, Header: s.header, Values: cf.columns(s), File: j.name, Line: line}
			if err := r.emit(crec); err != nil {
				return err
			}
		}
	}
}

// union collects field names in the order first seen.
type union struct {
	names []string
	seen  map[string]bool
}

func (u *union) add(f *fields) {
	if u.seen == nil {
		u.seen = map[string]bool{}
	}
	for _, name := range f.names {
		if !u.seen[name] {
			u.seen[name] = true
			u.names = append(u.names, name)
		}
	}
}

// describeJSONL returns the field names of the first records of a JSON
// Lines file, and of their contracts.
func (c *Connector) describeJSONL(f *sourceFile) (person, contract []string, err error) {
	h, _, err := f.open()
	if err != nil {
		return nil, nil, err
	}
	defer h.Close()
	j := c.startJSONL(f, h)
	ignore := func(*engine.RecordError) {}
	if err := j.checkKey(ignore); err != nil {
		return nil, nil, err
	}
	var pu, cu union
	for records := 0; records < describeRecords; records++ {
		_, err := j.nextObject(ignore, func(int64) error { return nil })
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		pu.add(&j.p.person)
		for i := range j.p.contracts {
			cu.add(&j.p.contracts[i])
		}
	}
	return pu.names, cu.names, nil
}
