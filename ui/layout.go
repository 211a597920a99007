package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
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

// columnsLayout lays its objects out side by side, sharing the width by
// weight, so a row of selects and entries fits a narrow window instead of
// pushing its last column out of sight. Each column is at least its
// minimum width; the objects' own minimum widths are not enforced (selects
// truncate their text).
type columnsLayout struct {
	weights []float32
	mins    []float32
}

func (l columnsLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	avail := size.Width - pad*float32(len(objects)-1)
	var total, fixed float32
	for i := range objects {
		total += l.weights[i]
		fixed += l.mins[i]
	}
	x := float32(0)
	for i, o := range objects {
		w := l.mins[i]
		if avail > fixed && total > 0 {
			w += (avail - fixed) * l.weights[i] / total
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + pad
	}
}

func (l columnsLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for i, o := range objects {
		s.Width += l.mins[i]
		s.Height = max(s.Height, o.MinSize().Height)
	}
	return s.AddWidthHeight(theme.Padding()*float32(max(len(objects)-1, 0)), 0)
}

// columns puts objects side by side: weights share the width beyond the
// minimum widths mins.
func columns(weights, mins []float32, objects ...fyne.CanvasObject) *fyne.Container {
	return container.New(columnsLayout{weights: weights, mins: mins}, objects...)
}
