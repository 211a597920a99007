package engine

import "time"

// Reason says why an action is in a plan: the rule that wants the
// entitlement and the contracts it matched, or for a revoke why the rule
// no longer applies.
type Reason struct {
	Rule      string   `json:"rule,omitempty"` // rule id
	RuleName  string   `json:"ruleName,omitempty"`
	Contracts []string `json:"contracts,omitempty"` // in-conditions contracts, by external id
	Why       string   `json:"why,omitempty"`
}

// Action is one change a plan makes: granting or revoking one entitlement
// of one person.
type Action struct {
	Person     string         `json:"person"`
	PersonName string         `json:"personName"`
	Key        EntitlementKey `json:"key"`
	Grant      bool           `json:"grant"` // false: revoke
	Reasons    []Reason       `json:"reasons"`
	// Op is what enforcement does for it: create or correlate an account,
	// enable it, grant a permission, …
	Op ActionOp `json:"op,omitempty"`
	// Ref is the account's reference in the target, for an account that
	// exists (or is correlated).
	Ref string `json:"ref,omitempty"`
	// Changes are the attributes the action writes, with their old and
	// new values.
	Changes []AttributeChange `json:"changes,omitempty"`
}

// Verb returns "grant" or "revoke", or for an account "update".
func (a *Action) Verb() string {
	switch {
	case a.Op == OpUpdate:
		return "update"
	case a.Grant:
		return "grant"
	}
	return "revoke"
}

// SummaryRow counts a plan's actions for one target and kind.
type SummaryRow struct {
	Target  string          `json:"target"`
	Kind    EntitlementKind `json:"kind"`
	Grants  int             `json:"grants"`
	Revokes int             `json:"revokes"`
	// Updates counts account updates (attributes brought in line).
	Updates int `json:"updates,omitempty"`
}

// Skipped is a person evaluation passed over: blocked or excluded.
type Skipped struct {
	Person string `json:"person"`
	Name   string `json:"name"`
	Status Status `json:"status"`
}

// Note is something an administrator should know about a person's desired
// state that produced no action, such as a permission granted without an
// account in the same target.
type Note struct {
	Person  string `json:"person"`
	Message string `json:"message"`
}

// EvaluationInfo describes an evaluation: its inputs and its figures.
type EvaluationInfo struct {
	ID        uint64    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
	// AsOf is the reference date rules were evaluated on.
	AsOf         Date   `json:"asOf"`
	Snapshot     uint64 `json:"snapshot"`
	RulesVersion uint64 `json:"rulesVersion"`
	// LedgerVersion is the ledger's version the plan was made from:
	// enforcing it after the ledger changed would act on stale facts.
	LedgerVersion uint64 `json:"ledgerVersion,omitempty"`
	// WithDrafts is set when draft rules replaced their published
	// versions; WhatIf names a rule evaluated as edited but not saved.
	WithDrafts bool   `json:"withDrafts,omitempty"`
	WhatIf     string `json:"whatIf,omitempty"`
	// DisabledTargets were left out: no actions in them.
	DisabledTargets []string `json:"disabledTargets,omitempty"`
	Persons         int      `json:"persons"`
	Evaluated       int      `json:"evaluated"`
	Blocked         int      `json:"blocked"`
	Excluded        int      `json:"excluded"`
	Actions         int      `json:"actions"`
	// Summary counts the actions per target and kind.
	Summary []SummaryRow `json:"summary"`
	// RuleMatches counts, per rule id, the persons the rule matched.
	RuleMatches map[string]int `json:"ruleMatches"`
	Duration    time.Duration  `json:"duration"`
	// Pruned is set when the store no longer keeps the actions of an old
	// evaluation, only its figures.
	Pruned bool `json:"pruned,omitempty"`
}

// IsWhatIf reports whether the evaluation used rules that are not in
// force.
func (e *EvaluationInfo) IsWhatIf() bool { return e.WithDrafts || e.WhatIf != "" }

// Evaluation is an evaluation with its plan.
type Evaluation struct {
	EvaluationInfo
	Actions []Action  `json:"actions"`
	Skipped []Skipped `json:"skipped,omitempty"`
	Notes   []Note    `json:"notes,omitempty"`
}
