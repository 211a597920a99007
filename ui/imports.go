package ui

import (
	"context"
	"fmt"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// importsScreen runs imports (with progress and cancel), lists them with
// their figures and problems, decides pending ones, and browses and
// compares snapshots.
type importsScreen struct {
	w *Window

	tabs     *container.AppTabs
	source   *widget.Select
	run      *widget.Button
	progress *progressPanel
	table    *widget.Table
	detail   *fyne.Container
	root     fyne.CanvasObject

	runs     []engine.ImportRun
	sources  []engine.SourceSystem
	selected uint64
	shown    *engine.ImportRun
	note     *widget.Entry

	snaps *snapshotsView
}

const allSources = "All enabled source systems"

func newImportsScreen(w *Window) *importsScreen {
	s := &importsScreen{w: w, progress: newProgressPanel()}
	s.source = widget.NewSelect([]string{allSources}, nil)
	s.source.SetSelected(allSources)
	s.run = widget.NewButtonWithIcon("Run import", theme.MediaPlayIcon(), func() { s.runImport(s.selectedSources()) })
	s.run.Importance = widget.HighImportance
	cols := []column{{"Import", 70}, {"Source", 140}, {"Started", 150}, {"Status", 100}, {"Persons", 90}, {"Added", 80}, {"Removed", 90}, {"Changed", 90}, {"Blocked", 85}, {"Problems", 95}, {"Snapshot", 95}}
	s.table = newTable(cols, func() int { return len(s.runs) }, func(row, col int) string {
		r := &s.runs[row]
		c := r.Counts
		switch col {
		case 0:
			return strconv.FormatUint(r.ID, 10)
		case 1:
			return r.SourceName
		case 2:
			return r.StartedAt.Format("2006-01-02 15:04")
		case 3:
			return string(r.Status)
		case 4:
			return thousands(c.Persons)
		case 5:
			return thousands(c.Added)
		case 6:
			return thousands(c.Removed)
		case 7:
			return thousands(c.Changed)
		case 8:
			return thousands(c.Blocked)
		case 9:
			return thousands(c.Errors)
		default:
			if r.Snapshot == 0 {
				return "–"
			}
			return strconv.FormatUint(r.Snapshot, 10)
		}
	})
	s.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(s.runs) {
			s.openImport(s.runs[id.Row].ID)
		}
	}
	s.detail = container.NewVBox(widget.NewLabel("Select an import to see its figures and the problems found in the data."))
	bar := container.NewHBox(widget.NewLabel("Import"), s.source, s.run, layout.NewSpacer(), widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), s.refresh))
	split := container.NewVSplit(s.table, container.NewVScroll(container.NewPadded(s.detail)))
	split.Offset = 0.45
	importsTab := container.NewBorder(container.NewVBox(bar, s.progress.box), nil, nil, nil, split)
	s.snaps = newSnapshotsView(w)
	s.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Imports", theme.DownloadIcon(), importsTab),
		container.NewTabItemWithIcon("Snapshots", theme.StorageIcon(), s.snaps.root),
	)
	s.tabs.OnSelected = func(t *container.TabItem) {
		if t.Text == "Snapshots" {
			s.snaps.refresh()
		}
	}
	s.root = container.NewBorder(widget.NewLabelWithStyle("Imports & snapshots", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, s.tabs)
	return s
}

func (s *importsScreen) object() fyne.CanvasObject { return s.root }

func (s *importsScreen) refresh() {
	s.w.jobs.run(func() func() {
		ctx := context.Background()
		runs, err := s.w.app.Imports(ctx)
		var cfg *engine.Config
		if err == nil {
			cfg, err = s.w.app.Config(ctx)
		}
		return func() {
			if err != nil {
				s.w.showError(err)
				return
			}
			s.runs = runs
			s.sources = cfg.SourceSystems
			options := []string{allSources}
			for _, src := range cfg.SourceSystems {
				options = append(options, src.Name)
			}
			s.source.SetOptions(options)
			if s.source.SelectedIndex() < 0 {
				s.source.SetSelected(allSources)
			}
			s.table.Refresh()
			if s.selected == 0 && len(runs) > 0 {
				s.selected = runs[0].ID
			}
			if s.selected != 0 {
				s.openImport(s.selected)
			}
		}
	})
	if s.tabs.SelectedIndex() == 1 {
		s.snaps.refresh()
	}
}

func (s *importsScreen) selectedSources() []string {
	i := s.source.SelectedIndex()
	if i <= 0 || i > len(s.sources) {
		return nil
	}
	return []string{s.sources[i-1].Key}
}

// runImport imports the given sources (all enabled ones for nil) with
// progress and a Cancel button.
func (s *importsScreen) runImport(keys []string) {
	s.tabs.SelectIndex(0)
	started := s.progress.start(s.w.jobs, "Starting the import…", func(ctx context.Context, report func(float64, string)) (func(), error) {
		outcomes, err := s.w.app.RunImport(ctx, keys, importProgress(report))
		return func() {
			if len(outcomes) > 0 && outcomes[len(outcomes)-1].Run != nil {
				s.selected = outcomes[len(outcomes)-1].Run.ID
			}
			s.w.dataChanged()
		}, err
	}, func(err error) {
		s.run.Enable()
		switch {
		case err == nil, engine.IsCode(err, engine.Canceled):
			s.refresh()
		case app.IsBlocked(err):
			s.refresh()
			dialog.ShowInformation("Import waits for approval", err.Error()+"\n\nReview it below: approve it to make a new snapshot, or reject it.", s.w.win)
		default:
			s.refresh()
			s.w.showError(err)
		}
	})
	if started {
		s.run.Disable()
	}
}

// selectImport shows one import.
func (s *importsScreen) selectImport(id uint64) {
	s.tabs.SelectIndex(0)
	s.selected = id
	s.openImport(id)
}

func (s *importsScreen) openImport(id uint64) {
	s.selected = id
	s.w.jobs.run(func() func() {
		run, err := s.w.app.Import(context.Background(), id)
		return func() {
			if err != nil {
				s.w.showError(err)
				return
			}
			if s.selected == id {
				s.showImport(run)
			}
		}
	})
}

func (s *importsScreen) showImport(r *engine.ImportRun) {
	s.shown = r
	title := widget.NewLabelWithStyle(fmt.Sprintf("Import %d of %s: %s", r.ID, r.SourceName, r.Status), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	when := widget.NewLabel(fmt.Sprintf("Started %s, finished %s", r.StartedAt.Format("2 Jan 2006 15:04:05"), r.FinishedAt.Format("15:04:05")))
	items := []fyne.CanvasObject{title, when}
	if r.Message != "" {
		l := widget.NewLabel(r.Message)
		l.Wrapping = fyne.TextWrapWord
		if r.Status == engine.ImportFailed {
			l.Importance = widget.DangerImportance
		}
		items = append(items, l)
	}
	c := r.Counts
	figures := container.NewGridWithColumns(4)
	for _, f := range []struct {
		name string
		n    int
	}{{"Records read", c.Records}, {"Persons", c.Persons}, {"Contracts", c.Contracts}, {"Departments", c.Departments},
		{"Added", c.Added}, {"Removed", c.Removed}, {"Changed", c.Changed}, {"Unchanged", c.Unchanged},
		{"Blocked", c.Blocked}, {"Newly blocked", c.NewlyBlocked}, {"Excluded", c.Excluded}, {"Problems", c.Errors},
		{"Kept (unreadable rows)", c.Kept}} {
		figures.Add(widget.NewLabel(fmt.Sprintf("%s: %s", f.name, thousands(f.n))))
	}
	items = append(items, figures)
	for _, b := range r.Breaches {
		l := widget.NewLabel("Threshold exceeded: " + b.String())
		l.Importance = widget.WarningImportance
		items = append(items, l)
	}
	if r.Status == engine.ImportPending {
		s.note = widget.NewEntry()
		s.note.SetPlaceHolder("Note for the record (optional)")
		approve := widget.NewButtonWithIcon("Approve", theme.ConfirmIcon(), func() { s.decide(r, true) })
		approve.Importance = widget.HighImportance
		reject := widget.NewButtonWithIcon("Reject", theme.CancelIcon(), func() { s.decide(r, false) })
		reject.Importance = widget.DangerImportance
		explain := widget.NewLabel("Nothing changed yet. Approve to make a new snapshot with these persons, or reject to discard this import.")
		explain.Wrapping = fyne.TextWrapWord
		items = append(items, explain, container.NewBorder(nil, nil, nil, container.NewHBox(approve, reject), s.note))
	}
	if r.Snapshot > 0 {
		n := r.Snapshot
		items = append(items, widget.NewButtonWithIcon(fmt.Sprintf("Open snapshot %d", n), theme.StorageIcon(), func() {
			s.tabs.SelectIndex(1)
			s.snaps.compareWithPrevious(n)
		}))
	}
	if len(r.Errors) > 0 {
		errs := r.Errors
		header := fmt.Sprintf("Problems in the data (%s)", thousands(c.Errors))
		if c.Errors > len(errs) {
			header += fmt.Sprintf(", the first %s shown", thousands(len(errs)))
		}
		list := widget.NewList(func() int { return len(errs) },
			func() fyne.CanvasObject {
				l := widget.NewLabel("")
				l.Truncation = fyne.TextTruncateEllipsis
				return l
			},
			func(id widget.ListItemID, o fyne.CanvasObject) {
				l := o.(*widget.Label)
				l.SetText(errs[id].Error())
				l.Importance = widget.MediumImportance
				if errs[id].Blocking {
					l.Importance = widget.DangerImportance
				}
				l.Refresh()
			})
		items = append(items, widget.NewCard("", header, withMinSize(list, 400, 240)))
	}
	s.detail.Objects = items
	s.detail.Refresh()
}

// decide approves or rejects a pending import after confirmation.
func (s *importsScreen) decide(r *engine.ImportRun, approve bool) {
	verb, what := "Reject", "Nothing will change and the import will be kept as rejected."
	if approve {
		verb, what = "Approve", fmt.Sprintf("A new snapshot is made: %d persons added, %d removed and %d changed.", r.Counts.Added, r.Counts.Removed, r.Counts.Changed)
	}
	note := s.note.Text
	dialog.ShowConfirm(fmt.Sprintf("%s import %d?", verb, r.ID), what, func(ok bool) {
		if !ok {
			return
		}
		// one transaction that cannot be cancelled: show that it runs and
		// take the buttons away so it is not asked twice
		busy := "Rejecting…"
		if approve {
			busy = fmt.Sprintf("Approving: making snapshot with %s persons…", thousands(r.Counts.Persons))
		}
		s.detail.Objects = append(s.detail.Objects[:2], widget.NewLabel(busy), widget.NewProgressBarInfinite())
		s.detail.Refresh()
		s.w.jobs.run(func() func() {
			var err error
			if approve {
				_, _, err = s.w.app.ApproveImport(context.Background(), r.ID, note)
			} else {
				_, err = s.w.app.RejectImport(context.Background(), r.ID, note)
			}
			return func() {
				if err != nil {
					s.w.showError(err)
				}
				s.refresh()
			}
		})
	}, s.w.win)
}
