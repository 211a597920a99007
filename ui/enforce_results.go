package ui

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// runView is a loaded run, prepared for filtering its results quickly. It
// is not changed once built, so filters read it on any goroutine.
type runView struct {
	d      *app.RunDetail
	counts map[engine.Outcome]int // from the results, which the journal keeps
	// folded holds each result's person id and name in lower case
	// without accents; empty when the plan is no longer kept.
	folded  []string
	targets []string          // the targets of the run's actions, in plan order
	ops     []engine.ActionOp // the operations of its actions, in the order they are applied
}

func newRunView(d *app.RunDetail) *runView {
	v := &runView{d: d, counts: map[engine.Outcome]int{}, folded: make([]string, len(d.Results))}
	seenOp := map[engine.ActionOp]bool{}
	for i := range d.Results {
		v.counts[d.Results[i].Outcome]++
		a := v.action(i)
		if a == nil {
			continue
		}
		if i == 0 || v.action(i-1) == nil || v.action(i-1).Person != a.Person {
			v.folded[i] = evalFold(a.Person + " " + a.PersonName)
		} else {
			v.folded[i] = v.folded[i-1] // plans come sorted by person: one string per person
		}
		if !slices.Contains(v.targets, a.Key.Target) {
			v.targets = append(v.targets, a.Key.Target)
		}
		seenOp[a.Op] = true
	}
	for _, op := range engine.ActionOps {
		if seenOp[op] {
			v.ops = append(v.ops, op)
		}
	}
	return v
}

// action returns the plan's action of result i, or nil when the plan is
// no longer kept.
func (v *runView) action(i int) *engine.Action {
	if i < 0 || i >= len(v.d.Results) {
		return nil
	}
	k := v.d.Results[i].Index
	if k < 0 || k >= len(v.d.Actions) {
		return nil
	}
	return &v.d.Actions[k]
}

// actionable reports whether result i waits for a decision: approval or
// a retry.
func (v *runView) actionable(i int) bool {
	o := v.d.Results[i].Outcome
	return o == engine.OutcomeBlocked || o == engine.OutcomeFailed
}

// runFilter chooses results: every set field must match.
type runFilter struct {
	outcome    engine.Outcome
	anyOutcome bool
	target     string
	op         engine.ActionOp
	words      []string // each must appear in the person's id or name (folded)
}

// filter returns the positions of the results that pass f, in plan order.
func (v *runView) filter(f runFilter) []int32 {
	out := make([]int32, 0, min(len(v.d.Results), 1024))
next:
	for i := range v.d.Results {
		r := &v.d.Results[i]
		if !f.anyOutcome && r.Outcome != f.outcome {
			continue
		}
		if f.target != "" || f.op != "" || len(f.words) > 0 {
			a := v.action(i)
			if a == nil || f.target != "" && a.Key.Target != f.target || f.op != "" && a.Op != f.op {
				continue
			}
			for _, w := range f.words {
				if !strings.Contains(v.folded[i], w) {
					continue next
				}
			}
		}
		out = append(out, int32(i))
	}
	return out
}

// describe counts the results with outcome o (those of indexes, or all
// when nil) per target and operation, a line per target.
func (v *runView) describe(o engine.Outcome, indexes []int, name func(string) string) string {
	counts := map[string]map[engine.ActionOp]int{}
	var order []string
	for i := range v.d.Results {
		if v.d.Results[i].Outcome != o || indexes != nil && !slices.Contains(indexes, v.d.Results[i].Index) {
			continue
		}
		target, op := "", engine.ActionOp("")
		if a := v.action(i); a != nil {
			target, op = a.Key.Target, a.Op
		}
		if counts[target] == nil {
			counts[target] = map[engine.ActionOp]int{}
			order = append(order, target)
		}
		counts[target][op]++
	}
	lines := make([]string, 0, len(order))
	for _, t := range order {
		if t == "" {
			n := 0
			for _, c := range counts[t] {
				n += c
			}
			lines = append(lines, plural(n, "action", "actions")+" of a plan no longer kept")
			continue
		}
		lines = append(lines, name(t)+": "+opsText(counts[t]))
	}
	return strings.Join(lines, "\n")
}

// buildResults makes the filters, the list of results and the detail
// panel.
func (s *enforceScreen) buildResults() {
	s.outcome = widget.NewSelect([]string{enfAllOutcomes}, func(string) { s.filterNow() })
	s.target = widget.NewSelect([]string{enfAllTargets}, func(string) { s.filterNow() })
	s.op = widget.NewSelect([]string{enfAllOps}, func(string) { s.filterNow() })
	s.syncing = true
	s.outcome.SetSelectedIndex(0)
	s.target.SetSelectedIndex(0)
	s.op.SetSelectedIndex(0)
	s.syncing = false
	s.search = widget.NewEntry()
	s.search.SetPlaceHolder("Search person: name or id")
	s.search.OnChanged = func(string) { s.filterSoon() }
	s.count = widget.NewLabel("")
	s.selectShown = widget.NewButtonWithIcon("Select all shown", theme.CheckButtonCheckedIcon(), s.chooseShown)
	s.selectShown.Importance = widget.LowImportance
	s.clearChosen = widget.NewButtonWithIcon("Clear selection", theme.CheckButtonIcon(), func() {
		clear(s.chosen)
		s.list.Refresh()
		s.updateChosen()
	})
	s.clearChosen.Importance = widget.LowImportance
	s.chosenText = widget.NewLabel("")
	s.selectBar = container.NewHBox(s.chosenText, s.selectShown, s.clearChosen)
	s.selectBar.Hide()
	s.list = widget.NewList(
		func() int { return len(s.hits) },
		newEnfResultRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if s.view == nil || id >= len(s.hits) {
				return
			}
			s.setResultRow(o, int(s.hits[id]))
		},
	)
	s.list.OnSelected = func(id widget.ListItemID) {
		if s.view != nil && id < len(s.hits) {
			s.showResult(int(s.hits[id]))
		}
	}
	s.detail = container.NewVBox()
}

func (s *enforceScreen) resultsPane() fyne.CanvasObject {
	filters := container.NewVBox(container.NewGridWithColumns(3, s.outcome, s.target, s.op), s.search,
		container.NewBorder(nil, nil, nil, s.selectBar, s.count))
	split := container.NewHSplit(container.NewBorder(filters, nil, nil, nil, s.list), container.NewVScroll(container.NewPadded(s.detail)))
	split.Offset = 0.55
	return split
}

func newEnfResultRow() fyne.CanvasObject {
	check := widget.NewCheck("", nil)
	outcome := widget.NewLabelWithStyle("Waiting for approval", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	outcome.Truncation = fyne.TextTruncateEllipsis
	name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis
	info := widget.NewLabel("")
	info.Truncation = fyne.TextTruncateEllipsis
	info.SizeName = theme.SizeNameCaptionText
	left := container.NewHBox(check, withMinSize(outcome, 170, 0))
	return container.NewBorder(nil, nil, left, nil, container.NewVBox(name, info))
}

// setResultRow shows result i in a row of the list.
func (s *enforceScreen) setResultRow(o fyne.CanvasObject, i int) {
	v := s.view
	res := &v.d.Results[i]
	row := o.(*fyne.Container)
	texts := row.Objects[0].(*fyne.Container)
	left := row.Objects[1].(*fyne.Container)
	check := left.Objects[0].(*widget.Check)
	outcome := left.Objects[1].(*fyne.Container).Objects[0].(*widget.Label)

	check.OnChanged = nil
	check.SetChecked(s.chosen[i])
	if v.actionable(i) && !s.busy {
		check.Enable()
	} else {
		check.Disable()
	}
	check.OnChanged = func(on bool) { s.choose(i, on) }
	if s.selectBar.Visible() {
		check.Show()
	} else {
		check.Hide()
	}
	outcome.SetText(outcomeLabel(res.Outcome))
	outcome.Importance = outcomeImportance(res.Outcome)
	outcome.Refresh()

	name, info := texts.Objects[0].(*widget.Label), texts.Objects[1].(*widget.Label)
	a := v.action(i)
	if a == nil {
		name.SetText(fmt.Sprintf("Action %d", res.Index+1))
		info.SetText(joinNonEmpty(" · ", "the plan is no longer kept", res.Error))
		return
	}
	name.SetText(fmt.Sprintf("%s (%s)", orDash(a.PersonName), a.Person))
	info.SetText(joinNonEmpty(" · ", a.Op.Label()+" "+s.targets.entitlement(a.Key), res.Error))
}

// choose adds result i to the actions chosen for a decision, or takes it
// out.
func (s *enforceScreen) choose(i int, on bool) {
	if on && s.view != nil && s.view.actionable(i) {
		s.chosen[i] = true
	} else {
		delete(s.chosen, i)
	}
	s.updateChosen()
}

// chooseShown chooses every shown action that waits for a decision.
func (s *enforceScreen) chooseShown() {
	if s.view == nil {
		return
	}
	for _, i := range s.hits {
		if s.view.actionable(int(i)) {
			s.chosen[int(i)] = true
		}
	}
	s.list.Refresh()
	s.updateChosen()
}

func (s *enforceScreen) filterOutcome() (engine.Outcome, bool) {
	if i := s.outcome.SelectedIndex(); i > 0 && i <= len(s.outcomeKeys) {
		return s.outcomeKeys[i-1], false
	}
	return "", true
}

func (s *enforceScreen) filterTarget() string {
	if i := s.target.SelectedIndex(); i > 0 && i <= len(s.targetKeys) {
		return s.targetKeys[i-1]
	}
	return ""
}

func (s *enforceScreen) filterOp() engine.ActionOp {
	if i := s.op.SelectedIndex(); i > 0 && i <= len(s.opKeys) {
		return s.opKeys[i-1]
	}
	return ""
}

func (s *enforceScreen) filter() runFilter {
	f := runFilter{target: s.filterTarget(), op: s.filterOp(), words: strings.Fields(evalFold(s.search.Text))}
	f.outcome, f.anyOutcome = s.filterOutcome()
	return f
}

// filterSoon filters once typing pauses.
func (s *enforceScreen) filterSoon() {
	if s.syncing || s.view == nil {
		return
	}
	f := s.filter()
	s.filterGen++
	gen := s.filterGen
	s.w.jobs.debounce(&s.timer, s.debounce, func() { s.runFilter(gen, f) })
}

func (s *enforceScreen) filterNow() {
	if s.syncing || s.view == nil {
		return
	}
	s.filterGen++
	s.runFilter(s.filterGen, s.filter())
}

// runFilter filters in the background; a result for older filters or
// another run is dropped.
func (s *enforceScreen) runFilter(gen int, f runFilter) {
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
			s.list.Refresh()
			text := fmt.Sprintf("%s of %s actions", thousands(len(hits)), thousands(len(v.d.Results)))
			switch {
			case len(v.d.Results) == 0:
				text = "The run had nothing to do."
			case len(v.d.Actions) == 0:
				text += fmt.Sprintf(" — the plan of evaluation #%d is no longer kept: only the outcomes are known", v.d.Run.Evaluation)
			}
			s.count.SetText(text)
			// keep the detail of the action shown if it is still listed
			if s.selected >= 0 {
				if k := slices.Index(hits, int32(s.selected)); k >= 0 {
					s.showResult(s.selected)
				} else {
					s.selected = -1
					s.setDetail(nil)
				}
			}
		}
	})
}

func (s *enforceScreen) setDetail(items []fyne.CanvasObject) {
	if items == nil {
		items = []fyne.CanvasObject{widget.NewLabel(enfNoDetail)}
	}
	s.detail.Objects = items
	s.detail.Refresh()
}

// showResult shows one result in the detail panel: the action (person,
// entitlement, operation, attribute changes old → new), its outcome,
// error and tries, and the rules behind it.
func (s *enforceScreen) showResult(i int) {
	v := s.view
	s.selected = i
	res := &v.d.Results[i]
	a := v.action(i)
	if a == nil {
		title := widget.NewLabelWithStyle(fmt.Sprintf("Action %d of evaluation #%d", res.Index+1, v.d.Run.Evaluation), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		out := widget.NewLabel(joinNonEmpty(": ", outcomeLabel(res.Outcome), res.Error))
		out.Wrapping = fyne.TextWrapWord
		out.Importance = outcomeImportance(res.Outcome)
		s.setDetail([]fyne.CanvasObject{title, out, helpLabel("The evaluation's plan is no longer kept, so only the action's outcome is known.")})
		return
	}
	title := widget.NewLabelWithStyle(fmt.Sprintf("%s %s", a.Op.Label(), s.targets.entitlement(a.Key)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Wrapping = fyne.TextWrapWord
	title.SizeName = theme.SizeNameSubHeadingText
	out := widget.NewLabelWithStyle(outcomeLabel(res.Outcome), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	out.Importance = outcomeImportance(res.Outcome)
	person := widget.NewButtonWithIcon(fmt.Sprintf("%s (%s)", orDash(a.PersonName), a.Person), theme.AccountIcon(), func() {
		s.w.persons.openPerson(a.Person)
	})
	person.Alignment = widget.ButtonAlignLeading
	person.Importance = widget.LowImportance
	items := []fyne.CanvasObject{title, out}
	if res.Error != "" {
		e := widget.NewLabel(res.Error)
		e.Wrapping = fyne.TextWrapWord
		e.Selectable = true
		e.Importance = widget.DangerImportance
		if res.Outcome != engine.OutcomeFailed {
			e.Importance = widget.MediumImportance
		}
		items = append(items, e)
	}
	items = append(items, person)

	form := container.New(layout.NewFormLayout())
	add := func(label, value string) {
		v := widget.NewLabel(value)
		v.Wrapping = fyne.TextWrapWord
		v.Selectable = true
		form.Add(widget.NewLabelWithStyle(label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		form.Add(v)
	}
	add("Target", s.targets.name(a.Key.Target))
	add("Entitlement", s.targets.permissionText(a.Key))
	add("Operation", a.Op.Label())
	ref := res.Ref
	if ref == "" {
		ref = a.Ref
	}
	add("Reference", orDash(ref))
	if res.Tries > 0 {
		add("Tries", fmt.Sprint(res.Tries))
	}
	if !res.At.IsZero() {
		add("At", res.At.Local().Format("2 Jan 2006 15:04:05"))
	}
	items = append(items, form)

	if len(a.Changes) > 0 {
		changes := container.New(layout.NewFormLayout())
		for _, c := range a.Changes {
			l := widget.NewLabel(fmt.Sprintf("%s → %s", orDash(c.Old), orDash(c.New)))
			l.Wrapping = fyne.TextWrapWord
			l.Selectable = true
			changes.Add(widget.NewLabelWithStyle(c.Attribute, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
			changes.Add(l)
		}
		items = append(items, widget.NewCard("", fmt.Sprintf("Attribute changes (%d): old → new", len(a.Changes)), changes))
	}
	var by []string
	for _, r := range a.Reasons {
		name := r.RuleName
		if name == "" {
			name = r.Why
		}
		if name != "" && !slices.Contains(by, name) {
			by = append(by, name)
		}
	}
	if len(by) > 0 {
		l := widget.NewLabel("Because of: " + strings.Join(by, "; "))
		l.Wrapping = fyne.TextWrapWord
		items = append(items, l)
	}
	audit := widget.NewButtonWithIcon("Audit entries for this person", theme.DocumentIcon(), func() {
		s.w.audit.openFiltered(a.Person, a.PersonName, 0)
	})
	items = append(items, container.NewHBox(audit))
	s.setDetail(items)
}

// runsAudit opens the audit log on a run's entries.
func (s *enforceScreen) runsAudit() {
	if s.view != nil {
		s.w.audit.openFiltered("", "", s.view.d.Run.ID)
	}
}

// resumeFromDashboard opens the screen on run id and resumes it.
func (s *enforceScreen) resumeFromDashboard(id uint64) {
	s.showID = id
	s.w.Show(ScreenEnforcement)
	s.resume(id)
}
