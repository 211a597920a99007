package engine

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// letters that do not decompose into a base letter and a combining mark
var foldLetters = strings.NewReplacer(
	"ß", "ss", "ẞ", "SS", "Æ", "AE", "æ", "ae", "Œ", "OE", "œ", "oe",
	"Ø", "O", "ø", "o", "Ł", "L", "ł", "l", "Đ", "D", "đ", "d", "Ð", "D", "ð", "d",
	"Þ", "Th", "þ", "th", "ı", "i", "Ħ", "H", "ħ", "h",
)

// RemoveDiacritics returns s with accents and other diacritics removed and
// letters such as ß, æ and ø spelled out in ASCII: "Zoë Ørsted-Müller"
// becomes "Zoe Orsted-Muller". It is what user names and e-mail addresses
// are built from.
func RemoveDiacritics(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, foldLetters.Replace(s))
	if err != nil {
		return s
	}
	return out
}
