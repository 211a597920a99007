package ui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/app/scheduler"
	"provisio/engine"
)

// schedulesHelp says what schedules are for.
const schedulesHelp = "A schedule runs the pipeline on its own: it imports the source systems you choose, in order, " +
	"evaluates the business rules, and, if you want, enforces the plan — only when no threshold blocked anything, or always. " +
	"Schedules run while Provisio is open, or under `provisio daemon` on a machine without a desktop; one run goes at a time, " +
	"and a schedule that comes due during another run waits its turn. Runs due while Provisio was not running are reported on the dashboard."

// schedulesScreen lists the schedules; selecting one shows it with its
// history, and Add or Edit opens the editor in its place.
type schedulesScreen struct {
	w *Window

	list   *widget.List
	body   *fyne.Container
	split  fyne.CanvasObject
	root   *fyne.Container
	editor *scheduleEditor
	detail *scheduleDetail

	items    []app.ScheduleInfo
	sources  []engine.SourceSystem
	selected string
	// running holds the schedules a "Run now" of this window is going for,
	// and progress shows it, with Cancel.
	running  map[string]bool
	progress *progressPanel
}

func newSchedulesScreen(w *Window) *schedulesScreen {
	s := &schedulesScreen{w: w, running: map[string]bool{}, progress: newProgressPanel()}
	s.list = twoLineList(func() int { return len(s.items) }, func(i int) (string, string) {
		it := &s.items[i]
		return it.Name, nextRunWords(it) + " · " + lastRunWords(it.LastRun)
	})
	s.list.OnSelected = func(id widget.ListItemID) {
		if id < len(s.items) && s.items[id].ID != s.selected {
			s.selected = s.items[id].ID
			s.showSchedule(&s.items[id])
		}
	}
	add := widget.NewButtonWithIcon("Add schedule", theme.ContentAddIcon(), s.add)
	s.body = container.NewStack(s.placeholder())
	var split *container.Split
	split, s.root = listAndDetail("Schedules", add, s.list, s.body, 0.24)
	s.split = split
	return s
}

func (s *schedulesScreen) placeholder() fyne.CanvasObject {
	return container.NewPadded(container.NewVBox(widget.NewLabel("Select a schedule to see it and its runs, or add one."), helpLabel(schedulesHelp)))
}

func (s *schedulesScreen) object() fyne.CanvasObject { return s.root }

func (s *schedulesScreen) refresh() {
	s.w.jobs.run(func() func() {
		ctx := context.Background()
		items, err := s.w.app.Schedules(ctx)
		var cfg *engine.Config
		if err == nil {
			cfg, err = s.w.app.Config(ctx)
		}
		return func() {
			if err != nil {
				s.w.showError(err)
				return
			}
			s.items, s.sources = items, cfg.SourceSystems
			s.list.Refresh()
			if s.editor != nil {
				return
			}
			i := slices.IndexFunc(s.items, func(x app.ScheduleInfo) bool { return x.ID == s.selected })
			if i < 0 && len(s.items) > 0 {
				i = 0
			}
			if i < 0 {
				s.selected = ""
				s.list.UnselectAll()
				s.showSchedule(nil)
				return
			}
			s.selected = s.items[i].ID
			s.list.Select(i)
			s.showSchedule(&s.items[i])
		}
	})
}

func (s *schedulesScreen) setBody(o fyne.CanvasObject) {
	s.body.Objects = []fyne.CanvasObject{o}
	s.body.Refresh()
}

// showSchedule shows a schedule and loads its history, or the placeholder
// for nil.
func (s *schedulesScreen) showSchedule(it *app.ScheduleInfo) {
	if it == nil {
		s.detail = nil
		s.setBody(s.placeholder())
		return
	}
	s.detail = newScheduleDetail(s, *it)
	s.setBody(s.detail.root)
	s.detail.load()
}

// showID selects a schedule and shows it (from the dashboard).
func (s *schedulesScreen) showID(id string) {
	s.selected = id
	s.w.Show(ScreenSchedules)
}

func (s *schedulesScreen) add() {
	s.openEditor(engine.Schedule{Evaluate: true, Every: &engine.Every{At: "06:00"}})
}

func (s *schedulesScreen) edit(id string) {
	i := slices.IndexFunc(s.items, func(x app.ScheduleInfo) bool { return x.ID == id })
	if i < 0 {
		return
	}
	sc := s.items[i].Schedule
	sc.Sources = slices.Clone(sc.Sources)
	if sc.Every != nil {
		e := *sc.Every
		sc.Every = &e
	}
	s.openEditor(sc)
}

func (s *schedulesScreen) openEditor(sc engine.Schedule) {
	s.editor = newScheduleEditor(s, sc)
	s.root.Objects = []fyne.CanvasObject{s.editor.root}
	s.root.Refresh()
	s.editor.check()
}

// closeEditor returns to the list, showing id when set.
func (s *schedulesScreen) closeEditor(id string) {
	s.editor = nil
	s.root.Objects = []fyne.CanvasObject{s.split}
	s.root.Refresh()
	if id != "" {
		s.selected = id
	}
	s.refresh()
}

// runNow runs a schedule in the background, with progress and Cancel; it
// waits behind a run in progress, as a scheduled run does.
func (s *schedulesScreen) runNow(id string) {
	if s.running[id] {
		return
	}
	name := id
	if s.detail != nil && s.detail.it.ID == id {
		name = s.detail.it.Name
	}
	started := s.progress.start(s.w.jobs, fmt.Sprintf("Running %q…", name), func(ctx context.Context, report func(float64, string)) (func(), error) {
		run, err := s.w.app.RunScheduleWithProgress(ctx, id, func(p app.ScheduleProgress) { report(p.Fraction, p.Text) })
		return func() {
			delete(s.running, id)
			if err == nil && run.Outcome != engine.ScheduleSucceeded && s.w.current == ScreenSchedules {
				dialog.ShowInformation(fmt.Sprintf("Schedule %q %s", run.Name, run.Outcome), run.Message, s.w.win)
			}
			s.w.SchedulesChanged()
		}, err
	}, func(err error) {
		if err != nil {
			s.w.showError(err)
		}
	})
	if !started {
		s.w.showError(engine.Errorf(engine.Unavailable, "a run started here is going: wait for it, or cancel it"))
		return
	}
	s.running[id] = true
	if s.detail != nil && s.detail.it.ID == id {
		s.detail.progress.Objects = []fyne.CanvasObject{s.progress.box}
		s.detail.progress.Refresh()
		s.detail.showRunning()
	}
}

// cancelRun stops a run of a schedule that the scheduler started.
func (s *schedulesScreen) cancelRun(id string) {
	if err := s.w.app.CancelScheduleRun(id); err != nil {
		s.w.showError(err)
	}
}

func (s *schedulesScreen) setPaused(id string, paused bool) {
	s.w.jobs.run(func() func() {
		_, err := s.w.app.PauseSchedules(context.Background(), []string{id}, paused)
		return func() {
			if err != nil {
				s.w.showError(err)
			}
			s.refresh()
		}
	})
}

func (s *schedulesScreen) confirmDelete(it *app.ScheduleInfo) {
	msg := fmt.Sprintf("Delete the schedule %q?\n\nIts runs stay in the history; a run of it going now finishes.", it.Name)
	dialog.ShowConfirm("Delete schedule", msg, func(ok bool) {
		if !ok {
			return
		}
		id := it.ID
		s.w.jobs.run(func() func() {
			err := s.w.app.DeleteSchedule(context.Background(), id)
			return func() {
				if err != nil {
					s.w.showError(err)
				} else if s.selected == id {
					s.selected = ""
				}
				s.refresh()
			}
		})
	}, s.w.win)
}

// nextRunWords says when a schedule runs next, in its zone.
func nextRunWords(it *app.ScheduleInfo) string {
	switch {
	case it.Problem != "":
		return "cannot run"
	case it.Paused:
		return "paused"
	case it.NextRun.IsZero():
		return "never runs"
	}
	return "next " + scheduleTime(it.NextRun, it.TimeZone)
}

func lastRunWords(r *engine.ScheduleRun) string {
	if r == nil {
		return "not run yet"
	}
	return "last " + outcomeWords(r)
}

// outcomeWords is a run's outcome with how it ran.
func outcomeWords(r *engine.ScheduleRun) string {
	out := string(r.Outcome)
	if r.Outcome == engine.ScheduleMissed && r.Missed > 1 {
		out = fmt.Sprintf("missed %d runs", r.Missed)
	}
	var how []string
	if r.Manual {
		how = append(how, "run now")
	}
	if r.Queued {
		how = append(how, "queued")
	}
	if r.Acknowledged {
		how = append(how, "seen")
	}
	if len(how) > 0 {
		out += " (" + strings.Join(how, ", ") + ")"
	}
	return out
}

// scheduleTime shows t in a schedule's zone: "Fri 27 Nov 06:00 CET".
func scheduleTime(t time.Time, zone string) string {
	if loc, err := scheduler.Location(zone); err == nil {
		t = t.In(loc)
	}
	return t.Format("Mon 2 Jan 15:04 MST")
}

// scheduleDetail is one schedule with its actions and its history.
type scheduleDetail struct {
	s  *schedulesScreen
	it app.ScheduleInfo

	summary  *widget.Label
	status   *widget.Label
	runNow   *widget.Button
	cancel   *widget.Button
	progress *fyne.Container
	pause    *widget.Button
	history  *widget.Table
	runs     []engine.ScheduleRun
	picked   int // the history row selected, -1 for none
	links    *fyne.Container
	problems *widget.Label
	root     fyne.CanvasObject
}

var historyColumns = []column{{"Run", 60}, {"Due", 150}, {"Outcome", 170}, {"Import", 80}, {"Evaluation", 90}, {"Enforcement", 100}, {"Summary", 520}}

func newScheduleDetail(s *schedulesScreen, it app.ScheduleInfo) *scheduleDetail {
	d := &scheduleDetail{s: s, it: it, picked: -1}
	d.summary = widget.NewLabel("")
	d.summary.Wrapping = fyne.TextWrapWord
	d.status = widget.NewLabel("")
	d.status.Wrapping = fyne.TextWrapWord
	d.problems = problemLabel()
	showProblem(d.problems, nil)
	if it.Problem != "" {
		d.problems.SetText(it.Problem + " — edit the schedule to fix it.")
		d.problems.Show()
	}
	d.runNow = widget.NewButtonWithIcon("Run now", theme.MediaPlayIcon(), func() { s.runNow(it.ID) })
	d.runNow.Importance = widget.HighImportance
	d.cancel = widget.NewButtonWithIcon("Cancel the run", theme.CancelIcon(), func() { s.cancelRun(it.ID) })
	d.cancel.Hide()
	// the progress of a Run now from this screen, under its own schedule
	d.progress = container.NewStack()
	if s.running[it.ID] {
		d.progress.Add(s.progress.box)
	}
	if it.Paused {
		d.pause = widget.NewButtonWithIcon("Resume", theme.MediaPlayIcon(), func() { s.setPaused(it.ID, false) })
	} else {
		d.pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), func() { s.setPaused(it.ID, true) })
	}
	edit := widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), func() { s.edit(it.ID) })
	del := widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() { s.confirmDelete(&d.it) })
	d.history = newTable(historyColumns, func() int { return len(d.runs) }, d.cell)
	d.history.OnSelected = func(id widget.TableCellID) { d.pick(id.Row) }
	d.links = container.NewHBox()
	d.fill()
	head := container.NewVBox(
		widget.NewLabelWithStyle(it.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		d.summary, d.problems, container.NewBorder(nil, nil, nil, d.cancel, d.status), d.progress,
		container.NewHBox(d.runNow, d.pause, edit, layout.NewSpacer(), del),
		widget.NewSeparator(),
		widget.NewLabelWithStyle("History", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
	)
	d.root = container.NewBorder(head, d.links, nil, nil, withMinSize(d.history, 400, 200))
	return d
}

func (d *scheduleDetail) fill() {
	it := &d.it
	zone := it.TimeZone
	if zone == "" {
		zone = "this machine's time zone (" + time.Local.String() + ")"
	}
	d.summary.SetText(fmt.Sprintf("Runs %s, in %s.\nSteps: %s.\n%s; %s.",
		scheduler.Describe(&engine.Schedule{Cron: it.Cron, Every: it.Every}), zone, strings.Join(app.ScheduleSteps(&it.Schedule), ", then "),
		capitalize(nextRunWords(it)), lastRunWords(it.LastRun)))
	switch {
	case d.s.running[it.ID] || it.Busy:
		d.showRunning()
	default:
		d.status.Hide()
		d.cancel.Hide()
		d.runNow.Enable()
	}
}

func (d *scheduleDetail) showRunning() {
	d.runNow.Disable()
	if d.s.running[d.it.ID] { // started here: the progress shows it, with Cancel
		d.status.Hide()
		d.cancel.Hide()
		return
	}
	d.status.SetText("A run of this schedule is going (or waiting for another run to finish).")
	d.status.Show()
	d.cancel.Show()
}

// load reads the schedule's history.
func (d *scheduleDetail) load() {
	id := d.it.ID
	d.s.w.jobs.run(func() func() {
		runs, err := d.s.w.app.ScheduleRuns(context.Background(), id, 0)
		return func() {
			if err != nil {
				d.s.w.showError(err)
				return
			}
			if d.s.detail != d {
				return
			}
			d.runs = runs
			d.history.Refresh()
			if d.picked >= len(runs) {
				d.pick(-1)
			}
		}
	})
}

func (d *scheduleDetail) cell(row, col int) string {
	if row >= len(d.runs) {
		return ""
	}
	r := &d.runs[row]
	switch col {
	case 0:
		return "#" + strconv.FormatUint(r.ID, 10)
	case 1:
		return scheduleTime(r.DueAt, d.it.TimeZone)
	case 2:
		return outcomeWords(r)
	case 3:
		var ids []string
		for _, id := range r.Imports {
			ids = append(ids, "#"+strconv.FormatUint(id, 10))
		}
		return dashIfEmpty(strings.Join(ids, " "))
	case 4:
		return idOrDash(r.Evaluation)
	case 5:
		return idOrDash(r.Enforcement)
	default:
		sum := app.ScheduleRunSummary(r)
		if r.Message != "" {
			return r.Message
		}
		return sum
	}
}

// pick selects a history row, offering to open what its run made.
func (d *scheduleDetail) pick(row int) {
	d.picked = row
	d.links.RemoveAll()
	if row < 0 || row >= len(d.runs) {
		return
	}
	r := d.runs[row]
	w := d.s.w
	msg := widget.NewLabel(fmt.Sprintf("Run #%d: %s", r.ID, app.ScheduleRunSummary(&r)))
	msg.Truncation = fyne.TextTruncateEllipsis
	d.links.Add(msg)
	for _, id := range r.Imports {
		d.links.Add(widget.NewButton(fmt.Sprintf("Open import #%d", id), func() {
			w.Show(ScreenImports)
			w.imports.selectImport(id)
		}))
	}
	if r.Evaluation != 0 {
		d.links.Add(widget.NewButton(fmt.Sprintf("Open evaluation #%d", r.Evaluation), func() {
			w.evaluation.showID = r.Evaluation
			w.Show(ScreenEvaluation)
		}))
	}
	if r.Enforcement != 0 {
		d.links.Add(widget.NewButton(fmt.Sprintf("Open enforcement run #%d", r.Enforcement), func() { w.enforce.openRun(r.Enforcement, nil) }))
	}
	if r.NeedsAttention() {
		d.links.Add(widget.NewButtonWithIcon("Acknowledge", theme.ConfirmIcon(), func() { w.acknowledge(r.ID) }))
	}
}

func idOrDash(id uint64) string {
	if id == 0 {
		return "–"
	}
	return "#" + strconv.FormatUint(id, 10)
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// acknowledge marks a schedule run as seen, then refreshes.
func (w *Window) acknowledge(id uint64) {
	w.jobs.run(func() func() {
		err := w.app.AcknowledgeScheduleRuns(context.Background(), id)
		return func() {
			if err != nil {
				w.showError(err)
			}
			w.SchedulesChanged()
		}
	})
}

// SchedulesChanged refreshes the screen shown if it shows schedules or
// their runs: the process's scheduler calls it (through fyne.Do) as runs
// start and finish.
func (w *Window) SchedulesChanged() {
	switch w.current {
	case ScreenSchedules:
		if w.schedules.editor == nil {
			w.schedules.refresh()
		}
	case ScreenDashboard:
		w.dashboard.refresh()
	}
}

// enforceChoices are the enforce modes as the editor offers them.
var enforceChoices = []struct {
	mode  engine.EnforceMode
	label string
}{
	{engine.EnforceNever, "Never: evaluate only"},
	{engine.EnforceUnblocked, "Only if no threshold blocked anything"},
	{engine.EnforceAlways, "Always (blocked actions wait for approval)"},
}

// The timing forms the editor offers.
const (
	formDaily  = "Every day at"
	formHourly = "Every N hours"
	formCron   = "Cron expression"
)

// commonZones are offered in the editor's time zone choice; any IANA name
// can be typed.
var commonZones = []string{"UTC", "Europe/Amsterdam", "Europe/Berlin", "Europe/Brussels", "Europe/London", "Europe/Paris",
	"America/New_York", "America/Chicago", "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney"}

// scheduleEditor edits one schedule in place of the list.
type scheduleEditor struct {
	s   *schedulesScreen
	sch engine.Schedule // what is being edited; ID empty for a new one

	name      *widget.Entry
	sources   []string
	sourceBox *fyne.Container
	addSource *widget.Select
	evaluate  *widget.Check
	enforce   *widget.RadioGroup
	form      *widget.RadioGroup
	at        *widget.Entry
	hours     *widget.Entry
	minute    *widget.Entry
	cron      *widget.Entry
	zone      *widget.SelectEntry
	paused    *widget.Check
	problem   *widget.Label
	preview   *widget.Label
	save      *widget.Button
	root      fyne.CanvasObject
}

func newScheduleEditor(s *schedulesScreen, sc engine.Schedule) *scheduleEditor {
	e := &scheduleEditor{s: s, sch: sc, sources: slices.Clone(sc.Sources)}
	changed := func(string) { e.check() }
	e.name = widget.NewEntry()
	e.name.SetPlaceHolder("Nightly HR import")
	e.name.SetText(sc.Name)
	e.name.OnChanged = changed
	e.sourceBox = container.NewVBox()
	e.addSource = widget.NewSelect(nil, func(label string) {
		if label == "" {
			return
		}
		for _, src := range s.sources {
			if sourceLabel(&src) == label && !slices.Contains(e.sources, src.Key) {
				e.sources = append(e.sources, src.Key)
			}
		}
		e.addSource.ClearSelected()
		e.fillSources()
		e.check()
	})
	e.addSource.PlaceHolder = "Add a source system to import…"
	e.evaluate = widget.NewCheck("Evaluate the business rules after the imports", func(bool) { e.check() })
	e.evaluate.SetChecked(sc.Evaluate)
	var labels []string
	for _, c := range enforceChoices {
		labels = append(labels, c.label)
	}
	e.enforce = widget.NewRadioGroup(labels, func(string) { e.check() })
	e.enforce.Required = true
	for _, c := range enforceChoices {
		if c.mode == sc.Enforce {
			e.enforce.SetSelected(c.label)
		}
	}
	e.at, e.hours, e.minute, e.cron = widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	e.at.SetPlaceHolder("06:00")
	e.hours.SetPlaceHolder("4")
	e.minute.SetPlaceHolder("0")
	e.cron.SetPlaceHolder("0 6 * * 1-5")
	for _, en := range []*widget.Entry{e.at, e.hours, e.minute, e.cron} {
		en.OnChanged = changed
	}
	e.form = widget.NewRadioGroup([]string{formDaily, formHourly, formCron}, func(string) { e.showForm(); e.check() })
	e.form.Horizontal = true
	e.form.Required = true
	switch {
	case sc.Cron != "":
		e.cron.SetText(sc.Cron)
		e.form.SetSelected(formCron)
	case sc.Every != nil && sc.Every.Hours > 0:
		e.hours.SetText(strconv.Itoa(sc.Every.Hours))
		e.minute.SetText(strconv.Itoa(sc.Every.Minute))
		e.form.SetSelected(formHourly)
	default:
		if sc.Every != nil {
			e.at.SetText(sc.Every.At)
		}
		e.form.SetSelected(formDaily)
	}
	e.zone = widget.NewSelectEntry(commonZones)
	e.zone.SetPlaceHolder("this machine's zone (" + time.Local.String() + ")")
	e.zone.SetText(sc.TimeZone)
	e.zone.OnChanged = changed
	e.paused = widget.NewCheck("Paused: runs only when run by hand", func(bool) { e.check() })
	e.paused.SetChecked(sc.Paused)
	e.problem = problemLabel()
	e.preview = widget.NewLabel("")
	e.preview.Wrapping = fyne.TextWrapWord
	e.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), e.doSave)
	e.save.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { s.closeEditor("") })
	e.fillSources()
	e.showForm()

	title := "New schedule"
	if sc.ID != "" {
		title = "Edit schedule " + sc.Name
	}
	form := widget.NewForm(
		widget.NewFormItem("Name", e.name),
		widget.NewFormItem("Import", container.NewVBox(e.sourceBox, e.addSource)),
		widget.NewFormItem("Evaluate", e.evaluate),
		widget.NewFormItem("Enforce", e.enforce),
		widget.NewFormItem("When", container.NewVBox(e.form,
			container.NewHBox(widget.NewLabel("at"), withMinSize(e.at, 90, 0)),
			container.NewHBox(widget.NewLabel("every"), withMinSize(e.hours, 60, 0), widget.NewLabel("hours from midnight, at minute"), withMinSize(e.minute, 60, 0)),
			container.NewVBox(e.cron, helpLabel("Five fields: minute hour day-of-month month day-of-week. \"0 6 * * 1-5\" is 06:00 on weekdays; \"30 */2 * * *\" is every two hours at half past.")))),
		widget.NewFormItem("Time zone", e.zone),
		widget.NewFormItem("", e.paused),
	)
	content := container.NewVBox(
		widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		form, e.problem, e.preview,
		container.NewHBox(layout.NewSpacer(), cancel, e.save))
	e.root = container.NewVScroll(container.NewPadded(content))
	return e
}

// sourceLabel is how the editor names a source system.
func sourceLabel(src *engine.SourceSystem) string { return fmt.Sprintf("%s (%s)", src.Name, src.Key) }

// fillSources shows the chosen sources in their order, each with buttons
// to move it or take it out, and offers the others.
func (e *scheduleEditor) fillSources() {
	e.sourceBox.RemoveAll()
	if len(e.sources) == 0 {
		e.sourceBox.Add(helpLabel("No import: the schedule evaluates the latest snapshot."))
	}
	for i, key := range e.sources {
		label := key
		for _, src := range e.s.sources {
			if src.Key == key {
				label = sourceLabel(&src)
			}
		}
		up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { e.moveSource(i, -1) })
		down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { e.moveSource(i, 1) })
		remove := widget.NewButtonWithIcon("", theme.ContentRemoveIcon(), func() {
			e.sources = slices.Delete(e.sources, i, i+1)
			e.fillSources()
			e.check()
		})
		if i == 0 {
			up.Disable()
		}
		if i == len(e.sources)-1 {
			down.Disable()
		}
		e.sourceBox.Add(container.NewBorder(nil, nil, widget.NewLabel(fmt.Sprintf("%d.", i+1)), container.NewHBox(up, down, remove), widget.NewLabel(label)))
	}
	var offer []string
	for _, src := range e.s.sources {
		if !slices.Contains(e.sources, src.Key) {
			offer = append(offer, sourceLabel(&src))
		}
	}
	e.addSource.SetOptions(offer)
	if len(offer) == 0 {
		e.addSource.Disable()
	} else {
		e.addSource.Enable()
	}
}

func (e *scheduleEditor) moveSource(i, by int) {
	j := i + by
	if j < 0 || j >= len(e.sources) {
		return
	}
	e.sources[i], e.sources[j] = e.sources[j], e.sources[i]
	e.fillSources()
	e.check()
}

// showForm enables the fields of the timing form chosen.
func (e *scheduleEditor) showForm() {
	set := func(on bool, entries ...*widget.Entry) {
		for _, en := range entries {
			if on {
				en.Enable()
			} else {
				en.Disable()
			}
		}
	}
	set(e.form.Selected == formDaily, e.at)
	set(e.form.Selected == formHourly, e.hours, e.minute)
	set(e.form.Selected == formCron, e.cron)
}

// schedule returns the schedule as the editor has it, or why it cannot
// be read (a number that is not one).
func (e *scheduleEditor) schedule() (engine.Schedule, error) {
	sc := e.sch
	sc.Name = e.name.Text
	sc.Sources = slices.Clone(e.sources)
	sc.Evaluate = e.evaluate.Checked
	sc.Enforce = engine.EnforceNever
	for _, c := range enforceChoices {
		if c.label == e.enforce.Selected {
			sc.Enforce = c.mode
		}
	}
	sc.Cron, sc.Every = "", nil
	number := func(en *widget.Entry, field string) (int, error) {
		t := strings.TrimSpace(en.Text)
		if t == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(t)
		if err != nil {
			return 0, fmt.Errorf("%s: %q is not a number", field, t)
		}
		return n, nil
	}
	switch e.form.Selected {
	case formCron:
		sc.Cron = e.cron.Text
	case formHourly:
		h, err := number(e.hours, "every.hours")
		if err != nil {
			return sc, err
		}
		if strings.TrimSpace(e.hours.Text) == "" {
			return sc, fmt.Errorf("every.hours: give the number of hours, 1 to 23")
		}
		m, err := number(e.minute, "every.minute")
		if err != nil {
			return sc, err
		}
		sc.Every = &engine.Every{Hours: h, Minute: m}
	default:
		sc.Every = &engine.Every{At: strings.TrimSpace(e.at.Text)}
	}
	sc.TimeZone = strings.TrimSpace(e.zone.Text)
	sc.Paused = e.paused.Checked
	return sc, nil
}

// check validates the schedule as it is typed and previews its next
// runs; Save is enabled only when it is valid.
func (e *scheduleEditor) check() {
	if e.save == nil { // still being built
		return
	}
	sc, err := e.schedule()
	if err == nil {
		cfg := &engine.Config{SourceSystems: e.s.sources, Schedules: schedulesOf(e.s.items)}
		err = app.CheckSchedule(cfg, &sc)
	}
	showProblem(e.problem, err)
	if err != nil {
		e.preview.SetText("")
		e.save.Disable()
		return
	}
	e.save.Enable()
	next, _ := e.s.w.app.NextRuns(&sc, 3)
	var when []string
	for _, t := range next {
		when = append(when, scheduleTime(t, sc.TimeZone))
	}
	text := "Next runs: " + strings.Join(when, "; ")
	if sc.Paused {
		text = "Paused: it runs only when you run it. Once resumed: " + strings.Join(when, "; ")
	}
	e.preview.SetText(text)
}

func schedulesOf(items []app.ScheduleInfo) []engine.Schedule {
	out := make([]engine.Schedule, len(items))
	for i := range items {
		out[i] = items[i].Schedule
	}
	return out
}

func (e *scheduleEditor) doSave() {
	sc, err := e.schedule()
	if err != nil {
		showProblem(e.problem, err)
		return
	}
	e.save.Disable()
	e.s.w.jobs.run(func() func() {
		saved, err := e.s.w.app.SaveSchedule(context.Background(), sc)
		return func() {
			if err != nil {
				showProblem(e.problem, err)
				e.save.Enable()
				return
			}
			e.s.closeEditor(saved.ID)
		}
	})
}
