package rules

import (
	"fmt"
	"strings"

	"provisio/engine"
)

// Trace is a condition's outcome for one subject, with what was seen.
type Trace struct {
	Text     string   `json:"text"`             // "Department.Code is one of ICT, HR"
	Actual   string   `json:"actual,omitempty"` // the value tested, for a single condition
	Holds    bool     `json:"holds"`
	Children []*Trace `json:"children,omitempty"`
}

// ContractTrace is the contract conditions' outcome on one contract.
type ContractTrace struct {
	Contract string `json:"contract"` // external id, or #n
	// InWindow says whether the contract counts as active within the
	// rule's timeframe on the reference date.
	InWindow bool   `json:"inWindow"`
	Tested   bool   `json:"tested"` // false: left out by the person status
	Holds    bool   `json:"holds"`
	Trace    *Trace `json:"trace,omitempty"`
}

// Explanation says whether a rule holds for a person and why, down to the
// condition that failed and the contract it was tested on.
type Explanation struct {
	Rule    string `json:"rule"`
	Name    string `json:"name"`
	Holds   bool   `json:"holds"`
	Summary string `json:"summary"`
	// Status is the person-status test: does the person have a contract
	// active within the timeframe.
	Status    string          `json:"status"`
	Person    *Trace          `json:"person,omitempty"`
	Contracts []ContractTrace `json:"contracts,omitempty"`
	// InConditions are the contracts the rule matched.
	InConditions []string                `json:"inConditions,omitempty"`
	Grants       []engine.EntitlementKey `json:"grants,omitempty"`
}

// Explain evaluates r on s step by step.
func (r *Rule) Explain(s *Subject) *Explanation {
	b := r.Body
	ex := &Explanation{Rule: r.ID, Name: r.Name}
	active := 0
	for k := range s.Person.Contracts {
		if s.inWindow(k, b.Timeframe) {
			active++
		}
	}
	window := timeframeText(b.Timeframe)
	switch b.Status {
	case engine.RuleActive:
		ex.Status = fmt.Sprintf("the rule is for persons with a contract active%s: %s has %d", window, s.Person.DisplayName, active)
		if active == 0 {
			ex.Summary = fmt.Sprintf("no contract of %s is active%s on %s", s.Person.DisplayName, window, s.AsOf)
			return ex
		}
	case engine.RuleInactive:
		ex.Status = fmt.Sprintf("the rule is for persons without a contract active%s: %s has %d", window, s.Person.DisplayName, active)
		if active > 0 {
			ex.Summary = fmt.Sprintf("%s has a contract active%s on %s, and the rule is for inactive persons", s.Person.DisplayName, window, s.AsOf)
			return ex
		}
	default:
		ex.Status = "the rule is for every person, active or not"
	}
	if r.person != nil {
		ex.Person = r.person.trace(s, nil)
		if !ex.Person.Holds {
			ex.Summary = "person conditions: " + firstFailure(ex.Person)
			return ex
		}
	}
	var in []int
	for k := range s.Person.Contracts {
		ct := ContractTrace{Contract: engine.ContractKey(s.Person, k), InWindow: s.inWindow(k, b.Timeframe)}
		if b.Status == engine.RuleActive && !ct.InWindow {
			ex.Contracts = append(ex.Contracts, ct)
			continue
		}
		ct.Tested, ct.Holds = true, true
		if r.contr != nil {
			ct.Trace = r.contr.trace(s, &s.Person.Contracts[k])
			ct.Holds = ct.Trace.Holds
		}
		if ct.Holds {
			in = append(in, k)
		}
		ex.Contracts = append(ex.Contracts, ct)
	}
	if r.contr != nil && len(in) == 0 {
		var parts []string
		for _, ct := range ex.Contracts {
			switch {
			case !ct.Tested:
				parts = append(parts, fmt.Sprintf("contract %s is not active%s", ct.Contract, window))
			case ct.Trace != nil:
				parts = append(parts, fmt.Sprintf("contract %s: %s", ct.Contract, firstFailure(ct.Trace)))
			}
		}
		if len(parts) == 0 {
			parts = append(parts, s.Person.DisplayName+" has no contracts")
		}
		ex.Summary = "no contract meets the contract conditions: " + strings.Join(parts, "; ")
		return ex
	}
	ex.Holds = true
	for _, k := range in {
		ex.InConditions = append(ex.InConditions, engine.ContractKey(s.Person, k))
	}
	Match{Rule: r, Contracts: in}.Grants(s, func(key engine.EntitlementKey, _ []int) {
		ex.Grants = append(ex.Grants, key)
	})
	ex.Summary = "the rule holds"
	if len(ex.InConditions) > 0 {
		ex.Summary += " on contract " + strings.Join(ex.InConditions, ", ")
	}
	return ex
}

func timeframeText(t engine.Timeframe) string {
	switch {
	case t.DaysBefore == 0 && t.DaysAfter == 0:
		return ""
	case t.DaysAfter == 0:
		return fmt.Sprintf(" (from %d days before its start)", t.DaysBefore)
	case t.DaysBefore == 0:
		return fmt.Sprintf(" (until %d days after its end)", t.DaysAfter)
	default:
		return fmt.Sprintf(" (from %d days before its start until %d days after its end)", t.DaysBefore, t.DaysAfter)
	}
}

func (n *node) trace(s *Subject, c *engine.Contract) *Trace {
	if l := n.leaf; l != nil {
		v := l.get.get(s, c)
		return &Trace{Text: conditionText(l.cond, l.def.Type), Actual: shown(v), Holds: l.test(v, s)}
	}
	t := &Trace{}
	switch n.group {
	case engine.GroupAll:
		t.Text, t.Holds = "all of", true
		for _, k := range n.kids {
			kt := k.trace(s, c)
			t.Children = append(t.Children, kt)
			t.Holds = t.Holds && kt.Holds
		}
	case engine.GroupAny:
		t.Text = "any of"
		for _, k := range n.kids {
			kt := k.trace(s, c)
			t.Children = append(t.Children, kt)
			t.Holds = t.Holds || kt.Holds
		}
	default:
		kt := n.kids[0].trace(s, c)
		t.Text, t.Holds, t.Children = "not", !kt.Holds, []*Trace{kt}
	}
	return t
}

// traceText writes a traced condition as conditionText does.
func traceText(t *Trace) string {
	if len(t.Children) == 0 {
		return t.Text
	}
	var parts []string
	for _, k := range t.Children {
		parts = append(parts, traceText(k))
	}
	switch t.Text {
	case "all of":
		return "(" + strings.Join(parts, " and ") + ")"
	case "any of":
		return "(" + strings.Join(parts, " or ") + ")"
	default:
		return "not " + parts[0]
	}
}

// whatHolds describes why t, which holds, holds: the conditions that
// made it, with the values seen.
func whatHolds(t *Trace) string {
	if len(t.Children) == 0 {
		return fmt.Sprintf("%s (the value is %s)", t.Text, t.Actual)
	}
	switch t.Text {
	case "all of":
		var parts []string
		for _, k := range t.Children {
			parts = append(parts, whatHolds(k))
		}
		return strings.Join(parts, " and ")
	case "any of":
		for _, k := range t.Children {
			if k.Holds {
				return whatHolds(k)
			}
		}
	default: // not: its condition does not hold
		return firstFailure(t.Children[0])
	}
	return t.Text
}

func shown(v engine.Value) string {
	if v.IsEmpty() && v.Type != engine.TypeBoolean {
		return "(empty)"
	}
	return v.String()
}

// firstFailure describes the condition that made t fail, with the value
// that was seen.
func firstFailure(t *Trace) string {
	if len(t.Children) == 0 {
		return fmt.Sprintf("%s does not hold (the value is %s)", t.Text, t.Actual)
	}
	switch t.Text {
	case "all of":
		for _, k := range t.Children {
			if !k.Holds {
				return firstFailure(k)
			}
		}
	case "not":
		k := t.Children[0]
		if len(k.Children) == 0 {
			return fmt.Sprintf("not (%s) does not hold (the value is %s)", k.Text, k.Actual)
		}
		return fmt.Sprintf("not %s does not hold: %s", traceText(k), whatHolds(k))
	default:
		var parts []string
		for _, k := range t.Children {
			parts = append(parts, firstFailure(k))
		}
		return "none of these holds: " + strings.Join(parts, "; ")
	}
	return t.Text
}

// ConditionText writes a condition as a sentence fragment:
// "Department.Code is one of ICT, HR".
func ConditionText(c engine.Condition) string { return conditionText(c, "") }

// conditionText writes a condition with the operator's label for a field
// type, or for the first type that has the operator.
func conditionText(c engine.Condition, typ engine.FieldType) string {
	if c.IsGroup() {
		var parts []string
		for _, k := range c.Conditions {
			parts = append(parts, conditionText(k, ""))
		}
		switch c.Group {
		case engine.GroupNot:
			return "not (" + strings.Join(parts, "") + ")"
		case engine.GroupAny:
			return "(" + strings.Join(parts, " or ") + ")"
		default:
			return "(" + strings.Join(parts, " and ") + ")"
		}
	}
	label := string(c.Op)
	types := []engine.FieldType{engine.TypeText, engine.TypeNumber, engine.TypeDate, engine.TypeBoolean}
	if typ != "" {
		types = []engine.FieldType{typ}
	}
	for _, t := range types {
		if d, ok := engine.OperatorFor(t, c.Op); ok {
			label = d.Label
			break
		}
	}
	switch {
	case len(c.Values) > 0 && (c.Op == engine.OpBetween):
		return fmt.Sprintf("%s %s %s and %s", c.Field, label, c.Values[0], c.Values[len(c.Values)-1])
	case len(c.Values) > 0:
		return fmt.Sprintf("%s %s %s", c.Field, label, strings.Join(c.Values, ", "))
	case c.Op == engine.OpWithinDays:
		return fmt.Sprintf("%s is within %s days of the reference date", c.Field, c.Value)
	case c.Value != "":
		return fmt.Sprintf("%s %s %s", c.Field, label, c.Value)
	default:
		return fmt.Sprintf("%s %s", c.Field, label)
	}
}
