package engine

import (
	"fmt"
	"slices"
	"strings"
)

// Stage is a moment in an account's life at which attributes are written.
type Stage string

// The stages, in the order an account lives them.
const (
	StageCreate  Stage = "create"  // the account is made (or correlated)
	StageEnable  Stage = "enable"  // it gets access
	StageUpdate  Stage = "update"  // kept in line with the person while it exists
	StageDisable Stage = "disable" // it loses access
	StageDelete  Stage = "delete"  // just before it is deleted
)

// Stages lists the stages in order.
var Stages = []Stage{StageCreate, StageEnable, StageUpdate, StageDisable, StageDelete}

// Label returns the stage's name for people.
func (s Stage) Label() string {
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// StageValue says how an attribute gets its value in one stage: a fixed
// value, a person field (a dotted path such as Name.GivenName or
// PrimaryContract.Department.Code), or a JavaScript snippet.
type StageValue struct {
	Type  MappingType `json:"type"`
	Value string      `json:"value"`
}

// AttributeMapping is one row of a target's account mapping: an attribute
// and its value per stage; a stage without a value leaves the attribute
// alone then.
type AttributeMapping struct {
	Attribute string `json:"attribute"`
	// Unique attributes must be free in the target and in the plan: their
	// values are made again with Iteration 1, 2, … until they are.
	Unique bool                  `json:"unique,omitempty"`
	Stages map[Stage]*StageValue `json:"stages"`
}

// Value returns the attribute's value in a stage, or nil.
func (m *AttributeMapping) Value(s Stage) *StageValue {
	if m.Stages == nil {
		return nil
	}
	return m.Stages[s]
}

// Correlation links a person to an account that already exists in the
// target, instead of creating one: the person field's value equals the
// account attribute's.
type Correlation struct {
	PersonField string `json:"personField"`
	Attribute   string `json:"attribute"`
}

// AccountEnd says what happens to an account no rule gives any more.
type AccountEnd string

// The ways an account ends.
const (
	EndDelete       AccountEnd = "delete"       // delete it
	EndKeepDisabled AccountEnd = "keepDisabled" // keep it disabled, delete it after DeleteAfterDays
)

// Lifecycle says how a target's accounts end.
type Lifecycle struct {
	End AccountEnd `json:"end,omitempty"`
	// DeleteAfterDays is how long an account stays, disabled, after no
	// rule gives it (with EndKeepDisabled); 0 keeps it until a rule gives
	// it again or an administrator deletes it.
	DeleteAfterDays int `json:"deleteAfterDays,omitempty"`
}

// ActionOp is what one action of a plan does.
type ActionOp string

// The operations of a plan's actions.
const (
	OpCreate    ActionOp = "create"    // make the account (disabled)
	OpCorrelate ActionOp = "correlate" // link an account that already exists
	OpUpdate    ActionOp = "update"    // write changed attributes
	OpEnable    ActionOp = "enable"    // give the account access
	OpDisable   ActionOp = "disable"   // take access away
	OpRetire    ActionOp = "retire"    // no rule gives the account: keep it disabled until it is deleted
	OpReinstate ActionOp = "reinstate" // a rule gives a retired account again
	OpDelete    ActionOp = "delete"    // delete the account
	OpGrant     ActionOp = "grant"     // add a permission (or a custom entitlement)
	OpRevoke    ActionOp = "revoke"    // take a permission (or a custom entitlement) away
)

// Label returns the operation's name for people.
func (o ActionOp) Label() string {
	return strings.ToUpper(string(o[:1])) + string(o[1:])
}

// ActionOps lists the operations in the order enforcement applies them to
// one person in one target: the account first, then access, then
// permissions; revokes before disabling, disabling before deleting.
var ActionOps = []ActionOp{OpCreate, OpCorrelate, OpReinstate, OpUpdate, OpEnable, OpGrant, OpRevoke, OpDisable, OpRetire, OpDelete}

// Order returns the operation's place in ActionOps.
func (o ActionOp) Order() int { return slices.Index(ActionOps, o) }

// AttributeChange is one attribute an action writes: its old value (as
// the ledger or the target holds it; empty for a create) and its new one.
type AttributeChange struct {
	Attribute string `json:"attribute"`
	Old       string `json:"old,omitempty"`
	New       string `json:"new"`
}

// ActionThreshold limits how many actions of one operation a run may do
// in one target before an administrator approves them: a count and/or a
// percentage of the target's accounts (as the ledger knows them).
type ActionThreshold struct {
	Op         ActionOp `json:"op"`
	MaxCount   *int     `json:"maxCount,omitempty"`
	MaxPercent *float64 `json:"maxPercent,omitempty"`
}

// Check returns a breach when n actions of a target with accounts
// accounts exceed the threshold.
func (t ActionThreshold) Check(n, accounts int) (string, bool) {
	if t.MaxCount != nil && n > *t.MaxCount {
		return fmt.Sprintf("%d %s actions exceed the limit of %d", n, t.Op, *t.MaxCount), true
	}
	if t.MaxPercent != nil && accounts > 0 {
		pct := 100 * float64(n) / float64(accounts)
		if pct > *t.MaxPercent {
			return fmt.Sprintf("%d %s actions are %.1f%% of the %d accounts, over the limit of %g%%", n, t.Op, pct, accounts, *t.MaxPercent), true
		}
	}
	return "", false
}

// Sensitive reports whether an attribute name looks like it holds a
// password or another secret: such attributes are never mapped, planned,
// kept in the ledger or audited.
func Sensitive(attribute string) bool {
	a := strings.ToLower(attribute)
	for _, w := range []string{"password", "passwd", "pwd", "secret", "token", "privatekey"} {
		if strings.Contains(a, w) {
			return true
		}
	}
	return false
}
