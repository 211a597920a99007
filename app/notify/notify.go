// Package notify shows desktop notifications without a GUI toolkit: over
// the freedesktop notification service (org.freedesktop.Notifications)
// on the D-Bus session bus, for `provisio daemon` and the command line.
// The GUI sends its notifications through Fyne instead (ui.NewNotifier),
// which on Linux reaches the same service.
package notify

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"provisio/app"
	"provisio/engine"
)

// The freedesktop notification service, as the Desktop Notifications
// Specification names it.
const (
	Service   = "org.freedesktop.Notifications"
	Path      = dbus.ObjectPath("/org/freedesktop/Notifications")
	Interface = "org.freedesktop.Notifications"
)

// callTimeout bounds one call to the notification service: a hung
// service must not hold up a scheduled run.
const callTimeout = 5 * time.Second

// DBus sends notifications to the freedesktop notification service on
// the session bus. It connects on first use and again after the bus went
// away, and never starts a bus of its own. Failures are logged once per
// outage and returned. Safe for concurrent use.
type DBus struct {
	// AppName is the sending application's name, as the service shows it.
	AppName string
	// Icon is an icon name or a file:// URI; empty for none.
	Icon string

	mu     sync.Mutex
	conn   *dbus.Conn
	markup bool // the service reads markup in bodies: escape it
	failed bool // the last attempt failed (and was logged)
}

var _ app.Notifier = (*DBus)(nil)

// NewDBus returns a notifier that sends as "Provisio". It does not
// connect until the first notification.
func NewDBus() *DBus { return &DBus{AppName: "Provisio"} }

// Notify shows a notification. The error, if any, is Unavailable: there is
// no session bus or no notification service on it.
func (d *DBus) Notify(title, body string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	err := d.send(title, body)
	switch {
	case err != nil && !d.failed:
		slog.Warn("desktop notifications are not shown", "err", err)
	case err == nil && d.failed:
		slog.Info("desktop notifications are shown again")
	}
	d.failed = err != nil
	return err
}

func (d *DBus) send(title, body string) error {
	if d.conn == nil || !d.conn.Connected() {
		if err := d.connect(); err != nil {
			return engine.Wrap(engine.Unavailable, err, "connect to the D-Bus session bus for desktop notifications")
		}
	}
	if d.markup {
		body = escapeMarkup(body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	call := d.conn.Object(Service, Path).CallWithContext(ctx, Interface+".Notify", 0,
		d.AppName, uint32(0), d.Icon, title, body, []string{}, map[string]dbus.Variant{}, int32(-1))
	if call.Err != nil {
		d.close()
		return engine.Wrap(engine.Unavailable, call.Err, "send a desktop notification through %s", Service)
	}
	return nil
}

// connect opens a private connection to the session bus (a shared one
// may be closed under us by other users, such as the tray) and asks the
// service whether it reads markup.
func (d *DBus) connect() error {
	d.close()
	conn, err := DialSessionBus()
	if err != nil {
		return err
	}
	d.conn = conn
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var caps []string
	if err := conn.Object(Service, Path).CallWithContext(ctx, Interface+".GetCapabilities", 0).Store(&caps); err == nil {
		d.markup = slices.Contains(caps, "body-markup")
	}
	return nil
}

// DialSessionBus opens a private connection to the session bus, ready for
// calls. It never starts a bus: without one it fails.
func DialSessionBus() (*dbus.Conn, error) {
	conn, err := dbus.SessionBusPrivateNoAutoStartup()
	if err != nil {
		return nil, err
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, err
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func (d *DBus) close() {
	if d.conn != nil {
		d.conn.Close()
		d.conn = nil
	}
}

// Unavailable returns a notifier that shows nothing and says why, for a
// process that cannot show notifications (HasSessionBus is false). It
// logs the reason once.
func Unavailable(reason string) app.Notifier { return &unavailable{reason: reason} }

type unavailable struct {
	reason string
	once   sync.Once
}

func (u *unavailable) Notify(title, _ string) error {
	u.once.Do(func() { slog.Warn("desktop notifications are not shown", "reason", u.reason) })
	return engine.Errorf(engine.Unavailable, "desktop notifications are not shown: %s", u.reason)
}

// Close closes the connection to the bus, if any.
func (d *DBus) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.close()
	return nil
}

// escapeMarkup escapes the characters that the specification's body
// markup gives a meaning, so names such as "Smith & Jones" show as they are.
func escapeMarkup(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
