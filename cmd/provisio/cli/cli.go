// Package cli is Provisio's command line: the same engine as the GUI, for
// automation, tests and benchmarks. Run parses the arguments and returns
// the process's exit code.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"provisio/app"
	"provisio/engine"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitBlocked = 3 // a threshold blocked the run until an administrator decides
)

// GUI starts the graphical application on a workspace; screen optionally
// names the screen to open on.
type GUI func(workspace, screen string) error

// Env is what the command line runs with; tests replace its parts.
type Env struct {
	Stdout, Stderr io.Writer
	Options        app.Options
	GUI            GUI
	// Notifier shows desktop notifications for the headless commands
	// that send them (provisio notifications test|check, provisio
	// daemon); nil sends none.
	Notifier app.Notifier
}

// Reported marks an error the GUI already showed and wrote to standard
// error: Run returns its exit code without repeating it.
func Reported(err error) error { return reportedError{err} }

type reportedError struct{ error }

func (e reportedError) Unwrap() error { return e.error }

type runner struct {
	env       Env
	workspace string
	json      bool
}

// Run runs the command line with args (without the program name).
func Run(ctx context.Context, args []string, env Env) int {
	r := &runner{env: env}
	root := r.root()
	root.SetArgs(args)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	var reported reportedError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &reported):
		return ExitError
	case app.IsBlocked(err):
		fmt.Fprintln(env.Stderr, "blocked:", err)
		return ExitBlocked
	default:
		fmt.Fprintln(env.Stderr, "error:", err)
		return ExitError
	}
}

func (r *runner) root() *cobra.Command {
	var screen string
	root := &cobra.Command{
		Use:   "provisio",
		Short: "Provisio: identity lifecycle provisioning for administrators",
		Long: "Provisio imports personnel data from HR sources, builds persons with their contracts and\n" +
			"keeps their accounts and entitlements in target systems in line with business rules.\n\n" +
			"Without a command it opens the application window.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if r.env.GUI == nil {
				return engine.Errorf(engine.Invalid, "this build of Provisio has no graphical interface; use a command (see provisio --help)")
			}
			return r.env.GUI(r.workspaceDir(), screen)
		},
	}
	root.PersistentFlags().StringVar(&r.workspace, "workspace", "", "workspace folder (default $"+app.EnvWorkspace+", else the per-user configuration folder)")
	root.PersistentFlags().BoolVar(&r.json, "json", false, "write machine-readable JSON")
	root.Flags().StringVar(&screen, "screen", "", "open the window on this screen: dashboard, sources, imports, persons, aggregation, targets, rules, evaluation, enforcement, schedules, audit, settings, or the views source-editor, snapshots and rule-editor")
	root.AddCommand(r.demoCmd(), r.configCmd(), r.importCmd(), r.importsCmd(), r.snapshotsCmd(), r.personsCmd(),
		r.rulesCmd(), r.evaluateCmd(), r.evaluationsCmd(), r.explainCmd(), r.targetsCmd(), r.enforceCmd(), r.runsCmd(), r.auditCmd(),
		r.aggregationCmd(), r.notificationsCmd(), r.scheduleCmd(), r.daemonCmd())
	return root
}

func (r *runner) workspaceDir() string {
	if r.workspace != "" {
		return r.workspace
	}
	return app.DefaultWorkspace()
}

// open opens the workspace for a command, which must exist.
func (r *runner) open() (*app.App, error) {
	return app.OpenExisting(r.workspaceDir(), r.env.Options)
}

// withApp runs fn on the open workspace and closes it.
func (r *runner) withApp(fn func(a *app.App) error) error {
	a, err := r.open()
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

// withNewApp is withApp for commands that may create the workspace.
func (r *runner) withNewApp(fn func(a *app.App) error) error {
	a, err := app.Open(r.workspaceDir(), r.env.Options)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

func (r *runner) out() io.Writer { return r.env.Stdout }

// emit writes v as JSON with --json, else calls text.
func (r *runner) emit(v any, text func(w io.Writer)) error {
	if r.json {
		enc := json.NewEncoder(r.out())
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(r.out(), 0, 4, 2, ' ', 0)
	text(tw)
	return tw.Flush()
}

func (r *runner) info(format string, args ...any) {
	fmt.Fprintf(r.env.Stderr, format+"\n", args...)
}

// interruptible returns a context that is cancelled on Ctrl-C.
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	return signalContext(ctx, os.Interrupt, syscall.SIGTERM)
}
