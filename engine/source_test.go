package engine_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func layoutSettings() []engine.SettingDef {
	return []engine.SettingDef{
		{Key: "layout", Label: "Layout", Kind: engine.SettingChoice, Default: "single", Choices: []engine.Choice{{Value: "single"}, {Value: "split"}}},
		{Key: "file", Label: "File", Kind: engine.SettingFile, Required: true, ShownWhen: map[string][]string{"layout": {"single"}}},
		{Key: "persons", Label: "Persons file", Kind: engine.SettingFile, Required: true, ShownWhen: map[string][]string{"layout": {"split"}}},
		{Key: "delimiter", Label: "Delimiter", Kind: engine.SettingChoice, Default: ",", Choices: []engine.Choice{{Value: ","}, {Value: ";"}}},
		{Key: "key", Label: "Person key column", Kind: engine.SettingText, Required: true, Default: "id"},
		{Key: "jsonField", Label: "Contracts field", Kind: engine.SettingText, Required: true,
			ShownWhen: map[string][]string{"layout": {"single"}, "format": {"auto", "jsonl"}}},
	}
}

func TestSettingDefApplies(t *testing.T) {
	defs := layoutSettings()
	tests := []struct {
		name     string
		def      engine.SettingDef
		settings map[string]string
		want     bool
	}{
		{"no condition", defs[0], nil, true},
		{"condition met", defs[2], map[string]string{"layout": "split"}, true},
		{"condition not met", defs[2], map[string]string{"layout": "single"}, false},
		{"condition on a missing setting", defs[2], map[string]string{}, false},
		{"all conditions met", defs[5], map[string]string{"layout": "single", "format": "jsonl"}, true},
		{"one of two conditions not met", defs[5], map[string]string{"layout": "single", "format": "csv"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.def.Applies(tt.settings))
		})
	}
}

func TestSettingDefValueFallsBackToTheDefault(t *testing.T) {
	d := engine.SettingDef{Key: "delimiter", Default: ","}
	assert.Equal(t, ";", d.Value(map[string]string{"delimiter": ";"}))
	assert.Equal(t, ",", d.Value(map[string]string{"delimiter": ""}))
	assert.Equal(t, ",", d.Value(nil))
	assert.Equal(t, "", engine.SettingDef{Key: "x"}.Value(nil))
}

func TestCheckSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]string
		want     string
	}{
		{"single layout", map[string]string{"layout": "single", "file": "a.csv", "format": "csv"}, ""},
		{"split layout", map[string]string{"layout": "split", "persons": "p.csv"}, ""},
		{"a hidden required setting is not required", map[string]string{"layout": "split", "persons": "p.csv", "file": ""}, ""},
		{"required missing", map[string]string{"layout": "single", "format": "csv"}, `setting "File" (file) is required`},
		{"required shown by another setting", map[string]string{"layout": "split"}, `setting "Persons file" (persons) is required`},
		{"required shown by the default of another setting", map[string]string{"format": "csv"}, `setting "File" (file) is required`},
		{"the default satisfies required", map[string]string{"layout": "single", "file": "a.csv", "format": "csv", "key": ""}, ""},
		{"required with two conditions", map[string]string{"layout": "single", "file": "a.csv", "format": "jsonl"}, `setting "Contracts field" (jsonField) is required`},
		{"bad choice", map[string]string{"layout": "double"}, `setting "Layout" (layout): "double" is not one of [single split]`},
		{"bad choice of a defaulted setting", map[string]string{"layout": "split", "persons": "p.csv", "delimiter": "|"}, `"|" is not one of [, ;]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := engine.CheckSettings(layoutSettings(), tt.settings)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, engine.IsCode(err, engine.Invalid))
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestHeaderIndex(t *testing.T) {
	h := engine.NewHeader([]string{"id", "name", "", "id", "Name"})
	tests := []struct {
		name string
		want int
	}{
		{"id", 0}, // the first occurrence wins
		{"name", 1},
		{"Name", 4}, // names are case-sensitive
		{"", -1},    // an unnamed column cannot be asked for
		{"missing", -1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, h.Index(tt.name), tt.name)
	}
}

func TestRawRecordGet(t *testing.T) {
	rec := &engine.RawRecord{Header: engine.NewHeader([]string{"id", "name", "extra"}), Values: []string{"42", ""}}
	tests := []struct {
		field string
		value string
		ok    bool
	}{
		{"id", "42", true},
		{"name", "", true},   // present but empty
		{"extra", "", false}, // a short row lacks the column
		{"nope", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			v, ok := rec.Get(tt.field)
			assert.Equal(t, tt.value, v)
			assert.Equal(t, tt.ok, ok)
		})
	}
}

func TestRawRecordWhere(t *testing.T) {
	assert.Equal(t, "persons.csv line 17", (&engine.RawRecord{File: "persons.csv", Line: 17}).Where())
	assert.Equal(t, "record 3", (&engine.RawRecord{Line: 3}).Where())
}

func TestRecordErrorNamesFileLineAndField(t *testing.T) {
	tests := []struct {
		e    engine.RecordError
		want string
	}{
		{engine.RecordError{File: "p.csv", Line: 4, Field: "StartDate", Message: "bad"}, `p.csv line 4, field "StartDate": bad`},
		{engine.RecordError{File: "p.csv", Message: "bad"}, `p.csv: bad`},
		{engine.RecordError{Line: 4, Message: "bad"}, `line 4: bad`},
		{engine.RecordError{Field: "X", Message: "bad"}, `field "X": bad`},
		{engine.RecordError{Message: "bad"}, `bad`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.e.Error())
	}
}

func TestRecordKindString(t *testing.T) {
	assert.Equal(t, "person", engine.RecordPerson.String())
	assert.Equal(t, "contract", engine.RecordContract.String())
	assert.Equal(t, "person and contract", engine.RecordPersonContract.String())
	assert.Equal(t, "department", engine.RecordDepartment.String())
	assert.Equal(t, "kind 9", engine.RecordKind(9).String())
}
