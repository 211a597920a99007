package boltstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"provisio/engine"
	"provisio/engine/storetest"
)

func TestStoreSuite(t *testing.T) {
	storetest.Run(t, openStore, storetest.WithCheck(checkConsistency), storetest.WithLedger(func(t *testing.T, s engine.Store, entries []engine.LedgerEntry) {
		t.Helper()
		require.NoError(t, s.(*Store).WriteLedger(context.Background(), entries))
	}))
}

// openStore opens the store of dir for the suite.
func openStore(t *testing.T, dir string) engine.Store {
	t.Helper()
	s, err := Open(dir)
	require.NoError(t, err)
	return s
}

// checkConsistency runs bbolt's consistency check on the store's file.
func checkConsistency(t *testing.T, s engine.Store) {
	t.Helper()
	var errs []error
	err := s.(*Store).DB().View(func(tx *bolt.Tx) error {
		for err := range tx.Check() { // drained: the checker stops only when read to the end
			errs = append(errs, err)
		}
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, errors.Join(errs...), "bbolt consistency check of %s", s.(*Store).Path())
}

// newStore opens a store in a new folder and closes it when the test ends,
// after checking its consistency.
func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() {
		checkConsistency(t, s)
		require.NoError(t, s.Close())
	})
	return s
}

// storedVersion reads the schema version key of a store.
func storedVersion(t *testing.T, s *Store) int {
	t.Helper()
	v, err := s.version()
	require.NoError(t, err)
	return v
}

// writeVersion sets the schema version of the closed store file of dir.
func writeVersion(t *testing.T, dir string, v int) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint32(nil, uint32(v)))
	}))
}

func TestOpenWritesTheSchemaVersion(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	require.Equal(t, SchemaVersion, storedVersion(t, s))
	require.NoError(t, s.Close())
	require.FileExists(t, filepath.Join(dir, FileName))

	s, err = Open(dir)
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, SchemaVersion, storedVersion(t, s), "reopening keeps the version")
}

func TestMigrationRunsOnceAndBumpsTheVersion(t *testing.T) {
	s := newStore(t)
	runs := 0
	steps := append(migrations[:len(migrations):len(migrations)], migration{To: SchemaVersion + 1, Apply: func(tx *bolt.Tx) error {
		runs++
		_, err := tx.CreateBucket([]byte("added-by-step"))
		return err
	}})

	require.NoError(t, s.migrate(steps))
	require.Equal(t, 1, runs)
	require.Equal(t, SchemaVersion+1, storedVersion(t, s))
	require.NoError(t, s.migrate(steps), "a migrated store migrates no further")
	require.Equal(t, 1, runs, "a step runs once")
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		require.NotNil(t, tx.Bucket([]byte("added-by-step")))
		return nil
	}))
}

func TestFailingMigrationLeavesTheVersionUnchanged(t *testing.T) {
	s := newStore(t)
	steps := append(migrations[:len(migrations):len(migrations)],
		migration{To: SchemaVersion + 1, Apply: func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("step-2"))
			return err
		}},
		migration{To: SchemaVersion + 2, Apply: func(tx *bolt.Tx) error {
			if _, err := tx.CreateBucket([]byte("step-3")); err != nil {
				return err
			}
			return errors.New("disk on fire")
		}},
	)

	err := s.migrate(steps)
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Internal))
	assert.Contains(t, err.Error(), "disk on fire")
	assert.Contains(t, err.Error(), fmt.Sprintf("version %d", SchemaVersion+2))
	require.Equal(t, SchemaVersion+1, storedVersion(t, s), "the steps before the failing one stay done")
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		assert.NotNil(t, tx.Bucket([]byte("step-2")))
		assert.Nil(t, tx.Bucket([]byte("step-3")), "the failing step's writes are rolled back")
		return nil
	}))
}

func TestOpenRefusesAStoreFromANewerVersion(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	writeVersion(t, dir, SchemaVersion+1)

	_, err = Open(dir)
	require.Error(t, err)
	require.True(t, engine.IsCode(err, engine.Invalid), "got %v", err)
	require.Contains(t, err.Error(), "newer Provisio")
	require.Contains(t, err.Error(), dir)
	require.Contains(t, err.Error(), fmt.Sprintf("store version %d; this one reads up to %d", SchemaVersion+1, SchemaVersion))

	writeVersion(t, dir, SchemaVersion) // the refused open let go of the file
	s, err = Open(dir)
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

func TestOpenFailsFastWhenTheWorkspaceIsInUse(t *testing.T) {
	dir := t.TempDir()
	first, err := Open(dir)
	require.NoError(t, err)

	start := time.Now()
	second, err := Open(dir)
	elapsed := time.Since(start)
	require.Nil(t, second)
	require.True(t, engine.IsCode(err, engine.Unavailable), "got %v", err)
	require.Contains(t, err.Error(), "in use")
	require.Contains(t, err.Error(), dir)
	require.Less(t, elapsed, 2*time.Second)

	require.NoError(t, first.Close())
	second, err = Open(dir)
	require.NoError(t, err, "the workspace opens once the other store closed")
	require.NoError(t, second.Close())
}

func TestOpenCreatesTheWorkspaceFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "workspace")
	s, err := Open(dir)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	info, err := os.Stat(filepath.Join(dir, FileName))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the store file is private")
}
