package cli_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/cmd/provisio/cli"
	"provisio/connectors/file"
	"provisio/engine"
)

// childEnv marks a run of the test binary as the provisio command line: a
// process the crash test can kill.
const childEnv = "PROVISIO_CLI_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(cli.Run(context.Background(), os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Options: app.Options{}}))
	}
	os.Exit(m.Run())
}

// startChild runs the command line in a process of its own.
func startChild(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_, _ = cmd.Process.Wait()
		}
	})
	return cmd, &out
}

func directoryAccounts(t *testing.T, path string) []file.Account {
	t.Helper()
	d, err := file.ReadDirectory(path)
	require.NoError(t, err)
	return d.Accounts
}

func TestEnforcementKilledMidRunIsFinishedByResumeWithoutDuplicatesAndWithACompleteAudit(t *testing.T) {
	ws := newDemoWorkspace(t)
	adFile := filepath.Join(ws, app.DemoDataDir, "ad-directory.json")
	seeded := len(directoryAccounts(t, adFile))
	var plan engine.Evaluation
	runJSON(t, ws, &plan, "evaluations", "show", "latest", "--limit", "0")
	creates := 0
	for _, a := range plan.Actions {
		if a.Key.Target == "ad" && a.Op == engine.OpCreate {
			creates++
		}
	}
	require.Greater(t, creates, 100, "the demo plan makes enough accounts to be killed half way")

	child, out := startChild(t, "--workspace", ws, "enforce", "--yes")
	deadline := time.Now().Add(60 * time.Second)
	for len(directoryAccounts(t, adFile)) < seeded+20 {
		require.Nil(t, child.ProcessState, "the run ended before it could be killed:\n%s", out)
		require.True(t, time.Now().Before(deadline), "the run made no accounts in time:\n%s", out)
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, child.Process.Signal(syscall.SIGKILL))
	_ = child.Wait()
	made := len(directoryAccounts(t, adFile)) - seeded
	require.Less(t, made, creates, "killed before it finished")

	var runs []engine.EnforcementRun
	runJSON(t, ws, &runs, "runs")
	require.Len(t, runs, 1)
	assert.Equal(t, engine.RunInterrupted, runs[0].Status, "opening the workspace again finds the run interrupted")

	r := run(t, ws, "runs", "resume", "1")
	require.Contains(t, []int{cli.ExitOK, cli.ExitBlocked}, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)

	// every account exactly once
	accounts := directoryAccounts(t, adFile)
	assert.Len(t, accounts, seeded+creates, "no account was made twice, none is missing")
	names := map[string]bool{}
	for _, a := range accounts {
		name := strings.ToLower(a.Attributes["sAMAccountName"])
		assert.False(t, names[name], "%s twice", name)
		names[name] = true
	}
	// every action written is in the audit log, once, in an intact chain
	var detail app.RunDetail
	runJSON(t, ws, &detail, "runs", "show", "1", "--limit", "0")
	done := 0
	for _, res := range detail.Results {
		assert.NotEqual(t, engine.OutcomePending, res.Outcome, "action %d still pending", res.Index)
		if res.Outcome == engine.OutcomeDone {
			done++
		}
	}
	var verified map[string]any
	runJSON(t, ws, &verified, "audit", "--verify")
	assert.Equal(t, true, verified["valid"])
	var audit []engine.AuditEntry
	runJSON(t, ws, &audit, "audit", "--limit", "0", "--outcome", "done", "--run", "1")
	assert.Len(t, audit, done, "one audit entry per action done")

	// the targets are now as the rules want them: nothing left to do for
	// what was made
	runOK(t, ws, "evaluate")
	var again engine.Evaluation
	runJSON(t, ws, &again, "evaluations", "show", "latest", "--limit", "0")
	for _, a := range again.Actions {
		assert.NotEqual(t, engine.OpCreate, a.Op, "%s %s is planned again", a.Person, a.Key)
	}
}
