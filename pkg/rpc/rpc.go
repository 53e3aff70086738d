// Package rpc dials the internal gRPC APIs of other apps.
package rpc

import (
	"context"
	"fmt"
	"time"

	"github.com/go-kratos/kratos/v2/middleware/recovery"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	ggrpc "google.golang.org/grpc"
)

// Dial connects to endpoint ("host:port"). Each call gets timeout as its deadline unless the
// caller's context ends sooner. The connection is lazy: an app that is down is reported by the
// calls, not here, so apps can start in any order.
func Dial(endpoint string, timeout time.Duration) (*ggrpc.ClientConn, func(), error) {
	if endpoint == "" {
		return nil, nil, fmt.Errorf("no endpoint configured")
	}
	conn, err := grpc.DialInsecure(context.Background(),
		grpc.WithEndpoint(endpoint),
		grpc.WithTimeout(timeout),
		grpc.WithMiddleware(recovery.Recovery()),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("dial %s: %w", endpoint, err)
	}
	return conn, func() { conn.Close() }, nil
}
