// Package dirlock keeps a data directory to one process at a time. Two processes writing the
// same embedded stores (SQLite files, a Kafka log, objects) corrupt each other, and neither
// would notice until the data is already damaged, so the second one must refuse to start.
//
// The lock is an advisory flock on a file in the directory: the kernel drops it when the
// holder's last descriptor closes, so a process that crashes or is killed leaves no stale lock
// behind. The file also names its holder (PID, host, start time), which the refusal repeats.
package dirlock

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Lock is a held lock on a directory; Close releases it.
type Lock struct {
	f *os.File
}

// HeldError is the answer when another process holds the lock.
type HeldError struct {
	// Dir is the locked directory.
	Dir string
	// PID, Host and Started name the holder; zero when it has not written them yet (it took
	// the lock a moment ago) or wrote something unreadable.
	PID     int
	Host    string
	Started time.Time
}

func (e *HeldError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("data dir %s is in use by another process", e.Dir)
	}
	msg := fmt.Sprintf("data dir %s is in use by process %d", e.Dir, e.PID)
	if host, _ := os.Hostname(); e.Host != "" && e.Host != host {
		// A directory shared over the network: the PID means nothing on this machine.
		msg += " on host " + e.Host
	}
	if !e.Started.IsZero() {
		msg += " (started " + e.Started.Format(time.RFC3339) + ")"
	}
	return msg
}

// Acquire takes the lock called name (the file name.lock) in dir, creating dir if need be. If
// another process holds it, the error is a *HeldError naming that process.
func Acquire(dir, name string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(dir, name+".lock")
	// Not O_TRUNC: the file may be the holder's, whose name we are about to report. Go opens
	// files close-on-exec, so the lock does not pass to children (ffmpeg) that might outlive us.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	locked, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !locked {
		// What the holder wrote, from the file already open; a few lines, so read no more
		// than that whatever else the file holds.
		held := &HeldError{Dir: dir}
		if b, err := io.ReadAll(io.LimitReader(f, 4<<10)); err == nil {
			held.PID, held.Host, held.Started = parse(b)
		}
		f.Close()
		return nil, held
	}
	if err := describe(f); err != nil {
		_ = f.Close() // closing drops the lock too
		return nil, fmt.Errorf("write lock file %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Close releases the lock. The file stays: removing it would let a process that opened it
// just before lock a file nobody else can see any more, while a third creates a new one.
func (l *Lock) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// describe writes who holds the lock over what an earlier holder wrote.
func describe(f *os.File) error {
	host, _ := os.Hostname()
	content := fmt.Sprintf("pid=%d\nhost=%s\nstarted=%s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt([]byte(content), 0); err != nil {
		return err
	}
	return f.Sync()
}

// parse reads what describe wrote, ignoring what it does not understand.
func parse(b []byte) (pid int, host string, started time.Time) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, value, _ := strings.Cut(sc.Text(), "=")
		switch key {
		case "pid":
			pid, _ = strconv.Atoi(value)
		case "host":
			host = value
		case "started":
			started, _ = time.Parse(time.RFC3339, value)
		}
	}
	return pid, host, started
}

// IsHeld reports whether err says that another process holds a lock.
func IsHeld(err error) bool {
	var held *HeldError
	return errors.As(err, &held)
}
