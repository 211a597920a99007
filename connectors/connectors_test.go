package connectors

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEveryTargetKindIsCompleteAndFoundByName(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Targets() {
		assert.NotEmpty(t, k.Kind)
		assert.False(t, seen[k.Kind], "the kind %q is listed twice", k.Kind)
		seen[k.Kind] = true
		assert.NotEmpty(t, k.Label, "kind %q", k.Kind)
		assert.NotNil(t, k.New, "kind %q", k.Kind)
		assert.NotEmpty(t, k.Identity, "kind %q names no identity attribute", k.Kind)
		keys := map[string]bool{}
		for _, s := range k.Settings {
			assert.False(t, keys[s.Key], "kind %q: the setting %q is listed twice", k.Kind, s.Key)
			keys[s.Key] = true
		}
		got, ok := Target(k.Kind)
		assert.True(t, ok, "Target(%q)", k.Kind)
		assert.Equal(t, k.Kind, got.Kind)
	}
	assert.True(t, seen["file"], "the file target is listed")
	assert.True(t, seen["ldap"], "the LDAP target is listed")
	assert.True(t, seen["ad"], "the Active Directory target is listed")
	_, ok := Target("no-such-kind")
	assert.False(t, ok)
}
