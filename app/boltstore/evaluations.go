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
	var sections [4]planSection
	for i, sec := range []struct {
		section byte
		want    int
	}{{sectionStrings, h.strings}, {sectionActions, h.actions}, {sectionSkipped, h.skipped}, {sectionNotes, h.notes}} {
		if sections[i], err = chunksOf(b, sec.section); err != nil {
			return err
		}
		if n := sections[i].records(); n != sec.want {
			return fmt.Errorf("the header counts %d records of section %q, its chunks %d", sec.want, sec.section, n)
		}
	}
	strs, actions, skipped, notes := sections[0], sections[1], sections[2], sections[3]

	table := make([]string, 1, 1+h.strings)
	for i, v := range strs.values {
		if table, err = decodeStrings(v, table); err != nil {
			return fmt.Errorf("string table: chunk %d: %w", i, err)
		}
	}
	if h.actions > 0 {
		e.Actions = make([]engine.Action, h.actions)
		if err := decodeActionChunks(ctx, table, actions, e.Actions); err != nil {
			return fmt.Errorf("actions: %w", err)
		}
	}
	d := &planDecoder{table: table}
	if h.skipped > 0 {
		e.Skipped = make([]engine.Skipped, h.skipped)
		for i, v := range skipped.values {
			if err := d.decodeSkipped(v, e.Skipped[skipped.starts[i]:skipped.starts[i+1]]); err != nil {
				return fmt.Errorf("skipped persons: chunk %d: %w", i, err)
			}
		}
	}
	if h.notes > 0 {
		e.Notes = make([]engine.Note, h.notes)
		for i, v := range notes.values {
			if err := d.decodeNotes(v, e.Notes[notes.starts[i]:notes.starts[i+1]]); err != nil {
				return fmt.Errorf("notes: chunk %d: %w", i, err)
			}
		}
	}
	return nil
}

// decodeActionChunks decodes the chunks of actions into out on as many
// goroutines as there are processors: every chunk decodes on its own, and
// a million actions take twice as long on one core.
func decodeActionChunks(ctx context.Context, table []string, sec planSection, out []engine.Action) error {
	return inParallel(ctx, len(sec.values), func() func(i int) error {
		d := &planDecoder{table: table}
		return func(i int) error { return d.decodeActions(sec.values[i], out[sec.starts[i]:sec.starts[i+1]]) }
	})
}

// planSection is the chunks of one section of a plan and where each one's
// records start: chunk i holds records starts[i] to starts[i+1].
type planSection struct {
	values [][]byte
	starts []int
}

func (p planSection) records() int { return p.starts[len(p.starts)-1] }

// chunksOf returns the chunks of a section, which must be numbered from 0
// without gaps.
func chunksOf(b *bolt.Bucket, section byte) (planSection, error) {
	p := planSection{starts: []int{0}}
	c := b.Cursor()
	for k, v := c.Seek([]byte{section}); k != nil && k[0] == section; k, v = c.Next() {
		i := len(p.values)
		if len(k) != 5 || binary.BigEndian.Uint32(k[1:]) != uint32(i) {
			return p, fmt.Errorf("chunk %d of section %q is missing", i, section)
		}
		_, n, err := chunkRecords(v)
		if err != nil {
			return p, fmt.Errorf("chunk %d of section %q: %w", i, section, err)
		}
		p.values = append(p.values, v)
		p.starts = append(p.starts, p.starts[i]+n)
	}
	return p, nil
}
