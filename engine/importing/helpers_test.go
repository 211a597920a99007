package importing_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"provisio/app/boltstore"
	"provisio/engine"
	"provisio/engine/importing"
)

// importTime is the fixed clock of every test import.
var importTime = time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)

// The headers of the in-memory source's records: a row per contract holds
// the person's columns and the contract's.
var (
	personColumns   = []string{"id", "first", "last", "email", "excluded"}
	contractColumns = []string{"person", "contract", "start", "end", "dept", "title"}
	singleColumns   = append(append([]string{}, personColumns...), contractColumns[1:]...)
	deptColumns     = []string{"dept_id", "name", "parent"}

	personHeader   = engine.NewHeader(personColumns)
	contractHeader = engine.NewHeader(contractColumns)
	singleHeader   = engine.NewHeader(singleColumns)
	deptHeader     = engine.NewHeader(deptColumns)
)

// memSource is a source connector that emits given records in the given
// order, so tests control record kinds, order and errors exactly.
type memSource struct {
	desc    engine.SourceDescription
	records []*engine.RawRecord
	errs    []engine.RecordError // passed to onError before the records
	// interleave passes errs to onError one after each record instead.
	interleave bool
	// afterEmit, when set, is called after the n-th record was emitted.
	afterEmit func(n int)
	// readErr, when set, is returned once failAt records were emitted.
	readErr error
	failAt  int
}

var _ engine.SourceConnector = (*memSource)(nil)

func (m *memSource) Read(ctx context.Context, emit func(*engine.RawRecord) error, onError func(*engine.RecordError), progress engine.ReadProgress) error {
	errs := m.errs
	if !m.interleave {
		for i := range errs {
			e := errs[i]
			onError(&e)
		}
		errs = nil
	}
	total := int64(len(m.records))
	for i, r := range m.records {
		if err := engine.CheckCanceled(ctx); err != nil {
			return err
		}
		if m.readErr != nil && i == m.failAt {
			return m.readErr
		}
		rec := *r // each record passed to emit is new
		if err := emit(&rec); err != nil {
			return err
		}
		if len(errs) > 0 {
			e := errs[0]
			errs = errs[1:]
			onError(&e)
		}
		if m.afterEmit != nil {
			m.afterEmit(i + 1)
		}
		progress(int64(i+1), total)
	}
	for i := range errs {
		e := errs[i]
		onError(&e)
	}
	progress(total, total)
	return nil
}

func (m *memSource) Describe(context.Context) (engine.SourceDescription, error) { return m.desc, nil }

// row is one person with one contract, as the single layout has it.
type row struct {
	id, first, last, email, excluded  string
	contract, start, end, dept, title string
}

func (r row) personValues() []string {
	return []string{r.id, r.first, r.last, r.email, r.excluded}
}

func (r row) contractValues() []string {
	return []string{r.id, r.contract, r.start, r.end, r.dept, r.title}
}

// dept is one department row.
type dept struct{ id, name, parent string }

// dataset is a source's persons (with their contracts) and departments.
type dataset struct {
	rows  []row
	depts []dept
}

// people makes n persons: every other person has a second contract, every
// tenth has no family name (blocked) and every seventh is excluded.
func people(n int) dataset {
	var d dataset
	for i := range n {
		r := row{
			id:    fmt.Sprintf("E%05d", i),
			first: fmt.Sprintf("Given%d", i),
			last:  fmt.Sprintf("Family%d", i),
			email: fmt.Sprintf("p%d@example.com", i),
			start: "2020-01-01",
			dept:  fmt.Sprintf("D%d", i%5),
			title: "Clerk",
		}
		if i%10 == 3 {
			r.last = ""
		}
		if i%7 == 5 {
			r.excluded = "yes"
		}
		r.contract = r.id + "-1"
		d.rows = append(d.rows, r)
		if i%2 == 1 {
			r2 := r
			r2.contract, r2.start, r2.end, r2.title = r.id+"-2", "2024-06-01", "2026-12-31", "Advisor"
			d.rows = append(d.rows, r2)
		}
	}
	for i := range 5 {
		parent := ""
		if i > 0 {
			parent = "D0"
		}
		d.depts = append(d.depts, dept{fmt.Sprintf("D%d", i), fmt.Sprintf("Department %d", i), parent})
	}
	return d
}

// expected are the figures a dataset should import as.
type expected struct{ persons, contracts, blocked, excluded int }

func (d dataset) expected() expected {
	var e expected
	seen := map[string]bool{}
	for _, r := range d.rows {
		e.contracts++
		if seen[r.id] {
			continue
		}
		seen[r.id] = true
		e.persons++
		if r.last == "" {
			e.blocked++
		}
		if r.excluded == "yes" {
			e.excluded++
		}
	}
	return e
}

func deptRecords(ds []dept, file string) []*engine.RawRecord {
	var out []*engine.RawRecord
	for i, d := range ds {
		out = append(out, &engine.RawRecord{Kind: engine.RecordDepartment, Header: deptHeader,
			Values: []string{d.id, d.name, d.parent}, File: file, Line: i + 2})
	}
	return out
}

// single returns the dataset as one file with a row per contract, rows in
// the given order (nil: dataset order), departments first.
func (d dataset) single(order []int) *memSource {
	m := &memSource{desc: engine.SourceDescription{PersonFields: singleColumns, ContractFields: singleColumns, DepartmentFields: deptColumns}}
	m.records = deptRecords(d.depts, "departments.csv")
	if order == nil {
		order = make([]int, len(d.rows))
		for i := range order {
			order[i] = i
		}
	}
	for line, i := range order {
		r := d.rows[i]
		values := append(r.personValues(), r.contractValues()[1:]...)
		m.records = append(m.records, &engine.RawRecord{Kind: engine.RecordPersonContract, PersonKey: r.id,
			Header: singleHeader, Values: values, File: "export.csv", Line: line + 2})
	}
	return m
}

// split returns the dataset as a persons file and a contracts file.
func (d dataset) split() *memSource {
	m := &memSource{desc: engine.SourceDescription{PersonFields: personColumns, ContractFields: contractColumns, DepartmentFields: deptColumns}}
	m.records = deptRecords(d.depts, "departments.csv")
	seen := map[string]bool{}
	line := 1
	for _, r := range d.rows {
		if seen[r.id] {
			continue
		}
		seen[r.id] = true
		line++
		m.records = append(m.records, &engine.RawRecord{Kind: engine.RecordPerson, PersonKey: r.id,
			Header: personHeader, Values: r.personValues(), File: "persons.csv", Line: line})
	}
	for i, r := range d.rows {
		m.records = append(m.records, &engine.RawRecord{Kind: engine.RecordContract, PersonKey: r.id,
			Header: contractHeader, Values: r.contractValues(), File: "contracts.csv", Line: i + 2})
	}
	return m
}

func field(path, column string) engine.FieldMapping {
	return engine.FieldMapping{Field: path, Type: engine.MapField, Value: column}
}

func required(fm engine.FieldMapping) engine.FieldMapping {
	fm.Required = true
	return fm
}

// hrSource is a source system mapping the in-memory source's columns; the
// family name is required.
func hrSource(key string) *engine.SourceSystem {
	return &engine.SourceSystem{
		Key:  key,
		Name: strings.ToUpper(key) + " export",
		Kind: "memory",
		Mapping: engine.SourceMapping{
			Person: []engine.FieldMapping{
				field("ExternalId", "id"),
				field("Name.GivenName", "first"),
				required(field("Name.FamilyName", "last")),
				field("Contact.Business.Email", "email"),
				field("Excluded", "excluded"),
			},
			Contract: []engine.FieldMapping{
				field("ExternalId", "contract"),
				field("StartDate", "start"),
				field("EndDate", "end"),
				field("Department.ExternalId", "dept"),
				field("Title.Name", "title"),
			},
			Department: []engine.FieldMapping{
				field("ExternalId", "dept_id"),
				field("DisplayName", "name"),
				field("ParentExternalId", "parent"),
			},
		},
	}
}

// config returns a configuration holding the given source systems.
func config(srcs ...*engine.SourceSystem) *engine.Config {
	cfg := engine.DefaultConfig()
	for _, s := range srcs {
		cfg.SourceSystems = append(cfg.SourceSystems, *s)
	}
	return cfg
}

// openStore opens a bbolt store in a temporary folder; it checks the
// database's consistency and closes it when the test ends.
func openStore(t testing.TB) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, s.DB().View(func(tx *bolt.Tx) error {
			var first error
			for err := range tx.Check() {
				first = cmp.Or(first, err)
			}
			return first
		}))
		require.NoError(t, s.Close())
	})
	return s
}

func newImporter(s engine.Store) *importing.Importer {
	return &importing.Importer{Store: s, Clock: engine.FixedClock(importTime)}
}

// mustImport runs an import that must be accepted.
func mustImport(t *testing.T, im *importing.Importer, src *engine.SourceSystem, conn engine.SourceConnector) (*engine.ImportRun, *engine.SnapshotInfo) {
	t.Helper()
	run, snap, err := im.Run(context.Background(), config(src), src, conn, nil)
	require.NoError(t, err)
	require.NotNil(t, run)
	require.NotNil(t, snap)
	require.Equal(t, engine.ImportAccepted, run.Status)
	return run, snap
}

// entries returns the index of a snapshot (0: the latest).
func entries(t *testing.T, s engine.Store, number uint64) []engine.IndexEntry {
	t.Helper()
	if number == 0 {
		snap, err := s.FindSnapshot(context.Background(), 0)
		require.NoError(t, err)
		number = snap.Number
	}
	idx, err := s.SnapshotIndex(context.Background(), number)
	require.NoError(t, err)
	return append([]engine.IndexEntry(nil), idx.Entries...)
}

// sourceEntries returns the entries of one source in a snapshot.
func sourceEntries(t *testing.T, s engine.Store, number uint64, key string) []engine.IndexEntry {
	t.Helper()
	idx := engine.SnapshotIndex{Entries: entries(t, s, number)}
	return idx.Source(key)
}

// persons decodes the persons of the latest snapshot, by id.
func persons(t *testing.T, s engine.Store) map[string]*engine.Person {
	t.Helper()
	es := entries(t, s, 0)
	refs := make([]engine.RecordRef, len(es))
	for i, e := range es {
		refs[i] = e.Ref
	}
	out := make(map[string]*engine.Person, len(es))
	var mu sync.Mutex
	require.NoError(t, s.ReadPersons(context.Background(), refs, func(_ int, p *engine.Person) error {
		mu.Lock()
		defer mu.Unlock()
		out[p.ID] = p
		return nil
	}))
	return out
}

// writeFile writes a file into dir and returns its path.
func writeFile(t *testing.T, dir, name string, lines ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	return path
}

func intp(n int) *int        { return &n }
func pct(f float64) *float64 { return &f }
func noSnapshot(t *testing.T, s engine.Store) {
	t.Helper()
	_, err := s.FindSnapshot(context.Background(), 0)
	require.True(t, engine.IsCode(err, engine.NotFound), "no snapshot expected, got %v", err)
}

// assertSameEntries compares two indexes by id, hash, flags and contract
// count, naming the persons that differ rather than printing both.
func assertSameEntries(t *testing.T, want, got []engine.IndexEntry, what string) {
	t.Helper()
	w, g := map[string]engine.IndexEntry{}, map[string]engine.IndexEntry{}
	for _, e := range want {
		e.Ref.Seq = 0
		w[e.ID] = e
	}
	for _, e := range got {
		e.Ref.Seq = 0
		g[e.ID] = e
	}
	var differ []string
	for id, e := range w {
		if g[id] != e {
			differ = append(differ, id)
		}
	}
	for id := range g {
		if _, ok := w[id]; !ok {
			differ = append(differ, id)
		}
	}
	slices.Sort(differ)
	if len(differ) > 10 {
		differ = append(differ[:10], "…")
	}
	assert.Empty(t, differ, "%s: %d and %d persons; these differ", what, len(want), len(got))
}
