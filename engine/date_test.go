package engine_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func TestDateComponentsAndNormalisation(t *testing.T) {
	d := engine.NewDate(2024, time.February, 29)
	assert.Equal(t, engine.Date(20240229), d)
	assert.Equal(t, 2024, d.Year())
	assert.Equal(t, time.February, d.Month())
	assert.Equal(t, 29, d.Day())
	assert.Equal(t, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), d.Time())
	assert.False(t, d.IsZero())
	assert.True(t, engine.Date(0).IsZero())

	// Out-of-range components roll over as time.Date does.
	assert.Equal(t, engine.Date(20230301), engine.NewDate(2023, time.February, 29))
	assert.Equal(t, engine.Date(20250101), engine.NewDate(2024, time.December, 32))
}

func TestDateOfUsesTheTimesOwnLocation(t *testing.T) {
	zone := time.FixedZone("UTC+10", 10*3600)
	instant := time.Date(2024, 1, 31, 20, 0, 0, 0, time.UTC)
	assert.Equal(t, engine.Date(20240131), engine.DateOf(instant))
	assert.Equal(t, engine.Date(20240201), engine.DateOf(instant.In(zone)))
}

func TestDateAddDays(t *testing.T) {
	tests := []struct {
		name string
		from engine.Date
		n    int
		want engine.Date
	}{
		{"same day", 20240131, 0, 20240131},
		{"into next month", 20240131, 1, 20240201},
		{"leap day", 20240228, 1, 20240229},
		{"no leap day", 20230228, 1, 20230301},
		{"backwards over a year", 20240101, -1, 20231231},
		{"a whole year", 20240101, 366, 20250101},
		{"zero stays zero", 0, 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.from.AddDays(tt.n))
		})
	}
}

func TestDateDaysUntil(t *testing.T) {
	tests := []struct {
		from, to engine.Date
		want     int
	}{
		{20240101, 20240101, 0},
		{20240101, 20240102, 1},
		{20240102, 20240101, -1},
		{20240101, 20250101, 366},
		{20230101, 20240101, 365},
		{20240301, 20240228, -2},
	}
	for _, tt := range tests {
		t.Run(tt.from.String()+"→"+tt.to.String(), func(t *testing.T) {
			assert.Equal(t, tt.want, tt.from.DaysUntil(tt.to))
		})
	}
}

func TestDateStringAndComparison(t *testing.T) {
	assert.Equal(t, "2024-01-05", engine.Date(20240105).String())
	assert.Equal(t, "0999-12-31", engine.Date(9991231).String())
	assert.Equal(t, "", engine.Date(0).String())
	assert.Less(t, engine.NewDate(2023, 12, 31), engine.NewDate(2024, 1, 1))
}

func TestDateJSONRoundTrip(t *testing.T) {
	type doc struct {
		D engine.Date `json:"d"`
	}
	tests := []struct {
		name string
		d    engine.Date
		json string
	}{
		{"a date", 20240131, `{"d":"2024-01-31"}`},
		{"zero is null", 0, `{"d":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(doc{tt.d})
			require.NoError(t, err)
			assert.JSONEq(t, tt.json, string(b))
			var back doc
			back.D = 19990101 // must be overwritten, null included
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, tt.d, back.D)
		})
	}
}

func TestDateUnmarshalJSONAcceptsEmptyAndRejectsOthers(t *testing.T) {
	var d engine.Date = 20200101
	require.NoError(t, json.Unmarshal([]byte(`""`), &d))
	assert.Equal(t, engine.Date(0), d)

	require.NoError(t, json.Unmarshal([]byte(`"2024-01-31T10:00:00Z"`), &d))
	assert.Equal(t, engine.Date(20240131), d)

	err := json.Unmarshal([]byte(`20240131`), &d)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `expected a date like "2024-01-31"`)

	err = json.Unmarshal([]byte(`"31-01-2024"`), &d)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "2024-01-31")
}

func TestParseISODate(t *testing.T) {
	tests := []struct {
		in      string
		want    engine.Date
		wantErr bool
	}{
		{"2024-01-31", 20240131, false},
		{"  2024-01-31 ", 20240131, false},
		{"2024-01-31T08:15:00Z", 20240131, false},
		{"2024-01-31 08:15:00", 20240131, false},
		{"", 0, false},
		{"   ", 0, false},
		{"2024-02-30", 0, true},
		{"2024-1-5", 0, true},
		{"31-01-2024", 0, true},
		{"yesterday", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := engine.ParseISODate(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "expected a date like 2024-01-31")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDateParserReadsAdministratorFormats(t *testing.T) {
	tests := []struct {
		name    string
		formats []string
		in      string
		want    engine.Date
	}{
		{"dd-MM-yyyy", []string{"dd-MM-yyyy"}, "31-01-2024", 20240131},
		{"d-M-yyyy single digits", []string{"d-M-yyyy"}, "5-1-2024", 20240105},
		{"d-M-yyyy double digits", []string{"d-M-yyyy"}, "15-11-2024", 20241115},
		{"yyyyMMdd", []string{"yyyyMMdd"}, "20240131", 20240131},
		{"M/d/yyyy", []string{"M/d/yyyy"}, "1/31/2024", 20240131},
		{"dd.MM.yy this century", []string{"dd.MM.yy"}, "31.01.24", 20240131},
		{"dd.MM.yy last century", []string{"dd.MM.yy"}, "31.01.85", 19850131},
		{"ISO is always accepted", []string{"dd-MM-yyyy"}, "2024-01-31", 20240131},
		{"second format is tried", []string{"dd/MM/yyyy", "yyyyMMdd"}, "20240131", 20240131},
		{"surrounding spaces", []string{"dd-MM-yyyy"}, "  31-01-2024 ", 20240131},
		{"time part after a space", []string{"dd-MM-yyyy"}, "31-01-2024 08:30:00", 20240131},
		{"ISO time part", []string{"dd-MM-yyyy"}, "2024-01-31T08:30:00Z", 20240131},
		{"ISO with midnight", nil, "2024-01-31 00:00:00", 20240131},
		{"defaults: dd-MM-yyyy", nil, "31-01-2024", 20240131},
		{"defaults: d-M-yyyy", nil, "1-2-2024", 20240201},
		{"empty is zero", []string{"dd-MM-yyyy"}, "", 0},
		{"blank formats are ignored", []string{" ", "dd-MM-yyyy"}, "31-01-2024", 20240131},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := engine.NewDateParser(tt.formats)
			require.NoError(t, err)
			got, err := p.Parse(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDefaultDateFormatsRefuseAmbiguousSlashes(t *testing.T) {
	p, err := engine.NewDateParser(nil)
	require.NoError(t, err)
	_, err = p.Parse("03/04/2024")
	require.Error(t, err, "3 April or March 4: the administrator names the format")
}

func TestDateParserFormatsListsTheAdministratorsFormats(t *testing.T) {
	p, err := engine.NewDateParser([]string{"dd-MM-yyyy", " ", "yyyyMMdd"})
	require.NoError(t, err)
	assert.Equal(t, []string{"dd-MM-yyyy", "yyyyMMdd"}, p.Formats())

	p, err = engine.NewDateParser(nil)
	require.NoError(t, err)
	assert.Equal(t, engine.DefaultDateFormats, p.Formats())
}

func TestDateParserRejectsInvalidFormats(t *testing.T) {
	tests := []struct {
		format string
		want   string
	}{
		{"DD-MM-YYYY", `unexpected 'D'`},
		{"dd-MM-yyy", `unexpected 'y'`},
		{"dd-mm-yyyy", `unexpected 'm'`},
		{"dd-MMM-yyyy", `unexpected 'M'`},
		{"ddd MM yyyy", `unexpected 'd'`},
		{"yyyyy-MM-dd", `unexpected 'y'`},
		{"yyyy-MM", "must contain a year (yyyy), a month (MM or M) and a day (dd or d)"},
		{"MM-dd", "must contain a year"},
		{"yyyy-dd", "must contain a year"},
		{"dd-MM-yyyy HH:mm", `unexpected 'H'`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			_, err := engine.NewDateParser([]string{"yyyy-MM-dd", tt.format})
			require.Error(t, err)
			assert.True(t, engine.IsCode(err, engine.Invalid), "code: %v", engine.ErrorCode(err))
			assert.Contains(t, err.Error(), tt.format)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestDateParserErrorNamesTheExpectedFormats(t *testing.T) {
	tests := []struct {
		name    string
		formats []string
		in      string
		want    string
	}{
		{"one format", []string{"dd-MM-yyyy"}, "2024/01/31", `expected a date like dd-MM-yyyy, got "2024/01/31"`},
		{"two formats", []string{"dd-MM-yyyy", "yyyyMMdd"}, "garbage", `expected a date like dd-MM-yyyy or yyyyMMdd, got "garbage"`},
		{"impossible day", []string{"dd-MM-yyyy"}, "30-02-2024", `expected a date like dd-MM-yyyy, got "30-02-2024"`},
		{"wrong order", []string{"dd-MM-yyyy"}, "01-31-2024", `got "01-31-2024"`},
		{"garbage time part", []string{"dd-MM-yyyy"}, "31-13-2024 10:00", `got "31-13-2024 10:00"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := engine.NewDateParser(tt.formats)
			require.NoError(t, err)
			_, err = p.Parse(tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestDaysCountsFromTheEpoch(t *testing.T) {
	for _, d := range []engine.Date{19700101, 19691231, 20000229, 20240131, 20260301, 18151210, 16000229, 99991231} {
		want := int(d.Time().Unix() / 86400)
		assert.Equal(t, want, d.Days(), d.String())
	}
	assert.Equal(t, 1, engine.Date(20240301).Days()-engine.Date(20240229).Days())
}
