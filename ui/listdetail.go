package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
