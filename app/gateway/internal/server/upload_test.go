package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
)

// uploadAPI is stubAPI with the upload handled by upload.
type uploadAPI struct {
	stubAPI
	upload func(ctx context.Context, form *multipart.Reader) (*gatewayv1.PublishActionResponse, error)
}

func (a uploadAPI) PublishUpload(ctx context.Context, _ url.Values, form *multipart.Reader) (*gatewayv1.PublishActionResponse, error) {
	return a.upload(ctx, form)
}

// PublishAction answers a body that is not multipart, as the service does.
func (uploadAPI) PublishAction(context.Context, *gatewayv1.PublishActionRequest) (*gatewayv1.PublishActionResponse, error) {
	return nil, fmt.Errorf("not multipart")
}

const testMaxUpload = 1000

// startUploadServer serves api behind the server timeouts the gateway's public server has (short
// here), with uploads limited to testMaxUpload bytes, perClient and total at once. Clients name
// their address in X-Forwarded-For (127.0.0.1 is a trusted proxy).
func startUploadServer(t *testing.T, api API, perClient, total int32, uploadTimeout time.Duration) string {
	t.Helper()
	settings := testSettings(&confv1.HTTP{Timeout: durationpb.New(time.Second), UploadTimeout: durationpb.New(uploadTimeout),
		MaxUploadsPerClient: perClient, MaxUploads: total, TrustedProxies: "127.0.0.1"})
	settings.MaxUploadBytes = testMaxUpload
	srv := testServer(t, settings, api)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// rawUpload sends a publish request with header lines of its own and body, and returns the
// answer's body (or the error that ended the exchange) and how many body bytes the server let
// in before it answered: a refusal that comes early has read little.
func rawUpload(addr string, header []string, body io.Reader) (answer string, sent int64, err error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return "", 0, err
	}
	defer conn.Close()
	head := "POST /douyin/publish/action/ HTTP/1.1\r\nHost: test\r\n" + strings.Join(header, "\r\n") + "\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		return "", 0, err
	}
	var written atomic.Int64
	go func() {
		buf := make([]byte, 4<<10)
		for {
			n, err := body.Read(buf)
			if n > 0 {
				if _, werr := conn.Write(buf[:n]); werr != nil {
					return
				}
				written.Add(int64(n))
			}
			if err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	sent = written.Load()
	if err != nil {
		return "", sent, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), sent, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return string(b), sent, err
}

// multipartHead starts a body with a field name whose content follows.
func multipartHead(name string) (header []string, head string, tail string) {
	const boundary = "b0undary"
	return []string{"Content-Type: multipart/form-data; boundary=" + boundary},
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n",
		"\r\n--" + boundary + "--\r\n"
}

// slowReader yields n bytes, a few at a time with pauses, until done is closed or n are out.
type slowReader struct {
	n     int
	pause time.Duration
}

func (r *slowReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.pause)
	n := min(len(p), r.n, 100)
	for i := range n {
		p[i] = 'x'
	}
	r.n -= n
	return n, nil
}

const busyClientJSON = `{"status_code":429,"status_msg":"you are already uploading as many videos as you may at once: try again when one has finished"}`
const busyServerJSON = `{"status_code":429,"status_msg":"the server is busy receiving other uploads: please try again in a minute"}`
const tooLargeJSON = `{"status_code":400,"status_msg":"the video is larger than the 1000 bytes limit"}`

// Past the slots per client and in all an upload is refused at once, before the API sees it;
// a slot comes free when its upload is answered.
func TestUploadSlots(t *testing.T) {
	hold := make(chan struct{})
	var entered atomic.Int32
	api := uploadAPI{upload: func(ctx context.Context, _ *multipart.Reader) (*gatewayv1.PublishActionResponse, error) {
		entered.Add(1)
		<-hold
		return &gatewayv1.PublishActionResponse{StatusMsg: "stub"}, nil
	}}
	addr := startUploadServer(t, api, 1, 2, time.Minute)
	header, head, tail := multipartHead("data")
	upload := func(client string) (string, error) {
		body, _, err := rawUpload(addr, append(header, "X-Forwarded-For: "+client, fmt.Sprintf("Content-Length: %d", len(head+tail))),
			strings.NewReader(head+tail))
		return body, err
	}
	held := make(chan string, 2)
	hold1 := func(client string) {
		t.Helper()
		before := entered.Load()
		go func() { body, err := upload(client); held <- fmt.Sprint(body, err) }()
		for deadline := time.Now().Add(5 * time.Second); entered.Load() == before; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the upload of %s never reached the API", client)
			}
		}
	}
	refused := func(client, want string) {
		t.Helper()
		before := entered.Load()
		start := time.Now()
		// A slow body: the answer must not wait for any of it (net/http would read up to 256 KB
		// of a body left unread to keep the connection).
		body, _, err := rawUpload(addr, append(header, "X-Forwarded-For: "+client, fmt.Sprintf("Content-Length: %d", len(head)+5000+len(tail))),
			io.MultiReader(strings.NewReader(head), &slowReader{n: 5000, pause: 50 * time.Millisecond}, strings.NewReader(tail)))
		if err != nil || body != want {
			t.Errorf("upload of %s: %s %v; want %s", client, body, err, want)
		}
		if entered.Load() != before || time.Since(start) > time.Second {
			t.Errorf("upload of %s reached the API or took %s", client, time.Since(start))
		}
	}

	hold1("10.0.0.1")
	refused("10.0.0.1", busyClientJSON)
	hold1("10.0.0.2")
	refused("10.0.0.3", busyServerJSON)
	refused("10.0.0.1", busyClientJSON)
	close(hold)
	for range 2 {
		if got := <-held; got != `{"status_code":0,"status_msg":"stub"}<nil>` {
			t.Errorf("held upload: %s", got)
		}
	}
	// Answered: the slots are free again.
	for _, client := range []string{"10.0.0.3", "10.0.0.1"} {
		if body, err := upload(client); err != nil || body != `{"status_code":0,"status_msg":"stub"}` {
			t.Errorf("upload of %s after the others finished: %s %v", client, body, err)
		}
	}
}

// The body is capped from its first byte: a body announcing more is refused unread, and one
// that sends more without saying so is cut off at the cap, whatever field the bytes are in.
func TestUploadBodyCap(t *testing.T) {
	var read atomic.Int64
	api := uploadAPI{upload: func(ctx context.Context, form *multipart.Reader) (*gatewayv1.PublishActionResponse, error) {
		for {
			part, err := form.NextPart()
			if err == io.EOF {
				return &gatewayv1.PublishActionResponse{StatusMsg: "stub"}, nil
			}
			if err != nil {
				return nil, fmt.Errorf("next part: %w", err)
			}
			n, err := io.Copy(io.Discard, part)
			read.Add(n)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", part.FormName(), err)
			}
		}
	}}
	addr := startUploadServer(t, api, 0, 0, time.Minute)
	header, head, tail := multipartHead("anything")
	const capacity = testMaxUpload + uploadOverhead

	t.Run("Content-Length above the cap", func(t *testing.T) {
		// net/http drains what is left of a small body before answering (keep-alive); past
		// 256 KB it closes the connection instead, so nothing is read.
		const announced = 100 << 20
		body, sent, err := rawUpload(addr, append(header, fmt.Sprintf("Content-Length: %d", announced)),
			io.MultiReader(strings.NewReader(head), &slowReader{n: announced, pause: time.Millisecond}))
		if err != nil || body != tooLargeJSON || read.Load() != 0 || sent > capacity {
			t.Errorf("answer %s %v after %d bytes sent, %d read; want %s before the body", body, err, sent, read.Load(), tooLargeJSON)
		}
	})
	t.Run("Content-Length at the cap", func(t *testing.T) {
		n := capacity - len(head) - len(tail)
		body, _, err := rawUpload(addr, append(header, fmt.Sprintf("Content-Length: %d", capacity)),
			io.MultiReader(strings.NewReader(head), strings.NewReader(strings.Repeat("x", n)), strings.NewReader(tail)))
		if err != nil || body != `{"status_code":0,"status_msg":"stub"}` {
			t.Errorf("answer %s %v; want the API's", body, err)
		}
	})
	t.Run("chunked, past the cap", func(t *testing.T) {
		read.Store(0)
		pr, pw := io.Pipe()
		go func() {
			cw := newChunkedWriter(pw)
			io.WriteString(cw, head)
			io.Copy(cw, io.LimitReader(endless{}, 10*capacity))
			cw.Close()
			pw.Close()
		}()
		body, _, err := rawUpload(addr, append(header, "Transfer-Encoding: chunked"), pr)
		pr.Close()
		if err != nil || body != tooLargeJSON || read.Load() > capacity {
			t.Errorf("answer %s %v, %d bytes read; want %s once %d were", body, err, read.Load(), tooLargeJSON, capacity)
		}
	})
}

// endless is an endless stream of x.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// chunkedWriter writes HTTP/1.1 chunks.
type chunkedWriter struct{ w io.Writer }

func newChunkedWriter(w io.Writer) *chunkedWriter { return &chunkedWriter{w} }
func (c *chunkedWriter) Write(p []byte) (int, error) {
	if _, err := fmt.Fprintf(c.w, "%x\r\n%s\r\n", len(p), p); err != nil {
		return 0, err
	}
	return len(p), nil
}
func (c *chunkedWriter) Close() error { _, err := io.WriteString(c.w, "0\r\n\r\n"); return err }

// An upload lives by upload_timeout, not by the server's read and write timeouts (300 ms here).
func TestUploadDeadline(t *testing.T) {
	api := uploadAPI{upload: func(ctx context.Context, form *multipart.Reader) (*gatewayv1.PublishActionResponse, error) {
		part, err := form.NextPart()
		if err == nil {
			_, err = io.Copy(io.Discard, part)
		}
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return &gatewayv1.PublishActionResponse{StatusMsg: "stub"}, nil
	}}
	header, head, tail := multipartHead("data")
	send := func(addr string) (string, error) {
		// 1 s of sending: longer than the server's timeouts.
		body := io.MultiReader(strings.NewReader(head), &slowReader{n: 1000, pause: 100 * time.Millisecond}, strings.NewReader(tail))
		answer, _, err := rawUpload(addr, append(header, fmt.Sprintf("Content-Length: %d", len(head)+1000+len(tail))), body)
		return answer, err
	}
	if body, err := send(startUploadServer(t, api, 0, 0, time.Minute)); err != nil || body != `{"status_code":0,"status_msg":"stub"}` {
		t.Errorf("a slow upload within upload_timeout: %s %v; want the API's answer", body, err)
	}
	if body, err := send(startUploadServer(t, api, 0, 0, 500*time.Millisecond)); err == nil && body == `{"status_code":0,"status_msg":"stub"}` {
		t.Error("an upload slower than upload_timeout went through")
	}
}
