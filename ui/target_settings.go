package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/engine"
)

// settingsForm is the connection form of a connector kind (a source's or a
// target's), built from its setting definitions: an entry per text, file, number or
// secret setting (a file with Browse…), a select per choice, a check per
// flag, each with its help. Settings shown only for some values of
// another one (ShownWhen) come and go with it.
//
// A secret is typed into a password entry and never shown: the form
// holds the reference the saved target has, and the secret typed (if
// any) goes to the keychain when the target is saved.
type settingsForm struct {
	win      fyne.Window
	defs     []engine.SettingDef
	inputs   []*settingInput
	saved    map[string]string // the settings as saved: secrets' references
	box      *fyne.Container
	onChange func()
}

// settingInput is the input of one setting.
type settingInput struct {
	def   engine.SettingDef
	entry *widget.Entry  // text, file, number, secret
	sel   *widget.Select // choice
	check *widget.Check  // bool
	row   []fyne.CanvasObject
}

// newSettingsForm builds the form for defs with values filled in; saved
// holds the settings of the target as saved, for its secrets.
func newSettingsForm(win fyne.Window, defs []engine.SettingDef, values, saved map[string]string, onChange func()) *settingsForm {
	f := &settingsForm{win: win, defs: defs, saved: saved, onChange: func() {}}
	f.box = container.New(layout.NewFormLayout())
	for _, d := range defs {
		in := f.newInput(d, d.Value(values))
		f.inputs = append(f.inputs, in)
		f.box.Add(in.row[0])
		f.box.Add(in.row[1])
	}
	f.updateVisibility()
	f.onChange = onChange // filling the form in is no change
	return f
}

func (f *settingsForm) changed() {
	f.updateVisibility()
	f.onChange()
}

func (f *settingsForm) newInput(d engine.SettingDef, value string) *settingInput {
	in := &settingInput{def: d}
	label := d.Label
	if d.Required {
		label += " *"
	}
	var input fyne.CanvasObject
	switch d.Kind {
	case engine.SettingChoice:
		var labels []string
		selected := ""
		for _, c := range d.Choices {
			labels = append(labels, c.Label)
			if c.Value == value {
				selected = c.Label
			}
		}
		in.sel = widget.NewSelect(labels, func(string) { f.changed() })
		in.sel.SetSelected(selected)
		input = in.sel
	case engine.SettingBool:
		in.check = widget.NewCheck("", func(bool) { f.changed() })
		in.check.SetChecked(value == "true")
		input = in.check
	case engine.SettingSecret:
		in.entry = widget.NewPasswordEntry()
		if ref := f.saved[d.Key]; ref != "" {
			in.entry.SetPlaceHolder("Kept in the keychain: type a new one to replace it")
		} else {
			in.entry.SetPlaceHolder("Kept in the operating system's keychain, never in the configuration")
		}
		in.entry.OnChanged = func(string) { f.changed() }
		input = in.entry
	default:
		in.entry = widget.NewEntry()
		in.entry.SetText(value)
		if d.Default != "" {
			in.entry.SetPlaceHolder(d.Default)
		}
		in.entry.OnChanged = func(string) { f.changed() }
		input = in.entry
		if d.Kind == engine.SettingFile {
			browse := widget.NewButtonWithIcon("Browse…", theme.FolderOpenIcon(), func() {
				fd := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
					if err != nil || r == nil {
						return
					}
					in.entry.SetText(r.URI().Path())
					r.Close()
				}, f.win)
				fd.Show()
			})
			input = container.NewBorder(nil, nil, nil, browse, in.entry)
		}
	}
	if d.Help != "" {
		input = container.NewVBox(input, helpLabel(d.Help))
	}
	in.row = []fyne.CanvasObject{boldLabel(label), input}
	return in
}

// text is what the input holds: a choice's value, "true" or "false", or
// the trimmed text (a secret's as typed).
func (in *settingInput) text() string {
	switch {
	case in.sel != nil:
		for _, c := range in.def.Choices {
			if c.Label == in.sel.Selected {
				return c.Value
			}
		}
		return ""
	case in.check != nil:
		return strconv.FormatBool(in.check.Checked)
	case in.def.Kind == engine.SettingSecret:
		return in.entry.Text
	default:
		return strings.TrimSpace(in.entry.Text)
	}
}

// effective returns every setting's value as connectors read it, with
// defaults, for ShownWhen.
func (f *settingsForm) effective() map[string]string {
	m := map[string]string{}
	for _, in := range f.inputs {
		v := in.text()
		if in.def.Kind == engine.SettingSecret {
			v = f.saved[in.def.Key]
		}
		m[in.def.Key] = v
	}
	for _, d := range f.defs {
		m[d.Key] = d.Value(m)
	}
	return m
}

// updateVisibility shows the settings that apply to the current choices.
func (f *settingsForm) updateVisibility() {
	values := f.effective()
	for _, in := range f.inputs {
		for _, o := range in.row {
			if in.def.Applies(values) {
				o.Show()
			} else {
				o.Hide()
			}
		}
	}
	f.box.Refresh()
}

// values returns the settings that apply, as the configuration keeps
// them: a secret as its saved reference (a secret typed anew is in
// secrets), and no empty values.
func (f *settingsForm) values() map[string]string {
	out := map[string]string{}
	applies := f.effective()
	for _, in := range f.inputs {
		if !in.def.Applies(applies) {
			continue
		}
		v := in.text()
		if in.def.Kind == engine.SettingSecret {
			v = f.saved[in.def.Key]
		}
		if v != "" {
			out[in.def.Key] = v
		}
	}
	return out
}

// secrets returns the secrets typed in, by setting key.
func (f *settingsForm) secrets() map[string]string {
	out := map[string]string{}
	applies := f.effective()
	for _, in := range f.inputs {
		if in.def.Kind == engine.SettingSecret && in.entry.Text != "" && in.def.Applies(applies) {
			out[in.def.Key] = in.entry.Text
		}
	}
	return out
}

// check returns what is wrong with a number setting, or nil.
func (f *settingsForm) check() error {
	applies := f.effective()
	for _, in := range f.inputs {
		if in.def.Kind != engine.SettingNumber || !in.def.Applies(applies) {
			continue
		}
		if v := in.text(); v != "" {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return fmt.Errorf("setting %q must be a number, not %q", in.def.Label, v)
			}
		}
	}
	return nil
}

// input returns the input of the setting with the given key, or nil.
func (f *settingsForm) input(key string) *settingInput {
	for _, in := range f.inputs {
		if in.def.Key == key {
			return in
		}
	}
	return nil
}

// keptSecrets forgets the secrets typed in once they are saved: their
// references are in saved now.
func (f *settingsForm) keptSecrets(saved map[string]string) {
	f.saved = saved
	for _, in := range f.inputs {
		if in.def.Kind == engine.SettingSecret {
			in.entry.OnChanged = nil
			in.entry.SetText("")
			if saved[in.def.Key] != "" {
				in.entry.SetPlaceHolder("Kept in the keychain: type a new one to replace it")
			}
			in.entry.OnChanged = func(string) { f.changed() }
		}
	}
}
