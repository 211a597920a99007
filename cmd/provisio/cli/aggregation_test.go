package cli_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/cmd/provisio/cli"
)

func TestAggregationMergeShowsInPersonsAndUnmergeUndoesIt(t *testing.T) {
	ws := newDemoWorkspace(t)
	var persons []app.PersonSummary
	runJSON(t, ws, &persons, "persons", "--limit", "3")
	require.Len(t, persons, 3)
	main, member := persons[0].ID, persons[1].ID

	r := runFails(t, cli.ExitError, ws, "aggregation", "merge", main, member)
	assert.Contains(t, r.stderr, "--entitlements", "the flag to give is named")
	r = runOK(t, ws, "aggregation", "merge", main, member, "--entitlements", "transfer", "--note", "same human")
	assert.Contains(t, r.stdout, "merged into "+main)

	var o app.AggregationOverview
	runJSON(t, ws, &o, "aggregation", "list")
	require.Len(t, o.Merges, 1)
	assert.Equal(t, []string{member}, o.Merges[0].Members)

	r = runOK(t, ws, "persons", "show", member)
	assert.Regexp(t, "merged from +"+member, r.stdout)
	assert.Contains(t, r.stdout, "from "+member, "the moved contract says where it came from")

	runOK(t, ws, "aggregation", "unmerge", main)
	runJSON(t, ws, &o, "aggregation", "list")
	assert.Empty(t, o.Merges)

	r = runOK(t, ws, "aggregation", "show", main, member)
	assert.Contains(t, r.stdout, "Given name")

	runOK(t, ws, "aggregation", "reject", main, member, "--note", "twins")
	runJSON(t, ws, &o, "aggregation", "list")
	require.Len(t, o.Rejections, 1)
	runFails(t, cli.ExitError, ws, "aggregation", "reject", member, main)
}

func TestPersonsExcludeNeedsAReasonAndIncludeUndoesIt(t *testing.T) {
	ws := newDemoWorkspace(t)
	var persons []app.PersonSummary
	runJSON(t, ws, &persons, "persons", "--limit", "1", "--status", "active")
	require.Len(t, persons, 1)
	id := persons[0].ID

	r := runFails(t, cli.ExitError, ws, "persons", "exclude", id)
	assert.Contains(t, r.stderr, "reason")
	runOK(t, ws, "persons", "exclude", id, "--reason", "on long leave")
	r = runOK(t, ws, "persons", "show", id)
	assert.Contains(t, r.stdout, "excluded")
	assert.Contains(t, r.stdout, "on long leave")
	runOK(t, ws, "persons", "include", id)
	r = runOK(t, ws, "persons", "show", id)
	assert.NotContains(t, r.stdout, "on long leave")
	runFails(t, cli.ExitError, ws, "persons", "include", id)
}
