package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"provisio/engine"
	"provisio/engine/aggregate"
)

// aggregation returns the aggregation state, read once and kept until a
// decision changes it. Callers must not modify it.
func (a *App) aggregation(ctx context.Context) (*engine.Aggregation, error) {
	a.mu.Lock()
	g := a.agg
	a.mu.Unlock()
	if g != nil {
		return g, nil
	}
	g, err := a.store.LoadAggregation(ctx)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.agg != nil { // a decision saved meanwhile is newer
		return a.agg, nil
	}
	a.agg = g
	return g, nil
}

// Aggregation returns the aggregation decisions and the latest scan's
// suggestions. Callers must not modify it.
func (a *App) Aggregation(ctx context.Context) (*engine.Aggregation, error) {
	return a.aggregation(ctx)
}

// saveAggregation stores a decision: the changed state with its ledger
// changes and audit entries, making earlier plans out of date, and drops
// what was built from the old state.
func (a *App) saveAggregation(ctx context.Context, g *engine.Aggregation, ledger []engine.LedgerChange, audit []engine.AuditEntry) error {
	return a.saveAggregationState(ctx, g, true, ledger, audit)
}

// saveAggregationState is saveAggregation for a change that may not
// outdate plans (a scan that holds the same persons).
func (a *App) saveAggregationState(ctx context.Context, g *engine.Aggregation, outdates bool, ledger []engine.LedgerChange, audit []engine.AuditEntry) error {
	if err := a.store.SaveAggregation(ctx, g, outdates, ledger, audit); err != nil {
		return err
	}
	a.mu.Lock()
	a.agg = g
	a.persons = nil
	a.gen++
	a.mu.Unlock()
	return nil
}

// cloneAggregation copies the state deeply enough to change its lists.
func cloneAggregation(g *engine.Aggregation) *engine.Aggregation {
	c := *g
	c.Merges = slices.Clone(g.Merges)
	for i := range c.Merges {
		c.Merges[i].Members = slices.Clone(c.Merges[i].Members)
		c.Merges[i].Moved = slices.Clone(c.Merges[i].Moved)
	}
	c.Rejections = slices.Clone(g.Rejections)
	c.Exclusions = slices.Clone(g.Exclusions)
	c.Suggestions = slices.Clone(g.Suggestions)
	return &c
}

// snapshotPersons reads persons of the latest snapshot by id, as the
// source made them (without the aggregation decisions). An id the
// snapshot does not have is left out.
func (a *App) snapshotPersons(ctx context.Context, ids []string) (map[string]*engine.Person, error) {
	out := map[string]*engine.Person{}
	snap, err := a.store.FindSnapshot(ctx, 0)
	if engine.IsCode(err, engine.NotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	idx, err := a.store.SnapshotIndex(ctx, snap.Number)
	if err != nil {
		return nil, err
	}
	var refs []engine.RecordRef
	for _, id := range ids {
		if e, ok := idx.Find(id); ok {
			refs = append(refs, e.Ref)
		}
	}
	err = a.store.ReadPersons(ctx, refs, func(_ int, p *engine.Person) error { out[p.ID] = p; return nil })
	return out, err
}

// personLedgers reads the ledger entries of the given persons.
func (a *App) personLedgers(ctx context.Context, ids []string) (map[string][]engine.LedgerEntry, error) {
	out := map[string][]engine.LedgerEntry{}
	for _, id := range ids {
		es, err := a.store.PersonLedger(ctx, id)
		if err != nil {
			return nil, err
		}
		out[id] = es
	}
	return out, nil
}

// nameIn returns a function that names a person of persons by id: their
// display name, or the id with missing after it.
func nameIn(persons map[string]*engine.Person, missing string) func(id string) string {
	return func(id string) string {
		if p := persons[id]; p != nil {
			return displayName(p)
		}
		return id + missing
	}
}

func displayName(p *engine.Person) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return strings.TrimSpace(p.Name.GivenName + " " + p.Name.FamilyName)
}

// decideOnLedger takes what a decision that moves entitlements in the
// ledger needs: the pipeline lock (never while a run writes the ledger)
// and the decisions' lock. done lets both go.
func (a *App) decideOnLedger(what string) (done func(), err error) {
	release, err := a.beginRunAs(what)
	if err != nil {
		return nil, err
	}
	a.aggMu.Lock()
	return func() {
		a.aggMu.Unlock()
		release()
	}, nil
}

// MergeRequest asks to merge persons.
type MergeRequest struct {
	// Main is the person who stays; their fields are the merged person's.
	Main string `json:"main"`
	// Members are merged into Main: their contracts move to Main.
	Members []string `json:"members"`
	// Entitlements says what happens to the members' entitlements.
	Entitlements engine.EntitlementHandling `json:"entitlements"`
	Note         string                     `json:"note,omitempty"`
	// Score is the suggestion's, when the merge follows one.
	Score float64 `json:"score,omitempty"`
}

// Merge merges persons into one: see MergeRequest. When Main is the main
// person of a merge already, the members join it. The decision, and what
// it does to each entitlement, is written to the audit log; it holds
// across imports until it is undone with Unmerge.
func (a *App) Merge(ctx context.Context, req MergeRequest) (*engine.Merge, error) {
	done, err := a.decideOnLedger("a merge of persons")
	if err != nil {
		return nil, err
	}
	defer done()
	return a.merge(ctx, req, false)
}

func (a *App) merge(ctx context.Context, req MergeRequest, automatic bool) (*engine.Merge, error) {
	switch req.Entitlements {
	case engine.TransferEntitlements, engine.LeaveUnmanaged:
	case "":
		return nil, engine.Errorf(engine.Invalid, "say what happens to the entitlements of the persons merged into %s: %q (move them to %s) or %q (leave them where they are, no longer managed)", req.Main, engine.TransferEntitlements, req.Main, engine.LeaveUnmanaged)
	default:
		return nil, engine.Errorf(engine.Invalid, "entitlements: expected %q or %q, got %q", engine.TransferEntitlements, engine.LeaveUnmanaged, req.Entitlements)
	}
	if req.Main == "" || len(req.Members) == 0 {
		return nil, engine.Errorf(engine.Invalid, "a merge needs a main person and at least one other person")
	}
	g0, err := a.aggregation(ctx)
	if err != nil {
		return nil, err
	}
	g := cloneAggregation(g0)
	all := append([]string{req.Main}, req.Members...)
	persons, err := a.snapshotPersons(ctx, all)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, id := range all {
		if seen[id] {
			return nil, engine.Errorf(engine.Invalid, "%s is named twice in the merge", id)
		}
		seen[id] = true
		m, inMerge := g.MergeOf(id)
		switch {
		case persons[id] == nil && !(i == 0 && inMerge && m.Main == id):
			return nil, engine.Errorf(engine.NotFound, "there is no person %q in the latest snapshot", id)
		case i == 0 && inMerge && m.Main != id:
			return nil, engine.Errorf(engine.Conflict, "%s is merged into %s already: merge into %s instead, or unmerge first", id, m.Main, m.Main)
		case i > 0 && inMerge:
			return nil, engine.Errorf(engine.Conflict, "%s is part of merge %d (into %s) already: unmerge it first", id, m.ID, m.Main)
		}
	}
	ledger, err := a.personLedgers(ctx, all)
	if err != nil {
		return nil, err
	}
	moved, changes := aggregate.PlanMerge(req.Main, req.Members, req.Entitlements, ledger)
	now := a.clock.Now()

	var m *engine.Merge
	if existing, ok := g.MergeOf(req.Main); ok {
		m = existing
		m.Members = append(m.Members, req.Members...)
		m.Moved = append(m.Moved, moved...)
	} else {
		g.NextMerge++
		g.Merges = append(g.Merges, engine.Merge{ID: g.NextMerge, Main: req.Main})
		m = &g.Merges[len(g.Merges)-1]
		m.Members = slices.Clone(req.Members)
		m.Moved = moved
	}
	m.Entitlements, m.Score, m.Automatic, m.Note, m.At = req.Entitlements, req.Score, automatic, req.Note, now
	g.Suggestions = suggestionsAfterMerge(g, req.Main, seen)

	name := nameIn(persons, "")
	how := "transferred to the main person where they have nothing in the target, else left unmanaged"
	if req.Entitlements == engine.LeaveUnmanaged {
		how = "left with the merged persons, unmanaged"
	}
	by := "by the administrator"
	if automatic {
		by = fmt.Sprintf("automatically (score %.2f)", req.Score)
	}
	changesOf := []engine.AttributeChange{
		{Attribute: "merged", New: strings.Join(req.Members, ", ")},
		{Attribute: "entitlements", New: how},
	}
	if req.Note != "" {
		changesOf = append(changesOf, engine.AttributeChange{Attribute: "note", New: req.Note})
	}
	audit := []engine.AuditEntry{{At: now, Person: req.Main, PersonName: name(req.Main), Op: engine.OpMerge,
		Outcome: engine.OutcomeDone, Changes: changesOf, Error: "merged " + by}}
	for _, mv := range moved {
		e := engine.AuditEntry{At: now, Person: mv.From, PersonName: name(mv.From), Target: mv.Key.Target, Key: mv.Key, Op: engine.OpMerge, Outcome: engine.OutcomeDone}
		if mv.Transferred {
			e.Changes = []engine.AttributeChange{{Attribute: "person", Old: mv.From, New: req.Main}}
		} else {
			e.Changes = []engine.AttributeChange{{Attribute: "managed", Old: strconv.FormatBool(!mv.WasUnmanaged), New: "false"}}
		}
		audit = append(audit, e)
	}
	if err := a.saveAggregation(ctx, g, changes, audit); err != nil {
		return nil, err
	}
	out := *m
	return &out, nil
}

// suggestionsAfterMerge returns the suggestions once the persons in merged
// are one, main: those between them are decided; those of a member with
// someone else are the merged person's now, so whoever they hold stays
// held until the pair is decided (or the next scan compares the merged
// person).
func suggestionsAfterMerge(g *engine.Aggregation, main string, merged map[string]bool) []engine.Suggestion {
	var out []engine.Suggestion
	have := map[[2]string]bool{}
	for _, s := range g.Suggestions {
		if merged[s.A] && merged[s.B] {
			continue
		}
		if merged[s.A] {
			s.A = main
		}
		if merged[s.B] {
			s.B = main
		}
		if s.B < s.A {
			s.A, s.B, s.AValue, s.BValue = s.B, s.A, s.BValue, s.AValue
		}
		if have[[2]string{s.A, s.B}] || g.Rejected(s.A, s.B) {
			continue
		}
		have[[2]string{s.A, s.B}] = true
		// a member is the merged person now; the main person stays held
		// where they were
		s.Held = slices.DeleteFunc(slices.Clone(s.Held), func(id string) bool { return merged[id] && id != main })
		out = append(out, s)
	}
	return out
}

// Unmerge undoes a merge, found by its number or by one of its persons:
// the members are persons of their own again, with their contracts, and
// the entitlements the merge transferred or left unmanaged are theirs
// again as before.
func (a *App) Unmerge(ctx context.Context, which string) (*engine.Merge, error) {
	done, err := a.decideOnLedger("an unmerge of persons")
	if err != nil {
		return nil, err
	}
	defer done()
	g0, err := a.aggregation(ctx)
	if err != nil {
		return nil, err
	}
	g := cloneAggregation(g0)
	i := slices.IndexFunc(g.Merges, func(m engine.Merge) bool {
		return strconv.FormatUint(m.ID, 10) == which || m.Main == which || slices.Contains(m.Members, which)
	})
	if i < 0 {
		return nil, engine.Errorf(engine.NotFound, "%q is no merge number and no person of a merge", which)
	}
	m := g.Merges[i]
	all := append([]string{m.Main}, m.Members...)
	ledger, err := a.personLedgers(ctx, all)
	if err != nil {
		return nil, err
	}
	changes := aggregate.PlanUnmerge(&m, ledger)
	g.Merges = slices.Delete(g.Merges, i, i+1)
	persons, err := a.snapshotPersons(ctx, all)
	if err != nil {
		return nil, err
	}
	name := nameIn(persons, "")
	now := a.clock.Now()
	audit := []engine.AuditEntry{{At: now, Person: m.Main, PersonName: name(m.Main), Op: engine.OpUnmerge, Outcome: engine.OutcomeDone,
		Changes: []engine.AttributeChange{{Attribute: "merged", Old: strings.Join(m.Members, ", ")}}, Error: fmt.Sprintf("merge %d undone by the administrator", m.ID)}}
	for _, c := range changes {
		if c.Delete {
			continue
		}
		e := engine.AuditEntry{At: now, Person: c.Entry.Person, PersonName: name(c.Entry.Person), Target: c.Entry.Key.Target, Key: c.Entry.Key, Op: engine.OpUnmerge, Outcome: engine.OutcomeDone}
		if c.Entry.Person != m.Main && slices.ContainsFunc(m.Moved, func(mv engine.MovedEntitlement) bool {
			return mv.Transferred && mv.Key.Target == c.Entry.Key.Target && mv.From == c.Entry.Person
		}) { // its whole target goes back
			e.Changes = []engine.AttributeChange{{Attribute: "person", Old: m.Main, New: c.Entry.Person}}
		} else {
			e.Changes = []engine.AttributeChange{{Attribute: "managed", Old: strconv.FormatBool(c.Entry.Unmanaged), New: strconv.FormatBool(!c.Entry.Unmanaged)}}
		}
		audit = append(audit, e)
	}
	if err := a.saveAggregation(ctx, g, changes, audit); err != nil {
		return nil, err
	}
	return &m, nil
}

// RejectSuggestion remembers that two persons are not the same human: the
// pair is not suggested again, and whoever the suggestion held is
// released.
func (a *App) RejectSuggestion(ctx context.Context, x, y, note string) error {
	a.aggMu.Lock()
	defer a.aggMu.Unlock()
	if x == y {
		return engine.Errorf(engine.Invalid, "a person cannot be rejected as a duplicate of themselves")
	}
	g0, err := a.aggregation(ctx)
	if err != nil {
		return err
	}
	if g0.Rejected(x, y) {
		return engine.Errorf(engine.Conflict, "%s and %s are rejected as duplicates already", x, y)
	}
	persons, err := a.snapshotPersons(ctx, []string{x, y})
	if err != nil {
		return err
	}
	for _, id := range []string{x, y} {
		if persons[id] == nil {
			if _, ok := g0.MergeOf(id); !ok {
				return engine.Errorf(engine.NotFound, "there is no person %q in the latest snapshot", id)
			}
		}
	}
	g := cloneAggregation(g0)
	lo, hi := engine.PairKey(x, y)
	now := a.clock.Now()
	g.Rejections = append(g.Rejections, engine.Rejection{A: lo, B: hi, Note: note, At: now})
	g.Suggestions = slices.DeleteFunc(g.Suggestions, func(s engine.Suggestion) bool { return s.A == lo && s.B == hi })
	name := nameIn(persons, "")
	e := engine.AuditEntry{At: now, Person: lo, PersonName: name(lo), Op: engine.OpReject, Outcome: engine.OutcomeDone,
		Changes: []engine.AttributeChange{{Attribute: "not the same human as", New: hi + " (" + name(hi) + ")"}}, Error: "rejected by the administrator"}
	if note != "" {
		e.Changes = append(e.Changes, engine.AttributeChange{Attribute: "note", New: note})
	}
	return a.saveAggregation(ctx, g, nil, []engine.AuditEntry{e})
}

// Exclude excludes a person by hand: Provisio keeps them and what they
// have, but grants and revokes nothing until they are included again.
// A reason is required; excluding an excluded person changes the reason.
func (a *App) Exclude(ctx context.Context, person, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return engine.Errorf(engine.Invalid, "give a reason for excluding %s: it is shown on the person and kept in the audit log", person)
	}
	a.aggMu.Lock()
	defer a.aggMu.Unlock()
	g0, err := a.aggregation(ctx)
	if err != nil {
		return err
	}
	p, err := a.effectivePerson(ctx, person)
	if err != nil {
		return err
	}
	g := cloneAggregation(g0)
	now := a.clock.Now()
	old := ""
	if x, ok := g.Exclusion(p.ID); ok {
		old = x.Reason
		x.Reason, x.At = reason, now
	} else {
		g.Exclusions = append(g.Exclusions, engine.Exclusion{Person: p.ID, Reason: reason, At: now})
	}
	e := engine.AuditEntry{At: now, Person: p.ID, PersonName: displayName(p), Op: engine.OpExclude, Outcome: engine.OutcomeDone,
		Changes: []engine.AttributeChange{{Attribute: "reason", Old: old, New: reason}}, Error: "excluded by the administrator"}
	return a.saveAggregation(ctx, g, nil, []engine.AuditEntry{e})
}

// Include ends a person's exclusion by hand; the next evaluation catches
// up on what changed meanwhile. A person excluded by the source mapping or
// held by an aggregation suggestion cannot be included here: the error
// says what to do instead.
func (a *App) Include(ctx context.Context, person string) error {
	a.aggMu.Lock()
	defer a.aggMu.Unlock()
	g0, err := a.aggregation(ctx)
	if err != nil {
		return err
	}
	p, err := a.effectivePerson(ctx, person)
	if err != nil {
		return err
	}
	x, ok := g0.Exclusion(p.ID)
	if !ok {
		switch {
		case p.Excluded && p.Exclusion == "":
			return engine.Errorf(engine.Conflict, "%s is excluded by the mapping of source system %q (the field Excluded): change the data or the mapping", p.ID, p.Source)
		case p.Excluded:
			return engine.Errorf(engine.Conflict, "%s is %s: merge or reject the suggestion on the Aggregation screen", p.ID, p.Exclusion)
		default:
			return engine.Errorf(engine.Conflict, "%s is not excluded", p.ID)
		}
	}
	g := cloneAggregation(g0)
	g.Exclusions = slices.DeleteFunc(g.Exclusions, func(e engine.Exclusion) bool { return e.Person == p.ID })
	e := engine.AuditEntry{At: a.clock.Now(), Person: p.ID, PersonName: displayName(p), Op: engine.OpInclude, Outcome: engine.OutcomeDone,
		Changes: []engine.AttributeChange{{Attribute: "reason", Old: x.Reason}}, Error: "included by the administrator"}
	return a.saveAggregation(ctx, g, nil, []engine.AuditEntry{e})
}

// effectivePerson returns a person of the latest snapshot with the
// aggregation decisions applied: a person merged into another is the
// merged person.
func (a *App) effectivePerson(ctx context.Context, id string) (*engine.Person, error) {
	g, err := a.aggregation(ctx)
	if err != nil {
		return nil, err
	}
	ids := []string{id}
	main := id
	if m, ok := g.MergeOf(id); ok {
		main = m.Main
		ids = append([]string{m.Main}, m.Members...)
	}
	persons, err := a.snapshotPersons(ctx, ids)
	if err != nil {
		return nil, err
	}
	if persons[id] == nil && main == id && len(ids) == 1 {
		return nil, engine.Errorf(engine.NotFound, "there is no person %q in the latest snapshot", id)
	}
	list := make([]*engine.Person, 0, len(persons))
	for _, p := range persons {
		list = append(list, p)
	}
	slices.SortFunc(list, func(x, y *engine.Person) int { return strings.Compare(x.ID, y.ID) })
	for _, p := range aggregate.Apply(list, g) {
		if p.ID == main {
			return p, nil
		}
	}
	return nil, engine.Errorf(engine.NotFound, "there is no person %q in the latest snapshot", id)
}

// NamedSuggestion is a suggestion with the persons' names.
type NamedSuggestion struct {
	engine.Suggestion
	AName string `json:"aName"`
	BName string `json:"bName"`
}

// NamedMerge is a merge with the persons' names, by id.
type NamedMerge struct {
	engine.Merge
	Names map[string]string `json:"names"`
}

// AggregationOverview is what the aggregation screen and command list.
type AggregationOverview struct {
	Suggestions []NamedSuggestion  `json:"suggestions"`
	Merges      []NamedMerge       `json:"merges"`
	Rejections  []engine.Rejection `json:"rejections"`
	Exclusions  []engine.Exclusion `json:"exclusions"`
	// Held counts the persons excluded while suggestions wait.
	Held        int       `json:"held"`
	ScannedAt   time.Time `json:"scannedAt,omitzero"`
	Snapshot    uint64    `json:"snapshot,omitempty"`
	Scanned     int       `json:"scanned"`
	Comparisons int64     `json:"comparisons"`
	// ValueErrorCount counts the persons whose aggregation value failed
	// in the latest scan; ValueErrors describes the first of them.
	ValueErrorCount int      `json:"valueErrorCount,omitempty"`
	ValueErrors     []string `json:"valueErrors,omitempty"`
	// Settings are the aggregation settings in force.
	Settings engine.AggregationSettings `json:"settings"`
}

// AggregationOverview returns the suggestions and decisions with names.
func (a *App) AggregationOverview(ctx context.Context) (*AggregationOverview, error) {
	g, err := a.aggregation(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, s := range g.Suggestions {
		ids = append(ids, s.A, s.B)
	}
	for _, m := range g.Merges {
		ids = append(ids, m.Main)
		ids = append(ids, m.Members...)
	}
	for _, x := range g.Exclusions {
		ids = append(ids, x.Person)
	}
	persons, err := a.snapshotPersons(ctx, ids)
	if err != nil {
		return nil, err
	}
	name := nameIn(persons, " (not in the latest snapshot)")
	o := &AggregationOverview{Rejections: g.Rejections, Exclusions: g.Exclusions, ScannedAt: g.ScannedAt, Snapshot: g.Snapshot,
		Scanned: g.Scanned, Comparisons: g.Comparisons, ValueErrorCount: g.ValueErrorCount, ValueErrors: g.ValueErrors, Settings: cfg.AggregationSettings()}
	held := map[string]bool{}
	for _, s := range g.Suggestions {
		o.Suggestions = append(o.Suggestions, NamedSuggestion{Suggestion: s, AName: name(s.A), BName: name(s.B)})
		for _, h := range s.Held {
			held[h] = true
		}
	}
	o.Held = len(held)
	for _, m := range g.Merges {
		nm := NamedMerge{Merge: m, Names: map[string]string{m.Main: name(m.Main)}}
		for _, id := range m.Members {
			nm.Names[id] = name(id)
		}
		o.Merges = append(o.Merges, nm)
	}
	return o, nil
}

// FieldPair is one field of two persons side by side.
type FieldPair struct {
	Path  string `json:"path"`
	Label string `json:"label"`
	A     string `json:"a"`
	B     string `json:"b"`
	Same  bool   `json:"same"`
}

// Comparison is two persons side by side, field by field, as their
// source systems have them.
type Comparison struct {
	A, B *engine.Person
	// Fields are the person fields either has, in the registry's order.
	Fields []FieldPair `json:"fields"`
	// Contracts are each person's contracts, one line each.
	AContracts []string `json:"aContracts"`
	BContracts []string `json:"bContracts"`
	// Score is the suggestion's, when there is one.
	Score float64 `json:"score,omitempty"`
	// AEntitlements and BEntitlements count what each has in the ledger.
	AEntitlements int `json:"aEntitlements"`
	BEntitlements int `json:"bEntitlements"`
}

// Compare returns two persons side by side.
func (a *App) Compare(ctx context.Context, x, y string) (*Comparison, error) {
	persons, err := a.snapshotPersons(ctx, []string{x, y})
	if err != nil {
		return nil, err
	}
	for _, id := range []string{x, y} {
		if persons[id] == nil {
			return nil, engine.Errorf(engine.NotFound, "there is no person %q in the latest snapshot", id)
		}
	}
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	c := &Comparison{A: persons[x], B: persons[y]}
	for _, f := range engine.NewFields(cfg.Schema).Person {
		va, vb := f.Get(c.A).String(), f.Get(c.B).String()
		if va == "" && vb == "" || f.Path == "Id" {
			continue
		}
		c.Fields = append(c.Fields, FieldPair{Path: f.Path, Label: f.Label, A: va, B: vb, Same: va == vb})
	}
	line := func(k engine.Contract) string {
		end := k.EndDate.String()
		if end == "" {
			end = "open-ended"
		}
		return fmt.Sprintf("%s: %s – %s, %s, %s", k.ExternalID, k.StartDate, end, k.Department.Label(), k.Title.Label())
	}
	for _, k := range c.A.Contracts {
		c.AContracts = append(c.AContracts, line(k))
	}
	for _, k := range c.B.Contracts {
		c.BContracts = append(c.BContracts, line(k))
	}
	ledger, err := a.personLedgers(ctx, []string{x, y})
	if err != nil {
		return nil, err
	}
	c.AEntitlements, c.BEntitlements = len(ledger[x]), len(ledger[y])
	g, err := a.aggregation(ctx)
	if err != nil {
		return nil, err
	}
	lo, hi := engine.PairKey(x, y)
	for _, s := range g.Suggestions {
		if s.A == lo && s.B == hi {
			c.Score = s.Score
		}
	}
	return c, nil
}

// SaveAggregationSettings checks and saves the aggregation settings; the
// next scan uses them.
func (a *App) SaveAggregationSettings(ctx context.Context, s engine.AggregationSettings) error {
	if err := aggregate.CheckSettings(s); err != nil {
		return engine.Errorf(engine.Invalid, "aggregation settings: %v", err)
	}
	a.config.Lock()
	defer a.config.Unlock()
	cfg, err := a.Config(ctx)
	if err != nil {
		return err
	}
	cfg.Aggregation = &s
	return a.saveConfig(ctx, cfg, "aggregation settings saved")
}

// PreviewAggregationValue returns the aggregation value src gives a
// person it mapped (for the source editor's preview), or what is wrong
// with src's aggregation value.
func (a *App) PreviewAggregationValue(ctx context.Context, src *engine.SourceSystem, p *engine.Person) (string, error) {
	cfg, err := a.Config(ctx)
	if err != nil {
		return "", err
	}
	probe := *cfg
	probe.SourceSystems = append([]engine.SourceSystem{*src}, slices.DeleteFunc(slices.Clone(cfg.SourceSystems), func(s engine.SourceSystem) bool { return s.Key == src.Key })...)
	if err := aggregate.Check(&probe, src); err != nil {
		return "", err
	}
	x := *p
	x.Source = src.Key
	items, errs, err := aggregate.Values(ctx, &probe, []*engine.Person{&x}, aggregate.Options{AsOf: a.Today(), Workers: 1})
	if err != nil {
		return "", err
	}
	if len(errs) > 0 {
		return "", errs[0].Err
	}
	return items[0].Value, nil
}
