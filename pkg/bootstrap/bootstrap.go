// Package bootstrap holds what every process does the same way: logging, the server middleware
// chain, and running a set of app components until SIGINT or SIGTERM.
package bootstrap

import (
	"context"
	stderrors "errors"
	"flag"
	"fmt"
	"net"
	nethttp "net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/go-kratos/kratos/v2"
	"github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/middleware"
	"github.com/go-kratos/kratos/v2/middleware/circuitbreaker"
	"github.com/go-kratos/kratos/v2/middleware/recovery"
	"github.com/go-kratos/kratos/v2/middleware/tracing"
	"github.com/go-kratos/kratos/v2/registry"
	"github.com/go-kratos/kratos/v2/transport"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	"github.com/go-kratos/kratos/v2/transport/http"
	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/buildinfo"
	"github.com/douyin-kratos/douyin/pkg/config"
	"github.com/douyin-kratos/douyin/pkg/dirlock"
	"github.com/douyin-kratos/douyin/pkg/inprocess"
	"github.com/douyin-kratos/douyin/pkg/metrics"
	"github.com/douyin-kratos/douyin/pkg/rpc"
)

// Component is one app as its New injector assembles it: the servers it runs. The all-in-one
// runs several components in one process; a single-app process runs one.
type Component struct {
	// Name is the app's: App.New sets it.
	Name string
	// GRPC serves the app's internal API; nil for the gateway.
	GRPC *grpc.Server
	// HTTP serves the Douyin API; nil but for the gateway. (Health, readiness and metrics are
	// the process's, on its admin address: see Process.)
	HTTP *http.Server
	// Workers are further servers, such as event consumers.
	Workers []transport.Server
	// Links are the addresses a person opens (the web client, the API reference), announced
	// once every server listens.
	Links []Link
}

// Servers lists everything the component runs.
func (c *Component) Servers() []transport.Server {
	var out []transport.Server
	if c.GRPC != nil {
		out = append(out, c.GRPC)
	}
	if c.HTTP != nil {
		out = append(out, c.HTTP)
	}
	return append(out, c.Workers...)
}

// GRPCAddr listens on the component's gRPC address if it has not yet and returns the address it
// got, so a caller can bind port 0 and tell other components where to dial.
func (c *Component) GRPCAddr() (string, error) {
	u, err := c.GRPC.Endpoint()
	if err != nil {
		return "", err
	}
	return hostPort(u), nil
}

func hostPort(u *url.URL) string {
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return u.Host
	}
	return net.JoinHostPort(host, port)
}

// ServerMiddleware is the chain every server runs: a span per request continuing the caller's
// trace (when tracing is on: tracing.endpoint is set), metrics of what callers got, every error
// leaving the server as an answer a person can read (see edge), and panics becoming errors
// first (recovery runs inside edge).
func ServerMiddleware(bc *confv1.Bootstrap, logger log.Logger) []middleware.Middleware {
	helper := log.NewHelper(logger)
	var chain []middleware.Middleware
	if bc.GetTracing().GetEndpoint() != "" {
		// Without an exporter the spans would go nowhere, and the middleware is not free (the
		// README's measured section has what it cost the all-in-one's feed).
		chain = append(chain, tracing.Server())
	}
	return append(chain,
		metrics.Server(),
		func(next middleware.Handler) middleware.Handler {
			return func(ctx context.Context, req any) (any, error) {
				reply, err := next(ctx, req)
				if err != nil {
					operation := ""
					if tr, ok := transport.FromServerContext(ctx); ok {
						operation = tr.Operation()
					}
					err = edge(ctx, helper, operation, err)
				}
				return reply, err
			}
		},
		recovery.Recovery(),
	)
}

// Reasons of the errors edge puts in place of failures.
const (
	ReasonInternal    = "INTERNAL"
	ReasonUnavailable = "UNAVAILABLE"
)

// edge decides what an error leaving a server becomes. Errors the apps declare carry a reason
// (api/*/v1 ErrorReason): they are answers such as "wrong password", passed on untouched and not
// logged. Anything else (a database error, a panic, an app that cannot be reached or that an
// open circuit breaker keeps us from calling) is a failure: it is logged here, once, and
// replaced by an error with a reason, so the next server on the way treats it as an answer and
// does not log it again, and nobody sees internals.
func edge(ctx context.Context, helper *log.Helper, operation string, err error) error {
	e := errors.FromError(err)
	if e.Reason != "" && e.Reason != recoveryReason && e.Reason != circuitbreaker.ErrNotAllowed.Reason {
		return err
	}
	if e.Code == clientClosed || stderrors.Is(err, context.Canceled) {
		return err // the caller went away: nobody to answer and nothing broken
	}
	helper.WithContext(ctx).Errorw("msg", "request failed", "operation", operation, "error", err)
	if e.Code == 503 || e.Code == 504 {
		return errors.New(int(e.Code), ReasonUnavailable, "the service is temporarily unavailable, please try again").WithCause(err)
	}
	return errors.New(500, ReasonInternal, "internal error, please try again later").WithCause(err)
}

// clientClosed is the code Kratos gives a call its client cancelled (gRPC Canceled).
const clientClosed = 499

// recoveryReason is what Kratos' recovery middleware gives a panic.
const recoveryReason = "UNKNOWN"

// defaultGCPercent is the GOGC these processes run with unless GOGC is set. Their live heaps
// are small (tens of MB) while every request allocates its answer, so under load Go's default
// of 100 spends much of the CPU on collection; 400 trades some memory for that CPU (the README's
// measured section has the figures).
const defaultGCPercent = 400

// Process is what a process gives every app it runs, made once by NewProcess.
type Process struct {
	// Dialer connects the apps to the apps they call.
	Dialer *rpc.Dialer
	// Ready gathers what the process's apps cannot answer without; /readyz reports it.
	Ready *Readiness
	// registrar announces the process's servers; nil without a registry.
	registrar registry.Registrar
	// admin serves health, readiness and metrics of every app in the process; nil without an
	// admin address.
	admin *http.Server
	// adminAddr is admin_addr as configured, for the address announced at start.
	adminAddr string
}

// HandleAdmin serves h under prefix on the process's admin address, when it has one (an app's
// own routes for operators, such as the gateway's take-downs), and reports whether it does.
func (p *Process) HandleAdmin(prefix string, h nethttp.Handler) bool {
	if p.admin == nil {
		return false
	}
	p.admin.HandlePrefix(prefix, h)
	return true
}

// Registry announces a process's servers and finds the other apps' (pkg/discovery). An alias
// of the same interface as discovery.Registry, so discovery.New is an OpenRegistry without this
// package importing it.
type Registry = interface {
	registry.Registrar
	registry.Discovery
}

// OpenRegistry connects to the registry a configuration names, returning a nil Registry when it
// names none. The processes that register (each app on its own) pass pkg/discovery's New to Main;
// the all-in-one passes nil and so does not link the Nacos SDK, nor the cloud SDKs it brings.
type OpenRegistry func(bc *confv1.Bootstrap) (Registry, func(), error)

// NewProcess connects to the registry bc names, if any (through open; nil: this process never
// registers, and a configured registry is an error), and binds the admin server on admin_addr.
// The returned function closes both.
func NewProcess(bc *confv1.Bootstrap, logger log.Logger, open OpenRegistry) (*Process, func(), error) {
	if open == nil {
		if addrs := bc.GetRegistry().GetNacos().GetAddrs(); addrs != "" {
			return nil, nil, fmt.Errorf("registry.nacos.addrs is %q, but this process does not register: run each app on its own to use a registry", addrs)
		}
		open = func(*confv1.Bootstrap) (Registry, func(), error) { return nil, func() {}, nil }
	}
	ready := NewReadiness()
	admin, closeAdmin, err := NewAdminServer(bc.GetAdminAddr(), ready, logger)
	if err != nil {
		return nil, nil, err
	}
	reg, closeRegistry, err := open(bc)
	if err != nil {
		closeAdmin()
		return nil, nil, err
	}
	// A nil Registry stays nil as a Registrar and a Discovery: no registry, static addresses.
	p := &Process{Dialer: rpc.NewDialer(bc, reg), Ready: ready, registrar: reg, admin: admin, adminAddr: bc.GetAdminAddr()}
	return p, func() { closeRegistry(); closeAdmin() }, nil
}

// Run serves the components until SIGINT or SIGTERM, then stops every server gracefully. The
// process is registered under name (when it has a registry) and ready once every server has
// started, and stops being ready before any server stops.
func Run(name string, logger log.Logger, p *Process, components ...*Component) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	var servers []transport.Server
	if p.admin != nil {
		servers = append(servers, p.admin)
	}
	for _, c := range components {
		servers = append(servers, c.Servers()...)
	}
	// Kratos listens for SIGINT and SIGTERM only after every server has started and the hooks
	// have run; a signal in between (the health endpoint already answers) would end the process
	// without a graceful stop. So the signals are caught from here on, and one that arrives
	// early stops the app as soon as it has started. Later ones reach Kratos' handler too: the app
	// may be stopped twice, which changes nothing the second time (deregisterOnce).
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(signals)
	started, ended := make(chan struct{}), make(chan struct{})
	var sayStopping sync.Once
	defer close(ended)
	opts := []kratos.Option{
		kratos.Name(name),
		kratos.Logger(logger),
		kratos.Server(servers...),
		kratos.Signal(syscall.SIGINT, syscall.SIGTERM),
		kratos.StopTimeout(15 * time.Second),
		kratos.AfterStart(func(context.Context) error {
			p.Ready.serving.Store(true)
			close(started)
			announce(logger, p, components)
			return nil
		}),
		kratos.BeforeStop(func(context.Context) error {
			p.Ready.serving.Store(false)
			// Once: a signal may stop the app twice (see above).
			sayStopping.Do(func() { log.NewHelper(logger).Info("stopping: finishing the requests in progress") })
			return nil
		}),
	}
	if p.registrar != nil {
		opts = append(opts, kratos.Registrar(&deregisterOnce{Registrar: p.registrar}))
	}
	app := kratos.New(opts...)
	go func() {
		select {
		case <-signals:
		case <-ended:
			return
		}
		select {
		case <-started:
			_ = app.Stop() // its error, if any, is the one Kratos' own Stop returns
		case <-ended:
		}
	}()
	return app.Run()
}

// deregisterOnce deregisters an instance once however often the app is stopped.
type deregisterOnce struct {
	registry.Registrar
	once sync.Once
	err  error
}

func (r *deregisterOnce) Deregister(ctx context.Context, ins *registry.ServiceInstance) error {
	r.once.Do(func() { r.err = r.Registrar.Deregister(ctx, ins) })
	return r.err
}

// The internal gRPC servers answer the other apps, which hold one long-lived connection each
// and multiplex their calls on it: anything else that connects is bounded like a public client.
const (
	// grpcHandshakeTimeout bounds how long a new connection may take to start HTTP/2.
	grpcHandshakeTimeout = 10 * time.Second
	// grpcMaxIdle closes a connection no call used for that long; callers reconnect on demand.
	grpcMaxIdle = 5 * time.Minute
	// grpcMaxStreams bounds the calls in progress on one connection; more wait in the caller.
	grpcMaxStreams = 1000
)

// GRPCSettings are what NewGRPCServer reads from the configuration.
type GRPCSettings struct {
	// Addr is grpc_addr: a TCP address or an in-process one.
	Addr string
	// Timeout caps calls whose caller set no deadline.
	Timeout time.Duration
	// MaxMessageBytes bounds one message each way (services.max_message_bytes); 0 (a
	// configuration built by hand) keeps gRPC's defaults.
	MaxMessageBytes int
	// Middleware is the chain every call runs (ServerMiddleware).
	Middleware []middleware.Middleware
}

// GRPCSettingsOf picks NewGRPCServer's settings out of the configuration; every domain app's
// wiring provides it, so the apps' servers take GRPCSettings and not the whole configuration.
func GRPCSettingsOf(bc *confv1.Bootstrap, logger log.Logger) GRPCSettings {
	return GRPCSettings{
		Addr: bc.GetGrpcAddr(),
		// Callers set each call's real deadline, and gRPC carries it here. This only caps work
		// whose caller set none: no call may outlive the HTTP request that caused it, and some
		// (a login queueing for the password hasher) may take longer than an ordinary call.
		Timeout:         max(bc.GetServices().GetCallTimeout().AsDuration(), bc.GetHttp().GetTimeout().AsDuration()),
		MaxMessageBytes: int(bc.GetServices().GetMaxMessageBytes()),
		Middleware:      ServerMiddleware(bc, logger),
	}
}

// GRPCService is a domain app's internal API: its service layer, which knows the generated
// function that registers it.
type GRPCService interface {
	RegisterOn(srv ggrpc.ServiceRegistrar)
}

// ServeGRPC returns a domain app's gRPC server (NewGRPCServer) serving svc.
func ServeGRPC(s GRPCSettings, svc GRPCService, logger log.Logger) (*grpc.Server, func(), error) {
	srv, closeListener, err := NewGRPCServer(s, logger)
	if err != nil {
		return nil, nil, err
	}
	svc.RegisterOn(srv)
	return srv, closeListener, nil
}

// NewGRPCServer returns a domain app's gRPC server on its address with the common middleware.
// On a TCP address it is bound already, its connections under a cap (newcomers are turned
// away at the cap: callers keep theirs open), with a handshake deadline and an idle timeout;
// the returned function closes the listener if the server never took it over. Streams get the
// same edge logging as unary calls; Kratos' stream middleware runs per message, so that is a
// plain interceptor.
func NewGRPCServer(s GRPCSettings, logger log.Logger) (*grpc.Server, func(), error) {
	helper := log.NewHelper(logger)
	var where []grpc.ServerOption
	closeListener := func() {}
	if addr := s.Addr; inprocess.Is(addr) {
		lis, err := inprocess.Listen(addr)
		if err != nil {
			return nil, nil, err
		}
		closeListener = func() { _ = lis.Close() }
		// Kratos derives the endpoint from a TCP listener only.
		where = append(where, grpc.Listener(lis), grpc.Endpoint(&url.URL{Scheme: "grpc", Host: lis.Addr().String()}))
	} else {
		ln, _, closeLn, err := ListenLimited("grpc", addr, 0, true, logger)
		if err != nil {
			return nil, nil, err
		}
		closeListener = closeLn
		where = append(where, grpc.Address(addr), grpc.Listener(ln))
	}
	srv := grpc.NewServer(append(where,
		grpc.Timeout(s.Timeout),
		grpc.Middleware(s.Middleware...),
		// One Options: Kratos keeps only the last one given.
		grpc.Options(append(messageLimits(s.MaxMessageBytes),
			ggrpc.ConnectionTimeout(grpcHandshakeTimeout),
			ggrpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: grpcMaxIdle}),
			ggrpc.MaxConcurrentStreams(grpcMaxStreams),
		)...),
		grpc.StreamInterceptor(func(srv any, ss ggrpc.ServerStream, info *ggrpc.StreamServerInfo, handler ggrpc.StreamHandler) error {
			if err := handler(srv, ss); err != nil {
				return edge(ss.Context(), helper, info.FullMethod, err)
			}
			return nil
		}),
	)...)
	return srv, closeListener, nil
}

// messageLimits bounds what a server receives and sends in one message to n bytes
// (services.max_message_bytes), the limit its callers' connections have too (rpc.Dialer); 0
// keeps gRPC's defaults.
func messageLimits(n int) []ggrpc.ServerOption {
	if n <= 0 {
		return nil
	}
	return []ggrpc.ServerOption{ggrpc.MaxRecvMsgSize(n), ggrpc.MaxSendMsgSize(n)}
}

// Builder assembles an app from its configuration: its Wire injector.
type Builder func(bc *confv1.Bootstrap, logger log.Logger, p *Process) (*Component, func(), error)

// App is what every app exports, so that its command, the all-in-one and the cluster start it
// the same way.
type App struct {
	// Name identifies the app in logs, discovery and file names.
	Name string
	// Listen is the app's listen addresses (YAML) for when neither -conf nor the environment
	// gives them: each app of a cluster on one machine gets its own ports.
	Listen string
	// Build assembles the app.
	Build Builder
	// Stateless says the app keeps nothing of its own under data_dir (the gateway), so any
	// number of its processes may share one; every other app's process locks the directory
	// (LockDataDir) for its name.
	Stateless bool
}

// New assembles the app from its configuration, its log lines labelled and its Component named
// with its name.
func (a App) New(bc *confv1.Bootstrap, logger log.Logger, p *Process) (*Component, func(), error) {
	c, cleanup, err := a.Build(bc, log.With(logger, "app", a.Name), p)
	if err != nil {
		return nil, nil, err
	}
	c.Name = a.Name
	return c, cleanup, nil
}

// Main runs the app as its own process, for the distributed deployment (see Main), registering
// through open (discovery.New).
func (a App) Main(open OpenRegistry) {
	run(a.Name, a.Listen, !a.Stateless, open, func(bc *confv1.Bootstrap, logger log.Logger, p *Process) ([]*Component, func(), error) {
		c, cleanup, err := a.New(bc, logger, p)
		if err != nil {
			return nil, nil, err
		}
		return []*Component{c}, cleanup, nil
	})
}

// Main runs the components build assembles as the process called name until a signal: flags,
// configuration (defaults, then listen, then -conf, then DOUYIN_* variables), the data_dir lock
// for name (LockDataDir), logging, tracing, then Run. It exits the process on an error. With
// -version it prints the build (buildinfo) and exits.
func Main(name, listen string, open OpenRegistry, build func(bc *confv1.Bootstrap, logger log.Logger, p *Process) ([]*Component, func(), error)) {
	run(name, listen, true, open, build)
}

func run(name, listen string, lock bool, open OpenRegistry, build func(bc *confv1.Bootstrap, logger log.Logger, p *Process) ([]*Component, func(), error)) {
	confPath := flag.String("conf", "", "YAML config file (optional; DOUYIN_* variables override it)")
	version := flag.Bool("version", false, "print the version, commit and Go version of this build and exit")
	flag.Parse()
	if *version {
		fmt.Printf("%s %s\n", name, buildinfo.Get())
		return
	}
	err := func() error {
		bc, warnings, err := config.Load(*confPath, listen)
		if err != nil {
			return err
		}
		if lock {
			// First of all: a second process on the directory must stop before it binds the
			// first one's ports (which would hide the real problem) or opens its stores.
			unlock, err := LockDataDir(bc.GetDataDir(), name)
			if err != nil {
				return err
			}
			defer unlock()
		}
		logger, flushLog := NewLogger(name, bc.GetLog())
		defer flushLog()
		for _, w := range warnings {
			log.NewHelper(logger).Warn(w)
		}
		flush, err := SetupTracing(bc, name)
		if err != nil {
			return err
		}
		defer flush()
		p, closeProcess, err := NewProcess(bc, logger, open)
		if err != nil {
			return err
		}
		defer closeProcess()
		components, cleanup, err := build(bc, logger, p)
		if err != nil {
			return err
		}
		defer cleanup()
		return Run(name, logger, p, components...)
	}()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// LockDataDir keeps dir to this process for name (the file name.lock in it; see pkg/dirlock)
// until the returned function runs or the process ends, however it ends. Processes of
// different names may share a directory: their files differ (user.db, video.db). An empty dir
// (a configuration built by hand) locks nothing.
func LockDataDir(dir, name string) (func(), error) {
	if dir == "" {
		return func() {}, nil
	}
	l, err := dirlock.Acquire(dir, name)
	if dirlock.IsHeld(err) {
		return nil, fmt.Errorf("%w; stop it or use another data_dir (DOUYIN_DATA_DIR)", err)
	}
	if err != nil {
		return nil, err
	}
	return func() { _ = l.Close() }, nil
}
