package mapping_test

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the time zones of TestJSDatesDoNotDependOnTheTimeZone

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/mapping"
)

// record returns a raw record from persons.csv at the given line with the
// given field names and values (alternating).
func record(line int, key string, kv ...string) *engine.RawRecord {
	var names, values []string
	for i := 0; i < len(kv); i += 2 {
		names = append(names, kv[i])
		values = append(values, kv[i+1])
	}
	return &engine.RawRecord{Kind: engine.RecordPerson, PersonKey: key, Header: engine.NewHeader(names), Values: values, File: "persons.csv", Line: line}
}

func contractRecord(line int, key string, kv ...string) *engine.RawRecord {
	r := record(line, key, kv...)
	r.Kind, r.File = engine.RecordContract, "contracts.csv"
	return r
}

// mapOne maps rec with a mapping of the given person field and returns the
// person and its record errors.
func mapOne(t *testing.T, fm engine.FieldMapping, rec *engine.RawRecord) (*engine.Person, []engine.RecordError) {
	t.Helper()
	m := compile(t, source([]engine.FieldMapping{fm}, nil), mapping.Options{})
	return m.NewSession().Person(rec)
}

// personValue maps one person field and returns its value, requiring no
// errors.
func personValue(t *testing.T, fm engine.FieldMapping, rec *engine.RawRecord) engine.Value {
	t.Helper()
	p, errs := mapOne(t, fm, rec)
	require.Empty(t, errs)
	require.Empty(t, p.Issues)
	pf, ok := engine.NewFields(schema).PersonField(fm.Field)
	require.True(t, ok)
	return pf.Get(p)
}

var ada = record(17, "1001",
	"id", "1001", "first", " Ada ", "last", "Lovelace", "prefix", "", "birth", "10-12-1815",
	"fte", "0,8", "flag", "ja", "one", "1", "no", "nee", "conv", "bp", "mail", "ada@example.com",
	"accent", "Zoë Ørsted", "iso", "1815-12-10", "level", "1.000,5")

func TestSessionPersonMapsFixedFieldAndComplexValues(t *testing.T) {
	src := source([]engine.FieldMapping{
		field("ExternalId", "id"),
		field("Name.GivenName", "first"),
		field("Name.FamilyName", "last"),
		fixed("Details.Gender", "X"),
		fixed("Location.Code", "AMS"),
		complexJS("DisplayName", "source.first.trim() + ' ' + source.last"),
		field("Contact.Business.Email", "mail"),
		field("Details.BirthDate", "birth"),
		field("Excluded", "flag"),
		field("Name.Convention", "conv"),
		field("Custom.Level", "level"),
		fixed("Custom.Badge", "B-1"),
		complexJS("Custom.Hired", "toDate(source.birth)"),
		fixed("Custom.Remote", "yes"),
	}, nil)
	m := compile(t, src, mapping.Options{})
	p, errs := m.NewSession().Person(ada)
	require.Empty(t, errs)

	want := &engine.Person{
		ID: "hr:1001", Source: "hr", ExternalID: "1001",
		DisplayName: "Ada Lovelace",
		Name:        engine.Name{GivenName: "Ada", FamilyName: "Lovelace", Convention: "BP"},
		Details:     engine.Details{BirthDate: 18151210, Gender: "X"},
		Contact:     engine.Contact{Business: engine.ContactDetails{Email: "ada@example.com"}},
		Location:    engine.Ref{Code: "AMS"},
		Excluded:    true,
		Custom:      customOf("Badge", "B-1", "Hired", "1815-12-10", "Level", "1000.5", "Remote", "true"),
	}
	assert.Equal(t, want, p)
}

func TestFieldMappingsConvertToTheFieldType(t *testing.T) {
	tests := []struct {
		name string
		fm   engine.FieldMapping
		want engine.Value
	}{
		{"text is trimmed", field("Name.GivenName", "first"), engine.TextValue("Ada")},
		{"date in the source's format", field("Details.BirthDate", "birth"), engine.DateValue(18151210)},
		{"ISO date is always accepted", field("Details.BirthDate", "iso"), engine.DateValue(18151210)},
		{"number with a decimal comma", field("Custom.Level", "fte"), engine.NumberValue(engine.Num(0.8))},
		{"number with thousands dots", field("Custom.Level", "level"), engine.NumberValue(engine.Num(1000.5))},
		{"Excluded from ja", field("Excluded", "flag"), engine.BoolValue(true)},
		{"Excluded from 1", field("Excluded", "one"), engine.BoolValue(true)},
		{"Excluded from nee", field("Excluded", "no"), engine.BoolValue(false)},
		{"Name.Convention in upper case", field("Name.Convention", "conv"), engine.TextValue("BP")},
		{"an empty source field", field("Name.FamilyNamePrefix", "prefix"), engine.TextValue("")},
		{"a missing source field is empty", field("Name.NickName", "nick"), engine.TextValue("")},
		{"fixed convention in upper case", fixed("Name.Convention", " pb "), engine.TextValue("PB")},
		{"fixed date in the source's format", fixed("Details.BirthDate", "01-02-2003"), engine.DateValue(20030201)},
		{"fixed boolean", fixed("Excluded", "j"), engine.BoolValue(true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, personValue(t, tt.fm, ada))
		})
	}
}

func TestFieldMappingProblemsBecomeIssues(t *testing.T) {
	rec := record(9, "7", "conv", "XY", "birth", "1815/12/10", "fte", "a lot", "flag", "perhaps")
	tests := []struct {
		name string
		fm   engine.FieldMapping
		want string
	}{
		{"invalid convention", field("Name.Convention", "conv"), `persons.csv line 9, field "Name.Convention": source field "conv": expected B, P, BP or PB, got "XY"`},
		{"unreadable date names the format", field("Details.BirthDate", "birth"), `persons.csv line 9, field "Details.BirthDate": source field "birth": expected a date like dd-MM-yyyy, got "1815/12/10"`},
		{"unreadable number", field("Custom.Level", "fte"), `persons.csv line 9, field "Custom.Level": source field "fte": expected a number like 0.8 or 0,8, got "a lot"`},
		{"unreadable boolean", field("Excluded", "flag"), `persons.csv line 9, field "Excluded": source field "flag": expected yes or no (true/false, 1/0), got "perhaps"`},
	}
	for _, tt := range tests {
		for _, req := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/required=%v", tt.name, req), func(t *testing.T) {
				fm := tt.fm
				fm.Required = req
				p, errs := mapOne(t, fm, rec)
				require.Len(t, errs, 1)
				assert.Equal(t, tt.want, errs[0].Error())
				assert.Equal(t, "persons.csv", errs[0].File)
				assert.Equal(t, 9, errs[0].Line)
				assert.Equal(t, fm.Field, errs[0].Field)
				assert.Equal(t, "7", errs[0].Person)
				assert.True(t, errs[0].Blocking, "an unreadable value blocks, required or not")
				require.Len(t, p.Issues, 1)
				assert.Equal(t, engine.Issue{Field: fm.Field, Message: fm.Field + ": " + errs[0].Message, Blocking: true}, p.Issues[0])
				assert.NotContains(t, p.Issues[0].Message, "line", "a person's issues do not change when rows move in the file")
				assert.True(t, p.Blocked())
				// The field keeps no half-read value.
				pf, _ := engine.NewFields(schema).PersonField(fm.Field)
				assert.True(t, pf.Get(p).IsEmpty())
			})
		}
	}
}

func TestRequiredFieldThatIsEmptyBlocksThePerson(t *testing.T) {
	rec := record(3, "42", "first", "  ", "id", "42")
	tests := []struct {
		name string
		fm   engine.FieldMapping
		want string
	}{
		{"empty source field", required(field("Name.GivenName", "first")), `persons.csv line 3, field "Name.GivenName": required, but source field "first" is empty`},
		{"missing source field", required(field("Name.GivenName", "firstname")), `persons.csv line 3, field "Name.GivenName": required, but source field "firstname" is empty`},
		{"snippet without a value", required(complexJS("DisplayName", "null")), `persons.csv line 3, field "DisplayName": required, but the mapping gave no value`},
		{"false boolean", required(fixed("Excluded", "no")), `persons.csv line 3, field "Excluded": required, but the mapping gave no value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, errs := mapOne(t, tt.fm, rec)
			require.Len(t, errs, 1)
			assert.Equal(t, tt.want, errs[0].Error())
			assert.True(t, errs[0].Blocking)
			require.Len(t, p.Issues, 1)
			assert.True(t, p.Issues[0].Blocking)
			assert.True(t, p.Blocked())
			assert.Equal(t, engine.StatusBlocked, p.StatusOn(20240101))
		})
	}
	p, errs := mapOne(t, required(field("Name.GivenName", "id")), rec)
	assert.Empty(t, errs, "a required field with a value")
	assert.False(t, p.Blocked())
}

func TestSnippetResults(t *testing.T) {
	rec := record(5, "42", "first", "Ada", "last", "Lovelace", "birth", "10-12-1815", "fte", "0,8", "accent", "Zoë Ørsted-Müller", "empty", "")
	tests := []struct {
		name    string
		field   string
		snippet string
		want    engine.Value
	}{
		{"source fields", "DisplayName", "source.first + ' ' + source.last", engine.TextValue("Ada Lovelace")},
		{"bracket access", "DisplayName", "source['first']", engine.TextValue("Ada")},
		{"the last expression is the value", "DisplayName", "var n = source.first;\nif (n.length > 2) { n = n.toUpperCase() }\nn", engine.TextValue("ADA")},
		{"a top-level return", "DisplayName", "if (source.first) {\n  return source.first + '!'\n}\nreturn 'nobody'", engine.TextValue("Ada!")},
		{"a function declaration", "DisplayName", "function initial(s) { return s.charAt(0) + '.' }\ninitial(source.first)", engine.TextValue("A.")},
		{"const and let", "DisplayName", "const a = source.first;\nlet b = source.last;\na + b", engine.TextValue("AdaLovelace")},
		{"result text is trimmed", "DisplayName", "'  padded  '", engine.TextValue("padded")},
		{"a number into a number field", "Custom.Level", "2 + 1.5", engine.NumberValue(engine.Num(3.5))},
		{"an integer into a number field", "Custom.Level", "40", engine.NumberValue(engine.Num(40))},
		{"a number into a text field", "DisplayName", "6 * 7", engine.TextValue("42")},
		{"a fraction into a text field", "DisplayName", "0.25", engine.TextValue("0.25")},
		{"a text number into a number field", "Custom.Level", "source.fte", engine.NumberValue(engine.Num(0.8))},
		{"a JS Date into a date field", "Details.BirthDate", "new Date(2024, 0, 31)", engine.DateValue(20240131)},
		{"a JS Date into a text field", "DisplayName", "new Date(2024, 1, 29, 13, 45)", engine.TextValue("2024-02-29")},
		{"text into a date field uses the date formats", "Details.BirthDate", "source.birth", engine.DateValue(18151210)},
		{"null is empty", "DisplayName", "null", engine.TextValue("")},
		{"undefined is empty", "DisplayName", "undefined", engine.TextValue("")},
		{"a statement without a value is empty", "DisplayName", "var x = 1;", engine.TextValue("")},
		{"true into a boolean field", "Excluded", "source.first === 'Ada'", engine.BoolValue(true)},
		{"false into a boolean field", "Excluded", "false", engine.BoolValue(false)},
		{"text into a boolean field", "Excluded", "'ja'", engine.BoolValue(true)},
		{"1 into a boolean field", "Excluded", "1", engine.BoolValue(true)},
		{"a boolean into a custom boolean", "Custom.Remote", "true", engine.BoolValue(true)},
		{"a boolean into a text field", "DisplayName", "true", engine.TextValue("true")},
		{"convention upper-cased", "Name.Convention", "'p' + 'b'", engine.TextValue("PB")},
		{"removeDiacritics", "DisplayName", "removeDiacritics(source.accent)", engine.TextValue("Zoe Orsted-Muller")},
		{"toDate with the source's formats", "Details.BirthDate", "toDate(source.birth)", engine.DateValue(18151210)},
		{"toDate with a format", "Details.BirthDate", "toDate('1/31/2024', 'M/d/yyyy')", engine.DateValue(20240131)},
		{"toDate returns ISO text", "DisplayName", "toDate('31-01-2024')", engine.TextValue("2024-01-31")},
		{"toDate of an empty value is empty", "Details.BirthDate", "toDate(source.empty)", engine.DateValue(0)},
		{"source keys", "DisplayName", "Object.keys(source).join(',')", engine.TextValue("first,last,birth,fte,accent,empty")},
		{"in operator", "DisplayName", "('first' in source) + '/' + ('nope' in source)", engine.TextValue("true/false")},
		{"Math and JSON are there", "DisplayName", "JSON.stringify({n: Math.max(1, 2)})", engine.TextValue(`{"n":2}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, personValue(t, complexJS(tt.field, tt.snippet), rec))
		})
	}
}

func TestSnippetResultsThatDoNotFitTheField(t *testing.T) {
	rec := record(5, "42", "first", "Ada")
	tests := []struct {
		name    string
		field   string
		snippet string
		want    string
	}{
		{"an object", "DisplayName", "({a: 1})", "JavaScript result: expected a text, got [object Object]"},
		{"an array", "Custom.Level", "[1, 2]", "JavaScript result: expected a number, got 1,2"},
		{"NaN", "Custom.Level", "0 / 0", "JavaScript result: expected a number, got NaN"},
		{"Infinity", "Custom.Level", "1 / 0", "JavaScript result: expected a number, got +Inf"},
		{"text into a number field", "Custom.Level", "source.first", `JavaScript result: expected a number like 0.8 or 0,8, got "Ada"`},
		{"a JS Date into a number field", "Custom.Level", "new Date()", "JavaScript result: expected a number, got a date"},
		{"a bad convention", "Name.Convention", "'Q'", `JavaScript result: expected B, P, BP or PB, got "Q"`},
		{"a number into a date field", "Details.BirthDate", "12", `JavaScript result: expected a date like dd-MM-yyyy, got "12"`},
		{"toDate of garbage throws", "Details.BirthDate", "toDate('soon')", `TypeError: expected a date like dd-MM-yyyy, got "soon"`},
		{"toDate with a bad format throws", "Details.BirthDate", "toDate('2024', 'YYYY')", `TypeError: date format "YYYY"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, errs := mapOne(t, complexJS(tt.field, tt.snippet), rec)
			require.Len(t, errs, 1)
			assert.Contains(t, errs[0].Message, tt.want)
			assert.True(t, errs[0].Blocking)
			require.Len(t, p.Issues, 1)
			assert.True(t, p.Blocked(), "a value that cannot be used blocks the person, required or not")
		})
	}
}

func TestAFieldOtherRecordsHaveIsUndefinedInSnippets(t *testing.T) {
	// JSON Lines records need not all have every field the source has
	src := source([]engine.FieldMapping{complexJS("DisplayName", "source.nick || source.first")}, nil)
	desc := engine.SourceDescription{PersonFields: []string{"first", "nick"}}
	s := compile(t, src, mapping.Options{Description: &desc}).NewSession()
	p, errs := s.Person(record(1, "1", "first", "Ada"))
	require.Empty(t, errs)
	assert.Equal(t, "Ada", p.DisplayName)
}

func TestDisplayNameFollowsTheConventionWhenItIsNotMapped(t *testing.T) {
	src := source([]engine.FieldMapping{field("Name.GivenName", "first"), field("Name.FamilyNamePrefix", "prefix"),
		field("Name.FamilyName", "last"), field("Name.FamilyNamePartner", "partner"), field("Name.Convention", "conv")}, nil)
	s := compile(t, src, mapping.Options{}).NewSession()
	p, errs := s.Person(record(1, "1", "first", "Jan", "prefix", "de", "last", "Vries", "partner", "Dam", "conv", "pb"))
	require.Empty(t, errs)
	assert.Equal(t, "Jan Dam-de Vries", p.DisplayName)
}

func TestSnippetThatThrowsIsARecordErrorAndAnIssue(t *testing.T) {
	rec := record(17, "1001", "first", "Ada")
	for _, req := range []bool{false, true} {
		t.Run(fmt.Sprintf("required=%v", req), func(t *testing.T) {
			fm := complexJS("DisplayName", "if (source.first) {\n  throw new Error('no display name for ' + source.first)\n}")
			fm.Required = req
			src := source([]engine.FieldMapping{fm, field("Name.GivenName", "first")}, nil)
			p, errs := compile(t, src, mapping.Options{}).NewSession().Person(rec)
			require.Len(t, errs, 1)
			e := errs[0]
			assert.Equal(t, "persons.csv", e.File)
			assert.Equal(t, 17, e.Line)
			assert.Equal(t, "DisplayName", e.Field)
			assert.Equal(t, "1001", e.Person)
			assert.True(t, e.Blocking, "a failing snippet blocks the person, required or not")
			assert.Contains(t, e.Error(), `persons.csv line 17, field "DisplayName": JavaScript error: Error: no display name for Ada`)
			assert.Contains(t, e.Error(), "DisplayName:2:", "the error names the snippet's line")

			require.Len(t, p.Issues, 1)
			assert.Equal(t, "DisplayName", p.Issues[0].Field)
			assert.Equal(t, "DisplayName: "+e.Message, p.Issues[0].Message)
			assert.True(t, p.Issues[0].Blocking)
			assert.True(t, p.Blocked())
			assert.Equal(t, "Ada", p.Name.GivenName, "the other fields are still mapped")
			assert.Equal(t, "hr:1001", p.ID)
		})
	}
}

func TestRuntimeErrorsInSnippets(t *testing.T) {
	rec := record(2, "1", "first", "Ada")
	tests := []struct {
		snippet string
		want    string
	}{
		{"source.first.nope.length", "JavaScript error: TypeError: Cannot read property 'length' of undefined"},
		{"source.frist", `JavaScript error: TypeError: source has no field "frist" (did you mean first?)`},
		{"source.first = 'Eve'", "JavaScript error: TypeError"},
		{"leaked = source.first", "JavaScript error: ReferenceError: leaked is not defined"},
		{"undefinedFunction()", "JavaScript error: ReferenceError: undefinedFunction is not defined"},
		{"throw 'plain'", "JavaScript error: plain"},
	}
	for _, tt := range tests {
		t.Run(tt.snippet, func(t *testing.T) {
			_, errs := mapOne(t, complexJS("DisplayName", tt.snippet), rec)
			require.Len(t, errs, 1)
			assert.Contains(t, errs[0].Message, tt.want)
		})
	}
}

func TestPersonKeyIsTheExternalIDWhenExternalIDIsNotMapped(t *testing.T) {
	p, errs := mapOne(t, field("Name.GivenName", "first"), record(1, "E-77", "first", "Ada"))
	require.Empty(t, errs)
	assert.Equal(t, "E-77", p.ExternalID)
	assert.Equal(t, "hr:E-77", p.ID)
	assert.Equal(t, "hr", p.Source)
}

func TestMappedExternalIDWinsOverThePersonKey(t *testing.T) {
	p, errs := mapOne(t, field("ExternalId", "emp"), record(1, "row-key", "emp", "E-77"))
	require.Empty(t, errs)
	assert.Equal(t, "E-77", p.ExternalID)
	assert.Equal(t, "hr:E-77", p.ID)
}

func TestEmptyExternalIDIsARecordError(t *testing.T) {
	tests := []struct {
		name string
		fm   engine.FieldMapping
		rec  *engine.RawRecord
	}{
		{"mapped field is empty", field("ExternalId", "emp"), record(4, "k", "emp", "")},
		{"snippet gives nothing", complexJS("ExternalId", "null"), record(4, "k")},
		{"no person key", field("Name.GivenName", "first"), record(4, "", "first", "Ada")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, errs := mapOne(t, tt.fm, tt.rec)
			require.NotEmpty(t, errs)
			last := errs[len(errs)-1]
			assert.Equal(t, "ExternalId", last.Field)
			assert.True(t, last.Blocking)
			assert.Equal(t, 4, last.Line)
			assert.Contains(t, last.Error(), `persons.csv line 4, field "ExternalId": the person's ExternalId is empty; the person cannot be imported`)
			assert.Equal(t, "", p.ExternalID)
		})
	}
}

func TestInfiniteLoopIsStoppedAndTheSessionKeepsWorking(t *testing.T) {
	src := source([]engine.FieldMapping{
		complexJS("DisplayName", "if (source.first === 'loop') { while (true) {} }\nsource.first"),
		complexJS("Name.NickName", "if (source.first === 'loop') { try { for (;;) {} } catch (e) { 'caught' } }\nsource.first"),
	}, nil)
	m := compile(t, src, mapping.Options{TimeLimit: 50 * time.Millisecond})
	s := m.NewSession()

	start := time.Now()
	p, errs := s.Person(record(8, "1", "first", "loop"))
	elapsed := time.Since(start)
	require.Len(t, errs, 2, "both snippets are stopped; a catch cannot swallow the stop")
	for _, e := range errs {
		assert.Equal(t, `JavaScript took longer than 50ms and was stopped`, e.Message)
		assert.Equal(t, 8, e.Line)
	}
	assert.Len(t, p.Issues, 2)
	assert.Less(t, elapsed, 2*time.Second)

	// Wait past the time limit so that a stale timer would fire into the
	// next records.
	time.Sleep(120 * time.Millisecond)
	for i := range 20 {
		name := "Ada" + strconv.Itoa(i)
		p, errs = s.Person(record(9+i, "2", "first", name))
		require.Empty(t, errs)
		assert.Equal(t, name, p.DisplayName)
		assert.Equal(t, name, p.Name.NickName)
	}
}

func TestSnippetsRunningCloseToTheTimeLimitNeverInterruptTheNextCall(t *testing.T) {
	limit := 20 * time.Millisecond
	src := source([]engine.FieldMapping{
		complexJS("DisplayName", "if (source.slow) { var end = Date.now() + Number(source.slow); while (Date.now() < end) {} }\n'ok'"),
		complexJS("Name.NickName", "'next'"),
	}, nil)
	s := compile(t, src, mapping.Options{TimeLimit: limit}).NewSession()
	for i := range 15 {
		// Alternate just below and just above the limit.
		slow := strconv.Itoa(15 + i%2*10)
		p, errs := s.Person(record(i, "1", "slow", slow))
		for _, e := range errs {
			assert.Equal(t, "DisplayName", e.Field, "only the slow snippet may be stopped")
		}
		assert.Equal(t, "next", p.Name.NickName, "round %d", i)

		p, errs = s.Person(record(i, "1", "slow", ""))
		require.Empty(t, errs, "round %d", i)
		assert.Equal(t, "ok", p.DisplayName)
	}
}

func TestSnippetsCannotReachTheOutsideWorld(t *testing.T) {
	rec := record(1, "1")
	for _, name := range []string{"require", "process", "fetch", "XMLHttpRequest", "module", "exports", "setTimeout", "console", "Deno", "Bun"} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, engine.TextValue("undefined"), personValue(t, complexJS("DisplayName", "typeof "+name), rec))
		})
	}
}

func TestSnippetStateDoesNotLeakBetweenRecords(t *testing.T) {
	// Top-level let and const would be declared twice in a reused runtime.
	src := source([]engine.FieldMapping{
		complexJS("DisplayName", "const first = source.first;\nlet last = source.last;\nclass Name { full() { return first + ' ' + last } }\nnew Name().full()"),
		complexJS("Name.NickName", "const first = source.first.toLowerCase();\nfirst"),
	}, nil)
	s := compile(t, src, mapping.Options{}).NewSession()
	for i, name := range []string{"Ada", "Grace", "Edsger"} {
		p, errs := s.Person(record(i+1, strconv.Itoa(i), "first", name, "last", "X"))
		require.Empty(t, errs, "record %d", i+1)
		assert.Equal(t, name+" X", p.DisplayName)
		assert.Equal(t, strings.ToLower(name), p.Name.NickName)
	}
}

func TestSnippetVarsStartEmptyForEveryRecord(t *testing.T) {
	// var x; without an initialiser does not reset x in a reused runtime
	src := source([]engine.FieldMapping{
		complexJS("Name.NickName", "var nick;\nif (source.nick) { nick = source.nick }\nnick"),
	}, nil)
	s := compile(t, src, mapping.Options{}).NewSession()
	p, errs := s.Person(record(1, "1", "nick", "Ada"))
	require.Empty(t, errs)
	assert.Equal(t, "Ada", p.Name.NickName)
	p, errs = s.Person(record(2, "2", "nick", ""))
	require.Empty(t, errs)
	assert.Empty(t, p.Name.NickName, "the previous record's value does not leak")
}

func TestSnippetsCannotReplaceSourceOrHelpers(t *testing.T) {
	src := source([]engine.FieldMapping{
		complexJS("Name.NickName", "try { source = {first: 'evil'} } catch (e) {}\ntry { removeDiacritics = null } catch (e) {}\nremoveDiacritics(source.first)"),
	}, nil)
	s := compile(t, src, mapping.Options{}).NewSession()
	for i, name := range []string{"Zoë", "Chloé"} {
		p, errs := s.Person(record(i+1, strconv.Itoa(i), "first", name))
		require.Empty(t, errs)
		assert.Equal(t, engine.RemoveDiacritics(name), p.Name.NickName)
	}
}

func TestToDateOfNothingIsEmpty(t *testing.T) {
	for _, arg := range []string{"null", "undefined", "''"} {
		v := personValue(t, complexJS("Details.BirthDate", "toDate("+arg+")"), record(1, "1"))
		assert.True(t, v.IsEmpty(), arg)
	}
}

func TestSessionContract(t *testing.T) {
	src := source(nil, []engine.FieldMapping{
		field("ExternalId", "contract"),
		field("StartDate", "start"),
		field("EndDate", "end"),
		field("Details.Fte", "fte"),
		fixed("Details.HoursPerWeek", "36"),
		field("Department.ExternalId", "dept"),
		complexJS("Title.Name", "source.title.toUpperCase()"),
		field("Manager.ExternalId", "manager"),
		field("Custom.Grade", "grade"),
	})
	s := compile(t, src, mapping.Options{}).NewSession()
	c, issues, errs := s.Contract(contractRecord(3, "1001",
		"contract", "C-1", "start", "01-02-2024", "end", "", "fte", "0,8", "dept", "IT", "title", "engineer", "manager", "900", "grade", "11"))
	require.Empty(t, errs)
	require.Empty(t, issues)
	assert.Equal(t, engine.Contract{
		ExternalID: "C-1",
		StartDate:  20240201,
		Details:    engine.ContractDetails{Fte: engine.Num(0.8), HoursPerWeek: engine.Num(36)},
		Department: engine.Ref{ExternalID: "IT"},
		Title:      engine.Ref{Name: "ENGINEER"},
		Manager:    engine.ManagerRef{ExternalID: "900"},
		Custom:     customOf("Grade", "11"),
	}, c)
}

func TestContractProblemsNameTheContract(t *testing.T) {
	src := source(nil, []engine.FieldMapping{
		required(field("StartDate", "start")),
		field("Details.Fte", "fte"),
		field("ExternalId", "contract"), // mapped after the failing fields
	})
	s := compile(t, src, mapping.Options{})
	c, issues, errs := s.NewSession().Contract(contractRecord(5, "1001", "start", "someday", "fte", "lots", "contract", "C-9"))
	require.Len(t, errs, 2)
	assert.Equal(t, `contracts.csv line 5, field "StartDate": source field "start": expected a date like dd-MM-yyyy, got "someday"`, errs[0].Error())
	assert.True(t, errs[0].Blocking)
	assert.Equal(t, "1001", errs[0].Person)
	assert.True(t, errs[1].Blocking, "an unreadable FTE blocks too")
	assert.Equal(t, []engine.Issue{
		{Field: "StartDate", Contract: "C-9", Message: "contract C-9, StartDate: " + errs[0].Message, Blocking: true},
		{Field: "Details.Fte", Contract: "C-9", Message: "contract C-9, Details.Fte: " + errs[1].Message, Blocking: true},
	}, issues)
	assert.Equal(t, "C-9", c.ExternalID)
	assert.Equal(t, engine.Date(0), c.StartDate)
}

func TestSessionDepartment(t *testing.T) {
	src := &engine.SourceSystem{Key: "hr", Name: "HR", Mapping: engine.SourceMapping{Department: []engine.FieldMapping{
		field("ExternalId", "id"),
		field("DisplayName", "name"),
		field("ParentExternalId", "parent"),
		complexJS("Code", "source.name.substring(0, 3).toUpperCase()"),
		field("ManagerExternalId", "manager"),
	}}}
	s := compile(t, src, mapping.Options{}).NewSession()
	d, errs := s.Department(record(2, "", "id", "D1", "name", "Finance", "parent", "ROOT", "manager", "42"))
	require.Empty(t, errs)
	assert.Equal(t, engine.Department{Source: "hr", ExternalID: "D1", Code: "FIN", DisplayName: "Finance", ParentExternalID: "ROOT", ManagerExternalID: "42"}, d)

	d, errs = s.Department(record(3, "", "id", " ", "name", "Nameless"))
	require.Len(t, errs, 1)
	assert.Equal(t, "ExternalId", errs[0].Field)
	assert.Contains(t, errs[0].Error(), `line 3, field "ExternalId": required, but source field "id" is empty`)
	assert.Equal(t, "", d.ExternalID)
}

func TestMapPersonAssemblesContractsInCanonicalOrder(t *testing.T) {
	src := source(
		[]engine.FieldMapping{field("Name.GivenName", "first"), required(field("Name.FamilyName", "last"))},
		[]engine.FieldMapping{field("ExternalId", "id"), field("StartDate", "start"), field("Details.Fte", "fte")},
	)
	s := compile(t, src, mapping.Options{}).NewSession()
	p, errs := s.MapPerson(record(1, "1001", "first", "Ada", "last", ""), []*engine.RawRecord{
		contractRecord(4, "1001", "id", "C3", "start", "01-03-2024", "fte", "1"),
		contractRecord(2, "1001", "id", "C1", "start", "01-01-2024", "fte", "x"),
		contractRecord(3, "1001", "id", "C2", "start", "01-02-2024", "fte", "0,5"),
	})
	require.Len(t, errs, 2)
	assert.Equal(t, "Name.FamilyName", errs[0].Field)
	assert.Equal(t, "Details.Fte", errs[1].Field)
	assert.Equal(t, 2, errs[1].Line)

	require.Len(t, p.Contracts, 3)
	assert.Equal(t, []string{"C1", "C2", "C3"}, []string{p.Contracts[0].ExternalID, p.Contracts[1].ExternalID, p.Contracts[2].ExternalID})
	assert.Equal(t, engine.Date(20240201), p.Contracts[1].StartDate)
	assert.Equal(t, engine.Num(0.5), p.Contracts[1].Details.Fte)

	require.Len(t, p.Issues, 2)
	assert.Equal(t, "", p.Issues[0].Contract, "person issues sort first")
	assert.Equal(t, "Name.FamilyName", p.Issues[0].Field)
	assert.Equal(t, "C1", p.Issues[1].Contract)
	assert.True(t, p.Blocked())

	// The same records in another order give the same record.
	q, _ := s.MapPerson(record(1, "1001", "first", "Ada", "last", ""), []*engine.RawRecord{
		contractRecord(2, "1001", "id", "C1", "start", "01-01-2024", "fte", "x"),
		contractRecord(3, "1001", "id", "C2", "start", "01-02-2024", "fte", "0,5"),
		contractRecord(4, "1001", "id", "C3", "start", "01-03-2024", "fte", "1"),
	})
	assert.Equal(t, engine.AppendPerson(nil, p), engine.AppendPerson(nil, q))
}

func TestMapPersonWithoutContracts(t *testing.T) {
	src := source([]engine.FieldMapping{field("Name.GivenName", "first")}, []engine.FieldMapping{field("ExternalId", "id")})
	p, errs := compile(t, src, mapping.Options{}).NewSession().MapPerson(record(1, "9", "first", "Ada"), nil)
	require.Empty(t, errs)
	assert.Empty(t, p.Contracts)
	assert.Equal(t, engine.StatusFormer, p.StatusOn(20240101))
}

func TestMapperIsSharedBySessionsOnSeveralGoroutines(t *testing.T) {
	src := source(
		[]engine.FieldMapping{
			field("Name.GivenName", "first"),
			field("Details.BirthDate", "birth"),
			complexJS("DisplayName", "const n = removeDiacritics(source.first) + ' #' + source.n;\nn"),
			complexJS("Custom.Level", "Number(source.n) * 2"),
		},
		[]engine.FieldMapping{field("ExternalId", "id"), complexJS("StartDate", "toDate(source.start)")},
	)
	m := compile(t, src, mapping.Options{})
	const workers, perWorker = 4, 100
	var wg sync.WaitGroup
	failures := make(chan string, workers*perWorker)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := m.NewSession()
			for i := range perWorker {
				n := strconv.Itoa(w*perWorker + i)
				p, errs := s.MapPerson(
					record(i, n, "first", "Zoë", "birth", "01-02-1990", "n", n),
					[]*engine.RawRecord{contractRecord(i, n, "id", "C"+n, "start", "15-03-2024")},
				)
				switch {
				case len(errs) > 0:
					failures <- errs[0].Error()
				case p.DisplayName != "Zoe #"+n:
					failures <- "display name " + p.DisplayName
				case p.Custom.Get("Level") != strconv.Itoa((w*perWorker+i)*2):
					failures <- "level " + p.Custom.Get("Level")
				case len(p.Contracts) != 1 || p.Contracts[0].StartDate != 20240315 || p.Contracts[0].ExternalID != "C"+n:
					failures <- fmt.Sprintf("contracts %+v", p.Contracts)
				case p.ID != "hr:"+n:
					failures <- "id " + p.ID
				}
			}
		}()
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
}

func customOf(kv ...string) engine.Custom {
	var c engine.Custom
	for i := 0; i < len(kv); i += 2 {
		c = append(c, engine.KV{Name: kv[i], Value: kv[i+1]})
	}
	return c
}

// TestJSDatesDoNotDependOnTheTimeZone maps JS dates in child processes with
// the workstation in other time zones: goja reads time.Local, which a test
// cannot change safely in-process.
func TestJSDatesDoNotDependOnTheTimeZone(t *testing.T) {
	if os.Getenv("PROVISIO_JSDATE_CHILD") != "" {
		return // the child runs TestJSDatesInThisTimeZone
	}
	for _, tz := range []string{"UTC", "America/Los_Angeles", "America/New_York", "Europe/Amsterdam", "Asia/Tokyo", "Pacific/Kiritimati"} {
		t.Run(tz, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestJSDatesInThisTimeZone$", "-test.count=1")
			cmd.Env = append(os.Environ(), "TZ="+tz, "PROVISIO_JSDATE_CHILD=1")
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
		})
	}
}

func TestJSDatesInThisTimeZone(t *testing.T) {
	rec := record(1, "1", "iso", "2024-01-31")
	tests := []string{
		`new Date(2024, 0, 31)`,
		`new Date(2024, 0, 31, 12, 0)`,
		`new Date("2024-01-31")`,
		`new Date(source.iso)`,
		`new Date(Date.UTC(2024, 0, 31))`,
		`new Date("2024-01-31T00:00:00")`,
	}
	for _, snippet := range tests {
		t.Run(snippet, func(t *testing.T) {
			assert.Equal(t, engine.DateValue(20240131), personValue(t, complexJS("Details.BirthDate", snippet), rec), "TZ=%s", os.Getenv("TZ"))
		})
	}
}
