// Package localcluster runs the distributed deployment on one machine, every app its own process
// on loopback, for the distributed end-to-end test (make test-cluster) and for a person or a
// load test (make cluster). It stands in for what deploy/docker-compose.yml takes from images:
// a Kafka-protocol broker (cmd/kafka, franz-go's kfake), an S3 server (cmd/s3, gofakes3) and
// the Jaeger all-in-one (make jaeger); MySQL (MariaDB) and Redis must already be running.
//
// Each app is configured only by DOUYIN_* variables, as in the compose file, with a database of
// its own that Start drops and creates again, so every run starts empty. Each app runs as
// Options.Replicas processes ("user-1", "user-2", ...) sharing its database, its Redis keys and
// its Kafka consumer groups, as replicas of a deployment do; callers reach an app's replicas
// through gRPC's balancing over a static list of their addresses, clients the gateways through a
// round-robin front (front.go). Every program's stdout and stderr go to
// <WorkDir>/logs/<name>.log. Programs run in process groups of their own and, on Linux, die with
// the process that started them.
package localcluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The programs of a cluster that run once. The apps' programs are their replicas, named by
// ReplicaName; Kill, StartAgain and WaitReady take an app's name for all its replicas.
const (
	Jaeger  = "jaeger"
	Kafka   = "kafka"
	S3      = "s3"
	Gateway = "gateway"
)

// DomainApps are the apps behind the gateway, in the order of their default ports (user on
// 9001/8001 ... message on 9005/8005, as in deploy/config).
var DomainApps = []string{"user", "video", "interaction", "relation", "message"}

// S3EndpointPrefix starts the line on which cmd/s3 prints its endpoint. The embedded S3 server
// picks its own port, so that line is how the harness learns it.
const S3EndpointPrefix = "s3 endpoint: "

// Jaeger's all-in-one listens on fixed loopback ports when run without arguments.
const (
	JaegerOTLPAddr  = "127.0.0.1:4317"
	JaegerQueryAddr = "127.0.0.1:16686"
)

// Object storage credentials: the S3 stand-in checks none, but minio-go signs every request.
const (
	s3Bucket    = "douyin"
	s3AccessKey = "localcluster"
	s3SecretKey = "localcluster-secret"
)

// Options configure a cluster. BinDir, WorkDir, MySQLDSN, RedisAddr, DBPrefix and RedisPrefix
// are required.
type Options struct {
	// BinDir holds the six app binaries (user ... gateway) and the stand-ins kafka and s3, as
	// `make test-cluster` builds them into ./bin.
	BinDir string
	// JaegerBin is the Jaeger all-in-one binary (make jaeger). Empty: no Jaeger, and the apps
	// export no spans.
	JaegerBin string
	// WorkDir receives logs/<name>.log and data/<name>/ (each program's working directory).
	WorkDir string
	// MySQLDSN reaches the server as a user that may create and drop databases, e.g.
	// "root:@tcp(127.0.0.1:3306)/"; its database name, if any, is ignored.
	MySQLDSN string
	// RedisAddr is the shared Redis, e.g. "127.0.0.1:6379".
	RedisAddr string
	// DBPrefix names the databases: app "user" gets DBPrefix+"user". Start drops and creates them.
	DBPrefix string
	// RedisPrefix is prepended to every Redis key the apps write. Start and Stop delete the keys
	// under it, so give each concurrent cluster its own.
	RedisPrefix string
	// GatewayAddr is where the Douyin API is served: by the gateway itself with one replica, by
	// the front spreading connections over the gateways with more. Empty: a free loopback port.
	GatewayAddr string
	// Replicas is how many processes run each app, the gateway included: 1 (the default) to
	// MaxReplicas.
	Replicas int
	// GRPCBasePort and AdminBasePort place the apps: replica k (from 1) of DomainApps[i] serves
	// gRPC on GRPCBasePort+1+i+10*(k-1) and its admin address (health, readiness, metrics) on
	// AdminBasePort+1+i+10*(k-1), the gateway's admin address is AdminBasePort+10*(k-1) (9000
	// and 8000 give deploy/config's ports to the first replicas). Zero: free loopback ports. The
	// gateways behind a front always listen on free ports.
	GRPCBasePort, AdminBasePort int
	// KafkaPort is the broker's loopback port, S3Port the object store's. Zero: a free one.
	KafkaPort, S3Port int
	// TokenSecret signs tokens. Empty: a random one per Start.
	TokenSecret string
	// AdminToken is the credential of the gateway's take-downs (`gateway admin ...`). Empty: a
	// random one per Start (AdminToken tells it).
	AdminToken string
	// Env adds DOUYIN_* variables (KEY=value) to every app, after the cluster's own.
	Env []string
	// ReadyTimeout bounds how long each program may take to become ready (default 60 s).
	ReadyTimeout time.Duration
	// StopGrace is how long a program may take to exit after SIGTERM before it is killed
	// (default 20 s: the apps drain for up to 15 s).
	StopGrace time.Duration
	// Logf reports progress; nil is silent.
	Logf func(format string, args ...any)
}

// MaxReplicas bounds Options.Replicas: with deploy/config's base ports, the replicas' ports
// then stay clear of each other's and of Kafka's 9092.
const MaxReplicas = 5

// replicaPortStride is how far apart the base ports of an app's replicas are.
const replicaPortStride = 10

// ReplicaName is the program name of an app's replica k, counted from 1: "user-1".
func ReplicaName(app string, k int) string { return app + "-" + strconv.Itoa(k) }

// Endpoints says where the programs of a cluster listen.
type Endpoints struct {
	// Gateway is the Douyin API's base URL, e.g. "http://127.0.0.1:8080": the gateway's own
	// with one replica, the front's with more.
	Gateway string
	// Gateways is each gateway replica's own base URL, in replica order.
	Gateways []string
	// Replicas lists each app's programs (the gateway's too) in replica order:
	// "user" -> ["user-1", "user-2"].
	Replicas map[string][]string
	// GRPC is each domain app replica's gRPC address; Admin each app replica's (the gateways'
	// too) address of health, readiness and metrics; both keyed by program name ("user-1").
	GRPC, Admin map[string]string
	// Kafka is the broker address; S3 the object store's host:port.
	Kafka, S3 string
	// JaegerQuery is Jaeger's query API base URL; empty without Jaeger.
	JaegerQuery string
	// Databases is each domain app's MySQL DSN.
	Databases map[string]string
}

// Cluster is a running set of programs.
type Cluster struct {
	opts      Options
	endpoints Endpoints
	front     *front // nil with one gateway
	mu        sync.Mutex
	procs     map[string]*process
	order     []string // start order; Stop goes backwards in tiers
	crashed   chan *Crash
	stopOnce  sync.Once
	stopErr   error
}

// Start prepares the databases and Redis, then starts Jaeger (with Options.JaegerBin), the
// Kafka and S3 stand-ins, the domain apps and the gateway, and returns once every one of them
// is ready (the apps' /readyz answers 200). On error, whatever started is stopped again.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	c := &Cluster{opts: opts, procs: map[string]*process{}, crashed: make(chan *Crash, crashReports)}
	if err := c.start(ctx); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

func (o *Options) check() error {
	for name, v := range map[string]string{
		"BinDir": o.BinDir, "WorkDir": o.WorkDir, "MySQLDSN": o.MySQLDSN,
		"RedisAddr": o.RedisAddr, "DBPrefix": o.DBPrefix, "RedisPrefix": o.RedisPrefix,
	} {
		if v == "" {
			return fmt.Errorf("localcluster: Options.%s is required", name)
		}
	}
	// Programs run in their own working directories: relative paths would point elsewhere.
	for _, path := range []*string{&o.BinDir, &o.WorkDir, &o.JaegerBin} {
		if *path == "" {
			continue
		}
		abs, err := filepath.Abs(*path)
		if err != nil {
			return err
		}
		*path = abs
	}
	for _, name := range append([]string{Gateway, Kafka, S3}, DomainApps...) {
		if _, err := os.Stat(filepath.Join(o.BinDir, name)); err != nil {
			return fmt.Errorf("localcluster: binary %s missing (make test-cluster builds them all into ./bin): %w", name, err)
		}
	}
	if o.JaegerBin != "" {
		if _, err := os.Stat(o.JaegerBin); err != nil {
			return fmt.Errorf("localcluster: Jaeger binary missing (make jaeger builds it): %w", err)
		}
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.Replicas < 1 || o.Replicas > MaxReplicas {
		return fmt.Errorf("localcluster: Options.Replicas %d: want 1 to %d", o.Replicas, MaxReplicas)
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 60 * time.Second
	}
	if o.StopGrace == 0 {
		o.StopGrace = 20 * time.Second
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.TokenSecret == "" {
		o.TokenSecret = randomHex(32)
	}
	if o.AdminToken == "" {
		o.AdminToken = randomHex(32)
	}
	return nil
}

func (c *Cluster) start(ctx context.Context) error {
	o := &c.opts
	for _, dir := range []string{"logs", "data"} {
		if err := os.MkdirAll(filepath.Join(o.WorkDir, dir), 0o755); err != nil {
			return err
		}
	}
	dsns, err := recreateDatabases(ctx, o.MySQLDSN, o.DBPrefix, DomainApps)
	if err != nil {
		return err
	}
	if err := purgeRedis(ctx, o.RedisAddr, o.RedisPrefix); err != nil {
		return err
	}
	ports := portPicker{taken: map[int]bool{}}
	e := Endpoints{GRPC: map[string]string{}, Admin: map[string]string{}, Replicas: map[string][]string{}, Databases: dsns}
	for k := range o.Replicas {
		stride := replicaPortStride * k
		for i, app := range DomainApps {
			name := ReplicaName(app, k+1)
			e.Replicas[app] = append(e.Replicas[app], name)
			if e.GRPC[name], err = ports.addr(o.GRPCBasePort, i+1+stride); err != nil {
				return err
			}
			if e.Admin[name], err = ports.addr(o.AdminBasePort, i+1+stride); err != nil {
				return err
			}
		}
		name := ReplicaName(Gateway, k+1)
		e.Replicas[Gateway] = append(e.Replicas[Gateway], name)
		if e.Admin[name], err = ports.addr(o.AdminBasePort, stride); err != nil {
			return err
		}
		gatewayAddr := o.GatewayAddr
		if gatewayAddr == "" || o.Replicas > 1 {
			if gatewayAddr, err = ports.addr(0, 0); err != nil {
				return err
			}
		}
		e.Gateways = append(e.Gateways, "http://"+gatewayAddr)
	}
	e.Gateway = e.Gateways[0]
	if o.Replicas > 1 {
		frontAddr := o.GatewayAddr
		if frontAddr == "" {
			if frontAddr, err = ports.addr(0, 0); err != nil {
				return err
			}
		}
		e.Gateway = "http://" + frontAddr
	}
	if e.Kafka, err = ports.addr(o.KafkaPort, 0); err != nil {
		return err
	}
	s3Addr, err := ports.addr(o.S3Port, 0)
	if err != nil {
		return err
	}
	c.endpoints = e

	// Infrastructure first, each ready before anything uses it: the apps give up at start on an
	// object store that does not answer.
	if o.JaegerBin != "" {
		if err := c.startJaeger(ctx); err != nil {
			return err
		}
	}
	_, kafkaPort, _ := net.SplitHostPort(e.Kafka)
	kafka := c.add(Kafka, filepath.Join(o.BinDir, Kafka),
		[]string{"-port", kafkaPort, "-dir", filepath.Join(o.WorkDir, "data", Kafka, "log")}, nil, tcpOpen(e.Kafka))
	s3 := c.add(S3, filepath.Join(o.BinDir, S3),
		[]string{"-addr", s3Addr, "-dir", filepath.Join(o.WorkDir, "data", S3, "objects")}, nil, nil)
	if err := c.launch(kafka, s3); err != nil {
		return err
	}
	readyCtx, cancel := context.WithTimeout(ctx, o.ReadyTimeout)
	defer cancel()
	if c.endpoints.S3, err = s3.waitLogLine(readyCtx, S3EndpointPrefix); err != nil {
		return err
	}
	s3.ready = tcpOpen(c.endpoints.S3)
	if err := c.waitReady(readyCtx, kafka, s3); err != nil {
		return err
	}

	// The apps find each other at static addresses and dial lazily, so they may start together.
	// Their replicas may not: each app creates its tables at start, and two processes doing
	// that at once on an empty database fail ("Table ... already exists", "Duplicate key
	// name"). The first replicas start first; the others find the tables there.
	appsCtx, cancelApps := context.WithTimeout(ctx, o.ReadyTimeout)
	defer cancelApps()
	for k := range o.Replicas {
		var apps []*process
		for _, app := range append(append([]string(nil), DomainApps...), Gateway) {
			name := e.Replicas[app][k]
			apps = append(apps, c.add(name, filepath.Join(o.BinDir, app), nil, c.appEnv(app, k), httpOK("http://"+e.Admin[name]+"/readyz")))
		}
		if err := c.launch(apps...); err != nil {
			return err
		}
		if err := c.waitReady(appsCtx, apps...); err != nil {
			return err
		}
	}
	for _, gateway := range e.Gateways {
		if err := waitGatewayReaches(appsCtx, gateway); err != nil {
			return err
		}
	}
	if o.Replicas > 1 {
		var backends []string
		for _, gateway := range e.Gateways {
			backends = append(backends, strings.TrimPrefix(gateway, "http://"))
		}
		f, err := startFront(strings.TrimPrefix(e.Gateway, "http://"), backends)
		if err != nil {
			return fmt.Errorf("the front of the gateways: %w", err)
		}
		c.mu.Lock()
		c.front = f
		c.mu.Unlock()
		o.Logf("localcluster: %s spreads connections over the gateways %s", e.Gateway, strings.Join(e.Gateways, ", "))
	}
	return nil
}

// throughGateway are requests that reach, through the gateway, each app it calls.
var throughGateway = []string{"/douyin/feed/", "/douyin/user/?user_id=1", "/douyin/comment/list/?video_id=1",
	"/douyin/relation/follower/list/?user_id=1", "/douyin/message/chat/?to_user_id=1"}

// waitGatewayReaches waits until a gateway's calls reach the apps. Each app is ready, but the
// gateway may have dialed one before it listened: that connection then waits out gRPC's
// reconnect backoff, and calls made meanwhile fail fast with 503 ("temporarily unavailable"),
// an honest answer for a client and a wrong start for whoever uses the cluster next. (With
// replicas, one that answers is enough for a page: the other follows within the backoff.)
func waitGatewayReaches(ctx context.Context, gateway string) error {
	for _, path := range throughGateway {
		for {
			var answer struct {
				StatusCode int32 `json:"status_code"`
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, gateway+path, nil)
			if err != nil {
				return err
			}
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				err = json.NewDecoder(resp.Body).Decode(&answer)
				resp.Body.Close()
			}
			if err == nil && answer.StatusCode != http.StatusServiceUnavailable {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("localcluster: the gateway %s does not reach the apps behind %s (status_code %d, %v): %w", gateway, path, answer.StatusCode, err, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// startJaeger runs the Jaeger all-in-one on its default ports. They are fixed, so one already
// taken means another Jaeger (or something else) is there: the traces would not be ours.
func (c *Cluster) startJaeger(ctx context.Context) error {
	for _, addr := range []string{JaegerOTLPAddr, JaegerQueryAddr} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("jaeger needs %s, which is taken (another Jaeger running?): %w", addr, err)
		}
		ln.Close()
	}
	query := "http://" + JaegerQueryAddr
	// Jaeger traces its own query API into its own OTLP receiver. On SIGTERM the receiver stops
	// first and the last of those spans then wait out a 10 s export timeout: record none.
	env := []string{"OTEL_TRACES_SAMPLER=always_off"}
	jaeger := c.add(Jaeger, c.opts.JaegerBin, nil, env, all(httpOK(query+"/api/services"), tcpOpen(JaegerOTLPAddr)))
	if err := c.launch(jaeger); err != nil {
		return err
	}
	readyCtx, cancel := context.WithTimeout(ctx, c.opts.ReadyTimeout)
	defer cancel()
	if err := c.waitReady(readyCtx, jaeger); err != nil {
		return err
	}
	c.endpoints.JaegerQuery = query
	return nil
}

// appEnv is the whole configuration of an app's replica k (from 0), as
// deploy/docker-compose.yml gives it.
func (c *Cluster) appEnv(app string, k int) []string {
	o, e := &c.opts, &c.endpoints
	name := e.Replicas[app][k]
	env := []string{
		"DOUYIN_DATA_DIR=" + filepath.Join(o.WorkDir, "data", name),
		"DOUYIN_SERVICES_USER=" + c.serviceEndpoint("user"),
		"DOUYIN_SERVICES_VIDEO=" + c.serviceEndpoint("video"),
		"DOUYIN_SERVICES_INTERACTION=" + c.serviceEndpoint("interaction"),
		"DOUYIN_SERVICES_RELATION=" + c.serviceEndpoint("relation"),
		"DOUYIN_SERVICES_MESSAGE=" + c.serviceEndpoint("message"),
		"DOUYIN_AUTH_TOKEN_SECRET=" + o.TokenSecret,
		"DOUYIN_ADMIN_ADDR=" + e.Admin[name],
		// Caches and count acks for the domain apps; the gateway's throttles, shared by replicas.
		"DOUYIN_REDIS_ADDR=" + o.RedisAddr,
		"DOUYIN_REDIS_KEY_PREFIX=" + o.RedisPrefix,
	}
	if o.JaegerBin != "" {
		env = append(env, "DOUYIN_TRACING_ENDPOINT="+JaegerOTLPAddr, "DOUYIN_TRACING_SAMPLE_RATIO=1")
	}
	if app == Gateway {
		env = append(env, "DOUYIN_HTTP_ADDR="+strings.TrimPrefix(e.Gateways[k], "http://"), "DOUYIN_ADMIN_TOKEN="+o.AdminToken)
	} else {
		env = append(env,
			"DOUYIN_GRPC_ADDR="+e.GRPC[name],
			"DOUYIN_DATABASE_DRIVER=mysql",
			"DOUYIN_DATABASE_DSN="+e.Databases[app],
			"DOUYIN_KAFKA_BROKERS="+e.Kafka,
		)
	}
	// The video app stores uploads; the gateway serves them under /objects/ (no public URL).
	if app == "video" || app == Gateway {
		env = append(env,
			"DOUYIN_STORAGE_ENDPOINT="+e.S3,
			"DOUYIN_STORAGE_ACCESS_KEY="+s3AccessKey,
			"DOUYIN_STORAGE_SECRET_KEY="+s3SecretKey,
			"DOUYIN_STORAGE_BUCKET="+s3Bucket,
		)
	}
	return append(env, o.Env...)
}

// serviceEndpoint is how the apps name app in services.*: its one address, or its replicas'
// addresses as a static list that Kratos' "direct" resolver hands to gRPC, whose balancer then
// spreads the calls over the replicas that are up, as it does over the instances a registry
// names in production.
func (c *Cluster) serviceEndpoint(app string) string {
	var addrs []string
	for _, name := range c.endpoints.Replicas[app] {
		addrs = append(addrs, c.endpoints.GRPC[name])
	}
	if len(addrs) == 1 {
		return addrs[0]
	}
	return "direct:///" + strings.Join(addrs, ",")
}

// add registers a program; a nil env means the harness's own environment as it is.
func (c *Cluster) add(name, bin string, args, env []string, ready func(context.Context) error) *process {
	p := &process{
		name: name, bin: bin, args: args,
		env:     inheritedEnv(env),
		dir:     filepath.Join(c.opts.WorkDir, "data", name),
		logPath: filepath.Join(c.opts.WorkDir, "logs", name+".log"),
		ready:   ready,
		crashed: c.crashed,
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.procs[name] = p
	c.order = append(c.order, name)
	return p
}

// inheritedEnv is the harness's environment without its DOUYIN_* variables (make exports
// DOUYIN_DATA_DIR, for one), plus env: an app's configuration is exactly what the cluster says.
func inheritedEnv(env []string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOUYIN_") {
			out = append(out, kv)
		}
	}
	return append(out, env...)
}

func (c *Cluster) launch(procs ...*process) error {
	for _, p := range procs {
		if err := os.MkdirAll(p.dir, 0o755); err != nil {
			return err
		}
		if err := p.start(); err != nil {
			return err
		}
		cmd, _, _ := p.running()
		c.opts.Logf("localcluster: started %s (pid %d), log %s", p.name, cmd.Process.Pid, p.logPath)
	}
	return nil
}

// waitReady waits for the programs together and reports every one that did not become ready.
func (c *Cluster) waitReady(ctx context.Context, procs ...*process) error {
	errs := make([]error, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() {
			start := time.Now()
			if errs[i] = p.waitReady(ctx); errs[i] == nil {
				c.opts.Logf("localcluster: %s ready after %v", p.name, time.Since(start).Round(time.Millisecond))
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// programs returns the programs name stands for: every replica of an app, or the one program named.
func (c *Cluster) programs(name string) ([]*process, error) {
	replicas, ok := c.endpoints.Replicas[name]
	if !ok {
		replicas = []string{name}
	}
	var out []*process
	for _, r := range replicas {
		p, err := c.proc(r)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (c *Cluster) proc(name string) (*process, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.procs[name]
	if !ok {
		return nil, fmt.Errorf("localcluster: no program %q", name)
	}
	return p, nil
}

// Endpoints says where everything listens.
func (c *Cluster) Endpoints() Endpoints { return c.endpoints }

// AdminToken is the credential of the gateway's take-downs: `DOUYIN_ADMIN_TOKEN=<it>
// DOUYIN_ADMIN_ADDR=<Endpoints().Admin["gateway"]> bin/gateway admin ban-user ID`.
func (c *Cluster) AdminToken() string { return c.opts.AdminToken }

// GatewayURL is the Douyin API's base URL, e.g. "http://127.0.0.1:8080" (the front of the
// gateways when there are several).
func (c *Cluster) GatewayURL() string { return c.endpoints.Gateway }

// Kill ends a program (an app's name: all its replicas) at once with SIGKILL, as a crash would,
// and returns once it is gone.
func (c *Cluster) Kill(name string) error {
	procs, err := c.programs(name)
	if err != nil {
		return err
	}
	for _, p := range procs {
		p.kill()
		c.opts.Logf("localcluster: killed %s", p.name)
	}
	return nil
}

// StartAgain starts a program (an app's name: all its replicas) that exited or was killed, with
// the same binary, arguments, environment and ports. It does not wait for readiness: see
// WaitReady.
func (c *Cluster) StartAgain(name string) error {
	procs, err := c.programs(name)
	if err != nil {
		return err
	}
	return c.launch(procs...)
}

// WaitReady waits until a program (an app's name: each of its replicas) is ready (an app's
// /readyz answers 200), it exits, or ctx ends.
func (c *Cluster) WaitReady(ctx context.Context, name string) error {
	procs, err := c.programs(name)
	if err != nil {
		return err
	}
	for _, p := range procs {
		if err := p.waitReady(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Crashed reports each program that exits without Kill or Stop (up to crashReports of them
// waiting to be read; later ones are dropped).
func (c *Cluster) Crashed() <-chan *Crash { return c.crashed }

// Crash is a program that exited without Kill or Stop.
type Crash struct {
	// Name is the program's, as Kill and StartAgain take it.
	Name string
	Pid  int
	// Status is how it ended ("signal: killed", "exit status 1").
	Status string
}

func (c *Crash) Error() string {
	return fmt.Sprintf("%s (pid %d) exited on its own: %s", c.Name, c.Pid, c.Status)
}

// LogTail returns the last lines of a program's log.
func (c *Cluster) LogTail(name string, lines int) string {
	p, err := c.proc(name)
	if err != nil {
		return err.Error()
	}
	return p.tail(lines)
}

// LogPath is the file a program's output goes to.
func (c *Cluster) LogPath(name string) string {
	p, err := c.proc(name)
	if err != nil {
		return ""
	}
	return p.logPath
}

// Pid is the process id of a program's current run, or 0 when it is not running.
func (c *Cluster) Pid(name string) int {
	p, err := c.proc(name)
	if err != nil {
		return 0
	}
	cmd, _, ok := p.running()
	if !ok {
		return 0
	}
	return cmd.Process.Pid
}

// crashReports is how many unread crash reports Crashed holds.
const crashReports = 64

// CommandLine is a shell command that runs a program by hand as the cluster runs it: its
// working directory, its DOUYIN_* settings (the rest of the environment is the shell's), its
// binary and arguments, its output appended to its log.
func (c *Cluster) CommandLine(name string) string {
	p, err := c.proc(name)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString("(cd " + shellQuote(p.dir) + " &&")
	for _, kv := range p.env {
		if strings.HasPrefix(kv, "DOUYIN_") || strings.HasPrefix(kv, "OTEL_") {
			k, v, _ := strings.Cut(kv, "=")
			b.WriteString(" " + k + "=" + shellQuote(v))
		}
	}
	b.WriteString(" exec " + shellQuote(p.bin))
	for _, a := range p.args {
		b.WriteString(" " + shellQuote(a))
	}
	b.WriteString(" >>" + shellQuote(p.logPath) + " 2>&1)")
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain characters.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:,@%+=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Names lists the programs in the order they started.
func (c *Cluster) Names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.order...)
}

// Stop ends every program with SIGTERM (SIGKILL after Options.StopGrace): the front and the
// gateways first, then the domain apps, then Kafka and S3, Jaeger last so it still receives the
// spans the apps flush on their way out. It then deletes the cluster's Redis keys; the databases
// stay, to be looked at, until the next Start drops them. Calling it again returns the first
// result.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		c.mu.Lock()
		f := c.front
		c.mu.Unlock()
		if f != nil {
			f.close()
		}
		var domain []string
		for _, app := range DomainApps {
			domain = append(domain, c.endpoints.Replicas[app]...)
		}
		tiers := [][]string{c.endpoints.Replicas[Gateway], domain, {Kafka, S3}, {Jaeger}}
		var errs []error
		for _, tier := range tiers {
			var mu sync.Mutex
			var wg sync.WaitGroup
			for _, name := range tier {
				p, err := c.proc(name)
				if err != nil {
					continue // never started
				}
				wg.Go(func() {
					start := time.Now()
					err := p.stop(c.opts.StopGrace)
					c.opts.Logf("localcluster: stopped %s in %v", name, time.Since(start).Round(time.Millisecond))
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if c.opts.RedisAddr != "" {
			errs = append(errs, purgeRedis(ctx, c.opts.RedisAddr, c.opts.RedisPrefix))
		}
		c.stopErr = errors.Join(errs...)
	})
	return c.stopErr
}

// Summary says where everything is, one line per program.
func (c *Cluster) Summary() string {
	e := c.endpoints
	var b strings.Builder
	if len(e.Gateways) > 1 {
		fmt.Fprintf(&b, "Douyin API   %s (round robin over the gateways' connections)\n", e.Gateway)
	}
	for k, name := range e.Replicas[Gateway] {
		fmt.Fprintf(&b, "%-13s %s   admin http://%s/readyz /metrics   log %s\n", name, e.Gateways[k], e.Admin[name], c.LogPath(name))
	}
	for _, app := range DomainApps {
		for _, name := range e.Replicas[app] {
			fmt.Fprintf(&b, "%-13s gRPC %s  admin http://%s/readyz /metrics   db %s   log %s\n",
				name, e.GRPC[name], e.Admin[name], databaseName(e.Databases[app]), c.LogPath(name))
		}
	}
	fmt.Fprintf(&b, "kafka         %s (kfake)   log %s\n", e.Kafka, c.LogPath(Kafka))
	fmt.Fprintf(&b, "s3            %s bucket %s (gofakes3)   log %s\n", e.S3, s3Bucket, c.LogPath(S3))
	if e.JaegerQuery != "" {
		fmt.Fprintf(&b, "jaeger        %s (query API; OTLP gRPC %s)   log %s\n", e.JaegerQuery, JaegerOTLPAddr, c.LogPath(Jaeger))
	}
	fmt.Fprintf(&b, "redis         %s, keys under %q\n", c.opts.RedisAddr, c.opts.RedisPrefix)
	fmt.Fprintf(&b, "take-downs    DOUYIN_ADMIN_ADDR=%s DOUYIN_ADMIN_TOKEN=%s %s admin ban-user|unban-user|delete-video|delete-comment ID\n",
		e.Admin[e.Replicas[Gateway][0]], c.opts.AdminToken, filepath.Join(c.opts.BinDir, Gateway))
	return b.String()
}

// portPicker hands out loopback addresses: base+offset when base is set, else a port that was
// free a moment ago, never the same one twice.
type portPicker struct{ taken map[int]bool }

// Free ports are drawn below Linux's ephemeral range (32768 and up by default), where the kernel
// picks the local ports of outgoing connections and of listeners on ":0": a dozen programs
// dialling MariaDB, Redis, Kafka and each other take such ports all the time, and one of them
// could take a port handed out there before the program meant to listen on it does.
const freePortLow, freePortHigh = 20000, 32768

func (pp portPicker) addr(base, offset int) (string, error) {
	if base != 0 {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(base+offset)), nil
	}
	for range 100 {
		port := freePortLow + mrand.IntN(freePortHigh-freePortLow)
		if pp.taken[port] {
			continue
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue // someone else's
		}
		ln.Close()
		pp.taken[port] = true
		return addr, nil
	}
	return "", errors.New("no free loopback port found")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
