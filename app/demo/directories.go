package demo

import (
	"hash/fnv"
	"path/filepath"
	"strconv"
	"strings"

	"provisio/connectors/file"
	"provisio/engine"
)

// The directory files hold what the targets hold before Provisio first
// runs: the permissions Provisio may grant (the groups of the demo's
// rules, a department group GG-<code> for every department) and, in
// Active Directory, a few accounts an administrator made by hand: three
// employees' (with the employee id that correlates them, and attributes
// that have since gone out of date), a former employee whose logon name
// a current employee would get (in an organisation that makes logon
// names from names), and a service account. Google Workspace
// holds its administrator. The files stay small at any scale: a line or
// two per department.

// seedKind is what a pre-existing account shows.
type seedKind uint8

const (
	seedOldTitle  seedKind = iota // the person was promoted since
	seedOldDept                   // the person moved to another department
	seedNoAccents                 // the service desk typed the name without its diacritics
	seedNamesake                  // a former employee with the person's logon name
	seedKinds
)

// seed is a person whose account, or namesake's account, the Active
// Directory file holds.
type seed struct {
	kind seedKind
	no   string // employee number
	id   identity
	c    contract
}

// directories collects, while the persons are written, the persons whose
// accounts the directory files hold.
type directories struct {
	seeds [seedKinds]*seed
	// from are the rows from which each kind of seed is looked for, so
	// that they are spread over the file.
	from [seedKinds]int
}

func newDirectories(persons int) *directories {
	d := &directories{}
	for k := range d.from {
		d.from[k] = persons * (k + 1) / (int(seedKinds) + 1)
	}
	return d
}

// consider looks at row i for the seeds still missing: the first person
// from the seed's row on who is employed on one permanent contract that
// does not end, so that the rules give them an account now and keep it,
// and whose logon name no other seed has.
func (d *directories) consider(g *generator, i int, id identity, cs []contract) {
	if g.roles[i] != roleNormal || g.classOf(i) != classCurrent || len(cs) != 1 || id.last == "" || id.email == "" {
		return
	}
	if _, repeated := g.kept[int32(i)]; repeated {
		return
	}
	if c := cs[0]; c.typ != "Permanent" || !c.end.IsZero() || g.depts[c.dept].division < 0 {
		return // not the board's staff either: they have no division to move in
	}
	name := accountName(id)
	for _, s := range d.seeds {
		if s != nil && accountName(s.id) == name {
			return
		}
	}
	for k, s := range d.seeds {
		if s != nil || i < d.from[k] {
			continue
		}
		switch seedKind(k) {
		case seedNoAccents:
			if engine.RemoveDiacritics(id.displayName()) == id.displayName() {
				continue
			}
		case seedNamesake:
			if namesake(id) == "" {
				continue
			}
		}
		d.seeds[k] = &seed{kind: seedKind(k), no: strconv.Itoa(int(g.empNo[i])), id: id, c: cs[0]}
		return
	}
}

// displayName is the person's display name as the demo builds it.
func (id identity) displayName() string {
	return DisplayName(id.first, id.nick, id.prefix, id.last, id.partnerPrefix, id.partnerLast, id.convention)
}

// namesake returns a given name of the name tables that starts with the
// same letter as the name the person goes by, without diacritics, but is
// another name, or "".
func namesake(id identity) string {
	own := callName(id.first, id.nick)
	initial := AccountName(own, "", "", "x", "", "", "")[:1]
	for _, ng := range nameGroups {
		for _, list := range [][]string{ng.male, ng.female} {
			for _, n := range list {
				if n != own && AccountName(n, "", "", "x", "", "", "")[:1] == initial {
					return n
				}
			}
		}
	}
	return ""
}

// write writes the directory files into dir.
func (d *directories) write(g *generator, dir string) error {
	targets := demoTargets(g.large())
	ad := &file.Directory{Permissions: targets[0].Permissions}
	for _, dp := range g.depts {
		ad.Permissions = append(ad.Permissions, engine.Permission{ID: "GG-" + dp.code, Name: dp.name})
	}
	for _, s := range d.seeds {
		if s != nil {
			ad.Accounts = append(ad.Accounts, s.account(g))
		}
	}
	ad.Accounts = append(ad.Accounts, adAccount(true, []string{"GG-ICT-Admins"}, engine.Attributes{
		"sAMAccountName":    "svc-backup",
		"userPrincipalName": "svc-backup@" + EmailDomain,
		"displayName":       "Backup service",
		"description":       "Runs the nightly backup; owned by Infrastructure",
	}))
	if err := file.WriteDirectory(filepath.Join(dir, ADDirectoryFile), ad); err != nil {
		return err
	}
	google := &file.Directory{Permissions: targets[1].Permissions, Accounts: []file.Account{{
		Ref: ref("google", "admin@"+EmailDomain), Enabled: true,
		Attributes: engine.Attributes{
			"primaryEmail": "admin@" + EmailDomain, "name.givenName": "Workspace", "name.familyName": "Administrator", "orgUnitPath": "/",
		},
	}}}
	return file.WriteDirectory(filepath.Join(dir, GoogleDirectoryFile), google)
}

// large reports whether the organisation names accounts by employee
// number (see LargeOrganisation).
func (g *generator) large() bool { return g.opts.Persons >= LargeOrganisation }

// logonName is the logon name the demo's mapping gives a person at
// iteration 0.
func (g *generator) logonName(id identity, no string) string {
	if g.large() {
		return no
	}
	return accountName(id)
}

// account is the seed's account in Active Directory.
func (s *seed) account(g *generator) file.Account {
	id := s.id
	name := g.logonName(id, s.no)
	attrs := engine.Attributes{
		"sAMAccountName":    name,
		"userPrincipalName": name + "@" + EmailDomain,
		"givenName":         callName(id.first, id.nick),
		"sn":                familyDisplay(id.prefix, id.last, id.partnerPrefix, id.partnerLast, id.convention),
		"displayName":       id.displayName(),
		"mail":              id.email,
		"employeeID":        s.no,
		"department":        g.depts[s.c.dept].name,
		"title":             s.c.jobTitle,
	}
	switch s.kind {
	case seedOldTitle:
		attrs["title"] = "Junior " + s.c.jobTitle
	case seedOldDept:
		attrs["department"] = g.depts[g.previousDepartment(s.c.dept)].name
	case seedNoAccents:
		for _, a := range []string{"givenName", "sn", "displayName"} {
			attrs[a] = engine.RemoveDiacritics(attrs[a])
		}
	case seedNamesake:
		// a former employee, no longer in HR, kept disabled for the
		// archive: the person gets the next logon name (when logon
		// names are made from names)
		given := namesake(id)
		family := attrs["sn"]
		// from before the HR system's numbers, which start at 100001
		no := "9" + s.no[len(s.no)-4:]
		if g.large() {
			name = no
		}
		attrs = engine.Attributes{
			"sAMAccountName":    name,
			"userPrincipalName": name + "@" + EmailDomain,
			"givenName":         given,
			"sn":                family,
			"displayName":       given + " " + family,
			"mail":              MailAddress(given, "", id.prefix, id.last, id.partnerPrefix, id.partnerLast, id.convention),
			"employeeID":        no,
			"description":       "Left the organisation; kept for the archive",
		}
		return adAccount(false, nil, attrs)
	}
	return adAccount(true, []string{"GG-All-Staff"}, attrs)
}

// previousDepartment is a department the person in dept could have worked
// in before: another department of the division, or the division itself.
func (g *generator) previousDepartment(dept int) int {
	d := &g.depts[dept]
	for k := range g.depts {
		if o := &g.depts[k]; k != dept && o.division == d.division && o.level == levelDepartment {
			return k
		}
	}
	return 1 + d.division
}

// adAccount is an account of the Active Directory file.
func adAccount(enabled bool, permissions []string, attrs engine.Attributes) file.Account {
	return file.Account{Ref: ref("ad", attrs["sAMAccountName"]), Enabled: enabled, Attributes: attrs, Permissions: permissions}
}

// ref is a fixed reference for an account made by the generator, in the
// form the file connector gives: the same account has the same reference
// on every run.
func ref(target, identity string) string {
	h := fnv.New64a()
	h.Write([]byte(target + "\x00" + strings.ToLower(identity)))
	return "acct-" + strconv.FormatUint(h.Sum64()|1<<63, 16)
}
