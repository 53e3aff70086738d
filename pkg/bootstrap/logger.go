package bootstrap

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/middleware/tracing"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

// NewLogger returns the process logger, writing to standard output at c's level and above, one
// line per record in c's format (log.format: logfmt, or json), and a function that writes out
// what is still buffered; call it before the process exits.
//
// Lines are buffered and written at least every logFlushInterval, errors at once: a busy
// server logs a line per request, and one write system call each would cost more than the
// request itself. A process killed with SIGKILL loses at most that interval's lines.
func NewLogger(service string, c *confv1.Log) (log.Logger, func()) {
	out := newLineBuffer(os.Stdout, logBufferSize, logFlushInterval)
	return newLogger(out, service, c.GetLevel(), c.GetFormat()), out.Close
}

const (
	logBufferSize    = 64 << 10
	logFlushInterval = 100 * time.Millisecond
)

func newLogger(w io.Writer, service, level, format string) log.Logger {
	flush := func() {}
	if f, ok := w.(interface{ Flush() }); ok {
		flush = f.Flush
	}
	// The valuers go on the outermost logger: Kratos hands a helper's context (and so the
	// trace id) only to the logger the helper holds, and log.With on that one keeps them there.
	return log.With(&lineLogger{w: w, level: log.ParseLevel(level), json: format == "json", flush: flush},
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

// lineLogger writes each record as one line: in logfmt, time=... level=... key=value ...,
// values quoted when they hold spaces, quotes, '=' or characters that do not print (Kratos' own
// logger writes them as they print, which splits a line in two); in JSON, an object with the
// same keys in the same order. It formats by hand because the access log writes a line per
// request, and log/slog's text handler took several times as long (the README's measured
// section).
type lineLogger struct {
	w     io.Writer
	level log.Level
	json  bool
	flush func()
}

var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func (l *lineLogger) Log(level log.Level, keyvals ...any) error {
	if level < l.level {
		return nil
	}
	for i := 0; i+1 < len(keyvals); i += 2 {
		if keyvals[i] == log.DefaultMessageKey && kratosServerLine(keyvals[i+1]) {
			return nil // said once per process instead (announce)
		}
	}
	bp := lineBuffers.Get().(*[]byte)
	b := (*bp)[:0]
	if l.json {
		b = append(b, `{"time":"`...)
	} else {
		b = append(b, "time="...)
	}
	b = time.Now().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	if l.json {
		b = append(b, `","level":"`...)
		b = append(b, level.String()...)
		b = append(b, '"')
	} else {
		b = append(b, " level="...)
		b = append(b, level.String()...)
	}
	for i := 0; i < len(keyvals); i += 2 {
		if i+1 < len(keyvals) && keyvals[i] == traceIDKey && keyvals[i+1] == "" {
			continue // not traced: an empty trace_id on every line says nothing
		}
		key, ok := keyvals[i].(string)
		if !ok {
			key = fmt.Sprint(keyvals[i])
		}
		if l.json {
			b = append(b, ',')
			b = appendQuoted(b, key)
			b = append(b, ':')
		} else {
			b = append(b, ' ')
			b = appendKey(b, key)
			b = append(b, '=')
		}
		switch {
		case i+1 >= len(keyvals):
			b = append(b, `"(missing)"`...)
		case l.json:
			b = appendJSONValue(b, keyvals[i+1])
		default:
			b = appendValue(b, keyvals[i+1])
		}
	}
	if l.json {
		b = append(b, '}')
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

// appendValue appends v as a logfmt value.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return appendString(b, v)
	case nil:
		return append(b, "<nil>"...)
	}
	if n, ok := appendNumber(b, v); ok {
		return n
	}
	return appendString(b, stringOf(v))
}

// appendJSONValue appends v as a JSON value: numbers and booleans as such, the rest as strings.
func appendJSONValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return appendQuoted(b, strconv.FormatFloat(v, 'f', -1, 64)) // JSON has no NaN
		}
	}
	if n, ok := appendNumber(b, v); ok {
		return n
	}
	return appendQuoted(b, stringOf(v))
}

func appendNumber(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case int:
		return strconv.AppendInt(b, int64(v), 10), true
	case int32:
		return strconv.AppendInt(b, int64(v), 10), true
	case int64:
		return strconv.AppendInt(b, v, 10), true
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10), true
	case uint64:
		return strconv.AppendUint(b, v, 10), true
	case float64:
		return strconv.AppendFloat(b, v, 'f', -1, 64), true
	case bool:
		return strconv.AppendBool(b, v), true
	}
	return b, false
}

func stringOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case time.Duration:
		return v.String()
	case error:
		return v.Error()
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}

// appendString appends s as a logfmt key or value: bare when it reads back as itself, else
// quoted.
func appendString(b []byte, s string) []byte {
	if s == "" || needsQuoting(s) {
		return appendQuoted(b, s)
	}
	return append(b, s...)
}

// appendKey appends key as a logfmt key. logfmt has no quoted keys, so what cannot stand in a
// bare one (keys come from code, but one built from input must not break the line) becomes '_'.
func appendKey(b []byte, key string) []byte {
	if key == "" {
		return append(b, '_')
	}
	if !needsQuoting(key) {
		return append(b, key...)
	}
	for _, r := range key {
		if r <= ' ' || r == '=' || r == '"' || r == 0x7f || r == utf8.RuneError || !unicode.IsPrint(r) {
			r = '_'
		}
		b = utf8.AppendRune(b, r)
	}
	return b
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

// appendQuoted appends s as a JSON string, which is also what logfmt readers unquote: only the
// escapes JSON has (strconv.Quote's \x01, \a or \U0001f600 would not read back), characters that
// do not print escaped as \uXXXX so that a line stays one line on a terminal, and bytes that are
// not UTF-8 as U+FFFD.
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, `\n`...)
			case c == '\r':
				b = append(b, `\r`...)
			case c == '\t':
				b = append(b, `\t`...)
			case c < ' ' || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case !unicode.IsPrint(r):
			for _, u := range utf16.AppendRune(nil, r) {
				b = append(b, '\\', 'u', hex[u>>12], hex[u>>8&0xf], hex[u>>4&0xf], hex[u&0xf])
			}
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
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
