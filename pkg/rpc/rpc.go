// Package rpc dials the internal gRPC APIs of other apps.
package rpc

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/go-kratos/kratos/v2/middleware"
	"github.com/go-kratos/kratos/v2/middleware/recovery"
	"github.com/go-kratos/kratos/v2/middleware/tracing"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	ggrpc "google.golang.org/grpc"
)

// tracingOn is set by EnableTracing.
var tracingOn atomic.Bool

// EnableTracing makes clients dialed from now on record a span per call and pass the trace on.
// Without it they skip the tracing middleware, which cost the all-in-one a sixth of its feed
// throughput even with nothing exported.
func EnableTracing() { tracingOn.Store(true) }

// TracingEnabled reports whether EnableTracing was called.
func TracingEnabled() bool { return tracingOn.Load() }

// Dial connects to endpoint ("host:port", or an InProcessScheme address). Each call gets timeout as its deadline unless the
// caller's context ends sooner. The connection is lazy: an app that is down is reported by the
// calls, not here, so apps can start in any order.
func Dial(endpoint string, timeout time.Duration) (*ggrpc.ClientConn, func(), error) {
	if endpoint == "" {
		return nil, nil, fmt.Errorf("no endpoint configured")
	}
	mw := []middleware.Middleware{recovery.Recovery()}
	if tracingOn.Load() {
		mw = append(mw, tracing.Client())
	}
	opts := []grpc.ClientOption{
		grpc.WithEndpoint(endpoint),
		grpc.WithTimeout(timeout),
		grpc.WithMiddleware(mw...),
	}
	if IsInProcess(endpoint) {
		opts = append(opts,
			grpc.WithEndpoint("passthrough:///"+endpoint),
			grpc.WithOptions(ggrpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
				return dialInProcess(ctx, endpoint)
			})))
	}
	conn, err := grpc.DialInsecure(context.Background(), opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("dial %s: %w", endpoint, err)
	}
	return conn, func() { conn.Close() }, nil
}
