package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"provisio/app"
	"provisio/engine"
	"provisio/engine/enforce"
)

func (r *runner) targetsCmd() *cobra.Command {
	list := func(cmd *cobra.Command, _ []string) error {
		return r.withApp(func(a *app.App) error {
			cfg, err := a.Config(cmd.Context())
			if err != nil {
				return err
			}
			type row struct {
				engine.TargetSystem
				AccountsRead time.Time `json:"accountsRead,omitzero"`
				Accounts     int       `json:"accounts"`
			}
			var rows []row
			for _, t := range cfg.TargetSystems {
				at, accts, err := a.TargetAccounts(cmd.Context(), t.Key)
				if err != nil {
					return err
				}
				rows = append(rows, row{TargetSystem: t, AccountsRead: at, Accounts: len(accts)})
			}
			return r.emit(rows, func(w io.Writer) {
				fmt.Fprintln(w, "KEY\tNAME\tKIND\tSTATE\tPERMISSIONS\tACCOUNTS READ")
				for _, t := range rows {
					state := "enabled"
					if t.Disabled {
						state = "disabled"
					}
					read := "never"
					if !t.AccountsRead.IsZero() {
						read = fmt.Sprintf("%d on %s", t.Accounts, t.AccountsRead.Local().Format("2006-01-02 15:04"))
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", t.Key, t.Name, t.Kind, state, len(t.Permissions), read)
				}
			})
		})
	}
	cmd := &cobra.Command{Use: "targets", Short: "List target systems; test them, discover their permissions, read their accounts", Args: cobra.NoArgs, RunE: list}
	cmd.AddCommand(&cobra.Command{Use: "list", Short: "List target systems (the same as targets)", Args: cobra.NoArgs, RunE: list})
	cmd.AddCommand(&cobra.Command{
		Use: "test TARGET", Short: "Check that a target can be reached and used with its settings", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				if err := a.TestTarget(cmd.Context(), args[0]); err != nil {
					return err
				}
				return r.emit(map[string]any{"target": args[0], "ok": true}, func(w io.Writer) {
					fmt.Fprintf(w, "%s: the connection works\n", args[0])
				})
			})
		},
	})
	var save bool
	perms := &cobra.Command{
		Use: "permissions TARGET", Short: "List the permissions (groups) a target offers; --save adds them to its list", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				found, err := a.DiscoverPermissions(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				added := 0
				if save {
					if added, err = a.AddPermissions(cmd.Context(), args[0], found); err != nil {
						return err
					}
				}
				return r.emit(found, func(w io.Writer) {
					fmt.Fprintln(w, "ID\tNAME\tDESCRIPTION")
					for _, p := range found {
						fmt.Fprintf(w, "%s\t%s\t%s\n", p.ID, p.Name, p.Description)
					}
					if save {
						fmt.Fprintf(w, "%s added to %s's list\n", plural(added, "permission", "permissions"), args[0])
					}
				})
			})
		},
	}
	perms.Flags().BoolVar(&save, "save", false, "add the permissions found to the target's list")
	cmd.AddCommand(perms)
	cmd.AddCommand(&cobra.Command{
		Use: "read TARGET", Short: "Read a target's accounts, for correlation, unique names and the unlinked report", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				ctx, cancel := interruptible(cmd.Context())
				defer cancel()
				n, err := a.ReadTargetAccounts(ctx, args[0], func(n int) {
					if !r.json {
						r.info("%s: %d accounts read", args[0], n)
					}
				})
				if err != nil {
					return err
				}
				return r.emit(map[string]any{"target": args[0], "accounts": n}, func(w io.Writer) {
					fmt.Fprintf(w, "%s: %s read\n", args[0], plural(n, "account", "accounts"))
				})
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use: "unlinked TARGET", Short: "List the accounts (as last read) that no person is linked to", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				at, _, err := a.TargetAccounts(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if at.IsZero() {
					return engine.Errorf(engine.Invalid, "the accounts of %s were never read: run provisio targets read %s first", args[0], args[0])
				}
				list, err := a.Unlinked(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return r.emit(list, func(w io.Writer) {
					fmt.Fprintf(w, "%s: %s no person is linked to (read %s)\n", args[0], plural(len(list), "account", "accounts"), at.Local().Format("2006-01-02 15:04"))
					for _, acct := range list {
						state := "enabled"
						if !acct.Enabled {
							state = "disabled"
						}
						fmt.Fprintf(w, "%s\t%s\t%s\n", acct.Ref, state, attributesText(acct.Attributes))
					}
				})
			})
		},
	})
	return cmd
}

func attributesText(a engine.Attributes) string {
	var parts []string
	for _, k := range a.Names() {
		parts = append(parts, k+"="+strings.ReplaceAll(a[k], "\n", ","))
	}
	return strings.Join(parts, " ")
}

// enforceProgress prints a run's progress at most once a second.
func (r *runner) enforceProgress() func(enforce.Progress) {
	if r.json {
		return nil
	}
	var mu sync.Mutex
	var last time.Time
	return func(p enforce.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < time.Second && p.Done < p.Total {
			return
		}
		last = time.Now()
		r.info("enforcing: %d of %d actions (%s), %d failed", p.Done, p.Total, p.Target, p.Failed)
	}
}

func (r *runner) enforceCmd() *cobra.Command {
	var opts app.EnforceOptions
	var yes, approve bool
	cmd := &cobra.Command{
		Use:   "enforce",
		Short: "Apply an evaluation's plan to the target systems (the latest by default)",
		Long: "Writes the plan's actions to the target systems: accounts first, then access, then permissions.\n" +
			"Actions over a target's thresholds wait for approval (exit code 3) unless --approve-blocked.\n" +
			"Without --yes nothing is written; --dry-run checks every action with the targets and writes nothing.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withApp(func(a *app.App) error {
				ctx, cancel := interruptible(cmd.Context())
				defer cancel()
				if !yes && !opts.DryRun {
					e, err := a.Evaluation(ctx, opts.Evaluation)
					if err != nil {
						return err
					}
					return engine.Errorf(engine.Invalid, "this writes %s of evaluation %d to the target systems: add --yes to go ahead, or --dry-run to check them first",
						plural(len(e.Actions), "action", "actions"), e.ID)
				}
				run, err := a.Enforce(ctx, opts, r.enforceProgress())
				if err == nil && approve && run.Counts[engine.OutcomeBlocked] > 0 {
					run, err = a.DecideBlocked(ctx, run.ID, nil, true, r.enforceProgress())
				}
				if run == nil {
					return err
				}
				return r.runOutcome(run, err)
			})
		},
	}
	cmd.Flags().Uint64Var(&opts.Evaluation, "evaluation", 0, "the evaluation whose plan to apply (default: the latest of the rules in force)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "check every action with the targets, write nothing")
	cmd.Flags().BoolVar(&yes, "yes", false, "write to the targets without asking")
	cmd.Flags().BoolVar(&approve, "approve-blocked", false, "approve the actions thresholds hold back, and write them too")
	cmd.Flags().StringSliceVar(&opts.Targets, "target", nil, "only these targets (repeat or comma-separate)")
	return cmd
}

// runOutcome prints a run's figures and turns what waits for approval
// into a Blocked error (exit code 3).
func (r *runner) runOutcome(run *engine.EnforcementRun, err error) error {
	if e := r.emit(run, func(w io.Writer) { writeRun(w, run) }); e != nil {
		return e
	}
	if err != nil {
		return err
	}
	if n := run.Counts[engine.OutcomeBlocked]; n > 0 {
		return engine.Errorf(engine.Blocked, "%s of run %d wait for approval: provisio runs approve %d (or reject)", plural(n, "action", "actions"), run.ID, run.ID)
	}
	if n := run.Counts[engine.OutcomeFailed]; n > 0 {
		return engine.Errorf(engine.Unavailable, "%s of run %d failed: see provisio runs show %d; provisio runs retry %d tries them again", plural(n, "action", "actions"), run.ID, run.ID, run.ID)
	}
	return nil
}

func writeRun(w io.Writer, run *engine.EnforcementRun) {
	what := ""
	if run.DryRun {
		what = " (dry run: nothing was written)"
	}
	fmt.Fprintf(w, "run %d of evaluation %d%s: %s\n", run.ID, run.Evaluation, what, run.Status)
	var parts []string
	for _, o := range []engine.Outcome{engine.OutcomeDone, engine.OutcomeFailed, engine.OutcomeBlocked, engine.OutcomeRejected, engine.OutcomeSkipped, engine.OutcomeManual, engine.OutcomePending} {
		if n := run.Counts[o]; n > 0 {
			name := string(o)
			if o == engine.OutcomePending {
				name = "pending"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no actions")
	}
	fmt.Fprintf(w, "  %s\n", strings.Join(parts, ", "))
	for _, b := range run.Breaches {
		fmt.Fprintf(w, "  threshold: %s\n", b.Message)
	}
	if run.Message != "" {
		fmt.Fprintf(w, "  %s\n", run.Message)
	}
}

func (r *runner) runsCmd() *cobra.Command {
	list := func(cmd *cobra.Command, _ []string) error {
		return r.withApp(func(a *app.App) error {
			runs, err := a.Runs(cmd.Context())
			if err != nil {
				return err
			}
			return r.emit(runs, func(w io.Writer) {
				fmt.Fprintln(w, "ID\tSTARTED\tEVALUATION\tSTATUS\tDONE\tFAILED\tBLOCKED\tDRY RUN")
				for _, run := range runs {
					dry := "-"
					if run.DryRun {
						dry = "yes"
					}
					fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%d\t%d\t%d\t%s\n", run.ID, run.StartedAt.Local().Format("2006-01-02 15:04"), run.Evaluation, run.Status,
						run.Counts[engine.OutcomeDone], run.Counts[engine.OutcomeFailed], run.Counts[engine.OutcomeBlocked], dry)
				}
			})
		})
	}
	cmd := &cobra.Command{Use: "runs", Short: "List enforcement runs; show, resume, approve, reject or retry one", Args: cobra.NoArgs, RunE: list}
	cmd.AddCommand(&cobra.Command{Use: "list", Short: "List enforcement runs (the same as runs)", Args: cobra.NoArgs, RunE: list})
	var limit int
	var outcome string
	show := &cobra.Command{
		Use: "show ID", Short: "Show a run's actions and what became of each (ID 0 or latest: the newest)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := evaluationID(args[0])
			if err != nil {
				return err
			}
			return r.withApp(func(a *app.App) error {
				d, err := a.Run(cmd.Context(), id)
				if err != nil {
					return err
				}
				return r.emit(d, func(w io.Writer) {
					writeRun(w, &d.Run)
					fmt.Fprintln(w)
					shown := 0
					for i, res := range d.Results {
						if outcome != "" && string(res.Outcome) != outcome {
							continue
						}
						if limit > 0 && shown == limit {
							fmt.Fprintf(w, "… more (use --limit 0 for all)\n")
							break
						}
						shown++
						what := fmt.Sprintf("action %d", i)
						if i < len(d.Actions) {
							x := &d.Actions[i]
							what = fmt.Sprintf("%s\t%s (%s)\t%s", x.Op, x.PersonName, x.Person, x.Key)
						}
						state := string(res.Outcome)
						if state == "" {
							state = "pending"
						}
						fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", i, state, what, res.Error)
					}
				})
			})
		},
	}
	show.Flags().IntVar(&limit, "limit", 100, "show at most this many actions (0: all)")
	show.Flags().StringVar(&outcome, "outcome", "", "only actions with this outcome: done, failed, blocked, rejected, skipped, manual")
	cmd.AddCommand(show)
	cmd.AddCommand(&cobra.Command{
		Use: "resume ID", Short: "Finish a run that was cancelled or interrupted", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.onRun(cmd, args[0], func(ctx context.Context, a *app.App, id uint64) (*engine.EnforcementRun, error) {
				return a.ResumeRun(ctx, id, r.enforceProgress())
			})
		},
	})
	var actions []int
	for _, c := range []struct {
		use, short string
		fn         func(ctx context.Context, a *app.App, id uint64) (*engine.EnforcementRun, error)
	}{
		{"approve ID", "Approve the actions a threshold held back (all, or --action N...) and write them", func(ctx context.Context, a *app.App, id uint64) (*engine.EnforcementRun, error) {
			return a.DecideBlocked(ctx, id, nilIfEmpty(actions), true, r.enforceProgress())
		}},
		{"reject ID", "Reject the actions a threshold held back (all, or --action N...)", func(ctx context.Context, a *app.App, id uint64) (*engine.EnforcementRun, error) {
			return a.DecideBlocked(ctx, id, nilIfEmpty(actions), false, nil)
		}},
		{"retry ID", "Try a run's failed actions again (all, or --action N...)", func(ctx context.Context, a *app.App, id uint64) (*engine.EnforcementRun, error) {
			return a.RetryFailed(ctx, id, nilIfEmpty(actions), r.enforceProgress())
		}},
	} {
		sub := &cobra.Command{Use: c.use, Short: c.short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error { return r.onRun(cmd, args[0], c.fn) }}
		sub.Flags().IntSliceVar(&actions, "action", nil, "only these actions, by their number in runs show")
		cmd.AddCommand(sub)
	}
	return cmd
}

func nilIfEmpty(xs []int) []int {
	if len(xs) == 0 {
		return nil
	}
	return xs
}

func (r *runner) onRun(cmd *cobra.Command, arg string, fn func(ctx context.Context, a *app.App, id uint64) (*engine.EnforcementRun, error)) error {
	id, err := strconv.ParseUint(arg, 10, 64)
	if err != nil || id == 0 {
		return engine.Errorf(engine.Invalid, "expected a run number, got %q", arg)
	}
	return r.withApp(func(a *app.App) error {
		ctx, cancel := interruptible(cmd.Context())
		defer cancel()
		run, err := fn(ctx, a, id)
		if run == nil {
			return err
		}
		return r.runOutcome(run, err)
	})
}

func (r *runner) auditCmd() *cobra.Command {
	var f engine.AuditFilter
	var since, until, csvOut string
	var verify bool
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Search the audit log of everything written to the targets; --verify checks its hash chain",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if f.Since, err = auditTime(since, "--since"); err != nil {
				return err
			}
			if f.Until, err = auditTime(until, "--until"); err != nil {
				return err
			}
			if len(until) == len("2006-01-02") {
				f.Until = f.Until.AddDate(0, 0, 1) // the whole day
			}
			return r.withApp(func(a *app.App) error {
				if verify {
					n, err := a.VerifyAudit(cmd.Context())
					if err != nil {
						return err
					}
					return r.emit(map[string]any{"entries": n, "valid": true}, func(w io.Writer) {
						fmt.Fprintf(w, "the audit log is intact: %s checked\n", plural(n, "entry", "entries"))
					})
				}
				if csvOut != "" {
					if !cmd.Flags().Changed("limit") {
						f.Limit = 0 // an export is of every entry selected
					}
					var n int
					err := r.writeOut(csvOut, "audit log", func(w io.Writer) error {
						var err error
						n, err = a.ExportAuditCSV(cmd.Context(), f, w)
						return err
					})
					if err == nil && csvOut != "-" {
						r.info("%s written to %s", plural(n, "entry", "entries"), csvOut)
					}
					return err
				}
				entries, err := a.Audit(cmd.Context(), f)
				if err != nil {
					return err
				}
				return r.emit(entries, func(w io.Writer) {
					fmt.Fprintln(w, "SEQ\tTIME\tRUN\tPERSON\tTARGET\tOPERATION\tENTITLEMENT\tOUTCOME\tDETAIL")
					for _, e := range entries {
						detail := e.Error
						if len(e.Changes) > 0 && (detail == "" || e.Target == "") {
							var parts []string
							for _, c := range e.Changes {
								parts = append(parts, c.Attribute+"="+c.New)
							}
							sort.Strings(parts)
							detail = strings.TrimPrefix(detail+"; "+strings.Join(parts, " "), "; ")
						}
						key := e.Key.String()
						if e.Key.Target == "" { // a decision on a person or a configuration change
							key = ""
						}
						fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.At.Local().Format("2006-01-02 15:04:05"), e.Run,
							cmpOr(e.PersonName, e.Person), e.Target, e.Op, key, e.Outcome, detail)
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "entries from this day or time on (yyyy-mm-dd, or RFC 3339)")
	cmd.Flags().StringVar(&until, "until", "", "entries before the end of this day (yyyy-mm-dd) or this time")
	cmd.Flags().StringVar(&f.Person, "person", "", "only this person's entries (a person id such as hr:10042)")
	cmd.Flags().StringVar(&f.Target, "target", "", "only this target's entries")
	cmd.Flags().StringVar((*string)(&f.Op), "op", "", "only this operation: create, correlate, update, enable, disable, delete, grant, revoke, retire, reinstate; merge, unmerge, reject-suggestion, exclude, include; configure")
	cmd.Flags().StringVar((*string)(&f.Outcome), "outcome", "", "only done, failed, approved or rejected entries")
	cmd.Flags().Uint64Var(&f.Run, "run", 0, "only this run's entries")
	cmd.Flags().IntVar(&f.Limit, "limit", 100, "at most this many entries, newest first (0: all; with --csv all unless given)")
	cmd.Flags().BoolVar(&verify, "verify", false, "check the hash chain of the whole log")
	cmd.Flags().StringVar(&csvOut, "csv", "", "write the selected entries as CSV to this file (- for standard output)")
	return cmd
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// auditTime reads a day (local midnight) or an RFC 3339 time.
func auditTime(s, flag string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, engine.Errorf(engine.Invalid, "%s: expected a day like 2027-01-31 or a time like 2027-01-31T14:00:00+01:00, got %q", flag, s)
}
