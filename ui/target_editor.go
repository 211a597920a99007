package ui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// mappingHelp says how the account mapping works.
const mappingHelp = "A row per account attribute, with its value at each stage: create (made, disabled), enable (gets access), " +
	"update (kept in line), disable (loses access), delete (just before). None leaves it alone then. " +
	"A unique value taken in the target is made again with 1, 2, … added (a script reads Iteration)."

// Tabs of the target editor.
const (
	tabConnection = "Connection"
	tabMapping    = "Account mapping"
	tabLifecycle  = "Lifecycle & safety"
	tabPerms      = "Permissions"
)

// targetEditor is the form for one target system: its name, key, kind
// and state; the connection settings of its kind, with a connection test
// and the discovery of its permissions; the account mapping with a live
// preview; correlation, lifecycle, thresholds and concurrency; and its
// permissions. A target whose permissions are entered by hand has only
// the first and the last.
type targetEditor struct {
	s           *targetsScreen
	originalKey string
	base        engine.TargetSystem // as saved (or as new)

	title       *widget.Label
	name        *widget.Entry
	key         *widget.Entry
	kind        *widget.Select
	enabled     *widget.Check
	kindHelp    *widget.Label
	settings    *settingsForm
	settingsBox *fyne.Container
	connection  *fyne.Container // the kind's settings and actions; hidden for the manual kind
	test        *widget.Button
	discover    *widget.Button
	tasks       *taskPanel

	permsDiscover *widget.Button // in the permissions tab

	grid           *mappingGrid
	identityNote   *widget.Label
	mappingProblem *widget.Label
	preview        *accountPreview
	life           *lifecycleEditor
	perms          *permissionsEditor

	tabs    *container.AppTabs
	tab     map[string]*container.TabItem
	problem *widget.Label
	save    *widget.Button
	root    fyne.CanvasObject

	fields     []fieldChoice // person fields and other targets' attributes
	persons    []fieldChoice // person fields only, for correlation
	checkTimer *time.Timer
	checkGen   int
	tryTimer   *time.Timer
	tryGen     int
	discovered *discoverDialog // the last discovery dialog, for tests
}

func newTargetEditor(s *targetsScreen, t engine.TargetSystem, originalKey string) *targetEditor {
	e := &targetEditor{s: s, originalKey: originalKey, base: t, tab: map[string]*container.TabItem{}}
	win := s.w.win

	e.key = widget.NewEntry()
	e.key.SetText(t.Key)
	e.key.SetPlaceHolder("made from the name")
	if originalKey != "" {
		e.key.Disable() // rules, the ledger and the command line refer to it
	}
	e.name = widget.NewEntry()
	e.name.SetText(t.Name)
	e.name.SetPlaceHolder("e.g. Active Directory")
	e.name.OnChanged = func(name string) {
		if e.originalKey != "" {
			return
		}
		if slug := engine.Slug(name); slug != "" {
			e.key.SetPlaceHolder("made from the name: " + slug)
		} else {
			e.key.SetPlaceHolder("made from the name")
		}
	}
	var labels []string
	selected := ""
	for _, c := range app.TargetKinds {
		labels = append(labels, c.Label)
		if c.Value == t.Kind {
			selected = c.Label
		}
	}
	if selected == "" && t.Kind != "" {
		// a kind this version does not offer, e.g. from an imported
		// configuration: keep it rather than change it silently
		labels = append(labels, t.Kind)
		selected = t.Kind
	}
	e.kind = widget.NewSelect(labels, nil)
	e.kind.SetSelected(selected)
	e.enabled = widget.NewCheck("Enabled (a disabled target is left out of evaluations: nothing is granted or revoked in it)", nil)
	e.enabled.SetChecked(!t.Disabled)
	e.kindHelp = helpLabel("")

	general := container.New(layout.NewFormLayout(),
		boldLabel("Name"), e.name, boldLabel("Key"), e.key, boldLabel("Kind"), e.kind, widget.NewLabel(""), e.kindHelp, boldLabel("State"), e.enabled)

	e.settingsBox = container.NewStack()
	e.tasks = newTaskPanel()
	e.test = widget.NewButtonWithIcon("Test connection", theme.MediaPlayIcon(), e.testConnection)
	e.discover = widget.NewButtonWithIcon("Discover permissions…", theme.SearchIcon(), e.discoverPermissions)
	e.tasks.onIdle = func(idle bool) {
		for _, b := range []*widget.Button{e.test, e.discover, e.permsDiscover} {
			if idle {
				b.Enable()
			} else {
				b.Disable()
			}
		}
	}
	e.connection = container.NewVBox(
		widget.NewCard("", "Connection", e.settingsBox),
		container.NewHBox(e.test, e.discover),
		helpLabel("Both use the connection as saved: unsaved changes to it are saved first. Secrets are kept in the operating system's keychain, never in the configuration or in exports."),
		e.tasks.box)
	connTab := container.NewVScroll(container.NewVBox(widget.NewCard("", "General", general), e.connection))

	e.grid = newMappingGrid(win, t.Mapping, func() []fieldChoice { return e.fields }, e.mappingChanged)
	e.grid.try = e.trySnippet
	e.identityNote = helpLabel("")
	e.mappingProblem = problemLabel()
	e.preview = newAccountPreview(e)
	mapSplit := container.NewVSplit(e.grid.root, e.preview.root)
	mapSplit.Offset = 0.58
	mapTab := container.NewBorder(container.NewVBox(e.identityNote, e.mappingProblem), nil, nil, nil, mapSplit)

	e.life = newLifecycleEditor(win, &t, func() []fieldChoice { return e.persons }, func() {})

	e.permsDiscover = widget.NewButtonWithIcon("Discover…", theme.SearchIcon(), e.discoverPermissions)
	e.perms = newPermissionsEditor(win, t.Permissions, e.permsDiscover)
	permsTab := container.NewBorder(helpLabel(targetsHelp), nil, nil, nil, e.perms.root)

	e.tabs = container.NewAppTabs()
	for _, x := range []struct {
		name string
		o    fyne.CanvasObject
	}{{tabConnection, connTab}, {tabMapping, mapTab}, {tabLifecycle, e.life.root}, {tabPerms, permsTab}} {
		e.tab[x.name] = container.NewTabItem(x.name, x.o)
		e.tabs.Append(e.tab[x.name])
	}

	e.problem = problemLabel()
	e.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), e.onSave)
	e.save.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { e.s.closeEditor("") })
	e.title = widget.NewLabelWithStyle("New target system", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	if originalKey != "" {
		e.title.SetText("Edit " + t.Name)
	}
	header := container.NewBorder(nil, nil, e.title, container.NewHBox(cancel, e.save))
	e.root = container.NewBorder(container.NewVBox(header, e.problem), nil, nil, nil, e.tabs)

	e.kindChanged(false)
	e.kind.OnChanged = func(string) { e.kindChanged(true) }
	return e
}

// start loads what the pickers and the preview need.
func (e *targetEditor) start() {
	e.s.w.jobs.run(func() func() {
		ctx := context.Background()
		env, err := e.s.w.app.RulesEnv(ctx)
		var persons *app.PersonList
		if err == nil {
			persons, err = e.s.w.app.Persons(ctx)
		}
		return func() {
			if e.s.editor != e {
				return
			}
			if err != nil {
				e.preview.status.SetText("The preview cannot load the persons: " + err.Error())
				return
			}
			for _, d := range env.ConditionFields(engine.LevelPerson) {
				e.persons = append(e.persons, fieldChoice{Path: d.Path, Label: d.Label, Group: d.Group})
			}
			e.fields = slices.Clone(e.persons)
			for _, t := range env.Targets {
				if t.Key == e.originalKey || !t.Writes() {
					continue
				}
				for _, a := range t.MappedAttributes() {
					e.fields = append(e.fields, fieldChoice{Path: "Accounts." + t.Key + "." + a, Label: t.Name + ": " + a, Group: "Accounts"})
				}
			}
			e.preview.setPersons(persons)
			e.mappingChanged()
		}
	})
}

// kindValue returns the kind chosen, as the configuration names it.
func (e *targetEditor) kindValue() string {
	for _, c := range app.TargetKinds {
		if c.Label == e.kind.Selected {
			return c.Value
		}
	}
	return e.base.Kind
}

// kindChanged shows the connection form of the kind chosen, and the tabs
// it has; changed says the administrator changed it (not the form being
// filled in).
func (e *targetEditor) kindChanged(changed bool) {
	kind, ok := app.TargetKind(e.kindValue())
	values := e.base.Settings
	if changed && e.settings != nil {
		values = e.settings.values()
	}
	if !ok {
		e.settings = newSettingsForm(e.s.w.win, nil, nil, nil, func() {})
		e.settingsBox.Objects = nil
		e.connection.Hide()
		if e.kindValue() == engine.TargetManual {
			e.kindHelp.SetText("Nothing is written to this target: it needs no connection, account mapping or lifecycle. " +
				"List the permissions rules may grant in it; the plan says what to change by hand.")
		} else {
			e.kindHelp.SetText(fmt.Sprintf("This version of Provisio has no connector of kind %q.", e.kindValue()))
		}
		for _, name := range []string{tabMapping, tabLifecycle} {
			if e.tabs.Selected() == e.tab[name] {
				e.tabs.Select(e.tab[tabConnection])
			}
			e.tabs.DisableItem(e.tab[name])
		}
		e.permsDiscover.Hide()
		e.refreshIdentity()
		return
	}
	e.permsDiscover.Show()
	e.kindHelp.SetText(kind.Description)
	e.settings = newSettingsForm(e.s.w.win, kind.Settings, values, e.base.Settings, e.connectionChanged)
	e.settingsBox.Objects = []fyne.CanvasObject{e.settings.box}
	e.settingsBox.Refresh()
	e.connection.Show()
	for _, name := range []string{tabMapping, tabLifecycle} {
		e.tabs.EnableItem(e.tab[name])
	}
	if changed || e.originalKey == "" {
		e.grid.setIdentity(kind.IdentityFor(e.settings.values()))
	}
	e.refreshIdentity()
	if changed {
		e.mappingChanged()
	}
}

// connectionChanged follows a change of a setting.
func (e *targetEditor) connectionChanged() {
	e.refreshIdentity()
	e.mappingChanged()
}

// identity returns the attributes the connector needs at create.
func (e *targetEditor) identity() []string {
	if kind, ok := app.TargetKind(e.kindValue()); ok {
		return kind.IdentityFor(e.settings.values())
	}
	return nil
}

// refreshIdentity says which attributes the kind needs.
func (e *targetEditor) refreshIdentity() {
	id := e.identity()
	if len(id) == 0 {
		e.identityNote.SetText(mappingHelp)
		return
	}
	e.identityNote.SetText(mappingHelp + fmt.Sprintf(" %s names an account by %s: give it a value at create.",
		e.kind.Selected, strings.Join(id, " and ")))
	e.identityNote.Show()
}

// build returns the target system as the form describes it, with the
// secrets typed in by setting, or what is wrong with a value.
func (e *targetEditor) build() (engine.TargetSystem, map[string]string, error) {
	t := cloneTarget(e.base)
	t.Name = strings.TrimSpace(e.name.Text)
	t.Key = strings.TrimSpace(e.key.Text)
	if e.originalKey != "" {
		t.Key = e.originalKey
	}
	t.Kind = e.kindValue()
	t.Disabled = !e.enabled.Checked
	t.Permissions = e.perms.value()
	t.Mapping = e.grid.value()
	var secrets map[string]string
	if _, ok := app.TargetKind(t.Kind); ok {
		t.Settings = e.settings.values()
		secrets = e.settings.secrets()
		if err := e.settings.check(); err != nil {
			return t, nil, err
		}
	}
	if err := e.life.apply(&t); err != nil {
		return t, nil, err
	}
	return t, secrets, nil
}

// mappingChanged checks the mapping and recomputes the preview once
// editing settles.
func (e *targetEditor) mappingChanged() {
	e.life.setAttributes(attributeNames(e.grid.value(), e.identity()))
	e.s.w.jobs.debounce(&e.checkTimer, e.s.debounce, e.checkMapping)
}

func attributeNames(m []engine.AttributeMapping, identity []string) []string {
	var out []string
	for _, a := range identity {
		out = append(out, a)
	}
	for _, r := range m {
		if r.Attribute != "" && !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, r.Attribute) }) {
			out = append(out, r.Attribute)
		}
	}
	return out
}

// previewTarget is the target as edited, for checks and previews: values
// that do not parse yet (a threshold being typed) do not matter there.
func (e *targetEditor) previewTarget() engine.TargetSystem {
	t, _, _ := e.build()
	if t.Name == "" {
		t.Name = "the new target system"
	}
	return t
}

// checkMapping compiles the mapping off the UI goroutine, shows its
// problem next to the grid, and previews it for the chosen person.
// Results of an older check than the latest are dropped.
func (e *targetEditor) checkMapping() {
	if e.s.editor != e {
		return
	}
	t := e.previewTarget()
	if !t.Writes() {
		return
	}
	e.checkGen++
	gen := e.checkGen
	person, stage := e.preview.personID, e.preview.stageValue()
	e.s.w.jobs.run(func() func() {
		ctx := context.Background()
		var res *app.MappingPreview
		var perr error
		err := e.s.w.app.CheckAccountMapping(ctx, &t)
		if err == nil && person != "" && len(t.Mapping) > 0 {
			res, perr = e.s.w.app.PreviewAccount(ctx, &t, person, stage)
		}
		return func() {
			if gen != e.checkGen || e.s.editor != e {
				return
			}
			switch {
			case err != nil:
				showProblem(e.mappingProblem, err)
			case len(t.Mapping) == 0:
				e.mappingProblem.SetText(fmt.Sprintf("There is no mapping yet: accounts cannot be created in %s until it gives %s a value at create.",
					t.Name, strings.Join(e.identity(), " and ")))
				e.mappingProblem.Show()
			default:
				e.mappingProblem.Hide()
			}
			if person == "" {
				return
			}
			e.preview.show(res, perr, t.Mapping)
		}
	})
}

// trySnippet shows, in the script dialog, what a snippet gives for the
// preview's person, once typing settles.
func (e *targetEditor) trySnippet(attr string, stage engine.Stage, code string, show func(string, widget.Importance)) {
	e.s.w.jobs.debounce(&e.tryTimer, e.s.debounce, func() {
		t := e.previewTarget()
		if attr == "" {
			attr = "(attribute)"
		}
		found := false
		for i := range t.Mapping {
			if strings.EqualFold(t.Mapping[i].Attribute, attr) {
				t.Mapping[i].Stages = maps.Clone(t.Mapping[i].Stages)
				t.Mapping[i].Stages[stage] = &engine.StageValue{Type: engine.MapComplex, Value: code}
				found = true
			}
		}
		if !found {
			t.Mapping = append(t.Mapping, engine.AttributeMapping{Attribute: attr, Stages: map[engine.Stage]*engine.StageValue{
				stage: {Type: engine.MapComplex, Value: code}}})
		}
		e.tryGen++
		gen := e.tryGen
		person := e.preview.personID
		who := e.preview.personName(person)
		e.s.w.jobs.run(func() func() {
			ctx := context.Background()
			err := e.s.w.app.CheckAccountMapping(ctx, &t)
			var res *app.MappingPreview
			if err == nil && person != "" {
				res, err = e.s.w.app.PreviewAccount(ctx, &t, person, stage)
			}
			return func() {
				if gen != e.tryGen {
					return
				}
				switch {
				case err != nil:
					show("✗ "+err.Error(), widget.DangerImportance)
				case person == "":
					show("The snippet compiles. Pick a person in the preview to see its value.", widget.MediumImportance)
				case res.Error != "":
					show(fmt.Sprintf("✗ For %s: %s", who, res.Error), widget.DangerImportance)
				default:
					v, ok := res.Attributes[attr]
					if !ok || v == "" {
						v = "(empty)"
					}
					show(fmt.Sprintf("For %s at %s: %s", who, stage, v), widget.SuccessImportance)
				}
			}
		})
	})
}

// connectionDirty reports whether the connection as edited differs from
// the one saved, or the target is not saved.
func (e *targetEditor) connectionDirty() bool {
	if e.originalKey == "" || e.kindValue() != e.base.Kind {
		return true
	}
	if len(e.settings.secrets()) > 0 {
		return true
	}
	return !sameSettings(e.settings.defs, e.settings.values(), e.base.Settings)
}

// sameSettings reports whether two sets of settings say the same to a
// connector: defaults count as given.
func sameSettings(defs []engine.SettingDef, a, b map[string]string) bool {
	for _, d := range defs {
		if d.Value(a) != d.Value(b) {
			return false
		}
	}
	return true
}

// withSavedConnection runs fn on the saved target, saving it first (after
// asking) when the connection was changed or the target is new.
func (e *targetEditor) withSavedConnection(what string, fn func()) {
	if !e.connectionDirty() {
		fn()
		return
	}
	msg := fmt.Sprintf("%s uses the connection as saved, and you changed it.\nSave the target system now, then %s?", what, strings.ToLower(what))
	if e.originalKey == "" {
		msg = fmt.Sprintf("%s uses the saved target system, and this one is new.\nSave it now, then %s?", what, strings.ToLower(what))
	}
	d := dialog.NewConfirm("Save first", msg, func(ok bool) {
		if ok {
			e.saveThen(func(saved *engine.TargetSystem) {
				e.savedInPlace(saved)
				fn()
			})
		}
	}, e.s.w.win)
	d.SetConfirmText("Save and " + strings.ToLower(what))
	d.SetDismissText("Cancel")
	d.Show()
}

func (e *targetEditor) testConnection() {
	e.withSavedConnection("Test connection", func() {
		testConnection(e.s.w, e.tasks, e.originalKey, e.base.Name)
	})
}

func (e *targetEditor) discoverPermissions() {
	if e.kindValue() == engine.TargetManual {
		return
	}
	e.withSavedConnection("Discover permissions", func() {
		name := e.base.Name
		discoverPermissions(e.s.w, e.tasks, e.originalKey, name, e.perms.ids, func(found []engine.Permission) {
			e.perms.addFound(found, name)
			e.tabs.Select(e.tab[tabPerms])
		}, func(d *discoverDialog) { e.discovered = d })
	})
}

// savedInPlace makes the editor edit the target as just saved.
func (e *targetEditor) savedInPlace(saved *engine.TargetSystem) {
	e.originalKey = saved.Key
	e.base = cloneTarget(*saved)
	e.key.SetText(saved.Key)
	e.key.Disable()
	e.title.SetText("Edit " + saved.Name)
	e.settings.keptSecrets(saved.Settings)
	e.problem.Hide()
	e.s.selected = saved.Key
	e.s.refresh() // the list shows it
}

func (e *targetEditor) onSave() {
	// rows left empty say nothing; dropping them keeps the row numbers
	// in the app's messages matching the rows on screen
	e.perms.dropBlank()
	e.saveThen(func(saved *engine.TargetSystem) { e.s.closeEditor(saved.Key) })
}

// saveThen saves the target and calls then with it as saved; a problem
// is shown above the tabs, with the tab it is about selected.
func (e *targetEditor) saveThen(then func(saved *engine.TargetSystem)) {
	t, secrets, err := e.build()
	if err != nil {
		e.showSaveProblem(err)
		return
	}
	e.save.Disable()
	original := e.originalKey
	e.s.w.jobs.run(func() func() {
		ctx := context.Background()
		key, err := e.s.w.app.SaveTargetSystemWithSecrets(ctx, t, original, secrets)
		var saved *engine.TargetSystem
		if err == nil {
			var cfg *engine.Config
			if cfg, err = e.s.w.app.Config(ctx); err == nil {
				x, _ := cfg.TargetSystem(key)
				saved = x
			}
		}
		return func() {
			e.save.Enable()
			if e.s.editor != e { // cancelled meanwhile
				if err == nil {
					e.s.refresh()
				}
				return
			}
			if err != nil || saved == nil {
				e.showSaveProblem(err)
				return
			}
			e.problem.Hide()
			then(saved)
		}
	})
}

// showSaveProblem shows why the target cannot be saved and opens the tab
// the problem is on.
func (e *targetEditor) showSaveProblem(err error) {
	showProblem(e.problem, err)
	if err == nil {
		return
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "account mapping"):
		e.tabs.Select(e.tab[tabMapping])
	case strings.Contains(msg, "correlat"), strings.Contains(msg, "threshold"), strings.Contains(msg, "at once"), strings.Contains(msg, "days"):
		e.tabs.Select(e.tab[tabLifecycle])
	case strings.Contains(msg, "permission"):
		e.tabs.Select(e.tab[tabPerms])
	case strings.Contains(msg, "setting"), strings.Contains(msg, "name"), strings.Contains(msg, "key"), strings.Contains(msg, "keychain"):
		e.tabs.Select(e.tab[tabConnection])
	}
}
