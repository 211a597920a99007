package importing_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"provisio/app/boltstore"
	"provisio/engine"
	"provisio/engine/importing"
)

// BenchmarkImport50k imports 50,000 persons with 75,000 contracts and 5
// departments, a row per contract, through a mapping of ten fields and a
// DisplayName snippet, into the real bbolt store. "first" is a first import
// into an empty workspace (every person is written); "unchanged" imports
// the same data again (every person is encoded and compared, none
// written).
func BenchmarkImport50k(b *testing.B) {
	data := people(50_000)
	if e := data.expected(); e.persons != 50_000 || e.contracts != 75_000 {
		b.Fatalf("the data has %d persons and %d contracts", e.persons, e.contracts)
	}
	conn := data.single(nil)
	src := hrSource("hr")
	src.Mapping.Person = append(src.Mapping.Person, engine.FieldMapping{Field: "DisplayName", Type: engine.MapComplex,
		Value: `var family = source.last ? source.last : '(unknown)';
source.first + ' ' + family`})
	cfg := config(src)
	ctx := context.Background()

	open := func(b *testing.B) *boltstore.Store {
		b.Helper()
		dir, err := os.MkdirTemp(b.TempDir(), "ws")
		require.NoError(b, err)
		s, err := boltstore.Open(dir)
		require.NoError(b, err)
		return s
	}
	check := func(b *testing.B, run *engine.ImportRun, err error) {
		b.Helper()
		if err != nil || run.Counts.Persons != 50_000 || run.Counts.Contracts != 75_000 {
			b.Fatalf("import: %v, %+v", err, run)
		}
	}

	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			s := open(b)
			im := &importing.Importer{Store: s, Clock: engine.FixedClock(importTime)}
			b.StartTimer()
			run, _, err := im.Run(ctx, cfg, src, conn, nil)
			b.StopTimer()
			check(b, run, err)
			require.NoError(b, s.Close())
			b.StartTimer()
		}
	})

	b.Run("unchanged", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		im := &importing.Importer{Store: s, Clock: engine.FixedClock(importTime)}
		run, _, err := im.Run(ctx, cfg, src, conn, nil)
		check(b, run, err)
		b.ReportAllocs()
		for b.Loop() {
			run, _, err := im.Run(ctx, cfg, src, conn, nil)
			if err != nil || run.Counts.Unchanged != 50_000 {
				b.Fatalf("import: %v, %+v", err, run.Counts)
			}
		}
	})
}
