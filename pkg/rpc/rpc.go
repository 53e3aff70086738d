// Package rpc dials the internal gRPC APIs of other apps.
package rpc

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/go-kratos/kratos/v2/middleware"
	"github.com/go-kratos/kratos/v2/middleware/circuitbreaker"
	"github.com/go-kratos/kratos/v2/middleware/recovery"
	"github.com/go-kratos/kratos/v2/middleware/tracing"
	"github.com/go-kratos/kratos/v2/registry"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/inprocess"
)

// Dialer connects a process's apps to the apps they call, all in the same way: endpoints are
// static addresses, in-process pipes, or "discovery:///<app>.grpc" names resolved through the
// registry; every call has a deadline, is traced when tracing is on, and, unless the app runs in
// this process, passes a circuit breaker per method. (The called app's metrics count the calls; a call the breaker refused
// shows in the caller's own metrics as the answer it led to.)
type Dialer struct {
	// discovery resolves discovery:/// endpoints; nil when apps are at static addresses.
	discovery registry.Discovery
	tracing   bool
	// maxMessageBytes bounds each message either way (services.max_message_bytes), as the
	// servers do; 0 (a configuration built by hand) keeps gRPC's defaults.
	maxMessageBytes int
}

// NewDialer returns the Dialer of a process configured by bc. discovery may be nil.
func NewDialer(bc *confv1.Bootstrap, discovery registry.Discovery) *Dialer {
	// Without an exporter nothing would be recorded, and the tracing middleware is not free (see
	// the README's measured section); callers' trace context still reaches events.
	return &Dialer{
		discovery: discovery, tracing: bc.GetTracing().GetEndpoint() != "",
		maxMessageBytes: int(bc.GetServices().GetMaxMessageBytes()),
	}
}

// DialOption adjusts one connection.
type DialOption func(*dialOptions)

type dialOptions struct {
	retryable []string
}

// Retry lets the calls of methods (full gRPC names, such as
// userv1.UserService_GetUsers_FullMethodName) be tried again, within their deadline, when the
// app could not be reached: the connection was refused or lost before an answer. Name only
// methods that change nothing, or whose repetition changes nothing more (an idempotent like):
// a lost connection does not tell whether the first attempt was carried out.
func Retry(methods ...string) DialOption {
	return func(o *dialOptions) { o.retryable = append(o.retryable, methods...) }
}

// reconnectBackoff is how soon a connection to an app that went away is tried again. gRPC's
// default grows to two minutes, far too long for an app restarted on the same network; capped
// at 3 s, callers find it again within seconds of its return.
var reconnectBackoff = backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 3 * time.Second}

// Dial connects to endpoint. Each call gets timeout as its deadline unless the caller's context
// ends sooner. The connection is lazy: an app that is down is reported by the calls, not here,
// so apps can start in any order.
func (d *Dialer) Dial(endpoint string, timeout time.Duration, opts ...DialOption) (*ggrpc.ClientConn, func(), error) {
	if endpoint == "" {
		return nil, nil, fmt.Errorf("no endpoint configured")
	}
	var o dialOptions
	for _, opt := range opts {
		opt(&o)
	}
	if strings.HasPrefix(endpoint, "discovery:") && d.discovery == nil {
		return nil, nil, fmt.Errorf("endpoint %s needs a registry, and registry.nacos.addrs is empty", endpoint)
	}
	inProcess := inprocess.Is(endpoint)
	if inProcess {
		// An app in this process cannot be unreachable, slow to restart or cut off while the
		// caller runs: breakers and retries would only cost CPU (the breaker shows in the
		// all-in-one's feed profile).
		o.retryable = nil
	}
	serviceConfig, err := serviceConfig(o.retryable)
	if err != nil {
		return nil, nil, err
	}
	// Outermost first: the span covers what the breaker refused too.
	mw := []middleware.Middleware{recovery.Recovery()}
	if d.tracing {
		mw = append(mw, tracing.Client())
	}
	if !inProcess {
		mw = append(mw, circuitbreaker.Client())
	}
	// One list: each grpc.WithOptions replaces the options an earlier one gave.
	grpcOpts := []ggrpc.DialOption{
		ggrpc.WithDefaultServiceConfig(serviceConfig),
		ggrpc.WithConnectParams(ggrpc.ConnectParams{Backoff: reconnectBackoff, MinConnectTimeout: time.Second}),
	}
	if d.maxMessageBytes > 0 {
		grpcOpts = append(grpcOpts, ggrpc.WithDefaultCallOptions(
			ggrpc.MaxCallRecvMsgSize(d.maxMessageBytes), ggrpc.MaxCallSendMsgSize(d.maxMessageBytes)))
	}
	clientOpts := []grpc.ClientOption{
		grpc.WithEndpoint(endpoint),
		grpc.WithTimeout(timeout),
		grpc.WithMiddleware(mw...),
		grpc.WithPrintDiscoveryDebugLog(false),
	}
	if d.discovery != nil {
		clientOpts = append(clientOpts, grpc.WithDiscovery(d.discovery))
	}
	if inProcess {
		// passthrough hands the address to the dialer as it is, instead of resolving its host.
		clientOpts = append(clientOpts, grpc.WithEndpoint("passthrough:///"+endpoint))
		grpcOpts = append(grpcOpts, ggrpc.WithContextDialer(func(ctx context.Context, address string) (net.Conn, error) {
			return inprocess.Dial(ctx, "tcp", address)
		}))
	}
	conn, err := grpc.DialInsecure(context.Background(), append(clientOpts, grpc.WithOptions(grpcOpts...))...)
	if err != nil {
		return nil, nil, fmt.Errorf("dial %s: %w", endpoint, err)
	}
	return conn, func() { conn.Close() }, nil
}

// serviceConfig is the gRPC service config of a connection. It replaces the one Kratos sets, so
// it names Kratos' balancer ("selector", which picks among the instances discovery found) and
// health checking again, and adds the retry policy of the retryable methods.
func serviceConfig(retryable []string) (string, error) {
	type name struct {
		Service string `json:"service"`
		Method  string `json:"method"`
	}
	config := map[string]any{
		"loadBalancingConfig": []any{map[string]any{"selector": map[string]any{}}},
		"healthCheckConfig":   map[string]any{"serviceName": ""},
	}
	if len(retryable) > 0 {
		names := make([]name, 0, len(retryable))
		for _, full := range retryable {
			service, method, ok := strings.Cut(strings.TrimPrefix(full, "/"), "/")
			if !ok || service == "" || method == "" {
				return "", fmt.Errorf("retryable method %q is not a full gRPC method name", full)
			}
			names = append(names, name{service, method})
		}
		config["methodConfig"] = []any{map[string]any{
			"name": names,
			// UNAVAILABLE only: the call did not reach a working app. Three attempts span
			// about 150 ms, enough to ride out a restart's refused connections or a lost
			// instance, and well inside a call's deadline.
			"retryPolicy": map[string]any{
				"maxAttempts":          3,
				"initialBackoff":       "0.05s",
				"maxBackoff":           "0.2s",
				"backoffMultiplier":    2,
				"retryableStatusCodes": []string{"UNAVAILABLE"},
			},
		}}
	}
	out, err := json.Marshal(config)
	return string(out), err
}
