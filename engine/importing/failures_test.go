package importing_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	csvconn "provisio/connectors/csv"
	"provisio/engine"
	"provisio/engine/importing"
)

// state is what a failed import must leave as it was.
type state struct {
	snapshots []engine.SnapshotInfo
	index     []engine.IndexEntry
	imports   int
}

func stateOf(t *testing.T, s engine.Store) state {
	t.Helper()
	ctx := context.Background()
	snaps, err := s.ListSnapshots(ctx)
	require.NoError(t, err)
	runs, err := s.ListImports(ctx)
	require.NoError(t, err)
	st := state{snapshots: snaps, imports: len(runs)}
	if len(snaps) > 0 {
		st.index = entries(t, s, 0)
	}
	return st
}

// assertNothingChanged checks that a run failed with the given status and
// message, is recorded, and that nothing else changed.
func assertNothingChanged(t *testing.T, s engine.Store, before state, run *engine.ImportRun, snap *engine.SnapshotInfo, status engine.ImportStatus, message string) {
	t.Helper()
	require.NotNil(t, run)
	assert.Nil(t, snap)
	assert.Equal(t, status, run.Status)
	assert.Contains(t, run.Message, message)
	assert.Equal(t, importTime, run.FinishedAt)
	assert.Zero(t, run.Snapshot)
	stored, err := s.FindImport(context.Background(), run.ID)
	require.NoError(t, err)
	assert.Equal(t, status, stored.Status)
	assert.Equal(t, run.Message, stored.Message)

	after := stateOf(t, s)
	assert.Equal(t, before.snapshots, after.snapshots)
	assert.Equal(t, before.index, after.index)
	assert.Equal(t, before.imports+1, after.imports, "only the failed run is recorded")
}

func TestMissingFileRecordsAFailedRun(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "export.csv",
		"id,first,last,email,excluded,contract,start,end,dept,title",
		"E1,Anna,Berg,anna@example.com,,C1,2020-01-01,,D1,Clerk",
	)
	s := openStore(t)
	im := newImporter(s)
	src := hrSource("hr")
	src.Mapping.Department = nil
	settings := map[string]string{"file": "export.csv", "personKey": "id"}
	conn, err := csvconn.New(settings, engine.ConnectorEnv{BaseDir: dir})
	require.NoError(t, err)
	mustImport(t, im, src, conn)
	before := stateOf(t, s)

	settings["file"] = "missing.csv"
	conn, err = csvconn.New(settings, engine.ConnectorEnv{BaseDir: dir})
	require.NoError(t, err)
	run, snap, err := im.Run(context.Background(), config(src), src, conn, nil)
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
	assertNothingChanged(t, s, before, run, snap, engine.ImportFailed, "missing.csv")
	assert.Contains(t, run.Message, "does not exist")
}

func TestReadErrorAfterSomeRecordsRecordsAFailedRun(t *testing.T) {
	s := openStore(t)
	im := newImporter(s)
	src := hrSource("hr")
	mustImport(t, im, src, people(10).single(nil))
	before := stateOf(t, s)

	conn := people(800).single(nil)
	conn.readErr = engine.Errorf(engine.Unavailable, "reading file export.csv: the network share went away")
	conn.failAt = 700
	run, snap, err := im.Run(context.Background(), config(src), src, conn, nil)
	assert.True(t, engine.IsCode(err, engine.Unavailable), "%v", err)
	assertNothingChanged(t, s, before, run, snap, engine.ImportFailed, "the network share went away")
	assert.Zero(t, run.Counts, "a failed run has no counts")
}

func TestMappingThatDoesNotCompileRecordsAFailedRun(t *testing.T) {
	s := openStore(t)
	im := newImporter(s)
	mustImport(t, im, hrSource("hr"), people(3).single(nil))
	before := stateOf(t, s)

	src := hrSource("hr")
	src.Mapping.Person[1] = field("Name.GivenName", "voornaam")
	run, snap, err := im.Run(context.Background(), config(src), src, people(3).single(nil), nil)
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
	assertNothingChanged(t, s, before, run, snap, engine.ImportFailed, `"voornaam"`)
	assert.Contains(t, run.Message, "Name.GivenName")
}

func TestSnippetThatDoesNotCompileRecordsAFailedRun(t *testing.T) {
	s := openStore(t)
	im := newImporter(s)
	before := stateOf(t, s)
	src := hrSource("hr")
	src.Mapping.Person = append(src.Mapping.Person, engine.FieldMapping{Field: "DisplayName", Type: engine.MapComplex, Value: "source.first +"})
	run, snap, err := im.Run(context.Background(), config(src), src, people(3).single(nil), nil)
	assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
	assertNothingChanged(t, s, before, run, snap, engine.ImportFailed, "DisplayName")
}

func TestCancelledImportIsRecordedAndMakesNoSnapshot(t *testing.T) {
	s := openStore(t)
	im := newImporter(s)
	src := hrSource("hr")
	mustImport(t, im, src, people(10).single(nil))
	before := stateOf(t, s)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn := people(2000).single(nil)
	conn.afterEmit = func(n int) {
		if n == 700 {
			cancel()
		}
	}
	var phases []importing.Phase
	run, snap, err := im.Run(ctx, config(src), src, conn, func(p importing.Progress) { phases = append(phases, p.Phase) })
	assert.True(t, engine.IsCode(err, engine.Canceled), "%v", err)
	assertNothingChanged(t, s, before, run, snap, engine.ImportCanceled, "cancel")
	assert.NotContains(t, phases, importing.PhaseWriting)
}

func TestCancelledBeforeStartingIsRecorded(t *testing.T) {
	s := openStore(t)
	before := stateOf(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src := hrSource("hr")
	run, snap, err := newImporter(s).Run(ctx, config(src), src, people(5).single(nil), nil)
	assert.True(t, engine.IsCode(err, engine.Canceled), "%v", err)
	assertNothingChanged(t, s, before, run, snap, engine.ImportCanceled, "cancel")
}

func TestFailRecordsAnImportThatCouldNotStart(t *testing.T) {
	s := openStore(t)
	before := stateOf(t, s)
	cause := engine.Errorf(engine.Invalid, `setting "File" (file) is required`)
	run, snap, err := newImporter(s).Fail(hrSource("hr"), cause)
	assert.Equal(t, cause, err)
	assertNothingChanged(t, s, before, run, snap, engine.ImportFailed, `setting "File"`)
	assert.Equal(t, "hr", run.Source)
	assert.Equal(t, "HR export", run.SourceName)
	assert.Equal(t, importTime, run.StartedAt)
}

func TestCancelledWhileComparingIsRecordedAndMakesNoSnapshot(t *testing.T) {
	s := openStore(t)
	im := newImporter(s)
	src := hrSource("hr")
	mustImport(t, im, src, people(10).single(nil))
	before := stateOf(t, s)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run, snap, err := im.Run(ctx, config(src), src, people(50).single(nil), func(p importing.Progress) {
		if p.Phase == importing.PhaseComparing {
			cancel()
		}
	})
	assert.True(t, engine.IsCode(err, engine.Canceled), "%v", err)
	assertNothingChanged(t, s, before, run, snap, engine.ImportCanceled, "cancel")
}

func TestCancelOnceWritingHasStartedIsTooLate(t *testing.T) {
	s := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := hrSource("hr")
	run, snap, err := newImporter(s).Run(ctx, config(src), src, people(50).single(nil), func(p importing.Progress) {
		if p.Phase == importing.PhaseWriting {
			cancel()
		}
	})
	require.NoError(t, err, "the commit is one transaction that runs to its end")
	assert.Equal(t, engine.ImportAccepted, run.Status)
	require.NotNil(t, snap)
	assert.Equal(t, 50, snap.Persons)
}

func TestASnippetThatKeepsTimingOutStopsTheImport(t *testing.T) {
	s := openStore(t)
	im := newImporter(s)
	im.TimeLimit = 5 * time.Millisecond
	src := hrSource("hr")
	src.Mapping.Person = append(src.Mapping.Person, engine.FieldMapping{Field: "Name.NickName", Type: engine.MapComplex, Value: "while (true) {}"})
	run, snap, err := im.Run(context.Background(), config(src), src, people(500).single(nil), nil)
	require.Error(t, err)
	assert.Nil(t, snap)
	assert.Contains(t, err.Error(), "the JavaScript for Name.NickName took longer than 5ms")
	require.NotNil(t, run)
	assert.Equal(t, engine.ImportFailed, run.Status)
	noSnapshot(t, s)
}

func TestAnImportWithoutPersonsAlwaysWaitsForApproval(t *testing.T) {
	s := openStore(t)
	im := newImporter(s)
	src := hrSource("hr") // no thresholds at all
	mustImport(t, im, src, people(10).single(nil))
	run, snap, err := im.Run(context.Background(), config(src), src, people(0).single(nil), nil)
	require.True(t, engine.IsCode(err, engine.Blocked), "%v", err)
	assert.Nil(t, snap)
	require.Len(t, run.Breaches, 1)
	assert.Equal(t, 10, run.Breaches[0].Count)
	assert.Contains(t, run.Breaches[0].Limit, "always waits for approval")
}

func TestPersonsWhoseRowsCannotBeReadAreKeptAsTheyWere(t *testing.T) {
	dir := t.TempDir()
	header := "id,first,last,contract,start\n"
	good := header + "1,Ann,Smith,C1,2020-01-01\n2,Bob,Jones,C2,2020-01-01\n3,Cas,Berg,C3,2020-01-01\n"
	src := hrSource("hr")
	src.Mapping.Person = []engine.FieldMapping{field("Name.GivenName", "first"), field("Name.FamilyName", "last")}
	src.Mapping.Contract = []engine.FieldMapping{field("ExternalId", "contract"), field("StartDate", "start")}
	src.Mapping.Department = nil
	file := writeFile(t, dir, "hr.csv", good)
	conn := func() engine.SourceConnector {
		c, err := csvconn.New(map[string]string{"file": file, "personKey": "id"}, engine.ConnectorEnv{BaseDir: dir})
		require.NoError(t, err)
		return c
	}
	s := openStore(t)
	im := newImporter(s)
	mustImport(t, im, src, conn())
	before := persons(t, s)

	// Bob's row is ragged, Cas is changed, a new person's row is ragged
	writeFile(t, dir, "hr.csv", header+"1,Ann,Smith,C1,2020-01-01\n2,Bob,Jones\n3,Cas,Bergh,C3,2020-01-01\n4,Dee\n")
	run, _ := mustImport(t, im, src, conn())
	assert.Equal(t, 1, run.Counts.Kept, "Bob is not a leaver")
	assert.Zero(t, run.Counts.Removed)
	assert.Equal(t, 1, run.Counts.Changed)
	after := persons(t, s)
	assert.Equal(t, before["hr:2"], after["hr:2"], "Bob keeps his previous version")
	assert.Equal(t, "Bergh", after["hr:3"].Name.FamilyName)
	assert.NotContains(t, after, "hr:4", "a person with no readable row cannot be imported")
}
