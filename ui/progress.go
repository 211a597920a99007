package ui

import (
	"context"
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"provisio/engine/importing"
)

// work is a long run: it reports progress as a fraction and a line of
// text, honours ctx, and returns what to apply on the UI goroutine (also
// when it fails: a run can have partial results) and its error.
type work func(ctx context.Context, report func(fraction float64, text string)) (func(), error)

// progressPanel shows a long run inline: a line of text, a progress bar
// and a Cancel button. It is hidden while idle.
type progressPanel struct {
	label  *widget.Label
	bar    *widget.ProgressBar
	cancel *widget.Button
	box    *fyne.Container

	mu         sync.Mutex
	stop       context.CancelFunc
	running    bool
	cancelling bool // keeps "Cancelling…" up until the run stops
	lastSent   time.Time
}

func newProgressPanel() *progressPanel {
	p := &progressPanel{label: widget.NewLabel(""), bar: widget.NewProgressBar()}
	p.cancel = widget.NewButton("Cancel", p.Cancel)
	p.box = container.NewBorder(nil, nil, nil, p.cancel, container.NewVBox(p.label, p.bar))
	p.box.Hide()
	return p
}

// Running reports whether a run is going.
func (p *progressPanel) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running
}

// Cancel asks the run to stop.
func (p *progressPanel) Cancel() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		p.stop()
		p.cancelling = true
		p.label.SetText("Cancelling…")
		p.cancel.Disable()
	}
}

// start runs w in the background; done is called on the UI goroutine with
// the error (nil on success) after the result was applied.
func (p *progressPanel) start(j *jobs, title string, w work, done func(error)) bool {
	p.mu.Lock()
	if p.running {
		p.mu.Unlock()
		return false
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.running, p.stop, p.cancelling = true, cancel, false
	p.mu.Unlock()
	p.label.SetText(title)
	p.bar.SetValue(0)
	p.cancel.Enable()
	p.box.Show()
	j.run(func() func() {
		apply, err := w(ctx, func(f float64, text string) {
			p.mu.Lock()
			throttled := time.Since(p.lastSent) < 40*time.Millisecond && f < 1 || p.cancelling
			if !throttled {
				p.lastSent = time.Now()
			}
			p.mu.Unlock()
			if !throttled {
				j.post(func() {
					p.bar.SetValue(f)
					p.label.SetText(text)
				})
			}
		})
		cancel()
		return func() {
			p.mu.Lock()
			p.running, p.stop = false, nil
			p.mu.Unlock()
			p.box.Hide()
			if apply != nil {
				apply()
			}
			if done != nil {
				done(err)
			}
		}
	})
	return true
}

// progressDialog shows a long run in a modal dialog with a Cancel button.
type progressDialog struct {
	panel *progressPanel
	d     dialog.Dialog
	title string
}

func newProgressDialog(title string, win fyne.Window) *progressDialog {
	p := &progressDialog{panel: newProgressPanel(), title: title}
	content := container.NewPadded(p.panel.box)
	content.Resize(fyne.NewSize(460, 0))
	p.d = dialog.NewCustomWithoutButtons(title, container.NewGridWrap(fyne.NewSize(460, 90), content), win)
	return p
}

func (p *progressDialog) start(j *jobs, w work, onErr func(error)) {
	p.d.Show()
	p.panel.start(j, p.title, w, func(err error) {
		p.d.Hide()
		if err != nil && onErr != nil {
			onErr(err)
		}
	})
}

// importProgress turns an import's progress into a fraction and a line.
func importProgress(report func(float64, string)) func(importing.Progress) {
	return func(p importing.Progress) {
		report(p.Fraction(), fmt.Sprintf("%s: %s… %.0f%%", p.Source, p.Phase, p.Fraction()*100))
	}
}
