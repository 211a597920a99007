package demo

import (
	"strings"
	"unicode/utf8"

	"provisio/engine"
)

// The Go twins of the demo's account mapping snippets (config.go), which
// the generator uses to make the accounts its directory files hold
// before Provisio runs. A test keeps them in step with the snippets.

// callName is the name a person goes by: the nickname, or else the given
// names.
func callName(given, nick string) string {
	if n := strings.TrimSpace(nick); n != "" {
		return n
	}
	return strings.TrimSpace(given)
}

// AccountName is the logon name the demo's Active Directory mapping gives
// a person at iteration 0: the first letter of the name they go by and the
// family name their name convention asks for, without diacritics, in lower
// case letters only, at most 20 characters.
func AccountName(given, nick, prefix, last, partnerPrefix, partnerLast, convention string) string {
	first, _ := utf8.DecodeRuneInString(callName(given, nick))
	base := strings.ToLower(engine.RemoveDiacritics(string(first) + familyDisplay(prefix, last, partnerPrefix, partnerLast, convention)))
	b := make([]byte, 0, 20)
	for i := 0; i < len(base) && len(b) < 20; i++ {
		if c := base[i]; c >= 'a' && c <= 'z' {
			b = append(b, c)
		}
	}
	return string(b)
}

// accountName is AccountName of a generated identity.
func accountName(id identity) string {
	return AccountName(id.first, id.nick, id.prefix, id.last, id.partnerPrefix, id.partnerLast, id.convention)
}

// MailAddress is the e-mail address the demo's Active Directory mapping
// gives a person at iteration 0; the generated HR export's work addresses
// are made the same way.
func MailAddress(given, nick, prefix, last, partnerPrefix, partnerLast, convention string) string {
	first, _, _ := strings.Cut(callName(given, nick), " ")
	family := familyDisplay(prefix, last, partnerPrefix, partnerLast, convention)
	return mailLocal(first) + "." + mailLocal(family) + "@" + EmailDomain
}

// mailLocal is a name as a part of an e-mail address.
func mailLocal(s string) string { return emailPart(strings.ToLower(engine.RemoveDiacritics(s))) }
