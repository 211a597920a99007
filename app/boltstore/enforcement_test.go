package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

func TestOpenUpgradesAVersion2WorkspaceAndItsJSONLedger(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old := openVersion(t, dir, 2)
	at := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	entries := []engine.LedgerEntry{
		{Person: "hr:1", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}, Reference: "CN=Eén,OU=Zürich", Rules: []string{"r1"}, GrantedAt: at},
		{Person: "hr:1", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccess}, Rules: []string{"r1"}, GrantedAt: at.In(time.FixedZone("", 3600))},
		{Person: "hr:2", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "GRP-A"}, Unmanaged: true},
	}
	// as version 2 stored them: JSON by key
	require.NoError(t, old.db.Update(func(tx *bolt.Tx) error {
		for i := range entries {
			k, err := ledgerKey(&entries[i])
			if err != nil {
				return err
			}
			if err := putJSON(tx.Bucket(bucketLedger), k, &entries[i]); err != nil {
				return err
			}
		}
		return nil
	}))
	info, err := old.SaveEvaluation(ctx, realisticEvaluation(5))
	require.NoError(t, err)
	checkConsistency(t, old)
	require.NoError(t, old.Close())

	s := newStoreIn(t, dir)
	require.Equal(t, SchemaVersion, storedVersion(t, s))
	l, err := s.LoadLedger(ctx)
	require.NoError(t, err)
	require.Equal(t, entries, l.Entries, "the ledger survives the upgrade")
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLedger).ForEach(func(k, v []byte) error {
			assert.Equal(t, byte(ledgerFormat), v[0], "entry %q is rewritten in binary", k)
			return nil
		})
	}))
	v, err := s.LedgerVersion(ctx)
	require.NoError(t, err)
	require.Zero(t, v)
	e, err := s.FindEvaluation(ctx, info.ID)
	require.NoError(t, err)
	require.Len(t, e.Actions, len(realisticEvaluation(5).Actions), "evaluations survive the upgrade")
	runs, err := s.ListRuns(ctx)
	require.NoError(t, err)
	require.Empty(t, runs)
	n, err := s.VerifyAudit(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestFormat1PlansStillRead(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	e := realisticEvaluation(50) // no operations, references or changes, as format 1 had
	info, err := s.SaveEvaluation(ctx, e)
	require.NoError(t, err)
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEvaluationPlans).Bucket(u64(info.ID))
		h := slices.Clone(b.Get(keyPlanHeader))
		require.Equal(t, byte(2), h[0])
		h[0] = 1
		return b.Put(keyPlanHeader, h)
	}))
	got, err := s.FindEvaluation(ctx, info.ID)
	require.NoError(t, err)
	want := *e
	want.ID = info.ID
	require.Equal(t, &want, got)
}

func TestPlansWithOperationsStayCompact(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	e := realisticEvaluation(30_000)
	withOps(e)
	info, err := s.SaveEvaluation(ctx, e)
	require.NoError(t, err)
	size := 0
	planBucket(t, s, info.ID, func(b *bolt.Bucket) {
		require.NoError(t, b.ForEach(func(k, v []byte) error { size += len(v); return nil }))
	})
	perAction := float64(size) / float64(len(e.Actions))
	t.Logf("%d actions with operations, references and changes: %.1f bytes an action", len(e.Actions), perAction)
	assert.Less(t, perAction, 40.0)
	got, err := s.FindEvaluation(ctx, info.ID)
	require.NoError(t, err)
	want := *e
	want.ID = info.ID
	require.Equal(t, &want, got)
}

// withOps gives a realistic evaluation's actions what the engine now
// plans: the operation, and for an account's create its attributes; the
// directory's account reference once it has one.
func withOps(e *engine.Evaluation) {
	for i := range e.Actions {
		a := &e.Actions[i]
		switch a.Key.Kind {
		case engine.KindAccount:
			a.Op = engine.OpCreate
			login := "u" + a.Person[3:]
			a.Changes = []engine.AttributeChange{
				{Attribute: "sAMAccountName", New: login},
				{Attribute: "userPrincipalName", New: login + "@example.org"},
				{Attribute: "displayName", New: a.PersonName},
				{Attribute: "employeeID", New: a.Person[3:]},
			}
		case engine.KindAccess:
			a.Op = engine.OpEnable
		default:
			a.Op = engine.OpGrant
			if a.Key.Target == "google" {
				a.Ref = "u" + a.Person[3:] + "@example.org"
			}
		}
	}
}

func TestTimesReadBackAsJSONReadsThem(t *testing.T) {
	base := time.Date(2026, time.March, 29, 1, 30, 15, 123456789, time.UTC)
	for _, tc := range []time.Time{
		{},
		base,
		base.Local(),
		time.Now(), // with a monotonic reading
		base.In(time.FixedZone("CEST", 2*3600)),
		base.In(time.FixedZone("", -(9*3600 + 30*60))),
		time.Date(1901, time.January, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, time.December, 31, 23, 59, 59, 999999999, time.UTC),
	} {
		raw, err := json.Marshal(tc)
		require.NoError(t, err)
		var viaJSON time.Time
		require.NoError(t, json.Unmarshal(raw, &viaJSON))
		r := &planReader{b: appendTime(nil, tc)}
		got := r.time()
		require.NoError(t, r.end())
		require.Equal(t, viaJSON, got, "%v", tc)
		require.True(t, tc.Equal(got))
	}
	r := &planReader{b: []byte{9}}
	r.time()
	require.ErrorContains(t, r.err, "unknown time tag")
}

func TestLedgerValuesAreBinaryAndCorruptOnesNamed(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	e := engine.LedgerEntry{Person: "hr:1", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}, Reference: "CN=One", Rules: []string{"r1"},
		GrantedAt: time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC), Attributes: engine.Attributes{"mail": "one@example.org"}}
	require.NoError(t, s.WriteLedger(ctx, []engine.LedgerEntry{e}))
	k, err := ledgerKey(&e)
	require.NoError(t, err)
	var size int
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		size = len(tx.Bucket(bucketLedger).Get(k))
		return nil
	}))
	raw, err := json.Marshal(&e)
	require.NoError(t, err)
	t.Logf("an account entry takes %d bytes; as JSON %d", size, len(raw))
	assert.Less(t, size, len(raw)/3)

	for _, v := range [][]byte{[]byte(`{"person":"hr:1"}`), {ledgerFormat, ledgerRules, 5}, append(appendLedgerValue(nil, &e), 0)} {
		require.NoError(t, s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketLedger).Put(k, v) }))
		_, err = s.LoadLedger(ctx)
		require.True(t, engine.IsCode(err, engine.Internal), "got %v", err)
		require.Contains(t, err.Error(), `ledger entry "hr:1 ad account `)
	}
	require.NoError(t, s.WriteLedger(ctx, []engine.LedgerEntry{e}))
}

func TestLoadLedgerOrdersManyPersons(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var entries []engine.LedgerEntry
	realisticLedger(3000, 7000, func(batch []engine.LedgerEntry) { entries = append(entries, batch...) })
	entries = append(entries, engine.LedgerEntry{Person: "hr:100007", Key: engine.EntitlementKey{Target: "t00", Kind: engine.KindCustom, Name: "licence"}})
	entries = append(entries, engine.LedgerEntry{Person: "hr:100007", Key: engine.EntitlementKey{Target: "t00", Kind: "role", Name: "Approver"}})
	require.Greater(t, len(entries), 2*ledgerBatchSize, "more than one batch")
	shuffled := slices.Clone(entries)
	for i := range shuffled {
		j := (i * 7919) % len(shuffled)
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	require.NoError(t, s.WriteLedger(ctx, shuffled))
	l, err := s.LoadLedger(ctx)
	require.NoError(t, err)
	want := slices.Clone(entries)
	slices.SortStableFunc(want, func(a, b engine.LedgerEntry) int {
		if a.Person != b.Person {
			if a.Person < b.Person {
				return -1
			}
			return 1
		}
		switch {
		case a.Key.Less(b.Key):
			return -1
		case b.Key.Less(a.Key):
			return 1
		}
		return 0
	})
	require.Equal(t, want, l.Entries)

	// no two entries share memory a caller might change
	l.Entries[0].Rules[0] = "changed"
	l.Entries[0].Attributes["mail"] = "changed"
	again, err := s.LoadLedger(ctx)
	require.NoError(t, err)
	require.Equal(t, want, again.Entries)
	require.Equal(t, want[1].Rules, l.Entries[1].Rules)
}

func TestReadLedgerPackedHoldsWhatLoadLedgerDoes(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var entries []engine.LedgerEntry
	realisticLedger(3000, 7000, func(batch []engine.LedgerEntry) { entries = append(entries, batch...) })
	// attribute names other accounts do not have, and an empty value
	entries = append(entries, engine.LedgerEntry{Person: "hr:100007", Key: engine.EntitlementKey{Target: "t00", Kind: engine.KindAccount},
		Attributes: engine.Attributes{"cn": "Odd One", "extra": "", "x-attr": "ÿ"}})
	require.NoError(t, s.WriteLedger(ctx, entries))
	want, err := s.LoadLedger(ctx)
	require.NoError(t, err)
	// the batches come in any order, each person's entries in order
	byPerson := map[string][]engine.LedgerEntry{}
	require.NoError(t, s.ReadLedgerPacked(ctx, func(batch []engine.LedgerEntry) error {
		for _, e := range batch {
			byPerson[e.Person] = append(byPerson[e.Person], e)
		}
		return nil
	}))
	var got []engine.LedgerEntry
	for _, e := range want.Entries {
		if list := byPerson[e.Person]; list != nil {
			got = append(got, list...)
			delete(byPerson, e.Person)
		}
	}
	require.Len(t, got, len(want.Entries))
	packed := 0
	for i := range got {
		g, w := got[i], want.Entries[i]
		require.Nil(t, g.Attributes, "entry %d", i)
		if len(w.Attributes) > 0 {
			packed++
			require.Equal(t, len(w.Attributes), g.Packed.Len(), "entry %d", i)
			for name, v := range w.Attributes {
				pv, ok := g.Packed.Get(name)
				require.True(t, ok, "entry %d: %s", i, name)
				require.Equal(t, v, pv, "entry %d: %s", i, name)
			}
			require.Equal(t, w.Attributes, g.AttributesOf(), "entry %d", i)
		} else {
			require.Nil(t, g.Packed, "entry %d", i)
		}
		g.Packed, w.Attributes = nil, nil
		require.Equal(t, w, g, "entry %d", i)
	}
	require.Greater(t, packed, 1000)
}

func TestDeleteRuleKeepingGrantsCountsALedgerVersion(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.WriteLedger(ctx, []engine.LedgerEntry{{Person: "hr:1", Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}, Rules: []string{"r1"}}}))
	for _, id := range []string{"r1", "r2"} {
		require.NoError(t, s.SaveRule(ctx, &engine.Rule{ID: id}))
	}
	version := func() uint64 {
		v, err := s.LedgerVersion(ctx)
		require.NoError(t, err)
		return v
	}
	require.Equal(t, uint64(1), version())
	require.NoError(t, s.DeleteRule(ctx, "r2", true))
	require.Equal(t, uint64(1), version(), "a rule that granted nothing changes no ledger")
	require.NoError(t, s.DeleteRule(ctx, "r1", true))
	require.Equal(t, uint64(2), version(), "its entries became unmanaged")
}

// auditRun starts a run and records n audit entries for it, in batches.
func auditRun(t *testing.T, s *Store, n int) uint64 {
	t.Helper()
	ctx := context.Background()
	run, err := s.StartRun(ctx, &engine.EnforcementRun{StartedAt: time.Now()}, []engine.ActionResult{{}})
	require.NoError(t, err)
	at := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	var batch []engine.AuditEntry
	for i := range n {
		batch = append(batch, engine.AuditEntry{At: at.Add(time.Duration(i) * time.Second), Run: run.ID, Person: fmt.Sprintf("hr:%d", i), Target: "ad",
			Op: engine.OpGrant, Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "GRP"}, Outcome: engine.OutcomeDone})
		if len(batch) == 4 || i == n-1 {
			require.NoError(t, s.RecordResults(ctx, run.ID, nil, nil, batch))
			batch = nil
		}
	}
	return run.ID
}

// tamperAudit changes the stored entries through bbolt.
func tamperAudit(t *testing.T, s *Store, fn func(b *bolt.Bucket)) {
	t.Helper()
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		fn(tx.Bucket(bucketAudit))
		return nil
	}))
}

func getAudit(t *testing.T, b *bolt.Bucket, seq uint64) engine.AuditEntry {
	t.Helper()
	var e engine.AuditEntry
	require.NoError(t, json.Unmarshal(b.Get(u64(seq)), &e))
	return e
}

func putAudit(t *testing.T, b *bolt.Bucket, e engine.AuditEntry) {
	t.Helper()
	raw, err := json.Marshal(&e)
	require.NoError(t, err)
	require.NoError(t, b.Put(u64(e.Seq), raw))
}

func TestAuditEntriesAreStoredAsTheirJSONWithTheHash(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	run, err := s.StartRun(ctx, &engine.EnforcementRun{StartedAt: time.Now()}, []engine.ActionResult{{}})
	require.NoError(t, err)
	at := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	require.NoError(t, s.RecordResults(ctx, run.ID, nil, nil, []engine.AuditEntry{
		{At: at, Run: run.ID, Person: "hr:1", PersonName: `Zoë "Z" <O'Neil> & co`, Target: "ad", Op: engine.OpCreate,
			Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}, Ref: `CN=Zoë\, O'Neil,OU=Users`,
			Changes: []engine.AttributeChange{{Attribute: "description", New: "line 1\nline 2\u2028\t"}}, Outcome: engine.OutcomeDone},
		{At: at, Run: run.ID, Person: "hr:2", Target: "ad", Op: engine.OpGrant, Outcome: engine.OutcomeFailed, Error: `refused: "no"`,
			Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "GRP"}},
	}))
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		for seq := uint64(1); seq <= 2; seq++ {
			raw := tx.Bucket(bucketAudit).Get(u64(seq))
			var e engine.AuditEntry
			require.NoError(t, json.Unmarshal(raw, &e))
			assert.Equal(t, e.ComputeHash(), e.Hash, "entry %d", seq)
			want, err := json.Marshal(&e)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(raw), "entry %d is stored as its JSON", seq)
		}
		return nil
	}))
	n, err := s.VerifyAudit(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}

func TestVerifyAuditNamesTheTamperedEntry(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, b *bolt.Bucket)
		passed int
		want   string
	}{
		{"ContentChanged", func(t *testing.T, b *bolt.Bucket) {
			e := getAudit(t, b, 6)
			e.Outcome, e.Error = engine.OutcomeFailed, "it never happened"
			putAudit(t, b, e)
		}, 5, "audit entry 6 was changed: its hash does not match its content"},
		{"ContentAndHashChanged", func(t *testing.T, b *bolt.Bucket) {
			e := getAudit(t, b, 6)
			e.Person = "hr:someone-else"
			e.Hash = e.ComputeHash()
			putAudit(t, b, e)
		}, 6, "audit entry 7 does not follow entry 6"},
		{"NumberChanged", func(t *testing.T, b *bolt.Bucket) {
			e := getAudit(t, b, 6)
			e.Seq = 60
			e.Hash = e.ComputeHash()
			raw, _ := json.Marshal(&e)
			require.NoError(t, b.Put(u64(6), raw))
		}, 5, "audit entry 6 was changed: it says it is entry 60"},
		{"NotJSON", func(t *testing.T, b *bolt.Bucket) {
			require.NoError(t, b.Put(u64(3), []byte("{garbage")))
		}, 2, "audit entry 3 was changed"},
		{"FirstEntryGivenAPredecessor", func(t *testing.T, b *bolt.Bucket) {
			e := getAudit(t, b, 1)
			e.Prev = "0000"
			e.Hash = e.ComputeHash()
			putAudit(t, b, e)
		}, 0, "audit entry 1 was changed"},
		{"EntryRemoved", func(t *testing.T, b *bolt.Bucket) {
			require.NoError(t, b.Delete(u64(4)))
		}, 3, "audit entry 4 is missing"},
		{"EntriesRemoved", func(t *testing.T, b *bolt.Bucket) {
			require.NoError(t, b.Delete(u64(1)))
			require.NoError(t, b.Delete(u64(2)))
		}, 0, "audit entries 1 to 2 are missing"},
		{"LastEntriesRemoved", func(t *testing.T, b *bolt.Bucket) {
			require.NoError(t, b.Delete(u64(10)))
			require.NoError(t, b.Delete(u64(9)))
		}, 8, "audit entries 9 to 10 are missing from the end of the log"},
		{"LastEntryReplaced", func(t *testing.T, b *bolt.Bucket) {
			e := getAudit(t, b, 10)
			e.Error = "rewritten"
			e.Hash = e.ComputeHash()
			putAudit(t, b, e)
		}, 10, "audit entry 10 was replaced"},
		{"EntryAdded", func(t *testing.T, b *bolt.Bucket) {
			e := getAudit(t, b, 10)
			e.Seq, e.Prev = 11, e.Hash
			e.Hash = e.ComputeHash()
			putAudit(t, b, e)
		}, 11, "audit entries 11 to 11 were added"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t)
			auditRun(t, s, 10)
			n, err := s.VerifyAudit(ctx)
			require.NoError(t, err)
			require.Equal(t, 10, n)

			tamperAudit(t, s, func(b *bolt.Bucket) { tc.tamper(t, b) })
			n, err = s.VerifyAudit(ctx)
			require.True(t, engine.IsCode(err, engine.Invalid), "got %v", err)
			require.Contains(t, err.Error(), tc.want)
			require.Equal(t, tc.passed, n, "the entries before it passed")
		})
	}
}

func TestAuditMarksLetSinceStopEarly(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	auditRun(t, s, 2000)
	var marks int
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		marks = tx.Bucket(bucketAuditMarks).Stats().KeyN
		return nil
	}))
	assert.Equal(t, 500, marks, "a mark per batch whose entries are later than any before")
	at := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	got, err := s.ListAudit(ctx, engine.AuditFilter{Since: at.Add(1990 * time.Second)})
	require.NoError(t, err)
	require.Len(t, got, 10)
	require.Equal(t, "hr:1999", got[0].Person)
	require.Equal(t, "hr:1990", got[9].Person)
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		from, ok := auditFrom(tx, at.Add(1990*time.Second))
		require.True(t, ok)
		assert.Equal(t, uint64(1989), from, "the batch of entries 1989 to 1992 is the first that can have happened since")
		return nil
	}))
}

func TestRunResultsArePrunedAfterKeptRuns(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	results := make([]engine.ActionResult, 300)
	for i := range results {
		results[i].Index = i
	}
	plan, err := s.SaveEvaluation(ctx, realisticEvaluation(75))
	require.NoError(t, err)
	var runs []*engine.EnforcementRun
	for i := range KeptRuns + 6 {
		started := time.Date(2026, time.March, 2, 8, i, 0, 0, time.UTC)
		run, err := s.StartRun(ctx, &engine.EnforcementRun{Evaluation: plan.ID, StartedAt: started, Counts: map[engine.Outcome]int{engine.OutcomePending: 300}}, results)
		require.NoError(t, err)
		switch i {
		case 2: // still running: it may yet be resumed
		case 3:
			run.Status = engine.RunInterrupted
		case 4:
			run.Status = engine.RunCanceled
		case 5:
			run.Status, run.Evaluation = engine.RunCanceled, plan.ID+1 // of a plan no longer kept
		default:
			run.Status = engine.RunDone
		}
		require.NoError(t, s.UpdateRun(ctx, run))
		runs = append(runs, run)
	}
	for i, run := range runs {
		got, res, err := s.FindRun(ctx, run.ID)
		require.NoError(t, err)
		require.Equal(t, run, got, "run %d keeps its figures", run.ID)
		kept := i >= 6 || i >= 2 && i <= 4
		assert.Equal(t, kept, res != nil, "run %d has its results", run.ID)
		if !kept {
			err := s.RecordResults(ctx, run.ID, []engine.ActionResult{{Index: 1, Outcome: engine.OutcomeDone}}, nil, nil)
			require.True(t, engine.IsCode(err, engine.Conflict), "got %v", err)
			require.Contains(t, err.Error(), "no longer kept")
		}
	}
	require.NoError(t, s.RecordResults(ctx, runs[2].ID, []engine.ActionResult{{Index: 1, Outcome: engine.OutcomeDone}}, nil, nil))
}

func TestRunResultsAreCompact(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const n = 100_000
	results := make([]engine.ActionResult, n)
	for i := range results {
		results[i].Index = i
	}
	run, err := s.StartRun(ctx, &engine.EnforcementRun{}, results)
	require.NoError(t, err)
	size := func() int {
		total := 0
		require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRunResults).Bucket(u64(run.ID)).ForEach(func(k, v []byte) error { total += len(v); return nil })
		}))
		return total
	}
	pending := size()
	at := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	for from := 0; from < n; from += 256 {
		var batch []engine.ActionResult
		for i := from; i < min(from+256, n); i++ {
			// a person's four actions share their account's reference
			r := engine.ActionResult{Index: i, Outcome: engine.OutcomeDone, Ref: fmt.Sprintf("CN=Person %d,OU=Staff,DC=example,DC=org", i/4), Tries: 1, At: at.Add(time.Duration(i) * time.Millisecond)}
			if i%1000 == 7 {
				r.Outcome, r.Error, r.Tries = engine.OutcomeFailed, "the directory is busy (after 4 tries)", 4
			}
			if i%5000 == 9 {
				r.Outcome = "a newer outcome"
			}
			results[i] = r
			batch = append(batch, r)
		}
		require.NoError(t, s.RecordResults(ctx, run.ID, batch, nil, nil))
	}
	done := size()
	t.Logf("%d results: %.1f bytes a result pending, %.1f done", n, float64(pending)/n, float64(done)/n)
	assert.Less(t, float64(pending)/n, 1.1)
	assert.Less(t, float64(done)/n, 30.0)
	_, got, err := s.FindRun(ctx, run.ID)
	require.NoError(t, err)
	require.Equal(t, results, got)
}

func TestCorruptResultsAreInternalErrors(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	run, err := s.StartRun(ctx, &engine.EnforcementRun{}, make([]engine.ActionResult, 1))
	require.NoError(t, err)
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRunResults).Bucket(u64(run.ID)).Put(resultsChunkKey(0), []byte{resultRef})
	}))
	_, _, err = s.FindRun(ctx, run.ID)
	require.True(t, engine.IsCode(err, engine.Internal), "got %v", err)
	require.Contains(t, err.Error(), fmt.Sprintf("enforcement run %d", run.ID))
	err = s.RecordResults(ctx, run.ID, []engine.ActionResult{{Index: 0}}, nil, nil)
	require.True(t, engine.IsCode(err, engine.Internal), "got %v", err)
}

func TestTargetAccountsNeedATargetAndNameCorruption(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	err := s.SaveTargetAccounts(ctx, "", time.Now(), nil)
	require.True(t, engine.IsCode(err, engine.Invalid), "got %v", err)

	accounts := []engine.Account{{Ref: "CN=One", Enabled: true, Attributes: engine.Attributes{"mail": "one@example.org"}}}
	require.NoError(t, s.SaveTargetAccounts(ctx, "ad", time.Now(), accounts))
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTargetAccounts).Bucket([]byte("ad"))
		v := slices.Clone(b.Get(chunkKey('c', 0)))
		binary.BigEndian.PutUint32(v, 2)
		return b.Put(chunkKey('c', 0), v)
	}))
	_, _, err = s.LoadTargetAccounts(ctx, "ad")
	require.True(t, engine.IsCode(err, engine.Internal), "got %v", err)
	require.Contains(t, err.Error(), `target "ad"`)
}

func TestLargeTargetAccountsAreChunkedAndCompact(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	accounts := realisticAccounts(50_000)
	require.NoError(t, s.SaveTargetAccounts(ctx, "ad", time.Now(), accounts))
	var chunks, size int
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTargetAccounts).Bucket([]byte("ad")).ForEach(func(k, v []byte) error {
			size += len(v)
			if k[0] == 'c' {
				chunks++
				assert.LessOrEqual(t, len(v), 1<<20, "chunk %x", k)
			}
			return nil
		})
	}))
	t.Logf("%d accounts in %d chunks: %.1f bytes an account", len(accounts), chunks, float64(size)/float64(len(accounts)))
	assert.Greater(t, chunks, 1)
	assert.Less(t, float64(size)/float64(len(accounts)), 80.0)
	_, got, err := s.LoadTargetAccounts(ctx, "ad")
	require.NoError(t, err)
	require.Equal(t, accounts, got)
}

// realisticAccounts returns n accounts of a directory: a DN and four
// attributes each, a few disabled.
func realisticAccounts(n int) []engine.Account {
	given := []string{"Anna", "Bram", "Chloé", "Daan", "Eva", "Finn", "Grace", "Hugo", "Ilse", "Jörg"}
	family := []string{"de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Groß", "Çelik"}
	depts := []string{"ICT", "HR", "FIN", "OPS", "SALES", "LEGAL", "RND", "MKT"}
	out := make([]engine.Account, n)
	for i := range out {
		g, f := given[i%len(given)], family[i/len(given)%len(family)]
		login := fmt.Sprintf("%s%d", g[:1]+f[:3], 100000+i)
		out[i] = engine.Account{
			Ref:     fmt.Sprintf("CN=%s %s (%d),OU=%s,OU=Staff,DC=example,DC=org", g, f, 100000+i, depts[i%len(depts)]),
			Enabled: i%20 != 0,
			Attributes: engine.Attributes{
				"sAMAccountName": login,
				"mail":           login + "@example.org",
				"displayName":    g + " " + f,
				"employeeID":     fmt.Sprint(100000 + i),
			},
		}
	}
	return out
}
