package bootstrap

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/douyin-kratos/douyin/pkg/accesslog"
)

// BenchmarkAccessLogLine is what one access-log line costs a request, written through the
// process logger as the gateway does.
func BenchmarkAccessLogLine(b *testing.B) {
	logger := log.With(newLogger(io.Discard, "bench", "info", "logfmt"), "app", "gateway")
	client := netip.MustParseAddr("198.51.100.4")
	h := accesslog.Filter(logger, accesslog.Sampling{Fraction: 1}, func(*http.Request) netip.Addr { return client })(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accesslog.SetUser(r.Context(), 7)
		_, _ = w.Write([]byte("{}"))
	}))
	req := httptest.NewRequest(http.MethodGet, "/douyin/feed/?token=secret&latest_time=1700000000000", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}
