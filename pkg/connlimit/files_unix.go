//go:build unix

package connlimit

import "syscall"

// RaiseOpenFiles raises the process's soft limit on open files to its hard limit, the most an
// unprivileged process may hold, and returns the limit now in force. (Go's runtime does this
// at start on Linux too; doing it here makes it explicit and portable across unix systems.)
func RaiseOpenFiles() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			lim = raised
		}
	}
	return uint64(lim.Cur), nil
}
