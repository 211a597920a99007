package mapping_test

import (
	"errors"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine/mapping"
)

func TestRunnerRunsSnippetsInItsRuntime(t *testing.T) {
	vm := goja.New()
	mapping.ReadOnlyGlobal(vm, "who", "Ada")
	mapping.ReadOnlyGlobal(vm, "removeDiacritics", mapping.RemoveDiacritics(vm))
	r := mapping.NewRunner(vm, 0)
	assert.Equal(t, mapping.DefaultTimeLimit, r.Limit())

	tests := []struct {
		src, want string
	}{
		{"const a = who; let b = a + '!'; b", "Ada!"},
		{"var seen = typeof kept; var kept = 1; seen", "undefined"},
		{"if (who) return 'body'", "body"},
		{"removeDiacritics('Zoë Ørsted') + removeDiacritics(undefined) + removeDiacritics(7)", "Zoe Orsted7"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			sn, err := mapping.CompileSnippet("test", tt.src)
			require.NoError(t, err)
			for range 2 { // again in the same runtime: nothing is declared twice or kept
				v, err := r.Run(sn)
				require.NoError(t, err)
				assert.Equal(t, tt.want, v.String())
			}
		})
	}
}

func TestRunnerErrors(t *testing.T) {
	vm := goja.New()
	mapping.ReadOnlyGlobal(vm, "who", "Ada")
	r := mapping.NewRunner(vm, 20*time.Millisecond)

	_, err := mapping.CompileSnippet("name", "who +\n+")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "JavaScript: SyntaxError")
	assert.Contains(t, err.Error(), "Line 2:")

	sn, err := mapping.CompileSnippet("name", "who = 'Eve'")
	require.NoError(t, err)
	_, err = r.Run(sn)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "JavaScript error: TypeError")
	assert.False(t, errors.Is(err, mapping.ErrTimeout))

	sn, err = mapping.CompileSnippet("name", "while (true) {}")
	require.NoError(t, err)
	_, err = r.Run(sn)
	require.Error(t, err)
	assert.True(t, errors.Is(err, mapping.ErrTimeout))
	assert.Equal(t, "JavaScript took longer than 20ms and was stopped", err.Error())

	sn, err = mapping.CompileSnippet("name", "who")
	require.NoError(t, err)
	time.Sleep(40 * time.Millisecond)
	v, err := r.Run(sn)
	require.NoError(t, err, "the runtime works after a stop")
	assert.Equal(t, "Ada", v.String())
}
