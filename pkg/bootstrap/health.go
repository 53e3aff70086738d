package bootstrap

import (
	"context"
	"fmt"
	nethttp "net/http"
	"net/http/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport/http"

	"github.com/douyin-kratos/douyin/pkg/connlimit"

	"github.com/douyin-kratos/douyin/pkg/metrics"
)

// Readiness says whether a process should get traffic: it is serving (started, and not yet
// stopping) and every store its apps cannot answer without answers. Liveness is simpler: the
// process runs. Keeping them apart lets an orchestrator stop sending requests to a process
// whose database is away without restarting it, which would not bring the database back.
type Readiness struct {
	serving atomic.Bool
	mu      sync.Mutex
	probes  []probe
}

type probe struct {
	name  string
	check func(context.Context) error
}

// NewReadiness returns a Readiness that is not ready until Run has started every server.
func NewReadiness() *Readiness { return &Readiness{} }

// Require adds a dependency the process cannot answer without, such as its database. A name
// already required is checked once: apps sharing a process share its Kafka brokers.
func (r *Readiness) Require(name string, check func(context.Context) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.probes {
		if p.name == name {
			return
		}
	}
	r.probes = append(r.probes, probe{name, check})
}

// Check returns nil when the process is ready, or what is not.
func (r *Readiness) Check(ctx context.Context) error {
	if !r.serving.Load() {
		return fmt.Errorf("not serving (starting or stopping)")
	}
	return r.CheckDependencies(ctx)
}

// CheckDependencies returns nil when everything required answers, or what does not.
func (r *Readiness) CheckDependencies(ctx context.Context) error {
	r.mu.Lock()
	probes := append([]probe(nil), r.probes...)
	r.mu.Unlock()
	var failed []string
	for _, p := range probes {
		if err := p.check(ctx); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", p.name, err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s", strings.Join(failed, "; "))
	}
	return nil
}

// readinessTimeout bounds one readiness check; a store slower than this is as good as down.
const readinessTimeout = 2 * time.Second

// ServeHTTP answers GET /readyz: 200 "ready", or 503 with what is not.
func (r *Readiness) ServeHTTP(w nethttp.ResponseWriter, req *nethttp.Request) {
	ctx, cancel := context.WithTimeout(req.Context(), readinessTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := r.Check(ctx); err != nil {
		w.WriteHeader(nethttp.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready: %v\n", err)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// HealthHandler answers liveness probes: 200 while the process runs.
func HealthHandler(w nethttp.ResponseWriter, _ *nethttp.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// The admin address serves probes and scrapers, which send their requests at once and hold few
// connections; anything else there is shed quickly.
const (
	adminReadHeaderTimeout = 5 * time.Second
	adminIdleTimeout       = time.Minute
	adminMaxConnections    = 64
)

// NewAdminServer returns the server of a process's operators' address (admin_addr), bound
// already, or nil when addr is empty: GET /healthz (liveness), /readyz (readiness), /metrics
// (Prometheus) and /debug/pprof/ (Go's profiler: `go tool pprof http://ADMIN/debug/pprof/profile`). It is kept off the public address, so that neither the numbers nor
// the probes are anyone's to read or flood. The returned function closes the listener if the
// server never took it over.
func NewAdminServer(addr string, ready *Readiness, logger log.Logger) (*http.Server, func(), error) {
	if addr == "" {
		return nil, func() {}, nil
	}
	ln, conns, closeListener, err := ListenLimited("admin http", addr, adminMaxConnections, false, logger)
	if err != nil {
		return nil, nil, err
	}
	// No per-request deadline: a CPU profile takes the seconds it is asked for (Kratos' default
	// would end it after one); the readiness check bounds itself.
	srv := http.NewServer(http.Address(addr), http.Listener(ln), http.Timeout(0))
	conns.Apply(srv.Server, connlimit.Timeouts{ReadHeader: adminReadHeaderTimeout, Idle: adminIdleTimeout})
	srv.HandleFunc("/healthz", HealthHandler)
	srv.Handle("/readyz", ready)
	srv.Handle("/metrics", metrics.Handler())
	srv.HandleFunc("/debug/pprof/", pprof.Index)
	srv.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	srv.HandleFunc("/debug/pprof/profile", pprof.Profile)
	srv.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	srv.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return srv, closeListener, nil
}
