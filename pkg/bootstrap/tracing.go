package bootstrap

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/buildinfo"
	"github.com/douyin-kratos/douyin/pkg/config"
)

// SetupTracing turns tracing on when tracing.endpoint is set (by the configuration, or by
// OpenTelemetry's OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT: see config.applyOTelEnv): servers and
// clients built from the same configuration record spans as service, pass W3C trace context on,
// and export over OTLP gRPC. Without an endpoint they skip the tracing middleware altogether
// (events still carry a caller's trace context). The returned function flushes the spans still
// buffered; call it on the way out.
//
// What OpenTelemetry's SDK reads from the environment by itself it is left to read:
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (over the service name and version given
// here), OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (in place of tracing.sample_ratio when
// set), the exporter's OTEL_EXPORTER_OTLP_* (headers, timeout, TLS) and the batcher's OTEL_BSP_*.
func SetupTracing(bc *confv1.Bootstrap, service string) (func(), error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	endpoint := bc.GetTracing().GetEndpoint()
	if endpoint == "" {
		return func() {}, nil
	}
	var exporterOpts []otlptracegrpc.Option
	if endpoint != config.OTelEndpoint() {
		// The project's own setting, host:port without TLS as Jaeger and collectors on a private
		// network take it. An endpoint from OTEL_EXPORTER_OTLP_* is the exporter's to read, a
		// URL whose scheme says whether to use TLS.
		exporterOpts = append(exporterOpts, otlptracegrpc.WithEndpoint(endpoint), otlptracegrpc.WithInsecure())
	}
	exporter, err := otlptracegrpc.New(context.Background(), exporterOpts...)
	if err != nil {
		return nil, fmt.Errorf("tracing exporter for %s: %w", endpoint, err)
	}
	res, err := tracingResource(service)
	if err != nil {
		return nil, err
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithBatcher(exporter), sdktrace.WithResource(res)}
	if os.Getenv("OTEL_TRACES_SAMPLER") == "" {
		// Otherwise the SDK builds the sampler OTEL_TRACES_SAMPLER names.
		opts = append(opts, sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(bc.GetTracing().GetSampleRatio()))))
	}
	provider := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(provider)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = provider.Shutdown(ctx)
	}, nil
}

// tracingResource describes the process in its spans: service (the app, or allinone) and its
// build, then what OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES say, which wins.
func tracingResource(service string) (*resource.Resource, error) {
	res, err := resource.New(context.Background(),
		resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName(service), semconv.ServiceVersion(serviceVersion(buildinfo.Get()))),
		resource.WithFromEnv(),
	)
	if err != nil {
		// A malformed OTEL_RESOURCE_ATTRIBUTES would otherwise drop attributes without a word.
		return nil, fmt.Errorf("tracing resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES): %w", err)
	}
	return res, nil
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
