package boltstore

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// realisticPerson returns person i of source as an HR export describes
// them: about 700 bytes encoded, one or two contracts. Persons with another
// version differ in their first contract's title.
func realisticPerson(source string, i, version int) *engine.Person {
	ext := fmt.Sprintf("%07d", i)
	given := []string{"Anna", "Bram", "Chloé", "Daan", "Eva", "Finn", "Grace", "Hugo"}[i%8]
	family := []string{"de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Mulder"}[i/8%8]
	email := strings.ToLower(strings.ReplaceAll(given+"."+family, " ", "")) + ext + "@example-organisation.org"
	p := &engine.Person{
		ID:          engine.PersonID(source, ext),
		Source:      source,
		ExternalID:  ext,
		DisplayName: given + " " + family,
		Name:        engine.Name{GivenName: given, NickName: given, Initials: given[:1] + ".", FamilyName: family, Convention: "B"},
		Details:     engine.Details{BirthDate: engine.NewDate(1960+i%40, time.Month(1+i%12), 1+i%28), Gender: "F"},
		Contact: engine.Contact{
			Business: engine.ContactDetails{Email: email, Phone: engine.Phone{Mobile: "+31 6 1234 " + ext[3:], Fixed: "+31 20 555 0100"}},
			Personal: engine.ContactDetails{Email: "home" + ext + "@mail.example.com", Phone: engine.Phone{Mobile: "+31 6 9876 " + ext[3:]}},
		},
		Location: engine.Ref{ExternalID: "loc-ams", Code: "AMS", Name: "Amsterdam Headquarters"},
		Custom:   engine.Custom{{Name: "badge", Value: "B" + ext}, {Name: "costAllocation", Value: "CA-" + ext[4:]}, {Name: "shirtSize", Value: "M"}},
	}
	contracts := 1 + i%2
	for c := range contracts {
		dept := fmt.Sprintf("D%03d", (i+c)%250)
		k := engine.Contract{
			ExternalID:   fmt.Sprintf("%s-%d", ext, c+1),
			StartDate:    engine.NewDate(2010+i%14, time.Month(1+c), 1),
			Type:         engine.Ref{ExternalID: "T1", Code: "PERM", Name: "Permanent employment"},
			Details:      engine.ContractDetails{Fte: engine.Num(0.8), HoursPerWeek: engine.Num(32), Sequence: engine.Num(float64(c + 1))},
			Department:   engine.Ref{ExternalID: dept, Code: dept, Name: "Department " + dept},
			Title:        engine.Ref{ExternalID: fmt.Sprintf("F%03d", i%120), Code: fmt.Sprintf("F%03d", i%120), Name: fmt.Sprintf("Senior Policy Advisor %d", version)},
			Location:     engine.Ref{ExternalID: "loc-ams", Code: "AMS", Name: "Amsterdam Headquarters"},
			CostCenter:   engine.Ref{ExternalID: "CC" + dept, Code: "CC" + dept, Name: "Cost centre " + dept},
			Employer:     engine.Ref{ExternalID: "E1", Code: "ORG", Name: "Example Organisation B.V."},
			Team:         engine.Ref{Code: "TM" + dept[1:], Name: "Team " + dept},
			Division:     engine.Ref{Code: "DIV" + dept[1:2], Name: "Division " + dept[1:2]},
			Organization: engine.Ref{Code: "EX", Name: "Example"},
			Manager:      engine.ManagerRef{ExternalID: fmt.Sprintf("%07d", i/10)},
		}
		if c > 0 {
			k.EndDate = engine.NewDate(2027, time.June, 30)
			k.Custom = engine.Custom{{Name: "project", Value: "Digital transformation"}}
		}
		p.Contracts = append(p.Contracts, k)
	}
	engine.CanonicalizePerson(p)
	return p
}

// realisticPersons returns persons from to to-1 of source, sorted by id.
func realisticPersons(source string, from, to int) []*engine.Person {
	out := make([]*engine.Person, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, realisticPerson(source, i, 0))
	}
	return out
}

// buildCommit returns the accepted import of source that puts persons
// (sorted by id) into the latest snapshot and removes the persons with
// the given ids, as engine/importing would commit it.
func buildCommit(tb testing.TB, s *Store, source string, put []*engine.Person, removed []string) *engine.ImportCommit {
	tb.Helper()
	ctx := context.Background()
	latest, err := s.FindSnapshot(ctx, 0)
	index := &engine.SnapshotIndex{}
	info := &engine.SnapshotInfo{Source: source, CreatedAt: time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)}
	if err == nil {
		index, err = s.SnapshotIndex(ctx, latest.Number)
		require.NoError(tb, err)
		info.Persons, info.Contracts = latest.Persons, latest.Contracts
	} else {
		require.True(tb, engine.IsCode(err, engine.NotFound), "got %v", err)
	}
	run := &engine.ImportRun{Source: source, Status: engine.ImportAccepted, StartedAt: info.CreatedAt, FinishedAt: info.CreatedAt}
	c := &engine.ImportCommit{Run: run, Snapshot: info}
	for _, p := range put {
		rec := engine.AppendPerson(nil, p)
		old, existed := index.Find(p.ID)
		if existed {
			info.Persons--
			info.Contracts -= int(old.Contracts)
			info.Changed++
		} else {
			info.Added++
		}
		info.Persons++
		info.Contracts += len(p.Contracts)
		e := engine.IndexEntry{ID: p.ID, Ref: engine.RecordRef{Hash: engine.HashOf(rec)}, Contracts: uint32(len(p.Contracts))}
		c.Changes = append(c.Changes, engine.IndexChange{Entry: e, Record: len(c.Records)})
		c.Records = append(c.Records, rec)
	}
	for _, id := range removed {
		if old, ok := index.Find(id); ok {
			info.Persons--
			info.Contracts -= int(old.Contracts)
			info.Removed++
		}
		c.Changes = append(c.Changes, engine.IndexChange{Entry: engine.IndexEntry{ID: id}, Record: -1, Removed: true})
	}
	slices.SortFunc(c.Changes, func(a, b engine.IndexChange) int { return strings.Compare(a.Entry.ID, b.Entry.ID) })
	run.Counts = engine.ImportCounts{Persons: info.Persons, Contracts: info.Contracts, Added: info.Added, Changed: info.Changed, Removed: info.Removed}
	return c
}

// commitChanges commits buildCommit's import and returns its snapshot.
func commitChanges(tb testing.TB, s *Store, source string, put []*engine.Person, removed []string) *engine.SnapshotInfo {
	tb.Helper()
	_, snap, err := s.CommitImport(context.Background(), buildCommit(tb, s, source, put, removed))
	require.NoError(tb, err)
	return snap
}

// indexLayout returns whether snapshot n's index is full, and how many
// entries its index bucket holds.
func indexLayout(t *testing.T, s *Store, n uint64) (full bool, entries int) {
	t.Helper()
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		m, err := getSnapshotMeta(tx, n)
		if err != nil {
			return err
		}
		full = m.Full
		entries = tx.Bucket(bucketIndex).Bucket(u64(n)).Stats().KeyN
		return nil
	}))
	return full, entries
}

func TestIndexIsStoredFullOrAsChanges(t *testing.T) {
	cases := []struct {
		name     string
		persons  int
		imports  int
		wantFull []uint64
	}{
		{"FullOnceTheChangesExceedAQuarterOfThePersons", 100, 60, []uint64{1, 27, 53}},
		{"FullAfter64Snapshots", 400, 130, []uint64{1, 65, 129}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			commitChanges(t, s, "hr", realisticPersons("hr", 0, tc.persons), nil)
			for k := 2; k <= tc.imports; k++ {
				commitChanges(t, s, "hr", []*engine.Person{realisticPerson("hr", k%tc.persons, k)}, nil)
			}
			var full []uint64
			for n := uint64(1); n <= uint64(tc.imports); n++ {
				isFull, entries := indexLayout(t, s, n)
				if isFull {
					full = append(full, n)
					require.Equal(t, tc.persons, entries, "snapshot %d: a full index holds every person", n)
				} else {
					require.Equal(t, 1, entries, "snapshot %d: a change index holds only the changed person", n)
				}
			}
			require.Equal(t, tc.wantFull, full, "the snapshots with a full index")
		})
	}
}

func TestSnapshotsThatChangeNothingNeverForceAFullIndex(t *testing.T) {
	s := newStore(t)
	commitChanges(t, s, "hr", realisticPersons("hr", 0, 50), nil)
	for k := 2; k <= 100; k++ { // a quarter of a year of unchanged daily imports
		commitChanges(t, s, "hr", nil, nil)
	}
	commitChanges(t, s, "hr", []*engine.Person{realisticPerson("hr", 3, 2)}, nil)
	for n := uint64(2); n <= 101; n++ {
		full, _ := indexLayout(t, s, n)
		require.False(t, full, "snapshot %d repeats no full index", n)
	}
	idx, err := s.SnapshotIndex(context.Background(), 101)
	require.NoError(t, err)
	require.Len(t, idx.Entries, 50)
}

// storeSize measures a store: its file size and the bytes its buckets'
// pages hold (its logical size).
type storeSize struct {
	file, logical int64
	records       int
}

func measure(t *testing.T, s *Store) storeSize {
	t.Helper()
	var m storeSize
	fi, err := os.Stat(s.Path())
	require.NoError(t, err)
	m.file = fi.Size()
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			st := b.Stats()
			m.logical += int64(st.BranchInuse + st.LeafInuse)
			if string(name) == string(bucketRecords) {
				m.records = st.KeyN
			}
			return nil
		})
	}))
	return m
}

func TestStoreGrowsByWhatChanged(t *testing.T) {
	const persons, changed = 20_000, 200 // 1% changes
	s := newStore(t)
	all := realisticPersons("hr", 0, persons)
	commitChanges(t, s, "hr", all, nil)
	first := measure(t, s)

	var put []*engine.Person
	for i := 0; i < persons; i += persons / changed {
		put = append(put, realisticPerson("hr", i, 1))
	}
	snap := commitChanges(t, s, "hr", put, nil)
	second := measure(t, s)

	recordBytes := 0
	for _, p := range put {
		recordBytes += len(engine.AppendPerson(nil, p))
	}
	t.Logf("snapshot 1: %d persons, file %d KiB, logical %d KiB", persons, first.file>>10, first.logical>>10)
	t.Logf("snapshot 2: %d changed (%d KiB of records), file +%d KiB, logical +%d KiB", changed, recordBytes>>10, (second.file-first.file)>>10, (second.logical-first.logical)>>10)

	require.Less(t, first.file, first.logical*5/4+int64(s.db.AllocSize), "records and index pack densely into the file")
	require.Equal(t, uint64(2), snap.Number)
	full, entries := indexLayout(t, s, 1)
	require.True(t, full)
	require.Equal(t, persons, entries)
	full, entries = indexLayout(t, s, 2)
	require.False(t, full, "1% changes are stored as changes")
	require.Equal(t, changed, entries, "the change index holds only the changed persons")
	require.Equal(t, persons+changed, second.records, "only the changed persons get new records")
	growth := second.logical - first.logical
	require.Less(t, growth, int64(recordBytes)*3/2, "the store grows by about the changed records")
	require.Less(t, growth, first.logical/50, "a 1% change grows the store by less than 2%")
	require.LessOrEqual(t, second.file-first.file, growth+int64(s.db.AllocSize), "the file grows by at most one allocation step beyond the data")
}
