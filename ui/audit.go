package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// auditScreen searches the audit log, newest first, by person, target,
// operation, outcome, dates and run, a page at a time; shows an entry with
// its attribute changes and its place in the hash chain; verifies the
// chain; and exports the entries that match to a CSV file.
type auditScreen struct {
	w *Window

	person     *widget.SelectEntry
	personOpts []string // the persons the person filter offers
	target     *widget.Select
	op         *widget.Select
	outcome    *widget.Select
	from       *widget.Entry
	to         *widget.Entry
	run        *widget.Select
	limit      *widget.Select
	clearBtn   *widget.Button
	problem    *widget.Label
	personHint *widget.Label
	count      *widget.Label
	more       *widget.Button
	table      *widget.Table
	detail     *fyne.Container

	verifyBtn *widget.Button
	exportBtn *widget.Button
	busy      *busyPanel
	verdict   *noticeBanner
	status    *widget.Label

	// the export dialog's file, while it is open
	exportPath *widget.Entry

	root fyne.CanvasObject

	entries    []engine.AuditEntry // newest first
	hasMore    bool
	shown      int // limit of the query shown
	persons    *app.PersonList
	targets    targetIndex
	targetKeys []string
	runIDs     []uint64
	// fixedLabel is the person filter's text when it was set to a person
	// by id (from another screen), and fixedID that id.
	fixedLabel, fixedID string
	syncing             bool
	pageSize            int

	listGen, queryGen int
	timer             *time.Timer
	debounce          time.Duration
}

const (
	auditAllTargets  = "All targets"
	auditAllOps      = "All operations"
	auditAllOutcomes = "All outcomes"
	auditAllRuns     = "All runs"
	auditNoDetail    = "Select an entry to see what was written, and its place in the hash chain."
)

var auditLimits = []int{100, 500, 1000, 5000}

// auditOutcomes are the outcomes the audit log records: what was written,
// what the target refused, and the administrator's decisions on actions a
// threshold held back.
var auditOutcomes = []engine.Outcome{engine.OutcomeDone, engine.OutcomeFailed, engine.OutcomeApproved, engine.OutcomeRejected}

func newAuditScreen(w *Window) *auditScreen {
	s := &auditScreen{w: w, debounce: 300 * time.Millisecond, pageSize: 500}
	s.person = widget.NewSelectEntry(nil)
	s.person.SetPlaceHolder("Person: name or id")
	s.person.OnChanged = func(string) { s.querySoon() }
	s.target = widget.NewSelect([]string{auditAllTargets}, func(string) { s.queryNow() })
	ops := []string{auditAllOps}
	for _, op := range auditOps() {
		ops = append(ops, op.Label())
	}
	s.op = widget.NewSelect(ops, func(string) { s.queryNow() })
	outcomes := []string{auditAllOutcomes}
	for _, o := range auditOutcomes {
		outcomes = append(outcomes, outcomeLabel(o))
	}
	s.outcome = widget.NewSelect(outcomes, func(string) { s.queryNow() })
	s.from = widget.NewEntry()
	s.from.SetPlaceHolder("from yyyy-mm-dd")
	s.from.OnChanged = func(string) { s.querySoon() }
	s.to = widget.NewEntry()
	s.to.SetPlaceHolder("to yyyy-mm-dd")
	s.to.OnChanged = func(string) { s.querySoon() }
	s.run = widget.NewSelect([]string{auditAllRuns}, func(string) { s.queryNow() })
	limits := make([]string, len(auditLimits))
	for i, n := range auditLimits {
		limits[i] = "Newest " + thousands(n)
	}
	s.limit = widget.NewSelect(limits, func(string) {
		if i := s.limit.SelectedIndex(); i >= 0 {
			s.pageSize = auditLimits[i]
		}
		s.queryNow()
	})
	s.syncing = true
	s.target.SetSelectedIndex(0)
	s.op.SetSelectedIndex(0)
	s.outcome.SetSelectedIndex(0)
	s.run.SetSelectedIndex(0)
	s.limit.SetSelectedIndex(slices.Index(auditLimits, s.pageSize))
	s.syncing = false
	s.clearBtn = widget.NewButtonWithIcon("Clear filters", theme.ContentClearIcon(), s.clearFilters)
	s.clearBtn.Importance = widget.LowImportance
	s.problem = problemLabel()
	s.personHint = helpLabel("")
	s.personHint.Hide()
	s.count = widget.NewLabel("")
	s.more = widget.NewButtonWithIcon("Load more", theme.MoreVerticalIcon(), s.loadMore)
	s.more.Hide()

	cols := []column{{"Time", 160}, {"Person", 240}, {"Target", 150}, {"Operation", 100}, {"Entitlement", 200}, {"Outcome", 90}}
	s.table = newTable(cols, func() int { return len(s.entries) }, s.cell)
	s.table.UpdateCell = func(id widget.TableCellID, o fyne.CanvasObject) {
		l := o.(*widget.Label)
		l.Importance = widget.MediumImportance
		if id.Col == 5 && id.Row < len(s.entries) {
			l.Importance = outcomeImportance(s.entries[id.Row].Outcome)
		}
		l.Text = s.cell(id.Row, id.Col)
		l.Refresh()
	}
	s.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(s.entries) {
			s.showEntry(&s.entries[id.Row])
		}
	}
	s.detail = container.NewVBox(widget.NewLabel(auditNoDetail))

	s.verifyBtn = widget.NewButtonWithIcon("Verify chain", theme.ConfirmIcon(), s.verify)
	s.exportBtn = widget.NewButtonWithIcon("Export CSV…", theme.DocumentSaveIcon(), s.export)
	s.busy = newBusyPanel()
	s.verdict = newNoticeBanner()
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Hide()

	title := widget.NewLabelWithStyle("Audit log", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	actions := container.NewHBox(s.verifyBtn, s.exportBtn, widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), s.refresh))
	filters := container.NewVBox(
		columns([]float32{3, 2, 1.4, 1.2}, []float32{180, 120, 100, 100}, s.person, s.target, s.op, s.outcome),
		columns([]float32{1, 1, 2, 1.2, 0}, []float32{120, 120, 150, 110, 130}, s.from, s.to, s.run, s.limit, s.clearBtn),
	)
	help := helpLabel("Every action Provisio wrote to a target, or tried to, every decision on persons (merges, exclusions) and every change to the configuration and the rules, newest first. Each entry holds the hash of the one before it, so a change to any entry shows when the chain is verified.")
	top := container.NewVBox(container.NewBorder(nil, nil, title, actions), help, s.busy.box, s.verdict.box, s.status, filters, s.problem, s.personHint)
	left := container.NewBorder(nil, container.NewBorder(nil, nil, nil, s.more, s.count), nil, nil, s.table)
	// the table gets the width its six columns need; the entry shown is
	// below it, in two columns
	split := container.NewVSplit(left, container.NewVScroll(container.NewPadded(s.detail)))
	split.Offset = 0.58
	s.root = container.NewBorder(top, nil, nil, nil, split)
	return s
}

func (s *auditScreen) object() fyne.CanvasObject { return s.root }

// refresh reloads the targets, runs and persons the filters offer, then
// the entries.
func (s *auditScreen) refresh() {
	s.listGen++
	gen := s.listGen
	s.w.jobs.run(func() func() {
		ctx := context.Background()
		cfg, err := s.w.app.Config(ctx)
		var runs []engine.EnforcementRun
		if err == nil {
			runs, err = s.w.app.Runs(ctx)
		}
		// without a snapshot there are no persons to search by name;
		// ids still work
		persons, _ := s.w.app.Persons(ctx)
		return func() {
			if gen != s.listGen {
				return
			}
			if err != nil {
				s.w.showError(err)
				return
			}
			s.persons = persons
			s.setChoices(cfg, runs)
			s.queryNow()
		}
	})
}

// setChoices fills the target and run filters, keeping what was chosen.
func (s *auditScreen) setChoices(cfg *engine.Config, runs []engine.EnforcementRun) {
	s.syncing = true
	defer func() { s.syncing = false }()
	target := s.filterTarget()
	s.targets = map[string]*engine.TargetSystem{}
	s.targetKeys = nil
	var labels []string
	for i := range cfg.TargetSystems {
		t := &cfg.TargetSystems[i]
		s.targets[t.Key] = t
		s.targetKeys = append(s.targetKeys, t.Key)
		labels = append(labels, t.Name)
	}
	if target != "" && !slices.Contains(s.targetKeys, target) { // a target deleted since
		s.targetKeys = append(s.targetKeys, target)
		labels = append(labels, target)
	}
	s.target.SetOptions(append([]string{auditAllTargets}, evalUnique(labels, s.targetKeys)...))
	s.target.SetSelectedIndex(slices.Index(s.targetKeys, target) + 1)

	run := s.filterRun()
	s.runIDs = nil
	options := []string{auditAllRuns}
	for i := range runs {
		s.runIDs = append(s.runIDs, runs[i].ID)
		options = append(options, enfRunLabel(&runs[i]))
	}
	if run != 0 && !slices.Contains(s.runIDs, run) {
		s.runIDs = append(s.runIDs, run)
		options = append(options, fmt.Sprintf("#%d", run))
	}
	s.run.SetOptions(options)
	s.run.SetSelectedIndex(slices.Index(s.runIDs, run) + 1)
}

// openFiltered shows the entries of a person (id, with name for the
// filter's text) and/or of a run, the other filters cleared.
func (s *auditScreen) openFiltered(person, name string, run uint64) {
	s.syncing = true
	s.fixedID, s.fixedLabel = person, ""
	switch {
	case person != "" && name != "":
		s.fixedLabel = fmt.Sprintf("%s (%s)", name, person)
	case person != "":
		s.fixedLabel = person
	}
	s.person.SetText(s.fixedLabel)
	s.target.SetSelectedIndex(0)
	s.op.SetSelectedIndex(0)
	s.outcome.SetSelectedIndex(0)
	s.from.SetText("")
	s.to.SetText("")
	if run != 0 && !slices.Contains(s.runIDs, run) {
		s.runIDs = append(s.runIDs, run)
		s.run.SetOptions(append(s.run.Options, fmt.Sprintf("#%d", run)))
	}
	s.run.SetSelectedIndex(slices.Index(s.runIDs, run) + 1)
	s.syncing = false
	s.w.Show(ScreenAudit)
}

func (s *auditScreen) clearFilters() {
	s.syncing = true
	s.fixedID, s.fixedLabel = "", ""
	s.person.SetText("")
	s.personOpts = nil
	s.person.SetOptions(nil)
	s.target.SetSelectedIndex(0)
	s.op.SetSelectedIndex(0)
	s.outcome.SetSelectedIndex(0)
	s.from.SetText("")
	s.to.SetText("")
	s.run.SetSelectedIndex(0)
	s.syncing = false
	s.queryNow()
}

func (s *auditScreen) filterTarget() string {
	if i := s.target.SelectedIndex(); i > 0 && i <= len(s.targetKeys) {
		return s.targetKeys[i-1]
	}
	return ""
}

func (s *auditScreen) filterRun() uint64 {
	if i := s.run.SelectedIndex(); i > 0 && i <= len(s.runIDs) {
		return s.runIDs[i-1]
	}
	return 0
}

// auditOps are the operations the audit log records: writes to targets,
// decisions on persons, and changes to the configuration.
func auditOps() []engine.ActionOp {
	return append(append(slices.Clone(engine.ActionOps), engine.DecisionOps...), engine.OpConfigure)
}

// readFilter reads the filters other than the person, explaining a date
// it cannot read.
func (s *auditScreen) readFilter() (engine.AuditFilter, bool) {
	f := engine.AuditFilter{Target: s.filterTarget(), Run: s.filterRun()}
	if ops := auditOps(); s.op.SelectedIndex() > 0 && s.op.SelectedIndex() <= len(ops) {
		f.Op = ops[s.op.SelectedIndex()-1]
	}
	if i := s.outcome.SelectedIndex(); i > 0 && i <= len(auditOutcomes) {
		f.Outcome = auditOutcomes[i-1]
	}
	var problems []string
	day := func(e *widget.Entry, what string) time.Time {
		text := strings.TrimSpace(e.Text)
		if text == "" {
			return time.Time{}
		}
		d, err := engine.ParseISODate(text)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", what, err))
			return time.Time{}
		}
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.Local)
	}
	f.Since = day(s.from, "From")
	if until := day(s.to, "To"); !until.IsZero() {
		f.Until = until.AddDate(0, 0, 1) // the whole day
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		problems = append(problems, "From is after To")
	}
	if len(problems) > 0 {
		s.problem.SetText(strings.Join(problems, "; ") + ". Dates are yyyy-mm-dd, such as " + s.w.app.Today().String() + ".")
		s.problem.Show()
		return f, false
	}
	s.problem.Hide()
	return f, true
}

// personMatch is what the person filter's text means.
type personMatch struct {
	id      string   // the person to filter on; "" for everyone
	hint    string   // said under the filters
	options []string // persons to choose from, as "Name (id)"
	unsure  bool     // several persons match: nothing is searched
}

// matchPerson reads the person filter: a person chosen from the list, an
// id, or a name that one person in the latest snapshot has. Text that
// matches no one is taken as the id of someone no longer there.
func matchPerson(persons *app.PersonList, text, fixedLabel, fixedID string) personMatch {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return personMatch{}
	case fixedLabel != "" && text == fixedLabel:
		return personMatch{id: fixedID}
	}
	label := func(p *app.PersonSummary) string { return fmt.Sprintf("%s (%s)", orDash(p.DisplayName), p.ID) }
	if persons == nil {
		return personMatch{id: text}
	}
	if p, ok := persons.Find(text); ok {
		return personMatch{id: p.ID, hint: "Entries of " + label(p) + "."}
	}
	if k := strings.LastIndex(text, " ("); k > 0 && strings.HasSuffix(text, ")") {
		if p, ok := persons.Find(text[k+2 : len(text)-1]); ok && label(p) == text {
			return personMatch{id: p.ID}
		}
	}
	hits := persons.Filter(app.PersonFilter{Query: text})
	switch len(hits) {
	case 0:
		return personMatch{id: text, hint: fmt.Sprintf("No person in the latest snapshot matches “%s”: showing the entries of the person id “%s”, if there are any.", text, text)}
	case 1:
		p := &persons.Persons[hits[0]]
		return personMatch{id: p.ID, hint: "Entries of " + label(p) + ".", options: []string{label(p)}}
	}
	m := personMatch{unsure: true, hint: fmt.Sprintf("%s match “%s”: choose one from the list (▾ at the end of the field), or type more of the name.",
		plural(len(hits), "person", "persons"), text)}
	for _, i := range hits[:min(len(hits), 30)] {
		m.options = append(m.options, label(&persons.Persons[i]))
	}
	return m
}

// querySoon searches once typing pauses.
func (s *auditScreen) querySoon() {
	if s.syncing {
		return
	}
	s.queryGen++
	gen := s.queryGen
	s.w.jobs.debounce(&s.timer, s.debounce, func() {
		if gen == s.queryGen {
			s.query(s.pageSize)
		}
	})
}

func (s *auditScreen) queryNow() {
	if s.syncing {
		return
	}
	s.query(s.pageSize)
}

// loadMore shows another page of older entries.
func (s *auditScreen) loadMore() { s.query(s.shown + s.pageSize) }

// query searches the log for the newest limit entries that match the
// filters, in the background; an older query's answer is dropped.
func (s *auditScreen) query(limit int) {
	f, ok := s.readFilter()
	s.queryGen++
	gen := s.queryGen
	if !ok {
		return
	}
	text, fixedLabel, fixedID, persons := s.person.Text, s.fixedLabel, s.fixedID, s.persons
	s.count.SetText("Searching…")
	s.w.jobs.run(func() func() {
		m := matchPerson(persons, text, fixedLabel, fixedID)
		var entries []engine.AuditEntry
		var err error
		if !m.unsure {
			f.Person = m.id
			f.Limit = limit + 1 // one more says whether there are more
			entries, err = s.w.app.Audit(context.Background(), f)
		}
		return func() {
			if gen != s.queryGen {
				return
			}
			if err != nil {
				s.count.SetText("")
				s.w.showError(err)
				return
			}
			s.showPersonMatch(m)
			s.hasMore = len(entries) > limit
			if s.hasMore {
				entries = entries[:limit]
			}
			s.entries, s.shown = entries, limit
			s.table.UnselectAll()
			s.table.Refresh()
			s.setDetail(nil)
			s.showCount(f, m)
		}
	})
}

func (s *auditScreen) showPersonMatch(m personMatch) {
	if m.hint == "" {
		s.personHint.Hide()
	} else {
		s.personHint.SetText(m.hint)
		s.personHint.Show()
	}
	if m.options != nil || strings.TrimSpace(s.person.Text) == "" {
		s.personOpts = m.options
		s.person.SetOptions(m.options)
	}
}

// showCount says how many entries are shown and whether there are more.
func (s *auditScreen) showCount(f engine.AuditFilter, m personMatch) {
	filtered := f != (engine.AuditFilter{Limit: f.Limit})
	switch {
	case m.unsure:
		s.count.SetText("Choose the person to search for.")
	case len(s.entries) == 0 && !filtered:
		s.count.SetText("The audit log is empty: enforcement runs record here every action they write to a target.")
	case len(s.entries) == 0:
		s.count.SetText("No entry matches the filters.")
	case s.hasMore:
		s.count.SetText(fmt.Sprintf("The newest %s entries that match; there are older ones.", thousands(len(s.entries))))
	default:
		s.count.SetText(fmt.Sprintf("%s that match, newest first.", plural(len(s.entries), "entry", "entries")))
	}
	if s.hasMore {
		s.more.Show()
	} else {
		s.more.Hide()
	}
}

// cell is the text of one cell of the entries table.
func (s *auditScreen) cell(row, col int) string {
	if row >= len(s.entries) {
		return ""
	}
	e := &s.entries[row]
	switch col {
	case 0:
		return e.At.Local().Format("2006-01-02 15:04:05")
	case 1:
		if e.Person == "" {
			return "—"
		}
		return fmt.Sprintf("%s (%s)", orDash(e.PersonName), e.Person)
	case 2:
		return s.targets.name(e.Target)
	case 3:
		return e.Op.Label()
	case 4:
		return s.targets.permissionText(e.Key)
	default:
		return outcomeLabel(e.Outcome)
	}
}

func (s *auditScreen) setDetail(items []fyne.CanvasObject) {
	if items == nil {
		items = []fyne.CanvasObject{widget.NewLabel(auditNoDetail)}
	}
	s.detail.Objects = items
	s.detail.Refresh()
}

// showEntry shows an entry: what was done to whom, with the attribute
// changes, the reference, the error, and its hash and the previous one.
func (s *auditScreen) showEntry(e *engine.AuditEntry) {
	title := widget.NewLabelWithStyle(fmt.Sprintf("Entry %s: %s %s", thousands(int(e.Seq)), e.Op.Label(), s.targets.permissionText(e.Key)),
		fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Wrapping = fyne.TextWrapWord
	title.SizeName = theme.SizeNameSubHeadingText
	out := widget.NewLabelWithStyle(outcomeLabel(e.Outcome), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	out.Importance = outcomeImportance(e.Outcome)
	what := []fyne.CanvasObject{title, out}
	if e.Error != "" {
		l := widget.NewLabel(e.Error)
		l.Wrapping = fyne.TextWrapWord
		l.Selectable = true
		if e.Outcome == engine.OutcomeFailed {
			l.Importance = widget.DangerImportance
		}
		what = append(what, l)
	}

	form := container.New(layout.NewFormLayout())
	label := func(text string) *widget.Label {
		return widget.NewLabelWithStyle(text, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	}
	value := func(text string) *widget.Label {
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapBreak
		l.Selectable = true
		return l
	}
	link := func(text string, icon fyne.Resource, tapped func()) *widget.Button {
		b := widget.NewButtonWithIcon(text, icon, tapped)
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = widget.LowImportance
		return b
	}
	form.Add(label("Time"))
	form.Add(value(e.At.Local().Format("Monday 2 January 2006, 15:04:05 MST")))
	person, name := e.Person, e.PersonName
	form.Add(label("Person"))
	if person == "" { // a configuration change
		form.Add(value("—"))
	} else {
		form.Add(link(fmt.Sprintf("%s (%s)", orDash(name), person), theme.AccountIcon(), func() { s.w.persons.openPerson(person) }))
	}
	form.Add(label("Target"))
	form.Add(value(s.targets.name(e.Target)))
	form.Add(label("Operation"))
	form.Add(value(e.Op.Label()))
	form.Add(label("Entitlement"))
	form.Add(value(s.targets.permissionText(e.Key)))
	form.Add(label("Reference"))
	form.Add(value(orDash(e.Ref)))
	if e.Run != 0 {
		run := e.Run
		form.Add(label("Run"))
		form.Add(link(fmt.Sprintf("Run #%d", run), theme.UploadIcon(), func() { s.w.enforce.openRun(run, nil) }))
	}
	what = append(what, form)

	var written []fyne.CanvasObject
	if len(e.Changes) > 0 {
		changes := container.New(layout.NewFormLayout())
		for _, c := range e.Changes {
			changes.Add(label(c.Attribute))
			changes.Add(value(fmt.Sprintf("%s → %s", orDash(c.Old), orDash(c.New))))
		}
		written = append(written, widget.NewCard("", fmt.Sprintf("Attribute changes (%d): old → new", len(e.Changes)), changes))
	}
	chain := container.New(layout.NewFormLayout())
	hash := func(h string) *widget.Label {
		l := value(h)
		l.TextStyle = fyne.TextStyle{Monospace: true}
		return l
	}
	chain.Add(label("Hash"))
	chain.Add(hash(e.Hash))
	chain.Add(label("Previous hash"))
	if e.Prev == "" {
		chain.Add(value("none: this is the first entry"))
	} else {
		chain.Add(hash(e.Prev))
	}
	written = append(written, widget.NewCard("", "Hash chain", container.NewVBox(chain,
		helpLabel("The hash covers this entry with the previous entry's hash: changing any entry breaks the chain from there on, which Verify chain finds."))))
	s.setDetail([]fyne.CanvasObject{container.NewGridWithColumns(2, container.NewVBox(what...), container.NewVBox(written...))})
}

// verify checks the whole hash chain in the background and says what it
// found.
func (s *auditScreen) verify() {
	s.verifyBtn.Disable()
	s.busy.start(s.w.jobs, "Verifying the audit log's hash chain, from the first entry to the last…", func(ctx context.Context) func() {
		n, err := s.w.app.VerifyAudit(ctx)
		at := time.Now()
		return func() {
			s.verifyBtn.Enable()
			switch {
			case err == nil && n == 0:
				s.verdict.show(widget.MediumImportance, "The audit log is empty: there is no chain to verify yet.", false)
			case err == nil:
				s.verdict.show(widget.SuccessImportance, fmt.Sprintf("The audit log is intact: all %s hold their own hash and the hash of the entry before them, from the first to the last (checked at %s).",
					plural(n, "entry", "entries"), at.Format("15:04:05")), false)
			case engine.IsCode(err, engine.Canceled):
				s.verdict.show(widget.MediumImportance, fmt.Sprintf("Verification cancelled after %s: nothing wrong was found in them.", plural(n, "entry", "entries")), false)
			case engine.IsCode(err, engine.Invalid):
				s.verdict.show(widget.DangerImportance, fmt.Sprintf("The audit log was tampered with: %s. The %s before it are intact; from there on the log cannot be trusted.",
					err.Error(), plural(n, "entry", "entries")), false)
			default:
				s.verdict.hide()
				s.w.showError(err)
			}
		}
	})
}

func (s *auditScreen) setStatus(text string, importance widget.Importance) {
	s.status.SetText(text)
	s.status.Importance = importance
	s.status.Refresh()
	if text == "" {
		s.status.Hide()
	} else {
		s.status.Show()
	}
}

// busyPanel shows work of unknown length inline: a line of text, an
// animated bar and a Cancel button. It is hidden while idle.
type busyPanel struct {
	label  *widget.Label
	bar    *widget.ProgressBarInfinite
	cancel *widget.Button
	box    *fyne.Container

	mu   sync.Mutex
	stop context.CancelFunc
}

func newBusyPanel() *busyPanel {
	p := &busyPanel{label: widget.NewLabel(""), bar: widget.NewProgressBarInfinite()}
	p.cancel = widget.NewButton("Cancel", p.Cancel)
	p.box = container.NewBorder(nil, nil, nil, p.cancel, container.NewVBox(p.label, p.bar))
	p.bar.Stop()
	p.box.Hide()
	return p
}

// Running reports whether work is going.
func (p *busyPanel) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stop != nil
}

// Cancel asks the work to stop.
func (p *busyPanel) Cancel() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		p.stop()
		p.label.SetText("Cancelling…")
		p.cancel.Disable()
	}
}

// start runs work in the background and applies what it returns on the
// UI goroutine; it reports false when work is already going.
func (p *busyPanel) start(j *jobs, title string, work func(ctx context.Context) func()) bool {
	p.mu.Lock()
	if p.stop != nil {
		p.mu.Unlock()
		return false
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.stop = cancel
	p.mu.Unlock()
	p.label.SetText(title)
	p.cancel.Enable()
	p.box.Show()
	p.bar.Start()
	j.run(func() func() {
		apply := work(ctx)
		cancel()
		return func() {
			p.mu.Lock()
			p.stop = nil
			p.mu.Unlock()
			p.bar.Stop()
			p.box.Hide()
			if apply != nil {
				apply()
			}
		}
	})
	return true
}
