package accounts_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/accounts"
	"provisio/engine/rules"
)

// adaInput is Ada with both contracts in conditions and accounts in
// google and payroll.
func adaInput(ps *people) *accounts.Input {
	return &accounts.Input{
		Subject:      ps.ada,
		InConditions: []int{0, 1},
		Accounts: map[string]engine.Attributes{
			"google":  {"primaryEmail": "ada@corp.example", "id": "g-42"},
			"payroll": {"employeeNumber": "E1"},
		},
	}
}

// value computes the attribute cn at create.
func value(t *testing.T, sv *engine.StageValue, in *accounts.Input) (string, error) {
	t.Helper()
	m := compile(t, row("cn", false, create(sv)))
	attrs, err := m.NewSession().Values(engine.StageCreate, in)
	if err != nil {
		return "", err
	}
	v, ok := attrs["cn"]
	require.True(t, ok, "the attribute has a value at create")
	return v, nil
}

func TestValuesOfEachType(t *testing.T) {
	ps := newPeople(t)
	tests := []struct {
		name string
		sv   *engine.StageValue
		want string
	}{
		{"fixed", fixed("OU=Staff,DC=corp"), "OU=Staff,DC=corp"},
		{"fixed empty clears", fixed(""), ""},
		{"text field", field("Name.GivenName"), "Ada"},
		{"empty text field", field("Name.FamilyNamePrefix"), ""},
		{"date field", field("Details.BirthDate"), "1815-12-10"},
		{"custom text", field("Custom.Shift"), "night"},
		{"custom number", field("Custom.Level"), "3.5"},
		{"custom boolean", field("Custom.Vip"), "true"},
		{"boolean false", field("Excluded"), "false"},
		{"primary contract", field("PrimaryContract.Department.Code"), "IT"},
		{"primary contract number", field("PrimaryContract.Details.Fte"), "1"},
		{"primary contract date", field("PrimaryContract.StartDate"), "2020-01-01"},
		{"primary contract custom", field("PrimaryContract.Custom.Grade"), "7"},
		{"manager", field("Manager.Name.FamilyName"), "Hopper"},
		{"manager email", field("Manager.Contact.Business.Email"), "grace@example.com"},
		{"another target's attribute", field("Accounts.google.primaryEmail"), "ada@corp.example"},
		{"another target's attribute in any case", field("Accounts.google.PRIMARYEMAIL"), "ada@corp.example"},
		{"snippet string", complexJS("Person.Name.GivenName + ' ' + Person.Name.FamilyName"), "Ada Lovelace"},
		{"snippet trimmed", complexJS("'  Ada  '"), "Ada"},
		{"snippet integer", complexJS("6 * 7"), "42"},
		{"snippet fraction", complexJS("1 / 4"), "0.25"},
		{"snippet large", complexJS("1e21"), "1000000000000000000000"},
		{"snippet boolean", complexJS("Person.Custom.Vip && true"), "true"},
		{"snippet null", complexJS("null"), ""},
		{"snippet undefined", complexJS("undefined"), ""},
		{"snippet date", complexJS("new Date(Date.UTC(2024, 0, 31))"), "2024-01-31"},
		{"snippet with return", complexJS("if (Person.Custom.Vip) return 'vip'\nreturn 'staff'"), "vip"},
		{"removeDiacritics", complexJS("removeDiacritics('Zoë Ørsted')"), "Zoe Orsted"},
		{"array is multi-valued", complexJS("['a', 2, true, null, '', ' b ']"), "a\n2\ntrue\nb"},
		{"empty array clears", complexJS("[]"), ""},
		{"contracts mapped to an array", complexJS("Person.Contracts.map(c => c.Department.Code)"), "IT\nRND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := value(t, tt.sv, adaInput(ps))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSnippetsSeeThePersonNestedByPath(t *testing.T) {
	ps := newPeople(t)
	tests := []struct {
		name    string
		snippet string
		in      func() *accounts.Input
		want    string
	}{
		{"person field", "Person.Name.GivenName", func() *accounts.Input { return adaInput(ps) }, "Ada"},
		{"deeply nested", "Person.Contact.Business.Email", func() *accounts.Input { return adaInput(ps) }, "ada@example.com"},
		{"bracket access", "Person['Name']['FamilyName']", func() *accounts.Input { return adaInput(ps) }, "Lovelace"},
		{"custom text", "Person.Custom.Shift.toUpperCase()", func() *accounts.Input { return adaInput(ps) }, "NIGHT"},
		{"custom number is a number", "Person.Custom.Level * 2", func() *accounts.Input { return adaInput(ps) }, "7"},
		{"custom boolean is a boolean", "typeof Person.Custom.Vip", func() *accounts.Input { return adaInput(ps) }, "boolean"},
		{"date is yyyy-mm-dd text", "Person.Details.BirthDate.slice(0, 4)", func() *accounts.Input { return adaInput(ps) }, "1815"},
		{"empty number is null", "Person.Custom.Level === null", func() *accounts.Input { return &accounts.Input{Subject: ps.grace} }, "true"},
		{"empty text is an empty string", "Person.Name.NickName === ''", func() *accounts.Input { return adaInput(ps) }, "true"},
		{"primary contract", "Person.PrimaryContract.Department.Name", func() *accounts.Input { return adaInput(ps) }, "Information technology"},
		{"primary contract number", "Person.PrimaryContract.Details.Fte + Person.PrimaryContract.Custom.Grade", func() *accounts.Input { return adaInput(ps) }, "8"},
		{"no primary contract is null", "Person.PrimaryContract === null", func() *accounts.Input { return &accounts.Input{Subject: ps.nobody} }, "true"},
		{"manager", "Person.Manager.Name.GivenName", func() *accounts.Input { return adaInput(ps) }, "Grace"},
		{"no manager is null", "Person.Manager === null", func() *accounts.Input { return &accounts.Input{Subject: ps.grace} }, "true"},
		{"no manager with optional chaining", "Person.Manager?.Name.GivenName ?? 'none'", func() *accounts.Input { return &accounts.Input{Subject: ps.grace} }, "none"},
		{"in-conditions contracts", "Person.Contracts.length + ':' + Person.Contracts[1].Title.Name", func() *accounts.Input { return adaInput(ps) }, "2:Researcher"},
		{"only the in-conditions contracts", "Person.Contracts.map(c => c.ExternalId).join(',')", func() *accounts.Input {
			in := adaInput(ps)
			in.InConditions = []int{1}
			return in
		}, "c2"},
		{"no in-conditions contracts", "Person.Contracts.length", func() *accounts.Input { return &accounts.Input{Subject: ps.ada} }, "0"},
		{"contracts are an array", "Array.isArray(Person.Contracts)", func() *accounts.Input { return adaInput(ps) }, "true"},
		{"other target's attribute", "Person.Accounts.google.primaryEmail.split('@')[1]", func() *accounts.Input { return adaInput(ps) }, "corp.example"},
		{"other target by string", "Person.Accounts['payroll'].employeeNumber", func() *accounts.Input { return adaInput(ps) }, "E1"},
		{"no account there is null", "Person.Accounts.google === null", func() *accounts.Input { return &accounts.Input{Subject: ps.ada} }, "true"},
		{"attribute the account lacks is empty", "Person.Accounts.google.id === ''", func() *accounts.Input {
			in := adaInput(ps)
			in.Accounts["google"] = engine.Attributes{"primaryEmail": "x@y"}
			return in
		}, "true"},
		{"in tests for a field", "'GivnName' in Person.Name", func() *accounts.Input { return adaInput(ps) }, "false"},
		{"keys", "Object.keys(Person.Name).slice(0, 2).join(',')", func() *accounts.Input { return adaInput(ps) }, "GivenName,NickName"},
		{"JSON", "JSON.stringify(Person.Manager.Name).length > 10", func() *accounts.Input { return adaInput(ps) }, "true"},
		{"inherited methods", "Person.Name.hasOwnProperty('GivenName') + String(Person.Name)", func() *accounts.Input { return adaInput(ps) }, "true[object Object]"},
		{"let and const run again", "const a = Person.Name.GivenName; let b = a; b", func() *accounts.Input { return adaInput(ps) }, "Ada"},
		{"a parameter named Person is no field read", "(function (Person) { return Person.Nme })({Nme: 'own'})", func() *accounts.Input { return adaInput(ps) }, "own"},
		{"JSON of the whole person", "JSON.parse(JSON.stringify(Person)).Contracts[1].Department.Code", func() *accounts.Input { return adaInput(ps) }, "RND"},
		{"Iteration", "typeof Iteration + Iteration", func() *accounts.Input { return adaInput(ps) }, "number0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := value(t, complexJS(tt.snippet), tt.in())
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestOneSessionFollowsEachInput(t *testing.T) {
	ps := newPeople(t)
	m := compile(t,
		row("cn", false, create(complexJS("var n = Person.Name.GivenName; n + (Person.Manager ? ' < ' + Person.Manager.Name.GivenName : '')"))),
		row("dept", false, create(complexJS("Person.PrimaryContract?.Department.Code ?? ''"))),
		row("mail", false, create(field("Contact.Business.Email"))),
	)
	s := m.NewSession()
	for range 3 {
		for _, tt := range []struct {
			in   *accounts.Input
			want engine.Attributes
		}{
			{adaInput(ps), engine.Attributes{"cn": "Ada < Grace", "dept": "IT", "mail": "ada@example.com"}},
			{&accounts.Input{Subject: ps.grace}, engine.Attributes{"cn": "Grace", "dept": "BOARD", "mail": "grace@example.com"}},
			{&accounts.Input{Subject: ps.nobody}, engine.Attributes{"cn": "Zoë", "dept": "", "mail": ""}},
		} {
			got, err := s.Values(engine.StageCreate, tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		}
	}
}

func TestValuesGivesTheAttributesOfTheStage(t *testing.T) {
	ps := newPeople(t)
	m := compile(t,
		row("sAMAccountName", true, map[engine.Stage]*engine.StageValue{engine.StageCreate: field("Name.GivenName")}),
		row("description", false, map[engine.Stage]*engine.StageValue{
			engine.StageCreate:  fixed("new"),
			engine.StageUpdate:  complexJS("'works in ' + Person.PrimaryContract.Department.Code"),
			engine.StageDisable: fixed("left"),
			engine.StageEnable:  nil, // no value
		}),
		row("info", false, nil),
	)
	s := m.NewSession()
	tests := []struct {
		stage engine.Stage
		want  engine.Attributes
	}{
		{engine.StageCreate, engine.Attributes{"sAMAccountName": "Ada", "description": "new"}},
		{engine.StageEnable, engine.Attributes{}},
		{engine.StageUpdate, engine.Attributes{"description": "works in IT"}},
		{engine.StageDisable, engine.Attributes{"description": "left"}},
		{engine.StageDelete, engine.Attributes{}},
	}
	reused := engine.Attributes{"left": "over"}
	for _, tt := range tests {
		t.Run(string(tt.stage), func(t *testing.T) {
			got, err := s.Values(tt.stage, adaInput(ps))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, len(tt.want) > 0, m.Has(tt.stage))
			// ValuesInto gives the same in the map it is given, cleared
			into, err := s.ValuesInto(reused, tt.stage, adaInput(ps))
			require.NoError(t, err)
			assert.Equal(t, tt.want, into)
			into["left"] = "over"
		})
	}
	assert.False(t, m.Has("someday"))
	assert.Equal(t, []string{"sAMAccountName"}, m.Unique())
	assert.Equal(t, []string{"sAMAccountName", "description"}, m.Attributes(engine.StageCreate))
}

func TestIterationMakesUniqueValuesAgain(t *testing.T) {
	ps := newPeople(t)
	tests := []struct {
		name   string
		unique bool
		sv     *engine.StageValue
		want   []string // at iterations 0, 1, 2
	}{
		{"unique field", true, field("Name.FamilyName"), []string{"Lovelace", "Lovelace1", "Lovelace2"}},
		{"unique fixed", true, fixed("svc"), []string{"svc", "svc1", "svc2"}},
		{"unique empty stays empty", true, field("Name.NickName"), []string{"", "", ""}},
		{"unique snippet reads Iteration", true, complexJS("const n = Person.Name.GivenName.toLowerCase()\nIteration === 0 ? n : n + '.' + (Iteration + 1)"), []string{"ada", "ada.2", "ada.3"}},
		{"unique snippet ignoring Iteration", true, complexJS("'ada'"), []string{"ada", "ada", "ada"}},
		{"not unique", false, field("Name.FamilyName"), []string{"Lovelace", "Lovelace", "Lovelace"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := compile(t, row("uid", tt.unique, create(tt.sv)))
			s := m.NewSession()
			for i, want := range tt.want {
				in := adaInput(ps)
				in.Iteration = i
				got, err := s.Values(engine.StageCreate, in)
				require.NoError(t, err)
				assert.Equal(t, want, got["uid"], "iteration %d", i)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name     string
		identity []string
		rows     []engine.AttributeMapping
		want     []string
	}{
		{"unknown field", nil, []engine.AttributeMapping{row("givenName", false, create(field("Name.GivnName")))},
			[]string{"the account mapping of Active Directory, givenName at create: there is no person field \"Name.GivnName\" (did you mean Name.GivenName"}},
		{"unknown primary contract field", nil, []engine.AttributeMapping{row("department", false, create(field("PrimaryContract.Departmnt.Code")))},
			[]string{`there is no person field "PrimaryContract.Departmnt.Code" (did you mean PrimaryContract.Department.Code`}},
		{"no field chosen", nil, []engine.AttributeMapping{row("givenName", false, create(field(" ")))},
			[]string{"givenName at create: choose the person field"}},
		{"unknown target", nil, []engine.AttributeMapping{row("mail", false, create(field("Accounts.gogle.primaryEmail")))},
			[]string{`mail at create: there is no target system "gogle" (did you mean google?)`}},
		{"own account", nil, []engine.AttributeMapping{row("mail", false, create(field("Accounts.ad.mail")))},
			[]string{"Accounts.ad is this target's own account"}},
		{"unknown attribute of another target", nil, []engine.AttributeMapping{row("mail", false, create(field("Accounts.google.mail")))},
			[]string{`the account mapping of Google Workspace writes no attribute "mail" (it writes primaryEmail, id)`}},
		{"no attribute named", nil, []engine.AttributeMapping{row("mail", false, create(field("Accounts.google")))},
			[]string{"name the attribute of google to read"}},
		{"snippet typo", nil, []engine.AttributeMapping{row("cn", false, create(complexJS("const g = Person.Name.GivenName\ng + Person.Name.FamilyNam")))},
			[]string{`cn at create: Person.Name has no field "FamilyNam" (did you mean FamilyName`, "(line 2)"}},
		{"snippet custom typo", nil, []engine.AttributeMapping{row("cn", false, create(complexJS("Person['Custom'].Shfit")))},
			[]string{`Person.Custom has no field "Shfit" (did you mean Shift?) (line 1)`}},
		{"snippet manager typo", nil, []engine.AttributeMapping{row("cn", false, create(complexJS("Person.Manager?.Nme")))},
			[]string{`Person.Manager has no field "Nme" (did you mean Name`}},
		{"snippet contract typo", nil, []engine.AttributeMapping{row("cn", false, create(complexJS("Person.Contracts[0].Departmnt.Code")))},
			[]string{`Person.Contracts[0] has no field "Departmnt" (did you mean Department`}},
		{"snippet primary contract typo", nil, []engine.AttributeMapping{row("cn", false, create(complexJS("Person.PrimaryContract.Title.Nam")))},
			[]string{`Person.PrimaryContract.Title has no field "Nam" (did you mean Name`}},
		{"snippet unknown target", nil, []engine.AttributeMapping{row("cn", false, create(complexJS("Person.Accounts.gogle.id")))},
			[]string{`there is no target system "gogle" (did you mean google?) (line 1)`}},
		{"snippet unknown attribute", nil, []engine.AttributeMapping{row("cn", false, create(complexJS("\nPerson.Accounts.google.mail")))},
			[]string{`writes no attribute "mail" (it writes primaryEmail, id) (line 2)`}},
		{"snippet own account", nil, []engine.AttributeMapping{row("cn", false, create(complexJS("Person.Accounts.ad.cn")))},
			[]string{"Accounts.ad is this target's own account"}},
		{"syntax error", nil, []engine.AttributeMapping{row("cn", false, create(complexJS("const a = 1\nPerson.Name.GivenName +")))},
			[]string{"cn at create: JavaScript: SyntaxError", "Line 2:"}},
		{"empty snippet", nil, []engine.AttributeMapping{row("cn", false, create(complexJS("  ")))},
			[]string{"cn at create: the JavaScript snippet is empty"}},
		{"unknown type", nil, []engine.AttributeMapping{row("cn", false, create(&engine.StageValue{Type: "formula", Value: "x"}))},
			[]string{`cn at create: the value's type "formula" must be fixed, field or complex`}},
		{"unknown stage", nil, []engine.AttributeMapping{row("cn", false, map[engine.Stage]*engine.StageValue{"creat": fixed("x")})},
			[]string{`the account mapping of Active Directory, cn: there is no stage "creat"; the stages are create, enable, update, disable, delete`}},
		{"duplicate attribute", nil, []engine.AttributeMapping{row("mail", false, nil), row("cn", false, nil), row("Mail", false, nil)},
			[]string{"the account mapping of Active Directory: Mail is mapped twice (rows 1 and 3); keep one row"}},
		{"unnamed attribute", nil, []engine.AttributeMapping{row("cn", false, nil), row(" ", false, create(fixed("x")))},
			[]string{"the account mapping of Active Directory, row 2: name the attribute"}},
		{"identity missing", []string{"sAMAccountName"}, []engine.AttributeMapping{row("cn", false, create(fixed("x")))},
			[]string{"the account mapping of Active Directory gives sAMAccountName no value at create; the target needs it"}},
		{"identity only at update", []string{"sAMAccountName"}, []engine.AttributeMapping{
			row("samaccountname", false, map[engine.Stage]*engine.StageValue{engine.StageUpdate: field("Name.GivenName")})},
			[]string{"gives sAMAccountName no value at create"}},
		{"identity fixed empty", []string{"uid"}, []engine.AttributeMapping{row("uid", false, create(fixed("")))},
			[]string{"gives uid no value at create"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := compileErr(t, tt.identity, tt.rows...)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestIdentityGivenAtCreateCompiles(t *testing.T) {
	_, err := accounts.Compile(target(row("SAMACCOUNTNAME", true, create(field("Name.GivenName")))), newEnv(t), []string{"sAMAccountName"}, testTargets)
	require.NoError(t, err)
}

func TestIdentityThatComesOutEmptyIsAnError(t *testing.T) {
	ps := newPeople(t)
	tests := []struct {
		name string
		sv   *engine.StageValue
		want string
	}{
		{"field", field("Name.NickName"), "the target needs a value, but the person's Name.NickName is empty"},
		{"snippet", complexJS("Person.Name.NickName"), "the target needs a value, but the JavaScript gave none"},
		{"other account", field("Accounts.payroll.employeeNumber"), "the target needs a value, but the person's account in payroll has no employeeNumber"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := accounts.Compile(target(
				row("uid", true, map[engine.Stage]*engine.StageValue{engine.StageCreate: tt.sv, engine.StageUpdate: tt.sv}),
				row("cn", false, create(fixed("x"))),
			), newEnv(t), []string{"uid"}, testTargets)
			require.NoError(t, err)
			s := m.NewSession()
			got, err := s.Values(engine.StageCreate, &accounts.Input{Subject: ps.ada})
			require.Error(t, err)
			assert.True(t, engine.IsCode(err, engine.Invalid))
			assert.Contains(t, err.Error(), "the account mapping of Active Directory, uid at create: "+tt.want)
			assert.Equal(t, engine.Attributes{"cn": "x"}, got, "the other attributes are still computed")

			got, err = s.Values(engine.StageUpdate, &accounts.Input{Subject: ps.ada})
			require.NoError(t, err, "only create needs the identity")
			assert.Equal(t, engine.Attributes{"uid": ""}, got)
		})
	}
}

func TestRuntimeErrors(t *testing.T) {
	ps := newPeople(t)
	tests := []struct {
		name    string
		snippet string
		want    []string
	}{
		{"thrown error with its line", "const g = Person.Name.GivenName\nthrow new Error('no name for ' + g)",
			[]string{"the account mapping of Active Directory, cn at create: JavaScript error: Error: no name for Grace", "cn:2:"}},
		{"computed typo", "const k = 'GivnName'\nPerson.Name[k]",
			[]string{`JavaScript error: TypeError: Person.Name has no field "GivnName" (did you mean GivenName?)`, "cn:2:"}},
		{"computed contract typo", "Person.Contracts.map(c => c['Titel'].Name)",
			[]string{`Person.Contracts[0] has no field "Titel" (did you mean Title?)`}},
		{"computed account", "const k = 'google'\nPerson.Accounts[k].id",
			[]string{`Accounts["google"] is read through a name the mapping cannot see before it runs; write Person.Accounts.google`}},
		{"computed account attribute typo", "const a = 'mail'\nPerson.Accounts.google[a]",
			[]string{`Person.Accounts.google has no attribute "mail": the account mapping of google writes primaryEmail, id`}},
		{"manager missing", "Person.Manager.Name.GivenName", []string{"TypeError: Cannot read property 'Name' of", "cn:1:"}},
		{"Person is read-only", "Person.Name.GivenName = 'Eve'", []string{"TypeError: Person.Name.GivenName cannot be changed: Person is read-only"}},
		{"contracts are read-only", "Person.Contracts.push(1)", []string{"TypeError"}},
		{"Person cannot be replaced", "Person = {}", []string{"TypeError"}},
		{"Iteration cannot be changed", "Iteration = 3", []string{"TypeError"}},
		{"no globals leak", "leaked = 1", []string{"ReferenceError: leaked is not defined"}},
		{"object result", "Person.Name", []string{"JavaScript result: expected text, a number, true or false, or an array of them; got an object"}},
		{"function result", "Person.Name.GivenName.toUpperCase", []string{"got a function (call it with ())"}},
		{"nested array", "[['a']]", []string{"the array holds an array inside an array"}},
		{"NaN", "0/0", []string{"NaN, which is no number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := adaInput(ps)
			in.Subject, in.InConditions = ps.grace, []int{0} // Grace has no manager
			_, err := value(t, complexJS(tt.snippet), in)
			require.Error(t, err)
			assert.True(t, engine.IsCode(err, engine.Invalid))
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestValuesReportsEveryFailingAttribute(t *testing.T) {
	ps := newPeople(t)
	m := compile(t,
		row("a", false, create(complexJS("throw new Error('one')"))),
		row("b", false, create(fixed("ok"))),
		row("c", false, create(complexJS("throw new Error('two')"))),
	)
	got, err := m.NewSession().Values(engine.StageCreate, adaInput(ps))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a at create: JavaScript error: Error: one")
	assert.Contains(t, err.Error(), "c at create: JavaScript error: Error: two")
	assert.True(t, engine.IsCode(err, engine.Invalid))
	assert.Equal(t, engine.Attributes{"b": "ok"}, got)
}

func TestValuesRefusesBadInput(t *testing.T) {
	ps := newPeople(t)
	m := compile(t, row("cn", false, create(fixed("x"))))
	s := m.NewSession()
	_, err := s.Values("someday", adaInput(ps))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `the account mapping of Active Directory: there is no stage "someday"`)

	_, err = s.Values(engine.StageCreate, &accounts.Input{Subject: ps.ada, InConditions: []int{2}})
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Internal))

	_, err = s.Values(engine.StageCreate, &accounts.Input{})
	assert.True(t, engine.IsCode(err, engine.Internal))
}

func TestInfiniteLoopIsStoppedAndTheSessionKeepsWorking(t *testing.T) {
	ps := newPeople(t)
	limit := 50 * time.Millisecond
	m, err := accounts.Compile(target(
		row("cn", false, create(complexJS("if (Iteration === 1) { while (true) {} }\nPerson.Name.GivenName"))),
		row("sn", false, create(complexJS("if (Iteration === 1) { try { for (;;) {} } catch (e) { 'caught' } }\nPerson.Name.FamilyName"))),
	), newEnv(t), nil, testTargets, accounts.Options{TimeLimit: limit})
	require.NoError(t, err)
	s := m.NewSession()

	in := adaInput(ps)
	in.Iteration = 1
	start := time.Now()
	_, err = s.Values(engine.StageCreate, in)
	elapsed := time.Since(start)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the account mapping of Active Directory, cn at create: JavaScript took longer than 50ms and was stopped")
	assert.Contains(t, err.Error(), "sn at create: JavaScript took longer than 50ms and was stopped", "a catch cannot swallow the stop")
	assert.Less(t, elapsed, 2*time.Second)
	require.NoError(t, m.Err())

	// a stale timer must not fire into the next calls
	time.Sleep(2 * limit)
	for range 20 {
		got, err := s.Values(engine.StageCreate, adaInput(ps))
		require.NoError(t, err)
		assert.Equal(t, engine.Attributes{"cn": "Ada", "sn": "Lovelace"}, got)
	}
}

func TestASnippetThatKeepsTimingOutIsNotRunAnyMore(t *testing.T) {
	ps := newPeople(t)
	m, err := accounts.Compile(target(row("cn", false, create(complexJS("while (true) {}")))),
		newEnv(t), nil, testTargets, accounts.Options{TimeLimit: 5 * time.Millisecond})
	require.NoError(t, err)
	s := m.NewSession()
	for range 10 {
		_, err := s.Values(engine.StageCreate, adaInput(ps))
		require.ErrorContains(t, err, "JavaScript took longer than 5ms")
	}
	start := time.Now()
	_, err = s.Values(engine.StageCreate, adaInput(ps))
	assert.Less(t, time.Since(start), 5*time.Millisecond)
	assert.ErrorContains(t, err, "the JavaScript took longer than 5ms for 10 persons and is not run any more")
	assert.ErrorContains(t, m.Err(), "the account mapping of Active Directory, cn at create: the JavaScript took longer than 5ms for 10 persons")
}

func TestDependencies(t *testing.T) {
	m := compile(t,
		row("mail", false, create(field("Accounts.google.primaryEmail"))),
		row("employeeID", false, create(complexJS("Person.Accounts?.payroll?.employeeNumber ?? ''"))),
		row("other", false, create(complexJS("const x = {Accounts: {nowhere: 1}}; x.Accounts.nowhere"))),
		row("cn", false, create(field("Name.GivenName"))),
	)
	assert.Equal(t, []string{"google", "payroll"}, m.Dependencies())
	assert.Empty(t, compile(t, row("cn", false, create(complexJS("Person.Name.GivenName")))).Dependencies())
}

func TestOrderPutsATargetAfterTheTargetsItReads(t *testing.T) {
	reads := func(key, attr string) engine.AttributeMapping {
		return row("from-"+key, false, create(complexJS("Person.Accounts."+key+"?."+attr)))
	}
	mappings := map[string][]engine.AttributeMapping{
		"ad":      {reads("google", "primaryEmail"), reads("payroll", "employeeNumber")},
		"google":  {reads("payroll", "employeeNumber"), row("primaryEmail", false, create(field("Contact.Business.Email")))},
		"payroll": {row("employeeNumber", false, create(field("ExternalId")))},
		"mail":    {row("x", false, create(field("Accounts.ad.from-google")))},
		"solo":    {row("x", false, create(fixed("x")))},
	}
	keys := []string{"ad", "google", "payroll", "mail", "solo"}
	compileAll := func() map[string]*accounts.Mapper {
		t.Helper()
		cfg := testConfig()
		cfg.TargetSystems = nil
		for _, k := range keys {
			cfg.TargetSystems = append(cfg.TargetSystems, engine.TargetSystem{Key: k, Name: strings.ToUpper(k), Kind: engine.TargetManual, Mapping: mappings[k]})
		}
		env, err := rules.NewEnv(cfg)
		require.NoError(t, err)
		out := map[string]*accounts.Mapper{}
		for i := range cfg.TargetSystems {
			tg := &cfg.TargetSystems[i]
			m, err := accounts.Compile(tg, env, nil, keys)
			require.NoError(t, err)
			out[tg.Key] = m
		}
		return out
	}
	mappers := compileAll()
	assert.Equal(t, []string{"google", "payroll"}, mappers["ad"].Dependencies())
	assert.Equal(t, []string{"ad"}, mappers["mail"].Dependencies())

	order, err := accounts.Order(mappers)
	require.NoError(t, err)
	assert.Equal(t, []string{"payroll", "google", "ad", "mail", "solo"}, order)

	// a dependency without a mapper (a disabled target) is left out
	order, err = accounts.Order(map[string]*accounts.Mapper{"ad": mappers["ad"], "mail": mappers["mail"], "solo": nil})
	require.NoError(t, err)
	assert.Equal(t, []string{"ad", "mail"}, order)

	// a circle
	mappings["payroll"] = append(mappings["payroll"], reads("mail", "x"))
	_, err = accounts.Order(compileAll())
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Invalid))
	assert.Contains(t, err.Error(), "the account mappings read each other's accounts in a circle: AD → GOOGLE → PAYROLL → MAIL → AD")
}

func TestSessionsRunConcurrently(t *testing.T) {
	ps := newPeople(t)
	m := compile(t,
		row("cn", true, create(complexJS("const n = removeDiacritics(Person.Name.GivenName).toLowerCase(); Iteration ? n + Iteration : n"))),
		row("sn", false, create(field("Name.FamilyName"))),
	)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			s := m.NewSession()
			for i := range 200 {
				subject := []*accounts.Input{adaInput(ps), {Subject: ps.grace}, {Subject: ps.nobody}}[(g+i)%3]
				in := *subject
				in.Iteration = i % 3
				got, err := s.Values(engine.StageCreate, &in)
				if !assert.NoError(t, err) {
					return
				}
				want := strings.ToLower(engine.RemoveDiacritics(in.Subject.Person.Name.GivenName))
				if in.Iteration > 0 {
					want += strconv.Itoa(in.Iteration)
				}
				assert.Equal(t, want, got["cn"], fmt.Sprintf("goroutine %d, call %d", g, i))
			}
		})
	}
	wg.Wait()
}
