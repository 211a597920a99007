package app

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"provisio/engine"
	"provisio/engine/aggregate"
	"provisio/engine/importing"
)

// maxValueErrors is how many persons whose aggregation value failed a
// scan keeps (with their error); ValueErrorCount has them all.
const maxValueErrors = 100

// ScanAggregation compares the persons of the latest snapshot by their
// aggregation values and replaces the suggestions: pairs that score at
// least the suggestion score and were neither rejected nor merged. A
// suggestion holds (excludes) the persons in it who have nothing granted
// yet, the later of the two when neither has; pairs that score at least
// the automatic-merge score are merged at once. Imports scan when they
// make a snapshot. progress, when set, is told how far it got.
func (a *App) ScanAggregation(ctx context.Context, progress func(importing.Progress)) (*engine.Aggregation, error) {
	// automatic merges move entitlements: not while a run writes them
	done, err := a.decideOnLedger("a search for duplicate persons")
	if err != nil {
		return nil, err
	}
	defer done()
	return a.scanAggregation(ctx, progress)
}

// scanAfterImport scans after an import made a snapshot, unless
// aggregation is switched off. The caller holds the pipeline lock.
func (a *App) scanAfterImport(ctx context.Context, progress func(importing.Progress)) error {
	cfg, err := a.Config(ctx)
	if err != nil {
		return err
	}
	if cfg.AggregationSettings().Disabled {
		return nil
	}
	a.aggMu.Lock()
	defer a.aggMu.Unlock()
	_, err = a.scanAggregation(ctx, progress)
	return err
}

func (a *App) scanAggregation(ctx context.Context, progress func(importing.Progress)) (*engine.Aggregation, error) {
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	settings := cfg.AggregationSettings()
	if err := aggregate.CheckSettings(settings); err != nil {
		return nil, engine.Errorf(engine.Invalid, "aggregation settings: %v", err)
	}
	g0, err := a.aggregation(ctx)
	if err != nil {
		return nil, err
	}
	p, err := a.loadPeople(ctx)
	if err != nil {
		return nil, err
	}
	report := func(done, total int64) {
		if progress != nil {
			progress(importing.Progress{Source: "aggregation", Phase: importing.PhaseAggregating, Done: done, Total: total})
		}
	}
	report(0, int64(len(p.raw)))
	// merges and exclusions by hand apply; the old suggestions hold nobody
	// while the new ones are made
	decided := cloneAggregation(g0)
	decided.Suggestions = nil
	persons := aggregate.Apply(p.raw, decided)
	items, valueErrs, err := aggregate.Values(ctx, cfg, persons, aggregate.Options{Departments: p.departments, AsOf: a.Today()})
	if err != nil {
		return nil, err
	}
	report(int64(len(persons))/2, int64(len(persons)))
	found := aggregate.Find(items, settings, g0.Rejected)
	if err := engine.CheckCanceled(ctx); err != nil {
		return nil, err
	}

	// who has something granted already
	involved := map[string]bool{}
	for _, s := range found.Suggestions {
		involved[s.A], involved[s.B] = true, true
	}
	granted := map[string]bool{}
	for id := range involved {
		es, err := a.store.PersonLedger(ctx, id)
		if err != nil {
			return nil, err
		}
		granted[id] = len(es) > 0
	}
	order := sourceOrder(cfg)
	for i := range found.Suggestions {
		s := &found.Suggestions[i]
		switch {
		case !granted[s.A] && !granted[s.B]:
			s.Held = []string{later(order, s.A, s.B)}
		case !granted[s.A]:
			s.Held = []string{s.A}
		case !granted[s.B]:
			s.Held = []string{s.B}
		}
	}

	g := cloneAggregation(g0)
	g.Suggestions = found.Suggestions
	g.ScannedAt = a.clock.Now()
	g.Snapshot = p.snapshot
	g.Scanned = found.Compared
	g.Comparisons = found.Comparisons
	g.ValueErrorCount = len(valueErrs)
	g.ValueErrors = nil
	for _, e := range valueErrs[:min(len(valueErrs), maxValueErrors)] {
		g.ValueErrors = append(g.ValueErrors, e.Error())
	}
	// plans are out of date only when other persons are held now
	if err := a.saveAggregationState(ctx, g, !sameHeld(g0, g), nil, nil); err != nil {
		return nil, err
	}

	// merge what scores high enough, best first
	if settings.AutoMergeScore > 0 {
		for _, s := range found.Suggestions {
			if s.Score < settings.AutoMergeScore {
				break
			}
			// the main person is who has something granted, else the
			// earlier of the two
			main, member := s.A, s.B
			switch {
			case granted[s.B] && !granted[s.A]:
				main, member = s.B, s.A
			case granted[s.A] == granted[s.B] && later(order, s.A, s.B) == s.A:
				main, member = s.B, s.A
			}
			_, err := a.merge(ctx, MergeRequest{Main: main, Members: []string{member}, Entitlements: engine.TransferEntitlements, Score: s.Score}, true)
			if err != nil && !engine.IsCode(err, engine.Conflict) { // a conflict leaves it a suggestion
				return nil, err
			}
		}
	}
	report(int64(len(persons)), int64(len(persons)))
	g, err = a.aggregation(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.notifySuggestions(ctx, g); err != nil {
		// told next time; the scan itself went well
		slog.Warn("duplicate suggestions notice", "workspace", a.dir, "err", err)
	}
	return g, nil
}

// notifySuggestions tells the administrator about suggestions not told
// before: each pair once.
func (a *App) notifySuggestions(ctx context.Context, g *engine.Aggregation) error {
	n, _, err := a.notifierFor(ctx, engine.NotifyAggregation)
	if n == nil || err != nil || len(g.Suggestions) == 0 {
		return err
	}
	keys := make([]string, len(g.Suggestions))
	held := 0
	for i, s := range g.Suggestions {
		keys[i] = "aggregation:" + s.A + "|" + s.B
		held += len(s.Held)
	}
	return a.notifyOnce(ctx, n, keys, func(fresh []string) (string, string) {
		return "Possible duplicate persons", fmt.Sprintf("%s found; %s in all wait for a decision, %s held until then. Open Aggregation to merge or reject them.",
			countOf(len(fresh), "new possible duplicate", "new possible duplicates"), countOf(len(g.Suggestions), "suggestion", "suggestions"), countOf(held, "person", "persons"))
	})
}

func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// sameHeld reports whether two states hold the same persons.
func sameHeld(x, y *engine.Aggregation) bool {
	held := func(g *engine.Aggregation) map[string]bool {
		m := map[string]bool{}
		for _, s := range g.Suggestions {
			for _, id := range s.Held {
				m[id] = true
			}
		}
		return m
	}
	return maps.Equal(held(x), held(y))
}

// sourceOrder gives each source system's position in the configuration.
func sourceOrder(cfg *engine.Config) map[string]int {
	m := map[string]int{}
	for i, s := range cfg.SourceSystems {
		m[s.Key] = i
	}
	return m
}

// later returns whichever of two person ids comes later: from a source
// system further down the list, else the greater id. Of two new persons
// the later one is held for a suggestion, and merged into the earlier.
func later(order map[string]int, x, y string) string {
	sx, _, _ := strings.Cut(x, ":")
	sy, _, _ := strings.Cut(y, ":")
	if order[sx] != order[sy] {
		if order[sx] > order[sy] {
			return x
		}
		return y
	}
	return slices.MaxFunc([]string{x, y}, func(a, b string) int {
		if len(a) != len(b) { // numbers: 10 after 9
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
}
