package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"provisio/app"
	"provisio/engine"
	"provisio/engine/rules"
)

func (r *runner) rulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List, show, export, import and publish business rules",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withApp(func(a *app.App) error {
				list, err := a.RuleSummaries(cmd.Context())
				if err != nil {
					return err
				}
				return r.emit(list, func(w io.Writer) {
					fmt.Fprintln(w, "ID\tNAME\tSTATE\tCATEGORIES\tMATCHED")
					for _, x := range list {
						matched := "-"
						if x.Matched >= 0 {
							matched = strconv.Itoa(x.Matched)
						}
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", x.ID, x.Name, x.State, strings.Join(x.Categories, ", "), matched)
					}
				})
			})
		},
	}
	list := &cobra.Command{Use: "list", Short: "List the rules (the same as rules)", Args: cobra.NoArgs, RunE: cmd.RunE}
	show := &cobra.Command{
		Use:   "show RULE",
		Short: "Show a rule (by id or name): its published version and its draft",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				rule, err := a.Rule(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return r.emit(rule, func(w io.Writer) { writeRule(w, rule) })
			})
		},
	}
	var out string
	export := &cobra.Command{
		Use:   "export",
		Short: "Write every rule as JSON (see docs/RULES.md)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withApp(func(a *app.App) error {
				return r.writeOut(out, "rules", func(w io.Writer) error { return a.ExportRules(cmd.Context(), w) })
			})
		},
	}
	export.Flags().StringVar(&out, "out", "", "file to write (default standard output)")
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Add the rules of FILE, replacing rules with the same id; everything is checked first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return engine.Wrap(engine.Invalid, err, "read rules")
			}
			defer f.Close()
			return r.withApp(func(a *app.App) error {
				n, err := a.ImportRules(cmd.Context(), f, args[0])
				if err != nil {
					return err
				}
				return r.emit(map[string]int{"imported": n}, func(w io.Writer) {
					fmt.Fprintf(w, "imported %s from %s\n", plural(n, "rule", "rules"), args[0])
				})
			})
		},
	}
	publish := &cobra.Command{
		Use:   "publish RULE...",
		Short: "Put the drafts of rules in force",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				for _, id := range args {
					if err := a.PublishRule(cmd.Context(), id); err != nil {
						return err
					}
					r.info("published %s", id)
				}
				return nil
			})
		},
	}
	cmd.AddCommand(list, show, export, imp, publish)
	return cmd
}

func writeRule(w io.Writer, rule *engine.Rule) {
	fmt.Fprintf(w, "%s\t%s (%s)\n", rule.ID, rule.Name(), rule.State())
	for _, v := range []struct {
		title string
		body  *engine.RuleBody
	}{{"published", rule.Published}, {"draft", rule.Draft}} {
		b := v.body
		if b == nil {
			continue
		}
		fmt.Fprintf(w, "%s version:\n", v.title)
		if b.Description != "" {
			fmt.Fprintf(w, "  %s\n", b.Description)
		}
		if len(b.Categories) > 0 {
			fmt.Fprintf(w, "  categories\t%s\n", strings.Join(b.Categories, ", "))
		}
		fmt.Fprintf(w, "  persons\t%s\n", statusText(b.Status, b.Timeframe))
		if b.PersonConditions != nil {
			fmt.Fprintf(w, "  person conditions\t%s\n", rules.ConditionText(*b.PersonConditions))
		}
		if b.ContractConditions != nil {
			fmt.Fprintf(w, "  contract conditions\t%s\n", rules.ConditionText(*b.ContractConditions))
		}
		for _, e := range b.Entitlements {
			what := e.Kind.Label()
			switch {
			case e.Template != "":
				what += " " + e.Template + " (one per in-conditions contract)"
			case e.Permission != "":
				what += " " + e.Permission
			case e.Name != "":
				what += " " + e.Name
			}
			fmt.Fprintf(w, "  grants\t%s: %s\n", e.Target, what)
		}
	}
}

// statusText says which persons a rule version considers. The timeframe
// only matters for active and inactive persons: a rule for any person
// tests every contract whatever its dates.
func statusText(status engine.PersonStatusFilter, t engine.Timeframe) string {
	window := fmt.Sprintf("active from %d days before its start to %d days after its end", t.DaysBefore, t.DaysAfter)
	switch status {
	case engine.RuleActive:
		return "active: with a contract " + window
	case engine.RuleInactive:
		return "inactive: without a contract " + window
	default:
		return fmt.Sprintf("%s, active or not", status)
	}
}

func parseAsOf(s string) (engine.Date, error) {
	if s == "" || s == "today" {
		return 0, nil
	}
	d, err := engine.ParseISODate(s)
	if err != nil {
		return 0, engine.Errorf(engine.Invalid, "--as-of: %v", err)
	}
	return d, nil
}

func (r *runner) evaluateCmd() *cobra.Command {
	var asOf string
	var drafts bool
	cmd := &cobra.Command{
		Use:   "evaluate",
		Short: "Compare what the rules want with what is granted and store the plan (writes nothing to targets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := parseAsOf(asOf)
			if err != nil {
				return err
			}
			return r.withApp(func(a *app.App) error {
				ctx, cancel := interruptible(cmd.Context())
				defer cancel()
				info, err := a.Evaluate(ctx, app.EvaluateOptions{AsOf: d, WithDrafts: drafts}, r.evalProgress())
				if err != nil {
					return err
				}
				return r.emit(info, func(w io.Writer) { writeEvaluationInfo(w, info) })
			})
		},
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "the reference date (yyyy-mm-dd; default today)")
	cmd.Flags().BoolVar(&drafts, "with-drafts", false, "what-if: evaluate the rules' drafts instead of their published versions")
	return cmd
}

func (r *runner) evalProgress() func(done, total int) {
	if r.json {
		return nil
	}
	last := -1
	return func(done, total int) {
		if total == 0 {
			return
		}
		pct := done * 100 / total
		if pct/25 != last/25 || done == total {
			last = pct
			r.info("evaluating: %3d%%", pct)
		}
	}
}

// skippedUntil says what ends a person's being passed over.
func skippedUntil(st engine.Status) string {
	if st == engine.StatusExcluded {
		return "they are included again"
	}
	return "their data is fixed"
}

func writeEvaluationInfo(w io.Writer, e *engine.EvaluationInfo) {
	what := ""
	if e.WithDrafts {
		what = " (what-if: with draft rules)"
	}
	if e.WhatIf != "" {
		what = fmt.Sprintf(" (what-if: rule %q as edited)", e.WhatIf)
	}
	fmt.Fprintf(w, "evaluation %d%s: snapshot %d as of %s, rules version %d\n", e.ID, what, e.Snapshot, e.AsOf, e.RulesVersion)
	fmt.Fprintf(w, "  %d persons: %d evaluated, %d blocked, %d excluded; %s in %s\n", e.Persons, e.Evaluated, e.Blocked, e.Excluded, plural(e.Actions, "action", "actions"), e.Duration.Round(1e6))
	if len(e.DisabledTargets) > 0 {
		fmt.Fprintf(w, "  left out, as disabled: %s\n", strings.Join(e.DisabledTargets, ", "))
	}
	if len(e.Summary) > 0 {
		fmt.Fprintln(w, "  TARGET\tKIND\tGRANT\tREVOKE")
		for _, s := range e.Summary {
			fmt.Fprintf(w, "  %s\t%s\t%d\t%d\n", s.Target, s.Kind.Label(), s.Grants, s.Revokes)
		}
	}
}

func (r *runner) evaluationsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "evaluations",
		Short: "List evaluations, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withApp(func(a *app.App) error {
				list, err := a.Evaluations(cmd.Context())
				if err != nil {
					return err
				}
				return r.emit(list, func(w io.Writer) {
					fmt.Fprintln(w, "ID\tCREATED\tAS OF\tSNAPSHOT\tRULES\tWHAT-IF\tPERSONS\tACTIONS")
					for _, e := range list {
						whatIf := "-"
						if e.WithDrafts {
							whatIf = "drafts"
						}
						if e.WhatIf != "" {
							whatIf = e.WhatIf
						}
						fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%d\t%s\t%d\t%d\n", e.ID, e.CreatedAt.Format("2006-01-02 15:04"), e.AsOf, e.Snapshot, e.RulesVersion, whatIf, e.Persons, e.Actions)
					}
				})
			})
		},
	}
	list := &cobra.Command{Use: "list", Short: "List evaluations (the same as evaluations)", Args: cobra.NoArgs, RunE: cmd.RunE}
	var limit int
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show an evaluation's plan: every action with its reasons (ID 0 or latest: the newest)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := evaluationID(args[0])
			if err != nil {
				return err
			}
			return r.withApp(func(a *app.App) error {
				e, err := a.Evaluation(cmd.Context(), id)
				if err != nil {
					return err
				}
				return r.emit(e, func(w io.Writer) {
					writeEvaluationInfo(w, &e.EvaluationInfo)
					if e.Pruned {
						fmt.Fprintln(w, "  (an old evaluation: only its figures are kept)")
					}
					if len(e.Actions) > 0 {
						// a line without cells ends the summary table, whose
						// columns would otherwise stretch to the actions'
						fmt.Fprintln(w)
					}
					for i, x := range e.Actions {
						if limit > 0 && i == limit {
							fmt.Fprintf(w, "… %d more (use --limit 0 for all)\n", len(e.Actions)-limit)
							break
						}
						writeAction(w, &x)
					}
					for _, n := range e.Notes {
						fmt.Fprintf(w, "note\t%s: %s\n", n.Person, n.Message)
					}
					for _, sk := range e.Skipped {
						fmt.Fprintf(w, "skipped\t%s (%s)\t%s: no actions until %s\n", sk.Name, sk.Person, sk.Status, skippedUntil(sk.Status))
					}
				})
			})
		},
	}
	show.Flags().IntVar(&limit, "limit", 100, "show at most this many actions (0: all)")
	diff := &cobra.Command{
		Use:   "diff A B",
		Short: "Show the actions in B's plan that were not in A's (+) and the other way round (-)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			from, err := evaluationID(args[0])
			if err != nil {
				return err
			}
			to, err := evaluationID(args[1])
			if err != nil {
				return err
			}
			return r.withApp(func(a *app.App) error {
				d, err := a.DiffEvaluations(cmd.Context(), from, to)
				if err != nil {
					return err
				}
				return r.emit(d, func(w io.Writer) {
					fmt.Fprintf(w, "evaluation %d → %d: %d actions added, %d removed\n", d.From, d.To, len(d.Added), len(d.Removed))
					for _, x := range d.Added {
						fmt.Fprint(w, "+ ")
						writeAction(w, &x)
					}
					for _, x := range d.Removed {
						fmt.Fprint(w, "- ")
						writeAction(w, &x)
					}
				})
			})
		},
	}
	cmd.AddCommand(list, show, diff)
	return cmd
}

func evaluationID(s string) (uint64, error) {
	if s == "latest" || s == "0" {
		return 0, nil
	}
	return parseID(s, "evaluation")
}

func writeAction(w io.Writer, x *engine.Action) {
	var why []string
	for _, r := range x.Reasons {
		part := ""
		if r.RuleName != "" {
			part = fmt.Sprintf("rule %q", r.RuleName)
		}
		if len(r.Contracts) > 0 {
			part += " on contract " + strings.Join(r.Contracts, ", ")
		}
		if r.Why != "" {
			if part != "" {
				part += ": "
			}
			part += r.Why
		}
		why = append(why, part)
	}
	fmt.Fprintf(w, "%s\t%s (%s)\t%s\t%s\n", x.Verb(), x.PersonName, x.Person, x.Key, strings.Join(why, "; "))
}

func (r *runner) explainCmd() *cobra.Command {
	var target, what, asOf string
	var drafts bool
	cmd := &cobra.Command{
		Use:   "explain PERSON",
		Short: "Explain why a person has (or does not have) entitlements: every rule, down to the failing condition",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := parseAsOf(asOf)
			if err != nil {
				return err
			}
			return r.withApp(func(a *app.App) error {
				ex, err := a.Explain(cmd.Context(), args[0], target, what, app.EvaluateOptions{AsOf: d, WithDrafts: drafts})
				if err != nil {
					return err
				}
				return r.emit(ex, func(w io.Writer) { writeExplanation(w, ex) })
			})
		},
	}
	cmd.Flags().StringVar(&target, "target", "", "only entitlements in this target system")
	cmd.Flags().StringVar(&what, "entitlement", "", "only this entitlement: account, access, or a permission's id")
	cmd.Flags().StringVar(&asOf, "as-of", "", "the reference date (yyyy-mm-dd; default today)")
	cmd.Flags().BoolVar(&drafts, "with-drafts", false, "use the rules' drafts")
	return cmd
}

func writeExplanation(w io.Writer, ex *app.Explanation) {
	subject := "entitlements"
	if ex.What != "" {
		subject = ex.What
	}
	if ex.Target != "" {
		subject += " in " + ex.Target
	}
	fmt.Fprintf(w, "%s (%s), %s, as of %s\n", ex.Person.DisplayName, ex.Person.ID, subject, ex.AsOf)
	switch {
	case ex.Skipped != "":
		fmt.Fprintf(w, "  %s: Provisio grants and revokes nothing for this person\n", ex.Skipped)
	case ex.Granted:
		var keys []string
		for _, k := range ex.Wanted {
			keys = append(keys, k.String())
		}
		fmt.Fprintf(w, "  wanted: %s\n", strings.Join(keys, ", "))
	case len(ex.Withheld) == 0:
		fmt.Fprintln(w, "  not wanted: no rule that could give it holds")
	}
	if ex.Skipped == "" {
		for _, e := range ex.Withheld {
			var names []string
			for _, r := range e.Rules {
				names = append(names, strconv.Quote(r.RuleName))
			}
			fmt.Fprintf(w, "  withheld: %s, given by rule %s: %s\n", e.Key, strings.Join(names, " and "), e.Withheld)
		}
	}
	if len(ex.Rules) == 0 {
		fmt.Fprintln(w, "  no rule could give it")
	}
	for _, x := range ex.Rules {
		mark := "does not hold"
		if x.Holds {
			mark = "holds"
		}
		fmt.Fprintf(w, "  rule %q %s: %s\n", x.Name, mark, x.Summary)
		if x.Person != nil {
			writeTrace(w, x.Person, "    ")
		}
		for _, c := range x.Contracts {
			switch {
			case !c.Tested:
				fmt.Fprintf(w, "    contract %s: not active within the rule's timeframe\n", c.Contract)
			case c.Trace != nil:
				fmt.Fprintf(w, "    contract %s:\n", c.Contract)
				writeTrace(w, c.Trace, "      ")
			}
		}
	}
	for _, le := range ex.Ledger {
		state := "granted"
		if le.Unmanaged {
			state = "granted, unmanaged"
		}
		fmt.Fprintf(w, "  ledger: %s (%s)\n", le.Key, state)
	}
}

func writeTrace(w io.Writer, t *rules.Trace, indent string) {
	mark := "✗"
	if t.Holds {
		mark = "✓"
	}
	line := fmt.Sprintf("%s%s %s", indent, mark, t.Text)
	if t.Actual != "" {
		line += fmt.Sprintf(" (value: %s)", t.Actual)
	}
	fmt.Fprintln(w, line)
	for _, k := range t.Children {
		writeTrace(w, k, indent+"  ")
	}
}
