package aggregate

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"provisio/engine"
	"provisio/engine/accounts"
	"provisio/engine/rules"
)

// Item is one person's aggregation value, what Find compares.
type Item struct {
	Person string // the person's id
	Value  string // "" when the person has none: never compared
}

// ValueError is a person whose aggregation value could not be computed:
// their snippet failed or was stopped by the time limit. The person gets
// no value, and so no suggestion; the others are not affected.
type ValueError struct {
	Person string
	Source string // the source system's key
	Err    error  // names the source system and gives the JavaScript error with its line
}

func (e ValueError) Error() string { return fmt.Sprintf("person %s: %v", e.Person, e.Err) }

func (e ValueError) Unwrap() error { return e.Err }

// Options tune Values.
type Options struct {
	// Departments resolve Person.Manager for snippets that read it.
	Departments []engine.Department
	// AsOf is the reference date that chooses Person.PrimaryContract:
	// the clock's today, usually.
	AsOf engine.Date
	// TimeLimit bounds one snippet call; zero means accounts.DefaultTimeLimit.
	TimeLimit time.Duration
	// Workers is the number of goroutines, each with its own JavaScript
	// runtime; zero means GOMAXPROCS.
	Workers int
}

// SnippetName is the name of aggregation snippets in JavaScript error
// positions: "AggregationValue:3:12" is line 3, column 12.
const SnippetName = "AggregationValue"

// mappingOf returns a source's aggregation mapping: its own, or the
// default snippet.
func mappingOf(src *engine.SourceSystem) *engine.StageValue {
	if src != nil && src.AggregationValue != nil {
		return src.AggregationValue
	}
	return &engine.StageValue{Type: engine.MapComplex, Value: engine.DefaultAggregationSnippet}
}

// defaultKey is the compiled value of persons whose source system the
// configuration does not have (any longer): the default snippet.
const defaultKey = "\x00default"

func where(src *engine.SourceSystem) string {
	name := src.Name
	if name == "" {
		name = src.Key
	}
	return "the aggregation value of " + name
}

// compile compiles the aggregation values of every source system of cfg,
// and the default snippet for persons of unknown sources.
func compile(cfg *engine.Config, timeLimit time.Duration) (*accounts.Mapper, error) {
	env, err := rules.NewEnv(cfg)
	if err != nil {
		return nil, err
	}
	values := make([]accounts.NamedValue, 0, len(cfg.SourceSystems)+1)
	for i := range cfg.SourceSystems {
		src := &cfg.SourceSystems[i]
		values = append(values, accounts.NamedValue{Key: src.Key, Where: where(src), Name: SnippetName, Value: mappingOf(src)})
	}
	values = append(values, accounts.NamedValue{Key: defaultKey, Where: "the default aggregation value", Name: SnippetName, Value: mappingOf(nil)})
	return accounts.CompileValues(values, env, accounts.Options{TimeLimit: timeLimit})
}

// Check checks a source system's aggregation value against the
// configuration's field registry, as the source editor saves it and as a
// configuration is imported: a person field that does not exist (with the
// nearest ones), a JavaScript syntax error or an unknown Person field with
// its line, a mapping type other than fixed, field or complex. nil
// AggregationValue (the default snippet) is always valid.
func Check(cfg *engine.Config, src *engine.SourceSystem) error {
	env, err := rules.NewEnv(cfg)
	if err != nil {
		return err
	}
	_, err = accounts.CompileValues([]accounts.NamedValue{{Key: src.Key, Where: where(src), Name: SnippetName, Value: mappingOf(src)}}, env)
	return err
}

// Values computes the aggregation value of every person, in the order of
// persons, with their source system's mapping (SourceSystem.AggregationValue,
// or the default snippet): a fixed text, a person field, or a snippet that
// sees Person as account-mapping snippets do. Persons are spread over
// Options.Workers goroutines, each with one JavaScript runtime.
//
// A person whose value cannot be computed gets the empty value and a
// ValueError; that is not fatal. The error is for a mapping that does not
// compile (engine.Invalid, as Check reports it) or a canceled context.
func Values(ctx context.Context, cfg *engine.Config, persons []*engine.Person, opts Options) ([]Item, []ValueError, error) {
	m, err := compile(cfg, opts.TimeLimit)
	if err != nil {
		return nil, nil, err
	}
	env, err := rules.NewEnv(cfg)
	if err != nil {
		return nil, nil, err
	}
	known := make(map[string]bool, len(cfg.SourceSystems))
	// the sources that keep the default value, which runs in Go
	native := map[string]bool{defaultKey: true}
	for _, src := range cfg.SourceSystems {
		known[src.Key] = true
		native[src.Key] = src.AggregationValue == nil
	}
	pop := rules.NewPopulation(env, persons, opts.Departments, opts.AsOf)
	items := make([]Item, len(persons))
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// persons go out in chunks, since snippets may take uneven time
	const chunk = 256
	var next atomic.Int64
	type failed struct {
		i   int
		err ValueError
	}
	errs := make([][]failed, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			s := m.NewSession()
			var subj rules.Subject
			in := accounts.Input{Subject: &subj}
			for ctx.Err() == nil {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(persons) {
					return
				}
				for i := lo; i < min(lo+chunk, len(persons)); i++ {
					p := persons[i]
					items[i].Person = p.ID
					key := p.Source
					if !known[key] {
						key = defaultKey
					}
					if native[key] {
						items[i].Value = DefaultValue(p)
						continue
					}
					pop.Subject(i, &subj)
					v, err := s.Value(key, &in)
					if err != nil {
						errs[w] = append(errs[w], failed{i, ValueError{Person: p.ID, Source: p.Source, Err: err}})
						continue
					}
					items[i].Value = v
				}
			}
		})
	}
	wg.Wait()
	if err := engine.CheckCanceled(ctx); err != nil {
		return nil, nil, err
	}
	// the chunks were taken in any order: report in the order of persons
	all := slices.Concat(errs...)
	slices.SortFunc(all, func(a, b failed) int { return a.i - b.i })
	var out []ValueError
	for _, f := range all {
		out = append(out, f.err)
	}
	return items, out, nil
}
