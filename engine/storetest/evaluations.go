package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// newEvaluation returns an evaluation of persons persons with a varied
// plan: grants and revokes of every kind with their operations, account
// references and attribute changes, reasons with several rules and
// contracts, revokes that say why, unicode names, skipped persons and
// notes, and an action without an operation (as plans made before
// operations had). Empty lists are nil, as stores return them.
func newEvaluation(h *harness, persons int) *engine.Evaluation {
	e := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{
		CreatedAt:     h.now(),
		AsOf:          engine.NewDate(2026, time.March, 2),
		Snapshot:      3,
		RulesVersion:  17,
		LedgerVersion: 42,
		Persons:       persons + 2,
		Evaluated:     persons,
		Blocked:       1,
		Excluded:      1,
		Summary: []engine.SummaryRow{
			{Target: "ad", Kind: engine.KindAccount, Grants: 2, Revokes: 1},
			{Target: "ad", Kind: engine.KindPermission, Grants: 7},
		},
		RuleMatches: map[string]int{"r1": persons, "r2": persons / 2, "r10": 0},
		Duration:    1234 * time.Millisecond,
	}}
	names := []string{"Jürgen Groß", "Zoë Ñúñez", "李小龍", "Ólafur Arnalds", "Anne-Marie d'Artois"}
	for i := range persons {
		id := fmt.Sprintf("hr:%d", 100000+i)
		name := names[i%len(names)]
		contract := fmt.Sprintf("%d-1", 100000+i)
		sales := engine.Reason{Rule: "r1", RuleName: "Sales staff", Contracts: []string{contract}}
		dn := fmt.Sprintf("CN=%s %d,OU=Staff,DC=example,DC=org", name, i)
		switch i % 4 {
		case 0: // a joiner: account, access and groups from one rule
			login := fmt.Sprintf("user%d", 100000+i)
			for _, a := range []engine.Action{
				{Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}, Op: engine.OpCreate, Changes: []engine.AttributeChange{
					{Attribute: "sAMAccountName", New: login},
					{Attribute: "mail", New: login + "@example.org"},
					{Attribute: "displayName", New: name},
				}},
				{Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccess}, Op: engine.OpEnable},
				{Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "GRP-DEPT-ICT-01"}, Op: engine.OpGrant},
			} {
				a.Person, a.PersonName, a.Grant, a.Reasons = id, name, true, []engine.Reason{sales}
				e.Actions = append(e.Actions, a)
			}
			e.Actions = append(e.Actions, engine.Action{Person: id, PersonName: name, Grant: true, Op: engine.OpGrant, Ref: "u-" + login,
				Key: engine.EntitlementKey{Target: "google", Kind: engine.KindPermission, Name: "sales@example.org"},
				Reasons: []engine.Reason{
					{Rule: "r1", RuleName: "Sales staff", Contracts: []string{contract, fmt.Sprintf("%d-2", 100000+i)}},
					{Rule: "r10", RuleName: "Everyone — ünïcode", Contracts: []string{contract}},
				}})
		case 1: // a mover: new attributes, one group for another
			e.Actions = append(e.Actions,
				engine.Action{Person: id, PersonName: name, Grant: true, Op: engine.OpUpdate, Ref: dn, Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount},
					Changes: []engine.AttributeChange{
						{Attribute: "department", Old: "ICT", New: "Operations — Zürich"},
						{Attribute: "title", Old: "Advisor"},
					},
					Reasons: []engine.Reason{sales}},
				engine.Action{Person: id, PersonName: name, Grant: true, Op: engine.OpGrant, Ref: dn, Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "GRP-DEPT-OPS-02"},
					Reasons: []engine.Reason{{Rule: "r2", RuleName: "Department groups", Contracts: []string{contract}}}},
				engine.Action{Person: id, PersonName: name, Op: engine.OpRevoke, Ref: dn, Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "GRP-DEPT-ICT-01"},
					Reasons: []engine.Reason{{Rule: "r2", RuleName: "Department groups", Why: "no contract meets the contract conditions any more"}}},
			)
		case 2: // a leaver
			e.Actions = append(e.Actions,
				engine.Action{Person: id, PersonName: name, Op: engine.OpDisable, Ref: dn, Key: engine.EntitlementKey{Target: "ad", Kind: engine.KindAccess},
					Changes: []engine.AttributeChange{{Attribute: "description", New: "left on 2026-03-01"}}, Reasons: []engine.Reason{{Why: "the person left"}}},
				engine.Action{Person: id, PersonName: name, Op: engine.OpRevoke, Key: engine.EntitlementKey{Target: "google", Kind: engine.KindCustom, Name: "licence: business-starter"},
					Reasons: []engine.Reason{{Why: "the person left"}}},
			)
		case 3: // a kind this store has not seen and an action without reasons
			e.Actions = append(e.Actions,
				engine.Action{Person: id, PersonName: "", Grant: true, Key: engine.EntitlementKey{Target: "erp", Kind: "role", Name: "Approver"}},
			)
		}
	}
	e.Actions = append(e.Actions, engine.Action{Person: "hr:100000", PersonName: "Jürgen Groß", Grant: true,
		Key:     engine.EntitlementKey{Target: "ad", Kind: engine.KindCustom, Name: "after another person"},
		Reasons: []engine.Reason{{Rule: "r1", RuleName: "Sales staff", Contracts: []string{"100000-1"}}}})
	e.Actions = append(e.Actions, e.Actions[len(e.Actions)-1]) // a repeat, unlikely but allowed
	e.Actions[len(e.Actions)-1].Grant = false
	e.Skipped = []engine.Skipped{
		{Person: "hr:9", Name: "Blocked Person", Status: engine.StatusBlocked},
		{Person: "hr:90", Name: "Ëxcluded Pérson", Status: engine.StatusExcluded},
	}
	e.Notes = []engine.Note{
		{Person: "hr:100001", Message: "GRP-DEPT-OPS-02 in ad is granted without an account in ad"},
		{Person: "hr:100005", Message: "GRP-DEPT-OPS-02 in ad is granted without an account in ad"},
		{Person: "hr:100005", Message: "a dynamic permission has an empty {Department.Code} on contract 100005-1"},
	}
	e.Actions = e.Actions[:len(e.Actions):len(e.Actions)]
	e.EvaluationInfo.Actions = len(e.Actions)
	return e
}

// saveEvaluation saves e and checks the description the store returns.
func (h *harness) saveEvaluation(e *engine.Evaluation) *engine.EvaluationInfo {
	h.t.Helper()
	info, err := h.s.SaveEvaluation(h.ctx, e)
	require.NoError(h.t, err, "SaveEvaluation")
	require.NotNil(h.t, info)
	require.NotZero(h.t, info.ID, "SaveEvaluation assigns an id")
	require.False(h.t, info.Pruned, "a new evaluation has its plan")
	want := e.EvaluationInfo
	want.ID = info.ID
	require.Equal(h.t, want, *info, "SaveEvaluation returns the description with its id")
	return info
}

// withID returns e as the store must return it: with the id.
func withID(e *engine.Evaluation, id uint64) *engine.Evaluation {
	out := *e
	out.ID = id
	return &out
}

func (h *harness) findEvaluation(id uint64) *engine.Evaluation {
	h.t.Helper()
	e, err := h.s.FindEvaluation(h.ctx, id)
	require.NoError(h.t, err, "FindEvaluation(%d)", id)
	require.NotNil(h.t, e)
	return e
}

func testEvaluationRoundTrip(t *testing.T, h *harness) {
	e := newEvaluation(h, 40)
	info := h.saveEvaluation(e)
	require.Zero(t, e.ID, "SaveEvaluation leaves its argument alone")
	h.reopen()
	got := h.findEvaluation(info.ID)
	require.Equal(t, withID(e, info.ID), got, "the evaluation reads back exactly, plan and all")
	require.Equal(t, got, h.findEvaluation(0), "FindEvaluation(0) is the latest")

	// a larger plan, of a few thousand actions
	big := newEvaluation(h, 5000)
	big.WithDrafts, big.WhatIf = true, "r2"
	info2 := h.saveEvaluation(big)
	require.Greater(t, info2.ID, info.ID, "evaluation ids grow")
	h.reopen()
	require.Equal(t, withID(big, info2.ID), h.findEvaluation(0))
	require.Equal(t, withID(e, info.ID), h.findEvaluation(info.ID), "an earlier evaluation stays as it was")
}

func testEmptyEvaluation(t *testing.T, h *harness) {
	e := &engine.Evaluation{EvaluationInfo: engine.EvaluationInfo{CreatedAt: h.now(), AsOf: engine.NewDate(2030, time.January, 1), Snapshot: 1}}
	info := h.saveEvaluation(e)
	h.reopen()
	got := h.findEvaluation(info.ID)
	require.Equal(t, withID(e, info.ID), got)
	require.Nil(t, got.Actions, "no actions come back nil")
	require.Nil(t, got.Skipped)
	require.Nil(t, got.Notes)
}

func testListEvaluations(t *testing.T, h *harness) {
	list, err := h.s.ListEvaluations(h.ctx)
	require.NoError(t, err)
	require.Empty(t, list, "a new workspace has no evaluations")

	var want []engine.EvaluationInfo
	for i := range 4 {
		e := newEvaluation(h, 3+i)
		e.RulesVersion = uint64(i)
		want = append([]engine.EvaluationInfo{*h.saveEvaluation(e)}, want...)
	}
	h.reopen()
	list, err = h.s.ListEvaluations(h.ctx)
	require.NoError(t, err)
	require.Equal(t, want, list, "newest first, described as saved")
}

func testEvaluationPruning(t *testing.T, h *harness) {
	const total, kept = 25, 20 // a store keeps at least the plans of the 20 newest
	saved := make([]*engine.Evaluation, total)
	infos := make([]*engine.EvaluationInfo, total)
	for i := range total {
		saved[i] = newEvaluation(h, 2+i%3)
		infos[i] = h.saveEvaluation(saved[i])
	}
	h.reopen()
	list, err := h.s.ListEvaluations(h.ctx)
	require.NoError(t, err)
	require.Len(t, list, total, "pruning keeps every evaluation's figures")
	pruned := 0
	for i := range total {
		got := h.findEvaluation(infos[i].ID)
		listed := list[total-1-i]
		require.Equal(t, infos[i].ID, listed.ID)
		require.Equal(t, got.EvaluationInfo, listed, "the list and FindEvaluation agree on evaluation %d", infos[i].ID)
		if got.Pruned {
			require.Less(t, i, total-kept, "evaluation %d of %d is among the %d newest and lost its plan", i+1, total, kept)
			require.Equal(t, i, pruned, "only the oldest evaluations are pruned")
			pruned++
			want := saved[i].EvaluationInfo
			want.ID, want.Pruned = infos[i].ID, true
			require.Equal(t, &engine.Evaluation{EvaluationInfo: want}, got, "a pruned evaluation keeps its figures, not its plan")
			continue
		}
		require.Equal(t, withID(saved[i], infos[i].ID), got, "evaluation %d keeps its plan", i+1)
	}
	t.Logf("%d of %d evaluations pruned", pruned, total)
}

func testEvaluationNotFound(t *testing.T, h *harness) {
	_, err := h.s.FindEvaluation(h.ctx, 0)
	requireCode(t, engine.NotFound, err, "FindEvaluation(0) without evaluations")
	require.Contains(t, err.Error(), "no evaluation")
	_, err = h.s.FindEvaluation(h.ctx, 1)
	requireCode(t, engine.NotFound, err, "FindEvaluation(1) without evaluations")

	info := h.saveEvaluation(newEvaluation(h, 2))
	h.reopen()
	_, err = h.s.FindEvaluation(h.ctx, info.ID+1)
	requireCode(t, engine.NotFound, err, "FindEvaluation of a later id")
	require.Contains(t, err.Error(), fmt.Sprint(info.ID+1), "the message names the evaluation")
}
