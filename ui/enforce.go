package ui

import (
	"context"
	"fmt"
	"image/color"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
	"provisio/engine/enforce"
)

// enforceScreen writes evaluations' plans to the target systems. It starts
// a run from a plan (the latest evaluation of the rules in force unless
// another is chosen) after a confirmation that says what will be written
// where, optionally as a dry run or for some targets only, and shows its
// progress with Cancel. It shows one run at a time, picked from the
// history: its figures, the thresholds it exceeded, and its results,
// filterable, each with its details. Actions a threshold held back are
// approved (and written) or rejected, all or those selected; failed ones
// are retried; an interrupted or cancelled run is resumed.
type enforceScreen struct {
	w *Window

	// starting a run
	plan     *widget.Select
	planHint *widget.Label
	dryRun   *widget.Check
	start    *widget.Button
	progress *progressPanel
	status   *widget.Label

	// the run shown
	history  *widget.Select
	banner   *noticeBanner // interrupted or cancelled: Resume
	heading  *widget.Label
	runAudit *widget.Button
	figures  *widget.Label
	breaches *widget.Label // the thresholds exceeded, while actions wait

	blockedBar  *fyne.Container
	blockedText *widget.Label
	approveSel  *widget.Button
	rejectSel   *widget.Button
	approveAll  *widget.Button
	rejectAll   *widget.Button
	failedBar   *fyne.Container
	failedText  *widget.Label
	retrySel    *widget.Button
	retryAll    *widget.Button

	// the results
	outcome     *widget.Select
	target      *widget.Select
	op          *widget.Select
	search      *widget.Entry
	selectBar   *fyne.Container
	selectShown *widget.Button
	clearChosen *widget.Button
	chosenText  *widget.Label
	count       *widget.Label
	list        *widget.List
	detail      *fyne.Container

	root fyne.CanvasObject

	evals       []engine.EvaluationInfo // newest first
	runs        []engine.EnforcementRun // newest first
	targets     targetIndex
	planID      uint64 // the plan to offer; 0: the latest of the rules in force
	showID      uint64 // the run to show; 0: the latest
	openID      uint64 // the run shown or being loaded
	view        *runView
	hits        []int32      // positions in view's results that pass the filters
	chosen      map[int]bool // results chosen for a decision, by position
	selected    int          // the result in the detail panel; -1: none
	outcomeKeys []engine.Outcome
	targetKeys  []string
	opKeys      []engine.ActionOp
	pendingSel  *engine.Outcome // an outcome to filter on once the run is open
	busy        bool            // a run, approval or retry is going
	syncing     bool            // widgets are being set from code

	// progressHook, when set (by tests), sees every progress report on
	// the goroutine that runs the enforcement.
	progressHook func(enforce.Progress)

	listGen, openGen, filterGen, prepGen int
	timer                                *time.Timer
	debounce                             time.Duration
}

const (
	enfAllOutcomes = "All outcomes"
	enfAllTargets  = "All targets"
	enfAllOps      = "All operations"
	enfNoDetail    = "Select an action to see what was written, or why not."
)

// enfOutcomes are the outcomes in the order the outcome filter offers
// them: those that need the administrator first.
var enfOutcomes = []engine.Outcome{engine.OutcomeBlocked, engine.OutcomeFailed, engine.OutcomePending, engine.OutcomeDone,
	engine.OutcomeRejected, engine.OutcomeSkipped, engine.OutcomeManual}

// outcomeLabel names an outcome for people.
func outcomeLabel(o engine.Outcome) string {
	switch o {
	case engine.OutcomeDone:
		return "Done"
	case engine.OutcomeFailed:
		return "Failed"
	case engine.OutcomeBlocked:
		return "Waiting for approval"
	case engine.OutcomeRejected:
		return "Rejected"
	case engine.OutcomeSkipped:
		return "Skipped"
	case engine.OutcomeManual:
		return "Changed by hand"
	case engine.OutcomePending:
		return "Not done yet"
	}
	return string(o)
}

func outcomeImportance(o engine.Outcome) widget.Importance {
	switch o {
	case engine.OutcomeDone:
		return widget.SuccessImportance
	case engine.OutcomeFailed:
		return widget.DangerImportance
	case engine.OutcomeBlocked, engine.OutcomePending:
		return widget.WarningImportance
	default:
		return widget.LowImportance
	}
}

func newEnforceScreen(w *Window) *enforceScreen {
	s := &enforceScreen{w: w, progress: newProgressPanel(), chosen: map[int]bool{}, selected: -1, debounce: 150 * time.Millisecond}

	s.plan = widget.NewSelect(nil, func(string) { s.planChanged() })
	s.plan.PlaceHolder = "No evaluation yet"
	s.planHint = helpLabel("")
	s.dryRun = widget.NewCheck("Dry run: check with the targets, write nothing", nil)
	s.start = widget.NewButtonWithIcon("Enforce…", theme.UploadIcon(), s.prepare)
	s.start.Importance = widget.HighImportance
	s.start.Disable()
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Hide()

	s.history = widget.NewSelect(nil, func(string) { s.historyChanged() })
	s.history.PlaceHolder = "No run yet"
	s.banner = newNoticeBanner()
	s.banner.button.SetText("Resume")
	s.banner.button.SetIcon(theme.MediaPlayIcon())
	s.banner.button.OnTapped = func() {
		if s.view != nil {
			s.resume(s.view.d.Run.ID)
		}
	}
	s.heading = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.heading.Wrapping = fyne.TextWrapWord
	s.runAudit = widget.NewButtonWithIcon("Audit entries of this run", theme.DocumentIcon(), s.runsAudit)
	s.runAudit.Hide()
	s.figures = widget.NewLabel("")
	s.figures.Wrapping = fyne.TextWrapWord
	s.figures.Hide()
	s.breaches = widget.NewLabel("")
	s.breaches.Wrapping = fyne.TextWrapWord
	s.breaches.Importance = widget.WarningImportance

	// one line each, so that the results keep the height: the buttons
	// say what they act on
	s.blockedText = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.blockedText.Truncation = fyne.TextTruncateEllipsis
	s.blockedText.Importance = widget.WarningImportance
	s.approveSel = widget.NewButtonWithIcon("Approve selected", theme.ConfirmIcon(), func() { s.decide(true, s.chosenOf(engine.OutcomeBlocked)) })
	s.rejectSel = widget.NewButtonWithIcon("Reject selected", theme.CancelIcon(), func() { s.decide(false, s.chosenOf(engine.OutcomeBlocked)) })
	s.approveAll = widget.NewButton("Approve all", func() { s.decide(true, nil) })
	s.approveAll.Importance = widget.HighImportance
	s.rejectAll = widget.NewButton("Reject all", func() { s.decide(false, nil) })
	s.blockedBar = container.NewVBox(container.NewBorder(nil, nil, nil,
		container.NewHBox(s.approveSel, s.rejectSel, s.approveAll, s.rejectAll), s.blockedText), s.breaches)
	s.blockedBar.Hide()
	s.failedText = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.failedText.Truncation = fyne.TextTruncateEllipsis
	s.failedText.Importance = widget.DangerImportance
	s.retrySel = widget.NewButtonWithIcon("Retry selected", theme.ViewRefreshIcon(), func() { s.retry(s.chosenOf(engine.OutcomeFailed)) })
	s.retryAll = widget.NewButtonWithIcon("Retry all failed", theme.ViewRefreshIcon(), func() { s.retry(nil) })
	s.failedBar = container.NewBorder(nil, nil, nil, container.NewHBox(s.retrySel, s.retryAll), s.failedText)
	s.failedBar.Hide()

	s.buildResults()

	wide := func(o fyne.CanvasObject, width float32) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(width, o.MinSize().Height), o)
	}
	title := widget.NewLabelWithStyle("Enforcement", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	history := container.NewHBox(widget.NewLabel("Showing"), wide(s.history, 380), widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), s.refresh))
	bar := container.NewBorder(nil, nil, widget.NewLabel("Plan"), container.NewHBox(s.dryRun, s.start), s.plan)
	top := container.NewVBox(container.NewBorder(nil, nil, title, history), bar, s.planHint, s.progress.box, s.status,
		s.banner.box, container.NewBorder(nil, nil, nil, container.NewVBox(s.runAudit), container.NewVBox(s.heading, s.figures)), s.blockedBar, s.failedBar)
	s.root = container.NewBorder(top, nil, nil, nil, s.resultsPane())
	s.showNothing()
	return s
}

func (s *enforceScreen) object() fyne.CanvasObject { return s.root }

// refresh reloads the evaluations, the runs and the targets, and shows
// the chosen run (the latest unless another was chosen).
func (s *enforceScreen) refresh() {
	s.listGen++
	gen := s.listGen
	s.w.jobs.run(func() func() {
		ctx := context.Background()
		evals, err := s.w.app.Evaluations(ctx)
		var runs []engine.EnforcementRun
		var cfg *engine.Config
		if err == nil {
			runs, err = s.w.app.Runs(ctx)
		}
		if err == nil {
			cfg, err = s.w.app.Config(ctx)
		}
		return func() {
			if gen != s.listGen {
				return
			}
			if err != nil {
				s.w.showError(err)
				return
			}
			targets := map[string]*engine.TargetSystem{}
			for i := range cfg.TargetSystems {
				targets[cfg.TargetSystems[i].Key] = &cfg.TargetSystems[i]
			}
			s.targets = targets
			s.setPlans(evals)
			s.setRuns(runs)
		}
	})
}

// openEvaluation shows the screen with evaluation id as the plan to
// enforce.
func (s *enforceScreen) openEvaluation(id uint64) {
	s.planID = id
	s.w.Show(ScreenEnforcement)
}

// openRun shows the screen on run id, its results filtered on outcome
// (all when empty).
func (s *enforceScreen) openRun(id uint64, outcome *engine.Outcome) {
	s.showID = id
	s.pendingSel = outcome
	if s.view != nil && s.view.d.Run.ID == id {
		s.applyPendingOutcome()
	}
	s.w.Show(ScreenEnforcement)
}

// setPlans fills the plan choice: every evaluation, the one to offer
// selected.
func (s *enforceScreen) setPlans(evals []engine.EvaluationInfo) {
	s.evals = evals
	options := make([]string, len(evals))
	want := -1
	for i := range evals {
		options[i] = enfPlanLabel(&evals[i])
		if evals[i].ID == s.planID {
			want = i
		}
	}
	if want < 0 {
		want = slices.IndexFunc(evals, func(e engine.EvaluationInfo) bool { return !e.IsWhatIf() })
	}
	s.syncing = true
	s.plan.SetOptions(options)
	if want >= 0 {
		s.plan.SetSelectedIndex(want)
	} else {
		s.plan.ClearSelected()
	}
	s.syncing = false
	s.showPlanHint()
}

func (s *enforceScreen) planChanged() {
	if s.syncing {
		return
	}
	if i := s.plan.SelectedIndex(); i >= 0 && i < len(s.evals) {
		s.planID = s.evals[i].ID
	}
	s.showPlanHint()
}

// chosenPlan returns the evaluation chosen as the plan, or nil.
func (s *enforceScreen) chosenPlan() *engine.EvaluationInfo {
	if i := s.plan.SelectedIndex(); i >= 0 && i < len(s.evals) {
		return &s.evals[i]
	}
	return nil
}

// showPlanHint says what the chosen plan would do, or why it cannot be
// enforced, and enables Enforce… accordingly.
func (s *enforceScreen) showPlanHint() {
	e := s.chosenPlan()
	ok := false
	s.planHint.Importance = widget.MediumImportance
	switch {
	case len(s.evals) == 0:
		s.planHint.SetText("There is no evaluation yet: evaluate the rules on the Evaluation screen first. Enforcement writes an evaluation's plan.")
	case e == nil:
		s.planHint.SetText("Choose the evaluation whose plan to write.")
	case e.IsWhatIf():
		s.planHint.Importance = widget.WarningImportance
		s.planHint.SetText(fmt.Sprintf("Evaluation #%d is a what-if: it used rules that are not in force (%s), so it cannot be enforced. "+
			"Publish the rules, evaluate them, then enforce that plan.", e.ID, enfWhatIfText(e)))
	case e.Pruned:
		s.planHint.Importance = widget.WarningImportance
		s.planHint.SetText(fmt.Sprintf("Evaluation #%d is old: only its figures are kept, not its plan. Evaluate again to enforce.", e.ID))
	case e.Actions == 0:
		s.planHint.SetText(fmt.Sprintf("Evaluation #%d has nothing to do: the targets are as the rules want them.", e.ID))
	default:
		ok = true
		text := fmt.Sprintf("Evaluation #%d of the rules in force, as of %s: %s in %s.", e.ID, e.AsOf,
			plural(e.Actions, "action", "actions"), plural(len(enfPlanTargets(e)), "target system", "target systems"))
		if r := s.runOf(e.ID); r != nil {
			text += fmt.Sprintf(" Run #%d already enforced it (%s).", r.ID, enfStatusWord(r))
		} else if latest := slices.IndexFunc(s.evals, func(x engine.EvaluationInfo) bool { return !x.IsWhatIf() }); latest >= 0 && s.evals[latest].ID != e.ID {
			text += fmt.Sprintf(" It is not the latest: evaluation #%d is newer.", s.evals[latest].ID)
		}
		s.planHint.SetText(text)
	}
	s.planHint.Refresh()
	if ok && !s.busy {
		s.start.Enable()
	} else {
		s.start.Disable()
	}
}

// runOf returns the latest run of an evaluation that was not a dry run.
func (s *enforceScreen) runOf(eval uint64) *engine.EnforcementRun {
	for i := range s.runs {
		if s.runs[i].Evaluation == eval && !s.runs[i].DryRun {
			return &s.runs[i]
		}
	}
	return nil
}

// setRuns fills the history and opens the run to show.
func (s *enforceScreen) setRuns(runs []engine.EnforcementRun) {
	s.runs = runs
	labels, ids := make([]string, len(runs)), make([]uint64, len(runs))
	for i := range runs {
		labels[i], ids[i] = enfRunLabel(&runs[i]), runs[i].ID
	}
	s.syncing = true
	want := chooseHistory(s.history, labels, ids, s.showID)
	s.syncing = false
	s.showPlanHint() // it names the runs of the plan
	if want < 0 {
		s.openGen++
		s.openID = 0
		s.showNothing()
		return
	}
	s.open(runs[want].ID)
}

func (s *enforceScreen) historyChanged() {
	if s.syncing {
		return
	}
	if i := s.history.SelectedIndex(); i >= 0 && i < len(s.runs) {
		s.showID = s.runs[i].ID
		s.open(s.showID)
	}
}

// open loads run id with its results and shows it. A run already shown is
// loaded again: its results may have changed.
func (s *enforceScreen) open(id uint64) {
	s.openID = id
	s.openGen++
	gen := s.openGen
	if s.view == nil || s.view.d.Run.ID != id {
		s.heading.SetText(fmt.Sprintf("Loading run #%d…", id))
	}
	s.w.jobs.run(func() func() {
		ctx := context.Background()
		d, err := s.w.app.Run(ctx, id)
		var v *runView
		if err == nil {
			v = newRunView(d)
		}
		return func() {
			if gen != s.openGen {
				return
			}
			if err != nil {
				s.openID = 0
				s.w.showError(err)
				return
			}
			s.show(v)
		}
	})
}

// showNothing is the screen before the first run.
func (s *enforceScreen) showNothing() {
	s.view, s.hits, s.selected = nil, nil, -1
	clear(s.chosen)
	s.heading.SetText("No enforcement run yet. Choose a plan and press Enforce… to write it to the target systems; " +
		"a dry run checks every action with the targets first and writes nothing.")
	s.banner.hide()
	s.runAudit.Hide()
	s.figures.Hide()
	s.blockedBar.Hide()
	s.failedBar.Hide()
	s.selectBar.Hide()
	s.count.SetText("")
	s.list.Refresh()
	s.setDetail(nil)
}

// enfFigures says what became of a run's actions: done, failed and
// waiting always, the other outcomes when there are any, and how long it
// took.
func enfFigures(v *runView) string {
	var parts []string
	for _, o := range []engine.Outcome{engine.OutcomeDone, engine.OutcomeFailed, engine.OutcomeBlocked, engine.OutcomePending,
		engine.OutcomeRejected, engine.OutcomeSkipped, engine.OutcomeManual} {
		n := v.counts[o]
		if n > 0 || o == engine.OutcomeDone || o == engine.OutcomeFailed || o == engine.OutcomeBlocked {
			parts = append(parts, fmt.Sprintf("%s: %s", outcomeLabel(o), thousands(n)))
		}
	}
	parts = append(parts, "Duration: "+enfDuration(&v.d.Run))
	return strings.Join(parts, "   ·   ")
}

// show puts a loaded run on screen, keeping the filters and the choice of
// actions where the run has them.
func (s *enforceScreen) show(v *runView) {
	same := s.view != nil && s.view.d.Run.ID == v.d.Run.ID
	s.view, s.hits = v, nil
	if !same {
		clear(s.chosen)
		s.selected = -1
	}
	for i := range s.chosen {
		if i >= len(v.d.Results) || !v.actionable(i) {
			delete(s.chosen, i)
		}
	}
	run := &v.d.Run
	s.heading.SetText(enfHeading(run, s.targets.name))
	if run.DryRun {
		s.runAudit.Hide() // a dry run records nothing in the audit log
	} else {
		s.runAudit.Show()
	}
	s.showBanner(v)
	s.figures.SetText(enfFigures(v))
	s.figures.Show()
	var exceeded []string
	for _, b := range run.Breaches {
		exceeded = append(exceeded, b.Message)
	}
	s.breaches.SetText("Thresholds exceeded: " + strings.Join(exceeded, "; ") + ".")
	if len(exceeded) == 0 {
		s.breaches.Hide()
	} else {
		s.breaches.Show()
	}

	s.syncing = true
	outcome, anyOutcome := s.filterOutcome()
	switch {
	case s.pendingSel != nil:
		outcome, anyOutcome = *s.pendingSel, false
	case !same:
		anyOutcome = true
	}
	s.outcomeKeys = nil
	options := []string{fmt.Sprintf("%s (%s)", enfAllOutcomes, thousands(len(v.d.Results)))}
	for _, o := range enfOutcomes {
		if n := v.counts[o]; n > 0 {
			s.outcomeKeys = append(s.outcomeKeys, o)
			options = append(options, fmt.Sprintf("%s (%s)", outcomeLabel(o), thousands(n)))
		}
	}
	s.outcome.SetOptions(options)
	if anyOutcome {
		s.outcome.SetSelectedIndex(0)
	} else {
		s.outcome.SetSelectedIndex(slices.Index(s.outcomeKeys, outcome) + 1)
	}
	s.pendingSel = nil

	target := s.filterTarget()
	s.targetKeys = v.targets
	labels := make([]string, len(v.targets))
	for i, k := range v.targets {
		labels[i] = s.targets.name(k)
	}
	s.target.SetOptions(append([]string{enfAllTargets}, evalUnique(labels, v.targets)...))
	s.target.SetSelectedIndex(slices.Index(v.targets, target) + 1)
	op := s.filterOp()
	s.opKeys = v.ops
	labels = make([]string, len(v.ops))
	for i, o := range v.ops {
		labels[i] = o.Label()
	}
	s.op.SetOptions(append([]string{enfAllOps}, labels...))
	s.op.SetSelectedIndex(slices.Index(v.ops, op) + 1)
	s.syncing = false

	s.showDecisionBars()
	s.list.UnselectAll()
	if !same {
		s.setDetail(nil)
	}
	s.filterNow()
}

// applyPendingOutcome filters the shown run on the outcome asked for.
func (s *enforceScreen) applyPendingOutcome() {
	o := s.pendingSel
	s.pendingSel = nil
	if o == nil {
		return
	}
	s.syncing = true
	s.outcome.SetSelectedIndex(slices.Index(s.outcomeKeys, *o) + 1)
	s.syncing = false
	s.filterNow()
}

// showBanner offers Resume for a run that was cancelled or interrupted.
func (s *enforceScreen) showBanner(v *runView) {
	run := &v.d.Run
	pending := v.counts[engine.OutcomePending]
	switch run.Status {
	case engine.RunCanceled:
		s.banner.show(widget.WarningImportance, fmt.Sprintf("Run #%d was cancelled with %s not done yet. What it wrote is kept and in the audit log; "+
			"Resume writes the rest, and nothing is done twice.", run.ID, plural(pending, "action", "actions")), true)
	case engine.RunInterrupted:
		why := run.Message
		if why == "" {
			why = "it stopped before it finished"
		}
		s.banner.show(widget.DangerImportance, fmt.Sprintf("Run #%d was interrupted with %s not done yet: %s. "+
			"Resume writes the rest; an account it may already have made is found, not made twice.", run.ID, plural(pending, "action", "actions"), why), true)
	case engine.RunRunning:
		s.banner.show(widget.MediumImportance, fmt.Sprintf("Run #%d is writing to the target systems.", run.ID), false)
	default:
		s.banner.hide()
	}
	if s.busy {
		s.banner.button.Disable()
	} else {
		s.banner.button.Enable()
	}
}

// showDecisionBars shows what waits for approval and what failed, with
// the buttons to act on them.
func (s *enforceScreen) showDecisionBars() {
	v := s.view
	if v == nil {
		return
	}
	blocked, failed := v.counts[engine.OutcomeBlocked], v.counts[engine.OutcomeFailed]
	if blocked > 0 {
		s.blockedText.SetText(fmt.Sprintf("%s for your approval", plural(blocked, "action waits", "actions wait")))
		s.blockedBar.Show()
	} else {
		s.blockedBar.Hide()
	}
	if failed > 0 {
		s.failedText.SetText(fmt.Sprintf("%s failed: select one for the target's answer", plural(failed, "action", "actions")))
		s.failedBar.Show()
	} else {
		s.failedBar.Hide()
	}
	if blocked+failed > 0 {
		s.selectBar.Show()
	} else {
		s.selectBar.Hide()
	}
	s.updateChosen()
}

// updateChosen shows how many actions are chosen and enables the buttons
// that act on them.
func (s *enforceScreen) updateChosen() {
	nb, nf := len(s.chosenOf(engine.OutcomeBlocked)), len(s.chosenOf(engine.OutcomeFailed))
	s.chosenText.SetText(fmt.Sprintf("%s selected", thousands(len(s.chosen))))
	s.approveSel.SetText(fmt.Sprintf("Approve selected (%d)", nb))
	s.rejectSel.SetText(fmt.Sprintf("Reject selected (%d)", nb))
	s.retrySel.SetText(fmt.Sprintf("Retry selected (%d)", nf))
	if len(s.chosen) == 0 {
		s.chosenText.Hide()
	} else {
		s.chosenText.Show()
	}
	enable := func(b *widget.Button, on bool) {
		if on && !s.busy {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	enable(s.approveSel, nb > 0)
	enable(s.rejectSel, nb > 0)
	enable(s.retrySel, nf > 0)
	enable(s.approveAll, true)
	enable(s.rejectAll, true)
	enable(s.retryAll, true)
	enable(s.clearChosen, len(s.chosen) > 0)
	enable(s.selectShown, true)
}

// chosenOf returns the chosen results with an outcome, in plan order.
func (s *enforceScreen) chosenOf(o engine.Outcome) []int {
	var out []int
	if s.view == nil {
		return out
	}
	for i := range s.chosen {
		if i < len(s.view.d.Results) && s.view.d.Results[i].Outcome == o {
			out = append(out, s.view.d.Results[i].Index)
		}
	}
	slices.Sort(out)
	return out
}

// setBusy marks a run as going: the buttons that start another wait.
func (s *enforceScreen) setBusy(busy bool) {
	s.busy = busy
	s.showPlanHint()
	if s.view != nil {
		s.showBanner(s.view)
	}
	s.updateChosen()
}

func (s *enforceScreen) setStatus(text string, importance widget.Importance) {
	s.status.SetText(text)
	s.status.Importance = importance
	s.status.Refresh()
	if text == "" {
		s.status.Hide()
	} else {
		s.status.Show()
	}
}

// noticeBanner is a tinted strip with a line of text and a button, for
// what the administrator should know or act on first.
type noticeBanner struct {
	bg     *canvas.Rectangle
	text   *widget.Label
	button *widget.Button
	box    *fyne.Container
}

func newNoticeBanner() *noticeBanner {
	b := &noticeBanner{bg: canvas.NewRectangle(color.Transparent)}
	b.bg.CornerRadius = theme.InputRadiusSize()
	b.text = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	b.text.Wrapping = fyne.TextWrapWord
	b.button = widget.NewButton("", nil)
	b.button.Importance = widget.HighImportance
	b.button.Hide()
	b.box = container.NewStack(b.bg, container.NewPadded(container.NewBorder(nil, nil, nil, container.NewCenter(b.button), b.text)))
	b.box.Hide()
	return b
}

// show shows text tinted by importance, with the button when withButton.
func (b *noticeBanner) show(importance widget.Importance, text string, withButton bool) {
	name := theme.ColorNamePrimary
	switch importance {
	case widget.WarningImportance:
		name = theme.ColorNameWarning
	case widget.DangerImportance:
		name = theme.ColorNameError
	case widget.SuccessImportance:
		name = theme.ColorNameSuccess
	}
	r, g, bl, _ := theme.Color(name).RGBA()
	b.bg.FillColor = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(bl >> 8), A: 0x30}
	b.bg.Refresh()
	b.text.Importance = importance
	b.text.SetText(text)
	if withButton {
		b.button.Show()
	} else {
		b.button.Hide()
	}
	b.box.Show()
}

func (b *noticeBanner) hide() { b.box.Hide() }

// --- starting, resuming, approving, rejecting, retrying

// planCount is what a plan does in one target.
type planCount struct {
	target string
	ops    map[engine.ActionOp]int
	total  int
}

// countPlan counts a plan's actions per target and operation, targets in
// the order of the evaluation's summary.
func countPlan(ev *engine.Evaluation) []planCount {
	var out []planCount
	at := map[string]int{}
	for _, r := range ev.Summary {
		if _, ok := at[r.Target]; !ok {
			at[r.Target] = len(out)
			out = append(out, planCount{target: r.Target, ops: map[engine.ActionOp]int{}})
		}
	}
	for i := range ev.Actions {
		a := &ev.Actions[i]
		k, ok := at[a.Key.Target]
		if !ok {
			k = len(out)
			at[a.Key.Target] = k
			out = append(out, planCount{target: a.Key.Target, ops: map[engine.ActionOp]int{}})
		}
		out[k].ops[a.Op]++
		out[k].total++
	}
	return out
}

// opsText lists counts per operation in the order they are applied:
// "262 create · 259 enable · 653 grant".
func opsText(ops map[engine.ActionOp]int) string {
	var parts []string
	for _, op := range engine.ActionOps {
		if n := ops[op]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", thousands(n), op))
		}
	}
	return strings.Join(parts, " · ")
}

// prepare loads the chosen plan and asks for confirmation.
func (s *enforceScreen) prepare() {
	e := s.chosenPlan()
	if e == nil || s.busy {
		return
	}
	id, dry := e.ID, s.dryRun.Checked
	s.start.Disable()
	s.start.SetText("Preparing…")
	s.prepGen++
	gen := s.prepGen
	s.w.jobs.run(func() func() {
		ev, err := s.w.app.Evaluation(context.Background(), id)
		var counts []planCount
		if err == nil {
			counts = countPlan(ev)
		}
		return func() {
			s.start.SetText("Enforce…")
			s.showPlanHint()
			if gen != s.prepGen {
				return
			}
			if err != nil {
				s.w.showError(err)
				return
			}
			s.confirm(&ev.EvaluationInfo, counts, dry)
		}
	})
}

// confirm states what a run will write, per target and operation, lets
// the administrator leave targets out, and starts it.
func (s *enforceScreen) confirm(e *engine.EvaluationInfo, counts []planCount, dry bool) {
	intro := fmt.Sprintf("Write the plan of evaluation #%d (as of %s) to the target systems? Each action is recorded in the audit log.", e.ID, e.AsOf)
	if dry {
		intro = fmt.Sprintf("Check every action of evaluation #%d (as of %s) with the target systems? A dry run writes nothing, changes no ledger and records nothing in the audit log.", e.ID, e.AsOf)
	}
	head := widget.NewLabel(intro)
	head.Wrapping = fyne.TextWrapWord
	rows := container.NewVBox()
	checks := map[string]*widget.Check{}
	total := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	total.Wrapping = fyne.TextWrapWord
	var goBtn *widget.Button
	update := func() {
		n, t := 0, 0
		for _, c := range counts {
			if checks[c.target].Checked {
				n += c.total
				t++
			}
		}
		verb := "Writes"
		if dry {
			verb = "Checks"
		}
		total.SetText(fmt.Sprintf("%s %s in %s.", verb, plural(n, "action", "actions"), plural(t, "target system", "target systems")))
		if goBtn != nil {
			if t == 0 {
				goBtn.Disable()
			} else {
				goBtn.Enable()
			}
		}
	}
	var notes []string
	for _, c := range counts {
		name := s.targets.name(c.target)
		check := widget.NewCheck(fmt.Sprintf("%s: %s", name, plural(c.total, "action", "actions")), func(bool) { update() })
		check.Checked = true
		checks[c.target] = check
		detail := helpLabel(opsText(c.ops))
		if t, ok := s.targets[c.target]; ok {
			switch {
			case t.Disabled:
				detail.SetText(detail.Text + " — the target is disabled: they are skipped")
			case !t.Writes():
				detail.SetText(detail.Text + " — changed by hand: nothing is written, the actions are listed for you to do")
			}
			for _, th := range t.Thresholds {
				if n := c.ops[th.Op]; n > 0 {
					notes = append(notes, fmt.Sprintf("%s: %s %s", name, plural(n, string(th.Op)+" action", string(th.Op)+" actions"), enfThresholdText(th)))
				}
			}
		} else {
			detail.SetText(detail.Text + " — the target system no longer exists: they are skipped")
		}
		rows.Add(container.NewVBox(check, container.NewPadded(detail)))
	}
	items := []fyne.CanvasObject{head, rows, total}
	if len(notes) > 0 {
		l := widget.NewLabel("Thresholds are checked before anything is written; actions over them wait for your approval:\n" + strings.Join(notes, "\n"))
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		items = append(items, l)
	}
	items = append(items, helpLabel("Accounts are made first, then access, then permissions; revokes come before disabling, disabling before deleting. You can cancel at any time: what was written stays, and the run can be resumed."))
	content := container.NewVScroll(container.NewVBox(items...))

	title := fmt.Sprintf("Enforce evaluation #%d", e.ID)
	goText := "Write to the targets"
	if dry {
		title = fmt.Sprintf("Dry run of evaluation #%d", e.ID)
		goText = "Check with the targets"
	}
	var d *dialog.CustomDialog
	cancel := widget.NewButton("Cancel", func() { d.Hide() })
	goBtn = widget.NewButtonWithIcon(goText, theme.UploadIcon(), func() {
		d.Hide()
		var only []string
		all := true
		for _, c := range counts {
			if checks[c.target].Checked {
				only = append(only, c.target)
			} else {
				all = false
			}
		}
		if all {
			only = nil
		}
		s.enforce(app.EnforceOptions{Evaluation: e.ID, DryRun: dry, Targets: only})
	})
	goBtn.Importance = widget.HighImportance
	if dry {
		goBtn.Importance = widget.MediumImportance
	}
	update()
	d = dialog.NewCustomWithoutButtons(title, withMinSize(content, 560, 380), s.w.win)
	d.SetButtons([]fyne.CanvasObject{cancel, goBtn})
	d.Show()
}

// enforce starts a run.
func (s *enforceScreen) enforce(opts app.EnforceOptions) {
	title := "Checking the plan against the thresholds…"
	verb := "Writing"
	if opts.DryRun {
		verb = "Checking"
	}
	s.runWith(title, verb, true, func(ctx context.Context, p func(enforce.Progress)) (*engine.EnforcementRun, error) {
		return s.w.app.Enforce(ctx, opts, p)
	})
}

// resume finishes a cancelled or interrupted run.
func (s *enforceScreen) resume(id uint64) {
	s.showID = id
	s.runWith(fmt.Sprintf("Resuming run #%d…", id), "Writing", false, func(ctx context.Context, p func(enforce.Progress)) (*engine.EnforcementRun, error) {
		return s.w.app.ResumeRun(ctx, id, p)
	})
}

// decide approves (and writes) or rejects actions held back by a
// threshold: those of indexes, or all when nil.
func (s *enforceScreen) decide(approve bool, indexes []int) {
	v := s.view
	if v == nil || s.busy {
		return
	}
	id := v.d.Run.ID
	n := v.counts[engine.OutcomeBlocked]
	if indexes != nil {
		n = len(indexes)
	}
	if n == 0 {
		return
	}
	what := v.describe(engine.OutcomeBlocked, indexes, s.targets.name)
	if approve {
		d := dialog.NewConfirm(fmt.Sprintf("Approve %s?", plural(n, "action", "actions")),
			fmt.Sprintf("They are written to the target systems now, past the threshold that held them back:\n\n%s", what), func(ok bool) {
				if !ok {
					return
				}
				s.runWith(fmt.Sprintf("Approving %s of run #%d…", plural(n, "action", "actions"), id), "Writing", false, func(ctx context.Context, p func(enforce.Progress)) (*engine.EnforcementRun, error) {
					return s.w.app.DecideBlocked(ctx, id, indexes, true, p)
				})
			}, s.w.win)
		d.SetConfirmText("Approve and write")
		d.SetDismissText("Cancel")
		d.Show()
		return
	}
	d := dialog.NewConfirm(fmt.Sprintf("Reject %s?", plural(n, "action", "actions")),
		fmt.Sprintf("They are not written:\n\n%s\n\nRun #%d keeps them as rejected. The next evaluation plans them again while the rules still want them.", what, id), func(ok bool) {
			if !ok {
				return
			}
			s.setBusy(true)
			s.w.jobs.run(func() func() {
				run, err := s.w.app.DecideBlocked(context.Background(), id, indexes, false, nil)
				return func() {
					s.setBusy(false)
					if err != nil {
						s.w.showError(err)
						s.refresh() // show the run as it is now
						return
					}
					s.setStatus(fmt.Sprintf("%s of run #%d rejected: nothing was written for them.", plural(n, "action", "actions"), run.ID), widget.MediumImportance)
					s.afterRun(run)
				}
			})
		}, s.w.win)
	d.SetConfirmText("Reject")
	d.SetDismissText("Cancel")
	d.Show()
}

// retry runs failed actions again: those of indexes, or all when nil.
func (s *enforceScreen) retry(indexes []int) {
	v := s.view
	if v == nil || s.busy {
		return
	}
	id := v.d.Run.ID
	n := v.counts[engine.OutcomeFailed]
	if indexes != nil {
		n = len(indexes)
	}
	if n == 0 {
		return
	}
	s.runWith(fmt.Sprintf("Retrying %s of run #%d…", plural(n, "action", "actions"), id), "Writing", false, func(ctx context.Context, p func(enforce.Progress)) (*engine.EnforcementRun, error) {
		return s.w.app.RetryFailed(ctx, id, indexes, p)
	})
}

// runWith runs an enforcement call with progress and Cancel, then shows
// the run it returns, also when it stopped part way. A new run (fresh)
// whose plan cannot be enforced offers to evaluate again.
func (s *enforceScreen) runWith(title, verb string, fresh bool, call func(context.Context, func(enforce.Progress)) (*engine.EnforcementRun, error)) {
	if s.busy {
		return
	}
	hook := s.progressHook
	names := map[string]string{} // read by the run's goroutine
	for k := range s.targets {
		names[k] = s.targets.name(k)
	}
	started := s.progress.start(s.w.jobs, title, func(ctx context.Context, report func(float64, string)) (func(), error) {
		run, err := call(ctx, func(p enforce.Progress) {
			if hook != nil {
				hook(p)
			}
			report(float64(p.Done)/float64(max(p.Total, 1)), progressText(verb, p, names))
		})
		return func() {
			if run != nil {
				s.setStatus(enfOutcomeText(run, err), enfOutcomeImportance(run, err))
				s.afterRun(run)
			}
		}, err
	}, func(err error) {
		s.setBusy(false)
		switch {
		case err == nil:
		case engine.IsCode(err, engine.Canceled):
			if s.status.Text == "" || !s.status.Visible() {
				s.setStatus("Cancelled before anything was written.", widget.MediumImportance)
			}
		case fresh && engine.IsCode(err, engine.Conflict):
			s.offerEvaluation(err)
		default:
			if engine.IsCode(err, engine.Unavailable) || s.status.Text == "" || !s.status.Visible() {
				s.w.showError(err)
			}
			s.refresh() // show the run as it is now
		}
	})
	if !started {
		return
	}
	s.setStatus("", widget.MediumImportance)
	s.setBusy(true)
}

// afterRun shows a run that just changed and lets the other screens know
// the targets changed.
func (s *enforceScreen) afterRun(run *engine.EnforcementRun) {
	s.showID = run.ID
	if s.w.current == ScreenEnforcement {
		s.refresh()
	}
}

// offerEvaluation explains a plan that cannot be enforced as it stands,
// such as one made before the targets last changed, and offers to
// evaluate again.
func (s *enforceScreen) offerEvaluation(err error) {
	msg := widget.NewLabel(err.Error())
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("The plan cannot be enforced", "Evaluate now", "Close", withMinSize(msg, 460, 0), func(ok bool) {
		if ok {
			s.w.Show(ScreenEvaluation)
			s.w.evaluation.start(app.EvaluateOptions{}, nil)
		}
	}, s.w.win)
	d.Show()
}

// progressText is a line about a run's progress: overall, the target
// being written (named by names), and the failures so far.
func progressText(verb string, p enforce.Progress, names map[string]string) string {
	text := fmt.Sprintf("%s %s of %s actions (%.0f%%)", verb, thousands(p.Done), thousands(p.Total), 100*float64(p.Done)/float64(max(p.Total, 1)))
	if p.Target != "" {
		name := names[p.Target]
		if name == "" {
			name = p.Target
		}
		text += " · now: " + name
	}
	if p.Failed > 0 {
		text += " · " + plural(p.Failed, "failure", "failures") + " so far"
	} else {
		text += " · no failures"
	}
	return text
}

// --- words

func enfStatusWord(r *engine.EnforcementRun) string {
	switch r.Status {
	case engine.RunDone:
		return "finished"
	case engine.RunCanceled:
		return "cancelled"
	case engine.RunInterrupted:
		return "interrupted"
	case engine.RunRunning:
		return "running"
	}
	return string(r.Status)
}

// enfRunLabel names a run in the history choice.
func enfRunLabel(r *engine.EnforcementRun) string {
	parts := []string{fmt.Sprintf("#%d", r.ID), r.StartedAt.Local().Format("2006-01-02 15:04"), fmt.Sprintf("evaluation #%d", r.Evaluation), enfStatusWord(r)}
	if r.DryRun {
		parts = append(parts, "dry run")
	}
	if n := r.Counts[engine.OutcomeBlocked]; n > 0 {
		parts = append(parts, fmt.Sprintf("%s waiting", thousands(n)))
	}
	if n := r.Counts[engine.OutcomeFailed]; n > 0 {
		parts = append(parts, fmt.Sprintf("%s failed", thousands(n)))
	}
	return strings.Join(parts, " · ")
}

// enfPlanLabel names an evaluation in the plan choice.
func enfPlanLabel(e *engine.EvaluationInfo) string {
	return evalHistoryLabel(e) + " · " + plural(e.Actions, "action", "actions")
}

func enfWhatIfText(e *engine.EvaluationInfo) string {
	switch {
	case e.WithDrafts && e.WhatIf != "":
		return fmt.Sprintf("draft rules and the edited rule “%s”", e.WhatIf)
	case e.WithDrafts:
		return "draft rules"
	default:
		return fmt.Sprintf("the edited rule “%s”", e.WhatIf)
	}
}

// enfPlanTargets returns the targets of a plan's summary.
func enfPlanTargets(e *engine.EvaluationInfo) []string {
	var out []string
	for _, r := range e.Summary {
		if !slices.Contains(out, r.Target) {
			out = append(out, r.Target)
		}
	}
	return out
}

func enfHeading(r *engine.EnforcementRun, name func(string) string) string {
	what := "Run"
	if r.DryRun {
		what = "Dry run"
	}
	text := fmt.Sprintf("%s #%d of evaluation #%d · started %s", what, r.ID, r.Evaluation, r.StartedAt.Local().Format("2 Jan 2006 15:04"))
	if !r.FinishedAt.IsZero() && r.Status != engine.RunRunning {
		text += " · " + enfStatusWord(r) + " " + r.FinishedAt.Local().Format("15:04")
	} else {
		text += " · " + enfStatusWord(r)
	}
	if len(r.Targets) > 0 {
		names := make([]string, len(r.Targets))
		for i, k := range r.Targets {
			names[i] = name(k)
		}
		text += " · " + strings.Join(names, ", ")
	}
	if r.Resumed > 0 {
		text += fmt.Sprintf(" · resumed %s", plural(r.Resumed, "time", "times"))
	}
	if r.DryRun {
		text += " · nothing was written"
	}
	return text
}

func enfDuration(r *engine.EnforcementRun) string {
	if r.FinishedAt.IsZero() || r.FinishedAt.Before(r.StartedAt) {
		return "–"
	}
	d := r.FinishedAt.Sub(r.StartedAt)
	if d < time.Second {
		return evalDuration(d)
	}
	return d.Round(time.Second).String()
}

// enfThresholdText says what a threshold allows.
func enfThresholdText(t engine.ActionThreshold) string {
	var parts []string
	if t.MaxCount != nil {
		parts = append(parts, fmt.Sprintf("more than %d", *t.MaxCount))
	}
	if t.MaxPercent != nil {
		parts = append(parts, fmt.Sprintf("more than %g%% of its accounts", *t.MaxPercent))
	}
	return "wait for approval when " + strings.Join(parts, " or ")
}

// enfOutcomeText says in a sentence how a run (or an approval, retry or
// resume of it) ended.
func enfOutcomeText(r *engine.EnforcementRun, err error) string {
	c := r.Counts
	what := fmt.Sprintf("Run #%d", r.ID)
	if r.DryRun {
		what = fmt.Sprintf("Dry run #%d", r.ID)
	}
	var text string
	switch {
	case r.Status == engine.RunCanceled || engine.IsCode(err, engine.Canceled):
		text = fmt.Sprintf("%s was cancelled: %s done, %s not done yet. What was written is kept and recorded in the audit log; Resume writes the rest.",
			what, thousands(c[engine.OutcomeDone]), thousands(c[engine.OutcomePending]))
	case r.Status == engine.RunInterrupted:
		text = fmt.Sprintf("%s stopped: %s. %s done, %s not done yet; Resume writes the rest.", what, r.Message,
			thousands(c[engine.OutcomeDone]), thousands(c[engine.OutcomePending]))
	case r.DryRun:
		text = fmt.Sprintf("%s finished: the targets accept %s", what, plural(c[engine.OutcomeDone], "action", "actions"))
		if n := c[engine.OutcomeFailed]; n > 0 {
			text += fmt.Sprintf(", and would refuse %d", n)
		}
		text += ". Nothing was written."
	default:
		text = fmt.Sprintf("%s finished: %s done", what, thousands(c[engine.OutcomeDone]))
		if n := c[engine.OutcomeFailed]; n > 0 {
			text += fmt.Sprintf(", %s failed", thousands(n))
		}
		text += "."
	}
	if n := c[engine.OutcomeBlocked]; n > 0 {
		text += fmt.Sprintf(" %s for your approval.", plural(n, "action waits", "actions wait"))
	}
	return text
}

func enfOutcomeImportance(r *engine.EnforcementRun, err error) widget.Importance {
	switch {
	case r.Status == engine.RunInterrupted || r.Counts[engine.OutcomeFailed] > 0:
		return widget.DangerImportance
	case r.Status == engine.RunCanceled || err != nil || r.Counts[engine.OutcomeBlocked] > 0:
		return widget.WarningImportance
	}
	return widget.SuccessImportance
}
