// Package metrics is the process's Prometheus registry and the instruments every app records
// into it: requests per route or RPC (rate, errors by code and reason, latency) on servers and
// clients, and how far each event consumer is behind its topic.
//
// Instruments are OpenTelemetry ones (Kratos' metrics middleware takes those), exported in
// Prometheus' text format by Handler. There is one registry per process, as Prometheus expects:
// the all-in-one's apps share it and are told apart by their operations' names.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/go-kratos/kratos/v2/middleware"
	kmetrics "github.com/go-kratos/kratos/v2/middleware/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Names of the instruments as Prometheus shows them (the exporter adds _total, _seconds and
// _bucket): douyin_server_requests_total{kind,operation,code,reason},
// douyin_server_request_duration_seconds{kind,operation}, the same for client_, and
// douyin_consumer_lag{group,topic,partition}.
const (
	serverRequests = "douyin_server_requests"
	serverDuration = "douyin_server_request_duration"
	clientRequests = "douyin_client_requests"
	clientDuration = "douyin_client_request_duration"
	consumerLag    = "douyin_consumer_lag"
)

// latencyBuckets are in seconds. Internal calls take about a millisecond and a page about ten,
// so the buckets are finer at the low end than Prometheus' defaults; a like can wait for its
// counts (kafka.apply_wait), hence the upper ones.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type instruments struct {
	registry       *prometheus.Registry
	server, client []kmetrics.Option
	lag            metric.Int64Gauge
}

var (
	once     sync.Once
	inst     *instruments
	buildErr error
)

func get() *instruments {
	once.Do(func() { inst, buildErr = build() })
	if buildErr != nil {
		// Only a programming error (an invalid instrument name) gets here.
		panic("metrics: " + buildErr.Error())
	}
	return inst
}

func build() (*instruments, error) {
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry), otelprom.WithoutScopeInfo())
	if err != nil {
		return nil, err
	}
	meter := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter)).Meter("github.com/douyin-kratos/douyin")
	i := &instruments{registry: registry}
	if i.server, err = options(meter, serverRequests, serverDuration); err != nil {
		return nil, err
	}
	if i.client, err = options(meter, clientRequests, clientDuration); err != nil {
		return nil, err
	}
	i.lag, err = meter.Int64Gauge(consumerLag, metric.WithUnit("{message}"),
		metric.WithDescription("Messages of the partition not yet applied by the consumer group, as of its last fetched batch."))
	return i, err
}

func options(meter metric.Meter, requests, duration string) ([]kmetrics.Option, error) {
	counter, err := meter.Int64Counter(requests, metric.WithUnit("{call}"),
		metric.WithDescription("Finished calls by operation and outcome (code and reason of the error; 200 and empty for success)."))
	if err != nil {
		return nil, err
	}
	histogram, err := meter.Float64Histogram(duration, metric.WithUnit("s"),
		metric.WithDescription("How long calls took, by operation."),
		metric.WithExplicitBucketBoundaries(latencyBuckets...))
	if err != nil {
		return nil, err
	}
	return []kmetrics.Option{kmetrics.WithRequests(counter), kmetrics.WithSeconds(histogram)}, nil
}

// Server records every call a server answers. Put it outside the middleware that turns
// failures into answers, so it counts what the caller got.
func Server() middleware.Middleware { return kmetrics.Server(get().server...) }

// Client records every call made to another app, including those a circuit breaker refused.
func Client() middleware.Middleware { return kmetrics.Client(get().client...) }

// RecordLag records that group has lag messages of topic's partition left to apply.
func RecordLag(ctx context.Context, group, topic string, partition int, lag int64) {
	get().lag.Record(ctx, lag, metric.WithAttributes(
		attribute.String("group", group),
		attribute.String("topic", topic),
		attribute.String("partition", strconv.Itoa(partition)),
	))
}

// Handler serves the registry in Prometheus' text format, for GET /metrics.
func Handler() http.Handler {
	return promhttp.HandlerFor(get().registry, promhttp.HandlerOpts{})
}
