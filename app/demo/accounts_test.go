package demo

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/connectors"
	"provisio/connectors/file"
	"provisio/engine"
	"provisio/engine/accounts"
	"provisio/engine/mapping"
	"provisio/engine/rules"
)

// targetMappers compiles the account mappings of the generated
// configuration as an evaluation does.
func targetMappers(t *testing.T, cfg *engine.Config) (*rules.Env, map[string]*accounts.Mapper) {
	t.Helper()
	env, err := rules.NewEnv(cfg)
	require.NoError(t, err)
	var keys []string
	for _, tg := range cfg.TargetSystems {
		keys = append(keys, tg.Key)
	}
	out := map[string]*accounts.Mapper{}
	for i := range cfg.TargetSystems {
		tg := &cfg.TargetSystems[i]
		kind, ok := connectors.Target(tg.Kind)
		require.True(t, ok, "%s: connector kind %q", tg.Key, tg.Kind)
		m, err := accounts.Compile(tg, env, kind.IdentityFor(tg.Settings), keys)
		require.NoError(t, err, tg.Key)
		out[tg.Key] = m
	}
	return env, out
}

func TestConfigDescribesTheTargets(t *testing.T) {
	dir, _, _ := generate(t, Options{Persons: MinPersons})
	cfg := loadConfig(t, dir)
	_, mappers := targetMappers(t, cfg)
	order, err := accounts.Order(mappers)
	require.NoError(t, err)
	assert.Equal(t, []string{"ad", "google"}, order, "Google Workspace reads Active Directory's mail")

	for key, name := range map[string]string{"ad": ADDirectoryFile, "google": GoogleDirectoryFile} {
		tg, _ := cfg.TargetSystem(key)
		assert.Equal(t, "file", tg.Kind)
		assert.Equal(t, name, tg.Settings["path"])
		assert.FileExists(t, filepath.Join(dir, name), "%s is relative to config.json's folder", name)
		for _, th := range tg.Thresholds {
			assert.Nil(t, th.MaxCount, "%s %s: only percentages, which a target without accounts does not check", key, th.Op)
			_, breached := th.Check(300, 0)
			assert.False(t, breached, "%s %s: the first run is not held back", key, th.Op)
		}
	}
	ad, _ := cfg.TargetSystem("ad")
	assert.Equal(t, &engine.Correlation{PersonField: "ExternalId", Attribute: "employeeID"}, ad.Correlation)
	assert.Equal(t, engine.Lifecycle{End: engine.EndKeepDisabled, DeleteAfterDays: 30}, ad.Lifecycle)
	assert.Equal(t, []string{"sAMAccountName", "userPrincipalName", "mail"}, mappers["ad"].Unique())
	assert.Equal(t, []string{"description"}, mappers["ad"].Attributes(engine.StageDisable))
}

// person is the person of a generated row, as the import makes it.
func person(t *testing.T, s *mapping.Session, r row) *engine.Person {
	t.Helper()
	p, errs := s.Person(record(engine.RecordPerson, r, "EmployeeNumber"))
	require.Empty(t, errs)
	return p
}

// TestAccountMappingMatchesItsGoTwins computes the Active Directory
// attributes of every generated person with the demo's snippets and
// compares them with AccountName, MailAddress, callName and familyDisplay,
// which the generator makes its accounts with.
func TestAccountMappingMatchesItsGoTwins(t *testing.T) {
	dir, _, ds := generate(t, Options{Persons: DefaultPersons})
	cfg := loadConfig(t, dir)
	env, mappers := targetMappers(t, cfg)
	src := compile(t, cfg, ds).NewSession()

	hand := []map[string]string{
		{"FirstName": "Johannes Maria", "Nickname": "Jan", "Prefix": "van den", "LastName": "Berg"},
		{"FirstName": "Zoë", "LastName": "Müller", "PartnerPrefix": "van der", "PartnerLastName": "Meer", "NameConvention": "P"},
		{"FirstName": "Łukasz", "LastName": "Wiśniewski"},
		{"FirstName": "Siobhán", "LastName": "Ó Súilleabháin"},
		{"FirstName": "Giulia", "LastName": "D'Angelo"},
		{"FirstName": "Đức", "LastName": "Nguyễn"},
		{"FirstName": "İsmail", "LastName": "Çelik"},
		{"FirstName": "Anne-Sophie", "LastName": "Lemaître"},
		{"FirstName": "Maximilian", "Nickname": "Max", "Prefix": "van der", "LastName": "Heijden", "PartnerPrefix": "in 't", "PartnerLastName": "Veld", "NameConvention": "BP"},
	}
	var rows []row
	for i, h := range hand {
		h["EmployeeNumber"] = "9" + pad(i, 3)
		rows = append(rows, rowOf(ds.persons, h))
	}
	for _, r := range ds.persons.rows {
		if r.get("LastName") != "" {
			rows = append(rows, r)
		}
	}
	persons := make([]*engine.Person, len(rows))
	for i, r := range rows {
		persons[i] = person(t, src, r)
	}
	pop := rules.NewPopulation(env, persons, nil, DefaultAsOf)
	session := mappers["ad"].NewSession()
	var subject rules.Subject
	for i, r := range rows {
		pop.Subject(i, &subject)
		given, nick, prefix, last := r.get("FirstName"), r.get("Nickname"), r.get("Prefix"), r.get("LastName")
		pp, pl, conv := r.get("PartnerPrefix"), r.get("PartnerLastName"), r.get("NameConvention")
		got, err := session.Values(engine.StageCreate, &accounts.Input{Subject: &subject})
		require.NoError(t, err)
		name := AccountName(given, nick, prefix, last, pp, pl, conv)
		want := engine.Attributes{
			"sAMAccountName": name, "userPrincipalName": name + "@" + EmailDomain,
			"givenName": callName(given, nick), "sn": familyDisplay(prefix, last, pp, pl, conv),
			"mail": MailAddress(given, nick, prefix, last, pp, pl, conv), "employeeID": r.get("EmployeeNumber"),
		}
		for attr, v := range want {
			assert.Equal(t, v, got[attr], "%s of %s %s", attr, given, last)
		}
		assert.Regexp(t, `^[a-z]{1,20}$`, got["sAMAccountName"])
		if email := r.get("WorkEmail"); email != "" {
			// the export's addresses are made the same way; a second
			// person with the same name got a number from HR
			local, _, _ := strings.Cut(got["mail"], "@")
			assert.Regexp(t, "^"+regexp.QuoteMeta(local)+`\d*@`, email, "the HR address of %s %s", given, last)
		}

		// a name taken gets the iteration, within 20 characters
		again, err := session.Values(engine.StageCreate, &accounts.Input{Subject: &subject, Iteration: 12})
		require.NoError(t, err)
		assert.Equal(t, name[:min(len(name), 18)]+"12", again["sAMAccountName"])
		assert.Equal(t, again["sAMAccountName"]+"@"+EmailDomain, again["userPrincipalName"], "the same iteration")
		local, _, _ := strings.Cut(want["mail"], "@")
		assert.Equal(t, local+"12@"+EmailDomain, again["mail"])
	}

	for i, want := range []string{"jvandenberg", "zvandermeer", "lwisniewski", "sosuilleabhain", "gdangelo", "dnguyen", "icelik", "alemaitre", "mvanderheijdenintvel"} {
		pop.Subject(i, &subject)
		got, err := session.Values(engine.StageCreate, &accounts.Input{Subject: &subject})
		require.NoError(t, err)
		assert.Equal(t, want, got["sAMAccountName"])
	}
	pop.Subject(1, &subject)
	got, err := session.Values(engine.StageCreate, &accounts.Input{Subject: &subject})
	require.NoError(t, err)
	assert.Equal(t, "zoe.vandermeer@"+EmailDomain, got["mail"])
	assert.Equal(t, "van der Meer", got["sn"], "the name the convention asks for")
	disabled, err := session.Values(engine.StageDisable, &accounts.Input{Subject: &subject})
	require.NoError(t, err)
	assert.Equal(t, engine.Attributes{"description": DisabledDescription}, disabled)
	enabled, err := session.Values(engine.StageEnable, &accounts.Input{Subject: &subject})
	require.NoError(t, err)
	assert.Equal(t, engine.Attributes{"description": ""}, enabled, "enabling clears it")

	google, err := mappers["google"].NewSession().Values(engine.StageCreate, &accounts.Input{Subject: &subject,
		Accounts: map[string]engine.Attributes{"ad": got}})
	require.NoError(t, err)
	assert.Equal(t, engine.Attributes{"primaryEmail": got["mail"], "name.givenName": "Zoë", "name.familyName": "van der Meer", "orgUnitPath": "/Staff"}, google)
}

// TestDirectoryFilesHoldTheGroupsAndAFewAccounts checks the directory
// files: every group a rule can grant is declared, and Active Directory
// holds three employees' accounts, each out of date in one way, a former
// employee with a current employee's logon name and a service account.
func TestDirectoryFilesHoldTheGroupsAndAFewAccounts(t *testing.T) {
	dir, _, ds := generate(t, Options{Persons: DefaultPersons})
	cfg := loadConfig(t, dir)
	ad, err := file.ReadDirectory(filepath.Join(dir, ADDirectoryFile))
	require.NoError(t, err)
	google, err := file.ReadDirectory(filepath.Join(dir, GoogleDirectoryFile))
	require.NoError(t, err)

	adTarget, _ := cfg.TargetSystem("ad")
	wantGroups := slices.Clone(adTarget.Permissions)
	for _, d := range ds.departments.rows {
		wantGroups = append(wantGroups, engine.Permission{ID: "GG-" + d.get("Code"), Name: d.get("Name")})
	}
	assert.Equal(t, wantGroups, ad.Permissions, "the listed groups, and the group rule \"Department groups\" grants for each department")
	googleTarget, _ := cfg.TargetSystem("google")
	assert.Equal(t, googleTarget.Permissions, google.Permissions)

	// the connector reads them
	for _, tg := range cfg.TargetSystems {
		c, err := file.New(tg.Settings, engine.ConnectorEnv{BaseDir: dir}, engine.TargetOptions{})
		require.NoError(t, err)
		n := 0
		require.NoError(t, c.ListAccounts(t.Context(), nil, func(*engine.Account) error { n++; return nil }))
		assert.Positive(t, n, tg.Key)
	}

	type account = file.Account
	var employees, others []account
	names := map[string]bool{}
	for _, a := range ad.Accounts {
		sam := a.Attributes["sAMAccountName"]
		require.False(t, names[strings.ToLower(sam)], "logon names are unique: %s", sam)
		names[strings.ToLower(sam)] = true
		if _, ok := ds.person[a.Attributes["employeeID"]]; ok {
			employees = append(employees, a)
		} else {
			others = append(others, a)
		}
	}
	require.Len(t, employees, 3)
	outdated := map[string]int{}
	for _, a := range employees {
		r := ds.person[a.Attributes["employeeID"]]
		require.Len(t, ds.contractsOf[r.get("EmployeeNumber")], 1)
		c := ds.contractsOf[r.get("EmployeeNumber")][0]
		assert.Equal(t, "Permanent", c.get("ContractType"))
		assert.Empty(t, c.get("EndDate"))
		assert.True(t, a.Enabled)
		args := []string{r.get("FirstName"), r.get("Nickname"), r.get("Prefix"), r.get("LastName"), r.get("PartnerPrefix"), r.get("PartnerLastName"), r.get("NameConvention")}
		name := AccountName(args[0], args[1], args[2], args[3], args[4], args[5], args[6])
		assert.Equal(t, name, a.Attributes["sAMAccountName"])
		assert.Equal(t, name+"@"+EmailDomain, a.Attributes["userPrincipalName"])
		assert.Equal(t, r.get("WorkEmail"), a.Attributes["mail"], "the mailbox HR knows")
		current := map[string]string{
			"givenName": callName(args[0], args[1]), "sn": familyDisplay(args[2], args[3], args[4], args[5], args[6]),
			"displayName": DisplayName(args[0], args[1], args[2], args[3], args[4], args[5], args[6]), "department": c.get("DepartmentName"), "title": c.get("JobTitle"),
		}
		var differ []string
		for attr, v := range current {
			if a.Attributes[attr] != v {
				differ = append(differ, attr)
			}
		}
		slices.Sort(differ)
		switch {
		case slices.Equal(differ, []string{"title"}):
			assert.Equal(t, "Junior "+current["title"], a.Attributes["title"])
			outdated["promoted"]++
		case slices.Equal(differ, []string{"department"}):
			outdated["moved"]++
		case len(differ) > 0 && !slices.ContainsFunc(differ, func(s string) bool { return s == "department" || s == "title" }):
			for _, attr := range differ {
				assert.Equal(t, engine.RemoveDiacritics(current[attr]), a.Attributes[attr])
			}
			outdated["typed without accents"]++
		default:
			t.Errorf("%s: the account differs in %v", name, differ)
		}
	}
	assert.Equal(t, map[string]int{"promoted": 1, "moved": 1, "typed without accents": 1}, outdated)

	require.Len(t, others, 2)
	former, service := others[0], others[1]
	assert.False(t, former.Enabled, "the former employee's account is disabled")
	assert.Len(t, former.Attributes["employeeID"], 5, "an employee id from before HR's numbers")
	namesakes := 0
	for _, r := range ds.persons.rows {
		if AccountName(r.get("FirstName"), r.get("Nickname"), r.get("Prefix"), r.get("LastName"), r.get("PartnerPrefix"), r.get("PartnerLastName"), r.get("NameConvention")) == former.Attributes["sAMAccountName"] {
			namesakes++
		}
	}
	assert.Equal(t, 1, namesakes, "a current employee would get the former employee's logon name")
	assert.Equal(t, "svc-backup", service.Attributes["sAMAccountName"])
	assert.Equal(t, []string{"GG-ICT-Admins"}, service.Permissions)

	require.Len(t, google.Accounts, 1)
	assert.Equal(t, "admin@"+EmailDomain, google.Accounts[0].Attributes["primaryEmail"])
}

func TestDirectoryFilesStaySmallAtScale(t *testing.T) {
	dir, sum, _ := generate(t, Options{Persons: 20_000})
	st, err := os.Stat(filepath.Join(dir, ADDirectoryFile))
	require.NoError(t, err)
	assert.Less(t, st.Size(), int64(100*sum.Departments+8<<10), "a group per department and a few accounts")
	ad, err := file.ReadDirectory(filepath.Join(dir, ADDirectoryFile))
	require.NoError(t, err)
	assert.Len(t, ad.Accounts, 5)
	assert.Len(t, ad.Permissions, 4+sum.Departments)
}

func TestALargeOrganisationNamesAccountsByEmployeeNumber(t *testing.T) {
	dir, _, ds := generate(t, Options{Persons: LargeOrganisation})
	cfg := loadConfig(t, dir)
	env, mappers := targetMappers(t, cfg)
	src := compile(t, cfg, ds).NewSession()
	var rows []row
	var persons []*engine.Person
	for _, r := range ds.persons.rows[:500] {
		if r.get("LastName") != "" {
			rows = append(rows, r)
			persons = append(persons, person(t, src, r))
		}
	}
	pop := rules.NewPopulation(env, persons, nil, DefaultAsOf)
	session := mappers["ad"].NewSession()
	var subject rules.Subject
	newHires := 0
	for i, r := range rows {
		pop.Subject(i, &subject)
		got, err := session.Values(engine.StageCreate, &accounts.Input{Subject: &subject})
		require.NoError(t, err)
		no := r.get("EmployeeNumber")
		assert.Equal(t, no, got["sAMAccountName"])
		assert.Equal(t, no+"@"+EmailDomain, got["userPrincipalName"])
		given, nick, prefix, last := r.get("FirstName"), r.get("Nickname"), r.get("Prefix"), r.get("LastName")
		pp, pl, conv := r.get("PartnerPrefix"), r.get("PartnerLastName"), r.get("NameConvention")
		if email := r.get("WorkEmail"); email != "" {
			assert.Equal(t, email, got["mail"], "the address HR has")
		} else {
			newHires++
			assert.Equal(t, MailAddress(given, nick, prefix, last, pp, pl, conv), got["mail"], "a new hire's is made from the name")
			again, err := session.Values(engine.StageCreate, &accounts.Input{Subject: &subject, Iteration: 2})
			require.NoError(t, err)
			local, _, _ := strings.Cut(got["mail"], "@")
			assert.Equal(t, local+"2@"+EmailDomain, again["mail"])
		}
		assert.Equal(t, callName(given, nick), got["givenName"])
		assert.Equal(t, familyDisplay(prefix, last, pp, pl, conv), got["sn"])
	}
	assert.Positive(t, newHires)

	ad, err := file.ReadDirectory(filepath.Join(dir, ADDirectoryFile))
	require.NoError(t, err)
	require.Len(t, ad.Accounts, 5)
	for _, a := range ad.Accounts[:4] {
		assert.Equal(t, a.Attributes["employeeID"], a.Attributes["sAMAccountName"], "the seeded accounts are named the same way")
	}
}
