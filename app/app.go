// Package app is Provisio's composition root and the use-case API that the
// GUI and the command line call: open a workspace, configure source
// systems, run imports, browse snapshots and persons. It holds no GUI code.
package app

import (
	"context"
	"os"
	"path/filepath"
	"sync"

	"provisio/app/boltstore"
	"provisio/connectors"
	"provisio/engine"
	"provisio/engine/importing"
)

// EnvWorkspace names the environment variable that selects the workspace.
const EnvWorkspace = "PROVISIO_WORKSPACE"

// DefaultWorkspace returns the workspace folder to use when none is given:
// $PROVISIO_WORKSPACE, else "provisio/workspace" in the user's
// configuration folder.
func DefaultWorkspace() string {
	if d := os.Getenv(EnvWorkspace); d != "" {
		return d
	}
	base, err := os.UserConfigDir()
	if err != nil {
		base = "."
	}
	return filepath.Join(base, "provisio", "workspace")
}

// Options configure an App.
type Options struct {
	// Clock defaults to the system clock.
	Clock engine.Clock
	// Secrets resolves secret references; nil means none can be resolved.
	Secrets engine.Secrets
}

// App is an open workspace.
type App struct {
	dir      string
	store    engine.Store
	bolt     *boltstore.Store
	closer   func() error
	secrets  engine.Secrets
	clock    engine.Clock
	importer *importing.Importer

	// run allows one pipeline run (import, later evaluation and
	// enforcement) at a time.
	run sync.Mutex
	// aggMu serialises aggregation decisions.
	aggMu sync.Mutex
	// config serialises changes to the configuration, so that two edits
	// (from two screens, say) never overwrite each other.
	config sync.Mutex

	mu       sync.Mutex
	notifier Notifier
	agg      *engine.Aggregation // the aggregation state, read once
	persons  *PersonList         // cache for the latest snapshot
	gen      uint64              // counts invalidations, so a stale build is not cached
	// building serialises builds of the persons list: a second caller
	// waits for the first and takes its result.
	building sync.Mutex

	// people caches the latest snapshot's persons for rules.
	peopleMu sync.Mutex
	people   *people
}

// OpenExisting opens the workspace in folder dir, which must exist: a
// mistyped folder is an error rather than a new, empty workspace.
func OpenExisting(dir string, opts Options) (*App, error) {
	if _, err := os.Stat(filepath.Join(dir, boltstore.FileName)); err != nil {
		return nil, engine.Errorf(engine.NotFound, "there is no workspace in %s: make one with `provisio --workspace %s demo` or `provisio --workspace %s config import FILE`, or open it with `provisio --workspace %s`", dir, dir, dir, dir)
	}
	return Open(dir, opts)
}

// Open opens the workspace in folder dir, creating it when needed.
func Open(dir string, opts Options) (*App, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, engine.Wrap(engine.Invalid, err, "workspace %s", dir)
	}
	st, err := boltstore.Open(abs)
	if err != nil {
		return nil, err
	}
	a := &App{dir: abs, store: st, bolt: st, closer: st.Close, secrets: opts.Secrets, clock: opts.Clock}
	if a.clock == nil {
		a.clock = engine.SystemClock{}
	}
	if a.secrets == nil {
		a.secrets = noSecrets{}
	}
	a.importer = &importing.Importer{Store: st, Clock: a.clock}
	if err := a.markInterrupted(context.Background()); err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

// StoreUsage reports how much room the workspace store takes.
func (a *App) StoreUsage() (boltstore.Usage, error) { return a.bolt.Usage() }

// Close closes the workspace.
func (a *App) Close() error { return a.closer() }

// Dir returns the workspace folder.
func (a *App) Dir() string { return a.dir }

// Clock returns the app's clock.
func (a *App) Clock() engine.Clock { return a.clock }

// Today returns the current date.
func (a *App) Today() engine.Date { return engine.Today(a.clock) }

// SourceKinds returns the source connector kinds, for forms.
func (a *App) SourceKinds() []engine.SourceKind { return connectors.Sources() }

func (a *App) env() engine.ConnectorEnv {
	return engine.ConnectorEnv{BaseDir: a.dir, Secrets: a.secrets}
}

// connector makes the connector of a source system.
func (a *App) connector(src *engine.SourceSystem) (engine.SourceConnector, error) {
	kind, ok := connectors.Source(src.Kind)
	if !ok {
		return nil, engine.Errorf(engine.Invalid, "source system %q: there is no connector of kind %q", src.Name, src.Kind)
	}
	if err := engine.CheckSettings(kind.Settings, src.Settings); err != nil {
		return nil, engine.Errorf(engine.Invalid, "source system %q: %v", src.Name, err)
	}
	c, err := kind.New(src.Settings, a.env())
	if err != nil {
		return nil, engine.Errorf(engine.Invalid, "source system %q: %v", src.Name, err)
	}
	return c, nil
}

// beginRun takes the pipeline lock, or says what is running.
func (a *App) beginRun() (func(), error) {
	if !a.run.TryLock() {
		return nil, engine.Errorf(engine.Unavailable, "another run is in progress in this workspace; wait for it to finish or cancel it")
	}
	return a.run.Unlock, nil
}

// Invalidate drops the caches built from the latest snapshot, so they are
// rebuilt on next use.
func (a *App) Invalidate() { a.invalidate() }

// invalidate drops caches after the latest snapshot changed.
func (a *App) invalidate() {
	a.mu.Lock()
	a.persons = nil
	a.gen++
	a.mu.Unlock()
	a.peopleMu.Lock()
	a.people = nil
	a.peopleMu.Unlock()
}

type noSecrets struct{}

func (noSecrets) Get(ref string) (string, error) {
	return "", engine.Errorf(engine.Unavailable, "no keychain is configured, so secret %q cannot be read", ref)
}
func (noSecrets) Set(ref, _ string) error {
	return engine.Errorf(engine.Unavailable, "no keychain is configured, so secret %q cannot be stored", ref)
}
func (noSecrets) Delete(ref string) error { return nil }
