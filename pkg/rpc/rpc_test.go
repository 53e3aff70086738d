package rpc

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/middleware/circuitbreaker"
	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/rpc/rpctest"
)

// flakyHealth fails its first failures calls of each method with UNAVAILABLE, as an app that
// is restarting does, and counts the calls that reached it.
type flakyHealth struct {
	healthpb.UnimplementedHealthServer
	failures int64
	calls    atomic.Int64
}

func (h *flakyHealth) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if h.calls.Add(1) <= h.failures {
		return nil, status.Error(codes.Unavailable, "restarting")
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func serve(t *testing.T, h *flakyHealth) string {
	t.Helper()
	addr, _ := rpctest.Serve(t, func(srv *ggrpc.Server) { healthpb.RegisterHealthServer(srv, h) })
	return addr
}

func dial(t *testing.T, addr string, opts ...DialOption) healthpb.HealthClient {
	t.Helper()
	conn, closeConn, err := NewDialer(&confv1.Bootstrap{}, nil).Dial(addr, 5*time.Second, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeConn)
	return healthpb.NewHealthClient(conn)
}

func TestRetryOnlyWhatIsDeclaredRetryable(t *testing.T) {
	retried := &flakyHealth{failures: 2}
	client := dial(t, serve(t, retried), Retry(healthpb.Health_Check_FullMethodName))
	if _, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("a retryable call failed on two refusals: %v", err)
	}
	if got := retried.calls.Load(); got != 3 {
		t.Fatalf("the server saw %d attempts; want 3", got)
	}

	once := &flakyHealth{failures: 1}
	client = dial(t, serve(t, once))
	_, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{})
	if !errors.IsServiceUnavailable(err) || once.calls.Load() != 1 {
		t.Fatalf("a call not declared retryable: err %v after %d attempts; want UNAVAILABLE after 1", err, once.calls.Load())
	}
}

func TestCircuitBreakerStopsCallingAFailingApp(t *testing.T) {
	down := &flakyHealth{failures: 1 << 40}
	client := dial(t, serve(t, down))
	const calls = 400
	var refused int
	for range calls {
		_, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{})
		if errors.Reason(err) == circuitbreaker.ErrNotAllowed.Reason {
			refused++
		}
	}
	// The breaker opens once it has seen enough failures (a hundred in Kratos' SRE breaker) and
	// then lets only a trickle through to see whether the app is back.
	if refused < calls/2 || down.calls.Load() > calls/2 {
		t.Fatalf("%d of %d calls refused by the breaker, %d reached the app; want most refused without reaching it", refused, calls, down.calls.Load())
	}
}

func TestDialRefusesWhatItCannotReach(t *testing.T) {
	d := NewDialer(&confv1.Bootstrap{}, nil)
	if _, _, err := d.Dial("discovery:///user.grpc", time.Second); err == nil || !strings.Contains(err.Error(), "registry") {
		t.Fatalf("discovery endpoint without a registry: %v; want an error naming the registry", err)
	}
	if _, _, err := d.Dial("127.0.0.1:1", time.Second, Retry("GetUsers")); err == nil {
		t.Fatal("a retryable method that is not a full gRPC name was accepted")
	}
}
