package engine_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// fullPerson returns a person with every field set, three contracts,
// custom fields and issues, in canonical order.
func fullPerson() *engine.Person {
	ref := func(prefix string) engine.Ref {
		return engine.Ref{ExternalID: prefix + "-id", Code: prefix + "-code", Name: prefix + " name"}
	}
	contract := func(id string, start, end engine.Date, fte float64) engine.Contract {
		c := engine.Contract{
			ExternalID: id,
			StartDate:  start,
			EndDate:    end,
			Type:       ref(id + "-type"),
			Details: engine.ContractDetails{
				Fte:          engine.Num(fte),
				HoursPerWeek: engine.Num(fte * 40),
				Percentage:   engine.Num(fte * 100),
				Sequence:     engine.Num(1),
			},
			Department:   ref(id + "-dept"),
			Title:        ref(id + "-title"),
			Location:     ref(id + "-loc"),
			CostCenter:   ref(id + "-cc"),
			Employer:     ref(id + "-emp"),
			Team:         ref(id + "-team"),
			Division:     ref(id + "-div"),
			Organization: ref(id + "-org"),
			Manager:      engine.ManagerRef{ExternalID: "m-" + id},
		}
		c.Custom.Set("Grade", "11")
		c.Custom.Set("Union", "true")
		return c
	}
	p := &engine.Person{
		ID:          "hr:10042",
		Source:      "hr",
		ExternalID:  "10042",
		DisplayName: "Zoë Ørsted-Müller",
		Name: engine.Name{
			GivenName: "Zoë", NickName: "Zo", Initials: "Z.", FamilyName: "Müller", FamilyNamePrefix: "van der",
			FamilyNamePartner: "Ørsted", FamilyNamePartnerPrefix: "de", Convention: "PB",
		},
		Details: engine.Details{BirthDate: 19850317, Gender: "F"},
		Contact: engine.Contact{
			Business: engine.ContactDetails{Email: "zoe@example.com", Phone: engine.Phone{Mobile: "+31 6 1234", Fixed: "+31 20 555"}},
			Personal: engine.ContactDetails{Email: "zoe@home.example", Phone: engine.Phone{Mobile: "+31 6 9876", Fixed: "+31 20 444"}},
		},
		Location: engine.Ref{ExternalID: "ams", Code: "AMS", Name: "Amsterdam"},
		Excluded: true,
		Contracts: []engine.Contract{
			contract("C1", 20200101, 20231231, 0.5),
			contract("C2", 20240101, 0, 0.8),
			contract("C3", 20250101, 20251231, 0.2),
		},
		Issues: []engine.Issue{
			{Field: "Name.Convention", Message: "expected B, P, BP or PB"},
			{Field: "Details.Fte", Contract: "C2", Message: "expected a number", Blocking: true},
		},
	}
	p.Custom.Set("Badge", "B-17")
	p.Custom.Set("Hired", "2020-01-01")
	p.Contracts[2].Details.Sequence = engine.Number{} // an unset number
	p.Contracts[1].Details.Percentage = engine.Num(0) // a zero that is set
	engine.CanonicalizePerson(p)
	return p
}

func TestPersonRecordRoundTripsEveryField(t *testing.T) {
	p := fullPerson()
	b := engine.AppendPerson(nil, p)
	back, err := engine.DecodePerson(b)
	require.NoError(t, err)
	require.Equal(t, p, back)
}

func TestMinimalPersonRecordRoundTrips(t *testing.T) {
	p := &engine.Person{ID: "hr:1", Source: "hr", ExternalID: "1"}
	back, err := engine.DecodePerson(engine.AppendPerson(nil, p))
	require.NoError(t, err)
	require.Equal(t, p, back)
}

func TestAppendPersonAppendsToTheGivenBuffer(t *testing.T) {
	prefix := []byte("prefix")
	b := engine.AppendPerson(prefix, fullPerson())
	require.True(t, bytes.HasPrefix(b, prefix))
	back, err := engine.DecodePerson(b[len(prefix):])
	require.NoError(t, err)
	require.Equal(t, fullPerson(), back)
}

func TestPersonEncodingIsDeterministic(t *testing.T) {
	a := engine.AppendPerson(nil, fullPerson())
	b := engine.AppendPerson(nil, fullPerson())
	require.Equal(t, a, b)
	assert.Equal(t, engine.HashOf(a), engine.HashOf(b))
	assert.Len(t, engine.HashOf(a).String(), 32)

	changed := fullPerson()
	changed.Contracts[1].Details.Fte = engine.Num(0.9)
	assert.NotEqual(t, engine.HashOf(a), engine.HashOf(engine.AppendPerson(nil, changed)))
}

func TestCanonicalizePersonMakesOrderingsHashTheSame(t *testing.T) {
	a, b := fullPerson(), fullPerson()
	// Shuffle b's contracts and issues.
	b.Contracts[0], b.Contracts[2] = b.Contracts[2], b.Contracts[0]
	b.Issues[0], b.Issues[1] = b.Issues[1], b.Issues[0]
	require.NotEqual(t, engine.HashOf(engine.AppendPerson(nil, a)), engine.HashOf(engine.AppendPerson(nil, b)))

	engine.CanonicalizePerson(b)
	assert.Equal(t, a, b)
	assert.Equal(t, engine.HashOf(engine.AppendPerson(nil, a)), engine.HashOf(engine.AppendPerson(nil, b)))
}

func TestCanonicalizePersonOrdersContractsByIDThenDates(t *testing.T) {
	p := &engine.Person{Contracts: []engine.Contract{
		{ExternalID: "b", StartDate: 20240101},
		{ExternalID: "", StartDate: 20240301, EndDate: 20240401},
		{ExternalID: "", StartDate: 20240301, EndDate: 20240331},
		{ExternalID: "", StartDate: 20230101},
		{ExternalID: "a", StartDate: 20250101},
	}, Issues: []engine.Issue{
		{Contract: "b", Field: "StartDate"},
		{Contract: "", Field: "Name.GivenName"},
		{Contract: "a", Field: "EndDate"},
		{Contract: "", Field: "DisplayName"},
	}}
	engine.CanonicalizePerson(p)
	var got []string
	for _, c := range p.Contracts {
		got = append(got, fmt.Sprintf("%s/%s/%s", c.ExternalID, c.StartDate, c.EndDate))
	}
	assert.Equal(t, []string{"/2023-01-01/", "/2024-03-01/2024-03-31", "/2024-03-01/2024-04-01", "a/2025-01-01/", "b/2024-01-01/"}, got)
	got = nil
	for _, is := range p.Issues {
		got = append(got, is.Contract+"/"+is.Field)
	}
	assert.Equal(t, []string{"/DisplayName", "/Name.GivenName", "a/EndDate", "b/StartDate"}, got)
}

func TestDecodePersonRejectsTruncatedRecords(t *testing.T) {
	b := engine.AppendPerson(nil, fullPerson())
	for n := 0; n < len(b); n++ {
		p, err := engine.DecodePerson(b[:n])
		require.Error(t, err, "truncated to %d of %d bytes", n, len(b))
		assert.Nil(t, p)
	}
}

func TestDecodePersonRejectsTrailingBytesAndOtherRecordKinds(t *testing.T) {
	b := engine.AppendPerson(nil, fullPerson())
	_, err := engine.DecodePerson(append(b[:len(b):len(b)], 0))
	require.Error(t, err, "a trailing byte")

	_, err = engine.DecodePerson(engine.AppendDepartments(nil, []engine.Department{{Source: "hr", ExternalID: "x"}}))
	require.Error(t, err, "a departments record")

	_, err = engine.DecodeDepartments(b)
	require.Error(t, err, "a person record")

	wrongVersion := append([]byte{99}, b[1:]...)
	_, err = engine.DecodePerson(wrongVersion)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "corrupt")
}

func TestDecodePersonSurvivesCorruptedBytes(t *testing.T) {
	b := engine.AppendPerson(nil, fullPerson())
	for i := 1; i < len(b); i++ {
		for _, v := range []byte{0x00, 0x7f, 0x80, 0xff, b[i] ^ 0x01} {
			c := bytes.Clone(b)
			c[i] = v
			require.NotPanics(t, func() { _, _ = engine.DecodePerson(c) }, "byte %d set to %#x", i, v)
		}
	}
}

func TestDepartmentsRoundTrip(t *testing.T) {
	ds := []engine.Department{
		{Source: "hr", ExternalID: "it", Code: "IT", DisplayName: "Information technology", ParentExternalID: "root", ManagerExternalID: "cio"},
		{Source: "hr", ExternalID: "root", DisplayName: "Board"},
		{Source: "hr", ExternalID: "ünï", Code: "U"},
	}
	b := engine.AppendDepartments(nil, ds)
	back, err := engine.DecodeDepartments(b)
	require.NoError(t, err)
	require.Equal(t, ds, back)

	back, err = engine.DecodeDepartments(engine.AppendDepartments(nil, nil))
	require.NoError(t, err)
	assert.Empty(t, back)

	for n := 0; n < len(b); n++ {
		_, err := engine.DecodeDepartments(b[:n])
		require.Error(t, err, "truncated to %d bytes", n)
	}
}

func FuzzDecodePerson(f *testing.F) {
	full := engine.AppendPerson(nil, fullPerson())
	f.Add(full)
	f.Add(engine.AppendPerson(nil, &engine.Person{ID: "hr:1"}))
	f.Add(full[:len(full)/2])
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add(engine.AppendDepartments(nil, []engine.Department{{Source: "hr", ExternalID: "x"}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := engine.DecodePerson(b)
		if err != nil {
			require.Nil(t, p)
			return
		}
		// Whatever decodes re-encodes to a record that decodes the same.
		again, err := engine.DecodePerson(engine.AppendPerson(nil, p))
		require.NoError(t, err)
		if !hasNaN(p) {
			require.Equal(t, p, again)
		}
	})
}

func hasNaN(p *engine.Person) bool {
	for _, c := range p.Contracts {
		for _, n := range []engine.Number{c.Details.Fte, c.Details.HoursPerWeek, c.Details.Percentage, c.Details.Sequence} {
			if n.V != n.V {
				return true
			}
		}
	}
	return false
}

func FuzzDecodeDepartments(f *testing.F) {
	f.Add(engine.AppendDepartments(nil, []engine.Department{{Source: "hr", ExternalID: "x", ManagerExternalID: "m"}}))
	f.Add([]byte{2, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := engine.DecodeDepartments(b)
		if err != nil {
			return
		}
		again, err := engine.DecodeDepartments(engine.AppendDepartments(nil, ds))
		require.NoError(t, err)
		require.Equal(t, ds, again)
	})
}
