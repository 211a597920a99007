package rules

// EvalUnindexed tests r on s without the Set's index: the brute force that
// index tests compare Matches with.
func (r *Rule) EvalUnindexed(s *Subject) ([]int, bool) {
	contracts, ok := r.eval(s, nil)
	return contracts, ok
}

// Unindexed returns how many rules every subject is tested against.
func (set *Set) Unindexed() int { return len(set.unindexed) }
