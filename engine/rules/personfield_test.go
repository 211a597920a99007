package rules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func TestPersonFieldReadsThePersonThePrimaryContractAndTheManager(t *testing.T) {
	env := newEnv(t)
	boss := withFields(t, person(t, "9"), "Name.GivenName=Grace", "Custom.Level=3")
	ada := withFields(t, person(t, "1",
		contract(t, "c1", "2020-01-01", "", "Department.Code=IT", "Manager.ExternalId=9", "Details.Fte=0.8"),
	), "Name.GivenName=Ada", "Custom.Vip=true")
	orphan := person(t, "2")
	pop := population(t, env, refDate, nil, ada, boss, orphan)

	tests := []struct {
		path       string
		typ        engine.FieldType
		ada, alone string
	}{
		{"Name.GivenName", engine.TypeText, "Ada", ""},
		{"Custom.Vip", engine.TypeBoolean, "true", "false"},
		{"PrimaryContract.Department.Code", engine.TypeText, "IT", ""},
		{"PrimaryContract.Details.Fte", engine.TypeNumber, "0.8", ""},
		{"Manager.Name.GivenName", engine.TypeText, "Grace", ""},
		{"Manager.Custom.Level", engine.TypeNumber, "3", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			def, get, ok := env.PersonField(tt.path)
			require.True(t, ok)
			assert.Equal(t, tt.typ, def.Type)
			assert.Equal(t, tt.ada, get(subject(t, pop, 0)).String())
			assert.Equal(t, tt.alone, get(subject(t, pop, 2)).String(), "no contract, no manager: an empty value")
		})
	}
	for _, path := range []string{"Name.GivnName", "PrimaryContract.Nope", "Manager.", "Department.Code", ""} {
		_, _, ok := env.PersonField(path)
		assert.False(t, ok, path)
	}
}
