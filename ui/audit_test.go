package ui

import (
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"provisio/app"
	"provisio/app/boltstore"
	"provisio/engine"
)

// configured counts the audit entries of configuration changes: a
// workspace's audit log starts with those of its set-up.
func configured(t *testing.T, a *app.App) int {
	t.Helper()
	entries, err := a.Audit(context.Background(), engine.AuditFilter{Op: engine.OpConfigure})
	require.NoError(t, err)
	return len(entries)
}

// auditScreen opens the Audit log screen.
func (h *harness) auditScreen() *auditScreen {
	h.t.Helper()
	h.w.Show(ScreenAudit)
	h.wait()
	return h.w.audit
}

func TestAuditLogListsTheNewestEntriesAndFiltersThem(t *testing.T) {
	w := newStaffWorkspace(t, staffOptions{persons: 10, declare: []string{"staff"}})
	w.enforce()
	h := harnessOn(t, w.a)
	s := h.auditScreen()
	n := configured(t, w.a)
	require.Positive(t, n, "the source, the target and the rule were set up")
	require.Len(t, s.entries, 30+n)
	assert.Equal(t, strconv.Itoa(30+n)+" entries that match, newest first.", s.count.Text)
	assert.False(t, s.more.Visible())
	for i := 1; i < len(s.entries); i++ {
		assert.Greater(t, s.entries[i-1].Seq, s.entries[i].Seq, "newest first")
	}
	e := s.entries[0]
	assert.Equal(t, []string{e.At.Local().Format("2006-01-02 15:04:05"), e.PersonName + " (" + e.Person + ")", "Directory", e.Op.Label(), s.targets.permissionText(e.Key), "Done"},
		[]string{s.cell(0, 0), s.cell(0, 1), s.cell(0, 2), s.cell(0, 3), s.cell(0, 4), s.cell(0, 5)})

	// the detail of an entry, with its place in the chain
	s.table.Select(widgetCell(1))
	detail := texts(s.detail)
	assert.Contains(t, detail, s.entries[1].Hash)
	assert.Contains(t, detail, s.entries[2].Hash, "its previous hash is the hash of the entry before it")
	assert.Contains(t, detail, "Previous hash")
	s.table.Select(widgetCell(len(s.entries) - 1))
	assert.Contains(t, texts(s.detail), "none: this is the first entry")
	for i := range s.entries {
		if s.entries[i].Op == engine.OpCreate {
			s.table.Select(widgetCell(i))
			break
		}
	}
	detail = texts(s.detail)
	assert.Contains(t, detail, "Attribute changes (3): old → new")
	assert.Contains(t, detail, "acct-", "the account's reference")

	// operation and outcome
	s.op.SetSelected("Grant")
	h.wait()
	require.Len(t, s.entries, 10)
	for _, e := range s.entries {
		assert.Equal(t, engine.OpGrant, e.Op)
	}
	s.outcome.SetSelected("Failed")
	h.wait()
	assert.Empty(t, s.entries)
	assert.Equal(t, "No entry matches the filters.", s.count.Text)
	s.outcome.SetSelected(auditAllOutcomes)
	s.op.SetSelected(auditAllOps)
	h.wait()

	// a person by name: one match
	test.Type(s.person, "Given3 Family3")
	h.wait()
	require.Len(t, s.entries, 3)
	for _, e := range s.entries {
		assert.Equal(t, "hr:3", e.Person)
	}
	assert.Equal(t, "Entries of Given3 Family3 (hr:3).", s.personHint.Text)

	// several match: choose one
	s.person.SetText("given1")
	h.wait()
	assert.Empty(t, s.entries)
	assert.Contains(t, s.personHint.Text, "2 persons match “given1”")
	assert.ElementsMatch(t, []string{"Given1 Family1 (hr:1)", "Given10 Family10 (hr:10)"}, s.personOpts)
	s.person.SetText("Given10 Family10 (hr:10)")
	h.wait()
	require.Len(t, s.entries, 3)
	assert.Equal(t, "hr:10", s.entries[0].Person)

	// an id
	s.person.SetText("hr:7")
	h.wait()
	require.Len(t, s.entries, 3)
	assert.Equal(t, "hr:7", s.entries[0].Person)

	// dates
	s.person.SetText("")
	day := testDay.Local()
	s.from.SetText(day.AddDate(0, 0, 1).Format("2006-01-02"))
	h.wait()
	assert.Empty(t, s.entries, "nothing after the day of the run")
	s.from.SetText(day.Format("2006-01-02"))
	s.to.SetText(day.Format("2006-01-02"))
	h.wait()
	assert.Len(t, s.entries, 30+n, "to is the whole day")
	s.from.SetText("2026-13-01")
	h.wait()
	assert.True(t, s.problem.Visible())
	assert.Contains(t, s.problem.Text, "From:")
	test.Tap(s.clearBtn)
	h.wait()
	assert.False(t, s.problem.Visible())
	assert.Len(t, s.entries, 30+n)

	// a page at a time
	s.pageSize = 12
	s.queryNow()
	h.wait()
	require.Len(t, s.entries, 12)
	assert.Equal(t, "The newest 12 entries that match; there are older ones.", s.count.Text)
	require.True(t, s.more.Visible())
	test.Tap(s.more)
	h.wait()
	assert.Len(t, s.entries, 24)
	test.Tap(s.more)
	h.wait()
	require.LessOrEqual(t, 30+n, 36, "three pages")
	assert.Len(t, s.entries, 30+n)
	assert.False(t, s.more.Visible())
}

func TestAuditLogFiltersOnARun(t *testing.T) {
	w := newStaffWorkspace(t, staffOptions{persons: 3}) // grants fail
	w.enforce()
	w.declare("staff")
	_, err := w.a.RetryFailed(context.Background(), 1, nil, nil)
	require.NoError(t, err)
	h := harnessOn(t, w.a)
	s := h.enforceScreen()
	test.Tap(s.runAudit)
	h.wait()
	a := h.w.audit
	assert.Equal(t, ScreenAudit, h.w.current)
	assert.Contains(t, a.run.Selected, "#1 ")
	assert.Len(t, a.entries, 12, "9 done and 3 failed, then 3 retried")
	a.outcome.SetSelected("Failed")
	h.wait()
	require.Len(t, a.entries, 3)
	a.table.Select(widgetCell(0))
	assert.Contains(t, texts(a.detail), `has no permission "staff"`)
}

func TestVerifyChainSaysTheLogIsIntact(t *testing.T) {
	empty := newHarness(t, false)
	e := empty.auditScreen()
	assert.Contains(t, e.count.Text, "The audit log is empty")
	test.Tap(e.verifyBtn)
	empty.wait()
	assert.Equal(t, "The audit log is empty: there is no chain to verify yet.", e.verdict.text.Text)

	w := newStaffWorkspace(t, staffOptions{persons: 4, declare: []string{"staff"}})
	h := harnessOn(t, w.a)
	s := h.auditScreen()
	n := configured(t, w.a)
	test.Tap(s.verifyBtn)
	h.wait()
	assert.Contains(t, s.verdict.text.Text, fmt.Sprintf("The audit log is intact: all %d entries", n), "the set-up is audited")

	w.enforce()
	test.Tap(s.verifyBtn)
	h.wait()
	require.True(t, s.verdict.box.Visible())
	assert.Contains(t, s.verdict.text.Text, fmt.Sprintf("The audit log is intact: all %d entries hold their own hash and the hash of the entry before them", 12+n))
	assert.False(t, s.busy.box.Visible())
	assert.False(t, s.verifyBtn.Disabled())
}

func TestVerifyChainNamesTheEntryThatWasChanged(t *testing.T) {
	w := newStaffWorkspace(t, staffOptions{persons: 4, declare: []string{"staff"}})
	w.enforce()
	require.NoError(t, w.a.Close())
	db, err := bolt.Open(filepath.Join(w.dir, boltstore.FileName), 0o600, &bolt.Options{Timeout: time.Second})
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		key := binary.BigEndian.AppendUint64(nil, 5)
		var e engine.AuditEntry
		require.NoError(t, json.Unmarshal(b.Get(key), &e))
		e.Outcome, e.Error = engine.OutcomeFailed, "it never happened"
		raw, err := json.Marshal(&e)
		require.NoError(t, err)
		return b.Put(key, raw)
	}))
	require.NoError(t, db.Close())
	w.open()

	h := harnessOn(t, w.a)
	s := h.auditScreen()
	test.Tap(s.verifyBtn)
	h.wait()
	require.True(t, s.verdict.box.Visible())
	assert.Equal(t, "The audit log was tampered with: audit entry 5 was changed: its hash does not match its content. "+
		"The 4 entries before it are intact; from there on the log cannot be trusted.", s.verdict.text.Text)
}

func TestExportCSVWritesTheEntriesThatMatchToTheFileChosen(t *testing.T) {
	w := newStaffWorkspace(t, staffOptions{persons: 5, declare: []string{"staff"}})
	w.enforce()
	h := harnessOn(t, w.a)
	s := h.auditScreen()
	s.op.SetSelected("Create")
	h.wait()
	require.Len(t, s.entries, 5)

	test.Tap(s.exportBtn)
	require.NotNil(t, s.exportPath, "the export dialog is open")
	assert.Equal(t, "provisio-audit-2026-11-26.csv", filepath.Base(s.exportPath.Text))
	assert.Contains(t, texts(h.win.Canvas().Overlays().Top()), "Exports every entry that matches the filters (operation Create)")

	// a folder that does not exist
	out := t.TempDir()
	s.exportPath.SetText(filepath.Join(out, "missing", "audit.csv"))
	test.Tap(h.overlayButton("Export"))
	assert.Contains(t, texts(h.win.Canvas().Overlays().Top()), "does not exist", "the dialog stays open and says why")

	path := filepath.Join(out, "audit.csv")
	s.exportPath.SetText(path)
	test.Tap(h.overlayButton("Export"))
	h.wait()
	assert.Equal(t, "Exported 5 entries to "+path+".", s.status.Text)
	rows := readCSV(t, path)
	require.Len(t, rows, 6, "a header and a row per entry")
	assert.Equal(t, []string{"seq", "time", "run", "person", "person name", "target", "operation", "entitlement", "reference", "changes", "outcome", "error", "dry run", "hash"}, rows[0])
	for _, r := range rows[1:] {
		assert.Equal(t, "create", r[6])
	}
	first, err := strconv.Atoi(rows[1][0])
	require.NoError(t, err)
	second, err := strconv.Atoi(rows[2][0])
	require.NoError(t, err)
	assert.Less(t, first, second, "oldest first")

	// again, over it, for every entry: replaced once complete, no temporary file left
	s.op.SetSelected(auditAllOps)
	h.wait()
	test.Tap(s.exportBtn)
	s.exportPath.SetText(path)
	test.Tap(h.overlayButton("Export"))
	h.confirm("Replace")
	h.wait()
	assert.Len(t, readCSV(t, path), 16+configured(t, h.app))
	files, err := os.ReadDir(out)
	require.NoError(t, err)
	require.Len(t, files, 1, "only the export")
	assert.Equal(t, "audit.csv", files[0].Name())
}

func TestPersonDetailShowsTheAccountsWrittenAndLinksToTheirAuditEntries(t *testing.T) {
	w := newStaffWorkspace(t, staffOptions{persons: 4, declare: []string{"staff"}})
	h := harnessOn(t, w.a)
	h.w.persons.openPerson("hr:3")
	h.wait()
	detail := texts(h.w.persons.detail)
	assert.Contains(t, detail, "Accounts in target systems")
	assert.Contains(t, detail, "None yet: Provisio has written nothing for this person")

	w.enforce()
	h.w.persons.openPerson("hr:3")
	h.wait()
	detail = texts(h.w.persons.detail)
	var ref string
	for _, a := range w.accounts() {
		if a.Attributes["userName"] == "given3.family3" {
			ref = a.Ref
		}
	}
	require.NotEmpty(t, ref)
	assert.Contains(t, detail, "Directory")
	assert.Contains(t, detail, "Account "+ref+" · enabled")
	assert.Contains(t, detail, "by rule “Staff”")
	assert.Contains(t, detail, "Attributes as last written")
	assert.Contains(t, detail, "given3.family3")
	assert.Contains(t, detail, "given3@example.org")
	assert.Contains(t, detail, "Permissions (1)")
	assert.Contains(t, detail, "Staff (staff) ← rule “Staff”")

	test.Tap(button(h.w.persons.detail, "Audit entries for this person"))
	h.wait()
	s := h.w.audit
	assert.Equal(t, ScreenAudit, h.w.current)
	assert.Equal(t, "Given3 Family3 (hr:3)", s.person.Text)
	require.Len(t, s.entries, 3)
	for _, e := range s.entries {
		assert.Equal(t, "hr:3", e.Person)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return rows
}

func widgetCell(row int) widget.TableCellID { return widget.TableCellID{Row: row} }
