package engine

import (
	"slices"
	"strings"
)

// DefaultNoticeDays is how many days ahead pre-onboarding and
// pre-offboarding notices look when the settings leave it at 0.
const DefaultNoticeDays = 7

// MaxNoticeDays is the longest look-ahead for lifecycle notices.
const MaxNoticeDays = 365

// On reports whether the event is notified.
func (n NotificationSettings) On(ev NotificationEvent) bool {
	return !slices.Contains(n.Off, ev)
}

// SetOn switches the event on or off.
func (n *NotificationSettings) SetOn(ev NotificationEvent, on bool) {
	n.Off = slices.DeleteFunc(n.Off, func(x NotificationEvent) bool { return x == ev })
	if !on {
		n.Off = append(n.Off, ev)
		// the settings' order, so that saved configurations compare equal
		slices.SortFunc(n.Off, func(a, b NotificationEvent) int {
			return slices.Index(NotificationEvents, a) - slices.Index(NotificationEvents, b)
		})
	}
}

// Onboarding returns the pre-onboarding look-ahead in days.
func (n NotificationSettings) Onboarding() int {
	if n.OnboardingDays == 0 {
		return DefaultNoticeDays
	}
	return n.OnboardingDays
}

// Offboarding returns the pre-offboarding look-ahead in days.
func (n NotificationSettings) Offboarding() int {
	if n.OffboardingDays == 0 {
		return DefaultNoticeDays
	}
	return n.OffboardingDays
}

// Validate checks the events named and the day counts (0, the default,
// to MaxNoticeDays).
func (n NotificationSettings) Validate() error {
	for _, ev := range n.Off {
		if _, err := ParseNotificationEvent(string(ev)); err != nil {
			return Errorf(Invalid, "notifications: %v", err)
		}
	}
	for _, d := range []struct {
		name string
		days int
	}{{"onboarding", n.OnboardingDays}, {"offboarding", n.OffboardingDays}} {
		if d.days < 0 || d.days > MaxNoticeDays {
			return Errorf(Invalid, "notifications: the %s notice days must be between 1 and %d, got %d", d.name, MaxNoticeDays, d.days)
		}
	}
	return nil
}

// ParseNotificationEvent returns the event named s, or an error that
// lists the events.
func ParseNotificationEvent(s string) (NotificationEvent, error) {
	ev := NotificationEvent(strings.TrimSpace(s))
	if slices.Contains(NotificationEvents, ev) {
		return ev, nil
	}
	names := make([]string, len(NotificationEvents))
	for i, e := range NotificationEvents {
		names[i] = string(e)
	}
	return "", Errorf(Invalid, "there is no notification event %q (there are: %s)", s, strings.Join(names, ", "))
}
