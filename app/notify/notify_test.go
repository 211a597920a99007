package notify

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func TestWithoutASessionBusNotifyFailsWithoutPanicking(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	d := NewDBus()
	for range 2 { // the second attempt connects again, and fails again
		err := d.Notify("Title", "Body")
		require.Error(t, err)
		assert.True(t, engine.IsCode(err, engine.Unavailable), "got %v", err)
		assert.Contains(t, err.Error(), "session bus")
	}
	require.NoError(t, d.Close())
}

func TestBodyMarkupIsEscaped(t *testing.T) {
	assert.Equal(t, "Smith &amp; Jones &lt;b&gt;", escapeMarkup("Smith & Jones <b>"))
}

func TestAnUnavailableNotifierSaysWhy(t *testing.T) {
	n := Unavailable("there is no D-Bus session bus")
	for range 2 {
		err := n.Notify("Title", "Body")
		require.Error(t, err)
		assert.True(t, engine.IsCode(err, engine.Unavailable))
		assert.Contains(t, err.Error(), "there is no D-Bus session bus")
	}
}
