package engine

import "strings"

// DisplayNameOf builds the display name administrators expect from a
// person's name parts: the nickname (or else the given name) and the family
// name by the name convention — B the birth name, P the partner's name, BP
// birth name then partner's name, PB the other way round, each with its
// prefix ("Jan de Vries-van Dam"). Without a partner's name every
// convention gives the birth name.
func DisplayNameOf(n Name) string {
	first := strings.TrimSpace(n.NickName)
	if first == "" {
		first = strings.TrimSpace(n.GivenName)
	}
	birth := joinWords(n.FamilyNamePrefix, n.FamilyName)
	partner := joinWords(n.FamilyNamePartnerPrefix, n.FamilyNamePartner)
	family := birth
	if partner != "" {
		switch strings.ToUpper(strings.TrimSpace(n.Convention)) {
		case "P":
			family = partner
		case "BP":
			family = joinWith("-", birth, partner)
		case "PB":
			family = joinWith("-", partner, birth)
		}
	}
	return joinWords(first, family)
}

func joinWords(parts ...string) string { return joinWith(" ", parts...) }

func joinWith(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
