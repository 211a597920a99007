package app_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/engine"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

func demoApp(t *testing.T) *app.App {
	t.Helper()
	a := openApp(t)
	_, err := a.CreateDemo(context.Background(), nil)
	require.NoError(t, err)
	return a
}

// planText writes an evaluation as reviewable text: figures, then every
// action with its operation (and the account it works on), its reasons
// and the attributes it writes, one a line: "= new" for a value written
// where there was none, "old → new" for a change.
func planText(e *engine.Evaluation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "as of %s, snapshot %d: %d persons, %d evaluated, %d blocked, %d excluded, %d actions\n",
		e.AsOf, e.Snapshot, e.Persons, e.Evaluated, e.Blocked, e.Excluded, e.EvaluationInfo.Actions)
	for _, r := range e.Summary {
		fmt.Fprintf(&b, "summary %s %s: %d grants, %d revokes\n", r.Target, r.Kind, r.Grants, r.Revokes)
	}
	for _, id := range []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7"} {
		fmt.Fprintf(&b, "rule %s matched %d\n", id, e.RuleMatches[id])
	}
	for _, s := range e.Skipped {
		fmt.Fprintf(&b, "skipped %s (%s): %s\n", s.Person, s.Name, s.Status)
	}
	for _, n := range e.Notes {
		fmt.Fprintf(&b, "note %s: %s\n", n.Person, n.Message)
	}
	for _, x := range e.Actions {
		var why []string
		for _, r := range x.Reasons {
			why = append(why, fmt.Sprintf("%s %v %s", r.Rule, r.Contracts, r.Why))
		}
		op := string(x.Op)
		if x.Ref != "" {
			op += " " + x.Ref
		}
		fmt.Fprintf(&b, "%s %s %s [%s] ← %s\n", x.Verb(), x.Person, x.Key, op, strings.Join(why, "; "))
		for _, c := range x.Changes {
			if c.Old == "" {
				fmt.Fprintf(&b, "    %s = %q\n", c.Attribute, c.New)
			} else {
				if c.Old == c.New {
					fmt.Fprintf(&b, "    %s: %q (kept)\n", c.Attribute, c.New)
				} else {
					fmt.Fprintf(&b, "    %s: %q → %q\n", c.Attribute, c.Old, c.New)
				}
			}
		}
	}
	return b.String()
}

func TestDemoEvaluationIsAsRecorded(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	info, err := a.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	e, err := a.Evaluation(ctx, info.ID)
	require.NoError(t, err)
	got := planText(e)
	golden := filepath.Join("testdata", "demo-evaluation.golden")
	if *updateGolden {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./app -run TestDemoEvaluationIsAsRecorded -update to write it")
	assert.Equal(t, string(want), got, "the demo's evaluation changed: review the difference, then run with -update")

	// the shape of the demo, independently of the file
	assert.Equal(t, 2, e.Blocked)
	assert.Zero(t, e.RuleMatches["r7"], "the draft rule is not in force")
	assert.Positive(t, e.RuleMatches["r6"], "some managers")
	for _, x := range e.Actions {
		assert.True(t, x.Grant, "the ledger is empty: everything is a grant")
		require.NotEmpty(t, x.Reasons)
	}
}
