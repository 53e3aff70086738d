//go:build !linux

package allinone_test

import "os/exec"

// dieWithTest does nothing here: only Linux kills a child with its parent (see e2e_linux_test.go).
func dieWithTest(*exec.Cmd) {}
