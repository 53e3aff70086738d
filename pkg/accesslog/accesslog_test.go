package accesslog

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-kratos/kratos/v2/log"
)

func TestRedactKeepsNamesAndNumbersOnly(t *testing.T) {
	for raw, want := range map[string]string{
		"": "",
		"token=eyJhbGciOi.x.y&video_id=12&action_type=1":   "token=*&video_id=12&action_type=1",
		"username=alice&password=secret":                   "username=*&password=*",
		"comment_text=%E4%BD%A0%E5%A5%BD&video_id=1e%2B06": "comment_text=*&video_id=*",
		"latest_time=1.680703713e+09&flag":                 "latest_time=1.680703713e+09&flag",
		"%zz=1&x=NaN&y=0x10":                               "?=1&x=*&y=*",
	} {
		if got := redact(raw); got != want {
			t.Errorf("redact(%q) = %q; want %q", raw, got, want)
		}
	}
}

func serve(t *testing.T, sample float64, h http.HandlerFunc, target string) string {
	t.Helper()
	var buf bytes.Buffer
	filter := Filter(log.NewStdLogger(&buf), Sampling{Fraction: sample}, func(*http.Request) netip.Addr { return netip.MustParseAddr("198.51.100.4") })
	filter(h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, target, nil))
	return buf.String()
}

func TestOneLinePerRequest(t *testing.T) {
	line := serve(t, 1, func(w http.ResponseWriter, r *http.Request) {
		SetUser(r.Context(), 7)
		SetTraceID(r.Context(), "4bf92f3577b34da6a3ce929d0e0e4736")
		_, _ = w.Write([]byte("hello"))
	}, "/douyin/feed/?token=secret-token&latest_time=1700000000000")
	for _, want := range []string{"msg=access", "method=GET", "path=/douyin/feed/", "query=token=*&latest_time=1700000000000",
		"status=200", "code=0", "bytes=5", "user=7", "client=198.51.100.4", "trace=4bf92f3577b34da6a3ce929d0e0e4736", "latency_ms="} {
		if !strings.Contains(line, want) {
			t.Errorf("line lacks %q: %s", want, line)
		}
	}
	if strings.Contains(line, "secret-token") || strings.Count(line, "\n") != 1 {
		t.Fatalf("want one line without the token: %q", line)
	}
}

func TestFailuresAreWrittenSuccessesSampled(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) {}
	refused := func(w http.ResponseWriter, r *http.Request) { SetStatusCode(r.Context(), 429) }
	notFound := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) }
	if line := serve(t, 0, ok, "/"); line != "" {
		t.Fatalf("a success with sampling off was written: %s", line)
	}
	if line := serve(t, 0, refused, "/"); !strings.Contains(line, "code=429") || !strings.Contains(line, "WARN") {
		t.Fatalf("a refusal was not written as a warning: %q", line)
	}
	if line := serve(t, 0, notFound, "/nope"); !strings.Contains(line, "status=404") {
		t.Fatalf("a 404 was not written: %q", line)
	}
	written := 0
	for i := 0; i < 2000; i++ {
		if serve(t, 0.25, ok, "/") != "" {
			written++
		}
	}
	if written < 400 || written > 600 {
		t.Fatalf("%d of 2000 successes written at a rate of 0.25", written)
	}
}

// Past PerSecond lines a second of a kind (successes; refusals and failures), requests of that
// kind are left out and the next line of it written counts them; the kinds are capped apart.
func TestLinesAreCappedPerSecondByKind(t *testing.T) {
	var buf bytes.Buffer
	const perSecond = 20
	filter := Filter(log.NewStdLogger(&buf), Sampling{Fraction: 1, PerSecond: perSecond}, func(*http.Request) netip.Addr { return netip.MustParseAddr("198.51.100.4") })
	h := filter(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/refused" {
			SetStatusCode(r.Context(), 429)
		}
	}))
	get := func(path string) { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil)) }
	count := func(path string) int { return strings.Count(buf.String(), "path="+path+" ") }

	const sent = 3 * perSecond
	start := time.Now()
	for range sent {
		get("/ok")
		get("/refused")
	}
	refilled := int(time.Since(start).Seconds()*perSecond) + 1
	// The burst is perSecond of each kind, and more as the limiters refill while the loop runs.
	for _, path := range []string{"/ok", "/refused"} {
		if n := count(path); n < perSecond || n > perSecond+refilled {
			t.Fatalf("%d lines of %d requests to %s; want about %d", n, sent, path, perSecond)
		}
	}
	if strings.Contains(buf.String(), "skipped=") {
		t.Fatalf("a line counted requests left out before the next of their kind was written: %s", buf.String())
	}

	okSkipped, refusedSkipped := sent-count("/ok"), sent-count("/refused")
	buf.Reset()
	time.Sleep(2 * time.Second / perSecond) // a line or two of each kind again
	get("/refused")
	get("/ok")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	has := func(i int, path string, skipped int) bool {
		return i < len(lines) && strings.Contains(lines[i], "path="+path+" ") && strings.Contains(lines[i], "skipped="+strconv.Itoa(skipped))
	}
	if len(lines) != 2 || !has(0, "/refused", refusedSkipped) || !has(1, "/ok", okSkipped) {
		t.Fatalf("the lines after the cap:\n%s\nwant the refusal with skipped=%d, then the success with skipped=%d", buf.String(), refusedSkipped, okSkipped)
	}
	buf.Reset()
	get("/ok")
	if strings.Contains(buf.String(), "skipped=") {
		t.Fatalf("the requests left out were counted twice: %s", buf.String())
	}
}

// A line stays short whatever the request: a refused request with 64 KiB of parameters or path
// must not write 64 KiB of log.
func TestLinesAreBoundedWhateverTheRequest(t *testing.T) {
	many := strings.Repeat("a&", 30000) + "a"
	if got, want := redact(many), strings.Repeat("a&", maxLoggedParams)+"..."; got != want {
		t.Fatalf("redact of 30,001 parameters = %q; want the first %d and ...", clip(got, 100), maxLoggedParams)
	}
	if got := redact("a=1&b=2"); got != "a=1&b=2" {
		t.Fatalf("redact of two parameters = %q", got)
	}
	long := "/" + strings.Repeat("抖", 20000)
	if got := clip(long, maxLoggedPath); len(got) > maxLoggedPath+3 || !utf8.ValidString(got) || !strings.HasSuffix(got, "...") {
		t.Fatalf("clip of a %d-byte path: %d bytes, valid UTF-8 %v", len(long), len(got), utf8.ValidString(got))
	}
	line := serve(t, 1, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) },
		"/"+strings.Repeat("x", 30000)+"?"+strings.Repeat("token=secret&", 3000))
	if len(line) > 1024 || !strings.Contains(line, "status=404") || strings.Contains(line, "secret") {
		t.Fatalf("a %d-byte line for a huge refused request; want it under 1 KiB, without the token: %.300s", len(line), line)
	}
}
