package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// listAndDetail lays out a screen of items: on the left a bold title, the
// add button and any more heads (a search, filters) above the list; on
// the right the body, the chosen item's detail. It returns the split,
// which an editor that takes the whole screen puts back when it closes,
// and the root that holds one or the other.
func listAndDetail(title string, add *widget.Button, list, body fyne.CanvasObject, offset float64, heads ...fyne.CanvasObject) (*container.Split, *fyne.Container) {
	add.Importance = widget.HighImportance
	top := container.NewVBox(append([]fyne.CanvasObject{widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), add}, heads...)...)
	split := container.NewHSplit(container.NewBorder(top, nil, nil, nil, list), body)
	split.Offset = offset
	return split, container.NewStack(split)
}

// twoLineList is the list of a list-and-detail screen: a bold name over a
// line of details, per item. count returns the number of items and item
// the two texts of one (called only for an index below count).
func twoLineList(count func() int, item func(i int) (name, info string)) *widget.List {
	return widget.NewList(count,
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			name.Truncation = fyne.TextTruncateEllipsis
			info := widget.NewLabel("")
			info.SizeName = theme.SizeNameCaptionText
			info.Truncation = fyne.TextTruncateEllipsis
			return container.NewVBox(name, info)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= count() {
				return
			}
			name, info := item(id)
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(name)
			box.Objects[1].(*widget.Label).SetText(info)
		})
}
