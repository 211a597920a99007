package accounts_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
	"provisio/engine/accounts"
	"provisio/engine/rules"
)

func TestPasswordsAreNotMapped(t *testing.T) {
	env, err := rules.NewEnv(engine.DefaultConfig())
	require.NoError(t, err)
	for _, attr := range []string{"unicodePwd", "userPassword", "clientSecret"} {
		tgt := &engine.TargetSystem{Key: "ad", Name: "Active Directory", Kind: "file", Mapping: []engine.AttributeMapping{
			{Attribute: attr, Stages: map[engine.Stage]*engine.StageValue{engine.StageCreate: {Type: engine.MapFixed, Value: "Welcome1!"}}},
		}}
		_, err := accounts.Compile(tgt, env, nil, []string{"ad"})
		require.Error(t, err, attr)
		assert.Contains(t, err.Error(), "looks like a password or secret", attr)
	}
	assert.False(t, engine.Sensitive("sAMAccountName"))
	assert.False(t, engine.Sensitive("displayName"))
}
