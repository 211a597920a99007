package ldap

import (
	"strings"
	"unicode"

	goldap "github.com/go-ldap/ldap/v3"
)

// buildDN returns the DN of the entry named attr=value in parent, with the
// value escaped as RFC 4514 requires (uid=smith\, j,ou=people,…).
func buildDN(attr, value, parent string) string {
	return attr + "=" + goldap.EscapeDN(value) + "," + parent
}

// splitDN splits a DN into its first RDN and its parent, as written (the
// escapes kept): "uid=a\,b,ou=people,dc=x" gives "uid=a\,b" and
// "ou=people,dc=x". ok is false for a DN of one RDN or less.
func splitDN(dn string) (rdn, parent string, ok bool) {
	quoted := false
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++ // the escaped character (or the first of two hex digits)
		case '"':
			quoted = !quoted
		case ',', ';': // RFC 2253 allowed ';' as a separator too
			if !quoted {
				rdn, parent = trimDNSpace(dn[:i]), trimDNSpace(dn[i+1:])
				return rdn, parent, rdn != "" && parent != ""
			}
		}
	}
	return trimDNSpace(dn), "", false
}

// normalDN returns dn with its RDNs separated by a comma and no spaces
// around them, the escapes kept, as directories write the DNs they list:
// "ou=people, dc=example, dc=org" gives "ou=people,dc=example,dc=org".
func normalDN(dn string) string {
	var rdns []string
	for rest := dn; ; {
		rdn, parent, ok := splitDN(rest)
		rdns = append(rdns, rdn)
		if !ok {
			break
		}
		rest = parent
	}
	return strings.Join(rdns, ",")
}

// trimDNSpace removes the spaces around a DN or RDN, but not an escaped
// trailing space (uid=\ padded\ ).
func trimDNSpace(s string) string {
	s = strings.TrimLeft(s, " ")
	for strings.HasSuffix(s, " ") {
		n := 0 // backslashes before the space
		for i := len(s) - 2; i >= 0 && s[i] == '\\'; i-- {
			n++
		}
		if n%2 == 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}

// rdnValue returns the value that names dn when its first RDN is attr=value
// (attr compared without case), and whether it is.
func rdnValue(dn, attr string) (string, bool) {
	parsed, err := goldap.ParseDN(dn)
	if err != nil || len(parsed.RDNs) == 0 || len(parsed.RDNs[0].Attributes) != 1 {
		return "", false
	}
	a := parsed.RDNs[0].Attributes[0]
	if !strings.EqualFold(a.Type, attr) {
		return "", false
	}
	return a.Value, true
}

// below reports whether dn is an entry below container (at any depth).
func below(dn string, container *goldap.DN) bool {
	if container == nil {
		return false
	}
	parsed, err := goldap.ParseDN(dn)
	return err == nil && container.AncestorOfFold(parsed)
}

// sameDN reports whether two DNs name the same entry, compared as the
// library normalises them (types and values without case).
func sameDN(a, b string) bool {
	pa, err1 := goldap.ParseDN(a)
	pb, err2 := goldap.ParseDN(b)
	if err1 != nil || err2 != nil {
		return strings.EqualFold(a, b)
	}
	return pa.EqualFold(pb)
}

// eqFilter returns an equality filter with the value escaped as RFC 4515
// requires: (uid=a\2ab) for a*b.
func eqFilter(attr, value string) string {
	return "(" + attr + "=" + goldap.EscapeFilter(value) + ")"
}

// values splits an engine attribute value into the LDAP values it holds,
// one per line; empty lines are dropped, so "" holds none.
func values(v string) []string {
	if v == "" {
		return nil
	}
	var out []string
	for _, line := range strings.Split(v, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// validName reports whether value can name an entry: one line of text
// without control characters.
func validName(value string) bool {
	return strings.TrimSpace(value) != "" && strings.IndexFunc(value, unicode.IsControl) < 0
}
