package config

import (
	"os"
	"strings"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

// OpenTelemetry's standard variables that say where spans go: the traces-only one wins over
// the general one, as the specification has it.
const (
	otelTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	otelEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	otelSDKDisabled    = "OTEL_SDK_DISABLED"
)

// OTelEndpoint is the OTLP endpoint OpenTelemetry's standard variables name
// (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT), a URL such as
// "http://collector:4317"; empty when neither is set.
func OTelEndpoint() string {
	for _, name := range []string{otelTracesEndpoint, otelEndpoint} {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			return v
		}
	}
	return ""
}

// OTelDisabled says OTEL_SDK_DISABLED=true: the standard switch that turns every signal off.
func OTelDisabled() bool {
	return strings.EqualFold(strings.TrimSpace(os.Getenv(otelSDKDisabled)), "true")
}

// applyOTelEnv lets OpenTelemetry's standard variables turn tracing on and off, so a process
// started among other OpenTelemetry-instrumented programs (a collector's sidecar, an operator's
// injected environment) traces like them without a DOUYIN_ variable of its own:
//
//   - OTEL_SDK_DISABLED=true turns tracing off, whatever else is set;
//   - otherwise an empty tracing.endpoint takes the endpoint of OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
//     or OTEL_EXPORTER_OTLP_ENDPOINT (a URL; bootstrap.SetupTracing then leaves it, and the
//     scheme that says whether to use TLS, to the exporter's own reading of the variables);
//   - a tracing.endpoint the file or DOUYIN_TRACING_ENDPOINT set wins over both.
//
// Every other OTEL_ variable (service name, resource attributes, sampler, headers, batching) is
// read by the OpenTelemetry SDK itself in SetupTracing.
func applyOTelEnv(bc *confv1.Bootstrap) {
	if OTelDisabled() {
		if bc.Tracing != nil {
			bc.Tracing.Endpoint = ""
		}
		return
	}
	if bc.GetTracing().GetEndpoint() != "" {
		return
	}
	if endpoint := OTelEndpoint(); endpoint != "" {
		if bc.Tracing == nil {
			bc.Tracing = &confv1.Tracing{}
		}
		bc.Tracing.Endpoint = endpoint
	}
}
