package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// dashboardScreen shows the workspace at a glance: persons by status, the
// last import and snapshot, and what needs attention.
type dashboardScreen struct {
	w *Window

	total        *widget.Label
	statusButton map[engine.Status]*widget.Button
	lastImport   *widget.Label
	lastSnapshot *widget.Label
	sources      *widget.Label
	evaluation   *widget.Label
	enforcement  *widget.Label
	attention    *fyne.Container
	nextRuns     *widget.Label
	asOf         *widget.Label
	root         fyne.CanvasObject

	data *app.Dashboard
	runs []engine.EnforcementRun
}

func newDashboardScreen(w *Window) *dashboardScreen {
	s := &dashboardScreen{w: w, statusButton: map[engine.Status]*widget.Button{}}
	s.total = widget.NewLabelWithStyle("0 persons", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	statusBox := container.NewVBox()
	for _, st := range engine.Statuses {
		b := widget.NewButton("", func() { s.w.persons.showStatus(st) })
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = widget.LowImportance
		s.statusButton[st] = b
		statusBox.Add(b)
	}
	s.lastImport = widget.NewLabel("No import yet.")
	s.lastImport.Wrapping = fyne.TextWrapWord
	s.lastSnapshot = widget.NewLabel("No snapshot yet.")
	s.lastSnapshot.Wrapping = fyne.TextWrapWord
	s.sources = widget.NewLabel("")
	s.sources.Wrapping = fyne.TextWrapWord
	s.evaluation = widget.NewLabel("No evaluation yet.")
	s.evaluation.Wrapping = fyne.TextWrapWord
	s.enforcement = widget.NewLabel("No enforcement run yet.")
	s.enforcement.Wrapping = fyne.TextWrapWord
	s.attention = container.NewVBox()
	s.nextRuns = widget.NewLabel("No schedules yet.")
	s.nextRuns.Wrapping = fyne.TextWrapWord
	s.asOf = widget.NewLabel("")
	s.asOf.SizeName = theme.SizeNameCaptionText

	runImport := widget.NewButtonWithIcon("Run import", theme.MediaPlayIcon(), func() {
		s.w.Show(ScreenImports)
		s.w.imports.runImport(nil)
	})
	runImport.Importance = widget.HighImportance
	header := container.NewBorder(nil, nil,
		container.NewVBox(widget.NewLabelWithStyle("Dashboard", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.asOf),
		container.NewVBox(container.NewHBox(runImport, widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), s.refresh))))
	// two columns of cards at their own heights
	cards := container.NewGridWithColumns(2,
		container.NewVBox(
			widget.NewCard("Persons", "", container.NewVBox(s.total, statusBox)),
			widget.NewCard("Last import", "", container.NewVBox(s.lastImport,
				widget.NewButton("Open imports", func() { s.w.Show(ScreenImports) })))),
		container.NewVBox(
			widget.NewCard("Needs attention", "", s.attention),
			widget.NewCard("Next runs", "", container.NewVBox(s.nextRuns,
				widget.NewButton("Open schedules", func() { s.w.Show(ScreenSchedules) }))),
			widget.NewCard("Rules and evaluation", "", container.NewVBox(s.evaluation,
				container.NewGridWithColumns(2,
					widget.NewButton("Open business rules", func() { s.w.Show(ScreenRules) }),
					widget.NewButton("Open evaluation", func() { s.w.Show(ScreenEvaluation) })))),
			widget.NewCard("Enforcement", "", container.NewVBox(s.enforcement,
				container.NewGridWithColumns(2,
					widget.NewButton("Open enforcement", func() { s.w.Show(ScreenEnforcement) }),
					widget.NewButton("Open audit log", func() { s.w.Show(ScreenAudit) })))),
			widget.NewCard("Last snapshot", "", container.NewVBox(s.lastSnapshot, s.sources))),
	)
	s.root = container.NewBorder(header, nil, nil, nil, container.NewVScroll(cards))
	return s
}

func (s *dashboardScreen) object() fyne.CanvasObject { return s.root }

func (s *dashboardScreen) refresh() {
	s.w.jobs.run(func() func() {
		ctx := context.Background()
		d, err := s.w.app.Dashboard(ctx)
		var runs []engine.EnforcementRun
		if err == nil {
			runs, err = s.w.app.Runs(ctx)
		}
		return func() {
			if err != nil {
				s.w.showError(err)
				return
			}
			s.show(d, runs)
		}
	})
}

func (s *dashboardScreen) show(d *app.Dashboard, runs []engine.EnforcementRun) {
	s.data, s.runs = d, runs
	s.asOf.SetText("As of " + d.AsOf.String())
	s.total.SetText(fmt.Sprintf("%s persons", thousands(d.Persons)))
	for _, st := range engine.Statuses {
		s.statusButton[st].SetText(fmt.Sprintf("%s: %s", statusTitle(st), thousands(d.ByStatus[st])))
	}
	if r := d.LastImport; r != nil {
		s.lastImport.SetText(fmt.Sprintf("Import %d of %s, %s: %s.\n%s",
			r.ID, r.SourceName, r.StartedAt.Format("2 Jan 2006 15:04"), r.Status, importSummary(r)))
	} else {
		s.lastImport.SetText("No import yet.")
	}
	if sn := d.LastSnapshot; sn != nil {
		s.lastSnapshot.SetText(fmt.Sprintf("Snapshot %d, %s: %s persons, %s contracts, %s departments; %d added, %d removed, %d changed.",
			sn.Number, sn.CreatedAt.Format("2 Jan 2006 15:04"), thousands(sn.Persons), thousands(sn.Contracts), thousands(sn.Departments), sn.Added, sn.Removed, sn.Changed))
	} else {
		s.lastSnapshot.SetText("No snapshot yet.")
	}
	s.sources.SetText(plural(d.SourceSystems, "source system", "source systems") + " configured.")
	s.evaluation.SetText(evaluationSummary(d))
	s.enforcement.SetText(enforcementSummary(runs))

	s.attention.RemoveAll()
	if d.SourceSystems == 0 {
		s.attention.Add(widget.NewLabel("There is no source system yet."))
		s.attention.Add(widget.NewButton("Add a source system", func() {
			s.w.Show(ScreenSources)
			s.w.sources.add()
		}))
	}
	for _, r := range d.Pending {
		r := r
		l := widget.NewLabel(fmt.Sprintf("Import %d of %s waits for approval: %s", r.ID, r.SourceName, breachSummary(r.Breaches)))
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		s.attention.Add(l)
		s.attention.Add(widget.NewButton("Review import", func() {
			s.w.Show(ScreenImports)
			s.w.imports.selectImport(r.ID)
		}))
	}
	if r := d.FailedImport; r != nil {
		l := widget.NewLabel(fmt.Sprintf("The last import of %s failed: %s", r.SourceName, r.Message))
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.DangerImportance
		s.attention.Add(l)
	}
	if d.Outdated != "" {
		l := widget.NewLabel(fmt.Sprintf("The plan is out of date: %s.", d.Outdated))
		l.Wrapping = fyne.TextWrapWord
		s.attention.Add(l)
		s.attention.Add(widget.NewButtonWithIcon("Evaluate now", theme.MediaPlayIcon(), func() {
			s.w.Show(ScreenEvaluation)
			s.w.evaluation.start(app.EvaluateOptions{}, nil)
		}))
	}
	s.enforcementAttention(runs)
	s.scheduleAttention(d)
	if d.Suggestions > 0 {
		text := plural(d.Suggestions, "possible duplicate waits", "possible duplicates wait") + " for a decision"
		if d.Held > 0 {
			text += fmt.Sprintf(" (%s held until then)", plural(d.Held, "person", "persons"))
		}
		b := widget.NewButton(text, func() { s.w.Show(ScreenAggregation) })
		b.Importance = widget.WarningImportance
		s.attention.Add(b)
	}
	if n := d.ByStatus[engine.StatusBlocked]; n > 0 {
		b := widget.NewButton(fmt.Sprintf("%d persons are blocked by missing or unreadable required fields", n), func() {
			s.w.persons.showStatus(engine.StatusBlocked)
		})
		b.Importance = widget.WarningImportance
		s.attention.Add(b)
	}
	if len(s.attention.Objects) == 0 {
		s.attention.Add(widget.NewLabel("Nothing needs your attention."))
	}
}

// scheduleAttention shows the next runs, and adds the schedule runs that
// failed, were blocked, missed or interrupted, each with a way to
// acknowledge it.
func (s *dashboardScreen) scheduleAttention(d *app.Dashboard) {
	var lines []string
	for i := range d.NextRuns {
		n := &d.NextRuns[i]
		lines = append(lines, fmt.Sprintf("%s: %s (%s)", n.Name, scheduleTime(n.NextRun, n.TimeZone), n.Timing))
	}
	if len(lines) == 0 {
		lines = append(lines, "No schedule is due: add one, or resume a paused one, on the Schedules screen.")
	}
	s.nextRuns.SetText(strings.Join(lines, "\n"))
	for _, r := range d.ScheduleAttention {
		text := fmt.Sprintf("Schedule %q %s (due %s): %s", r.Name, outcomeWords(&r), r.DueAt.Local().Format("2 Jan 15:04"), r.Message)
		if r.Outcome == engine.ScheduleMissed {
			text = fmt.Sprintf("Schedule %q missed %s: %s", r.Name, plural(r.Missed, "run", "runs"), r.Message)
		}
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		if r.Outcome == engine.ScheduleFailed || r.Outcome == engine.ScheduleInterrupted {
			l.Importance = widget.DangerImportance
		}
		s.attention.Add(l)
		id, schedule := r.ID, r.Schedule
		buttons := container.NewHBox(
			widget.NewButtonWithIcon("Acknowledge", theme.ConfirmIcon(), func() { s.w.acknowledge(id) }),
			widget.NewButton("Open schedule", func() { s.w.schedules.showID(schedule) }))
		if r.Outcome == engine.ScheduleMissed || r.Outcome == engine.ScheduleInterrupted {
			buttons.Add(widget.NewButtonWithIcon("Run now", theme.MediaPlayIcon(), func() {
				s.w.schedules.showID(schedule)
				s.w.schedules.runNow(schedule)
			}))
		}
		s.attention.Add(buttons)
	}
}

// evaluationSummary tells the rules by state and the latest evaluation of
// the rules in force.
func evaluationSummary(d *app.Dashboard) string {
	published := d.Rules[engine.RulePublished] + d.Rules[engine.RuleChanged]
	text := fmt.Sprintf("%s in force", plural(published, "rule", "rules"))
	if n := d.Rules[engine.RuleChanged] + d.Rules[engine.RuleDraft]; n > 0 {
		text += fmt.Sprintf("; %s waiting to be published", plural(n, "draft", "drafts"))
	}
	text += "."
	e := d.LastEvaluation
	if e == nil {
		return text + "\nNo evaluation yet."
	}
	grants, revokes := 0, 0
	for _, r := range e.Summary {
		grants += r.Grants
		revokes += r.Revokes
	}
	return text + fmt.Sprintf("\nEvaluation #%d, %s, as of %s: %s to grant and %s to revoke for %s persons.",
		e.ID, e.CreatedAt.Format("2 Jan 2006 15:04"), e.AsOf, thousands(grants), thousands(revokes), thousands(e.Evaluated))
}

func statusTitle(s engine.Status) string {
	if s == "" {
		return "All"
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

func importSummary(r *engine.ImportRun) string {
	c := r.Counts
	switch r.Status {
	case engine.ImportFailed, engine.ImportCanceled:
		return r.Message
	}
	return fmt.Sprintf("%s persons: %d added, %d removed, %d changed, %d blocked; %d problems in the data.",
		thousands(c.Persons), c.Added, c.Removed, c.Changed, c.Blocked, c.Errors)
}

func breachSummary(bs []engine.ThresholdBreach) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "; ")
}

// thousands formats n with thousands separators: 300,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// enforcementAttention adds what enforcement waits for: actions held back
// for approval, the failures of the latest run, and a run to resume.
func (s *dashboardScreen) enforcementAttention(runs []engine.EnforcementRun) {
	blocked, failed := engine.OutcomeBlocked, engine.OutcomeFailed
	waiting := 0
	for i := range runs {
		r := &runs[i]
		n := r.Counts[engine.OutcomeBlocked]
		if n == 0 {
			continue
		}
		if waiting++; waiting > 3 {
			continue // the rest are counted below
		}
		verb := "wait"
		if n == 1 {
			verb = "waits"
		}
		text := fmt.Sprintf("%s of run #%d %s for approval", plural(n, "action", "actions"), r.ID, verb)
		if len(r.Breaches) > 0 {
			var why []string
			for _, b := range r.Breaches {
				why = append(why, b.Message)
			}
			text += ": " + strings.Join(why, "; ")
		}
		l := widget.NewLabel(text + ".")
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		s.attention.Add(l)
		id := r.ID
		s.attention.Add(widget.NewButtonWithIcon(fmt.Sprintf("Review run #%d", id), theme.ConfirmIcon(), func() {
			s.w.enforce.openRun(id, &blocked)
		}))
	}
	if waiting > 3 {
		s.attention.Add(widget.NewLabel(fmt.Sprintf("%d more runs have actions waiting for approval: see Enforcement.", waiting-3)))
	}
	if len(runs) > 0 {
		if r := &runs[0]; r.Counts[engine.OutcomeFailed] > 0 {
			l := widget.NewLabel(fmt.Sprintf("%s of the latest run, #%d, failed.", plural(r.Counts[engine.OutcomeFailed], "action", "actions"), r.ID))
			l.Wrapping = fyne.TextWrapWord
			l.Importance = widget.DangerImportance
			s.attention.Add(l)
			id := r.ID
			s.attention.Add(widget.NewButtonWithIcon("Review the failures", theme.ErrorIcon(), func() {
				s.w.enforce.openRun(id, &failed)
			}))
		}
	}
	for i := range runs {
		r := &runs[i]
		if r.Status != engine.RunInterrupted && r.Status != engine.RunCanceled {
			if r.DryRun {
				continue // it wrote nothing
			}
			break // a later run wrote after it: it cannot be resumed
		}
		what := "was cancelled"
		if r.Status == engine.RunInterrupted {
			what = "was interrupted"
		}
		l := widget.NewLabel(fmt.Sprintf("Run #%d %s with %s not done yet.", r.ID, what, plural(r.Counts[engine.OutcomePending], "action", "actions")))
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		s.attention.Add(l)
		id := r.ID
		b := widget.NewButtonWithIcon(fmt.Sprintf("Resume run #%d", id), theme.MediaPlayIcon(), func() {
			s.w.enforce.resumeFromDashboard(id)
		})
		b.Importance = widget.HighImportance
		s.attention.Add(b)
		break // the newest; resuming it is the first thing to do
	}
}

// enforcementSummary tells the latest enforcement run.
func enforcementSummary(runs []engine.EnforcementRun) string {
	if len(runs) == 0 {
		return "No enforcement run yet: nothing was written to the target systems."
	}
	r := &runs[0]
	var parts []string
	for _, o := range enfOutcomes {
		if n := r.Counts[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", thousands(n), strings.ToLower(outcomeLabel(o))))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "nothing to do")
	}
	what := "Run"
	if r.DryRun {
		what = "Dry run"
	}
	return fmt.Sprintf("%s #%d of evaluation #%d, %s: %s — %s.", what, r.ID, r.Evaluation, r.StartedAt.Local().Format("2 Jan 2006 15:04"),
		enfStatusWord(r), strings.Join(parts, ", "))
}
