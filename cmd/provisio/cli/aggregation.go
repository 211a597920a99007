package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"provisio/app"
	"provisio/engine"
)

func (r *runner) aggregationCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "aggregation",
		Short: "Duplicate persons: suggestions, merges, rejections (list, show, scan, merge, reject, unmerge)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return r.listAggregation(cmd) },
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the suggestions of the latest scan, the merges and the rejected pairs",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return r.listAggregation(cmd) },
	}
	show := &cobra.Command{
		Use:   "show PERSON PERSON",
		Short: "Show two persons side by side, field by field",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				c, err := a.Compare(cmd.Context(), args[0], args[1])
				if err != nil {
					return err
				}
				return r.emit(c, func(w io.Writer) {
					if c.Score > 0 {
						fmt.Fprintf(w, "suggested, score %.3f\n", c.Score)
					}
					fmt.Fprintf(w, "FIELD\t%s\t%s\t\n", c.A.ID, c.B.ID)
					for _, f := range c.Fields {
						mark := "≠"
						if f.Same {
							mark = ""
						}
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", f.Label, orDash(f.A), orDash(f.B), mark)
					}
					fmt.Fprintf(w, "contracts\t%s\t%s\t\n", strings.Join(c.AContracts, "; "), strings.Join(c.BContracts, "; "))
					fmt.Fprintf(w, "entitlements\t%d\t%d\t\n", c.AEntitlements, c.BEntitlements)
				})
			})
		},
	}
	var entitlements, note string
	merge := &cobra.Command{
		Use:   "merge MAIN PERSON...",
		Short: "Merge persons into MAIN: their contracts move to MAIN (--entitlements transfer|unmanaged)",
		Long: "Merge persons into the main person, who keeps their fields; the contracts of the others move to it.\n" +
			"--entitlements transfer moves the others' entitlements to the main person, target by target, where the main\n" +
			"person has nothing in that target (the rest stay where they are, unmanaged); --entitlements unmanaged leaves\n" +
			"them all where they are, no longer managed. The decision holds across imports until `aggregation unmerge`.",
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if entitlements == "" {
				return engine.Errorf(engine.Invalid, "say what happens to the entitlements of %s: --entitlements transfer (move them to %s) or --entitlements unmanaged (leave them, no longer managed)", strings.Join(args[1:], ", "), args[0])
			}
			return r.withApp(func(a *app.App) error {
				m, err := a.Merge(cmd.Context(), app.MergeRequest{Main: args[0], Members: args[1:], Entitlements: engine.EntitlementHandling(entitlements), Note: note})
				if err != nil {
					return err
				}
				return r.emit(m, func(w io.Writer) {
					fmt.Fprintf(w, "merge %d: %s merged into %s\n", m.ID, strings.Join(m.Members, ", "), m.Main)
					for _, mv := range m.Moved {
						what := "left with " + mv.From + ", unmanaged"
						if mv.Transferred {
							what = "transferred to " + m.Main
						}
						fmt.Fprintf(w, "  %s\t%s\t%s\n", mv.From, mv.Key, what)
					}
				})
			})
		},
	}
	merge.Flags().StringVar(&entitlements, "entitlements", "", "what happens to the others' entitlements: transfer or unmanaged (required)")
	merge.Flags().StringVar(&note, "note", "", "why, for the audit log")
	reject := &cobra.Command{
		Use:   "reject PERSON PERSON",
		Short: "Remember that two persons are not the same human: they are not suggested again",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				if err := a.RejectSuggestion(cmd.Context(), args[0], args[1], note); err != nil {
					return err
				}
				r.info("%s and %s are not the same human; they will not be suggested again", args[0], args[1])
				return nil
			})
		},
	}
	reject.Flags().StringVar(&note, "note", "", "why, for the audit log")
	unmerge := &cobra.Command{
		Use:   "unmerge MERGE|PERSON",
		Short: "Undo a merge: the persons and their entitlements are as before",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withApp(func(a *app.App) error {
				m, err := a.Unmerge(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				r.info("merge %d undone: %s and %s are persons of their own again", m.ID, m.Main, strings.Join(m.Members, ", "))
				return nil
			})
		},
	}
	scan := &cobra.Command{
		Use:   "scan",
		Short: "Compare the latest snapshot's persons now and replace the suggestions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withApp(func(a *app.App) error {
				if _, err := a.ScanAggregation(cmd.Context(), r.progress()); err != nil {
					return err
				}
				return r.writeAggregation(cmd, a)
			})
		},
	}
	cmd.AddCommand(list, show, scan, merge, reject, unmerge)
	return cmd
}

func (r *runner) listAggregation(cmd *cobra.Command) error {
	return r.withApp(func(a *app.App) error { return r.writeAggregation(cmd, a) })
}

func (r *runner) writeAggregation(cmd *cobra.Command, a *app.App) error {
	o, err := a.AggregationOverview(cmd.Context())
	if err != nil {
		return err
	}
	return r.emit(o, func(w io.Writer) {
		if o.ScannedAt.IsZero() {
			fmt.Fprintln(w, "no scan yet: suggestions are made after each import")
		} else {
			fmt.Fprintf(w, "scanned %s: %d persons, %d pairs compared (snapshot %d)\n", o.ScannedAt.Format("2006-01-02 15:04"), o.Scanned, o.Comparisons, o.Snapshot)
		}
		fmt.Fprintf(w, "%s, %s held until decided\n", count(len(o.Suggestions), "suggestion"), count(o.Held, "person"))
		if len(o.Suggestions) > 0 {
			fmt.Fprintln(w, "SCORE\tPERSON\tNAME\tPERSON\tNAME\tHELD")
			for _, s := range o.Suggestions {
				fmt.Fprintf(w, "%.3f\t%s\t%s\t%s\t%s\t%s\n", s.Score, s.A, s.AName, s.B, s.BName, orDash(strings.Join(s.Held, ", ")))
			}
		}
		if len(o.Merges) > 0 {
			fmt.Fprintln(w, "MERGE\tMAIN\tNAME\tMERGED\tENTITLEMENTS\tAT")
			for _, m := range o.Merges {
				var members []string
				for _, id := range m.Members {
					members = append(members, id+" ("+m.Names[id]+")")
				}
				how := string(m.Entitlements)
				if m.Automatic {
					how += ", automatic"
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.Main, m.Names[m.Main], strings.Join(members, ", "), how, m.At.Format("2006-01-02 15:04"))
			}
		}
		if len(o.Rejections) > 0 {
			fmt.Fprintln(w, "NOT THE SAME\t\tAT\tNOTE")
			for _, x := range o.Rejections {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", x.A, x.B, x.At.Format("2006-01-02 15:04"), x.Note)
			}
		}
	})
}
