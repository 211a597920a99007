package boltstore

import (
	"context"
	"fmt"
	"os"
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
// back.
func BenchmarkSaveEvaluation1M(b *testing.B) {
	e := benchEvaluation()
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
