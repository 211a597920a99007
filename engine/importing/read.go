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
	where    string
	person   *engine.Person
	contract *contractPart
	dept     *deptPart
	errs     []engine.RecordError
}

type contractPart struct {
	seq    int
	where  string
	c      engine.Contract
	issues []engine.Issue
}

type deptPart struct {
	seq   int
	where string
	d     engine.Department
}

type assembly struct {
	person    *engine.Person
	seq       int
	where     string
	contracts []contractPart
}

const batchSize = 256

// read streams the source through the mapper on several goroutines and
// assembles persons with their contracts.
func (im *Importer) read(ctx context.Context, cfg *engine.Config, src *engine.SourceSystem, conn engine.SourceConnector, progress func(Progress)) (*readResult, error) {
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

	var errMu sync.Mutex
	var errs []engine.RecordError
	addErrs := func(es ...engine.RecordError) {
		errMu.Lock()
		errs = append(errs, es...)
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
		readErr = conn.Read(ctx, emit, func(e *engine.RecordError) { addErrs(*e) }, report)
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

	asm := map[string]*assembly{}
	var depts []deptPart
	for batch := range results {
		for i := range batch {
			r := &batch[i]
			if len(r.errs) > 0 {
				errs = appendLocked(&errMu, errs, r.errs)
			}
			if r.dept != nil {
				depts = append(depts, *r.dept)
				continue
			}
			a := asm[r.key]
			if a == nil {
				a = &assembly{}
				asm[r.key] = a
			}
			if r.person != nil {
				switch {
				case a.person == nil:
					a.person, a.seq, a.where = r.person, r.seq, r.where
				case r.seq < a.seq:
					addErrs(duplicateKey(r.key, a.where, r.where))
					a.person, a.seq, a.where = r.person, r.seq, r.where
				default:
					addErrs(duplicateKey(r.key, r.where, a.where))
				}
			}
			if r.contract != nil {
				a.contracts = append(a.contracts, *r.contract)
			}
		}
	}
	if readErr != nil {
		return nil, readErr
	}
	if err := engine.CheckCanceled(ctx); err != nil {
		return nil, err
	}

	res := &readResult{}
	res.counts.Records = records
	byID := make(map[string]string, len(asm))
	res.persons = make([]*engine.Person, 0, len(asm))
	for key, a := range asm {
		if a.person == nil {
			for _, c := range a.contracts {
				errs = append(errs, engine.RecordError{Person: key, Message: fmt.Sprintf("%s: the contract belongs to person key %q, but no person has that key; the contract is ignored", c.where, key)})
			}
			continue
		}
		p := a.person
		if p.ExternalID == "" {
			continue // reported by the mapper
		}
		if other, dup := byID[p.ID]; dup {
			errs = append(errs, engine.RecordError{Person: key, Field: "ExternalId", Message: fmt.Sprintf("%s: ExternalId %q is also the ExternalId of the person at %s; this person is ignored", a.where, p.ExternalID, other)})
			continue
		}
		byID[p.ID] = a.where
		slices.SortFunc(a.contracts, func(x, y contractPart) int { return cmp.Compare(x.seq, y.seq) })
		for _, c := range a.contracts {
			p.Contracts = append(p.Contracts, c.c)
			p.Issues = append(p.Issues, c.issues...)
		}
		engine.CanonicalizePerson(p)
		res.persons = append(res.persons, p)
	}
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
	seenDept := map[string]string{}
	for _, d := range depts {
		if first, dup := seenDept[d.d.ExternalID]; dup {
			errs = append(errs, engine.RecordError{Field: "ExternalId", Message: fmt.Sprintf("%s: department %q is also at %s; this one is ignored", d.where, d.d.ExternalID, first)})
			continue
		}
		seenDept[d.d.ExternalID] = d.where
		res.departments = append(res.departments, d.d)
	}
	slices.SortFunc(res.departments, func(a, b engine.Department) int { return cmp.Compare(a.ExternalID, b.ExternalID) })
	res.counts.Departments = len(res.departments)

	slices.SortStableFunc(errs, func(a, b engine.RecordError) int {
		if c := cmp.Compare(a.File, b.File); c != 0 {
			return c
		}
		return cmp.Compare(a.Line, b.Line)
	})
	res.errorCount = len(errs)
	if len(errs) > engine.MaxImportErrors {
		errs = errs[:engine.MaxImportErrors]
	}
	res.errors = errs
	return res, nil
}

func appendLocked(mu *sync.Mutex, dst, src []engine.RecordError) []engine.RecordError {
	mu.Lock()
	defer mu.Unlock()
	return append(dst, src...)
}

func duplicateKey(key, ignored, kept string) engine.RecordError {
	return engine.RecordError{Person: key, Message: fmt.Sprintf("%s: person key %q is also at %s; this record is ignored", ignored, key, kept)}
}

// mapJob maps one raw record into its parts.
func mapJob(s *mapping.Session, j job) result {
	rec := j.rec
	where := rec.Where()
	if rec.Kind == engine.RecordDepartment {
		d, errs := s.Department(rec)
		r := result{seq: j.seq, errs: errs}
		if d.ExternalID != "" {
			r.dept = &deptPart{seq: j.seq, where: where, d: d}
		}
		return r
	}
	r := result{key: rec.PersonKey, seq: j.seq, where: where}
	if j.person {
		p, errs := s.Person(rec)
		r.person = p
		r.errs = append(r.errs, errs...)
	}
	if j.contract {
		c, issues, errs := s.Contract(rec)
		r.contract = &contractPart{seq: j.seq, where: where, c: c, issues: issues}
		r.errs = append(r.errs, errs...)
	}
	return r
}
