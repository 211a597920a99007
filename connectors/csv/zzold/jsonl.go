package zzold

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"

)

// A JSON Lines file holds a JSON object per line. Objects are flattened
// into fields: a nested object's fields get dotted names (name.given),
// scalars become text as written (null becomes empty), an array of
// scalars becomes its values joined by commas, and any other array its
// compact JSON text. The parser below does that in one pass over the line,
// in the order the fields are written, without building maps or trees; it
// accepts exactly the JSON that encoding/json accepts.

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

// flatFields collects the flattened fields of one object: names and values
// concatenated, with the end offset of each.
type flatFields struct {
	names    []byte
	nameEnds []int
	vals     []byte
	valEnds  []int
}

func (b *flatFields) reset() {
	b.names, b.nameEnds, b.vals, b.valEnds = b.names[:0], b.nameEnds[:0], b.vals[:0], b.valEnds[:0]
}

// end closes a field whose value has been appended to vals.
func (b *flatFields) end(name []byte) {
	b.names = append(b.names, name...)
	b.nameEnds = append(b.nameEnds, len(b.names))
	b.valEnds = append(b.valEnds, len(b.vals))
}

// each calls fn with each field name, in order.
func (b *flatFields) each(fn func(name []byte)) {
	start := 0
	for _, end := range b.nameEnds {
		fn(b.names[start:end])
		start = end
	}
}

// jsonParser flattens one line at a time.
type jsonParser struct {
	data  []byte
	pos   int
	depth int
	text  textDecoder
	// prefix is the dotted name of the field being parsed.
	prefix []byte
	// contractsField, when set, names the top-level array whose objects
	// are the person's contracts; they go to contracts[:nContracts].
	contractsField string
	contracts      []*flatFields
	nContracts     int
	// invalid counts text that is not valid UTF-8 (UTF-8 encoding only);
	// bad names the first field holding such text.
	invalid int
	bad     string
	scratch []byte
}

// syntaxError says where and why a line is not valid JSON.
type syntaxError struct {
	col int
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("not valid JSON at column %d: %s", e.col, e.msg)
}

func (p *jsonParser) fail(format string, args ...any) error {
	return &syntaxError{col: p.pos + 1, msg: fmt.Sprintf(format, args...)}
}

// found describes what is at the current position, for error messages.
func (p *jsonParser) found() string {
	if p.pos >= len(p.data) {
		return "the end of the line"
	}
	c := p.data[p.pos]
	if c >= utf8.RuneSelf {
		return fmt.Sprintf("byte 0x%02X", c)
	}
	return fmt.Sprintf("%q", rune(c))
}

func (p *jsonParser) peek() byte {
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

func (p *jsonParser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// parse flattens the object on line into person and, when contractsField
// is set, the person's contracts.
func (p *jsonParser) parse(line []byte, person *flatFields) error {
	p.data, p.pos, p.depth = line, 0, 0
	p.prefix, p.nContracts, p.invalid, p.bad = p.prefix[:0], 0, 0, ""
	person.reset()
	p.ws()
	if p.peek() != '{' {
		return p.fail("expected an object ({...}), found %s", p.found())
	}
	if err := p.object(person, false, true); err != nil {
		return err
	}
	p.ws()
	if p.pos < len(p.data) {
		return p.fail("unexpected %s after the object", p.found())
	}
	return nil
}

func (p *jsonParser) deeper() error {
	if p.depth++; p.depth > maxDepth {
		return p.fail("nested more than %d levels deep", maxDepth)
	}
	return nil
}

// object flattens the object at the current position into b, its fields
// named under the current prefix.
func (p *jsonParser) object(b *flatFields, nested, top bool) error {
	if err := p.deeper(); err != nil {
		return err
	}
	p.pos++ // {
	p.ws()
	if p.peek() == '}' {
		p.pos++
		p.depth--
		return nil
	}
	for {
		if p.peek() != '"' {
			return p.fail("expected a field name in double quotes, found %s", p.found())
		}
		mark, invalid := len(p.prefix), p.invalid
		if nested {
			p.prefix = append(p.prefix, '.')
		}
		keyStart := len(p.prefix)
		var err error
		if p.prefix, err = p.str(p.prefix); err != nil {
			return err
		}
		p.ws()
		if p.peek() != ':' {
			return p.fail("expected ':' after the field name, found %s", p.found())
		}
		p.pos++
		p.ws()
		if top && p.contractsField != "" && string(p.prefix[keyStart:]) == p.contractsField {
			err = p.contractList()
		} else {
			err = p.value(b)
		}
		if err != nil {
			return err
		}
		if p.invalid != invalid && p.bad == "" {
			p.bad = string(p.prefix)
		}
		p.prefix = p.prefix[:mark]
		p.ws()
		switch p.peek() {
		case ',':
			p.pos++
			p.ws()
			continue
		case '}':
			p.pos++
			p.depth--
			return nil
		}
		return p.fail("expected ',' or '}' after a value, found %s", p.found())
	}
}

// contractList reads the person's contracts: an array of objects, one
// object, or null.
func (p *jsonParser) contractList() error {
	name := string(p.prefix)
	one := func() error {
		if p.nContracts == len(p.contracts) {
			p.contracts = append(p.contracts, &flatFields{})
		}
		c := p.contracts[p.nContracts]
		p.nContracts++
		c.reset()
		p.prefix = p.prefix[:0] // contract fields are named from the contract object
		return p.object(c, false, false)
	}
	switch p.peek() {
	case '{':
		return one()
	case 'n':
		_, err := p.scalar(p.scratch[:0])
		return err
	case '[':
	default:
		return fmt.Errorf("the field %q should hold the person's contracts: an array of objects", name)
	}
	if err := p.deeper(); err != nil {
		return err
	}
	p.pos++ // [
	p.ws()
	if p.peek() == ']' {
		p.pos++
		p.depth--
		return nil
	}
	for i := 1; ; i++ {
		if p.peek() != '{' {
			if err := p.skip(); err != nil {
				return err
			}
			return fmt.Errorf("the field %q should hold the person's contracts, but item %d is not an object", name, i)
		}
		if err := one(); err != nil {
			return err
		}
		p.ws()
		switch p.peek() {
		case ',':
			p.pos++
			p.ws()
			continue
		case ']':
			p.pos++
			p.depth--
			return nil
		}
		return p.fail("expected ',' or ']' after a value, found %s", p.found())
	}
}

// value flattens the value at the current position into b under the
// current prefix.
func (p *jsonParser) value(b *flatFields) error {
	switch p.peek() {
	case '{':
		return p.object(b, true, false)
	case '[':
		return p.array(b)
	}
	var err error
	if b.vals, err = p.scalar(b.vals); err != nil {
		return err
	}
	b.end(p.prefix)
	return nil
}

// array flattens an array: scalars joined by commas, or else its JSON text.
func (p *jsonParser) array(b *flatFields) error {
	start, vstart := p.pos, len(b.vals)
	if err := p.deeper(); err != nil {
		return err
	}
	p.pos++ // [
	p.ws()
	if p.peek() == ']' {
		p.pos++
		p.depth--
		b.end(p.prefix)
		return nil
	}
	for i := 0; ; i++ {
		if i > 0 {
			b.vals = append(b.vals, ',')
		}
		if c := p.peek(); c == '{' || c == '[' {
			b.vals = b.vals[:vstart]
			p.pos = start
			p.depth--
			if err := p.skip(); err != nil {
				return err
			}
			b.vals = p.appendCompact(b.vals, p.data[start:p.pos])
			b.end(p.prefix)
			return nil
		}
		var err error
		if b.vals, err = p.scalar(b.vals); err != nil {
			return err
		}
		p.ws()
		switch p.peek() {
		case ',':
			p.pos++
			p.ws()
			continue
		case ']':
			p.pos++
			p.depth--
			b.end(p.prefix)
			return nil
		}
		return p.fail("expected ',' or ']' after a value, found %s", p.found())
	}
}

// skip checks the value at the current position and moves past it.
func (p *jsonParser) skip() error {
	open := p.peek()
	if open != '{' && open != '[' {
		_, err := p.scalar(p.scratch[:0])
		return err
	}
	if err := p.deeper(); err != nil {
		return err
	}
	closing := byte('}')
	if open == '[' {
		closing = ']'
	}
	p.pos++
	p.ws()
	if p.peek() == closing {
		p.pos++
		p.depth--
		return nil
	}
	for {
		if open == '{' {
			if p.peek() != '"' {
				return p.fail("expected a field name in double quotes, found %s", p.found())
			}
			if _, err := p.str(p.scratch[:0]); err != nil {
				return err
			}
			p.ws()
			if p.peek() != ':' {
				return p.fail("expected ':' after the field name, found %s", p.found())
			}
			p.pos++
			p.ws()
		}
		if err := p.skip(); err != nil {
			return err
		}
		p.ws()
		switch p.peek() {
		case ',':
			p.pos++
			p.ws()
			continue
		case closing:
			p.pos++
			p.depth--
			return nil
		}
		return p.fail("expected ',' or '%c' after a value, found %s", closing, p.found())
	}
}

// appendCompact appends JSON text without the white space between tokens.
func (p *jsonParser) appendCompact(dst, raw []byte) []byte {
	t, ok := p.text.tableFor(raw)
	if !ok {
		p.invalid++
	}
	quoted, escaped := false, false
	for _, c := range raw {
		switch {
		case escaped:
			escaped = false
		case quoted:
			escaped = c == '\\'
			quoted = c != '"'
		case c == '"':
			quoted = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		}
		if c >= utf8.RuneSelf && t != nil {
			dst = append(dst, t[c]...)
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// scalar appends the text of the string, number, true, false or null at
// the current position.
func (p *jsonParser) scalar(dst []byte) ([]byte, error) {
	switch c := p.peek(); {
	case c == '"':
		return p.str(dst)
	case c == 't':
		return p.literal(dst, "true", "true")
	case c == 'f':
		return p.literal(dst, "false", "false")
	case c == 'n':
		return p.literal(dst, "null", "")
	case c == '-' || isDigit(c):
		return p.number(dst)
	}
	return dst, p.fail("expected a value, found %s", p.found())
}

func (p *jsonParser) literal(dst []byte, word, text string) ([]byte, error) {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(word)) {
		return dst, p.fail("expected a value, found %s", p.found())
	}
	p.pos += len(word)
	return append(dst, text...), nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number appends a number as written.
func (p *jsonParser) number(dst []byte) ([]byte, error) {
	d, start := p.data, p.pos
	digits := func() bool {
		n := p.pos
		for p.pos < len(d) && isDigit(d[p.pos]) {
			p.pos++
		}
		return p.pos > n
	}
	if d[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(d) && d[p.pos] == '0':
		p.pos++
	case !digits():
		return dst, p.fail("expected a digit, found %s", p.found())
	}
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if !digits() {
			return dst, p.fail("expected a digit after the decimal point, found %s", p.found())
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if !digits() {
			return dst, p.fail("expected a digit in the exponent, found %s", p.found())
		}
	}
	return append(dst, d[start:p.pos]...), nil
}

// str appends the text of the string at the current position, unescaped
// and decoded.
func (p *jsonParser) str(dst []byte) ([]byte, error) {
	start := p.pos + 1
	i, escapes := start, false
	for {
		if i >= len(p.data) {
			p.pos = start - 1
			return dst, p.fail("the text has no closing quote")
		}
		c := p.data[i]
		if c == '"' {
			break
		}
		if c == '\\' {
			escapes = true
			i += 2
			continue
		}
		if c < 0x20 {
			p.pos = i
			return dst, p.fail("control character %q in text; it must be escaped", rune(c))
		}
		i++
	}
	raw := p.data[start:i]
	p.pos = i + 1
	t, ok := p.text.tableFor(raw)
	if !ok {
		p.invalid++
	}
	if !escapes && t == nil {
		return append(dst, raw...), nil
	}
	for j := 0; j < len(raw); j++ {
		c := raw[j]
		if c != '\\' {
			if c >= utf8.RuneSelf && t != nil {
				dst = append(dst, t[c]...)
			} else {
				dst = append(dst, c)
			}
			continue
		}
		j++
		switch e := raw[j]; e {
		case '"', '\\', '/':
			dst = append(dst, e)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(raw[j+1:])
			if !ok {
				p.pos = start + j - 1
				return dst, p.fail(`\u must be followed by four hexadecimal digits`)
			}
			j += 4
			if utf16.IsSurrogate(r) {
				// A surrogate pair; a lone surrogate becomes U+FFFD, as
				// with encoding/json.
				r2, ok := rune(0), false
				if j+2 < len(raw) && raw[j+1] == '\\' && raw[j+2] == 'u' {
					r2, ok = hex4(raw[j+3:])
				}
				if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
					r = d
					j += 6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default:
			p.pos = start + j - 1
			return dst, p.fail("unknown escape \\%c", rune(e))
		}
	}
	return dst, nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case isDigit(c):
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}


// Flatten exposes the old parser for a differential test.
func Flatten(line []byte, mode uint8, contracts string) (names, vals [][]string, bad string, err error) {
	p := jsonParser{contractsField: contracts}
	switch mode {
	case 0:
		p.text = textDecoder{mode: textAuto}
	case 1:
		p.text = textDecoder{mode: textUTF8}
	case 2:
		p.text = textDecoder{mode: textCharmap, table: windows1252}
	}
	var f flatFields
	if err = p.parse(line, &f); err != nil {
		return nil, nil, "", err
	}
	all := []*flatFields{&f}
	all = append(all, p.contracts[:p.nContracts]...)
	for _, b := range all {
		var n, v []string
		start, vstart := 0, 0
		for i, end := range b.nameEnds {
			n = append(n, string(b.names[start:end]))
			v = append(v, string(b.vals[vstart:b.valEnds[i]]))
			start, vstart = end, b.valEnds[i]
		}
		names = append(names, n)
		vals = append(vals, v)
	}
	return names, vals, p.bad, nil
}
