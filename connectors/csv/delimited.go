package csv

import (
	"bufio"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	"io"
	"strings"

	"provisio/engine"
)

// csvFile is an open CSV file whose header has been read.
type csvFile struct {
	*sourceFile
	r       *stdcsv.Reader
	header  *engine.Header
	text    textDecoder
	width   int   // the number of columns in the header
	keyCol  int   // the index of the person key column, or -1
	skipped int64 // the bytes of a byte order mark
}

// startCSV prepares a CSV file for reading and reads its header line.
func (c *Connector) startCSV(f *sourceFile, h io.Reader) (*csvFile, error) {
	br := bufio.NewReaderSize(h, bufferSize)
	cf := &csvFile{sourceFile: f, text: c.text, keyCol: -1}
	if isUTF16(br) {
		// Excel's "Unicode text": decode it to UTF-8 as it is read
		br = bufio.NewReaderSize(transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()), bufferSize)
		cf.text = textDecoder{mode: textUTF8}
	}
	cf.skipped = skipBOM(br)
	delim := c.delimiter
	if delim == 0 {
		delim = detectDelimiter(br)
	}
	// csv.NewReader keeps br as it is: it is already buffered.
	cf.r = stdcsv.NewReader(br)
	cf.r.Comma = delim
	cf.r.FieldsPerRecord = -1
	cf.r.LazyQuotes = true

	var names []string
	for {
		rec, err := cf.r.Read()
		if err == io.EOF {
			expect := ""
			if f.key != "" {
				expect = fmt.Sprintf(", including %q", f.key)
			}
			return nil, engine.Errorf(engine.Invalid, "%s %s is empty: expected a header line naming the columns%s", f.what, f.name, expect)
		}
		if err != nil {
			return nil, f.readErr(err)
		}
		if !isBlank(rec) {
			names = rec
			break
		}
	}
	line, _ := cf.r.FieldPos(0)
	for i, n := range names {
		n, ok := c.text.decodeString(strings.TrimSpace(n))
		if !ok {
			return nil, engine.Errorf(engine.Invalid, "%s %s, header line %d, column %d: %s", f.what, f.name, line, i+1, notUTF8)
		}
		names[i] = n
	}
	// Exports often end every line with a delimiter: an unnamed last
	// column holds nothing.
	for len(names) > 0 && names[len(names)-1] == "" {
		names = names[:len(names)-1]
	}
	seen := make(map[string]int, len(names))
	for i, n := range names {
		if n == "" {
			continue
		}
		if j, dup := seen[n]; dup {
			return nil, engine.Errorf(engine.Invalid, "%s %s: the header names the column %q twice (columns %d and %d); rename or remove one of them", f.what, f.name, n, j+1, i+1)
		}
		seen[n] = i
	}
	cf.header = engine.NewHeader(names)
	cf.width = len(names)
	if f.key != "" {
		if cf.keyCol = cf.header.Index(f.key); cf.keyCol < 0 {
			return nil, f.missingKey("column", names)
		}
	}
	return cf, nil
}

// read streams the rows of a CSV file.
func (cf *csvFile) read(r *reader) error {
	kind := cf.kind()
	for {
		fields, err := cf.r.Read()
		if err != nil {
			if err == io.EOF {
				return nil
			}
			// With LazyQuotes and FieldsPerRecord = -1 the reader reports
			// no syntax errors today; should it, the row is skipped.
			var pe *stdcsv.ParseError
			if errors.As(err, &pe) {
				r.onError(cf.recordError(pe.StartLine, "", "", "%v", pe.Err))
				continue
			}
			return cf.readErr(err)
		}
		if err := r.tick(cf.skipped + cf.r.InputOffset()); err != nil {
			return err
		}
		if isBlank(fields) {
			continue
		}
		rec := cf.record(r, kind, fields)
		if r.fatal != nil {
			return r.fatal
		}
		if rec != nil {
			if err := r.emit(rec); err != nil {
				return err
			}
		}
	}
}

// record turns a row into a raw record, or reports why it cannot and
// returns nil.
func (cf *csvFile) record(r *reader, kind engine.RecordKind, fields []string) *engine.RawRecord {
	line, _ := cf.r.FieldPos(0)
	if n := len(fields); n < cf.width || n > cf.width && !isBlank(fields[cf.width:]) {
		person := ""
		if cf.keyCol >= 0 && cf.keyCol < n {
			person = strings.Clone(strings.TrimSpace(fields[cf.keyCol]))
		}
		msg := fmt.Sprintf("expected %d fields, found %d", cf.width, n)
		// A quoted field holds its line ends, so the row ends this many
		// lines below where its last field starts.
		if last, _ := cf.r.FieldPos(n - 1); last+strings.Count(fields[n-1], "\n") > line {
			last += strings.Count(fields[n-1], "\n")
			// A quote that is never closed swallows the rows after it:
			// reading on would drop those persons, so stop the import.
			r.fatal = engine.Errorf(engine.Invalid, "%s %s line %d: %s; the row runs on to line %d, so a quote is probably missing or extra; fix the file and import again", cf.what, cf.name, line, msg, last)
			return nil
		}
		r.onError(cf.recordError(line, "", person, "%s", msg))
		return nil
	}
	// encoding/csv returns the fields of a row as parts of one new string
	// holding just that row, so they pin no buffer larger than the row.
	values := fields[:cf.width:cf.width]
	for i, v := range values {
		d, ok := cf.text.decodeString(v)
		if !ok {
			// the whole file is in another encoding: every row with an
			// accent would be dropped, so stop the import
			r.fatal = engine.Errorf(engine.Invalid, "%s %s line %d, column %d (%s): %s", cf.what, cf.name, line, i+1, cf.header.Names[i], notUTF8)
			return nil
		}
		values[i] = d
	}
	rec := &engine.RawRecord{Kind: kind, Header: cf.header, Values: values, File: cf.name, Line: line}
	if cf.keyCol >= 0 {
		key := strings.TrimSpace(values[cf.keyCol])
		if key == "" {
			r.onError(cf.recordError(line, cf.key, "", "the person key column %q is empty; the row is skipped", cf.key))
			return nil
		}
		// The key outlives the row (the import indexes persons by it).
		rec.PersonKey = strings.Clone(key)
	}
	return rec
}

// isBlank reports whether a row holds nothing but white space: a blank
// line, or a line of delimiters.
func isBlank(fields []string) bool {
	for _, f := range fields {
		if f != "" && strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// delimiters are the candidates of delimiter detection, in order of
// preference on a tie.
var delimiters = [...]byte{',', ';', '\t', '|'}

// detectDelimiter peeks at the header line (the first line that is not
// blank) and returns the candidate that occurs most often outside quotes,
// or a comma.
func detectDelimiter(br *bufio.Reader) rune {
	buf, _ := br.Peek(64 << 10) // fewer bytes in a smaller file
	var counts [len(delimiters)]int
	quoted, content := false, false
scan:
	for _, b := range buf {
		switch {
		case b == '"':
			quoted, content = !quoted, true
		case quoted:
		case b == '\n':
			if content {
				break scan
			}
		case b == ' ' || b == '\r':
		default:
			content = true
			for i, d := range delimiters {
				if b == d {
					counts[i]++
				}
			}
		}
	}
	best := 0
	for i := range counts {
		if counts[i] > counts[best] {
			best = i
		}
	}
	return rune(delimiters[best])
}

// describeCSV returns the column names of a CSV file's header.
func (c *Connector) describeCSV(f *sourceFile) ([]string, error) {
	h, _, err := f.open()
	if err != nil {
		return nil, err
	}
	defer h.Close()
	cf, err := c.startCSV(f, h)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(cf.header.Names))
	for _, n := range cf.header.Names {
		if n != "" {
			names = append(names, strings.Clone(n))
		}
	}
	return names, nil
}
