package csv

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// writeFiles writes the named files into a new temporary folder and
// returns the folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

// newConnector makes a connector whose workspace folder is dir.
func newConnector(t *testing.T, dir string, settings map[string]string) *Connector {
	t.Helper()
	c, err := New(settings, engine.ConnectorEnv{BaseDir: dir})
	require.NoError(t, err)
	return c
}

// readResult is what one Read passed to its callbacks.
type readResult struct {
	records  []*engine.RawRecord
	errors   []*engine.RecordError
	progress [][2]int64
}

func readAll(t *testing.T, c *Connector) (readResult, error) {
	t.Helper()
	var res readResult
	err := c.Read(context.Background(),
		func(r *engine.RawRecord) error { res.records = append(res.records, r); return nil },
		func(e *engine.RecordError) { res.errors = append(res.errors, e) },
		func(done, total int64) { res.progress = append(res.progress, [2]int64{done, total}) })
	return res, err
}

// mustRead reads the source of files with settings and expects no failure.
func mustRead(t *testing.T, files map[string]string, settings map[string]string) readResult {
	t.Helper()
	res, err := readAll(t, newConnector(t, writeFiles(t, files), settings))
	require.NoError(t, err)
	return res
}

// fieldsOf returns a record's fields by name.
func fieldsOf(r *engine.RawRecord) map[string]string {
	m := map[string]string{}
	for i, n := range r.Header.Names {
		if n != "" {
			m[n] = r.Values[i]
		}
	}
	return m
}

func column(recs []*engine.RawRecord, name string) []string {
	var out []string
	for _, r := range recs {
		v, _ := r.Get(name)
		out = append(out, v)
	}
	return out
}

func lines(recs []*engine.RawRecord) []int {
	var out []int
	for _, r := range recs {
		out = append(out, r.Line)
	}
	return out
}

func single(file string) map[string]string {
	return map[string]string{"file": file, "personKey": "id"}
}

func requireInvalid(t *testing.T, err error, parts ...string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, engine.Invalid, engine.ErrorCode(err), "error %q", err)
	for _, p := range parts {
		assert.Contains(t, err.Error(), p)
	}
}

func TestKindOffersTheDocumentedSettings(t *testing.T) {
	k := Kind()
	assert.Equal(t, "csv", k.Kind)
	assert.Equal(t, "CSV or JSON Lines files", k.Label)
	var keys []string
	for _, d := range k.Settings {
		keys = append(keys, d.Key)
	}
	assert.Equal(t, []string{"layout", "file", "personsFile", "contractsFile", "departmentsFile", "format", "delimiter", "encoding", "personKey", "contractPersonKey", "contractsField"}, keys)

	conn, err := k.New(map[string]string{"file": "missing.csv", "personKey": "id"}, engine.ConnectorEnv{BaseDir: t.TempDir()})
	require.NoError(t, err, "New must not open the files")
	assert.NotNil(t, conn)
}

func TestNewRejectsInvalidSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]string
		want     string
	}{
		{"no person key", map[string]string{"file": "a.csv"}, "personKey"},
		{"blank person key", map[string]string{"file": "a.csv", "personKey": "  "}, "personKey"},
		{"no file with the default layout", map[string]string{"personKey": "id"}, "(file)"},
		{"no file in the single layout", map[string]string{"layout": "single", "personKey": "id"}, "(file)"},
		{"no persons file", map[string]string{"layout": "split", "contractsFile": "c.csv", "personKey": "id"}, "personsFile"},
		{"no contracts file", map[string]string{"layout": "split", "personsFile": "p.csv", "personKey": "id"}, "contractsFile"},
		{"unknown layout", map[string]string{"layout": "both", "file": "a.csv", "personKey": "id"}, `"both" is not one of`},
		{"unknown delimiter", map[string]string{"file": "a.csv", "personKey": "id", "delimiter": ":"}, "delimiter"},
		{"unknown encoding", map[string]string{"file": "a.csv", "personKey": "id", "encoding": "ebcdic"}, "encoding"},
		{"unknown format", map[string]string{"file": "a.csv", "personKey": "id", "format": "xlsx"}, "format"},
		{"contracts field is the key", map[string]string{"file": "a.jsonl", "personKey": "id", "contractsField": "id"}, "contracts field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.settings, engine.ConnectorEnv{BaseDir: t.TempDir()})
			requireInvalid(t, err, tt.want)
		})
	}
}

func TestReadSingleLayoutEmitsAPersonAndContractPerRow(t *testing.T) {
	res := mustRead(t, map[string]string{"hr.csv": "id,name,department\n1,Ann,Sales\n1,Ann,Support\n2,Bob,IT\n"}, single("hr.csv"))
	require.Empty(t, res.errors)
	require.Len(t, res.records, 3)
	for _, r := range res.records {
		assert.Equal(t, engine.RecordPersonContract, r.Kind)
		assert.Equal(t, "hr.csv", r.File)
		assert.Same(t, res.records[0].Header, r.Header, "rows of one file share a header")
	}
	assert.Equal(t, []string{"1", "1", "2"}, []string{res.records[0].PersonKey, res.records[1].PersonKey, res.records[2].PersonKey})
	assert.Equal(t, map[string]string{"id": "1", "name": "Ann", "department": "Support"}, fieldsOf(res.records[1]))
	assert.Equal(t, []int{2, 3, 4}, lines(res.records))
}

func TestReadDetectsTheDelimiterFromTheHeaderLine(t *testing.T) {
	tests := []struct {
		name, content string
	}{
		{"comma", "id,name,city\n1,Ann,Paris\n"},
		{"semicolon", "id;name;city\n1;Ann;Paris\n"},
		{"tab", "id\tname\tcity\n1\tAnn\tParis\n"},
		{"pipe", "id|name|city\n1|Ann|Paris\n"},
		{"most frequent wins", "id;name;city, state\n1;Ann;Paris, TX\n"},
		{"quoted delimiters do not count", "\"a,b,c\";id;name;city\nx;1;Ann;Paris\n"},
		{"after blank lines", "\n\nid;name;city\n1;Ann;Paris\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustRead(t, map[string]string{"hr.csv": tt.content}, single("hr.csv"))
			require.Empty(t, res.errors)
			require.Len(t, res.records, 1)
			got := fieldsOf(res.records[0])
			assert.Equal(t, "1", got["id"])
			assert.Equal(t, "Ann", got["name"])
		})
	}
	t.Run("no delimiter means comma", func(t *testing.T) {
		res := mustRead(t, map[string]string{"hr.csv": "id\n1\n2\n"}, single("hr.csv"))
		assert.Equal(t, []string{"1", "2"}, column(res.records, "id"))
		assert.Equal(t, ',', detectDelimiterOf("id\n1\n"))
	})
}

func detectDelimiterOf(s string) rune {
	return detectDelimiter(bufio.NewReader(strings.NewReader(s)))
}

func TestReadUsesTheConfiguredDelimiter(t *testing.T) {
	tests := []struct{ setting, sep, other string }{{",", ",", ";"}, {";", ";", ","}, {"tab", "\t", ","}, {"|", "|", ","}}
	for _, tt := range tests {
		t.Run(tt.setting, func(t *testing.T) {
			// The other delimiter is more frequent, so detection would
			// pick it.
			second := strings.Join([]string{"a", "b", "c"}, tt.other)
			content := "id" + tt.sep + second + "\n1" + tt.sep + "x\n"
			s := single("hr.csv")
			s["delimiter"] = tt.setting
			res := mustRead(t, map[string]string{"hr.csv": content}, s)
			require.Empty(t, res.errors)
			require.Len(t, res.records, 1)
			assert.Equal(t, []string{"id", second}, res.records[0].Header.Names)
			assert.Equal(t, []string{"1", "x"}, res.records[0].Values)
		})
	}
}

func TestReadStripsAUTF8ByteOrderMark(t *testing.T) {
	for _, enc := range []string{"auto", "utf-8", "windows-1252", "iso-8859-1"} {
		t.Run(enc, func(t *testing.T) {
			s := single("hr.csv")
			s["encoding"] = enc
			res := mustRead(t, map[string]string{"hr.csv": "\xEF\xBB\xBFid;name\n1;Ann\n"}, s)
			require.Empty(t, res.errors)
			require.Len(t, res.records, 1)
			assert.Equal(t, []string{"id", "name"}, res.records[0].Header.Names)
			assert.Equal(t, "1", res.records[0].PersonKey)
		})
	}
	t.Run("JSON Lines", func(t *testing.T) {
		res := mustRead(t, map[string]string{"hr.jsonl": "\xEF\xBB\xBF{\"id\":1}\n"}, single("hr.jsonl"))
		require.Empty(t, res.errors)
		require.Len(t, res.records, 1)
		assert.Equal(t, "1", res.records[0].PersonKey)
	})
}

func TestReadDecodesTheConfiguredEncoding(t *testing.T) {
	tests := []struct {
		name, encoding, content string
		want                    []string
	}{
		{"auto reads UTF-8", "auto", "id,name\n1,Ren\xC3\xA9e\n", []string{"Renée"}},
		{"auto reads windows-1252", "auto", "id,name\n1,Ren\xE9e\n2,\x80 \x93quoted\x94\n", []string{"Renée", "€ “quoted”"}},
		{"auto reads a mostly UTF-8 file with a few windows-1252 fields", "auto", "id,name\n1,Ren\xC3\xA9e\n2,Ren\xE9e\n3,Zo\xC3\xAB\n", []string{"Renée", "Renée", "Zoë"}},
		{"windows-1252", "windows-1252", "id,name\n1,Ren\xE9e\n2,\x80 \x8A\n", []string{"Renée", "€ Š"}},
		{"iso-8859-1", "iso-8859-1", "id,name\n1,Ren\xE9e\n2,\xDF\xFF\n", []string{"Renée", "ßÿ"}},
		{"utf-8", "utf-8", "id,name\n1,Ren\xC3\xA9e\n", []string{"Renée"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := single("hr.csv")
			s["encoding"] = tt.encoding
			res := mustRead(t, map[string]string{"hr.csv": tt.content}, s)
			require.Empty(t, res.errors)
			assert.Equal(t, tt.want, column(res.records, "name"))
		})
	}
	t.Run("header", func(t *testing.T) {
		s := single("hr.csv")
		s["encoding"] = "windows-1252"
		res := mustRead(t, map[string]string{"hr.csv": "id,pr\xE9nom\n1,Ren\xE9e\n"}, s)
		assert.Equal(t, []string{"Renée"}, column(res.records, "prénom"))
	})
	t.Run("iso-8859-1 keeps C1 bytes as control characters", func(t *testing.T) {
		s := single("hr.csv")
		s["encoding"] = "iso-8859-1"
		res := mustRead(t, map[string]string{"hr.csv": "id,name\n1,\x80\n"}, s)
		assert.Equal(t, []string{"\u0080"}, column(res.records, "name"))
	})
}

func TestReadStopsAtTextThatIsNotUTF8WhenTheEncodingIsUTF8(t *testing.T) {
	// the file is in another encoding: reading on would drop every person
	// with an accent, so nothing is imported
	s := single("hr.csv")
	s["encoding"] = "utf-8"
	_, err := readAll(t, newConnector(t, writeFiles(t, map[string]string{"hr.csv": "id,given,family\n1,Ann,Smith\n2,Ren\xE9e,Dupont\n3,Bob,Jones\n"}), s))
	requireInvalid(t, err, "hr.csv line 3, column 2 (given)", "not valid UTF-8; is the file encoded as windows-1252?")

	t.Run("in the header", func(t *testing.T) {
		_, err := readAll(t, newConnector(t, writeFiles(t, map[string]string{"hr.csv": "id,pr\xE9nom\n"}), s))
		requireInvalid(t, err, "hr.csv", "column 2", "not valid UTF-8")
	})
}

func TestReadHandlesQuotedFieldsWithDelimitersAndNewlines(t *testing.T) {
	content := "id,name,address\n" +
		"1,\"Smith, Ann\",\"1 Main St\nSpringfield\"\n" +
		"2,\"Bob \"\"the builder\"\"\",\"a\r\nb\nc\"\n" +
		"3,Carl,Paris\n"
	res := mustRead(t, map[string]string{"hr.csv": content}, single("hr.csv"))
	require.Empty(t, res.errors)
	require.Len(t, res.records, 3)
	assert.Equal(t, []string{"Smith, Ann", "Bob \"the builder\"", "Carl"}, column(res.records, "name"))
	assert.Equal(t, []string{"1 Main St\nSpringfield", "a\nb\nc", "Paris"}, column(res.records, "address"))
	assert.Equal(t, []int{2, 4, 7}, lines(res.records), "each record's line is the line where it starts")
}

func TestReadSkipsBlankLinesAndLinesOfDelimiters(t *testing.T) {
	content := "\n  \nid;name\n\n1;Ann\n;\n  ;  \n\n2;Bob\n\n"
	res := mustRead(t, map[string]string{"hr.csv": content}, single("hr.csv"))
	require.Empty(t, res.errors)
	assert.Equal(t, []string{"1", "2"}, column(res.records, "id"))
	assert.Equal(t, []int{5, 9}, lines(res.records))
}

func TestReadIgnoresTrailingDelimiters(t *testing.T) {
	content := "id;name;\n1;Ann;\n2;Bob;;;\n3;Carl\n"
	res := mustRead(t, map[string]string{"hr.csv": content}, single("hr.csv"))
	require.Empty(t, res.errors)
	require.Len(t, res.records, 3)
	assert.Equal(t, []string{"id", "name"}, res.records[0].Header.Names)
	for _, r := range res.records {
		assert.Len(t, r.Values, 2)
	}
	assert.Equal(t, []string{"Ann", "Bob", "Carl"}, column(res.records, "name"))
}

func TestReadTrimsHeaderNames(t *testing.T) {
	res := mustRead(t, map[string]string{"hr.csv": " id , name \n1, Ann \n"}, single("hr.csv"))
	require.Len(t, res.records, 1)
	assert.Equal(t, []string{"id", "name"}, res.records[0].Header.Names)
	assert.Equal(t, " Ann ", res.records[0].Values[1], "values are passed on as they are")
	assert.Equal(t, "1", res.records[0].PersonKey)
}

func TestReadFailsOnADuplicateHeaderName(t *testing.T) {
	dir := writeFiles(t, map[string]string{"hr.csv": "id,email,name,email\n1,a,b,c\n"})
	c := newConnector(t, dir, single("hr.csv"))
	res, err := readAll(t, c)
	requireInvalid(t, err, "hr.csv", `"email"`, "columns 2 and 4")
	assert.Empty(t, res.records)
	_, err = c.Describe(context.Background())
	requireInvalid(t, err, "columns 2 and 4")
}

func TestReadReportsRaggedRowWithFileAndLine(t *testing.T) {
	content := "id,a,b,c\n" +
		"1,x,y,z\n" +
		"2,x\n" + // too few
		"3,x,y,z,extra\n" + // an extra value
		"4,x,y,z,,\n" + // extra empty fields are fine
		"5,x,y,z\n"
	res := mustRead(t, map[string]string{"people/hr.csv": content}, single("people/hr.csv"))
	assert.Equal(t, []string{"1", "4", "5"}, column(res.records, "id"), "ragged rows are skipped, reading goes on")
	require.Len(t, res.errors, 2)
	assert.Equal(t, engine.RecordError{File: "hr.csv", Line: 3, Person: "2", Message: "expected 4 fields, found 2"}, *res.errors[0])
	assert.Equal(t, engine.RecordError{File: "hr.csv", Line: 4, Person: "3", Message: "expected 4 fields, found 5"}, *res.errors[1])
}

func TestReadStopsAtAQuoteThatIsNeverClosed(t *testing.T) {
	// the open quote swallows the rows after it: reading on would drop
	// those persons, so nothing is imported
	content := "id,name,title\n1,\"Ann,Boss\n2,Bob,Clerk\n3,Carl,\"Clerk\"\n4,Dan,Clerk\n"
	_, err := readAll(t, newConnector(t, writeFiles(t, map[string]string{"hr.csv": content}), single("hr.csv")))
	requireInvalid(t, err, "hr.csv line 2", "runs on to line 4", "a quote is probably missing or extra")
}

func TestReadDecodesUTF16WithAByteOrderMark(t *testing.T) {
	// Excel's "Unicode text": UTF-16LE with a BOM, tab-separated
	text := "id\tname\r\n1\tZoë\r\n"
	raw := []byte{0xFF, 0xFE}
	for _, r := range text {
		raw = append(raw, byte(r), byte(r>>8))
	}
	res := mustRead(t, map[string]string{"hr.csv": string(raw)}, single("hr.csv"))
	assert.Equal(t, []string{"Zoë"}, column(res.records, "name"))
}

func TestReadSuggestsTheDelimiterWhenTheHeaderIsOneColumn(t *testing.T) {
	s := single("hr.csv")
	s["delimiter"] = ";"
	_, err := readAll(t, newConnector(t, writeFiles(t, map[string]string{"hr.csv": "id,name\n1,Ann\n"}), s))
	requireInvalid(t, err, "hr.csv", `is the delimiter ","?`)
}

func TestReadReportsARowWithAnEmptyPersonKey(t *testing.T) {
	res := mustRead(t, map[string]string{"hr.csv": "name,id\nAnn,1\nBob,  \nCarl,3\n"}, single("hr.csv"))
	assert.Equal(t, []string{"1", "3"}, column(res.records, "id"))
	require.Len(t, res.errors, 1)
	e := res.errors[0]
	assert.Equal(t, "hr.csv", e.File)
	assert.Equal(t, 3, e.Line)
	assert.Equal(t, "id", e.Field)
	assert.Contains(t, e.Message, `"id"`)
}

func TestReadTrimsThePersonKey(t *testing.T) {
	res := mustRead(t, map[string]string{"hr.csv": "id,name\n 7 ,Ann\n"}, single("hr.csv"))
	require.Len(t, res.records, 1)
	assert.Equal(t, "7", res.records[0].PersonKey)
}

func TestReadAndDescribeFailOnAMissingFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"departments.csv": "code,name\nD1,Sales\n",
		"persons.csv":     "id,name\n1,Ann\n",
	})
	c := newConnector(t, dir, map[string]string{"layout": "split", "personsFile": "persons.csv", "contractsFile": "contracts.csv", "departmentsFile": "departments.csv", "personKey": "id"})
	res, err := readAll(t, c)
	requireInvalid(t, err, "contracts.csv", filepath.Join(dir, "contracts.csv"), "contractsFile")
	assert.Empty(t, res.records, "nothing is emitted before every file is found")
	_, err = c.Describe(context.Background())
	requireInvalid(t, err, "contracts.csv")

	t.Run("a folder", func(t *testing.T) {
		require.NoError(t, os.Mkdir(filepath.Join(dir, "contracts.csv"), 0o755))
		_, err := readAll(t, c)
		requireInvalid(t, err, "contracts.csv", "folder")
	})
}

func TestReadAndDescribeFailOnAMissingKeyColumn(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		settings map[string]string
		want     []string
	}{
		{"single", map[string]string{"hr.csv": "number,name\n1,Ann\n"}, single("hr.csv"), []string{"file hr.csv", `"id"`, `"number", "name"`}},
		{"case differs", map[string]string{"hr.csv": "ID,name\n1,Ann\n"}, single("hr.csv"), []string{`did you mean "ID"`}},
		{"persons file", map[string]string{"p.csv": "nr,name\n1,Ann\n", "c.csv": "id,title\n1,Boss\n"},
			map[string]string{"layout": "split", "personsFile": "p.csv", "contractsFile": "c.csv", "personKey": "id"}, []string{"persons file p.csv", `"id"`, `"nr", "name"`}},
		{"contracts file", map[string]string{"p.csv": "id,name\n1,Ann\n", "c.csv": "id,title\n1,Boss\n"},
			map[string]string{"layout": "split", "personsFile": "p.csv", "contractsFile": "c.csv", "personKey": "id", "contractPersonKey": "person"}, []string{"contracts file c.csv", `"person"`, `"id", "title"`}},
		{"JSON Lines", map[string]string{"hr.jsonl": `{"nr":1,"name":"Ann"}` + "\n"}, single("hr.jsonl"), []string{"hr.jsonl", `field "id"`, `"nr", "name"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConnector(t, writeFiles(t, tt.files), tt.settings)
			res, err := readAll(t, c)
			requireInvalid(t, err, tt.want...)
			assert.Empty(t, res.records)
			_, err = c.Describe(context.Background())
			requireInvalid(t, err, tt.want...)
		})
	}
}

func TestReadFailsOnAnEmptyCSVFile(t *testing.T) {
	for _, content := range []string{"", "\n\n", "\xEF\xBB\xBF"} {
		_, err := readAll(t, newConnector(t, writeFiles(t, map[string]string{"hr.csv": content}), single("hr.csv")))
		requireInvalid(t, err, "hr.csv", "empty", `"id"`)
	}
}

func TestReadSplitLayoutReadsDepartmentsThenPersonsThenContracts(t *testing.T) {
	files := map[string]string{
		"in/departments.csv": "code;name\nD1;Sales\nD2;IT\n",
		"in/persons.csv":     "id;name\n1;Ann\n2;Bob\n",
		"in/contracts.csv":   "person;title;department\n1;Boss;D1\n2;Clerk;D2\n1;Adviser;D2\n",
	}
	res := mustRead(t, files, map[string]string{"layout": "split", "departmentsFile": "in/departments.csv", "personsFile": "in/persons.csv", "contractsFile": "in/contracts.csv", "personKey": "id", "contractPersonKey": "person"})
	require.Empty(t, res.errors)
	var got []string
	for _, r := range res.records {
		got = append(got, fmt.Sprintf("%s %s:%d key=%q", r.Kind, r.File, r.Line, r.PersonKey))
	}
	assert.Equal(t, []string{
		`department departments.csv:2 key=""`,
		`department departments.csv:3 key=""`,
		`person persons.csv:2 key="1"`,
		`person persons.csv:3 key="2"`,
		`contract contracts.csv:2 key="1"`,
		`contract contracts.csv:3 key="2"`,
		`contract contracts.csv:4 key="1"`,
	}, got)
	assert.Equal(t, map[string]string{"person": "1", "title": "Adviser", "department": "D2"}, fieldsOf(res.records[6]))
}

func TestReadSplitLayoutUsesThePersonKeyInTheContractsFileByDefault(t *testing.T) {
	files := map[string]string{"p.csv": "id,name\n1,Ann\n", "c.csv": "title,id\nBoss,1\n"}
	res := mustRead(t, files, map[string]string{"layout": "split", "personsFile": "p.csv", "contractsFile": "c.csv", "personKey": "id"})
	require.Len(t, res.records, 2)
	assert.Equal(t, engine.RecordContract, res.records[1].Kind)
	assert.Equal(t, "1", res.records[1].PersonKey)
}

func TestReadSingleLayoutReadsADepartmentsFileFirst(t *testing.T) {
	files := map[string]string{"hr.csv": "id,dept\n1,D1\n", "depts.csv": "code,name\nD1,Sales\n"}
	s := single("hr.csv")
	s["departmentsFile"] = "depts.csv"
	res := mustRead(t, files, s)
	require.Len(t, res.records, 2)
	assert.Equal(t, engine.RecordDepartment, res.records[0].Kind)
	assert.Equal(t, "depts.csv", res.records[0].File)
	assert.Equal(t, map[string]string{"code": "D1", "name": "Sales"}, fieldsOf(res.records[0]))
	assert.Equal(t, engine.RecordPersonContract, res.records[1].Kind)
}

func TestReadAcceptsAnAbsolutePath(t *testing.T) {
	dir := writeFiles(t, map[string]string{"hr.csv": "id\n1\n"})
	res, err := readAll(t, newConnector(t, t.TempDir(), single(filepath.Join(dir, "hr.csv"))))
	require.NoError(t, err)
	require.Len(t, res.records, 1)
	assert.Equal(t, "hr.csv", res.records[0].File)
}

func TestReadChoosesTheFormatByExtension(t *testing.T) {
	tests := []struct {
		file, format, content string
		want                  engine.RecordKind
	}{
		{"hr.jsonl", "auto", `{"id":"1"}`, engine.RecordPerson},
		{"hr.NDJSON", "auto", `{"id":"1"}`, engine.RecordPerson},
		{"hr.txt", "auto", "id\n1\n", engine.RecordPersonContract},
		{"hr.txt", "jsonl", `{"id":"1"}`, engine.RecordPerson},
		{"hr.jsonl", "csv", "id\n1\n", engine.RecordPersonContract},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.format, func(t *testing.T) {
			s := single(tt.file)
			s["format"] = tt.format
			res := mustRead(t, map[string]string{tt.file: tt.content}, s)
			require.Len(t, res.records, 1)
			assert.Equal(t, tt.want, res.records[0].Kind)
			assert.Equal(t, "1", res.records[0].PersonKey)
		})
	}
}

func TestReadJSONLinesSingleLayoutEmitsThePersonThenItsContracts(t *testing.T) {
	content := `{"id": 17, "name": {"given": "Ann", "family": "Smith"}, "active": true, "fte": 0.80, "nick": null, "tags": ["a", 2, null, false], ` +
		`"contracts": [{"title": "Boss", "dept": {"code": "D1"}}, {"title": "Adviser", "end": "2030-01-01"}], "phones": [{"type": "work"}, [1, 2]]}` + "\n" +
		"\n" +
		`{"id": "18", "name": {"given": "Bob"}}` + "\n" +
		`{"id": "19", "name": {"given": "Carl"}, "contracts": {"title": "Clerk"}}` + "\n"
	res := mustRead(t, map[string]string{"hr.jsonl": content}, single("hr.jsonl"))
	require.Empty(t, res.errors)
	var got []string
	for _, r := range res.records {
		got = append(got, fmt.Sprintf("%s line %d key=%s", r.Kind, r.Line, r.PersonKey))
	}
	assert.Equal(t, []string{
		"person line 1 key=17", "contract line 1 key=17", "contract line 1 key=17",
		"person line 3 key=18",
		"person line 4 key=19", "contract line 4 key=19",
	}, got)
	p := res.records[0]
	assert.Equal(t, []string{"id", "name.given", "name.family", "active", "fte", "nick", "tags", "phones"}, p.Header.Names, "fields in written order, without the contracts")
	assert.Equal(t, map[string]string{
		"id": "17", "name.given": "Ann", "name.family": "Smith", "active": "true", "fte": "0.80", "nick": "",
		"tags": "a,2,,false", "phones": `[{"type":"work"},[1,2]]`,
	}, fieldsOf(p))
	assert.Equal(t, map[string]string{"title": "Boss", "dept.code": "D1"}, fieldsOf(res.records[1]))
	assert.Equal(t, map[string]string{"title": "Adviser", "end": "2030-01-01"}, fieldsOf(res.records[2]))
	assert.Equal(t, []string{"id", "name.given"}, res.records[3].Header.Names, "each record has its own fields")
	assert.Equal(t, map[string]string{"title": "Clerk"}, fieldsOf(res.records[5]))
}

func TestReadJSONLinesAcceptsAPersonWithoutContracts(t *testing.T) {
	content := `{"id":1,"contracts":null}` + "\n" + `{"id":2,"contracts":[]}` + "\n" + `{"id":3}` + "\n"
	res := mustRead(t, map[string]string{"hr.jsonl": content}, single("hr.jsonl"))
	require.Empty(t, res.errors)
	require.Len(t, res.records, 3)
	for _, r := range res.records {
		assert.Equal(t, engine.RecordPerson, r.Kind)
		assert.Equal(t, []string{"id"}, r.Header.Names)
	}
}

func TestReadJSONLinesUsesTheConfiguredContractsField(t *testing.T) {
	s := single("hr.jsonl")
	s["contractsField"] = "jobs"
	res := mustRead(t, map[string]string{"hr.jsonl": `{"id":1,"contracts":[{"x":1}],"jobs":[{"title":"Boss"}]}` + "\n"}, s)
	require.Len(t, res.records, 2)
	assert.Equal(t, map[string]string{"id": "1", "contracts": `[{"x":1}]`}, fieldsOf(res.records[0]))
	assert.Equal(t, map[string]string{"title": "Boss"}, fieldsOf(res.records[1]))
}

func TestReadJSONLinesSharesAHeaderBetweenRecordsWithTheSameFields(t *testing.T) {
	content := `{"id":1,"a":"x"}` + "\n" + `{"id":2}` + "\n" + `{"id":3,"a":"y"}` + "\n" + `{"id":4}` + "\n"
	res := mustRead(t, map[string]string{"hr.jsonl": content}, single("hr.jsonl"))
	require.Len(t, res.records, 4)
	assert.Same(t, res.records[0].Header, res.records[2].Header)
	assert.Same(t, res.records[1].Header, res.records[3].Header)
	assert.NotSame(t, res.records[0].Header, res.records[1].Header)
}

func TestReadJSONLinesKeepsTheLastValueOfARepeatedField(t *testing.T) {
	res := mustRead(t, map[string]string{"hr.jsonl": `{"id":1,"a":"x","b":{"c":1},"a":"y","b.c":2}` + "\n"}, single("hr.jsonl"))
	require.Len(t, res.records, 1)
	assert.Equal(t, []string{"id", "a", "b.c"}, res.records[0].Header.Names)
	assert.Equal(t, []string{"1", "y", "2"}, res.records[0].Values)
}

func TestReadJSONLinesSplitLayout(t *testing.T) {
	files := map[string]string{
		"departments.ndjson": `{"code":"D1","name":"Sales","manager":{"id":"1"}}` + "\n",
		"persons.jsonl":      `{"id":"1","name":"Ann","contracts":[1,2]}` + "\r\n" + `{"id":"2","name":"Bob"}` + "\r\n",
		"contracts.jsonl":    `{"person":{"id":"1"},"title":"Boss"}` + "\n" + `{"person":{"id":"2"},"title":"Clerk"}` + "\n",
	}
	res := mustRead(t, files, map[string]string{"layout": "split", "departmentsFile": "departments.ndjson", "personsFile": "persons.jsonl", "contractsFile": "contracts.jsonl", "personKey": "id", "contractPersonKey": "person.id"})
	require.Empty(t, res.errors)
	var got []string
	for _, r := range res.records {
		got = append(got, fmt.Sprintf("%s %s:%d key=%q", r.Kind, r.File, r.Line, r.PersonKey))
	}
	assert.Equal(t, []string{
		`department departments.ndjson:1 key=""`,
		`person persons.jsonl:1 key="1"`,
		`person persons.jsonl:2 key="2"`,
		`contract contracts.jsonl:1 key="1"`,
		`contract contracts.jsonl:2 key="2"`,
	}, got)
	assert.Equal(t, map[string]string{"code": "D1", "name": "Sales", "manager.id": "1"}, fieldsOf(res.records[0]))
	assert.Equal(t, map[string]string{"id": "1", "name": "Ann", "contracts": "1,2"}, fieldsOf(res.records[1]), "the contracts field is split out only in the single layout")
}

func TestReadReportsAnInvalidJSONLine(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{"not JSON", `id=3`, "not valid JSON at column 1"},
		{"not an object", `[{"id":3}]`, "expected an object"},
		{"text after the object", `{"id":3} {"id":4}`, "column 10"},
		{"no closing quote", `{"id":"3}`, "the line ends before the object does"},
		{"missing colon", `{"id" 3}`, "column 7: invalid character '3' after object key"},
		{"trailing comma", `{"id":3,}`, "column 9: invalid character '}' looking for beginning of object key string"},
		{"bad number", `{"id":03}`, "column 8: invalid character '3' after object key:value pair"},
		{"bad escape", `{"id":"\x"}`, "column 9: invalid character 'x' in string escape code"},
		{"truncated", `{"id":3,"a":[1,2`, "the line ends before the object does"},
		{"single quotes", `{'id':3}`, `column 2: invalid character '\''`},
		{"contracts not objects", `{"id":3,"contracts":["a"]}`, `item 1 is not an object`},
		{"contracts not an array", `{"id":3,"contracts":"none"}`, `should hold the person's contracts`},
		{"nested too deeply", `{"id":3,"a":` + strings.Repeat(`{"b":`, 150) + "1" + strings.Repeat("}", 151), "nested more than 100 levels deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := `{"id":1}` + "\n" + tt.line + "\n" + `{"id":2}` + "\n"
			res := mustRead(t, map[string]string{"hr.jsonl": content}, single("hr.jsonl"))
			assert.Equal(t, []string{"1", "2"}, column(res.records, "id"), "the line is skipped, reading goes on")
			require.Len(t, res.errors, 1)
			assert.Equal(t, "hr.jsonl", res.errors[0].File)
			assert.Equal(t, 2, res.errors[0].Line)
			assert.Contains(t, res.errors[0].Message, tt.want)
		})
	}
}

func TestReadJSONLinesReportsAMissingOrEmptyKeyAfterTheFirstRecord(t *testing.T) {
	content := `{"id":1}` + "\n" + `{"nr":2}` + "\n" + `{"id":""}` + "\n" + `{"id":4}` + "\n"
	res := mustRead(t, map[string]string{"hr.jsonl": content}, single("hr.jsonl"))
	assert.Equal(t, []string{"1", "4"}, column(res.records, "id"))
	require.Len(t, res.errors, 2)
	assert.Equal(t, engine.RecordError{File: "hr.jsonl", Line: 2, Field: "id", Message: `the person key field "id" is missing; the line is skipped`}, *res.errors[0])
	assert.Equal(t, engine.RecordError{File: "hr.jsonl", Line: 3, Field: "id", Message: `the person key field "id" is empty; the line is skipped`}, *res.errors[1])
}

func TestReadJSONLinesDecodesText(t *testing.T) {
	content := `{"id":1,"name":"Ren\u00e9e \ud83d\ude00 \"q\" \\ \/ \t","bad":"\ud800"}` + "\n" +
		"{\"id\":2,\"name\":\"Ren\xE9e\"}\n"
	res := mustRead(t, map[string]string{"hr.jsonl": content}, single("hr.jsonl"))
	require.Empty(t, res.errors)
	assert.Equal(t, []string{"Renée 😀 \"q\" \\ / \t", "Renée"}, column(res.records, "name"))
	assert.Equal(t, "\uFFFD", fieldsOf(res.records[0])["bad"])

	s := single("hr.jsonl")
	s["encoding"] = "utf-8"
	res = mustRead(t, map[string]string{"hr.jsonl": content}, s)
	require.Len(t, res.errors, 1)
	assert.Equal(t, engine.RecordError{File: "hr.jsonl", Line: 2, Field: "name", Message: notUTF8}, *res.errors[0])
}

func TestReadJSONLinesDecodesTheConfiguredEncoding(t *testing.T) {
	tests := []struct {
		name, encoding, line string
		want                 map[string]string
	}{
		{"windows-1252", "windows-1252", "{\"id\":1,\"pr\xE9nom\":\"Ren\xE9e\",\"note\":[\"\x80\",{\"a\":\"\x8A\"}]}",
			map[string]string{"id": "1", "prénom": "Renée", "note": `["€",{"a":"Š"}]`}},
		{"iso-8859-1", "iso-8859-1", "{\"id\":1,\"name\":\"\xDF\xFF\"}", map[string]string{"id": "1", "name": "ßÿ"}},
		{"auto keeps UTF-8 beside windows-1252 on one line", "auto", "{\"id\":1,\"name\":\"Ren\xC3\xA9e\",\"city\":\"Z\xFCrich\"}",
			map[string]string{"id": "1", "name": "Renée", "city": "Zürich"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := single("hr.jsonl")
			s["encoding"] = tt.encoding
			res := mustRead(t, map[string]string{"hr.jsonl": tt.line + "\n"}, s)
			require.Empty(t, res.errors)
			require.Len(t, res.records, 1)
			assert.Equal(t, tt.want, fieldsOf(res.records[0]))
		})
	}
}

func TestReadJSONLinesReadsLinesLongerThanTheBuffer(t *testing.T) {
	long := strings.Repeat("x", bufferSize*3/2)
	content := `{"id":1,"note":"` + long + `"}` + "\n" + `{"id":2}`
	res := mustRead(t, map[string]string{"hr.jsonl": content}, single("hr.jsonl"))
	require.Empty(t, res.errors)
	require.Len(t, res.records, 2)
	assert.Equal(t, long, fieldsOf(res.records[0])["note"])
	assert.Equal(t, 2, res.records[1].Line)
}

// TestJSONLinesAcceptsALineExactlyWhenItHoldsOneObject checks the walk
// over encoding/json's tokens against json.Valid.
func TestJSONLinesAcceptsALineExactlyWhenItHoldsOneObject(t *testing.T) {
	samples := []string{
		`{}`, ` { } `, `{"a":1}`, `{"a":-0.5e+10}`, `{"a":1E5}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`, `{"a":01}`, `{"a":1e}`,
		`{"a":"\u00e9\uD83D\uDE00"}`, `{"a":"\u12"}`, `{"a":"\q"}`, `{"a":"tab	inside"}`, `{"a":tru}`, `{"a":nul}`, `{"a":true}`,
		`{"a":[]}`, `{"a":[1,]}`, `{"a":[,1]}`, `{"a":[1 2]}`, `{"a":{"b":{"c":[{"d":null}]}}}`, `{"a":{"b":}}`, `{"a" : [ {"x" : [ ] } , 1 ] }`,
		`{"a":1,"a":2}`, `{"":1}`, `{"a":1}x`, `{"a":1`, `{"a"}`, `{1:2}`, `"a"`, `[]`, `{"a":"\"}`, `{"a":"\\"}`, `{"a":[1,{"b":2}]}`,
		`{"a":[1,{"b":2]}`, `{"a":[1,{"b":2},]}`, `{"a":[[1],[2]]}`, `{"a":[{"b":1} {"c":2}]}`, `{"a":"x"  ,  "b"  :  "y"}`,
		`{"":1E700}`, `{"a":-0,"b":0e-1,"c":"\u0000"}`, `{"a":1}}`, `{"a":1}]`, `{"a":1} "b"`, `{"a":1} {`, `{"a":[1}`, `{"a":{"b":1]}`,
	}
	for _, line := range samples {
		t.Run(line, func(t *testing.T) {
			p := flattener{contractsField: "contracts"}
			err := p.parse([]byte(line))
			valid := json.Valid([]byte(line)) && strings.HasPrefix(strings.TrimSpace(line), "{")
			assert.Equal(t, valid, err == nil, "encoding/json says valid=%v, the connector says %v", valid, err)
		})
	}
}

func TestReadStopsWhenCancelled(t *testing.T) {
	var csvRows, jsonRows strings.Builder
	csvRows.WriteString("id,name\n")
	for i := range 50_000 {
		fmt.Fprintf(&csvRows, "%d,Person %d\n", i, i)
		fmt.Fprintf(&jsonRows, `{"id":%d,"name":"Person %d"}`+"\n", i, i)
	}
	for _, file := range []string{"hr.csv", "hr.jsonl"} {
		t.Run(file, func(t *testing.T) {
			content := csvRows.String()
			if strings.HasSuffix(file, ".jsonl") {
				content = jsonRows.String()
			}
			c := newConnector(t, writeFiles(t, map[string]string{file: content}), single(file))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			emitted := 0
			err := c.Read(ctx, func(*engine.RawRecord) error {
				if emitted++; emitted == 100 {
					cancel()
				}
				return nil
			}, func(e *engine.RecordError) { t.Errorf("unexpected record error %v", e) }, nil)
			require.Error(t, err)
			assert.Equal(t, engine.Canceled, engine.ErrorCode(err))
			assert.Less(t, emitted, 10_000, "reading stops within a few thousand rows")
		})
	}
	t.Run("before reading", func(t *testing.T) {
		c := newConnector(t, writeFiles(t, map[string]string{"hr.csv": "id\n1\n"}), single("hr.csv"))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := c.Read(ctx, func(*engine.RawRecord) error { t.Error("emitted after cancel"); return nil }, nil, nil)
		assert.Equal(t, engine.Canceled, engine.ErrorCode(err))
	})
}

func TestReadReportsProgressInBytesUpToTheTotal(t *testing.T) {
	var persons strings.Builder
	persons.WriteString("id,name\n")
	for i := range 20_000 {
		fmt.Fprintf(&persons, "%d,Person %d\n", i, i)
	}
	files := map[string]string{"p.csv": persons.String(), "c.jsonl": strings.Repeat(`{"id":"1","title":"x"}`+"\n", 10_000)}
	res := mustRead(t, files, map[string]string{"layout": "split", "personsFile": "p.csv", "contractsFile": "c.jsonl", "personKey": "id"})
	total := int64(len(files["p.csv"]) + len(files["c.jsonl"]))
	require.NotEmpty(t, res.progress)
	assert.Equal(t, [2]int64{total, total}, res.progress[len(res.progress)-1], "the last report is the total")
	assert.Less(t, len(res.progress), 30_000/checkEvery+3, "progress is reported every few thousand rows")
	last := int64(0)
	for _, p := range res.progress {
		assert.Equal(t, total, p[1])
		assert.GreaterOrEqual(t, p[0], last, "progress never goes back")
		last = p[0]
	}
	assert.Greater(t, len(res.progress), 2, "progress is reported while reading")
}

func TestReadReturnsTheFirstErrorOfEmit(t *testing.T) {
	for _, file := range []string{"hr.csv", "hr.jsonl"} {
		t.Run(file, func(t *testing.T) {
			content := "id\n1\n2\n3\n4\n"
			if strings.HasSuffix(file, "jsonl") {
				content = `{"id":1,"contracts":[{},{}]}` + "\n" + `{"id":2}` + "\n"
			}
			c := newConnector(t, writeFiles(t, map[string]string{file: content}), single(file))
			stop := errors.New("stop")
			calls := 0
			err := c.Read(context.Background(), func(*engine.RawRecord) error {
				if calls++; calls == 2 {
					return stop
				}
				return nil
			}, nil, nil)
			assert.ErrorIs(t, err, stop)
			assert.Equal(t, 2, calls, "nothing is emitted after the error")
		})
	}
}

func TestReadEmitsANewRecordEachTime(t *testing.T) {
	for _, file := range []string{"hr.csv", "hr.jsonl"} {
		t.Run(file, func(t *testing.T) {
			content := "id,name\n1,Ann\n2,Bob\n"
			if strings.HasSuffix(file, "jsonl") {
				content = `{"id":"1","name":"Ann"}` + "\n" + `{"id":"2","name":"Bob"}` + "\n"
			}
			res := mustRead(t, map[string]string{file: content}, single(file))
			require.Len(t, res.records, 2)
			assert.NotSame(t, res.records[0], res.records[1])
			assert.Equal(t, []string{"1", "Ann"}, res.records[0].Values, "kept records are not overwritten by later rows")
			assert.Equal(t, []string{"2", "Bob"}, res.records[1].Values)
		})
	}
}

func TestDescribeListsTheFieldsOfEachRecordKind(t *testing.T) {
	var many strings.Builder
	for i := range describeRecords {
		fmt.Fprintf(&many, `{"id":%d,"f%d":1,"contracts":[{"c%d":1}]}`+"\n", i, i%3, i%2)
	}
	many.WriteString(`{"id":0,"late":1,"contracts":[{"late":1}]}` + "\n")

	tests := []struct {
		name     string
		files    map[string]string
		settings map[string]string
		want     engine.SourceDescription
	}{
		{
			"single CSV", map[string]string{"hr.csv": "\xEF\xBB\xBFid; name ;dept;\n1;Ann;D1;\n"}, single("hr.csv"),
			engine.SourceDescription{PersonFields: []string{"id", "name", "dept"}, ContractFields: []string{"id", "name", "dept"}},
		},
		{
			"split CSV with departments",
			map[string]string{"p.csv": "id,name\n", "c.csv": "person,title\n", "d.csv": "code,name,parent\n"},
			map[string]string{"layout": "split", "personsFile": "p.csv", "contractsFile": "c.csv", "departmentsFile": "d.csv", "personKey": "id", "contractPersonKey": "person"},
			engine.SourceDescription{PersonFields: []string{"id", "name"}, ContractFields: []string{"person", "title"}, DepartmentFields: []string{"code", "name", "parent"}},
		},
		{
			"single JSON Lines, first records only", map[string]string{"hr.jsonl": "not json\n" + many.String()}, single("hr.jsonl"),
			engine.SourceDescription{PersonFields: []string{"id", "f0", "f1", "f2"}, ContractFields: []string{"c0", "c1"}},
		},
		{
			"split JSON Lines",
			map[string]string{"p.jsonl": `{"id":1,"name":{"given":"Ann"}}` + "\n" + `{"id":2,"mail":"b@x"}` + "\n", "c.jsonl": `{"id":1,"title":"Boss"}` + "\n"},
			map[string]string{"layout": "split", "personsFile": "p.jsonl", "contractsFile": "c.jsonl", "personKey": "id"},
			engine.SourceDescription{PersonFields: []string{"id", "name.given", "mail"}, ContractFields: []string{"id", "title"}},
		},
		{
			"empty JSON Lines file", map[string]string{"hr.jsonl": ""}, single("hr.jsonl"),
			engine.SourceDescription{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := newConnector(t, writeFiles(t, tt.files), tt.settings).Describe(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.want, d)
		})
	}
}

func TestDescribeStopsWhenCancelled(t *testing.T) {
	c := newConnector(t, writeFiles(t, map[string]string{"hr.csv": "id\n"}), single("hr.csv"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Describe(ctx)
	assert.Equal(t, engine.Canceled, engine.ErrorCode(err))
}

// BenchmarkRead reads a generated export of 100,000 contract rows in the
// single layout.
func BenchmarkRead(b *testing.B) {
	for _, format := range []string{"csv", "jsonl"} {
		b.Run(format, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "hr."+format)
			writeBenchmarkFile(b, path, format, 100_000)
			st, err := os.Stat(path)
			require.NoError(b, err)
			c, err := New(single(path), engine.ConnectorEnv{})
			require.NoError(b, err)
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				err := c.Read(context.Background(), func(*engine.RawRecord) error { n++; return nil },
					func(e *engine.RecordError) { b.Fatal(e) }, nil)
				if err != nil || n == 0 {
					b.Fatal(err, n)
				}
			}
		})
	}
}

func writeBenchmarkFile(b *testing.B, path, format string, rows int) {
	f, err := os.Create(path)
	require.NoError(b, err)
	defer f.Close()
	w := bufio.NewWriter(f)
	if format == "csv" {
		fmt.Fprintln(w, "id,given,family,email,phone,start,end,department,title,location,costcentre,manager,fte")
	}
	for i := range rows {
		p := i * 2 / 3 // about 1.5 contracts per person
		if format == "csv" {
			fmt.Fprintf(w, "E%06d,Given%d,Familyname%d,given%d.familyname%d@example.com,+31 20 555 %04d,2021-%02d-01,,D%03d,\"Engineer, level %d\",Amsterdam,CC%04d,E%06d,%.1f\n",
				p, p, p, p, p, p%10000, i%12+1, i%300, i%5, i%1000, p/20, 0.5+float64(i%6)/10)
		} else {
			fmt.Fprintf(w, `{"id":"E%06d","name":{"given":"Given%d","family":"Familyname%d"},"email":"given%d.familyname%d@example.com","phone":"+31 20 555 %04d",`+
				`"contracts":[{"start":"2021-%02d-01","end":null,"department":"D%03d","title":"Engineer, level %d","location":"Amsterdam","costcentre":"CC%04d","manager":"E%06d","fte":%.1f}]}`+"\n",
				p, p, p, p, p, p%10000, i%12+1, i%300, i%5, i%1000, p/20, 0.5+float64(i%6)/10)
		}
	}
	require.NoError(b, w.Flush())
}
