package file

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"provisio/engine"
)

// Writers of one directory file take two locks: a lock per file within
// the process, which waits honouring the context, and an OS lock on the
// file's folder (see lockFolder), which keeps out other processes (the
// command line while the app runs). A write reads the file again under
// both, so no writer works from a stale copy. Readers take no lock: a
// write replaces the file in one rename, so they see the old directory or
// the new one.

var (
	fileLocksMu sync.Mutex
	fileLocks   = map[string]chan struct{}{} // by absolute path; a token in the channel holds the lock
)

// fileLock returns the process-wide lock of the file at the absolute path.
func fileLock(path string) chan struct{} {
	fileLocksMu.Lock()
	defer fileLocksMu.Unlock()
	l, ok := fileLocks[path]
	if !ok {
		l = make(chan struct{}, 1)
		fileLocks[path] = l
	}
	return l
}

// lock takes both locks of the file at the absolute path, naming it name
// in errors, and returns the function that releases them.
func lock(ctx context.Context, path, name string) (unlock func(), err error) {
	l := fileLock(path)
	select {
	case l <- struct{}{}:
	case <-ctx.Done():
		return nil, contextError(ctx, "directory file "+name)
	}
	dir := filepath.Dir(path)
	unlockFolder, err := lockFolder(ctx, dir)
	if err != nil {
		<-l
		switch {
		case ctx.Err() != nil:
			return nil, contextError(ctx, "directory file "+name)
		case errors.Is(err, fs.ErrNotExist):
			return nil, engine.Errorf(engine.Invalid, "directory file %s: the folder %s does not exist", name, dir)
		case errors.Is(err, fs.ErrPermission):
			return nil, engine.Errorf(engine.Invalid, "directory file %s: Provisio may not open the folder %s; check its permissions", name, dir)
		}
		return nil, engine.Wrap(engine.Unavailable, err, "directory file %s: could not lock the folder %s", name, dir)
	}
	return func() {
		unlockFolder()
		<-l
	}, nil
}

// contextError is the error of a call whose context is done: Unavailable
// when its deadline passed (a timeout is worth retrying), Canceled when it
// was cancelled.
func contextError(ctx context.Context, what string) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return &engine.Error{Code: engine.Unavailable, Msg: what + ": timed out", Err: err}
	}
	return &engine.Error{Code: engine.Canceled, Msg: what + ": cancelled", Err: err}
}

// openFolder opens a folder for an OS lock.
func openFolder(dir string) (*os.File, error) { return os.Open(dir) }
