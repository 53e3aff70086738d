package allinone_test

import (
	"os/exec"
	"syscall"
)

// dieWithTest has the kernel kill cmd's process when the test process ends, also when it dies
// without running its cleanups (a test binary timing out panics): otherwise the server under
// test lives on, serving and taking CPU, after the test run.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
