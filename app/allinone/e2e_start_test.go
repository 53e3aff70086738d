package allinone_test

import (
	"net"
	"regexp"
	"strings"
	"testing"
)

// TestStartSaysWhereToGo: the binary's start says, one line each, where a person opens the web
// client, the API reference and the admin address (health, readiness, metrics, profiler), with
// no line twice (Kratos printed one "server listening on" per in-process gRPC pipe, five alike)
// and no trace_id while tracing is off; its stop says so once.
func TestStartSaysWhereToGo(t *testing.T) {
	t.Parallel()
	t.Run("on loopback", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, t.TempDir())
		waitForOutput(t, s, `msg="admin:`)
		s.stop(t)
		out := s.output.String()
		for _, want := range []string{
			`msg="web client: open it in a browser" url=` + s.baseURL + "/",
			`msg="API reference" url=` + s.baseURL + "/docs",
			`url=` + s.adminURL,
		} {
			if n := countLines(out, want); n != 1 {
				t.Errorf("%d lines with %q, want 1:\n%s", n, want, out)
			}
		}
		checkStartLines(t, out)
	})
	t.Run("on every interface: localhost and the LAN addresses", func(t *testing.T) {
		t.Parallel()
		_, port, _ := net.SplitHostPort(freeAddr(t))
		s := startServer(t, t.TempDir(), "DOUYIN_HTTP_ADDR=0.0.0.0:"+port)
		waitForOutput(t, s, `msg="admin:`)
		s.stop(t)
		out := s.output.String()
		for _, want := range []string{
			`msg="web client: open it in a browser" url=http://localhost:` + port + "/",
			`msg="API reference" url=http://localhost:` + port + "/docs",
		} {
			if n := countLines(out, want); n != 1 {
				t.Errorf("%d lines with %q, want 1:\n%s", n, want, out)
			}
		}
		lan := regexp.MustCompile(`msg="web client from a phone on the same network" url=http://(\d+\.\d+\.\d+\.\d+):` + port + `/\n`)
		for _, m := range lan.FindAllStringSubmatch(out, -1) {
			if ip := net.ParseIP(m[1]); ip == nil || ip.IsLoopback() {
				t.Errorf("LAN address %s: want a non-loopback IPv4 address", m[1])
			}
		}
		checkStartLines(t, out)
	})
	t.Run("without the web client: the API", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, t.TempDir(), "DOUYIN_WEB_ENABLED=false")
		waitForOutput(t, s, `msg="admin:`)
		s.stop(t)
		out := s.output.String()
		if n := countLines(out, `msg="Douyin API: point the app here" url=`+s.baseURL+"/"); n != 1 {
			t.Errorf("%d lines naming the API, want 1:\n%s", n, out)
		}
		for _, unwanted := range []string{"web client", "/docs"} {
			if strings.Contains(out, unwanted) {
				t.Errorf("output names %q with the web client off:\n%s", unwanted, out)
			}
		}
		checkStartLines(t, out)
	})
}

// checkStartLines checks what every start and stop must not print: Kratos' per-server lines,
// in-process addresses, a line twice, a trace_id without tracing; and one stopping line.
func checkStartLines(t *testing.T, out string) {
	t.Helper()
	for _, unwanted := range []string{"server listening on", "server stopping", "inprocess", "bufconn", "trace_id"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("output holds %q:\n%s", unwanted, out)
		}
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		// Lines differ by their time only when they say the same thing twice.
		_, rest, _ := strings.Cut(line, " ")
		if seen[rest] {
			t.Errorf("line printed twice: %s", rest)
		}
		seen[rest] = true
	}
	if n := countLines(out, `msg="stopping: finishing the requests in progress"`); n != 1 {
		t.Errorf("%d stopping lines, want 1:\n%s", n, out)
	}
}

func countLines(out, substr string) int {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, substr) {
			n++
		}
	}
	return n
}
