package bootstrap

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/middleware"
	"github.com/go-kratos/kratos/v2/middleware/circuitbreaker"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// recorder is a logger that keeps what it is given.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) Log(level log.Level, kv ...any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, level.String()+" "+fmt.Sprint(kv...))
	return nil
}

func TestServerMiddlewareTurnsFailuresIntoAnswersAndLogsThemOnce(t *testing.T) {
	declared := apierror.New(userv1.ErrorReason_WRONG_CREDENTIALS, "wrong username or password")
	tests := []struct {
		name       string
		handler    middleware.Handler
		wantCode   int
		wantReason string
		wantMsg    string
		wantLogged bool
	}{
		{
			name:     "a declared error is an answer: untouched, not logged",
			handler:  func(context.Context, any) (any, error) { return nil, declared },
			wantCode: 401, wantReason: "WRONG_CREDENTIALS", wantMsg: "wrong username or password",
		},
		{
			name:     "a plain error is a failure: logged, internals hidden",
			handler:  func(context.Context, any) (any, error) { return nil, fmt.Errorf("insert user: disk I/O error") },
			wantCode: 500, wantReason: ReasonInternal, wantMsg: "internal error, please try again later", wantLogged: true,
		},
		{
			name: "an app that cannot be reached keeps its code",
			handler: func(context.Context, any) (any, error) {
				return nil, status.Error(codes.Unavailable, "connection refused")
			},
			wantCode: 503, wantReason: ReasonUnavailable, wantMsg: "the service is temporarily unavailable, please try again", wantLogged: true,
		},
		{
			name:     "a call an open circuit breaker refused is a failure like any unreachable app",
			handler:  func(context.Context, any) (any, error) { return nil, circuitbreaker.ErrNotAllowed },
			wantCode: 503, wantReason: ReasonUnavailable, wantMsg: "the service is temporarily unavailable, please try again", wantLogged: true,
		},
		{
			name: "a caller that went away is not a failure",
			handler: func(context.Context, any) (any, error) {
				return nil, status.Error(codes.Canceled, "Stream has ended.")
			},
			wantCode: 499, wantReason: "", wantMsg: "Stream has ended.",
		},
		{
			name:     "a panic",
			handler:  func(context.Context, any) (any, error) { panic("nil map") },
			wantCode: 500, wantReason: ReasonInternal, wantMsg: "internal error, please try again later", wantLogged: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			h := middleware.Chain(ServerMiddleware(&confv1.Bootstrap{}, rec)...)(tt.handler)
			_, err := h(context.Background(), nil)
			e := errors.FromError(err)
			if int(e.Code) != tt.wantCode || e.Reason != tt.wantReason || e.Message != tt.wantMsg {
				t.Fatalf("got %d %s %q", e.Code, e.Reason, e.Message)
			}
			logged := strings.Contains(strings.Join(rec.lines, "\n"), "request failed")
			if logged != tt.wantLogged {
				t.Fatalf("logged = %v, lines %q", logged, rec.lines)
			}
			// The next server on the way sees an answer, and does not log it again.
			again := &recorder{}
			_, err = middleware.Chain(ServerMiddleware(&confv1.Bootstrap{}, again)...)(func(context.Context, any) (any, error) { return nil, err })(context.Background(), nil)
			if len(again.lines) != 0 || errors.FromError(err).Message != tt.wantMsg {
				t.Fatalf("second hop logged %q or changed the answer to %v", again.lines, err)
			}
		})
	}
}

func TestLogLinesCarryTheTraceIDAndTheCaller(t *testing.T) {
	var out strings.Builder
	// As the apps use it: wrapped once more with the app's name.
	logger := log.With(newLogger(&out, "test", "info", "logfmt"), "app", "probe")
	traceID, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	spanID, _ := trace.SpanIDFromHex("b7ad6b7169203331")
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled,
	}))
	log.NewHelper(logger).WithContext(ctx).Infow("msg", "hello")
	line := out.String()
	for _, want := range []string{"trace_id=0af7651916cd43dd8448eb211c80319c", "caller=bootstrap/bootstrap_test.go:", "app=probe", "service=test"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q lacks %s", line, want)
		}
	}
	log.NewHelper(logger).Debugw("msg", "hidden")
	if strings.Contains(out.String(), "hidden") {
		t.Error("a debug line passed the info level")
	}
}

// syncBuilder is a strings.Builder the buffer's flushing goroutine may write to.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogLinesAreBufferedButNotLost(t *testing.T) {
	var out syncBuilder
	buf := newLineBuffer(&out, 1<<10, time.Hour)
	logger := newLogger(buf, "test", "info", "logfmt")
	log.NewHelper(logger).Infow("msg", "access", "path", "/douyin/feed/", "query", `a b="c"`)
	if out.String() != "" {
		t.Fatalf("an info line was written at once: %q", out.String())
	}
	log.NewHelper(logger).Errorw("msg", "request failed")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "request failed") {
		t.Fatalf("an error line did not take the buffered ones out with it: %q", out.String())
	}
	// Values that need it are quoted, so that the line stays one logfmt record.
	if !strings.Contains(lines[0], `msg=access`) || !strings.Contains(lines[0], `query="a b=\"c\""`) || strings.Contains(lines[0], "trace_id") {
		t.Errorf("line %q: want msg=access, the query quoted and no trace id outside a trace", lines[0])
	}
	// A value cannot start a line of its own: a forged record would read as the server's.
	log.NewHelper(logger).Infow("msg", "forged?", "error", "no\nlevel=ERROR msg=forged")
	buf.Flush()
	if got := strings.Count(out.String(), "\n"); got != 3 {
		t.Fatalf("a value with a newline made %d lines in all; want 3:\n%s", got, out.String())
	}
	log.NewHelper(logger).Infow("msg", "last words")
	buf.Close()
	if !strings.Contains(out.String(), "last words") {
		t.Fatalf("Close did not write out the buffer: %q", out.String())
	}

	ticking := newLineBuffer(&out, 1<<10, 10*time.Millisecond)
	defer ticking.Close()
	_, _ = ticking.Write([]byte("tick\n"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "tick") {
		if time.Now().After(deadline) {
			t.Fatal("the periodic flush never wrote the line")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
