package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func TestSettingsSwitchNotificationsAndTheirDays(t *testing.T) {
	h := newHarness(t, false)
	h.w.Show(ScreenSettings)
	h.wait()
	e := h.w.settings.notifications
	require.Len(t, e.checks, len(engine.NotificationEvents), "one switch per event")
	for _, c := range e.checks {
		assert.True(t, c.Checked, "every event is on by default")
	}
	assert.Equal(t, "7", e.onboarding.Text)
	assert.Equal(t, "7", e.offboarding.Text)
	assert.Contains(t, texts(h.w.settings.root), "first contract starts within the onboarding days")

	test.Tap(e.checks[0]) // run finished: off
	e.onboarding.SetText("14")
	e.offboarding.SetText("366")
	test.Tap(e.save)
	h.wait()
	assert.True(t, e.problem.Visible())
	assert.Contains(t, e.problem.Text, "from 1 to 365")
	ns, err := h.app.NotificationSettings(context.Background())
	require.NoError(t, err)
	assert.Equal(t, engine.NotificationSettings{}, ns, "nothing saved")

	e.offboarding.SetText("3")
	test.Tap(e.save)
	h.wait()
	assert.False(t, e.problem.Visible())
	ns, err = h.app.NotificationSettings(context.Background())
	require.NoError(t, err)
	assert.Equal(t, engine.NotificationSettings{Off: []engine.NotificationEvent{engine.NotifyRunFinished}, OnboardingDays: 14, OffboardingDays: 3}, ns)

	h.w.Show(ScreenDashboard)
	h.w.Show(ScreenSettings)
	h.wait()
	assert.False(t, e.checks[0].Checked, "the saved settings show again")
	assert.Equal(t, "14", e.onboarding.Text)
}

func TestSettingsSendATestNotificationThroughFyne(t *testing.T) {
	h := newHarness(t, false)
	h.app.SetNotifier(NewNotifier(fyne.CurrentApp()))
	h.w.Show(ScreenSettings)
	h.wait()
	test.AssertNotificationSent(t, fyne.NewNotification("Provisio test notification", "Notifications from Provisio reach this desktop. Workspace: "+h.app.Dir()), func() {
		test.Tap(h.w.settings.notifications.test)
		h.wait()
	})
	assert.NotNil(t, h.win.Canvas().Overlays().Top(), "a dialog says it was sent")
}
