package importing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	csvconn "provisio/connectors/csv"
	"provisio/engine"
)

// splitSource is a source system for a persons file whose person key
// (column key) is not the ExternalId (column employee_no), a contracts
// file and a departments file.
func splitSource(t *testing.T, dir string) (*engine.SourceSystem, engine.SourceConnector) {
	t.Helper()
	settings := map[string]string{
		"layout":            "split",
		"personsFile":       "persons.csv",
		"contractsFile":     "contracts.csv",
		"departmentsFile":   "departments.csv",
		"personKey":         "key",
		"contractPersonKey": "person",
	}
	conn, err := csvconn.New(settings, engine.ConnectorEnv{BaseDir: dir})
	require.NoError(t, err)
	src := &engine.SourceSystem{
		Key: "hr", Name: "HR export", Kind: "csv", Settings: settings,
		Mapping: engine.SourceMapping{
			Person: []engine.FieldMapping{
				field("ExternalId", "employee_no"),
				field("Name.GivenName", "first"),
				required(field("Name.FamilyName", "last")),
			},
			Contract: []engine.FieldMapping{
				field("ExternalId", "contract"),
				field("StartDate", "start"),
			},
			Department: []engine.FieldMapping{
				field("ExternalId", "dept_id"),
				field("DisplayName", "name"),
				field("ParentExternalId", "parent"),
			},
		},
	}
	return src, conn
}

func TestSplitLayoutReportsBadRowsAndKeepsTheFirstOfEachKey(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "persons.csv",
		"key,employee_no,first,last",
		"K1,100,Ann,Smith",
		"K2,200,Bob,Jones",
		"K3,300,Cat,Brown",
		"K2,201,Bobby,Jonas", // line 5: the key of line 3 again
		"K4,300,Dan,Black",   // line 6: the ExternalId of line 4 again
		"K5,500,Eve,White",
	)
	writeFile(t, dir, "contracts.csv",
		"person,contract,start",
		"K1,C1,2020-01-01",
		"K9,C9,2020-01-01", // line 3: no person K9
		"K2,C2,2021-01-01",
		"K3,C3,2022-01-01",
		"K4,C4,2022-01-01", // the ignored person's contract goes with them
		"K2,C2b,2023-01-01",
		"K9,C9b,2020-01-01", // line 8: no person K9
	)
	writeFile(t, dir, "departments.csv",
		"dept_id,name,parent",
		"D1,Finance,",
		"D2,Sales,D1",
		"D1,Finance again,", // line 4: the id of line 2 again
	)
	src, conn := splitSource(t, dir)
	s := openStore(t)

	run, snap := mustImport(t, newImporter(s), src, conn)
	assert.Equal(t, 6+7+3, run.Counts.Records)
	assert.Equal(t, 4, run.Counts.Persons)
	assert.Equal(t, 4, run.Counts.Contracts, "C1, C2, C2b and C3")
	assert.Equal(t, 2, run.Counts.Departments)
	assert.Equal(t, 4, snap.Persons)
	assert.Equal(t, 4, snap.Contracts)
	assert.Equal(t, 2, snap.Departments)

	require.Len(t, run.Errors, 5, "%v", run.Errors)
	assert.Equal(t, 5, run.Counts.Errors)
	want := []struct {
		file     string
		line     int
		field    string
		contains []string
	}{
		{"contracts.csv", 3, "", []string{`"K9"`, "no person", "ignored"}},
		{"contracts.csv", 8, "", []string{`"K9"`}},
		{"departments.csv", 4, "ExternalId", []string{`"D1"`, "departments.csv line 2", "ignored"}},
		{"persons.csv", 5, "", []string{`"K2"`, "persons.csv line 3", "ignored"}},
		{"persons.csv", 6, "ExternalId", []string{`"300"`, "persons.csv line 4", "ignored"}},
	}
	for i, w := range want {
		e := run.Errors[i]
		assert.Equal(t, w.file, e.File, "error %d: %v", i, e)
		assert.Equal(t, w.line, e.Line, "error %d: %v", i, e)
		assert.Equal(t, w.field, e.Field, "error %d: %v", i, e)
		for _, c := range w.contains {
			assert.Contains(t, e.Message, c, "error %d", i)
		}
	}
	assert.Equal(t, "K9", run.Errors[0].Person)
	assert.Equal(t, "K2", run.Errors[3].Person)
	assert.Equal(t, "K4", run.Errors[4].Person)

	ps := persons(t, s)
	assert.Len(t, ps, 4)
	bob := ps["hr:200"]
	require.NotNil(t, bob, "the first row of key K2 wins")
	assert.Equal(t, "Bob", bob.Name.GivenName)
	require.Len(t, bob.Contracts, 2, "both contracts of K2 belong to the kept person")
	assert.Equal(t, "C2", bob.Contracts[0].ExternalID)
	assert.Equal(t, "C2b", bob.Contracts[1].ExternalID)
	assert.NotContains(t, ps, "hr:201")
	cat := ps["hr:300"]
	require.NotNil(t, cat)
	assert.Equal(t, "Cat", cat.Name.GivenName, "the earlier person with ExternalId 300 wins")
	require.Len(t, cat.Contracts, 1)
	assert.Equal(t, "C3", cat.Contracts[0].ExternalID)
	assert.Contains(t, ps, "hr:500")

	depts, err := s.ReadDepartments(t.Context(), snap.Number)
	require.NoError(t, err)
	require.Len(t, depts, 2)
	assert.Equal(t, engine.Department{Source: "hr", ExternalID: "D1", DisplayName: "Finance"}, depts[0], "the first D1 wins")
	assert.Equal(t, engine.Department{Source: "hr", ExternalID: "D2", DisplayName: "Sales", ParentExternalID: "D1"}, depts[1])
}

func TestDuplicatePersonKeyIsDecidedByFileOrderWhateverTheWorkers(t *testing.T) {
	// with many records between them, the two records of key E00001 are
	// mapped by different goroutines; the first is slow to map, so with
	// several workers the second arrives first
	src := hrSource("hr")
	src.Mapping.Person = append(src.Mapping.Person, engine.FieldMapping{Field: "DisplayName", Type: engine.MapComplex,
		Value: `if (source.first == "Given1") { var x = 0; for (var i = 0; i < 2e5; i++) { x += i } }
source.first`})
	data := people(600)
	conn := data.split()
	dup := &engine.RawRecord{Kind: engine.RecordPerson, PersonKey: "E00001", Header: personHeader,
		Values: []string{"E00001", "Second", "Row", "", ""}, File: "persons.csv", Line: 9999}
	conn.records = append(conn.records[:len(data.depts)+600:len(data.depts)+600], append([]*engine.RawRecord{dup}, conn.records[len(data.depts)+600:]...)...)

	for _, workers := range []int{1, 4} {
		s := openStore(t)
		im := newImporter(s)
		im.Workers = workers
		im.TimeLimit = time.Minute
		run, _ := mustImport(t, im, src, conn)
		assert.Equal(t, 600, run.Counts.Persons)
		p := persons(t, s)["hr:E00001"]
		require.NotNil(t, p)
		assert.Equal(t, "Given1", p.Name.GivenName, "workers %d: the first record wins", workers)
		var dupErrs []engine.RecordError
		for _, e := range run.Errors {
			if e.Line == 9999 {
				dupErrs = append(dupErrs, e)
			}
		}
		require.Len(t, dupErrs, 1, "workers %d", workers)
		assert.Contains(t, dupErrs[0].Message, "persons.csv line 3")
	}
}

func TestContractsOfAnUnknownPersonAreIgnoredInMemorySource(t *testing.T) {
	data := people(3)
	conn := data.split()
	conn.records = append(conn.records, &engine.RawRecord{Kind: engine.RecordContract, PersonKey: "NOBODY", Header: contractHeader,
		Values: []string{"NOBODY", "X1", "2020-01-01", "", "D1", "Clerk"}, File: "contracts.csv", Line: 42})
	s := openStore(t)
	run, snap := mustImport(t, newImporter(s), hrSource("hr"), conn)
	assert.Equal(t, data.expected().contracts, run.Counts.Contracts)
	assert.Equal(t, data.expected().contracts, snap.Contracts)
	var found bool
	for _, e := range run.Errors {
		if e.Line == 42 {
			found = true
			assert.Equal(t, "contracts.csv", e.File)
			assert.Equal(t, "NOBODY", e.Person)
			assert.Contains(t, e.Message, `"NOBODY"`)
		}
	}
	assert.True(t, found, "%v", run.Errors)
}

func TestTwoKeysWithTheSameExternalIdKeepTheEarlierInFileOrder(t *testing.T) {
	// in the single layout the person key is "id", but ExternalId comes
	// from the e-mail column: rows of Y come before rows of X in the file
	src := hrSource("hr")
	src.Mapping.Person[0] = field("ExternalId", "email")
	mk := func(key, first, contract string, line int) *engine.RawRecord {
		return &engine.RawRecord{Kind: engine.RecordPersonContract, PersonKey: key, Header: singleHeader,
			Values: []string{key, first, "Fam", "same@example.com", "", contract, "2020-01-01", "", "D1", "Clerk"}, File: "export.csv", Line: line}
	}
	conn := &memSource{desc: engine.SourceDescription{PersonFields: singleColumns, ContractFields: singleColumns, DepartmentFields: deptColumns}}
	conn.records = []*engine.RawRecord{mk("Y", "Yara", "CY1", 2), mk("X", "Xavi", "CX1", 3), mk("Y", "Yara", "CY2", 4)}

	s := openStore(t)
	run, _ := mustImport(t, newImporter(s), src, conn)
	assert.Equal(t, 1, run.Counts.Persons)
	assert.Equal(t, 2, run.Counts.Contracts)
	require.Len(t, run.Errors, 1)
	assert.Equal(t, 3, run.Errors[0].Line)
	assert.Equal(t, "X", run.Errors[0].Person)
	assert.Contains(t, run.Errors[0].Message, "export.csv line 2")
	assert.Equal(t, "Yara", persons(t, s)["hr:same@example.com"].Name.GivenName)
}

func TestDepartmentWithoutIdIsReportedAndSkipped(t *testing.T) {
	data := people(5)
	data.depts = append(data.depts, dept{"", "No id", "D0"})
	s := openStore(t)
	run, snap := mustImport(t, newImporter(s), hrSource("hr"), data.single(nil))
	assert.Equal(t, 5, run.Counts.Departments)
	assert.Equal(t, 5, snap.Departments)
	assert.Equal(t, 5, run.Counts.Persons)
	var found bool
	for _, e := range run.Errors {
		if e.File == "departments.csv" {
			found = true
			assert.Equal(t, len(data.depts)+1, e.Line)
			assert.Equal(t, "ExternalId", e.Field)
		}
	}
	assert.True(t, found, "%v", run.Errors)
}

func TestPersonWithoutExternalIdIsReportedAndSkipped(t *testing.T) {
	data := people(5)
	conn := data.single(nil)
	src := hrSource("hr")
	src.Mapping.Person[0] = field("ExternalId", "email")
	conn.records[len(conn.records)-1].Values[3] = "" // the last row is E00004's only one
	s := openStore(t)
	run, _ := mustImport(t, newImporter(s), src, conn)
	assert.Equal(t, 4, run.Counts.Persons)
	require.NotEmpty(t, run.Errors)
	var found bool
	for _, e := range run.Errors {
		if e.Person == "E00004" && e.Field == "ExternalId" {
			found = true
			assert.Contains(t, e.Message, "ExternalId is empty")
		}
	}
	assert.True(t, found, "%v", run.Errors)
}
