package objectstore

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

// BenchmarkHandlerGet serves a 200 KiB object through Handler from the embedded store, on its
// in-process address (the all-in-one's) and on a loopback port (deploy/localcluster's):
//
//	go test -run NONE -bench HandlerGet ./pkg/objectstore
func BenchmarkHandlerGet(b *testing.B) {
	for _, tc := range []struct {
		name  string
		start func(dir string) (*Embedded, error)
	}{{"inprocess", NewEmbedded}, {"tcp", NewEmbeddedOnLoopback}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			e, err := tc.start(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			go func() { _ = e.Start(ctx) }()
			defer e.Stop(ctx)
			s, err := Open(ctx, &confv1.Storage{Endpoint: e.Endpoint(), AccessKey: "douyin", SecretKey: "douyin-secret", Bucket: "douyin", Region: "us-east-1"})
			if err != nil {
				b.Fatal(err)
			}
			data := pattern(200 << 10)
			if err := s.Put(ctx, "videos/bench.mp4", bytes.NewReader(data), int64(len(data)), "video/mp4"); err != nil {
				b.Fatal(err)
			}
			h := s.Handler(ServePath)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, ServePath+"videos/bench.mp4", nil))
				if rec.Code != http.StatusOK || rec.Body.Len() != len(data) {
					b.Fatalf("GET: HTTP %d, %d bytes", rec.Code, rec.Body.Len())
				}
			}
		})
	}
}
