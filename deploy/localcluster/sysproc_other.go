//go:build unix && !linux

package localcluster

import "syscall"

// sysProcAttr puts a program in a process group of its own, so one signal reaches everything it
// runs. Only Linux can also tie the program's life to its parent's (Pdeathsig): elsewhere a
// harness that is killed outright leaves its programs running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
