package app_test

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/app/demo"
	"provisio/connectors/file"
	"provisio/engine"
)

// demoDirectory reads one of the demo workspace's directory files.
func demoDirectory(t *testing.T, a *app.App, name string) *file.Directory {
	t.Helper()
	d, err := file.ReadDirectory(filepath.Join(a.Dir(), app.DemoDataDir, name))
	require.NoError(t, err)
	return d
}

// byRef indexes a directory's accounts by reference.
func byRef(d *file.Directory) map[string]file.Account {
	out := map[string]file.Account{}
	for _, acct := range d.Accounts {
		out[acct.Ref] = acct
	}
	return out
}

func TestDemoTargetsAreDirectoryFilesInTheWorkspace(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	cfg, err := a.Config(ctx)
	require.NoError(t, err)
	for key, want := range map[string]string{"ad": "demo-data/ad-directory.json", "google": "demo-data/google-directory.json"} {
		tg, ok := cfg.TargetSystem(key)
		require.True(t, ok, key)
		assert.Equal(t, "file", tg.Kind, key)
		assert.Equal(t, want, tg.Settings["path"], "%s refers to its file relative to the workspace", key)
		assert.FileExists(t, filepath.Join(a.Dir(), filepath.FromSlash(want)))
		require.NoError(t, a.TestTarget(ctx, key))
	}

	// the accounts were read, so that the first evaluation correlates
	_, accounts, err := a.TargetAccounts(ctx, "ad")
	require.NoError(t, err)
	assert.Len(t, accounts, len(demoDirectory(t, a, demo.ADDirectoryFile).Accounts))
	_, accounts, err = a.TargetAccounts(ctx, "google")
	require.NoError(t, err)
	assert.Len(t, accounts, 1, "the Workspace administrator")

	groups, err := a.DiscoverPermissions(ctx, "ad")
	require.NoError(t, err)
	assert.True(t, slices.ContainsFunc(groups, func(p engine.Permission) bool { return p.ID == "GG-ICT" }), "a department group")
}

// TestDemoRunsEndToEndWithoutAServer evaluates the demo, enforces the plan
// into its directory files, and checks that the files, the ledger and the
// next evaluation agree, and that enforcing again changes nothing.
func TestDemoRunsEndToEndWithoutAServer(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	seeded := byRef(demoDirectory(t, a, demo.ADDirectoryFile))

	info, err := a.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	plan, err := a.Evaluation(ctx, info.ID)
	require.NoError(t, err)
	correlated := map[string]string{} // person → account
	for _, x := range plan.Actions {
		if x.Op == engine.OpCorrelate {
			correlated[x.Person] = x.Ref
			require.Contains(t, seeded, x.Ref)
			assert.Equal(t, strings.TrimPrefix(x.Person, "hr:"), seeded[x.Ref].Attributes["employeeID"], "correlated by employee id")
			assert.NotEmpty(t, x.Changes, "the seeded account %s is out of date", x.Ref)
		}
		if x.Op == engine.OpCreate && x.Key.Target == "ad" {
			assert.NotEmpty(t, x.Changes, "a create writes the mapped attributes")
		}
	}
	assert.Len(t, correlated, 3, "the three employees' accounts made before Provisio")

	run, err := a.Enforce(ctx, app.EnforceOptions{}, nil)
	require.NoError(t, err)
	assert.Equal(t, engine.RunDone, run.Status)
	assert.Empty(t, run.Breaches, "percentages of a target with no accounts are not checked")
	assert.Equal(t, map[engine.Outcome]int{engine.OutcomeDone: len(plan.Actions)}, run.Counts)

	// the files hold what the ledger says
	dirs := map[string]map[string]file.Account{
		"ad":     byRef(demoDirectory(t, a, demo.ADDirectoryFile)),
		"google": byRef(demoDirectory(t, a, demo.GoogleDirectoryFile)),
	}
	persons := map[string]bool{}
	for _, x := range plan.Actions {
		persons[x.Person] = true
	}
	linked := map[string]map[string]bool{"ad": {}, "google": {}}
	for p := range persons {
		accts, err := a.PersonAccounts(ctx, p)
		require.NoError(t, err)
		for _, pa := range accts {
			require.NotNil(t, pa.Account, "%s has %s entitlements with an account", p, pa.Target)
			acct, ok := dirs[pa.Target][pa.Account.Reference]
			require.True(t, ok, "%s's account %s is in the %s file", p, pa.Account.Reference, pa.Target)
			linked[pa.Target][acct.Ref] = true
			assert.Equal(t, pa.Enabled, acct.Enabled, "%s in %s", p, pa.Target)
			var granted []string
			for _, le := range pa.Permissions {
				granted = append(granted, le.Key.Name)
			}
			for _, g := range granted {
				assert.Contains(t, acct.Permissions, g, "%s in %s", p, pa.Target)
			}
			for name, v := range pa.Account.Attributes {
				assert.Equal(t, v, acct.Attributes[name], "%s in %s: %s as the ledger has it", p, pa.Target, name)
			}
			if ref, ok := correlated[p]; ok && pa.Target == "ad" {
				assert.Equal(t, ref, acct.Ref, "the correlated account is linked, not made again")
			}
		}
	}
	// everything else in the files was there before, unlinked
	for target, accts := range dirs {
		for ref, acct := range accts {
			if !linked[target][ref] {
				id := acct.Attributes["sAMAccountName"] + acct.Attributes["primaryEmail"]
				assert.Contains(t, []string{"svc-backup", "jbauer", "admin@provisio-demo.example"}, id, "an account in %s no person is linked to", target)
			}
		}
	}
	unlinked, err := a.Unlinked(ctx, "ad")
	require.NoError(t, err)
	var names []string
	for _, acct := range unlinked {
		names = append(names, acct.Attributes["sAMAccountName"])
	}
	assert.ElementsMatch(t, []string{"svc-backup", "jbauer"}, names, "the reconciliation report")

	// the next evaluation finds everything in place
	info, err = a.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	again, err := a.Evaluation(ctx, info.ID)
	require.NoError(t, err)
	for _, x := range again.Actions {
		t.Errorf("after enforcing, the plan still has %s %s %s %v", x.Op, x.Person, x.Key, x.Changes)
	}

	// and enforcing it writes nothing
	before := map[string]*file.Directory{
		"ad": demoDirectory(t, a, demo.ADDirectoryFile), "google": demoDirectory(t, a, demo.GoogleDirectoryFile),
	}
	run, err = a.Enforce(ctx, app.EnforceOptions{}, nil)
	require.NoError(t, err)
	assert.Equal(t, engine.RunDone, run.Status)
	assert.Zero(t, run.Counts[engine.OutcomeDone], "nothing to do")
	assert.Equal(t, before["ad"], demoDirectory(t, a, demo.ADDirectoryFile))
	assert.Equal(t, before["google"], demoDirectory(t, a, demo.GoogleDirectoryFile))
}

// holds reports whether an account already has every new value of changes.
func holds(acct file.Account, changes []engine.AttributeChange) bool {
	for _, c := range changes {
		if acct.Attributes[c.Attribute] != c.New {
			return false
		}
	}
	return true
}

// demoHoldingCreates returns the demo workspace, evaluated, with a
// threshold that holds back Active Directory's creates beyond the first.
func demoHoldingCreates(t *testing.T) *app.App {
	t.Helper()
	a := demoApp(t)
	ctx := context.Background()
	cfg, err := a.Config(ctx)
	require.NoError(t, err)
	ad, ok := cfg.TargetSystem("ad")
	require.True(t, ok)
	one := 1
	ad.Thresholds = []engine.ActionThreshold{{Op: engine.OpCreate, MaxCount: &one}}
	_, err = a.SaveTargetSystem(ctx, *ad, "ad")
	require.NoError(t, err)
	_, err = a.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	return a
}

func TestApprovingAHeldCreateWritesWhatNeedsIt(t *testing.T) {
	a := demoHoldingCreates(t)
	ctx := context.Background()

	run, err := a.Enforce(ctx, app.EnforceOptions{}, nil)
	require.NoError(t, err)
	d, err := a.Run(ctx, run.ID)
	require.NoError(t, err)
	creates := map[string]int{} // person → their ad create
	for i, x := range d.Actions {
		if x.Key.Target == "ad" && x.Op == engine.OpCreate {
			creates[x.Person] = i
		}
	}
	require.Greater(t, len(creates), 1)
	var first int = -1
	for i, x := range d.Actions {
		_, held := creates[x.Person]
		switch {
		case x.Key.Target == "ad" && held:
			assert.Equal(t, engine.OutcomeBlocked, d.Results[i].Outcome, "%s %s of %s waits with the create", x.Op, x.Key, x.Person)
			if x.Op == engine.OpCreate && first < 0 {
				first = i
			}
		default:
			assert.Equal(t, engine.OutcomeDone, d.Results[i].Outcome, "%s %s of %s goes ahead", x.Op, x.Key, x.Person)
		}
	}

	// approving one create writes the person's account, access and groups
	_, err = a.DecideBlocked(ctx, run.ID, []int{first}, true, nil)
	require.NoError(t, err)
	d, err = a.Run(ctx, run.ID)
	require.NoError(t, err)
	person := d.Actions[first].Person
	var ref string
	for i, x := range d.Actions {
		if x.Person == person && x.Key.Target == "ad" {
			assert.Equal(t, engine.OutcomeDone, d.Results[i].Outcome, "%s %s", x.Op, x.Key)
			ref = cmp.Or(ref, d.Results[i].Ref)
		}
	}
	acct := byRef(demoDirectory(t, a, demo.ADDirectoryFile))[ref]
	assert.True(t, acct.Enabled, "the approved account is enabled")
	assert.NotEmpty(t, acct.Permissions, "and in its groups")
	approved, err := a.Audit(ctx, engine.AuditFilter{Person: person, Outcome: engine.OutcomeApproved})
	require.NoError(t, err)
	var want int
	for _, x := range d.Actions {
		if x.Person == person && x.Key.Target == "ad" {
			want++
		}
	}
	assert.Len(t, approved, want, "the approval of each action is in the audit log")

	// rejecting the rest rejects what needs them too
	_, err = a.DecideBlocked(ctx, run.ID, nil, false, nil)
	require.NoError(t, err)
	d, err = a.Run(ctx, run.ID)
	require.NoError(t, err)
	rejected := 0
	for i, res := range d.Results {
		assert.NotEqual(t, engine.OutcomeBlocked, res.Outcome, "%s %s of %s", d.Actions[i].Op, d.Actions[i].Key, d.Actions[i].Person)
		if res.Outcome == engine.OutcomeRejected {
			rejected++
		}
	}
	entries, err := a.Audit(ctx, engine.AuditFilter{Outcome: engine.OutcomeRejected})
	require.NoError(t, err)
	assert.Len(t, entries, rejected, "so are the rejections")
	_, err = a.VerifyAudit(ctx)
	assert.NoError(t, err)
}

func TestARunCannotBeResumedOrApprovedAfterALaterRunWrote(t *testing.T) {
	a := demoHoldingCreates(t)
	ctx := context.Background()
	old, err := a.Enforce(ctx, app.EnforceOptions{}, nil)
	require.NoError(t, err)
	d, err := a.Run(ctx, old.ID)
	require.NoError(t, err)
	var blocked []int
	for i, res := range d.Results {
		if res.Outcome == engine.OutcomeBlocked && d.Actions[i].Op == engine.OpCreate {
			blocked = append(blocked, i)
		}
	}
	require.Greater(t, len(blocked), 1)

	// a dry run since writes nothing: approving goes on
	_, err = a.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	_, err = a.Enforce(ctx, app.EnforceOptions{DryRun: true}, nil)
	require.NoError(t, err)
	_, err = a.DecideBlocked(ctx, old.ID, blocked[:1], true, nil)
	require.NoError(t, err, "a dry run is no obstacle")

	// a run that wrote is
	_, err = a.Evaluate(ctx, app.EvaluateOptions{}, nil)
	require.NoError(t, err)
	later, err := a.Enforce(ctx, app.EnforceOptions{}, nil)
	require.NoError(t, err)
	_, err = a.DecideBlocked(ctx, old.ID, nil, true, nil)
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)
	assert.Contains(t, err.Error(), fmt.Sprintf("run %d wrote to the targets after run %d", later.ID, old.ID))
	_, err = a.ResumeRun(ctx, old.ID, nil)
	assert.Error(t, err)
	_, err = a.RetryFailed(ctx, old.ID, nil, nil)
	assert.Error(t, err)

	// rejecting writes nothing: it closes the old run
	_, err = a.DecideBlocked(ctx, old.ID, nil, false, nil)
	require.NoError(t, err)
	d, err = a.Run(ctx, old.ID)
	require.NoError(t, err)
	assert.Zero(t, d.Run.Counts[engine.OutcomeBlocked])
}
