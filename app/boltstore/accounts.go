package boltstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"provisio/engine"
)

// The target-accounts bucket holds, per target (a bucket named by its
// key), the accounts as last read from it, for correlation and
// reconciliation: a directory of a million accounts with a few attributes
// each. The target's bucket holds:
//
//	"h"               header: format (accountsFormat), the time they were
//	                  read (appendTime), a uvarint count of accounts, then
//	                  the attribute names: a count and each name
//	"c" + uint32 BE   chunks of accounts, each a value of at most about a
//	                  MiB (chunkTarget and one account): a uint32 BE count,
//	                  then the accounts
//
// An account is a flags byte (bit 0 enabled), its reference, a count of
// attributes and each attribute as its name's index in the header and its
// value. References and values are written against the previous account's
// reference and value of the same attribute in the chunk, as the bytes
// they share at either end and the bytes between (appendAffix):
// "CN=Anna Bakker,OU=Staff,DC=example,DC=org" after "CN=Bram Smit,OU=Staff,
// DC=example,DC=org" takes 14 bytes. Every chunk decodes on its own.

// accountsFormat is the first byte of a target's accounts header.
const accountsFormat = 1

const accountEnabled = 1 << 0

// SaveTargetAccounts replaces what is known of a target's accounts, as
// read from it at a time, in one transaction.
func (s *Store) SaveTargetAccounts(ctx context.Context, target string, at time.Time, accounts []engine.Account) error {
	if target == "" {
		return engine.Errorf(engine.Invalid, "the accounts of a target need the target's key")
	}
	// encoded before the transaction, which holds the only write lock
	values := encodeAccounts(at, accounts)
	return s.update(ctx, func(tx *bolt.Tx) error {
		all := tx.Bucket(bucketTargetAccounts)
		if all.Bucket([]byte(target)) != nil {
			if err := all.DeleteBucket([]byte(target)); err != nil {
				return fmt.Errorf("the accounts of target %q: %w", target, err)
			}
		}
		b, err := all.CreateBucket([]byte(target))
		if err != nil {
			return fmt.Errorf("the accounts of target %q: %w", target, err)
		}
		b.FillPercent = 1 // keys only ever grow
		for _, v := range values {
			if err := b.Put(v.key, v.value); err != nil {
				return fmt.Errorf("the accounts of target %q: %w", target, err)
			}
		}
		return nil
	})
}

// encodeAccounts returns the values of a target's bucket, header first.
func encodeAccounts(at time.Time, accounts []engine.Account) []planValue {
	index := map[string]uint64{}
	for i := range accounts {
		for name := range accounts[i].Attributes {
			if _, ok := index[name]; !ok {
				index[name] = 0
			}
		}
	}
	names := slices.Sorted(maps.Keys(index))
	for i, name := range names {
		index[name] = uint64(i)
	}

	c := &chunker{section: 'c'}
	prev := make([]string, len(names))
	for i := range accounts {
		a := &accounts[i]
		if c.next() {
			clear(prev)
		}
		var flags byte
		if a.Enabled {
			flags |= accountEnabled
		}
		b := append(c.buf, flags)
		b = appendAffix(b, c.person, a.Ref)
		c.person = a.Ref
		b = binary.AppendUvarint(b, uint64(len(a.Attributes)))
		for name, v := range a.Attributes {
			k := index[name]
			b = binary.AppendUvarint(b, k)
			b = appendAffix(b, prev[k], v)
			prev[k] = v
		}
		c.buf = b
	}
	c.flush()

	header := appendTime([]byte{accountsFormat}, at)
	header = binary.AppendUvarint(header, uint64(len(accounts)))
	header = binary.AppendUvarint(header, uint64(len(names)))
	for _, name := range names {
		header = appendString(header, name)
	}
	return append([]planValue{{key: keyPlanHeader, value: header}}, c.chunks...)
}

// LoadTargetAccounts returns a target's accounts as last read, and when;
// a target never read has none, at the zero time.
func (s *Store) LoadTargetAccounts(ctx context.Context, target string) (time.Time, []engine.Account, error) {
	var at time.Time
	var out []engine.Account
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTargetAccounts).Bucket([]byte(target))
		if b == nil {
			return nil
		}
		var names []string
		var n int
		var err error
		at, n, names, err = decodeAccountsHeader(b.Get(keyPlanHeader))
		if err != nil {
			return engine.Errorf(engine.Internal, "the accounts of target %q in the workspace store are corrupt: %v", target, err)
		}
		sec, err := chunksOf(b, 'c')
		if err == nil && sec.records() != n {
			err = fmt.Errorf("the header counts %d accounts, the chunks %d", n, sec.records())
		}
		if err != nil {
			return engine.Errorf(engine.Internal, "the accounts of target %q in the workspace store are corrupt: %v", target, err)
		}
		if n == 0 {
			return nil
		}
		out = make([]engine.Account, n)
		err = inParallel(ctx, len(sec.values), func() func(i int) error {
			prev := make([]string, len(names))
			return func(i int) error {
				return decodeAccounts(sec.values[i], names, prev, out[sec.starts[i]:sec.starts[i+1]])
			}
		})
		if err != nil && !engine.IsCode(err, engine.Canceled) {
			return engine.Errorf(engine.Internal, "the accounts of target %q in the workspace store are corrupt: %v", target, err)
		}
		return err
	})
	if err != nil {
		return time.Time{}, nil, err
	}
	return at, out, nil
}

func decodeAccountsHeader(v []byte) (time.Time, int, []string, error) {
	if len(v) == 0 || v[0] != accountsFormat {
		return time.Time{}, 0, nil, fmt.Errorf("the header is not in format %d", accountsFormat)
	}
	r := &planReader{b: v[1:]}
	at := r.time()
	n := r.uvarint()
	if n > 1<<40 {
		r.fail("a count of %d accounts is implausible", n)
	}
	names := make([]string, r.count())
	for i := range names {
		names[i] = r.string()
	}
	return at, int(n), names, r.end()
}

// decodeAccounts decodes a chunk into out, which is as long as its count;
// prev is room for the previous value of each attribute.
func decodeAccounts(v []byte, names, prev []string, out []engine.Account) error {
	r, n, err := chunkRecords(v)
	if err != nil {
		return err
	}
	if n != len(out) {
		return fmt.Errorf("the chunk holds %d accounts, not %d", n, len(out))
	}
	clear(prev)
	var ref string
	for i := range out {
		a := &out[i]
		a.Enabled = r.byte()&accountEnabled != 0
		ref = r.affix(ref)
		a.Ref = ref
		if na := r.count(); na > 0 {
			a.Attributes = make(engine.Attributes, na)
			for range na {
				k := r.uvarint()
				if k >= uint64(len(names)) {
					r.fail("attribute %d is not among the %d names", k, len(names))
					break
				}
				prev[k] = r.affix(prev[k])
				a.Attributes[names[k]] = prev[k]
			}
		}
		if r.err != nil {
			return fmt.Errorf("account %d of the chunk: %w", i+1, r.err)
		}
	}
	return r.end()
}

// inParallel calls a function for each i below n on as many goroutines as
// there are processors, each with its own function from newFn, and
// returns the error of the lowest i that failed. It stops handing out work
// when ctx ends.
func inParallel(ctx context.Context, n int, newFn func() func(i int) error) error {
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		fn := newFn()
		wg.Go(func() {
			for i := range next {
				if errs[i] = engine.CheckCanceled(ctx); errs[i] != nil {
					continue
				}
				if err := fn(i); err != nil {
					errs[i] = fmt.Errorf("chunk %d: %w", i, err)
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
