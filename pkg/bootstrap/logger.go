package bootstrap

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/middleware/tracing"
)

// NewLogger returns the process logger, writing logfmt lines (key=value, values quoted where
// they need it) to standard output at the given level and above, and a function that writes
// out what is still buffered; call it before the process exits.
//
// Lines are buffered and written at least every logFlushInterval, errors at once: a busy
// server logs a line per request, and one write system call each would cost more than the
// request itself. A process killed with SIGKILL loses at most that interval's lines.
func NewLogger(service, level string) (log.Logger, func()) {
	out := newLineBuffer(os.Stdout, logBufferSize, logFlushInterval)
	return newLogger(out, service, level), out.Close
}

const (
	logBufferSize    = 64 << 10
	logFlushInterval = 100 * time.Millisecond
)

func newLogger(w io.Writer, service, level string) log.Logger {
	flush := func() {}
	if f, ok := w.(interface{ Flush() }); ok {
		flush = f.Flush
	}
	handler := slog.NewTextHandler(w, &slog.HandlerOptions{Level: slogLevel(log.ParseLevel(level))})
	// The valuers go on the outermost logger: Kratos hands a helper's context (and so the
	// trace id) only to the logger the helper holds, and log.With on that one keeps them there.
	return log.With(&slogLogger{handler: handler, flush: flush},
		"caller", log.DefaultCaller,
		"service", service,
		"trace_id", tracing.TraceID(),
	)
}

// slogLogger is a Kratos logger writing through a log/slog handler: the standard library's
// encoder quotes what needs quoting (Kratos' own writes values as they print) and formats
// numbers without fmt.
type slogLogger struct {
	handler slog.Handler
	flush   func()
}

func (l *slogLogger) Log(level log.Level, keyvals ...any) error {
	sl := slogLevel(level)
	ctx := context.Background()
	if !l.handler.Enabled(ctx, sl) {
		return nil
	}
	r := slog.NewRecord(time.Now(), sl, "", 0)
	for i := 0; i < len(keyvals); i += 2 {
		key, ok := keyvals[i].(string)
		if !ok {
			key = fmt.Sprint(keyvals[i])
		}
		var value any = "(missing)"
		if i+1 < len(keyvals) {
			value = keyvals[i+1]
		}
		if key == log.DefaultMessageKey && r.Message == "" {
			if s, ok := value.(string); ok {
				r.Message = s
				continue
			}
		}
		r.AddAttrs(slog.Any(key, value))
	}
	err := l.handler.Handle(ctx, r)
	if sl >= slog.LevelError {
		l.flush()
	}
	return err
}

func slogLevel(level log.Level) slog.Level {
	switch level {
	case log.LevelDebug:
		return slog.LevelDebug
	case log.LevelWarn:
		return slog.LevelWarn
	case log.LevelError:
		return slog.LevelError
	case log.LevelFatal:
		return slog.LevelError + 4
	default:
		return slog.LevelInfo
	}
}

// lineBuffer collects whole lines (the handler writes each line with one Write) and writes
// them out when the buffer is full, every interval, on Flush and on Close.
type lineBuffer struct {
	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func newLineBuffer(w io.Writer, size int, interval time.Duration) *lineBuffer {
	b := &lineBuffer{w: w, buf: make([]byte, 0, size), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				b.Flush()
			case <-b.stop:
				return
			}
		}
	}()
	return b
}

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf)+len(p) > cap(b.buf) {
		b.flushLocked()
		if len(p) > cap(b.buf) {
			return b.w.Write(p)
		}
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes out what is buffered. A write error is dropped: there is nowhere left to
// report it, and the next lines may still get through.
func (b *lineBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
}

func (b *lineBuffer) flushLocked() {
	if len(b.buf) > 0 {
		_, _ = b.w.Write(b.buf)
		b.buf = b.buf[:0]
	}
}

// Close stops the periodic flush and writes out the rest; lines logged after it are written
// at once.
func (b *lineBuffer) Close() {
	b.once.Do(func() {
		close(b.stop)
		<-b.done
		b.mu.Lock()
		defer b.mu.Unlock()
		b.flushLocked()
		b.buf = b.buf[:0:0]
	})
}
