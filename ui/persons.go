package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// personsScreen lists the persons of the latest snapshot with search as
// you type and a status filter, and shows the selected person.
type personsScreen struct {
	w *Window

	search *widget.Entry
	status *widget.Select
	count  *widget.Label
	list   *widget.List
	detail *fyne.Container
	root   fyne.CanvasObject

	data     *app.PersonList
	hits     []int
	gen      int
	timer    *time.Timer
	debounce time.Duration
	selected string
	shown    *app.PersonDetail
	// the open Exclude dialog and its reason, for tests
	excludeDialog *formDialog
	excludeReason *widget.Entry
}

const allStatuses = "All statuses"

func newPersonsScreen(w *Window) *personsScreen {
	s := &personsScreen{w: w, debounce: 150 * time.Millisecond}
	s.search = widget.NewEntry()
	s.search.SetPlaceHolder("Search name, external id, e-mail, department or title")
	s.search.OnChanged = func(string) { s.filterSoon() }
	options := []string{allStatuses}
	for _, st := range engine.Statuses {
		options = append(options, statusTitle(st))
	}
	s.status = widget.NewSelect(options, func(string) { s.filterSoon() })
	s.status.SetSelected(allStatuses)
	s.count = widget.NewLabel("")
	s.list = widget.NewList(
		func() int { return len(s.hits) },
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			name.Truncation = fyne.TextTruncateEllipsis
			info := widget.NewLabel("")
			info.Truncation = fyne.TextTruncateEllipsis
			info.SizeName = theme.SizeNameCaptionText
			status := widget.NewLabel("excluded")
			return container.NewBorder(nil, nil, nil, status, container.NewVBox(name, info))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(s.hits) {
				return
			}
			p := &s.data.Persons[s.hits[id]]
			row := o.(*fyne.Container)
			texts := row.Objects[0].(*fyne.Container)
			texts.Objects[0].(*widget.Label).SetText(p.DisplayName)
			texts.Objects[1].(*widget.Label).SetText(joinNonEmpty(" · ", p.ID, p.Department, p.Title))
			st := row.Objects[1].(*widget.Label)
			st.SetText(string(p.Status))
			st.Importance = statusImportance(p.Status)
			st.Refresh()
		},
	)
	s.list.OnSelected = func(id widget.ListItemID) {
		if id < len(s.hits) {
			s.open(s.data.Persons[s.hits[id]].ID)
		}
	}
	s.detail = container.NewVBox(widget.NewLabel("Select a person to see their fields, contracts, department and manager."))
	top := container.NewBorder(nil, nil, nil, container.NewHBox(s.status, widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), s.refresh)), s.search)
	left := container.NewBorder(container.NewVBox(widget.NewLabelWithStyle("Persons", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), top, s.count), nil, nil, nil, s.list)
	split := container.NewHSplit(left, container.NewVScroll(container.NewPadded(s.detail)))
	split.Offset = 0.45
	s.root = split
	return s
}

func (s *personsScreen) object() fyne.CanvasObject { return s.root }

// refresh reloads the person list (built once per snapshot) and filters.
func (s *personsScreen) refresh() {
	s.count.SetText("Loading persons…")
	s.w.jobs.run(func() func() {
		list, err := s.w.app.Persons(context.Background())
		return func() {
			if err != nil {
				s.w.showError(err)
				return
			}
			s.data = list
			s.filterNow()
		}
	})
}

// showStatus opens the screen filtered on one status.
func (s *personsScreen) showStatus(st engine.Status) {
	s.status.SetSelected(statusTitle(st))
	s.w.Show(ScreenPersons)
}

func (s *personsScreen) filter() app.PersonFilter {
	f := app.PersonFilter{Query: s.search.Text}
	if sel := s.status.Selected; sel != allStatuses && sel != "" {
		f.Status = engine.Status(strings.ToLower(sel))
	}
	return f
}

func (s *personsScreen) filterSoon() {
	if s.data == nil {
		return
	}
	f := s.filter()
	s.gen++
	gen := s.gen
	s.w.jobs.debounce(&s.timer, s.debounce, func() { s.runFilter(gen, f) })
}

func (s *personsScreen) filterNow() {
	s.gen++
	s.runFilter(s.gen, s.filter())
}

// runFilter filters in the background; a result for an older query is
// dropped.
func (s *personsScreen) runFilter(gen int, f app.PersonFilter) {
	data := s.data
	s.w.jobs.run(func() func() {
		hits := data.Filter(f)
		return func() {
			if gen != s.gen || data != s.data {
				return
			}
			s.hits = hits
			s.list.UnselectAll()
			s.list.Refresh()
			if s.selected == "" && len(hits) > 0 {
				s.list.Select(0) // show someone rather than an empty page
			}
			s.count.SetText(fmt.Sprintf("%s of %s persons (snapshot %d, as of %s)", thousands(len(hits)), thousands(len(data.Persons)), data.Snapshot, data.AsOf))
			if len(data.Persons) == 0 {
				s.count.SetText("No persons yet: add a source system and run an import.")
			}
		}
	})
}

// open shows one person's details.
func (s *personsScreen) open(id string) {
	s.selected = id
	s.w.jobs.run(func() func() {
		ctx := context.Background()
		d, err := s.w.app.Person(ctx, id)
		var ents []app.PersonEntitlement
		var entErr error
		var accts *personAccounts
		if err == nil {
			ents, entErr = s.w.app.PersonEntitlements(ctx, d.Person.ID, 0)
			accts = loadPersonAccounts(ctx, s.w.app, d.Person.ID)
		}
		return func() {
			if s.selected != id {
				return
			}
			if err != nil {
				s.w.showError(err)
				return
			}
			s.showDetail(d)
			s.showEntitlements(d, ents, entErr)
			s.showAccounts(d, accts)
		}
	})
}

// openPerson switches to the screen and shows a person, clearing filters
// that would hide them.
func (s *personsScreen) openPerson(id string) {
	s.search.SetText("")
	s.status.SetSelected(allStatuses)
	s.w.Show(ScreenPersons)
	s.open(id)
}

func (s *personsScreen) showDetail(d *app.PersonDetail) {
	s.shown = d
	p := d.Person
	title := widget.NewLabelWithStyle(p.DisplayName, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	status := widget.NewLabel(fmt.Sprintf("%s · %s · snapshot %d", p.ID, d.Status, d.Snapshot))
	status.Importance = statusImportance(d.Status)

	form := container.New(layout.NewFormLayout())
	for _, f := range d.Fields {
		label := widget.NewLabelWithStyle(f.Label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		value := widget.NewLabel(f.Value)
		value.Wrapping = fyne.TextWrapWord
		value.Selectable = true
		form.Add(label)
		form.Add(value)
	}

	org := container.New(layout.NewFormLayout())
	dept := "none"
	if len(d.DepartmentPath) > 0 {
		dept = strings.Join(d.DepartmentPath, " › ")
	} else if pc := primaryContract(d); pc != nil && pc.Department.Label() != "" {
		dept = pc.Department.Label() + " (not in the department list)"
	}
	deptLabel := widget.NewLabel(dept)
	deptLabel.Wrapping = fyne.TextWrapWord
	org.Add(widget.NewLabelWithStyle("Department", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
	org.Add(deptLabel)
	org.Add(widget.NewLabelWithStyle("Manager", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
	switch {
	case d.Manager != nil:
		m := d.Manager
		b := widget.NewButtonWithIcon(fmt.Sprintf("%s (%s)", m.DisplayName, m.ID), theme.AccountIcon(), func() { s.openPerson(m.ID) })
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = widget.LowImportance
		org.Add(b)
	case d.ManagerExternalID != "":
		org.Add(widget.NewLabel(d.ManagerExternalID + " (not a person in this workspace)"))
	default:
		org.Add(widget.NewLabel("none found"))
	}

	contracts := d.Contracts
	cols := []column{{"", 70}, {"Contract", 90}, {"State", 70}, {"Start", 100}, {"End", 100}, {"Department", 170}, {"Title", 170}, {"FTE", 50}, {"Hours", 60}, {"Location", 120}, {"Cost centre", 100}, {"Type", 100}, {"Manager", 90}}
	table := newTable(cols, func() int { return len(contracts) }, func(row, col int) string {
		c := contracts[row]
		switch col {
		case 0:
			switch {
			case c.Primary && c.From != "":
				return "primary, from " + c.From
			case c.Primary:
				return "primary"
			case c.From != "":
				return "from " + c.From
			}
			return ""
		case 1:
			return c.ExternalID
		case 2:
			return string(c.State)
		case 3:
			return orDash(c.StartDate.String())
		case 4:
			if c.EndDate.IsZero() {
				return "open-ended"
			}
			return c.EndDate.String()
		case 5:
			return c.Department.Label()
		case 6:
			return c.Title.Label()
		case 7:
			return c.Details.Fte.String()
		case 8:
			return c.Details.HoursPerWeek.String()
		case 9:
			return c.Location.Label()
		case 10:
			return c.CostCenter.Label()
		case 11:
			return c.Type.Label()
		default:
			return c.Manager.ExternalID
		}
	})

	items := []fyne.CanvasObject{title, status, s.inclusion(d),
		widget.NewCard("", "Person", form),
		widget.NewCard("", "Organisation (primary contract)", org),
		widget.NewCard("", fmt.Sprintf("Contracts (%d)", len(contracts)), withMinSize(table, 400, float32(len(contracts)+1)*38+8)),
	}
	if len(p.Issues) > 0 {
		issues := container.NewVBox()
		for _, is := range p.Issues {
			l := widget.NewLabel(is.Message)
			l.Wrapping = fyne.TextWrapWord
			l.Importance = widget.WarningImportance
			if is.Blocking {
				l.Importance = widget.DangerImportance
				l.SetText("Blocking: " + is.Message)
			}
			issues.Add(l)
		}
		items = append(items, widget.NewCard("", "Data problems", issues))
	}
	s.detail.Objects = items
	s.detail.Refresh()
}

// inclusion says whether the person is excluded and why, with Exclude or
// Include, and which persons were merged into them.
func (s *personsScreen) inclusion(d *app.PersonDetail) fyne.CanvasObject {
	p := d.Person
	box := container.NewVBox()
	if len(p.MergedFrom) > 0 {
		merged := widget.NewLabel("Merged from " + strings.Join(p.MergedFrom, ", ") + ": their contracts are this person's (see Aggregation to undo).")
		merged.Wrapping = fyne.TextWrapWord
		box.Add(merged)
	}
	switch {
	case p.Excluded && p.Exclusion == "":
		l := widget.NewLabel("Excluded by the mapping of source system " + p.Source + " (the field Excluded): they keep what they have; nothing is granted or revoked.")
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		box.Add(l)
	case p.Excluded && strings.HasPrefix(p.Exclusion, "excluded by hand"):
		l := widget.NewLabel(strings.ToUpper(p.Exclusion[:1]) + p.Exclusion[1:] + ". They keep what they have; nothing is granted or revoked until they are included.")
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		include := widget.NewButtonWithIcon("Include", theme.ConfirmIcon(), func() { s.include(p.ID) })
		box.Add(container.NewBorder(nil, nil, nil, include, l))
	case p.Excluded:
		l := widget.NewLabel("Excluded while " + strings.TrimPrefix(p.Exclusion, "waiting for an aggregation decision: ") + ": decide on the Aggregation screen.")
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		open := widget.NewButtonWithIcon("Aggregation", theme.NavigateNextIcon(), func() { s.w.Show(ScreenAggregation) })
		box.Add(container.NewBorder(nil, nil, nil, open, l))
	default:
		exclude := widget.NewButtonWithIcon("Exclude…", theme.CancelIcon(), func() { s.askExclude(p) })
		box.Add(container.NewBorder(nil, nil, nil, exclude, widget.NewLabel("Included: the business rules decide what they get.")))
	}
	return box
}

// askExclude asks for the reason and excludes the person.
func (s *personsScreen) askExclude(p *engine.Person) {
	reason := widget.NewMultiLineEntry()
	reason.SetPlaceHolder("Why, for example: on long leave; HR will correct the data")
	reason.SetMinRowsVisible(3)
	reason.Validator = func(t string) error {
		if strings.TrimSpace(t) == "" {
			return fmt.Errorf("give a reason: it is shown on the person and kept in the audit log")
		}
		return nil
	}
	note := widget.NewLabel("An excluded person keeps what they have: nothing is granted or revoked until they are included again, and then the changes are caught up. A person who leaves the source is still handled as a leaver.")
	note.Wrapping = fyne.TextWrapWord
	d := dialogForm("Exclude "+displayOf(p), "Exclude", []*widget.FormItem{widget.NewFormItem("Reason", reason)}, note, func() {
		s.decide(p.ID, func(ctx context.Context) error { return s.w.app.Exclude(ctx, p.ID, reason.Text) })
	}, s.w.win)
	s.excludeDialog, s.excludeReason = d, reason
	d.Show()
}

func (s *personsScreen) include(id string) {
	s.decide(id, func(ctx context.Context) error { return s.w.app.Include(ctx, id) })
}

// decide runs an exclusion decision and shows the person again.
func (s *personsScreen) decide(id string, do func(ctx context.Context) error) {
	s.w.jobs.run(func() func() {
		err := do(context.Background())
		return func() {
			if err != nil {
				s.w.showError(err)
				return
			}
			s.refresh()
			s.open(id)
		}
	})
}

func displayOf(p *engine.Person) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.ID
}

func primaryContract(d *app.PersonDetail) *app.ContractView {
	for i := range d.Contracts {
		if d.Contracts[i].Primary {
			return &d.Contracts[i]
		}
	}
	return nil
}

func statusImportance(s engine.Status) widget.Importance {
	switch s {
	case engine.StatusActive:
		return widget.SuccessImportance
	case engine.StatusFuture:
		return widget.HighImportance
	case engine.StatusBlocked:
		return widget.DangerImportance
	case engine.StatusExcluded:
		return widget.WarningImportance
	default:
		return widget.LowImportance
	}
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// showEntitlements adds what the rules in force give the person today,
// by target, each with the rules (and contracts) that give it.
func (s *personsScreen) showEntitlements(d *app.PersonDetail, ents []app.PersonEntitlement, err error) {
	box := container.NewVBox()
	switch {
	case err != nil:
		l := widget.NewLabel("The rules cannot be evaluated: " + err.Error())
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.DangerImportance
		box.Add(l)
	case d.Status == engine.StatusBlocked || d.Status == engine.StatusExcluded:
		box.Add(widget.NewLabel(fmt.Sprintf("Nothing: the person is %s, and Provisio grants and revokes nothing for them.", d.Status)))
	case len(ents) == 0:
		box.Add(widget.NewLabel("Nothing: no rule in force holds for this person today."))
	}
	target := ""
	for _, e := range ents {
		if e.Key.Target != target {
			target = e.Key.Target
			box.Add(widget.NewLabelWithStyle(target, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		}
		what := e.Key.Kind.Label()
		if e.Key.Name != "" {
			what += " " + e.Key.Name
		}
		var why []string
		for _, r := range e.Rules {
			part := fmt.Sprintf("%q", r.RuleName)
			if len(r.Contracts) > 0 {
				part += " on " + strings.Join(r.Contracts, ", ")
			}
			why = append(why, part)
		}
		l := widget.NewLabel(fmt.Sprintf("%s ← rule %s", what, strings.Join(why, " and ")))
		if e.Withheld != "" {
			l.SetText(l.Text + " — not granted: " + e.Withheld)
			l.Importance = widget.WarningImportance
		}
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	s.detail.Add(widget.NewCard("", "Entitlements today (rules in force)", box))
}

// personAccounts is what the ledger holds for a person, with the names of
// the rules and targets it refers to.
type personAccounts struct {
	list    []app.PersonAccount
	rules   map[string]string // rule id → name
	targets map[string]*engine.TargetSystem
	err     error
}

// loadPersonAccounts reads a person's accounts and what names them; it
// runs off the UI goroutine.
func loadPersonAccounts(ctx context.Context, a *app.App, id string) *personAccounts {
	pa := &personAccounts{rules: map[string]string{}, targets: map[string]*engine.TargetSystem{}}
	pa.list, pa.err = a.PersonAccounts(ctx, id)
	if pa.err != nil {
		return pa
	}
	// names only: without them the ids are shown
	if all, err := a.Rules(ctx); err == nil {
		for i := range all {
			pa.rules[all[i].ID] = all[i].Name()
		}
	}
	if cfg, err := a.Config(ctx); err == nil {
		for i := range cfg.TargetSystems {
			pa.targets[cfg.TargetSystems[i].Key] = &cfg.TargetSystems[i]
		}
	}
	return pa
}

// ruleNames names the rules behind a ledger entry.
func (pa *personAccounts) ruleNames(le *engine.LedgerEntry) string {
	if le.Unmanaged {
		return "kept after its rule was deleted: no rule manages it any more"
	}
	if len(le.Rules) == 0 {
		return "no rule recorded"
	}
	names := make([]string, len(le.Rules))
	for i, id := range le.Rules {
		if n, ok := pa.rules[id]; ok && n != "" {
			names[i] = "“" + n + "”"
		} else {
			names[i] = id + " (deleted)"
		}
	}
	if len(names) == 1 {
		return "rule " + names[0]
	}
	return "rules " + strings.Join(names, ", ")
}

// showAccounts adds what Provisio wrote for the person in each target, as
// the ledger knows it: the account with its state and the attributes last
// written, and the permissions, each with the rules that gave it.
func (s *personsScreen) showAccounts(d *app.PersonDetail, pa *personAccounts) {
	box := container.NewVBox()
	switch {
	case pa == nil:
		return
	case pa.err != nil:
		l := widget.NewLabel("The accounts cannot be read: " + pa.err.Error())
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.DangerImportance
		box.Add(l)
	case len(pa.list) == 0:
		l := widget.NewLabel("None yet: Provisio has written nothing for this person in any target system. Enforcing a plan that grants them something makes their accounts.")
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	for i := range pa.list {
		box.Add(pa.targetView(&pa.list[i]))
	}
	id, name := d.Person.ID, d.Person.DisplayName
	audit := widget.NewButtonWithIcon("Audit entries for this person", theme.DocumentIcon(), func() {
		s.w.audit.openFiltered(id, name, 0)
	})
	box.Add(container.NewHBox(audit))
	s.detail.Add(widget.NewCard("", "Accounts in target systems", box))
}

// targetView shows one target's account and permissions.
func (pa *personAccounts) targetView(acct *app.PersonAccount) fyne.CanvasObject {
	name := acct.TargetName
	if name == "" {
		name = acct.Target
	}
	box := container.NewVBox(widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	if le := acct.Account; le != nil {
		state, importance := "disabled", widget.WarningImportance
		switch {
		case acct.Retired:
			state, importance = fmt.Sprintf("retired on %s: kept disabled until it is deleted", le.RetiredOn), widget.LowImportance
		case acct.Enabled:
			state, importance = "enabled", widget.SuccessImportance
		}
		l := widget.NewLabel(fmt.Sprintf("Account %s · %s", orDash(le.Reference), state))
		l.Wrapping = fyne.TextWrapWord
		l.Importance = importance
		box.Add(l)
		since := ""
		if !le.GrantedAt.IsZero() {
			since = "since " + le.GrantedAt.Local().Format("2 Jan 2006") + " · "
		}
		box.Add(helpLabel(since + "by " + pa.ruleNames(le)))
		if names := le.Attributes.Names(); len(names) > 0 {
			form := container.New(layout.NewFormLayout())
			for _, k := range names {
				v := widget.NewLabel(orDash(le.Attributes[k]))
				v.Wrapping = fyne.TextWrapBreak
				v.Selectable = true
				form.Add(widget.NewLabelWithStyle(k, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
				form.Add(v)
			}
			box.Add(widget.NewLabelWithStyle("Attributes as last written", fyne.TextAlignLeading, fyne.TextStyle{Italic: true}))
			box.Add(form)
		}
	} else {
		l := widget.NewLabel("No account: only the entitlements below are recorded.")
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	if len(acct.Permissions) > 0 {
		box.Add(widget.NewLabelWithStyle(fmt.Sprintf("Permissions (%d)", len(acct.Permissions)), fyne.TextAlignLeading, fyne.TextStyle{Italic: true}))
	}
	for i := range acct.Permissions {
		le := &acct.Permissions[i]
		what := le.Key.Name
		if t, ok := pa.targets[acct.Target]; ok && le.Key.Kind == engine.KindPermission {
			if p, ok := t.Permission(le.Key.Name); ok && p.Label() != le.Key.Name {
				what = fmt.Sprintf("%s (%s)", p.Label(), le.Key.Name)
			}
		}
		if le.Key.Kind != engine.KindPermission {
			what = le.Key.Kind.Label() + " " + what
		}
		l := widget.NewLabel(fmt.Sprintf("%s ← %s", what, pa.ruleNames(le)))
		l.Wrapping = fyne.TextWrapWord
		if le.Unmanaged {
			l.Importance = widget.WarningImportance
		}
		box.Add(l)
	}
	return box
}
