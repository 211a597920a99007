//go:build !linux

package boltstore

import bolt "go.etcd.io/bbolt"

const releaseEvery = 64 << 20

// releaseMapped does nothing where the system has no MADV_DONTNEED that
// drops a shared file map's pages at once (see mapped_linux.go).
func releaseMapped(*bolt.Tx) {}
