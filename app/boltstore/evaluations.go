package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// Evaluations are kept in two buckets: evaluations holds each one's
// description (engine.EvaluationInfo) as JSON by id, and evaluation-plans
// a bucket per evaluation with its plan (see plancodec.go). Only the plans
// of the newest KeptPlans evaluations are kept.

// KeptPlans is how many of the newest evaluations keep their plans; older
// ones keep only their description, marked Pruned.
const KeptPlans = 20

// SaveEvaluation records an evaluation and its plan in one transaction and
// returns its description with the ID it assigned; e is not modified. The
// plans of evaluations KeptPlans or more before it are dropped in the same
// transaction.
func (s *Store) SaveEvaluation(ctx context.Context, e *engine.Evaluation) (*engine.EvaluationInfo, error) {
	// encoded before the transaction, which holds the only write lock
	values := encodePlan(e)
	info := e.EvaluationInfo
	info.Pruned = false
	err := s.update(ctx, func(tx *bolt.Tx) error {
		evals := tx.Bucket(bucketEvaluations)
		id, err := evals.NextSequence()
		if err != nil {
			return err
		}
		info.ID = id
		if err := putJSON(evals, u64(id), &info); err != nil {
			return fmt.Errorf("evaluation %d: %w", id, err)
		}
		b, err := tx.Bucket(bucketEvaluationPlans).CreateBucket(u64(id))
		if err != nil {
			return fmt.Errorf("evaluation %d: %w", id, err)
		}
		b.FillPercent = 1 // keys only ever grow
		for _, v := range values {
			if err := b.Put(v.key, v.value); err != nil {
				return fmt.Errorf("evaluation %d: %w", id, err)
			}
		}
		return prunePlans(tx, id)
	})
	if err != nil {
		return nil, err
	}
	return &info, nil
}

// prunePlans drops the plans of evaluations before the KeptPlans newest
// (newest is the latest id) and marks them Pruned.
func prunePlans(tx *bolt.Tx, newest uint64) error {
	if newest <= KeptPlans {
		return nil
	}
	last := newest - KeptPlans
	plans := tx.Bucket(bucketEvaluationPlans)
	var old []uint64
	c := plans.Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= last; k, _ = c.Next() {
		old = append(old, binary.BigEndian.Uint64(k))
	}
	evals := tx.Bucket(bucketEvaluations)
	for _, id := range old {
		if err := plans.DeleteBucket(u64(id)); err != nil {
			return fmt.Errorf("drop the plan of evaluation %d: %w", id, err)
		}
		info, err := getEvaluationInfo(tx, id)
		if err != nil {
			return err
		}
		info.Pruned = true
		if err := putJSON(evals, u64(id), info); err != nil {
			return fmt.Errorf("evaluation %d: %w", id, err)
		}
	}
	return nil
}

func getEvaluationInfo(tx *bolt.Tx, id uint64) (*engine.EvaluationInfo, error) {
	raw := tx.Bucket(bucketEvaluations).Get(u64(id))
	if raw == nil {
		return nil, engine.Errorf(engine.NotFound, "there is no evaluation %d", id)
	}
	info := &engine.EvaluationInfo{}
	if err := json.Unmarshal(raw, info); err != nil {
		return nil, engine.Errorf(engine.Internal, "evaluation %d in the workspace store is unreadable: %v", id, err)
	}
	return info, nil
}

// ListEvaluations returns every evaluation's description, newest first.
func (s *Store) ListEvaluations(ctx context.Context) ([]engine.EvaluationInfo, error) {
	var out []engine.EvaluationInfo
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvaluations).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var info engine.EvaluationInfo
			if err := json.Unmarshal(v, &info); err != nil {
				return engine.Errorf(engine.Internal, "evaluation %d in the workspace store is unreadable: %v", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, info)
		}
		return nil
	})
	return out, err
}

// FindEvaluation returns an evaluation with its plan; id 0 means the
// latest. A pruned evaluation comes without actions, skipped persons and
// notes. Empty lists come back nil.
func (s *Store) FindEvaluation(ctx context.Context, id uint64) (*engine.Evaluation, error) {
	var e *engine.Evaluation
	err := s.view(func(tx *bolt.Tx) error {
		if id == 0 {
			k, _ := tx.Bucket(bucketEvaluations).Cursor().Last()
			if k == nil {
				return engine.Errorf(engine.NotFound, "there is no evaluation yet: run one first")
			}
			id = binary.BigEndian.Uint64(k)
		}
		info, err := getEvaluationInfo(tx, id)
		if err != nil {
			return err
		}
		e = &engine.Evaluation{EvaluationInfo: *info}
		if info.Pruned {
			return nil
		}
		b := tx.Bucket(bucketEvaluationPlans).Bucket(u64(id))
		if b == nil {
			return engine.Errorf(engine.Internal, "the plan of evaluation %d is missing from the workspace store", id)
		}
		if err := readPlan(ctx, b, e); err != nil {
			if engine.IsCode(err, engine.Canceled) {
				return err
			}
			return engine.Errorf(engine.Internal, "the plan of evaluation %d in the workspace store is corrupt: %v", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// readPlan decodes a plan's bucket into e.
func readPlan(ctx context.Context, b *bolt.Bucket, e *engine.Evaluation) error {
	h, err := decodePlanHeader(b.Get(keyPlanHeader))
	if err != nil {
		return err
	}
	// the sizes come from the chunks, which must agree with the header,
	// before anything is allocated by them
	for _, sec := range []struct {
		section byte
		want    int
	}{{sectionStrings, h.strings}, {sectionActions, h.actions}, {sectionSkipped, h.skipped}, {sectionNotes, h.notes}} {
		n, err := sectionCount(b, sec.section)
		if err != nil {
			return err
		}
		if n != sec.want {
			return fmt.Errorf("the header counts %d records of section %q, its chunks %d", sec.want, sec.section, n)
		}
	}
	d := &planDecoder{table: make([]string, 1, 1+h.strings)}
	if err := eachChunk(b, sectionStrings, d.decodeStrings); err != nil {
		return fmt.Errorf("string table: %w", err)
	}
	if h.actions > 0 {
		e.Actions = make([]engine.Action, h.actions)
		rest := e.Actions
		err := eachChunk(b, sectionActions, func(v []byte) error {
			if err := engine.CheckCanceled(ctx); err != nil {
				return err
			}
			n, err := d.decodeActions(v, rest)
			rest = rest[n:]
			return err
		})
		if err != nil {
			return fmt.Errorf("actions: %w", err)
		}
	}
	if h.skipped > 0 {
		e.Skipped = make([]engine.Skipped, h.skipped)
		rest := e.Skipped
		err := eachChunk(b, sectionSkipped, func(v []byte) error {
			n, err := d.decodeSkipped(v, rest)
			rest = rest[n:]
			return err
		})
		if err != nil {
			return fmt.Errorf("skipped persons: %w", err)
		}
	}
	if h.notes > 0 {
		e.Notes = make([]engine.Note, h.notes)
		rest := e.Notes
		err := eachChunk(b, sectionNotes, func(v []byte) error {
			n, err := d.decodeNotes(v, rest)
			rest = rest[n:]
			return err
		})
		if err != nil {
			return fmt.Errorf("notes: %w", err)
		}
	}
	return nil
}

// eachChunk calls fn with the chunks of a section in order; they must be
// numbered from 0 without gaps.
func eachChunk(b *bolt.Bucket, section byte, fn func(v []byte) error) error {
	c := b.Cursor()
	want := uint32(0)
	for k, v := c.Seek([]byte{section}); k != nil && k[0] == section; k, v = c.Next() {
		if len(k) != 5 || binary.BigEndian.Uint32(k[1:]) != want {
			return fmt.Errorf("chunk %d of section %q is missing", want, section)
		}
		if err := fn(v); err != nil {
			return fmt.Errorf("chunk %d: %w", want, err)
		}
		want++
	}
	return nil
}

// sectionCount adds up the record counts of a section's chunks.
func sectionCount(b *bolt.Bucket, section byte) (int, error) {
	n := 0
	err := eachChunk(b, section, func(v []byte) error {
		_, count, err := chunkRecords(v)
		n += count
		return err
	})
	return n, err
}
