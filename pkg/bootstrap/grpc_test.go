package bootstrap

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	ggrpc "google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/inprocess"
	"github.com/douyin-kratos/douyin/pkg/rpc"
)

// startGRPC starts a domain app's gRPC server on addr until the test ends and returns the
// address the component reports.
func startGRPC(t *testing.T, addr string) string {
	t.Helper()
	srv, closeListener, err := NewGRPCServer(GRPCSettingsOf(&confv1.Bootstrap{GrpcAddr: addr}, log.DefaultLogger), log.DefaultLogger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeListener)
	c := &Component{GRPC: srv}
	got, err := c.GRPCAddr()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.GRPC.Start(context.Background()) }()
	t.Cleanup(func() {
		_ = c.GRPC.Stop(context.Background())
		// A test may end before the server's Start ran; then it finds the server stopped.
		if err := <-done; err != nil && !errors.Is(err, ggrpc.ErrServerStopped) {
			t.Errorf("serve %s: %v", got, err)
		}
	})
	return got
}

// Apps of the all-in-one serve on in-process addresses with port 0, as TCP apps may on port 0:
// each server gets an address of its own, which the Dialer reaches.
func TestInProcessGRPCServersGetTheirOwnAddress(t *testing.T) {
	t.Parallel()
	a, b := startGRPC(t, inprocess.Address("user")), startGRPC(t, inprocess.Address("user"))
	if a == b || !inprocess.Is(a) || !inprocess.Is(b) {
		t.Fatalf("two servers on %s got %s and %s; want two in-process addresses", inprocess.Address("user"), a, b)
	}
	dialer := rpc.NewDialer(&confv1.Bootstrap{}, nil)
	for _, addr := range []string{a, b} {
		conn, closeConn, err := dialer.Dial(addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		reply, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
		closeConn()
		if err != nil || reply.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health check at %s: %v, %v", addr, reply, err)
		}
	}
}

// An in-process address that is taken fails the server at once, as a taken TCP port does.
func TestTakenInProcessAddressFails(t *testing.T) {
	t.Parallel()
	taken := startGRPC(t, inprocess.Address("video"))
	if _, _, err := NewGRPCServer(GRPCSettingsOf(&confv1.Bootstrap{GrpcAddr: taken}, log.DefaultLogger), log.DefaultLogger); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("a server on the taken %s: %v, want address in use", taken, err)
	}
}
