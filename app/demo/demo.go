// Package demo generates realistic, deterministic personnel data as a
// European HR system exports it, the Provisio configuration that imports
// it and provisions its accounts, and the directory files its target
// systems start from: the demo workspace ships such a data set, so that
// import, evaluation and enforcement run with no server, and benchmarks
// and tests generate larger ones.
//
// Generate writes six files into a folder:
//
//	departments.csv        Code;Name;ParentCode;ManagerNumber
//	persons.csv            EmployeeNumber;FirstName;Initials;Nickname;Prefix;LastName;PartnerPrefix;
//	                       PartnerLastName;NameConvention;BirthDate;Gender;WorkEmail;MobilePhone;PreferredLanguage
//	contracts.csv          ContractId;EmployeeNumber;StartDate;EndDate;ContractType;Fte;HoursPerWeek;
//	                       DepartmentCode;DepartmentName;JobCode;JobTitle;Location;CostCenter;ManagerNumber;Shift
//	config.json            a provisio-config file with the source system "hr" that reads them, the
//	                       target systems "ad" and "google" and the business rules
//	ad-directory.json      Active Directory as a directory file (connectors/file): its groups and
//	                       a few accounts made before Provisio
//	google-directory.json  Google Workspace as a directory file: its groups and its administrator
//
// The CSV files are UTF-8 with a byte order mark, separated by semicolons,
// with dates as dd-MM-yyyy and decimal commas, like a spreadsheet export
// made on a European workstation.
//
// The output is a function of the Options alone: the same options give the
// same bytes on every machine and every day, so the data can be committed,
// compared and used in benchmarks. It includes the imperfections real
// exports have: people twice under two employee numbers, rows missing a
// required field, future hires, leavers and contracts about to end.
package demo

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"provisio/engine"
)

// The files Generate writes.
const (
	DepartmentsFile = "departments.csv"
	PersonsFile     = "persons.csv"
	ContractsFile   = "contracts.csv"
	ConfigFile      = "config.json"
)

// Defaults of Options.
const (
	// DefaultPersons is the size of the shipped demo.
	DefaultPersons = 300
	// DefaultSeed is used when Options.Seed is zero.
	DefaultSeed uint64 = 20270101
	// MinPersons is the smallest data set that still has every feature:
	// a department tree with managers, duplicates and blocked rows.
	MinPersons = 50
)

// DefaultAsOf is the reference date used when Options.AsOf is zero: a fixed
// day, so that the output never depends on today's date.
var DefaultAsOf = engine.NewDate(2027, time.January, 1)

// EmailDomain is the domain of the generated business e-mail addresses;
// .example is reserved, so nobody receives mail sent to them.
const EmailDomain = "provisio-demo.example"

// EmployerName is the employer of every contract.
const EmployerName = "Provisio Demo B.V."

// Options say what to generate.
type Options struct {
	// Persons is the number of person rows, duplicates included; zero
	// means DefaultPersons. At least MinPersons.
	Persons int
	// Seed selects the data set; zero means DefaultSeed.
	Seed uint64
	// AsOf is the day the data describes: future hires start after it,
	// leavers left before it. Zero means DefaultAsOf.
	AsOf engine.Date
	// TwoContractsPercent is the share of persons with two contracts;
	// zero means 25. The import benchmark uses 52 for its 300,000
	// persons with 450,000 contracts.
	TwoContractsPercent int
}

// withDefaults fills in the zero members.
func (o Options) withDefaults() Options {
	if o.Persons == 0 {
		o.Persons = DefaultPersons
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.AsOf.IsZero() {
		o.AsOf = DefaultAsOf
	}
	if o.TwoContractsPercent == 0 {
		o.TwoContractsPercent = 25
	}
	return o
}

// Summary counts what Generate wrote.
type Summary struct {
	Persons     int `json:"persons"`
	Contracts   int `json:"contracts"`
	Departments int `json:"departments"`
	// FutureHires are persons whose every contract starts after AsOf.
	FutureHires int `json:"futureHires"`
	// Leavers are persons whose every contract ended before AsOf.
	Leavers int `json:"leavers"`
	// TwoContracts are persons with two contracts, concurrent or
	// consecutive.
	TwoContracts int `json:"twoContracts"`
	// EndingSoon are contracts that end within 30 days after AsOf.
	EndingSoon int `json:"endingSoon"`
	// Duplicates are person rows that repeat an earlier person under
	// another employee number.
	Duplicates int `json:"duplicates"`
	// MissingRequired are rows missing a required field (an empty last
	// name or an empty contract start date); their persons are blocked.
	MissingRequired int `json:"missingRequired"`
}

// String summarises s in one line.
func (s Summary) String() string {
	return fmt.Sprintf("%d persons, %d contracts, %d departments; %d future hires, %d leavers, %d with two contracts, %d contracts ending within 30 days, %d duplicates, %d rows missing a required field",
		s.Persons, s.Contracts, s.Departments, s.FutureHires, s.Leavers, s.TwoContracts, s.EndingSoon, s.Duplicates, s.MissingRequired)
}

// Generate writes a demo data set and its configuration into outDir,
// creating the folder if needed and replacing the files if they exist. Rows
// are streamed to disk, so memory stays small for any number of persons.
func Generate(outDir string, opts Options) (*Summary, error) {
	opts = opts.withDefaults()
	if opts.Persons < MinPersons {
		return nil, engine.Errorf(engine.Invalid, "demo data: %d persons is too few; generate at least %d", opts.Persons, MinPersons)
	}
	if opts.Persons > maxPersons {
		return nil, engine.Errorf(engine.Invalid, "demo data: %d persons is too many; generate at most %d", opts.Persons, maxPersons)
	}
	if opts.TwoContractsPercent < 0 || opts.TwoContractsPercent > 100 {
		return nil, engine.Errorf(engine.Invalid, "demo data: the share of persons with two contracts must be between 0 and 100%%, got %d", opts.TwoContractsPercent)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, engine.Wrap(engine.Unavailable, err, "demo data: create folder %s", outDir)
	}
	g := newGenerator(opts)
	sum := &Summary{Departments: len(g.depts)}

	err := writeCSV(filepath.Join(outDir, DepartmentsFile), departmentsHeader, func(w *csv.Writer) error {
		return g.writeDepartments(w)
	})
	if err == nil {
		err = writeCSV(filepath.Join(outDir, PersonsFile), personsHeader, func(pw *csv.Writer) error {
			return writeCSV(filepath.Join(outDir, ContractsFile), contractsHeader, func(cw *csv.Writer) error {
				return g.writePersons(pw, cw, sum)
			})
		})
	}
	if err == nil {
		err = writeConfig(filepath.Join(outDir, ConfigFile), opts.Persons)
	}
	if err == nil {
		err = g.dirs.write(g, outDir)
	}
	if err != nil {
		return nil, engine.Wrap(engine.Unavailable, err, "demo data: write %s", outDir)
	}
	return sum, nil
}

// maxPersons keeps employee numbers at seven digits.
const maxPersons = 3_000_000

var (
	departmentsHeader = []string{"Code", "Name", "ParentCode", "ManagerNumber"}
	personsHeader     = []string{"EmployeeNumber", "FirstName", "Initials", "Nickname", "Prefix", "LastName", "PartnerPrefix",
		"PartnerLastName", "NameConvention", "BirthDate", "Gender", "WorkEmail", "MobilePhone", "PreferredLanguage"}
	contractsHeader = []string{"ContractId", "EmployeeNumber", "StartDate", "EndDate", "ContractType", "Fte", "HoursPerWeek",
		"DepartmentCode", "DepartmentName", "JobCode", "JobTitle", "Location", "CostCenter", "ManagerNumber", "Shift"}
)

// writeCSV creates a CSV file with a byte order mark and a header and lets
// rows write the rest.
func writeCSV(path string, header []string, rows func(*csv.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return err
	}
	w := csv.NewWriter(bw) // shares bw: it is large enough
	w.Comma = ';'
	if err := w.Write(header); err != nil {
		return err
	}
	if err := rows(w); err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// writeConfig writes the configuration that imports the generated files.
func writeConfig(path string, persons int) error {
	b, err := json.MarshalIndent(Config(persons), "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// formatDate writes d as dd-MM-yyyy, or "" for no date.
func formatDate(d engine.Date) string {
	if d.IsZero() {
		return ""
	}
	var b [10]byte
	day, month, year := d.Day(), int(d.Month()), d.Year()
	b[0], b[1], b[2] = byte('0'+day/10), byte('0'+day%10), '-'
	b[3], b[4], b[5] = byte('0'+month/10), byte('0'+month%10), '-'
	b[6], b[7], b[8], b[9] = byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10)
	return string(b[:])
}

// formatDecimal writes v with a decimal comma.
func formatDecimal(v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), ".", ",", 1)
}
