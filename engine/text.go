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
	// Latin letters, by far the most common, come from a table; anything
	// else goes through Unicode decomposition.
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b = append(b, byte(r))
		case r < rune(len(latinFold)) && latinFold[r] != "":
			b = append(b, latinFold[r]...)
		default:
			return removeDiacriticsSlow(s)
		}
	}
	return string(b)
}

func removeDiacriticsSlow(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, foldLetters.Replace(s))
	if err != nil {
		return s
	}
	return out
}

// latinFold holds RemoveDiacritics of each letter up to the end of Latin
// Extended-B, computed once from the slow path.
var latinFold = func() []string {
	fold := make([]string, 0x250)
	for r := rune(0x80); r < 0x250; r++ {
		if out := removeDiacriticsSlow(string(r)); out != string(r) || unicode.IsLetter(r) {
			fold[r] = out
		}
	}
	return fold
}()
