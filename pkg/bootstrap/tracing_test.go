package bootstrap

import (
	"context"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	collectorv1 "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracev1 "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"

	"github.com/douyin-kratos/douyin/pkg/config"
)

// otlpReceiver is an OTLP gRPC trace receiver that keeps what it is sent.
type otlpReceiver struct {
	collectorv1.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []*tracev1.ResourceSpans
}

func (r *otlpReceiver) Export(_ context.Context, req *collectorv1.ExportTraceServiceRequest) (*collectorv1.ExportTraceServiceResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.spans = append(r.spans, req.GetResourceSpans()...)
	return &collectorv1.ExportTraceServiceResponse{}, nil
}

func (r *otlpReceiver) received() []*tracev1.ResourceSpans {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*tracev1.ResourceSpans(nil), r.spans...)
}

// startReceiver serves an otlpReceiver on a loopback port and returns it with its host:port.
func startReceiver(t *testing.T) (*otlpReceiver, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	r := &otlpReceiver{}
	collectorv1.RegisterTraceServiceServer(srv, r)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return r, ln.Addr().String()
}

// clearOTelEnv unsets every variable these tests set, so the machine's own do not leak in.
func clearOTelEnv(t *testing.T) {
	for _, name := range []string{"DOUYIN_TRACING_ENDPOINT", "DOUYIN_TRACING_SAMPLE_RATIO",
		"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SERVICE_NAME",
		"OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_SDK_DISABLED"} {
		t.Setenv(name, "") // restored after the test
		os.Unsetenv(name)
	}
}

// traceOneSpan loads the configuration as a process does, sets tracing up, records one span
// and flushes; it returns what the receiver got and whether tracing was on.
func traceOneSpan(t *testing.T, r *otlpReceiver) ([]*tracev1.ResourceSpans, bool) {
	t.Helper()
	bc, _, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	flush, err := SetupTracing(bc, "user")
	if err != nil {
		t.Fatal(err)
	}
	on := bc.GetTracing().GetEndpoint() != ""
	_, span := otel.Tracer("test").Start(context.Background(), "one")
	span.End()
	flush()
	return r.received(), on
}

// resourceAttrs are the string attributes of the first resource received.
func resourceAttrs(rs []*tracev1.ResourceSpans) map[string]string {
	out := map[string]string{}
	if len(rs) == 0 {
		return out
	}
	for _, kv := range rs[0].GetResource().GetAttributes() {
		out[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	return out
}

func spanCount(rs []*tracev1.ResourceSpans) int {
	n := 0
	for _, r := range rs {
		for _, s := range r.GetScopeSpans() {
			n += len(s.GetSpans())
		}
	}
	return n
}

// Not parallel: the variables are the process's, and so is OpenTelemetry's tracer provider.
func TestTracingHonoursOpenTelemetryVariables(t *testing.T) {
	t.Run("OTEL_EXPORTER_OTLP_ENDPOINT turns tracing on; service name and attributes from OTEL_", func(t *testing.T) {
		clearOTelEnv(t)
		r, addr := startReceiver(t)
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+addr)
		t.Setenv("OTEL_SERVICE_NAME", "douyin-user-canary")
		t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test,team=video")
		got, on := traceOneSpan(t, r)
		if !on || spanCount(got) != 1 {
			t.Fatalf("tracing on %v, spans %d: want on and 1", on, spanCount(got))
		}
		attrs := resourceAttrs(got)
		for k, want := range map[string]string{"service.name": "douyin-user-canary", "deployment.environment": "test", "team": "video"} {
			if attrs[k] != want {
				t.Errorf("resource %s = %q, want %q (all: %v)", k, attrs[k], want, attrs)
			}
		}
		if attrs["service.version"] == "" {
			t.Errorf("resource has no service.version: %v", attrs)
		}
	})
	t.Run("the traces endpoint wins over the general one", func(t *testing.T) {
		clearOTelEnv(t)
		r, addr := startReceiver(t)
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
		t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://"+addr)
		got, _ := traceOneSpan(t, r)
		if spanCount(got) != 1 {
			t.Fatalf("spans at the traces endpoint: %d, want 1", spanCount(got))
		}
		if attrs := resourceAttrs(got); attrs["service.name"] != "user" {
			t.Errorf("service.name without OTEL_SERVICE_NAME = %q, want the app's name", attrs["service.name"])
		}
	})
	t.Run("DOUYIN_TRACING_ENDPOINT wins over OTEL_EXPORTER_OTLP_ENDPOINT", func(t *testing.T) {
		clearOTelEnv(t)
		r, addr := startReceiver(t)
		other, otherAddr := startReceiver(t)
		t.Setenv("DOUYIN_TRACING_ENDPOINT", addr)
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+otherAddr)
		if got, _ := traceOneSpan(t, r); spanCount(got) != 1 {
			t.Fatalf("spans at DOUYIN_TRACING_ENDPOINT: %d, want 1", spanCount(got))
		}
		if n := spanCount(other.received()); n != 0 {
			t.Errorf("spans at OTEL_EXPORTER_OTLP_ENDPOINT: %d, want 0", n)
		}
	})
	t.Run("OTEL_TRACES_SAMPLER replaces the sample ratio", func(t *testing.T) {
		clearOTelEnv(t)
		r, addr := startReceiver(t)
		t.Setenv("DOUYIN_TRACING_ENDPOINT", addr)
		t.Setenv("OTEL_TRACES_SAMPLER", "traceidratio")
		t.Setenv("OTEL_TRACES_SAMPLER_ARG", "0")
		if got, on := traceOneSpan(t, r); !on || spanCount(got) != 0 {
			t.Fatalf("tracing on %v, spans %d: want on and none recorded at ratio 0", on, spanCount(got))
		}
	})
	t.Run("OTEL_SDK_DISABLED turns tracing off, DOUYIN_TRACING_ENDPOINT too", func(t *testing.T) {
		clearOTelEnv(t)
		r, addr := startReceiver(t)
		t.Setenv("DOUYIN_TRACING_ENDPOINT", addr)
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+addr)
		t.Setenv("OTEL_SDK_DISABLED", "true")
		// The provider of an earlier subtest stays installed; its spans went to its receiver.
		if _, on := traceOneSpan(t, r); on {
			t.Fatal("tracing on with OTEL_SDK_DISABLED=true")
		}
		time.Sleep(50 * time.Millisecond)
		if n := spanCount(r.received()); n != 0 {
			t.Errorf("spans exported with OTEL_SDK_DISABLED=true: %d", n)
		}
	})
}
