package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// aggregationScreen shows the duplicate persons the latest scan suggests,
// each pair side by side, with Merge and Not the same; and the decisions
// taken: merges (with Unmerge), rejected pairs and exclusions by hand.
type aggregationScreen struct {
	w    *Window
	root fyne.CanvasObject

	status   *widget.Label
	progress *progressPanel
	tabs     *container.AppTabs

	data *app.AggregationOverview

	suggestions *widget.List
	sugDetail   *fyne.Container
	chosen      int // the suggestion shown, or -1
	compared    *app.Comparison

	merges      *widget.List
	mergeDetail *fyne.Container
	rejected    *widget.Table
	excluded    *widget.Table

	// the open dialogs, for tests
	mergeDialog  *formDialog
	rejectDialog *formDialog
	mergeMain    *widget.RadioGroup
	mergeHow     *widget.RadioGroup
	rejectNote   *widget.Entry
}

func newAggregationScreen(w *Window) *aggregationScreen {
	s := &aggregationScreen{w: w, chosen: -1, progress: newProgressPanel()}
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	scan := widget.NewButtonWithIcon("Scan now", theme.SearchIcon(), s.scan)
	settings := widget.NewButtonWithIcon("Settings…", theme.SettingsIcon(), s.editSettings)

	s.suggestions = widget.NewList(
		func() int { return s.suggestionCount() },
		func() fyne.CanvasObject {
			names := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			names.Truncation = fyne.TextTruncateEllipsis
			info := widget.NewLabel("")
			info.Truncation = fyne.TextTruncateEllipsis
			info.SizeName = theme.SizeNameCaptionText
			score := widget.NewLabel("0.000")
			return container.NewBorder(nil, nil, nil, score, container.NewVBox(names, info))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= s.suggestionCount() {
				return
			}
			sg := s.data.Suggestions[id]
			row := o.(*fyne.Container)
			texts := row.Objects[0].(*fyne.Container)
			texts.Objects[0].(*widget.Label).SetText(sg.AName + " · " + sg.BName)
			info := sg.A + " · " + sg.B
			if len(sg.Held) > 0 {
				info += " · holds " + strings.Join(sg.Held, ", ")
			}
			texts.Objects[1].(*widget.Label).SetText(info)
			row.Objects[1].(*widget.Label).SetText(fmt.Sprintf("%.3f", sg.Score))
		},
	)
	s.suggestions.OnSelected = func(id widget.ListItemID) { s.choose(id) }
	s.sugDetail = container.NewVBox(widget.NewLabel("Select a suggestion to compare the two persons field by field."))
	sugSplit := container.NewHSplit(s.suggestions, container.NewVScroll(container.NewPadded(s.sugDetail)))
	sugSplit.Offset = 0.35

	s.merges = widget.NewList(
		func() int { return s.mergeCount() },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < s.mergeCount() {
				m := s.data.Merges[id]
				var members []string
				for _, x := range m.Members {
					members = append(members, m.Names[x])
				}
				o.(*widget.Label).SetText(fmt.Sprintf("%s ← %s", m.Names[m.Main], strings.Join(members, ", ")))
			}
		},
	)
	s.merges.OnSelected = func(id widget.ListItemID) { s.showMerge(id) }
	s.mergeDetail = container.NewVBox(widget.NewLabel("Select a merge to see what it did, or undo it."))
	mergeSplit := container.NewHSplit(s.merges, container.NewVScroll(container.NewPadded(s.mergeDetail)))
	mergeSplit.Offset = 0.35

	s.rejected = newTable([]column{{"Person", 220}, {"Not the same as", 220}, {"When", 140}, {"Note", 300}},
		func() int {
			if s.data == nil {
				return 0
			}
			return len(s.data.Rejections)
		},
		func(row, col int) string {
			r := s.data.Rejections[row]
			switch col {
			case 0:
				return r.A
			case 1:
				return r.B
			case 2:
				return r.At.Local().Format("2006-01-02 15:04")
			default:
				return r.Note
			}
		})
	s.excluded = newTable([]column{{"Person", 220}, {"Since", 140}, {"Reason", 420}},
		func() int {
			if s.data == nil {
				return 0
			}
			return len(s.data.Exclusions)
		},
		func(row, col int) string {
			x := s.data.Exclusions[row]
			switch col {
			case 0:
				return x.Person
			case 1:
				return x.At.Local().Format("2006-01-02 15:04")
			default:
				return x.Reason
			}
		})
	s.excluded.OnSelected = func(id widget.TableCellID) {
		if s.data != nil && id.Row >= 0 && id.Row < len(s.data.Exclusions) {
			s.w.persons.openPerson(s.data.Exclusions[id.Row].Person)
		}
	}

	s.tabs = container.NewAppTabs(
		container.NewTabItem("Suggestions", sugSplit),
		container.NewTabItem("Merges", mergeSplit),
		container.NewTabItem("Not the same", s.rejected),
		container.NewTabItem("Excluded by hand", s.excluded),
	)
	head := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabelWithStyle("Aggregation", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), container.NewHBox(scan, settings)),
		s.status, s.progress.box)
	s.root = container.NewBorder(head, nil, nil, nil, s.tabs)
	return s
}

func (s *aggregationScreen) object() fyne.CanvasObject { return s.root }

func (s *aggregationScreen) suggestionCount() int {
	if s.data == nil {
		return 0
	}
	return len(s.data.Suggestions)
}

func (s *aggregationScreen) mergeCount() int {
	if s.data == nil {
		return 0
	}
	return len(s.data.Merges)
}

// refresh reloads the suggestions and decisions.
func (s *aggregationScreen) refresh() {
	s.w.jobs.run(func() func() {
		o, err := s.w.app.AggregationOverview(context.Background())
		return func() {
			if err != nil {
				s.w.showError(err)
				return
			}
			s.show(o)
		}
	})
}

func (s *aggregationScreen) show(o *app.AggregationOverview) {
	s.data = o
	switch {
	case o.ScannedAt.IsZero():
		s.status.SetText("No scan yet: persons are compared after each import, or now with Scan now.")
	default:
		text := fmt.Sprintf("%s, %s held until decided. Last scan %s: %s compared by their aggregation values (%s pairs), suggesting from a score of %.2f",
			plural(len(o.Suggestions), "suggestion", "suggestions"), plural(o.Held, "person", "persons"), o.ScannedAt.Local().Format("2006-01-02 15:04"),
			plural(o.Scanned, "person", "persons"), thousands(int(o.Comparisons)), o.Settings.SuggestScore)
		if o.Settings.AutoMergeScore > 0 {
			text += fmt.Sprintf(", merging without asking from %.2f", o.Settings.AutoMergeScore)
		}
		text += "."
		if o.ValueErrorCount > 0 {
			text += fmt.Sprintf(" %s had no aggregation value: %s", plural(o.ValueErrorCount, "person", "persons"), strings.Join(o.ValueErrors[:min(len(o.ValueErrors), 3)], "; "))
		}
		s.status.SetText(text)
	}
	s.tabs.Items[0].Text = fmt.Sprintf("Suggestions (%d)", len(o.Suggestions))
	s.tabs.Items[1].Text = fmt.Sprintf("Merges (%d)", len(o.Merges))
	s.tabs.Items[2].Text = fmt.Sprintf("Not the same (%d)", len(o.Rejections))
	s.tabs.Items[3].Text = fmt.Sprintf("Excluded by hand (%d)", len(o.Exclusions))
	s.tabs.Refresh()
	s.suggestions.UnselectAll()
	s.suggestions.Refresh()
	s.merges.UnselectAll()
	s.merges.Refresh()
	s.rejected.Refresh()
	s.excluded.Refresh()
	s.chosen = -1
	s.sugDetail.Objects = []fyne.CanvasObject{widget.NewLabel("Select a suggestion to compare the two persons field by field.")}
	if len(o.Suggestions) == 0 {
		s.sugDetail.Objects = []fyne.CanvasObject{widget.NewLabel("No suggestions: no two persons look alike enough, or every pair is decided.")}
	}
	s.sugDetail.Refresh()
	s.mergeDetail.Objects = []fyne.CanvasObject{widget.NewLabel("Select a merge to see what it did, or undo it.")}
	s.mergeDetail.Refresh()
	if len(o.Suggestions) > 0 {
		s.suggestions.Select(0)
	}
}

// choose shows a suggestion's two persons side by side.
func (s *aggregationScreen) choose(i int) {
	if i >= s.suggestionCount() {
		return
	}
	s.chosen = i
	sg := s.data.Suggestions[i]
	s.w.jobs.run(func() func() {
		c, err := s.w.app.Compare(context.Background(), sg.A, sg.B)
		return func() {
			if s.chosen != i {
				return
			}
			if err != nil {
				s.w.showError(err)
				return
			}
			s.compared = c
			s.showComparison(sg, c)
		}
	})
}

func (s *aggregationScreen) showComparison(sg app.NamedSuggestion, c *app.Comparison) {
	title := widget.NewLabelWithStyle(fmt.Sprintf("%s and %s", sg.AName, sg.BName), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	score := widget.NewLabel(fmt.Sprintf("Score %.3f: %q and %q", sg.Score, sg.AValue, sg.BValue))
	score.Wrapping = fyne.TextWrapWord
	var held fyne.CanvasObject = widget.NewLabel("")
	if len(sg.Held) > 0 {
		l := widget.NewLabel(strings.Join(sg.Held, " and ") + " had nothing granted yet, so Provisio holds them (excluded) until you decide.")
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		held = l
	}
	fields := c.Fields
	rows := len(fields) + 2
	table := newTable([]column{{"Field", 170}, {c.A.ID, 215}, {c.B.ID, 215}},
		func() int { return rows },
		func(row, col int) string {
			switch {
			case row < len(fields):
				f := fields[row]
				switch col {
				case 0:
					if !f.Same {
						return f.Label + "  ≠"
					}
					return f.Label
				case 1:
					return f.A
				}
				return f.B
			case row == len(fields):
				return [...]string{"Contracts", strings.Join(c.AContracts, "; "), strings.Join(c.BContracts, "; ")}[col]
			default:
				return [...]string{"Entitlements", fmt.Sprint(c.AEntitlements), fmt.Sprint(c.BEntitlements)}[col]
			}
		})
	merge := widget.NewButtonWithIcon("Merge…", theme.ContentAddIcon(), func() { s.askMerge(sg, c) })
	merge.Importance = widget.HighImportance
	reject := widget.NewButtonWithIcon("Not the same…", theme.CancelIcon(), func() { s.askReject(sg) })
	s.sugDetail.Objects = []fyne.CanvasObject{title, score, held,
		container.NewHBox(merge, reject),
		withMinSize(table, 500, float32(rows+1)*38+8),
	}
	s.sugDetail.Refresh()
}

// askMerge asks which person stays and what happens to the other's
// entitlements, then merges.
func (s *aggregationScreen) askMerge(sg app.NamedSuggestion, c *app.Comparison) {
	optA := fmt.Sprintf("%s (%s, %d entitlements)", sg.AName, sg.A, c.AEntitlements)
	optB := fmt.Sprintf("%s (%s, %d entitlements)", sg.BName, sg.B, c.BEntitlements)
	main := widget.NewRadioGroup([]string{optA, optB}, nil)
	main.Required = true
	main.SetSelected(optA)
	if c.BEntitlements > c.AEntitlements {
		main.SetSelected(optB)
	}
	transfer := "Transfer them to the main person (target by target, where the main person has nothing yet)"
	leave := "Leave them where they are, no longer managed by Provisio"
	how := widget.NewRadioGroup([]string{transfer, leave}, nil)
	how.Required = true
	note := widget.NewEntry()
	note.SetPlaceHolder("Optional: why, for the audit log")
	explain := widget.NewLabel("The main person keeps their fields and gets the other's contracts; the other is no person of their own while the merge holds. You can undo it on the Merges tab.")
	explain.Wrapping = fyne.TextWrapWord
	s.mergeMain, s.mergeHow = main, how
	s.mergeDialog = dialogForm("Merge two persons", "Merge", []*widget.FormItem{
		widget.NewFormItem("Main person", main),
		widget.NewFormItem("The other's entitlements", how),
		widget.NewFormItem("Note", note),
	}, explain, func() {
		req := app.MergeRequest{Main: sg.A, Members: []string{sg.B}, Note: note.Text, Score: sg.Score}
		if main.Selected == optB {
			req.Main, req.Members = sg.B, []string{sg.A}
		}
		switch how.Selected {
		case transfer:
			req.Entitlements = engine.TransferEntitlements
		case leave:
			req.Entitlements = engine.LeaveUnmanaged
		}
		s.decide(func(ctx context.Context) error { _, err := s.w.app.Merge(ctx, req); return err })
	}, s.w.win)
	s.mergeDialog.Show()
}

// askReject remembers that the pair are not the same human.
func (s *aggregationScreen) askReject(sg app.NamedSuggestion) {
	note := widget.NewEntry()
	note.SetPlaceHolder("Optional: why, for example: twins")
	s.rejectNote = note
	explain := widget.NewLabel(fmt.Sprintf("%s and %s will not be suggested again; whoever the suggestion held is included.", sg.AName, sg.BName))
	explain.Wrapping = fyne.TextWrapWord
	s.rejectDialog = dialogForm("Not the same human", "Not the same", []*widget.FormItem{widget.NewFormItem("Note", note)}, explain, func() {
		s.decide(func(ctx context.Context) error { return s.w.app.RejectSuggestion(ctx, sg.A, sg.B, note.Text) })
	}, s.w.win)
	s.rejectDialog.Show()
}

// decide runs a decision in the background and reloads.
func (s *aggregationScreen) decide(do func(ctx context.Context) error) {
	s.w.jobs.run(func() func() {
		err := do(context.Background())
		return func() {
			if err != nil {
				s.w.showError(err)
			}
			s.refresh()
		}
	})
}

func (s *aggregationScreen) showMerge(i int) {
	if i >= s.mergeCount() {
		return
	}
	m := s.data.Merges[i]
	title := widget.NewLabelWithStyle(fmt.Sprintf("Merge %d: %s", m.ID, m.Names[m.Main]), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	var members []string
	for _, id := range m.Members {
		members = append(members, fmt.Sprintf("%s (%s)", m.Names[id], id))
	}
	by := "by the administrator"
	if m.Automatic {
		by = fmt.Sprintf("automatically, score %.3f", m.Score)
	}
	info := widget.NewLabel(fmt.Sprintf("Main person %s (%s). Merged into it: %s. Decided %s on %s.", m.Names[m.Main], m.Main, strings.Join(members, ", "), by, m.At.Local().Format("2006-01-02 15:04")))
	info.Wrapping = fyne.TextWrapWord
	items := []fyne.CanvasObject{title, info}
	if m.Note != "" {
		items = append(items, widget.NewLabel("Note: "+m.Note))
	}
	moved := m.Moved
	if len(moved) > 0 {
		table := newTable([]column{{"From", 160}, {"Entitlement", 280}, {"Now", 320}},
			func() int { return len(moved) },
			func(row, col int) string {
				mv := moved[row]
				switch col {
				case 0:
					return mv.From
				case 1:
					return mv.Key.String()
				}
				if mv.Transferred {
					return "transferred to " + m.Main
				}
				return "left with " + mv.From + ", unmanaged"
			})
		items = append(items, widget.NewCard("", "Entitlements", withMinSize(table, 500, float32(len(moved)+1)*38+8)))
	} else {
		items = append(items, widget.NewLabel("The merged persons had no entitlements."))
	}
	open := widget.NewButtonWithIcon("Open person", theme.AccountIcon(), func() { s.w.persons.openPerson(m.Main) })
	unmerge := widget.NewButtonWithIcon("Unmerge…", theme.ContentUndoIcon(), func() {
		dialog.ShowConfirm("Unmerge", fmt.Sprintf("Make %s persons of their own again, with their contracts, and give back the entitlements the merge transferred or left unmanaged?", strings.Join(members, ", ")), func(ok bool) {
			if ok {
				s.unmerge(m.ID)
			}
		}, s.w.win)
	})
	items = append(items, container.NewHBox(open, unmerge))
	s.mergeDetail.Objects = items
	s.mergeDetail.Refresh()
}

func (s *aggregationScreen) unmerge(id uint64) {
	s.decide(func(ctx context.Context) error { _, err := s.w.app.Unmerge(ctx, fmt.Sprint(id)); return err })
}

// scan compares the persons again, with progress and Cancel.
func (s *aggregationScreen) scan() {
	s.progress.start(s.w.jobs, "Looking for duplicate persons…", func(ctx context.Context, report func(float64, string)) (func(), error) {
		_, err := s.w.app.ScanAggregation(ctx, importProgress(report))
		if err != nil {
			return nil, err
		}
		return s.refresh, nil
	}, func(err error) { s.w.showError(err) })
}

// editSettings edits the aggregation settings.
func (s *aggregationScreen) editSettings() {
	if s.data == nil {
		return
	}
	cur := s.data.Settings
	suggest := widget.NewEntry()
	suggest.SetText(fmt.Sprint(cur.SuggestScore))
	auto := widget.NewEntry()
	auto.SetText(fmt.Sprint(cur.AutoMergeScore))
	maxc := widget.NewEntry()
	maxc.SetText(fmt.Sprint(cur.MaxCandidates))
	measure := widget.NewSelect([]string{engine.MeasureJaroWinkler, engine.MeasureLevenshtein}, nil)
	measure.SetSelected(cur.Measure)
	if cur.Measure == "" {
		measure.SetSelected(engine.MeasureJaroWinkler)
	}
	enabled := widget.NewCheck("Look for duplicates after each import", nil)
	enabled.SetChecked(!cur.Disabled)
	note := widget.NewLabel("Scores run from 0 (nothing alike) to 1 (the same value). An automatic-merge score of 0 never merges without asking; merges made automatically transfer entitlements and can be undone.")
	note.Wrapping = fyne.TextWrapWord
	d := dialogForm("Aggregation settings", "Save", []*widget.FormItem{
		widget.NewFormItem("", enabled),
		widget.NewFormItem("Suggest from score", suggest),
		widget.NewFormItem("Merge without asking from score", auto),
		widget.NewFormItem("Suggestions per person at most", maxc),
		widget.NewFormItem("Similarity", measure),
	}, note, func() {
		st := engine.AggregationSettings{Disabled: !enabled.Checked, Measure: measure.Selected}
		var err error
		if _, err = fmt.Sscan(suggest.Text, &st.SuggestScore); err != nil {
			err = fmt.Errorf("suggest from score: expected a number from 0 to 1, got %q", suggest.Text)
		} else if _, err = fmt.Sscan(auto.Text, &st.AutoMergeScore); err != nil {
			err = fmt.Errorf("merge without asking from score: expected a number from 0 to 1 (0: never), got %q", auto.Text)
		} else if _, err = fmt.Sscan(maxc.Text, &st.MaxCandidates); err != nil {
			err = fmt.Errorf("suggestions per person: expected a whole number, got %q", maxc.Text)
		}
		if err != nil {
			s.w.showError(err)
			return
		}
		s.decide(func(ctx context.Context) error { return s.w.app.SaveAggregationSettings(ctx, st) })
	}, s.w.win)
	d.Show()
}
