package localcluster

import "syscall"

// sysProcAttr puts a program in a process group of its own, so one signal reaches everything it
// runs, and has the kernel SIGKILL it when the process that started it dies: a test binary
// killed by `go test -timeout` (which skips every cleanup) leaves no app running behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
