package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

func putRun(tx *bolt.Tx, run *engine.ImportRun) error {
	stored := *run
	stored.Errors = nil
	if err := putJSON(tx.Bucket(bucketImports), u64(run.ID), &stored); err != nil {
		return err
	}
	if len(run.Errors) > 0 {
		return putJSON(tx.Bucket(bucketImportErrors), u64(run.ID), run.Errors)
	}
	return nil
}

func getRun(tx *bolt.Tx, id uint64, withErrors bool) (*engine.ImportRun, error) {
	raw := tx.Bucket(bucketImports).Get(u64(id))
	if raw == nil {
		return nil, engine.Errorf(engine.NotFound, "there is no import %d", id)
	}
	run := &engine.ImportRun{}
	if err := json.Unmarshal(raw, run); err != nil {
		return nil, fmt.Errorf("import %d: %w", id, err)
	}
	if withErrors {
		if raw := tx.Bucket(bucketImportErrors).Get(u64(id)); raw != nil {
			if err := json.Unmarshal(raw, &run.Errors); err != nil {
				return nil, fmt.Errorf("import %d errors: %w", id, err)
			}
		}
	}
	return run, nil
}

// ListImports returns every import, newest first, without record errors.
func (s *Store) ListImports(ctx context.Context) ([]engine.ImportRun, error) {
	var out []engine.ImportRun
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketImports).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var run engine.ImportRun
			if err := json.Unmarshal(v, &run); err != nil {
				return fmt.Errorf("import %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, run)
		}
		return nil
	})
	return out, err
}

// FindImport returns one import with its record errors.
func (s *Store) FindImport(ctx context.Context, id uint64) (*engine.ImportRun, error) {
	var run *engine.ImportRun
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		run, err = getRun(tx, id, true)
		return err
	})
	return run, err
}

// SaveImport records a failed or cancelled import.
func (s *Store) SaveImport(ctx context.Context, run *engine.ImportRun) error {
	switch run.Status {
	case engine.ImportFailed, engine.ImportCanceled:
	default:
		return engine.Errorf(engine.Internal, "SaveImport records failed or cancelled imports, not %s ones", run.Status)
	}
	return s.update(context.WithoutCancel(ctx), func(tx *bolt.Tx) error {
		id, err := tx.Bucket(bucketImports).NextSequence()
		if err != nil {
			return err
		}
		run.ID = id
		return putRun(tx, run)
	})
}

// CommitImport writes an import's records, its run, and a new snapshot or
// its pending changes, in one transaction.
func (s *Store) CommitImport(ctx context.Context, c *engine.ImportCommit) (*engine.ImportRun, *engine.SnapshotInfo, error) {
	run := *c.Run
	if run.Status != engine.ImportAccepted && run.Status != engine.ImportPending {
		return nil, nil, engine.Errorf(engine.Internal, "CommitImport takes accepted or pending imports, not %s ones", run.Status)
	}
	if run.Status == engine.ImportAccepted && c.Snapshot == nil {
		return nil, nil, engine.Errorf(engine.Internal, "an accepted import needs its snapshot")
	}
	changes := slices.Clone(c.Changes)
	var snap *engine.SnapshotInfo
	var idx *engine.SnapshotIndex
	err := s.update(ctx, func(tx *bolt.Tx) error {
		recs := tx.Bucket(bucketRecords)
		recs.FillPercent = 1
		seqs := make([]uint64, len(c.Records))
		for i, r := range c.Records {
			seq, err := recs.NextSequence()
			if err != nil {
				return err
			}
			if err := recs.Put(u64(seq), r); err != nil {
				return err
			}
			seqs[i] = seq
		}
		for i := range changes {
			if ch := &changes[i]; !ch.Removed && ch.Record >= 0 {
				if ch.Record >= len(seqs) {
					return fmt.Errorf("change for %q refers to record %d of %d", ch.Entry.ID, ch.Record, len(seqs))
				}
				ch.Entry.Ref.Seq = seqs[ch.Record]
			}
		}
		var depts *engine.DepartmentsRef
		if c.Departments != nil {
			seq, err := recs.NextSequence()
			if err != nil {
				return err
			}
			if err := recs.Put(u64(seq), c.Departments); err != nil {
				return err
			}
			depts = &engine.DepartmentsRef{Ref: engine.RecordRef{Seq: seq, Hash: engine.HashOf(c.Departments)}, Count: run.Counts.Departments}
		}
		id, err := tx.Bucket(bucketImports).NextSequence()
		if err != nil {
			return err
		}
		run.ID = id
		for _, old := range c.Supersede {
			if err := supersede(tx, old, id, run.FinishedAt); err != nil {
				return err
			}
		}
		if c.Config != nil {
			if err := putJSON(tx.Bucket(bucketConfig), keyConfig, c.Config); err != nil {
				return err
			}
			if err := appendAudit(tx, c.Audit); err != nil {
				return err
			}
		}
		if run.Status == engine.ImportAccepted {
			info := *c.Snapshot
			info.ImportID = id
			if idx, err = s.writeSnapshot(tx, &info, changes, run.Source, depts); err != nil {
				return err
			}
			run.Snapshot = info.Number
			snap = &info
		} else if err := writePending(tx, id, changes, depts); err != nil {
			return err
		}
		return putRun(tx, &run)
	})
	if err != nil {
		return nil, nil, err
	}
	if snap != nil {
		s.afterSnapshot(snap.Number, idx, changes)
	}
	return &run, snap, nil
}

func supersede(tx *bolt.Tx, id, by uint64, at time.Time) error {
	run, err := getRun(tx, id, true)
	if err != nil {
		return err
	}
	if run.Status != engine.ImportPending {
		return nil
	}
	run.Status = engine.ImportSuperseded
	run.DecidedAt = at
	run.Message = fmt.Sprintf("replaced by import %d before anyone decided", by)
	if err := discardPending(tx, id); err != nil {
		return err
	}
	return putRun(tx, run)
}

// discardPending deletes a pending import's changes and the records it
// wrote for them: no snapshot refers to those records.
func discardPending(tx *bolt.Tx, id uint64) error {
	pending, depts, err := readPending(tx, id)
	if err != nil {
		return err
	}
	recs := tx.Bucket(bucketRecords)
	for _, c := range pending.Changes {
		if !c.Removed {
			if err := recs.Delete(u64(c.Entry.Ref.Seq)); err != nil {
				return err
			}
		}
	}
	if depts != nil && depts.Ref.Seq != 0 {
		if err := recs.Delete(u64(depts.Ref.Seq)); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketPending).DeleteBucket(u64(id))
}

func writePending(tx *bolt.Tx, id uint64, changes []engine.IndexChange, depts *engine.DepartmentsRef) error {
	b, err := tx.Bucket(bucketPending).CreateBucket(u64(id))
	if err != nil {
		return err
	}
	b.FillPercent = 1
	if depts != nil {
		if err := putJSON(b, keyDepartments, depts); err != nil {
			return err
		}
	}
	return putChanges(b, changes)
}

func readPending(tx *bolt.Tx, id uint64) (*engine.PendingImport, *engine.DepartmentsRef, error) {
	b := tx.Bucket(bucketPending).Bucket(u64(id))
	if b == nil {
		return nil, nil, engine.Errorf(engine.NotFound, "import %d has no pending changes", id)
	}
	p := &engine.PendingImport{}
	var depts *engine.DepartmentsRef
	err := b.ForEach(func(k, v []byte) error {
		if string(k) == string(keyDepartments) {
			depts = &engine.DepartmentsRef{}
			return json.Unmarshal(v, depts)
		}
		e, present, err := decodeEntry(string(k), v)
		if err != nil {
			return err
		}
		p.Changes = append(p.Changes, engine.IndexChange{Entry: e, Record: -1, Removed: !present})
		return nil
	})
	if depts != nil {
		p.Departments = &depts.Ref
	}
	return p, depts, err
}

// PendingImport returns the changes a pending import holds.
func (s *Store) PendingImport(ctx context.Context, id uint64) (*engine.PendingImport, error) {
	var p *engine.PendingImport
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		p, _, err = readPending(tx, id)
		return err
	})
	return p, err
}

// ResolveImport approves or rejects a pending import.
func (s *Store) ResolveImport(ctx context.Context, id uint64, status engine.ImportStatus, at time.Time, note string, snap *engine.SnapshotInfo) (*engine.ImportRun, *engine.SnapshotInfo, error) {
	if status != engine.ImportAccepted && status != engine.ImportRejected {
		return nil, nil, engine.Errorf(engine.Internal, "a pending import is accepted or rejected, not %s", status)
	}
	if status == engine.ImportAccepted && snap == nil {
		return nil, nil, engine.Errorf(engine.Internal, "an accepted import needs its snapshot")
	}
	var run *engine.ImportRun
	var info *engine.SnapshotInfo
	var idx *engine.SnapshotIndex
	var changes []engine.IndexChange
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		if run, err = getRun(tx, id, true); err != nil {
			return err
		}
		if run.Status != engine.ImportPending {
			return engine.Errorf(engine.Conflict, "import %d is %s, not pending", id, run.Status)
		}
		pending, depts, err := readPending(tx, id)
		if err != nil {
			return err
		}
		if status == engine.ImportAccepted {
			i := *snap
			i.ImportID = id
			changes = pending.Changes
			if idx, err = s.writeSnapshot(tx, &i, changes, run.Source, depts); err != nil {
				return err
			}
			run.Snapshot = i.Number
			info = &i
		}
		run.Status = status
		run.DecidedAt = at
		run.Message = note
		if status == engine.ImportRejected {
			if err := discardPending(tx, id); err != nil {
				return err
			}
		} else if err := tx.Bucket(bucketPending).DeleteBucket(u64(id)); err != nil {
			return err
		}
		return putRun(tx, run)
	})
	if err != nil {
		return nil, nil, err
	}
	if info != nil {
		s.afterSnapshot(info.Number, idx, changes)
	}
	return run, info, nil
}
