package objectstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/inprocess"
)

// startEmbedded runs an Embedded server over dir until the test ends; stop stops it early.
func startEmbedded(t *testing.T, dir string) (e *Embedded, stop func()) {
	t.Helper()
	e, err := NewEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Start(context.Background()) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := e.Stop(ctx); err != nil {
				t.Errorf("stop: %v", err)
			}
			if err := <-done; err != nil {
				t.Errorf("start returned: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return e, stop
}

func openStore(t *testing.T, endpoint string) *Store {
	t.Helper()
	s, err := Open(context.Background(), &confv1.Storage{
		Endpoint:  endpoint,
		AccessKey: "douyin",
		SecretKey: "douyin-secret",
		Bucket:    "douyin",
		Region:    "us-east-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251) // a prime period, so misplaced ranges show
	}
	return b
}

func do(t *testing.T, method, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestRoundTrip(t *testing.T) {
	e, _ := startEmbedded(t, t.TempDir())
	s := openStore(t, e.Endpoint())
	ctx := context.Background()
	web := httptest.NewServer(s.Handler("/objects/"))
	defer web.Close()

	data := pattern(5000)
	const key = "videos/7/clip.mp4"
	if err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), "video/mp4"); err != nil {
		t.Fatal(err)
	}
	url := web.URL + "/objects/" + key

	resp, body := do(t, http.MethodGet, url, nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("GET: status %d, %d bytes, equal=%v", resp.StatusCode, len(body), bytes.Equal(body, data))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "video/mp4" {
		t.Errorf("Content-Type %q", ct)
	}
	if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(data)) {
		t.Errorf("Content-Length %q", cl)
	}
	if resp.Header.Get("Last-Modified") == "" || resp.Header.Get("ETag") == "" {
		t.Errorf("missing validators: %v", resp.Header)
	}
	if ar := resp.Header.Get("Accept-Ranges"); ar != "bytes" {
		t.Errorf("Accept-Ranges %q", ar)
	}
	etag := resp.Header.Get("ETag")

	resp, body = do(t, http.MethodHead, url, nil)
	if resp.StatusCode != http.StatusOK || len(body) != 0 ||
		resp.Header.Get("Content-Length") != strconv.Itoa(len(data)) || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Errorf("HEAD: status %d, body %d bytes, headers %v", resp.StatusCode, len(body), resp.Header)
	}

	resp, body = do(t, http.MethodGet, url, map[string]string{"Range": "bytes=10-19"})
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[10:20]) {
		t.Errorf("range: status %d, body %v", resp.StatusCode, body)
	}
	if cr := resp.Header.Get("Content-Range"); cr != "bytes 10-19/5000" {
		t.Errorf("Content-Range %q", cr)
	}
	// An open-ended range near the end, as a player seeking into a video sends.
	resp, body = do(t, http.MethodGet, url, map[string]string{"Range": "bytes=4990-"})
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[4990:]) {
		t.Errorf("open range: status %d, body %v", resp.StatusCode, body)
	}
	resp, _ = do(t, http.MethodGet, url, map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d", resp.StatusCode)
	}

	for _, path := range []string{"/objects/videos/7/nope.mp4", "/objects/", "/objects/videos/../videos/7/clip.mp4",
		"/objects/%2e%2e/buckets", "/objects//videos/7/clip.mp4", "/elsewhere/videos/7/clip.mp4"} {
		if resp, _ := do(t, http.MethodGet, web.URL+path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, resp.StatusCode)
		}
	}
	resp, _ = do(t, http.MethodPost, url, nil)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}

	if err := s.Put(ctx, "../escape", bytes.NewReader(data), int64(len(data)), "video/mp4"); err == nil {
		t.Error("Put accepted a key with ..")
	}

	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if resp, _ := do(t, http.MethodGet, url, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET after delete: status %d", resp.StatusCode)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Errorf("second delete: %v", err)
	}
}

func TestPersistsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	e1, stop1 := startEmbedded(t, dir)
	s1 := openStore(t, e1.Endpoint())
	data := pattern(3000)
	if err := s1.Put(context.Background(), "covers/1.jpg", bytes.NewReader(data), int64(len(data)), "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	stop1()

	// A new server over the same directory, as a restarted process would have: the backend keeps
	// no state but the files.
	e2, _ := startEmbedded(t, dir)
	s2 := openStore(t, e2.Endpoint())
	web := httptest.NewServer(s2.Handler("/objects/"))
	defer web.Close()
	resp, body := do(t, http.MethodGet, web.URL+"/objects/covers/1.jpg", nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("after restart: status %d, %d bytes, type %q", resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
	}
}

// A process killed in the middle of a PUT leaves the object's bytes without its metadata, and
// gofakes3 then fails every listing of the bucket. The next start removes such bytes and keeps
// the finished objects.
func TestUnfinishedPutIsRemovedAtStart(t *testing.T) {
	dir := t.TempDir()
	e1, stop1 := startEmbedded(t, dir)
	s1 := openStore(t, e1.Endpoint())
	data := pattern(3000)
	ctx := context.Background()
	if err := s1.Put(ctx, "videos/kept.mp4", bytes.NewReader(data), int64(len(data)), "video/mp4"); err != nil {
		t.Fatal(err)
	}
	stop1()
	partial := filepath.Join(dir, "buckets", "douyin", "videos", "partial.mp4")
	if err := os.WriteFile(partial, data[:100], 0o600); err != nil {
		t.Fatal(err)
	}

	e2, _ := startEmbedded(t, dir)
	s2 := openStore(t, e2.Endpoint())
	if _, err := os.Stat(partial); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the unfinished object is still there: %v", err)
	}
	var keys []string
	for obj, err := range s2.List(ctx, "videos/") {
		if err != nil {
			t.Fatalf("listing after a crashed PUT: %v", err)
		}
		keys = append(keys, obj.Key)
	}
	if len(keys) != 1 || keys[0] != "videos/kept.mp4" {
		t.Fatalf("listed %v; want the finished object only", keys)
	}
}

func TestOpenUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := ln.Addr().String()
	ln.Close()
	ln, err = inprocess.Listen(inprocess.Address("s3"))
	if err != nil {
		t.Fatal(err)
	}
	closedPipe := ln.Addr().String()
	ln.Close()

	old := checkTimeout
	checkTimeout = time.Second
	defer func() { checkTimeout = old }()

	for _, addr := range []string{closedPort, closedPipe} {
		start := time.Now()
		_, err = Open(context.Background(), &confv1.Storage{Endpoint: addr, Bucket: "douyin", Region: "us-east-1"})
		if err == nil {
			t.Fatalf("Open succeeded against %s, where nothing listens", addr)
		}
		if !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("error does not name the endpoint %s and its refusal: %v", addr, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s", d)
		}
		t.Logf("error: %v", err)
	}
}

func TestTwoEmbeddedSideBySide(t *testing.T) {
	ea, _ := startEmbedded(t, t.TempDir())
	eb, _ := startEmbedded(t, t.TempDir())
	sa, sb := openStore(t, ea.Endpoint()), openStore(t, eb.Endpoint())
	ctx := context.Background()
	for s, v := range map[*Store]string{sa: "from a", sb: "from b"} {
		if err := s.Put(ctx, "k", strings.NewReader(v), int64(len(v)), "text/plain"); err != nil {
			t.Fatal(err)
		}
	}
	for s, want := range map[*Store]string{sa: "from a", sb: "from b"} {
		web := httptest.NewServer(s.Handler("/o/"))
		_, body := do(t, http.MethodGet, web.URL+"/o/k", nil)
		web.Close()
		if string(body) != want {
			t.Errorf("got %q, want %q", body, want)
		}
	}
}

// heapPeak samples HeapInuse every 2 ms while f runs and reports the peak and the allocation
// volume above the starting point (after a GC, so garbage from earlier tests does not count).
func heapPeak(f func()) (peakGrowth, allocated uint64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := before.HeapInuse
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	peak = max(peak, after.HeapInuse)
	return peak - before.HeapInuse, after.TotalAlloc - before.TotalAlloc
}

// TestLargeObjectMemory is the product requirement: publishing a 50 MB video must grow the
// process heap by less than 20 MB. The embedded server runs in this process, so its share counts.
func TestLargeObjectMemory(t *testing.T) {
	const size = 50 << 20
	e, _ := startEmbedded(t, t.TempDir())
	s := openStore(t, e.Endpoint())

	path := filepath.Join(t.TempDir(), "big.mp4")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	chunk := pattern(1 << 20)
	want := sha256.New()
	for range size >> 20 {
		f.Write(chunk)
		want.Write(chunk)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var putErr error
	growth, alloc := heapPeak(func() {
		putErr = s.Put(context.Background(), "videos/big.mp4", f, size, "video/mp4")
	})
	if putErr != nil {
		t.Fatal(putErr)
	}
	t.Logf("Put 50 MiB: peak HeapInuse growth %.1f MiB, allocated %.1f MiB", mib(growth), mib(alloc))
	if growth > 20<<20 {
		t.Errorf("Put grew the heap by %.1f MiB, want < 20", mib(growth))
	}

	web := httptest.NewServer(s.Handler("/objects/"))
	defer web.Close()
	got := sha256.New()
	var n int64
	var status int
	growth, alloc = heapPeak(func() {
		resp, err := http.Get(web.URL + "/objects/videos/big.mp4")
		if err != nil {
			t.Error(err)
			return
		}
		defer resp.Body.Close()
		status = resp.StatusCode
		n, err = io.Copy(got, resp.Body)
		if err != nil {
			t.Error(err)
		}
	})
	if status != http.StatusOK || n != size || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("GET: status %d, %d bytes, content equal=%v", status, n, bytes.Equal(got.Sum(nil), want.Sum(nil)))
	}
	t.Logf("GET 50 MiB via Handler: peak HeapInuse growth %.1f MiB, allocated %.1f MiB", mib(growth), mib(alloc))
	if growth > 20<<20 {
		t.Errorf("GET grew the heap by %.1f MiB, want < 20", mib(growth))
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// Kratos may stop a server whose Start has not run yet (another server failed first): the address
// must be released and a late Start must return at once.
func TestEmbeddedStopBeforeStart(t *testing.T) {
	e, err := NewEmbedded(filepath.Join(t.TempDir(), "new", "objects"))
	if err != nil {
		t.Fatal(err)
	}
	addr := e.Endpoint()
	if err := e.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Errorf("Start after Stop: %v", err)
	}
	ln, err := inprocess.Listen(addr)
	if err != nil {
		t.Fatalf("address not released: %v", err)
	}
	ln.Close()
}

// An app running on its own with no store configured is told which variable to set.
func TestOpenWithoutEndpointNamesTheVariable(t *testing.T) {
	_, err := Open(context.Background(), &confv1.Storage{Bucket: "douyin"})
	if err == nil || !strings.Contains(err.Error(), "DOUYIN_STORAGE_ENDPOINT") {
		t.Fatalf("Open without an endpoint = %v; want it to name DOUYIN_STORAGE_ENDPOINT", err)
	}
}
