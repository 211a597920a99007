package app

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"

	"provisio/engine"
	"provisio/engine/aggregate"
)

// PersonSummary is a person as lists show them.
type PersonSummary struct {
	ID          string        `json:"id"`
	Source      string        `json:"source"`
	ExternalID  string        `json:"externalId"`
	DisplayName string        `json:"displayName"`
	Email       string        `json:"email,omitempty"`
	Department  string        `json:"department,omitempty"`
	Title       string        `json:"title,omitempty"`
	Status      engine.Status `json:"status"`
	// Exclusion says why the person is excluded when the source mapping
	// did not: by hand, or while an aggregation suggestion waits.
	Exclusion string `json:"exclusion,omitempty"`
	// MergedFrom lists the persons merged into this one.
	MergedFrom []string `json:"mergedFrom,omitempty"`

	ref    engine.RecordRef
	search string // lower case, without diacritics: name, ids, e-mail, department, title
	sort   string // lower-case display name
}

// PersonList is every person of a snapshot as of a date, sorted by display
// name, ready for searching.
type PersonList struct {
	Snapshot uint64
	AsOf     engine.Date
	Persons  []PersonSummary
	byID     map[string]int
}

// Find returns the summary of the person with the given id.
func (l *PersonList) Find(id string) (*PersonSummary, bool) {
	i, ok := l.byID[id]
	if !ok {
		return nil, false
	}
	return &l.Persons[i], true
}

// Counts returns the number of persons per status.
func (l *PersonList) Counts() map[engine.Status]int {
	m := map[engine.Status]int{}
	for i := range l.Persons {
		m[l.Persons[i].Status]++
	}
	return m
}

// PersonFilter selects persons: Query words must all appear in a person's
// name, external id, e-mail, department or title (case and accents do not
// matter); Status, when set, must match.
type PersonFilter struct {
	Query  string
	Status engine.Status
}

// Filter returns the positions of the persons that match f, in list order.
// It scans the list on all cores; 300,000 persons take a few milliseconds.
func (l *PersonList) Filter(f PersonFilter) []int {
	words := strings.Fields(normalize(f.Query))
	n := len(l.Persons)
	workers := min(runtime.GOMAXPROCS(0), max(1, n/20000))
	parts := make([][]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out []int
		next:
			for i := lo; i < hi; i++ {
				p := &l.Persons[i]
				if f.Status != "" && p.Status != f.Status {
					continue
				}
				for _, w := range words {
					if !strings.Contains(p.search, w) {
						continue next
					}
				}
				out = append(out, i)
			}
			parts[w] = out
		}()
	}
	wg.Wait()
	return slices.Concat(parts...)
}

func normalize(s string) string {
	return strings.ToLower(engine.RemoveDiacritics(s))
}

// Persons returns the persons of the latest snapshot as of today. The list
// is built once per snapshot and day and shared: do not modify it.
func (a *App) Persons(ctx context.Context) (*PersonList, error) {
	a.building.Lock()
	defer a.building.Unlock()
	today := a.Today()
	a.mu.Lock()
	cached, gen := a.persons, a.gen
	a.mu.Unlock()
	snap, err := a.store.FindSnapshot(ctx, 0)
	if engine.IsCode(err, engine.NotFound) {
		return &PersonList{AsOf: today, byID: map[string]int{}}, nil
	}
	if err != nil {
		return nil, err
	}
	if cached != nil && cached.Snapshot == snap.Number && cached.AsOf == today {
		return cached, nil
	}
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	primary, err := cfg.PrimaryContract.Compile(engine.NewFields(cfg.Schema))
	if err != nil {
		return nil, err
	}
	idx, err := a.store.SnapshotIndex(ctx, snap.Number)
	if err != nil {
		return nil, err
	}
	refs := make([]engine.RecordRef, len(idx.Entries))
	for i, e := range idx.Entries {
		refs[i] = e.Ref
	}
	g, err := a.aggregation(ctx)
	if err != nil {
		return nil, err
	}
	overlay := aggregate.NewOverlay(g)
	list := &PersonList{Snapshot: snap.Number, AsOf: today, Persons: make([]PersonSummary, len(refs))}
	// the persons of merges are summarised once merged
	var stashMu sync.Mutex
	var stashed []*engine.Person
	// the store decodes on this goroutine while others summarise
	type item struct {
		i int
		p *engine.Person
	}
	batches := make(chan []item, 4)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range batches {
				for _, it := range batch {
					if overlay.InMerge(it.p.ID) {
						stashMu.Lock()
						stashed = append(stashed, it.p)
						stashMu.Unlock()
						list.Persons[it.i].ID = "" // dropped below
						continue
					}
					list.Persons[it.i] = summarize(overlay.Exclude(it.p), primary, today)
					list.Persons[it.i].ref = refs[it.i]
				}
			}
		}()
	}
	batch := make([]item, 0, 512)
	err = a.store.ReadPersons(ctx, refs, func(i int, p *engine.Person) error {
		batch = append(batch, item{i, p})
		if len(batch) == cap(batch) {
			batches <- batch
			batch = make([]item, 0, 512)
		}
		return nil
	})
	batches <- batch
	close(batches)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if len(stashed) > 0 {
		list.Persons = slices.DeleteFunc(list.Persons, func(s PersonSummary) bool { return s.ID == "" })
		slices.SortFunc(stashed, func(x, y *engine.Person) int { return strings.Compare(x.ID, y.ID) })
		for _, p := range overlay.Apply(stashed) {
			s := summarize(p, primary, today)
			if e, ok := idx.Find(p.ID); ok {
				s.ref = e.Ref
			}
			list.Persons = append(list.Persons, s)
		}
	}
	slices.SortFunc(list.Persons, func(x, y PersonSummary) int {
		if c := cmp.Compare(x.sort, y.sort); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	list.byID = make(map[string]int, len(list.Persons))
	for i := range list.Persons {
		list.byID[list.Persons[i].ID] = i
	}
	a.mu.Lock()
	if a.gen == gen { // else the configuration or snapshot changed meanwhile
		a.persons = list
	}
	a.mu.Unlock()
	return list, nil
}

func summarize(p *engine.Person, primary *engine.PrimaryContractRule, today engine.Date) PersonSummary {
	s := PersonSummary{
		ID: p.ID, Source: p.Source, ExternalID: p.ExternalID, DisplayName: p.DisplayName,
		Email: p.Contact.Business.Email, Status: p.StatusOn(today), Exclusion: p.Exclusion, MergedFrom: p.MergedFrom,
	}
	if s.DisplayName == "" {
		s.DisplayName = strings.TrimSpace(p.Name.GivenName + " " + p.Name.FamilyName)
	}
	if i := primary.Primary(p.Contracts, today); i >= 0 {
		c := &p.Contracts[i]
		s.Department = c.Department.Label()
		s.Title = c.Title.Label()
	}
	s.sort = strings.ToLower(s.DisplayName)
	s.search = normalize(strings.Join([]string{s.ID, strings.Join(p.MergedFrom, " "), s.DisplayName, p.Name.GivenName, p.Name.NickName, p.Name.FamilyName, p.Name.FamilyNamePartner, p.ExternalID, s.Email, s.Department, s.Title}, " "))
	return s
}

// ContractView is a contract with where it stands today.
type ContractView struct {
	engine.Contract
	State   engine.ContractState `json:"state"`
	Primary bool                 `json:"primary"`
}

// PersonDetail is one person with what Provisio derives from them today.
type PersonDetail struct {
	Person    *engine.Person      `json:"person"`
	Snapshot  uint64              `json:"snapshot"`
	Status    engine.Status       `json:"status"`
	Contracts []ContractView      `json:"contracts"`
	Fields    []engine.FieldValue `json:"fields"`
	// Department is the primary contract's department and DepartmentPath
	// its names from the root of the tree down.
	Department     *engine.Department `json:"department,omitempty"`
	DepartmentPath []string           `json:"departmentPath,omitempty"`
	// ManagerExternalID is the manager found for the primary contract,
	// and Manager their summary when they are a person of the workspace.
	ManagerExternalID string         `json:"managerExternalId,omitempty"`
	Manager           *PersonSummary `json:"manager,omitempty"`
}

// Person returns one person of the latest snapshot. id is a person id
// ("hr:1042") or, when that is unambiguous, an external id.
func (a *App) Person(ctx context.Context, id string) (*PersonDetail, error) {
	list, err := a.Persons(ctx)
	if err != nil {
		return nil, err
	}
	g, err := a.aggregation(ctx)
	if err != nil {
		return nil, err
	}
	if m, ok := g.MergeOf(id); ok { // a person merged into another is the merged person
		id = m.Main
	}
	sum, ok := list.Find(id)
	if !ok {
		var matches []*PersonSummary
		for i := range list.Persons {
			if list.Persons[i].ExternalID == id {
				matches = append(matches, &list.Persons[i])
			}
		}
		switch len(matches) {
		case 0:
			return nil, engine.Errorf(engine.NotFound, "there is no person %q in snapshot %d", id, list.Snapshot)
		case 1:
			sum = matches[0]
		default:
			return nil, engine.Errorf(engine.Invalid, "%d persons have external id %q; use the person id (%s or %s)", len(matches), id, matches[0].ID, matches[1].ID)
		}
	}
	var p *engine.Person
	if _, merged := g.MergeOf(sum.ID); merged {
		p, err = a.effectivePerson(ctx, sum.ID)
	} else {
		err = a.store.ReadPersons(ctx, []engine.RecordRef{sum.ref}, func(_ int, x *engine.Person) error { p = aggregate.NewOverlay(g).Exclude(x); return nil })
	}
	if err != nil {
		return nil, err
	}
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, err
	}
	fields := engine.NewFields(cfg.Schema)
	primary, err := cfg.PrimaryContract.Compile(fields)
	if err != nil {
		return nil, err
	}
	today := list.AsOf
	d := &PersonDetail{Person: p, Snapshot: list.Snapshot, Status: p.StatusOn(today)}
	pi := primary.Primary(p.Contracts, today)
	for i, c := range p.Contracts {
		d.Contracts = append(d.Contracts, ContractView{Contract: c, State: c.StateOn(today), Primary: i == pi})
	}
	for _, pf := range fields.Person {
		if v := pf.Get(p); !v.IsEmpty() {
			d.Fields = append(d.Fields, engine.FieldValue{Path: pf.Path, Label: pf.Label, Value: v.String()})
		}
	}
	if pi >= 0 {
		depts, err := a.store.ReadDepartments(ctx, list.Snapshot)
		if err != nil {
			return nil, err
		}
		org := engine.NewOrg(depts)
		c := &p.Contracts[pi]
		if dep, ok := org.Department(p.Source, c.Department.ExternalID); ok {
			d.Department = dep
			d.DepartmentPath = departmentPath(org, dep)
		}
		if m := org.ManagerOf(p, c); m != "" {
			d.ManagerExternalID = m
			if ms, ok := list.Find(engine.PersonID(p.Source, m)); ok {
				d.Manager = ms
			}
		}
	}
	return d, nil
}

func departmentPath(org *engine.Org, d *engine.Department) []string {
	var path []string
	seen := map[string]bool{}
	for d != nil && !seen[d.ExternalID] {
		seen[d.ExternalID] = true
		name := d.DisplayName
		if name == "" {
			name = d.ExternalID
		}
		path = append([]string{name}, path...)
		if d.ParentExternalID == "" {
			break
		}
		d, _ = org.Department(d.Source, d.ParentExternalID)
	}
	return path
}
