package ui

import (
	"context"
	"fmt"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
	"provisio/engine/snapshot"
)

// snapshotsView lists snapshots and compares any two: persons added,
// removed and changed, and for a changed person, field by field.
type snapshotsView struct {
	w *Window

	table   *widget.Table
	from    *widget.Select
	to      *widget.Select
	summary *widget.Label
	kind    *widget.RadioGroup
	list    *widget.List
	fields  *widget.Table
	person  *widget.Label
	root    fyne.CanvasObject

	snaps   []engine.SnapshotInfo
	gen     int // drops a slower, older comparison
	diff    *app.SnapshotDiff
	entries []app.DiffEntry
	changes []snapshot.FieldChange
}

// noSnapshot is the "from" choice before the first snapshot.
const noSnapshot = "none (empty)"

const (
	kindAdded   = "Added"
	kindRemoved = "Removed"
	kindChanged = "Changed"
)

func newSnapshotsView(w *Window) *snapshotsView {
	v := &snapshotsView{w: w}
	cols := []column{{"Snapshot", 95}, {"Created", 150}, {"Import", 70}, {"Source", 90}, {"Persons", 90}, {"Contracts", 100}, {"Departments", 120}, {"Blocked", 85}, {"Added", 80}, {"Removed", 90}, {"Changed", 90}}
	v.table = newTable(cols, func() int { return len(v.snaps) }, func(row, col int) string {
		s := &v.snaps[row]
		switch col {
		case 0:
			return strconv.FormatUint(s.Number, 10)
		case 1:
			return s.CreatedAt.Format("2006-01-02 15:04")
		case 2:
			return strconv.FormatUint(s.ImportID, 10)
		case 3:
			return s.Source
		case 4:
			return thousands(s.Persons)
		case 5:
			return thousands(s.Contracts)
		case 6:
			return thousands(s.Departments)
		case 7:
			return thousands(s.Blocked)
		case 8:
			return thousands(s.Added)
		case 9:
			return thousands(s.Removed)
		default:
			return thousands(s.Changed)
		}
	})
	v.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(v.snaps) {
			v.compareWithPrevious(v.snaps[id.Row].Number)
		}
	}
	v.from = widget.NewSelect(nil, nil)
	v.to = widget.NewSelect(nil, nil)
	compare := widget.NewButtonWithIcon("Compare", theme.SearchIcon(), v.compare)
	v.summary = widget.NewLabel("Select a snapshot, or choose two and compare them.")
	v.kind = widget.NewRadioGroup([]string{kindAdded, kindRemoved, kindChanged}, func(string) { v.showKind() })
	v.kind.Horizontal = true
	v.list = widget.NewList(func() int { return len(v.entries) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			e := v.entries[id]
			o.(*widget.Label).SetText(fmt.Sprintf("%s (%s)", e.DisplayName, e.ID))
		})
	v.list.OnSelected = func(id widget.ListItemID) {
		if id < len(v.entries) {
			v.openPerson(v.entries[id].ID)
		}
	}
	v.person = widget.NewLabel("")
	fcols := []column{{"Field", 260}, {"Old", 200}, {"New", 200}}
	v.fields = newTable(fcols, func() int { return len(v.changes) }, func(row, col int) string {
		c := v.changes[row]
		switch col {
		case 0:
			return c.Path
		case 1:
			return orDash(c.Old)
		default:
			return orDash(c.New)
		}
	})
	wide := func(o fyne.CanvasObject) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(170, o.MinSize().Height), o)
	}
	bar := container.NewHBox(widget.NewLabel("Compare snapshot"), wide(v.from), widget.NewLabel("with"), wide(v.to), compare)
	diffPane := container.NewHSplit(
		container.NewBorder(v.kind, nil, nil, nil, v.list),
		container.NewBorder(v.person, nil, nil, nil, v.fields))
	diffPane.Offset = 0.35
	bottom := container.NewBorder(container.NewVBox(bar, v.summary), nil, nil, nil, diffPane)
	split := container.NewVSplit(v.table, bottom)
	split.Offset = 0.35
	v.root = split
	return v
}

func (v *snapshotsView) refresh() {
	v.w.jobs.run(func() func() {
		snaps, err := v.w.app.Snapshots(context.Background())
		return func() {
			if err != nil {
				v.w.showError(err)
				return
			}
			v.snaps = snaps
			var names []string
			for _, s := range snaps {
				names = append(names, strconv.FormatUint(s.Number, 10))
			}
			v.from.SetOptions(append(names, noSnapshot))
			v.to.SetOptions(names)
			v.table.Refresh()
			if v.to.Selected == "" && len(snaps) > 0 {
				// show what the latest snapshot changed
				v.compareWithPrevious(snaps[0].Number)
			}
		}
	})
}

// compareWithPrevious compares snapshot n with the one before it.
func (v *snapshotsView) compareWithPrevious(n uint64) {
	v.to.SetSelected(strconv.FormatUint(n, 10))
	if n > 1 {
		v.from.SetSelected(strconv.FormatUint(n-1, 10))
	} else {
		v.from.SetSelected(noSnapshot)
	}
	v.compare()
}

func (v *snapshotsView) compare() {
	from, err := strconv.ParseUint(v.from.Selected, 10, 64)
	if v.from.Selected == noSnapshot {
		from, err = 0, nil
	}
	to, _ := strconv.ParseUint(v.to.Selected, 10, 64)
	if err != nil || to == 0 {
		v.summary.SetText("Choose two snapshots to compare.")
		return
	}
	v.summary.SetText(fmt.Sprintf("Comparing snapshot %d with %d…", from, to))
	v.gen++
	gen := v.gen
	v.w.jobs.run(func() func() {
		d, err := v.w.app.DiffSnapshots(context.Background(), from, to)
		return func() {
			if gen != v.gen {
				return
			}
			if err != nil {
				v.w.showError(err)
				return
			}
			v.diff = d
			what := fmt.Sprintf("From snapshot %d to %d", from, to)
			if from == 0 {
				what = fmt.Sprintf("Snapshot %d against an empty workspace", to)
			}
			v.summary.SetText(fmt.Sprintf("%s: %s added, %s removed, %s changed.", what, thousands(len(d.Added)), thousands(len(d.Removed)), thousands(len(d.Changed))))
			v.kind.Options = []string{
				fmt.Sprintf("%s (%s)", kindAdded, thousands(len(d.Added))),
				fmt.Sprintf("%s (%s)", kindRemoved, thousands(len(d.Removed))),
				fmt.Sprintf("%s (%s)", kindChanged, thousands(len(d.Changed))),
			}
			switch {
			case len(d.Changed) > 0:
				v.kind.SetSelected(v.kind.Options[2])
			case len(d.Added) > 0:
				v.kind.SetSelected(v.kind.Options[0])
			default:
				v.kind.SetSelected(v.kind.Options[1])
			}
			v.kind.Refresh()
			v.showKind()
		}
	})
}

func (v *snapshotsView) showKind() {
	if v.diff == nil {
		return
	}
	switch v.kind.Selected {
	case v.kind.Options[0]:
		v.entries = v.diff.Added
	case v.kind.Options[1]:
		v.entries = v.diff.Removed
	default:
		v.entries = v.diff.Changed
	}
	v.list.UnselectAll()
	v.list.Refresh()
	v.changes = nil
	v.person.SetText("Select a person to see their changes field by field.")
	v.fields.Refresh()
}

func (v *snapshotsView) openPerson(id string) {
	d := v.diff
	v.w.jobs.run(func() func() {
		pc, err := v.w.app.DiffPerson(context.Background(), d.From, d.To, id)
		return func() {
			if err != nil {
				v.w.showError(err)
				return
			}
			if v.diff != d {
				return
			}
			name := id
			if pc.New != nil {
				name = pc.New.DisplayName
			} else if pc.Old != nil {
				name = pc.Old.DisplayName
			}
			v.person.SetText(fmt.Sprintf("%s (%s): %d fields differ", name, id, len(pc.Changes)))
			v.changes = pc.Changes
			v.fields.Refresh()
		}
	})
}
