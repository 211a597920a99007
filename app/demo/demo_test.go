package demo

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// table is a parsed CSV file: its header and rows.
type table struct {
	header []string
	col    map[string]int
	rows   []row
}

// row is one row of a table.
type row struct {
	tb     *table
	values []string
}

// get returns the value in the named column.
func (r row) get(column string) string { return r.values[r.tb.col[column]] }

// readTable reads a generated CSV file, checking its byte order mark and
// that every row has as many fields as the header.
func readTable(t testing.TB, path string) *table {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	bom := make([]byte, 3)
	_, err = io.ReadFull(f, bom)
	require.NoError(t, err)
	require.Equal(t, []byte("\uFEFF"), bom, "%s starts with a UTF-8 byte order mark", filepath.Base(path))
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.Comma = ';'
	header, err := r.Read()
	require.NoError(t, err)
	tb := &table{header: header, col: map[string]int{}}
	for i, h := range header {
		tb.col[h] = i
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, filepath.Base(path)) // also when a row has the wrong number of fields
		tb.rows = append(tb.rows, row{tb, rec})
	}
	return tb
}

// dataset is a generated data set, parsed.
type dataset struct {
	departments, persons, contracts *table
	person                          map[string]row   // by EmployeeNumber
	contractsOf                     map[string][]row // by EmployeeNumber
}

func generate(t testing.TB, opts Options) (string, *Summary, *dataset) {
	t.Helper()
	dir := t.TempDir()
	sum, err := Generate(dir, opts)
	require.NoError(t, err)
	ds := &dataset{
		departments: readTable(t, filepath.Join(dir, DepartmentsFile)),
		persons:     readTable(t, filepath.Join(dir, PersonsFile)),
		contracts:   readTable(t, filepath.Join(dir, ContractsFile)),
		person:      map[string]row{},
		contractsOf: map[string][]row{},
	}
	for _, p := range ds.persons.rows {
		ds.person[p.get("EmployeeNumber")] = p
	}
	for _, c := range ds.contracts.rows {
		ds.contractsOf[c.get("EmployeeNumber")] = append(ds.contractsOf[c.get("EmployeeNumber")], c)
	}
	return dir, sum, ds
}

// parseDate reads a dd-MM-yyyy date; it is not a test helper because it
// runs for every row of large files.
func parseDate(t testing.TB, s string) engine.Date {
	if s == "" {
		return 0
	}
	tm, err := time.Parse("02-01-2006", s)
	if err != nil {
		t.Fatalf("expected a date as dd-MM-yyyy: %v", err)
	}
	return engine.DateOf(tm)
}

func TestGenerateIsDeterministic(t *testing.T) {
	read := func(dir string) map[string][]byte {
		out := map[string][]byte{}
		for _, name := range []string{DepartmentsFile, PersonsFile, ContractsFile, ConfigFile, ADDirectoryFile, GoogleDirectoryFile} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			require.NoError(t, err)
			out[name] = b
		}
		return out
	}
	opts := Options{Persons: 2000, Seed: 42}
	a, b := t.TempDir(), t.TempDir()
	sumA, err := Generate(a, opts)
	require.NoError(t, err)
	sumB, err := Generate(b, opts)
	require.NoError(t, err)
	assert.Equal(t, sumA, sumB)
	filesA, filesB := read(a), read(b)
	for name := range filesA {
		assert.True(t, bytes.Equal(filesA[name], filesB[name]), "%s is identical for the same options", name)
	}

	other := t.TempDir()
	_, err = Generate(other, Options{Persons: 2000, Seed: 43})
	require.NoError(t, err)
	filesO := read(other)
	for _, name := range []string{DepartmentsFile, PersonsFile, ContractsFile} {
		assert.False(t, bytes.Equal(filesA[name], filesO[name]), "%s differs for another seed", name)
	}
	assert.Equal(t, filesA[ConfigFile], filesO[ConfigFile], "the configuration does not depend on the seed")
}

func TestGenerateUsesFixedDefaults(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	sumA, err := Generate(a, Options{})
	require.NoError(t, err)
	sumB, err := Generate(b, Options{Persons: DefaultPersons, Seed: DefaultSeed, AsOf: DefaultAsOf})
	require.NoError(t, err)
	assert.Equal(t, sumA, sumB)
	assert.Equal(t, DefaultPersons, sumA.Persons)
	for _, name := range []string{DepartmentsFile, PersonsFile, ContractsFile} {
		x, err := os.ReadFile(filepath.Join(a, name))
		require.NoError(t, err)
		y, err := os.ReadFile(filepath.Join(b, name))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(x, y), "%s: zero options mean the defaults", name)
	}
}

func TestGenerateRejectsTooFewPersons(t *testing.T) {
	_, err := Generate(t.TempDir(), Options{Persons: MinPersons - 1})
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Invalid))
	assert.Contains(t, err.Error(), "at least")
}

func TestGenerateWritesTheAdministratorsColumns(t *testing.T) {
	_, _, ds := generate(t, Options{Persons: MinPersons})
	assert.Equal(t, []string{"Code", "Name", "ParentCode", "ManagerNumber"}, ds.departments.header)
	assert.Equal(t, []string{"EmployeeNumber", "FirstName", "Initials", "Nickname", "Prefix", "LastName", "PartnerPrefix",
		"PartnerLastName", "NameConvention", "BirthDate", "Gender", "WorkEmail", "MobilePhone", "PreferredLanguage"}, ds.persons.header)
	assert.Equal(t, []string{"ContractId", "EmployeeNumber", "StartDate", "EndDate", "ContractType", "Fte", "HoursPerWeek",
		"DepartmentCode", "DepartmentName", "JobCode", "JobTitle", "Location", "CostCenter", "ManagerNumber", "Shift"}, ds.contracts.header)
}

func TestGeneratedDataLooksLikeARealHRExport(t *testing.T) {
	for _, persons := range []int{DefaultPersons, 300_000} {
		t.Run(fmt.Sprint(persons), func(t *testing.T) {
			asOf := DefaultAsOf
			_, sum, ds := generate(t, Options{Persons: persons})
			t.Log(sum)
			n := float64(persons)

			// the summary counts what the files hold
			assert.Equal(t, persons, sum.Persons)
			assert.Len(t, ds.persons.rows, sum.Persons)
			assert.Len(t, ds.contracts.rows, sum.Contracts)
			assert.Len(t, ds.departments.rows, sum.Departments)
			assert.Len(t, ds.person, sum.Persons, "employee numbers are unique")

			// departments: about one per 25 persons, at least 12
			assert.GreaterOrEqual(t, sum.Departments, 12)
			assert.InDelta(t, max(12, persons/25), sum.Departments, 1)

			// contracts per person and lifecycle figures relative to AsOf
			var future, leavers, two, soon, openEnded, withManager, ended int
			for no, cs := range ds.contractsOf {
				expect(t, has(ds.person, no), "contract of %s: every contract's EmployeeNumber is a person in persons.csv", no)
				isFuture, isLeaver := true, true
				for _, c := range cs {
					start, end := parseDate(t, c.get("StartDate")), parseDate(t, c.get("EndDate"))
					isFuture = isFuture && start > asOf
					isLeaver = isLeaver && !end.IsZero() && end < asOf
					if !start.IsZero() && !end.IsZero() {
						expect(t, start <= end, "contract %s ends before it starts", c.get("ContractId"))
					}
					switch {
					case end.IsZero():
						openEnded++
					case end > asOf && end <= asOf.AddDays(30):
						soon++
					case end < asOf:
						ended++
					}
					if m := c.get("ManagerNumber"); m != "" {
						withManager++
						expect(t, has(ds.person, m), "contract %s: the manager is not a person", c.get("ContractId"))
						expect(t, no != m, "contract %s: the person is their own manager", c.get("ContractId"))
					}
					fte, err1 := engine.ParseNumber(c.get("Fte"))
					hours, err2 := engine.ParseNumber(c.get("HoursPerWeek"))
					expect(t, err1 == nil && err2 == nil, "contract %s: FTE and hours are numbers: %v %v", c.get("ContractId"), err1, err2)
					if fte.Set {
						expect(t, !strings.Contains(c.get("Fte"), "."), "contract %s: FTE %s has no decimal comma", c.get("ContractId"), c.get("Fte"))
						expect(t, fte.V > 0 && fte.V <= 1, "contract %s: FTE %v", c.get("ContractId"), fte.V)
						expect(t, math.Abs(fte.V*38-hours.V) < 0.051, "contract %s: %v hours for FTE %v", c.get("ContractId"), hours.V, fte.V)
					}
				}
				if isFuture {
					future++
				}
				if isLeaver {
					leavers++
				}
				if len(cs) == 2 {
					two++
				}
				expect(t, len(cs) <= 2, "%s has %d contracts", no, len(cs))
			}
			assert.Len(t, ds.contractsOf, persons, "every person has a contract")
			assert.Equal(t, sum.FutureHires, future)
			assert.Equal(t, sum.Leavers, leavers)
			assert.Equal(t, sum.TwoContracts, two)
			assert.Equal(t, sum.EndingSoon, soon)
			assert.InDelta(t, 0.03, float64(future)/n, 0.015, "about 3%% future hires")
			assert.InDelta(t, 0.05, float64(leavers)/n, 0.02, "about 5%% leavers")
			assert.InDelta(t, 0.25, float64(two)/n, 0.05, "about 25%% with two contracts")
			assert.Positive(t, soon, "some contracts end within 30 days")
			assert.Positive(t, ended)
			total := float64(len(ds.contracts.rows))
			assert.Greater(t, float64(openEnded)/total, 0.6, "most contracts are open-ended")
			assert.InDelta(t, 0.5, float64(withManager)/total, 0.1, "about half the contracts name a manager")

			// duplicates: the same human under another number
			seen := map[string]string{}
			dups := 0
			for _, p := range ds.persons.rows {
				if p.get("LastName") == "" {
					continue
				}
				key := fold(p.get("FirstName")) + "|" + fold(p.get("LastName")) + "|" + p.get("BirthDate")
				if first, ok := seen[key]; ok {
					dups++
					expect(t, first != p.get("EmployeeNumber"), "%s is listed twice", first)
					continue
				}
				seen[key] = p.get("EmployeeNumber")
			}
			assert.Equal(t, sum.Duplicates, dups)
			assert.GreaterOrEqual(t, dups, 3)
			assert.InDelta(t, max(3, persons/500), dups, 1, "about 0.2%% duplicates")

			// rows missing a required field
			var noLastName, noStart int
			for _, p := range ds.persons.rows {
				if p.get("LastName") == "" {
					noLastName++
				}
			}
			for _, c := range ds.contracts.rows {
				if c.get("StartDate") == "" {
					noStart++
				}
			}
			assert.Positive(t, noLastName)
			assert.Positive(t, noStart)
			assert.Equal(t, sum.MissingRequired, noLastName+noStart)
			assert.GreaterOrEqual(t, sum.MissingRequired, 2)
			assert.InDelta(t, max(2, persons*3/1000), sum.MissingRequired, 1, "about 0.3%% rows missing a required field")

			checkPersons(t, ds)
			checkDepartments(t, ds, asOf)
		})
	}
}

var emailPattern = regexp.MustCompile(`^[a-z0-9-]+\.[a-z0-9-]+[0-9]*@` + regexp.QuoteMeta(EmailDomain) + `$`)

// checkPersons checks the person rows: names, initials, e-mail addresses,
// conventions, genders.
func checkPersons(t *testing.T, ds *dataset) {
	t.Helper()
	emails := map[string]string{}
	conventions := map[string]int{}
	genders := map[string]int{}
	var diacritics, prefixes, nicknames, partners int
	for _, p := range ds.persons.rows {
		no := p.get("EmployeeNumber")
		expect(t, p.get("FirstName") != "", "%s has no first name", no)
		expect(t, initials(p.get("FirstName")) == p.get("Initials"), "%s: initials %q do not come from the given names %q", no, p.get("Initials"), p.get("FirstName"))
		if e := p.get("WorkEmail"); e != "" {
			expect(t, emailPattern.MatchString(e), "%s: %q is not an ASCII e-mail address", no, e)
			if other, dup := emails[e]; dup {
				t.Errorf("%s and %s share the e-mail address %s", other, no, e)
			}
			emails[e] = no
		}
		conventions[p.get("NameConvention")]++
		genders[p.get("Gender")]++
		if p.get("PartnerLastName") != "" {
			partners++
		} else {
			expect(t, p.get("NameConvention") == "B", "%s: without a partner's name, the convention is B", no)
		}
		if p.get("Prefix") != "" {
			prefixes++
		}
		if p.get("Nickname") != "" {
			nicknames++
		}
		if !isASCII(p.get("FirstName") + p.get("LastName")) {
			diacritics++
		}
		_ = parseDate(t, p.get("BirthDate"))
	}
	assert.Greater(t, len(emails), len(ds.persons.rows)*8/10, "most persons have a business e-mail address")
	for _, c := range engine.Conventions {
		assert.Positive(t, conventions[c], "name convention %s occurs", c)
	}
	assert.Equal(t, len(ds.persons.rows), conventions["B"]+conventions["P"]+conventions["BP"]+conventions["PB"])
	assert.Equal(t, len(ds.persons.rows), genders["M"]+genders["F"]+genders["X"])
	assert.Positive(t, genders["M"])
	assert.Positive(t, genders["F"])
	assert.Positive(t, diacritics, "names with diacritics")
	assert.Positive(t, prefixes, "family names with a prefix")
	assert.Positive(t, nicknames, "nicknames")
	assert.Positive(t, partners, "partner names")
}

// checkDepartments checks the department tree: one root, no cycles, every
// department run by a manager who works there on asOf.
func checkDepartments(t *testing.T, ds *dataset, asOf engine.Date) {
	t.Helper()
	parent := map[string]string{}
	for _, d := range ds.departments.rows {
		_, dup := parent[d.get("Code")]
		require.False(t, dup, "department %s is listed once", d.get("Code"))
		parent[d.get("Code")] = d.get("ParentCode")
		assert.NotEmpty(t, d.get("Name"))
	}
	roots := 0
	for _, d := range ds.departments.rows {
		code := d.get("Code")
		if d.get("ParentCode") == "" {
			roots++
		} else {
			expect(t, has(parent, d.get("ParentCode")), "department %s: the parent does not exist", code)
		}
		// walking up ends at the root within as many steps as there are
		// departments
		steps := 0
		for c := code; c != ""; c = parent[c] {
			steps++
			require.LessOrEqual(t, steps, len(parent), "department %s is in a cycle", code)
		}
		m := d.get("ManagerNumber")
		require.True(t, has(ds.person, m), "department %s: the manager is a person", code)
		works := false
		for _, c := range ds.contractsOf[m] {
			start, end := parseDate(t, c.get("StartDate")), parseDate(t, c.get("EndDate"))
			works = works || c.get("DepartmentCode") == code && start <= asOf && (end.IsZero() || end >= asOf)
		}
		assert.True(t, works, "department %s: manager %s works there on %s", code, m, asOf)
	}
	assert.Equal(t, 1, roots, "the tree has one root")

	for _, c := range ds.contracts.rows {
		expect(t, has(parent, c.get("DepartmentCode")), "contract %s: the department does not exist", c.get("ContractId"))
	}
}

// expect reports a failed check of one row; unlike assert it costs
// nothing while the check holds, which matters for 300,000 rows.
func expect(t testing.TB, ok bool, format string, args ...any) {
	if !ok {
		t.Helper()
		t.Errorf(format, args...)
	}
}

// has reports whether m has key k; unlike assert.Contains it does not
// walk the whole map.
func has[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// fold returns s in lower case without diacritics, remembering the names
// it has seen.
func fold(s string) string {
	if f, ok := folded[s]; ok {
		return f
	}
	f := strings.ToLower(engine.RemoveDiacritics(s))
	folded[s] = f
	return f
}

var folded = map[string]string{}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func TestInitialsComeFromEveryGivenName(t *testing.T) {
	for given, want := range map[string]string{
		"Jan":               "J.",
		"Johannes Maria":    "J.M.",
		"Anne-Sophie":       "A.S.",
		"Łukasz":            "Ł.",
		"María del Carmen":  "M.D.C.",
		"Étienne":           "É.",
		"jean-pierre marie": "J.P.M.",
	} {
		assert.Equal(t, want, initials(given), given)
	}
}

func TestDisplayNameFollowsTheNameConvention(t *testing.T) {
	tests := []struct {
		name                                                        string
		given, nick, prefix, last, partnerPrefix, partnerLast, conv string
		want                                                        string
	}{
		{"birth name", "Johannes Maria", "Jan", "van den", "Berg", "de", "Vries", "B", "Jan van den Berg"},
		{"partner name", "Zoë", "", "", "Müller", "van der", "Meer", "P", "Zoë van der Meer"},
		{"birth then partner", "Zoë", "", "", "Müller", "van der", "Meer", "BP", "Zoë Müller-van der Meer"},
		{"partner then birth", "Søren", "", "", "Ødegaard", "", "Çelik", "PB", "Søren Çelik-Ødegaard"},
		{"partner convention without partner", "Anaïs", "", "", "Lefèvre", "", "", "P", "Anaïs Lefèvre"},
		{"lower-case convention", "Inge", "", "ter", "Haar", "", "Bakker", "bp", "Inge ter Haar-Bakker"},
		{"no convention", "Łukasz", "", "", "Kowalski", "", "Nowak", "", "Łukasz Kowalski"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, DisplayName(tt.given, tt.nick, tt.prefix, tt.last, tt.partnerPrefix, tt.partnerLast, tt.conv))
		})
	}
}

// BenchmarkGenerate300k generates the data set of the engine's design
// scale: 300,000 persons.
func BenchmarkGenerate300k(b *testing.B) {
	dir := b.TempDir()
	var sum *Summary
	for b.Loop() {
		var err error
		if sum, err = Generate(dir, Options{Persons: 300_000}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(sum.Contracts), "contracts")
}
