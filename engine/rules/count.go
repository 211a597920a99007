package rules

import (
	"context"
	"runtime"
	"sort"
	"sync"

	"provisio/engine"
)

// Count returns how many persons of pop the set's rules match (a person
// who matches several rules counts once) and the positions of up to
// sample of them, lowest first. Blocked and excluded persons are left out:
// rules give them nothing. It uses every core; ctx cancels it.
func (set *Set) Count(ctx context.Context, pop *Population, sample int) (int, []int, error) {
	workers := runtime.GOMAXPROCS(0)
	n := len(pop.Persons)
	counts := make([]int, workers)
	samples := make([][]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s Subject
			var sc Scratch
			for i := lo; i < hi; i++ {
				if i%2048 == 0 && ctx.Err() != nil {
					return
				}
				p := pop.Persons[i]
				if p.Excluded || p.Blocked() {
					continue
				}
				pop.Subject(i, &s)
				matched := false
				set.Matches(&s, &sc, func(Match) { matched = true })
				if matched {
					counts[w]++
					if len(samples[w]) < sample {
						samples[w] = append(samples[w], i)
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := engine.CheckCanceled(ctx); err != nil {
		return 0, nil, err
	}
	total := 0
	var all []int
	for w := range workers {
		total += counts[w]
		all = append(all, samples[w]...)
	}
	sort.Ints(all)
	if len(all) > sample {
		all = all[:sample]
	}
	return total, all, nil
}
