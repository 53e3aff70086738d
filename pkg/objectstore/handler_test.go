package objectstore

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestList(t *testing.T) {
	e, _ := startEmbedded(t, t.TempDir())
	s := openStore(t, e.Endpoint())
	ctx := context.Background()
	before := time.Now().Add(-time.Second) // the store's clock keeps whole seconds
	for _, key := range []string{"videos/b.mp4", "videos/a.mov", "covers/a.jpg", "videosx/c.mp4", "other/videos/d.mp4"} {
		if err := s.Put(ctx, key, strings.NewReader(key), int64(len(key)), "video/mp4"); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	for obj, err := range s.List(ctx, "videos/") {
		if err != nil {
			t.Fatal(err)
		}
		if obj.Size != int64(len(obj.Key)) || obj.LastModified.Before(before) || obj.LastModified.After(time.Now()) {
			t.Errorf("%s: size %d, last modified %s; want %d bytes, written during the test", obj.Key, obj.Size, obj.LastModified, len(obj.Key))
		}
		keys = append(keys, obj.Key)
	}
	if want := []string{"videos/a.mov", "videos/b.mp4"}; !slices.Equal(keys, want) {
		t.Errorf("List(videos/) = %v, want %v", keys, want)
	}

	// Breaking out of the loop ends the listing.
	n := 0
	for _, err := range s.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		n++
		break
	}
	if n != 1 {
		t.Errorf("stopped after %d objects, want 1", n)
	}

	// A listing that cannot be made says so instead of yielding nothing.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	var gotErr error
	for _, err := range s.List(cancelled, "videos/") {
		gotErr = err
	}
	if gotErr == nil {
		t.Error("List with a cancelled context yielded no error")
	}
}

// A Range header with thousands of ranges would cost a request to the store per range; past
// maxRanges the whole object is sent instead, in about the time of a plain GET.
func TestHandlerRanges(t *testing.T) {
	e, _ := startEmbedded(t, t.TempDir())
	s := openStore(t, e.Endpoint())
	web := httptest.NewServer(s.Handler("/objects/"))
	defer web.Close()
	data := pattern(200_000)
	const key = "videos/ranges.mp4"
	if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), "video/mp4"); err != nil {
		t.Fatal(err)
	}
	url := web.URL + "/objects/" + key
	ranges := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("%d-%d", i*2, i*2) // one byte each, none overlapping
		}
		return "bytes=" + strings.Join(parts, ",")
	}

	t.Run("up to the limit: one part per range", func(t *testing.T) {
		resp, body := do(t, http.MethodGet, url, map[string]string{"Range": ranges(maxRanges)})
		mediaType, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if resp.StatusCode != http.StatusPartialContent || err != nil || mediaType != "multipart/byteranges" {
			t.Fatalf("%d ranges: status %d, Content-Type %q; want 206 multipart/byteranges", maxRanges, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		parts := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for i := 0; ; i++ {
			p, err := parts.NextPart()
			if err == io.EOF {
				if i != maxRanges {
					t.Errorf("%d parts, want %d", i, maxRanges)
				}
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(p)
			if want := data[i*2 : i*2+1]; !bytes.Equal(got, want) || p.Header.Get("Content-Type") != "video/mp4" {
				t.Errorf("part %d: %v %q, want %v video/mp4", i, got, p.Header.Get("Content-Type"), want)
			}
		}
	})

	for _, n := range []int{maxRanges + 1, 50_000} {
		t.Run(fmt.Sprintf("%d ranges: the whole object", n), func(t *testing.T) {
			start := time.Now()
			resp, body := do(t, http.MethodGet, url, map[string]string{"Range": ranges(n)})
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) || resp.Header.Get("Content-Type") != "video/mp4" {
				t.Errorf("status %d, %d bytes, Content-Type %q; want 200 with the whole %d-byte video/mp4",
					resp.StatusCode, len(body), resp.Header.Get("Content-Type"), len(data))
			}
			// A plain GET takes milliseconds; one request to the store per range took seconds.
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %s", took)
			}
		})
	}
}

func TestHandlerNoSniff(t *testing.T) {
	e, _ := startEmbedded(t, t.TempDir())
	s := openStore(t, e.Endpoint())
	web := httptest.NewServer(s.Handler("/objects/"))
	defer web.Close()
	ctx := context.Background()
	// An upload that looks like a page must still go out as what it was stored as.
	page := []byte("<html><script>alert(1)</script></html>")
	for key, ct := range map[string]string{"covers/x.jpg": "image/jpeg", "videos/x.mp4": "video/mp4", "videos/untyped": ""} {
		if err := s.Put(ctx, key, bytes.NewReader(page), int64(len(page)), ct); err != nil {
			t.Fatal(err)
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			resp, _ := do(t, method, web.URL+"/objects/"+key, nil)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != ct || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s %s: status %d, Content-Type %q, X-Content-Type-Options %q; want 200 %s nosniff", method, key,
					resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"), ct)
			}
		}
	}
}

// smallBuffers makes every accepted connection's send buffer small, so an answer larger than
// it waits on the client instead of sitting whole in the kernel.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(16 << 10)
	}
	return c, err
}

// The HTTP server's timeouts are sized for API answers; a download given its own deadline
// outlives them, one without is cut off by them.
func TestHandlerDownloadTimeout(t *testing.T) {
	e, _ := startEmbedded(t, t.TempDir())
	s := openStore(t, e.Endpoint())
	data := pattern(4 << 20)
	const key = "videos/slow.mp4"
	if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), "video/mp4"); err != nil {
		t.Fatal(err)
	}
	const serverTimeout = 200 * time.Millisecond
	for _, tt := range []struct {
		name     string
		opts     []HandlerOption
		complete bool
	}{
		{name: "with a download timeout", opts: []HandlerOption{WithDownloadTimeout(time.Minute)}, complete: true},
		{name: "without", complete: false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &http.Server{Handler: s.Handler("/objects/", tt.opts...), ReadTimeout: serverTimeout, WriteTimeout: serverTimeout}
			go srv.Serve(smallBuffers{ln})
			defer srv.Close()

			conn, err := net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetReadBuffer(16 << 10)
			fmt.Fprintf(conn, "GET /objects/%s HTTP/1.1\r\nHost: x\r\n\r\n", key)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			// A phone on a slow network: the answer takes longer than the server's timeouts.
			time.Sleep(3 * serverTimeout)
			body, err := io.ReadAll(resp.Body)
			if got := err == nil && bytes.Equal(body, data); got != tt.complete {
				t.Errorf("status %d, %d of %d bytes (%v); complete = %v, want %v", resp.StatusCode, len(body), len(data), err, got, tt.complete)
			}
		})
	}
}
