package allinone_test

// End-to-end tests of the upload path against clients that do not play along: bodies far past
// the size limit or in fields nobody asked for, more uploads at once than a client may have,
// tokens that turn out bad once the file is in, text that is not UTF-8, pictures and clips past
// the media limits, Range headers with thousands of ranges, and a process killed mid-publish.
// Each is the issue "hostile clients" reproduced at small scale, with the limits configured
// small so the tests stay quick; where it is cheap, the same is checked at the defaults.
//
// Requests are written by hand on a TCP connection (rawPost) so a test controls every byte of
// the body and can count how much of it the server let in before answering.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libtnb/sqlite"
	"gorm.io/gorm"
)

const (
	msgUploadsBusyClient = "you are already uploading as many videos as you may at once: try again when one has finished"
	msgUploadsBusyServer = "the server is busy receiving other uploads: please try again in a minute"
)

// msgUnknownField is the refusal of a form field publish does not take.
func msgUnknownField(name string) string {
	return fmt.Sprintf("the form has a field %q, which publish does not take: send data, token and title", name)
}

// streamPart is a part of a multipart body whose content is read as the body is sent.
type streamPart struct {
	name, filename string
	content        io.Reader
}

func streamField(name, value string) streamPart {
	return streamPart{name: name, content: strings.NewReader(value)}
}

// streamForm returns a multipart body of parts, made as it is read, and its Content-Type.
func streamForm(parts ...streamPart) (io.Reader, string) {
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		for _, p := range parts {
			h := textproto.MIMEHeader{"Content-Disposition": {fmt.Sprintf(`form-data; name=%q`, p.name)}}
			if p.filename != "" {
				h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename))
			}
			part, err := w.CreatePart(h)
			if err == nil {
				_, err = io.Copy(part, p.content)
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(w.Close())
	}()
	return pr, w.FormDataContentType()
}

// zeros is an endless run of zero bytes: a body as large as a test lets it be.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// trickle yields n bytes, a little at a time: a phone on a slow network.
type trickle struct {
	n     int
	pause time.Duration
}

func (r *trickle) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	time.Sleep(r.pause)
	n := min(len(p), r.n, 4<<10)
	clear(p[:n])
	r.n -= n
	return n, nil
}

// rawAnswer is the outcome of rawPost.
type rawAnswer struct {
	status int
	body   string
	header http.Header
	// sent is how many body bytes the client had handed to its socket when the answer came:
	// at most what the server read plus the little the kernel buffers in between.
	sent int64
	took time.Duration
	err  error
}

// rawPost sends a POST to path with extra header lines and body (chunked when contentLength is
// negative) and reads the answer while the body is still going out. It takes no t, so it can
// run in goroutines.
func (s *server) rawPost(path string, header []string, body io.Reader, contentLength int64) rawAnswer {
	start := time.Now()
	conn, err := net.Dial("tcp", s.host())
	if err != nil {
		return rawAnswer{err: err}
	}
	defer conn.Close()
	// A small send buffer keeps what the client counts as sent close to what the server took.
	_ = conn.(*net.TCPConn).SetWriteBuffer(32 << 10)
	head := "POST " + path + " HTTP/1.1\r\nHost: " + s.host() + "\r\n"
	for _, h := range header {
		head += h + "\r\n"
	}
	var out io.Writer = conn
	var closeBody func() error
	if contentLength >= 0 {
		head += fmt.Sprintf("Content-Length: %d\r\n", contentLength)
	} else {
		head += "Transfer-Encoding: chunked\r\n"
		cw := httputil.NewChunkedWriter(conn)
		out, closeBody = cw, func() error {
			if err := cw.Close(); err != nil {
				return err
			}
			_, err := io.WriteString(conn, "\r\n")
			return err
		}
	}
	if _, err := io.WriteString(conn, head+"\r\n"); err != nil {
		return rawAnswer{err: err}
	}
	var sent atomic.Int64
	go func() {
		buf := make([]byte, 16<<10)
		for {
			n, err := body.Read(buf)
			if n > 0 {
				if _, werr := out.Write(buf[:n]); werr != nil {
					return // the server closed the connection: it has answered
				}
				sent.Add(int64(n))
			}
			if err != nil {
				if closeBody != nil {
					_ = closeBody()
				}
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	a := rawAnswer{sent: sent.Load(), err: err}
	if err != nil {
		a.took = time.Since(start)
		return a
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	a.status, a.body, a.header, a.err, a.took = resp.StatusCode, string(b), resp.Header, err, time.Since(start)
	return a
}

// rawPublish sends the multipart parts to publish/action as client (X-Forwarded-For, believed
// from 127.0.0.1 where the server trusts it), chunked unless contentLength >= 0.
func (s *server) rawPublish(client string, contentLength int64, parts ...streamPart) rawAnswer {
	body, contentType := streamForm(parts...)
	return s.rawPost(publishPath, []string{"Content-Type: " + contentType, "X-Forwarded-For: " + client}, body, contentLength)
}

// assertAnswer checks an answer is HTTP 200 with exactly want as its body, in time.
func assertAnswer(t *testing.T, a rawAnswer, want string, within time.Duration) {
	t.Helper()
	if a.err != nil || a.status != http.StatusOK || a.body != want {
		t.Errorf("answer: HTTP %d %s (%v)\nwant: HTTP 200 %s", a.status, a.body, a.err, want)
	}
	if a.took > within {
		t.Errorf("the answer took %s, want it within %s", a.took, within)
	}
}

// waitFor polls cond until it holds or 10 s pass, and reports whether it held.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// heldUpload is an upload that sends a first piece of its file and then nothing until released:
// it holds its slot meanwhile.
type heldUpload struct {
	release chan struct{}
	answer  chan rawAnswer
}

// holdUpload starts an upload by client and returns once the server is receiving its file
// (spooled files reach want).
func (s *server) holdUpload(t *testing.T, dataDir, client, token string, want int) *heldUpload {
	t.Helper()
	h := &heldUpload{release: make(chan struct{}), answer: make(chan rawAnswer, 1)}
	file := io.MultiReader(io.LimitReader(zeros{}, 64<<10), blockUntil(h.release))
	go func() {
		h.answer <- s.rawPublish(client, -1, streamField("token", token), streamPart{name: "data", filename: "slow.mp4", content: file})
	}()
	if !waitFor(func() bool { return len(uploadFiles(t, dataDir)) >= want }) {
		t.Fatalf("the upload of %s is not being received: spooled files %v", client, uploadFiles(t, dataDir))
	}
	return h
}

// blockUntil is a reader that yields nothing until it is closed, then fails: the client ends the
// body there.
type blockUntil chan struct{}

func (b blockUntil) Read([]byte) (int, error) {
	<-b
	return 0, io.ErrUnexpectedEOF
}

// TestHostileUploads runs every defence of the upload path on a server with small limits.
func TestHostileUploads(t *testing.T) {
	// Not parallel: the bytes a client gets in before the answer include what the kernel
	// buffers while the server waits for a CPU, and the other end-to-end tests keep both busy.
	m := needMediaTools(t)
	dataDir := t.TempDir()
	s := startServer(t, dataDir, unthrottled,
		"DOUYIN_VIDEO_MAX_UPLOAD_BYTES=1048576", // 1 MB
		"DOUYIN_HTTP_MAX_UPLOADS_PER_CLIENT=2", "DOUYIN_HTTP_MAX_UPLOADS=3",
		"DOUYIN_VIDEO_MAX_DIMENSION=320", "DOUYIN_VIDEO_MAX_DURATION=1.5s",
		// Clients tell their address in X-Forwarded-For: every test client is 127.0.0.1.
		"DOUYIN_HTTP_TRUSTED_PROXIES=127.0.0.1")
	const bodyCap = 1<<20 + 64<<10 // the size limit and room for the token and title
	userID, token := s.register(t, "alice")
	clip := m.clip(t, "ok.mp4", 160, 120)
	// Noise defeats compression: more bytes than the 50,000 ranges below ask for.
	noisy := m.make(t, "noisy.mp4", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=1,noise=alls=100:allf=t",
		"-c:v", "mpeg4", "-q:v", "2")
	assertJSON(t, s.publish(t, nil, appUpload("noisy.mp4", noisy, token, "Kept")...), publishedJSON)
	kept := s.newestVideo(t, userID)
	objects := objectFiles(t, dataDir)
	if t.Failed() {
		t.FailNow()
	}

	t.Run("1 GB in a field nobody asked for is refused as its name arrives", func(t *testing.T) {
		a := s.rawPublish("10.0.1.1", -1, streamField("token", token), streamPart{name: "junk", content: io.LimitReader(zeros{}, 1<<30)})
		assertAnswer(t, a, statusJSON(400, msgUnknownField("junk")), 2*time.Second)
		// Far below the body cap: the field's content was not read at all.
		if a.sent > 512<<10 {
			t.Errorf("%d bytes were let in before the answer", a.sent)
		}
		t.Logf("sent before the answer: %d bytes of 1 GB, in %s", a.sent, a.took)
	})

	t.Run("a Content-Length above the cap is refused before the body is read", func(t *testing.T) {
		a := s.rawPublish("10.0.1.2", 1<<30, streamField("token", token), streamPart{name: "data", filename: "big.mp4", content: zeros{}})
		assertAnswer(t, a, statusJSON(400, "the video is larger than the 1 MB limit"), 2*time.Second)
		if a.sent > 512<<10 {
			t.Errorf("%d bytes were let in before the answer", a.sent)
		}
	})

	t.Run("a chunked file past the limit is cut off there", func(t *testing.T) {
		a := s.rawPublish("10.0.1.3", -1, streamField("token", token), streamPart{name: "data", filename: "big.mp4", content: io.LimitReader(zeros{}, 1<<30)})
		assertAnswer(t, a, statusJSON(400, "the video is larger than the 1 MB limit"), 5*time.Second)
		if a.sent > 2*bodyCap {
			t.Errorf("%d bytes were let in before the answer; the cap is %d", a.sent, bodyCap)
		}
		t.Logf("sent before the answer: %d bytes of 1 GB, in %s", a.sent, a.took)
		waitNoUploadLeftovers(t, dataDir)
	})

	t.Run("a bad token before the file: the file is not read", func(t *testing.T) {
		a := s.rawPublish("10.0.1.4", -1, streamField("token", "forged"), streamPart{name: "data", filename: "x.mp4", content: io.LimitReader(zeros{}, 1<<30)})
		assertAnswer(t, a, statusJSON(401, msgBadToken), 2*time.Second)
		if a.sent > 512<<10 {
			t.Errorf("%d bytes were let in before the answer", a.sent)
		}
		if files := uploadFiles(t, dataDir); len(files) != 0 {
			t.Errorf("spooled files: %v", files)
		}
	})

	t.Run("a bad token after the file: the file is gone when the answer comes", func(t *testing.T) {
		a := s.rawPublish("10.0.1.5", -1, streamPart{name: "data", filename: "ok.mp4", content: strings.NewReader(string(clip))},
			streamField("token", "forged"), streamField("title", "t"))
		assertAnswer(t, a, statusJSON(401, msgBadToken), 5*time.Second)
		// No waiting: deleted before the answer was sent.
		if files := uploadFiles(t, dataDir); len(files) != 0 {
			t.Errorf("spooled files right after the answer: %v", files)
		}
	})

	t.Run("text that is not UTF-8", func(t *testing.T) {
		for _, tt := range []struct{ field, value string }{{"title", "caf\xe9"}, {"token", "\xc3\x28"}} {
			parts := []streamPart{streamField("token", token), streamField("title", "t"), {name: "data", filename: "ok.mp4", content: strings.NewReader(string(clip))}}
			parts = slices.DeleteFunc(parts, func(p streamPart) bool { return p.name == tt.field })
			a := s.rawPublish("10.0.1.6", -1, append(parts, streamField(tt.field, tt.value))...)
			assertAnswer(t, a, statusJSON(400, tt.field+" is not valid UTF-8 text"), 5*time.Second)
		}
		body, contentType := streamForm(streamPart{name: "data", filename: "ok.mp4", content: strings.NewReader(string(clip))})
		a := s.rawPost(publishPath+"?title=%FF&token="+url.QueryEscape(token), []string{"Content-Type: " + contentType}, body, -1)
		assertAnswer(t, a, statusJSON(400, "title is not valid UTF-8 text"), 2*time.Second)
	})

	t.Run("media past the limits is refused from its headers", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			file []byte
			want string
		}{
			// A thin strip is cheap to make and as wide as the limit forbids.
			{"wider than 320 pixels", m.make(t, "wide.mp4", "-f", "lavfi", "-i", "testsrc=size=352x32:rate=10:duration=1", "-pix_fmt", "yuv420p"),
				"the video is 352x32 pixels: at most 320 pixels wide and high are accepted"},
			{"higher than 320 pixels", m.make(t, "high.mp4", "-f", "lavfi", "-i", "testsrc=size=32x480:rate=10:duration=1", "-pix_fmt", "yuv420p"),
				"the video is 32x480 pixels: at most 320 pixels wide and high are accepted"},
			{"longer than 1.5 s", m.make(t, "long.mp4", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=2", "-pix_fmt", "yuv420p"),
				"the video lasts 2s: at most 1.5s is accepted"},
		} {
			a := s.rawPublish("10.0.1.7", -1, streamField("token", token), streamField("title", tt.name),
				streamPart{name: "data", filename: "x.mp4", content: strings.NewReader(string(tt.file))})
			assertAnswer(t, a, statusJSON(400, tt.want), 5*time.Second)
		}
		waitNoUploadLeftovers(t, dataDir)
		if got := objectFiles(t, dataDir); !slices.Equal(got, objects) {
			t.Errorf("stored objects changed: %v, want %v", got, objects)
		}
	})

	t.Run("uploads past the slots are refused at once", func(t *testing.T) {
		first := s.holdUpload(t, dataDir, "10.0.2.1", token, 1)
		second := s.holdUpload(t, dataDir, "10.0.2.1", token, 2)
		// A third from the same client: refused before its file is read.
		a := s.rawPublish("10.0.2.1", -1, streamField("token", token), streamPart{name: "data", filename: "x.mp4", content: io.LimitReader(zeros{}, 1<<30)})
		assertAnswer(t, a, statusJSON(429, msgUploadsBusyClient), time.Second)
		if a.sent > 512<<10 {
			t.Errorf("%d bytes were let in before the answer", a.sent)
		}
		// Another client still gets the third slot of the server; a fourth client none.
		third := s.holdUpload(t, dataDir, "10.0.2.2", token, 3)
		assertAnswer(t, s.rawPublish("10.0.2.3", int64(len(clip)), streamPart{name: "data", filename: "x.mp4", content: strings.NewReader(string(clip))}),
			statusJSON(429, msgUploadsBusyServer), time.Second)
		if files := uploadFiles(t, dataDir); len(files) != 3 {
			t.Errorf("spooled files %v; want the 3 held uploads'", files)
		}
		// Clients that end their body mid-file free their slots and leave nothing.
		for _, h := range []*heldUpload{first, second, third} {
			close(h.release)
			assertAnswer(t, <-h.answer, statusJSON(400, "the upload was interrupted before the whole file arrived"), 10*time.Second)
		}
		waitNoUploadLeftovers(t, dataDir)
		assertAnswer(t, s.rawPublish("10.0.2.1", -1, streamField("token", token), streamField("title", "After the rush"),
			streamPart{name: "data", filename: "ok.mp4", content: strings.NewReader(string(clip))}), publishedJSON, 5*time.Second)
	})

	// rangeHeader asks for n one-byte ranges, none overlapping: what net/http would serve as n
	// parts, each a read from the store.
	rangeHeader := func(n int) string {
		ranges := make([]string, n)
		for i := range ranges {
			ranges[i] = fmt.Sprintf("%d-%d", i, i)
		}
		if len(noisy) < n {
			t.Fatalf("the video has %d bytes, fewer than the ranges", len(noisy))
		}
		return "bytes=" + strings.Join(ranges, ",")
	}
	t.Run("50,000 ranges are refused with the headers they came in, at once", func(t *testing.T) {
		// About 400 KB of header: past the server's header limit, so it is never parsed. The
		// server answers 431 and closes; a client still sending may see the close first.
		start := time.Now()
		req, err := http.NewRequest(http.MethodGet, s.baseURL+kept.playPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Range", rangeHeader(50_000))
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
				t.Errorf("HTTP %d; want 431 or the connection closed", resp.StatusCode)
			}
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("took %s", took)
		}
	})
	t.Run("5,000 ranges get the whole object, at once", func(t *testing.T) {
		start := time.Now()
		resp, body := fetch(t, s.baseURL+kept.playPath, map[string]string{"Range": rangeHeader(5_000)})
		if resp.StatusCode != http.StatusOK || string(body) != string(noisy) {
			t.Errorf("HTTP %d with %d bytes; want 200 with the whole %d-byte video", resp.StatusCode, len(body), len(noisy))
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("took %s", took)
		}
	})

	t.Run("objects go out as stored, never sniffed", func(t *testing.T) {
		for path, ct := range map[string]string{kept.playPath: "video/mp4", kept.coverPath: "image/jpeg"} {
			resp, _ := fetch(t, s.baseURL+path, nil)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != ct || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s: HTTP %d, Content-Type %q, X-Content-Type-Options %q; want 200, %s, nosniff", path,
					resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"), ct)
			}
		}
	})
}

// TestHostileUploadsAtDefaults checks the defences that do not depend on small limits on a
// server with the built-in ones (200 MB, 2 uploads per client).
func TestHostileUploadsAtDefaults(t *testing.T) {
	// Not parallel: the bytes a client gets in before the answer include what the kernel
	// buffers while the server waits for a CPU, and the other end-to-end tests keep both busy.
	dataDir := t.TempDir()
	s := startServer(t, dataDir, unthrottled)
	_, token := s.register(t, "bob")
	const mb = 1 << 20

	t.Run("300 MB in an unknown field is refused as its name arrives", func(t *testing.T) {
		a := s.rawPublish("", -1, streamField("token", token), streamPart{name: "video", filename: "x.mp4", content: io.LimitReader(zeros{}, 300*mb)})
		assertAnswer(t, a, statusJSON(400, msgUnknownField("video")), 2*time.Second)
		if a.sent > mb {
			t.Errorf("%d bytes were let in before the answer", a.sent)
		}
		t.Logf("sent before the answer: %d bytes of 300 MB, in %s", a.sent, a.took)
	})

	t.Run("a Content-Length of 300 MB is refused before the body is read", func(t *testing.T) {
		a := s.rawPublish("", 300*mb, streamField("token", token), streamPart{name: "data", filename: "x.mp4", content: zeros{}})
		assertAnswer(t, a, statusJSON(400, "the video is larger than the 200 MB limit"), 2*time.Second)
		if a.sent > mb {
			t.Errorf("%d bytes were let in before the answer", a.sent)
		}
	})

	t.Run("a third upload at once is refused", func(t *testing.T) {
		first := s.holdUpload(t, dataDir, "", token, 1)
		second := s.holdUpload(t, dataDir, "", token, 2)
		a := s.rawPublish("", -1, streamField("token", token), streamPart{name: "data", filename: "x.mp4", content: io.LimitReader(zeros{}, 300*mb)})
		assertAnswer(t, a, statusJSON(429, msgUploadsBusyClient), time.Second)
		close(first.release)
		close(second.release)
		<-first.answer
		<-second.answer
		waitNoUploadLeftovers(t, dataDir)
	})
}

// TestCrashMidPublishLeavesNothing kills the all-in-one (SIGKILL) while one upload is arriving
// and another publish has stored its objects but not yet its video, and shows the restarted
// process removes what they left: the spooled files and the objects no video points at. The
// video published before the crash keeps its objects.
func TestCrashMidPublishLeavesNothing(t *testing.T) {
	t.Parallel()
	m := needMediaTools(t)
	dataDir := t.TempDir()
	s := startServer(t, dataDir, unthrottled)
	userID, token := s.register(t, "carol")
	clip := m.clip(t, "ok.mp4", 160, 120)
	assertJSON(t, s.publish(t, nil, appUpload("ok.mp4", clip, token, "Before the crash")...), publishedJSON)
	kept := objectFiles(t, dataDir)
	if t.Failed() {
		t.FailNow()
	}

	// An upload arriving slowly: killed mid-file.
	slow := s.holdUpload(t, dataDir, "", token, 1)
	defer close(slow.release)

	// A publish that stores its objects and then waits for the database, held by this test:
	// killed between its objects and its video row.
	db, err := gorm.Open(sqlite.Open("file:"+filepath.Join(dataDir, "video.db")+"?_pragma=busy_timeout(5000)"), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	lock, err := sqlDB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("lock the video database: %v", err)
	}
	go func() {
		// The process dies under it: any answer or error will do.
		req, err := s.publishRequest(publishPath, nil, appUpload("ok.mp4", clip, token, "Killed mid-publish")...)
		if err == nil {
			_, _ = send(req)
		}
	}()
	if !waitFor(func() bool { return len(objectFiles(t, dataDir)) == len(kept)+2 }) {
		t.Fatalf("the second publish stored no objects: %v", objectFiles(t, dataDir))
	}
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.exited
	s.stopped = true
	_, _ = lock.ExecContext(context.Background(), "ROLLBACK")
	lock.Close()
	sqlDB.Close()

	leftFiles, leftObjects := uploadFiles(t, dataDir), objectFiles(t, dataDir)
	if len(leftFiles) < 2 || len(leftObjects) != len(kept)+2 {
		t.Fatalf("after the crash: spooled files %v, objects %v; want the two publishes' leftovers", leftFiles, leftObjects)
	}
	t.Logf("left by the crash: spooled files %v, objects without a video %v", leftFiles,
		slices.DeleteFunc(leftObjects, func(o string) bool { return slices.Contains(kept, o) }))

	// A short upload_timeout: leftovers older than it cannot belong to a publish in progress.
	again := startServer(t, dataDir, unthrottled, "DOUYIN_HTTP_UPLOAD_TIMEOUT=1s", "DOUYIN_VIDEO_ORPHAN_GRACE=1ms")
	start := time.Now()
	if !waitFor(func() bool {
		return len(uploadFiles(t, dataDir)) == 0 && slices.Equal(objectFiles(t, dataDir), kept)
	}) {
		t.Fatalf("after the restart: spooled files %v, objects %v; want none and %v", uploadFiles(t, dataDir), objectFiles(t, dataDir), kept)
	}
	t.Logf("swept %s after the restart", time.Since(start))
	v := again.newestVideo(t, userID)
	if v.title != "Before the crash" {
		t.Errorf("newest video %+v; want the one published before the crash", v)
	}
	again.assertPlayable(t, m, v, clip, "video/mp4", 160, 120)
}
