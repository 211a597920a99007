package accounts_test

import (
	"testing"

	"provisio/engine"
	"provisio/engine/accounts"
)

// BenchmarkValues computes the create-stage attributes of one person
// through a realistic Active Directory mapping: 10 attributes, of which
// 2 are snippets (a unique sAMAccountName and a display name), 7 person,
// primary contract, manager and other-account fields and 1 fixed value.
func BenchmarkValues(b *testing.B) {
	m, err := accounts.Compile(target(
		row("sAMAccountName", true, create(complexJS(`const name = removeDiacritics(Person.Name.GivenName.charAt(0) + Person.Name.FamilyName).toLowerCase().replace(/[^a-z0-9]/g, '')
Iteration === 0 ? name : name + Iteration`))),
		row("displayName", false, create(complexJS(`const given = Person.Name.NickName || Person.Name.GivenName
const dept = Person.PrimaryContract ? ' (' + Person.PrimaryContract.Department.Code + ')' : ''
given + ' ' + Person.Name.FamilyName + dept`))),
		row("givenName", false, create(field("Name.GivenName"))),
		row("sn", false, create(field("Name.FamilyName"))),
		row("mail", false, create(field("Accounts.google.primaryEmail"))),
		row("employeeID", false, create(field("ExternalId"))),
		row("department", false, create(field("PrimaryContract.Department.Name"))),
		row("title", false, create(field("PrimaryContract.Title.Name"))),
		row("managerMail", false, create(field("Manager.Contact.Business.Email"))),
		row("company", false, create(fixed("Acme Corporation"))),
	), newEnv(b), []string{"sAMAccountName"}, testTargets)
	if err != nil {
		b.Fatal(err)
	}
	ps := newPeople(b)
	in := adaInput(ps)
	s := m.NewSession()
	got, err := s.Values(engine.StageCreate, in)
	if err != nil || got["sAMAccountName"] != "alovelace" || got["displayName"] != "Ada Lovelace (IT)" || len(got) != 10 {
		b.Fatalf("mapping failed: %v %v", err, got)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Values(engine.StageCreate, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValuesFieldsOnly is BenchmarkValues without snippets: what an
// attribute costs that never touches JavaScript.
func BenchmarkValuesFieldsOnly(b *testing.B) {
	m, err := accounts.Compile(target(
		row("givenName", false, create(field("Name.GivenName"))),
		row("sn", false, create(field("Name.FamilyName"))),
		row("mail", false, create(field("Accounts.google.primaryEmail"))),
		row("employeeID", false, create(field("ExternalId"))),
		row("department", false, create(field("PrimaryContract.Department.Name"))),
		row("title", false, create(field("PrimaryContract.Title.Name"))),
		row("managerMail", false, create(field("Manager.Contact.Business.Email"))),
		row("company", false, create(fixed("Acme Corporation"))),
	), newEnv(b), nil, testTargets)
	if err != nil {
		b.Fatal(err)
	}
	in := adaInput(newPeople(b))
	s := m.NewSession()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Values(engine.StageCreate, in); err != nil {
			b.Fatal(err)
		}
	}
}
