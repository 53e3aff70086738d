// Package accesslog writes one line per HTTP request a server answered: method, path, HTTP
// status, the answer's own status_code, latency, the user and client it was for and, when
// tracing, its trace id. Tokens, passwords and other text never appear: of the query only the
// parameter names are kept, with the values of those that are plain numbers (ids, times,
// action types).
//
// Failures and refusals (HTTP status 400 and above, or a non-zero status_code) are written at
// WARN, successful requests at INFO, as Sampling says, so that the log of a busy server, or of
// one under attack, costs what its operators choose.
package accesslog

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/go-kratos/kratos/v2/log"
	"golang.org/x/time/rate"
)

// Entry is what handlers tell the access log about the request they answer.
type Entry struct {
	code    atomic.Int32
	user    atomic.Int64
	traceID atomic.Value // string
}

type entryKey struct{}

func entryFrom(ctx context.Context) *Entry {
	e, _ := ctx.Value(entryKey{}).(*Entry)
	return e
}

// SetStatusCode records the status_code the answer carries.
func SetStatusCode(ctx context.Context, code int32) {
	if e := entryFrom(ctx); e != nil {
		e.code.Store(code)
	}
}

// SetUser records who the request was for (the token's user).
func SetUser(ctx context.Context, userID int64) {
	if e := entryFrom(ctx); e != nil {
		e.user.Store(userID)
	}
}

// SetTraceID records the trace the request is part of.
func SetTraceID(ctx context.Context, traceID string) {
	if e := entryFrom(ctx); e != nil {
		e.traceID.Store(traceID)
	}
}

// Sampling says which requests are written.
type Sampling struct {
	// Fraction (0..1) of successful requests written; refusals and failures are all candidates.
	Fraction float64
	// PerSecond caps the successful requests written a second, and apart from them the refusals
	// and failures (0: no cap), each with a burst of as many; the next line of the kind written
	// counts those left out (skipped=N). A line per request is what someone watching a server
	// wants, until the server is busy: then formatting the lines costs more than the cheapest
	// requests themselves (see the README's measured section), thousands a second are more
	// than anyone reads, and one client sending refused requests as fast as it can would fill
	// the disk.
	PerSecond int
}

// lineCap bounds the lines of one kind written a second and counts those it left out.
type lineCap struct {
	limiter *rate.Limiter // nil: no bound
	skipped atomic.Int64
}

func newLineCap(perSecond int) *lineCap {
	c := &lineCap{}
	if perSecond > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(perSecond), perSecond)
	}
	return c
}

// allow tells whether a line may be written now, counting it as left out if not.
func (c *lineCap) allow() bool {
	if c.limiter == nil || c.limiter.Allow() {
		return true
	}
	c.skipped.Add(1)
	return false
}

// Filter returns the HTTP filter that logs every request through logger, as sampling says;
// client tells who sent a request.
func Filter(logger log.Logger, sampling Sampling, client func(*http.Request) netip.Addr) func(http.Handler) http.Handler {
	helper := log.NewHelper(logger)
	sample := sampling.Fraction
	successes, failures := newLineCap(sampling.PerSecond), newLineCap(sampling.PerSecond)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			entry := &Entry{}
			rec := &recorder{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), entryKey{}, entry)))
			code := entry.code.Load()
			failed := rec.status >= http.StatusBadRequest || code != 0
			if !failed && (sample <= 0 || (sample < 1 && rand.Float64() >= sample)) {
				return
			}
			kind := successes
			if failed {
				kind = failures
			}
			if !kind.allow() {
				return
			}
			kv := []any{
				"msg", "access",
				"method", r.Method,
				"path", clip(r.URL.Path, maxLoggedPath),
				"query", redact(r.URL.RawQuery),
				"status", rec.status,
				"code", code,
				"latency_ms", float64(time.Since(start).Microseconds()) / 1000,
				"bytes", rec.bytes,
				"user", entry.user.Load(),
				"client", client(r).String(),
			}
			if id, _ := entry.traceID.Load().(string); id != "" {
				kv = append(kv, "trace", id)
			}
			if n := kind.skipped.Swap(0); n > 0 {
				kv = append(kv, "skipped", n)
			}
			if failed {
				helper.Warnw(kv...)
			} else {
				helper.Infow(kv...)
			}
		})
	}
}

// A line's size is bounded whatever the request: the API's requests have a handful of
// parameters and short paths, and a request can carry up to 64 KiB of them, which a line per
// refused request would copy into the log.
const (
	maxLoggedParams = 16
	maxLoggedPath   = 256
)

// redact keeps the names of query parameters and the values that are plain numbers, of the
// first maxLoggedParams parameters ("&..." says there were more).
func redact(raw string) string {
	if raw == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(min(len(raw), 512))
	for n := 0; ; n++ {
		pair, rest, more := strings.Cut(raw, "&")
		if n > 0 {
			b.WriteByte('&')
		}
		if n == maxLoggedParams {
			b.WriteString("...")
			return b.String()
		}
		key, value, hasValue := strings.Cut(pair, "=")
		if strings.ContainsAny(key, "%+") {
			if k, err := url.QueryUnescape(key); err == nil {
				key = k
			} else {
				key = "?"
			}
		}
		if len(key) > 32 {
			key = "?"
		}
		b.WriteString(key)
		if hasValue {
			b.WriteByte('=')
			if isNumber(value) {
				b.WriteString(value)
			} else {
				b.WriteByte('*')
			}
		}
		if !more {
			return b.String()
		}
		raw = rest
	}
}

// clip returns s cut to at most n bytes, at the start of a character, with "..." when cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// isNumber reports whether s is a plain decimal number. The characters are checked first: most
// values that are not numbers (tokens, texts) fail there, without ParseFloat's error.
func isNumber(s string) bool {
	if s == "" || len(s) > 24 || strings.Trim(s, "0123456789.eE+-") != "" {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// recorder remembers the status and size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (deadlines of uploads and
// downloads) and http.ServeContent's io.Copy find the writer's ReadFrom.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
