package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/engine"
)

// taskPanel shows a call to a target system while it runs: a line of
// text, a bar (the work has no known end: a server answers when it
// answers) and a Cancel button; and, once it ends, its outcome in plain
// words. It is hidden while idle.
type taskPanel struct {
	label   *widget.Label
	bar     *widget.ProgressBarInfinite
	cancel  *widget.Button
	running *fyne.Container
	result  *widget.Label // the last outcome
	box     *fyne.Container

	mu   sync.Mutex
	stop context.CancelFunc
	busy bool
	// onIdle is called on the UI goroutine when a task starts or ends,
	// for the buttons that start tasks.
	onIdle func(idle bool)
}

func newTaskPanel() *taskPanel {
	p := &taskPanel{label: widget.NewLabel(""), bar: widget.NewProgressBarInfinite()}
	p.label.Truncation = fyne.TextTruncateEllipsis
	p.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), p.Cancel)
	p.running = container.NewBorder(nil, nil, nil, p.cancel, container.NewVBox(p.label, p.bar))
	p.running.Hide()
	p.result = widget.NewLabel("")
	p.result.Wrapping = fyne.TextWrapWord
	p.result.Hide()
	p.box = container.NewVBox(p.running, p.result)
	return p
}

// Running reports whether a task is going.
func (p *taskPanel) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.busy
}

// Cancel asks the task to stop.
func (p *taskPanel) Cancel() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		p.stop()
		p.label.SetText("Cancelling…")
		p.cancel.Disable()
	}
}

// say shows an outcome: good, bad (danger) or neutral.
func (p *taskPanel) say(text string, imp widget.Importance) {
	p.result.SetText(text)
	p.result.Importance = imp
	p.result.Refresh()
	p.result.Show()
}

// start runs task in the background with title shown; report changes the
// line of text. The function task returns is applied on the UI goroutine,
// then done with the error (nil on success; a cancel is an error with
// the code engine.Canceled). A second task while one runs is refused.
func (p *taskPanel) start(j *jobs, title string, task func(ctx context.Context, report func(string)) (func(), error), done func(error)) bool {
	p.mu.Lock()
	if p.busy {
		p.mu.Unlock()
		return false
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.busy, p.stop = true, cancel
	p.mu.Unlock()
	p.label.SetText(title)
	p.cancel.Enable()
	p.result.Hide()
	p.running.Show()
	if p.onIdle != nil {
		p.onIdle(false)
	}
	j.run(func() func() {
		apply, err := task(ctx, func(text string) {
			j.post(func() {
				if ctx.Err() == nil {
					p.label.SetText(text)
				}
			})
		})
		if err == nil && ctx.Err() != nil {
			err = engine.Errorf(engine.Canceled, "cancelled")
		}
		cancel()
		return func() {
			p.mu.Lock()
			p.busy, p.stop = false, nil
			p.mu.Unlock()
			p.running.Hide()
			if apply != nil {
				apply()
			}
			if p.onIdle != nil {
				p.onIdle(true)
			}
			if done != nil {
				done(err)
			}
		}
	})
	return true
}

// testConnection tests the saved target key with p and says how it went.
func testConnection(w *Window, p *taskPanel, key, name string) {
	p.start(w.jobs, fmt.Sprintf("Connecting to %s with the saved settings…", name), func(ctx context.Context, _ func(string)) (func(), error) {
		return nil, w.app.TestTarget(ctx, key)
	}, func(err error) {
		at := w.app.Clock().Now().Format("15:04")
		switch {
		case err == nil:
			p.say(fmt.Sprintf("✓ The connection works: Provisio reached %s with the saved settings and can work there (tested at %s).", name, at), widget.SuccessImportance)
		case engine.IsCode(err, engine.Canceled):
			p.say("The test was cancelled.", widget.MediumImportance)
		default:
			p.say(fmt.Sprintf("✗ The connection does not work (tested at %s): %v", at, err), widget.DangerImportance)
		}
	})
}

// discoverPermissions lists the permissions of the saved target key with
// p and offers them in a dialog; add gets the ones picked. listed holds
// the ids already in the list.
func discoverPermissions(w *Window, p *taskPanel, key, name string, listed func() []string, add func([]engine.Permission), opened func(*discoverDialog)) {
	var found []engine.Permission
	p.start(w.jobs, fmt.Sprintf("Listing the groups and other permissions of %s…", name), func(ctx context.Context, _ func(string)) (func(), error) {
		var err error
		found, err = w.app.DiscoverPermissions(ctx, key)
		return nil, err
	}, func(err error) {
		switch {
		case engine.IsCode(err, engine.Canceled):
			p.say("Discovering permissions was cancelled.", widget.MediumImportance)
		case err != nil:
			p.say("✗ The permissions could not be listed: "+err.Error(), widget.DangerImportance)
		case len(found) == 0:
			p.say(fmt.Sprintf("%s offers no permissions Provisio can grant.", name), widget.MediumImportance)
		default:
			d := newDiscoverDialog(w.win, name, found, listed(), add)
			if opened != nil {
				opened(d)
			}
		}
	})
}

// discoverDialog lists the permissions found in a target with a check
// each; those listed already are checked and cannot be unchecked.
type discoverDialog struct {
	found   []engine.Permission
	checked []bool
	listed  map[string]bool
	shown   []int // positions in found that match the filter
	filter  *widget.Entry
	list    *widget.List
	count   *widget.Label
	add     *widget.Button
	d       dialog.Dialog
}

func newDiscoverDialog(win fyne.Window, name string, found []engine.Permission, listed []string, add func([]engine.Permission)) *discoverDialog {
	slices.SortStableFunc(found, func(a, b engine.Permission) int {
		return strings.Compare(strings.ToLower(a.Label()), strings.ToLower(b.Label()))
	})
	x := &discoverDialog{found: found, checked: make([]bool, len(found)), listed: map[string]bool{}}
	for _, id := range listed {
		x.listed[id] = true
	}
	x.filter = widget.NewEntry()
	x.filter.SetPlaceHolder("Filter by id, name or description")
	x.filter.OnChanged = func(string) { x.applyFilter() }
	x.list = widget.NewList(func() int { return len(x.shown) },
		func() fyne.CanvasObject {
			check := widget.NewCheck("", nil)
			info := widget.NewLabel("")
			info.SizeName = theme.SizeNameCaptionText
			info.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, check, nil, info)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(x.shown) {
				return
			}
			i := x.shown[id]
			p := found[i]
			row := o.(*fyne.Container)
			info := row.Objects[0].(*widget.Label)
			check := row.Objects[1].(*widget.Check)
			check.OnChanged = nil
			check.Text = p.Label()
			if x.listed[p.ID] {
				check.SetChecked(true)
				check.Disable()
			} else {
				check.Enable()
				check.SetChecked(x.checked[i])
				check.OnChanged = func(on bool) { x.set(i, on) }
			}
			check.Refresh()
			detail := p.ID
			if x.listed[p.ID] {
				detail += " · listed already"
			}
			if p.Description != "" {
				detail += " · " + p.Description
			}
			info.SetText(detail)
		})
	x.list.OnSelected = func(id widget.ListItemID) { x.list.Unselect(id) }
	all := widget.NewButton("Select all shown", func() { x.setShown(true) })
	none := widget.NewButton("Select none", func() { x.setShown(false) })
	x.count = widget.NewLabel("")
	x.add = widget.NewButtonWithIcon("", theme.ContentAddIcon(), func() {
		var picked []engine.Permission
		for i, on := range x.checked {
			if on && !x.listed[found[i].ID] {
				picked = append(picked, found[i])
			}
		}
		x.d.Hide()
		add(picked)
	})
	x.add.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { x.d.Hide() })
	already := 0
	for _, p := range found {
		if x.listed[p.ID] {
			already++
		}
	}
	intro := helpLabel(fmt.Sprintf("%s offers %s; %d of them are listed already. Check the ones business rules may grant.",
		name, plural(len(found), "permission", "permissions"), already))
	top := container.NewVBox(intro, x.filter, container.NewHBox(all, none, layout.NewSpacer(), x.count))
	content := container.NewBorder(top, nil, nil, nil, x.list)
	d := dialog.NewCustomWithoutButtons("Permissions in "+name, content, win)
	d.SetButtons([]fyne.CanvasObject{cancel, x.add})
	x.d = d
	x.applyFilter()
	x.update()
	d.Resize(fyne.NewSize(640, 520))
	d.Show()
	return x
}

func (x *discoverDialog) applyFilter() {
	words := strings.Fields(evalFold(x.filter.Text))
	x.shown = x.shown[:0]
next:
	for i, p := range x.found {
		text := evalFold(p.ID + " " + p.Name + " " + p.Description)
		for _, w := range words {
			if !strings.Contains(text, w) {
				continue next
			}
		}
		x.shown = append(x.shown, i)
	}
	x.list.Refresh()
}

// set checks or unchecks found[i].
func (x *discoverDialog) set(i int, on bool) {
	x.checked[i] = on
	x.update()
}

func (x *discoverDialog) setShown(on bool) {
	for _, i := range x.shown {
		x.checked[i] = on
	}
	x.list.Refresh()
	x.update()
}

// update says how many are checked and enables Add.
func (x *discoverDialog) update() {
	n := 0
	for i, on := range x.checked {
		if on && !x.listed[x.found[i].ID] {
			n++
		}
	}
	x.count.SetText(fmt.Sprintf("%d selected", n))
	x.add.SetText("Add " + plural(n, "permission", "permissions"))
	if n == 0 {
		x.add.Disable()
	} else {
		x.add.Enable()
	}
}
