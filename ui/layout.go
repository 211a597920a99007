package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// minSizeLayout gives its objects at least a minimum size, so that tables
// and lists show some rows inside scrolling pages.
type minSizeLayout struct{ min fyne.Size }

func (l minSizeLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (l minSizeLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	m := l.min
	for _, o := range objects {
		m = m.Max(fyne.NewSize(0, o.MinSize().Height))
	}
	return m
}

// withMinSize wraps o so it is never smaller than w × h.
func withMinSize(o fyne.CanvasObject, w, h float32) fyne.CanvasObject {
	return container.New(minSizeLayout{fyne.NewSize(w, h)}, o)
}
