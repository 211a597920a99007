package importing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	csvconn "provisio/connectors/csv"
	"provisio/engine"
	"provisio/engine/importing"
)

func TestFirstImportMakesSnapshotOneAndAnIdenticalImportChangesNothing(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	im := newImporter(s)
	src := hrSource("hr")
	data := people(40)
	want := data.expected()
	conn := data.single(nil)

	run, snap := mustImport(t, im, src, conn)
	assert.Equal(t, uint64(1), snap.Number)
	assert.Equal(t, run.Snapshot, snap.Number)
	assert.Equal(t, run.ID, snap.ImportID)
	assert.Equal(t, importTime, run.StartedAt)
	assert.Equal(t, importTime, run.FinishedAt)
	assert.Equal(t, importTime, snap.CreatedAt)
	assert.Equal(t, "hr", snap.Source)
	assert.Equal(t, engine.ImportCounts{
		Records:      len(data.rows) + len(data.depts),
		Persons:      want.persons,
		Contracts:    want.contracts,
		Departments:  len(data.depts),
		Added:        want.persons,
		Blocked:      want.blocked,
		NewlyBlocked: want.blocked, // a first import: every blocked person is new
		Excluded:     want.excluded,
		Errors:       want.blocked, // each empty required family name
	}, run.Counts)
	assert.Empty(t, run.Breaches)
	assert.Equal(t, 40, want.persons)
	assert.Equal(t, 60, want.contracts)
	assert.Equal(t, 4, want.blocked)
	assert.Equal(t, 5, want.excluded)

	assert.Equal(t, want.persons, snap.Persons)
	assert.Equal(t, want.contracts, snap.Contracts)
	assert.Equal(t, len(data.depts), snap.Departments)
	assert.Equal(t, want.blocked, snap.Blocked)
	assert.Equal(t, want.excluded, snap.Excluded)
	assert.Equal(t, want.persons, snap.Added)
	assert.Zero(t, snap.Removed)
	assert.Zero(t, snap.Changed)

	first := entries(t, s, 1)
	require.Len(t, first, want.persons)
	assert.True(t, slices.IsSortedFunc(first, func(a, b engine.IndexEntry) int { return strings.Compare(a.ID, b.ID) }))
	stored, err := s.FindImport(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, engine.ImportAccepted, stored.Status)
	assert.Equal(t, run.Counts, stored.Counts)

	run2, snap2 := mustImport(t, im, src, conn)
	assert.Equal(t, uint64(2), snap2.Number)
	assert.Equal(t, want.persons, run2.Counts.Unchanged)
	assert.Zero(t, run2.Counts.Added)
	assert.Zero(t, run2.Counts.Removed)
	assert.Zero(t, run2.Counts.Changed)
	assert.Equal(t, want.persons, run2.Counts.Persons)
	assert.Equal(t, want.persons, snap2.Persons)
	assert.Equal(t, want.contracts, snap2.Contracts)
	assert.Equal(t, want.blocked, snap2.Blocked)
	assert.Equal(t, want.excluded, snap2.Excluded)
	assert.Equal(t, len(data.depts), snap2.Departments)
	assert.Zero(t, snap2.Added+snap2.Removed+snap2.Changed)
	assert.Equal(t, first, entries(t, s, 2), "no person record was written again: every Ref.Seq is the same")
	assert.Equal(t, snap.DepartmentRecords, snap2.DepartmentRecords, "the departments record was not written again")
}

func TestChangedPersonGetsANewRecordAndOthersKeepTheirs(t *testing.T) {
	s := openStore(t)
	im := newImporter(s)
	src := hrSource("hr")
	data := people(10)
	mustImport(t, im, src, data.single(nil))
	before := entries(t, s, 1)

	for i := range data.rows {
		if data.rows[i].id == "E00004" {
			data.rows[i].email = "new@example.com"
		}
	}
	run, snap := mustImport(t, im, src, data.single(nil))
	assert.Equal(t, 1, run.Counts.Changed)
	assert.Equal(t, 9, run.Counts.Unchanged)
	assert.Equal(t, 1, snap.Changed)
	assert.Equal(t, 10, snap.Persons)

	after := entries(t, s, 2)
	require.Len(t, after, len(before))
	for i := range before {
		if before[i].ID == "hr:E00004" {
			assert.NotEqual(t, before[i].Ref.Hash, after[i].Ref.Hash)
			assert.Greater(t, after[i].Ref.Seq, before[i].Ref.Seq)
			continue
		}
		assert.Equal(t, before[i], after[i])
	}
	assert.Equal(t, "new@example.com", persons(t, s)["hr:E00004"].Contact.Business.Email)
}

func TestImportIsTheSameWhateverTheWorkersAndRowOrder(t *testing.T) {
	src := hrSource("hr")
	data := people(700) // 1,050 rows: several batches per worker

	importWith := func(workers int, conn engine.SourceConnector) []engine.IndexEntry {
		t.Helper()
		s := openStore(t)
		im := &importing.Importer{Store: s, Clock: engine.FixedClock(importTime), Workers: workers}
		run, _ := mustImport(t, im, src, conn)
		assert.Equal(t, 700, run.Counts.Persons)
		assert.Equal(t, 1050, run.Counts.Contracts)
		return entries(t, s, 1)
	}

	order := rand.New(rand.NewPCG(1, 2)).Perm(len(data.rows))
	// check the shuffle separates rows of the same person
	apart := 0
	for i := 1; i < len(order); i++ {
		if data.rows[order[i]].id != data.rows[order[i-1]].id {
			apart++
		}
	}
	require.Greater(t, apart, len(order)*9/10)

	one := importWith(1, data.single(nil))
	require.Len(t, one, 700)
	assertSameEntries(t, one, importWith(4, data.single(nil)), "4 workers")
	assertSameEntries(t, one, importWith(4, data.single(order)), "4 workers, rows shuffled")
	assertSameEntries(t, one, importWith(1, data.single(order)), "1 worker, rows shuffled")
	assertSameEntries(t, one, importWith(4, data.split()), "a persons file and a contracts file")
}

func TestRowsOfOnePersonFarApartBecomeOnePersonWithEveryContract(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "export.csv",
		"id,first,last,email,excluded,contract,start,end,dept,title",
		"E1,Anna,Berg,anna@example.com,,C1,2020-01-01,,D1,Clerk",
		"E2,Bert,Cole,bert@example.com,,C2,2020-01-01,,D1,Clerk",
		"E3,Cor,Dam,cor@example.com,,C3,2020-01-01,,D2,Clerk",
		"E4,Dirk,Eck,dirk@example.com,,C4,2020-01-01,,D2,Clerk",
		"E5,Eva,Fok,eva@example.com,,C5,2020-01-01,,D2,Clerk",
		"E1,Annie,Bergman,annie@example.com,yes,C1b,2023-01-01,2024-12-31,D2,Lead",
		"E6,Fay,Gom,fay@example.com,,C6,2020-01-01,,D1,Clerk",
		"E1,Anneke,Bergen,anneke@example.com,,C0,2019-01-01,2019-12-31,D3,Intern",
	)
	conn, err := csvconn.New(map[string]string{"file": "export.csv", "personKey": "id"}, engine.ConnectorEnv{BaseDir: dir})
	require.NoError(t, err)
	s := openStore(t)
	src := hrSource("hr")
	src.Mapping.Department = nil // no departments file

	run, snap := mustImport(t, newImporter(s), src, conn)
	assert.Equal(t, 8, run.Counts.Records)
	assert.Equal(t, 6, run.Counts.Persons)
	assert.Equal(t, 8, run.Counts.Contracts)
	assert.Zero(t, run.Counts.Errors, "%v", run.Errors)
	assert.Equal(t, 6, snap.Persons)

	anna := persons(t, s)["hr:E1"]
	require.NotNil(t, anna)
	assert.Equal(t, "Anna", anna.Name.GivenName, "person fields come from the person's first row")
	assert.Equal(t, "Berg", anna.Name.FamilyName)
	assert.Equal(t, "anna@example.com", anna.Contact.Business.Email)
	assert.False(t, anna.Excluded)
	var ids []string
	for _, c := range anna.Contracts {
		ids = append(ids, c.ExternalID)
	}
	assert.Equal(t, []string{"C0", "C1", "C1b"}, ids, "every row's contract, in canonical order")
	assert.Equal(t, "Intern", anna.Contracts[0].Title.Name)
	assert.Equal(t, "D2", anna.Contracts[2].Department.ExternalID)

	for _, e := range entries(t, s, 1) {
		if e.ID == "hr:E1" {
			assert.Equal(t, uint32(3), e.Contracts)
		}
	}
}

func TestBlockedAndExcludedPersonsAreCountedAndFlagged(t *testing.T) {
	s := openStore(t)
	data := people(10) // E00003 has no family name, E00005 is excluded
	run, snap := mustImport(t, newImporter(s), hrSource("hr"), data.single(nil))
	assert.Equal(t, 1, run.Counts.Blocked)
	assert.Equal(t, 1, run.Counts.Excluded)
	assert.Equal(t, 1, snap.Blocked)
	assert.Equal(t, 1, snap.Excluded)

	for _, e := range entries(t, s, 1) {
		switch e.ID {
		case "hr:E00003":
			assert.Equal(t, engine.FlagBlocked, e.Flags, e.ID)
		case "hr:E00005":
			assert.Equal(t, engine.FlagExcluded, e.Flags, e.ID)
		default:
			assert.Zero(t, e.Flags, e.ID)
		}
	}

	ps := persons(t, s)
	blocked := ps["hr:E00003"]
	require.NotNil(t, blocked)
	assert.True(t, blocked.Blocked())
	require.Len(t, blocked.Issues, 1)
	assert.Equal(t, "Name.FamilyName", blocked.Issues[0].Field)
	assert.True(t, blocked.Issues[0].Blocking)
	assert.Contains(t, blocked.Issues[0].Message, "Name.FamilyName")
	assert.Contains(t, blocked.Issues[0].Message, `"last"`, "the issue names the source field")
	assert.True(t, ps["hr:E00005"].Excluded)
	assert.False(t, ps["hr:E00005"].Blocked())

	require.Len(t, run.Errors, 1)
	e := run.Errors[0]
	assert.Equal(t, "Name.FamilyName", e.Field)
	assert.Equal(t, "E00003", e.Person)
	assert.Equal(t, "export.csv", e.File)
	assert.True(t, e.Blocking)
}

func TestRecordErrorsAreCountedSortedAndCapped(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	conn := people(20).single(nil) // two blocked persons: two mapping errors in export.csv
	const perFile = 600
	for i := perFile; i > 0; i-- {
		conn.errs = append(conn.errs,
			engine.RecordError{File: "b.csv", Line: i, Message: "unreadable row"},
			engine.RecordError{File: "a.csv", Line: i, Message: "unreadable row"})
	}

	run, _ := mustImport(t, newImporter(s), hrSource("hr"), conn)
	assert.Equal(t, 2*perFile+2, run.Counts.Errors, "every error is counted")
	require.Len(t, run.Errors, engine.MaxImportErrors, "at most MaxImportErrors are kept")
	assert.True(t, slices.IsSortedFunc(run.Errors, func(a, b engine.RecordError) int {
		if a.File != b.File {
			return strings.Compare(a.File, b.File)
		}
		return a.Line - b.Line
	}), "sorted by file, then line")
	assert.Equal(t, engine.RecordError{File: "a.csv", Line: 1, Message: "unreadable row"}, run.Errors[0])
	assert.Equal(t, engine.RecordError{File: "b.csv", Line: engine.MaxImportErrors - perFile, Message: "unreadable row"}, run.Errors[len(run.Errors)-1])

	stored, err := s.FindImport(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, run.Errors, stored.Errors)
	assert.Equal(t, 2*perFile+2, stored.Counts.Errors)
}

func TestProgressGoesThroughEveryPhaseAndNeverBacktracks(t *testing.T) {
	s := openStore(t)
	var mu sync.Mutex
	var seen []importing.Progress
	record := func(p importing.Progress) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, p)
	}
	src := hrSource("hr")
	for i := range 3 { // a first import, one that changes nothing, one a threshold blocks
		seen = nil
		n := 600
		if i == 2 {
			src.Thresholds.Removed.MaxCount = intp(0)
			n = 590
		}
		_, _, err := newImporter(s).Run(context.Background(), config(src), src, people(n).single(nil), record)
		if i == 2 {
			require.True(t, engine.IsCode(err, engine.Blocked), "%v", err)
		} else {
			require.NoError(t, err)
		}

		mu.Lock()
		phases := map[importing.Phase]bool{}
		last := 0.0
		for _, p := range seen {
			assert.Equal(t, "hr", p.Source)
			phases[p.Phase] = true
			f := p.Fraction()
			assert.GreaterOrEqual(t, f, last, "progress went back at %+v", p)
			last = f
		}
		assert.Equal(t, map[importing.Phase]bool{importing.PhaseReading: true, importing.PhaseComparing: true, importing.PhaseWriting: true}, phases)
		require.NotEmpty(t, seen)
		assert.Equal(t, importing.PhaseReading, seen[0].Phase)
		assert.Equal(t, 1.0, seen[len(seen)-1].Fraction())
		mu.Unlock()
	}
}

func TestProgressFraction(t *testing.T) {
	for _, tc := range []struct {
		p    importing.Progress
		want float64
	}{
		{importing.Progress{Phase: importing.PhaseReading}, 0},
		{importing.Progress{Phase: importing.PhaseReading, Done: 50, Total: 100}, 0.4},
		{importing.Progress{Phase: importing.PhaseReading, Done: 150, Total: 100}, 0.8},
		{importing.Progress{Phase: importing.PhaseComparing, Total: 10}, 0.8},
		{importing.Progress{Phase: importing.PhaseComparing, Done: 10, Total: 10}, 0.9},
		{importing.Progress{Phase: importing.PhaseWriting, Total: 1}, 0.9},
		{importing.Progress{Phase: importing.PhaseWriting, Done: 1, Total: 1}, 1},
	} {
		assert.InDelta(t, tc.want, tc.p.Fraction(), 1e-9, "%+v", tc.p)
	}
}

func TestRecordErrorsWhileMappingAreAllKept(t *testing.T) {
	// the connector reports an error after every record while the mapping
	// goroutines report theirs (every person is blocked): none is lost
	data := people(3000)
	for i := range data.rows {
		data.rows[i].last = ""
	}
	conn := data.single(nil)
	conn.interleave = true
	for i := range len(conn.records) {
		conn.errs = append(conn.errs, engine.RecordError{File: "export.csv", Line: 100000 + i, Message: "unreadable row"})
	}
	want := len(conn.errs) + data.expected().persons // one blocking error per person
	for range 3 {
		s := openStore(t)
		im := newImporter(s)
		im.Workers = 4
		run, _ := mustImport(t, im, hrSource("hr"), conn)
		require.Equal(t, want, run.Counts.Errors)
		assert.Len(t, run.Errors, engine.MaxImportErrors)
	}
}

func TestContractIssuesAreInFileOrderWhateverTheWorkers(t *testing.T) {
	// E00001's two contracts have no id and an unreadable start date each:
	// their issues differ only in the message. The first row is slow to
	// map, so with several workers the second row's result arrives first.
	data := people(600)
	data.rows[1].start, data.rows[2].start = "bad-1", "bad-2"
	require.Equal(t, data.rows[1].id, data.rows[2].id)
	order := []int{0, 1}
	for i := 3; i < len(data.rows); i++ {
		order = append(order, i)
	}
	order = append(order, 2)
	src := hrSource("hr")
	src.Mapping.Contract = []engine.FieldMapping{
		field("StartDate", "start"),
		field("EndDate", "end"),
		{Field: "Title.Name", Type: engine.MapComplex, Value: `if (source.start == "bad-1") { var x = 0; for (var i = 0; i < 2e5; i++) { x += i } }
source.title`},
	}

	var want []engine.IndexEntry
	for _, workers := range []int{1, 4, 4} {
		s := openStore(t)
		im := &importing.Importer{Store: s, Clock: engine.FixedClock(importTime), Workers: workers, TimeLimit: time.Minute}
		mustImport(t, im, src, data.single(order))
		p := persons(t, s)["hr:E00001"]
		require.NotNil(t, p)
		require.Len(t, p.Issues, 2)
		assert.Contains(t, p.Issues[0].Message, "bad-1", "workers %d", workers)
		assert.Contains(t, p.Issues[1].Message, "bad-2", "workers %d", workers)
		got := entries(t, s, 1)
		if want == nil {
			want = got
		}
		assertSameEntries(t, want, got, fmt.Sprintf("workers %d", workers))
	}
}
