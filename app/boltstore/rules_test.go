package boltstore

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// openVersion1 opens the store of dir as version 1 of this package left
// it: only the first migration has run.
func openVersion1(t *testing.T, dir string) *Store { return openVersion(t, dir, 1) }

// openVersion opens the store of dir as version v of this package left
// it: only the first v migrations have run.
func openVersion(t *testing.T, dir string, v int) *Store {
	t.Helper()
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	s := &Store{db: db, path: path}
	require.NoError(t, s.migrate(migrations[:v]))
	require.Equal(t, v, storedVersion(t, s))
	return s
}

func TestOpenUpgradesAVersion1Workspace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old := openVersion1(t, dir)
	cfg := engine.DefaultConfig()
	cfg.SourceSystems = []engine.SourceSystem{{Key: "hr", Name: "HR", Kind: "csv"}}
	require.NoError(t, old.SaveConfig(ctx, cfg))
	_, snap, err := old.CommitImport(ctx, firstImport("hr", 50))
	require.NoError(t, err)
	require.NoError(t, old.db.View(func(tx *bolt.Tx) error {
		assert.Nil(t, tx.Bucket(bucketRules), "version 1 has no rules")
		return nil
	}))
	checkConsistency(t, old)
	require.NoError(t, old.Close())

	s := newStoreIn(t, dir)
	require.Equal(t, SchemaVersion, storedVersion(t, s))
	require.Equal(t, 4, SchemaVersion)
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketRules, bucketLedger, bucketEvaluations, bucketEvaluationPlans, bucketRuns, bucketRunResults, bucketAudit, bucketAuditMarks, bucketTargetAccounts} {
			assert.NotNil(t, tx.Bucket(b), "bucket %s", b)
		}
		return nil
	}))
	got, err := s.LoadConfig(ctx)
	require.NoError(t, err)
	require.Equal(t, cfg, got, "the configuration survives the upgrade")
	latest, err := s.FindSnapshot(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, snap, latest, "the snapshot survives the upgrade")
	idx, err := s.SnapshotIndex(ctx, latest.Number)
	require.NoError(t, err)
	require.Len(t, idx.Entries, 50)

	rules, err := s.ListRules(ctx)
	require.NoError(t, err)
	require.Empty(t, rules)
	v, err := s.RulesVersion(ctx)
	require.NoError(t, err)
	require.Zero(t, v)
	l, err := s.LoadLedger(ctx)
	require.NoError(t, err)
	require.Empty(t, l.Entries)
	_, err = s.FindEvaluation(ctx, 0)
	require.True(t, engine.IsCode(err, engine.NotFound), "got %v", err)
	r := engine.Rule{Draft: &engine.RuleBody{Name: "First"}}
	require.NoError(t, s.SaveRule(ctx, &r), "the upgraded workspace takes rules")
}

// newStoreIn opens the store of dir and closes it when the test ends,
// after checking its consistency.
func newStoreIn(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	require.NoError(t, err)
	t.Cleanup(func() {
		checkConsistency(t, s)
		require.NoError(t, s.Close())
	})
	return s
}

func TestSaveRuleNumbersNewRulesFromASequence(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	chosen := engine.Rule{ID: "r2", Draft: &engine.RuleBody{Name: "Chosen"}}
	require.NoError(t, s.SaveRule(ctx, &chosen))
	var ids []string
	for range 3 {
		r := engine.Rule{Draft: &engine.RuleBody{Name: "New"}}
		require.NoError(t, s.SaveRule(ctx, &r))
		ids = append(ids, r.ID)
	}
	require.Equal(t, []string{"r3", "r4", "r5"}, ids, "r2 was given, so the sequence passes it")

	require.NoError(t, s.ReplaceRules(ctx, []engine.Rule{{Draft: &engine.RuleBody{Name: "Imported"}}}))
	rules, err := s.ListRules(ctx)
	require.NoError(t, err)
	require.Len(t, rules, 1)
	require.Equal(t, "r6", rules[0].ID, "ReplaceRules carries the sequence over")

	// an imported rule may hold the id the sequence gives next
	require.NoError(t, s.ReplaceRules(ctx, []engine.Rule{{Draft: &engine.RuleBody{Name: "New"}}, {ID: "r9", Draft: &engine.RuleBody{Name: "Nine"}}}))
	rules, err = s.ListRules(ctx)
	require.NoError(t, err)
	require.Len(t, rules, 2, "no rule replaced another")
	require.Equal(t, "r9", rules[0].ID)
	require.Equal(t, "Nine", rules[0].Draft.Name)
	require.Equal(t, "r10", rules[1].ID, "the imported r9 moved the sequence past it")
}

func TestADeletedRulesIDIsNeverGivenAgain(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	// ids chosen by an import, as the demo's are
	require.NoError(t, s.ReplaceRules(ctx, []engine.Rule{
		{ID: "r1", Draft: &engine.RuleBody{Name: "One"}},
		{ID: "r6", Draft: &engine.RuleBody{Name: "Six"}},
	}))
	require.NoError(t, s.DeleteRule(ctx, "r6", false))

	r := engine.Rule{Draft: &engine.RuleBody{Name: "New"}}
	require.NoError(t, s.SaveRule(ctx, &r))

	assert.Equal(t, "r7", r.ID, "r6 granted things the ledger remembers: a new rule must not inherit them")
}

func TestSaveRuleSetsNothingButTheID(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	r := engine.Rule{Draft: &engine.RuleBody{Name: "Untimed"}}
	require.NoError(t, s.SaveRule(ctx, &r))
	rules, err := s.ListRules(ctx)
	require.NoError(t, err)
	require.Equal(t, []engine.Rule{r}, rules)
	require.True(t, rules[0].UpdatedAt.IsZero(), "the caller sets UpdatedAt")
}

func TestSaveRuleRefusesACancelledContext(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := engine.Rule{Draft: &engine.RuleBody{Name: "Late"}}
	err := s.SaveRule(ctx, &r)
	require.True(t, engine.IsCode(err, engine.Canceled), "got %v", err)
	require.Empty(t, r.ID, "a rule that was not saved gets no id")
	v, err := s.RulesVersion(context.Background())
	require.NoError(t, err)
	require.Zero(t, v)
}

func TestCorruptRulesAreInternalErrors(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketRules).Put([]byte("r1"), []byte("{not json")); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyRulesVersion, []byte{1, 2, 3})
	}))
	_, err := s.ListRules(ctx)
	require.True(t, engine.IsCode(err, engine.Internal), "got %v", err)
	require.Contains(t, err.Error(), `rule "r1"`)
	_, err = s.RulesVersion(ctx)
	require.True(t, engine.IsCode(err, engine.Internal), "got %v", err)
	r := engine.Rule{ID: "r2"}
	require.True(t, engine.IsCode(s.SaveRule(ctx, &r), engine.Internal), "a corrupt version stops the save")
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Delete(keyRulesVersion); err != nil {
			return err
		}
		return tx.Bucket(bucketRules).Delete([]byte("r1"))
	}))
}

func TestCompareNatural(t *testing.T) {
	want := []string{"", "1", "2", "10", "a", "r", "r0", "r01", "r1", "r1a", "r1b", "r2", "r02b", "r9", "r10", "r10a", "r99", "r100", "r18446744073709551616", "rule", "s"}
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortFunc(got, compareNatural)
	require.Equal(t, want, got)
	for _, s := range want {
		require.Zero(t, compareNatural(s, s), s)
	}
}

func TestWriteLedgerUpsertsAndLoadLedgerOrders(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := newStoreIn(t, dir)
	at := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	key := func(target string, kind engine.EntitlementKind, name string) engine.EntitlementKey {
		return engine.EntitlementKey{Target: target, Kind: kind, Name: name}
	}
	entries := []engine.LedgerEntry{
		{Person: "hr:10", Key: key("ad", engine.KindAccount, ""), Reference: "CN=Ten", Rules: []string{"r1"}, GrantedAt: at},
		{Person: "hr:2", Key: key("google", engine.KindCustom, "licence"), Rules: []string{"r3"}},
		{Person: "hr:2", Key: key("ad", engine.KindPermission, "GRP-B"), Rules: []string{"r2", "r1"}},
		{Person: "hr:2", Key: key("ad", engine.KindPermission, "GRP-A"), Rules: []string{"r2"}},
		{Person: "hr:2", Key: key("ad", engine.KindAccess, ""), Rules: []string{"r1"}},
		{Person: "hr:2", Key: key("ad", engine.KindAccount, ""), Reference: "CN=Twee, OU=Zürich", Rules: []string{"r1"}, GrantedAt: at},
		{Person: "hr:1", Key: key("ad", engine.KindAccount, ""), Unmanaged: true},
	}
	require.NoError(t, s.WriteLedger(ctx, entries))
	// by person (as strings), then target, kind in the engine's order and name
	want := []engine.LedgerEntry{entries[6], entries[0], entries[5], entries[4], entries[3], entries[2], entries[1]}
	l, err := s.LoadLedger(ctx)
	require.NoError(t, err)
	require.Equal(t, want, l.Entries)

	changed := entries[3]
	changed.Rules = []string{"r2", "r7"}
	changed.GrantedAt = at
	require.NoError(t, s.WriteLedger(ctx, []engine.LedgerEntry{changed}))
	want[4] = changed
	l, err = s.LoadLedger(ctx)
	require.NoError(t, err)
	require.Equal(t, want, l.Entries, "an entry for the same person and entitlement replaces the old one")
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketLedger).Get([]byte("hr:2\x00ad\x00permission\x00GRP-A"))
		assert.NotNil(t, raw, "keys are person, target, kind and name joined with a 0 byte")
		return nil
	}))

	for _, bad := range []engine.LedgerEntry{
		{Person: "hr:1\x00x", Key: key("ad", engine.KindAccount, "")},
		{Person: "hr:1", Key: key("ad", engine.KindPermission, "a\x00b")},
		{Person: "", Key: key("ad", engine.KindAccount, "")},
		{Person: "hr:1", Key: key("", engine.KindAccount, "")},
	} {
		err := s.WriteLedger(ctx, []engine.LedgerEntry{{Person: "hr:99", Key: key("ad", engine.KindAccount, "")}, bad})
		require.True(t, engine.IsCode(err, engine.Invalid), "%+v: got %v", bad, err)
	}
	l, err = s.LoadLedger(ctx)
	require.NoError(t, err)
	require.Equal(t, want, l.Entries, "a refused write writes nothing")
}

func TestDeleteRuleKeepingGrantsChangesOnlyTheEntriesNamingIt(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var entries []engine.LedgerEntry
	for i := range 1000 {
		rules := []string{"r1"}
		if i%10 == 0 {
			rules = []string{"r11", "r12", "r111"} // names that contain "r1"
		}
		entries = append(entries, engine.LedgerEntry{Person: fmt.Sprintf("hr:%d", i), Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}, Rules: rules})
	}
	require.NoError(t, s.WriteLedger(ctx, entries))
	require.NoError(t, s.SaveRule(ctx, &engine.Rule{ID: "r1"}))
	require.NoError(t, s.DeleteRule(ctx, "r1", true))
	l, err := s.LoadLedger(ctx)
	require.NoError(t, err)
	unmanaged := 0
	for _, e := range l.Entries {
		if e.Unmanaged {
			unmanaged++
			require.Nil(t, e.Rules)
		} else {
			require.Equal(t, []string{"r11", "r12", "r111"}, e.Rules)
		}
	}
	require.Equal(t, 900, unmanaged)
}
