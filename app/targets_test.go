package app_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/app"
	"provisio/engine"
)

// memorySecrets is a keychain in memory.
type memorySecrets map[string]string

func (m memorySecrets) Get(ref string) (string, error) {
	if s, ok := m[ref]; ok {
		return s, nil
	}
	return "", engine.Errorf(engine.NotFound, "no secret %q", ref)
}
func (m memorySecrets) Set(ref, secret string) error { m[ref] = secret; return nil }
func (m memorySecrets) Delete(ref string) error      { delete(m, ref); return nil }

// fileTarget is a file target over a directory file in a temporary folder,
// with the one attribute the kind needs.
func fileTarget(t *testing.T, name string) engine.TargetSystem {
	return engine.TargetSystem{Name: name, Kind: "file",
		Settings: map[string]string{"path": filepath.Join(t.TempDir(), "directory.json")},
		Mapping: []engine.AttributeMapping{{Attribute: "userName", Unique: true, Stages: map[engine.Stage]*engine.StageValue{
			engine.StageCreate: {Type: engine.MapField, Value: "ExternalId"}}}},
	}
}

func TestSaveTargetSystemChecksTheTargetBeforeSaving(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	ten := 10
	tooMuch := 120.0
	cases := []struct {
		name, want string
		edit       func(*engine.TargetSystem)
	}{
		{"a required setting", `setting "Directory file" (path) is required`, func(x *engine.TargetSystem) { delete(x.Settings, "path") }},
		{"settings the connector refuses", "CRM: choose how disabled accounts are marked", func(x *engine.TargetSystem) {
			x.Kind = "ldap"
			x.Settings = map[string]string{"url": "ldaps://ldap.example.org", "bindDN": "cn=provisio", "password": "target/crm/password",
				"baseDN": "ou=people,dc=example,dc=org", "groupBaseDN": "ou=groups,dc=example,dc=org"}
		}},
		{"an unknown kind", `there is no kind of target system "scim"`, func(x *engine.TargetSystem) { x.Kind = "scim" }},
		{"a snippet that does not compile", "the account mapping of CRM, userName at create", func(x *engine.TargetSystem) {
			x.Mapping[0].Stages[engine.StageCreate] = &engine.StageValue{Type: engine.MapComplex, Value: "Person.Name.GivnName +"}
		}},
		{"a misspelt field in a snippet", "GivnName", func(x *engine.TargetSystem) {
			x.Mapping[0].Stages[engine.StageCreate] = &engine.StageValue{Type: engine.MapComplex, Value: "Person.Name.GivnName"}
		}},
		{"an unknown person field", `there is no person field "Name.Nope"`, func(x *engine.TargetSystem) {
			x.Mapping[0].Stages[engine.StageCreate].Value = "Name.Nope"
		}},
		{"the identity attribute without a value at create", "gives userName no value at create", func(x *engine.TargetSystem) {
			x.Mapping[0].Attribute = "mail"
		}},
		{"a correlation field that does not exist", `correlation: there is no person field "ExternId"`, func(x *engine.TargetSystem) {
			x.Correlation = &engine.Correlation{PersonField: "ExternId", Attribute: "employeeID"}
		}},
		{"a correlation without an attribute", "correlation needs both", func(x *engine.TargetSystem) {
			x.Correlation = &engine.Correlation{PersonField: "ExternalId"}
		}},
		{"days to delete without keeping accounts disabled", "needs them kept disabled first", func(x *engine.TargetSystem) {
			x.Lifecycle = engine.Lifecycle{End: engine.EndDelete, DeleteAfterDays: 30}
		}},
		{"a threshold over 100%", "the percentage must be from 0 to 100", func(x *engine.TargetSystem) {
			x.Thresholds = []engine.ActionThreshold{{Op: engine.OpDelete, MaxPercent: &tooMuch}}
		}},
		{"two thresholds for one operation", "two thresholds", func(x *engine.TargetSystem) {
			x.Thresholds = []engine.ActionThreshold{{Op: engine.OpDelete, MaxCount: &ten}, {Op: engine.OpDelete, MaxCount: &ten}}
		}},
		{"a negative concurrency", "persons at once", func(x *engine.TargetSystem) { x.Concurrency = -1 }},
		{"a target that reads its own accounts", "this target's own account", func(x *engine.TargetSystem) {
			x.Mapping = append(x.Mapping, engine.AttributeMapping{Attribute: "mail", Stages: map[engine.Stage]*engine.StageValue{
				engine.StageCreate: {Type: engine.MapField, Value: "Accounts.crm.userName"}}})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := mustConfig(t, a)
			x := fileTarget(t, "CRM")
			c.edit(&x)
			err := a.CheckTargetSystem(ctx, &x)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			_, err = a.SaveTargetSystem(ctx, x, "")
			require.Error(t, err)
			assert.True(t, engine.IsCode(err, engine.Invalid), "%v", err)
			assert.Contains(t, err.Error(), c.want)
			assert.Equal(t, before, mustConfig(t, a), "nothing is saved")
		})
	}

	x := fileTarget(t, "CRM")
	x.Correlation = &engine.Correlation{PersonField: "ExternalId", Attribute: "userName"}
	x.Lifecycle = engine.Lifecycle{End: engine.EndKeepDisabled, DeleteAfterDays: 30}
	x.Thresholds = []engine.ActionThreshold{{Op: engine.OpDelete, MaxCount: &ten}}
	require.NoError(t, a.CheckTargetSystem(ctx, &x))
	key, err := a.SaveTargetSystem(ctx, x, "")
	require.NoError(t, err)
	saved, ok := mustConfig(t, a).TargetSystem(key)
	require.True(t, ok)
	assert.Equal(t, x.Mapping, saved.Mapping)
	assert.Equal(t, x.Lifecycle, saved.Lifecycle)
}

func TestAMappingOtherTargetsReadCannotLoseTheirAttribute(t *testing.T) {
	a := demoApp(t)
	ctx := context.Background()
	ad, _ := mustConfig(t, a).TargetSystem("ad")
	edited := *ad
	edited.Mapping = nil
	for _, m := range ad.Mapping {
		if m.Attribute != "mail" {
			edited.Mapping = append(edited.Mapping, m)
		}
	}
	err := a.CheckAccountMapping(ctx, &edited)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Google Workspace", "the message names the target whose mapping breaks")
	assert.Contains(t, err.Error(), "mail")
	_, err = a.SaveTargetSystem(ctx, edited, "ad")
	require.Error(t, err)

	// a circle: Active Directory reads Google Workspace, which reads it
	edited = *ad
	edited.Mapping = append([]engine.AttributeMapping{}, ad.Mapping...)
	edited.Mapping = append(edited.Mapping, engine.AttributeMapping{Attribute: "otherMailbox", Stages: map[engine.Stage]*engine.StageValue{
		engine.StageUpdate: {Type: engine.MapField, Value: "Accounts.google.primaryEmail"}}})
	err = a.CheckAccountMapping(ctx, &edited)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "in a circle")
}

func TestTargetSecretsAreKeptInTheKeychain(t *testing.T) {
	secrets := memorySecrets{}
	a, err := app.Open(filepath.Join(t.TempDir(), "ws"), app.Options{Clock: engine.FixedClock(day), Secrets: secrets})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	ctx := context.Background()
	dir := engine.TargetSystem{Name: "Directory", Kind: "ldap", Settings: map[string]string{
		"url": "ldaps://ldap.example.org", "bindDN": "cn=provisio,dc=example,dc=org",
		"baseDN": "ou=people,dc=example,dc=org", "groupBaseDN": "ou=groups,dc=example,dc=org", "disabledBaseDN": "ou=disabled,dc=example,dc=org",
	}}
	_, err = a.SaveTargetSystem(ctx, dir, "")
	require.Error(t, err, "the bind password is required")
	assert.Contains(t, err.Error(), "Bind password")

	key, err := a.SaveTargetSystemWithSecrets(ctx, dir, "", map[string]string{"password": "s3cret!"})
	require.NoError(t, err)
	saved, _ := mustConfig(t, a).TargetSystem(key)
	ref := saved.Settings["password"]
	assert.Regexp(t, `^workspace/[0-9a-f]{16}/target/directory/password$`, ref, "the configuration holds a reference, this workspace's own")
	assert.Equal(t, "s3cret!", secrets[ref])

	// saved again without typing it: the reference stays
	renamed := *saved
	renamed.Name = "LDAP directory"
	_, err = a.SaveTargetSystemWithSecrets(ctx, renamed, key, nil)
	require.NoError(t, err)
	saved, _ = mustConfig(t, a).TargetSystem(key)
	assert.Equal(t, ref, saved.Settings["password"])
	assert.Equal(t, "s3cret!", secrets[ref])

	require.NoError(t, a.DeleteTargetSystem(ctx, key))
	assert.NotContains(t, secrets, ref, "the secret goes with the target")
}
