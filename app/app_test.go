package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/app/demo"
	"provisio/engine"
	"provisio/engine/importing"
)

var day = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// openApp opens a fresh workspace with a fixed clock.
func openApp(t *testing.T) *app.App {
	t.Helper()
	a, err := app.Open(filepath.Join(t.TempDir(), "ws"), app.Options{Clock: engine.FixedClock(day)})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	return a
}

const header = "Id;First;Last;Email;Contract;Start;End;Dept;Title;Fte\n"

// row is one person with one contract in the test export.
func row(id, first, last, start, end, dept string) string {
	return strings.Join([]string{id, first, last, strings.ToLower(first) + "@example.org", id + "-1", start, end, dept, "Clerk", "1,0"}, ";") + "\n"
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}

// exportOf returns n rows with ids 1..n.
func exportOf(n int) string {
	var b strings.Builder
	b.WriteString(header)
	for i := 1; i <= n; i++ {
		b.WriteString(row(itoa(i), "Given"+itoa(i), "Family"+itoa(i), "01-01-2020", "", "D1"))
	}
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

// csvSource is a single-file CSV source system over file.
func csvSource(file string, thresholds engine.ImportThresholds) engine.SourceSystem {
	return engine.SourceSystem{
		Name: "HR test", Kind: "csv",
		Settings:    map[string]string{"layout": "single", "file": file, "personKey": "Id"},
		DateFormats: []string{"dd-MM-yyyy"},
		Mapping: engine.SourceMapping{
			Person: []engine.FieldMapping{
				{Field: "ExternalId", Type: engine.MapField, Value: "Id", Required: true},
				{Field: "Name.GivenName", Type: engine.MapField, Value: "First", Required: true},
				{Field: "Name.FamilyName", Type: engine.MapField, Value: "Last", Required: true},
				{Field: "DisplayName", Type: engine.MapComplex, Value: "source.First + ' ' + source.Last"},
				{Field: "Contact.Business.Email", Type: engine.MapField, Value: "Email"},
			},
			Contract: []engine.FieldMapping{
				{Field: "ExternalId", Type: engine.MapField, Value: "Contract"},
				{Field: "StartDate", Type: engine.MapField, Value: "Start", Required: true},
				{Field: "EndDate", Type: engine.MapField, Value: "End"},
				{Field: "Department.ExternalId", Type: engine.MapField, Value: "Dept"},
				{Field: "Title.Name", Type: engine.MapField, Value: "Title"},
				{Field: "Details.Fte", Type: engine.MapField, Value: "Fte"},
			},
		},
		Thresholds: thresholds,
	}
}

func intp(n int) *int           { return &n }
func floatp(f float64) *float64 { return &f }

// addSource writes an export of n persons and saves a source over it.
func addSource(t *testing.T, a *app.App, n int, th engine.ImportThresholds) (key, file string) {
	t.Helper()
	file = filepath.Join(t.TempDir(), "export.csv")
	writeFile(t, file, exportOf(n))
	key, err := a.SaveSourceSystem(context.Background(), csvSource(file, th), "")
	require.NoError(t, err)
	return key, file
}

func TestCreateDemoImportsTheShippedData(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	empty, err := a.IsEmpty(ctx)
	require.NoError(t, err)
	assert.True(t, empty)

	outcomes, err := a.CreateDemo(ctx, nil)
	require.NoError(t, err)
	require.Len(t, outcomes, 1)
	snap := outcomes[0].Snapshot
	require.NotNil(t, snap)
	assert.Equal(t, uint64(1), snap.Number)
	assert.Equal(t, 300, snap.Persons)
	assert.Positive(t, snap.Blocked, "the demo has rows missing a required field")
	assert.FileExists(t, filepath.Join(a.Dir(), app.DemoDataDir, "persons.csv"))

	cfg, err := a.Config(ctx)
	require.NoError(t, err)
	assert.Equal(t, "demo-data/persons.csv", cfg.SourceSystems[0].Settings["personsFile"], "the demo refers to its files relative to the workspace")

	d, err := a.Dashboard(ctx)
	require.NoError(t, err)
	assert.Equal(t, 300, d.Persons)
	assert.Equal(t, snap.Blocked, d.ByStatus[engine.StatusBlocked])
	assert.Equal(t, 300, d.ByStatus[engine.StatusActive]+d.ByStatus[engine.StatusFuture]+d.ByStatus[engine.StatusFormer]+d.ByStatus[engine.StatusBlocked]+d.ByStatus[engine.StatusExcluded])

	_, err = a.CreateDemo(ctx, nil)
	assert.True(t, engine.IsCode(err, engine.Conflict), "a second demo in the same workspace is refused: %v", err)
}

func TestDemoWorkspaceMovesWithItsFolder(t *testing.T) {
	a := openApp(t)
	_, err := a.CreateDemo(context.Background(), nil)
	require.NoError(t, err)
	dir := a.Dir()
	require.NoError(t, a.Close())
	moved := filepath.Join(t.TempDir(), "moved")
	require.NoError(t, os.Rename(dir, moved))

	b, err := app.Open(moved, app.Options{Clock: engine.FixedClock(day)})
	require.NoError(t, err)
	defer b.Close()
	outcomes, err := b.RunImport(context.Background(), nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 0, outcomes[0].Run.Counts.Changed, "re-importing the same files changes nobody")
	assert.Equal(t, 300, outcomes[0].Run.Counts.Unchanged)
	n, err := b.ReadTargetAccounts(context.Background(), "ad", nil)
	require.NoError(t, err, "the directory files moved with it")
	assert.Positive(t, n)
}

func TestImportBlockedByThresholdChangesNothingUntilApproved(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	key, file := addSource(t, a, 20, engine.ImportThresholds{Removed: engine.Threshold{MaxPercent: floatp(10)}})
	_, err := a.RunImport(ctx, nil, nil)
	require.NoError(t, err)

	writeFile(t, file, exportOf(15)) // 5 of 20 leave: 25% > 10%
	outcomes, err := a.RunImport(ctx, []string{key}, nil)
	require.Error(t, err)
	assert.True(t, app.IsBlocked(err), "%v", err)
	run := outcomes[0].Run
	assert.Equal(t, engine.ImportPending, run.Status)
	require.Len(t, run.Breaches, 1)
	assert.Equal(t, "removed", run.Breaches[0].What)
	assert.Equal(t, 5, run.Breaches[0].Count)

	list, err := a.Persons(ctx)
	require.NoError(t, err)
	assert.Len(t, list.Persons, 20, "nothing changes while the import is pending")
	snaps, err := a.Snapshots(ctx)
	require.NoError(t, err)
	assert.Len(t, snaps, 1)
	pending, err := a.PendingImports(ctx)
	require.NoError(t, err)
	require.Len(t, pending, 1)

	_, snap, err := a.ApproveImport(ctx, run.ID, "leavers confirmed with HR")
	require.NoError(t, err)
	assert.Equal(t, uint64(2), snap.Number)
	assert.Equal(t, 15, snap.Persons)
	assert.Equal(t, 5, snap.Removed)
	list, err = a.Persons(ctx)
	require.NoError(t, err)
	assert.Len(t, list.Persons, 15)
	decided, err := a.Import(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, engine.ImportAccepted, decided.Status)
	assert.Equal(t, "leavers confirmed with HR", decided.Message)

	_, _, err = a.ApproveImport(ctx, run.ID, "")
	assert.True(t, engine.IsCode(err, engine.Conflict), "an import is decided once: %v", err)
}

func TestRejectedImportLeavesTheSnapshotAlone(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	_, file := addSource(t, a, 10, engine.ImportThresholds{Added: engine.Threshold{MaxCount: intp(2)}})
	_, err := a.RunImport(ctx, nil, nil)
	require.True(t, app.IsBlocked(err), "the first import adds 10 > 2: %v", err)
	pending, err := a.PendingImports(ctx)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	_, err = a.RejectImport(ctx, pending[0].ID, "wrong file")
	require.NoError(t, err)
	_, err = a.Snapshot(ctx, 0)
	assert.True(t, engine.IsCode(err, engine.NotFound), "no snapshot was made: %v", err)

	writeFile(t, file, exportOf(2))
	_, err = a.RunImport(ctx, nil, nil)
	require.NoError(t, err)
	snap, err := a.Snapshot(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, 2, snap.Persons)
}

func TestNewImportSupersedesAPendingOne(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	_, _ = addSource(t, a, 10, engine.ImportThresholds{Added: engine.Threshold{MaxCount: intp(5)}})
	first, err := a.RunImport(ctx, nil, nil)
	require.True(t, app.IsBlocked(err))
	_, err = a.RunImport(ctx, nil, nil)
	require.True(t, app.IsBlocked(err))
	old, err := a.Import(ctx, first[0].Run.ID)
	require.NoError(t, err)
	assert.Equal(t, engine.ImportSuperseded, old.Status)
	pending, err := a.PendingImports(ctx)
	require.NoError(t, err)
	assert.Len(t, pending, 1)
}

func TestFailedImportIsRecordedWithTheReason(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	_, file := addSource(t, a, 3, engine.ImportThresholds{})
	require.NoError(t, os.Remove(file))
	outcomes, err := a.RunImport(ctx, nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "export.csv")
	require.Len(t, outcomes, 1)
	assert.Equal(t, engine.ImportFailed, outcomes[0].Run.Status)
	runs, err := a.Imports(ctx)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, engine.ImportFailed, runs[0].Status)
	assert.Contains(t, runs[0].Message, "export.csv")
	d, err := a.Dashboard(ctx)
	require.NoError(t, err)
	require.NotNil(t, d.FailedImport, "the dashboard points at the failed import")
}

func TestCancelledImportChangesNothing(t *testing.T) {
	a := openApp(t)
	_, _ = addSource(t, a, 50, engine.ImportThresholds{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := a.RunImport(ctx, nil, nil)
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Canceled), "%v", err)
	runs, err := a.Imports(context.Background())
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, engine.ImportCanceled, runs[0].Status)
	_, err = a.Snapshot(context.Background(), 0)
	assert.True(t, engine.IsCode(err, engine.NotFound))
}

func TestOneRunAtATime(t *testing.T) {
	a := openApp(t)
	_, _ = addSource(t, a, 3, engine.ImportThresholds{})
	started := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := a.RunImport(context.Background(), nil, func(p importing.Progress) {
			select {
			case <-started:
			default:
				close(started)
				<-release
			}
		})
		done <- err
	}()
	<-started
	_, err := a.RunImport(context.Background(), nil, nil)
	assert.True(t, engine.IsCode(err, engine.Unavailable), "a second run is refused while one goes: %v", err)
	close(release)
	require.NoError(t, <-done)
}

func TestSaveSourceSystemChecksEverythingBeforeSaving(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	src := csvSource("/nowhere/export.csv", engine.ImportThresholds{})
	tests := []struct {
		name  string
		edit  func(*engine.SourceSystem)
		wants string
	}{
		{"no name", func(s *engine.SourceSystem) { s.Name = " " }, "name"},
		{"unknown kind", func(s *engine.SourceSystem) { s.Kind = "ftp" }, "ftp"},
		{"missing person key", func(s *engine.SourceSystem) { delete(s.Settings, "personKey") }, "personKey"},
		{"unknown field", func(s *engine.SourceSystem) { s.Mapping.Person[1].Field = "Name.Givenname" }, "Name.GivenName"},
		{"bad snippet", func(s *engine.SourceSystem) { s.Mapping.Person[3].Value = "source.First +" }, "JavaScript"},
		{"bad date format", func(s *engine.SourceSystem) { s.DateFormats = []string{"dd-mm-yyyy"} }, "dd-mm-yyyy"},
		{"negative threshold", func(s *engine.SourceSystem) { s.Thresholds.Removed.MaxCount = intp(-1) }, "0 or more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := csvSource(src.Settings["file"], engine.ImportThresholds{})
			tt.edit(&s)
			_, err := a.SaveSourceSystem(ctx, s, "")
			require.Error(t, err)
			assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
			assert.Contains(t, err.Error(), tt.wants)
			cfg, err := a.Config(ctx)
			require.NoError(t, err)
			assert.Empty(t, cfg.SourceSystems, "nothing is saved")
		})
	}
}

func TestSourceKeyIsMadeFromTheNameAndFixedOnceImported(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	key, _ := addSource(t, a, 2, engine.ImportThresholds{})
	assert.Equal(t, "hr-test", key)
	cfg, err := a.Config(ctx)
	require.NoError(t, err)
	second := cfg.SourceSystems[0]
	second.Key = ""
	key2, err := a.SaveSourceSystem(ctx, second, "")
	require.NoError(t, err)
	assert.Equal(t, "hr-test-2", key2, "a second source with the same name gets its own key")

	_, err = a.RunImport(ctx, []string{key}, nil)
	require.NoError(t, err)
	renamed := cfg.SourceSystems[0]
	renamed.Key = "other"
	_, err = a.SaveSourceSystem(ctx, renamed, key)
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)

	renamed.Key = key
	renamed.Name = "HR renamed"
	_, err = a.SaveSourceSystem(ctx, renamed, key)
	require.NoError(t, err, "the name can change")
}

func TestDeleteSourceSystemRemovesItsPersonsInANewSnapshot(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	key, _ := addSource(t, a, 4, engine.ImportThresholds{})
	_, err := a.RunImport(ctx, nil, nil)
	require.NoError(t, err)
	require.NoError(t, a.DeleteSourceSystem(ctx, key))
	snap, err := a.Snapshot(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), snap.Number)
	assert.Equal(t, 0, snap.Persons)
	assert.Equal(t, 4, snap.Removed)
	cfg, err := a.Config(ctx)
	require.NoError(t, err)
	assert.Empty(t, cfg.SourceSystems)
	err = a.DeleteSourceSystem(ctx, key)
	assert.True(t, engine.IsCode(err, engine.NotFound))
}

func TestConfigExportImportRoundTrip(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	_, err := a.CreateDemo(ctx, nil)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, a.ExportConfig(ctx, &out))
	assert.Contains(t, out.String(), `"format": "provisio-config"`)
	assert.Contains(t, out.String(), filepath.Join(a.Dir(), "demo-data", "persons.csv"), "exported paths are absolute")
	assert.Contains(t, out.String(), filepath.Join(a.Dir(), "demo-data", "ad-directory.json"), "target systems' too")

	// imported from elsewhere, as `provisio config import /tmp/x/config.json` does
	elsewhere := t.TempDir()
	b := openApp(t)
	cfg, err := b.ImportConfig(ctx, bytes.NewReader(out.Bytes()), filepath.Join(elsewhere, "config.json"), elsewhere)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(a.Dir(), "demo-data", "persons.csv"), cfg.SourceSystems[0].Settings["personsFile"])
	ad, ok := cfg.TargetSystem("ad")
	require.True(t, ok)
	assert.Equal(t, filepath.Join(a.Dir(), "demo-data", "ad-directory.json"), ad.Settings["path"])
	_, err = b.RunImport(ctx, nil, nil)
	require.NoError(t, err)
	list, err := b.Persons(ctx)
	require.NoError(t, err)
	assert.Len(t, list.Persons, 300)
}

func TestConfigImportRelativePathsAreRelativeToTheFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "export.csv"), exportOf(2))
	src := csvSource("export.csv", engine.ImportThresholds{})
	src.Key = "hr"
	file, err := json.Marshal(engine.ConfigFile{Format: engine.ConfigFormat, Version: 1, Config: &engine.Config{SourceSystems: []engine.SourceSystem{src}}})
	require.NoError(t, err)
	a := openApp(t)
	ctx := context.Background()
	_, err = a.ImportConfig(ctx, bytes.NewReader(file), filepath.Join(dir, "config.json"), dir)
	require.NoError(t, err)
	_, err = a.RunImport(ctx, nil, nil)
	require.NoError(t, err)
}

func TestConfigImportChecksTargetsAsTheEditorDoes(t *testing.T) {
	field := &engine.StageValue{Type: engine.MapField, Value: "Name.Nickname"}
	for _, tc := range []struct {
		name string
		edit func(*engine.TargetSystem)
		want string
	}{
		{"a mapping of a field there is none of", func(t *engine.TargetSystem) {
			t.Mapping = []engine.AttributeMapping{{Attribute: "userName", Stages: map[engine.Stage]*engine.StageValue{engine.StageCreate: field}}}
		}, "Name.Nickname"},
		{"a lifecycle end there is none of", func(t *engine.TargetSystem) { t.Lifecycle.End = "archive" }, `not "archive"`},
		{"a threshold without limits", func(t *engine.TargetSystem) { t.Thresholds = []engine.ActionThreshold{{Op: engine.OpDelete}} }, "neither a count nor a percentage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := engine.TargetSystem{Key: "dir", Name: "Directory", Kind: "file", Settings: map[string]string{"path": "dir.json"}}
			tc.edit(&target)
			file, err := json.Marshal(engine.ConfigFile{Format: engine.ConfigFormat, Version: 1, Config: &engine.Config{TargetSystems: []engine.TargetSystem{target}}})
			require.NoError(t, err)
			a := openApp(t)
			_, err = a.ImportConfig(context.Background(), bytes.NewReader(file), "config.json", t.TempDir())
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "config.json: "), "%v", err)
			assert.Contains(t, err.Error(), "Directory", "the message names the target")
			assert.Contains(t, err.Error(), tc.want)
			cfg, err := a.Config(context.Background())
			require.NoError(t, err)
			assert.Empty(t, cfg.TargetSystems, "nothing is stored")
		})
	}
}

func TestConfigImportTargetFilesAreRelativeToTheFile(t *testing.T) {
	dir := t.TempDir()
	_, err := demo.Generate(dir, demo.Options{Persons: demo.MinPersons})
	require.NoError(t, err)
	f, err := os.Open(filepath.Join(dir, demo.ConfigFile))
	require.NoError(t, err)
	defer f.Close()
	a := openApp(t)
	ctx := context.Background()
	cfg, err := a.ImportConfig(ctx, f, f.Name(), dir)
	require.NoError(t, err)
	for key, name := range map[string]string{"ad": demo.ADDirectoryFile, "google": demo.GoogleDirectoryFile} {
		tg, ok := cfg.TargetSystem(key)
		require.True(t, ok, key)
		assert.Equal(t, filepath.Join(dir, name), tg.Settings["path"], "%s: stored absolute, relative to config.json's folder", key)
		_, err := a.ReadTargetAccounts(ctx, key, nil)
		require.NoError(t, err, key)
	}
	manual := engine.TargetSystem{Key: "hand", Name: "By hand", Kind: engine.TargetManual, Settings: map[string]string{"path": "notes.txt"}}
	cfg.TargetSystems = append(cfg.TargetSystems, manual)
	var out bytes.Buffer
	require.NoError(t, json.NewEncoder(&out).Encode(engine.ConfigFile{Format: engine.ConfigFormat, Version: 1, Config: cfg}))
	cfg, err = a.ImportConfig(ctx, &out, "config.json", dir)
	require.NoError(t, err)
	hand, _ := cfg.TargetSystem("hand")
	assert.Equal(t, "notes.txt", hand.Settings["path"], "settings a connector does not declare as files are left alone")
}

func TestConfigImportDoesNotLeavePersonsWithoutTheirSource(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	_, err := a.CreateDemo(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, a.DeleteSchedule(ctx, demo.NightlySchedule)) // it imports "hr" too
	var out bytes.Buffer
	require.NoError(t, a.ExportConfig(ctx, &out))
	renamed := strings.Replace(out.String(), `"key": "hr"`, `"key": "hr2"`, 1)
	_, err = a.ImportConfig(ctx, strings.NewReader(renamed), "config.json", t.TempDir())
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Conflict), "%v", err)
	assert.Contains(t, err.Error(), `leaves out source system "HR export" (key "hr"), but 300 persons were imported`)
	cfg, _ := a.Config(ctx)
	assert.Equal(t, "hr", cfg.SourceSystems[0].Key, "nothing changed")

	_, err = a.ImportConfig(ctx, strings.NewReader(out.String()), "config.json", t.TempDir())
	require.NoError(t, err, "the same sources may be imported again")
}

func TestSourceKeyCannotChangeWhileAnImportWaits(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	key, _ := addSource(t, a, 3, engine.ImportThresholds{Added: engine.Threshold{MaxCount: intp(1)}})
	_, err := a.RunImport(ctx, nil, nil)
	require.True(t, app.IsBlocked(err))
	cfg, _ := a.Config(ctx)
	src := cfg.SourceSystems[0]
	src.Key = "renamed"
	_, err = a.SaveSourceSystem(ctx, src, key)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is waiting for approval")
}

func TestConfigImportRejectsABadFileAndKeepsTheConfiguration(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	_, _ = addSource(t, a, 1, engine.ImportThresholds{})
	before, _ := a.Config(ctx)
	tests := []struct {
		name, file, wants string
	}{
		{"syntax", "{\n  \"format\": \"provisio-config\",\n  \"version\": 1,,\n}", "line 3"},
		{"wrong format", `{"format": "something", "version": 1, "config": {}}`, "not a Provisio configuration"},
		{"unknown field", `{"format": "provisio-config", "version": 1, "config": {"sourceSystemz": []}}`, "sourceSystemz"},
		{"bad source", `{"format": "provisio-config", "version": 1, "config": {"sourceSystems": [{"key": "x", "name": "X", "kind": "csv", "settings": {}}]}}`, "is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.ImportConfig(ctx, strings.NewReader(tt.file), "broken.json", t.TempDir())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "broken.json")
			assert.Contains(t, err.Error(), tt.wants)
			after, _ := a.Config(ctx)
			assert.Equal(t, before, after)
		})
	}
}

func TestPersonsSearchIgnoresCaseAndAccents(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "export.csv")
	writeFile(t, file, header+row("1", "Zoë", "Ørsted", "01-01-2020", "", "IT")+row("2", "Jan", "de Vries", "01-01-2020", "", "Sales")+
		row("3", "Ana", "Gómez", "01-01-2030", "", "IT")+row("4", "Old", "Timer", "01-01-2000", "31-12-2010", "IT"))
	_, err := a.SaveSourceSystem(ctx, csvSource(file, engine.ImportThresholds{}), "")
	require.NoError(t, err)
	_, err = a.RunImport(ctx, nil, nil)
	require.NoError(t, err)
	list, err := a.Persons(ctx)
	require.NoError(t, err)
	names := func(f app.PersonFilter) []string {
		var out []string
		for _, i := range list.Filter(f) {
			out = append(out, list.Persons[i].DisplayName)
		}
		return out
	}
	assert.Equal(t, []string{"Zoë Ørsted"}, names(app.PersonFilter{Query: "zoe orsted"}))
	assert.Equal(t, []string{"Jan de Vries"}, names(app.PersonFilter{Query: "DE VRIES"}))
	assert.Equal(t, []string{"Jan de Vries"}, names(app.PersonFilter{Query: "jan@example"}), "e-mail")
	assert.Equal(t, []string{"Ana Gómez"}, names(app.PersonFilter{Status: engine.StatusFuture}))
	assert.Equal(t, []string{"Old Timer"}, names(app.PersonFilter{Status: engine.StatusFormer}))
	assert.Len(t, names(app.PersonFilter{Query: "hr-test:"}), 4, "the person id")
	assert.Empty(t, names(app.PersonFilter{Query: "nobody"}))
}

func TestPersonDetailShowsPrimaryContractDepartmentAndManager(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	_, err := a.CreateDemo(ctx, nil)
	require.NoError(t, err)
	list, err := a.Persons(ctx)
	require.NoError(t, err)
	var withManager *app.PersonDetail
	for _, p := range list.Persons {
		d, err := a.Person(ctx, p.ID)
		require.NoError(t, err)
		if len(d.Contracts) > 1 && d.Manager != nil && len(d.DepartmentPath) > 1 {
			withManager = d
			break
		}
	}
	require.NotNil(t, withManager, "the demo has people with two contracts, a department tree and managers")
	primaries := 0
	for _, c := range withManager.Contracts {
		if c.Primary {
			primaries++
		}
	}
	assert.Equal(t, 1, primaries)
	assert.NotEqual(t, withManager.Person.ID, withManager.Manager.ID, "nobody manages themselves")

	byExternal, err := a.Person(ctx, withManager.Person.ExternalID)
	require.NoError(t, err)
	assert.Equal(t, withManager.Person.ID, byExternal.Person.ID, "an external id finds the person too")
	_, err = a.Person(ctx, "hr:nobody")
	assert.True(t, engine.IsCode(err, engine.NotFound))
}

func TestDiffSnapshotsShowsChangesFieldByField(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	_, file := addSource(t, a, 3, engine.ImportThresholds{})
	_, err := a.RunImport(ctx, nil, nil)
	require.NoError(t, err)
	writeFile(t, file, header+row("1", "Given1", "Family1", "01-01-2020", "", "D1")+
		row("2", "Given2", "Changed", "01-01-2020", "31-12-2026", "D1")+
		row("4", "Given4", "Family4", "01-01-2020", "", "D1"))
	_, err = a.RunImport(ctx, nil, nil)
	require.NoError(t, err)

	d, err := a.DiffSnapshots(ctx, 1, 2)
	require.NoError(t, err)
	ids := func(es []app.DiffEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	assert.Equal(t, []string{"hr-test:4"}, ids(d.Added))
	assert.Equal(t, []string{"hr-test:3"}, ids(d.Removed))
	assert.Equal(t, []string{"hr-test:2"}, ids(d.Changed))
	assert.Equal(t, "Given3 Family3", d.Removed[0].DisplayName)

	pc, err := a.DiffPerson(ctx, 1, 2, "hr-test:2")
	require.NoError(t, err)
	changes := map[string][2]string{}
	for _, c := range pc.Changes {
		changes[c.Path] = [2]string{c.Old, c.New}
	}
	assert.Equal(t, [2]string{"Family2", "Changed"}, changes["Name.FamilyName"])
	assert.Equal(t, [2]string{"Given2 Family2", "Given2 Changed"}, changes["DisplayName"])
	assert.Equal(t, [2]string{"", "2026-12-31"}, changes["Contracts[2-1].EndDate"])
	assert.Len(t, changes, 3)

	_, err = a.DiffSnapshots(ctx, 1, 9)
	assert.True(t, engine.IsCode(err, engine.NotFound))
}

func TestPreviewMapsASampleAndReportsProblems(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "export.csv")
	writeFile(t, file, header+row("1", "Zoë", "Ørsted", "01-01-2020", "", "IT")+row("1", "Zoë", "Ørsted", "01-01-2021", "", "HR")+row("2", "Jan", "Smit", "31-02-2020", "", "IT"))
	src := csvSource(file, engine.ImportThresholds{})
	src.Key = "hr"
	samples, err := a.Samples(ctx, &src, 10)
	require.NoError(t, err)
	require.Len(t, samples, 2)
	assert.Len(t, samples[0].Contracts, 2, "a person's rows are gathered")

	p, errs, err := a.PreviewMapping(ctx, &src, samples[0])
	require.NoError(t, err)
	assert.Empty(t, errs)
	assert.Equal(t, "Zoë Ørsted", p.DisplayName)
	assert.Len(t, p.Contracts, 2)

	_, errs, err = a.PreviewMapping(ctx, &src, samples[1])
	require.NoError(t, err)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "export.csv line 4")
	assert.Contains(t, errs[0].Error(), "StartDate")
	assert.True(t, errs[0].Blocking)

	src.Mapping.Person[3].Value = "source.Nope.length"
	_, errs, err = a.PreviewMapping(ctx, &src, samples[0])
	require.NoError(t, err)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "DisplayName")
	assert.Contains(t, errs[0].Error(), "TypeError")

	src.Mapping.Person[1].Value = "Frist"
	_, _, err = a.PreviewMapping(ctx, &src, samples[0])
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"Frist"`)
}

func TestSecondProcessIsToldTheWorkspaceIsInUse(t *testing.T) {
	a := openApp(t)
	_, err := app.Open(a.Dir(), app.Options{})
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Unavailable))
	assert.Contains(t, err.Error(), "in use")
}

func TestChangingThePrimaryContractOrderingRebuildsThePersonsList(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "export.csv")
	// one person with a large contract in Sales and a small, older one in IT
	writeFile(t, file, header+strings.Join([]string{"1", "Ada", "Byron", "ada@example.org", "A", "01-01-2010", "", "IT", "Clerk", "0,2"}, ";")+"\n"+
		strings.Join([]string{"1", "Ada", "Byron", "ada@example.org", "B", "01-01-2020", "", "Sales", "Clerk", "1,0"}, ";")+"\n")
	_, err := a.SaveSourceSystem(ctx, csvSource(file, engine.ImportThresholds{}), "")
	require.NoError(t, err)
	_, err = a.RunImport(ctx, nil, nil)
	require.NoError(t, err)
	list, err := a.Persons(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Sales", list.Persons[0].Department, "by default the largest contract is primary")

	require.NoError(t, a.SavePrimaryContractOrder(ctx, engine.PrimaryContractOrder{Criteria: []engine.SortCriterion{{Field: "StartDate"}}}))
	list, err = a.Persons(ctx)
	require.NoError(t, err)
	assert.Equal(t, "IT", list.Persons[0].Department, "now the earliest contract is primary")
}

func TestTheDemoIsDatedTheDayItIsMade(t *testing.T) {
	for _, today := range []time.Time{day, day.AddDate(3, 0, 0)} {
		a, err := app.Open(filepath.Join(t.TempDir(), "ws"), app.Options{Clock: engine.FixedClock(today)})
		require.NoError(t, err)
		_, err = a.CreateDemo(context.Background(), nil)
		require.NoError(t, err)
		d, err := a.Dashboard(context.Background())
		require.NoError(t, err)
		assert.Equal(t, 10, d.ByStatus[engine.StatusFuture], "the demo's future hires are still ahead on %s", today.Format("2006-01-02"))
		assert.Equal(t, 13, d.ByStatus[engine.StatusFormer])
		a.Close()
	}
}
