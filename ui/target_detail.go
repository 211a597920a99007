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
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// targetDetail is the read-only view of a saved target system: what it
// connects to (never a secret), its account mapping, lifecycle and
// thresholds; the accounts it held when last read, with those linked to
// no person; and its permissions. It tests the connection, discovers
// permissions and reads the accounts, each with progress and Cancel.
type targetDetail struct {
	s     *targetsScreen
	t     *engine.TargetSystem
	tabs  *container.AppTabs
	tasks *taskPanel
	root  fyne.CanvasObject

	test     *widget.Button
	discover *widget.Button
	read     *widget.Button

	accountsInfo *widget.Label
	filter       *widget.Entry
	unlinkedHead *widget.Label
	table        *widget.Table
	unlinked     []engine.Account
	shown        []int    // positions in unlinked that match the filter
	columns      []string // the attributes shown
	loaded       bool     // the accounts were loaded for this view
	loadGen      int
}

// Tabs of the detail view.
const (
	detailOverview = 0
	detailAccounts = 1
)

func newTargetDetail(s *targetsScreen, t *engine.TargetSystem, tab int) *targetDetail {
	d := &targetDetail{s: s, t: t, tasks: s.taskPanel(t.Key)}
	title := widget.NewLabelWithStyle(t.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	title.Truncation = fyne.TextTruncateEllipsis
	caption := helpLabel(fmt.Sprintf("%s · %s · %s", t.Key, targetKindLabel(t.Kind), enabledWord(!t.Disabled)))
	key, name := t.Key, t.Name
	edit := widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), func() { s.edit(key) })
	edit.Importance = widget.HighImportance
	del := widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() { s.confirmDelete(key, name) })
	del.Importance = widget.DangerImportance
	buttons := container.NewHBox(edit)
	if t.Writes() {
		d.test = widget.NewButtonWithIcon("Test connection", theme.MediaPlayIcon(), func() { testConnection(s.w, d.tasks, key, name) })
		d.discover = widget.NewButtonWithIcon("Discover permissions…", theme.SearchIcon(), d.discoverPermissions)
		d.read = widget.NewButtonWithIcon("Read accounts now", theme.DownloadIcon(), d.readAccounts)
		buttons.Add(d.test)
		buttons.Add(d.discover)
		d.tasks.onIdle = d.idle
		d.idle(!d.tasks.Running())
	}
	buttons.Add(layout.NewSpacer())
	buttons.Add(del)
	top := container.NewVBox(title, caption, buttons, d.tasks.box)

	d.tabs = container.NewAppTabs(container.NewTabItem("Overview", container.NewVScroll(d.overview())))
	if t.Writes() {
		d.tabs.Append(container.NewTabItem("Accounts", d.accountsTab()))
	}
	d.tabs.Append(container.NewTabItem("Permissions ("+strconv.Itoa(len(t.Permissions))+")", d.permissionsTab()))
	d.tabs.OnSelected = func(*container.TabItem) { d.tabShown() }
	if tab > 0 && tab < len(d.tabs.Items) {
		d.tabs.SelectIndex(tab)
	}
	d.root = container.NewPadded(container.NewBorder(top, nil, nil, nil, d.tabs))
	d.tabShown()
	return d
}

// idle enables the buttons that call the target while no call runs.
func (d *targetDetail) idle(idle bool) {
	for _, b := range []*widget.Button{d.test, d.discover, d.read} {
		if b == nil {
			continue
		}
		if idle {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}

// tabShown loads the accounts when their tab is shown.
func (d *targetDetail) tabShown() {
	if d.t.Writes() && d.tabs.SelectedIndex() == detailAccounts && !d.loaded {
		d.loadAccounts()
	}
}

// summaryForm is a form of bold names and wrapped values.
func summaryForm(rows ...[2]string) *fyne.Container {
	form := container.New(layout.NewFormLayout())
	for _, r := range rows {
		form.Add(widget.NewLabelWithStyle(r[0], fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		l := widget.NewLabel(r[1])
		l.Wrapping = fyne.TextWrapWord
		form.Add(l)
	}
	return form
}

// overview shows the connection, the mapping and the lifecycle.
func (d *targetDetail) overview() fyne.CanvasObject {
	t := d.t
	kind, ok := app.TargetKind(t.Kind)
	if !ok {
		text := "Permissions entered by hand: nothing is written to this target, so it has no connection, account mapping or lifecycle. " +
			"Evaluations list what to change in it; an administrator makes the changes."
		if t.Kind != engine.TargetManual {
			text = fmt.Sprintf("This version of Provisio has no connector of kind %q: nothing can be written to this target.", t.Kind)
		}
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		return container.NewVBox(l)
	}
	rows := [][2]string{{"Kind", kind.Label}}
	for _, def := range kind.Settings {
		if !def.Applies(t.Settings) {
			continue
		}
		v := def.Value(t.Settings)
		switch {
		case def.Kind == engine.SettingSecret && v != "":
			v = "kept in the keychain"
		case def.Kind == engine.SettingSecret:
			v = "not set"
		case def.Kind == engine.SettingChoice:
			for _, c := range def.Choices {
				if c.Value == v {
					v = c.Label
				}
			}
		case def.Kind == engine.SettingBool:
			v = map[bool]string{true: "yes", false: "no"}[v == "true"]
		case v == "":
			continue
		}
		rows = append(rows, [2]string{def.Label, v})
	}
	connection := widget.NewCard("", "Connection", summaryForm(rows...))
	mapping := widget.NewCard("", "Account mapping", mappingSummary(t, kind.IdentityFor(t.Settings)))

	life := [][2]string{}
	if c := t.Correlation; c != nil {
		life = append(life, [2]string{"Correlation", fmt.Sprintf("a person whose %s equals an account's %s is linked to that account instead of getting a new one", c.PersonField, c.Attribute)})
	} else {
		life = append(life, [2]string{"Correlation", "none: every person who should get an account here gets a new one"})
	}
	end := "the account is deleted"
	if t.Lifecycle.End == engine.EndKeepDisabled {
		end = "the account is kept, disabled, until a rule gives it again or an administrator deletes it"
		if t.Lifecycle.DeleteAfterDays > 0 {
			end = fmt.Sprintf("the account is kept, disabled, and deleted after %s", plural(t.Lifecycle.DeleteAfterDays, "day", "days"))
		}
	}
	life = append(life, [2]string{"No rule gives it", end})
	life = append(life, [2]string{"Thresholds", thresholdsSummary(t.Thresholds)})
	workers := fmt.Sprintf("%d persons at once (the default)", app.DefaultConcurrency)
	if t.Concurrency > 0 {
		workers = plural(t.Concurrency, "person", "persons") + " at once"
	}
	life = append(life, [2]string{"Concurrency", workers})
	lifecycle := widget.NewCard("", "Lifecycle and safety", summaryForm(life...))
	return container.NewVBox(connection, mapping, lifecycle)
}

// thresholdsSummary says what the thresholds hold back.
func thresholdsSummary(ths []engine.ActionThreshold) string {
	if len(ths) == 0 {
		return "none: enforcement writes every action of a run"
	}
	var parts []string
	for _, th := range ths {
		var limits []string
		if th.MaxCount != nil {
			limits = append(limits, "more than "+thousands(*th.MaxCount))
		}
		if th.MaxPercent != nil {
			limits = append(limits, "more than "+engine.Num(*th.MaxPercent).String()+"% of the accounts")
		}
		parts = append(parts, fmt.Sprintf("%s: %s", strings.ToLower(opLabels[th.Op]), strings.Join(limits, " or ")))
	}
	return strings.Join(parts, "; ") + " wait for approval"
}

// cellSummary is a mapping cell in a few words.
func cellSummary(v *engine.StageValue) string {
	switch {
	case v == nil:
		return "—"
	case v.Type == engine.MapFixed && v.Value == "":
		return "cleared"
	case v.Type == engine.MapFixed:
		return "“" + v.Value + "”"
	case v.Type == engine.MapComplex && scriptSummary(v.Value) != "" && !strings.Contains(strings.TrimSpace(v.Value), "\n"):
		return "JavaScript: " + scriptSummary(v.Value)
	case v.Type == engine.MapComplex:
		return fmt.Sprintf("a JavaScript snippet of %s", plural(len(strings.Split(strings.TrimSpace(v.Value), "\n")), "line", "lines"))
	default:
		return "the person's " + v.Value
	}
}

// mappingSummary shows the mapping, an attribute a line: its values with
// the stages they are written in ("create and update: the person's
// DisplayName").
func mappingSummary(t *engine.TargetSystem, identity []string) fyne.CanvasObject {
	if len(t.Mapping) == 0 {
		l := widget.NewLabel(fmt.Sprintf("No account mapping yet: accounts cannot be created until it gives %s a value at create. Edit the target to add it.", strings.Join(identity, " and ")))
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		return l
	}
	var rows [][2]string
	for _, m := range t.Mapping {
		name := m.Attribute
		if m.Unique {
			name += " (unique)"
		}
		// stages with the same value share it
		var parts []string
		var done []engine.Stage
		for _, st := range engine.Stages {
			v := m.Value(st)
			if v == nil || slices.Contains(done, st) {
				continue
			}
			same := []string{string(st)}
			for _, other := range engine.Stages {
				if w := m.Value(other); other != st && w != nil && *w == *v {
					same = append(same, string(other))
					done = append(done, other)
				}
			}
			parts = append(parts, joinAnd(same)+": "+cellSummary(v))
		}
		if len(parts) == 0 {
			parts = append(parts, "written in no stage")
		}
		rows = append(rows, [2]string{name, strings.Join(parts, "; ")})
	}
	return summaryForm(rows...)
}

// joinAnd joins words as a sentence does: "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// accountsTab shows when the accounts were last read and those linked to
// no person.
func (d *targetDetail) accountsTab() fyne.CanvasObject {
	d.accountsInfo = widget.NewLabel("Loading…")
	d.accountsInfo.Wrapping = fyne.TextWrapWord
	read := container.NewVBox(d.accountsInfo, container.NewHBox(d.read),
		helpLabel("Reading lists every account in the target with the attributes the mapping, correlation and unique names need, "+
			"and keeps them for evaluations: correlation links persons to these accounts, and unique values are made free among them."))
	d.unlinkedHead = widget.NewLabelWithStyle("Accounts linked to no person", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.filter = widget.NewEntry()
	d.filter.SetPlaceHolder("Filter by reference or any attribute")
	d.filter.OnChanged = func(string) { d.applyFilter() }
	d.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(d.shown), len(d.columns) + 2 },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if id.Row >= len(d.shown) {
				l.SetText("")
				return
			}
			acct := &d.unlinked[d.shown[id.Row]]
			switch id.Col {
			case 0:
				l.SetText(acct.Ref)
			case 1:
				l.SetText(map[bool]string{true: "enabled", false: "disabled"}[acct.Enabled])
			default:
				l.SetText(strings.ReplaceAll(acct.Attributes[d.columns[id.Col-2]], "\n", ", "))
			}
		})
	d.table.ShowHeaderColumn = false
	d.table.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	d.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		l := o.(*widget.Label)
		switch {
		case id.Col == 0:
			l.SetText("Reference")
		case id.Col == 1:
			l.SetText("State")
		case id.Col-2 < len(d.columns):
			l.SetText(d.columns[id.Col-2])
		}
	}
	d.table.SetColumnWidth(0, 220)
	d.table.SetColumnWidth(1, 90)
	help := helpLabel("Accounts the target held when last read that no person is linked to in the ledger: made by hand or by another tool, " +
		"or left from before Provisio. Review them: with correlation, an evaluation links those that match a person.")
	top := container.NewVBox(widget.NewCard("", "Accounts in the target", read), d.unlinkedHead, help, d.filter)
	return container.NewBorder(top, nil, nil, nil, withMinSize(d.table, 0, 160))
}

// loadAccounts loads when the accounts were read, how many, and those
// linked to no person, off the UI goroutine.
func (d *targetDetail) loadAccounts() {
	d.loaded = true
	d.loadGen++
	gen, key := d.loadGen, d.t.Key
	d.accountsInfo.SetText("Loading the accounts as last read…")
	d.s.w.jobs.run(func() func() {
		ctx := context.Background()
		at, all, err := d.s.w.app.TargetAccounts(ctx, key)
		var unlinked []engine.Account
		if err == nil {
			unlinked, err = d.s.w.app.Unlinked(ctx, key)
		}
		n := len(all)
		return func() {
			if gen != d.loadGen || d.s.detail != d {
				return
			}
			if err != nil {
				d.accountsInfo.SetText("The accounts cannot be loaded: " + err.Error())
				d.accountsInfo.Importance = widget.DangerImportance
				d.accountsInfo.Refresh()
				return
			}
			d.showAccounts(at, n, unlinked)
		}
	})
}

func (d *targetDetail) showAccounts(at time.Time, n int, unlinked []engine.Account) {
	d.accountsInfo.Importance = widget.MediumImportance
	if at.IsZero() {
		d.accountsInfo.SetText(fmt.Sprintf("The accounts of %s were never read. Read them before the first enforcement, "+
			"so that evaluations link existing accounts and keep unique names free.", d.t.Name))
	} else {
		d.accountsInfo.SetText(fmt.Sprintf("Last read on %s: %s, %s linked to no person.",
			at.Local().Format("2 Jan 2006 at 15:04"), plural(n, "account", "accounts"), thousands(len(unlinked))))
	}
	d.unlinked = unlinked
	d.unlinkedHead.SetText(fmt.Sprintf("Accounts linked to no person (%s)", thousands(len(unlinked))))
	d.columns = accountColumns(d.t, unlinked)
	for i := range d.columns {
		d.table.SetColumnWidth(i+2, 170)
	}
	d.applyFilter()
}

// accountColumns chooses the attributes to show: the identity and the
// mapped attributes first, then any other the accounts have; at most 8.
func accountColumns(t *engine.TargetSystem, accts []engine.Account) []string {
	var cols []string
	add := func(a string) {
		if a != "" && !slices.Contains(cols, a) && len(cols) < 8 {
			cols = append(cols, a)
		}
	}
	have := map[string]bool{}
	for _, acct := range accts {
		for a := range acct.Attributes {
			have[a] = true
		}
	}
	if kind, ok := app.TargetKind(t.Kind); ok {
		for _, a := range kind.IdentityFor(t.Settings) {
			if have[a] {
				add(a)
			}
		}
	}
	for _, a := range t.MappedAttributes() {
		if have[a] {
			add(a)
		}
	}
	var rest []string
	for a := range have {
		rest = append(rest, a)
	}
	slices.Sort(rest)
	for _, a := range rest {
		add(a)
	}
	return cols
}

func (d *targetDetail) applyFilter() {
	words := strings.Fields(evalFold(d.filter.Text))
	d.shown = d.shown[:0]
next:
	for i := range d.unlinked {
		if len(words) > 0 {
			acct := &d.unlinked[i]
			var b strings.Builder
			b.WriteString(acct.Ref)
			for _, v := range acct.Attributes {
				b.WriteString(" " + v)
			}
			text := evalFold(b.String())
			for _, w := range words {
				if !strings.Contains(text, w) {
					continue next
				}
			}
		}
		d.shown = append(d.shown, i)
	}
	d.table.Refresh()
}

// readAccounts reads the target's accounts now.
func (d *targetDetail) readAccounts() {
	key, name := d.t.Key, d.t.Name
	var n int
	s := d.s
	d.tasks.start(s.w.jobs, fmt.Sprintf("Reading the accounts of %s…", name), func(ctx context.Context, report func(string)) (func(), error) {
		var err error
		n, err = s.w.app.ReadTargetAccounts(ctx, key, func(done int) {
			report(fmt.Sprintf("Reading the accounts of %s… %s so far", name, thousands(done)))
		})
		return nil, err
	}, func(err error) {
		switch {
		case engine.IsCode(err, engine.Canceled):
			d.tasks.say("Reading the accounts was cancelled: the accounts as read before are kept.", widget.MediumImportance)
		case err != nil:
			d.tasks.say("✗ The accounts could not be read: "+err.Error(), widget.DangerImportance)
		default:
			d.tasks.say(fmt.Sprintf("✓ Read %s from %s.", plural(n, "account", "accounts"), name), widget.SuccessImportance)
		}
		if cur := s.detail; cur != nil && cur.t.Key == key {
			cur.loaded = false
			cur.tabShown()
		}
	})
}

// discoverPermissions lists the target's permissions and adds those
// picked to its list, saved at once.
func (d *targetDetail) discoverPermissions() {
	key, name := d.t.Key, d.t.Name
	s := d.s
	listed := func() []string {
		var ids []string
		for _, p := range d.t.Permissions {
			ids = append(ids, p.ID)
		}
		return ids
	}
	discoverPermissions(s.w, d.tasks, key, name, listed, func(picked []engine.Permission) {
		if len(picked) == 0 {
			return
		}
		s.w.jobs.run(func() func() {
			n, err := s.w.app.AddPermissions(context.Background(), key, picked)
			return func() {
				if err != nil {
					d.tasks.say("✗ The permissions could not be added: "+err.Error(), widget.DangerImportance)
				} else {
					d.tasks.say(fmt.Sprintf("✓ Added %s to the list of %s.", permissionCount(n), name), widget.SuccessImportance)
				}
				s.refresh()
			}
		})
	}, func(x *discoverDialog) { s.discovered = x })
}

// permissionsTab lists the target's permissions.
func (d *targetDetail) permissionsTab() fyne.CanvasObject {
	t := d.t
	if len(t.Permissions) == 0 {
		text := "No permissions yet: edit the target system to list the ones rules may grant"
		if t.Writes() {
			text += ", or discover them from the system"
		}
		return container.NewVBox(widget.NewLabel(text+"."), helpLabel(targetsHelp))
	}
	list := t.Permissions
	table := newTable([]column{{"Id", 240}, {"Display name", 220}, {"Description", 380}},
		func() int { return len(list) },
		func(row, col int) string {
			p := list[row]
			switch col {
			case 0:
				return p.ID
			case 1:
				return p.Name
			default:
				return p.Description
			}
		})
	return container.NewBorder(widget.NewLabelWithStyle("Permissions ("+strconv.Itoa(len(t.Permissions))+")", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		nil, nil, nil, withMinSize(table, 0, 160))
}
