package app

import (
	"context"
	"errors"

	"provisio/engine"
	"provisio/engine/mapping"
)

// Sample is one person's raw records, for previewing a mapping.
type Sample struct {
	Key       string              `json:"key"`
	Person    *engine.RawRecord   `json:"-"`
	Contracts []*engine.RawRecord `json:"-"`
}

// maxSampleRecords bounds how far Samples reads looking for the contracts
// of the sampled persons.
const maxSampleRecords = 200_000

var errEnough = errors.New("enough samples")

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
	read := 0
	emit := func(rec *engine.RawRecord) error {
		read++
		if read > maxSampleRecords {
			return errEnough
		}
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
	err = conn.Read(ctx, emit, func(*engine.RecordError) {}, func(int64, int64) {})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
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
