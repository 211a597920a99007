package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/assets"
	"provisio/cmd/provisio/cli"
	"provisio/engine"
)

// testNow is the fixed time every test runs at: the day the demo data
// describes, so statuses and dates do not depend on the day the tests run.
var testNow = time.Date(2027, time.January, 1, 9, 30, 0, 0, time.UTC)

// result is what one run of the command line produced.
type result struct {
	code           int
	stdout, stderr string
}

// runEnv runs the command line with args as given (no workspace added).
func runEnv(t *testing.T, gui cli.GUI, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Env{
		Stdout:  &stdout,
		Stderr:  &stderr,
		Options: app.Options{Clock: engine.FixedClock(testNow)},
		GUI:     gui,
	})
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// run runs a command on the workspace ws.
func run(t *testing.T, ws string, args ...string) result {
	t.Helper()
	return runEnv(t, nil, append([]string{"--workspace", ws}, args...)...)
}

// runOK runs a command on ws and requires it to succeed.
func runOK(t *testing.T, ws string, args ...string) result {
	t.Helper()
	r := run(t, ws, args...)
	require.Equal(t, cli.ExitOK, r.code, "provisio %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.stdout, r.stderr)
	return r
}

// runJSON runs a command on ws with --json, requires it to succeed and
// decodes its output into v.
func runJSON(t *testing.T, ws string, v any, args ...string) {
	t.Helper()
	r := runOK(t, ws, append(args, "--json")...)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), v), "provisio %s --json wrote:\n%s", strings.Join(args, " "), r.stdout)
}

// runFails runs a command on ws and requires the exit code code.
func runFails(t *testing.T, code int, ws string, args ...string) result {
	t.Helper()
	r := run(t, ws, args...)
	require.Equal(t, code, r.code, "provisio %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.stdout, r.stderr)
	return r
}

// newDemoWorkspace returns a workspace made by `provisio demo`.
func newDemoWorkspace(t *testing.T) string {
	t.Helper()
	ws := filepath.Join(t.TempDir(), "ws")
	runOK(t, ws, "demo")
	return ws
}

// generateHR writes a generated HR export with its config.json into a new
// folder and returns the folder.
func generateHR(t *testing.T, persons int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "hr")
	r := runEnv(t, nil, "demo", "generate", "--persons", strconv.Itoa(persons), "--out", dir)
	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	return dir
}

// newImportedWorkspace returns a workspace with the configuration of the
// HR export in hrDir and a first import of it (snapshot 1).
func newImportedWorkspace(t *testing.T, hrDir string) string {
	t.Helper()
	ws := filepath.Join(t.TempDir(), "ws")
	runOK(t, ws, "config", "import", filepath.Join(hrDir, "config.json"))
	r := runOK(t, ws, "import")
	require.Contains(t, r.stdout, "snapshot 1")
	return ws
}

// snapshots returns the workspace's snapshots, newest first.
func snapshots(t *testing.T, ws string) []engine.SnapshotInfo {
	t.Helper()
	var out []engine.SnapshotInfo
	runJSON(t, ws, &out, "snapshots")
	return out
}

// imports returns the workspace's imports, newest first.
func imports(t *testing.T, ws string) []engine.ImportRun {
	t.Helper()
	var out []engine.ImportRun
	runJSON(t, ws, &out, "imports")
	return out
}

// allPersons returns every person of the latest snapshot.
func allPersons(t *testing.T, ws string, args ...string) []app.PersonSummary {
	t.Helper()
	var out []app.PersonSummary
	runJSON(t, ws, &out, append([]string{"persons", "--limit", "0"}, args...)...)
	return out
}

func personIDs(ps []app.PersonSummary) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	slices.Sort(ids)
	return ids
}

func exportConfig(t *testing.T, ws string) string {
	t.Helper()
	return runOK(t, ws, "config", "export").stdout
}

// personsCSV is a generated persons.csv, line by line, for editing.
type personsCSV struct {
	path   string
	lines  []string // without line ends; lines[0] is the header
	column map[string]int
}

func readPersonsCSV(t *testing.T, hrDir string) *personsCSV {
	t.Helper()
	path := filepath.Join(hrDir, "persons.csv")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	text := strings.TrimSuffix(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n")
	f := &personsCSV{path: path, lines: strings.Split(text, "\n"), column: map[string]int{}}
	for i, name := range strings.Split(strings.TrimPrefix(f.lines[0], "\uFEFF"), ";") {
		f.column[name] = i
	}
	require.Contains(t, f.column, "EmployeeNumber")
	require.Contains(t, f.column, "LastName")
	return f
}

func (f *personsCSV) field(line int, name string) string {
	return strings.Split(f.lines[line], ";")[f.column[name]]
}

// plainRows returns, last first, the data lines of persons with a last
// name and no quoting, which the tests can edit with a plain split.
func (f *personsCSV) plainRows() []int {
	var out []int
	for i := len(f.lines) - 1; i > 0; i-- {
		if !strings.Contains(f.lines[i], `"`) && f.field(i, "LastName") != "" {
			out = append(out, i)
		}
	}
	return out
}

func (f *personsCSV) set(line int, name, value string) {
	parts := strings.Split(f.lines[line], ";")
	parts[f.column[name]] = value
	f.lines[line] = strings.Join(parts, ";")
}

func (f *personsCSV) remove(line int) {
	f.lines = slices.Delete(f.lines, line, line+1)
}

func (f *personsCSV) write(t *testing.T) {
	t.Helper()
	require.NoError(t, os.WriteFile(f.path, []byte(strings.Join(f.lines, "\n")+"\n"), 0o600))
}

// removeLastPerson removes the last plain person row of the HR export and
// returns that person's id.
func removeLastPerson(t *testing.T, hrDir string) string {
	t.Helper()
	f := readPersonsCSV(t, hrDir)
	line := f.plainRows()[0]
	id := "hr:" + f.field(line, "EmployeeNumber")
	f.remove(line)
	f.write(t)
	return id
}

// setThresholds replaces the thresholds of every source system in the
// configuration file path.
func setThresholds(t *testing.T, path string, thresholds map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var file map[string]any
	require.NoError(t, json.Unmarshal(raw, &file))
	cfg := file["config"].(map[string]any)
	for _, src := range cfg["sourceSystems"].([]any) {
		src.(map[string]any)["thresholds"] = thresholds
	}
	raw, err = json.MarshalIndent(file, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, raw, 0o600))
}

func TestDemoCreatesAFirstSnapshotOnAnEmptyWorkspace(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "ws")

	r := runOK(t, ws, "demo")

	assert.Contains(t, r.stdout, "snapshot 1")
	assert.Contains(t, r.stdout, "300 persons")
	assert.Contains(t, r.stderr, "demo workspace ready in "+ws)
	snaps := snapshots(t, ws)
	require.Len(t, snaps, 1)
	assert.Equal(t, 300, snaps[0].Persons)
	assert.Regexp(t, `evaluation 1: [1-9]\d* actions for the demo rules`, r.stderr, "and a first evaluation of its rules")
	var list []engine.EvaluationInfo
	runJSON(t, ws, &list, "evaluations")
	require.Len(t, list, 1)
	assert.Equal(t, uint64(1), list[0].Snapshot)
}

func TestDemoRefusesAWorkspaceThatIsNotEmpty(t *testing.T) {
	ws := newDemoWorkspace(t)

	r := runFails(t, cli.ExitError, ws, "demo")

	assert.Contains(t, r.stderr, "not empty")
	assert.Len(t, snapshots(t, ws), 1, "the second demo must not import again")
}

func TestPersonsJSONIsAnArrayOfPersons(t *testing.T) {
	ws := newDemoWorkspace(t)

	var raw []map[string]any
	runJSON(t, ws, &raw, "persons")

	require.Len(t, raw, 50, "--limit defaults to 50")
	for _, p := range raw {
		assert.NotEmpty(t, p["id"])
		assert.NotEmpty(t, p["status"])
	}
	assert.Contains(t, runOK(t, ws, "persons", "--json").stderr, "50 of 300 matching persons written; use --limit 0 for all")
	assert.Len(t, allPersons(t, ws), 300, "--limit 0 lists every person")
}

// emptyWorkspace makes a workspace with nothing in it.
func emptyWorkspace(t *testing.T) string {
	t.Helper()
	ws := filepath.Join(t.TempDir(), "ws")
	a, err := app.Open(ws, app.Options{})
	require.NoError(t, err)
	require.NoError(t, a.Close())
	return ws
}

func TestAMistypedWorkspaceIsAnErrorNotANewWorkspace(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "no-such-ws")
	for _, args := range [][]string{{"persons"}, {"snapshots"}, {"imports"}, {"import"}, {"config", "export"}} {
		r := runFails(t, cli.ExitError, ws, args...)
		assert.Contains(t, r.stderr, "there is no workspace in "+ws)
	}
	assert.NoDirExists(t, ws, "nothing was created")
}

func TestPersonsOnAWorkspaceWithoutSnapshotsSaysToImport(t *testing.T) {
	ws := emptyWorkspace(t)

	r := runOK(t, ws, "persons")

	assert.Contains(t, r.stderr, "no snapshot yet")
	assert.Contains(t, r.stderr, "provisio import")
	assert.Empty(t, allPersons(t, ws))
}

func TestPersonsSearchFindsANameWithOrWithoutItsAccents(t *testing.T) {
	ws := newDemoWorkspace(t)
	var want app.PersonSummary
	for _, p := range allPersons(t, ws) {
		if engine.RemoveDiacritics(p.DisplayName) != p.DisplayName {
			want = p
			break
		}
	}
	require.NotEmpty(t, want.ID, "the demo has names with accents")
	plain := engine.RemoveDiacritics(want.DisplayName)
	words := strings.Fields(plain)
	slices.Reverse(words)

	for _, query := range []string{want.DisplayName, strings.ToLower(plain), strings.ToUpper(plain), strings.Join(words, " ")} {
		t.Run(query, func(t *testing.T) {
			assert.Contains(t, personIDs(allPersons(t, ws, "--search", query)), want.ID)
		})
	}
	text := runOK(t, ws, "persons", "--search", strings.ToLower(plain)).stdout
	assert.Contains(t, text, want.DisplayName)
	assert.Regexp(t, `\d+ of \d+ matching persons shown \(300 in snapshot 1\)`, text)
	assert.Empty(t, allPersons(t, ws, "--search", "nobody-is-called-this"))
}

func TestPersonsStatusBlockedListsExactlyTheBlockedPersons(t *testing.T) {
	ws := newDemoWorkspace(t)
	var want []app.PersonSummary
	for _, p := range allPersons(t, ws) {
		if p.Status == engine.StatusBlocked {
			want = append(want, p)
		}
	}
	require.Len(t, want, snapshots(t, ws)[0].Blocked, "the snapshot counts the blocked persons")
	require.NotEmpty(t, want, "the demo has persons missing a required field")

	got := allPersons(t, ws, "--status", "blocked")

	assert.Equal(t, personIDs(want), personIDs(got))
	text := runOK(t, ws, "persons", "--status", "BLOCKED").stdout
	for _, p := range want {
		assert.Contains(t, text, p.ID)
	}
}

func TestPersonsRejectsAnUnknownStatusNamingTheValidOnes(t *testing.T) {
	ws := newDemoWorkspace(t)

	r := runFails(t, cli.ExitError, ws, "persons", "--status", "nonsense")

	assert.Contains(t, r.stderr, "nonsense")
	for _, s := range engine.Statuses {
		assert.Contains(t, r.stderr, string(s))
	}
}

// demoPersonsWithContracts returns the ids of the shipped demo's persons
// with at least n contracts, in file order.
func demoPersonsWithContracts(t *testing.T, n int) []string {
	t.Helper()
	raw, err := assets.Demo.ReadFile("demo/contracts.csv")
	require.NoError(t, err)
	lines := strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n")
	header := strings.Split(strings.TrimPrefix(lines[0], "\uFEFF"), ";")
	col := slices.Index(header, "EmployeeNumber")
	require.GreaterOrEqual(t, col, 0)
	count := map[string]int{}
	var order []string
	for _, line := range lines[1:] {
		fields := strings.Split(line, ";")
		if len(fields) <= col || fields[col] == "" {
			continue
		}
		if count[fields[col]]++; count[fields[col]] == n {
			order = append(order, "hr:"+fields[col])
		}
	}
	return order
}

func TestPersonsShowGivesFieldsContractsDepartmentAndManager(t *testing.T) {
	ws := newDemoWorkspace(t)
	// A person with several contracts, in a sub-department, with a manager.
	var d app.PersonDetail
	for _, id := range demoPersonsWithContracts(t, 2) {
		var x app.PersonDetail
		runJSON(t, ws, &x, "persons", "show", id)
		if x.Status == engine.StatusActive && x.Manager != nil && len(x.DepartmentPath) > 1 {
			d = x
			break
		}
	}
	require.NotNil(t, d.Person, "the demo has an active person with two contracts and a manager")
	id := d.Person.ID
	assert.Equal(t, uint64(1), d.Snapshot)
	primaries := 0
	var primary app.ContractView
	for _, c := range d.Contracts {
		if c.Primary {
			primaries++
			primary = c
		}
	}
	assert.Equal(t, 1, primaries, "exactly one contract is primary")
	assert.Equal(t, "Provisio Demo B.V.", d.DepartmentPath[0], "the department path starts at the root")
	assert.NotEqual(t, id, d.Manager.ID)
	paths := map[string]string{}
	for _, f := range d.Fields {
		paths[f.Path] = f.Value
	}
	assert.Equal(t, d.Person.Name.GivenName, paths["Name.GivenName"])
	assert.Equal(t, d.Person.ExternalID, paths["ExternalId"])

	text := runOK(t, ws, "persons", "show", id).stdout

	assert.Regexp(t, `^`+regexp.QuoteMeta(d.Person.DisplayName)+`\s+\(`+id+`, active\)\n`, text)
	assert.Regexp(t, `(?m)^\s+Name\.GivenName\s+`+regexp.QuoteMeta(d.Person.Name.GivenName)+`$`, text)
	assert.Regexp(t, `(?m)^\s+department\s+`+regexp.QuoteMeta(strings.Join(d.DepartmentPath, " › "))+`$`, text)
	assert.Regexp(t, `(?m)^\s+manager\s+`+regexp.QuoteMeta(d.Manager.DisplayName+" ("+d.Manager.ID+")")+`$`, text)
	assert.Regexp(t, `(?m)^\s+primary\s+`+regexp.QuoteMeta(primary.ExternalID)+`\s`, text)
	assert.Equal(t, 1, strings.Count(text, "primary"))
	for _, c := range d.Contracts {
		assert.Contains(t, text, c.ExternalID)
	}

	byExternalID := runOK(t, ws, "persons", "show", d.Person.ExternalID).stdout
	assert.Equal(t, text, byExternalID, "an unambiguous external id finds the person too")
}

func TestPersonsShowOfAnUnknownIDSaysItIsNotFound(t *testing.T) {
	ws := newDemoWorkspace(t)

	r := runFails(t, cli.ExitError, ws, "persons", "show", "hr:999999")

	assert.Contains(t, r.stderr, `no person "hr:999999"`)
	assert.Empty(t, r.stdout)
}

func TestSnapshotsAndImportsListTheDemoImport(t *testing.T) {
	ws := newDemoWorkspace(t)

	snaps := runOK(t, ws, "snapshots").stdout
	assert.Regexp(t, `(?m)^1\s+2027-01-01 09:30\s+1 \(hr\)\s+300\s`, snaps)

	list := runOK(t, ws, "imports").stdout
	assert.Regexp(t, `(?m)^1\s+hr\s+2027-01-01 09:30\s+accepted\s+300\s`, list)
	runs := imports(t, ws)
	require.Len(t, runs, 1)
	assert.Equal(t, engine.ImportAccepted, runs[0].Status)
	assert.Equal(t, uint64(1), runs[0].Snapshot)
}

func TestImportsShowListsTheProblemsInTheData(t *testing.T) {
	ws := newDemoWorkspace(t)
	var run engine.ImportRun
	runJSON(t, ws, &run, "imports", "show", "1")
	require.NotEmpty(t, run.Errors, "the demo has rows missing required fields")

	text := runOK(t, ws, "imports", "show", "#1").stdout

	assert.Contains(t, text, "import 1 of hr: accepted, snapshot 1")
	assert.Contains(t, text, "problems in the data")
	for _, e := range run.Errors {
		assert.Contains(t, text, e.Error())
	}
	assert.Contains(t, text, "required, but source field")
	assert.Contains(t, text, "persons.csv line ")

	r := runFails(t, cli.ExitError, ws, "imports", "show", "42")
	assert.Contains(t, r.stderr, "42")
	r = runFails(t, cli.ExitError, ws, "imports", "show", "first")
	assert.Contains(t, r.stderr, `"first" is not a valid import number`)
}

func TestGeneratedExportImportsIntoANewWorkspace(t *testing.T) {
	hr := generateHR(t, 500)
	for _, name := range []string{"persons.csv", "contracts.csv", "departments.csv", "config.json"} {
		assert.FileExists(t, filepath.Join(hr, name))
	}
	ws := filepath.Join(t.TempDir(), "ws")

	cfg := runOK(t, ws, "config", "import", filepath.Join(hr, "config.json"))
	imp := runOK(t, ws, "import")

	assert.Contains(t, cfg.stdout, "imported the configuration from "+filepath.Join(hr, "config.json")+": 1 source system, 2 custom fields")
	assert.Contains(t, imp.stdout, "import 1 of hr: accepted, snapshot 1")
	assert.Regexp(t, `hr: writing\s+100%\n`, imp.stderr, "the import's progress ends at 100%")
	assert.Regexp(t, `aggregation: looking for duplicates\s+100%\n$`, imp.stderr, "then the persons are compared")
	assert.Contains(t, imp.stdout, "500 persons")
	snaps := snapshots(t, ws)
	require.Len(t, snaps, 1)
	assert.Equal(t, 500, snaps[0].Persons)
}

func TestSnapshotsDiffShowsTheChangedAndRemovedPersons(t *testing.T) {
	hr := generateHR(t, 500)
	ws := newImportedWorkspace(t, hr)
	f := readPersonsCSV(t, hr)
	// Edit rows at the end of the file so that no other row moves: a
	// blocked person's reason names its line in the file, so moving rows
	// would change those persons too.
	rows := f.plainRows()
	removedLine, changedLine := rows[0], rows[1]
	removedID := "hr:" + f.field(removedLine, "EmployeeNumber")
	changedID := "hr:" + f.field(changedLine, "EmployeeNumber")
	oldName := f.field(changedLine, "LastName")
	newName := oldName + "-Smit"
	f.set(changedLine, "LastName", newName)
	f.remove(removedLine)
	f.write(t)

	imp := runOK(t, ws, "import")
	assert.Contains(t, imp.stdout, "snapshot 2")
	assert.Contains(t, imp.stdout, "added 0, removed 1, changed 1")

	var d app.SnapshotDiff
	runJSON(t, ws, &d, "snapshots", "diff", "1", "2")
	assert.Empty(t, d.Added)
	require.Len(t, d.Removed, 1)
	require.Len(t, d.Changed, 1)
	assert.Equal(t, removedID, d.Removed[0].ID)
	assert.Equal(t, changedID, d.Changed[0].ID)
	text := runOK(t, ws, "snapshots", "diff", "1", "2").stdout
	assert.Contains(t, text, "snapshot 1 → 2: 0 added, 1 removed, 1 changed")
	assert.Regexp(t, `(?m)^-\s+`+removedID+`\s`, text)
	assert.Regexp(t, `(?m)^~\s+`+changedID+`\s`, text)

	var pc app.PersonChanges
	runJSON(t, ws, &pc, "snapshots", "diff", "1", "2", "--person", changedID)
	var family []string
	for _, c := range pc.Changes {
		if c.Path == "Name.FamilyName" {
			family = []string{c.Old, c.New}
		}
	}
	assert.Equal(t, []string{oldName, newName}, family)
	text = runOK(t, ws, "snapshots", "diff", "1", "2", "--person", changedID).stdout
	assert.Regexp(t, `(?m)^Name\.FamilyName\s+`+regexp.QuoteMeta(oldName)+`\s+`+regexp.QuoteMeta(newName)+`$`, text)

	text = runOK(t, ws, "snapshots", "diff", "1", "2", "--person", removedID).stdout
	assert.Regexp(t, `(?m)^Name\.FamilyName\s+\S+\s+-$`, text, "a removed person's fields go to nothing")
	r := runFails(t, cli.ExitError, ws, "snapshots", "diff", "1", "3")
	assert.Contains(t, r.stderr, "snapshot 3")
}

// newThresholdWorkspace returns a workspace whose source system blocks any
// removal, with a first import, and the folder of its HR export.
func newThresholdWorkspace(t *testing.T) (ws, hr string) {
	t.Helper()
	hr = generateHR(t, 100)
	setThresholds(t, filepath.Join(hr, "config.json"), map[string]any{"removed": map[string]any{"maxCount": 0}})
	return newImportedWorkspace(t, hr), hr
}

func TestImportWaitsForApprovalWhenRemovalsExceedTheThreshold(t *testing.T) {
	ws, hr := newThresholdWorkspace(t)
	before := allPersons(t, ws)
	removed := removeLastPerson(t, hr)

	r := runFails(t, cli.ExitBlocked, ws, "import")

	assert.Contains(t, r.stderr, "waiting for approval")
	assert.Contains(t, r.stdout, "import 2 of hr: pending")
	assert.Contains(t, r.stdout, "threshold exceeded")
	assert.Contains(t, r.stdout, "provisio import approve 2")
	snaps := snapshots(t, ws)
	require.Len(t, snaps, 1, "a pending import makes no snapshot")
	assert.Equal(t, len(before), snaps[0].Persons)
	assert.Contains(t, personIDs(allPersons(t, ws)), removed)
	assert.Equal(t, engine.ImportPending, imports(t, ws)[0].Status)

	r = runOK(t, ws, "import", "approve", "2", "--note", "reorganisation")

	assert.Contains(t, r.stdout, "import 2 approved: snapshot 2 has")
	snaps = snapshots(t, ws)
	require.Len(t, snaps, 2)
	assert.Equal(t, uint64(2), snaps[0].Number)
	assert.Equal(t, len(before)-1, snaps[0].Persons)
	assert.Equal(t, 1, snaps[0].Removed)
	assert.NotContains(t, personIDs(allPersons(t, ws)), removed)
	run := imports(t, ws)[0]
	assert.Equal(t, engine.ImportAccepted, run.Status)
	assert.Equal(t, "reorganisation", run.Message)
	show := runOK(t, ws, "imports", "show", "2").stdout
	assert.Contains(t, show, "import 2 of hr: accepted, snapshot 2")
	assert.Contains(t, show, "note: reorganisation")

	r = runFails(t, cli.ExitError, ws, "import", "approve", "2")
	assert.Contains(t, r.stderr, "not pending")
	assert.Len(t, snapshots(t, ws), 2)
}

func TestRejectingAPendingImportChangesNothing(t *testing.T) {
	ws, hr := newThresholdWorkspace(t)
	before := allPersons(t, ws)
	removeLastPerson(t, hr)
	runFails(t, cli.ExitBlocked, ws, "import")

	r := runOK(t, ws, "import", "reject", "2", "--note", "wrong file")

	assert.Contains(t, r.stdout, "import 2 rejected")
	snaps := snapshots(t, ws)
	require.Len(t, snaps, 1)
	assert.Equal(t, len(before), snaps[0].Persons)
	assert.Equal(t, personIDs(before), personIDs(allPersons(t, ws)))
	assert.Equal(t, engine.ImportRejected, imports(t, ws)[0].Status)

	for _, verb := range []string{"approve", "reject"} {
		r = runFails(t, cli.ExitError, ws, "import", verb, "2")
		assert.Contains(t, r.stderr, "import 2 is rejected, not pending")
	}
	assert.Len(t, snapshots(t, ws), 1)
}

func TestApprovingAnImportThatIsNotPendingFails(t *testing.T) {
	ws := newDemoWorkspace(t)

	r := runFails(t, cli.ExitError, ws, "import", "approve", "1")
	assert.Contains(t, r.stderr, "import 1 is accepted, not pending")

	r = runFails(t, cli.ExitError, ws, "import", "approve", "99")
	assert.Contains(t, r.stderr, "99")

	r = runFails(t, cli.ExitError, ws, "import", "approve", "0")
	assert.Contains(t, r.stderr, `"0" is not a valid import number`)
	assert.Len(t, snapshots(t, ws), 1)
}

func TestExportToAFileThatCannotBeWrittenSaysWhereAndLeavesNothing(t *testing.T) {
	ws := newDemoWorkspace(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-folder", "config.json")

	r := runFails(t, cli.ExitError, ws, "config", "export", "--out", missing)

	assert.Contains(t, r.stderr, "write the configuration to "+missing+": no such file or directory")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no temporary file is left behind")

	// an export over an existing file replaces it whole
	file := filepath.Join(dir, "rules.json")
	require.NoError(t, os.WriteFile(file, []byte("old"), 0o600))
	runOK(t, ws, "rules", "export", "--out", file)
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"provisio-rules"`)
	entries, err = os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "only the file itself")
}

func TestConfigExportImportsIntoAFreshWorkspace(t *testing.T) {
	hr := generateHR(t, 60)
	ws := newImportedWorkspace(t, hr)
	file := filepath.Join(t.TempDir(), "exported.json")

	runOK(t, ws, "config", "export", "--out", file)

	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	require.NoError(t, json.Unmarshal(raw, &head))
	assert.Equal(t, "provisio-config", head.Format)
	assert.Equal(t, 1, head.Version)
	assert.Equal(t, string(raw), exportConfig(t, ws), "--out and standard output write the same")

	fresh := filepath.Join(t.TempDir(), "fresh")
	runOK(t, fresh, "config", "import", file)

	assert.Equal(t, string(raw), exportConfig(t, fresh))
	assert.Contains(t, runOK(t, fresh, "import").stdout, "snapshot 1")
}

func TestConfigImportOfABrokenFileLeavesTheConfigurationUnchanged(t *testing.T) {
	ws := newDemoWorkspace(t)
	before := exportConfig(t, ws)
	dir := t.TempDir()
	valid := `{
  "format": "provisio-config",
  "version": 1,
  "config": {"sourceSystems": []}
}
`
	for _, tc := range []struct {
		name, content string
		want          []string
	}{
		{"syntax", "{\n  \"format\": \"provisio-config\",\n  \"version\": 1,,\n  \"config\": {}\n}\n", []string{"line 3"}},
		{"unknown field", strings.Replace(valid, `"version": 1,`, `"version": 1, "colour": "blue",`, 1), []string{`unknown field "colour"`}},
		{"wrong type", strings.Replace(valid, `"version": 1`, `"version": "one"`, 1), []string{"line 3", `"version"`}},
		{"wrong format", strings.Replace(valid, "provisio-config", "something-else", 1), []string{`"format": "provisio-config"`}},
		{"bad key", strings.Replace(valid, `[]`, `[{"key": "HR!", "name": "HR", "kind": "csv", "settings": {"file": "x.csv", "personKey": "Id"}}]`, 1), []string{"HR!"}},
		{"empty", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
			require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))

			r := runFails(t, cli.ExitError, ws, "config", "import", path)

			assert.Contains(t, r.stderr, path, "the message names the file")
			for _, w := range tc.want {
				assert.Contains(t, r.stderr, w)
			}
			assert.Equal(t, before, exportConfig(t, ws), "the configuration is unchanged")
		})
	}

	missing := filepath.Join(dir, "missing.json")
	r := runFails(t, cli.ExitError, ws, "config", "import", missing)
	assert.Contains(t, r.stderr, missing)
	assert.Equal(t, before, exportConfig(t, ws))
}

func TestImportOfAMissingFileFailsAndIsRecorded(t *testing.T) {
	hr := generateHR(t, 60)
	ws := newImportedWorkspace(t, hr)
	require.NoError(t, os.Remove(filepath.Join(hr, "persons.csv")))

	r := runFails(t, cli.ExitError, ws, "import")

	assert.Contains(t, r.stderr, "persons.csv")
	assert.Contains(t, r.stdout, "import 2 of hr: failed")
	runs := imports(t, ws)
	require.Len(t, runs, 2)
	assert.Equal(t, engine.ImportFailed, runs[0].Status)
	assert.Contains(t, runs[0].Message, "persons.csv")
	assert.Len(t, snapshots(t, ws), 1, "a failed import makes no snapshot")
	assert.Regexp(t, `(?m)^2\s+hr\s+\S+ \S+\s+failed\s`, runOK(t, ws, "imports").stdout)
}

func TestImportOfAnUnknownSourceListsTheAvailableKeys(t *testing.T) {
	ws := newDemoWorkspace(t)

	r := runFails(t, cli.ExitError, ws, "import", "nosuchsource")

	assert.Contains(t, r.stderr, `"nosuchsource"`)
	assert.Contains(t, r.stderr, "there are: hr")
	assert.Len(t, imports(t, ws), 1, "nothing was imported")
}

func TestImportWithoutSourceSystemsSaysToAddOne(t *testing.T) {
	ws := emptyWorkspace(t)

	r := runFails(t, cli.ExitError, ws, "import")

	assert.Contains(t, r.stderr, "no enabled source system")
}

func TestRootWithoutAGUIExplainsWhatToDo(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "ws")

	r := runFails(t, cli.ExitError, ws)

	assert.Contains(t, r.stderr, "no graphical interface")
	assert.Contains(t, r.stderr, "--help")
}

func TestRootOpensTheGUIOnTheWorkspaceAndScreen(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "ws")
	var gotWorkspace, gotScreen string
	calls := 0
	gui := func(workspace, screen string) error {
		calls++
		gotWorkspace, gotScreen = workspace, screen
		return nil
	}

	r := runEnv(t, gui, "--workspace", ws, "--screen", "persons")

	require.Equal(t, cli.ExitOK, r.code, r.stderr)
	assert.Equal(t, 1, calls)
	assert.Equal(t, ws, gotWorkspace)
	assert.Equal(t, "persons", gotScreen)

	env := filepath.Join(t.TempDir(), "from-env")
	t.Setenv(app.EnvWorkspace, env)
	require.Equal(t, cli.ExitOK, runEnv(t, gui).code)
	assert.Equal(t, env, gotWorkspace, "$PROVISIO_WORKSPACE is the default workspace")
	assert.Empty(t, gotScreen)

	failing := func(string, string) error { return errors.New("no display") }
	r = runEnv(t, failing, "--workspace", ws)
	assert.Equal(t, cli.ExitError, r.code)
	assert.Contains(t, r.stderr, "no display")
}

func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"import", "--help"}, {"help", "persons"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runEnv(t, nil, args...)

			assert.Equal(t, cli.ExitOK, r.code, r.stderr)
			assert.Contains(t, r.stdout, "Usage:")
		})
	}
	top := runEnv(t, nil, "--help").stdout
	for _, cmd := range []string{"demo", "config", "import", "imports", "snapshots", "persons"} {
		assert.Contains(t, top, "  "+cmd+" ")
	}
}

func TestUnknownCommandsAndFlagsFail(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "ws")

	r := runFails(t, cli.ExitError, ws, "nosuchcommand")
	assert.Contains(t, r.stderr, `unknown command "nosuchcommand"`)

	r = runFails(t, cli.ExitError, ws, "persons", "--nosuchflag")
	assert.Contains(t, r.stderr, "--nosuchflag")
}
