package importing

import (
	"context"
	"sync"

	"provisio/engine"
)

// comparison is what an import changes in the latest snapshot.
type comparison struct {
	records                                  [][]byte
	changes                                  []engine.IndexChange
	added, removed, changed, unchanged, kept int
	newlyBlocked                             int
}

// compare encodes the imported persons (sorted by id) on several
// goroutines, releasing each from persons as it goes, and joins them with
// the source's persons in the latest snapshot. A known person in
// unreadable keeps their previous version. Only new and changed persons keep their encoded record: an
// unchanged person costs nothing in the next snapshot.
func compare(ctx context.Context, workers int, source string, persons []*engine.Person, unreadable map[string]bool, index *engine.SnapshotIndex) (*comparison, error) {
	old := index.Source(source)
	entries := make([]engine.IndexEntry, len(persons))
	encoded := make([][]byte, len(persons))

	var wg sync.WaitGroup
	chunk := (len(persons) + workers - 1) / max(workers, 1)
	for w := 0; w < workers && w*chunk < len(persons); w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(persons))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for i := lo; i < hi; i++ {
				if i%4096 == 0 && ctx.Err() != nil {
					return
				}
				p := persons[i]
				buf = engine.AppendPerson(buf[:0], p)
				e := engine.IndexEntry{ID: p.ID, Ref: engine.RecordRef{Hash: engine.HashOf(buf)}, Contracts: uint32(len(p.Contracts))}
				if p.Blocked() {
					e.Flags |= engine.FlagBlocked
				}
				if p.Excluded {
					e.Flags |= engine.FlagExcluded
				}
				entries[i] = e
				if prev, ok := findSorted(old, p.ID); !ok || prev.Ref.Hash != e.Ref.Hash {
					encoded[i] = append([]byte(nil), buf...)
				}
				persons[i] = nil // encoded: let the collector have it

			}
		}()
	}
	wg.Wait()
	if err := engine.CheckCanceled(ctx); err != nil {
		return nil, err
	}

	c := &comparison{}
	for _, e := range entries {
		if e.Flags&engine.FlagBlocked != 0 && !unreadable[e.ID] {
			if prev, ok := findSorted(old, e.ID); !ok || prev.Flags&engine.FlagBlocked == 0 {
				c.newlyBlocked++
			}
		}
	}
	i, j := 0, 0
	for i < len(entries) || j < len(old) {
		switch {
		case j == len(old) || i < len(entries) && entries[i].ID < old[j].ID:
			c.added++
			c.changes = append(c.changes, engine.IndexChange{Entry: entries[i], Record: len(c.records)})
			c.records = append(c.records, encoded[i])
			i++
		case i == len(entries) || old[j].ID < entries[i].ID:
			if unreadable[old[j].ID] {
				c.kept++ // their row could not be read: not a leaver
			} else {
				c.removed++
				c.changes = append(c.changes, engine.IndexChange{Entry: engine.IndexEntry{ID: old[j].ID}, Record: -1, Removed: true})
			}
			j++
		default:
			if unreadable[entries[i].ID] {
				c.kept++ // keep the complete previous version
				i++
				j++
				continue
			}
			if encoded[i] == nil {
				c.unchanged++
			} else {
				c.changed++
				c.changes = append(c.changes, engine.IndexChange{Entry: entries[i], Record: len(c.records)})
				c.records = append(c.records, encoded[i])
			}
			i++
			j++
		}
	}
	return c, nil
}

// findSorted finds an id in entries sorted by id.
func findSorted(entries []engine.IndexEntry, id string) (engine.IndexEntry, bool) {
	x := engine.SnapshotIndex{Entries: entries}
	return x.Find(id)
}
