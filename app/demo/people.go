package demo

import (
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"

	"provisio/engine"
)

// identity is the person part of a generated row.
type identity struct {
	first, initials, nick, prefix, last string
	partnerPrefix, partnerLast          string
	convention                          string
	birth                               engine.Date
	gender                              string
	email, mobile, lang                 string
}

// person generates row i's person.
func (g *generator) person(i int) identity {
	r := g.r
	if k, dup := g.original[int32(i)]; dup {
		id := g.kept[k]
		// The same human entered again: often typed without the
		// accents, without the nickname, and without the e-mail address
		// that the first record holds.
		if r.IntN(2) == 0 {
			id.first = engine.RemoveDiacritics(id.first)
			id.last = engine.RemoveDiacritics(id.last)
			id.initials = engine.RemoveDiacritics(id.initials)
			id.partnerLast = engine.RemoveDiacritics(id.partnerLast)
		}
		if r.IntN(2) == 0 {
			id.nick = ""
		}
		id.email = ""
		return id
	}
	var id identity
	for {
		id = g.newIdentity()
		key := g.personKey(id.first, id.last, id.birth)
		if _, taken := g.people[key]; !taken {
			g.people[key] = struct{}{}
			break
		}
	}
	switch g.roles[i] {
	case roleNoLastName:
		id.last, id.email = "", ""
	default:
		if g.classOf(i) == classFuture {
			id.email = "" // the mailbox is made when the account is
		} else {
			id.email = g.email(id)
		}
	}
	if _, ok := g.kept[int32(i)]; ok {
		g.kept[int32(i)] = id
	}
	return id
}

// personKey identifies a human the way duplicate detection would: name
// without diacritics, case-insensitively, and birth date.
func (g *generator) personKey(first, last string, birth engine.Date) uint64 {
	h := fnv.New64a()
	h.Write([]byte(g.fold(first)))
	h.Write([]byte{0})
	h.Write([]byte(g.fold(last)))
	h.Write([]byte{0, byte(birth), byte(birth >> 8), byte(birth >> 16), byte(birth >> 24)})
	return h.Sum64()
}

// newIdentity makes up a person: a name from one of the name groups, a
// birth date, perhaps a partner's name, a phone and a language.
func (g *generator) newIdentity() identity {
	r := g.r
	ng := &nameGroups[pick(r, g.groupW)]
	var id identity
	switch x := r.IntN(1000); {
	case x < 488:
		id.gender = "M"
	case x < 985:
		id.gender = "F"
	default:
		id.gender = "X"
	}
	female := id.gender == "F" || id.gender == "X" && r.IntN(2) == 0
	if f, ok := formalGivenName(r, ng, female); ok {
		id.first, id.nick = f.name, f.nick
		second := ng.second
		if female {
			second = ng.secondFemale
		}
		if len(second) > 0 && r.IntN(10) < 7 {
			if s := second[r.IntN(len(second))]; s != f.name {
				id.first += " " + s
			}
		}
	} else if female {
		id.first = ng.female[r.IntN(len(ng.female))]
	} else {
		id.first = ng.male[r.IntN(len(ng.male))]
	}
	id.initials = initials(id.first)
	id.prefix, id.last = familyName(r, ng, female)
	age := 18 + r.IntN(49)
	id.birth = g.opts.AsOf.AddDays(-age*365 - r.IntN(365))
	id.convention = "B"
	if age >= 23 && r.IntN(100) < 22 {
		pg := ng
		if r.IntN(10) < 4 {
			pg = &nameGroups[pick(r, g.groupW)]
		}
		id.partnerPrefix, id.partnerLast = familyName(r, pg, female)
		switch x := r.IntN(100); {
		case x < 30:
			id.convention = "B"
		case x < 65:
			id.convention = "P"
		case x < 85:
			id.convention = "BP"
		default:
			id.convention = "PB"
		}
	}
	if r.IntN(4) != 0 {
		id.mobile = "+31 6 " + strconv.Itoa(10_000_000+r.IntN(60_000_000))
	}
	switch x := r.IntN(100); {
	case x < 10:
		id.lang = "" // not asked
	case x < 70 || ng.lang == "nl" && x < 95:
		id.lang = ng.lang
	default:
		id.lang = "en"
	}
	return id
}

// formalGivenName picks, for the group's share of people with one, a
// formal given name of the person's gender.
func formalGivenName(r *rand.Rand, ng *nameGroup, female bool) (formalName, bool) {
	if r.IntN(100) >= ng.formalShare {
		return formalName{}, false
	}
	n := 0
	for _, f := range ng.formal {
		if f.female == female {
			n++
		}
	}
	if n == 0 {
		return formalName{}, false
	}
	k := r.IntN(n)
	for _, f := range ng.formal {
		if f.female == female {
			if k == 0 {
				return f, true
			}
			k--
		}
	}
	return formalName{}, false
}

// familyName picks a family name and its prefix.
func familyName(r *rand.Rand, ng *nameGroup, female bool) (prefix, name string) {
	if len(ng.prefixed) > 0 && r.IntN(100) < ng.prefixShare {
		p := ng.prefixed[r.IntN(len(ng.prefixed))]
		return p[0], p[1]
	}
	name = ng.family[r.IntN(len(ng.family))]
	if r.IntN(100) < ng.doubleShare {
		second := ng.family[r.IntN(len(ng.family))]
		if second != name {
			name += " " + second
		}
	}
	if female && ng.feminine != nil {
		name = ng.feminine(name)
	}
	return "", name
}

// initials are the first letters of the given names: "Anne-Sophie Marie"
// has the initials A.S.M.
func initials(given string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(given, func(r rune) bool { return r == ' ' || r == '-' }) {
		for _, r := range part {
			b.WriteString(strings.ToUpper(string(r)))
			b.WriteByte('.')
			break
		}
	}
	return b.String()
}

// DisplayName is the display name of a person as the demo configuration
// builds it: the nickname (or else the given names), then the family
// names the name convention asks for.
func DisplayName(given, nick, prefix, last, partnerPrefix, partnerLast, convention string) string {
	first := nick
	if strings.TrimSpace(first) == "" {
		first = given
	}
	return joinNonEmpty(" ", first, familyDisplay(prefix, last, partnerPrefix, partnerLast, convention))
}

// familyDisplay is the family part of a display name: the birth name (B),
// the partner's name (P), or both joined by a hyphen (BP, PB), each with
// its prefix. Without a partner's name it is the birth name.
func familyDisplay(prefix, last, partnerPrefix, partnerLast, convention string) string {
	birth := joinNonEmpty(" ", prefix, last)
	partner := joinNonEmpty(" ", partnerPrefix, partnerLast)
	if partner == "" {
		return birth
	}
	switch strings.ToUpper(strings.TrimSpace(convention)) {
	case "P":
		return partner
	case "BP":
		return joinNonEmpty("-", birth, partner)
	case "PB":
		return joinNonEmpty("-", partner, birth)
	}
	return birth
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// email returns a unique business e-mail address built from the name the
// person goes by: jan.vandenberg@…, then jan.vandenberg2@… for the next
// one.
func (g *generator) email(id identity) string {
	first := id.nick
	if first == "" {
		first, _, _ = strings.Cut(id.first, " ")
	}
	family := familyDisplay(id.prefix, id.last, id.partnerPrefix, id.partnerLast, id.convention)
	local := emailPart(g.fold(first)) + "." + emailPart(g.fold(family))
	h := fnv.New64a()
	h.Write([]byte(local))
	key := h.Sum64()
	n := g.emails[key] + 1
	g.emails[key] = n
	if n > 1 {
		local += strconv.Itoa(int(n))
	}
	return local + "@" + EmailDomain
}

// fold returns s in lower case without diacritics. Names come from small
// tables, so their folded forms are remembered.
func (g *generator) fold(s string) string {
	f, ok := g.folded[s]
	if !ok {
		f = strings.ToLower(engine.RemoveDiacritics(s))
		g.folded[s] = f
	}
	return f
}

// emailPart keeps the ASCII letters, digits and hyphens of a folded name.
func emailPart(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
			b.WriteByte(c)
		}
	}
	return b.String()
}
