package ui

import (
	"context"
	"fmt"
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

// sourceEditor is the form for one source system: its name and
// connection settings, date formats, thresholds and field mappings, with
// a live preview of the mapped person for sample records.
type sourceEditor struct {
	s           *sourcesScreen
	originalKey string
	kind        engine.SourceKind
	base        engine.SourceSystem

	name     *widget.Entry
	key      *widget.Entry
	enabled  *widget.Check
	settings *settingsForm
	formats  *widget.Entry
	limits   map[string]*widget.Entry // "added.count", "removed.percent", …
	mappings []*mappingEditor
	aggValue *aggregationValueEditor
	problem  *widget.Label
	save     *widget.Button
	root     fyne.CanvasObject

	preview *mappingPreview

	samplesTimer  *time.Timer
	previewTimer  *time.Timer
	debounce      time.Duration
	columns       engine.SourceDescription
	samplesLoaded bool
	samplesGen    int // drops a slower, older load of samples
	fields        *engine.Fields
}

func newSourceEditor(s *sourcesScreen, src engine.SourceSystem, originalKey string) *sourceEditor {
	e := &sourceEditor{s: s, originalKey: originalKey, base: src, debounce: 400 * time.Millisecond, limits: map[string]*widget.Entry{}}
	e.kind, _ = kindOf(s.w, src.Kind)

	e.name = widget.NewEntry()
	e.name.SetText(src.Name)
	e.name.SetPlaceHolder("e.g. HR export")
	e.key = widget.NewEntry()
	e.key.SetText(src.Key)
	e.key.SetPlaceHolder("made from the name")
	if originalKey != "" {
		e.key.Disable()
	}
	e.enabled = widget.NewCheck("Included in “import all” and schedules", nil)
	e.enabled.SetChecked(!src.Disabled)

	general := container.New(layout.NewFormLayout(),
		boldLabel("Name"), e.name, boldLabel("Key"), e.key, boldLabel("Enabled"), e.enabled)

	e.settings = newSettingsForm(s.w.win, e.kind.Settings, src.Settings, src.Settings, e.connectionChanged)
	conn := e.settings.box
	e.formats = widget.NewEntry()
	e.formats.SetText(strings.Join(src.DateFormats, ", "))
	e.formats.SetPlaceHolder(strings.Join(engine.DefaultDateFormats, ", "))
	e.formats.OnChanged = func(string) { e.changed() }
	conn.Add(boldLabel("Date formats"))
	conn.Add(e.formats)

	limits := container.NewGridWithColumns(3, widget.NewLabel(""), boldLabel("At most (persons)"), boldLabel("At most (%)"))
	for _, x := range []struct {
		name string
		t    engine.Threshold
	}{{"added", src.Thresholds.Added}, {"removed", src.Thresholds.Removed}, {"blocked", src.Thresholds.Blocked}} {
		count, pct := widget.NewEntry(), widget.NewEntry()
		count.SetPlaceHolder("no limit")
		pct.SetPlaceHolder("no limit")
		if x.t.MaxCount != nil {
			count.SetText(strconv.Itoa(*x.t.MaxCount))
		}
		if x.t.MaxPercent != nil {
			pct.SetText(engine.Num(*x.t.MaxPercent).String())
		}
		e.limits[x.name+".count"], e.limits[x.name+".percent"] = count, pct
		limits.Add(widget.NewLabel(statusTitle(engine.Status(x.name)) + " persons"))
		limits.Add(count)
		limits.Add(pct)
	}
	limitsHelp := helpLabel("An import that adds, removes or blocks more persons than this waits for your approval; nothing changes until you decide. Percentages are of the persons this source had before (blocked: of the persons in the import).")

	fields := engine.NewFields(engine.Schema{})
	if cfg, err := s.w.app.Config(context.Background()); err == nil {
		fields = engine.NewFields(cfg.Schema)
	}
	e.fields = fields
	mapTabs := container.NewAppTabs()
	for _, lv := range []struct {
		level engine.Level
		title string
		rows  []engine.FieldMapping
	}{{engine.LevelPerson, "Person fields", src.Mapping.Person}, {engine.LevelContract, "Contract fields", src.Mapping.Contract}, {engine.LevelDepartment, "Department fields", src.Mapping.Department}} {
		m := newMappingEditor(lv.level, fields.Defs(lv.level), lv.rows, e.changed)
		e.mappings = append(e.mappings, m)
		mapTabs.Append(container.NewTabItem(lv.title, m.root))
	}
	e.aggValue = newAggregationValueEditor(src.AggregationValue, fields, e.changed)
	mapTabs.Append(container.NewTabItem("Aggregation value", e.aggValue.root))

	e.problem = widget.NewLabel("")
	e.problem.Wrapping = fyne.TextWrapWord
	e.problem.Importance = widget.DangerImportance
	e.problem.Hide()
	e.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), e.onSave)
	e.save.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { e.s.closeEditor("") })

	title := "New source system"
	if originalKey != "" {
		title = "Edit " + src.Name
	}
	e.preview = newMappingPreview(e)
	form := container.NewVBox(
		widget.NewCard("", "General", general),
		widget.NewCard("", e.kind.Label, conn),
		widget.NewCard("", "Mapping: how source fields become person, contract and department fields", mapTabs),
		widget.NewCard("", "Import thresholds", container.NewVBox(limits, limitsHelp)),
	)
	header := container.NewBorder(nil, nil, widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), container.NewHBox(cancel, e.save))
	split := container.NewHSplit(container.NewVScroll(form), e.preview.root)
	split.Offset = 0.56
	e.root = container.NewBorder(container.NewVBox(header, e.problem), nil, nil, nil, split)
	return e
}

func boldLabel(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
}

// build returns the source system as the form describes it.
func (e *sourceEditor) build() (engine.SourceSystem, error) {
	src := e.base
	src.Name = strings.TrimSpace(e.name.Text)
	src.Key = strings.TrimSpace(e.key.Text)
	src.Disabled = !e.enabled.Checked
	src.Settings = e.settings.values()
	src.DateFormats = nil
	for _, f := range strings.Split(e.formats.Text, ",") {
		if f = strings.TrimSpace(f); f != "" {
			src.DateFormats = append(src.DateFormats, f)
		}
	}
	var err error
	for _, name := range []string{"added", "removed", "blocked"} {
		var t engine.Threshold
		if s := strings.TrimSpace(e.limits[name+".count"].Text); s != "" {
			n, perr := strconv.Atoi(s)
			if perr != nil || n < 0 {
				err = fmt.Errorf("threshold for %s persons: the count must be a whole number of 0 or more, got %q", name, s)
			}
			t.MaxCount = &n
		}
		if s := strings.TrimSpace(e.limits[name+".percent"].Text); s != "" {
			n, perr := engine.ParseNumber(strings.TrimSuffix(s, "%"))
			if perr != nil || n.V < 0 || n.V > 100 {
				err = fmt.Errorf("threshold for %s persons: the percentage must be a number from 0 to 100, got %q", name, s)
			}
			t.MaxPercent = &n.V
		}
		switch name {
		case "added":
			src.Thresholds.Added = t
		case "removed":
			src.Thresholds.Removed = t
		default:
			src.Thresholds.Blocked = t
		}
	}
	src.Mapping.Person = e.mappings[0].rowsValue()
	src.Mapping.Contract = e.mappings[1].rowsValue()
	src.Mapping.Department = e.mappings[2].rowsValue()
	src.AggregationValue = e.aggValue.mapping()
	return src, err
}

// start loads the source's columns and samples.
func (e *sourceEditor) start() { e.loadSamples() }

// connectionChanged reloads the samples once the settings settle.
func (e *sourceEditor) connectionChanged() {
	e.s.w.jobs.debounce(&e.samplesTimer, e.debounce, e.loadSamples)
}

// changed recomputes the preview once editing settles.
func (e *sourceEditor) changed() {
	e.s.w.jobs.debounce(&e.previewTimer, e.debounce, func() { e.preview.update() })
}

func (e *sourceEditor) loadSamples() {
	src, _ := e.build()
	e.preview.setStatus("Reading sample records…")
	e.samplesGen++
	gen := e.samplesGen
	e.s.w.jobs.run(func() func() {
		ctx := context.Background()
		desc, err := e.s.w.app.DescribeSource(ctx, &src)
		var samples []app.Sample
		if err == nil {
			samples, err = e.s.w.app.Samples(ctx, &src, 20)
		}
		return func() {
			if e.s.editor != e || gen != e.samplesGen {
				return
			}
			if err != nil {
				e.samplesLoaded = false
				e.preview.setSamples(nil)
				e.preview.setStatus("Cannot read samples yet: " + err.Error())
				return
			}
			e.columns = desc
			e.mappings[0].setColumns(desc.PersonFields)
			e.mappings[1].setColumns(desc.ContractFields)
			e.mappings[2].setColumns(desc.DepartmentFields)
			e.samplesLoaded = true
			e.preview.setSamples(samples)
		}
	})
}

func (e *sourceEditor) showProblem(msg string) {
	if msg == "" {
		e.problem.Hide()
		return
	}
	e.problem.SetText(msg)
	e.problem.Show()
}

func (e *sourceEditor) onSave() {
	src, err := e.build()
	if err != nil {
		e.showProblem(err.Error())
		return
	}
	e.save.Disable()
	e.s.w.jobs.run(func() func() {
		key, err := e.s.w.app.SaveSourceSystem(context.Background(), src, e.originalKey)
		return func() {
			e.save.Enable()
			if err != nil {
				e.showProblem(err.Error())
				return
			}
			e.showProblem("")
			e.s.closeEditor(key)
		}
	})
}
