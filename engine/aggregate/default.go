package aggregate

import (
	"strings"
	"unicode/utf8"

	"provisio/engine"
)

// DefaultValue is engine.DefaultAggregationSnippet in Go: what the
// default snippet returns for p. Values uses it for the source systems
// that keep the default (their AggregationValue is nil), where running the
// snippet in JavaScript would take twenty times as long; a test holds the
// two to the same results.
func DefaultValue(p *engine.Person) string {
	family := plain(p.Name.FamilyNamePrefix + p.Name.FamilyName)
	birthDate := strings.ReplaceAll(p.Details.BirthDate.String(), "-", "")
	if family == "" || birthDate == "" {
		return ""
	}
	initials := plain(p.Name.Initials)
	if initials == "" {
		initials = first(plain(p.Name.GivenName))
	}
	gender := first(plain(p.Details.Gender))
	var b strings.Builder
	b.Grow(len(family) + len(initials) + len(birthDate) + len(gender) + 3)
	for _, part := range []string{family, initials, birthDate, gender} {
		if part == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(part)
	}
	return b.String()
}

// plain is the snippet's plain: without diacritics, in lower case, without
// white space (as JavaScript's \s has it) and . , ' ’ ` -.
func plain(s string) string {
	s = strings.ToLower(engine.RemoveDiacritics(s))
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', ',', '\'', '’', '`', '-':
			return -1
		}
		if jsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// jsSpace reports whether JavaScript's \s matches r.
func jsSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff':
		return true
	}
	return r >= '\u2000' && r <= '\u200a'
}

// first is JavaScript's slice(0, 1) of s: its first UTF-16 unit, which
// for letters outside the basic plane is half of one (kept whole here,
// where no name has them).
func first(s string) string {
	if s == "" {
		return ""
	}
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}
