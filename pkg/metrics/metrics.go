// Package metrics is the process's Prometheus registry and what every app records into it:
// the calls each server answers (rate, errors by code and reason, latency, per route or RPC),
// the events each outbox relay published or could not, and how far each event consumer is
// behind its topic.
//
// There is one registry per process, as Prometheus expects: the all-in-one's apps share it and
// are told apart by their operations' names.
//
// The instruments are client_golang's own rather than OpenTelemetry's through an exporter (which
// Kratos' metrics middleware would take): building an attribute set per call made the OTel ones
// cost the all-in-one's feed several times what these cost (the README's measured section has
// the figures).
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/middleware"
	"github.com/go-kratos/kratos/v2/transport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/douyin-kratos/douyin/pkg/buildinfo"
)

var (
	registry = prometheus.NewRegistry()

	requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "douyin_server_requests_total",
		Help: "Calls answered, by transport (http, grpc), operation (route or RPC) and outcome: the code and reason of the error, or 200 and no reason.",
	}, []string{"kind", "operation", "code", "reason"})

	duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "douyin_server_request_duration_seconds",
		Help: "How long calls took to answer, by transport and operation.",
		// Internal calls take about a millisecond and a page about ten, so the buckets are
		// finer at the low end than Prometheus' defaults; a like can wait for its counts
		// (kafka.apply_wait), hence the upper ones.
		Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
	}, []string{"kind", "operation"})

	outboxPublished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "douyin_outbox_published_total",
		Help: "Events the outbox relay published to Kafka, by topic.",
	}, []string{"topic"})

	outboxFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "douyin_outbox_publish_failures_total",
		Help: "Rounds in which the outbox relay could not publish (Kafka or the database unreachable). The events wait in the outbox and are published once it can.",
	})

	refusals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "douyin_refusals_total",
		Help: "What was turned away before it became a request: connections closed to stay under the cap (connection_evicted, connection_refused), uploads refused while the upload slots are taken. Throttled requests are in douyin_server_requests_total with code 429.",
	}, []string{"reason"})

	consumerLag = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "douyin_consumer_lag",
		Help: "Messages of a partition the consumer group has yet to apply, as of its last fetched batch.",
	}, []string{"group", "topic", "partition"})

	buildInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "douyin_build_info",
		Help: "Always 1; its labels say which build the process runs (what -version prints), so a dashboard can tell which processes run which code.",
	}, []string{"version", "revision", "go_version"})
)

func init() {
	registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		requests, duration, outboxPublished, outboxFailures, consumerLag, refusals, buildInfo,
	)
	bi := buildinfo.Get()
	buildInfo.WithLabelValues(bi.Version, bi.Revision, bi.GoVersion).Set(1)
}

// Server records every call a server answers. Put it outside the middleware that turns
// failures into answers, so it counts what the caller got.
func Server() middleware.Middleware {
	return func(next middleware.Handler) middleware.Handler {
		return func(ctx context.Context, req any) (any, error) {
			start := time.Now()
			reply, err := next(ctx, req)
			var kind, operation string
			if tr, ok := transport.FromServerContext(ctx); ok {
				kind, operation = tr.Kind().String(), tr.Operation()
			}
			code, reason := "200", ""
			if err != nil {
				e := errors.FromError(err)
				code, reason = strconv.Itoa(int(e.Code)), e.Reason
			}
			requests.WithLabelValues(kind, operation, code, reason).Inc()
			duration.WithLabelValues(kind, operation).Observe(time.Since(start).Seconds())
			return reply, err
		}
	}
}

// RecordPublished records that the outbox relay published n events of topic.
func RecordPublished(topic string, n int) { outboxPublished.WithLabelValues(topic).Add(float64(n)) }

// RecordPublishFailure records a round in which the outbox relay could not publish.
func RecordPublishFailure() { outboxFailures.Inc() }

// RecordRefusal records that something was turned away for reason.
func RecordRefusal(reason string) { refusals.WithLabelValues(reason).Inc() }

// RecordLag records that group has lag messages of topic's partition left to apply.
func RecordLag(group, topic string, partition int, lag int64) {
	consumerLag.WithLabelValues(group, topic, strconv.Itoa(partition)).Set(float64(lag))
}

// Handler serves the registry in Prometheus' text format, for GET /metrics.
func Handler() http.Handler {
	return promhttp.HandlerFor(registry, promhttp.HandlerOpts{})
}
