package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"provisio/app"
	"provisio/engine"
)

// notificationStatus is what `provisio notifications` shows.
type notificationStatus struct {
	Events          []notificationEventStatus `json:"events"`
	OnboardingDays  int                       `json:"onboardingDays"`
	OffboardingDays int                       `json:"offboardingDays"`
}

type notificationEventStatus struct {
	app.NotificationEventInfo
	On bool `json:"on"`
}

func (r *runner) notificationsCmd() *cobra.Command {
	list := func(cmd *cobra.Command, _ []string) error {
		return r.withApp(func(a *app.App) error { return r.showNotifications(cmd, a) })
	}
	cmd := &cobra.Command{
		Use:   "notifications",
		Short: "Show and switch the desktop notifications, and send a test one",
		Long: "Lists the notification events, whether each is on, and how many days ahead the\n" +
			"pre-onboarding and pre-offboarding notices look. Notifications are shown while the\n" +
			"window or the tray icon is open, or while `provisio daemon` runs.",
		Args: cobra.NoArgs,
		RunE: list,
	}
	cmd.AddCommand(&cobra.Command{Use: "list", Short: "List the events (the same as notifications)", Args: cobra.NoArgs, RunE: list})
	for _, on := range []bool{true, false} {
		use, short := "on EVENT...", "Switch events on"
		if !on {
			use, short = "off EVENT...", "Switch events off"
		}
		cmd.AddCommand(&cobra.Command{
			Use:   use,
			Short: short + " (run-finished, run-failed, threshold-blocked, pre-onboarding, pre-offboarding, aggregation-suggestions, or all)",
			Args:  cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return r.changeNotifications(cmd, func(ns *engine.NotificationSettings) error {
					for _, s := range args {
						if s == "all" {
							for _, ev := range engine.NotificationEvents {
								ns.SetOn(ev, on)
							}
							continue
						}
						ev, err := engine.ParseNotificationEvent(s)
						if err != nil {
							return err
						}
						ns.SetOn(ev, on)
					}
					return nil
				})
			},
		})
	}
	var onboarding, offboarding int
	days := &cobra.Command{
		Use:   "days",
		Short: fmt.Sprintf("Set how many days ahead lifecycle notices look (1 to %d)", engine.MaxNoticeDays),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set := map[string]*int{}
			if cmd.Flags().Changed("onboarding") {
				set["onboarding"] = &onboarding
			}
			if cmd.Flags().Changed("offboarding") {
				set["offboarding"] = &offboarding
			}
			if len(set) == 0 {
				return engine.Errorf(engine.Invalid, "give --onboarding N, --offboarding N or both")
			}
			for name, n := range set {
				if *n < 1 || *n > engine.MaxNoticeDays {
					return engine.Errorf(engine.Invalid, "--%s must be from 1 to %d days, got %d", name, engine.MaxNoticeDays, *n)
				}
			}
			return r.changeNotifications(cmd, func(ns *engine.NotificationSettings) error {
				if set["onboarding"] != nil {
					ns.OnboardingDays = onboarding
				}
				if set["offboarding"] != nil {
					ns.OffboardingDays = offboarding
				}
				return nil
			})
		},
	}
	days.Flags().IntVar(&onboarding, "onboarding", engine.DefaultNoticeDays, "days before a person's first contract starts")
	days.Flags().IntVar(&offboarding, "offboarding", engine.DefaultNoticeDays, "days before a person's last contract ends")
	cmd.AddCommand(days)
	cmd.AddCommand(&cobra.Command{
		Use:   "test",
		Short: "Send a sample desktop notification (on Linux over D-Bus), whatever the settings say",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withNotifyingApp(func(a *app.App) error {
				if err := a.TestNotification(); err != nil {
					return err
				}
				r.info("sent a test notification")
				return nil
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Send the pre-onboarding and pre-offboarding notices that are due now (each person and date once)",
		Long: "Sends the lifecycle notices that are due, as the window, the tray and `provisio daemon`\n" +
			"do every hour; for a scheduler such as cron on a desktop where Provisio does not run.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withNotifyingApp(func(a *app.App) error {
				sent, err := a.LifecycleNotices(cmd.Context())
				if err != nil {
					return err
				}
				if sent == nil {
					sent = []app.LifecycleNotice{}
				}
				return r.emit(sent, func(w io.Writer) {
					if len(sent) == 0 {
						fmt.Fprintln(w, "no notices due")
						return
					}
					fmt.Fprintln(w, "EVENT\tPERSON\tNAME\tDATE")
					for _, n := range sent {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", n.Event, n.Person, n.Name, n.Date)
					}
				})
			})
		},
	})
	return cmd
}

// withNotifyingApp is withApp with the command line's notifier set.
func (r *runner) withNotifyingApp(fn func(a *app.App) error) error {
	if r.env.Notifier == nil {
		return engine.Errorf(engine.Unavailable, "this build of Provisio cannot send desktop notifications")
	}
	return r.withApp(func(a *app.App) error {
		a.SetNotifier(r.env.Notifier)
		return fn(a)
	})
}

func (r *runner) changeNotifications(cmd *cobra.Command, change func(*engine.NotificationSettings) error) error {
	return r.withApp(func(a *app.App) error {
		ns, err := a.NotificationSettings(cmd.Context())
		if err != nil {
			return err
		}
		if err := change(&ns); err != nil {
			return err
		}
		if err := a.SaveNotificationSettings(cmd.Context(), ns); err != nil {
			return err
		}
		return r.showNotifications(cmd, a)
	})
}

func (r *runner) showNotifications(cmd *cobra.Command, a *app.App) error {
	ns, err := a.NotificationSettings(cmd.Context())
	if err != nil {
		return err
	}
	st := notificationStatus{OnboardingDays: ns.Onboarding(), OffboardingDays: ns.Offboarding()}
	for _, info := range app.NotificationEventInfos() {
		st.Events = append(st.Events, notificationEventStatus{NotificationEventInfo: info, On: ns.On(info.Event)})
	}
	return r.emit(st, func(w io.Writer) {
		fmt.Fprintln(w, "EVENT\tON\tDESCRIPTION")
		for _, e := range st.Events {
			on := "off"
			if e.On {
				on = "on"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", e.Event, on, e.Description)
		}
		fmt.Fprintf(w, "\nonboarding notice: %d days ahead\noffboarding notice: %d days ahead\n", st.OnboardingDays, st.OffboardingDays)
	})
}
