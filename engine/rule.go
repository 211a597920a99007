package engine

import (
	"fmt"
	"time"
)

// EntitlementKind says what an entitlement gives in a target system.
type EntitlementKind string

// The entitlement kinds.
const (
	// KindAccount: the person has an account.
	KindAccount EntitlementKind = "account"
	// KindAccess: the person's account is enabled.
	KindAccess EntitlementKind = "access"
	// KindPermission: a named right, such as a group membership.
	KindPermission EntitlementKind = "permission"
	// KindCustom: anything else a target connector gives by name.
	KindCustom EntitlementKind = "custom"
)

// EntitlementKinds lists the kinds in the order screens show them.
var EntitlementKinds = []EntitlementKind{KindAccount, KindAccess, KindPermission, KindCustom}

// Label returns how screens name the kind.
func (k EntitlementKind) Label() string {
	if k == KindAccess {
		return "account access"
	}
	return string(k)
}

// Entitlement is what a rule grants in one target system.
type Entitlement struct {
	Target string          `json:"target"`
	Kind   EntitlementKind `json:"kind"`
	// Permission is the id of a static permission.
	Permission string `json:"permission,omitempty"`
	// Template makes a dynamic permission: its {placeholders} are contract
	// fields, filled in from each in-conditions contract, such as
	// "GRP-{Department.Code}" for a group per department.
	Template string `json:"template,omitempty"`
	// Name names a custom entitlement.
	Name string `json:"name,omitempty"`
}

// EntitlementKey identifies one granted entitlement: a kind in a target,
// and for permissions and custom entitlements their name.
type EntitlementKey struct {
	Target string          `json:"target"`
	Kind   EntitlementKind `json:"kind"`
	Name   string          `json:"name,omitempty"`
}

func (k EntitlementKey) String() string {
	if k.Name == "" {
		return fmt.Sprintf("%s: %s", k.Target, k.Kind.Label())
	}
	return fmt.Sprintf("%s: %s %s", k.Target, k.Kind.Label(), k.Name)
}

// Less orders keys by target, kind (in EntitlementKinds order) and name.
func (k EntitlementKey) Less(o EntitlementKey) bool {
	if k.Target != o.Target {
		return k.Target < o.Target
	}
	if k.Kind != o.Kind {
		return kindRank(k.Kind) < kindRank(o.Kind)
	}
	return k.Name < o.Name
}

func kindRank(k EntitlementKind) int {
	for i, x := range EntitlementKinds {
		if x == k {
			return i
		}
	}
	return len(EntitlementKinds)
}

// PersonStatusFilter says which persons a rule considers.
type PersonStatusFilter string

// The person status filters.
const (
	// RuleActive: persons with a contract active within the timeframe;
	// contract conditions are tested on those contracts.
	RuleActive PersonStatusFilter = "active"
	// RuleInactive: persons without such a contract.
	RuleInactive PersonStatusFilter = "inactive"
	// RuleAny: everyone; contract conditions are tested on all contracts.
	RuleAny PersonStatusFilter = "any"
)

// Timeframe widens when a contract counts as active for a rule: from
// DaysBefore days before it starts to DaysAfter days after it ends.
type Timeframe struct {
	DaysBefore int `json:"daysBefore,omitempty"`
	DaysAfter  int `json:"daysAfter,omitempty"`
}

// Operator is a comparison in a condition.
type Operator string

// The operators. Which apply depends on the field's type (see Operators).
const (
	OpEquals      Operator = "equals"
	OpNotEquals   Operator = "notEquals"
	OpIn          Operator = "in"
	OpNotIn       Operator = "notIn"
	OpContains    Operator = "contains"
	OpStartsWith  Operator = "startsWith"
	OpEndsWith    Operator = "endsWith"
	OpMatches     Operator = "matches"
	OpIsEmpty     Operator = "isEmpty"
	OpIsNotEmpty  Operator = "isNotEmpty"
	OpLessThan    Operator = "lessThan"
	OpAtMost      Operator = "atMost"
	OpGreaterThan Operator = "greaterThan"
	OpAtLeast     Operator = "atLeast"
	OpBetween     Operator = "between"
	OpBefore      Operator = "before"
	OpAfter       Operator = "after"
	OpWithinDays  Operator = "withinDays"
	OpIsTrue      Operator = "isTrue"
	OpIsFalse     Operator = "isFalse"
)

// Arity says which values an operator takes.
type Arity uint8

// The arities.
const (
	NoValue   Arity = iota // isEmpty, isTrue, …
	OneValue               // equals, contains, before, withinDays (a number of days), …
	TwoValues              // between: values[0] and values[1], inclusive
	ValueList              // in, notIn
)

// OperatorDef describes an operator for editors and validation.
type OperatorDef struct {
	Op    Operator
	Label string
	Arity Arity
}

var operators = map[FieldType][]OperatorDef{
	TypeText: {
		{OpEquals, "is", OneValue}, {OpNotEquals, "is not", OneValue},
		{OpIn, "is one of", ValueList}, {OpNotIn, "is none of", ValueList},
		{OpContains, "contains", OneValue}, {OpStartsWith, "starts with", OneValue}, {OpEndsWith, "ends with", OneValue},
		{OpMatches, "matches the pattern", OneValue},
		{OpIsEmpty, "is empty", NoValue}, {OpIsNotEmpty, "is not empty", NoValue},
	},
	TypeNumber: {
		{OpEquals, "=", OneValue}, {OpNotEquals, "≠", OneValue},
		{OpLessThan, "<", OneValue}, {OpAtMost, "≤", OneValue},
		{OpGreaterThan, ">", OneValue}, {OpAtLeast, "≥", OneValue},
		{OpBetween, "between", TwoValues},
		{OpIsEmpty, "is empty", NoValue}, {OpIsNotEmpty, "is not empty", NoValue},
	},
	TypeDate: {
		{OpEquals, "is on", OneValue}, {OpBefore, "is before", OneValue}, {OpAfter, "is after", OneValue},
		{OpBetween, "is between", TwoValues}, {OpWithinDays, "is within days of the reference date", OneValue},
		{OpIsEmpty, "is empty", NoValue}, {OpIsNotEmpty, "is not empty", NoValue},
	},
	TypeBoolean: {
		{OpIsTrue, "is true", NoValue}, {OpIsFalse, "is false", NoValue},
	},
}

// Operators returns the operators that fit a field type.
func Operators(t FieldType) []OperatorDef { return operators[t] }

// OperatorFor returns the definition of op for a field type.
func OperatorFor(t FieldType, op Operator) (OperatorDef, bool) {
	for _, d := range operators[t] {
		if d.Op == op {
			return d, true
		}
	}
	return OperatorDef{}, false
}

// GroupKind combines conditions.
type GroupKind string

// The groups.
const (
	GroupAll GroupKind = "all" // every condition holds
	GroupAny GroupKind = "any" // at least one holds
	GroupNot GroupKind = "not" // its one condition does not hold
)

// Condition is either a group of conditions or a comparison of one field.
type Condition struct {
	Group      GroupKind   `json:"group,omitempty"`
	Conditions []Condition `json:"conditions,omitempty"`

	Field  string   `json:"field,omitempty"`
	Op     Operator `json:"op,omitempty"`
	Value  string   `json:"value,omitempty"`
	Values []string `json:"values,omitempty"`
}

// IsGroup reports whether c is a group.
func (c *Condition) IsGroup() bool { return c.Group != "" }

// RuleBody is the content of a rule: who it applies to and what it grants.
type RuleBody struct {
	Name        string             `json:"name"`
	Description string             `json:"description,omitempty"`
	Categories  []string           `json:"categories,omitempty"`
	Status      PersonStatusFilter `json:"status"`
	Timeframe   Timeframe          `json:"timeframe"`
	// PersonConditions are tested on the person; their fields are person
	// fields, PrimaryContract.<contract field> and Manager.<person field>.
	PersonConditions *Condition `json:"personConditions,omitempty"`
	// ContractConditions must all hold on one contract; the contracts on
	// which they hold are the rule's in-conditions contracts.
	ContractConditions *Condition    `json:"contractConditions,omitempty"`
	Entitlements       []Entitlement `json:"entitlements"`
}

// Rule is a business rule: its published version, which is in force, and
// a draft being edited. A rule never published has only a draft.
type Rule struct {
	ID          string    `json:"id"`
	Published   *RuleBody `json:"published,omitempty"`
	Draft       *RuleBody `json:"draft,omitempty"`
	UpdatedAt   time.Time `json:"updatedAt"`
	PublishedAt time.Time `json:"publishedAt,omitzero"`
}

// RuleState summarises a rule's versions.
type RuleState string

// The rule states.
const (
	RuleDraft     RuleState = "draft"     // never published
	RulePublished RuleState = "published" // in force, no changes pending
	RuleChanged   RuleState = "changed"   // in force, with a draft of changes
)

// State returns the rule's state.
func (r *Rule) State() RuleState {
	switch {
	case r.Published == nil:
		return RuleDraft
	case r.Draft != nil:
		return RuleChanged
	default:
		return RulePublished
	}
}

// Latest returns the version an editor shows: the draft, else the
// published one.
func (r *Rule) Latest() *RuleBody {
	if r.Draft != nil {
		return r.Draft
	}
	return r.Published
}

// Name returns the rule's name as it stands.
func (r *Rule) Name() string {
	if b := r.Latest(); b != nil {
		return b.Name
	}
	return r.ID
}
