package evaluate

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// TestChunksKeepEveryFieldOfAnAction checks that a plan's actions come out
// of the workers' compact form as they went in, whatever they hold.
func TestChunksKeepEveryFieldOfAnAction(t *testing.T) {
	// chunks stores each field of an action: a new field must be stored too
	require.Equal(t, 8, reflect.TypeFor[engine.Action]().NumField(), "engine.Action has a new field: store it in chunks")
	persons := []*engine.Person{{ID: "p1", DisplayName: "One"}, {ID: "p2", DisplayName: "Two"}}
	shared := []engine.Reason{{Rule: "r1", RuleName: "Rule one", Contracts: []string{"c1"}}}
	account := engine.EntitlementKey{Target: "ad", Kind: engine.KindAccount}
	group := engine.EntitlementKey{Target: "ad", Kind: engine.KindPermission, Name: "g"}
	in := [][]engine.Action{
		{
			{Person: "p1", PersonName: "One", Key: account, Grant: true, Reasons: shared, Op: engine.OpCreate,
				Changes: []engine.AttributeChange{{Attribute: "cn", New: "one"}}},
			{Person: "p1", PersonName: "One", Key: group, Grant: true, Reasons: shared, Op: engine.OpGrant},
			{Person: "p1", PersonName: "One", Key: account, Grant: true, Op: engine.OpUpdate, Ref: "acct-1", Changes: []engine.AttributeChange{}},
		},
		{
			{Person: "p2", PersonName: "Two", Key: group, Reasons: []engine.Reason{{Why: "gone"}}, Op: engine.OpRevoke, Ref: "acct-2"},
			{Person: "p2", PersonName: "Two", Key: account, Op: "something new"},
			{Person: "p2", PersonName: "Two", Key: engine.EntitlementKey{Target: "x", Kind: engine.KindCustom, Name: "y"}, Grant: true},
			{Person: "other", PersonName: "Someone else", Key: group, Grant: true, Op: engine.OpGrant},
		},
	}
	var c chunks
	var want []engine.Action
	for n := 0; n < 3000; n++ { // more than one block
		for i, acts := range in {
			c.add(persons[i], i, acts)
			want = append(want, acts...)
		}
	}
	require.Equal(t, len(want), c.len())
	got := c.appendTo(nil, persons)
	require.Equal(t, want, got)
	require.Nil(t, c.blocks, "the blocks are let go")
}
