package aggregate_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"provisio/engine"
)

// A small generator of realistic persons for the recall test and the
// benchmarks: names from several European countries, with their prefixes
// and diacritics, family names spread as in real populations (a few very
// common, a long tail of rare ones), initials, birth dates and genders.

var (
	commonFamilies = []string{
		"Jansen", "de Jong", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer",
		"de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer",
		"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
		"Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
		"Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "García", "Fernández", "González", "Rodríguez", "López",
		"Nielsen", "Jørgensen", "Hansen", "Pedersen", "Andersen", "Nowak", "Kowalski", "Wiśniewski", "Yılmaz", "Öztürk",
	}
	familyRoots = []string{
		"berg", "broek", "hof", "veld", "stra", "man", "kamp", "meer", "bosch", "dijk", "horst", "wijk", "land", "beek",
		"brug", "mol", "kolk", "haar", "rade", "stein", "bach", "feld", "hau", "schmi", "krü", "lind", "ström", "gaard",
		"holm", "ness", "vik", "dahl", "son", "sen", "ton", "ley", "wood", "ford", "bridge", "well", "ham", "ing",
		"au", "eau", "ier", "ard", "ez", "ski", "wicz", "ak", "ović", "escu", "oğlu", "elli", "etti", "oni",
	}
	prefixes = []string{"van", "van der", "van den", "de", "ter", "van 't", "den", "op de"}
	given    = map[string][]string{
		"M": {"Jan", "Pieter", "Kees", "Willem", "Hendrik", "Johannes", "Daan", "Sem", "Lucas", "Thijs", "Bram", "Ruben",
			"Jürgen", "Klaus", "Björn", "Søren", "Łukasz", "José", "François", "Jérôme", "André", "Mehmet", "Ömer", "Niels",
			"John", "James", "David", "Michael", "Thomas", "Matteo", "Luca", "Karel", "Olaf", "Henrik", "Mateusz", "Ahmed"},
		"F": {"Anna", "Maria", "Sophie", "Emma", "Julia", "Lotte", "Sanne", "Fleur", "Eva", "Noor", "Anouk", "Iris",
			"Zoë", "Chloé", "Renée", "Hélène", "Ingrid", "Åsa", "Birgit", "Jürgen", "Małgorzata", "Ayşe", "Elif", "Sarah",
			"Emily", "Olivia", "Charlotte", "Giulia", "Francesca", "Astrid", "Mette", "Karin", "Linda", "Petra", "Fatima", "Inès"},
	}
)

// generator makes persons; the same seed makes the same persons.
type generator struct {
	r *rand.Rand
}

func newGenerator(seed uint64) *generator { return &generator{r: rand.New(rand.NewPCG(seed, 7))} }

// family returns a family name and its prefix: common names a third of
// the time (the most common the most often), otherwise one of about
// 200,000 composed names.
func (g *generator) family() (prefix, name string) {
	if g.r.IntN(3) == 0 {
		// Zipf-like: index k with weight about 1/(k+1)
		k := int(float64(len(commonFamilies)) * g.r.Float64() * g.r.Float64())
		name = commonFamilies[k]
	} else {
		a := familyRoots[g.r.IntN(len(familyRoots))]
		b := familyRoots[g.r.IntN(len(familyRoots))]
		c := familyRoots[g.r.IntN(len(familyRoots))]
		name = strings.ToUpper(a[:1]) + a[1:] + b
		if g.r.IntN(2) == 0 {
			name += c
		}
		if g.r.IntN(8) == 0 {
			name = prefixes[g.r.IntN(len(prefixes))] + " " + name
		}
	}
	// "van den Berg": the prefix apart, as HR systems keep it
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(name, p+" "); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
			return p, rest
		}
	}
	return "", name
}

// person makes a person of source src with external id n.
func (g *generator) person(src string, n int) *engine.Person {
	gender := "M"
	if g.r.IntN(2) == 0 {
		gender = "F"
	}
	names := given[gender]
	first := names[g.r.IntN(len(names))]
	initials := string([]rune(first)[:1]) + "."
	for range g.r.IntN(3) {
		initials += string(rune('A'+g.r.IntN(26))) + "."
	}
	prefix, family := g.family()
	birth := engine.NewDate(1955+g.r.IntN(50), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28))
	ext := fmt.Sprint(n)
	return &engine.Person{
		ID: engine.PersonID(src, ext), Source: src, ExternalID: ext,
		Name:    engine.Name{GivenName: first, Initials: initials, FamilyName: family, FamilyNamePrefix: prefix},
		Details: engine.Details{BirthDate: birth, Gender: gender},
	}
}

// duplicate returns p as another source system has them, with one
// difference: a typo in the family name, the initials swapped or one
// left out, a digit of the birth date mistyped, the diacritics left out,
// or the prefix written into the family name.
func (g *generator) duplicate(p *engine.Person, src string, n int) *engine.Person {
	d := *p
	d.ExternalID = fmt.Sprint(n)
	d.Source, d.ID = src, engine.PersonID(src, d.ExternalID)
	switch g.r.IntN(6) {
	case 0, 1:
		d.Name.FamilyName = typo(g.r, d.Name.FamilyName)
	case 2:
		in := strings.Split(strings.Trim(d.Name.Initials, "."), ".")
		if len(in) >= 2 {
			in[0], in[1] = in[1], in[0]
		} else {
			in = append(in, "X")
		}
		d.Name.Initials = strings.Join(in, ".") + "."
	case 3:
		s := []byte(d.Details.BirthDate.String())
		for {
			k := g.r.IntN(len(s))
			if s[k] != '-' && k != 0 {
				s[k] = byte('0' + (int(s[k]-'0')+1+g.r.IntN(8))%10)
				if b, err := engine.ParseISODate(string(s)); err == nil {
					d.Details.BirthDate = b
					break
				}
				s = []byte(p.Details.BirthDate.String())
			}
		}
	case 4:
		d.Name.FamilyName = engine.RemoveDiacritics(d.Name.FamilyName)
		d.Name.GivenName = engine.RemoveDiacritics(d.Name.GivenName)
	case 5:
		if d.Name.FamilyNamePrefix != "" {
			d.Name.FamilyName = d.Name.FamilyNamePrefix + " " + d.Name.FamilyName
			d.Name.FamilyNamePrefix = ""
		} else {
			d.Name.FamilyName = typo(g.r, d.Name.FamilyName)
		}
	}
	return &d
}

// typo changes one letter of s: replaced, left out, doubled or swapped
// with the next.
func typo(r *rand.Rand, s string) string {
	rs := []rune(s)
	if len(rs) < 3 {
		return s + "e"
	}
	k := 1 + r.IntN(len(rs)-2)
	switch r.IntN(4) {
	case 0:
		c := rs[k]
		for c == rs[k] {
			c = rune('a' + r.IntN(26))
		}
		rs[k] = c
	case 1:
		rs = append(rs[:k], rs[k+1:]...)
	case 2:
		rs = append(rs[:k+1], rs[k:]...)
	default:
		if rs[k] == rs[k+1] {
			rs[k] = 'x'
		} else {
			rs[k], rs[k+1] = rs[k+1], rs[k]
		}
	}
	if !utf8.ValidString(string(rs)) {
		return s
	}
	return string(rs)
}

// population makes n persons of source "hr" and dups duplicates of some
// of them in source "erp"; it returns the persons and the planted pairs
// (as engine.PairKey orders them).
func population(seed uint64, n, dups int) ([]*engine.Person, map[[2]string]bool) {
	g := newGenerator(seed)
	persons := make([]*engine.Person, 0, n+dups)
	for i := range n {
		persons = append(persons, g.person("hr", i+1))
	}
	planted := map[[2]string]bool{}
	for i, k := range g.r.Perm(n)[:dups] {
		d := g.duplicate(persons[k], "erp", i+1)
		persons = append(persons, d)
		a, b := engine.PairKey(persons[k].ID, d.ID)
		planted[[2]string{a, b}] = true
	}
	return persons, planted
}
