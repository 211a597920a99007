package csv

import (
	"bufio"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// The files are parsed as bytes: the delimiters, quotes and line ends of
// every supported encoding are ASCII, so only field text needs decoding, and
// text that is plain ASCII (most of an HR export) needs none.

// textMode says how field text is decoded.
type textMode uint8

const (
	// textAuto takes text as UTF-8 unless it is not valid UTF-8, in which
	// case it is Windows-1252: exports from Windows tools often are, and
	// a file with a few such fields still reads correctly.
	textAuto textMode = iota
	// textUTF8 takes text as UTF-8 and rejects text that is not.
	textUTF8
	// textCharmap decodes every byte through a single-byte code page.
	textCharmap
)

// textDecoder turns field text into valid UTF-8.
type textDecoder struct {
	mode  textMode
	table *charTable // for textCharmap
}

// charTable holds the UTF-8 encoding of each byte of a single-byte code
// page.
type charTable [256]string

func newCharTable(cm *charmap.Charmap) *charTable {
	var t charTable
	for i := range t {
		t[i] = string(cm.DecodeByte(byte(i)))
	}
	return &t
}

var (
	windows1252 = newCharTable(charmap.Windows1252)
	latin1      = newCharTable(charmap.ISO8859_1)
)

// appendDecoded appends src decoded through the code page to dst.
func appendDecoded[S ~string | ~[]byte](t *charTable, dst []byte, src S) []byte {
	for i := 0; i < len(src); i++ {
		if c := src[i]; c < utf8.RuneSelf {
			dst = append(dst, c)
		} else {
			dst = append(dst, t[c]...)
		}
	}
	return dst
}

func isASCII[S ~string | ~[]byte](s S) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// decodeString returns s as valid UTF-8; ok is false when the encoding is
// UTF-8 and s is not valid UTF-8. It allocates only when s must change.
func (d textDecoder) decodeString(s string) (_ string, ok bool) {
	switch {
	case d.mode == textCharmap:
		if isASCII(s) {
			return s, true
		}
		return string(appendDecoded(d.table, make([]byte, 0, len(s)+len(s)/2), s)), true
	case utf8.ValidString(s):
		return s, true
	case d.mode == textUTF8:
		return s, false
	}
	return string(appendDecoded(windows1252, make([]byte, 0, len(s)+len(s)/2), s)), true
}

// table returns the code page to decode raw text with, or nil when the text
// is to be kept as it is; ok is false when the encoding is UTF-8 and raw is
// not valid UTF-8.
func (d textDecoder) tableFor(raw []byte) (_ *charTable, ok bool) {
	switch {
	case d.mode == textCharmap:
		return d.table, true
	case utf8.Valid(raw):
		return nil, true
	case d.mode == textUTF8:
		return nil, false
	}
	return windows1252, true
}

// notUTF8 is the message for text that is not valid UTF-8 while the
// encoding setting says it is.
const notUTF8 = "not valid UTF-8; is the file encoded as windows-1252? (set the encoding to automatic or windows-1252)"

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// skipBOM discards a UTF-8 byte order mark at the start of br and returns
// the number of bytes skipped.
func skipBOM(br *bufio.Reader) int64 {
	if b, _ := br.Peek(len(utf8BOM)); string(b) == string(utf8BOM) {
		n, _ := br.Discard(len(utf8BOM))
		return int64(n)
	}
	return 0
}

// bufferSize is the read buffer of each file: large reads keep the disk
// and the parser busy.
const bufferSize = 1 << 20

// isUTF16 reports whether br starts with a UTF-16 byte order mark.
func isUTF16(br *bufio.Reader) bool {
	b, _ := br.Peek(2)
	return len(b) == 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF)
}
