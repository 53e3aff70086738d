package allinone_test

// End-to-end tests of the process around the apps: the data directory lock and what the binary
// says about its build.

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A second all-in-one on a data directory in use must refuse to start at once, naming the
// process that holds it, and leave that one serving: two on one directory would write the same
// SQLite files and Kafka log.
func TestSecondProcessOnTheDataDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	first := startServer(t, dir)

	bin := builtBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	second := exec.CommandContext(ctx, bin)
	second.Env = environWithoutSettings()
	// Other ports than the first's, so only the directory can be the reason for refusing; the
	// refusal must come before the ports are bound anyway (see below).
	second.Env = append(second.Env, "DOUYIN_DATA_DIR="+dir, "DOUYIN_HTTP_ADDR="+freeAddr(t), "DOUYIN_ADMIN_ADDR="+freeAddr(t), "DOUYIN_DEMO=false")
	out, err := second.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the second process was still running after %s; output:\n%s", startTimeout, out)
	}
	if err == nil {
		t.Fatalf("the second process exited 0; output:\n%s", out)
	}
	want := "data dir " + dir + " is in use by process " + strconv.Itoa(first.cmd.Process.Pid)
	if !strings.Contains(string(out), want) || !strings.Contains(string(out), "DOUYIN_DATA_DIR") {
		t.Errorf("the second process said:\n%s\nwant it to contain %q and the way out (DOUYIN_DATA_DIR)", out, want)
	}

	// Same addresses too, as `make run` twice would: the directory is still what it reports.
	third := exec.CommandContext(ctx, bin)
	third.Env = append(second.Env, "DOUYIN_HTTP_ADDR="+first.host(), "DOUYIN_ADMIN_ADDR="+strings.TrimPrefix(first.adminURL, "http://"))
	out, err = third.CombinedOutput()
	if err == nil || !strings.Contains(string(out), want) {
		t.Errorf("a second process on the same addresses exited with %v and said:\n%s\nwant it to contain %q", err, out, want)
	}

	resp, err := client.Get(first.baseURL + "/douyin/feed/")
	if err != nil {
		t.Fatalf("the first process stopped serving: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the first process answered the feed with %d", resp.StatusCode)
	}
	// Stopped gracefully, it releases the directory: a new process starts on it.
	first.stop(t)
	restarted := startServer(t, dir)
	// /healthz answers before the process handles SIGTERM (Kratos installs its handler after
	// the servers start and AfterStart marks it ready), and the cleanup's SIGTERM must not
	// find it in between: wait until it is ready and has answered a request.
	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := client.Get(restarted.adminURL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted process not ready after %s", startTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if resp, err := client.Get(restarted.baseURL + "/douyin/feed/"); err != nil {
		t.Fatalf("the restarted process: %v", err)
	} else {
		resp.Body.Close()
	}
}

// -version prints the build and exits 0, without starting anything.
func TestVersionFlag(t *testing.T) {
	stdout, stderr, code := runToExit(t, append(os.Environ(), "DOUYIN_DATA_DIR="+t.TempDir()), "-version")
	if code != 0 {
		t.Fatalf("-version: exit %d; output:\n%s%s", code, stdout, stderr)
	}
	line := strings.TrimSpace(stdout + stderr)
	// The test builds from a git checkout, so the toolchain stamps the commit; "(devel)" is
	// what a build without one says.
	if !strings.HasPrefix(line, "allinone ") || !strings.HasSuffix(line, " "+runtime.Version()) ||
		!(regexp.MustCompile(`revision [0-9a-f]{40}`).MatchString(line) || strings.Contains(line, "(devel)")) {
		t.Errorf("-version printed %q, want the name, a revision or (devel), and %s", line, runtime.Version())
	}
}

// The admin metrics say which build runs.
func TestBuildInfoMetric(t *testing.T) {
	s := startServer(t, t.TempDir())
	_, body := fetch(t, s.adminURL+"/metrics", nil)
	re := regexp.MustCompile(`(?m)^douyin_build_info\{go_version="` + regexp.QuoteMeta(runtime.Version()) + `",revision="[0-9a-f]*",version="[^"]+"\} 1$`)
	if !re.Match(body) {
		t.Errorf("no douyin_build_info line matching %s in /metrics:\n%s", re, grep(string(body), "douyin_build_info"))
	}
}

// grep returns the lines of s that contain word.
func grep(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// A SIGTERM the moment the health endpoint first answers (the servers are up, Kratos may not
// listen for signals yet) stops the process gracefully: status 0, not killed by the signal.
func TestTermAsSoonAsHealthyStopsGracefully(t *testing.T) {
	t.Parallel()
	for range 3 {
		s := startServer(t, t.TempDir(), "DOUYIN_DEMO=false")
		s.stop(t) // asserts a clean exit
	}
}
