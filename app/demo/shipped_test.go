package demo

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/assets"
)

// shippedDemoDir is assets/demo, relative to this package.
var shippedDemoDir = filepath.Join("..", "..", "assets", "demo")

// TestShippedDemoMatchesGenerator keeps the demo data embedded in the
// binary (assets/demo) equal to what the generator makes with the default
// options. After changing the generator, regenerate the files with
//
//	PROVISIO_UPDATE_DEMO=1 go test ./app/demo -run TestShippedDemoMatchesGenerator
//
// and commit them; then run the tests again, since the embedded copy is
// compiled in before the update.
func TestShippedDemoMatchesGenerator(t *testing.T) {
	opts := Options{Persons: DefaultPersons}
	if os.Getenv("PROVISIO_UPDATE_DEMO") != "" {
		sum, err := Generate(shippedDemoDir, opts)
		require.NoError(t, err)
		t.Logf("rewrote %s: %s", shippedDemoDir, sum)
		return
	}

	dir := t.TempDir()
	_, err := Generate(dir, opts)
	require.NoError(t, err)
	entries, err := fs.ReadDir(assets.Demo, "demo")
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{ConfigFile, ContractsFile, DepartmentsFile, PersonsFile, ADDirectoryFile, GoogleDirectoryFile}
	slices.Sort(want)
	require.Equal(t, want, names, "assets/demo holds exactly the generated files")

	const hint = "assets/demo/%s is not what the generator makes; regenerate it: PROVISIO_UPDATE_DEMO=1 go test ./app/demo -run TestShippedDemoMatchesGenerator"
	for _, name := range want {
		shipped, err := fs.ReadFile(assets.Demo, "demo/"+name)
		require.NoError(t, err)
		generated, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(generated, shipped), hint, name)
	}
}
