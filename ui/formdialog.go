package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// formDialog is a form in a dialog whose confirm button is enabled while
// every field is valid.
type formDialog struct {
	*dialog.FormDialog
}

// dialogForm makes a form dialog with a note under the fields; onOK runs
// when it is confirmed.
func dialogForm(title, confirm string, items []*widget.FormItem, note fyne.CanvasObject, onOK func(), win fyne.Window) *formDialog {
	if note != nil {
		items = append(items, widget.NewFormItem("", note))
	}
	d := dialog.NewForm(title, confirm, "Cancel", items, func(ok bool) {
		if ok {
			onOK()
		}
	}, win)
	d.Resize(fyne.NewSize(560, 0))
	return &formDialog{d}
}
