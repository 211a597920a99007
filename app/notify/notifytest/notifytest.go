// Package notifytest is a freedesktop notification service for tests: it
// owns org.freedesktop.Notifications on a session bus (a private one, from
// scripts/with-session-bus.sh) and records every notification sent to it,
// as a desktop's notification daemon would show them.
package notifytest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"provisio/app/notify"
)

// Notification is one call of Notify, with the arguments the
// specification names.
type Notification struct {
	AppName    string                  `json:"appName"`
	ReplacesID uint32                  `json:"replacesId"`
	Icon       string                  `json:"icon"`
	Summary    string                  `json:"summary"`
	Body       string                  `json:"body"`
	Actions    []string                `json:"actions"`
	Hints      map[string]dbus.Variant `json:"-"`
	Timeout    int32                   `json:"timeout"`
}

// Server is the notification service.
type Server struct {
	conn *dbus.Conn
	mu   sync.Mutex
	caps []string
	got  []Notification
	next uint32
	ch   chan Notification
}

// NewServer owns the notification service's name on conn and serves it
// until conn is closed. It fails when another process owns the name
// already.
func NewServer(conn *dbus.Conn) (*Server, error) {
	s := &Server{caps: []string{"body"}, conn: conn, ch: make(chan Notification, 100)}
	if err := conn.Export(service{s}, notify.Path, notify.Interface); err != nil {
		return nil, err
	}
	reply, err := conn.RequestName(notify.Service, dbus.NameFlagDoNotQueue)
	if err != nil {
		return nil, err
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return nil, fmt.Errorf("%s is owned by another process on this bus; run the test in a private session bus (scripts/with-session-bus.sh)", notify.Service)
	}
	return s, nil
}

// Listen connects to the session bus of the environment
// (DBUS_SESSION_BUS_ADDRESS) and serves the notification service there
// until the test ends. Without a bus the test fails: these tests exist to
// show that notifications really travel over D-Bus.
func Listen(t testing.TB) *Server {
	t.Helper()
	conn, err := notify.DialSessionBus()
	if err != nil {
		t.Fatalf("no D-Bus session bus (run the test with scripts/with-session-bus.sh): %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	s, err := NewServer(conn)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SetCapabilities sets what GetCapabilities answers ("body" by default);
// "body-markup" asks clients to escape markup in bodies.
func (s *Server) SetCapabilities(caps ...string) {
	s.mu.Lock()
	s.caps = caps
	s.mu.Unlock()
}

// Next returns the next notification received, waiting at most timeout.
func (s *Server) Next(timeout time.Duration) (Notification, error) {
	select {
	case n := <-s.ch:
		return n, nil
	case <-time.After(timeout):
		return Notification{}, errors.New("no notification arrived within " + timeout.String())
	}
}

// Received returns every notification received so far.
func (s *Server) Received() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.got...)
}

// service holds the methods exported on the bus: exactly those of the
// org.freedesktop.Notifications interface.
type service struct{ s *Server }

func (v service) Notify(appName string, replacesID uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	n := Notification{AppName: appName, ReplacesID: replacesID, Icon: icon, Summary: summary, Body: body, Actions: actions, Hints: hints, Timeout: timeout}
	v.s.mu.Lock()
	v.s.got = append(v.s.got, n)
	v.s.next++
	id := v.s.next
	v.s.mu.Unlock()
	select {
	case v.s.ch <- n:
	default: // nobody waits: Received still has it
	}
	return id, nil
}

func (v service) GetCapabilities() ([]string, *dbus.Error) {
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	return v.s.caps, nil
}

func (v service) GetServerInformation() (name, vendor, version, specVersion string, err *dbus.Error) {
	return "provisio-notifytest", "Provisio", "1", "1.2", nil
}

func (v service) CloseNotification(id uint32) *dbus.Error { return nil }
