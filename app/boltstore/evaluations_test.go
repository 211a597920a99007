package boltstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// realisticEvaluation returns a first evaluation of persons persons, as
// the engine makes one for a new workspace: everyone gets an account, its
// access and a department group in ad; every third person also a mailing
// list in google. That is 3 or 4 actions a person (a million for 300,000
// persons), each with one reason naming a rule and a contract.
func realisticEvaluation(persons int) *engine.Evaluation {
	at := time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)
	e := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{
		CreatedAt: at, AsOf: engine.DateOf(at), Snapshot: 1, RulesVersion: 1000,
		Persons: persons, Evaluated: persons, RuleMatches: map[string]int{}, Duration: 9 * time.Second,
	}}
	e.Actions = make([]engine.Action, 0, persons*10/3+1)
	depts := []string{"ICT", "HR", "FIN", "OPS", "SALES", "LEGAL", "RND", "MKT"}
	given := []string{"Anna", "Bram", "Chloé", "Daan", "Eva", "Finn", "Grace", "Hugo", "Ilse", "Jörg"}
	family := []string{"de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Groß", "Çelik"}
	staff := engine.Reason{Rule: "r1", RuleName: "All staff get an account"}
	for i := range persons {
		ext := 100000 + i
		id := fmt.Sprintf("hr:%d", ext)
		name := given[i%len(given)] + " " + family[i/len(given)%len(family)]
		contract := fmt.Sprintf("%d-%d", ext, 1+i%2)
		staff.Contracts = []string{contract}
		dept, team := i%len(depts), i/len(depts)%40
		group := engine.Reason{Rule: fmt.Sprintf("r%d", 10+dept*40+team), RuleName: fmt.Sprintf("Department %s team %02d", depts[dept], team+1), Contracts: []string{contract}}
		add := func(target string, kind engine.EntitlementKind, perm string, r engine.Reason) {
			e.Actions = append(e.Actions, engine.Action{Person: id, PersonName: name, Key: engine.EntitlementKey{Target: target, Kind: kind, Name: perm}, Grant: true, Reasons: []engine.Reason{r}})
		}
		add("ad", engine.KindAccount, "", staff)
		add("ad", engine.KindAccess, "", staff)
		add("ad", engine.KindPermission, fmt.Sprintf("GRP-DEPT-%s-%02d", depts[dept], team+1), group)
		if i%3 == 0 {
			add("google", engine.KindPermission, fmt.Sprintf("%s-team-%02d@example.org", depts[dept], team+1), group)
		}
		e.RuleMatches[group.Rule]++
	}
	e.RuleMatches["r1"] = persons
	e.EvaluationInfo.Actions = len(e.Actions)
	return e
}

// planBucket calls fn with the plan bucket of evaluation id, or nil.
func planBucket(t *testing.T, s *Store, id uint64, fn func(b *bolt.Bucket)) {
	t.Helper()
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		fn(tx.Bucket(bucketEvaluationPlans).Bucket(u64(id)))
		return nil
	}))
}

func TestLargePlansAreChunkedAndReadBackExactly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := newStoreIn(t, dir)
	e := realisticEvaluation(60_000)
	info, err := s.SaveEvaluation(ctx, e)
	require.NoError(t, err)

	var chunks, size int
	planBucket(t, s, info.ID, func(b *bolt.Bucket) {
		require.NotNil(t, b)
		require.NoError(t, b.ForEach(func(k, v []byte) error {
			size += len(v)
			if k[0] == sectionActions {
				chunks++
				assert.LessOrEqual(t, len(v), 1<<20, "chunk %x", k)
			}
			return nil
		}))
	})
	assert.Greater(t, chunks, 1, "200,000 actions take more than one chunk")
	perAction := float64(size) / float64(len(e.Actions))
	t.Logf("%d actions in %d chunks: %d bytes, %.1f bytes an action", len(e.Actions), chunks, size, perAction)
	assert.Less(t, perAction, 20.0, "bytes an action")

	got, err := s.FindEvaluation(ctx, info.ID)
	require.NoError(t, err)
	want := *e
	want.ID = info.ID
	require.Equal(t, &want, got)
}

func TestEvaluationsKeepTheNewestTwentyPlans(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for i := range 25 {
		e := realisticEvaluation(10 + i)
		info, err := s.SaveEvaluation(ctx, e)
		require.NoError(t, err)
		require.Equal(t, uint64(i+1), info.ID)
	}
	list, err := s.ListEvaluations(ctx)
	require.NoError(t, err)
	require.Len(t, list, 25)
	for _, info := range list {
		pruned := info.ID <= 5
		assert.Equal(t, pruned, info.Pruned, "evaluation %d", info.ID)
		planBucket(t, s, info.ID, func(b *bolt.Bucket) {
			assert.Equal(t, pruned, b == nil, "the plan of evaluation %d", info.ID)
		})
		e, err := s.FindEvaluation(ctx, info.ID)
		require.NoError(t, err)
		assert.Equal(t, pruned, e.Actions == nil, "the actions of evaluation %d", info.ID)
		assert.Equal(t, 10+int(info.ID)-1, e.Persons, "the figures of evaluation %d", info.ID)
	}
}

func TestCorruptPlansAreInternalErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		corrupt func(b *bolt.Bucket) error
		want    string
	}{
		{"CutChunk", func(b *bolt.Bucket) error {
			v := b.Get(chunkKey(sectionActions, 0))
			return b.Put(chunkKey(sectionActions, 0), append([]byte(nil), v[:len(v)-3]...))
		}, "chunk 0"},
		{"MissingChunk", func(b *bolt.Bucket) error { return b.Delete(chunkKey(sectionStrings, 0)) }, "records of section"},
		{"TrailingBytes", func(b *bolt.Bucket) error {
			v := b.Get(chunkKey(sectionNotes, 0))
			return b.Put(chunkKey(sectionNotes, 0), append(append([]byte(nil), v...), 0))
		}, "follow the last record"},
		{"NewerFormat", func(b *bolt.Bucket) error {
			v := append([]byte(nil), b.Get(keyPlanHeader)...)
			v[0] = planFormat + 1
			return b.Put(keyPlanHeader, v)
		}, "format"},
		{"StringOutOfTable", func(b *bolt.Bucket) error {
			// the first action's target index, after its flags and person
			v := append([]byte(nil), b.Get(chunkKey(sectionActions, 0))...)
			r := &planReader{b: v[5:]}
			r.front("")
			r.string()
			at := len(v) - len(r.b)
			v = append(v[:at:at], append([]byte{0x7f}, v[at+1:]...)...)
			return b.Put(chunkKey(sectionActions, 0), v)
		}, "not in the table"},
		{"MissingPlan", func(b *bolt.Bucket) error { return errDropPlan }, "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			e := realisticEvaluation(20)
			e.Notes = []engine.Note{{Person: "hr:100001", Message: "note"}}
			info, err := s.SaveEvaluation(ctx, e)
			require.NoError(t, err)
			require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
				plans := tx.Bucket(bucketEvaluationPlans)
				err := tc.corrupt(plans.Bucket(u64(info.ID)))
				if err == errDropPlan {
					return plans.DeleteBucket(u64(info.ID))
				}
				return err
			}))
			_, err = s.FindEvaluation(ctx, info.ID)
			require.True(t, engine.IsCode(err, engine.Internal), "got %v", err)
			require.Contains(t, err.Error(), fmt.Sprintf("evaluation %d", info.ID))
			require.Contains(t, err.Error(), tc.want)
			list, err := s.ListEvaluations(ctx)
			require.NoError(t, err, "the description is still readable")
			require.Len(t, list, 1)
		})
	}
}

var errDropPlan = fmt.Errorf("drop the plan")

func TestFindEvaluationStopsWhenCancelled(t *testing.T) {
	s := newStore(t)
	info, err := s.SaveEvaluation(context.Background(), realisticEvaluation(10))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.FindEvaluation(ctx, info.ID)
	require.True(t, engine.IsCode(err, engine.Canceled), "got %v", err)
}

func TestPlanActionsShareNoMemory(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	info, err := s.SaveEvaluation(ctx, realisticEvaluation(3))
	require.NoError(t, err)
	e, err := s.FindEvaluation(ctx, info.ID)
	require.NoError(t, err)
	require.Equal(t, e.Actions[0].Reasons, e.Actions[1].Reasons)
	e.Actions[0].Reasons[0].Contracts[0] = "changed"
	e.Actions[0].Reasons = append(e.Actions[0].Reasons, engine.Reason{Why: "appended"})
	require.NotEqual(t, "changed", e.Actions[1].Reasons[0].Contracts[0], "changing one action's reasons leaves the next alone")
	require.Len(t, e.Actions[1].Reasons, 1)
	require.Equal(t, "r1", e.Actions[1].Reasons[0].Rule)
}
