package data

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/objectstore"
)

// startObjectServer runs an embedded S3 server in a temporary directory until the test ends.
func startObjectServer(t *testing.T) string {
	t.Helper()
	e, err := objectstore.NewEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Start(context.Background()) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.Stop(ctx); err != nil {
			t.Errorf("stop the object server: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("object server: %v", err)
		}
	})
	return e.Endpoint()
}

func storageConfig(endpoint, publicURL string) *confv1.Storage {
	return &confv1.Storage{
		Endpoint: endpoint, AccessKey: "douyin", SecretKey: "douyin-secret",
		Bucket: "douyin", Region: "us-east-1", PublicUrl: publicURL,
	}
}

func TestObjectStoreURL(t *testing.T) {
	endpoint := startObjectServer(t)
	for _, row := range []struct{ publicURL, want string }{
		{"http://cdn.example/douyin/", "http://cdn.example/douyin/videos/a.mp4"},
		{"http://cdn.example/douyin", "http://cdn.example/douyin/videos/a.mp4"},
		{"", "/objects/videos/a.mp4"},
	} {
		s, err := NewObjectStore(storageConfig(endpoint, row.publicURL))
		if err != nil {
			t.Fatalf("NewObjectStore(public_url %q): %v", row.publicURL, err)
		}
		if got := s.URL("videos/a.mp4"); got != row.want {
			t.Errorf("public_url %q: URL(videos/a.mp4) = %q; want %q", row.publicURL, got, row.want)
		}
	}
}

// Without a public URL the gateway serves objects itself: the URL an object gets is where the
// store's handler, mounted at objectstore.ServePath, finds it.
func TestObjectStoreURLIsServed(t *testing.T) {
	s, err := NewObjectStore(storageConfig(startObjectServer(t), ""))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	body := []byte("\xff\xd8\xff not really a cover")
	const key = "covers/abc.jpg"
	if err := s.Put(ctx, key, bytes.NewReader(body), int64(len(body)), "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(objectstore.ServePath, s.Handler(objectstore.ServePath))
	web := httptest.NewServer(mux)
	defer web.Close()

	get := func() (int, []byte) {
		resp, err := http.Get(web.URL + s.URL(key))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	if status, got := get(); status != http.StatusOK || !bytes.Equal(got, body) {
		t.Fatalf("GET %s: %d, %q; want 200 and the object", s.URL(key), status, got)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if status, _ := get(); status != http.StatusNotFound {
		t.Fatalf("GET %s after Delete: %d; want 404", s.URL(key), status)
	}
}
