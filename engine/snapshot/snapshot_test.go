package snapshot_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"provisio/engine"
	"provisio/engine/snapshot"
)

func index(entries ...engine.IndexEntry) *engine.SnapshotIndex {
	return &engine.SnapshotIndex{Entries: entries}
}

func entry(id string, hash byte) engine.IndexEntry {
	return engine.IndexEntry{ID: id, Ref: engine.RecordRef{Seq: uint64(hash), Hash: engine.Hash{hash}}}
}

func TestDiffIndexes(t *testing.T) {
	tests := []struct {
		name     string
		old, new *engine.SnapshotIndex
		want     snapshot.IndexDiff
	}{
		{"both empty", index(), index(), snapshot.IndexDiff{}},
		{"identical", index(entry("hr:1", 1), entry("hr:2", 2)), index(entry("hr:1", 1), entry("hr:2", 2)), snapshot.IndexDiff{}},
		{"everything added", index(), index(entry("hr:1", 1), entry("hr:2", 2)), snapshot.IndexDiff{Added: []string{"hr:1", "hr:2"}}},
		{"everything removed", index(entry("hr:1", 1), entry("hr:2", 2)), index(), snapshot.IndexDiff{Removed: []string{"hr:1", "hr:2"}}},
		{"a new record with the same hash is unchanged", index(entry("hr:1", 1)), index(engine.IndexEntry{ID: "hr:1", Ref: engine.RecordRef{Seq: 99, Hash: engine.Hash{1}}}), snapshot.IndexDiff{}},
		{"mixed",
			index(entry("erp:1", 1), entry("hr:1", 1), entry("hr:2", 2), entry("hr:4", 4), entry("hr:9", 9)),
			index(entry("hr:1", 1), entry("hr:2", 7), entry("hr:3", 3), entry("hr:4", 8), entry("hr:9", 9), entry("zz:1", 1)),
			snapshot.IndexDiff{Added: []string{"hr:3", "zz:1"}, Removed: []string{"erp:1"}, Changed: []string{"hr:2", "hr:4"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, snapshot.DiffIndexes(tt.old, tt.new))
		})
	}
}

func basePerson() *engine.Person {
	return &engine.Person{
		ID: "hr:1", Source: "hr", ExternalID: "1",
		Name: engine.Name{GivenName: "Ada", FamilyName: "Lovelace"},
		Contracts: []engine.Contract{
			{ExternalID: "C1", StartDate: 20240101, Title: engine.Ref{Name: "Engineer"}, Details: engine.ContractDetails{Fte: engine.Num(1)}},
			{ExternalID: "C2", StartDate: 20230101, EndDate: 20231231},
		},
	}
}

func TestDiffPersonsOfTheSamePersonIsEmpty(t *testing.T) {
	f := engine.NewFields(engine.Schema{})
	assert.Empty(t, snapshot.DiffPersons(basePerson(), basePerson(), f))
}

func TestDiffPersonsReportsChangedPersonFields(t *testing.T) {
	f := engine.NewFields(engine.Schema{PersonFields: []engine.CustomField{{Name: "Badge", Type: engine.TypeText}}})
	old, new := basePerson(), basePerson()
	new.Name.GivenName = "Augusta"
	new.Name.FamilyName = ""
	new.Contact.Business.Email = "ada@example.com"
	new.Excluded = true
	new.Custom.Set("Badge", "B-1")
	assert.Equal(t, []snapshot.FieldChange{
		{Path: "Name.GivenName", Label: "Given name", Old: "Ada", New: "Augusta"},
		{Path: "Name.FamilyName", Label: "Family name", Old: "Lovelace", New: ""},
		{Path: "Contact.Business.Email", Label: "Business e-mail", Old: "", New: "ada@example.com"},
		{Path: "Excluded", Label: "Excluded", Old: "", New: "true"},
		{Path: "Custom.Badge", Label: "Badge", Old: "", New: "B-1"},
	}, snapshot.DiffPersons(old, new, f))
}

func TestDiffPersonsReportsAChangedContractFieldUnderItsKey(t *testing.T) {
	f := engine.NewFields(engine.Schema{})
	old, new := basePerson(), basePerson()
	new.Contracts[0].Title.Name = "Lead engineer"
	new.Contracts[1].EndDate = 20240131
	assert.Equal(t, []snapshot.FieldChange{
		{Path: "Contracts[C1].Title.Name", Label: "Title name", Old: "Engineer", New: "Lead engineer"},
		{Path: "Contracts[C2].EndDate", Label: "End date", Old: "2023-12-31", New: "2024-01-31"},
	}, snapshot.DiffPersons(old, new, f))
}

func TestDiffPersonsReportsAddedAndRemovedContracts(t *testing.T) {
	f := engine.NewFields(engine.Schema{})
	old, new := basePerson(), basePerson()
	new.Contracts = []engine.Contract{old.Contracts[0], {ExternalID: "C3", StartDate: 20250101}}
	assert.Equal(t, []snapshot.FieldChange{
		{Path: "Contracts[C3].ExternalId", Label: "Contract id", Old: "", New: "C3"},
		{Path: "Contracts[C3].StartDate", Label: "Start date", Old: "", New: "2025-01-01"},
		{Path: "Contracts[C2].ExternalId", Label: "Contract id", Old: "C2", New: ""},
		{Path: "Contracts[C2].StartDate", Label: "Start date", Old: "2023-01-01", New: ""},
		{Path: "Contracts[C2].EndDate", Label: "End date", Old: "2023-12-31", New: ""},
	}, snapshot.DiffPersons(old, new, f))
}

func TestDiffPersonsMatchesContractsWithoutIDByPosition(t *testing.T) {
	f := engine.NewFields(engine.Schema{})
	old := &engine.Person{Contracts: []engine.Contract{{StartDate: 20240101}}}
	new := &engine.Person{Contracts: []engine.Contract{{StartDate: 20240201}}}
	assert.Equal(t, []snapshot.FieldChange{
		{Path: "Contracts[#1].StartDate", Label: "Start date", Old: "2024-01-01", New: "2024-02-01"},
	}, snapshot.DiffPersons(old, new, f))
}

func TestDiffPersonsReportsIssueChanges(t *testing.T) {
	f := engine.NewFields(engine.Schema{})
	old, new := basePerson(), basePerson()
	new.Issues = []engine.Issue{
		{Field: "Name.Convention", Message: `field "Name.Convention": expected B, P, BP or PB, got "X"`},
		{Field: "StartDate", Contract: "C1", Message: "bad date", Blocking: true},
	}
	assert.Equal(t, []snapshot.FieldChange{
		{Path: "Issues", Label: "Data problems", Old: "", New: `field "Name.Convention": expected B, P, BP or PB, got "X"; bad date`},
	}, snapshot.DiffPersons(old, new, f))

	// Fixed problems show the other way round.
	assert.Equal(t, []snapshot.FieldChange{
		{Path: "Issues", Label: "Data problems", Old: `field "Name.Convention": expected B, P, BP or PB, got "X"; bad date`, New: ""},
	}, snapshot.DiffPersons(new, old, f))
}
