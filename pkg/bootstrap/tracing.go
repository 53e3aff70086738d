package bootstrap

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/buildinfo"
)

// SetupTracing turns tracing on when tracing.endpoint is set: servers and clients built from
// the same configuration record spans as service, pass W3C trace context on, and export over
// OTLP. Without an endpoint they skip the tracing middleware altogether (events still carry a
// caller's trace context). The returned function flushes the spans still buffered; call it on the way out.
func SetupTracing(bc *confv1.Bootstrap, service string) (func(), error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	endpoint := bc.GetTracing().GetEndpoint()
	if endpoint == "" {
		return func() {}, nil
	}
	exporter, err := otlptracegrpc.New(context.Background(),
		otlptracegrpc.WithEndpoint(endpoint), otlptracegrpc.WithInsecure())
	if err != nil {
		return nil, fmt.Errorf("tracing exporter for %s: %w", endpoint, err)
	}
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(service), semconv.ServiceVersion(serviceVersion(buildinfo.Get())))),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(bc.GetTracing().GetSampleRatio()))),
	)
	otel.SetTracerProvider(provider)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = provider.Shutdown(ctx)
	}, nil
}

// serviceVersion is the build as traces name it: the module version, which for a build of the
// working tree is "(devel)" and says nothing, so then the commit.
func serviceVersion(bi buildinfo.Info) string {
	if bi.Version != "(devel)" || bi.Revision == "" {
		return bi.Version
	}
	v := "(devel) " + bi.Revision
	if bi.Modified {
		v += " (modified)"
	}
	return v
}
