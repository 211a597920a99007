// Package ui is Provisio's graphical interface on Fyne: the main window
// with its navigation and one small struct per screen. Screens call the
// app package for everything; long work runs off the UI goroutine and
// comes back through fyne.Do.
//
// The package never imports fyne.io/fyne/v2/app, so its tests run
// headless with fyne.io/fyne/v2/test.
package ui

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// screen is one page of the main window.
type screen interface {
	// object is the screen's content.
	object() fyne.CanvasObject
	// refresh reloads the screen's data in the background.
	refresh()
}

// Screen names, for Window.Show and --screen.
const (
	ScreenDashboard   = "dashboard"
	ScreenSources     = "sources"
	ScreenImports     = "imports"
	ScreenPersons     = "persons"
	ScreenAggregation = "aggregation"
	ScreenTargets     = "targets"
	ScreenRules       = "rules"
	ScreenEvaluation  = "evaluation"
	ScreenEnforcement = "enforcement"
	ScreenSchedules   = "schedules"
	ScreenAudit       = "audit"
	ScreenSettings    = "settings"

	// Views within screens, for --screen and screenshots.
	ViewSourceEditor = "source-editor" // the first source system, in the editor
	ViewSnapshots    = "snapshots"     // the snapshots tab, comparing the latest two
	ViewRuleEditor   = "rule-editor"   // the first rule, in the editor
)

type navItem struct {
	name  string
	title string
	icon  func() fyne.Resource
}

// navItems are the screens in the sidebar. Icons are looked up when drawn:
// they depend on the running app's theme.
var navItems = []navItem{
	{ScreenDashboard, "Dashboard", theme.HomeIcon},
	{ScreenSources, "Source systems", theme.StorageIcon},
	{ScreenImports, "Imports & snapshots", theme.HistoryIcon},
	{ScreenPersons, "Persons", theme.AccountIcon},
	{ScreenAggregation, "Aggregation", theme.ContentCopyIcon},
	{ScreenTargets, "Target systems", theme.ComputerIcon},
	{ScreenRules, "Business rules", theme.ListIcon},
	{ScreenEvaluation, "Evaluation", theme.VisibilityIcon},
	{ScreenEnforcement, "Enforcement", theme.UploadIcon},
	{ScreenSchedules, "Schedules", theme.CalendarIcon},
	{ScreenAudit, "Audit log", theme.DocumentIcon},
	{ScreenSettings, "Settings", theme.SettingsIcon},
}

// Window is Provisio's main window.
type Window struct {
	app  *app.App
	win  fyne.Window
	jobs *jobs

	nav     *widget.List
	content *fyne.Container
	current string

	dashboard   *dashboardScreen
	sources     *sourcesScreen
	imports     *importsScreen
	persons     *personsScreen
	aggregation *aggregationScreen
	targets     *targetsScreen
	rules       *rulesScreen
	evaluation  *evaluationScreen
	enforce     *enforceScreen
	schedules   *schedulesScreen
	audit       *auditScreen
	settings    *settingsScreen
}

// NewWindow builds the main window's content into win for the workspace a.
func NewWindow(a *app.App, win fyne.Window) *Window {
	return newWindow(a, win, &jobs{})
}

func newWindow(a *app.App, win fyne.Window, j *jobs) *Window {
	w := &Window{app: a, win: win, jobs: j}
	w.dashboard = newDashboardScreen(w)
	w.sources = newSourcesScreen(w)
	w.imports = newImportsScreen(w)
	w.persons = newPersonsScreen(w)
	w.aggregation = newAggregationScreen(w)
	w.targets = newTargetsScreen(w)
	w.rules = newRulesScreen(w)
	w.evaluation = newEvaluationScreen(w)
	w.enforce = newEnforceScreen(w)
	w.schedules = newSchedulesScreen(w)
	w.audit = newAuditScreen(w)
	w.settings = newSettingsScreen(w)
	w.content = container.NewStack()
	w.nav = widget.NewList(
		func() int { return len(navItems) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.HomeIcon()), widget.NewLabel("Imports & snapshots"))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Icon).SetResource(navItems[id].icon())
			box.Objects[1].(*widget.Label).SetText(navItems[id].title)
		},
	)
	w.nav.OnSelected = func(id widget.ListItemID) { w.show(navItems[id].name) }
	title := widget.NewLabelWithStyle("Provisio", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	workspace := widget.NewLabel(a.Dir())
	workspace.Truncation = fyne.TextTruncateEllipsis
	workspace.SizeName = theme.SizeNameCaptionText
	side := container.NewBorder(container.NewVBox(title, widget.NewSeparator()), workspace, nil, nil, w.nav)
	split := container.NewHSplit(side, w.content)
	split.Offset = 0.18
	win.SetContent(split)
	win.Resize(fyne.NewSize(1200, 760))
	win.SetCloseIntercept(w.close)
	w.Show(ScreenDashboard)
	return w
}

// Show switches to the named screen (or view) and refreshes it.
func (w *Window) Show(name string) {
	switch name {
	case ViewSourceEditor:
		w.Show(ScreenSources)
		w.sources.editFirst = true
		return
	case ViewSnapshots:
		w.Show(ScreenImports)
		w.imports.tabs.SelectIndex(1)
		return
	case ViewRuleEditor:
		w.Show(ScreenRules)
		w.rules.editFirst = true
		return
	}
	i := 0
	for k, it := range navItems {
		if it.name == name {
			i = k
		}
	}
	if navItems[i].name == w.current {
		w.show(w.current) // the list does not report selecting its selection
		return
	}
	w.nav.Select(i) // calls show through OnSelected
}

func (w *Window) screen(name string) screen {
	switch name {
	case ScreenSources:
		return w.sources
	case ScreenImports:
		return w.imports
	case ScreenPersons:
		return w.persons
	case ScreenAggregation:
		return w.aggregation
	case ScreenTargets:
		return w.targets
	case ScreenRules:
		return w.rules
	case ScreenEvaluation:
		return w.evaluation
	case ScreenEnforcement:
		return w.enforce
	case ScreenSchedules:
		return w.schedules
	case ScreenAudit:
		return w.audit
	case ScreenSettings:
		return w.settings
	default:
		return w.dashboard
	}
}

func (w *Window) show(name string) {
	s := w.screen(name)
	w.current = name
	w.content.Objects = []fyne.CanvasObject{s.object()}
	w.content.Refresh()
	s.refresh()
}

// canceller is a run that can be asked to stop.
type canceller interface {
	Running() bool
	Cancel()
}

// running returns the runs going in the window.
func (w *Window) running() []canceller {
	var running []canceller
	for _, p := range []canceller{w.imports.progress, w.aggregation.progress, w.schedules.progress, w.evaluation.progress, w.enforce.progress, w.audit.busy} {
		if p.Running() {
			running = append(running, p)
		}
	}
	return running
}

// close closes the window, but first offers to cancel a running import,
// evaluation, enforcement or audit check (and waits for it to stop) rather
// than cut it off.
func (w *Window) close() {
	running := w.running()
	if len(running) == 0 {
		w.win.Close()
		return
	}
	title, msg := "A run is going", "Cancel it and quit? Nothing it did is kept."
	if w.enforce.progress.Running() {
		title = "Enforcement is writing to the target systems"
		msg = "Cancel it and quit? What it wrote so far is kept and in the audit log; resume the run later to write the rest."
	}
	dialog.ShowConfirm(title, msg, func(ok bool) {
		if !ok {
			return
		}
		for _, p := range running {
			p.Cancel()
		}
		w.jobs.run(func() func() {
			for _, p := range running {
				for p.Running() {
					time.Sleep(20 * time.Millisecond)
				}
			}
			return w.win.Close
		})
	}, w.win)
}

// dataChanged refreshes every screen after a new snapshot or a
// configuration change.
func (w *Window) dataChanged() {
	w.screen(w.current).refresh()
}

// OfferDemoIfEmpty asks, on a first start, whether to load the demo
// workspace or start empty.
func (w *Window) OfferDemoIfEmpty() {
	w.jobs.run(func() func() {
		empty, err := w.app.IsEmpty(context.Background())
		return func() {
			if err != nil {
				w.showError(err)
				return
			}
			if empty {
				w.offerDemo()
			}
		}
	})
}

func (w *Window) offerDemo() {
	msg := widget.NewLabel("This workspace is empty.\n\nLoad the demo workspace to explore Provisio with a few hundred\n" +
		"persons from a demo HR export, or start empty and add your own source system.")
	d := dialog.NewCustomConfirm("Welcome to Provisio", "Load the demo", "Start empty", msg, func(demo bool) {
		if demo {
			w.loadDemo()
		} else {
			w.Show(ScreenSources)
		}
	}, w.win)
	d.Show()
}

func (w *Window) loadDemo() {
	p := newProgressDialog("Loading the demo workspace", w.win)
	p.start(w.jobs, func(ctx context.Context, report func(float64, string)) (func(), error) {
		_, err := w.app.CreateDemo(ctx, importProgress(report))
		if err != nil && !app.IsBlocked(err) {
			return nil, err
		}
		if err == nil { // a first evaluation, so the Evaluation screen has a plan to explore
			_, err = w.app.Evaluate(ctx, app.EvaluateOptions{}, func(done, total int) {
				f := float64(done) / float64(max(total, 1))
				report(f, fmt.Sprintf("Evaluating the business rules… %.0f%%", f*100))
			})
			if err != nil {
				return nil, err
			}
		}
		return func() { w.Show(ScreenDashboard) }, nil
	}, func(err error) { w.showError(err) })
}

// showError shows an error in a dialog, in the words the engine chose.
func (w *Window) showError(err error) {
	if err == nil || engine.IsCode(err, engine.Canceled) {
		return
	}
	dialog.ShowError(err, w.win)
}

// jobs runs background work off the UI goroutine and brings results back
// to it. Under test the goroutine that calls wait plays the UI goroutine:
// results queue up until it runs them, exactly one at a time, as Fyne's
// main loop would.
type jobs struct {
	pending atomic.Int64 // jobs and timers not finished

	// manual is set by tests: UI work waits in queue for wait to run it.
	manual bool
	mu     sync.Mutex
	queue  []func()
	notify chan struct{}
}

// run calls work on a new goroutine and applies the function it returns
// on the UI goroutine.
func (j *jobs) run(work func() func()) {
	j.pending.Add(1)
	go func() {
		defer j.done()
		if apply := work(); apply != nil {
			j.apply(apply)
		}
	}()
}

func (j *jobs) done() {
	j.pending.Add(-1)
	j.wake()
}

// apply runs fn on the UI goroutine and waits for it.
func (j *jobs) apply(fn func()) {
	if !j.manual {
		fyne.DoAndWait(fn)
		return
	}
	finished := make(chan struct{})
	j.enqueue(func() {
		defer close(finished)
		fn()
	})
	<-finished
}

// post runs fn on the UI goroutine without waiting.
func (j *jobs) post(fn func()) {
	if !j.manual {
		fyne.Do(fn)
		return
	}
	j.enqueue(fn)
}

func (j *jobs) enqueue(fn func()) {
	j.mu.Lock()
	j.queue = append(j.queue, fn)
	j.mu.Unlock()
	j.wake()
}

func (j *jobs) wake() {
	if j.notify == nil {
		return
	}
	select {
	case j.notify <- struct{}{}:
	default:
	}
}

// debounce calls fn on the UI goroutine once d has passed without another
// call for the same timer. It is called on the UI goroutine. A timer that
// fired just before a later call replaced it does not run its fn: the
// later one, with the newer input, is the one that counts, and an older
// one running after it would show stale results.
func (j *jobs) debounce(t **time.Timer, d time.Duration, fn func()) {
	j.pending.Add(1)
	if *t != nil && (*t).Stop() {
		j.done()
	}
	var self *time.Timer
	self = time.AfterFunc(d, func() {
		defer j.done()
		j.post(func() {
			if *t == self { // read on the UI goroutine, which sets it
				fn()
			}
		})
	})
	*t = self
}

// testMode makes the calling goroutine the UI goroutine (see wait).
func (j *jobs) testMode() {
	j.manual = true
	j.notify = make(chan struct{}, 1)
}

// wait runs queued UI work on the calling goroutine until no background
// work is left (for tests).
func (j *jobs) wait() {
	for {
		j.mu.Lock()
		q := j.queue
		j.queue = nil
		j.mu.Unlock()
		for _, fn := range q {
			fn()
		}
		if len(q) > 0 {
			continue
		}
		if j.pending.Load() == 0 {
			j.mu.Lock()
			empty := len(j.queue) == 0
			j.mu.Unlock()
			if empty {
				return
			}
			continue
		}
		select {
		case <-j.notify:
		case <-time.After(20 * time.Millisecond):
		}
	}
}
