package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// The lifecycle choices, as the editor words them.
const (
	endDeleteLabel = "Delete the account"
	endKeepLabel   = "Keep the account, disabled"
)

// opLabels say what each operation does, for the thresholds.
var opLabels = map[engine.ActionOp]string{
	engine.OpCreate:    "Create accounts",
	engine.OpCorrelate: "Link existing accounts",
	engine.OpReinstate: "Reinstate retired accounts",
	engine.OpUpdate:    "Update attributes",
	engine.OpEnable:    "Enable accounts",
	engine.OpGrant:     "Grant permissions",
	engine.OpRevoke:    "Revoke permissions",
	engine.OpDisable:   "Disable accounts",
	engine.OpRetire:    "Retire accounts (keep disabled)",
	engine.OpDelete:    "Delete accounts",
}

// lifecycleEditor edits how a target links existing accounts, how its
// accounts end, the safety thresholds of enforcement and its concurrency.
type lifecycleEditor struct {
	win    fyne.Window
	fields func() []fieldChoice

	correlate   *widget.Check
	corrField   *pickButton
	corrPath    string
	corrAttr    *widget.SelectEntry
	corrBox     *fyne.Container
	end         *widget.RadioGroup
	days        *widget.Entry
	counts      map[engine.ActionOp]*widget.Entry
	percents    map[engine.ActionOp]*widget.Entry
	concurrency *widget.Entry
	root        fyne.CanvasObject
	// unset keeps a lifecycle that was never chosen unset when it is
	// left on delete, the default.
	unset bool
}

func newLifecycleEditor(win fyne.Window, t *engine.TargetSystem, fields func() []fieldChoice, onChange func()) *lifecycleEditor {
	l := &lifecycleEditor{win: win, fields: fields, counts: map[engine.ActionOp]*widget.Entry{}, percents: map[engine.ActionOp]*widget.Entry{},
		unset: t.Lifecycle.End == ""}
	changed := func(string) { onChange() }

	l.corrField = newPickButton("choose a person field…", func() {
		pickField(win, "Person field to correlate on", l.fields(), l.corrPath, func(path string) {
			l.setCorrelationField(path)
			onChange()
		})
	})
	l.corrAttr = widget.NewSelectEntry(nil)
	l.corrAttr.SetPlaceHolder("account attribute, e.g. employeeID")
	l.corrAttr.OnChanged = changed
	l.corrBox = container.New(layout.NewFormLayout(),
		boldLabel("Person field"), l.corrField,
		boldLabel("equals the attribute"), l.corrAttr)
	l.correlate = widget.NewCheck("Link persons to accounts that exist already", func(on bool) {
		l.showCorrelation()
		onChange()
	})
	if c := t.Correlation; c != nil {
		l.correlate.SetChecked(true)
		l.setCorrelationField(c.PersonField)
		l.corrAttr.SetText(c.Attribute)
	}
	l.showCorrelation()
	correlation := widget.NewCard("", "Correlation", container.NewVBox(
		helpLabel("A person who should get an account here but has none yet is linked to the account whose attribute holds the person's value "+
			"(a correlate action, then updates), instead of getting a new one. Evaluations compare with the accounts as last read: read them first. "+
			"More than one matching account is an error shown on the person."),
		l.correlate, l.corrBox))

	l.days = widget.NewEntry()
	l.days.SetPlaceHolder("never")
	if t.Lifecycle.DeleteAfterDays > 0 {
		l.days.SetText(strconv.Itoa(t.Lifecycle.DeleteAfterDays))
	}
	l.days.OnChanged = changed
	l.end = widget.NewRadioGroup([]string{endDeleteLabel, endKeepLabel}, func(string) {
		l.showDays()
		onChange()
	})
	l.end.Required = true
	if t.Lifecycle.End == engine.EndKeepDisabled {
		l.end.SetSelected(endKeepLabel)
	} else {
		l.end.SetSelected(endDeleteLabel)
	}
	l.showDays()
	daysRow := container.NewHBox(widget.NewLabel("then delete it after"), withMinSize(l.days, 90, 0), widget.NewLabel("days"))
	lifecycle := widget.NewCard("", "When no rule gives the account any more", container.NewVBox(
		l.end, container.NewPadded(daysRow),
		helpLabel("Losing access (the account-access entitlement) disables the account either way. A kept account is disabled and retired: "+
			"a rule that gives it again reinstates it. Without a number of days it stays until a rule gives it again or you delete it.")))

	grid := container.New(layout.NewFormLayout())
	grid.Add(widget.NewLabel(""))
	grid.Add(columns([]float32{1, 1, 1}, []float32{150, 150, 0}, boldTitle("At most (actions)"), boldTitle("At most (% of accounts)"), layout.NewSpacer()))
	limits := map[engine.ActionOp]engine.ActionThreshold{}
	for _, th := range t.Thresholds {
		if _, dup := limits[th.Op]; !dup {
			limits[th.Op] = th
		}
	}
	for _, op := range engine.ActionOps {
		count, pct := widget.NewEntry(), widget.NewEntry()
		count.SetPlaceHolder("no limit")
		pct.SetPlaceHolder("no limit")
		if th, ok := limits[op]; ok {
			if th.MaxCount != nil {
				count.SetText(strconv.Itoa(*th.MaxCount))
			}
			if th.MaxPercent != nil {
				pct.SetText(engine.Num(*th.MaxPercent).String())
			}
		}
		count.OnChanged, pct.OnChanged = changed, changed
		l.counts[op], l.percents[op] = count, pct
		grid.Add(widget.NewLabel(opLabels[op]))
		grid.Add(columns([]float32{1, 1, 1}, []float32{150, 150, 0}, count, pct, layout.NewSpacer()))
	}
	thresholds := widget.NewCard("", "Safety thresholds", container.NewVBox(
		helpLabel("An enforcement run with more actions of a kind in this target than this holds them back, before anything is written, "+
			"until you approve or reject them; the rest of the run goes on. Percentages are of the accounts Provisio manages in the target."),
		grid))

	l.concurrency = widget.NewEntry()
	l.concurrency.SetPlaceHolder(strconv.Itoa(app.DefaultConcurrency))
	if t.Concurrency > 0 {
		l.concurrency.SetText(strconv.Itoa(t.Concurrency))
	}
	l.concurrency.OnChanged = changed
	concurrency := widget.NewCard("", "Concurrency", container.NewVBox(
		container.NewHBox(widget.NewLabel("Work on"), withMinSize(l.concurrency, 90, 0), widget.NewLabel("persons at once")),
		helpLabel(fmt.Sprintf("How many persons enforcement changes at the same time in this target (1 to %d). Lower it for a slow or rate-limited system.", app.MaxConcurrency))))

	l.root = container.NewVScroll(container.NewVBox(correlation, lifecycle, thresholds, concurrency))
	return l
}

func (l *lifecycleEditor) setCorrelationField(path string) {
	l.corrPath = path
	l.corrField.SetText(path)
}

func (l *lifecycleEditor) showCorrelation() {
	if l.correlate.Checked {
		l.corrBox.Show()
	} else {
		l.corrBox.Hide()
	}
}

func (l *lifecycleEditor) showDays() {
	if l.end.Selected == endKeepLabel {
		l.days.Enable()
	} else {
		l.days.Disable()
	}
}

// setAttributes offers the mapping's attributes for correlation.
func (l *lifecycleEditor) setAttributes(attrs []string) { l.corrAttr.SetOptions(attrs) }

// apply writes the editor's values into t, or says which one is wrong.
func (l *lifecycleEditor) apply(t *engine.TargetSystem) error {
	t.Correlation = nil
	if l.correlate.Checked {
		t.Correlation = &engine.Correlation{PersonField: l.corrPath, Attribute: strings.TrimSpace(l.corrAttr.Text)}
	}
	t.Lifecycle = engine.Lifecycle{End: engine.EndDelete}
	if l.unset {
		t.Lifecycle.End = ""
	}
	if l.end.Selected == endKeepLabel {
		t.Lifecycle.End = engine.EndKeepDisabled
		if s := strings.TrimSpace(l.days.Text); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return fmt.Errorf("delete kept accounts after how many days? A whole number of 0 or more, not %q", s)
			}
			t.Lifecycle.DeleteAfterDays = n
		}
	}
	t.Thresholds = nil
	for _, op := range engine.ActionOps {
		var th engine.ActionThreshold
		th.Op = op
		if s := strings.TrimSpace(l.counts[op].Text); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return fmt.Errorf("threshold for %s: the number of actions must be a whole number of 0 or more, not %q", strings.ToLower(opLabels[op]), s)
			}
			th.MaxCount = &n
		}
		if s := strings.TrimSpace(l.percents[op].Text); s != "" {
			n, err := engine.ParseNumber(strings.TrimSuffix(s, "%"))
			if err != nil || n.V < 0 || n.V > 100 {
				return fmt.Errorf("threshold for %s: the percentage must be a number from 0 to 100, not %q", strings.ToLower(opLabels[op]), s)
			}
			th.MaxPercent = &n.V
		}
		if th.MaxCount != nil || th.MaxPercent != nil {
			t.Thresholds = append(t.Thresholds, th)
		}
	}
	t.Concurrency = 0
	if s := strings.TrimSpace(l.concurrency.Text); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > app.MaxConcurrency {
			return fmt.Errorf("concurrency: work on 1 to %d persons at once, not %q", app.MaxConcurrency, s)
		}
		t.Concurrency = n
	}
	return nil
}
