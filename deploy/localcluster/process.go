package localcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is one program of the cluster. It can be started again after it exited (or was
// killed) with the same binary, arguments, environment and ports.
type process struct {
	name    string
	bin     string
	args    []string
	env     []string
	dir     string // working directory: relative paths of the program land here
	logPath string
	// ready probes once whether the program answers; nil means it does.
	ready func(ctx context.Context) error
	// crashed is told when the program exits without Kill or Stop having asked it to.
	crashed chan<- *Crash

	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{} // closed when cmd has exited; waitErr is then set
	waitErr  error
	stopping bool // Kill or Stop asked the current run to end
	// logStart is the log file's size when the current run started: its output begins there.
	logStart int64
}

// pollInterval is how often readiness and log lines are looked for.
const pollInterval = 100 * time.Millisecond

// start runs the program in a process group of its own (so signals reach whatever it spawns,
// such as the video app's ffmpeg), appending its stdout and stderr to its log file.
func (p *process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		select {
		case <-p.exited:
		default:
			return fmt.Errorf("%s is already running (pid %d)", p.name, p.cmd.Process.Pid)
		}
	}
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	// The child gets its own descriptor; the parent's copy is not needed once it started.
	defer logFile.Close()
	info, err := logFile.Stat()
	if err != nil {
		return err
	}
	fmt.Fprintf(logFile, "==== %s: %s %s\n", time.Now().Format(time.RFC3339Nano), p.bin, strings.Join(p.args, " "))

	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Dir = p.dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	exited := make(chan struct{})
	p.cmd, p.exited, p.waitErr, p.stopping, p.logStart = cmd, exited, nil, false, info.Size()
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		unexpected := !p.stopping
		p.mu.Unlock()
		close(exited)
		if unexpected {
			select {
			case p.crashed <- &Crash{Name: p.name, Pid: cmd.Process.Pid, Status: exitStatus(err)}:
			default: // nobody reads the reports: the first ones say enough
			}
		}
	}()
	return nil
}

// exitStatus describes how a run ended.
func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// running returns the current run, or false when there is none.
func (p *process) running() (*exec.Cmd, chan struct{}, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return nil, nil, false
	}
	select {
	case <-p.exited:
		return nil, nil, false
	default:
		return p.cmd, p.exited, true
	}
}

// signal sends sig to the program's whole process group.
func (p *process) signal(cmd *exec.Cmd, sig syscall.Signal) {
	// The group id is the leader's pid (Setpgid). ESRCH only means everyone is gone already.
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}

// kill ends the program at once with SIGKILL, as a crash or an OOM kill would, and waits until
// it is gone.
func (p *process) kill() {
	cmd, exited, ok := p.running()
	if !ok {
		return
	}
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()
	p.signal(cmd, syscall.SIGKILL)
	<-exited
}

// stop asks the program to end with SIGTERM and kills it if it has not after grace. It reports
// a program that had to be killed or that exited with an error.
func (p *process) stop(grace time.Duration) error {
	cmd, exited, ok := p.running()
	if !ok {
		return nil
	}
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()
	p.signal(cmd, syscall.SIGTERM)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-exited:
		// Whatever the program started and left behind goes with it.
		p.signal(cmd, syscall.SIGKILL)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.waitErr != nil {
			return fmt.Errorf("%s: %v after SIGTERM", p.name, p.waitErr)
		}
		return nil
	case <-timer.C:
		p.signal(cmd, syscall.SIGKILL)
		<-exited
		return fmt.Errorf("%s did not exit within %v of SIGTERM; killed", p.name, grace)
	}
}

// waitReady polls the readiness probe until it passes, the program exits or ctx ends.
func (p *process) waitReady(ctx context.Context) error {
	_, exited, ok := p.running()
	if !ok {
		return fmt.Errorf("%s is not running", p.name)
	}
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	var last error
	for {
		probeCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		last = p.ready(probeCtx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-exited:
			p.mu.Lock()
			defer p.mu.Unlock()
			return fmt.Errorf("%s exited before it was ready: %v", p.name, exitStatus(p.waitErr))
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w (last probe: %v)", p.name, ctx.Err(), last)
		case <-ticker.C:
		}
	}
}

// waitLogLine waits until the current run has written a line starting with prefix to its log
// and returns the rest of that line.
func (p *process) waitLogLine(ctx context.Context, prefix string) (string, error) {
	_, exited, ok := p.running()
	if !ok {
		return "", fmt.Errorf("%s is not running", p.name)
	}
	p.mu.Lock()
	from := p.logStart
	p.mu.Unlock()
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		if rest, found, err := findLine(p.logPath, from, prefix); err != nil || found {
			return rest, err
		}
		select {
		case <-exited:
			return "", fmt.Errorf("%s exited without printing %q", p.name, prefix)
		case <-ctx.Done():
			return "", fmt.Errorf("%s did not print %q: %w", p.name, prefix, ctx.Err())
		case <-ticker.C:
		}
	}
}

// findLine looks for a complete line starting with prefix in path from offset on.
func findLine(path string, offset int64, prefix string) (rest string, found bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "", false, err
	}
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			// A line still being written has no newline yet: look again on the next poll.
			return "", false, nil
		}
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			return strings.TrimSpace(rest), true, nil
		}
	}
}

// tail returns the last n lines of the log (all runs).
func (p *process) tail(n int) string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}

// ---- readiness probes ---------------------------------------------------------------------------

// httpOK passes when GET url answers 200.
func httpOK(url string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s %s", url, resp.Status, strings.TrimSpace(string(body)))
		}
		return nil
	}
}

// tcpOpen passes when addr accepts a connection.
func tcpOpen(addr string) func(context.Context) error {
	return func(ctx context.Context) error {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		return conn.Close()
	}
}

// all passes when every probe passes.
func all(probes ...func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		var errs []error
		for _, probe := range probes {
			if err := probe(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
}
