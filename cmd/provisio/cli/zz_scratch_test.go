package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"provisio/app"
	"provisio/cmd/provisio/cli"
	"provisio/engine"
)

func scratchRun(ws string, args ...string) {
	var o, e bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"--workspace", ws}, args...), cli.Env{Stdout: &o, Stderr: &e, Options: app.Options{Clock: engine.FixedClock(time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC))}})
	out := o.String()
	if len(out) > 3000 {
		out = out[:3000] + "…"
	}
	fmt.Printf("$ %v\n-> %d\n--stdout--\n%s--stderr--\n%s\n", args, code, out, e.String())
}

func TestScratch(t *testing.T) {
	d := os.Getenv("SCRATCH")
	ws := filepath.Join(d, "ws")
	hr := filepath.Join(d, "hr")
	if os.Getenv("STEP1") != "" {
	scratchRun(ws, "demo", "generate", "--persons", "500", "--out", hr)
	scratchRun(ws, "config", "import", filepath.Join(hr, "config.json"))
	scratchRun(ws, "import")
	}
	if os.Getenv("STEP2") != "" {
		scratchRun(ws, "import")
		scratchRun(ws, "snapshots", "diff", "1", "2")
		scratchRun(ws, "snapshots", "diff", "1", "2", "--person", "hr:100003")
		scratchRun(ws, "snapshots", "diff", "1", "2", "--person", "hr:100178"); scratchRun(ws, "snapshots", "diff", "1", "2", "--json", "--person", "hr:100178")
		scratchRun(ws, "imports", "--json")
	}
}
