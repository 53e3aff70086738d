package bootstrap

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

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
	// The valuers go on the outermost logger: Kratos hands a helper's context (and so the
	// trace id) only to the logger the helper holds, and log.With on that one keeps them there.
	return log.With(&logfmtLogger{w: w, level: log.ParseLevel(level), flush: flush},
		"caller", caller(4),
		"service", service,
		traceIDKey, tracing.TraceID(),
	)
}

const traceIDKey = "trace_id"

// caller is Kratos' log.DefaultCaller ("dir/file.go:line" of the code that logged, depth frames
// up) without its cost on every line: a code location is looked up once and remembered, as
// there are only so many places that log.
func caller(depth int) log.Valuer {
	var locations sync.Map // program counter -> "dir/file.go:line"
	return func(context.Context) any {
		var pc [1]uintptr
		// runtime.Callers counts itself where runtime.Caller does not.
		if runtime.Callers(depth+1, pc[:]) == 0 {
			return "?"
		}
		if loc, ok := locations.Load(pc[0]); ok {
			return loc
		}
		frame, _ := runtime.CallersFrames(pc[:]).Next()
		file := frame.File
		if i := strings.LastIndexByte(file, '/'); i >= 0 {
			if j := strings.LastIndexByte(file[:i], '/'); j >= 0 {
				file = file[j+1:]
			}
		}
		loc, _ := locations.LoadOrStore(pc[0], file+":"+strconv.Itoa(frame.Line))
		return loc
	}
}

// logfmtLogger writes each record as one logfmt line: time=... level=... key=value ..., values
// quoted when they hold spaces, quotes, '=' or characters that do not print (Kratos' own
// logger writes them as they print, which splits a line in two). It formats by hand because
// the access log writes a line per request: log/slog's text handler took three times as long.
type logfmtLogger struct {
	w     io.Writer
	level log.Level
	flush func()
}

var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func (l *logfmtLogger) Log(level log.Level, keyvals ...any) error {
	if level < l.level {
		return nil
	}
	bp := lineBuffers.Get().(*[]byte)
	b := append((*bp)[:0], "time="...)
	b = time.Now().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, " level="...)
	b = append(b, level.String()...)
	for i := 0; i < len(keyvals); i += 2 {
		if i+1 < len(keyvals) && keyvals[i] == traceIDKey && keyvals[i+1] == "" {
			continue // not traced: an empty trace_id on every line says nothing
		}
		b = append(b, ' ')
		if key, ok := keyvals[i].(string); ok {
			b = appendKey(b, key)
		} else {
			b = appendKey(b, fmt.Sprint(keyvals[i]))
		}
		b = append(b, '=')
		if i+1 < len(keyvals) {
			b = appendValue(b, keyvals[i+1])
		} else {
			b = append(b, `"(missing)"`...)
		}
	}
	b = append(b, '\n')
	_, err := l.w.Write(b)
	*bp = b
	lineBuffers.Put(bp)
	if level >= log.LevelError {
		l.flush()
	}
	return err
}

func appendKey(b []byte, key string) []byte {
	if key == "" || needsQuoting(key) {
		return strconv.AppendQuote(b, key)
	}
	return append(b, key...)
}

func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return appendString(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int32:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint64:
		return strconv.AppendUint(b, v, 10)
	case float64:
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	case bool:
		return strconv.AppendBool(b, v)
	case time.Duration:
		return appendString(b, v.String())
	case error:
		return appendString(b, v.Error())
	case fmt.Stringer:
		return appendString(b, v.String())
	case nil:
		return append(b, "<nil>"...)
	default:
		return appendString(b, fmt.Sprint(v))
	}
}

func appendString(b []byte, s string) []byte {
	if s == "" {
		return append(b, `""`...)
	}
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// needsQuoting reports whether s would not read back as one logfmt value unquoted.
func needsQuoting(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '=' || c == '"' || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
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
