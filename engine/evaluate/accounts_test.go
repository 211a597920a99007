package evaluate_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/accounts"
	"provisio/engine/evaluate"
	"provisio/engine/rules"
)

// The account lifecycle: which operation each action gets, the attributes
// it writes, correlation, updates and unique attributes. The mappings are
// real ones, compiled by engine/accounts.

type stages = map[engine.Stage]*engine.StageValue

func fixedValue(v string) *engine.StageValue {
	return &engine.StageValue{Type: engine.MapFixed, Value: v}
}

func fieldValue(path string) *engine.StageValue {
	return &engine.StageValue{Type: engine.MapField, Value: path}
}

func snippet(js string) *engine.StageValue {
	return &engine.StageValue{Type: engine.MapComplex, Value: js}
}

// samSnippet makes jsmith, jsmith1, jsmith2, … from the person's name.
const samSnippet = `const n = removeDiacritics(Person.Name.GivenName[0] + Person.Name.FamilyName).toLowerCase()
Iteration === 0 ? n : n + Iteration`

// upnSnippet follows samSnippet: jsmith@corp.example, jsmith1@corp.example.
const upnSnippet = `const n = removeDiacritics(Person.Name.GivenName[0] + Person.Name.FamilyName).toLowerCase();
(Iteration === 0 ? n : n + Iteration) + '@corp.example'`

// adSystem is an Active Directory target with a mapping for every stage.
func adSystem() engine.TargetSystem {
	return engine.TargetSystem{
		Key: "ad", Name: "Active Directory", Kind: engine.TargetManual,
		Permissions: []engine.Permission{{ID: "VPN"}, {ID: "Staff"}},
		Mapping: []engine.AttributeMapping{
			{Attribute: "sAMAccountName", Unique: true, Stages: stages{engine.StageCreate: snippet(samSnippet)}},
			{Attribute: "userPrincipalName", Unique: true, Stages: stages{engine.StageCreate: snippet(upnSnippet)}},
			{Attribute: "displayName", Stages: stages{engine.StageCreate: fieldValue("DisplayName"), engine.StageUpdate: fieldValue("DisplayName")}},
			{Attribute: "mail", Stages: stages{engine.StageCreate: fieldValue("Contact.Business.Email"), engine.StageUpdate: fieldValue("Contact.Business.Email")}},
			{Attribute: "employeeID", Stages: stages{engine.StageCreate: fieldValue("ExternalId")}},
			{Attribute: "description", Stages: stages{
				engine.StageEnable:  fixedValue("Active"),
				engine.StageDisable: fixedValue("Disabled by Provisio"),
				engine.StageDelete:  fixedValue("Deleted by Provisio"),
			}},
		},
	}
}

// mailSystem is a mail target whose address follows the person's
// sAMAccountName in ad.
func mailSystem() engine.TargetSystem {
	address := `Person.Accounts.ad ? Person.Accounts.ad.sAMAccountName + '@mail.corp.example' : ''`
	return engine.TargetSystem{
		Key: "mail", Name: "Mail", Kind: engine.TargetManual,
		Mapping: []engine.AttributeMapping{
			{Attribute: "primaryEmail", Stages: stages{engine.StageCreate: snippet(address), engine.StageUpdate: snippet(address)}},
			{Attribute: "displayName", Stages: stages{engine.StageCreate: fieldValue("DisplayName")}},
		},
	}
}

// world is a workspace whose targets have account mappings, with what the
// targets held when they were last read.
type world struct {
	t        testing.TB
	cfg      *engine.Config
	env      *rules.Env
	existing map[string][]engine.Account
}

// newWorld replaces testConfig's targets of the same keys by systems.
func newWorld(t testing.TB, systems ...engine.TargetSystem) *world {
	t.Helper()
	cfg := testConfig()
	for _, s := range systems {
		if tg, ok := cfg.TargetSystem(s.Key); ok {
			*tg = s
		} else {
			cfg.TargetSystems = append(cfg.TargetSystems, s)
		}
	}
	env, err := rules.NewEnv(cfg)
	require.NoError(t, err)
	return &world{t: t, cfg: cfg, env: env, existing: map[string][]engine.Account{}}
}

// target returns the world's target system, to change before input.
func (w *world) target(key string) *engine.TargetSystem {
	tg, ok := w.cfg.TargetSystem(key)
	require.True(w.t, ok, key)
	return tg
}

// input builds an evaluation input on refDate in which every target with
// a mapping, a lifecycle or a correlation has its accounts worked out,
// in the order accounts.Order gives.
func (w *world) input(rs []testRule, ledger []engine.LedgerEntry, persons ...*engine.Person) evaluate.Input {
	t := w.t
	t.Helper()
	var keys []string
	for _, tg := range w.cfg.TargetSystems {
		keys = append(keys, tg.Key)
	}
	in := evaluate.Input{
		Population: rules.NewPopulation(w.env, persons, nil, refDate), Rules: compile(t, w.env, rs...),
		Ledger: &engine.Ledger{Entries: ledger}, Snapshot: 7, RulesVersion: 3, Workers: 1, Now: fixedNow,
		Accounts: map[string]*evaluate.TargetAccounts{},
	}
	mappers := map[string]*accounts.Mapper{}
	for i := range w.cfg.TargetSystems {
		tg := &w.cfg.TargetSystems[i]
		if len(tg.Mapping) == 0 && tg.Correlation == nil && tg.Lifecycle == (engine.Lifecycle{}) {
			continue
		}
		ta := &evaluate.TargetAccounts{System: tg, Existing: w.existing[tg.Key]}
		if len(tg.Mapping) > 0 {
			m, err := accounts.Compile(tg, w.env, nil, keys)
			require.NoError(t, err)
			ta.Mapper = m
			mappers[tg.Key] = m
		}
		in.Accounts[tg.Key] = ta
	}
	order, err := accounts.Order(mappers)
	require.NoError(t, err)
	in.Order = order
	return in
}

// staff builds person hr:<id> with a name, a display name and a business
// e-mail address, and an active contract in ICT.
func staff(t testing.TB, id, given, family string) *engine.Person {
	t.Helper()
	p := person(t, id, contract(t, "C"+id, "2024-01-01", "", "Department.Code=ICT"))
	p.Name.GivenName, p.Name.FamilyName = given, family
	p.DisplayName = given + " " + family
	p.Contact.Business.Email = strings.ToLower(given+"."+family) + "@example.com"
	return p
}

// Rules of the tests: staff get an account, access and VPN in ad.
var (
	adAccountRule = rule("r-ad", "AD accounts", engine.RuleActive, nil, adAccount)
	adAccessRule  = rule("r-ad-access", "AD access", engine.RuleActive, nil, adAccess)
	adVPNRule     = rule("r-vpn", "VPN", engine.RuleActive, nil, adVPN)
	mailRule      = rule("r-mail", "Mail accounts", engine.RuleActive, nil, mailAcct, mailBox)
)

var (
	adKey       = key("ad", engine.KindAccount, "")
	adAccessKey = key("ad", engine.KindAccess, "")
	adVPNKey    = key("ad", engine.KindPermission, "VPN")
	mailKey     = key("mail", engine.KindAccount, "")
	mailBoxKey  = key("mail", engine.KindCustom, "Mailbox")
)

// opsOf lists a plan's actions as "op person key".
func opsOf(e *engine.Evaluation) []string {
	var out []string
	for _, a := range e.Actions {
		out = append(out, fmt.Sprintf("%s %s %s", a.Op, a.Person, a.Key))
	}
	return out
}

// findOp returns the person's action of an operation on a key.
func findOp(t *testing.T, e *engine.Evaluation, person string, op engine.ActionOp, k engine.EntitlementKey) engine.Action {
	t.Helper()
	for _, a := range e.Actions {
		if a.Person == person && a.Op == op && a.Key == k {
			return a
		}
	}
	require.Failf(t, "no action", "no %s %s %s in %v", op, person, k, opsOf(e))
	return engine.Action{}
}

func notesOf(e *engine.Evaluation) []string {
	var out []string
	for _, n := range e.Notes {
		out = append(out, n.Person+": "+n.Message)
	}
	return out
}

// adEntry is person's ad account in the ledger.
func adEntry(person, ref string, attrs engine.Attributes) engine.LedgerEntry {
	return engine.LedgerEntry{Person: person, Key: adKey, Reference: ref, Rules: []string{"r-ad"}, Attributes: attrs}
}

// adaAttributes are the attributes Ada's ad account was created with.
func adaAttributes() engine.Attributes {
	return engine.Attributes{
		"sAMAccountName": "alovelace", "userPrincipalName": "alovelace@corp.example",
		"displayName": "Ada Lovelace", "mail": "ada.lovelace@example.com", "employeeID": "1",
	}
}

const adaRef = "CN=Ada Lovelace,OU=Staff,DC=corp,DC=example"

func change(attr, old, new string) engine.AttributeChange {
	return engine.AttributeChange{Attribute: attr, Old: old, New: new}
}

func TestNewAccountIsCreatedWithItsCreateAttributesThenEnabledAndGranted(t *testing.T) {
	w := newWorld(t, adSystem(), mailSystem())
	ada := staff(t, "1", "Ada", "Lovelace")

	e := run(t, w.input([]testRule{adAccountRule, adAccessRule, adVPNRule, mailRule}, nil, ada))

	assert.Equal(t, []string{
		"create hr:1 ad: account",
		"enable hr:1 ad: account access",
		"grant hr:1 ad: permission VPN",
		"create hr:1 mail: account",
		"grant hr:1 mail: custom Mailbox",
	}, opsOf(e))
	create := findOp(t, e, ada.ID, engine.OpCreate, adKey)
	assert.True(t, create.Grant)
	assert.Empty(t, create.Ref, "the account does not exist yet")
	assert.Equal(t, []engine.AttributeChange{
		change("displayName", "", "Ada Lovelace"),
		change("employeeID", "", "1"),
		change("mail", "", "ada.lovelace@example.com"),
		change("sAMAccountName", "", "alovelace"),
		change("userPrincipalName", "", "alovelace@corp.example"),
	}, create.Changes, "the create-stage values, in attribute order, all new")
	assert.Equal(t, []engine.AttributeChange{change("description", "", "Active")},
		findOp(t, e, ada.ID, engine.OpEnable, adAccessKey).Changes, "the enable-stage values")
	assert.Empty(t, findOp(t, e, ada.ID, engine.OpGrant, adVPNKey).Changes)
	assert.Equal(t, []engine.AttributeChange{
		change("displayName", "", "Ada Lovelace"),
		change("primaryEmail", "", "alovelace@mail.corp.example"),
	}, findOp(t, e, ada.ID, engine.OpCreate, mailKey).Changes, "mail reads the sAMAccountName planned in ad")
	assert.Empty(t, e.Notes)
}

func TestActionsOnAnExistingAccountCarryItsReferenceAndTheirStageAttributes(t *testing.T) {
	ada := staff(t, "1", "Ada", "Lovelace")
	has := func(attrs engine.Attributes, extra ...engine.LedgerEntry) []engine.LedgerEntry {
		return append([]engine.LedgerEntry{adEntry(ada.ID, adaRef, attrs)}, extra...)
	}
	access := engine.LedgerEntry{Person: ada.ID, Key: adAccessKey, Rules: []string{"r-ad-access"}}
	vpn := engine.LedgerEntry{Person: ada.ID, Key: adVPNKey, Rules: []string{"r-vpn"}}
	printer := engine.LedgerEntry{Person: ada.ID, Key: key("ad", engine.KindCustom, "Printer"), Rules: []string{"r-old"}}
	disabled := adaAttributes()
	disabled["description"] = "Disabled by Provisio"
	active := adaAttributes()
	active["description"] = "Active"

	tests := []struct {
		name   string
		rules  []testRule
		ledger []engine.LedgerEntry
		want   []engine.Action // Op, Key, Ref and Changes
	}{
		{
			name:   "access is granted: enable, the old values from the ledger",
			rules:  []testRule{adAccountRule, adAccessRule},
			ledger: has(disabled),
			want: []engine.Action{
				{Op: engine.OpEnable, Key: adAccessKey, Ref: adaRef, Changes: []engine.AttributeChange{change("description", "Disabled by Provisio", "Active")}},
			},
		},
		{
			name:   "access is revoked: disable with the disable-stage values",
			rules:  []testRule{adAccountRule},
			ledger: has(active, access),
			want: []engine.Action{
				{Op: engine.OpDisable, Key: adAccessKey, Ref: adaRef, Changes: []engine.AttributeChange{change("description", "Active", "Disabled by Provisio")}},
			},
		},
		{
			name:   "a permission is granted and another revoked, on the account",
			rules:  []testRule{adAccountRule, adVPNRule},
			ledger: has(adaAttributes(), printer),
			want: []engine.Action{
				{Op: engine.OpGrant, Key: adVPNKey, Ref: adaRef},
				{Op: engine.OpRevoke, Key: printer.Key, Ref: adaRef},
			},
		},
		{
			name:   "no rule gives the account: permissions revoked, disabled, deleted",
			rules:  nil,
			ledger: has(active, vpn, access, printer),
			want: []engine.Action{
				{Op: engine.OpDelete, Key: adKey, Ref: adaRef, Changes: []engine.AttributeChange{change("description", "Disabled by Provisio", "Deleted by Provisio")}},
				{Op: engine.OpDisable, Key: adAccessKey, Ref: adaRef, Changes: []engine.AttributeChange{change("description", "Active", "Disabled by Provisio")}},
				{Op: engine.OpRevoke, Key: adVPNKey, Ref: adaRef},
				{Op: engine.OpRevoke, Key: printer.Key, Ref: adaRef},
			},
		},
		{
			name: "the ledger lists access before the account: the same",
			// disabling comes before deleting whatever the ledger's order
			rules:  nil,
			ledger: []engine.LedgerEntry{access, adEntry(ada.ID, adaRef, active)},
			want: []engine.Action{
				{Op: engine.OpDelete, Key: adKey, Ref: adaRef, Changes: []engine.AttributeChange{change("description", "Disabled by Provisio", "Deleted by Provisio")}},
				{Op: engine.OpDisable, Key: adAccessKey, Ref: adaRef, Changes: []engine.AttributeChange{change("description", "Active", "Disabled by Provisio")}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, adSystem())
			e := run(t, w.input(tt.rules, tt.ledger, ada))
			var got []engine.Action
			for _, a := range e.Actions {
				got = append(got, engine.Action{Op: a.Op, Key: a.Key, Ref: a.Ref, Changes: a.Changes})
			}
			assert.Equal(t, tt.want, got)
			assert.Empty(t, e.Notes)
		})
	}
}

func TestCustomEntitlementsAreGrantedAndRevokedWithoutAnAccount(t *testing.T) {
	w := newWorld(t, adSystem(), mailSystem())
	ada := staff(t, "1", "Ada", "Lovelace")
	ledger := []engine.LedgerEntry{{Person: ada.ID, Key: key("mail", engine.KindCustom, "Archive"), Rules: []string{"r-old"}}}

	e := run(t, w.input([]testRule{rule("r-box", "Mailbox", engine.RuleActive, nil, mailBox)}, ledger, ada))

	assert.Equal(t, []string{"revoke hr:1 mail: custom Archive", "grant hr:1 mail: custom Mailbox"}, opsOf(e))
	for _, a := range e.Actions {
		assert.Empty(t, a.Ref)
		assert.Empty(t, a.Changes)
	}
}

func TestKeepDisabledRetiresThenDeletesWhenDue(t *testing.T) {
	const days = 30
	ada := staff(t, "1", "Ada", "Lovelace")
	retired := func(on engine.Date) engine.LedgerEntry {
		le := adEntry(ada.ID, adaRef, adaAttributes())
		le.RetiredOn = on
		return le
	}
	tests := []struct {
		name      string
		afterDays int
		rules     []testRule
		ledger    []engine.LedgerEntry
		want      []string
		why       string // the delete's last reason
	}{
		{name: "no rule gives it: retired, not deleted", afterDays: days,
			ledger: []engine.LedgerEntry{adEntry(ada.ID, adaRef, adaAttributes())},
			want:   []string{"retire hr:1 ad: account"}},
		{name: "retired and not yet due: nothing", afterDays: days,
			ledger: []engine.LedgerEntry{retired(refDate.AddDays(-(days - 1)))},
			want:   nil},
		{name: "retired today: nothing", afterDays: days,
			ledger: []engine.LedgerEntry{retired(refDate)},
			want:   nil},
		{name: "retired exactly N days ago: deleted", afterDays: days,
			ledger: []engine.LedgerEntry{retired(refDate.AddDays(-days))},
			want:   []string{"delete hr:1 ad: account"},
			why:    fmt.Sprintf("retired on %s and kept disabled for 30 days", refDate.AddDays(-days))},
		{name: "retired long ago: deleted", afterDays: days,
			ledger: []engine.LedgerEntry{retired(refDate.AddDays(-400))},
			want:   []string{"delete hr:1 ad: account"},
			why:    fmt.Sprintf("retired on %s and kept disabled for 30 days", refDate.AddDays(-400))},
		{name: "DeleteAfterDays 0: never deleted", afterDays: 0,
			ledger: []engine.LedgerEntry{retired(refDate.AddDays(-4000))},
			want:   nil},
		{name: "DeleteAfterDays 0: still retired first", afterDays: 0,
			ledger: []engine.LedgerEntry{adEntry(ada.ID, adaRef, adaAttributes())},
			want:   []string{"retire hr:1 ad: account"}},
		{name: "a rule gives it again: reinstated", afterDays: days,
			rules:  []testRule{adAccountRule},
			ledger: []engine.LedgerEntry{retired(refDate.AddDays(-3))},
			want:   []string{"reinstate hr:1 ad: account"}},
		{name: "a rule gives it and access again: reinstated and enabled", afterDays: days,
			rules:  []testRule{adAccountRule, adAccessRule},
			ledger: []engine.LedgerEntry{retired(refDate.AddDays(-3))},
			want:   []string{"reinstate hr:1 ad: account", "enable hr:1 ad: account access"}},
		{name: "a rule gives it again when it is due: reinstated, not deleted", afterDays: days,
			rules:  []testRule{adAccountRule},
			ledger: []engine.LedgerEntry{retired(refDate.AddDays(-days))},
			want:   []string{"reinstate hr:1 ad: account"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys := adSystem()
			sys.Lifecycle = engine.Lifecycle{End: engine.EndKeepDisabled, DeleteAfterDays: tt.afterDays}
			w := newWorld(t, sys)

			e := run(t, w.input(tt.rules, tt.ledger, ada))

			assert.Equal(t, tt.want, opsOf(e))
			for _, a := range e.Actions {
				assert.Equal(t, adaRef, a.Ref, "%s acts on the account that exists", a.Op)
				if a.Op == engine.OpReinstate {
					assert.True(t, a.Grant)
					assert.Equal(t, "r-ad", a.Reasons[0].Rule, "the rule that gives the account again")
				}
			}
			if tt.why != "" {
				del := findOp(t, e, ada.ID, engine.OpDelete, adKey)
				assert.Equal(t, tt.why, del.Reasons[len(del.Reasons)-1].Why)
				assert.Equal(t, []engine.AttributeChange{change("description", "", "Deleted by Provisio")}, del.Changes)
			}
			assert.Empty(t, e.Notes)
		})
	}
}

func TestRetiringAnEnabledAccountDisablesItAndRevokesItsPermissions(t *testing.T) {
	sys := adSystem()
	sys.Lifecycle = engine.Lifecycle{End: engine.EndKeepDisabled, DeleteAfterDays: 30}
	w := newWorld(t, sys)
	ada := staff(t, "1", "Ada", "Lovelace")
	ledger := []engine.LedgerEntry{
		adEntry(ada.ID, adaRef, adaAttributes()),
		{Person: ada.ID, Key: adAccessKey, Rules: []string{"r-ad-access"}},
		{Person: ada.ID, Key: adVPNKey, Rules: []string{"r-vpn"}},
	}

	e := run(t, w.input(nil, ledger, ada))

	assert.Equal(t, []string{"retire hr:1 ad: account", "disable hr:1 ad: account access", "revoke hr:1 ad: permission VPN"}, opsOf(e))
	assert.Equal(t, []engine.AttributeChange{change("description", "", "Disabled by Provisio")},
		findOp(t, e, ada.ID, engine.OpDisable, adAccessKey).Changes)
}

func TestUpdatesBringAnExistingAccountInLine(t *testing.T) {
	ada := staff(t, "1", "Ada", "Lovelace")
	moved := adaAttributes()
	moved["mail"] = "ada@old.example"
	renamed := adaAttributes()
	renamed["displayName"] = "Ada Byron"
	renamed["mail"] = "ada.byron@example.com"
	tests := []struct {
		name      string
		rules     []testRule
		attrs     engine.Attributes
		retiredOn engine.Date
		want      []string
		changes   []engine.AttributeChange
	}{
		{name: "one attribute differs", rules: []testRule{adAccountRule}, attrs: moved,
			want:    []string{"update hr:1 ad: account"},
			changes: []engine.AttributeChange{change("mail", "ada@old.example", "ada.lovelace@example.com")}},
		{name: "two attributes differ: one update with both", rules: []testRule{adAccountRule}, attrs: renamed,
			want: []string{"update hr:1 ad: account"},
			changes: []engine.AttributeChange{
				change("displayName", "Ada Byron", "Ada Lovelace"),
				change("mail", "ada.byron@example.com", "ada.lovelace@example.com"),
			}},
		{name: "an attribute the ledger lacks", rules: []testRule{adAccountRule},
			attrs:   engine.Attributes{"sAMAccountName": "alovelace", "displayName": "Ada Lovelace"},
			want:    []string{"update hr:1 ad: account"},
			changes: []engine.AttributeChange{change("mail", "", "ada.lovelace@example.com")}},
		{name: "nothing differs: no action", rules: []testRule{adAccountRule}, attrs: adaAttributes(),
			want: nil},
		{name: "an update with other actions", rules: []testRule{adAccountRule, adAccessRule, adVPNRule}, attrs: moved,
			want: []string{"update hr:1 ad: account", "enable hr:1 ad: account access", "grant hr:1 ad: permission VPN"},
			changes: []engine.AttributeChange{
				change("mail", "ada@old.example", "ada.lovelace@example.com"),
			}},
		{name: "a retired account is not updated", rules: nil, attrs: moved, retiredOn: refDate.AddDays(-1),
			want: nil},
		{name: "an account being retired is not updated", rules: nil, attrs: moved,
			want: []string{"retire hr:1 ad: account"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys := adSystem()
			sys.Lifecycle = engine.Lifecycle{End: engine.EndKeepDisabled, DeleteAfterDays: 30}
			w := newWorld(t, sys)
			le := adEntry(ada.ID, adaRef, tt.attrs)
			le.RetiredOn = tt.retiredOn

			e := run(t, w.input(tt.rules, []engine.LedgerEntry{le}, ada))

			assert.Equal(t, tt.want, opsOf(e))
			if tt.changes != nil {
				up := findOp(t, e, ada.ID, engine.OpUpdate, adKey)
				assert.Equal(t, tt.changes, up.Changes, "only the attributes that differ")
				assert.Equal(t, adaRef, up.Ref)
				assert.True(t, up.Grant)
				assert.Equal(t, "update", up.Verb())
				assert.Equal(t, "r-ad", up.Reasons[0].Rule, "the rules that give the account")
			}
		})
	}
}

func TestADeletedAccountIsNotUpdated(t *testing.T) {
	w := newWorld(t, adSystem())
	ada := staff(t, "1", "Ada", "Lovelace")
	attrs := adaAttributes()
	attrs["mail"] = "ada@old.example"

	e := run(t, w.input(nil, []engine.LedgerEntry{adEntry(ada.ID, adaRef, attrs)}, ada))

	assert.Equal(t, []string{"delete hr:1 ad: account"}, opsOf(e))
}

func TestAnUpdateIsWorkedOutBeforeDisablingAsEnforcementRunsThem(t *testing.T) {
	// description has an update value and a disable value: the update is
	// worked out against the ledger, not against what disabling writes
	sys := adSystem()
	sys.Mapping[5].Stages[engine.StageUpdate] = fixedValue("Active")
	w := newWorld(t, sys)
	ada := staff(t, "1", "Ada", "Lovelace")
	attrs := adaAttributes()
	attrs["description"] = "Active"
	ledger := []engine.LedgerEntry{adEntry(ada.ID, adaRef, attrs), {Person: ada.ID, Key: adAccessKey, Rules: []string{"r-ad-access"}}}

	e := run(t, w.input([]testRule{adAccountRule}, ledger, ada))

	assert.Equal(t, []string{"disable hr:1 ad: account access"}, opsOf(e), "the account is in line: no update")
	assert.Equal(t, []engine.AttributeChange{change("description", "Active", "Disabled by Provisio")}, e.Actions[0].Changes)
}

func TestSummaryCountsUpdates(t *testing.T) {
	w := newWorld(t, adSystem())
	var persons []*engine.Person
	var ledger []engine.LedgerEntry
	for i, name := range []string{"Lovelace", "Hopper", "Turing"} {
		p := staff(t, fmt.Sprint(i+1), "Ada", name)
		persons = append(persons, p)
		ledger = append(ledger, adEntry(p.ID, "CN="+name, engine.Attributes{"displayName": "Someone else", "mail": p.Contact.Business.Email}))
	}
	persons = append(persons, staff(t, "9", "Grace", "Hopper"))

	e := run(t, w.input([]testRule{adAccountRule}, ledger, persons...))

	assert.Equal(t, []engine.SummaryRow{{Target: "ad", Kind: engine.KindAccount, Grants: 1, Updates: 3}}, e.Summary)
	assert.Equal(t, 4, e.EvaluationInfo.Actions)
}

// correlating is ad with correlation on the employee id.
func correlating(t *testing.T, existing ...engine.Account) *world {
	t.Helper()
	sys := adSystem()
	sys.Correlation = &engine.Correlation{PersonField: "ExternalId", Attribute: "employeeID"}
	w := newWorld(t, sys)
	w.existing["ad"] = existing
	return w
}

func TestCorrelationLinksTheOneAccountThatMatches(t *testing.T) {
	w := correlating(t,
		engine.Account{Ref: "CN=Someone,OU=Staff", Attributes: engine.Attributes{"employeeID": "2", "sAMAccountName": "someone"}},
		engine.Account{Ref: "CN=A. Lovelace,OU=Old", Attributes: engine.Attributes{
			"employeeID": "E1", "sAMAccountName": "alovelace", "displayName": "A. Lovelace", "mail": "ada.lovelace@example.com"}},
	)
	ada := staff(t, "e1", "Ada", "Lovelace") // ExternalId e1 matches E1 ignoring case

	e := run(t, w.input([]testRule{adAccountRule, adAccessRule, adVPNRule}, nil, ada))

	assert.Equal(t, []string{"correlate hr:e1 ad: account", "enable hr:e1 ad: account access", "grant hr:e1 ad: permission VPN"}, opsOf(e))
	c := findOp(t, e, ada.ID, engine.OpCorrelate, adKey)
	assert.Equal(t, "CN=A. Lovelace,OU=Old", c.Ref)
	assert.True(t, c.Grant)
	assert.Equal(t, []engine.AttributeChange{change("displayName", "A. Lovelace", "Ada Lovelace")}, changedOnly(c.Changes),
		"the update-stage values that differ from the account's")
	assert.Equal(t, []engine.AttributeChange{change("description", "", "Active")}, findOp(t, e, ada.ID, engine.OpEnable, adAccessKey).Changes)
	assert.Empty(t, e.Notes)
	assert.Equal(t, []engine.SummaryRow{
		{Target: "ad", Kind: engine.KindAccount, Grants: 1},
		{Target: "ad", Kind: engine.KindAccess, Grants: 1},
		{Target: "ad", Kind: engine.KindPermission, Grants: 1},
	}, e.Summary)
}

func TestCorrelationProblemsAreNotesOnThePerson(t *testing.T) {
	ada := staff(t, "1", "Ada", "Lovelace")
	grace := staff(t, "2", "Grace", "Hopper")
	rs := []testRule{adAccountRule, adAccessRule, adVPNRule}
	tests := []struct {
		name     string
		existing []engine.Account
		ledger   []engine.LedgerEntry
		want     []string // ada's actions
		notes    []string
	}{
		{
			name: "two accounts match: nothing in the target, a note naming both",
			existing: []engine.Account{
				{Ref: "CN=Ada 1", Attributes: engine.Attributes{"employeeID": "1"}},
				{Ref: "CN=Ada 2", Attributes: engine.Attributes{"employeeID": "1"}},
			},
			// a stale entry is still revoked
			ledger: []engine.LedgerEntry{{Person: ada.ID, Key: key("ad", engine.KindCustom, "Printer")}},
			want:   []string{"revoke hr:1 ad: custom Printer"},
			notes:  []string{`hr:1: ad: nothing is planned in Active Directory for Ada Lovelace: 2 accounts have employeeID "1" (CN=Ada 1; CN=Ada 2): correlation needs exactly one`},
		},
		{
			name:     "the account is linked to another person",
			existing: []engine.Account{{Ref: "CN=Grace", Attributes: engine.Attributes{"employeeID": "1"}}},
			ledger:   []engine.LedgerEntry{adEntry(grace.ID, "cn=grace", engine.Attributes{"employeeID": "2"})},
			want:     nil,
			notes:    []string{`hr:1: ad: nothing is planned in Active Directory for Ada Lovelace: the account CN=Grace that ExternalId "1" correlates with is already linked to hr:2`},
		},
		{
			name:     "no account matches: created",
			existing: []engine.Account{{Ref: "CN=Other", Attributes: engine.Attributes{"employeeID": "7"}}},
			want:     []string{"create hr:1 ad: account", "enable hr:1 ad: account access", "grant hr:1 ad: permission VPN"},
		},
		{
			name:     "the target was never read: created",
			existing: nil,
			want:     []string{"create hr:1 ad: account", "enable hr:1 ad: account access", "grant hr:1 ad: permission VPN"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := correlating(t, tt.existing...)
			e := run(t, w.input(rs, tt.ledger, ada, grace))
			var got []string
			for _, a := range e.Actions {
				if a.Person == ada.ID {
					got = append(got, fmt.Sprintf("%s %s %s", a.Op, a.Person, a.Key))
				}
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.notes, notesOf(e))
		})
	}
}

func TestTwoPersonsCorrelatingWithOneAccountLinkNeither(t *testing.T) {
	// hr:1 and contractors:1 share an external id; linking either could
	// give one person the other's account
	w := correlating(t, engine.Account{Ref: "CN=Ada", Attributes: engine.Attributes{"employeeID": "1", "sAMAccountName": "alovelace"}})
	ada := staff(t, "1", "Ada", "Lovelace")
	other := staff(t, "1", "Ada", "Lovelace")
	other.ID, other.Source = "contractors:1", "contractors"

	e := run(t, w.input([]testRule{adAccountRule, adVPNRule}, nil, other, ada))

	assert.Empty(t, opsOf(e))
	require.Len(t, e.Notes, 2)
	assert.Equal(t, "contractors:1", e.Notes[0].Person)
	assert.Equal(t, "hr:1", e.Notes[1].Person)
	for _, n := range e.Notes {
		assert.Contains(t, n.Message, "CN=Ada")
		assert.Contains(t, n.Message, "contractors:1")
		assert.Contains(t, n.Message, "hr:1")
	}
}

func TestCorrelationFindsTheAttributeInAnyCase(t *testing.T) {
	// directories name attributes in their own case
	w := correlating(t, engine.Account{Ref: "CN=Ada", Attributes: engine.Attributes{
		"EmployeeID": "1", "SAMAccountName": "alovelace", "displayName": "Ada Lovelace", "mail": "ada.lovelace@example.com"}})
	ada := staff(t, "1", "Ada", "Lovelace")
	ann := staff(t, "2", "Ann", "Lovelace") // alovelace is taken

	e := run(t, w.input([]testRule{adAccountRule}, nil, ada, ann))

	assert.Equal(t, []string{"correlate hr:1 ad: account", "create hr:2 ad: account"}, opsOf(e))
	assert.Empty(t, changedOnly(e.Actions[0].Changes), "the account is in line")
	assert.NotEmpty(t, e.Actions[0].Changes, "a correlation tells the ledger every attribute the account is known by")
	assert.Contains(t, e.Actions[1].Changes, change("sAMAccountName", "", "alovelace1"))
}

func TestACorrelatedAccountIsRenamedToAFreeValue(t *testing.T) {
	sys := adSystem()
	sys.Correlation = &engine.Correlation{PersonField: "ExternalId", Attribute: "employeeID"}
	sys.Mapping[0].Stages[engine.StageUpdate] = snippet(samSnippet)
	w := newWorld(t, sys)
	w.existing["ad"] = []engine.Account{
		{Ref: "CN=Ada", Attributes: engine.Attributes{"employeeID": "1", "sAMAccountName": "ada.old",
			"displayName": "Ada Lovelace", "mail": "ada.lovelace@example.com"}},
		{Ref: "CN=Other", Attributes: engine.Attributes{"sAMAccountName": "alovelace"}},
	}
	ada := staff(t, "1", "Ada", "Lovelace")

	e := run(t, w.input([]testRule{adAccountRule}, nil, ada))

	assert.Equal(t, []string{"correlate hr:1 ad: account"}, opsOf(e))
	assert.Equal(t, []engine.AttributeChange{change("sAMAccountName", "ada.old", "alovelace1")}, changedOnly(e.Actions[0].Changes),
		"only what differs from the account found")
}

func TestAUniqueValueThatCannotBeMadeFreeLeavesTheAccountAlone(t *testing.T) {
	sys := adSystem()
	sys.Correlation = &engine.Correlation{PersonField: "ExternalId", Attribute: "employeeID"}
	// the snippet ignores Iteration
	sys.Mapping[0].Stages[engine.StageUpdate] = snippet(`(Person.Name.GivenName[0] + Person.Name.FamilyName).toLowerCase()`)
	w := newWorld(t, sys)
	w.existing["ad"] = []engine.Account{
		{Ref: "CN=Ada", Attributes: engine.Attributes{"employeeID": "1", "sAMAccountName": "ada.old"}},
		{Ref: "CN=Other", Attributes: engine.Attributes{"sAMAccountName": "alovelace"}},
	}
	ada := staff(t, "1", "Ada", "Lovelace") // correlated
	ann := staff(t, "2", "Ann", "Lovelace") // has an account, updated
	ledger := []engine.LedgerEntry{adEntry(ann.ID, "CN=Ann", engine.Attributes{"sAMAccountName": "ann"})}
	rs := []testRule{adAccountRule, adAccessRule, adVPNRule}

	e := run(t, w.input(rs, ledger, ada, ann))

	assert.Equal(t, []string{"enable hr:2 ad: account access", "grant hr:2 ad: permission VPN"}, opsOf(e),
		"a correlation that cannot be made drops what needs it; an update that cannot be made only itself")
	assert.Equal(t, []string{
		"hr:1: ad: nothing is planned in Active Directory for Ada Lovelace: no free value for sAMAccountName, userPrincipalName after 50 tries (does the mapping use Iteration?)",
		"hr:2: ad: the account of Ann Lovelace in Active Directory is not updated: no free value for sAMAccountName, userPrincipalName after 50 tries (does the mapping use Iteration?)",
	}, notesOf(e))
}

// creates returns each create's values of an attribute, by person.
func creates(e *engine.Evaluation, target, attr string) map[string]string {
	out := map[string]string{}
	for _, a := range e.Actions {
		if a.Op != engine.OpCreate || a.Key.Target != target {
			continue
		}
		for _, c := range a.Changes {
			if c.Attribute == attr {
				out[a.Person] = c.New
			}
		}
	}
	return out
}

func TestUniqueValuesAreMadeFreeInPlanOrder(t *testing.T) {
	w := newWorld(t, adSystem())
	// two John Smiths and a Jane Smith: the first in plan order keeps the
	// name, the others get 1 and 2
	js := []*engine.Person{staff(t, "1", "John", "Smith"), staff(t, "2", "Jane", "Smith"), staff(t, "3", "John", "Smith")}

	e := run(t, w.input([]testRule{adAccountRule}, nil, js...))

	assert.Equal(t, map[string]string{"hr:1": "jsmith", "hr:2": "jsmith1", "hr:3": "jsmith2"}, creates(e, "ad", "sAMAccountName"))
	assert.Equal(t, map[string]string{"hr:1": "jsmith@corp.example", "hr:2": "jsmith1@corp.example", "hr:3": "jsmith2@corp.example"},
		creates(e, "ad", "userPrincipalName"), "every unique attribute follows the iteration")
	assert.Empty(t, e.Notes)
}

func TestUniqueValuesSkipWhatIsTaken(t *testing.T) {
	w := newWorld(t, adSystem())
	w.existing["ad"] = []engine.Account{
		{Ref: "CN=jsmith", Attributes: engine.Attributes{"sAMAccountName": "JSmith"}}, // in any case
		{Ref: "CN=multi", Attributes: engine.Attributes{"userPrincipalName": "x@corp.example\njsmith2@corp.example"}},
	}
	// someone else's account, as the ledger has it, and John's own
	ledger := []engine.LedgerEntry{
		adEntry("hr:other", "CN=jsmith1", engine.Attributes{"sAMAccountName": "jsmith1"}),
		adEntry("hr:own", "CN=jsmith4", engine.Attributes{"sAMAccountName": "jsmith4", "userPrincipalName": "jsmith4@corp.example",
			"displayName": "Old name", "mail": "john.smith@example.com"}),
	}
	john := staff(t, "1", "John", "Smith")
	own := staff(t, "own", "John", "Smith")

	e := run(t, w.input([]testRule{adAccountRule}, ledger, john, own))

	assert.Equal(t, map[string]string{"hr:1": "jsmith3"}, creates(e, "ad", "sAMAccountName"),
		"jsmith is in the target, jsmith1 in the ledger, jsmith2@ in a multi-valued attribute")
	up := findOp(t, e, own.ID, engine.OpUpdate, adKey)
	assert.Equal(t, []engine.AttributeChange{change("displayName", "Old name", "John Smith")}, up.Changes)
	assert.Empty(t, e.Notes)
}

func TestAnUpdateKeepsThePersonsOwnUniqueValue(t *testing.T) {
	// userPrincipalName is kept in line; the ledger predates it
	sys := adSystem()
	sys.Mapping[1].Stages[engine.StageUpdate] = snippet(upnSnippet)
	w := newWorld(t, sys)
	w.existing["ad"] = []engine.Account{
		{Ref: "CN=John Smith", Attributes: engine.Attributes{"sAMAccountName": "jsmith", "userPrincipalName": "jsmith@corp.example"}},
		{Ref: "CN=Someone", Attributes: engine.Attributes{"userPrincipalName": "ghopper@corp.example"}},
	}
	john := staff(t, "1", "John", "Smith")
	grace := staff(t, "2", "Grace", "Hopper")
	ledger := []engine.LedgerEntry{
		adEntry(john.ID, "cn=john smith", engine.Attributes{"sAMAccountName": "jsmith", "displayName": "John Smith", "mail": "john.smith@example.com"}),
		// her mail is what she wants as userPrincipalName: not hers to keep there
		adEntry(grace.ID, "CN=Grace Hopper", engine.Attributes{"sAMAccountName": "ghopper", "displayName": "Grace Hopper", "mail": "ghopper@corp.example"}),
	}

	e := run(t, w.input([]testRule{adAccountRule}, ledger, john, grace))

	assert.Equal(t, []string{"update hr:1 ad: account", "update hr:2 ad: account"}, opsOf(e))
	assert.Equal(t, []engine.AttributeChange{change("userPrincipalName", "", "jsmith@corp.example")}, e.Actions[0].Changes,
		"the target holds it for John's own account")
	assert.Equal(t, []engine.AttributeChange{
		change("mail", "ghopper@corp.example", "grace.hopper@example.com"),
		change("userPrincipalName", "", "ghopper1@corp.example"),
	}, e.Actions[1].Changes, "someone else's userPrincipalName")
}

func TestUniqueMultiValuedAttributesAreFreeValueByValue(t *testing.T) {
	sys := adSystem()
	sys.Mapping = append(sys.Mapping, engine.AttributeMapping{Attribute: "proxyAddresses", Unique: true, Stages: stages{
		engine.StageCreate: snippet(`const n = (Person.Name.GivenName[0] + Person.Name.FamilyName).toLowerCase() + (Iteration || '');
['SMTP:' + n + '@corp.example', 'smtp:' + n + '@mail.corp.example']`)}})
	w := newWorld(t, sys)
	ledger := []engine.LedgerEntry{
		adEntry("hr:other", "CN=other", engine.Attributes{"proxyAddresses": "SMTP:other@corp.example\nsmtp:jsmith@mail.corp.example"}),
	}

	e := run(t, w.input([]testRule{adAccountRule}, ledger, staff(t, "1", "John", "Smith"), staff(t, "2", "Jane", "Smith")))

	assert.Equal(t, map[string]string{
		"hr:1": "SMTP:jsmith1@corp.example\nsmtp:jsmith1@mail.corp.example",
		"hr:2": "SMTP:jsmith2@corp.example\nsmtp:jsmith2@mail.corp.example",
	}, creates(e, "ad", "proxyAddresses"))
}

func TestARenameToATakenValueIterates(t *testing.T) {
	sys := adSystem()
	sys.Mapping[0].Stages[engine.StageUpdate] = snippet(samSnippet)
	w := newWorld(t, sys)
	// Jane married: jsmith is taken by someone else
	jane := staff(t, "1", "Jane", "Smith")
	ledger := []engine.LedgerEntry{
		adEntry(jane.ID, "CN=jdoe", engine.Attributes{"sAMAccountName": "jdoe", "displayName": "Jane Smith", "mail": "jane.smith@example.com"}),
		adEntry("hr:2", "CN=jsmith", engine.Attributes{"sAMAccountName": "jsmith"}),
	}

	e := run(t, w.input([]testRule{adAccountRule}, ledger, jane))

	assert.Equal(t, []string{"update hr:1 ad: account", "delete hr:2 ad: account"}, opsOf(e))
	assert.Equal(t, []engine.AttributeChange{change("sAMAccountName", "jdoe", "jsmith1")}, e.Actions[0].Changes)
}

func TestAUniqueValueThatIgnoresIterationDropsTheCreate(t *testing.T) {
	sys := adSystem()
	sys.Mapping[0].Stages[engine.StageCreate] = snippet(`(Person.Name.GivenName[0] + Person.Name.FamilyName).toLowerCase()`)
	sys.Mapping[1].Unique = false
	w := newWorld(t, sys, mailSystem())
	first, second := staff(t, "1", "John", "Smith"), staff(t, "2", "Jane", "Smith")

	e := run(t, w.input([]testRule{adAccountRule, adAccessRule, adVPNRule, mailRule}, nil, first, second))

	assert.Equal(t, []string{
		"create hr:1 ad: account", "enable hr:1 ad: account access", "grant hr:1 ad: permission VPN",
		"create hr:1 mail: account", "grant hr:1 mail: custom Mailbox",
		"create hr:2 mail: account", "grant hr:2 mail: custom Mailbox",
	}, opsOf(e), "the second jsmith gets nothing in ad; mail is another target")
	assert.Equal(t, []string{"hr:2: ad: nothing is planned in Active Directory for Jane Smith: no free value for sAMAccountName after 50 tries (does the mapping use Iteration?)"},
		notesOf(e))
	assert.Equal(t, []engine.AttributeChange{change("displayName", "", "Jane Smith")}, findOp(t, e, "hr:2", engine.OpCreate, mailKey).Changes,
		"mail does not read the ad account that will not be made")
}

func TestPlansWithUniqueValuesAreDeterministic(t *testing.T) {
	build := func(t *testing.T) evaluate.Input {
		w := newWorld(t, adSystem(), mailSystem())
		w.existing["ad"] = []engine.Account{{Ref: "CN=x", Attributes: engine.Attributes{"sAMAccountName": "jsmith3"}}}
		var persons []*engine.Person
		given := []string{"John", "Jane", "Jack", "Jill", "Ada"}
		for i := range 60 {
			persons = append(persons, staff(t, fmt.Sprintf("%03d", (i*37)%60), given[i%len(given)], []string{"Smith", "Jones"}[i%2]))
		}
		return w.input([]testRule{adAccountRule, adAccessRule, mailRule}, nil, persons...)
	}
	in := build(t)
	first := run(t, in)
	again := run(t, build(t))
	in.Workers = 4
	four := run(t, in)

	for _, e := range []*engine.Evaluation{again, four} {
		assert.Equal(t, first.Actions, e.Actions)
		assert.Equal(t, first.Notes, e.Notes)
		assert.Equal(t, first.Summary, e.Summary)
	}
	names := creates(first, "ad", "sAMAccountName")
	assert.Len(t, names, 60)
	seen := map[string]string{}
	for p, n := range names {
		other, dup := seen[n]
		assert.False(t, dup, "%s and %s both get %s", p, other, n)
		seen[n] = p
	}
	assert.NotContains(t, seen, "jsmith3", "taken in the target")
	assert.Equal(t, "jsmith", names["hr:000"], "the first in plan order keeps iteration 0")
	// mail follows every sAMAccountName
	for p, addr := range creates(first, "mail", "primaryEmail") {
		assert.Equal(t, names[p]+"@mail.corp.example", addr, p)
	}
}

func TestADependentTargetFollowsTheUniqueValueItReads(t *testing.T) {
	w := newWorld(t, adSystem(), mailSystem())
	w.existing["ad"] = []engine.Account{{Ref: "CN=jsmith", Attributes: engine.Attributes{"sAMAccountName": "jsmith"}}}
	john := staff(t, "1", "John", "Smith")
	ada := staff(t, "2", "Ada", "Lovelace")
	ledger := []engine.LedgerEntry{adEntry(ada.ID, adaRef, adaAttributes())} // mail reads the ledger's ad account

	e := run(t, w.input([]testRule{adAccountRule, mailRule}, ledger, john, ada))

	assert.Equal(t, map[string]string{"hr:1": "jsmith1"}, creates(e, "ad", "sAMAccountName"))
	assert.Equal(t, map[string]string{"hr:1": "jsmith1@mail.corp.example", "hr:2": "alovelace@mail.corp.example"},
		creates(e, "mail", "primaryEmail"))
}

func TestADependentTargetReadsAnAccountWhoseTargetIsDisabled(t *testing.T) {
	// ad is left out for a while: mail must not clear what it made from it
	w := newWorld(t, adSystem(), mailSystem())
	ada := staff(t, "1", "Ada", "Lovelace")
	ledger := []engine.LedgerEntry{
		adEntry(ada.ID, adaRef, adaAttributes()),
		{Person: ada.ID, Key: mailKey, Reference: "ada", Rules: []string{"r-mail"},
			Attributes: engine.Attributes{"primaryEmail": "alovelace@mail.corp.example", "displayName": "Ada Lovelace"}},
		{Person: ada.ID, Key: mailBoxKey, Rules: []string{"r-mail"}},
	}
	in := w.input([]testRule{mailRule}, ledger, ada)
	in.DisabledTargets = []string{"ad"}

	e := run(t, in)

	assert.Empty(t, opsOf(e))
}

func TestAFailingMappingIsANoteAndDropsTheTargetsGrants(t *testing.T) {
	sys := adSystem()
	sys.Mapping = append(sys.Mapping, engine.AttributeMapping{Attribute: "department", Stages: stages{
		engine.StageCreate: snippet(`if (Person.Name.GivenName === 'Bad') throw new Error('no department'); 'ICT'`),
		engine.StageUpdate: snippet(`if (Person.Name.GivenName === 'Bad') throw new Error('no department'); 'ICT'`),
	}})
	w := newWorld(t, sys, mailSystem())
	bad := staff(t, "1", "Bad", "Apple")
	existing := staff(t, "2", "Bad", "Egg")
	good := staff(t, "3", "Ada", "Lovelace")
	ledger := []engine.LedgerEntry{
		adEntry(existing.ID, "CN=begg", engine.Attributes{"sAMAccountName": "begg"}),
		{Person: existing.ID, Key: key("ad", engine.KindCustom, "Printer"), Rules: []string{"r-old"}},
	}

	e := run(t, w.input([]testRule{adAccountRule, adAccessRule, adVPNRule, mailRule}, ledger, bad, existing, good))

	assert.Equal(t, []string{
		"create hr:1 mail: account", "grant hr:1 mail: custom Mailbox",
		"revoke hr:2 ad: custom Printer",
		"create hr:2 mail: account", "grant hr:2 mail: custom Mailbox",
		"create hr:3 ad: account", "enable hr:3 ad: account access", "grant hr:3 ad: permission VPN",
		"create hr:3 mail: account", "grant hr:3 mail: custom Mailbox",
	}, opsOf(e), "the grants in ad are dropped, the revokes stay, other targets go on")
	notes := notesOf(e)
	require.Len(t, notes, 2)
	for i, p := range []string{"hr:1: ad: nothing is planned in Active Directory for Bad Apple: ", "hr:2: ad: nothing is planned in Active Directory for Bad Egg: "} {
		assert.True(t, strings.HasPrefix(notes[i], p), notes[i])
		assert.Contains(t, notes[i], "department")
		assert.Contains(t, notes[i], "no department")
	}
}

func TestPersonsWhoLeftLoseTheirAccountsPerLifecycle(t *testing.T) {
	ad := adSystem()
	ad.Lifecycle = engine.Lifecycle{End: engine.EndKeepDisabled, DeleteAfterDays: 30}
	w := newWorld(t, ad, mailSystem())
	stays := staff(t, "1", "Ada", "Lovelace")
	retired := adEntry("hr:retired", "CN=old", engine.Attributes{"sAMAccountName": "old"})
	retired.RetiredOn = refDate.AddDays(-30)
	waiting := adEntry("hr:waiting", "CN=wait", engine.Attributes{"sAMAccountName": "wait"})
	waiting.RetiredOn = refDate.AddDays(-2)
	ledger := []engine.LedgerEntry{
		adEntry(stays.ID, adaRef, adaAttributes()),
		adEntry("hr:gone", "CN=gone", engine.Attributes{"sAMAccountName": "gone"}),
		{Person: "hr:gone", Key: adAccessKey, Rules: []string{"r-ad-access"}},
		{Person: "hr:gone", Key: adVPNKey, Rules: []string{"r-vpn"}},
		{Person: "hr:gone", Key: mailKey, Reference: "gone@mail", Rules: []string{"r-mail"}, Attributes: engine.Attributes{"primaryEmail": "gone@mail"}},
		retired, waiting,
	}

	e := run(t, w.input([]testRule{adAccountRule}, ledger, stays))

	assert.Equal(t, []string{
		"retire hr:gone ad: account", "disable hr:gone ad: account access", "revoke hr:gone ad: permission VPN",
		"delete hr:gone mail: account",
		"delete hr:retired ad: account",
	}, opsOf(e))
	for _, a := range e.Actions {
		assert.NotEmpty(t, a.Ref, "%s %s", a.Op, a.Key)
		assert.Empty(t, a.Changes, "no person to map")
	}
	assert.Equal(t, "gone@mail", findOp(t, e, "hr:gone", engine.OpDelete, mailKey).Ref)
}

func TestDisabledTargetsWithAccountsProduceNothing(t *testing.T) {
	w := newWorld(t, adSystem(), mailSystem())
	ada := staff(t, "1", "Ada", "Lovelace")
	attrs := adaAttributes()
	attrs["mail"] = "old@example.com"
	ledger := []engine.LedgerEntry{
		adEntry(ada.ID, adaRef, attrs),
		adEntry("hr:gone", "CN=gone", engine.Attributes{"sAMAccountName": "gone"}),
	}
	in := w.input([]testRule{adAccountRule, adAccessRule, adVPNRule, mailRule}, ledger, ada, staff(t, "2", "John", "Smith"))
	in.DisabledTargets = []string{"ad"}

	e := run(t, in)

	for _, a := range e.Actions {
		assert.Equal(t, "mail", a.Key.Target, "%s %s %s", a.Op, a.Person, a.Key)
	}
	assert.Equal(t, map[string]string{"hr:1": "alovelace@mail.corp.example"}, creates(e, "mail", "primaryEmail"),
		"mail still reads what the ledger has of ad")
	assert.Empty(t, e.Notes)
}

func TestAccountPlansAreTheSameWithOneOrFourWorkers(t *testing.T) {
	ad := adSystem()
	ad.Lifecycle = engine.Lifecycle{End: engine.EndKeepDisabled, DeleteAfterDays: 30}
	ad.Correlation = &engine.Correlation{PersonField: "ExternalId", Attribute: "employeeID"}
	w := newWorld(t, ad, mailSystem())
	var persons []*engine.Person
	var ledger []engine.LedgerEntry
	given := []string{"John", "Jane", "Ada", "Alan", "Grace"}
	family := []string{"Smith", "Lovelace", "Turing", "Hopper"}
	for i := range 400 {
		p := staff(t, fmt.Sprintf("%04d", i), given[i%5], family[(i/5)%4])
		if i%7 == 0 {
			p.Contracts[0].Department.Code = "HR"
		}
		persons = append(persons, p)
		switch i % 6 {
		case 0:
			ledger = append(ledger, adEntry(p.ID, "CN="+p.ID, engine.Attributes{"sAMAccountName": fmt.Sprintf("u%d", i), "mail": "old"}))
		case 1:
			le := adEntry(p.ID, "CN="+p.ID, engine.Attributes{"sAMAccountName": fmt.Sprintf("u%d", i)})
			le.RetiredOn = refDate.AddDays(-i % 60)
			ledger = append(ledger, le)
		case 2:
			w.existing["ad"] = append(w.existing["ad"], engine.Account{Ref: "CN=found" + p.ID, Attributes: engine.Attributes{"employeeID": p.ExternalID, "sAMAccountName": "found" + p.ExternalID}})
		}
	}
	rs := []testRule{
		rule("r-ict", "ICT accounts", engine.RuleActive, cond("Department.Code", engine.OpEquals, "ICT"), adAccount, adAccess, adVPN),
		mailRule,
	}
	in := w.input(rs, ledger, persons...)
	one := run(t, in)
	in.Workers = 4
	four := run(t, in)

	assert.Equal(t, one.Actions, four.Actions)
	assert.Equal(t, one.Notes, four.Notes)
	assert.Equal(t, one.Summary, four.Summary)
	ops := map[engine.ActionOp]int{}
	for _, a := range one.Actions {
		ops[a.Op]++
	}
	for _, op := range []engine.ActionOp{engine.OpCreate, engine.OpCorrelate, engine.OpUpdate, engine.OpEnable, engine.OpGrant,
		engine.OpRetire, engine.OpReinstate, engine.OpDelete} {
		assert.Positive(t, ops[op], "the case must hold %s actions", op)
	}
}

func TestRunWithAccountsIsCancelled(t *testing.T) {
	w := newWorld(t, adSystem())
	in := w.input([]testRule{adAccountRule}, nil, staff(t, "1", "John", "Smith"), staff(t, "2", "Jane", "Smith"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := evaluate.Run(ctx, in, nil)
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Canceled))
}

// changedOnly leaves out the attributes a correlation keeps as they are.
func changedOnly(changes []engine.AttributeChange) []engine.AttributeChange {
	var out []engine.AttributeChange
	for _, c := range changes {
		if c.Old != c.New {
			out = append(out, c)
		}
	}
	return out
}

func TestTheMappingSeesTheContractsOfTheRulesThatGiveTheAccount(t *testing.T) {
	depts := `Person.Contracts.map(c => c.Department.Code).join(",")`
	sys := engine.TargetSystem{Key: "ad", Name: "Active Directory", Kind: engine.TargetManual, Permissions: []engine.Permission{{ID: "VPN"}},
		Mapping: []engine.AttributeMapping{{Attribute: "department", Stages: stages{engine.StageCreate: snippet(depts), engine.StageUpdate: snippet(depts)}}}}
	w := newWorld(t, sys)
	p := person(t, "1",
		contract(t, "C1", "2024-01-01", "", "Department.Code=ICT"),
		contract(t, "C2", "2024-01-01", "", "Department.Code=HR"),
		contract(t, "C3", "2024-01-01", "", "Department.Code=FIN"))
	rs := []testRule{
		rule("r-hr", "HR accounts", engine.RuleActive, cond("Department.Code", engine.OpEquals, "HR"), adAccount),
		rule("r-ict", "ICT accounts", engine.RuleActive, cond("Department.Code", engine.OpIn, "ICT", "FIN"), adAccount, adVPN),
	}

	e := run(t, w.input(rs, nil, p))
	create := findOp(t, e, p.ID, engine.OpCreate, adKey)
	assert.Equal(t, []engine.AttributeChange{change("department", "", "HR,ICT,FIN")}, create.Changes,
		"the contracts of each rule that gives the account, in rule order")
	require.Len(t, create.Reasons, 2)
	assert.Equal(t, []string{"C2"}, create.Reasons[0].Contracts)
	assert.Equal(t, []string{"C1", "C3"}, create.Reasons[1].Contracts)

	e = run(t, w.input(rs, []engine.LedgerEntry{adEntry(p.ID, "acct-1", engine.Attributes{"department": "ICT"})}, p))
	update := findOp(t, e, p.ID, engine.OpUpdate, adKey)
	assert.Equal(t, []engine.AttributeChange{change("department", "ICT", "HR,ICT,FIN")}, update.Changes)
	assert.Equal(t, create.Reasons, update.Reasons)
}
