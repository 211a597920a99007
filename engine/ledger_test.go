package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestByPersonGroupsEntriesWhetherOrNotTheyAreGrouped(t *testing.T) {
	k := func(n string) EntitlementKey { return EntitlementKey{Target: "ad", Kind: KindPermission, Name: n} }
	l := &Ledger{Entries: []LedgerEntry{
		{Person: "a", Key: k("1")}, {Person: "a", Key: k("2")}, {Person: "b", Key: k("1")}, {Person: "a", Key: k("3")},
	}}
	m := l.ByPerson()
	assert.Equal(t, []LedgerEntry{{Person: "a", Key: k("1")}, {Person: "a", Key: k("2")}, {Person: "a", Key: k("3")}}, m["a"])
	assert.Equal(t, []LedgerEntry{{Person: "b", Key: k("1")}}, m["b"])
	// appending to a person's entries never overwrites another's
	_ = append(m["b"], LedgerEntry{Person: "b", Key: k("9")})
	assert.Equal(t, "a", l.Entries[3].Person)
}
