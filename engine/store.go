package engine

import (
	"context"
	"sort"
	"strings"
	"time"
)

// RecordRef locates an encoded record in a store: its position in the
// store's append-only record log and its content hash.
type RecordRef struct {
	Seq  uint64
	Hash Hash
}

// IndexEntry is one person in a snapshot: the person's id, their record and
// what snapshot counts need without decoding it.
type IndexEntry struct {
	ID        string
	Ref       RecordRef
	Flags     EntryFlags
	Contracts uint32
}

// EntryFlags summarise a person record.
type EntryFlags uint8

// The entry flags.
const (
	FlagBlocked EntryFlags = 1 << iota
	FlagExcluded
)

// SnapshotIndex lists a snapshot's persons sorted by id.
type SnapshotIndex struct {
	Entries []IndexEntry
}

// Find returns the entry with the given id.
func (x *SnapshotIndex) Find(id string) (IndexEntry, bool) {
	i := sort.Search(len(x.Entries), func(i int) bool { return x.Entries[i].ID >= id })
	if i < len(x.Entries) && x.Entries[i].ID == id {
		return x.Entries[i], true
	}
	return IndexEntry{}, false
}

// Source returns the entries of one source system (a sub-slice).
func (x *SnapshotIndex) Source(key string) []IndexEntry {
	prefix := key + ":"
	lo := sort.Search(len(x.Entries), func(i int) bool { return x.Entries[i].ID >= prefix })
	hi := lo + sort.Search(len(x.Entries)-lo, func(i int) bool { return !strings.HasPrefix(x.Entries[lo+i].ID, prefix) })
	return x.Entries[lo:hi]
}

// IndexChange changes one entry of a snapshot index. A change with Removed
// set deletes the entry; otherwise the entry is added or replaced. When
// Record is non-negative, the entry refers to the new record
// ImportCommit.Records[Record] and the store fills in Entry.Ref.
type IndexChange struct {
	Entry   IndexEntry
	Record  int
	Removed bool
}

// ApplyChanges returns the entries of base with changes (sorted by id)
// applied.
func ApplyChanges(base []IndexEntry, changes []IndexChange) []IndexEntry {
	out := make([]IndexEntry, 0, len(base)+len(changes))
	i, j := 0, 0
	for i < len(base) || j < len(changes) {
		switch {
		case j == len(changes) || i < len(base) && base[i].ID < changes[j].Entry.ID:
			out = append(out, base[i])
			i++
		default:
			c := changes[j]
			if i < len(base) && base[i].ID == c.Entry.ID {
				i++
			}
			if !c.Removed {
				out = append(out, c.Entry)
			}
			j++
		}
	}
	return out
}

// ImportStatus is the outcome of an import.
type ImportStatus string

// The import statuses.
const (
	ImportAccepted   ImportStatus = "accepted"   // its persons are in a snapshot
	ImportPending    ImportStatus = "pending"    // a threshold blocked it; an administrator decides
	ImportRejected   ImportStatus = "rejected"   // an administrator rejected it; nothing changed
	ImportSuperseded ImportStatus = "superseded" // a newer import of the source replaced it while pending
	ImportFailed     ImportStatus = "failed"     // the source could not be read; nothing changed
	ImportCanceled   ImportStatus = "cancelled"  // cancelled while running; nothing changed
)

// ImportCounts are the figures of an import.
type ImportCounts struct {
	Records     int `json:"records"` // raw records read
	Persons     int `json:"persons"`
	Contracts   int `json:"contracts"`
	Departments int `json:"departments"`
	Added       int `json:"added"`
	Removed     int `json:"removed"`
	Changed     int `json:"changed"`
	Unchanged   int `json:"unchanged"`
	// Kept counts persons kept as they were in the previous snapshot
	// because a row of theirs could not be read.
	Kept    int `json:"kept"`
	Blocked int `json:"blocked"`
	// NewlyBlocked counts blocked persons who were not blocked (or not
	// there) in the previous snapshot: what the blocked threshold checks.
	NewlyBlocked int `json:"newlyBlocked"`
	Excluded     int `json:"excluded"`
	Errors       int `json:"errors"`
}

// MaxImportErrors is how many record errors an import keeps; Counts.Errors
// has the full number.
const MaxImportErrors = 1000

// ImportRun is one run of reading a source system.
type ImportRun struct {
	ID         uint64            `json:"id"`
	Source     string            `json:"source"`
	SourceName string            `json:"sourceName"`
	StartedAt  time.Time         `json:"startedAt"`
	FinishedAt time.Time         `json:"finishedAt"`
	Status     ImportStatus      `json:"status"`
	Message    string            `json:"message,omitempty"` // why it failed, or the decision's note
	Counts     ImportCounts      `json:"counts"`
	Errors     []RecordError     `json:"errors,omitempty"`
	Breaches   []ThresholdBreach `json:"breaches,omitempty"`
	// Snapshot is the number of the snapshot the import produced.
	Snapshot  uint64    `json:"snapshot,omitempty"`
	DecidedAt time.Time `json:"decidedAt,omitzero"`
}

// SnapshotInfo describes a snapshot: its number, when and how it was made,
// and its counts.
type SnapshotInfo struct {
	Number      uint64    `json:"number"`
	CreatedAt   time.Time `json:"createdAt"`
	ImportID    uint64    `json:"importId"`
	Source      string    `json:"source"`
	Persons     int       `json:"persons"`
	Contracts   int       `json:"contracts"`
	Departments int       `json:"departments"`
	Blocked     int       `json:"blocked"`
	Excluded    int       `json:"excluded"`
	Added       int       `json:"added"`
	Removed     int       `json:"removed"`
	Changed     int       `json:"changed"`
	// DepartmentRecords holds, per source system, the record with its
	// departments.
	DepartmentRecords map[string]DepartmentsRef `json:"departmentRecords,omitempty"`
}

// DepartmentsRef locates a source system's departments record.
type DepartmentsRef struct {
	Ref   RecordRef `json:"ref"`
	Count int       `json:"count"`
}

// ImportCommit is everything an import writes, in one transaction.
type ImportCommit struct {
	// Run is recorded with its ID assigned; its Status is accepted (a new
	// snapshot is made) or pending (the changes are kept aside).
	Run *ImportRun
	// Records are the new encoded records the changes refer to.
	Records [][]byte
	// Changes to the latest snapshot's index, sorted by id.
	Changes []IndexChange
	// Departments is the source's new departments record (with
	// Run.Counts.Departments departments), or nil when they did not change.
	Departments []byte
	// Snapshot is the new snapshot's description, for an accepted run. The
	// store assigns Number, and when Departments is set it points
	// DepartmentRecords[Run.Source] at the new record and sets Departments
	// to the total.
	Snapshot *SnapshotInfo
	// Config, when set, replaces the configuration in the same
	// transaction (deleting a source system removes its persons and the
	// source together), and Audit is appended to the audit log with it.
	Config *Config
	Audit  []AuditEntry
	// Supersede lists pending imports of the same source that this one
	// replaces: they get status superseded, decided at Run.FinishedAt, and
	// the records they wrote are dropped.
	Supersede []uint64
}

// PendingImport is what a pending import would change once approved.
type PendingImport struct {
	Changes     []IndexChange // with Entry.Ref filled in
	Departments *RecordRef
}

// Store keeps a workspace: its configuration, imports and snapshots. Every
// method is safe for concurrent use; every write is one transaction, so a
// crash leaves the previous consistent state. Methods return NotFound
// errors for missing things and Unavailable when the workspace is in use.
type Store interface {
	// LoadConfig returns the configuration, or DefaultConfig for a new
	// workspace.
	LoadConfig(ctx context.Context) (*Config, error)
	// SaveConfig replaces the configuration. The configuration and rule
	// changes append audit, the entries that describe the change, in the
	// same transaction (numbered and chained by the store).
	SaveConfig(ctx context.Context, c *Config, audit ...AuditEntry) error

	// ListImports returns every import, newest first, without their
	// record errors.
	ListImports(ctx context.Context) ([]ImportRun, error)
	// FindImport returns one import with its record errors.
	FindImport(ctx context.Context, id uint64) (*ImportRun, error)
	// SaveImport records an import that changed nothing (failed or
	// cancelled) and sets run.ID.
	SaveImport(ctx context.Context, run *ImportRun) error

	// ListSnapshots returns every snapshot, newest first.
	ListSnapshots(ctx context.Context) ([]SnapshotInfo, error)
	// FindSnapshot returns one snapshot; number 0 means the latest, and
	// NotFound means there is none.
	FindSnapshot(ctx context.Context, number uint64) (*SnapshotInfo, error)
	// SnapshotIndex returns the persons of a snapshot. The index may be
	// shared (stores cache it): callers must not modify it.
	SnapshotIndex(ctx context.Context, number uint64) (*SnapshotIndex, error)
	// ReadPersons decodes the records refs point to and calls fn for each,
	// with its position in refs, in an order that suits the store.
	ReadPersons(ctx context.Context, refs []RecordRef, fn func(i int, p *Person) error) error
	// ReadDepartments returns the departments of a snapshot, by source
	// key, then as the source listed them.
	ReadDepartments(ctx context.Context, number uint64) ([]Department, error)

	// CommitImport writes an import's records, its run and either a new
	// snapshot or its pending changes, and returns the run with its
	// assigned ID (and, for an accepted one, the snapshot). It does not
	// modify c.
	CommitImport(ctx context.Context, c *ImportCommit) (*ImportRun, *SnapshotInfo, error)
	// PendingImport returns the changes a pending import holds.
	PendingImport(ctx context.Context, id uint64) (*PendingImport, error)
	// ResolveImport decides a pending import. With status accepted its
	// changes become a new snapshot described by snap (completed as for
	// CommitImport); with rejected, snap is nil and its changes and the
	// records it wrote are dropped. It returns NotFound for an unknown import and Conflict for
	// one that is not pending.
	ResolveImport(ctx context.Context, id uint64, status ImportStatus, at time.Time, note string, snap *SnapshotInfo) (*ImportRun, *SnapshotInfo, error)

	// ListRules returns every business rule, by id.
	ListRules(ctx context.Context) ([]Rule, error)
	// SaveRule adds or replaces a rule (by ID) and counts a new rules
	// version.
	SaveRule(ctx context.Context, r *Rule, audit ...AuditEntry) error
	// DeleteRule removes a rule; with keepGrants its ledger entries become
	// unmanaged instead of being revoked by the next evaluation.
	DeleteRule(ctx context.Context, id string, keepGrants bool, audit ...AuditEntry) error
	// ReplaceRules replaces every rule at once (a configuration import).
	ReplaceRules(ctx context.Context, rules []Rule, audit ...AuditEntry) error
	// SaveConfigAndRules replaces the configuration and every rule in one
	// transaction.
	SaveConfigAndRules(ctx context.Context, c *Config, rules []Rule, audit ...AuditEntry) error
	// RulesVersion counts the changes to the rules.
	RulesVersion(ctx context.Context) (uint64, error)

	// LoadLedger returns what is granted, as far as Provisio knows.
	LoadLedger(ctx context.Context) (*Ledger, error)
	// ReadLedgerPacked calls fn with LoadLedger's entries a batch at a
	// time, with the attributes of account entries in LedgerEntry.Packed
	// instead of Attributes, and the entries' lists of rules shared
	// between the entries that have the same: a third of the room, for an
	// evaluation, which reads them and changes none. A caller that keeps
	// them in a form of its own
	// never holds them all: each batch holds whole persons' entries in
	// LoadLedger's order; the batches come in no particular order, one at
	// a time. fn must not keep the batch, whose entries may be reused,
	// but may keep what they point to. An error from fn stops the reading
	// and is returned.
	ReadLedgerPacked(ctx context.Context, fn func(entries []LedgerEntry) error) error
	// PersonLedger returns the ledger's entries of one person, in
	// LoadLedger's order, without reading the others.
	PersonLedger(ctx context.Context, person string) ([]LedgerEntry, error)
	// LedgerVersion counts the changes to the ledger: a plan made from an
	// older ledger is out of date.
	LedgerVersion(ctx context.Context) (uint64, error)

	// StartRun records a new enforcement run, assigning its ID, with one
	// result per action of its plan (pending, blocked or manual), before
	// anything is sent.
	StartRun(ctx context.Context, run *EnforcementRun, results []ActionResult) (*EnforcementRun, error)
	// RecordResults, in one transaction, replaces results of a run (by
	// their Index), applies ledger changes (counting a new ledger version
	// when there are any) and appends audit entries, numbering and
	// chaining them (Seq, Prev, Hash are set by the store).
	RecordResults(ctx context.Context, run uint64, results []ActionResult, ledger []LedgerChange, audit []AuditEntry) error
	// UpdateRun saves a run's status, counts, breaches and message.
	UpdateRun(ctx context.Context, run *EnforcementRun) error
	// FindRun returns a run and its results, by action index; id 0 means
	// the latest. NotFound when there is none.
	FindRun(ctx context.Context, id uint64) (*EnforcementRun, []ActionResult, error)
	// ListRuns returns every enforcement run, newest first.
	ListRuns(ctx context.Context) ([]EnforcementRun, error)
	// ListAudit returns the audit entries the filter selects, newest
	// first, at most f.Limit (0: all).
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// VerifyAudit checks the audit chain from the first entry and returns
	// how many entries it checked; an error names the first entry that
	// does not fit the chain.
	VerifyAudit(ctx context.Context) (int, error)

	// SaveTargetAccounts replaces what is known of a target's accounts,
	// as read from it at a time.
	SaveTargetAccounts(ctx context.Context, target string, at time.Time, accounts []Account) error
	// LoadTargetAccounts returns a target's accounts as last read, and
	// when; a zero time means they were never read.
	LoadTargetAccounts(ctx context.Context, target string) (time.Time, []Account, error)

	// SaveEvaluation records an evaluation and its plan, assigning its
	// ID. Stores may drop the actions of old evaluations (see Pruned).
	SaveEvaluation(ctx context.Context, e *Evaluation) (*EvaluationInfo, error)
	// ListEvaluations returns every evaluation, newest first, without
	// actions.
	ListEvaluations(ctx context.Context) ([]EvaluationInfo, error)
	// FindEvaluation returns one evaluation with its plan; id 0 means the
	// latest, and NotFound means there is none.
	FindEvaluation(ctx context.Context, id uint64) (*Evaluation, error)

	// LoadAggregation returns the aggregation decisions and the latest
	// suggestions (empty for a new workspace).
	LoadAggregation(ctx context.Context) (*Aggregation, error)
	// SaveAggregation replaces the aggregation state, applies ledger
	// changes and appends audit entries (numbered and chained by the
	// store), in one transaction. With outdates (a decision on persons, or
	// a scan that holds other persons) it counts a new ledger version:
	// what a plan must do changed, so a plan made before is out of date.
	// Ledger changes count one anyway.
	SaveAggregation(ctx context.Context, g *Aggregation, outdates bool, ledger []LedgerChange, audit []AuditEntry) error

	// SaveScheduleRun records a schedule run, assigning its ID when it has
	// none, and replaces the run with its ID otherwise (NotFound when
	// there is none). Stores keep a bounded history per schedule.
	SaveScheduleRun(ctx context.Context, r *ScheduleRun) (*ScheduleRun, error)
	// ListScheduleRuns returns the runs of one schedule ("" for all),
	// newest first, at most limit (0: all).
	ListScheduleRuns(ctx context.Context, schedule string, limit int) ([]ScheduleRun, error)
	// MarkNotified records notices as sent, by key, and returns the keys
	// that were not recorded before, so each notice is sent once.
	MarkNotified(ctx context.Context, keys []string, at time.Time) ([]string, error)
	// ForgetNotified takes keys out of the record of notices sent: their
	// notification could not be shown, and is sent again next time.
	ForgetNotified(ctx context.Context, keys []string) error
}

// Secrets resolves the references that configuration holds to secrets kept
// in the operating system's keychain. Get returns a NotFound error for an
// unknown reference. Secrets never appear in logs or errors.
type Secrets interface {
	Get(ref string) (string, error)
	Set(ref, secret string) error
	Delete(ref string) error
}

// Clock tells the time; tests inject a fixed one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current local time.
func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock always returns the same time.
type FixedClock time.Time

// Now returns the fixed time.
func (c FixedClock) Now() time.Time { return time.Time(c) }

// Today returns the current date of the clock.
func Today(c Clock) Date { return DateOf(c.Now()) }
