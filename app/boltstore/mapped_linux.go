package boltstore

import (
	"syscall"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// releaseEvery is how many bytes of the file a long read maps before it
// lets them go: the pages of a whole ledger would add their size to the
// memory the decoded entries take.
const releaseEvery = 64 << 20

// releaseMapped tells the system that this process is done with the pages
// of the store's file it has read through bbolt's memory map. A read of a
// whole bucket (the ledger, a snapshot's persons) maps hundreds of
// megabytes that count as the process's resident memory for as long as
// the store is open, on top of what was decoded from them. The pages stay
// in the system's file cache, and a later read maps them again.
//
// It runs inside a read transaction, which keeps bbolt from remapping the
// file meanwhile. The map is read-only and shared with the file, so
// nothing is lost, even for a page being read at that moment: the next
// access maps it again from the file cache. Dropping them is what the
// system does to such pages anyway when memory runs short.
func releaseMapped(tx *bolt.Tx) {
	info := tx.DB().Info()
	size := tx.Size()
	if info == nil || info.Data == 0 || size <= 0 {
		return
	}
	// the memory map, not Go memory: the address does not move
	data := *(*unsafe.Pointer)(unsafe.Pointer(&info.Data))
	_ = syscall.Madvise(unsafe.Slice((*byte)(data), size), syscall.MADV_DONTNEED)
}
