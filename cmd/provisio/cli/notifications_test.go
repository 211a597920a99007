package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/cmd/provisio/cli"
	"provisio/engine"
)

// titles is a Notifier that keeps the titles of what it shows.
type titles struct {
	mu   sync.Mutex
	seen []string
}

func (n *titles) Notify(title, _ string) error {
	n.mu.Lock()
	n.seen = append(n.seen, title)
	n.mu.Unlock()
	return nil
}

// runNotifying runs a command on ws with n as the command line's notifier.
func runNotifying(t *testing.T, n app.Notifier, ws string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"--workspace", ws}, args...), cli.Env{
		Stdout: &stdout, Stderr: &stderr,
		Options:  app.Options{Clock: engine.FixedClock(testNow)},
		Notifier: n,
	})
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

type notificationsOut struct {
	Events []struct {
		Event engine.NotificationEvent `json:"event"`
		On    bool                     `json:"on"`
	} `json:"events"`
	OnboardingDays  int `json:"onboardingDays"`
	OffboardingDays int `json:"offboardingDays"`
}

func (o notificationsOut) off() []engine.NotificationEvent {
	var out []engine.NotificationEvent
	for _, e := range o.Events {
		if !e.On {
			out = append(out, e.Event)
		}
	}
	return out
}

func TestNotificationsCommandSwitchesEventsAndDays(t *testing.T) {
	ws := newDemoWorkspace(t)
	var out notificationsOut
	runJSON(t, ws, &out, "notifications")
	require.Len(t, out.Events, len(engine.NotificationEvents))
	assert.Empty(t, out.off(), "all on by default")
	assert.Equal(t, 7, out.OnboardingDays)

	runJSON(t, ws, &out, "notifications", "off", "run-finished", "pre-onboarding")
	assert.Equal(t, []engine.NotificationEvent{engine.NotifyRunFinished, engine.NotifyOnboarding}, out.off())
	runJSON(t, ws, &out, "notifications", "on", "run-finished")
	assert.Equal(t, []engine.NotificationEvent{engine.NotifyOnboarding}, out.off())
	runJSON(t, ws, &out, "notifications", "off", "all")
	assert.Len(t, out.off(), len(engine.NotificationEvents))
	runJSON(t, ws, &out, "notifications", "on", "all")
	assert.Empty(t, out.off())

	r := runFails(t, cli.ExitError, ws, "notifications", "off", "run-done")
	assert.Contains(t, r.stderr, `there is no notification event "run-done"`)
	assert.Contains(t, r.stderr, "pre-offboarding")

	runJSON(t, ws, &out, "notifications", "days", "--onboarding", "14")
	assert.Equal(t, 14, out.OnboardingDays)
	assert.Equal(t, 7, out.OffboardingDays, "the other count stays")
	r = runFails(t, cli.ExitError, ws, "notifications", "days", "--offboarding", "0")
	assert.Contains(t, r.stderr, "--offboarding must be from 1 to 365 days")
	runFails(t, cli.ExitError, ws, "notifications", "days")

	text := runOK(t, ws, "notifications", "list").stdout
	assert.Contains(t, text, "pre-onboarding")
	assert.Contains(t, text, "onboarding notice: 14 days ahead")
}

func TestNotificationsTestSendsASampleWhateverTheSettings(t *testing.T) {
	ws := newDemoWorkspace(t)
	runOK(t, ws, "notifications", "off", "all")
	n := &titles{}
	r := runNotifying(t, n, ws, "notifications", "test")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	assert.Equal(t, []string{"Provisio test notification"}, n.seen)

	r = run(t, ws, "notifications", "test")
	assert.Equal(t, cli.ExitError, r.code, "without a notifier")
	assert.Contains(t, r.stderr, "cannot send desktop notifications")
}

func TestNotificationsCheckSendsTheDueLifecycleNoticesOnce(t *testing.T) {
	ws := newDemoWorkspace(t)
	runOK(t, ws, "notifications", "days", "--onboarding", "60", "--offboarding", "60")
	n := &titles{}
	r := runNotifying(t, n, ws, "notifications", "check", "--json")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	var sent []app.LifecycleNotice
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &sent))
	require.NotEmpty(t, sent, "the demo has hires and leavers in the next 60 days")
	require.Len(t, n.seen, 2)
	assert.Contains(t, n.seen[0], "start within 60 days")
	assert.Contains(t, n.seen[1], "leave within 60 days")

	r = runNotifying(t, n, ws, "notifications", "check")
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	assert.Equal(t, "no notices due\n", r.stdout)
	assert.Len(t, n.seen, 2, "each person and date once")
}

func TestASecondProcessOnTheWorkspaceIsToldItIsInUse(t *testing.T) {
	ws := newDemoWorkspace(t)
	a, err := app.Open(ws, app.Options{})
	require.NoError(t, err)
	defer a.Close()
	for _, args := range [][]string{{"persons"}, {"notifications", "off", "run-finished"}} {
		r := runFails(t, cli.ExitError, ws, args...)
		assert.Contains(t, r.stderr, "is in use by another Provisio process", "provisio %s", strings.Join(args, " "))
		assert.Contains(t, r.stderr, "system tray")
	}
}

func TestAnErrorTheGUIReportedIsNotRepeated(t *testing.T) {
	gui := func(workspace, screen string) error {
		return cli.Reported(engine.Errorf(engine.Unavailable, "the workspace is in use"))
	}
	r := runEnv(t, gui)
	assert.Equal(t, cli.ExitError, r.code)
	assert.Empty(t, r.stderr, "the GUI wrote it to standard error already")
}
