package bootstrap

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/middleware"
	"github.com/go-kratos/kratos/v2/transport"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

func newAdmin(t *testing.T, ready *Readiness) http.Handler {
	t.Helper()
	srv, closeListener, err := NewAdminServer("127.0.0.1:0", ready, log.DefaultLogger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeListener)
	return srv
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

func TestReadinessFollowsServingAndDependencies(t *testing.T) {
	ready := NewReadiness()
	srv := newAdmin(t, ready)

	if code, _ := get(t, srv, "/healthz"); code != http.StatusOK {
		t.Fatalf("liveness %d before start; want 200: the process runs", code)
	}
	if code, body := get(t, srv, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "not serving") {
		t.Fatalf("readiness before start: %d %q; want 503 not serving", code, body)
	}
	ready.serving.Store(true)
	if code, _ := get(t, srv, "/readyz"); code != http.StatusOK {
		t.Fatalf("readiness while serving with no dependencies: %d", code)
	}
	var dbDown bool
	ready.Require("video database", func(context.Context) error {
		if dbDown {
			return errors.New("connection refused")
		}
		return nil
	})
	ready.Require("video redis", func(context.Context) error { return nil })
	if code, _ := get(t, srv, "/readyz"); code != http.StatusOK {
		t.Fatalf("readiness with its stores answering: %d", code)
	}
	dbDown = true
	if code, body := get(t, srv, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "video database: connection refused") || strings.Contains(body, "redis") {
		t.Fatalf("readiness with the database down: %d %q; want 503 naming the database only", code, body)
	}
	if code, _ := get(t, srv, "/healthz"); code != http.StatusOK {
		t.Fatalf("liveness %d with the database down; want 200: restarting would not bring it back", code)
	}
	dbDown = false
	// Apps sharing a process require its Kafka once each; it is checked, and named, once.
	for range 2 {
		ready.Require("kafka", func(context.Context) error { return errors.New("dial tcp 127.0.0.1:9092: connection refused") })
	}
	if code, body := get(t, srv, "/readyz"); code != http.StatusServiceUnavailable || strings.Count(body, "kafka:") != 1 {
		t.Fatalf("readiness with Kafka away: %d %q; want 503 naming Kafka once", code, body)
	}
}

func TestAdminServesTheProfiler(t *testing.T) {
	srv := newAdmin(t, NewReadiness())
	if code, body := get(t, srv, "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Fatalf("/debug/pprof/: %d %.200q; want the profiles' index", code, body)
	}
	if code, _ := get(t, srv, "/debug/pprof/goroutine?debug=1"); code != http.StatusOK {
		t.Fatalf("/debug/pprof/goroutine: %d", code)
	}
	start := time.Now()
	if code, body := get(t, srv, "/debug/pprof/profile?seconds=2"); code != http.StatusOK || time.Since(start) < 2*time.Second {
		t.Fatalf("a 2-second CPU profile: %d after %s (%.100q); want 200 after 2 s", code, time.Since(start), body)
	}
}

func TestMetricsCountCallsByOperationAndOutcome(t *testing.T) {
	chain := middleware.Chain(ServerMiddleware(&confv1.Bootstrap{}, &recorder{})...)
	ctx := transport.NewServerContext(context.Background(), fakeTransport{operation: "/test.v1.Probe/Fail"})
	_, _ = chain(func(context.Context, any) (any, error) { return nil, errors.New("disk full") })(ctx, nil)

	srv := newAdmin(t, NewReadiness())
	code, body := get(t, srv, "/metrics")
	want := `douyin_server_requests_total{code="500",kind="http",operation="/test.v1.Probe/Fail",reason="INTERNAL"} 1`
	if code != http.StatusOK || !strings.Contains(body, want) {
		t.Fatalf("/metrics %d lacks %s:\n%s", code, want, grep(body, "douyin_"))
	}
	if !strings.Contains(body, `douyin_server_request_duration_seconds_bucket{kind="http",operation="/test.v1.Probe/Fail",le="0.005"}`) {
		t.Fatalf("/metrics lacks the latency histogram:\n%s", grep(body, "douyin_"))
	}
}

func grep(body, prefix string) string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, prefix) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// fakeTransport is a server call to operation over HTTP.
type fakeTransport struct{ operation string }

func (fakeTransport) Kind() transport.Kind            { return transport.KindHTTP }
func (fakeTransport) Endpoint() string                { return "" }
func (t fakeTransport) Operation() string             { return t.operation }
func (fakeTransport) RequestHeader() transport.Header { return noHeader{} }
func (fakeTransport) ReplyHeader() transport.Header   { return noHeader{} }

type noHeader struct{}

func (noHeader) Get(string) string      { return "" }
func (noHeader) Set(string, string)     {}
func (noHeader) Add(string, string)     {}
func (noHeader) Keys() []string         { return nil }
func (noHeader) Values(string) []string { return nil }

func TestAdminAddressIsOptional(t *testing.T) {
	if srv, _, _ := NewAdminServer("", NewReadiness(), log.DefaultLogger); srv != nil {
		t.Fatalf("admin server %v without an address; want none (an app inside the all-in-one)", srv)
	}
	p, closeProcess, err := NewProcess(&confv1.Bootstrap{AdminAddr: "127.0.0.1:0"}, log.DefaultLogger, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeProcess()
	if p.admin == nil {
		t.Fatal("a process with admin_addr has no admin server")
	}
}

func TestProcessWithoutRegistryUsesStaticAddresses(t *testing.T) {
	p, closeProcess, err := NewProcess(&confv1.Bootstrap{}, log.DefaultLogger, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeProcess()
	// A typed nil here would make Run register with nothing and dial through nothing.
	if p.registrar != nil {
		t.Fatalf("registrar %#v without registry.nacos.addrs; want none", p.registrar)
	}
	if _, _, err := p.Dialer.Dial("discovery:///user.grpc", time.Second); err == nil || !strings.Contains(err.Error(), "registry") {
		t.Fatalf("dialing a discovery name without a registry: %v; want an error naming the registry", err)
	}
}

func TestGRPCServerIsBoundWhenMade(t *testing.T) {
	bc := &confv1.Bootstrap{GrpcAddr: "127.0.0.1:0"}
	srv, closeListener, err := NewGRPCServer(GRPCSettingsOf(bc, log.DefaultLogger), log.DefaultLogger)
	if err != nil {
		t.Fatal(err)
	}
	defer closeListener()
	u, err := srv.Endpoint()
	if err != nil {
		t.Fatal(err)
	}
	// The port is held from the start: a second server on it fails at once, with the address.
	bc.GrpcAddr = u.Host
	if _, _, err := NewGRPCServer(GRPCSettingsOf(bc, log.DefaultLogger), log.DefaultLogger); err == nil || !strings.Contains(err.Error(), u.Host) {
		t.Fatalf("second server on %s: %v; want a listen error naming it", u.Host, err)
	}
}

// A process that does not register (the all-in-one) refuses a configured registry rather than
// run unannounced while its operator expects it in Nacos.
func TestProcessWithoutRegistryRefusesOne(t *testing.T) {
	bc := &confv1.Bootstrap{Registry: &confv1.Registry{Nacos: &confv1.Nacos{Addrs: "127.0.0.1:8848"}}}
	if _, _, err := NewProcess(bc, log.DefaultLogger, nil); err == nil || !strings.Contains(err.Error(), "does not register") {
		t.Fatalf("NewProcess with a registry and no way to open it: %v", err)
	}
}
