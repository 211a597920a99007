package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// The buckets of version 4: aggregation decisions, schedule runs and the
// notices already sent.
var (
	bucketAggregation  = []byte("aggregation")
	bucketScheduleRuns = []byte("schedule-runs")
	bucketNotified     = []byte("notified")
)

// keyAggregation, in the aggregation bucket, holds the aggregation state.
var keyAggregation = []byte("state")

// LoadAggregation returns the aggregation state, empty for a new
// workspace.
func (s *Store) LoadAggregation(ctx context.Context) (*engine.Aggregation, error) {
	g := &engine.Aggregation{}
	err := s.view(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketAggregation).Get(keyAggregation)
		if raw == nil {
			return nil
		}
		if err := json.Unmarshal(raw, g); err != nil {
			return engine.Errorf(engine.Internal, "the aggregation decisions in the workspace store are corrupt: %v", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// SaveAggregation replaces the aggregation state, applies ledger changes
// and appends audit entries in one transaction. With outdates it counts a
// new ledger version: a decision changes what a plan must do, so a plan
// made before it is out of date.
func (s *Store) SaveAggregation(ctx context.Context, g *engine.Aggregation, outdates bool, ledger []engine.LedgerChange, audit []engine.AuditEntry) error {
	raw, err := json.Marshal(g)
	if err != nil {
		return engine.Wrap(engine.Internal, err, "encode aggregation decisions")
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketAggregation).Put(keyAggregation, raw); err != nil {
			return err
		}
		if len(ledger) > 0 {
			if err := applyLedgerChanges(tx, ledger); err != nil { // counts a new version
				return err
			}
		} else if outdates {
			if err := bumpCounter(tx, keyLedgerVersion, "ledger"); err != nil {
				return err
			}
		}
		return appendAudit(tx, audit)
	})
}

// KeptScheduleRuns is how many runs the store keeps per schedule; older
// ones are dropped as new ones are recorded.
const KeptScheduleRuns = 500

// SaveScheduleRun records a schedule run, assigning its ID when it has
// none, and replaces it otherwise.
func (s *Store) SaveScheduleRun(ctx context.Context, r *engine.ScheduleRun) (*engine.ScheduleRun, error) {
	out := *r
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketScheduleRuns)
		if out.ID == 0 {
			id, err := b.NextSequence()
			if err != nil {
				return err
			}
			out.ID = id
		} else if b.Get(u64(out.ID)) == nil {
			return engine.Errorf(engine.NotFound, "there is no schedule run %d", out.ID)
		}
		if err := putJSON(b, u64(out.ID), &out); err != nil {
			return err
		}
		return pruneScheduleRuns(b, out.Schedule)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// pruneScheduleRuns drops a schedule's oldest runs beyond
// KeptScheduleRuns.
func pruneScheduleRuns(b *bolt.Bucket, schedule string) error {
	var ids [][]byte
	c := b.Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		var r struct {
			Schedule string `json:"schedule"`
		}
		if json.Unmarshal(v, &r) == nil && r.Schedule == schedule {
			ids = append(ids, bytes.Clone(k))
		}
	}
	for _, k := range ids[min(len(ids), KeptScheduleRuns):] {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// ListScheduleRuns returns the runs of one schedule (all schedules when
// schedule is ""), newest first, at most limit (0: all).
func (s *Store) ListScheduleRuns(ctx context.Context, schedule string, limit int) ([]engine.ScheduleRun, error) {
	var out []engine.ScheduleRun
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketScheduleRuns).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var r engine.ScheduleRun
			if err := json.Unmarshal(v, &r); err != nil {
				return engine.Errorf(engine.Internal, "schedule run %x in the workspace store is corrupt: %v", k, err)
			}
			if schedule != "" && r.Schedule != schedule {
				continue
			}
			out = append(out, r)
			if limit > 0 && len(out) == limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// MarkNotified records that the notices with the given keys were sent, and
// returns those of keys that were not recorded before: a notice is sent
// once, even by two processes.
func (s *Store) MarkNotified(ctx context.Context, keys []string, at time.Time) ([]string, error) {
	var fresh []string
	stamp, _ := at.UTC().MarshalText()
	err := s.update(ctx, func(tx *bolt.Tx) error {
		fresh = fresh[:0]
		b := tx.Bucket(bucketNotified)
		for _, k := range keys {
			if b.Get([]byte(k)) != nil {
				continue
			}
			if err := b.Put([]byte(k), stamp); err != nil {
				return err
			}
			fresh = append(fresh, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return fresh, nil
}

// ForgetNotified takes keys out of the record of notices sent.
func (s *Store) ForgetNotified(ctx context.Context, keys []string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNotified)
		for _, k := range keys {
			if err := b.Delete([]byte(k)); err != nil {
				return err
			}
		}
		return nil
	})
}
