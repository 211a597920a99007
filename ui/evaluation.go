package ui

import (
	"context"
	"encoding/json"
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
	"provisio/engine/rules"
)

// evaluationScreen runs evaluations (on a reference date, with draft rules
// or one edited rule as a what-if, with progress and cancel) and shows one
// stored evaluation: its figures and summary by target and kind, its
// actions with their reasons, what changed since the evaluation before it,
// its notes and the persons it passed over.
type evaluationScreen struct {
	w *Window

	date       *widget.Entry
	hint       *widget.Label
	problem    *widget.Label
	drafts     *widget.Check
	run        *widget.Button
	progress   *progressPanel
	status     *widget.Label
	history    *widget.Select
	banner     *fyne.Container
	bannerBg   *canvas.Rectangle
	bannerText *widget.Label
	heading    *widget.Label
	enforceBtn *widget.Button
	figures    *fyne.Container
	compared   *widget.Label
	summary    *widget.Table

	tabs *container.AppTabs

	// the summary tab
	summaryTab  *container.TabItem
	listChanges *widget.Button

	// the actions tab
	actionsTab *container.TabItem
	target     *widget.Select
	kind       *widget.Select
	verb       *widget.Select
	rule       *widget.Select
	search     *widget.Entry
	count      *widget.Label
	list       *widget.List
	detail     *fyne.Container
	explainBtn *widget.Button

	// the comparison tab
	diffTab     *container.TabItem
	diffLabel   *widget.Label
	diffKind    *widget.RadioGroup
	diffList    *widget.List
	diffDetail  *fyne.Container
	diff        *app.EvaluationDiff
	diffEntries []engine.Action

	// the notes and skipped persons tabs
	notesTab     *container.TabItem
	notesList    *widget.List
	skippedTab   *container.TabItem
	skippedLabel *widget.Label
	skippedList  *widget.List

	root fyne.CanvasObject

	infos      []engine.EvaluationInfo // newest first
	targets    targetIndex
	targetKeys []string // behind the target filter's options, after "all"
	ruleIDs    []string // behind the rule filter's options, after "all"
	showID     uint64   // the evaluation to show; 0: the latest
	openID     uint64   // the evaluation shown or being loaded
	view       *planView
	hits       []int32 // positions in view's actions that pass the filters
	selected   int     // position of the action in the reasons panel; -1: none
	explained  *app.Explanation
	whatIfs    map[uint64]evalWhatIf // edited rules, by the evaluation that used them
	syncing    bool                  // set while widgets are set from code, not by the administrator

	// generations: a result for an older request is dropped
	listGen, openGen, filterGen, diffGen, explainGen int
	timer                                            *time.Timer
	debounce                                         time.Duration
}

// evalWhatIf is an edited, unsaved rule an evaluation used, kept so that
// Explain on that evaluation uses it too.
type evalWhatIf struct {
	body *engine.RuleBody
	id   string
}

const (
	evalAllTargets  = "All targets"
	evalAllKinds    = "All kinds"
	evalAllVerbs    = "All actions"
	evalOnlyGrants  = "Grants"
	evalOnlyRevokes = "Revokes"
	evalAllRules    = "All rules"
	evalNoDetail    = "Select an action to see why it is in the plan."
)

// evalFigures are the figures shown above the summary table.
var evalFigures = []struct {
	name  string
	value func(*engine.EvaluationInfo) string
}{
	{"Persons", func(e *engine.EvaluationInfo) string { return thousands(e.Persons) }},
	{"Evaluated", func(e *engine.EvaluationInfo) string { return thousands(e.Evaluated) }},
	{"Blocked", func(e *engine.EvaluationInfo) string { return thousands(e.Blocked) }},
	{"Excluded", func(e *engine.EvaluationInfo) string { return thousands(e.Excluded) }},
	{"Actions", func(e *engine.EvaluationInfo) string { return thousands(e.Actions) }},
	{"Duration", func(e *engine.EvaluationInfo) string { return evalDuration(e.Duration) }},
	{"Snapshot", func(e *engine.EvaluationInfo) string { return fmt.Sprint(e.Snapshot) }},
	{"Rules version", func(e *engine.EvaluationInfo) string { return fmt.Sprint(e.RulesVersion) }},
}

func newEvaluationScreen(w *Window) *evaluationScreen {
	s := &evaluationScreen{w: w, progress: newProgressPanel(), selected: -1, whatIfs: map[uint64]evalWhatIf{},
		debounce: 150 * time.Millisecond}

	s.date = widget.NewEntry()
	s.date.SetPlaceHolder("today")
	s.date.OnChanged = func(string) { s.problem.Hide() }
	s.date.OnSubmitted = func(string) { s.runNow() }
	s.hint = helpLabel("")
	s.problem = problemLabel()
	s.drafts = widget.NewCheck("Use draft rules (what-if)", nil)
	s.run = widget.NewButtonWithIcon("Run", theme.MediaPlayIcon(), s.runNow)
	s.run.Importance = widget.HighImportance
	s.status = helpLabel("")
	s.status.Hide()
	s.history = widget.NewSelect(nil, func(string) { s.historyChanged() })
	s.history.PlaceHolder = "No evaluation yet"

	s.bannerText = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.bannerText.Wrapping = fyne.TextWrapWord
	s.bannerText.Importance = widget.WarningImportance
	s.bannerBg = canvas.NewRectangle(color.Transparent)
	s.bannerBg.CornerRadius = theme.InputRadiusSize()
	s.banner = container.NewStack(s.bannerBg, container.NewPadded(s.bannerText))
	s.banner.Hide()
	s.heading = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.heading.Wrapping = fyne.TextWrapWord
	s.enforceBtn = widget.NewButtonWithIcon("Enforce this plan…", theme.UploadIcon(), func() {
		if s.view != nil {
			s.w.enforce.openEvaluation(s.view.ev.ID)
		}
	})
	s.enforceBtn.Hide()

	s.buildSummaryTab()
	s.buildActionsTab()
	s.buildDiffTab()
	s.buildNotesTabs()
	s.tabs = container.NewAppTabs(s.summaryTab, s.actionsTab, s.diffTab, s.notesTab, s.skippedTab)

	wide := func(o fyne.CanvasObject, width float32) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(width, o.MinSize().Height), o)
	}
	title := widget.NewLabelWithStyle("Evaluation", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	history := container.NewHBox(widget.NewLabel("Showing"), wide(s.history, 360), widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), s.refresh))
	bar := container.NewHBox(widget.NewLabel("Reference date"), wide(s.date, 140), s.drafts, s.run)
	top := container.NewVBox(container.NewBorder(nil, nil, title, history), bar, s.hint, s.problem, s.progress.box, s.status, s.banner,
		container.NewBorder(nil, nil, nil, container.NewVBox(s.enforceBtn), s.heading))
	s.root = container.NewBorder(top, nil, nil, nil, s.tabs)
	s.showNothing()
	return s
}

func (s *evaluationScreen) buildSummaryTab() {
	s.figures = container.NewGridWithColumns(4)
	for range evalFigures {
		s.figures.Add(widget.NewLabel(""))
	}
	s.figures.Hide()
	s.compared = widget.NewLabel("")
	s.compared.Wrapping = fyne.TextWrapWord
	s.listChanges = widget.NewButtonWithIcon("List them", theme.HistoryIcon(), func() { s.tabs.Select(s.diffTab) })
	s.listChanges.Importance = widget.LowImportance
	s.listChanges.Hide()
	cols := []column{{"Target", 220}, {"Kind", 150}, {"Grants", 100}, {"Revokes", 100}, {"Actions", 100}}
	s.summary = newTable(cols, s.summaryRows, s.summaryCell)
	s.summary.OnSelected = s.drillDown
	help := helpLabel("Actions per target and kind. Select a row to list its actions.")
	top := container.NewVBox(s.figures, container.NewBorder(nil, nil, nil, s.listChanges, s.compared), help)
	s.summaryTab = container.NewTabItemWithIcon("Summary", theme.GridIcon(), container.NewBorder(top, nil, nil, nil, s.summary))
}

func (s *evaluationScreen) buildActionsTab() {
	s.target = widget.NewSelect([]string{evalAllTargets}, func(string) { s.filterNow() })
	s.kind = widget.NewSelect(append([]string{evalAllKinds}, evalKindLabels()...), func(string) { s.filterNow() })
	s.verb = widget.NewSelect([]string{evalAllVerbs, evalOnlyGrants, evalOnlyRevokes}, func(string) { s.filterNow() })
	s.rule = widget.NewSelect([]string{evalAllRules}, func(string) { s.filterNow() })
	s.syncing = true
	s.target.SetSelectedIndex(0)
	s.kind.SetSelectedIndex(0)
	s.verb.SetSelectedIndex(0)
	s.rule.SetSelectedIndex(0)
	s.syncing = false
	s.search = widget.NewEntry()
	s.search.SetPlaceHolder("Search person: name or id")
	s.search.OnChanged = func(string) { s.filterSoon() }
	s.count = widget.NewLabel("")
	s.list = widget.NewList(
		func() int { return len(s.hits) },
		newEvalActionRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if s.view == nil || id >= len(s.hits) {
				return
			}
			s.setActionRow(o, &s.view.ev.Actions[s.hits[id]])
		},
	)
	s.list.OnSelected = func(id widget.ListItemID) {
		if s.view != nil && id < len(s.hits) {
			s.showAction(int(s.hits[id]))
		}
	}
	s.detail = container.NewVBox(widget.NewLabel(evalNoDetail))
	filters := container.NewVBox(container.NewGridWithColumns(4, s.target, s.kind, s.verb, s.rule), s.search, s.count)
	split := container.NewHSplit(container.NewBorder(filters, nil, nil, nil, s.list), container.NewVScroll(container.NewPadded(s.detail)))
	split.Offset = 0.55
	s.actionsTab = container.NewTabItemWithIcon("Actions", theme.ListIcon(), split)
}

func (s *evaluationScreen) buildDiffTab() {
	s.diffLabel = widget.NewLabel("")
	s.diffLabel.Wrapping = fyne.TextWrapWord
	s.diffKind = widget.NewRadioGroup([]string{"Added", "Removed"}, func(string) { s.showDiffKind() })
	s.diffKind.Horizontal = true
	s.diffList = widget.NewList(
		func() int { return len(s.diffEntries) },
		newEvalActionRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(s.diffEntries) {
				s.setActionRow(o, &s.diffEntries[id])
			}
		},
	)
	s.diffList.OnSelected = func(id widget.ListItemID) {
		if id >= len(s.diffEntries) || s.diff == nil {
			return
		}
		// an added action is in the shown plan, a removed one in the previous plan
		info := s.infoOf(s.diff.To)
		if s.diffKind.Selected == s.diffKind.Options[1] {
			info = s.infoOf(s.diff.From)
		}
		s.diffDetail.Objects = s.actionDetail(&s.diffEntries[id], info, nil)
		s.diffDetail.Refresh()
	}
	s.diffDetail = container.NewVBox(widget.NewLabel(evalNoDetail))
	split := container.NewHSplit(s.diffList, container.NewVScroll(container.NewPadded(s.diffDetail)))
	split.Offset = 0.55
	s.diffTab = container.NewTabItemWithIcon("Compared with previous", theme.HistoryIcon(),
		container.NewBorder(container.NewVBox(s.diffLabel, s.diffKind), nil, nil, nil, split))
}

func (s *evaluationScreen) buildNotesTabs() {
	s.notesList = widget.NewList(
		func() int {
			if s.view == nil {
				return 0
			}
			return len(s.view.ev.Notes)
		},
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			name.Truncation = fyne.TextTruncateEllipsis
			msg := widget.NewLabel("")
			msg.Truncation = fyne.TextTruncateEllipsis
			msg.SizeName = theme.SizeNameCaptionText
			return container.NewVBox(name, msg)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if s.view == nil || id >= len(s.view.ev.Notes) {
				return
			}
			n := s.view.ev.Notes[id]
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%s (%s)", s.view.noteNames[id], n.Person))
			box.Objects[1].(*widget.Label).SetText(n.Message)
		},
	)
	notesHelp := helpLabel("Things to know about what the rules want that produced no action, such as a permission granted without an account in the same target.")
	s.notesTab = container.NewTabItemWithIcon("Notes", theme.InfoIcon(), container.NewBorder(notesHelp, nil, nil, nil, s.notesList))

	s.skippedLabel = helpLabel("")
	s.skippedList = widget.NewList(
		func() int {
			if s.view == nil {
				return 0
			}
			return len(s.view.ev.Skipped)
		},
		func() fyne.CanvasObject {
			name := widget.NewLabel("")
			name.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, widget.NewLabel("excluded"), name)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if s.view == nil || id >= len(s.view.ev.Skipped) {
				return
			}
			p := s.view.ev.Skipped[id]
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%s (%s)", orDash(p.Name), p.Person))
			st := row.Objects[1].(*widget.Label)
			st.SetText(string(p.Status))
			st.Importance = statusImportance(p.Status)
			st.Refresh()
		},
	)
	s.skippedList.OnSelected = func(id widget.ListItemID) {
		s.skippedList.UnselectAll()
		if s.view != nil && id < len(s.view.ev.Skipped) {
			s.w.persons.openPerson(s.view.ev.Skipped[id].Person)
		}
	}
	s.skippedTab = container.NewTabItemWithIcon("Skipped persons", theme.WarningIcon(), container.NewBorder(s.skippedLabel, nil, nil, nil, s.skippedList))
}

func (s *evaluationScreen) object() fyne.CanvasObject { return s.root }

// refresh reloads the list of evaluations and shows the chosen one (the
// latest unless another was chosen).
func (s *evaluationScreen) refresh() {
	s.hint.SetText(fmt.Sprintf("The reference date, as yyyy-mm-dd (such as %s); empty means today. Any past or future date can be evaluated.",
		s.w.app.Today().AddDays(30)))
	s.listGen++
	gen := s.listGen
	s.w.jobs.run(func() func() {
		ctx := context.Background()
		infos, err := s.w.app.Evaluations(ctx)
		var cfg *engine.Config
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
			s.targets = map[string]*engine.TargetSystem{}
			for i := range cfg.TargetSystems {
				s.targets[cfg.TargetSystems[i].Key] = &cfg.TargetSystems[i]
			}
			s.setHistory(infos)
		}
	})
}

// chooseHistory fills a history choice (newest first) with labels and
// selects the entry whose id is show, or else the newest. It returns the
// index selected, or -1 when there is none.
func chooseHistory(sel *widget.Select, labels []string, ids []uint64, show uint64) int {
	want := slices.Index(ids, show)
	if want < 0 && len(ids) > 0 {
		want = 0
	}
	sel.SetOptions(labels)
	if want >= 0 {
		sel.SetSelectedIndex(want)
	} else {
		sel.ClearSelected()
	}
	return want
}

// setHistory fills the history choice and opens the evaluation to show.
func (s *evaluationScreen) setHistory(infos []engine.EvaluationInfo) {
	s.infos = infos
	labels, ids := make([]string, len(infos)), make([]uint64, len(infos))
	for i := range infos {
		labels[i], ids[i] = evalHistoryLabel(&infos[i]), infos[i].ID
	}
	s.syncing = true
	want := chooseHistory(s.history, labels, ids, s.showID)
	s.syncing = false
	switch {
	case want < 0:
		s.openGen++
		s.openID = 0
		s.showNothing()
	case s.openID != infos[want].ID:
		s.open(infos[want].ID)
	}
}

func (s *evaluationScreen) historyChanged() {
	if s.syncing {
		return
	}
	i := s.history.SelectedIndex()
	if i < 0 || i >= len(s.infos) {
		return
	}
	s.showID = s.infos[i].ID
	s.open(s.showID)
}

// infoOf returns the description of evaluation id, from the history.
func (s *evaluationScreen) infoOf(id uint64) *engine.EvaluationInfo {
	for i := range s.infos {
		if s.infos[i].ID == id {
			return &s.infos[i]
		}
	}
	if s.view != nil && s.view.ev.ID == id {
		return &s.view.ev.EvaluationInfo
	}
	return &engine.EvaluationInfo{ID: id}
}

// runNow evaluates on the reference date entered, with drafts if chosen.
func (s *evaluationScreen) runNow() {
	asOf, ok := s.asOf()
	if !ok {
		return
	}
	s.start(app.EvaluateOptions{AsOf: asOf, WithDrafts: s.drafts.Checked}, nil)
}

// asOf reads the reference date, explaining a date it cannot read.
func (s *evaluationScreen) asOf() (engine.Date, bool) {
	d, err := engine.ParseISODate(s.date.Text)
	if err != nil {
		s.problem.SetText(fmt.Sprintf("Reference date: %v. Leave it empty to evaluate on today.", err))
		s.problem.Show()
		return 0, false
	}
	s.problem.Hide()
	return d, true
}

// showWhatIf evaluates one edited, unsaved rule (ruleID, or "" for a new
// rule) with the other rules as published, and shows the result. The rule
// editor calls it.
func (s *evaluationScreen) showWhatIf(body *engine.RuleBody, ruleID string) {
	s.w.Show(ScreenEvaluation)
	asOf, ok := s.asOf()
	if !ok {
		s.problem.SetText(s.problem.Text + " The edited rule was not evaluated: fix the date, then evaluate it again from the rule editor.")
		return
	}
	// the editor keeps editing its body while the evaluation runs
	edited := evalCloneBody(body)
	s.start(app.EvaluateOptions{AsOf: asOf, WhatIf: edited, WhatIfRule: ruleID}, &evalWhatIf{body: edited, id: ruleID})
}

// start runs an evaluation with progress and Cancel, then shows it.
func (s *evaluationScreen) start(opts app.EvaluateOptions, edited *evalWhatIf) {
	started := s.progress.start(s.w.jobs, "Reading the rules and the latest snapshot…", func(ctx context.Context, report func(float64, string)) (func(), error) {
		info, err := s.w.app.Evaluate(ctx, opts, func(done, total int) {
			if total > 0 {
				report(float64(done)/float64(total), fmt.Sprintf("Evaluating: %s of %s persons…", thousands(done), thousands(total)))
			}
		})
		if err != nil {
			return nil, err
		}
		return func() {
			if edited != nil {
				s.whatIfs[info.ID] = *edited
			}
			s.showID = info.ID
			s.refresh()
		}, nil
	}, func(err error) {
		s.run.Enable()
		switch {
		case err == nil:
		case engine.IsCode(err, engine.Canceled):
			s.setStatus("The evaluation was cancelled: nothing was stored.")
		default:
			s.w.showError(err)
		}
	})
	if !started {
		s.setStatus("An evaluation is already running: wait for it to finish, or cancel it.")
		return
	}
	s.setStatus("")
	s.run.Disable()
}

func (s *evaluationScreen) setStatus(text string) {
	s.status.SetText(text)
	if text == "" {
		s.status.Hide()
	} else {
		s.status.Show()
	}
}

// open loads evaluation id with its plan and shows it.
func (s *evaluationScreen) open(id uint64) {
	s.openID = id
	s.openGen++
	gen := s.openGen
	s.heading.SetText(fmt.Sprintf("Loading evaluation #%d…", id))
	s.w.jobs.run(func() func() {
		ctx := context.Background()
		ev, err := s.w.app.Evaluation(ctx, id)
		var v *planView
		if err == nil {
			// names for the notes, which carry only ids; without a
			// snapshot the ids stand alone
			persons, _ := s.w.app.Persons(ctx)
			v = newPlanView(ev, persons)
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

// showNothing is the screen before the first evaluation.
func (s *evaluationScreen) showNothing() {
	s.view, s.hits, s.selected = nil, nil, -1
	s.diff, s.diffEntries = nil, nil
	s.heading.SetText("No evaluation yet: choose a reference date and press Run to see what the rules would change, and why. Nothing is written anywhere.")
	s.enforceBtn.Hide()
	s.banner.Hide()
	s.figures.Hide()
	s.compared.SetText("")
	s.listChanges.Hide()
	s.summary.Refresh()
	s.count.SetText("")
	s.list.Refresh()
	s.detail.Objects = []fyne.CanvasObject{widget.NewLabel(evalNoDetail)}
	s.detail.Refresh()
	s.diffLabel.SetText("")
	s.diffList.Refresh()
	s.notesList.Refresh()
	s.skippedList.Refresh()
}

// show puts a loaded evaluation on screen.
func (s *evaluationScreen) show(v *planView) {
	s.view, s.hits, s.selected = v, nil, -1
	info := &v.ev.EvaluationInfo
	s.heading.SetText(evalHeading(info))
	s.enforceBtn.Show()
	s.showBanner(info)
	for i, f := range evalFigures {
		s.figures.Objects[i].(*widget.Label).SetText(f.name + ": " + f.value(info))
	}
	s.figures.Show()
	s.summary.UnselectAll()
	s.summary.Refresh()

	// filters: keep what was chosen where this plan has it too
	s.syncing = true
	target := s.filterTarget()
	s.targetKeys = v.targets
	labels := make([]string, len(v.targets))
	for i, k := range v.targets {
		labels[i] = s.targets.name(k)
	}
	s.target.SetOptions(append([]string{evalAllTargets}, evalUnique(labels, v.targets)...))
	s.target.SetSelectedIndex(slices.Index(v.targets, target) + 1)
	rule := s.filterRule()
	s.ruleIDs = make([]string, len(v.rules))
	labels = make([]string, len(v.rules))
	for i, r := range v.rules {
		s.ruleIDs[i], labels[i] = r.id, r.name
	}
	s.rule.SetOptions(append([]string{evalAllRules}, evalUnique(labels, s.ruleIDs)...))
	s.rule.SetSelectedIndex(slices.Index(s.ruleIDs, rule) + 1)
	s.syncing = false

	s.list.UnselectAll()
	s.list.Refresh()
	s.detail.Objects = []fyne.CanvasObject{widget.NewLabel(evalNoDetail)}
	s.detail.Refresh()

	s.notesTab.Text = fmt.Sprintf("Notes (%s)", thousands(len(v.ev.Notes)))
	s.notesList.Refresh()
	s.skippedTab.Text = fmt.Sprintf("Skipped persons (%s)", thousands(len(v.ev.Skipped)))
	s.skippedLabel.SetText(fmt.Sprintf("%s blocked and %s excluded persons were passed over: they get no actions until their data is fixed or they are included again. Select one to open them.",
		thousands(info.Blocked), thousands(info.Excluded)))
	s.skippedList.Refresh()
	s.tabs.Refresh()

	s.filterNow()
	s.compare()
}

func (s *evaluationScreen) showBanner(info *engine.EvaluationInfo) {
	if !info.IsWhatIf() {
		s.banner.Hide()
		return
	}
	var parts []string
	if info.WithDrafts {
		parts = append(parts, "draft rules were evaluated in place of their published versions")
	}
	if info.WhatIf != "" {
		parts = append(parts, fmt.Sprintf("the rule “%s” was evaluated as edited, without saving it", info.WhatIf))
	}
	s.bannerText.SetText("What-if: nothing here is in force; " + strings.Join(parts, ", and ") +
		". Publish the rules to put them in force.")
	r, g, b, _ := theme.Color(theme.ColorNameWarning).RGBA()
	s.bannerBg.FillColor = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x30}
	s.bannerBg.Refresh()
	s.banner.Show()
}

func (s *evaluationScreen) summaryRows() int {
	if s.view == nil || len(s.view.ev.Summary) == 0 {
		return 0
	}
	return len(s.view.ev.Summary) + 1 // and a total
}

// summaryCell is the text of a cell of the summary table: a row per target
// and kind, then the total.
func (s *evaluationScreen) summaryCell(row, col int) string {
	rows := s.view.ev.Summary
	var r engine.SummaryRow
	if row < len(rows) {
		r = rows[row]
	} else {
		r.Target = evalAllTargets
		for _, x := range rows {
			r.Grants += x.Grants
			r.Revokes += x.Revokes
		}
	}
	switch col {
	case 0:
		if row < len(rows) {
			return s.targets.name(r.Target)
		}
		return r.Target
	case 1:
		return r.Kind.Label()
	case 2:
		return thousands(r.Grants)
	case 3:
		return thousands(r.Revokes)
	default:
		return thousands(r.Grants + r.Revokes)
	}
}

// drillDown lists the actions of the summary row chosen.
func (s *evaluationScreen) drillDown(id widget.TableCellID) {
	if s.view == nil || id.Row < 0 {
		return
	}
	rows := s.view.ev.Summary
	s.syncing = true
	s.verb.SetSelectedIndex(0)
	s.rule.SetSelectedIndex(0)
	s.search.SetText("")
	if id.Row < len(rows) {
		s.target.SetSelectedIndex(slices.Index(s.targetKeys, rows[id.Row].Target) + 1)
		s.kind.SetSelectedIndex(slices.Index(engine.EntitlementKinds, rows[id.Row].Kind) + 1)
	} else {
		s.target.SetSelectedIndex(0)
		s.kind.SetSelectedIndex(0)
	}
	s.syncing = false
	s.summary.UnselectAll() // so that the same row can be chosen again
	s.tabs.Select(s.actionsTab)
	s.filterNow()
}

func (s *evaluationScreen) filterTarget() string {
	if i := s.target.SelectedIndex(); i > 0 && i <= len(s.targetKeys) {
		return s.targetKeys[i-1]
	}
	return ""
}

func (s *evaluationScreen) filterRule() string {
	if i := s.rule.SelectedIndex(); i > 0 && i <= len(s.ruleIDs) {
		return s.ruleIDs[i-1]
	}
	return ""
}

// filter reads the filters from the widgets.
func (s *evaluationScreen) filter() planFilter {
	f := planFilter{target: s.filterTarget(), rule: s.filterRule(), words: strings.Fields(evalFold(s.search.Text))}
	if i := s.kind.SelectedIndex(); i > 0 && i <= len(engine.EntitlementKinds) {
		f.kind = engine.EntitlementKinds[i-1]
	}
	f.verb = max(0, s.verb.SelectedIndex())
	return f
}

// filterSoon filters once typing pauses.
func (s *evaluationScreen) filterSoon() {
	if s.syncing || s.view == nil {
		return
	}
	f := s.filter()
	s.filterGen++
	gen := s.filterGen
	s.w.jobs.debounce(&s.timer, s.debounce, func() { s.runFilter(gen, f) })
}

func (s *evaluationScreen) filterNow() {
	if s.syncing || s.view == nil {
		return
	}
	s.filterGen++
	s.runFilter(s.filterGen, s.filter())
}

// runFilter filters in the background; a result for older filters or
// another evaluation is dropped.
func (s *evaluationScreen) runFilter(gen int, f planFilter) {
	v := s.view
	s.count.SetText("Filtering…")
	s.w.jobs.run(func() func() {
		hits := v.filter(f)
		return func() {
			if gen != s.filterGen || v != s.view {
				return
			}
			s.hits = hits
			s.list.UnselectAll()
			s.list.ScrollToTop()
			s.list.Refresh()
			text := fmt.Sprintf("%s of %s actions", thousands(len(hits)), thousands(len(v.ev.Actions)))
			switch {
			case v.ev.Pruned:
				text = fmt.Sprintf("Evaluation #%d is old: only its figures are kept, not its actions.", v.ev.ID)
			case len(v.ev.Actions) == 0:
				text += ": the targets are as the rules want them."
			}
			s.count.SetText(text)
		}
	})
}

// showAction shows the reasons of one action of the shown plan.
func (s *evaluationScreen) showAction(i int) {
	v := s.view
	s.selected = i
	s.detail.Objects = s.actionDetail(&v.ev.Actions[i], &v.ev.EvaluationInfo, &s.explainBtn)
	s.detail.Refresh()
}

// actionDetail describes an action of evaluation info: what it does, to
// whom, and the reasons, with a button to explain it further.
func (s *evaluationScreen) actionDetail(a *engine.Action, info *engine.EvaluationInfo, explain **widget.Button) []fyne.CanvasObject {
	title := widget.NewLabelWithStyle(fmt.Sprintf("%s %s", evalVerb(a), s.targets.entitlement(a.Key)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Wrapping = fyne.TextWrapWord
	title.SizeName = theme.SizeNameSubHeadingText
	whom := "to"
	if !a.Grant {
		whom = "from"
	}
	person := widget.NewButtonWithIcon(fmt.Sprintf("%s %s (%s)", whom, orDash(a.PersonName), a.Person), theme.AccountIcon(), func() {
		s.w.persons.openPerson(a.Person)
	})
	person.Alignment = widget.ButtonAlignLeading
	person.Importance = widget.LowImportance
	items := []fyne.CanvasObject{title, person,
		widget.NewLabelWithStyle(fmt.Sprintf("Reasons (%d), in evaluation #%d as of %s", len(a.Reasons), info.ID, info.AsOf), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})}
	for _, r := range a.Reasons {
		name := r.RuleName
		if name == "" {
			name = "No rule"
		}
		box := container.NewVBox(widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		if r.Rule != "" {
			box.Add(helpLabel("Rule " + r.Rule))
		}
		if len(r.Contracts) > 0 {
			l := widget.NewLabel("In-conditions contracts: " + strings.Join(r.Contracts, ", "))
			l.Wrapping = fyne.TextWrapWord
			box.Add(l)
		}
		if r.Why != "" {
			l := widget.NewLabel(r.Why)
			l.Wrapping = fyne.TextWrapWord
			if !a.Grant {
				l.Importance = widget.WarningImportance
			}
			box.Add(l)
		}
		if a.Grant && r.Why == "" && len(r.Contracts) == 0 {
			box.Add(widget.NewLabel("The rule holds for this person."))
		}
		items = append(items, widget.NewCard("", "", box))
	}
	b := widget.NewButtonWithIcon("Explain…", theme.QuestionIcon(), nil)
	b.OnTapped = func() { s.explain(a, info, b) }
	if explain != nil {
		*explain = b
	}
	items = append(items, helpLabel("Explain shows, rule by rule, each condition with the value seen, on every contract."),
		container.NewHBox(b))
	return items
}

// explain asks why a person has, or does not have, an action's
// entitlement, with the rules the evaluation used, and shows the answer.
func (s *evaluationScreen) explain(a *engine.Action, info *engine.EvaluationInfo, b *widget.Button) {
	opts := app.EvaluateOptions{AsOf: info.AsOf, WithDrafts: info.WithDrafts}
	var caveat string
	if info.WhatIf != "" {
		if wi, ok := s.whatIfs[info.ID]; ok {
			opts.WhatIf, opts.WhatIfRule = wi.body, wi.id
		} else {
			caveat = fmt.Sprintf("Evaluation #%d used the rule “%s” as edited, and the edit was not saved: this explanation uses the rules as saved.", info.ID, info.WhatIf)
		}
	}
	what := a.Key.Name
	if what == "" {
		what = string(a.Key.Kind)
	}
	person, name, key := a.Person, a.PersonName, a.Key
	b.Disable()
	b.SetText("Explaining…")
	s.explainGen++
	gen := s.explainGen
	s.w.jobs.run(func() func() {
		ex, err := s.w.app.Explain(context.Background(), person, key.Target, what, opts)
		return func() {
			b.Enable()
			b.SetText("Explain…")
			if gen != s.explainGen {
				return
			}
			switch {
			case engine.IsCode(err, engine.NotFound):
				dialog.ShowInformation("Nothing to explain", fmt.Sprintf("%s (%s) is not in the latest snapshot, so no rule applies to them any more.\n\n%v",
					orDash(name), person, err), s.w.win)
			case err != nil:
				s.w.showError(err)
			default:
				s.explained = ex
				s.showExplanation(ex, key, caveat)
			}
		}
	})
}

// showExplanation shows an explanation in a dialog: per rule, its
// conditions with the values seen, on each contract.
func (s *evaluationScreen) showExplanation(ex *app.Explanation, key engine.EntitlementKey, caveat string) {
	name := orDash(ex.Person.DisplayName)
	verb := "gets"
	if !ex.Granted {
		verb = "does not get"
	}
	head := widget.NewLabelWithStyle(fmt.Sprintf("%s (%s) %s %s on %s", name, ex.Person.ID, verb, s.targets.entitlement(key), ex.AsOf),
		fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.Wrapping = fyne.TextWrapWord
	items := []fyne.CanvasObject{head, helpLabel("Worked out on the latest snapshot, with the rules the evaluation used.")}
	if caveat != "" {
		l := widget.NewLabel(caveat)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		items = append(items, l)
	}
	if ex.Skipped != "" {
		l := widget.NewLabel(fmt.Sprintf("%s is %s: evaluations pass them over, whatever the rules say.", name, ex.Skipped))
		l.Wrapping = fyne.TextWrapWord
		l.Importance = statusImportance(ex.Skipped)
		items = append(items, l)
	}
	if ex.Skipped == "" {
		for _, w := range ex.Withheld {
			if w.Key != key {
				continue
			}
			l := widget.NewLabel(fmt.Sprintf("A rule that holds gives it, but it is not granted: %s.", w.Withheld))
			l.Wrapping = fyne.TextWrapWord
			l.Importance = widget.WarningImportance
			items = append(items, l)
		}
	}
	if len(ex.Ledger) > 0 {
		items = append(items, widget.NewLabel("The ledger says it is granted now."))
	} else {
		items = append(items, widget.NewLabel("The ledger has nothing granted for it yet."))
	}
	if len(ex.Rules) == 0 {
		items = append(items, widget.NewLabel("No rule could give it."))
	}
	// the rules that give it first, then those that hold, then the others
	ranked := slices.Clone(ex.Rules)
	rank := func(r *rules.Explanation) int {
		switch {
		case slices.Contains(r.Grants, key):
			return 0
		case r.Holds:
			return 1
		default:
			return 2
		}
	}
	slices.SortStableFunc(ranked, func(a, b *rules.Explanation) int { return rank(a) - rank(b) })
	for _, r := range ranked {
		items = append(items, evalRuleCard(r, key))
	}
	content := container.NewVScroll(container.NewPadded(container.NewVBox(items...)))
	d := dialog.NewCustom("Explain", "Close", withMinSize(content, 720, 480), s.w.win)
	d.Show()
}

// evalRuleCard is one rule's part of an explanation of key.
func evalRuleCard(r *rules.Explanation, key engine.EntitlementKey) fyne.CanvasObject {
	mark := "✗ "
	if r.Holds {
		mark = "✓ "
	}
	title := widget.NewLabelWithStyle(mark+r.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	summary := r.Summary
	if r.Holds && !slices.Contains(r.Grants, key) {
		summary += ", but it does not give this entitlement"
	}
	sum := widget.NewLabel(summary)
	sum.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(title, sum, helpLabel(r.Status))
	if r.Person != nil {
		box.Add(widget.NewLabelWithStyle("Person conditions", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		evalTrace(box, r.Person, 0)
	}
	for _, c := range r.Contracts {
		text := fmt.Sprintf("Contract %s", c.Contract)
		switch {
		case !c.Tested:
			text += ": not active within the rule's timeframe, so not tested"
		case c.Holds:
			text = "✓ " + text + ": meets the contract conditions"
		default:
			text = "✗ " + text + ": does not meet the contract conditions"
		}
		box.Add(widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		if c.Trace != nil {
			evalTrace(box, c.Trace, 1)
		}
	}
	if len(r.Grants) > 0 {
		var gives []string
		for _, k := range r.Grants {
			gives = append(gives, k.String())
		}
		l := widget.NewLabel("Gives: " + strings.Join(gives, "; "))
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	return widget.NewCard("", "", box)
}

// evalTrace adds a condition's outcome, and its parts indented.
func evalTrace(box *fyne.Container, t *rules.Trace, depth int) {
	mark := "✗ "
	if t.Holds {
		mark = "✓ "
	}
	text := strings.Repeat("      ", depth) + mark + t.Text
	if len(t.Children) == 0 && t.Actual != "" {
		text += " — seen: " + t.Actual
	}
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	if !t.Holds {
		l.Importance = widget.DangerImportance
	}
	box.Add(l)
	for _, k := range t.Children {
		evalTrace(box, k, depth+1)
	}
}

// compare compares the shown evaluation with the one before it.
func (s *evaluationScreen) compare() {
	v := s.view
	s.diff, s.diffEntries = nil, nil
	s.diffList.UnselectAll()
	s.diffList.Refresh()
	s.diffDetail.Objects = []fyne.CanvasObject{widget.NewLabel(evalNoDetail)}
	s.diffDetail.Refresh()
	s.diffKind.Hide()
	s.diffGen++
	gen := s.diffGen
	var prev *engine.EvaluationInfo
	for i := range s.infos {
		if s.infos[i].ID < v.ev.ID && (prev == nil || s.infos[i].ID > prev.ID) {
			prev = &s.infos[i]
		}
	}
	if prev == nil {
		s.setCompared("This is the first evaluation: there is none before it to compare with.", "Compared with previous")
		return
	}
	from, to := prev.ID, v.ev.ID
	s.setCompared(fmt.Sprintf("Comparing with #%d…", from), fmt.Sprintf("Changes since #%d", from))
	s.w.jobs.run(func() func() {
		d, err := s.w.app.DiffEvaluations(context.Background(), from, to)
		return func() {
			if gen != s.diffGen || v != s.view {
				return
			}
			if err != nil {
				if engine.IsCode(err, engine.Conflict) {
					s.setCompared(fmt.Sprintf("Compared with #%d: %v", from, err), fmt.Sprintf("Changes since #%d", from))
					return
				}
				s.setCompared("", "Compared with previous")
				s.w.showError(err)
				return
			}
			s.diff = d
			text := fmt.Sprintf("Compared with #%d: +%s actions, −%s actions", from, thousands(len(d.Added)), thousands(len(d.Removed)))
			if prev.IsWhatIf() {
				text += fmt.Sprintf(" (#%d was a what-if)", from)
			}
			s.setCompared(text, fmt.Sprintf("Changes since #%d (+%s −%s)", from, thousands(len(d.Added)), thousands(len(d.Removed))))
			s.diffLabel.SetText(text + fmt.Sprintf(". Added actions are in this plan and not in #%d's; removed ones were in #%d's plan and are not in this one.", from, from))
			s.diffKind.Options = []string{fmt.Sprintf("Added (%s)", thousands(len(d.Added))), fmt.Sprintf("Removed (%s)", thousands(len(d.Removed)))}
			s.diffKind.Show()
			if len(d.Added)+len(d.Removed) > 0 {
				s.listChanges.Show()
			}
			if len(d.Added) == 0 && len(d.Removed) > 0 {
				s.diffKind.SetSelected(s.diffKind.Options[1])
			} else {
				s.diffKind.SetSelected(s.diffKind.Options[0])
			}
			s.diffKind.Refresh()
			s.showDiffKind()
		}
	})
}

func (s *evaluationScreen) setCompared(text, tab string) {
	s.compared.SetText(text)
	s.listChanges.Hide()
	s.diffLabel.SetText(text)
	s.diffTab.Text = tab
	s.tabs.Refresh()
}

// showDiffKind lists the added or the removed actions.
func (s *evaluationScreen) showDiffKind() {
	if s.diff == nil {
		return
	}
	s.diffEntries = s.diff.Added
	if s.diffKind.Selected == s.diffKind.Options[1] {
		s.diffEntries = s.diff.Removed
	}
	s.diffList.UnselectAll()
	s.diffList.ScrollToTop()
	s.diffList.Refresh()
	s.diffDetail.Objects = []fyne.CanvasObject{widget.NewLabel(evalNoDetail)}
	s.diffDetail.Refresh()
}

func newEvalActionRow() fyne.CanvasObject {
	verb := widget.NewLabelWithStyle("Revoke", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis
	info := widget.NewLabel("")
	info.Truncation = fyne.TextTruncateEllipsis
	info.SizeName = theme.SizeNameCaptionText
	return container.NewBorder(nil, nil, verb, nil, container.NewVBox(name, info))
}

func (s *evaluationScreen) setActionRow(o fyne.CanvasObject, a *engine.Action) {
	row := o.(*fyne.Container)
	texts := row.Objects[0].(*fyne.Container)
	texts.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%s (%s)", orDash(a.PersonName), a.Person))
	var by []string
	for _, r := range a.Reasons {
		if r.RuleName != "" && !slices.Contains(by, r.RuleName) {
			by = append(by, r.RuleName)
		}
	}
	why := ""
	if len(by) > 0 {
		why = "by " + strings.Join(by, ", ")
	} else if len(a.Reasons) > 0 {
		why = a.Reasons[0].Why
	}
	texts.Objects[1].(*widget.Label).SetText(joinNonEmpty(" · ", s.targets.entitlement(a.Key), why))
	verb := row.Objects[1].(*widget.Label)
	verb.SetText(evalVerb(a))
	verb.Importance = widget.SuccessImportance
	if !a.Grant {
		verb.Importance = widget.DangerImportance
	}
	verb.Refresh()
}

// planView is a loaded evaluation, prepared for filtering its actions
// quickly (a million of them in a few tens of milliseconds). It is not
// changed once built, so filters read it on any goroutine.
type planView struct {
	ev *engine.Evaluation
	// folded holds "id name" in lower case without accents, once per run
	// of one person's actions (plans come sorted by person); personOf
	// says which entry each action belongs to.
	folded   []string
	personOf []int32
	rules    []planRule // the rules in the plan's reasons, by name
	targets  []string   // the targets in the plan, in summary order
	// noteNames are the names of the notes' persons.
	noteNames []string
}

type planRule struct{ id, name string }

func newPlanView(ev *engine.Evaluation, persons *app.PersonList) *planView {
	v := &planView{ev: ev, personOf: make([]int32, len(ev.Actions))}
	seen := map[string]string{}
	for i := range ev.Actions {
		a := &ev.Actions[i]
		if i == 0 || a.Person != ev.Actions[i-1].Person {
			v.folded = append(v.folded, evalFold(a.Person+" "+a.PersonName))
		}
		v.personOf[i] = int32(len(v.folded) - 1)
		for _, r := range a.Reasons {
			if r.Rule != "" {
				if _, ok := seen[r.Rule]; !ok {
					seen[r.Rule] = r.RuleName
				}
			}
		}
	}
	for id, name := range seen {
		v.rules = append(v.rules, planRule{id: id, name: orDash(name)})
	}
	slices.SortFunc(v.rules, func(a, b planRule) int {
		if c := strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	for _, r := range ev.Summary {
		if !slices.Contains(v.targets, r.Target) {
			v.targets = append(v.targets, r.Target)
		}
	}
	v.noteNames = make([]string, len(ev.Notes))
	for i, n := range ev.Notes {
		v.noteNames[i] = n.Person
		if persons != nil {
			if p, ok := persons.Find(n.Person); ok {
				v.noteNames[i] = p.DisplayName
			}
		}
	}
	return v
}

// planFilter chooses actions: every set field must match.
type planFilter struct {
	target string
	kind   engine.EntitlementKind
	verb   int // 0: both, 1: grants, 2: revokes
	rule   string
	words  []string // each must appear in the person's id or name (folded)
}

// filter returns the positions of the actions that pass f, in plan order.
func (v *planView) filter(f planFilter) []int32 {
	var personOK []bool
	if len(f.words) > 0 {
		personOK = make([]bool, len(v.folded))
	next:
		for i, p := range v.folded {
			for _, w := range f.words {
				if !strings.Contains(p, w) {
					continue next
				}
			}
			personOK[i] = true
		}
	}
	out := make([]int32, 0, min(len(v.ev.Actions), 1024))
	for i := range v.ev.Actions {
		a := &v.ev.Actions[i]
		switch {
		case f.target != "" && a.Key.Target != f.target,
			f.kind != "" && a.Key.Kind != f.kind,
			f.verb == 1 && !a.Grant,
			f.verb == 2 && a.Grant,
			personOK != nil && !personOK[v.personOf[i]],
			f.rule != "" && !slices.ContainsFunc(a.Reasons, func(r engine.Reason) bool { return r.Rule == f.rule }):
			continue
		}
		out = append(out, int32(i))
	}
	return out
}

// evalFold makes text comparable for search: lower case, no accents.
func evalFold(s string) string { return strings.ToLower(engine.RemoveDiacritics(s)) }

// evalKindLabels are the kinds as the kind filter offers them.
func evalKindLabels() []string {
	out := make([]string, len(engine.EntitlementKinds))
	for i, k := range engine.EntitlementKinds {
		out[i] = k.Label()
	}
	return out
}

// evalUnique makes labels unique for a select by adding the key to
// repeated ones.
func evalUnique(labels, keys []string) []string {
	count := map[string]int{}
	for _, l := range labels {
		count[l]++
	}
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = l
		if count[l] > 1 {
			out[i] = fmt.Sprintf("%s (%s)", l, keys[i])
		}
	}
	return out
}

func evalVerb(a *engine.Action) string {
	if a.Grant {
		return "Grant"
	}
	return "Revoke"
}

// evalHistoryLabel names an evaluation in the history choice.
func evalHistoryLabel(e *engine.EvaluationInfo) string {
	parts := []string{fmt.Sprintf("#%d", e.ID), e.CreatedAt.Format("2006-01-02 15:04"), "as of " + e.AsOf.String()}
	if e.IsWhatIf() {
		parts = append(parts, "what-if")
	}
	return strings.Join(parts, " · ")
}

func evalHeading(e *engine.EvaluationInfo) string {
	text := fmt.Sprintf("Evaluation #%d, run %s, as of %s", e.ID, e.CreatedAt.Format("2 Jan 2006 15:04"), e.AsOf)
	switch {
	case e.WithDrafts && e.WhatIf != "":
		text += fmt.Sprintf(", with draft rules and the edited rule “%s”", e.WhatIf)
	case e.WithDrafts:
		text += ", with draft rules"
	case e.WhatIf != "":
		text += fmt.Sprintf(", with the edited rule “%s”", e.WhatIf)
	}
	if len(e.DisabledTargets) > 0 {
		text += fmt.Sprintf("; left out, as disabled: %s", strings.Join(e.DisabledTargets, ", "))
	}
	return text
}

func evalDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "under 1 ms"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(10 * time.Millisecond).String()
	}
}

// evalCloneBody copies a rule body deeply.
func evalCloneBody(b *engine.RuleBody) *engine.RuleBody {
	var out engine.RuleBody
	raw, err := json.Marshal(b)
	if err == nil {
		err = json.Unmarshal(raw, &out)
	}
	if err != nil {
		// a body is plain data and always round-trips; keep the original
		// rather than evaluate nothing
		return b
	}
	return &out
}
