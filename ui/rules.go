package ui

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
	"provisio/engine/rules"
)

// rulesScreen lists the business rules with search and filters; a
// selected rule is shown beside the list, and the rule editor takes the
// whole screen.
type rulesScreen struct {
	w *Window

	search   *widget.Entry
	category *widget.Select
	state    *widget.Select
	count    *widget.Label
	list     *widget.List
	body     *fyne.Container
	split    fyne.CanvasObject
	root     *fyne.Container
	editor   *ruleEditor

	summaries []app.RuleSummary
	rules     map[string]*engine.Rule
	hits      []int
	selected  string
	// editFirst opens the first rule in the editor once loaded.
	editFirst bool
}

const (
	allCategories = "All categories"
	allStates     = "All states"
)

var stateLabels = map[engine.RuleState]string{
	engine.RuleDraft:     "Draft",
	engine.RulePublished: "Published",
	engine.RuleChanged:   "Published, with draft changes",
}

func newRulesScreen(w *Window) *rulesScreen {
	s := &rulesScreen{w: w, rules: map[string]*engine.Rule{}}
	s.search = widget.NewEntry()
	s.search.SetPlaceHolder("Search rules")
	s.search.OnChanged = func(string) { s.filter() }
	s.category = widget.NewSelect([]string{allCategories}, nil)
	s.category.SetSelected(allCategories)
	s.category.OnChanged = func(string) { s.filter() }
	s.state = widget.NewSelect([]string{allStates, stateLabels[engine.RuleDraft], stateLabels[engine.RulePublished], stateLabels[engine.RuleChanged]}, nil)
	s.state.SetSelected(allStates)
	s.state.OnChanged = func(string) { s.filter() }
	s.count = widget.NewLabel("")
	s.list = twoLineList(func() int { return len(s.hits) }, func(i int) (string, string) {
		r := s.summaries[s.hits[i]]
		info := stateLabels[r.State]
		if r.Matched >= 0 { // at the latest evaluation of the rules in force
			info += " · " + thousands(r.Matched) + " matched"
		}
		if len(r.Categories) > 0 {
			info += " · " + strings.Join(r.Categories, ", ")
		}
		return r.Name, info
	})
	s.list.OnSelected = func(id widget.ListItemID) {
		if id < len(s.hits) {
			s.selected = s.summaries[s.hits[id]].ID
			s.showRule(s.selected)
		}
	}
	add := widget.NewButtonWithIcon("New rule", theme.ContentAddIcon(), func() { s.openEditor(nil) })
	filters := container.NewGridWithColumns(2, s.category, s.state)
	s.body = container.NewStack(container.NewPadded(widget.NewLabel("A business rule says who gets what: conditions on persons and their contracts,\nand the accounts and permissions they get in target systems while the conditions hold.")))
	s.split, s.root = listAndDetail("Business rules", add, s.list, s.body, 0.3, s.search, filters, s.count)
	return s
}

func (s *rulesScreen) object() fyne.CanvasObject { return s.root }

func (s *rulesScreen) refresh() {
	if s.editor == nil {
		s.loadList()
	}
}

// loadList reloads the rules and their match counts.
func (s *rulesScreen) loadList() {
	s.w.jobs.run(func() func() {
		ctx := context.Background()
		sums, err := s.w.app.RuleSummaries(ctx)
		var all []engine.Rule
		if err == nil {
			all, err = s.w.app.Rules(ctx)
		}
		return func() {
			if err != nil {
				s.w.showError(err)
				return
			}
			s.summaries = sums
			s.rules = map[string]*engine.Rule{}
			cats := map[string]bool{}
			for i := range all {
				s.rules[all[i].ID] = &all[i]
				for _, c := range all[i].Latest().Categories {
					cats[c] = true
				}
			}
			options := []string{allCategories}
			for c := range cats {
				options = append(options, c)
			}
			sort.Strings(options[1:])
			s.category.SetOptions(options)
			s.filter()
			if s.editFirst && len(all) > 0 {
				s.editFirst = false
				s.openEditor(&all[0])
				return
			}
			if s.editor == nil && s.selected != "" {
				if _, ok := s.rules[s.selected]; ok {
					s.showRule(s.selected)
				}
			}
		}
	})
}

// filter applies the search and filters to the list.
func (s *rulesScreen) filter() {
	q := strings.ToLower(strings.TrimSpace(s.search.Text))
	s.hits = s.hits[:0]
	for i, r := range s.summaries {
		if q != "" && !strings.Contains(strings.ToLower(r.Name+" "+r.ID+" "+strings.Join(r.Categories, " ")), q) {
			continue
		}
		if c := s.category.Selected; c != allCategories && c != "" && !slices.Contains(r.Categories, c) {
			continue
		}
		if st := s.state.Selected; st != allStates && st != "" && stateLabels[r.State] != st {
			continue
		}
		s.hits = append(s.hits, i)
	}
	s.list.UnselectAll()
	s.list.Refresh()
	s.count.SetText(fmt.Sprintf("%d of %d rules · matched at the latest evaluation", len(s.hits), len(s.summaries)))
}

func (s *rulesScreen) setBody(o fyne.CanvasObject) {
	s.body.Objects = []fyne.CanvasObject{o}
	s.body.Refresh()
}

// showRule shows a rule's versions and its actions.
func (s *rulesScreen) showRule(id string) {
	r, ok := s.rules[id]
	if !ok {
		return
	}
	title := widget.NewLabelWithStyle(r.Name(), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	items := []fyne.CanvasObject{title, widget.NewLabel(fmt.Sprintf("%s · %s", r.ID, stateLabels[r.State()]))}
	for _, v := range []struct {
		title string
		body  *engine.RuleBody
	}{{"In force (published)", r.Published}, {"Draft (not in force)", r.Draft}} {
		if v.body != nil {
			items = append(items, widget.NewCard("", v.title, ruleSummaryView(v.body)))
		}
	}
	edit := widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), func() { s.openEditor(r) })
	edit.Importance = widget.HighImportance
	buttons := container.NewHBox(edit, widget.NewButtonWithIcon("Duplicate", theme.ContentCopyIcon(), func() { s.duplicate(r) }))
	if r.Draft != nil {
		publish := widget.NewButtonWithIcon("Publish draft", theme.ConfirmIcon(), func() { s.publish(r) })
		buttons.Add(publish)
	}
	if r.State() == engine.RuleChanged {
		buttons.Add(widget.NewButton("Discard draft", func() { s.discard(r) }))
	}
	del := widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() { s.confirmDelete(r) })
	del.Importance = widget.DangerImportance
	buttons.Add(layout.NewSpacer())
	buttons.Add(del)
	items = append(items, buttons)
	s.setBody(container.NewVScroll(container.NewPadded(container.NewVBox(items...))))
}

// ruleSummaryView shows a rule version in words.
func ruleSummaryView(b *engine.RuleBody) fyne.CanvasObject {
	form := container.New(layout.NewFormLayout())
	add := func(k, v string) {
		l := widget.NewLabel(v)
		l.Wrapping = fyne.TextWrapWord
		form.Add(boldLabel(k))
		form.Add(l)
	}
	if b.Description != "" {
		add("Description", b.Description)
	}
	if len(b.Categories) > 0 {
		add("Categories", strings.Join(b.Categories, ", "))
	}
	add("Persons", statusLabels[b.Status])
	add("Timeframe", fmt.Sprintf("from %d days before a contract starts until %d days after it ends", b.Timeframe.DaysBefore, b.Timeframe.DaysAfter))
	if b.PersonConditions != nil {
		add("Person conditions", rules.ConditionText(*b.PersonConditions))
	}
	if b.ContractConditions != nil {
		add("Contract conditions", rules.ConditionText(*b.ContractConditions))
	}
	for _, e := range b.Entitlements {
		what := e.Kind.Label()
		switch {
		case e.Template != "":
			what += " " + e.Template + " (one per in-conditions contract)"
		case e.Permission != "":
			what += " " + e.Permission
		case e.Name != "":
			what += " " + e.Name
		}
		add("Grants", e.Target+": "+what)
	}
	return form
}

func (s *rulesScreen) openEditor(r *engine.Rule) {
	s.w.jobs.run(func() func() {
		env, err := s.w.app.RulesEnv(context.Background())
		return func() {
			if err != nil {
				s.w.showError(err)
				return
			}
			s.list.UnselectAll()
			s.editor = newRuleEditor(s, r, env)
			s.root.Objects = []fyne.CanvasObject{s.editor.root}
			s.root.Refresh()
			s.editor.start()
		}
	})
}

// closeEditor returns to the list, showing rule id when set.
func (s *rulesScreen) closeEditor(id string) {
	s.editor = nil
	s.root.Objects = []fyne.CanvasObject{s.split}
	s.root.Refresh()
	if id != "" {
		s.selected = id
	}
	s.loadList()
}

func (s *rulesScreen) act(fn func(ctx context.Context) (string, error)) {
	s.w.jobs.run(func() func() {
		id, err := fn(context.Background())
		return func() {
			if err != nil {
				s.w.showError(err)
			}
			if id != "" {
				s.selected = id
			}
			s.loadList()
		}
	})
}

func (s *rulesScreen) duplicate(r *engine.Rule) {
	s.act(func(ctx context.Context) (string, error) { return s.w.app.DuplicateRule(ctx, r.ID) })
}

func (s *rulesScreen) publish(r *engine.Rule) {
	dialog.ShowConfirm("Publish "+r.Name(), "Put the draft in force? The next evaluation uses it.", func(ok bool) {
		if ok {
			s.act(func(ctx context.Context) (string, error) { return r.ID, s.w.app.PublishRule(ctx, r.ID) })
		}
	}, s.w.win)
}

func (s *rulesScreen) discard(r *engine.Rule) {
	dialog.ShowConfirm("Discard the draft of "+r.Name(), "The published version stays in force; the draft's changes are lost.", func(ok bool) {
		if ok {
			s.act(func(ctx context.Context) (string, error) { return r.ID, s.w.app.DiscardDraft(ctx, r.ID) })
		}
	}, s.w.win)
}

const (
	revokeGrants = "Revoke it at the next evaluation (unless another rule gives it)"
	keepGrants   = "Keep it, no longer managed by Provisio"
)

// confirmDelete asks what happens to what the rule granted, then deletes.
func (s *rulesScreen) confirmDelete(r *engine.Rule) {
	choice := widget.NewRadioGroup([]string{revokeGrants, keepGrants}, nil)
	choice.SetSelected(revokeGrants)
	content := container.NewVBox(widget.NewLabel(fmt.Sprintf("Delete the rule %q? What it granted:", r.Name())), choice)
	dialog.ShowCustomConfirm("Delete rule", "Delete", "Cancel", content, func(ok bool) {
		if !ok {
			return
		}
		keep := choice.Selected == keepGrants
		s.selected = ""
		s.setBody(widget.NewLabel(""))
		s.act(func(ctx context.Context) (string, error) { return "", s.w.app.DeleteRule(ctx, r.ID, keep) })
	}, s.w.win)
}
