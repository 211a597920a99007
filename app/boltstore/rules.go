package boltstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// Rules are kept as JSON in the rules bucket, by id. The meta bucket counts
// every change to them (keyRulesVersion), so an evaluation can say which
// rules it saw.

// ListRules returns every business rule, ids in natural order (r2 before
// r10).
func (s *Store) ListRules(ctx context.Context) ([]engine.Rule, error) {
	var out []engine.Rule
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRules).ForEach(func(k, v []byte) error {
			var r engine.Rule
			if err := json.Unmarshal(v, &r); err != nil {
				return engine.Errorf(engine.Internal, "rule %q in the workspace store is unreadable: %v", k, err)
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b engine.Rule) int { return compareNatural(a.ID, b.ID) })
	return out, nil
}

// SaveRule adds or replaces the rule with r.ID. A rule without an ID gets
// one ("r" and a number never given before) and r.ID is set once the rule
// is saved. It changes nothing else in r: the caller sets UpdatedAt and
// PublishedAt.
func (s *Store) SaveRule(ctx context.Context, r *engine.Rule, audit ...engine.AuditEntry) error {
	var id string
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRules)
		stored := *r
		if stored.ID == "" {
			var err error
			if stored.ID, err = newRuleID(b); err != nil {
				return err
			}
		}
		if err := putRule(b, &stored); err != nil {
			return err
		}
		id = stored.ID
		if err := bumpRulesVersion(tx); err != nil {
			return err
		}
		return appendAudit(tx, audit)
	})
	if err != nil {
		return err
	}
	r.ID = id
	return nil
}

// DeleteRule removes a rule. With keepGrants, every ledger entry the rule
// granted forgets it, and an entry no other rule granted becomes unmanaged,
// so evaluation keeps it (a change to the ledger, which counts a new ledger
// version); without, the next evaluation revokes what only this rule
// granted.
func (s *Store) DeleteRule(ctx context.Context, id string, keepGrants bool, audit ...engine.AuditEntry) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRules)
		if b.Get([]byte(id)) == nil {
			return engine.Errorf(engine.NotFound, "there is no rule %q: it may have been deleted already", id)
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		if keepGrants {
			changed, err := forgetRule(tx.Bucket(bucketLedger), id)
			if err != nil {
				return err
			}
			if changed {
				if err := bumpCounter(tx, keyLedgerVersion, "ledger"); err != nil {
					return err
				}
			}
		}
		if err := bumpRulesVersion(tx); err != nil {
			return err
		}
		return appendAudit(tx, audit)
	})
}

// ReplaceRules replaces every rule at once. Rules without an ID get one,
// as SaveRule gives them; rules is not modified, so callers list the rules
// to learn those ids. Two rules with the same ID are refused.
func (s *Store) ReplaceRules(ctx context.Context, rules []engine.Rule, audit ...engine.AuditEntry) error {
	if err := checkRuleIDs(rules); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		if err := replaceRules(tx, rules); err != nil {
			return err
		}
		return appendAudit(tx, audit)
	})
}

// SaveConfigAndRules replaces the configuration and every rule in one
// transaction, as a configuration import does: the rules refer to the
// configuration's targets and fields, so neither may be stored without
// the other.
func (s *Store) SaveConfigAndRules(ctx context.Context, c *engine.Config, rules []engine.Rule, audit ...engine.AuditEntry) error {
	if err := checkRuleIDs(rules); err != nil {
		return err
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return engine.Wrap(engine.Internal, err, "encode configuration")
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketConfig).Put(keyConfig, raw); err != nil {
			return err
		}
		if err := replaceRules(tx, rules); err != nil {
			return err
		}
		return appendAudit(tx, audit)
	})
}

func checkRuleIDs(rules []engine.Rule) error {
	seen := make(map[string]int, len(rules))
	for i, r := range rules {
		if r.ID == "" {
			continue
		}
		if j, dup := seen[r.ID]; dup {
			return engine.Errorf(engine.Invalid, "rules %d and %d both have the id %q; each rule needs its own", j+1, i+1, r.ID)
		}
		seen[r.ID] = i
	}
	return nil
}

func replaceRules(tx *bolt.Tx, rules []engine.Rule) error {
	seq := tx.Bucket(bucketRules).Sequence()
	if err := tx.DeleteBucket(bucketRules); err != nil {
		return err
	}
	b, err := tx.CreateBucket(bucketRules)
	if err != nil {
		return err
	}
	// the new bucket's sequence starts at 0: carry the old one over so
	// that an id once given is not given to another rule
	if err := b.SetSequence(seq); err != nil {
		return err
	}
	// rules with ids first, so that a new id cannot take one of theirs
	for i := range rules {
		if rules[i].ID != "" {
			if err := putRule(b, &rules[i]); err != nil {
				return err
			}
		}
	}
	for i := range rules {
		if rules[i].ID == "" {
			stored := rules[i]
			if stored.ID, err = newRuleID(b); err != nil {
				return err
			}
			if err := putRule(b, &stored); err != nil {
				return err
			}
		}
	}
	return bumpRulesVersion(tx)
}

// RulesVersion returns how many times the rules changed.
func (s *Store) RulesVersion(ctx context.Context) (uint64, error) {
	var v uint64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		v, err = counter(tx, keyRulesVersion, "rules")
		return err
	})
	return v, err
}

func bumpRulesVersion(tx *bolt.Tx) error { return bumpCounter(tx, keyRulesVersion, "rules") }

// counter reads a version counter of the meta bucket; what names it in
// errors.
func counter(tx *bolt.Tx, key []byte, what string) (uint64, error) {
	raw := tx.Bucket(bucketMeta).Get(key)
	switch len(raw) {
	case 0:
		return 0, nil
	case 8:
		return binary.BigEndian.Uint64(raw), nil
	default:
		return 0, engine.Errorf(engine.Internal, "the %s version in the workspace store is corrupt (%d bytes)", what, len(raw))
	}
}

// bumpCounter counts one more version.
func bumpCounter(tx *bolt.Tx, key []byte, what string) error {
	v, err := counter(tx, key, what)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketMeta).Put(key, u64(v+1))
}

// newRuleID returns an unused id from the rules bucket's sequence; ids an
// administrator or an import chose may already hold a number.
func newRuleID(b *bolt.Bucket) (string, error) {
	for {
		n, err := b.NextSequence()
		if err != nil {
			return "", err
		}
		id := "r" + strconv.FormatUint(n, 10)
		if b.Get([]byte(id)) == nil {
			return id, nil
		}
	}
}

// putRule stores a rule. An id of the form r<N> moves the bucket's
// sequence past N, so that no new rule is ever given it: a new rule with a
// deleted rule's id would inherit its ledger entries and its figures.
func putRule(b *bolt.Bucket, r *engine.Rule) error {
	if n, err := strconv.ParseUint(strings.TrimPrefix(r.ID, "r"), 10, 64); err == nil && strings.HasPrefix(r.ID, "r") && n > b.Sequence() {
		if err := b.SetSequence(n); err != nil {
			return err
		}
	}
	if err := putJSON(b, []byte(r.ID), r); err != nil {
		return fmt.Errorf("rule %q: %w", r.ID, err)
	}
	return nil
}

// compareNatural orders strings as people read them: runs of digits by
// their value, so r2 comes before r10. Strings equal that way (r01 and r1)
// fall back to byte order.
func compareNatural(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			ei, ej := digitsEnd(a, i), digitsEnd(b, j)
			x, y := trimZeros(a[i:ei]), trimZeros(b[j:ej])
			if len(x) != len(y) {
				return cmp.Compare(len(x), len(y))
			}
			if x != y {
				return strings.Compare(x, y)
			}
			i, j = ei, ej
			continue
		}
		if a[i] != b[j] {
			return cmp.Compare(a[i], b[j])
		}
		i++
		j++
	}
	if d := cmp.Compare(len(a)-i, len(b)-j); d != 0 {
		return d
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func digitsEnd(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
