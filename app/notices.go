package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"provisio/engine"
)

// Notifier shows desktop notifications: through Fyne in the GUI, over the
// freedesktop notification service on D-Bus headless. Notify may be called
// from any goroutine; an error says the notification could not be shown
// (no notification service, say) and is worth a log line, not more.
type Notifier interface {
	Notify(title, body string) error
}

// SetNotifier sets where notifications go; nil sends none.
func (a *App) SetNotifier(n Notifier) {
	a.mu.Lock()
	a.notifier = n
	a.mu.Unlock()
}

// notifierFor returns the notifier for an event, or nil when there is none
// or the settings switch the event off.
func (a *App) notifierFor(ctx context.Context, ev engine.NotificationEvent) (Notifier, *engine.Config, error) {
	a.mu.Lock()
	n := a.notifier
	a.mu.Unlock()
	if n == nil {
		return nil, nil, nil
	}
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !cfg.Notifications.On(ev) {
		return nil, cfg, nil
	}
	return n, cfg, nil
}

// notify sends a notification of an event, unless the settings switch the
// event off. When once is set, the notification is sent only if no
// notification with that key was sent before (by any process).
func (a *App) notify(ctx context.Context, ev engine.NotificationEvent, once, title, body string) error {
	n, _, err := a.notifierFor(ctx, ev)
	if n == nil || err != nil {
		return err
	}
	if once == "" {
		return n.Notify(title, body)
	}
	return a.notifyOnce(ctx, n, []string{once}, func([]string) (string, string) { return title, body })
}

// notifyOnce sends a notification about the notices with the given keys,
// unless every one was sent before, and records them as sent; message
// makes its title and body from the keys not sent before. When it cannot
// be shown (no session bus), they are not recorded, so the next time
// tells them.
func (a *App) notifyOnce(ctx context.Context, n Notifier, keys []string, message func(fresh []string) (title, body string)) error {
	fresh, err := a.store.MarkNotified(ctx, keys, a.clock.Now())
	if err != nil || len(fresh) == 0 {
		return err
	}
	if err := n.Notify(message(fresh)); err != nil {
		if ferr := a.store.ForgetNotified(context.WithoutCancel(ctx), fresh); ferr != nil {
			return errors.Join(err, ferr)
		}
		return err
	}
	return nil
}

// NotificationEventInfo describes a notification event for settings.
type NotificationEventInfo struct {
	Event       engine.NotificationEvent `json:"event"`
	Title       string                   `json:"title"`
	Description string                   `json:"description"`
}

// NotificationEventInfos describes the events, in the order settings show
// them.
func NotificationEventInfos() []NotificationEventInfo {
	out := make([]NotificationEventInfo, 0, len(engine.NotificationEvents))
	for _, ev := range engine.NotificationEvents {
		out = append(out, DescribeNotificationEvent(ev))
	}
	return out
}

// DescribeNotificationEvent returns a title and a one-line description of
// an event.
func DescribeNotificationEvent(ev engine.NotificationEvent) NotificationEventInfo {
	info := NotificationEventInfo{Event: ev, Title: string(ev)}
	switch ev {
	case engine.NotifyRunFinished:
		info.Title, info.Description = "Run finished", "A scheduled run finished, with its counts of imported persons and actions."
	case engine.NotifyRunFailed:
		info.Title, info.Description = "Run failed", "A scheduled run failed or was interrupted."
	case engine.NotifyBlocked:
		info.Title, info.Description = "Threshold blocked", "A threshold blocked an import or enforcement actions until you decide."
	case engine.NotifyOnboarding:
		info.Title, info.Description = "Pre-onboarding", "Persons whose first contract starts within the onboarding days; once per person and date."
	case engine.NotifyOffboarding:
		info.Title, info.Description = "Pre-offboarding", "Persons whose last contract ends within the offboarding days; once per person and date."
	case engine.NotifyAggregation:
		info.Title, info.Description = "Possible duplicates", "An import found persons that may be the same human and wait for a decision."
	}
	return info
}

// NotificationSettings returns which notifications are sent.
func (a *App) NotificationSettings(ctx context.Context) (engine.NotificationSettings, error) {
	cfg, err := a.Config(ctx)
	if err != nil {
		return engine.NotificationSettings{}, err
	}
	return cfg.Notifications, nil
}

// SaveNotificationSettings replaces which notifications are sent and how
// many days ahead lifecycle notices look.
func (a *App) SaveNotificationSettings(ctx context.Context, ns engine.NotificationSettings) error {
	if err := ns.Validate(); err != nil {
		return err
	}
	a.config.Lock()
	defer a.config.Unlock()
	cfg, err := a.Config(ctx)
	if err != nil {
		return err
	}
	cfg.Notifications = ns
	return a.saveConfig(ctx, cfg, "notification settings saved")
}

// TestNotification sends a sample notification, whatever the settings say,
// so an administrator sees whether notifications reach the desktop.
func (a *App) TestNotification() error {
	a.mu.Lock()
	n := a.notifier
	a.mu.Unlock()
	if n == nil {
		return engine.Errorf(engine.Unavailable, "notifications are not set up in this process")
	}
	return n.Notify("Provisio test notification", "Notifications from Provisio reach this desktop. Workspace: "+a.dir)
}

// LifecycleNotice is one person in a pre-onboarding or pre-offboarding
// notification.
type LifecycleNotice struct {
	Event  engine.NotificationEvent `json:"event"`
	Person string                   `json:"person"`
	Name   string                   `json:"name"`
	// Date is the day the person's first contract starts (onboarding) or
	// last contract ends (offboarding).
	Date engine.Date `json:"date"`
}

// noticeNames is how many persons a lifecycle notification names; it
// counts the rest.
const noticeNames = 5

// LifecycleNotices sends the pre-onboarding and pre-offboarding
// notifications that are due: one per kind, naming the persons of the
// latest snapshot whose first contract starts (or last contract ends)
// between today and the configured number of days ahead, and who were not
// notified for that date before. A person whose date changes is notified
// again. It returns the notices sent; with no notifier, or both events
// switched off, it does nothing.
//
// The notices are recorded as sent before the notification goes out, and
// the record is taken back when the desktop could not show it, so the
// next check tells them.
func (a *App) LifecycleNotices(ctx context.Context) ([]LifecycleNotice, error) {
	onN, cfg, err := a.notifierFor(ctx, engine.NotifyOnboarding)
	if err != nil {
		return nil, err
	}
	offN, _, err := a.notifierFor(ctx, engine.NotifyOffboarding)
	if err != nil || (onN == nil && offN == nil) {
		return nil, err
	}
	today := a.Today()
	onUntil := today.AddDays(cfg.Notifications.Onboarding())
	offUntil := today.AddDays(cfg.Notifications.Offboarding())
	var on, off []LifecycleNotice
	err = a.eachPerson(ctx, func(x *engine.Person) {
		if x.Excluded || len(x.Contracts) == 0 {
			return
		}
		first, last := lifecycleDates(x)
		if onN != nil && first >= today && first <= onUntil {
			on = append(on, LifecycleNotice{Event: engine.NotifyOnboarding, Person: x.ID, Name: personName(x), Date: first})
		}
		if offN != nil && !last.IsZero() && last >= today && last <= offUntil {
			off = append(off, LifecycleNotice{Event: engine.NotifyOffboarding, Person: x.ID, Name: personName(x), Date: last})
		}
	})
	if err != nil {
		return nil, err
	}
	var sent []LifecycleNotice
	var errs []error
	for _, k := range []struct {
		n       Notifier
		notices []LifecycleNotice
		days    int
		verb    string
	}{
		{onN, on, cfg.Notifications.Onboarding(), "start"},
		{offN, off, cfg.Notifications.Offboarding(), "leave"},
	} {
		fresh, err := a.markNotices(ctx, k.notices)
		if err != nil {
			return sent, err
		}
		if len(fresh) == 0 {
			continue
		}
		title, body := lifecycleMessage(fresh, k.days, k.verb, today)
		if err := k.n.Notify(title, body); err != nil {
			// not shown: told again next time
			keys := make([]string, len(fresh))
			for i, n := range fresh {
				keys[i] = noticeKey(n)
			}
			if ferr := a.store.ForgetNotified(context.WithoutCancel(ctx), keys); ferr != nil {
				err = errors.Join(err, ferr)
			}
			errs = append(errs, err)
			continue
		}
		sent = append(sent, fresh...)
	}
	if len(errs) > 0 {
		return sent, engine.Wrap(engine.Unavailable, errs[0], "send lifecycle notices")
	}
	return sent, nil
}

// eachPerson calls fn with every person of the latest snapshot: from the
// decoded persons when evaluations hold them already, else read one by
// one, so that a periodic check does not keep 300,000 persons in memory.
func (a *App) eachPerson(ctx context.Context, fn func(*engine.Person)) error {
	snap, err := a.store.FindSnapshot(ctx, 0)
	if engine.IsCode(err, engine.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	a.peopleMu.Lock()
	p := a.people
	a.peopleMu.Unlock()
	if p != nil && p.snapshot == snap.Number {
		for _, x := range p.persons {
			fn(x)
		}
		return nil
	}
	idx, err := a.store.SnapshotIndex(ctx, snap.Number)
	if err != nil {
		return err
	}
	refs := make([]engine.RecordRef, len(idx.Entries))
	for i, e := range idx.Entries {
		refs[i] = e.Ref
	}
	return a.store.ReadPersons(ctx, refs, func(_ int, x *engine.Person) error {
		fn(x)
		return nil
	})
}

// lifecycleDates returns the day a person's first contract starts and the
// day their last contract ends (zero when a contract is open-ended).
func lifecycleDates(p *engine.Person) (first, last engine.Date) {
	openEnded := false
	for _, c := range p.Contracts {
		if !c.StartDate.IsZero() && (first.IsZero() || c.StartDate < first) {
			first = c.StartDate
		}
		if c.EndDate.IsZero() {
			openEnded = true
		} else if c.EndDate > last {
			last = c.EndDate
		}
	}
	if openEnded {
		return first, 0
	}
	return first, last
}

func personName(p *engine.Person) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	if n := strings.TrimSpace(p.Name.GivenName + " " + p.Name.FamilyName); n != "" {
		return n
	}
	return p.ID
}

// noticeKey identifies a lifecycle notice in the store's send-once record.
func noticeKey(n LifecycleNotice) string {
	return string(n.Event) + "|" + n.Person + "|" + n.Date.String()
}

// markNotices records notices as sent and returns those that were not
// before, by date and name.
func (a *App) markNotices(ctx context.Context, notices []LifecycleNotice) ([]LifecycleNotice, error) {
	if len(notices) == 0 {
		return nil, nil
	}
	keys := make([]string, len(notices))
	for i, n := range notices {
		keys[i] = noticeKey(n)
	}
	freshKeys, err := a.store.MarkNotified(ctx, keys, a.clock.Now())
	if err != nil {
		return nil, err
	}
	isFresh := make(map[string]bool, len(freshKeys))
	for _, k := range freshKeys {
		isFresh[k] = true
	}
	var fresh []LifecycleNotice
	for i, n := range notices {
		if isFresh[keys[i]] {
			fresh = append(fresh, n)
		}
	}
	slices.SortFunc(fresh, func(x, y LifecycleNotice) int {
		return cmp.Or(cmp.Compare(x.Date, y.Date), cmp.Compare(x.Name, y.Name), cmp.Compare(x.Person, y.Person))
	})
	return fresh, nil
}

// lifecycleMessage summarises notices: "3 persons start within 7 days" and
// "Ada Lovelace (12 Dec), …".
func lifecycleMessage(notices []LifecycleNotice, days int, verb string, today engine.Date) (string, string) {
	who := "1 person " + verb + "s"
	if len(notices) != 1 {
		who = fmt.Sprintf("%d persons %s", len(notices), verb)
	}
	title := fmt.Sprintf("%s within %d days", who, days)
	if days == 1 {
		title = who + " by tomorrow"
	}
	var parts []string
	for i, n := range notices {
		if i == noticeNames && len(notices) > noticeNames+1 {
			parts = append(parts, fmt.Sprintf("and %d more", len(notices)-noticeNames))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", n.Name, noticeDate(n.Date, today)))
	}
	return title, strings.Join(parts, ", ")
}

// noticeDate writes a date as "12 Dec", "today" or "tomorrow", with the
// year when it is not this year's.
func noticeDate(d, today engine.Date) string {
	switch d {
	case today:
		return "today"
	case today.AddDays(1):
		return "tomorrow"
	}
	if d.Year() != today.Year() {
		return d.Time().Format("2 Jan 2006")
	}
	return d.Time().Format("2 Jan")
}

// LifecycleNoticeInterval is how often StartLifecycleNotices checks.
const LifecycleNoticeInterval = time.Hour

// StartLifecycleNotices sends the lifecycle notices that are due now and
// then every interval (LifecycleNoticeInterval when 0), in the background,
// logging what fails. stop ends the checks and waits for a running one to
// finish; call it before Close.
func (a *App) StartLifecycleNotices(interval time.Duration) (stop func()) {
	if interval <= 0 {
		interval = LifecycleNoticeInterval
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			a.lifecycleNoticesLogged(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// lifecycleNoticesLogged sends the lifecycle notices that are due, and
// logs rather than returns a failure: a notice never fails the work that
// prompted it.
func (a *App) lifecycleNoticesLogged(ctx context.Context) {
	if _, err := a.LifecycleNotices(ctx); err != nil && ctx.Err() == nil {
		slog.Warn("lifecycle notices", "workspace", a.dir, "err", err)
	}
}

// afterSnapshot runs what follows a new snapshot: the lifecycle notices
// its persons call for.
func (a *App) afterSnapshot(ctx context.Context) {
	a.lifecycleNoticesLogged(context.WithoutCancel(ctx))
}
