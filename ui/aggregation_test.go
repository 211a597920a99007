package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func TestMergeASuggestionSideBySideAndUnmergeIt(t *testing.T) {
	h := newHarness(t, true)
	h.w.Show(ScreenAggregation)
	h.wait()
	s := h.w.aggregation
	require.NotNil(t, s.data)
	require.NotEmpty(t, s.data.Suggestions, "the demo has the same humans under two numbers")
	before := len(s.data.Suggestions)
	sg := s.data.Suggestions[0]
	assert.NotEmpty(t, sg.Held, "a new person in a suggestion is held until someone decides")

	// the first suggestion is shown side by side
	require.NotNil(t, s.compared)
	shown := texts(s.sugDetail)
	assert.Contains(t, shown, sg.AName)
	assert.Contains(t, shown, sg.BName)

	test.Tap(button(s.sugDetail, "Merge…"))
	h.wait()
	require.NotNil(t, s.mergeDialog)
	s.mergeMain.SetSelected(s.mergeMain.Options[0])
	s.mergeDialog.Submit()
	h.wait()
	g, err := h.app.Aggregation(context.Background())
	require.NoError(t, err)
	assert.Empty(t, g.Merges, "without saying what happens to the entitlements, nothing is merged")

	test.Tap(button(s.sugDetail, "Merge…"))
	h.wait()
	s.mergeHow.SetSelected(s.mergeHow.Options[0]) // transfer
	s.mergeDialog.Submit()
	h.wait()
	g, err = h.app.Aggregation(context.Background())
	require.NoError(t, err)
	require.Len(t, g.Merges, 1)
	assert.Equal(t, sg.A, g.Merges[0].Main)
	assert.Equal(t, []string{sg.B}, g.Merges[0].Members)
	assert.Equal(t, engine.TransferEntitlements, g.Merges[0].Entitlements)
	assert.Len(t, s.data.Suggestions, before-1, "the screen shows the suggestions left")
	assert.Equal(t, "Merges (1)", s.tabs.Items[1].Text)

	// the merged person has both persons' contracts
	d, err := h.app.Person(context.Background(), sg.B)
	require.NoError(t, err)
	assert.Equal(t, sg.A, d.Person.ID)
	assert.Equal(t, []string{sg.B}, d.Person.MergedFrom)

	// undo it from the Merges tab
	s.tabs.SelectIndex(1)
	s.merges.Select(0)
	h.wait()
	assert.Contains(t, texts(s.mergeDetail), "Merged into it: "+sg.BName+" ("+sg.B+")")
	test.Tap(button(s.mergeDetail, "Unmerge…"))
	test.Tap(h.overlayButton("Yes"))
	h.wait()
	g, err = h.app.Aggregation(context.Background())
	require.NoError(t, err)
	assert.Empty(t, g.Merges)
	d, err = h.app.Person(context.Background(), sg.B)
	require.NoError(t, err)
	assert.Equal(t, sg.B, d.Person.ID, "a person of their own again")
}

func TestRejectASuggestionReleasesWhoItHeld(t *testing.T) {
	h := newHarness(t, true)
	h.w.Show(ScreenAggregation)
	h.wait()
	s := h.w.aggregation
	require.NotEmpty(t, s.data.Suggestions)
	sg := s.data.Suggestions[0]
	require.NotEmpty(t, sg.Held)
	held := sg.Held[0]
	d, err := h.app.Person(context.Background(), held)
	require.NoError(t, err)
	assert.Equal(t, engine.StatusExcluded, d.Status)

	test.Tap(button(s.sugDetail, "Not the same…"))
	s.rejectNote.SetText("twins")
	s.rejectDialog.Submit()
	h.wait()
	assert.Equal(t, "Not the same (1)", s.tabs.Items[2].Text)
	d, err = h.app.Person(context.Background(), held)
	require.NoError(t, err)
	assert.NotEqual(t, engine.StatusExcluded, d.Status, "released")
}

func TestExcludeAndIncludeFromThePersonScreen(t *testing.T) {
	h := newHarness(t, true)
	list, err := h.app.Persons(context.Background())
	require.NoError(t, err)
	var id string
	for _, p := range list.Persons {
		if p.Status == engine.StatusActive {
			id = p.ID
			break
		}
	}
	s := h.w.persons
	s.openPerson(id)
	h.wait()
	test.Tap(button(s.detail, "Exclude…"))
	require.NotNil(t, s.excludeDialog)
	s.excludeDialog.Submit()
	h.wait()
	d, err := h.app.Person(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, engine.StatusActive, d.Status, "no reason, no exclusion")

	test.Tap(button(s.detail, "Exclude…"))
	s.excludeReason.SetText("on long leave")
	s.excludeDialog.Submit()
	h.wait()
	d, err = h.app.Person(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, engine.StatusExcluded, d.Status)
	assert.Contains(t, texts(s.detail), "on long leave")

	test.Tap(button(s.detail, "Include"))
	h.wait()
	d, err = h.app.Person(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, engine.StatusActive, d.Status)
}
