package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/connectors/file"
	"provisio/engine"
	"provisio/engine/enforce"
)

// staffWorkspace is a small workspace for enforcement: persons from a CSV
// export, a directory file target "dir" ("Directory"), and a published
// rule "Staff" that gives everyone an account, access and the permission
// "staff". It is evaluated once.
type staffWorkspace struct {
	t       *testing.T
	a       *app.App
	dir     string // the workspace folder
	dirFile string // the target's directory file
}

// staffOptions shape a staff workspace.
type staffOptions struct {
	persons int
	// declare lists the permissions the directory file declares: a grant
	// of one it does not declare fails.
	declare     []string
	thresholds  []engine.ActionThreshold
	concurrency int
}

func newStaffWorkspace(t *testing.T, o staffOptions) *staffWorkspace {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	w := &staffWorkspace{t: t, dir: filepath.Join(root, "ws"), dirFile: filepath.Join(root, "directory.json")}
	w.open()

	export := filepath.Join(root, "export.csv")
	var b strings.Builder
	b.WriteString("Id;First;Last;Email;Contract;Start\n")
	for i := 1; i <= o.persons; i++ {
		fmt.Fprintf(&b, "%d;Given%d;Family%d;given%d@example.org;%d-1;01-01-2020\n", i, i, i, i, i)
	}
	require.NoError(t, os.WriteFile(export, []byte(b.String()), 0o600))
	_, err := w.a.SaveSourceSystem(ctx, engine.SourceSystem{
		Name: "HR", Kind: "csv",
		Settings:    map[string]string{"layout": "single", "file": export, "personKey": "Id"},
		DateFormats: []string{"dd-MM-yyyy"},
		Mapping: engine.SourceMapping{
			Person: []engine.FieldMapping{
				{Field: "ExternalId", Type: engine.MapField, Value: "Id", Required: true},
				{Field: "Name.GivenName", Type: engine.MapField, Value: "First", Required: true},
				{Field: "Name.FamilyName", Type: engine.MapField, Value: "Last", Required: true},
				{Field: "DisplayName", Type: engine.MapComplex, Value: "source.First + ' ' + source.Last"},
				{Field: "Contact.Business.Email", Type: engine.MapField, Value: "Email"},
			},
			Contract: []engine.FieldMapping{
				{Field: "ExternalId", Type: engine.MapField, Value: "Contract"},
				{Field: "StartDate", Type: engine.MapField, Value: "Start", Required: true},
			},
		},
	}, "")
	require.NoError(t, err)

	w.declare(o.declare...)
	field := func(v string) map[engine.Stage]*engine.StageValue {
		return map[engine.Stage]*engine.StageValue{engine.StageCreate: {Type: engine.MapField, Value: v}, engine.StageUpdate: {Type: engine.MapField, Value: v}}
	}
	_, err = w.a.SaveTargetSystem(ctx, engine.TargetSystem{
		Key: "dir", Name: "Directory", Kind: "file",
		Permissions: []engine.Permission{{ID: "staff", Name: "Staff"}},
		Settings:    map[string]string{"path": w.dirFile, "identity": "userName"},
		Mapping: []engine.AttributeMapping{
			{Attribute: "userName", Unique: true, Stages: map[engine.Stage]*engine.StageValue{
				engine.StageCreate: {Type: engine.MapComplex, Value: "(Person.Name.GivenName + '.' + Person.Name.FamilyName).toLowerCase()"}}},
			{Attribute: "displayName", Stages: field("DisplayName")},
			{Attribute: "mail", Stages: field("Contact.Business.Email")},
		},
		Thresholds:  o.thresholds,
		Concurrency: o.concurrency,
	}, "")
	require.NoError(t, err)
	id, err := w.a.SaveRuleDraft(ctx, "", engine.RuleBody{
		Name: "Staff", Status: engine.RuleActive,
		Entitlements: []engine.Entitlement{
			{Target: "dir", Kind: engine.KindAccount}, {Target: "dir", Kind: engine.KindAccess},
			{Target: "dir", Kind: engine.KindPermission, Permission: "staff"},
		},
	})
	require.NoError(t, err)
	require.NoError(t, w.a.PublishRule(ctx, id))
	_, err = w.a.RunImport(ctx, nil, nil)
	require.NoError(t, err)
	_, err = w.a.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	return w
}

// open opens the workspace (again).
func (w *staffWorkspace) open() {
	w.t.Helper()
	a, err := app.Open(w.dir, app.Options{Clock: engine.FixedClock(testDay)})
	require.NoError(w.t, err)
	w.a = a
	w.t.Cleanup(func() { a.Close() })
}

// declare makes the directory file declare permissions, keeping its
// accounts.
func (w *staffWorkspace) declare(perms ...string) {
	w.t.Helper()
	d, err := file.ReadDirectory(w.dirFile)
	require.NoError(w.t, err)
	d.Permissions = nil
	for _, p := range perms {
		d.Permissions = append(d.Permissions, engine.Permission{ID: p})
	}
	require.NoError(w.t, file.WriteDirectory(w.dirFile, d))
}

// accounts reads the directory file's accounts.
func (w *staffWorkspace) accounts() []file.Account {
	w.t.Helper()
	d, err := file.ReadDirectory(w.dirFile)
	require.NoError(w.t, err)
	return d.Accounts
}

// enforce runs the latest plan through the app, not the screen.
func (w *staffWorkspace) enforce() *engine.EnforcementRun {
	w.t.Helper()
	run, err := w.a.Enforce(context.Background(), app.EnforceOptions{}, nil)
	require.NoError(w.t, err)
	return run
}

// harnessOn opens the main window on a workspace.
func harnessOn(t *testing.T, a *app.App) *harness {
	t.Helper()
	test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	j := &jobs{}
	j.testMode()
	h := &harness{t: t, app: a, win: win, w: newWindow(a, win, j)}
	win.Resize(fyne.NewSize(1200, 760))
	h.w.persons.debounce = 0
	h.w.enforce.debounce = 0
	h.w.audit.debounce = 0
	h.wait()
	return h
}

// enforceScreen opens the Enforcement screen.
func (h *harness) enforceScreen() *enforceScreen {
	h.t.Helper()
	h.w.Show(ScreenEnforcement)
	h.wait()
	return h.w.enforce
}

// startRun presses Enforce… and confirms with the dialog's button.
func (h *harness) startRun(s *enforceScreen, confirm string) string {
	h.t.Helper()
	require.False(h.t, s.start.Disabled(), "Enforce… is enabled: %s", s.planHint.Text)
	test.Tap(s.start)
	h.wait()
	shown := texts(h.win.Canvas().Overlays().Top())
	test.Tap(h.overlayButton(confirm))
	h.wait()
	return shown
}

// confirm answers a confirmation dialog with its button.
func (h *harness) confirm(text string) string {
	h.t.Helper()
	shown := texts(h.win.Canvas().Overlays().Top())
	test.Tap(h.overlayButton(text))
	h.wait()
	return shown
}

// shownResults returns the results the list shows, with their actions.
func (s *enforceScreen) shownResults() ([]engine.ActionResult, []*engine.Action) {
	res := make([]engine.ActionResult, len(s.hits))
	acts := make([]*engine.Action, len(s.hits))
	for k, i := range s.hits {
		res[k] = s.view.d.Results[i]
		acts[k] = s.view.action(int(i))
	}
	return res, acts
}

// selectOption chooses the option of a select that starts with prefix.
func selectOption(t *testing.T, options []string, prefix string) string {
	t.Helper()
	for _, o := range options {
		if strings.HasPrefix(o, prefix) {
			return o
		}
	}
	require.Failf(t, "no such option", "%q not in %q", prefix, options)
	return ""
}

func TestEnforcementWritesTheLatestEvaluationAndShowsTheResults(t *testing.T) {
	w := newStaffWorkspace(t, staffOptions{persons: 10, declare: []string{"staff"}})
	h := harnessOn(t, w.a)
	s := h.enforceScreen()
	assert.Contains(t, s.heading.Text, "No enforcement run yet")
	require.Len(t, s.plan.Options, 1)
	assert.Equal(t, s.plan.Options[0], s.plan.Selected, "the latest evaluation of the rules in force is offered")
	assert.Contains(t, s.planHint.Text, "Evaluation #1 of the rules in force")
	assert.Contains(t, s.planHint.Text, "30 actions in 1 target system")

	asked := h.startRun(s, "Write to the targets")
	assert.Contains(t, asked, "Write the plan of evaluation #1")
	assert.Contains(t, asked, "Directory: 30 actions")
	assert.Contains(t, asked, "10 create · 10 enable · 10 grant", "counts per target and operation")
	assert.Contains(t, asked, "Writes 30 actions in 1 target system.")

	require.NotNil(t, s.view, "the run is shown")
	assert.Equal(t, engine.RunDone, s.view.d.Run.Status)
	assert.Equal(t, "Run #1 finished: 30 done.", s.status.Text)
	assert.Len(t, s.history.Options, 1)
	assert.Equal(t, s.history.Options[0], s.history.Selected)
	assert.Equal(t, "Done: 30   ·   Failed: 0   ·   Waiting for approval: 0   ·   Duration: under 1 ms", s.figures.Text)
	assert.False(t, s.banner.box.Visible())
	assert.False(t, s.blockedBar.Visible())
	assert.False(t, s.failedBar.Visible())
	assert.Len(t, s.hits, 30)
	assert.Equal(t, "30 of 30 actions", s.count.Text)
	assert.Len(t, w.accounts(), 10, "the directory file has the accounts")
	assert.False(t, s.progress.box.Visible())

	// filter by operation and person
	s.op.SetSelected("Grant")
	h.wait()
	require.Len(t, s.hits, 10)
	_, acts := s.shownResults()
	for _, a := range acts {
		assert.Equal(t, engine.OpGrant, a.Op)
	}
	test.Type(s.search, "given3 ")
	h.wait()
	require.Len(t, s.hits, 1)
	s.list.Select(0)
	h.wait()
	detail := texts(s.detail)
	assert.Contains(t, detail, "Grant Directory: permission staff (Staff)")
	assert.Contains(t, detail, "Done")
	assert.Contains(t, detail, "Because of: Staff")

	// a create, with the attributes it wrote
	s.search.SetText("")
	s.op.SetSelected("Create")
	s.outcome.SetSelected(selectOption(t, s.outcome.Options, "Done"))
	h.wait()
	require.Len(t, s.hits, 10)
	s.list.Select(0)
	h.wait()
	detail = texts(s.detail)
	assert.Contains(t, detail, "Attribute changes (3): old → new")
	assert.Contains(t, detail, "– → given1.family1")
	assert.Contains(t, detail, "acct-", "the reference the target gave the account")
}

func TestEnforceThisPlanOpensTheScreenOnThatEvaluationAndWhatIfsAreExplained(t *testing.T) {
	w := newStaffWorkspace(t, staffOptions{persons: 3, declare: []string{"staff"}})
	ctx := context.Background()
	whatIf, err := w.a.Evaluate(ctx, app.EvaluateOptions{WithDrafts: true}, nil)
	require.NoError(t, err)
	h := harnessOn(t, w.a)

	h.w.Show(ScreenEvaluation)
	h.wait()
	ev := h.w.evaluation
	require.NotNil(t, ev.view)
	assert.Equal(t, whatIf.ID, ev.view.ev.ID, "the newest evaluation is shown")
	require.True(t, ev.enforceBtn.Visible())
	test.Tap(ev.enforceBtn)
	h.wait()
	s := h.w.enforce
	assert.Equal(t, ScreenEnforcement, h.w.current)
	assert.Equal(t, enfPlanLabel(whatIf), s.plan.Selected)
	assert.Contains(t, s.planHint.Text, "is a what-if")
	assert.Contains(t, s.planHint.Text, "cannot be enforced")
	assert.True(t, s.start.Disabled())

	// the evaluation of the rules in force can be
	s.plan.SetSelected(selectOption(t, s.plan.Options, "#1 "))
	h.wait()
	assert.False(t, s.start.Disabled())
	asked := h.startRun(s, "Write to the targets")
	assert.Contains(t, asked, "evaluation #1")
	require.NotNil(t, s.view)
	assert.Equal(t, uint64(1), s.view.d.Run.Evaluation)
	assert.Contains(t, s.planHint.Text, "Run #1 already enforced it")
}

func TestDryRunChecksWithTheTargetsAndWritesNothing(t *testing.T) {
	w := newStaffWorkspace(t, staffOptions{persons: 4, declare: []string{"staff"}})
	h := harnessOn(t, w.a)
	s := h.enforceScreen()
	s.dryRun.SetChecked(true)
	asked := h.startRun(s, "Check with the targets")
	assert.Contains(t, asked, "A dry run writes nothing")
	assert.Contains(t, asked, "Checks 12 actions in 1 target system.")
	require.NotNil(t, s.view)
	assert.True(t, s.view.d.Run.DryRun)
	assert.Contains(t, s.status.Text, "Dry run #1 finished")
	assert.Contains(t, s.status.Text, "Nothing was written.")
	assert.Contains(t, s.heading.Text, "Dry run #1")
	assert.Empty(t, w.accounts())
	assert.False(t, s.runAudit.Visible(), "a dry run has no audit entries")
}

func TestEnforcementWritesOnlyTheTargetsLeftChecked(t *testing.T) {
	w := newStaffWorkspace(t, staffOptions{persons: 2, declare: []string{"staff"}})
	h := harnessOn(t, w.a)
	s := h.enforceScreen()
	test.Tap(s.start)
	h.wait()
	top := h.win.Canvas().Overlays().Top()
	check, _ := find(top, func(o fyne.CanvasObject) bool {
		_, ok := o.(*widget.Check)
		return ok
	}).(*widget.Check)
	require.NotNil(t, check, "a check per target")
	assert.Equal(t, "Directory: 6 actions", check.Text)
	check.SetChecked(false)
	assert.Contains(t, texts(top), "Writes 0 actions in 0 target systems.")
	assert.True(t, h.overlayButton("Write to the targets").Disabled(), "nothing to write")
	test.Tap(h.overlayButton("Cancel"))
	h.wait()
	assert.Nil(t, s.view, "no run")
}

func TestCancelStopsARunThatResumeThenFinishes(t *testing.T) {
	w := newStaffWorkspace(t, staffOptions{persons: 12, declare: []string{"staff"}, concurrency: 1})
	h := harnessOn(t, w.a)
	s := h.enforceScreen()
	cancelled := make(chan struct{})
	s.progressHook = func(p enforce.Progress) {
		if p.Done == 5 {
			// press Cancel on the UI goroutine while the run waits here
			h.w.jobs.post(func() {
				assert.True(t, s.progress.box.Visible())
				assert.Contains(t, s.progress.label.Text, "of 36 actions")
				test.Tap(s.progress.cancel)
				close(cancelled)
			})
			<-cancelled
		}
	}
	h.startRun(s, "Write to the targets")
	s.progressHook = nil
	require.NotNil(t, s.view)
	run := s.view.d.Run
	assert.Equal(t, engine.RunCanceled, run.Status)
	pending := s.view.counts[engine.OutcomePending]
	assert.Positive(t, pending)
	assert.Less(t, s.view.counts[engine.OutcomeDone], 36)
	assert.Contains(t, s.status.Text, "Run #1 was cancelled")
	require.True(t, s.banner.box.Visible())
	assert.Contains(t, s.banner.text.Text, fmt.Sprintf("Run #1 was cancelled with %d actions not done yet", pending))
	assert.Contains(t, s.history.Selected, "cancelled")

	// the dashboard offers to resume it
	h.w.Show(ScreenDashboard)
	h.wait()
	resume := button(h.w.dashboard.attention, "Resume run #1")
	require.NotNil(t, resume)
	test.Tap(resume)
	h.wait()
	assert.Equal(t, ScreenEnforcement, h.w.current)
	require.NotNil(t, s.view)
	assert.Equal(t, engine.RunDone, s.view.d.Run.Status)
	assert.Equal(t, 36, s.view.counts[engine.OutcomeDone])
	assert.False(t, s.banner.box.Visible())
	assert.Len(t, w.accounts(), 12, "every account once")
	n, err := w.a.VerifyAudit(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 36+configured(t, w.a), n, "every action written is audited once, after the set-up")
}

func TestResumeFromTheBannerFinishesACancelledRun(t *testing.T) {
	w := newStaffWorkspace(t, staffOptions{persons: 6, declare: []string{"staff"}, concurrency: 1})
	ctx, cancel := context.WithCancel(context.Background())
	_, err := w.a.Enforce(ctx, app.EnforceOptions{}, func(p enforce.Progress) {
		if p.Done == 3 {
			cancel()
		}
	})
	require.True(t, engine.IsCode(err, engine.Canceled), "got %v", err)
	h := harnessOn(t, w.a)
	s := h.enforceScreen()
	require.True(t, s.banner.box.Visible())
	test.Tap(s.banner.button)
	h.wait()
	assert.Equal(t, engine.RunDone, s.view.d.Run.Status)
	assert.Equal(t, "Run #1 finished: 18 done.", s.status.Text)
	assert.False(t, s.banner.box.Visible())
}

func TestThresholdHoldsActionsBackUntilSomeAreApprovedAndTheRestRejected(t *testing.T) {
	three := 3
	w := newStaffWorkspace(t, staffOptions{persons: 6, declare: []string{"staff"},
		thresholds: []engine.ActionThreshold{{Op: engine.OpGrant, MaxCount: &three}}})
	h := harnessOn(t, w.a)
	s := h.enforceScreen()
	asked := h.startRun(s, "Write to the targets")
	assert.Contains(t, asked, "Directory: 6 grant actions wait for approval when more than 3")

	require.NotNil(t, s.view)
	assert.Equal(t, 12, s.view.counts[engine.OutcomeDone])
	assert.Equal(t, 6, s.view.counts[engine.OutcomeBlocked])
	assert.Contains(t, s.status.Text, "6 actions wait for your approval")
	assert.Equal(t, "Thresholds exceeded: Directory: 6 grant actions exceed the limit of 3.", s.breaches.Text)
	require.True(t, s.blockedBar.Visible())
	assert.Equal(t, "6 actions wait for your approval", s.blockedText.Text)
	assert.True(t, s.approveSel.Disabled(), "nothing selected yet")

	// approve two of them
	s.outcome.SetSelected(selectOption(t, s.outcome.Options, "Waiting for approval (6)"))
	h.wait()
	require.Len(t, s.hits, 6)
	s.choose(int(s.hits[0]), true)
	s.choose(int(s.hits[1]), true)
	assert.Equal(t, "Approve selected (2)", s.approveSel.Text)
	assert.Equal(t, "2 selected", s.chosenText.Text)
	test.Tap(s.approveSel)
	asked = h.confirm("Approve and write")
	assert.Contains(t, asked, "Approve 2 actions?")
	assert.Contains(t, asked, "Directory: 2 grant")
	assert.Equal(t, 14, s.view.counts[engine.OutcomeDone])
	assert.Equal(t, 4, s.view.counts[engine.OutcomeBlocked])
	assert.Len(t, s.hits, 4, "the filter still shows what waits")
	assert.Equal(t, "0 selected", s.chosenText.Text)

	// reject the rest
	test.Tap(s.selectShown)
	assert.Equal(t, "Reject selected (4)", s.rejectSel.Text)
	test.Tap(s.rejectSel)
	asked = h.confirm("Reject")
	assert.Contains(t, asked, "Reject 4 actions?")
	assert.Equal(t, 4, s.view.counts[engine.OutcomeRejected])
	assert.Zero(t, s.view.counts[engine.OutcomeBlocked])
	assert.False(t, s.blockedBar.Visible())
	assert.Contains(t, s.status.Text, "4 actions of run #1 rejected")

	granted := 0
	for _, a := range w.accounts() {
		if len(a.Permissions) > 0 {
			granted++
		}
	}
	assert.Equal(t, 2, granted, "only the approved grants were written")
}

func TestFailedActionsAreRetriedOnceTheCauseIsFixed(t *testing.T) {
	w := newStaffWorkspace(t, staffOptions{persons: 5}) // the file declares no permission yet
	h := harnessOn(t, w.a)
	s := h.enforceScreen()
	h.startRun(s, "Write to the targets")
	require.NotNil(t, s.view)
	assert.Equal(t, 5, s.view.counts[engine.OutcomeFailed])
	assert.Equal(t, "Run #1 finished: 10 done, 5 failed.", s.status.Text)
	require.True(t, s.failedBar.Visible())
	assert.Contains(t, s.failedText.Text, "5 actions failed")

	s.outcome.SetSelected(selectOption(t, s.outcome.Options, "Failed"))
	h.wait()
	require.Len(t, s.hits, 5)
	s.list.Select(0)
	h.wait()
	detail := texts(s.detail)
	assert.Contains(t, detail, "Failed")
	assert.Contains(t, detail, `has no permission "staff"`)
	assert.Contains(t, detail, "Tries")

	w.declare("staff")
	s.choose(int(s.hits[0]), true)
	test.Tap(s.retrySel)
	h.wait()
	assert.Equal(t, 4, s.view.counts[engine.OutcomeFailed])
	assert.Equal(t, 11, s.view.counts[engine.OutcomeDone])

	test.Tap(s.retryAll)
	h.wait()
	assert.Zero(t, s.view.counts[engine.OutcomeFailed])
	assert.Equal(t, 15, s.view.counts[engine.OutcomeDone])
	assert.False(t, s.failedBar.Visible())
	assert.Equal(t, "Run #1 finished: 15 done.", s.status.Text)
}

func TestDashboardListsEnforcementThatNeedsAttention(t *testing.T) {
	three := 3
	// enables over the threshold wait; grants fail: the file declares no permission
	w := newStaffWorkspace(t, staffOptions{persons: 6, thresholds: []engine.ActionThreshold{{Op: engine.OpEnable, MaxCount: &three}}})
	w.enforce()
	h := harnessOn(t, w.a)
	d := h.w.dashboard
	attention := texts(d.attention)
	assert.Contains(t, attention, "6 actions of run #1 wait for approval: Directory: 6 enable actions exceed the limit of 3.")
	assert.Contains(t, attention, "6 actions of the latest run, #1, failed.")
	assert.Contains(t, d.enforcement.Text, "Run #1 of evaluation #1")

	test.Tap(button(d.attention, "Review run #1"))
	h.wait()
	s := h.w.enforce
	assert.Equal(t, ScreenEnforcement, h.w.current)
	require.Len(t, s.hits, 6)
	res, _ := s.shownResults()
	for _, r := range res {
		assert.Equal(t, engine.OutcomeBlocked, r.Outcome)
	}

	h.w.Show(ScreenDashboard)
	h.wait()
	test.Tap(button(d.attention, "Review the failures"))
	h.wait()
	require.Len(t, s.hits, 6)
	res, _ = s.shownResults()
	for _, r := range res {
		assert.Equal(t, engine.OutcomeFailed, r.Outcome)
	}
}

func TestPlanMadeBeforeTheTargetsChangedOffersToEvaluateAgain(t *testing.T) {
	w := newStaffWorkspace(t, staffOptions{persons: 2, declare: []string{"staff"}})
	w.enforce()
	h := harnessOn(t, w.a)
	s := h.enforceScreen()
	h.startRun(s, "Write to the targets")
	top := h.win.Canvas().Overlays().Top()
	require.NotNil(t, top)
	assert.Contains(t, texts(top), "made before the targets or the decisions on persons (merges, exclusions) last changed")
	test.Tap(h.overlayButton("Evaluate now"))
	h.wait()
	assert.Equal(t, ScreenEvaluation, h.w.current)
	evals, err := w.a.Evaluations(context.Background())
	require.NoError(t, err)
	assert.Len(t, evals, 2)
}

func TestEnforcingTheDemoPlanWritesItsDirectoryFiles(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	info, err := h.app.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	s := h.enforceScreen()
	h.w.enforce.debounce = 0
	asked := h.startRun(s, "Write to the targets")
	assert.Contains(t, asked, "Active Directory: ")
	assert.Contains(t, asked, "Google Workspace: ")
	assert.Contains(t, asked, fmt.Sprintf("Writes %s actions in 2 target systems.", thousands(info.Actions)))
	require.NotNil(t, s.view)
	assert.Equal(t, engine.RunDone, s.view.d.Run.Status)
	assert.Equal(t, info.Actions, s.view.counts[engine.OutcomeDone], "every action of the plan is done")
	assert.Len(t, s.hits, info.Actions)

	// a person created in Active Directory has the account on their page
	var person string
	for _, a := range s.view.d.Actions {
		if a.Key.Target == "ad" && a.Op == engine.OpCreate {
			person = a.Person
			break
		}
	}
	require.NotEmpty(t, person)
	h.w.persons.openPerson(person)
	h.wait()
	detail := texts(h.w.persons.detail)
	assert.Contains(t, detail, "Active Directory")
	assert.Contains(t, detail, "sAMAccountName")
	assert.Regexp(t, `Account \S+ · enabled`, detail)

	a := h.auditScreen()
	assert.Len(t, a.entries, a.pageSize, "a page of the newest entries")
	assert.True(t, a.more.Visible())
}
