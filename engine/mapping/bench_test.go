package mapping_test

import (
	"testing"

	"provisio/engine"
	"provisio/engine/mapping"
)

// BenchmarkMapPerson maps one person with one contract through a realistic
// mapping: 15 field mappings (10 person, 5 contract, with dates, numbers
// and a boolean to convert) and a DisplayName snippet.
func BenchmarkMapPerson(b *testing.B) {
	src := &engine.SourceSystem{
		Key:         "hr",
		Name:        "HR export",
		DateFormats: []string{"dd-MM-yyyy"},
		Mapping: engine.SourceMapping{
			Person: []engine.FieldMapping{
				field("ExternalId", "employee_id"),
				field("Name.GivenName", "first_name"),
				field("Name.NickName", "nick_name"),
				field("Name.Initials", "initials"),
				field("Name.FamilyNamePrefix", "prefix"),
				field("Name.FamilyName", "last_name"),
				field("Name.Convention", "convention"),
				field("Details.BirthDate", "birth_date"),
				field("Contact.Business.Email", "email"),
				field("Excluded", "excluded"),
				complexJS("DisplayName", `var given = source.nick_name || source.first_name;
var family = source.prefix ? source.prefix + ' ' + source.last_name : source.last_name;
given + ' ' + family`),
			},
			Contract: []engine.FieldMapping{
				field("ExternalId", "contract_id"),
				field("StartDate", "start_date"),
				field("EndDate", "end_date"),
				field("Details.Fte", "fte"),
				field("Department.ExternalId", "department"),
			},
		},
	}
	m, err := mapping.Compile(src, engine.NewFields(engine.Schema{}), mapping.Options{})
	if err != nil {
		b.Fatal(err)
	}
	person := record(2, "10042",
		"employee_id", "10042", "first_name", "Johanna", "nick_name", "Jo", "initials", "J.M.",
		"prefix", "van der", "last_name", "Berg", "convention", "b", "birth_date", "17-03-1985",
		"email", "jo.vanderberg@example.com", "excluded", "nee")
	contracts := []*engine.RawRecord{contractRecord(2, "10042",
		"contract_id", "C-10042-1", "start_date", "01-02-2019", "end_date", "", "fte", "0,8", "department", "FIN")}

	s := m.NewSession()
	if p, errs := s.MapPerson(person, contracts); len(errs) > 0 || p.DisplayName != "Jo van der Berg" {
		b.Fatalf("mapping failed: %v %q", errs, p.DisplayName)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.MapPerson(person, contracts)
	}
}
