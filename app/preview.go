package app

import (
	"context"
	"time"

	"provisio/engine"
	"provisio/engine/mapping"
)

// Sample is one person's raw records, for previewing a mapping.
type Sample struct {
	Key       string              `json:"key"`
	Person    *engine.RawRecord   `json:"-"`
	Contracts []*engine.RawRecord `json:"-"`
}

// sampleTime bounds how long Samples reads looking for the contracts of
// the sampled persons: a contracts file comes after the persons file, and
// a person's rows may be anywhere in it.
const sampleTime = 3 * time.Second

// DescribeSource returns the fields a source system offers.
func (a *App) DescribeSource(ctx context.Context, src *engine.SourceSystem) (engine.SourceDescription, error) {
	conn, err := a.connector(src)
	if err != nil {
		return engine.SourceDescription{}, err
	}
	return conn.Describe(ctx)
}

// Samples reads the first n persons of a source system with their
// contracts, for previews. Records that cannot be read are skipped.
func (a *App) Samples(ctx context.Context, src *engine.SourceSystem, n int) ([]Sample, error) {
	conn, err := a.connector(src)
	if err != nil {
		return nil, err
	}
	var samples []Sample
	pos := map[string]int{}
	emit := func(rec *engine.RawRecord) error {
		i, known := pos[rec.PersonKey]
		switch rec.Kind {
		case engine.RecordPerson, engine.RecordPersonContract:
			if !known && len(samples) < n {
				pos[rec.PersonKey] = len(samples)
				i, known = len(samples), true
				samples = append(samples, Sample{Key: rec.PersonKey, Person: rec})
				if rec.Kind == engine.RecordPerson {
					return nil
				}
			}
		}
		if known && (rec.Kind == engine.RecordContract || rec.Kind == engine.RecordPersonContract) {
			samples[i].Contracts = append(samples[i].Contracts, rec)
		}
		return nil
	}
	budget, cancel := context.WithTimeout(ctx, sampleTime)
	defer cancel()
	err = conn.Read(budget, emit, func(*engine.RecordError) {}, func(int64, int64) {})
	if err != nil && (ctx.Err() != nil || budget.Err() == nil) {
		return nil, err // cancelled, or the source cannot be read
	}
	return samples, nil
}

// PreviewMapping maps one sample with a source system's mapping as it
// stands (saved or not). A mapping that does not compile returns its
// error; problems with the sample's values come back as record errors.
func (a *App) PreviewMapping(ctx context.Context, src *engine.SourceSystem, sample Sample) (*engine.Person, []engine.RecordError, error) {
	cfg, err := a.Config(ctx)
	if err != nil {
		return nil, nil, err
	}
	desc, err := a.DescribeSource(ctx, src)
	if err != nil {
		return nil, nil, err
	}
	m, err := mapping.Compile(src, engine.NewFields(cfg.Schema), mapping.Options{Description: &desc})
	if err != nil {
		return nil, nil, err
	}
	p, errs := m.NewSession().MapPerson(sample.Person, sample.Contracts)
	return p, errs, nil
}
