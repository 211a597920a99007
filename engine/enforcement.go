package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// RunStatus is where an enforcement run stands.
type RunStatus string

// The states of an enforcement run.
const (
	RunRunning     RunStatus = "running"     // started; after a crash, it is resumed
	RunDone        RunStatus = "done"        // every action was tried (some may have failed or wait for approval)
	RunCanceled    RunStatus = "canceled"    // stopped by the administrator; the rest can be run again
	RunInterrupted RunStatus = "interrupted" // the process stopped while it ran; resuming finishes it
)

// Outcome is what became of one action of a run.
type Outcome string

// The outcomes of actions.
const (
	OutcomePending  Outcome = ""         // not tried yet
	OutcomeDone     Outcome = "done"     // the target did it (or it was already so)
	OutcomeFailed   Outcome = "failed"   // the target refused it, or kept failing
	OutcomeBlocked  Outcome = "blocked"  // held back by a threshold, waiting for approval
	OutcomeRejected Outcome = "rejected" // an administrator rejected it
	OutcomeSkipped  Outcome = "skipped"  // an action it depends on did not happen
	OutcomeManual   Outcome = "manual"   // the target is changed by hand: nothing was written
	// OutcomeApproved is for the audit log only: an administrator approved
	// an action a threshold held back (its own entry follows when it is
	// written).
	OutcomeApproved Outcome = "approved"
)

// ActionResult is the journal's record of one action of a run.
type ActionResult struct {
	Index   int       `json:"index"` // the action's position in the plan
	Outcome Outcome   `json:"outcome"`
	Ref     string    `json:"ref,omitempty"`   // the account's reference after the action
	Error   string    `json:"error,omitempty"` // why it failed, was skipped or blocked
	Tries   int       `json:"tries,omitempty"`
	At      time.Time `json:"at,omitzero"`
}

// Breach is a threshold an enforcement run exceeded: its actions of one
// operation in one target wait for approval.
type Breach struct {
	Target  string   `json:"target"`
	Op      ActionOp `json:"op"`
	Actions int      `json:"actions"`
	Message string   `json:"message"`
}

// EnforcementRun is one run of a plan against the target systems.
type EnforcementRun struct {
	ID         uint64    `json:"id"`
	Evaluation uint64    `json:"evaluation"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	Status     RunStatus `json:"status"`
	DryRun     bool      `json:"dryRun,omitempty"`
	// Targets are the targets the run writes to (all of the plan's when
	// empty).
	Targets  []string        `json:"targets,omitempty"`
	Breaches []Breach        `json:"breaches,omitempty"`
	Counts   map[Outcome]int `json:"counts"`
	Message  string          `json:"message,omitempty"`
	// Resumed counts how often the run was picked up again after it was
	// interrupted or cancelled.
	Resumed int `json:"resumed,omitempty"`
}

// LedgerChange is one change enforcement makes to the ledger: the entry
// for a person's entitlement is set, or (Delete) removed.
type LedgerChange struct {
	Entry  LedgerEntry `json:"entry"`
	Delete bool        `json:"delete,omitempty"`
}

// AuditEntry records one thing Provisio did (or tried) in a target system.
// Entries are chained: each holds the hash of the one before, so a change
// to any entry breaks the chain from there on.
type AuditEntry struct {
	Seq        uint64            `json:"seq"`
	At         time.Time         `json:"at"`
	Run        uint64            `json:"run"`
	Person     string            `json:"person"`
	PersonName string            `json:"personName,omitempty"`
	Target     string            `json:"target"`
	Op         ActionOp          `json:"op"`
	Key        EntitlementKey    `json:"key"`
	Ref        string            `json:"ref,omitempty"`
	Changes    []AttributeChange `json:"changes,omitempty"`
	Outcome    Outcome           `json:"outcome"`
	Error      string            `json:"error,omitempty"`
	DryRun     bool              `json:"dryRun,omitempty"`
	Prev       string            `json:"prev"`
	Hash       string            `json:"hash"`
}

// ComputeHash returns the entry's hash: SHA-256 over its canonical JSON
// without the hash itself, which includes the previous entry's hash.
func (e *AuditEntry) ComputeHash() string {
	c := *e
	c.Hash = ""
	raw, _ := json.Marshal(&c) // a struct of plain fields: cannot fail
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// AuditFilter selects audit entries; zero fields select everything.
type AuditFilter struct {
	Since   time.Time `json:"since,omitzero"`
	Until   time.Time `json:"until,omitzero"`
	Person  string    `json:"person,omitempty"`
	Target  string    `json:"target,omitempty"`
	Op      ActionOp  `json:"op,omitempty"`
	Outcome Outcome   `json:"outcome,omitempty"`
	Run     uint64    `json:"run,omitempty"`
	Limit   int       `json:"limit,omitempty"`
}

// Matches reports whether e passes the filter.
func (f *AuditFilter) Matches(e *AuditEntry) bool {
	switch {
	case !f.Since.IsZero() && e.At.Before(f.Since),
		!f.Until.IsZero() && !e.At.Before(f.Until),
		f.Person != "" && e.Person != f.Person,
		f.Target != "" && e.Target != f.Target,
		f.Op != "" && e.Op != f.Op,
		f.Outcome != "" && e.Outcome != f.Outcome,
		f.Run != 0 && e.Run != f.Run:
		return false
	}
	return true
}
