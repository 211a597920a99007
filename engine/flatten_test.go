package engine_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func paths(fvs []engine.FieldValue) map[string]string {
	m := map[string]string{}
	for _, fv := range fvs {
		m[fv.Path] = fv.Value
	}
	return m
}

func TestFlattenPersonWithoutEmpties(t *testing.T) {
	f := engine.NewFields(testSchema())
	p := &engine.Person{
		ExternalID: "42",
		Name:       engine.Name{GivenName: "Ada"},
		Details:    engine.Details{BirthDate: 19851210},
		Contracts: []engine.Contract{
			{ExternalID: "C1", StartDate: 20240101, Details: engine.ContractDetails{Fte: engine.Num(0.8)}},
			{StartDate: 20230101, Title: engine.Ref{Name: "Engineer"}},
		},
	}
	p.Custom.Set("Level", "3")
	got := engine.FlattenPerson(p, f, false)
	assert.Equal(t, []engine.FieldValue{
		{Path: "ExternalId", Label: "External id", Value: "42"},
		{Path: "Name.GivenName", Label: "Given name", Value: "Ada"},
		{Path: "Details.BirthDate", Label: "Birth date", Value: "1985-12-10"},
		{Path: "Custom.Level", Label: "Level", Value: "3"},
		{Path: "Contracts[C1].ExternalId", Label: "Contract id", Value: "C1"},
		{Path: "Contracts[C1].StartDate", Label: "Start date", Value: "2024-01-01"},
		{Path: "Contracts[C1].Details.Fte", Label: "FTE", Value: "0.8"},
		{Path: "Contracts[#2].StartDate", Label: "Start date", Value: "2023-01-01"},
		{Path: "Contracts[#2].Title.Name", Label: "Title name", Value: "Engineer"},
	}, got)
}

func TestFlattenPersonWithEmptiesListsEveryField(t *testing.T) {
	f := engine.NewFields(testSchema())
	p := &engine.Person{Contracts: []engine.Contract{{}, {ExternalID: "X"}}}
	got := engine.FlattenPerson(p, f, true)
	require.Len(t, got, len(f.Person)+2*len(f.Contract))
	m := paths(got)
	assert.Contains(t, m, "Excluded")
	assert.Equal(t, "false", m["Excluded"])
	assert.Contains(t, m, "Contracts[#1].EndDate")
	assert.Contains(t, m, "Contracts[X].Custom.Grade")
	assert.Equal(t, "", m["Contracts[X].Details.Fte"])
	assert.Equal(t, "X", m["Contracts[X].ExternalId"])
}

func TestContractKeyUsesTheIDOrThePosition(t *testing.T) {
	p := &engine.Person{Contracts: []engine.Contract{{ExternalID: "A"}, {}, {ExternalID: "C"}}}
	assert.Equal(t, "A", engine.ContractKey(p, 0))
	assert.Equal(t, "#2", engine.ContractKey(p, 1))
	assert.Equal(t, "C", engine.ContractKey(p, 2))
}
