package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"provisio/app"
	"provisio/app/scheduler"
	"provisio/engine"
)

// scheduleFlags are the settings of `schedule add` and `schedule edit`.
type scheduleFlags struct {
	name       string
	sources    []string
	evaluate   bool
	enforce    string
	cron       string
	daily      string
	everyHours int
	minute     int
	zone       string
	paused     bool
}

func (f *scheduleFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "the schedule's name")
	fl.StringSliceVar(&f.sources, "source", nil, "a source system to import, by key; repeat (or separate with commas) for several, imported in that order")
	fl.BoolVar(&f.evaluate, "evaluate", true, "evaluate the rules after the imports")
	fl.StringVar(&f.enforce, "enforce", "never", "enforce the plan: never, unblocked (only if no threshold blocked an import or actions) or always")
	fl.StringVar(&f.cron, "cron", "", `when it runs, as a cron expression: minute hour day-of-month month day-of-week ("0 6 * * 1-5")`)
	fl.StringVar(&f.daily, "daily", "", "when it runs: every day at HH:MM")
	fl.IntVar(&f.everyHours, "every-hours", 0, "when it runs: every N hours (1 to 23) from midnight")
	fl.IntVar(&f.minute, "minute", 0, "with --every-hours: the minute past the hour")
	fl.StringVar(&f.zone, "zone", "", `the time zone of its times, such as "Europe/Amsterdam" (default this machine's)`)
	fl.BoolVar(&f.paused, "paused", false, "the schedule is paused: it runs only when run by hand")
}

// apply sets the flags given on the command line on s.
func (f *scheduleFlags) apply(cmd *cobra.Command, s *engine.Schedule) error {
	changed := cmd.Flags().Changed
	if changed("name") {
		s.Name = f.name
	}
	if changed("source") {
		s.Sources = nil
		for _, k := range f.sources {
			if k = strings.TrimSpace(k); k != "" {
				s.Sources = append(s.Sources, k)
			}
		}
	}
	if changed("evaluate") {
		s.Evaluate = f.evaluate
	}
	if changed("enforce") {
		switch f.enforce {
		case "never", "":
			s.Enforce = engine.EnforceNever
		case string(engine.EnforceUnblocked), string(engine.EnforceAlways):
			s.Enforce = engine.EnforceMode(f.enforce)
		default:
			return engine.Errorf(engine.Invalid, "--enforce: %q is not an enforce mode; expected never, unblocked or always", f.enforce)
		}
	}
	forms := 0
	for _, name := range []string{"cron", "daily", "every-hours"} {
		if changed(name) {
			forms++
		}
	}
	switch {
	case forms > 1:
		return engine.Errorf(engine.Invalid, "give one of --cron, --daily and --every-hours")
	case changed("cron"):
		s.Cron, s.Every = f.cron, nil
	case changed("daily"):
		s.Cron, s.Every = "", &engine.Every{At: f.daily}
	case changed("every-hours"):
		s.Cron, s.Every = "", &engine.Every{Hours: f.everyHours, Minute: f.minute}
	case changed("minute"):
		if s.Every == nil || s.Every.Hours == 0 {
			return engine.Errorf(engine.Invalid, "--minute goes with --every-hours")
		}
		s.Every = &engine.Every{Hours: s.Every.Hours, Minute: f.minute}
	}
	if changed("zone") {
		s.TimeZone = f.zone
	}
	if changed("paused") {
		s.Paused = f.paused
	}
	return nil
}

func (r *runner) scheduleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "List, add, edit, run, pause and resume schedules, and see their history",
		Long: "A schedule imports source systems in order, evaluates, and optionally enforces, at the\n" +
			"times it gives (a cron expression, or every day at HH:MM, or every N hours) in its time\n" +
			"zone. The GUI and `provisio daemon` run the schedules; see docs/SCHEDULES.md.",
	}
	list := func(cmd *cobra.Command, _ []string) error {
		return r.withApp(func(a *app.App) error {
			all, err := a.Schedules(cmd.Context())
			if err != nil {
				return err
			}
			if all == nil {
				all = []app.ScheduleInfo{}
			}
			return r.emit(all, func(w io.Writer) {
				if len(all) == 0 {
					fmt.Fprintln(w, "There are no schedules: add one with `provisio schedule add`.")
					return
				}
				fmt.Fprintln(w, "ID\tNAME\tWHEN\tSTEPS\tNEXT RUN\tLAST RUN")
				for i := range all {
					s := &all[i]
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Name, s.Timing, strings.Join(app.ScheduleSteps(&s.Schedule), "; "), nextRunText(s), lastRunText(s.LastRun))
				}
			})
		})
	}
	cmd.RunE = list
	cmd.AddCommand(&cobra.Command{Use: "list", Short: "List the schedules with their next and last run", Args: cobra.NoArgs, RunE: list})

	cmd.AddCommand(&cobra.Command{
		Use: "show SCHEDULE", Short: "Show a schedule (by id or name) and its latest runs", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				s, err := a.FindSchedule(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				runs, err := a.ScheduleRuns(cmd.Context(), s.ID, 10)
				if err != nil {
					return err
				}
				out := struct {
					*app.ScheduleInfo
					Runs []engine.ScheduleRun `json:"runs"`
				}{s, runs}
				return r.emit(out, func(w io.Writer) {
					fmt.Fprintf(w, "Schedule:\t%s (%s)\n", s.Name, s.ID)
					fmt.Fprintf(w, "When:\t%s\n", s.Timing)
					fmt.Fprintf(w, "Steps:\t%s\n", strings.Join(app.ScheduleSteps(&s.Schedule), "; "))
					fmt.Fprintf(w, "Next run:\t%s\n", nextRunText(s))
					if s.Problem != "" {
						fmt.Fprintf(w, "Problem:\t%s\n", s.Problem)
					}
					if len(runs) > 0 {
						fmt.Fprintln(w)
						writeRuns(w, runs)
					}
				})
			})
		},
	})

	var add scheduleFlags
	addCmd := &cobra.Command{
		Use:   "add --name NAME (--cron EXPR | --daily HH:MM | --every-hours N) [flags]",
		Short: "Add a schedule",
		Example: "  provisio schedule add --name Nightly --source hr --daily 06:00 --zone Europe/Amsterdam --enforce unblocked\n" +
			`  provisio schedule add --name "Weekdays" --source hr,payroll --cron "30 7 * * 1-5"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withApp(func(a *app.App) error {
				s := engine.Schedule{Evaluate: true}
				if err := add.apply(cmd, &s); err != nil {
					return err
				}
				saved, err := a.SaveSchedule(cmd.Context(), s)
				if err != nil {
					return err
				}
				return r.showSaved(cmd.Context(), a, saved.ID, "added")
			})
		},
	}
	add.register(addCmd)
	cmd.AddCommand(addCmd)

	var edit scheduleFlags
	editCmd := &cobra.Command{
		Use:   "edit SCHEDULE [flags]",
		Short: "Change a schedule: only the settings given change",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				info, err := a.FindSchedule(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				s := info.Schedule
				if err := edit.apply(cmd, &s); err != nil {
					return err
				}
				if _, err := a.SaveSchedule(cmd.Context(), s); err != nil {
					return err
				}
				return r.showSaved(cmd.Context(), a, s.ID, "changed")
			})
		},
	}
	edit.register(editCmd)
	cmd.AddCommand(editCmd)

	cmd.AddCommand(&cobra.Command{
		Use: "delete SCHEDULE", Short: "Delete a schedule (its history is kept)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				s, err := a.FindSchedule(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if err := a.DeleteSchedule(cmd.Context(), s.ID); err != nil {
					return err
				}
				return r.emit(map[string]any{"deleted": s.ID}, func(w io.Writer) {
					fmt.Fprintf(w, "schedule %s deleted\n", s.ID)
				})
			})
		},
	})

	cmd.AddCommand(&cobra.Command{
		Use:   "run SCHEDULE",
		Short: "Run a schedule now, here (it waits for a run in progress); Ctrl-C cancels",
		Long: "Runs the schedule's imports, evaluation and enforcement now, in this process, and\n" +
			"records the run in its history. The exit code is 0 when it succeeded, 3 when a\n" +
			"threshold blocked an import or actions, 1 when it failed.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				ctx, cancel := interruptible(cmd.Context())
				defer cancel()
				run, err := a.RunSchedule(ctx, args[0])
				if err != nil {
					return err
				}
				if err := r.emit(run, func(w io.Writer) { writeRuns(w, []engine.ScheduleRun{*run}) }); err != nil {
					return err
				}
				return runError(run)
			})
		},
	})

	var all bool
	pause := func(paused bool) *cobra.Command {
		verb := map[bool]string{true: "pause", false: "resume"}[paused]
		c := &cobra.Command{
			Use:   verb + " [SCHEDULE...|--all]",
			Short: map[bool]string{true: "Pause schedules: they run only when run by hand", false: "Resume paused schedules"}[paused],
			RunE: func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 && !all {
					return engine.Errorf(engine.Invalid, "name the schedules to %s, or give --all", verb)
				}
				if len(args) > 0 && all {
					return engine.Errorf(engine.Invalid, "give schedules or --all, not both")
				}
				return r.withApp(func(a *app.App) error {
					changed, err := a.PauseSchedules(cmd.Context(), args, paused)
					if err != nil {
						return err
					}
					if changed == nil {
						changed = []string{}
					}
					return r.emit(map[string]any{verb + "d": changed}, func(w io.Writer) {
						if len(changed) == 0 {
							fmt.Fprintf(w, "nothing to %s\n", verb)
							return
						}
						fmt.Fprintf(w, "%sd: %s\n", verb, strings.Join(changed, ", "))
					})
				})
			},
		}
		c.Flags().BoolVar(&all, "all", false, verb+" every schedule")
		return c
	}
	cmd.AddCommand(pause(true), pause(false))

	var limit int
	history := &cobra.Command{
		Use: "history [SCHEDULE]", Short: "List the runs of a schedule (of all schedules without one), newest first", Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				id := ""
				if len(args) == 1 {
					s, err := a.FindSchedule(cmd.Context(), args[0])
					if err != nil {
						return err
					}
					id = s.ID
				}
				runs, err := a.ScheduleRuns(cmd.Context(), id, limit)
				if err != nil {
					return err
				}
				if runs == nil {
					runs = []engine.ScheduleRun{}
				}
				return r.emit(runs, func(w io.Writer) {
					if len(runs) == 0 {
						fmt.Fprintln(w, "No runs yet.")
						return
					}
					writeRuns(w, runs)
				})
			})
		},
	}
	history.Flags().IntVar(&limit, "limit", 20, "at most this many runs (0: all)")
	cmd.AddCommand(history)

	cmd.AddCommand(&cobra.Command{
		Use: "acknowledge RUN...", Aliases: []string{"ack"}, Short: "Mark missed, failed, blocked or interrupted runs as seen, by run id", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ids []uint64
			for _, s := range args {
				id, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 10, 64)
				if err != nil {
					return engine.Errorf(engine.Invalid, "%q is not a run id; expected a number from `provisio schedule history`", s)
				}
				ids = append(ids, id)
			}
			return r.withApp(func(a *app.App) error {
				if err := a.AcknowledgeScheduleRuns(cmd.Context(), ids...); err != nil {
					return err
				}
				return r.emit(map[string]any{"acknowledged": ids}, func(w io.Writer) {
					fmt.Fprintf(w, "acknowledged %s\n", strings.Join(args, ", "))
				})
			})
		},
	})
	return cmd
}

// showSaved shows a schedule after it was added or changed.
func (r *runner) showSaved(ctx context.Context, a *app.App, id, what string) error {
	s, err := a.FindSchedule(ctx, id)
	if err != nil {
		return err
	}
	return r.emit(s, func(w io.Writer) {
		fmt.Fprintf(w, "schedule %s %s: %s; %s; next run %s\n", s.ID, what, s.Timing, strings.Join(app.ScheduleSteps(&s.Schedule), "; "), nextRunText(s))
	})
}

// runError is the error a finished run's outcome gives the command: a
// Blocked error (exit code 3) for a blocked run, any other for a failed,
// cancelled or interrupted one.
func runError(run *engine.ScheduleRun) error {
	switch run.Outcome {
	case engine.ScheduleSucceeded:
		return nil
	case engine.ScheduleBlocked:
		return engine.Errorf(engine.Blocked, "schedule %q: %s", run.Name, run.Message)
	case engine.ScheduleCanceled:
		return engine.Errorf(engine.Canceled, "schedule %q was cancelled: %s", run.Name, run.Message)
	default:
		return engine.Errorf(engine.Internal, "schedule %q %s: %s", run.Name, run.Outcome, run.Message)
	}
}

// nextRunText is when a schedule runs next, in its own time zone.
func nextRunText(s *app.ScheduleInfo) string {
	switch {
	case s.Problem != "":
		return "cannot run: see problem"
	case s.Paused:
		return "paused"
	case s.NextRun.IsZero():
		return "never"
	}
	return inZone(s.NextRun, s.TimeZone)
}

func inZone(t time.Time, zone string) string {
	if loc, err := scheduler.Location(zone); err == nil {
		t = t.In(loc)
	}
	return t.Format("2006-01-02 15:04 MST")
}

func lastRunText(r *engine.ScheduleRun) string {
	if r == nil {
		return "never"
	}
	return fmt.Sprintf("%s %s", r.DueAt.Local().Format("2006-01-02 15:04"), r.Outcome)
}

// writeRuns writes schedule runs as a table, with what each made.
func writeRuns(w io.Writer, runs []engine.ScheduleRun) {
	fmt.Fprintln(w, "RUN\tSCHEDULE\tDUE\tOUTCOME\tIMPORTS\tEVALUATION\tENFORCEMENT\tSUMMARY")
	for i := range runs {
		x := &runs[i]
		outcome := string(x.Outcome)
		if x.Manual {
			outcome += " (run now)"
		}
		if x.Queued {
			outcome += " (queued)"
		}
		if x.Acknowledged {
			outcome += " (seen)"
		}
		var imports []string
		for _, id := range x.Imports {
			imports = append(imports, "#"+strconv.FormatUint(id, 10))
		}
		summary := app.ScheduleRunSummary(x)
		if x.Message != "" {
			summary = x.Message
			if x.Outcome == engine.ScheduleSucceeded {
				summary = app.ScheduleRunSummary(x) + "; " + x.Message
			}
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.Name, x.DueAt.Local().Format("2006-01-02 15:04"), outcome,
			dash(strings.Join(imports, " ")), idText(x.Evaluation), idText(x.Enforcement), summary)
	}
}

func idText(id uint64) string {
	if id == 0 {
		return "-"
	}
	return "#" + strconv.FormatUint(id, 10)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (r *runner) daemonCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "daemon",
		Short: "Run the schedules headless until interrupted (SIGINT or SIGTERM), logging each run",
		Long: "Runs the workspace's schedules without a window, for a machine without a desktop: each\n" +
			"enabled schedule runs when due, one run at a time; runs missed while no Provisio ran are\n" +
			"recorded on start. Each run is logged to standard error. Stop it with Ctrl-C or SIGTERM:\n" +
			"a run going is cancelled and recorded as interrupted.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withApp(func(a *app.App) error {
				ctx, cancel := interruptible(cmd.Context())
				defer cancel()
				if r.env.Notifier != nil { // the desktop's notifications, over D-Bus, when there is one
					a.SetNotifier(r.env.Notifier)
				}
				// lifecycle notices now and hourly, stopped before the workspace closes
				defer a.StartLifecycleNotices(app.LifecycleNoticeInterval)()
				var mu sync.Mutex
				logRun := func(run engine.ScheduleRun) {
					mu.Lock()
					defer mu.Unlock()
					r.info("%s %s", a.Clock().Now().Format(time.RFC3339), runLogLine(&run))
				}
				// starting is quick, and not cut short by a signal that
				// came meanwhile: that stops the daemon once started
				setup := context.WithoutCancel(ctx)
				stop, err := a.StartScheduler(setup, app.SchedulerOptions{OnRun: logRun})
				if err != nil {
					return err
				}
				all, err := a.Schedules(setup)
				if err != nil {
					stop()
					return err
				}
				r.info("provisio daemon: %s in %s", plural(len(all), "schedule", "schedules"), a.Dir())
				for i := range all {
					r.info("  %s (%s): %s, next run %s", all[i].Name, all[i].ID, all[i].Timing, nextRunText(&all[i]))
				}
				<-ctx.Done()
				r.info("provisio daemon: stopping")
				return stop()
			})
		},
	}
}

// runLogLine is the daemon's log line for a change to a run.
func runLogLine(x *engine.ScheduleRun) string {
	head := fmt.Sprintf("schedule %q run %d", x.Name, x.ID)
	switch x.Outcome {
	case engine.ScheduleWaiting:
		return fmt.Sprintf("%s: due %s, %s", head, x.DueAt.Format("15:04"), x.Message)
	case engine.ScheduleRunning:
		return fmt.Sprintf("%s: started (due %s)", head, x.DueAt.Format("15:04"))
	case engine.ScheduleSucceeded:
		return fmt.Sprintf("%s: succeeded: %s", head, app.ScheduleRunSummary(x))
	case engine.ScheduleMissed:
		return fmt.Sprintf("%s: missed %s: %s", head, plural(x.Missed, "run", "runs"), x.Message)
	default:
		return fmt.Sprintf("%s: %s: %s (%s)", head, x.Outcome, x.Message, app.ScheduleRunSummary(x))
	}
}
