//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package file

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// helperEnv names the directory file a helper process writes to.
const helperEnv = "PROVISIO_FILE_TEST_HELPER"

// TestHelperProcessCreatesAccounts is run by
// TestConcurrentProcessesLoseNothing in other processes.
func TestHelperProcessCreatesAccounts(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("a helper of TestConcurrentProcessesLoseNothing")
	}
	path, prefix, _ := strings.Cut(spec, "|")
	c, err := New(map[string]string{"path": path}, engine.ConnectorEnv{}, engine.TargetOptions{})
	require.NoError(t, err)
	for i := range processAccounts {
		_, err := c.Create(t.Context(), engine.Attributes{"userName": prefix + strconv.Itoa(i)})
		require.NoError(t, err)
	}
}

const processAccounts = 40

func TestConcurrentProcessesLoseNothing(t *testing.T) {
	if os.Getenv(helperEnv) != "" {
		t.Skip("already a helper")
	}
	_, path := newDirectory(t)
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for p := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessCreatesAccounts$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|p%d-", helperEnv, path, p))
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		require.NoError(t, cmd.Start())
		cmds = append(cmds, cmd)
		outs = append(outs, out)
	}
	// and this process writes at the same time
	c, err := New(map[string]string{"path": path}, engine.ConnectorEnv{}, engine.TargetOptions{})
	require.NoError(t, err)
	for i := range processAccounts {
		_, err := c.Create(t.Context(), engine.Attributes{"userName": "main-" + strconv.Itoa(i)})
		require.NoError(t, err)
	}
	for i, cmd := range cmds {
		require.NoError(t, cmd.Wait(), "helper process %d:\n%s", i, outs[i])
	}
	d, err := ReadDirectory(path)
	require.NoError(t, err)
	var names []string
	for _, a := range d.Accounts {
		names = append(names, a.Attributes["userName"])
	}
	slices.Sort(names)
	assert.Len(t, slices.Compact(names), 3*processAccounts, "accounts written by three processes at once")
}

func TestTheFolderLockKeepsOutOtherOpeners(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockFolder(t.Context(), dir)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	_, err = lockFolder(ctx, dir)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "a second lock waits while the first is held")
	unlock()
	unlock2, err := lockFolder(t.Context(), dir)
	require.NoError(t, err, "the lock is free once released")
	unlock2()
}
