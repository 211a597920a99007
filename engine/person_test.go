package engine_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func TestParseNumberReadsHRExportNotations(t *testing.T) {
	tests := []struct {
		in   string
		want engine.Number
	}{
		{"0.8", engine.Num(0.8)},
		{"0,8", engine.Num(0.8)},
		{"-0,5", engine.Num(-0.5)},
		{"1.000,5", engine.Num(1000.5)},
		{"1,000.5", engine.Num(1000.5)},
		{"1,000,000", engine.Num(1000000)},
		{"1.000.000", engine.Num(1000000)},
		{"1.000.000,25", engine.Num(1000000.25)},
		{"1,000,000.25", engine.Num(1000000.25)},
		{" 12 ", engine.Num(12)},
		{"36", engine.Num(36)},
		{"0", engine.Num(0)},
		{"", engine.Number{}},
		{"   ", engine.Number{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := engine.ParseNumber(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseNumberRejectsGarbage(t *testing.T) {
	for _, in := range []string{"abc", "12 hours", "1,2.3,4", "0.8.", "1.2.3", "1.000.00", "NaN", "nan", "Inf", "-Infinity", "1e400"} {
		t.Run(in, func(t *testing.T) {
			n, err := engine.ParseNumber(in)
			require.Error(t, err)
			assert.False(t, n.Set)
			assert.Contains(t, err.Error(), "expected a number like 0.8 or 0,8")
			assert.Contains(t, err.Error(), `got "`+in+`"`)
		})
	}
}

func TestNumberStringAndJSON(t *testing.T) {
	assert.Equal(t, "0.8", engine.Num(0.8).String())
	assert.Equal(t, "40", engine.Num(40.0).String())
	assert.Equal(t, "0", engine.Num(0).String())
	assert.Equal(t, "", engine.Number{}.String())

	b, err := json.Marshal([]engine.Number{engine.Num(0.5), {}, engine.Num(0)})
	require.NoError(t, err)
	assert.Equal(t, `[0.5,null,0]`, string(b))

	var back []engine.Number
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, []engine.Number{engine.Num(0.5), {}, engine.Num(0)}, back)

	var n engine.Number
	assert.Error(t, json.Unmarshal([]byte(`"x"`), &n))
}

func TestParseBool(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"true", true}, {"TRUE", true}, {"yes", true}, {"Y", true}, {"1", true},
		{"ja", true}, {"J", true}, {"on", true}, {"t", true}, {" Yes ", true},
		{"false", false}, {"No", false}, {"n", false}, {"0", false}, {"nee", false},
		{"off", false}, {"F", false}, {"", false}, {"  ", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := engine.ParseBool(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseBoolRejectsOtherWords(t *testing.T) {
	for _, in := range []string{"maybe", "2", "yess", "-1"} {
		t.Run(in, func(t *testing.T) {
			_, err := engine.ParseBool(in)
			require.Error(t, err)
			assert.Equal(t, `expected yes or no (true/false, 1/0), got "`+in+`"`, err.Error())
		})
	}
}

func TestCustomSetKeepsNamesSortedAndRemovesEmptyValues(t *testing.T) {
	var c engine.Custom
	c.Set("b", "2")
	c.Set("a", "1")
	c.Set("c", "3")
	assert.Equal(t, customOf("a", "1", "b", "2", "c", "3"), c)

	c.Set("b", "two")
	assert.Equal(t, "two", c.Get("b"))
	assert.Len(t, c, 3)

	c.Set("b", "")
	assert.Equal(t, customOf("a", "1", "c", "3"), c)
	assert.Equal(t, "", c.Get("b"))

	c.Set("missing", "")
	assert.Equal(t, customOf("a", "1", "c", "3"), c)

	c.Set("a", "")
	c.Set("c", "")
	assert.Empty(t, c)
	assert.Equal(t, "", c.Get("a"))
}

func TestCustomGetOnNilAndUnknown(t *testing.T) {
	var c engine.Custom
	assert.Equal(t, "", c.Get("x"))
	c.Set("m", "1")
	assert.Equal(t, "", c.Get("a"))
	assert.Equal(t, "", c.Get("z"))
	assert.Equal(t, "1", c.Get("m"))
}

func TestCustomJSONRoundTrip(t *testing.T) {
	var c engine.Custom
	c.Set("Zeta", "z")
	c.Set("Alpha", `quote " and \ backslash`)
	c.Set("Mid", "ünïcode")

	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.Equal(t, `{"Alpha":"quote \" and \\ backslash","Mid":"ünïcode","Zeta":"z"}`, string(b))

	var back engine.Custom
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, c, back)

	// Empty values are dropped and keys sorted whatever the input order.
	require.NoError(t, json.Unmarshal([]byte(`{"b":"2","a":"1","gone":""}`), &back))
	assert.Equal(t, customOf("a", "1", "b", "2"), back)

	b, err = json.Marshal(engine.Custom{})
	require.NoError(t, err)
	assert.Equal(t, `{}`, string(b))

	assert.Error(t, json.Unmarshal([]byte(`{"a":1}`), &back))
}

func TestPersonJSONOmitsEmptyCustom(t *testing.T) {
	b, err := json.Marshal(engine.Person{ID: "hr:1"})
	require.NoError(t, err)
	assert.NotContains(t, string(b), "Custom")
	assert.Contains(t, string(b), `"Id":"hr:1"`)
}

func TestRefLabelPrefersNameThenCodeThenID(t *testing.T) {
	tests := []struct {
		ref  engine.Ref
		want string
	}{
		{engine.Ref{ExternalID: "10", Code: "FIN", Name: "Finance"}, "Finance"},
		{engine.Ref{ExternalID: "10", Code: "FIN"}, "FIN"},
		{engine.Ref{ExternalID: "10"}, "10"},
		{engine.Ref{}, ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.ref.Label())
	}
	assert.True(t, engine.Ref{}.IsZero())
	assert.False(t, engine.Ref{Code: "x"}.IsZero())
}

func TestPersonBlockedOnlyByABlockingIssue(t *testing.T) {
	tests := []struct {
		name   string
		issues []engine.Issue
		want   bool
	}{
		{"no issues", nil, false},
		{"warnings only", []engine.Issue{{Field: "Name.GivenName", Message: "x"}}, false},
		{"one blocking", []engine.Issue{{Field: "Name.GivenName"}, {Field: "ExternalId", Blocking: true}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := engine.Person{Issues: tt.issues}
			assert.Equal(t, tt.want, p.Blocked())
		})
	}
}

func TestPersonIDJoinsSourceAndExternalID(t *testing.T) {
	assert.Equal(t, "hr:10042", engine.PersonID("hr", "10042"))
}

// customOf builds custom field values from names and values, in the order
// given.
func customOf(kv ...string) engine.Custom {
	var c engine.Custom
	for i := 0; i < len(kv); i += 2 {
		c = append(c, engine.KV{Name: kv[i], Value: kv[i+1]})
	}
	return c
}
