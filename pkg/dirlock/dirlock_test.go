package dirlock

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv tells the test binary, started again as a child, to hold the lock in this directory.
const helperEnv = "DIRLOCK_TEST_HOLD"

func TestSecondAcquireNamesTheHolderAndCloseReleases(t *testing.T) {
	dir := t.TempDir()
	first, err := Acquire(dir, "data")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(dir, "data")
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("second Acquire: got %v, want a HeldError", err)
	}
	if held.PID != os.Getpid() || held.Started.IsZero() || held.Host == "" {
		t.Errorf("holder = %+v, want pid %d with host and start time", held, os.Getpid())
	}
	if msg := err.Error(); !strings.Contains(msg, "in use by process "+strconv.Itoa(os.Getpid())) || !strings.Contains(msg, dir) {
		t.Errorf("message %q names neither the holder nor the directory", msg)
	}
	// Another name in the same directory is another lock.
	other, err := Acquire(dir, "other")
	if err != nil {
		t.Fatalf("a lock of another name: %v", err)
	}
	other.Close()

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Acquire(dir, "data")
	if err != nil {
		t.Fatalf("Acquire after Close: %v", err)
	}
	again.Close()
}

func TestKilledHolderLeavesNoStaleLock(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock: nothing is locked on Windows")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldsLock$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}

	_, err = Acquire(dir, "data")
	var held *HeldError
	if !errors.As(err, &held) || held.PID != cmd.Process.Pid {
		t.Fatalf("Acquire while the helper holds it: %v, want held by %d", err, cmd.Process.Pid)
	}

	// SIGKILL: the helper runs no cleanup at all, as after a crash or the OOM killer.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	l, err := Acquire(dir, "data")
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	l.Close()
}

// TestHelperHoldsLock is the child of TestKilledHolderLeavesNoStaleLock, not a test of its own.
func TestHelperHoldsLock(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("run as a child process only")
	}
	if _, err := Acquire(dir, "data"); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("locked\n")
	time.Sleep(time.Minute) // until killed
}
