package demo

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app/boltstore"
	"provisio/connectors"
	"provisio/engine"
	"provisio/engine/importing"
)

// TestGeneratedDataImports runs the generated configuration end to end:
// the CSV connector reads the files, the mapping maps them, and the first
// import passes its thresholds and makes a snapshot of everyone.
func TestGeneratedDataImports(t *testing.T) {
	ctx := context.Background()
	dir, sum, ds := generate(t, Options{Persons: 1000})
	cfg := loadConfig(t, dir)
	src := &cfg.SourceSystems[0]
	kind, ok := connectors.Source(src.Kind)
	require.True(t, ok, "connector kind %q is registered", src.Kind)
	// relative file settings are relative to config.json's folder
	conn, err := kind.New(src.Settings, engine.ConnectorEnv{BaseDir: dir})
	require.NoError(t, err)

	store, err := boltstore.Open(t.TempDir())
	require.NoError(t, err)
	defer store.Close()
	im := &importing.Importer{Store: store, Clock: engine.FixedClock(DefaultAsOf.Time().Add(7 * time.Hour))}
	run, snap, err := im.Run(ctx, cfg, src, conn, nil)
	require.NoError(t, err, "the first import passes the thresholds")
	require.NotNil(t, snap)

	assert.Equal(t, engine.ImportAccepted, run.Status)
	assert.Empty(t, run.Breaches)
	assert.Equal(t, sum.Persons, run.Counts.Persons)
	assert.Equal(t, sum.Contracts, run.Counts.Contracts)
	assert.Equal(t, sum.Departments, run.Counts.Departments)
	assert.Equal(t, sum.MissingRequired, run.Counts.Blocked)
	assert.Equal(t, sum.MissingRequired, run.Counts.Errors, "each missing required field is reported, nothing else")

	assert.Equal(t, sum.Persons, snap.Persons)
	assert.Equal(t, sum.Contracts, snap.Contracts)
	assert.Equal(t, sum.Departments, snap.Departments)
	assert.Equal(t, sum.MissingRequired, snap.Blocked)
	assert.Equal(t, sum.Persons, snap.Added)

	// persons arrive whole: statuses on AsOf match the generator's figures
	idx, err := store.SnapshotIndex(ctx, snap.Number)
	require.NoError(t, err)
	refs := make([]engine.RecordRef, len(idx.Entries))
	for i, e := range idx.Entries {
		refs[i] = e.Ref
	}
	statuses := map[engine.Status]int{}
	err = store.ReadPersons(ctx, refs, func(_ int, p *engine.Person) error {
		statuses[p.LifecycleOn(DefaultAsOf)]++
		row := ds.person[p.ExternalID]
		if p.Blocked() {
			return nil
		}
		want := DisplayName(row.get("FirstName"), row.get("Nickname"), row.get("Prefix"), row.get("LastName"),
			row.get("PartnerPrefix"), row.get("PartnerLastName"), row.get("NameConvention"))
		expect(t, p.DisplayName == want, "%s: display name %q, want %q", p.ID, p.DisplayName, want)
		expect(t, len(p.Contracts) == len(ds.contractsOf[p.ExternalID]), "%s: %d contracts", p.ID, len(p.Contracts))
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, sum.FutureHires, statuses[engine.StatusFuture])
	assert.Equal(t, sum.Leavers, statuses[engine.StatusFormer])

	depts, err := store.ReadDepartments(ctx, snap.Number)
	require.NoError(t, err)
	assert.Len(t, depts, sum.Departments)
}
