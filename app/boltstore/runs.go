package boltstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// Enforcement runs are kept in two buckets: runs holds each run
// (engine.EnforcementRun) as JSON by id, and run-results a bucket per run
// with its journal, one result per action of its plan. Only the results of
// the newest KeptRuns runs are kept, and of older ones that may yet be
// resumed; older runs keep their figures.
//
// A run's results bucket holds:
//
//	"h"               header: format (resultsFormat), uvarint count of results
//	"c" + uint32 BE   chunk n: the results of actions n×resultsPerChunk on
//
// A first run of a large organisation has a million results, which
// RecordResults replaces a batch at a time: in chunks of a few hundred the
// run starts with a few thousand values, not a million keys, and a batch
// rewrites a few small values. A result is
//
//	flags byte  bits 0-2 the outcome (outcomeCodes; outcomeOther: its
//	            string follows the flags); bit 3 a reference follows
//	            (resultRef) unless bit 4 says it is the one of the result
//	            before in the chunk (resultSameRef); bits 5 and 6 the same
//	            for the error; bit 7 the tries and the time follow
//	[outcome]   string
//	[ref]       string
//	[error]     string
//	[tries, at] uvarint, time (appendTime)
//
// so a pending result takes a byte, and a person's actions, which share
// the account's reference, take its bytes once.

// KeptRuns is how many of the newest runs keep their results.
const KeptRuns = 50

// resultsFormat is the first byte of a results header.
const resultsFormat = 1

// resultsPerChunk is how many results a chunk holds.
const resultsPerChunk = 256

var keyResultsHeader = []byte("h")

func resultsChunkKey(n uint32) []byte { return binary.BigEndian.AppendUint32([]byte{'c'}, n) }

const (
	outcomeMask   = 7
	outcomeOther  = 7
	resultRef     = 1 << 3
	resultSameRef = 1 << 4
	resultError   = 1 << 5
	resultSameErr = 1 << 6
	resultTries   = 1 << 7
)

var outcomeCodes = [...]engine.Outcome{engine.OutcomePending, engine.OutcomeDone, engine.OutcomeFailed, engine.OutcomeBlocked, engine.OutcomeRejected, engine.OutcomeSkipped, engine.OutcomeManual}

// appendResults appends the results of one chunk.
func appendResults(b []byte, results []engine.ActionResult) []byte {
	var ref, msg string
	for i := range results {
		r := &results[i]
		code := byte(slices.Index(outcomeCodes[:], r.Outcome))
		if code > outcomeOther { // -1: not found
			code = outcomeOther
		}
		flags := code
		if r.Ref != "" {
			flags |= resultRef
			if i > 0 && r.Ref == ref {
				flags |= resultSameRef
			}
		}
		if r.Error != "" {
			flags |= resultError
			if i > 0 && r.Error == msg {
				flags |= resultSameErr
			}
		}
		if r.Tries != 0 || !r.At.IsZero() {
			flags |= resultTries
		}
		b = append(b, flags)
		if code == outcomeOther {
			b = appendString(b, string(r.Outcome))
		}
		if flags&(resultRef|resultSameRef) == resultRef {
			b = appendString(b, r.Ref)
		}
		if flags&(resultError|resultSameErr) == resultError {
			b = appendString(b, r.Error)
		}
		if flags&resultTries != 0 {
			b = binary.AppendUvarint(b, uint64(max(r.Tries, 0)))
			b = appendTime(b, r.At)
		}
		ref, msg = r.Ref, r.Error
	}
	return b
}

// decodeResults decodes a chunk into out, whose length the header gives,
// numbering the results from first.
func decodeResults(v []byte, first int, out []engine.ActionResult) error {
	r := &planReader{b: v}
	var ref, msg string
	for i := range out {
		res := &out[i]
		*res = engine.ActionResult{Index: first + i}
		flags := r.byte()
		if code := flags & outcomeMask; code == outcomeOther {
			res.Outcome = engine.Outcome(r.string())
		} else {
			res.Outcome = outcomeCodes[code]
		}
		if flags&(resultSameRef|resultSameErr) != 0 && i == 0 {
			return fmt.Errorf("the first result of a chunk refers to the one before")
		}
		switch {
		case flags&resultSameRef != 0:
			res.Ref = ref
		case flags&resultRef != 0:
			res.Ref = r.string()
		}
		switch {
		case flags&resultSameErr != 0:
			res.Error = msg
		case flags&resultError != 0:
			res.Error = r.string()
		}
		if flags&resultTries != 0 {
			res.Tries = int(r.uvarint())
			res.At = r.time()
		}
		if r.err != nil {
			return fmt.Errorf("result %d: %w", first+i, r.err)
		}
		ref, msg = res.Ref, res.Error
	}
	return r.end()
}

// chunkLen returns how many results chunk c of n holds.
func chunkLen(c, n int) int { return min(resultsPerChunk, n-c*resultsPerChunk) }

func readResultsHeader(b *bolt.Bucket, run uint64) (int, error) {
	v := b.Get(keyResultsHeader)
	if len(v) < 2 || v[0] != resultsFormat {
		return 0, engine.Errorf(engine.Internal, "the results of enforcement run %d in the workspace store have no readable header", run)
	}
	r := &planReader{b: v[1:]}
	n := r.uvarint()
	if err := r.end(); err != nil || n > 1<<40 {
		return 0, engine.Errorf(engine.Internal, "the results header of enforcement run %d in the workspace store is corrupt", run)
	}
	return int(n), nil
}

// StartRun records a new run, with the ID it assigns and, when it has
// none, the status running, and one result per action of its plan
// (results[i] is action i's), in one transaction; run is not modified. The
// results of runs KeptRuns or more before it are dropped in the same
// transaction, unless the run may yet be resumed: running, interrupted or
// cancelled, with its evaluation's plan still kept.
func (s *Store) StartRun(ctx context.Context, run *engine.EnforcementRun, results []engine.ActionResult) (*engine.EnforcementRun, error) {
	for i := range results {
		if results[i].Index != i {
			return nil, engine.Errorf(engine.Invalid, "result %d of the new run is for action %d: a run starts with one result per action, in order", i, results[i].Index)
		}
	}
	// encoded before the transaction, which holds the only write lock
	header := binary.AppendUvarint([]byte{resultsFormat}, uint64(len(results)))
	var chunks [][]byte
	for c := 0; c*resultsPerChunk < len(results); c++ {
		chunks = append(chunks, appendResults(nil, results[c*resultsPerChunk:c*resultsPerChunk+chunkLen(c, len(results))]))
	}
	stored := *run
	if stored.Status == "" {
		stored.Status = engine.RunRunning
	}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		runs := tx.Bucket(bucketRuns)
		id, err := runs.NextSequence()
		if err != nil {
			return err
		}
		stored.ID = id
		if err := putJSON(runs, u64(id), &stored); err != nil {
			return fmt.Errorf("enforcement run %d: %w", id, err)
		}
		b, err := tx.Bucket(bucketRunResults).CreateBucket(u64(id))
		if err != nil {
			return fmt.Errorf("enforcement run %d: %w", id, err)
		}
		if err := b.Put(keyResultsHeader, header); err != nil {
			return err
		}
		for c, v := range chunks {
			if err := b.Put(resultsChunkKey(uint32(c)), v); err != nil {
				return fmt.Errorf("enforcement run %d: %w", id, err)
			}
		}
		return pruneRuns(tx, id)
	})
	if err != nil {
		return nil, err
	}
	return &stored, nil
}

// pruneRuns drops the results of runs before the KeptRuns newest (newest
// is the latest id), except those that may yet be resumed: running,
// interrupted or cancelled, while their evaluation keeps its plan.
func pruneRuns(tx *bolt.Tx, newest uint64) error {
	if newest <= KeptRuns {
		return nil
	}
	last := newest - KeptRuns
	results := tx.Bucket(bucketRunResults)
	var old []uint64
	c := results.Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= last; k, _ = c.Next() {
		id := binary.BigEndian.Uint64(k)
		run, err := getEnforcementRun(tx, id)
		if err != nil {
			return err
		}
		if !resumable(tx, run) {
			old = append(old, id)
		}
	}
	for _, id := range old {
		if err := results.DeleteBucket(u64(id)); err != nil {
			return fmt.Errorf("drop the results of enforcement run %d: %w", id, err)
		}
	}
	return nil
}

// resumable reports whether a run may yet be resumed, or has actions that
// wait for approval.
func resumable(tx *bolt.Tx, run *engine.EnforcementRun) bool {
	switch run.Status {
	case engine.RunRunning, engine.RunInterrupted, engine.RunCanceled:
	default:
		if run.Counts[engine.OutcomeBlocked] == 0 {
			return false
		}
	}
	info, err := getEvaluationInfo(tx, run.Evaluation)
	return err == nil && !info.Pruned
}

func getEnforcementRun(tx *bolt.Tx, id uint64) (*engine.EnforcementRun, error) {
	raw := tx.Bucket(bucketRuns).Get(u64(id))
	if raw == nil {
		return nil, engine.Errorf(engine.NotFound, "there is no enforcement run %d", id)
	}
	run := &engine.EnforcementRun{}
	if err := json.Unmarshal(raw, run); err != nil {
		return nil, engine.Errorf(engine.Internal, "enforcement run %d in the workspace store is unreadable: %v", id, err)
	}
	return run, nil
}

// RecordResults, in one transaction, replaces results of a run (by their
// Index; of two for one action the later wins), applies the ledger changes
// in order (counting a new ledger version when there are any) and appends
// the audit entries, numbered and chained. It returns NotFound for an
// unknown run, Conflict for one whose results are no longer kept, and
// Invalid for a result of an action the run does not have or an invalid
// ledger entry; then nothing is changed. It modifies none of its
// arguments.
func (s *Store) RecordResults(ctx context.Context, run uint64, results []engine.ActionResult, ledger []engine.LedgerChange, audit []engine.AuditEntry) error {
	sorted := slices.Clone(results)
	slices.SortStableFunc(sorted, func(a, b engine.ActionResult) int { return cmp.Compare(a.Index, b.Index) })
	return s.update(ctx, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketRuns).Get(u64(run)) == nil {
			return engine.Errorf(engine.NotFound, "there is no enforcement run %d", run)
		}
		if len(sorted) > 0 {
			if err := replaceResults(tx, run, sorted); err != nil {
				return err
			}
		}
		if err := applyLedgerChanges(tx, ledger); err != nil {
			return err
		}
		return appendAudit(tx, audit)
	})
}

// replaceResults writes results, sorted by index, into the chunks of a
// run's results.
func replaceResults(tx *bolt.Tx, run uint64, results []engine.ActionResult) error {
	b := tx.Bucket(bucketRunResults).Bucket(u64(run))
	if b == nil {
		return engine.Errorf(engine.Conflict, "the results of enforcement run %d are no longer kept: only the newest %d runs keep theirs", run, KeptRuns)
	}
	n, err := readResultsHeader(b, run)
	if err != nil {
		return err
	}
	if i := results[0].Index; i < 0 {
		return engine.Errorf(engine.Invalid, "enforcement run %d has no action %d", run, i)
	}
	if i := results[len(results)-1].Index; i >= n {
		return engine.Errorf(engine.Invalid, "enforcement run %d has no action %d: its plan has %d actions", run, i, n)
	}
	chunk := make([]engine.ActionResult, resultsPerChunk)
	for len(results) > 0 {
		c := results[0].Index / resultsPerChunk
		j := 1
		for j < len(results) && results[j].Index/resultsPerChunk == c {
			j++
		}
		key := resultsChunkKey(uint32(c))
		out := chunk[:chunkLen(c, n)]
		if err := decodeResults(b.Get(key), c*resultsPerChunk, out); err != nil {
			return engine.Errorf(engine.Internal, "the results of enforcement run %d in the workspace store are corrupt: chunk %d: %v", run, c, err)
		}
		for _, r := range results[:j] {
			out[r.Index-c*resultsPerChunk] = r
		}
		if err := b.Put(key, appendResults(nil, out)); err != nil {
			return err
		}
		results = results[j:]
	}
	return nil
}

// UpdateRun replaces the stored run with the same ID: its status, counts,
// breaches, message and the rest. It returns NotFound for an unknown run.
func (s *Store) UpdateRun(ctx context.Context, run *engine.EnforcementRun) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		runs := tx.Bucket(bucketRuns)
		if runs.Get(u64(run.ID)) == nil {
			return engine.Errorf(engine.NotFound, "there is no enforcement run %d", run.ID)
		}
		if err := putJSON(runs, u64(run.ID), run); err != nil {
			return fmt.Errorf("enforcement run %d: %w", run.ID, err)
		}
		return nil
	})
}

// FindRun returns a run and its results, by action index; id 0 means the
// latest. A run whose results are no longer kept (see KeptRuns) comes with
// none.
func (s *Store) FindRun(ctx context.Context, id uint64) (*engine.EnforcementRun, []engine.ActionResult, error) {
	var run *engine.EnforcementRun
	var results []engine.ActionResult
	err := s.view(func(tx *bolt.Tx) error {
		if id == 0 {
			k, _ := tx.Bucket(bucketRuns).Cursor().Last()
			if k == nil {
				return engine.Errorf(engine.NotFound, "there is no enforcement run yet")
			}
			id = binary.BigEndian.Uint64(k)
		}
		var err error
		if run, err = getEnforcementRun(tx, id); err != nil {
			return err
		}
		b := tx.Bucket(bucketRunResults).Bucket(u64(id))
		if b == nil {
			return nil
		}
		n, err := readResultsHeader(b, id)
		if err != nil || n == 0 {
			return err
		}
		results = make([]engine.ActionResult, n)
		for c := 0; c*resultsPerChunk < n; c++ {
			if c%64 == 63 {
				if err := engine.CheckCanceled(ctx); err != nil {
					return err
				}
			}
			v := b.Get(resultsChunkKey(uint32(c)))
			if v == nil {
				return engine.Errorf(engine.Internal, "the results of enforcement run %d in the workspace store are corrupt: chunk %d is missing", id, c)
			}
			if err := decodeResults(v, c*resultsPerChunk, results[c*resultsPerChunk:c*resultsPerChunk+chunkLen(c, n)]); err != nil {
				return engine.Errorf(engine.Internal, "the results of enforcement run %d in the workspace store are corrupt: chunk %d: %v", id, c, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return run, results, nil
}

// ListRuns returns every run, newest first.
func (s *Store) ListRuns(ctx context.Context) ([]engine.EnforcementRun, error) {
	var out []engine.EnforcementRun
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRuns).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var run engine.EnforcementRun
			if err := json.Unmarshal(v, &run); err != nil {
				return engine.Errorf(engine.Internal, "enforcement run %d in the workspace store is unreadable: %v", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, run)
		}
		return nil
	})
	return out, err
}
