package app_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

// configEntries returns the audit entries of configuration changes,
// oldest first, as "what: attribute new" lines.
func configEntries(t *testing.T, a interface {
	Audit(context.Context, engine.AuditFilter) ([]engine.AuditEntry, error)
}) []string {
	t.Helper()
	entries, err := a.Audit(context.Background(), engine.AuditFilter{Op: engine.OpConfigure})
	require.NoError(t, err)
	var out []string
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		for _, c := range e.Changes {
			out = append(out, e.Error+": "+c.Attribute+" "+c.New)
		}
	}
	return out
}

func TestEveryConfigurationAndRuleChangeIsAudited(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	key, _ := addSource(t, a, 3, engine.ImportThresholds{})
	cfg, err := a.Config(ctx)
	require.NoError(t, err)
	src := cfg.SourceSystems[0]
	src.Name = "HR renamed"
	_, err = a.SaveSourceSystem(ctx, src, key)
	require.NoError(t, err)
	_, err = a.SaveSourceSystem(ctx, src, key)
	require.NoError(t, err) // nothing changed: nothing audited
	require.NoError(t, a.SaveAggregationSettings(ctx, engine.AggregationSettings{SuggestScore: 0.95, MaxCandidates: 3}))
	dir, err := a.SaveTargetSystem(ctx, fileTarget(t, "Directory"), "")
	require.NoError(t, err)
	id, err := a.SaveRuleDraft(ctx, "", engine.RuleBody{Name: "Everyone", Status: engine.RuleActive,
		Entitlements: []engine.Entitlement{{Target: dir, Kind: engine.KindAccount}}})
	require.NoError(t, err)
	require.NoError(t, a.PublishRule(ctx, id))
	require.NoError(t, a.DeleteRule(ctx, id, true))
	require.NoError(t, a.DeleteSourceSystem(ctx, key))

	assert.Equal(t, []string{
		"source system saved: source system " + key + " added: HR test",
		"source system saved: source system " + key + " changed: name",
		"aggregation settings saved: aggregation settings " + `{"suggestScore":0.95,"maxCandidates":3}`,
		"target system saved: target system " + dir + " added: Directory",
		`business rule "Everyone": added as a draft: new rule added as a draft`,
		`business rule "Everyone": published: the draft is in force: rule ` + id + ` published: the draft is in force`,
		`business rule "Everyone": deleted; what it granted is kept, no longer managed: rule ` + id + ` deleted; what it granted is kept, no longer managed`,
		"source system deleted: source system " + key + " deleted",
	}, configEntries(t, a))
	n, err := a.VerifyAudit(ctx)
	require.NoError(t, err)
	assert.Equal(t, 8, n, "in the chain")
}
