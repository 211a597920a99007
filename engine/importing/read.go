package importing

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"provisio/engine"
	"provisio/engine/mapping"
)

// readResult is a source system's data after mapping.
type readResult struct {
	persons     []*engine.Person // sorted by id, canonical
	departments []engine.Department
	counts      engine.ImportCounts
	errors      []engine.RecordError // sorted by file and line, at most MaxImportErrors
	errorCount  int
	// unreadable holds the ids of persons a row of whom could not be read:
	// their previous version is kept rather than changed or removed.
	unreadable map[string]bool
}

type job struct {
	rec      *engine.RawRecord
	seq      int
	person   bool
	contract bool
}

type result struct {
	key      string
	seq      int
	at       origin
	person   *engine.Person
	contract *contractPart
	dept     *deptPart
	errs     []engine.RecordError
}

// origin is where a record starts in its source.
type origin struct {
	file string
	line int
}

func (o origin) String() string { return (&engine.RawRecord{File: o.file, Line: o.line}).Where() }

type contractPart struct {
	c      engine.Contract
	issues []engine.Issue
}

type deptPart struct {
	seq int
	at  origin
	d   engine.Department
}

// assembly gathers one person key's person record and contracts, which
// arrive from the mapping goroutines in any order.
type assembly struct {
	key       string
	person    *engine.Person
	seq       int // of the person record
	at        origin
	contracts []engine.Contract
	cseq      []int // seq of each contract record
	cat       []origin
	cissues   [][]engine.Issue // the issues of each contract record
}

// order returns the position of the assembly's first record.
func (a *assembly) order() int {
	if a.person != nil {
		return a.seq
	}
	return slices.Min(a.cseq)
}

// contractsInOrder returns the contracts and their issues in record order,
// so that equal contracts, and issues that canonical order does not tell
// apart, keep the order of the file whatever order they were mapped in.
func (a *assembly) contractsInOrder() ([]engine.Contract, []engine.Issue) {
	if slices.IsSorted(a.cseq) {
		return a.contracts, slices.Concat(a.cissues...)
	}
	idx := make([]int, len(a.contracts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(x, y int) int { return cmp.Compare(a.cseq[x], a.cseq[y]) })
	out := make([]engine.Contract, len(idx))
	var issues []engine.Issue
	for i, k := range idx {
		out[i] = a.contracts[k]
		issues = append(issues, a.cissues[k]...)
	}
	return out, issues
}

const batchSize = 256

// read streams the source through the mapper on several goroutines and
// assembles persons with their contracts.
func (im *Importer) read(ctx context.Context, cfg *engine.Config, src *engine.SourceSystem, conn engine.SourceConnector, expected int, progress func(Progress)) (*readResult, error) {
	fields := engine.NewFields(cfg.Schema)
	desc, err := conn.Describe(ctx)
	if err != nil {
		return nil, err
	}
	m, err := mapping.Compile(src, fields, mapping.Options{Description: &desc, TimeLimit: im.TimeLimit})
	if err != nil {
		return nil, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := im.workers()
	jobs := make(chan []job, 2*workers)
	results := make(chan []result, 2*workers)

	// Rows that could not be read come first in the report: they are the
	// cause of what follows (a contract without its person, say). Only so
	// many problems are kept; all are counted.
	var errMu sync.Mutex
	var readErrs, errs problems
	addErrs := func(es ...engine.RecordError) {
		errMu.Lock()
		errs.add(es...)
		errMu.Unlock()
	}
	unreadable := map[string]bool{} // person keys, guarded by errMu
	readError := func(e *engine.RecordError) {
		errMu.Lock()
		readErrs.add(*e)
		if e.Person != "" {
			unreadable[e.Person] = true
		}
		errMu.Unlock()
	}

	// the reader: one goroutine dispatching records in batches
	var readErr error
	var records int
	go func() {
		defer close(jobs)
		seen := map[string]struct{}{}
		batch := make([]job, 0, batchSize)
		last := time.Time{}
		report := func(done, total int64) {
			if now := time.Now(); now.Sub(last) > 50*time.Millisecond || done == total {
				last = now
				progress(Progress{Source: src.Key, Phase: PhaseReading, Done: done, Total: total})
			}
		}
		emit := func(rec *engine.RawRecord) error {
			j := job{rec: rec, seq: records}
			records++
			switch rec.Kind {
			case engine.RecordPersonContract:
				if _, ok := seen[rec.PersonKey]; !ok {
					seen[rec.PersonKey] = struct{}{}
					j.person = true
				}
				j.contract = true
			case engine.RecordPerson:
				j.person = true
			case engine.RecordContract:
				j.contract = true
			}
			batch = append(batch, j)
			if len(batch) == batchSize {
				select {
				case jobs <- batch:
				case <-ctx.Done():
					return engine.CheckCanceled(ctx)
				}
				batch = make([]job, 0, batchSize)
			}
			return nil
		}
		readErr = conn.Read(ctx, emit, readError, report)
		if readErr == nil && len(batch) > 0 {
			select {
			case jobs <- batch:
			case <-ctx.Done():
			}
		}
	}()

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := m.NewSession()
			for batch := range jobs {
				out := make([]result, 0, len(batch))
				for _, j := range batch {
					if m.Err() != nil {
						break // the collector stops the import
					}
					out = append(out, mapJob(s, j))
				}
				select {
				case results <- out:
				case <-ctx.Done():
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	asm := make(map[string]*assembly, expected)
	list := make([]*assembly, 0, expected)
	var depts []deptPart
	for batch := range results {
		if err := m.Err(); err != nil {
			cancel() // the goroutines see it and stop
			return nil, err
		}
		for i := range batch {
			r := &batch[i]
			if len(r.errs) > 0 {
				// under the lock, as the reader goroutine's onError
				// appends to errs at the same time
				addErrs(r.errs...)
			}
			if r.dept != nil {
				depts = append(depts, *r.dept)
				continue
			}
			if r.person == nil && r.contract == nil {
				// a department without an id (reported by the mapper):
				// an empty assembly would have no position in the file
				continue
			}
			a := asm[r.key]
			if a == nil {
				a = &assembly{key: r.key}
				asm[r.key] = a
				list = append(list, a)
			}
			if r.person != nil {
				switch {
				case a.person == nil:
					a.person, a.seq, a.at = r.person, r.seq, r.at
				case r.seq < a.seq:
					addErrs(duplicateKey(r.key, a.at, r.at))
					a.person, a.seq, a.at = r.person, r.seq, r.at
				default:
					addErrs(duplicateKey(r.key, r.at, a.at))
				}
			}
			if c := r.contract; c != nil {
				a.contracts = append(a.contracts, c.c)
				a.cseq = append(a.cseq, r.seq)
				a.cat = append(a.cat, r.at)
				a.cissues = append(a.cissues, c.issues)
			}
		}
	}
	if readErr != nil {
		return nil, readErr
	}
	if err := engine.CheckCanceled(ctx); err != nil {
		return nil, err
	}

	res := &readResult{unreadable: map[string]bool{}}
	res.counts.Records = records
	for key := range unreadable {
		res.unreadable[engine.PersonID(src.Key, key)] = true
	}
	asm = nil
	// decide duplicates in file order, so the first record always wins
	slices.SortFunc(list, func(x, y *assembly) int { return cmp.Compare(x.order(), y.order()) })
	byID := make(map[string]origin, len(list))
	res.persons = make([]*engine.Person, 0, len(list))
	for _, a := range list {
		if a.person == nil && unreadable[a.key] {
			continue // the person's own row could not be read, as reported
		}
		if a.person == nil {
			for i := range a.contracts {
				at := a.cat[i]
				errs.add(engine.RecordError{File: at.file, Line: at.line, Person: a.key,
					Message: fmt.Sprintf("the contract belongs to person key %q, but no person has that key; the contract is ignored", a.key)})
			}
			continue
		}
		p := a.person
		if p.ExternalID == "" {
			continue // reported by the mapper
		}
		if other, dup := byID[p.ID]; dup {
			errs.add(engine.RecordError{File: a.at.file, Line: a.at.line, Person: a.key, Field: "ExternalId",
				Message: fmt.Sprintf("ExternalId %q is also the ExternalId of the person at %s; this person is ignored", p.ExternalID, other)})
			continue
		}
		byID[p.ID] = a.at
		contracts, issues := a.contractsInOrder()
		p.Contracts = contracts
		p.Issues = append(p.Issues, issues...)
		if unreadable[a.key] {
			// some of their rows are missing: a new person is blocked
			// until the file is fixed, a known one is kept (see compare)
			res.unreadable[p.ID] = true
			p.Issues = append(p.Issues, engine.Issue{Message: "a row of this person could not be read (see the import's problems); fix the file and import again", Blocking: true})
		}
		engine.CanonicalizePerson(p)
		res.persons = append(res.persons, p)
	}
	list = nil
	slices.SortFunc(res.persons, func(a, b *engine.Person) int { return cmp.Compare(a.ID, b.ID) })
	for _, p := range res.persons {
		res.counts.Persons++
		res.counts.Contracts += len(p.Contracts)
		if p.Blocked() {
			res.counts.Blocked++
		}
		if p.Excluded {
			res.counts.Excluded++
		}
	}

	slices.SortFunc(depts, func(a, b deptPart) int { return cmp.Compare(a.seq, b.seq) })
	seenDept := map[string]origin{}
	for _, d := range depts {
		if first, dup := seenDept[d.d.ExternalID]; dup {
			errs.add(engine.RecordError{File: d.at.file, Line: d.at.line, Field: "ExternalId",
				Message: fmt.Sprintf("department %q is also at %s; this one is ignored", d.d.ExternalID, first)})
			continue
		}
		seenDept[d.d.ExternalID] = d.at
		res.departments = append(res.departments, d.d)
	}
	slices.SortFunc(res.departments, func(a, b engine.Department) int { return cmp.Compare(a.ExternalID, b.ExternalID) })
	res.counts.Departments = len(res.departments)

	res.errorCount = readErrs.count + errs.count
	res.errors = append(readErrs.sorted(), errs.sorted()...)
	if len(res.errors) > engine.MaxImportErrors {
		res.errors = res.errors[:engine.MaxImportErrors]
	}
	return res, nil
}

func duplicateKey(key string, ignored, kept origin) engine.RecordError {
	return engine.RecordError{File: ignored.file, Line: ignored.line, Person: key,
		Message: fmt.Sprintf("person key %q is also at %s; this record is ignored", key, kept)}
}

// mapJob maps one raw record into its parts.
func mapJob(s *mapping.Session, j job) result {
	rec := j.rec
	at := origin{rec.File, rec.Line}
	if rec.Kind == engine.RecordDepartment {
		d, errs := s.Department(rec)
		r := result{seq: j.seq, errs: errs}
		if d.ExternalID != "" {
			r.dept = &deptPart{seq: j.seq, at: at, d: d}
		}
		return r
	}
	r := result{key: rec.PersonKey, seq: j.seq, at: at}
	if j.person {
		p, errs := s.Person(rec)
		r.person = p
		r.errs = append(r.errs, errs...)
	}
	if j.contract {
		c, issues, errs := s.Contract(rec)
		r.contract = &contractPart{c: c, issues: issues}
		r.errs = append(r.errs, errs...)
	}
	return r
}

// problems collects record errors, keeping the first few thousand (they
// arrive in about file order) and counting the rest.
type problems struct {
	kept  []engine.RecordError
	count int
}

// keptProblems is how many problems are held before sorting; only
// MaxImportErrors are reported.
const keptProblems = 10 * engine.MaxImportErrors

func (p *problems) add(es ...engine.RecordError) {
	for _, e := range es {
		p.count++
		if len(p.kept) < keptProblems {
			p.kept = append(p.kept, e)
		}
	}
}

// sorted returns the kept problems by file and line.
func (p *problems) sorted() []engine.RecordError {
	slices.SortStableFunc(p.kept, func(a, b engine.RecordError) int {
		if c := cmp.Compare(a.File, b.File); c != 0 {
			return c
		}
		return cmp.Compare(a.Line, b.Line)
	})
	return p.kept
}
