package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"provisio/app"
	"provisio/app/demo"
	"provisio/engine"
	"provisio/engine/importing"
)

func (r *runner) demoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Create a ready demo workspace (a few hundred persons from a demo HR export)",
		Long: "Creates a demo workspace in the workspace folder, which must be empty: demo HR files in\n" +
			"its demo-data folder, a source system for them, target systems and business rules,\n" +
			"a first import and a first evaluation.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withNewApp(func(a *app.App) error {
				ctx, cancel := interruptible(cmd.Context())
				defer cancel()
				outcomes, err := a.CreateDemo(ctx, r.progress())
				if err != nil && !app.IsBlocked(err) {
					return err
				}
				if err == nil { // a first evaluation of the demo rules
					info, err := a.Evaluate(ctx, app.EvaluateOptions{}, r.evalProgress())
					if err != nil {
						return err
					}
					r.info("evaluation %d: %d actions for the demo rules", info.ID, info.Actions)
				}
				r.info("demo workspace ready in %s", a.Dir())
				return r.outcomes(outcomes, err)
			})
		},
	}
	var opts demo.Options
	var out, asOf string
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Write deterministic, realistic HR export files and a config.json at any scale",
		Long: "Writes departments.csv, persons.csv, contracts.csv and config.json into --out.\n" +
			"`provisio config import DIR/config.json` followed by `provisio import` imports them.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return engine.Errorf(engine.Invalid, "--out is required: the folder to write the files to")
			}
			if opts.Persons <= 0 {
				return engine.Errorf(engine.Invalid, "--persons must be at least 1, got %d", opts.Persons)
			}
			if asOf != "" {
				d, err := engine.ParseISODate(asOf)
				if err != nil {
					return engine.Errorf(engine.Invalid, "--as-of: %v", err)
				}
				opts.AsOf = d
			}
			start := time.Now()
			sum, err := demo.Generate(out, opts)
			if err != nil {
				return err
			}
			return r.emit(sum, func(w io.Writer) {
				fmt.Fprintf(w, "wrote %d persons with %d contracts and %d departments to %s in %s\n", sum.Persons, sum.Contracts, sum.Departments, out, time.Since(start).Round(time.Millisecond))
				fmt.Fprintf(w, "import them with: provisio --workspace DIR config import %s && provisio --workspace DIR import\n", filepath.Join(out, "config.json"))
			})
		},
	}
	gen.Flags().IntVar(&opts.Persons, "persons", 1000, "number of persons")
	gen.Flags().StringVar(&out, "out", "", "folder to write the files to")
	gen.Flags().Uint64Var(&opts.Seed, "seed", 0, "random seed (0: the default seed)")
	gen.Flags().IntVar(&opts.TwoContractsPercent, "two-contracts", 25, "percentage of persons with two contracts")
	gen.Flags().StringVar(&asOf, "as-of", "", "the date hires, leavers and future hires are relative to (yyyy-mm-dd; default 2027-01-01)")
	cmd.AddCommand(gen)
	return cmd
}

// writeOut writes what write makes to standard output when out is empty or
// "-", else to the file out: whole, or (on an error) not at all, so an
// export that fails never leaves a cut-off file in place of a good one.
func (r *runner) writeOut(out, what string, write func(io.Writer) error) error {
	if out == "" || out == "-" {
		return write(r.out())
	}
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) { // not the temporary file's name
			err = pe.Err
		}
		return engine.Wrap(engine.Invalid, err, "write the %s to %s", what, out)
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return engine.Wrap(engine.Invalid, err, "write the %s to %s", what, out)
	}
	if err := os.Rename(f.Name(), out); err != nil {
		os.Remove(f.Name())
		return engine.Wrap(engine.Invalid, err, "write the %s to %s", what, out)
	}
	return nil
}

func (r *runner) configCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Export or import the workspace configuration (JSON)"}
	var out string
	export := &cobra.Command{
		Use:   "export",
		Short: "Write the configuration as JSON (secrets only as references)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withApp(func(a *app.App) error {
				return r.writeOut(out, "configuration", func(w io.Writer) error { return a.ExportConfig(cmd.Context(), w) })
			})
		},
	}
	export.Flags().StringVar(&out, "out", "", "file to write (default standard output)")
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Replace the configuration with the one in FILE; relative paths are relative to FILE's folder",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return engine.Wrap(engine.Invalid, err, "read configuration")
			}
			defer f.Close()
			dir, _ := filepath.Abs(filepath.Dir(args[0]))
			return r.withNewApp(func(a *app.App) error {
				cfg, err := a.ImportConfig(cmd.Context(), f, args[0], dir)
				if err != nil {
					return err
				}
				return r.emit(cfg, func(w io.Writer) {
					fmt.Fprintf(w, "imported the configuration from %s: %s, %s\n", args[0], count(len(cfg.SourceSystems), "source system"), count(len(cfg.Schema.PersonFields)+len(cfg.Schema.ContractFields), "custom field"))
				})
			})
		},
	}
	cmd.AddCommand(export, imp)
	return cmd
}

// progress prints an import's progress on standard error, at most once a
// second and at every change of phase.
func (r *runner) progress() func(importing.Progress) {
	if r.json {
		return nil
	}
	var mu sync.Mutex
	var last time.Time
	var lastPhase importing.Phase
	return func(p importing.Progress) {
		mu.Lock()
		defer mu.Unlock()
		finished := (p.Phase == importing.PhaseWriting || p.Phase == importing.PhaseAggregating) && p.Total > 0 && p.Done >= p.Total
		if p.Phase == lastPhase && time.Since(last) < time.Second && !finished {
			return
		}
		last, lastPhase = time.Now(), p.Phase
		r.info("%s: %s %3.0f%%", p.Source, p.Phase, p.Fraction()*100)
	}
}

func (r *runner) importCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import [SOURCE...]",
		Short: "Import source systems (all enabled ones by default) into a new snapshot",
		Long: "Reads each source system, maps its records into persons and makes a new snapshot.\n" +
			"When a threshold is exceeded the import waits for approval and the exit code is 3.",
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				ctx, cancel := interruptible(cmd.Context())
				defer cancel()
				outcomes, err := a.RunImport(ctx, args, r.progress())
				return r.outcomes(outcomes, err)
			})
		},
	}
	var note string
	decide := func(use, short string, approve bool) *cobra.Command {
		c := &cobra.Command{
			Use:   use + " ID",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				id, err := parseID(args[0], "import")
				if err != nil {
					return err
				}
				return r.withApp(func(a *app.App) error {
					if approve {
						run, snap, err := a.ApproveImport(cmd.Context(), id, note)
						if err != nil {
							return err
						}
						return r.emit(app.ImportOutcome{Run: run, Snapshot: snap}, func(w io.Writer) {
							fmt.Fprintf(w, "import %d approved: snapshot %d has %d persons\n", run.ID, snap.Number, snap.Persons)
						})
					}
					run, err := a.RejectImport(cmd.Context(), id, note)
					if err != nil {
						return err
					}
					return r.emit(run, func(w io.Writer) { fmt.Fprintf(w, "import %d rejected: nothing changed\n", run.ID) })
				})
			},
		}
		c.Flags().StringVar(&note, "note", "", "why, for the record")
		return c
	}
	cmd.AddCommand(decide("approve", "Approve a pending import: its persons become a new snapshot", true),
		decide("reject", "Reject a pending import: nothing changes", false))
	return cmd
}

// outcomes prints import outcomes, with their first problems, and passes
// err on.
func (r *runner) outcomes(outcomes []app.ImportOutcome, err error) error {
	return r.printOutcomes(outcomes, 5, err)
}

// printOutcomes prints import outcomes with at most shown problems each.
func (r *runner) printOutcomes(outcomes []app.ImportOutcome, shown int, err error) error {
	if len(outcomes) == 0 {
		return err
	}
	if r.json {
		if e := r.emit(outcomes, nil); e != nil {
			return e
		}
		return err
	}
	w := r.out()
	for _, o := range outcomes {
		run := o.Run
		if run == nil {
			continue
		}
		c := run.Counts
		fmt.Fprintf(w, "import %d of %s: %s", run.ID, run.Source, run.Status)
		switch {
		case o.Snapshot != nil:
			fmt.Fprintf(w, ", snapshot %d", o.Snapshot.Number)
		case run.Snapshot > 0:
			fmt.Fprintf(w, ", snapshot %d", run.Snapshot)
		}
		fmt.Fprintln(w)
		if run.Status == engine.ImportFailed || run.Status == engine.ImportCanceled {
			fmt.Fprintf(w, "  %s\n", run.Message)
			continue
		}
		fmt.Fprintf(w, "  %d records, %d persons, %d contracts, %d departments\n", c.Records, c.Persons, c.Contracts, c.Departments)
		fmt.Fprintf(w, "  added %d, removed %d, changed %d, unchanged %d; blocked %d (%d newly), excluded %d\n", c.Added, c.Removed, c.Changed, c.Unchanged, c.Blocked, c.NewlyBlocked, c.Excluded)
		if c.Kept > 0 {
			fmt.Fprintf(w, "  kept %s as they were: a row of theirs could not be read\n", plural(c.Kept, "person", "persons"))
		}
		for _, b := range run.Breaches {
			fmt.Fprintf(w, "  threshold exceeded: %s\n", b)
		}
		if run.Status == engine.ImportPending {
			fmt.Fprintf(w, "  waiting for a decision: provisio import approve %d  |  provisio import reject %d\n", run.ID, run.ID)
		}
		if c.Errors > 0 {
			fmt.Fprintf(w, "  %s in the data:\n", plural(c.Errors, "problem", "problems"))
			for i, e := range run.Errors {
				if i == shown {
					fmt.Fprintf(w, "    … see them all with: provisio imports show %d\n", run.ID)
					break
				}
				fmt.Fprintf(w, "    %s\n", e.Error())
			}
			if len(run.Errors) <= shown && c.Errors > len(run.Errors) {
				fmt.Fprintf(w, "    (%d more not kept)\n", c.Errors-len(run.Errors))
			}
		}
	}
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func parseID(s, what string) (uint64, error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id == 0 {
		return 0, engine.Errorf(engine.Invalid, "%q is not a valid %s number (expected a whole number from 1)", s, what)
	}
	return id, nil
}

func (r *runner) importsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "imports",
		Short: "List imports, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withApp(func(a *app.App) error {
				runs, err := a.Imports(cmd.Context())
				if err != nil {
					return err
				}
				return r.emit(runs, func(w io.Writer) {
					fmt.Fprintln(w, "ID\tSOURCE\tSTARTED\tSTATUS\tPERSONS\tADDED\tREMOVED\tCHANGED\tBLOCKED\tERRORS\tSNAPSHOT")
					for _, run := range runs {
						c := run.Counts
						snap := "-"
						if run.Snapshot > 0 {
							snap = strconv.FormatUint(run.Snapshot, 10)
						}
						fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", run.ID, run.Source, run.StartedAt.Format("2006-01-02 15:04"), run.Status, c.Persons, c.Added, c.Removed, c.Changed, c.Blocked, c.Errors, snap)
					}
				})
			})
		},
	}
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one import with every problem found in the data",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0], "import")
			if err != nil {
				return err
			}
			return r.withApp(func(a *app.App) error {
				run, err := a.Import(cmd.Context(), id)
				if err != nil {
					return err
				}
				if r.json {
					return r.emit(run, nil)
				}
				if err := r.printOutcomes([]app.ImportOutcome{{Run: run}}, len(run.Errors), nil); err != nil {
					return err
				}
				if run.Message != "" && run.Status != engine.ImportFailed {
					fmt.Fprintf(r.out(), "  note: %s\n", run.Message)
				}
				return nil
			})
		},
	}
	cmd.AddCommand(show)
	return cmd
}

func (r *runner) snapshotsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshots",
		Short: "List snapshots, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withApp(func(a *app.App) error {
				snaps, err := a.Snapshots(cmd.Context())
				if err != nil {
					return err
				}
				return r.emit(snaps, func(w io.Writer) {
					fmt.Fprintln(w, "NUMBER\tCREATED\tBY IMPORT\tPERSONS\tCONTRACTS\tDEPARTMENTS\tBLOCKED\tADDED\tREMOVED\tCHANGED")
					for _, s := range snaps {
						fmt.Fprintf(w, "%d\t%s\t%d (%s)\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", s.Number, s.CreatedAt.Format("2006-01-02 15:04"), s.ImportID, s.Source, s.Persons, s.Contracts, s.Departments, s.Blocked, s.Added, s.Removed, s.Changed)
					}
				})
			})
		},
	}
	var person string
	diff := &cobra.Command{
		Use:   "diff A B",
		Short: "Show the persons added, removed and changed from snapshot A (0: empty) to B (--person: field by field)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var from uint64 // 0: before the first snapshot
			if args[0] != "0" {
				f, err := parseID(args[0], "snapshot")
				if err != nil {
					return err
				}
				from = f
			}
			to, err := parseID(args[1], "snapshot")
			if err != nil {
				return err
			}
			return r.withApp(func(a *app.App) error {
				if person != "" {
					pc, err := a.DiffPerson(cmd.Context(), from, to, person)
					if err != nil {
						return err
					}
					return r.emit(pc, func(w io.Writer) {
						fmt.Fprintf(w, "%s from snapshot %d to %d: %d changes\n", person, from, to, len(pc.Changes))
						fmt.Fprintln(w, "FIELD\tOLD\tNEW")
						for _, c := range pc.Changes {
							fmt.Fprintf(w, "%s\t%s\t%s\n", c.Path, orDash(c.Old), orDash(c.New))
						}
					})
				}
				d, err := a.DiffSnapshots(cmd.Context(), from, to)
				if err != nil {
					return err
				}
				return r.emit(d, func(w io.Writer) {
					fmt.Fprintf(w, "snapshot %d → %d: %d added, %d removed, %d changed\n", from, to, len(d.Added), len(d.Removed), len(d.Changed))
					for _, group := range []struct {
						sign    string
						entries []app.DiffEntry
					}{{"+", d.Added}, {"-", d.Removed}, {"~", d.Changed}} {
						for _, e := range group.entries {
							fmt.Fprintf(w, "%s\t%s\t%s\n", group.sign, e.ID, e.DisplayName)
						}
					}
				})
			})
		},
	}
	diff.Flags().StringVar(&person, "person", "", "show one person's changes field by field")
	cmd.AddCommand(diff)
	return cmd
}

// count says "1 thing" or "n things".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (r *runner) personsCmd() *cobra.Command {
	var search, status string
	var limit int
	cmd := &cobra.Command{
		Use:   "persons",
		Short: "List the persons of the latest snapshot (--search, --status)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st := engine.Status(strings.ToLower(status))
			if st != "" && !validStatus(st) {
				return engine.Errorf(engine.Invalid, "--status %q: expected one of %s", status, statusNames())
			}
			return r.withApp(func(a *app.App) error {
				list, err := a.Persons(cmd.Context())
				if err != nil {
					return err
				}
				hits := list.Filter(app.PersonFilter{Query: search, Status: st})
				shown := hits
				if limit > 0 && len(shown) > limit {
					shown = shown[:limit]
				}
				out := make([]app.PersonSummary, len(shown))
				for i, k := range shown {
					out[i] = list.Persons[k]
				}
				if list.Snapshot == 0 {
					r.info("there is no snapshot yet: import a source system first (provisio import)")
				}
				if r.json && len(out) < len(hits) {
					r.info("%d of %d matching persons written; use --limit 0 for all", len(out), len(hits))
				}
				return r.emit(out, func(w io.Writer) {
					fmt.Fprintln(w, "ID\tNAME\tSTATUS\tDEPARTMENT\tTITLE\tE-MAIL")
					for _, p := range out {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.DisplayName, p.Status, p.Department, p.Title, p.Email)
					}
					fmt.Fprintf(w, "%d of %d matching persons shown (%d in snapshot %d)\n", len(out), len(hits), len(list.Persons), list.Snapshot)
				})
			})
		},
	}
	cmd.Flags().StringVar(&search, "search", "", "words to find in name, external id, e-mail, department or title")
	cmd.Flags().StringVar(&status, "status", "", "only persons with this status: "+statusNames())
	cmd.Flags().IntVar(&limit, "limit", 50, "show at most this many (0: all)")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one person: fields, contracts, department and manager",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				d, err := a.Person(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return r.emit(d, func(w io.Writer) { writePerson(w, d) })
			})
		},
	}
	var reason string
	exclude := &cobra.Command{
		Use:   "exclude ID --reason TEXT",
		Short: "Exclude a person: they keep what they have, nothing is granted or revoked until they are included",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				if err := a.Exclude(cmd.Context(), args[0], reason); err != nil {
					return err
				}
				r.info("%s is excluded: %s", args[0], strings.TrimSpace(reason))
				return nil
			})
		},
	}
	exclude.Flags().StringVar(&reason, "reason", "", "why (required; shown on the person and kept in the audit log)")
	include := &cobra.Command{
		Use:   "include ID",
		Short: "Include a person excluded by hand; the next evaluation catches up on what changed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				if err := a.Include(cmd.Context(), args[0]); err != nil {
					return err
				}
				r.info("%s is included again; evaluate to see what they get", args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(show, exclude, include)
	return cmd
}

func writePerson(w io.Writer, d *app.PersonDetail) {
	p := d.Person
	fmt.Fprintf(w, "%s\t(%s, %s)\n", p.DisplayName, p.ID, d.Status)
	if p.Exclusion != "" {
		fmt.Fprintf(w, "  excluded\t%s\n", p.Exclusion)
	}
	if len(p.MergedFrom) > 0 {
		fmt.Fprintf(w, "  merged from\t%s\n", strings.Join(p.MergedFrom, ", "))
	}
	for _, f := range d.Fields {
		fmt.Fprintf(w, "  %s\t%s\n", f.Path, f.Value)
	}
	if len(d.DepartmentPath) > 0 {
		fmt.Fprintf(w, "  department\t%s\n", strings.Join(d.DepartmentPath, " › "))
	}
	switch {
	case d.Manager != nil:
		fmt.Fprintf(w, "  manager\t%s (%s)\n", d.Manager.DisplayName, d.Manager.ID)
	case d.ManagerExternalID != "":
		fmt.Fprintf(w, "  manager\t%s (not a person in this workspace)\n", d.ManagerExternalID)
	}
	fmt.Fprintf(w, "contracts:\n")
	fmt.Fprintln(w, "  \tID\tSTATE\tSTART\tEND\tDEPARTMENT\tTITLE\tFTE")
	for _, c := range d.Contracts {
		mark := ""
		if c.Primary {
			mark = "primary"
		}
		if c.From != "" {
			mark = strings.TrimSpace(mark + " from " + c.From)
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", mark, c.ExternalID, c.State, orDash(c.StartDate.String()), orDash(c.EndDate.String()), c.Department.Label(), c.Title.Label(), orDash(c.Details.Fte.String()))
	}
	for _, is := range p.Issues {
		kind := "warning"
		if is.Blocking {
			kind = "blocking"
		}
		fmt.Fprintf(w, "  %s:\t%s\n", kind, is.Message)
	}
}

func validStatus(s engine.Status) bool {
	for _, x := range engine.Statuses {
		if x == s {
			return true
		}
	}
	return false
}

func statusNames() string {
	var names []string
	for _, s := range engine.Statuses {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}
