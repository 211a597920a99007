package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"provisio/engine"
)

// evaluationScreen is being built (issue 3); this file is replaced.
type evaluationScreen struct {
	w    *Window
	root fyne.CanvasObject
}

func newEvaluationScreen(w *Window) *evaluationScreen {
	return &evaluationScreen{w: w, root: widget.NewLabel("")}
}

func (s *evaluationScreen) object() fyne.CanvasObject { return s.root }

func (s *evaluationScreen) refresh() {}

func (s *evaluationScreen) showWhatIf(body *engine.RuleBody, ruleID string) {}
