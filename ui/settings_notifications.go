package ui

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/app"
	"provisio/engine"
)

// notificationsEditor switches each notification event on or off and
// sets how many days ahead lifecycle notices look.
type notificationsEditor struct {
	w *Window

	events      []engine.NotificationEvent
	checks      []*widget.Check
	onboarding  *widget.Entry
	offboarding *widget.Entry
	problem     *widget.Label
	save        *widget.Button
	test        *widget.Button
	root        fyne.CanvasObject
}

func newNotificationsEditor(w *Window) *notificationsEditor {
	e := &notificationsEditor{w: w, onboarding: widget.NewEntry(), offboarding: widget.NewEntry(), problem: problemLabel()}
	rows := container.NewVBox(helpLabel("Desktop notifications come while Provisio runs: its window, its icon in the system tray, or `provisio daemon` on a machine without a desktop."))
	for _, info := range app.NotificationEventInfos() {
		c := widget.NewCheck(info.Title, nil)
		e.events = append(e.events, info.Event)
		e.checks = append(e.checks, c)
		rows.Add(container.NewBorder(nil, nil, c, nil, helpLabel(info.Description)))
	}
	e.onboarding.SetPlaceHolder(strconv.Itoa(engine.DefaultNoticeDays))
	e.offboarding.SetPlaceHolder(strconv.Itoa(engine.DefaultNoticeDays))
	days := widget.NewForm(
		widget.NewFormItem("Onboarding notice, days before the first contract starts", e.onboarding),
		widget.NewFormItem("Offboarding notice, days before the last contract ends", e.offboarding),
	)
	e.save = widget.NewButtonWithIcon("Save notifications", theme.DocumentSaveIcon(), e.saveSettings)
	e.save.Importance = widget.HighImportance
	e.test = widget.NewButtonWithIcon("Send a test notification", theme.MailSendIcon(), e.sendTest)
	e.root = container.NewVBox(rows, days, e.problem, container.NewHBox(e.test, layout.NewSpacer(), e.save))
	return e
}

func (e *notificationsEditor) set(ns engine.NotificationSettings) {
	for i, ev := range e.events {
		e.checks[i].SetChecked(ns.On(ev))
	}
	e.onboarding.SetText(strconv.Itoa(ns.Onboarding()))
	e.offboarding.SetText(strconv.Itoa(ns.Offboarding()))
}

// value reads the form, or says which day count is not one.
func (e *notificationsEditor) value() (engine.NotificationSettings, error) {
	var ns engine.NotificationSettings
	for i, ev := range e.events {
		ns.SetOn(ev, e.checks[i].Checked)
	}
	for _, d := range []struct {
		name  string
		entry *widget.Entry
		into  *int
	}{{"onboarding", e.onboarding, &ns.OnboardingDays}, {"offboarding", e.offboarding, &ns.OffboardingDays}} {
		text := strings.TrimSpace(d.entry.Text)
		if text == "" {
			continue // the default
		}
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 || n > engine.MaxNoticeDays {
			return ns, engine.Errorf(engine.Invalid, "the %s days must be a whole number from 1 to %d, not %q", d.name, engine.MaxNoticeDays, text)
		}
		*d.into = n
	}
	return ns, nil
}

func (e *notificationsEditor) saveSettings() {
	ns, err := e.value()
	if err != nil {
		showProblem(e.problem, err)
		return
	}
	e.w.jobs.run(func() func() {
		err := e.w.app.SaveNotificationSettings(context.Background(), ns)
		return func() {
			showProblem(e.problem, err)
			if err == nil {
				e.set(ns)
			}
		}
	})
}

func (e *notificationsEditor) sendTest() {
	e.w.jobs.run(func() func() {
		err := e.w.app.TestNotification()
		return func() {
			if err != nil {
				e.w.showError(err)
				return
			}
			dialog.ShowInformation("Test notification sent", "Provisio sent a test notification. If none appeared, check that the desktop shows notifications (on Linux, that a notification service runs on the D-Bus session bus).", e.w.win)
		}
	})
}
