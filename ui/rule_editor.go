package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/engine"
	"provisio/engine/rules"
)

// ruleEditor edits one rule point and click: who it is for (person status,
// timeframe, person and contract conditions) and what it grants, with a
// live count of the persons it matches.
type ruleEditor struct {
	s    *rulesScreen
	id   string // "" for a new rule
	rule *engine.Rule

	name        *widget.Entry
	description *widget.Entry
	categories  *widget.Entry
	status      *widget.Select
	before      *widget.Entry
	after       *widget.Entry
	person      *conditionEditor
	contract    *conditionEditor
	grants      *entitlementsEditor
	problem     *widget.Label
	saved       *widget.Label
	count       *widget.Label
	sample      *fyne.Container
	publish     *widget.Button
	root        fyne.CanvasObject

	timer    *time.Timer
	debounce time.Duration
	gen      int
	matched  int // the live count, -1 until known
}

var statusLabels = map[engine.PersonStatusFilter]string{
	engine.RuleActive:   "Active: with a contract active within the timeframe",
	engine.RuleInactive: "Inactive: without such a contract",
	engine.RuleAny:      "Any person",
}

func newRuleEditor(s *rulesScreen, rule *engine.Rule, env *rules.Env) *ruleEditor {
	e := &ruleEditor{s: s, rule: rule, debounce: 300 * time.Millisecond, matched: -1}
	body := engine.RuleBody{Status: engine.RuleActive}
	if rule != nil {
		e.id = rule.ID
		body = *rule.Latest()
	}
	changed := func(string) { e.changed() }
	e.name = widget.NewEntry()
	e.name.SetText(body.Name)
	e.name.SetPlaceHolder("e.g. Accounts for staff")
	e.name.OnChanged = changed
	e.description = widget.NewMultiLineEntry()
	e.description.SetText(body.Description)
	e.description.SetMinRowsVisible(2)
	e.description.Wrapping = fyne.TextWrapWord
	e.description.OnChanged = changed
	e.categories = widget.NewEntry()
	e.categories.SetText(strings.Join(body.Categories, ", "))
	e.categories.SetPlaceHolder("separate with commas")
	e.status = widget.NewSelect([]string{statusLabels[engine.RuleActive], statusLabels[engine.RuleInactive], statusLabels[engine.RuleAny]}, changed)
	e.status.SetSelected(statusLabels[body.Status])
	e.before = widget.NewEntry()
	e.before.SetText(strconv.Itoa(body.Timeframe.DaysBefore))
	e.before.OnChanged = changed
	e.after = widget.NewEntry()
	e.after.SetText(strconv.Itoa(body.Timeframe.DaysAfter))
	e.after.OnChanged = changed

	e.person = newConditionEditor(s.w, engine.LevelPerson, env.ConditionFields(engine.LevelPerson), body.PersonConditions, e.changed)
	e.contract = newConditionEditor(s.w, engine.LevelContract, env.ConditionFields(engine.LevelContract), body.ContractConditions, e.changed)
	e.grants = newEntitlementsEditor(env.Targets, body.Entitlements, e.changed)

	e.problem = widget.NewLabel("")
	e.problem.Wrapping = fyne.TextWrapWord
	e.problem.Importance = widget.DangerImportance
	e.problem.Hide()
	e.saved = widget.NewLabel("")
	e.saved.Importance = widget.SuccessImportance
	e.count = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	e.count.Wrapping = fyne.TextWrapWord
	e.sample = container.NewVBox()

	general := container.New(layout.NewFormLayout(),
		boldLabel("Name"), e.name, boldLabel("Description"), e.description, boldLabel("Categories"), e.categories,
		boldLabel("Persons"), e.status,
		boldLabel("Timeframe"), container.NewHBox(e.before, widget.NewLabel("days before a contract starts, until"), e.after, widget.NewLabel("days after it ends")))
	form := container.NewVBox(
		widget.NewCard("", "Rule", general),
		widget.NewCard("", "Person conditions", container.NewVBox(
			helpLabel("Tested on the person: their own fields, their primary contract's (Primary contract group) and their manager's. Leave empty for everyone."),
			e.person.box)),
		widget.NewCard("", "Contract conditions", container.NewVBox(
			helpLabel("All must hold on the same contract. The contracts they hold on are the rule's in-conditions contracts: dynamic permissions are made from them."),
			e.contract.box)),
		widget.NewCard("", "Entitlements", container.NewVBox(
			helpLabel("What the rule grants while it holds. An account is needed in a target for access and permissions there."),
			e.grants.root)),
	)
	title := "New rule"
	if rule != nil {
		title = fmt.Sprintf("Edit %q (%s)", rule.Name(), rule.State())
	}
	cancel := widget.NewButton("Close", func() { s.closeEditor(e.id) })
	save := widget.NewButtonWithIcon("Save draft", theme.DocumentSaveIcon(), func() { e.save(false) })
	e.publish = widget.NewButtonWithIcon("Publish", theme.ConfirmIcon(), func() { e.save(true) })
	e.publish.Importance = widget.HighImportance
	whatIf := widget.NewButtonWithIcon("What-if evaluation", theme.VisibilityIcon(), e.whatIf)
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.Truncation = fyne.TextTruncateEllipsis
	header := container.NewBorder(nil, nil, nil, container.NewHBox(e.saved, cancel, whatIf, save, e.publish), heading)
	live := container.NewBorder(container.NewVBox(widget.NewLabelWithStyle("Live count", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		helpLabel("Persons of the latest snapshot this version matches today (blocked and excluded persons left out)."), e.count), nil, nil, nil,
		container.NewVScroll(e.sample))
	split := container.NewHSplit(container.NewVScroll(form), live)
	split.Offset = 0.72
	e.root = container.NewBorder(container.NewVBox(header, e.problem), nil, nil, nil, split)
	return e
}

// body returns the rule version the form describes.
func (e *ruleEditor) body() (engine.RuleBody, error) {
	b := engine.RuleBody{Name: strings.TrimSpace(e.name.Text), Description: strings.TrimSpace(e.description.Text)}
	for _, c := range strings.Split(e.categories.Text, ",") {
		if c = strings.TrimSpace(c); c != "" {
			b.Categories = append(b.Categories, c)
		}
	}
	for st, label := range statusLabels {
		if label == e.status.Selected {
			b.Status = st
		}
	}
	var err error
	days := func(entry *widget.Entry, what string) int {
		n, perr := strconv.Atoi(strings.TrimSpace(entry.Text))
		if strings.TrimSpace(entry.Text) == "" {
			return 0
		}
		if perr != nil || n < 0 {
			err = fmt.Errorf("timeframe: the days %s must be a whole number of 0 or more, got %q", what, entry.Text)
		}
		return n
	}
	b.Timeframe = engine.Timeframe{DaysBefore: days(e.before, "before the start"), DaysAfter: days(e.after, "after the end")}
	b.PersonConditions = e.person.value()
	b.ContractConditions = e.contract.value()
	b.Entitlements = e.grants.value()
	return b, err
}

func (e *ruleEditor) showProblem(err error) {
	if err == nil {
		e.problem.Hide()
		return
	}
	e.problem.SetText(err.Error())
	e.problem.Show()
}

// start counts the matches of the rule as loaded.
func (e *ruleEditor) start() { e.recount() }

// changed recounts once editing settles.
func (e *ruleEditor) changed() {
	if e.root == nil {
		return // still filling in the form
	}
	e.saved.SetText("")
	e.s.w.jobs.debounce(&e.timer, e.debounce, func() {
		if e.s.editor == e {
			e.recount()
		}
	})
}

// recount runs the live count in the background; a result for an older
// version is dropped.
func (e *ruleEditor) recount() {
	b, err := e.body()
	if err != nil {
		e.showProblem(err)
		return
	}
	e.gen++
	gen := e.gen
	e.count.SetText("Counting…")
	e.s.w.jobs.run(func() func() {
		n, sample, err := e.s.w.app.LiveCount(context.Background(), &b, 0, 15)
		return func() {
			if gen != e.gen {
				return
			}
			e.sample.RemoveAll()
			if err != nil {
				e.matched = -1
				e.count.SetText("The rule cannot be counted yet:")
				e.showProblem(err)
				return
			}
			e.showProblem(nil)
			e.matched = n
			e.count.SetText(fmt.Sprintf("%s match today", plural(n, "person", "persons")))
			for _, p := range sample {
				id := p.ID
				link := widget.NewHyperlink(p.DisplayName+" · "+joinNonEmpty(" · ", p.Department, p.Title), nil)
				link.OnTapped = func() { e.s.w.persons.openPerson(id) }
				link.Truncation = fyne.TextTruncateEllipsis
				e.sample.Add(link)
			}
			if n > len(sample) {
				e.sample.Add(widget.NewLabel(fmt.Sprintf("… and %s more", thousands(n-len(sample)))))
			}
		}
	})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

// save saves the draft and, with publish, puts it in force.
func (e *ruleEditor) save(publish bool) {
	b, err := e.body()
	if err != nil {
		e.showProblem(err)
		return
	}
	e.s.w.jobs.run(func() func() {
		ctx := context.Background()
		id, err := e.s.w.app.SaveRuleDraft(ctx, e.id, b)
		if err == nil && publish {
			r, rerr := e.s.w.app.Rule(ctx, id)
			if rerr == nil && r.Draft != nil {
				err = e.s.w.app.PublishRule(ctx, id)
			}
		}
		return func() {
			if id != "" {
				e.id = id
			}
			if err != nil {
				e.showProblem(err)
				return
			}
			e.showProblem(nil)
			if publish {
				e.s.closeEditor(e.id)
				return
			}
			e.saved.SetText("Draft saved")
			e.s.loadList()
		}
	})
}

// whatIf evaluates the rule as edited, without saving it.
func (e *ruleEditor) whatIf() {
	b, err := e.body()
	if err != nil {
		e.showProblem(err)
		return
	}
	env, err := e.s.w.app.RulesEnv(context.Background())
	if err == nil {
		err = rules.Validate(&b, env)
	}
	if err != nil {
		e.showProblem(err)
		return
	}
	dialog.ShowConfirm("What-if evaluation", "Evaluate every person with this rule as edited (not saved) and every other rule as in force? Nothing is saved or written.", func(ok bool) {
		if ok {
			e.s.w.evaluation.showWhatIf(&b, e.id)
		}
	}, e.s.w.win)
}

// entitlementsEditor edits a rule's entitlements: a row per entitlement
// with its target, kind and permission (fixed, or a template per
// in-conditions contract) or custom name.
type entitlementsEditor struct {
	targets  []engine.TargetSystem
	rows     []*grantRow
	box      *fyne.Container
	root     fyne.CanvasObject
	onChange func()
}

var kindLabels = []string{"Account", "Account access", "Permission", "Custom"}

func entitlementKindOf(label string) engine.EntitlementKind {
	switch label {
	case "Account access":
		return engine.KindAccess
	case "Permission":
		return engine.KindPermission
	case "Custom":
		return engine.KindCustom
	default:
		return engine.KindAccount
	}
}

func kindLabel(k engine.EntitlementKind) string {
	switch k {
	case engine.KindAccess:
		return "Account access"
	case engine.KindPermission:
		return "Permission"
	case engine.KindCustom:
		return "Custom"
	default:
		return "Account"
	}
}

type grantRow struct {
	ed         *entitlementsEditor
	target     *widget.Select
	kind       *widget.Select
	permission *widget.Select
	dynamic    *widget.Check
	template   *widget.Entry
	name       *widget.Entry
	detail     *fyne.Container
	box        *fyne.Container
}

func newEntitlementsEditor(targets []engine.TargetSystem, grants []engine.Entitlement, onChange func()) *entitlementsEditor {
	e := &entitlementsEditor{targets: targets, box: container.NewVBox(), onChange: func() {}}
	for _, g := range grants {
		e.add(g)
	}
	add := widget.NewButtonWithIcon("Add entitlement", theme.ContentAddIcon(), func() {
		g := engine.Entitlement{Kind: engine.KindAccount}
		if len(targets) > 0 {
			g.Target = targets[0].Key
		}
		e.add(g)
		e.onChange()
	})
	if len(targets) == 0 {
		add.Disable()
		e.box.Add(helpLabel("There is no target system yet: add one under Target systems first."))
	}
	e.root = container.NewVBox(e.box, container.NewHBox(add))
	e.onChange = onChange
	return e
}

func (e *entitlementsEditor) target(label string) *engine.TargetSystem {
	for i := range e.targets {
		if e.targets[i].Name == label || e.targets[i].Key == label {
			return &e.targets[i]
		}
	}
	return nil
}

func permissionOption(p engine.Permission) string {
	if p.Name != "" && p.Name != p.ID {
		return p.Name + " (" + p.ID + ")"
	}
	return p.ID
}

func (e *entitlementsEditor) add(g engine.Entitlement) {
	r := &grantRow{ed: e}
	var names []string
	for _, t := range e.targets {
		names = append(names, t.Name)
	}
	r.target = widget.NewSelect(names, nil)
	r.kind = widget.NewSelect(kindLabels, nil)
	r.permission = widget.NewSelect(nil, nil)
	r.permission.PlaceHolder = "(permission)"
	r.dynamic = widget.NewCheck("one per contract", nil)
	r.template = widget.NewEntry()
	r.template.SetPlaceHolder("template, e.g. GG-{Department.Code}")
	r.name = widget.NewEntry()
	r.name.SetPlaceHolder("custom entitlement name")
	r.detail = container.NewStack()
	if t := e.target(g.Target); t != nil {
		r.target.SetSelected(t.Name)
		r.setPermissions(t)
		if p, ok := t.Permission(g.Permission); ok {
			r.permission.SetSelected(permissionOption(p))
		}
	}
	r.kind.SetSelected(kindLabel(g.Kind))
	r.template.SetText(g.Template)
	r.dynamic.SetChecked(g.Template != "")
	r.name.SetText(g.Name)
	r.show()
	changed := func(string) { e.onChange() }
	r.target.OnChanged = func(string) {
		if t := e.target(r.target.Selected); t != nil {
			r.setPermissions(t)
		}
		e.onChange()
	}
	r.kind.OnChanged = func(string) {
		r.show()
		e.onChange()
	}
	r.permission.OnChanged = changed
	r.dynamic.OnChanged = func(bool) {
		r.show()
		e.onChange()
	}
	r.template.OnChanged = changed
	r.name.OnChanged = changed
	remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
		for i, x := range e.rows {
			if x == r {
				e.rows = append(e.rows[:i], e.rows[i+1:]...)
				break
			}
		}
		e.box.Remove(r.box)
		e.onChange()
	})
	remove.Importance = widget.LowImportance
	r.box = container.NewBorder(nil, nil, nil, remove,
		columns([]float32{3, 2, 5}, []float32{140, 120, 160}, r.target, r.kind, r.detail))
	e.rows = append(e.rows, r)
	e.box.Add(r.box)
}

func (r *grantRow) setPermissions(t *engine.TargetSystem) {
	var opts []string
	for _, p := range t.Permissions {
		opts = append(opts, permissionOption(p))
	}
	r.permission.SetOptions(opts)
}

// show shows the inputs the kind needs.
func (r *grantRow) show() {
	switch entitlementKindOf(r.kind.Selected) {
	case engine.KindPermission:
		if r.dynamic.Checked {
			r.detail.Objects = []fyne.CanvasObject{container.NewBorder(nil, nil, r.dynamic, nil, r.template)}
		} else {
			r.detail.Objects = []fyne.CanvasObject{container.NewBorder(nil, nil, r.dynamic, nil, r.permission)}
		}
	case engine.KindCustom:
		r.detail.Objects = []fyne.CanvasObject{r.name}
	default:
		r.detail.Objects = nil
	}
	r.detail.Refresh()
}

func (e *entitlementsEditor) value() []engine.Entitlement {
	var out []engine.Entitlement
	for _, r := range e.rows {
		g := engine.Entitlement{Kind: entitlementKindOf(r.kind.Selected)}
		if t := e.target(r.target.Selected); t != nil {
			g.Target = t.Key
			if g.Kind == engine.KindPermission && !r.dynamic.Checked {
				for _, p := range t.Permissions {
					if permissionOption(p) == r.permission.Selected {
						g.Permission = p.ID
					}
				}
			}
		}
		switch {
		case g.Kind == engine.KindPermission && r.dynamic.Checked:
			g.Template = strings.TrimSpace(r.template.Text)
		case g.Kind == engine.KindCustom:
			g.Name = strings.TrimSpace(r.name.Text)
		}
		out = append(out, g)
	}
	return out
}
