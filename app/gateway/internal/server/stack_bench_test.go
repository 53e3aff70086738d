package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/accesslog"
)

// BenchmarkRequestStack is what the public server's own layers cost one request, the method
// aside: the filters (client address, access log), routing, Kratos' transport and middleware,
// decoding the parameters and encoding a small answer. The cheapest requests (a chat poll that
// finds nothing, a kept user page) cost little more than this and the socket.
func BenchmarkRequestStack(b *testing.B) {
	settings := testSettings(&confv1.HTTP{Timeout: durationpb.New(time.Second), UploadTimeout: durationpb.New(time.Second)})
	settings.AccessLog = accesslog.Sampling{Fraction: 1}
	srv, closeListener, err := NewHTTPServer(settings, stubAPI{}, nil, log.NewStdLogger(io.Discard))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(closeListener)
	// Without the app's trailing slash: trimTrailingSlash would trim it in place on the first
	// run, and the runs after it would measure another request than the first.
	req := httptest.NewRequest(http.MethodGet, "/douyin/user?user_id=7&token=abc", nil)
	req.RemoteAddr = "198.51.100.4:5000"
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
