package rules_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/rules"
)

// compileErr compiles one rule version with id r1.
func compileErr(env *rules.Env, b *engine.RuleBody) (*rules.Set, error) {
	return rules.Compile([]rules.Input{{ID: "r1", Body: b}}, env)
}

func TestValidationNamesTheRuleWhereAndWhatWasExpected(t *testing.T) {
	env := newEnv(t)
	onPerson := func(c engine.Condition) *engine.RuleBody {
		return body("Bad rule", engine.RuleActive, &c, nil)
	}
	onContract := func(c engine.Condition) *engine.RuleBody {
		return body("Bad rule", engine.RuleActive, nil, &c)
	}
	granting := func(e ...engine.Entitlement) *engine.RuleBody {
		return body("Bad rule", engine.RuleActive, nil, nil, e...)
	}
	tests := []struct {
		name  string
		body  *engine.RuleBody
		where string
		want  []string // parts of the message
	}{
		{"unknown person field, with a suggestion", onPerson(cond("Custom.Badg", engine.OpIsEmpty)),
			"person conditions",
			[]string{`there is no person field "Custom.Badg"`, "did you mean", "Custom.Badge"}},
		{"contract field in person conditions", onPerson(cond("Department.Code", engine.OpEquals, "ICT")),
			"person conditions",
			[]string{"Department.Code is a contract field", "contract conditions", "PrimaryContract.Department.Code"}},
		{"unknown contract field, with a suggestion", onContract(cond("Departmnt.Code", engine.OpEquals, "ICT")),
			"contract conditions",
			[]string{`there is no contract field "Departmnt.Code"`, "did you mean", "Department.Code"}},
		{"unknown primary contract field", onPerson(cond("PrimaryContract.Nope", engine.OpIsEmpty)),
			"person conditions", []string{`there is no person field "PrimaryContract.Nope"`}},
		{"unknown manager field", onPerson(cond("Manager.Nope", engine.OpIsEmpty)),
			"person conditions", []string{`there is no person field "Manager.Nope"`}},
		{"no field", onPerson(cond("", engine.OpIsEmpty)), "person conditions", []string{"choose a field"}},
		{"operator that does not fit a number", onContract(cond("Details.Fte", engine.OpContains, "1")),
			"contract conditions (Details.Fte)",
			[]string{`"contains" does not fit a number field`, "use one of equals, notEquals, lessThan, atMost, greaterThan, atLeast, between, isEmpty, isNotEmpty"}},
		{"operator that does not fit a boolean", onContract(cond("Custom.Remote", engine.OpEquals, "yes")),
			"contract conditions (Custom.Remote)", []string{`"equals" does not fit a boolean field`, "use one of isTrue, isFalse"}},
		{"operator that does not fit a date", onPerson(cond("Custom.Review", engine.OpLessThan, "2025-01-01")),
			"person conditions (Custom.Review)", []string{`"lessThan" does not fit a date field`, "before", "withinDays"}},
		{"operator that does not fit text", onPerson(cond("Custom.Badge", engine.OpBefore, "x")),
			"person conditions (Custom.Badge)", []string{`"before" does not fit a text field`, "startsWith"}},
		{"no operator", onPerson(cond("Custom.Badge", "")),
			"person conditions (Custom.Badge)", []string{`"" does not fit a text field`}},
		{"unparseable number", onContract(cond("Details.Fte", engine.OpAtLeast, "lots")),
			"contract conditions (Details.Fte)", []string{`expected a number like 0.8, got "lots"`}},
		{"empty number", onContract(cond("Details.Fte", engine.OpEquals, "")),
			"contract conditions (Details.Fte)", []string{`expected a number like 0.8, got ""`}},
		{"unparseable number in between", onContract(cond("Details.Fte", engine.OpBetween, "1", "x")),
			"contract conditions (Details.Fte)", []string{`expected a number like 0.8, got "x"`}},
		{"unparseable date", onContract(cond("StartDate", engine.OpBefore, "31/01/2025")),
			"contract conditions (StartDate)", []string{`expected a date like 2024-01-31, got "31/01/2025"`}},
		{"empty date", onContract(cond("StartDate", engine.OpAfter, "")),
			"contract conditions (StartDate)", []string{`"after" needs a value`}},
		{"empty text to look for", onContract(cond("Department.Code", engine.OpContains, "")),
			"contract conditions (Department.Code)", []string{`"contains" needs a value`}},
		{"two values for one", onContract(engine.Condition{Field: "Department.Code", Op: engine.OpEquals, Values: []string{"ICT", "FIN"}}),
			"contract conditions (Department.Code)", []string{`"equals" takes one value, got 2`}},
		{"a value and values", onContract(engine.Condition{Field: "Details.Fte", Op: engine.OpAtLeast, Value: "0.5", Values: []string{"0.8"}}),
			"contract conditions (Details.Fte)", []string{`takes one value, got 2`}},
		{"unparseable regex", onPerson(cond("Custom.Badge", engine.OpMatches, "B[0-9")),
			"person conditions (Custom.Badge)", []string{`the pattern "B[0-9" is not a valid regular expression`, "missing closing ]"}},
		{"days that are not a number", onContract(cond("StartDate", engine.OpWithinDays, "ten")),
			"contract conditions (StartDate)", []string{`expected a number of days (0 or more), got "ten"`}},
		{"negative days", onContract(cond("StartDate", engine.OpWithinDays, "-3")),
			"contract conditions (StartDate)", []string{`expected a number of days (0 or more), got "-3"`}},
		{"between with one value", onContract(cond("Details.Fte", engine.OpBetween, "1")),
			"contract conditions (Details.Fte)", []string{`"between" takes two values (from and to), got 1`}},
		{"between with three values", onContract(cond("StartDate", engine.OpBetween, "2025-01-01", "2025-02-01", "2025-03-01")),
			"contract conditions (StartDate)", []string{`"between" takes two values (from and to), got 3`}},
		{"in with no values", onContract(cond("Department.Code", engine.OpIn)),
			"contract conditions (Department.Code)", []string{`"in" needs at least one value`}},
		{"notIn with only blank values", onContract(cond("Department.Code", engine.OpNotIn, " ", "")),
			"contract conditions (Department.Code)", []string{`"notIn" needs at least one value`}},
		{"not group with two conditions", onPerson(engine.Condition{Group: engine.GroupNot, Conditions: []engine.Condition{
			cond("Custom.Badge", engine.OpIsEmpty), cond("Custom.Vip", engine.OpIsTrue)}}),
			"person conditions", []string{`a "not" group holds exactly one condition, not 2`}},
		{"unknown group", onPerson(engine.Condition{Group: "some", Conditions: []engine.Condition{cond("Custom.Badge", engine.OpIsEmpty)}}),
			"person conditions", []string{`group "some" must be all, any or not`}},
		{"empty group", onContract(allOf(cond("Department.Code", engine.OpEquals, "ICT"), anyOf())),
			"contract conditions, condition 2", []string{"the group is empty: add a condition to it, or remove it"}},
		{"empty conditions", onContract(anyOf()),
			"contract conditions", []string{"the group is empty"}},
		{"nested problem names its position", onContract(allOf(
			cond("Department.Code", engine.OpEquals, "ICT"),
			anyOf(cond("Title.Code", engine.OpEquals, "DEV"), cond("Details.Fte", engine.OpAtLeast, "half")))),
			"contract conditions, condition 2.2 (Details.Fte)", []string{`expected a number like 0.8, got "half"`}},
		{"unknown target", granting(engine.Entitlement{Target: "ldap", Kind: engine.KindAccount}),
			"entitlement 1", []string{`there is no target system "ldap" (there are: ad, app)`}},
		{"unknown kind", granting(adAccount, engine.Entitlement{Target: "ad", Kind: "group"}),
			"entitlement 2", []string{`kind "group" must be account, access, permission or custom`}},
		{"unknown static permission", granting(adAccount, engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Permission: "Admins"}),
			"entitlement 2", []string{`Active Directory has no permission "Admins"`}},
		{"permission not chosen", granting(adAccount, engine.Entitlement{Target: "ad", Kind: engine.KindPermission}),
			"entitlement 2", []string{"choose a permission of Active Directory, or give a template"}},
		{"template with an unknown placeholder", granting(adAccount, engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Template: "GRP-{Dept.Code}"}),
			"entitlement 2", []string{`the template "GRP-{Dept.Code}" has an unknown placeholder {Dept.Code}`, "{Department.Code}"}},
		{"template with a person field placeholder", granting(adAccount, engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Template: "GRP-{Custom.Badge}"}),
			"entitlement 2", []string{"unknown placeholder {Custom.Badge}", "use contract fields"}},
		{"template without a placeholder", granting(adAccount, engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Template: "GRP-ALL"}),
			"entitlement 2", []string{`the template "GRP-ALL" has no {placeholder}`}},
		{"template with an unbalanced brace at the end", granting(adAccount, engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Template: "GRP-{Department.Code}}"}),
			"entitlement 2", []string{"unbalanced brace"}},
		{"template with an unbalanced brace before a placeholder", granting(adAccount, engine.Entitlement{Target: "ad", Kind: engine.KindPermission, Template: "GRP-{{Department.Code}"}),
			"entitlement 2", []string{"unbalanced brace"}},
		{"custom entitlement without a name", granting(adAccount, engine.Entitlement{Target: "app", Kind: engine.KindCustom, Name: " "}),
			"entitlement 2", []string{"name the custom entitlement"}},
		{"no entitlements", &engine.RuleBody{Name: "Bad rule", Status: engine.RuleAny},
			"entitlements", []string{"the rule grants nothing: add an entitlement"}},
		{"bad status", body("Bad rule", "sometimes", nil, nil),
			"person status", []string{`"sometimes" must be active, inactive or any`}},
		{"no status", body("Bad rule", "", nil, nil),
			"person status", []string{`"" must be active, inactive or any`}},
		{"negative timeframe", &engine.RuleBody{Name: "Bad rule", Status: engine.RuleActive, Timeframe: engine.Timeframe{DaysAfter: -1}, Entitlements: []engine.Entitlement{adAccount}},
			"timeframe", []string{"0 or more"}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := rules.Validate(tt.body, env)
			require.Error(t, err)
			assert.True(t, engine.IsCode(err, engine.Invalid), "code %q", engine.ErrorCode(err))
			var ce *rules.CompileError
			require.True(t, errors.As(err, &ce), "a *CompileError in %v", err)
			assert.Equal(t, "Bad rule", ce.Rule)
			assert.Equal(t, tt.where, ce.Where)
			assert.Contains(t, err.Error(), `rule "Bad rule"`)
			assert.Contains(t, err.Error(), tt.where)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}

			_, err = compileErr(env, tt.body)
			assert.True(t, engine.IsCode(err, engine.Invalid), "Compile fails as Validate does")
		})
	}
}

func TestRuleWithoutANameIsNamedByItsID(t *testing.T) {
	env := newEnv(t)
	_, err := rules.Compile([]rules.Input{{ID: "rule-7", Body: body("  ", engine.RuleAny, nil, nil)}}, env)
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Invalid))
	assert.Equal(t, `rule rule-7: give the rule a name`, err.Error())
}

func TestAStoredVersionsErrorNamesTheRuleIDAndTheVersion(t *testing.T) {
	env := newEnv(t)
	err := rules.ValidateVersion(rules.Input{ID: "r6", Version: "draft",
		Body: body("Managers", engine.RuleAny, nil, ptr(cond("Nope", engine.OpIsEmpty)))}, env)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `rule "Managers" (r6), draft, contract conditions: there is no contract field "Nope"`)
}

func TestCompileStopsAtTheFirstBadRule(t *testing.T) {
	env := newEnv(t)
	_, err := rules.Compile([]rules.Input{
		{ID: "r1", Body: body("Good", engine.RuleAny, nil, nil)},
		{ID: "r2", Body: body("Broken", engine.RuleAny, nil, ptr(cond("Nope", engine.OpIsEmpty)))},
	}, env)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `rule "Broken"`)
}

func TestValidEntitlementsCompile(t *testing.T) {
	env := newEnv(t)
	for _, e := range []engine.Entitlement{
		{Target: "ad", Kind: engine.KindAccount},
		{Target: "ad", Kind: engine.KindAccess},
		{Target: "ad", Kind: engine.KindPermission, Permission: "VPN"},
		{Target: "ad", Kind: engine.KindPermission, Template: "GRP-{Department.Code}-{Custom.Shift}"},
		{Target: "ad", Kind: engine.KindPermission, Template: "{Department.Code}"},
		{Target: "app", Kind: engine.KindCustom, Name: "Mailbox"},
	} {
		assert.NoError(t, rules.Validate(body("Good", engine.RuleAny, nil, nil, e), env), "%+v", e)
	}
}
