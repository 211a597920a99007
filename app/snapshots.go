package app

import (
	"context"
	"maps"
	"slices"
	"strings"

	"provisio/engine"
	"provisio/engine/snapshot"
)

// Snapshots returns every snapshot, newest first.
func (a *App) Snapshots(ctx context.Context) ([]engine.SnapshotInfo, error) {
	return a.store.ListSnapshots(ctx)
}

// Snapshot returns one snapshot; 0 means the latest.
func (a *App) Snapshot(ctx context.Context, number uint64) (*engine.SnapshotInfo, error) {
	return a.store.FindSnapshot(ctx, number)
}

// DiffEntry names one person in a snapshot difference.
type DiffEntry struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// SnapshotDiff is the difference between two snapshots.
type SnapshotDiff struct {
	From    uint64      `json:"from"`
	To      uint64      `json:"to"`
	Added   []DiffEntry `json:"added"`
	Removed []DiffEntry `json:"removed"`
	Changed []DiffEntry `json:"changed"`
}

// DiffSnapshots compares snapshot from with snapshot to. From 0 means
// before the first snapshot: everyone in to is added.
func (a *App) DiffSnapshots(ctx context.Context, from, to uint64) (*SnapshotDiff, error) {
	oldIdx, err := a.snapshotIndex(ctx, from)
	if err != nil {
		return nil, err
	}
	newIdx, err := a.snapshotIndex(ctx, to)
	if err != nil {
		return nil, err
	}
	d := snapshot.DiffIndexes(oldIdx, newIdx)
	out := &SnapshotDiff{From: from, To: to}
	if out.Added, err = a.names(ctx, newIdx, d.Added); err != nil {
		return nil, err
	}
	if out.Removed, err = a.names(ctx, oldIdx, d.Removed); err != nil {
		return nil, err
	}
	if out.Changed, err = a.names(ctx, newIdx, d.Changed); err != nil {
		return nil, err
	}
	return out, nil
}

func (a *App) snapshotIndex(ctx context.Context, n uint64) (*engine.SnapshotIndex, error) {
	if n == 0 {
		return &engine.SnapshotIndex{}, nil
	}
	if _, err := a.store.FindSnapshot(ctx, n); err != nil {
		return nil, err
	}
	return a.store.SnapshotIndex(ctx, n)
}

// names reads the display names of the given persons.
func (a *App) names(ctx context.Context, idx *engine.SnapshotIndex, ids []string) ([]DiffEntry, error) {
	out := make([]DiffEntry, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	refs := make([]engine.RecordRef, len(ids))
	for i, id := range ids {
		e, _ := idx.Find(id)
		refs[i] = e.Ref
		out[i].ID = id
	}
	err := a.store.ReadPersons(ctx, refs, func(i int, p *engine.Person) error {
		out[i].DisplayName = p.DisplayName
		return nil
	})
	return out, err
}

// PersonChanges is how one person differs between two snapshots.
type PersonChanges struct {
	ID      string                 `json:"id"`
	Old     *engine.Person         `json:"old,omitempty"`
	New     *engine.Person         `json:"new,omitempty"`
	Changes []snapshot.FieldChange `json:"changes"`
}

// DiffPerson lists, field by field, how a person differs between two
// snapshots; a person missing from one side shows every field as added or
// removed.
func (a *App) DiffPerson(ctx context.Context, from, to uint64, id string) (*PersonChanges, error) {
	fields, err := a.Fields(ctx)
	if err != nil {
		return nil, err
	}
	if id, err = a.resolveInSnapshots(ctx, id, from, to); err != nil {
		return nil, err
	}
	out := &PersonChanges{ID: id}
	if out.Old, err = a.personIn(ctx, from, id); err != nil {
		return nil, err
	}
	if out.New, err = a.personIn(ctx, to, id); err != nil {
		return nil, err
	}
	if out.Old == nil && out.New == nil {
		return nil, engine.Errorf(engine.NotFound, "person %q is in neither snapshot %d nor %d", id, from, to)
	}
	oldP, newP := out.Old, out.New
	if oldP == nil {
		oldP = &engine.Person{}
	}
	if newP == nil {
		newP = &engine.Person{}
	}
	out.Changes = snapshot.DiffPersons(oldP, newP, fields)
	return out, nil
}

// personIn reads a person from a snapshot, or nil when absent.
func (a *App) personIn(ctx context.Context, n uint64, id string) (*engine.Person, error) {
	idx, err := a.snapshotIndex(ctx, n)
	if err != nil {
		return nil, err
	}
	e, ok := idx.Find(id)
	if !ok {
		return nil, nil
	}
	var p *engine.Person
	err = a.store.ReadPersons(ctx, []engine.RecordRef{e.Ref}, func(_ int, x *engine.Person) error { p = x; return nil })
	return p, err
}

// resolveInSnapshots turns an external id into the person id it has in
// either snapshot, when exactly one person has it; a person id stays as
// it is.
func (a *App) resolveInSnapshots(ctx context.Context, id string, numbers ...uint64) (string, error) {
	found := map[string]bool{}
	for _, n := range numbers {
		idx, err := a.snapshotIndex(ctx, n)
		if err != nil {
			return "", err
		}
		if _, ok := idx.Find(id); ok {
			return id, nil
		}
		for _, e := range idx.Entries {
			if strings.HasSuffix(e.ID, ":"+id) && e.ID[:len(e.ID)-len(id)-1] != "" && !strings.Contains(e.ID[:len(e.ID)-len(id)-1], ":") {
				found[e.ID] = true
			}
		}
	}
	switch len(found) {
	case 0:
		return id, nil // reported as in neither snapshot
	case 1:
		for k := range found {
			return k, nil
		}
	}
	ids := slices.Sorted(maps.Keys(found))
	return "", engine.Errorf(engine.Invalid, "%d persons have external id %q; use the person id (%s)", len(ids), id, strings.Join(ids, " or "))
}
