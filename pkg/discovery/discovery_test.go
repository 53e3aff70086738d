package discovery

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2"
	"github.com/go-kratos/kratos/v2/registry"
	"github.com/go-kratos/kratos/v2/transport"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	"github.com/go-kratos/kratos/v2/transport/http"
	"github.com/nacos-group/nacos-sdk-go/v2/common/constant"
	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

// app is a Kratos app running in the background with one gRPC server.
type app struct {
	endpoint string // the gRPC endpoint it registered, "grpc://127.0.0.1:<port>"
	stop     func()
}

// startApp runs a Kratos app named name that registers with reg, and returns once it has
// registered. Its gRPC server answers health checks for service name, which no other server
// does, so a successful check proves the call reached this app. The app is stopped at the end of
// the test unless the test stops it first.
func startApp(t *testing.T, reg Registry, name string, more ...transport.Server) *app {
	t.Helper()
	srv := grpc.NewServer(grpc.Address("127.0.0.1:0"), grpc.CustomHealth())
	hs := health.NewServer()
	hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)

	registered := make(chan struct{})
	a := kratos.New(
		kratos.Name(name),
		kratos.Server(append([]transport.Server{srv}, more...)...),
		kratos.Registrar(reg),
		kratos.AfterStart(func(context.Context) error { close(registered); return nil }),
	)
	done := make(chan error, 1)
	go func() { done <- a.Run() }()
	select {
	case <-registered:
	case err := <-done:
		t.Fatalf("app %s exited on start: %v", name, err)
	case <-time.After(10 * time.Second):
		t.Fatalf("app %s did not start", name)
	}

	u, err := srv.Endpoint()
	if err != nil {
		t.Fatal(err)
	}
	stop := sync.OnceFunc(func() {
		if err := a.Stop(); err != nil {
			t.Errorf("stop %s: %v", name, err)
		}
		select {
		case err := <-done:
			// Kratos runs AfterStart once each server's Start has begun, not once gRPC serves:
			// stopped right away, Serve may start after GracefulStop and report that. Not the
			// registry's business.
			if err != nil && !errors.Is(err, ggrpc.ErrServerStopped) {
				t.Errorf("app %s: %v", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("app %s did not stop", name)
		}
	})
	t.Cleanup(stop)
	return &app{endpoint: u.String(), stop: stop}
}

// checkHealth calls the health service of app name through endpoint, resolved by reg.
func checkHealth(t *testing.T, reg Registry, endpoint, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := grpc.DialInsecure(ctx,
		grpc.WithEndpoint(endpoint),
		grpc.WithDiscovery(reg),
		grpc.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatalf("dial %s: %v", endpoint, err)
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: name})
	if err != nil {
		t.Fatalf("health check of %s through %s: %v", name, endpoint, err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health of %s: %v", name, resp.GetStatus())
	}
}

// next returns the endpoints of the watcher's next answer, sorted, failing the test if there is
// none within a few seconds.
func next(t *testing.T, w registry.Watcher) []string {
	t.Helper()
	type answer struct {
		ins []*registry.ServiceInstance
		err error
	}
	c := make(chan answer, 1)
	go func() {
		ins, err := w.Next()
		c <- answer{ins, err}
	}()
	select {
	case a := <-c:
		if a.err != nil {
			t.Fatalf("watcher: %v", a.err)
		}
		return endpoints(a.ins)
	case <-time.After(5 * time.Second):
		t.Fatal("watcher reported no change")
		return nil
	}
}

// found returns the endpoints reg finds for service, sorted.
func found(t *testing.T, reg Registry, service string) []string {
	t.Helper()
	ins, err := reg.GetService(context.Background(), service)
	if err != nil {
		t.Fatal(err)
	}
	return endpoints(ins)
}

// watch returns a watcher of service, stopped when the test ends.
func watch(t *testing.T, reg Registry, service string) registry.Watcher {
	t.Helper()
	w, err := reg.Watch(context.Background(), service)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Stop() })
	return w
}

func endpoints(ins []*registry.ServiceInstance) []string {
	var eps []string
	for _, in := range ins {
		eps = append(eps, in.Endpoints...)
	}
	slices.Sort(eps)
	return eps
}

func TestAppRegistersAndIsFoundByName(t *testing.T) {
	fake := newFakeNaming()
	reg := NewNacos(fake, "")
	user := startApp(t, reg, "user", http.NewServer(http.Address("127.0.0.1:0")))

	if !strings.HasPrefix(user.endpoint, "grpc://127.0.0.1:") || strings.HasSuffix(user.endpoint, ":0") {
		t.Fatalf("gRPC endpoint %s, want the loopback address and the port listened on", user.endpoint)
	}
	// Each endpoint is its own service "<app>.<scheme>"; there is no service named after the app.
	for _, service := range []string{"user.grpc", "user.http"} {
		if n := len(fake.hosts(constant.DEFAULT_GROUP, service)); n != 1 {
			t.Errorf("%d instances of %s, want 1", n, service)
		}
	}
	if got := found(t, reg, "user.grpc"); !slices.Equal(got, []string{user.endpoint}) {
		t.Fatalf("GetService(user.grpc) = %v, want [%s]", got, user.endpoint)
	}
	if ins, _ := reg.GetService(context.Background(), "user"); len(ins) != 0 {
		t.Fatalf("GetService(user) = %v, want nothing", endpoints(ins))
	}

	checkHealth(t, reg, "discovery:///user.grpc", "user")
}

func TestCallerDialedBeforeTheAppStartsReachesItOnceRegistered(t *testing.T) {
	reg := NewNacos(newFakeNaming(), "")
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := grpc.DialInsecure(ctx,
			grpc.WithEndpoint("discovery:///user.grpc"),
			grpc.WithDiscovery(reg),
			grpc.WithTimeout(10*time.Second))
		if err != nil {
			errc <- err
			return
		}
		defer conn.Close()
		_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "user"})
		errc <- err
	}()
	// Give the call time to be waiting for an address before there is one.
	time.Sleep(200 * time.Millisecond)
	startApp(t, reg, "user")
	if err := <-errc; err != nil {
		t.Fatalf("health check: %v", err)
	}
}

func TestStoppedAppIsDeregistered(t *testing.T) {
	fake := newFakeNaming()
	reg := NewNacos(fake, "")
	user := startApp(t, reg, "user")
	if n := len(fake.hosts(constant.DEFAULT_GROUP, "user.grpc")); n != 1 {
		t.Fatalf("%d instances of user.grpc while running, want 1", n)
	}

	user.stop()
	if hosts := fake.hosts(constant.DEFAULT_GROUP, "user.grpc"); len(hosts) != 0 {
		t.Fatalf("user.grpc still has %v after the app stopped", hosts)
	}
	if ins, _ := reg.GetService(context.Background(), "user.grpc"); len(ins) != 0 {
		t.Fatalf("GetService(user.grpc) = %v after the app stopped", endpoints(ins))
	}
}

func TestWatcherFollowsInstancesComingAndGoing(t *testing.T) {
	fake := newFakeNaming()
	reg := NewNacos(fake, "")
	first := startApp(t, reg, "user")

	w := watch(t, reg, "user.grpc")
	if got := next(t, w); !slices.Equal(got, []string{first.endpoint}) {
		t.Fatalf("first answer %v, want [%s]", got, first.endpoint)
	}

	second := startApp(t, reg, "user")
	want := []string{first.endpoint, second.endpoint}
	slices.Sort(want)
	if got := next(t, w); !slices.Equal(got, want) {
		t.Fatalf("after a second instance registered: %v, want %v", got, want)
	}

	first.stop()
	if got := next(t, w); !slices.Equal(got, []string{second.endpoint}) {
		t.Fatalf("after the first instance stopped: %v, want [%s]", got, second.endpoint)
	}

	// Stopping the watcher ends its subscription and its Next.
	if err := w.Stop(); err != nil {
		t.Fatal(err)
	}
	if n := fake.subscribers(constant.DEFAULT_GROUP, "user.grpc"); n != 0 {
		t.Fatalf("%d subscriptions left after Stop", n)
	}
	if _, err := w.Next(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after Stop: %v, want context.Canceled", err)
	}
}

func TestGroupSeparatesApps(t *testing.T) {
	fake := newFakeNaming()
	douyin := NewNacos(fake, "douyin")
	other := NewNacos(fake, "")
	user := startApp(t, douyin, "user")

	if n := len(fake.hosts("douyin", "user.grpc")); n != 1 {
		t.Fatalf("%d instances of user.grpc in group douyin, want 1", n)
	}
	if got := found(t, douyin, "user.grpc"); !slices.Equal(got, []string{user.endpoint}) {
		t.Fatalf("same group: GetService = %v, want [%s]", got, user.endpoint)
	}
	if ins, _ := other.GetService(context.Background(), "user.grpc"); len(ins) != 0 {
		t.Fatalf("DEFAULT_GROUP sees %v registered in group douyin", endpoints(ins))
	}

	if got := next(t, watch(t, douyin, "user.grpc")); !slices.Equal(got, []string{user.endpoint}) {
		t.Fatalf("same group: watcher = %v, want [%s]", got, user.endpoint)
	}
	if got := next(t, watch(t, other, "user.grpc")); len(got) != 0 {
		t.Fatalf("DEFAULT_GROUP watcher sees %v registered in group douyin", got)
	}

	checkHealth(t, douyin, "discovery:///user.grpc", "user")
}

func TestNewWithoutAddrsIsNoRegistry(t *testing.T) {
	for _, bc := range []*confv1.Bootstrap{
		{DataDir: t.TempDir()},
		{DataDir: t.TempDir(), Registry: &confv1.Registry{Nacos: &confv1.Nacos{Addrs: " ", Group: "douyin"}}},
	} {
		reg, cleanup, err := New(bc)
		if err != nil || reg != nil {
			t.Fatalf("New(%v) = %v, %v; want no registry and no error", bc, reg, err)
		}
		cleanup()
	}
}

func TestNewRejectsMalformedAddrs(t *testing.T) {
	for addrs, bad := range map[string]string{
		"nacos":                "nacos",
		"127.0.0.1:8848,nacos": "nacos",
		"nacos:http":           "nacos:http",
		"nacos:0":              "nacos:0",
		"nacos:70000":          "nacos:70000",
		":8848":                ":8848",
		"http://nacos:8848":    "http://nacos:8848",
	} {
		reg, _, err := New(&confv1.Bootstrap{
			DataDir:  t.TempDir(),
			Registry: &confv1.Registry{Nacos: &confv1.Nacos{Addrs: addrs}},
		})
		if err == nil || reg != nil {
			t.Errorf("New(addrs %q) = %v, %v; want an error", addrs, reg, err)
			continue
		}
		if want := `"` + bad + `" is not host:port`; !strings.Contains(err.Error(), want) {
			t.Errorf("New(addrs %q): %v; want it to say %s", addrs, err, want)
		}
	}
}

func TestNewRequiresDataDir(t *testing.T) {
	_, _, err := New(&confv1.Bootstrap{Registry: &confv1.Registry{Nacos: &confv1.Nacos{Addrs: "127.0.0.1:8848"}}})
	if err == nil || !strings.Contains(err.Error(), "data_dir") {
		t.Fatalf("New without data_dir: %v, want an error naming data_dir", err)
	}
}

// A Nacos that is down does not stall New; the client keeps reconnecting in the background and
// Register fails promptly, so an app does not start unannounced.
func TestNewWithUnreachableNacos(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	reg, cleanup, err := New(&confv1.Bootstrap{
		DataDir: dir,
		// Nothing listens on port 1, nor on 1001, where the SDK expects Nacos' gRPC port.
		Registry: &confv1.Registry{Nacos: &confv1.Nacos{Addrs: "127.0.0.1:1", Timeout: durationpb.New(time.Second)}},
	})
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("New took %v", took)
	}
	if err != nil {
		return // failing fast is fine too
	}
	defer cleanup()

	start = time.Now()
	err = reg.Register(context.Background(), &registry.ServiceInstance{
		Name: "user", Endpoints: []string{"grpc://127.0.0.1:9000"},
	})
	if err == nil {
		t.Fatal("Register with Nacos down succeeded")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("Register took %v", took)
	}

	// The failure was logged under data_dir (the SDK's logger is process-wide and takes the
	// directory of the first client; this is the only real client in the test binary), and
	// nothing went to the SDK's fallback, the directory of the executable.
	if _, err := os.Stat(filepath.Join(dir, "nacos", "log", "nacos-sdk.log")); err != nil {
		t.Errorf("no Nacos log under data_dir: %v", err)
	}
	for _, fallback := range []string{"log", "cache"} {
		p := filepath.Join(filepath.Dir(os.Args[0]), fallback)
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Nacos wrote %s", p)
		}
	}
}
