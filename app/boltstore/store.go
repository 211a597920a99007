// Package boltstore keeps a Provisio workspace in one bbolt file: its
// configuration, imports, snapshots, business rules, ledger, evaluations,
// enforcement runs, audit log and what target systems hold.
//
// Person records are appended to a record log and never rewritten; a
// snapshot's index maps person ids to records. Most snapshots store only
// the entries that changed since the previous one, and every so often a
// full index, so a new snapshot costs what changed, and reading one costs
// at most one full index and a bounded chain of changes.
package boltstore

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"provisio/engine"
)

// FileName is the name of the store file in a workspace folder.
const FileName = "provisio.db"

// SchemaVersion is the layout this package writes. Open migrates older
// files and refuses newer ones.
const SchemaVersion = 4

var (
	bucketMeta         = []byte("meta")
	bucketConfig       = []byte("config")
	bucketRecords      = []byte("records")
	bucketImports      = []byte("imports")
	bucketImportErrors = []byte("import-errors")
	bucketSnapshots    = []byte("snapshots")
	bucketIndex        = []byte("index")
	bucketPending      = []byte("pending")
	// version 2
	bucketRules           = []byte("rules")
	bucketLedger          = []byte("ledger")
	bucketEvaluations     = []byte("evaluations")
	bucketEvaluationPlans = []byte("evaluation-plans")
	// version 3
	bucketRuns           = []byte("runs")
	bucketRunResults     = []byte("run-results")
	bucketAudit          = []byte("audit")
	bucketAuditMarks     = []byte("audit-marks")
	bucketTargetAccounts = []byte("target-accounts")

	keySchema      = []byte("schema")
	keyConfig      = []byte("config")
	keyDepartments = []byte("\x00departments")
	// keyRulesVersion, in the meta bucket, counts the changes to the rules.
	keyRulesVersion = []byte("rules-version")
	// keyLedgerVersion, in the meta bucket, counts the changes to the
	// ledger.
	keyLedgerVersion = []byte("ledger-version")
	// keyAuditHead, in the meta bucket, describes the audit log's last
	// entry (see audit.go).
	keyAuditHead = []byte("audit-head")
)

// Store is an engine.Store on bbolt.
type Store struct {
	db   *bolt.DB
	path string

	mu    sync.Mutex
	cache *cachedIndex // the most recently read snapshot index
}

var _ engine.Store = (*Store)(nil)

type cachedIndex struct {
	number uint64
	index  *engine.SnapshotIndex
}

// Open opens (creating it if needed) the store of the workspace folder dir
// and migrates it to SchemaVersion. When another process has the workspace
// open, it returns an Unavailable error saying so.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, engine.Wrap(engine.Invalid, err, "workspace %s", dir)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 500 * time.Millisecond, FreelistType: bolt.FreelistMapType, InitialMmapSize: mmapReserve(path)})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, engine.Errorf(engine.Unavailable, "the workspace %s is in use by another Provisio process (an open window, an icon in the system tray, or provisio daemon); quit that one first, or use another workspace", dir)
	}
	if err != nil {
		return nil, engine.Wrap(engine.Internal, err, "open workspace store %s", path)
	}
	// With the address space reserved, bbolt would extend the file 16 MB
	// past its data (an empty workspace would take 16 MB); a megabyte of
	// slack still lets small commits reuse it.
	db.AllocSize = 1 << 20
	s := &Store{db: db, path: path}
	if err := s.migrate(migrations); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// mmapReserve returns how much address space to map for the file at path
// up front: its size and a gigabyte more. When a write transaction outgrows
// the mapping, bbolt remaps the file, which first waits for every read
// transaction to end and then copies every node the transaction changed
// into the heap; a first import of 300,000 persons remapped a dozen times,
// allocated 6.7 GB and took five times as long doing so. On Windows mapping a file extends it to the
// mapped size, and on 32-bit systems address space is short, so there the
// mapping grows with the file as bbolt does by default.
func mmapReserve(path string) int {
	if runtime.GOOS == "windows" || strconv.IntSize < 64 {
		return 0
	}
	size := int64(0)
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}
	return int(size) + 1<<30
}

// Close closes the store file.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the store file's path.
func (s *Store) Path() string { return s.path }

// DB gives tests access to bbolt, for consistency checks.
func (s *Store) DB() *bolt.DB { return s.db }

// migration upgrades the store from version To-1 to To, inside one
// transaction.
type migration struct {
	To    int
	Apply func(tx *bolt.Tx) error
}

// migrations lists every layout change in order; version 1 creates the
// buckets of a new workspace, version 2 adds business rules, the ledger and
// evaluations, version 3 adds enforcement runs and their results, the
// audit log and target accounts, and rewrites the ledger's JSON entries in
// binary; version 4 adds aggregation decisions, schedule runs and the
// notices sent.
var migrations = []migration{
	{To: 1, Apply: createBuckets(bucketConfig, bucketRecords, bucketImports, bucketImportErrors, bucketSnapshots, bucketIndex, bucketPending)},
	{To: 2, Apply: createBuckets(bucketRules, bucketLedger, bucketEvaluations, bucketEvaluationPlans)},
	{To: 3, Apply: func(tx *bolt.Tx) error {
		if err := createBuckets(bucketRuns, bucketRunResults, bucketAudit, bucketAuditMarks, bucketTargetAccounts)(tx); err != nil {
			return err
		}
		return migrateLedgerToBinary(tx)
	}},
	{To: 4, Apply: createBuckets(bucketAggregation, bucketScheduleRuns, bucketNotified)},
}

func createBuckets(names ...[]byte) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		for _, b := range names {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}
}

func (s *Store) version() (int, error) {
	v := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta); b != nil {
			if raw := b.Get(keySchema); len(raw) == 4 {
				v = int(binary.BigEndian.Uint32(raw))
			}
		}
		return nil
	})
	return v, err
}

// migrate brings the file to the newest version in ms, one transaction per
// step, so an interrupted upgrade resumes where it stopped.
func (s *Store) migrate(ms []migration) error {
	v, err := s.version()
	if err != nil {
		return engine.Wrap(engine.Internal, err, "read workspace version")
	}
	newest := 0
	if len(ms) > 0 {
		newest = ms[len(ms)-1].To
	}
	if v > newest {
		return engine.Errorf(engine.Invalid, "the workspace %s was written by a newer Provisio (store version %d; this one reads up to %d)", filepath.Dir(s.path), v, newest)
	}
	for _, m := range ms {
		if m.To <= v {
			continue
		}
		err := s.db.Update(func(tx *bolt.Tx) error {
			if err := m.Apply(tx); err != nil {
				return err
			}
			meta, err := tx.CreateBucketIfNotExists(bucketMeta)
			if err != nil {
				return err
			}
			return meta.Put(keySchema, binary.BigEndian.AppendUint32(nil, uint32(m.To)))
		})
		if err != nil {
			return engine.Wrap(engine.Internal, err, "upgrade workspace store to version %d", m.To)
		}
	}
	return nil
}

// LoadConfig returns the configuration, or the default one.
func (s *Store) LoadConfig(ctx context.Context) (*engine.Config, error) {
	var c *engine.Config
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketConfig).Get(keyConfig)
		if raw == nil {
			c = engine.DefaultConfig()
			return nil
		}
		// into a zero value: decoding into the defaults would keep default
		// fields the stored JSON leaves out (omitempty)
		c = &engine.Config{}
		return json.Unmarshal(raw, c)
	})
	if err != nil {
		return nil, engine.Wrap(engine.Internal, err, "read configuration")
	}
	return c, nil
}

// SaveConfig replaces the configuration and appends audit entries.
func (s *Store) SaveConfig(ctx context.Context, c *engine.Config, audit ...engine.AuditEntry) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return engine.Wrap(engine.Internal, err, "encode configuration")
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketConfig).Put(keyConfig, raw); err != nil {
			return err
		}
		return appendAudit(tx, audit)
	})
}

func (s *Store) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := engine.CheckCanceled(ctx); err != nil {
		return err
	}
	if err := s.db.Update(fn); err != nil {
		var e *engine.Error
		if errors.As(err, &e) {
			return err
		}
		return engine.Wrap(engine.Internal, err, "write workspace store")
	}
	return nil
}

func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	if err := s.db.View(fn); err != nil {
		var e *engine.Error
		if errors.As(err, &e) {
			return err
		}
		return engine.Wrap(engine.Internal, err, "read workspace store")
	}
	return nil
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return b.Put(key, raw)
}

// Usage is how much room a store takes.
type Usage struct {
	// FileBytes is the size of the file on disk, which bbolt grows ahead
	// of need.
	FileBytes int64
	// DataBytes is the size up to the last page in use: what the file
	// would be without the room bbolt allocates ahead.
	DataBytes int64
	// FreeBytes is the part of DataBytes in free pages, reused before the
	// file grows.
	FreeBytes int64
}

// Usage reports the store's size.
func (s *Store) Usage() (Usage, error) {
	var u Usage
	err := s.db.View(func(tx *bolt.Tx) error {
		u.DataBytes = tx.Size()
		return nil
	})
	if err != nil {
		return u, err
	}
	st := s.db.Stats()
	u.FreeBytes = int64(st.FreePageN+st.PendingPageN) * int64(s.db.Info().PageSize)
	if fi, err := os.Stat(s.path); err == nil {
		u.FileBytes = fi.Size()
	}
	return u, nil
}

// keyWorkspaceID, in the meta bucket, is the workspace's random id.
var keyWorkspaceID = []byte("workspace-id")

// WorkspaceID returns the workspace's id, made at random the first time:
// it tells apart the keychain secrets of workspaces whose configurations
// name them alike, and stays when the workspace folder moves.
func (s *Store) WorkspaceID() (string, error) {
	var id string
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		if v := b.Get(keyWorkspaceID); len(v) > 0 {
			id = string(v)
			return nil
		}
		var raw [8]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return err
		}
		id = hex.EncodeToString(raw[:])
		return b.Put(keyWorkspaceID, []byte(id))
	})
	if err != nil {
		return "", engine.Wrap(engine.Internal, err, "read the workspace id")
	}
	return id, nil
}
