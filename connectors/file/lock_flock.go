//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package file

import (
	"context"
	"errors"
	"syscall"
	"time"
)

// lockFolder takes an exclusive flock on the folder, polling so that it
// can give up when ctx is done. A folder, not the file: the file is
// replaced by a rename on every write, and a lock on the old file would
// not keep a writer off the new one. Closing the folder releases the
// lock, also when the process dies.
func lockFolder(ctx context.Context, dir string) (unlock func(), err error) {
	f, err := openFolder(dir)
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(delay):
		}
	}
}
