package ldap

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

// A new Active Directory account gets a random initial password that
// nobody knows: the account is created disabled, and the person receives a
// password through the organisation's own process (a reset at the service
// desk, self-service) before the account is enabled. Without a password
// the domain would either refuse the account or, with PASSWD_NOTREQD, let
// it sign in with an empty one once enabled.
//
// The password is drawn with crypto/rand and is never logged, returned or
// kept: it lives in the add request only.

// passwordLength is the length of an initial password: well above the
// default policy's 7 characters and the 14 that the classic Group Policy
// allows at most; a fine-grained password policy may ask for more, which
// Create reports as the policy refusing the password.
const passwordLength = 32

// The characters of a password, by the categories of Active Directory's
// complexity rule, which wants three of the four; a password has all four.
// The symbols leave out the double quote and the backslash, which tools
// that quote unicodePwd handle badly, and the space.
const (
	passwordUpper   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	passwordLower   = "abcdefghijklmnopqrstuvwxyz"
	passwordDigits  = "0123456789"
	passwordSymbols = "!#$%&()*+,-./:;<=>?@[]^_{|}~"
	passwordChars   = passwordUpper + passwordLower + passwordDigits + passwordSymbols
)

// newPassword returns a random password of passwordLength characters with
// at least one character of each category, that holds none of avoid
// (compared without case): the complexity rule also refuses a password
// that holds the account's sAMAccountName or a part of its displayName.
func newPassword(avoid []string) string {
	for {
		p := make([]byte, 0, passwordLength)
		for _, set := range []string{passwordUpper, passwordLower, passwordDigits, passwordSymbols} {
			p = append(p, set[randIndex(len(set))])
		}
		for len(p) < passwordLength {
			p = append(p, passwordChars[randIndex(len(passwordChars))])
		}
		// Fisher–Yates, so that the first four are no more predictable
		// than the rest.
		for i := len(p) - 1; i > 0; i-- {
			j := randIndex(i + 1)
			p[i], p[j] = p[j], p[i]
		}
		if !holdsAny(string(p), avoid) {
			return string(p)
		}
	}
}

// randIndex returns a uniformly random number in [0, n), for 0 < n ≤ 2³²,
// from crypto/rand, rejecting the values that would make some numbers
// likelier than others.
func randIndex(n int) int {
	limit := uint64(1<<32) / uint64(n) * uint64(n)
	var b [4]byte
	for {
		_, _ = rand.Read(b[:]) // never fails (Go 1.24+ crashes instead)
		if v := uint64(binary.LittleEndian.Uint32(b[:])); v < limit {
			return int(v % uint64(n))
		}
	}
}

// holdsAny reports whether s holds one of the tokens, ignoring case.
func holdsAny(s string, tokens []string) bool {
	s = strings.ToLower(s)
	for _, t := range tokens {
		if t != "" && strings.Contains(s, strings.ToLower(t)) {
			return true
		}
	}
	return false
}

// passwordTokens returns what Active Directory's complexity rule forbids in
// a password of the account: its sAMAccountName when that has three
// characters or more, and every part of its displayName of three
// characters or more, split at commas, periods, hyphens, underscores,
// number signs and white space.
func passwordTokens(sam, displayName string) []string {
	var tokens []string
	if len([]rune(sam)) >= 3 {
		tokens = append(tokens, sam)
	}
	for _, part := range strings.FieldsFunc(displayName, func(r rune) bool {
		return strings.ContainsRune(",.-_#\t ", r) || r == '\n' || r == '\r'
	}) {
		if len([]rune(part)) >= 3 {
			tokens = append(tokens, part)
		}
	}
	return tokens
}

// unicodePwd encodes a password as Active Directory's unicodePwd attribute
// takes it: in double quotes, as UTF-16 little-endian. The directory
// accepts it only over an encrypted connection.
func unicodePwd(password string) string {
	units := utf16.Encode([]rune(`"` + password + `"`))
	b := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(b[2*i:], u)
	}
	return string(b)
}
