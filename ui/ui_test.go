package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/engine"
)

var testDay = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// harness is the main window on a workspace, in Fyne's test driver.
type harness struct {
	t   *testing.T
	app *app.App
	win fyne.Window
	w   *Window
}

func newHarness(t *testing.T, demo bool) *harness {
	t.Helper()
	test.NewTempApp(t)
	return newHarnessIn(t, demo, test.NewTempWindow(t, nil))
}

// newHarnessIn is newHarness in a given window.
func newHarnessIn(t *testing.T, demo bool, win fyne.Window) *harness {
	t.Helper()
	a, err := app.Open(filepath.Join(t.TempDir(), "ws"), app.Options{Clock: engine.FixedClock(testDay)})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	if demo {
		_, err := a.CreateDemo(context.Background(), nil)
		require.NoError(t, err)
	}
	j := &jobs{}
	j.testMode()
	h := &harness{t: t, app: a, win: win, w: newWindow(a, win, j)}
	win.Resize(fyne.NewSize(1200, 760))
	h.w.persons.debounce = 0
	h.wait()
	return h
}

// wait lets background work finish.
func (h *harness) wait() {
	h.t.Helper()
	h.w.jobs.wait()
}

// find walks o and returns the first object for which match is true.
func find(o fyne.CanvasObject, match func(fyne.CanvasObject) bool) fyne.CanvasObject {
	if o == nil || !o.Visible() {
		return nil
	}
	if match(o) {
		return o
	}
	var children []fyne.CanvasObject
	switch x := o.(type) {
	case *fyne.Container:
		children = x.Objects
	case fyne.Widget:
		children = test.WidgetRenderer(x).Objects()
	}
	for _, c := range children {
		if f := find(c, match); f != nil {
			return f
		}
	}
	return nil
}

// button finds a visible button with the given text in o.
func button(o fyne.CanvasObject, text string) *widget.Button {
	b, _ := find(o, func(c fyne.CanvasObject) bool {
		b, ok := c.(*widget.Button)
		return ok && b.Text == text
	}).(*widget.Button)
	return b
}

// overlayButton finds a button in the topmost dialog.
func (h *harness) overlayButton(text string) *widget.Button {
	h.t.Helper()
	top := h.win.Canvas().Overlays().Top()
	require.NotNil(h.t, top, "a dialog is open")
	b := button(top, text)
	require.NotNil(h.t, b, "the dialog has a %q button", text)
	return b
}

// texts collects the text of every visible label in o.
func texts(o fyne.CanvasObject) string {
	var b strings.Builder
	find(o, func(c fyne.CanvasObject) bool {
		switch x := c.(type) {
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *canvas.Text:
			b.WriteString(x.Text + "\n")
		}
		return false
	})
	return b.String()
}

func TestFirstRunOffersTheDemoAndLoadsIt(t *testing.T) {
	h := newHarness(t, false)
	h.w.OfferDemoIfEmpty()
	h.wait()
	test.Tap(h.overlayButton("Load the demo"))
	h.wait()
	list, err := h.app.Persons(context.Background())
	require.NoError(t, err)
	assert.Len(t, list.Persons, 300)
	assert.Equal(t, ScreenDashboard, h.w.current)
	assert.Equal(t, "300 persons", h.w.dashboard.total.Text)
	evals, err := h.app.Evaluations(context.Background())
	require.NoError(t, err)
	require.Len(t, evals, 1, "the demo comes with a first evaluation of its rules")
	assert.Positive(t, evals[0].Actions)
}

func TestFirstRunCanStartEmpty(t *testing.T) {
	h := newHarness(t, false)
	h.w.OfferDemoIfEmpty()
	h.wait()
	test.Tap(h.overlayButton("Start empty"))
	h.wait()
	assert.Equal(t, ScreenSources, h.w.current)
	empty, err := h.app.IsEmpty(context.Background())
	require.NoError(t, err)
	assert.True(t, empty)
}

func TestNoDemoOfferForAWorkspaceWithData(t *testing.T) {
	h := newHarness(t, true)
	h.w.OfferDemoIfEmpty()
	h.wait()
	assert.Nil(t, h.win.Canvas().Overlays().Top())
}

func TestDashboardShowsPersonsByStatusAndWhatNeedsAttention(t *testing.T) {
	h := newHarness(t, true)
	d := h.w.dashboard
	assert.Equal(t, "300 persons", d.total.Text)
	// the shipped demo, its dates moved to the day it is made: 10 future hires
	// and 13 leavers, as the generator made them; three active persons are
	// held as likely duplicates of others until someone decides
	counts := map[engine.Status]int{engine.StatusActive: 272, engine.StatusFuture: 10, engine.StatusFormer: 13, engine.StatusBlocked: 2, engine.StatusExcluded: 3}
	for _, st := range engine.Statuses {
		assert.Equal(t, fmt.Sprintf("%s: %d", statusTitle(st), counts[st]), d.statusButton[st].Text)
	}
	assert.Contains(t, d.lastImport.Text, "Import 1 of HR export")
	assert.Contains(t, d.lastSnapshot.Text, "Snapshot 1")
	blocked := button(d.attention, fmt.Sprintf("%d persons are blocked by missing or unreadable required fields", counts[engine.StatusBlocked]))
	require.NotNil(t, blocked)

	duplicates := button(d.attention, "3 possible duplicates wait for a decision (3 persons held until then)")
	require.NotNil(t, duplicates, "the demo's three humans under two numbers")

	test.Tap(blocked)
	h.wait()
	assert.Equal(t, ScreenPersons, h.w.current)
	assert.Len(t, h.w.persons.hits, counts[engine.StatusBlocked], "the persons screen opens filtered on blocked persons")
}

func TestDashboardSaysWhenThePlanIsOutOfDateAndEvaluates(t *testing.T) {
	h := newHarness(t, true)
	d := h.w.dashboard
	assert.Contains(t, d.evaluation.Text, "6 rules in force; 1 draft waiting to be published.")
	evaluate := button(d.attention, "Evaluate now")
	require.NotNil(t, evaluate, "the demo's rules were never evaluated in this workspace")
	assert.Contains(t, texts(d.attention), "The plan is out of date: the rules have not been evaluated yet.")

	test.Tap(evaluate)
	h.wait()
	assert.Equal(t, ScreenEvaluation, h.w.current)
	evals, err := h.app.Evaluations(context.Background())
	require.NoError(t, err)
	require.Len(t, evals, 1)
	h.w.Show(ScreenDashboard)
	h.wait()
	assert.Regexp(t, `Evaluation #1, .*, as of \d{4}-\d{2}-\d{2}: [1-9][\d,]* to grant and 0 to revoke for \d+ persons\.`, d.evaluation.Text)
	assert.Nil(t, button(d.attention, "Evaluate now"), "the plan is up to date")

	// a rule published since makes it out of date again
	require.NoError(t, h.app.PublishRule(context.Background(), "r7"))
	h.w.Show(ScreenDashboard)
	h.wait()
	assert.Contains(t, texts(d.attention), "The plan is out of date: the rules changed since evaluation #1.")
}

func TestPersonsSearchAsYouTypeAndStatusFilter(t *testing.T) {
	h := newHarness(t, true)
	h.w.Show(ScreenPersons)
	h.wait()
	s := h.w.persons
	require.Len(t, s.hits, 300)
	assert.Contains(t, s.count.Text, "300 of 300 persons")

	// pick a person with an accented name and find them without accents
	var target app.PersonSummary
	for _, p := range s.data.Persons {
		if engine.RemoveDiacritics(p.DisplayName) != p.DisplayName {
			target = p
			break
		}
	}
	require.NotEmpty(t, target.ID)
	query := strings.ToLower(engine.RemoveDiacritics(target.DisplayName))
	test.Type(s.search, query)
	h.wait()
	require.NotEmpty(t, s.hits)
	assert.Equal(t, target.ID, s.data.Persons[s.hits[0]].ID)
	assert.Contains(t, s.count.Text, fmt.Sprintf("%d of 300 persons", len(s.hits)))

	s.search.SetText("")
	s.status.SetSelected(statusTitle(engine.StatusBlocked))
	h.wait()
	for _, i := range s.hits {
		assert.Equal(t, engine.StatusBlocked, s.data.Persons[i].Status)
	}
	require.NotEmpty(t, s.hits)

	s.list.Select(0)
	h.wait()
	require.NotNil(t, s.shown)
	assert.Equal(t, s.data.Persons[s.hits[0]].ID, s.shown.Person.ID)
	detail := texts(s.detail)
	assert.Contains(t, detail, "Blocking:", "a blocked person shows why")
}

func TestPersonDetailShowsContractsDepartmentAndManager(t *testing.T) {
	h := newHarness(t, true)
	h.w.Show(ScreenPersons)
	h.wait()
	s := h.w.persons
	var id string
	for _, p := range s.data.Persons {
		d, err := h.app.Person(context.Background(), p.ID)
		require.NoError(t, err)
		if len(d.Contracts) > 1 && d.Manager != nil {
			id = p.ID
			break
		}
	}
	require.NotEmpty(t, id)
	s.open(id)
	h.wait()
	d := s.shown
	require.NotNil(t, d)
	detail := texts(s.detail)
	assert.Contains(t, detail, d.Person.DisplayName)
	assert.Contains(t, detail, strings.Join(d.DepartmentPath, " › "))
	assert.Contains(t, detail, fmt.Sprintf("Contracts (%d)", len(d.Contracts)))

	manager := button(s.detail, fmt.Sprintf("%s (%s)", d.Manager.DisplayName, d.Manager.ID))
	require.NotNil(t, manager, "the manager is a link")
	test.Tap(manager)
	h.wait()
	assert.Equal(t, d.Manager.ID, s.shown.Person.ID)
}

// writeExport writes a one-file export with n persons.
func writeExport(t *testing.T, path string, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("Id;First;Last;Start;Dept\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d;Given%d;Family%d;01-01-2020;D%d\n", i, i, i, i%3)
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
}

func (h *harness) setting(e *sourceEditor, key string) *settingInput {
	h.t.Helper()
	in := e.settings.input(key)
	if in == nil {
		h.t.Fatalf("no setting %q", key)
	}
	return in
}

func TestSourceFormCreatesASourceWithALivePreviewAndImportsIt(t *testing.T) {
	h := newHarness(t, false)
	file := filepath.Join(t.TempDir(), "export.csv")
	writeExport(t, file, 12)
	h.w.Show(ScreenSources)
	h.wait()
	test.Tap(button(h.w.sources.root, "Add source system"))
	h.wait()
	e := h.w.sources.editor
	require.NotNil(t, e)
	e.debounce = 0

	test.Type(e.name, "Payroll export")
	h.setting(e, "file").entry.SetText(file)
	h.setting(e, "personKey").entry.SetText("Id")
	h.wait()
	assert.ElementsMatch(t, []string{"Id", "First", "Last", "Start", "Dept"}, e.columns.PersonFields, "the pickers offer the file's columns")
	require.Len(t, e.preview.samples, 12)

	person := e.mappings[0]
	person.rows[0].column.SetText("Id")
	person.rows[1].column.SetText("First")
	person.rows[2].column.SetText("Last")
	person.rows[3].field.SetSelected("DisplayName")
	person.rows[3].typ.SetSelected("JavaScript")
	person.rows[3].script.SetText("source.First + ' ' + source.Last.toUpperCase()")
	contract := e.mappings[1]
	contract.rows[0].column.SetText("Id")
	contract.rows[1].column.SetText("Start")
	contract.rows[2].typ.SetSelected("Fixed value")
	contract.rows[2].fixed.SetText("")
	contract.rows[3].column.SetText("Dept")
	contract.rows[4].typ.SetSelected("Fixed value")
	contract.rows[4].fixed.SetText("Clerk")
	h.setting(e, "delimiter").sel.SetSelected(";")
	e.formats.SetText("dd-MM-yyyy")
	h.wait()

	require.NotNil(t, e.preview.person, "the preview maps the first sample")
	assert.Equal(t, "Given1 FAMILY1", e.preview.person.DisplayName)
	assert.Equal(t, engine.NewDate(2020, 1, 1), e.preview.person.Contracts[0].StartDate)
	assert.Empty(t, e.preview.errs)
	assert.Contains(t, texts(e.preview.mapped), "Given1 FAMILY1")
	assert.Equal(t, "", e.preview.aggValue, "the default aggregation value needs a birth date, which this source has not")
	assert.Contains(t, texts(e.preview.mapped), "(empty: never compared)")

	// the aggregation value is a mapping like the others
	e.aggValue.typ.SetSelected("Person field")
	e.aggValue.field.SetSelected("ExternalId")
	h.wait()
	assert.Equal(t, "1", e.preview.aggValue)
	e.aggValue.typ.SetSelected("JavaScript")
	e.aggValue.script.SetText("Person.Name.Nope.length")
	h.wait()
	assert.Contains(t, texts(e.preview.mapped), "Nope")
	e.aggValue.typ.SetSelected("Person field")
	h.wait()

	// a snippet that fails shows the problem in the preview, naming the field
	person.rows[3].script.SetText("source.Nope.length")
	h.wait()
	require.Len(t, e.preview.errs, 1)
	assert.Contains(t, texts(e.preview.issues), "DisplayName")
	person.rows[3].script.SetText("source.First + ' ' + source.Last")
	h.wait()

	// a threshold that is not a number is explained, and nothing is saved
	e.limits["removed.percent"].SetText("ten")
	test.Tap(e.save)
	h.wait()
	assert.True(t, e.problem.Visible())
	assert.Contains(t, e.problem.Text, "removed persons")
	e.limits["removed.percent"].SetText("10")
	test.Tap(e.save)
	h.wait()
	assert.Nil(t, h.w.sources.editor, "saving closes the editor")
	cfg, err := h.app.Config(context.Background())
	require.NoError(t, err)
	require.Len(t, cfg.SourceSystems, 1)
	src := cfg.SourceSystems[0]
	assert.Equal(t, "payroll-export", src.Key)
	assert.Equal(t, 10.0, *src.Thresholds.Removed.MaxPercent)
	assert.Equal(t, "Id", src.Settings["personKey"])
	assert.Equal(t, &engine.StageValue{Type: engine.MapField, Value: "ExternalId"}, src.AggregationValue)

	// import it from the source's page
	assert.Equal(t, "payroll-export", h.w.sources.selected)
	test.Tap(button(h.w.sources.body, "Import now"))
	h.wait()
	assert.Equal(t, ScreenImports, h.w.current)
	require.NotEmpty(t, h.w.imports.runs)
	assert.Equal(t, engine.ImportAccepted, h.w.imports.runs[0].Status)
	list, err := h.app.Persons(context.Background())
	require.NoError(t, err)
	assert.Len(t, list.Persons, 12)
}

func TestSourceEditorShowsWhyASourceCannotBeSaved(t *testing.T) {
	h := newHarness(t, false)
	h.w.Show(ScreenSources)
	h.wait()
	h.w.sources.add()
	e := h.w.sources.editor
	e.debounce = 0
	test.Type(e.name, "Broken")
	test.Tap(e.save)
	h.wait()
	require.True(t, e.problem.Visible())
	assert.Contains(t, e.problem.Text, "required", "a missing file or key is named")
	assert.NotNil(t, h.w.sources.editor, "the editor stays open")
}

func TestPendingImportIsApprovedFromTheImportsScreen(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	cfg, err := h.app.Config(ctx)
	require.NoError(t, err)
	src := cfg.SourceSystems[0]
	zero := 0
	src.Thresholds.Removed = engine.Threshold{MaxCount: &zero}
	_, err = h.app.SaveSourceSystem(ctx, src, src.Key)
	require.NoError(t, err)
	// drop the last person from the persons file
	path := filepath.Join(h.app.Dir(), app.DemoDataDir, "persons.csv")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines[:len(lines)-1], "\n")+"\n"), 0o600))

	h.w.Show(ScreenImports)
	h.wait()
	test.Tap(h.w.imports.run)
	h.wait()
	test.Tap(h.overlayButton("OK")) // "Import waits for approval"
	runs := h.w.imports.runs
	require.Equal(t, engine.ImportPending, runs[0].Status)
	assert.Equal(t, runs[0].ID, h.w.imports.shown.ID, "the new import is shown")
	approve := button(h.w.imports.detail, "Approve")
	require.NotNil(t, approve)
	h.w.imports.note.SetText("a leaver")
	test.Tap(approve)
	test.Tap(h.overlayButton("Yes"))
	h.wait()
	run, err := h.app.Import(ctx, runs[0].ID)
	require.NoError(t, err)
	assert.Equal(t, engine.ImportAccepted, run.Status)
	assert.Equal(t, "a leaver", run.Message)
	snap, err := h.app.Snapshot(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, 299, snap.Persons)
}

func TestImportCanBeCancelled(t *testing.T) {
	h := newHarness(t, false)
	file := filepath.Join(t.TempDir(), "big.csv")
	writeExport(t, file, 60000)
	_, err := h.app.SaveSourceSystem(context.Background(), engine.SourceSystem{
		Name: "Big", Kind: "csv", Settings: map[string]string{"file": file, "personKey": "Id"},
		DateFormats: []string{"dd-MM-yyyy"},
		Mapping: engine.SourceMapping{Person: []engine.FieldMapping{
			{Field: "DisplayName", Type: engine.MapComplex, Value: "source.First + ' ' + source.Last"}}},
	}, "")
	require.NoError(t, err)
	h.w.Show(ScreenImports)
	h.wait()
	h.w.imports.runImport(nil)
	assert.True(t, h.w.imports.progress.Running())
	assert.True(t, h.w.imports.progress.box.Visible(), "progress and Cancel are shown")
	assert.True(t, h.w.imports.run.Disabled())
	test.Tap(h.w.imports.progress.cancel)
	h.wait()
	assert.False(t, h.w.imports.progress.box.Visible())
	assert.False(t, h.w.imports.run.Disabled())
	runs, err := h.app.Imports(context.Background())
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, engine.ImportCanceled, runs[0].Status)
	_, err = h.app.Snapshot(context.Background(), 0)
	assert.True(t, engine.IsCode(err, engine.NotFound), "nothing was stored")
}

func TestSnapshotsAreComparedFieldByField(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	path := filepath.Join(h.app.Dir(), app.DemoDataDir, "persons.csv")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(string(raw), "\n")
	fields := strings.Split(lines[1], ";")
	id := fields[0]
	fields[5] = "Renamed"
	lines[1] = strings.Join(fields, ";")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600))
	_, err = h.app.RunImport(ctx, nil, nil)
	require.NoError(t, err)

	h.w.Show(ScreenImports)
	h.wait()
	h.w.imports.tabs.SelectIndex(1)
	h.wait()
	v := h.w.imports.snaps
	require.Len(t, v.snaps, 2)
	v.table.Select(widget.TableCellID{Row: 0, Col: 0})
	h.wait()
	require.NotNil(t, v.diff)
	assert.Contains(t, v.summary.Text, "From snapshot 1 to 2: 0 added, 0 removed, 1 changed.")
	require.Len(t, v.entries, 1)
	assert.Equal(t, "hr:"+id, v.entries[0].ID)
	v.list.Select(0)
	h.wait()
	var paths []string
	for _, c := range v.changes {
		paths = append(paths, c.Path)
		if c.Path == "Name.FamilyName" {
			assert.Equal(t, "Renamed", c.New)
		}
	}
	assert.Contains(t, paths, "Name.FamilyName")
}

var _ = container.NewVBox

func TestSettingsAddCustomFieldsAndTheyCannotBeRemovedWhileMapped(t *testing.T) {
	h := newHarness(t, true)
	h.w.Show(ScreenSettings)
	h.wait()
	s := h.w.settings
	require.Len(t, s.personFields.rows, 1, "the demo declares PreferredLanguage")

	test.Tap(button(s.root, "Add custom field"))
	r := s.personFields.rows[1]
	r.name.SetText("EmployeeType")
	r.typ.SetSelected("text")
	test.Tap(button(s.root, "Save custom fields"))
	h.wait()
	assert.False(t, s.schemaProblem.Visible())
	cfg, err := h.app.Config(context.Background())
	require.NoError(t, err)
	require.Len(t, cfg.Schema.PersonFields, 2)
	assert.Equal(t, "EmployeeType", cfg.Schema.PersonFields[1].Name)

	// PreferredLanguage is mapped by the demo source: removing it is refused
	s.personFields.set(nil)
	test.Tap(button(s.root, "Save custom fields"))
	h.wait()
	require.True(t, s.schemaProblem.Visible())
	assert.Contains(t, s.schemaProblem.Text, "Custom.PreferredLanguage")
	cfg, _ = h.app.Config(context.Background())
	assert.Len(t, cfg.Schema.PersonFields, 2, "nothing changed")
}

func TestSettingsChangeThePrimaryContractOrdering(t *testing.T) {
	h := newHarness(t, true)
	h.w.Show(ScreenSettings)
	h.wait()
	o := h.w.settings.order
	require.Len(t, o.rows, 6)
	o.set(engine.PrimaryContractOrder{Criteria: []engine.SortCriterion{{Field: "StartDate"}}})
	test.Tap(button(h.w.settings.root, "Save ordering"))
	h.wait()
	cfg, err := h.app.Config(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []engine.SortCriterion{{Field: "StartDate"}}, cfg.PrimaryContract.Criteria)

	o.set(engine.PrimaryContractOrder{Criteria: []engine.SortCriterion{{Field: ""}}})
	test.Tap(button(h.w.settings.root, "Save ordering"))
	h.wait()
	assert.True(t, h.w.settings.orderProblem.Visible(), "a step without a field is explained")
}

func TestClosingTheWindowDuringAnImportCancelsItFirst(t *testing.T) {
	test.NewTempApp(t)
	closed := false
	win := test.NewWindow(nil) // closed by the test, not by a cleanup
	win.SetOnClosed(func() { closed = true })
	h := newHarnessIn(t, false, win)
	file := filepath.Join(t.TempDir(), "big.csv")
	writeExport(t, file, 60000)
	_, err := h.app.SaveSourceSystem(context.Background(), engine.SourceSystem{
		Name: "Big", Kind: "csv", Settings: map[string]string{"file": file, "personKey": "Id"},
		DateFormats: []string{"dd-MM-yyyy"},
	}, "")
	require.NoError(t, err)
	h.w.Show(ScreenImports)
	h.wait()
	h.w.imports.runImport(nil)
	require.True(t, h.w.imports.progress.Running())
	h.w.close()
	test.Tap(h.overlayButton("Yes"))
	h.wait()
	assert.False(t, h.w.imports.progress.Running())
	runs, err := h.app.Imports(context.Background())
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, engine.ImportCanceled, runs[0].Status, "the import was cancelled, not cut off")
	assert.True(t, closed, "then the window closes")
}

func TestADebouncedCallReplacedAfterItFiredDoesNotRun(t *testing.T) {
	var j jobs
	j.testMode()
	var timer *time.Timer
	var ran []string
	j.debounce(&timer, 0, func() { ran = append(ran, "older") })
	// the older timer fires and queues its work before the newer call
	require.Eventually(t, func() bool {
		j.mu.Lock()
		defer j.mu.Unlock()
		return len(j.queue) == 1
	}, 5*time.Second, time.Millisecond)
	j.debounce(&timer, 0, func() { ran = append(ran, "newer") })
	j.wait()
	assert.Equal(t, []string{"newer"}, ran, "the older input's work is dropped")
}
