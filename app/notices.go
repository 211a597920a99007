package app

import (
	"context"
	"slices"

	"provisio/engine"
)

// Notifier shows desktop notifications: through Fyne in the GUI, over the
// freedesktop notification service on D-Bus headless.
type Notifier interface {
	Notify(title, body string) error
}

// SetNotifier sets where notifications go; nil sends none.
func (a *App) SetNotifier(n Notifier) {
	a.mu.Lock()
	a.notifier = n
	a.mu.Unlock()
}

// notify sends a notification of an event, unless the settings switch the
// event off. When once is set, the notification is sent only if no
// notification with that key was sent before (by any process).
func (a *App) notify(ctx context.Context, ev engine.NotificationEvent, once, title, body string) error {
	a.mu.Lock()
	n := a.notifier
	a.mu.Unlock()
	if n == nil {
		return nil
	}
	cfg, err := a.Config(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(cfg.Notifications.Off, ev) {
		return nil
	}
	if once != "" {
		fresh, err := a.store.MarkNotified(ctx, []string{once}, a.clock.Now())
		if err != nil || len(fresh) == 0 {
			return err
		}
	}
	return n.Notify(title, body)
}
