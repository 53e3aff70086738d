package allinone_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// waitForOutput waits for the server's log to hold want: lines are buffered for up to 100 ms.
func waitForOutput(t *testing.T, s *server, want string) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out := s.output.String()
		if strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server's output lacks %q:\n%s", want, out)
		}
	}
}

// TestMisspelledVariableIsNamed: a DOUYIN_* variable that names no setting is not ignored in
// silence; one warning at start names it and the setting it most likely meant.
func TestMisspelledVariableIsNamed(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "DOUYIN_HTTP_ADR=127.0.0.1:1")
	// A request first: a SIGTERM right after /healthz first answers can come before the process
	// handles signals, and the cleanup's stop would then see it killed.
	s.get(t, "/douyin/feed/", nil)
	out := waitForOutput(t, s, "path=/douyin/feed")
	var warning string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "DOUYIN_HTTP_ADR ") {
			warning = line
		}
	}
	if !strings.Contains(warning, "level=WARN") || !strings.Contains(warning, "did you mean DOUYIN_HTTP_ADDR?") {
		t.Fatalf("line %q: want a warning naming DOUYIN_HTTP_ADR and suggesting DOUYIN_HTTP_ADDR", warning)
	}
	if n := strings.Count(out, "DOUYIN_HTTP_ADR "); n != 1 {
		t.Errorf("the unknown variable was named %d times; want once:\n%s", n, out)
	}
}

// TestMySQLWithoutDSNIsRefused: the binary refuses to start, naming the variable to set, instead
// of failing later with MySQL's "Access denied" for an empty user name.
func TestMySQLWithoutDSNIsRefused(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := runToExit(t, []string{"DOUYIN_DATA_DIR=" + t.TempDir(), "DOUYIN_DATABASE_DRIVER=mysql", "PATH=/usr/bin:/bin"})
	if out := stdout + stderr; code == 0 || !strings.Contains(out, "DOUYIN_DATABASE_DSN") {
		t.Fatalf("mysql without a DSN: exit %d, output %q; want a refusal naming DOUYIN_DATABASE_DSN", code, out)
	}
}

// TestJSONLog: with DOUYIN_LOG_FORMAT=json every line the binary writes is a JSON object with
// the keys logfmt lines have.
func TestJSONLog(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "DOUYIN_LOG_FORMAT=json")
	s.get(t, "/douyin/feed/", nil)
	waitForOutput(t, s, `"/douyin/feed`)
	s.stop(t)
	lines := strings.Split(strings.TrimSpace(s.output.String()), "\n")
	if len(lines) < 3 {
		t.Fatalf("want the start lines, got %q", lines)
	}
	for _, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("not JSON: %v: %s", err, line)
			continue
		}
		for _, k := range []string{"time", "level", "caller", "service"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line lacks %q: %s", k, line)
			}
		}
	}
}
