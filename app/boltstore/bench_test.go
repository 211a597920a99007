package boltstore

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// benchPersons is the scale DESIGN.md sets: 300,000 persons with 450,000
// contracts.
const benchPersons = 300_000

// firstImport returns the accepted first import of n realistic persons of
// source (about 700 bytes each): every person is new, so the snapshot's
// index is full. Persons are encoded as they are made, not kept.
func firstImport(source string, n int) *engine.ImportCommit {
	at := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	info := &engine.SnapshotInfo{Source: source, CreatedAt: at}
	c := &engine.ImportCommit{
		Run:      &engine.ImportRun{Source: source, Status: engine.ImportAccepted, StartedAt: at, FinishedAt: at},
		Snapshot: info,
		Records:  make([][]byte, 0, n),
		Changes:  make([]engine.IndexChange, 0, n),
	}
	for i := range n {
		p := realisticPerson(source, i, 0) // ids are zero-padded, so made in id order
		rec := engine.AppendPerson(nil, p)
		e := engine.IndexEntry{ID: p.ID, Ref: engine.RecordRef{Hash: engine.HashOf(rec)}, Contracts: uint32(len(p.Contracts))}
		c.Changes = append(c.Changes, engine.IndexChange{Entry: e, Record: len(c.Records)})
		c.Records = append(c.Records, rec)
		info.Persons++
		info.Contracts += len(p.Contracts)
	}
	info.Added = info.Persons
	c.Run.Counts = engine.ImportCounts{Persons: info.Persons, Contracts: info.Contracts, Added: info.Added}
	return c
}

var benchImport = sync.OnceValue(func() *engine.ImportCommit { return firstImport("hr", benchPersons) })

func BenchmarkCommitFullSnapshot(b *testing.B) {
	c := benchImport()
	ctx := context.Background()
	var fileSize int64
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dir, err := os.MkdirTemp(b.TempDir(), "commit")
		require.NoError(b, err)
		s, err := Open(dir)
		require.NoError(b, err)
		b.StartTimer()

		_, snap, err := s.CommitImport(ctx, c)

		b.StopTimer()
		require.NoError(b, err)
		require.Equal(b, benchPersons, snap.Persons)
		fi, err := os.Stat(s.Path())
		require.NoError(b, err)
		fileSize = fi.Size()
		require.NoError(b, s.Close())
		require.NoError(b, os.RemoveAll(dir))
		b.StartTimer()
	}
	b.ReportMetric(float64(fileSize)/(1<<20), "MiB-file")
	b.ReportMetric(float64(benchPersons)*float64(b.N)/b.Elapsed().Seconds(), "persons/s")
}

// BenchmarkReadIndex reads a snapshot index of 300,000 persons from the
// file, past the store's cache: a full index, and a full index followed
// by 20 snapshots of 1% changes each.
func BenchmarkReadIndex(b *testing.B) {
	s, err := Open(b.TempDir())
	require.NoError(b, err)
	b.Cleanup(func() { s.Close() })
	ctx := context.Background()
	_, _, err = s.CommitImport(ctx, benchImport())
	require.NoError(b, err)
	const deltas, changed = 20, benchPersons / 100
	for k := 1; k <= deltas; k++ {
		var put []*engine.Person
		for i := k; i < benchPersons; i += benchPersons / changed {
			put = append(put, realisticPerson("hr", i, k))
		}
		snap := commitChanges(b, s, "hr", put, nil)
		require.NoError(b, s.db.View(func(tx *bolt.Tx) error {
			m, err := getSnapshotMeta(tx, snap.Number)
			if err == nil && m.Full {
				err = fmt.Errorf("snapshot %d has a full index; the benchmark wants changes", snap.Number)
			}
			return err
		}))
	}

	for _, bc := range []struct {
		name     string
		snapshot uint64
	}{{"Full", 1}, {"FullAnd20Changes", 1 + deltas}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var idx *engine.SnapshotIndex
				err := s.db.View(func(tx *bolt.Tx) error {
					var err error
					idx, err = readIndex(tx, bc.snapshot)
					return err
				})
				if err != nil || len(idx.Entries) != benchPersons {
					b.Fatalf("snapshot %d: %d entries, %v", bc.snapshot, len(idx.Entries), err)
				}
			}
		})
	}
}

// benchEvaluation is a first evaluation of benchPersons persons: 1,000,000
// actions.
var benchEvaluation = sync.OnceValue(func() *engine.Evaluation { return realisticEvaluation(benchPersons) })

// BenchmarkSaveEvaluation1M saves a plan of a million actions into a new
// workspace and reports what it takes on disk (the file's growth, and the
// pages in use, per action) and how long FindEvaluation takes to read it
// back: as plans were before they had operations, and as the engine makes
// them now (an account's create with four attributes, enable, grant).
func BenchmarkSaveEvaluation1M(b *testing.B) {
	b.Run("Grants", func(b *testing.B) { benchSaveEvaluation(b, benchEvaluation()) })
	b.Run("WithOperations", func(b *testing.B) { benchSaveEvaluation(b, benchEvaluationWithOps()) })
}

var benchEvaluationWithOps = sync.OnceValue(func() *engine.Evaluation {
	e := realisticEvaluation(benchPersons)
	withOps(e)
	return e
})

func benchSaveEvaluation(b *testing.B, e *engine.Evaluation) {
	actions := float64(len(e.Actions))
	ctx := context.Background()
	var fileGrowth, dataGrowth int64
	var find time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dir, err := os.MkdirTemp(b.TempDir(), "evaluation")
		require.NoError(b, err)
		s, err := Open(dir)
		require.NoError(b, err)
		before, err := s.Usage()
		require.NoError(b, err)
		b.StartTimer()

		info, err := s.SaveEvaluation(ctx, e)

		b.StopTimer()
		require.NoError(b, err)
		after, err := s.Usage()
		require.NoError(b, err)
		fileGrowth, dataGrowth = after.FileBytes-before.FileBytes, after.DataBytes-before.DataBytes
		start := time.Now()
		got, err := s.FindEvaluation(ctx, info.ID)
		find += time.Since(start)
		require.NoError(b, err)
		require.Len(b, got.Actions, len(e.Actions))
		require.NoError(b, s.Close())
		require.NoError(b, os.RemoveAll(dir))
		b.StartTimer()
	}
	b.ReportMetric(float64(fileGrowth)/actions, "file-B/action")
	b.ReportMetric(float64(dataGrowth)/actions, "data-B/action")
	b.ReportMetric(float64(find.Milliseconds())/float64(b.N), "find-ms")
}

// ledgerPersons and ledgerAccounts are the ledger of a large organisation
// after its first enforcement: 300,000 persons with 1,000,000 accounts
// across the targets, each account with its access and two permissions.
const ledgerPersons, ledgerAccounts = 300_000, 1_000_000

// realisticLedger calls emit with the entries of such a ledger in key
// order, a batch at a time: an account with four attributes, a DN
// reference and its rule, its access, a department group and an
// application role. Persons have accounts in targets t00, t01, … in turn
// until there are accounts accounts.
func realisticLedger(persons, accounts int, emit func([]engine.LedgerEntry)) {
	at := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	given := []string{"Anna", "Bram", "Chloé", "Daan", "Eva", "Finn", "Grace", "Hugo", "Ilse", "Jörg"}
	family := []string{"de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Groß", "Çelik"}
	depts := []string{"ICT", "HR", "FIN", "OPS", "SALES", "LEGAL", "RND", "MKT"}
	perPerson := (accounts + persons - 1) / persons
	batch := make([]engine.LedgerEntry, 0, 4096)
	for p := range persons {
		ext := 100000 + p
		id := fmt.Sprintf("hr:%d", ext)
		g, f := given[p%len(given)], family[p/len(given)%len(family)]
		dept, team := p%len(depts), p/len(depts)%40
		for t := range perPerson {
			if t*persons+p >= accounts {
				break
			}
			target := fmt.Sprintf("t%02d", t)
			login := fmt.Sprintf("%s%d", strings.ToLower(g[:1]+strings.ReplaceAll(f, " ", "")), ext)
			staff := []string{"r1"}
			group := []string{fmt.Sprintf("r%d", 10+dept*40+team)}
			key := func(kind engine.EntitlementKind, name string) engine.EntitlementKey {
				return engine.EntitlementKey{Target: target, Kind: kind, Name: name}
			}
			batch = append(batch,
				engine.LedgerEntry{Person: id, Key: key(engine.KindAccount, ""), Rules: staff, GrantedAt: at,
					Reference: fmt.Sprintf("CN=%s %s (%d),OU=Staff,OU=%s,DC=example,DC=org", g, f, ext, depts[dept]),
					Attributes: engine.Attributes{
						"sAMAccountName": login,
						"mail":           login + "@example.org",
						"displayName":    g + " " + f,
						"employeeID":     strconv.Itoa(ext),
					}},
				engine.LedgerEntry{Person: id, Key: key(engine.KindAccess, ""), Rules: staff, GrantedAt: at},
				engine.LedgerEntry{Person: id, Key: key(engine.KindPermission, fmt.Sprintf("APP-%04d", (p*7+t)%1000)), Rules: group, GrantedAt: at},
				engine.LedgerEntry{Person: id, Key: key(engine.KindPermission, fmt.Sprintf("GRP-DEPT-%s-%02d", depts[dept], team+1)), Rules: group, GrantedAt: at},
			)
			if len(batch) >= cap(batch)-4 {
				emit(batch)
				batch = batch[:0]
			}
		}
	}
	if len(batch) > 0 {
		emit(batch)
	}
}

// BenchmarkLoadLedger1M loads a ledger of 4,000,000 entries (1,000,000
// accounts with their access and two permissions each) and reports how
// long LoadLedger takes, what it allocates, what the loaded ledger keeps
// live on the heap and what an entry takes on disk. Each load starts on a
// collected heap, as an evaluation's does.
func BenchmarkLoadLedger1M(b *testing.B) {
	s, err := Open(b.TempDir())
	require.NoError(b, err)
	b.Cleanup(func() { s.Close() })
	ctx := context.Background()
	before, err := s.Usage()
	require.NoError(b, err)
	entries := 0
	var pending []engine.LedgerEntry
	write := func() {
		require.NoError(b, s.WriteLedger(ctx, pending))
		entries += len(pending)
		pending = pending[:0]
	}
	realisticLedger(ledgerPersons, ledgerAccounts, func(batch []engine.LedgerEntry) {
		pending = append(pending, batch...)
		if len(pending) >= 500_000 {
			write()
		}
	})
	write()
	pending = nil
	after, err := s.Usage()
	require.NoError(b, err)

	var live uint64
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		b.StartTimer()

		l, err := s.LoadLedger(ctx)

		b.StopTimer()
		if err != nil || len(l.Entries) != entries {
			b.Fatalf("%d entries, %v", len(l.Entries), err)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = ms.HeapAlloc - base.HeapAlloc
		runtime.KeepAlive(l)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(live)/(1<<20), "live-MiB")
	b.ReportMetric(float64(after.DataBytes-before.DataBytes)/float64(entries), "data-B/entry")
	b.ReportMetric(float64(entries), "entries")
}

// benchAccounts are a directory's million accounts with four attributes.
var benchAccounts = sync.OnceValue(func() []engine.Account { return realisticAccounts(1_000_000) })

// BenchmarkTargetAccounts1M saves (replacing them) and loads the accounts
// a directory of 1,000,000 accounts with four attributes each listed,
// and reports what an account takes in the file's pages and what the
// loaded accounts keep live on the heap.
func BenchmarkTargetAccounts1M(b *testing.B) {
	accounts := benchAccounts()
	ctx := context.Background()
	s, err := Open(b.TempDir())
	require.NoError(b, err)
	b.Cleanup(func() { s.Close() })
	at := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)

	b.Run("Save", func(b *testing.B) {
		var grown int64
		b.ReportAllocs()
		for b.Loop() {
			require.NoError(b, s.SaveTargetAccounts(ctx, "ad", at, accounts))
			require.NoError(b, s.db.View(func(tx *bolt.Tx) error {
				st := tx.Bucket(bucketTargetAccounts).Bucket([]byte("ad")).Stats()
				grown = int64(st.LeafInuse + st.BranchInuse)
				return nil
			}))
		}
		b.ReportMetric(float64(grown)/float64(len(accounts)), "data-B/account")
	})
	b.Run("Load", func(b *testing.B) {
		var live uint64
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			b.StartTimer()

			_, got, err := s.LoadTargetAccounts(ctx, "ad")

			b.StopTimer()
			if err != nil || len(got) != len(accounts) {
				b.Fatalf("%d accounts, %v", len(got), err)
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			live = ms.HeapAlloc - base.HeapAlloc
			runtime.KeepAlive(got)
			b.StartTimer()
		}
		b.ReportMetric(float64(live)/(1<<20), "live-MiB")
	})
}

// BenchmarkRunResults1M starts a run of a million actions, records its
// results in enforcement's batches of 256 and reads it back.
func BenchmarkRunResults1M(b *testing.B) {
	const n = 1_000_000
	ctx := context.Background()
	s, err := Open(b.TempDir())
	require.NoError(b, err)
	b.Cleanup(func() { s.Close() })
	pending := make([]engine.ActionResult, n)
	for i := range pending {
		pending[i].Index = i
	}
	var run *engine.EnforcementRun
	b.Run("Start", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			run, err = s.StartRun(ctx, &engine.EnforcementRun{}, pending)
			require.NoError(b, err)
		}
	})
	at := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	b.Run("RecordBatch", func(b *testing.B) {
		b.ReportAllocs()
		batch := make([]engine.ActionResult, 256)
		from := 0
		for b.Loop() {
			for i := range batch {
				batch[i] = engine.ActionResult{Index: from + i, Outcome: engine.OutcomeDone, Ref: fmt.Sprintf("CN=Person %d,OU=Staff,DC=example,DC=org", (from+i)/4), Tries: 1, At: at}
			}
			require.NoError(b, s.RecordResults(ctx, run.ID, batch, nil, nil))
			from = (from + len(batch)) % (n - len(batch))
		}
	})
	b.Run("Find", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, got, err := s.FindRun(ctx, run.ID)
			if err != nil || len(got) != n {
				b.Fatalf("%d results, %v", len(got), err)
			}
		}
	})
}
