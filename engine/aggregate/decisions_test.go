package aggregate_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/aggregate"
)

func mergePerson(id string, contracts ...string) *engine.Person {
	p := &engine.Person{ID: id, DisplayName: "Person " + id}
	for _, c := range contracts {
		p.Contracts = append(p.Contracts, engine.Contract{ExternalID: c})
	}
	return p
}

func ids(ps []*engine.Person) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func contractIDs(p *engine.Person) []string {
	var out []string
	for _, c := range p.Contracts {
		out = append(out, c.ExternalID+"<"+c.From)
	}
	return out
}

func TestApplyMovesTheMembersContractsToTheMainPerson(t *testing.T) {
	persons := []*engine.Person{mergePerson("a:1", "c1"), mergePerson("b:7", "c1", "c2"), mergePerson("b:8", "c3"), mergePerson("c:9", "x")}
	g := &engine.Aggregation{Merges: []engine.Merge{{ID: 1, Main: "b:7", Members: []string{"a:1"}}}}

	out := aggregate.Apply(persons, g)
	require.Equal(t, []string{"b:7", "b:8", "c:9"}, ids(out), "the member is no person of its own; the order stays by id")
	main := out[0]
	assert.Equal(t, []string{"c1<", "c2<", "a:1/c1<a:1"}, contractIDs(main), "a contract id the main person has already is made unique")
	assert.Equal(t, []string{"a:1"}, main.MergedFrom)
	assert.Len(t, persons[1].Contracts, 2, "the snapshot's person is not changed")
	assert.Empty(t, persons[1].MergedFrom)
}

func TestAMergeLivesOnWithoutItsMainPerson(t *testing.T) {
	persons := []*engine.Person{mergePerson("a:1", "c1"), mergePerson("c:9", "x")}
	g := &engine.Aggregation{Merges: []engine.Merge{{ID: 1, Main: "b:7", Members: []string{"a:1"}}}}

	out := aggregate.Apply(persons, g)
	require.Equal(t, []string{"b:7", "c:9"}, ids(out), "the member stands in for the main person, under the main person's id")
	assert.Equal(t, []string{"c1<a:1"}, contractIDs(out[0]))

	out = aggregate.Apply([]*engine.Person{mergePerson("c:9")}, g)
	assert.Equal(t, []string{"c:9"}, ids(out), "with none of its persons left, the merged person has left")
}

func TestApplyExcludesByHandAndWhileASuggestionWaits(t *testing.T) {
	src := mergePerson("a:3")
	src.Excluded = true
	persons := []*engine.Person{mergePerson("a:1"), mergePerson("a:2"), src, mergePerson("b:1")}
	g := &engine.Aggregation{
		Exclusions:  []engine.Exclusion{{Person: "a:1", Reason: "on long leave"}, {Person: "a:3", Reason: "twice"}},
		Suggestions: []engine.Suggestion{{A: "a:2", B: "b:1", Score: 0.95, Held: []string{"b:1"}}},
	}
	out := aggregate.Apply(persons, g)
	require.Len(t, out, 4)
	assert.True(t, out[0].Excluded)
	assert.Equal(t, "excluded by hand: on long leave", out[0].Exclusion)
	assert.False(t, out[1].Excluded, "a person who had something granted already is not held")
	assert.True(t, out[2].Excluded)
	assert.Empty(t, out[2].Exclusion, "the source's own exclusion needs no other reason")
	assert.True(t, out[3].Excluded)
	assert.Contains(t, out[3].Exclusion, "waiting for an aggregation decision")
	assert.Contains(t, out[3].Exclusion, "a:2")
	assert.False(t, persons[0].Excluded, "the snapshot's person is not changed")

	assert.Equal(t, persons, aggregate.Apply(persons, &engine.Aggregation{}), "no decisions, the same persons")
}

func entry(person, target string, kind engine.EntitlementKind, name string) engine.LedgerEntry {
	return engine.LedgerEntry{Person: person, Key: engine.EntitlementKey{Target: target, Kind: kind, Name: name}, Reference: person + "@" + target}
}

func TestPlanMergeTransfersWholeTargetsTheMainPersonHasNothingIn(t *testing.T) {
	ledger := map[string][]engine.LedgerEntry{
		"m": {entry("m", "ad", engine.KindAccount, "")},
		"x": {
			entry("x", "ad", engine.KindAccount, ""),
			entry("x", "ad", engine.KindPermission, "staff"),
			entry("x", "google", engine.KindAccount, ""),
			entry("x", "google", engine.KindPermission, "all"),
		},
		"y": {entry("y", "google", engine.KindAccount, "")},
	}
	moved, changes := aggregate.PlanMerge("m", []string{"x", "y"}, engine.TransferEntitlements, ledger)

	byKey := map[string]engine.MovedEntitlement{}
	for _, mv := range moved {
		byKey[mv.From+" "+mv.Key.String()] = mv
	}
	require.Len(t, moved, 5)
	assert.False(t, byKey["x ad: account"].Transferred, "the main person has an AD account: x's stays with x, unmanaged")
	assert.False(t, byKey["x ad: permission staff"].Transferred, "and so does what hangs on it")
	assert.True(t, byKey["x google: account"].Transferred)
	assert.True(t, byKey["x google: permission all"].Transferred)
	assert.False(t, byKey["y google: account"].Transferred, "x's google account came first")

	// apply the changes to a copy of the ledger and look
	after := applied(ledger, changes)
	assert.True(t, after["x"]["ad: account"].Unmanaged)
	assert.True(t, after["y"]["google: account"].Unmanaged)
	g := after["m"]["google: account"]
	assert.Equal(t, "x@google", g.Reference, "the transferred account keeps its reference")
	assert.False(t, g.Unmanaged)
	assert.NotContains(t, after["x"], "google: account")

	// and back
	back := applied(after.flat(), aggregate.PlanUnmerge(&engine.Merge{Main: "m", Members: []string{"x", "y"}, Moved: moved}, after.flat()))
	assert.Equal(t, applied(ledger, nil), back, "an unmerge puts every entry back as it was")
}

func TestPlanMergeCanLeaveEverythingUnmanaged(t *testing.T) {
	was := entry("x", "ldap", engine.KindAccount, "")
	was.Unmanaged = true
	ledger := map[string][]engine.LedgerEntry{"x": {entry("x", "google", engine.KindAccount, ""), was}}
	moved, changes := aggregate.PlanMerge("m", []string{"x"}, engine.LeaveUnmanaged, ledger)
	require.Len(t, moved, 2)
	require.Len(t, changes, 1, "an entry that was unmanaged already is not written")
	after := applied(ledger, changes)
	assert.True(t, after["x"]["google: account"].Unmanaged)

	back := applied(after.flat(), aggregate.PlanUnmerge(&engine.Merge{Main: "m", Members: []string{"x"}, Moved: moved}, after.flat()))
	assert.False(t, back["x"]["google: account"].Unmanaged)
	assert.True(t, back["x"]["ldap: account"].Unmanaged, "what was unmanaged before the merge stays so")
}

type ledgerView map[string]map[string]engine.LedgerEntry

func (v ledgerView) flat() map[string][]engine.LedgerEntry {
	out := map[string][]engine.LedgerEntry{}
	for p, es := range v {
		for _, e := range es {
			out[p] = append(out[p], e)
		}
	}
	return out
}

func applied(ledger map[string][]engine.LedgerEntry, changes []engine.LedgerChange) ledgerView {
	v := ledgerView{}
	put := func(e engine.LedgerEntry) {
		if v[e.Person] == nil {
			v[e.Person] = map[string]engine.LedgerEntry{}
		}
		v[e.Person][e.Key.String()] = e
	}
	for _, es := range ledger {
		for _, e := range es {
			put(e)
		}
	}
	for _, c := range changes {
		if c.Delete {
			delete(v[c.Entry.Person], c.Entry.Key.String())
			if len(v[c.Entry.Person]) == 0 {
				delete(v, c.Entry.Person)
			}
			continue
		}
		put(c.Entry)
	}
	return v
}

func TestUnmergeGivesBackWhatTheMainPersonGotOnATransferredAccount(t *testing.T) {
	ledger := map[string][]engine.LedgerEntry{
		"m": {entry("m", "ad", engine.KindAccount, "")},
		"x": {entry("x", "google", engine.KindAccount, "")},
	}
	moved, changes := aggregate.PlanMerge("m", []string{"x"}, engine.TransferEntitlements, ledger)
	after := applied(ledger, changes)
	// while merged, the main person is given a group on the transferred account
	later := entry("m", "google", engine.KindPermission, "staff")
	after["m"]["google: permission staff"] = later

	back := applied(after.flat(), aggregate.PlanUnmerge(&engine.Merge{Main: "m", Members: []string{"x"}, Moved: moved}, after.flat()))
	assert.Contains(t, back["x"], "google: account")
	assert.Contains(t, back["x"], "google: permission staff", "the group hangs on x's account: it goes back with it")
	assert.NotContains(t, back["m"], "google: permission staff")
	assert.Contains(t, back["m"], "ad: account", "the main person's own target stays")
}
