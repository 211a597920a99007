// Package app is Provisio's composition root and the use-case API that the
// GUI and the command line call: open a workspace, configure source
// systems, run imports, browse snapshots and persons. It holds no GUI code.
package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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

	// run allows one pipeline run (import, evaluation, enforcement, a
	// scheduled run of all three) at a time; running says which.
	run     runLock
	running string
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

	// schedules are the scheduler and the schedule runs going (guarded by
	// mu; see schedules.go).
	schedules schedulesState
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
	if err := a.markScheduleRunsInterrupted(context.Background()); err != nil {
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
func (a *App) beginRun() (func(), error) { return a.beginRunAs("") }

// beginRunAs takes the pipeline lock for what (such as "an import"), or
// says what is running: a manual run fails fast rather than wait behind
// another, which could take hours.
func (a *App) beginRunAs(what string) (func(), error) {
	if !a.run.TryLock() {
		a.mu.Lock()
		busy := a.running
		a.mu.Unlock()
		if busy == "" {
			busy = "another run"
		}
		return nil, engine.Errorf(engine.Unavailable, "%s is in progress in this workspace; wait for it to finish or cancel it", capitalize(busy))
	}
	return a.ranAs(what), nil
}

// ranAs records what holds the pipeline lock and returns the function
// that lets it go.
func (a *App) ranAs(what string) func() {
	a.mu.Lock()
	a.running = what
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		a.running = ""
		a.mu.Unlock()
		a.run.Unlock()
	}
}

// waitRunAs takes the pipeline lock for what, waiting for the run that
// holds it (which it returns, "" when it did not wait), until ctx ends.
func (a *App) waitRunAs(ctx context.Context, what string, waiting func(behind string)) (func(), string, error) {
	if a.run.TryLock() {
		return a.ranAs(what), "", nil
	}
	a.mu.Lock()
	behind := a.running
	a.mu.Unlock()
	if behind == "" {
		behind = "another run"
	}
	if waiting != nil {
		waiting(behind)
	}
	if err := a.run.Lock(ctx); err != nil {
		return nil, behind, err
	}
	return a.ranAs(what), behind, nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// runLock is a mutex whose Lock can be given up: a scheduled run waits
// for the run ahead of it, but not past shutdown. Waiters get it in the
// order they came (a channel's senders queue), and TryLock never takes it
// from one: the release hands it straight to the first waiter.
type runLock struct {
	once sync.Once
	ch   chan struct{}
}

func (l *runLock) c() chan struct{} {
	l.once.Do(func() { l.ch = make(chan struct{}, 1) })
	return l.ch
}

// TryLock takes the lock if it is free.
func (l *runLock) TryLock() bool {
	select {
	case l.c() <- struct{}{}:
		return true
	default:
		return false
	}
}

// Lock waits for the lock until ctx ends.
func (l *runLock) Lock(ctx context.Context) error {
	select {
	case l.c() <- struct{}{}:
		return nil
	case <-ctx.Done():
		return engine.Errorf(engine.Canceled, "cancelled while waiting for the run in progress")
	}
}

// Unlock lets the lock go.
func (l *runLock) Unlock() { <-l.c() }

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
