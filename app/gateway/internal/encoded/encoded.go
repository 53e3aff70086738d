// Package encoded carries the JSON of a kept answer, encoded once, from where answers are kept
// (the service, which knows an answer is shared and unchanging) to where answers are written
// (the server, which owns the encoding). A page of the feed kept for thousands of requests is
// then encoded once rather than once per request.
package encoded

import (
	"bytes"
	"compress/gzip"
	"context"
	"sync"
	"sync/atomic"
)

// Body is the place of one kept answer's encoding: empty until the first request that writes
// the answer fills it. Its gzip form is made the first time a client that accepts it asks.
type Body struct {
	json    atomic.Pointer[[]byte]
	gzipped atomic.Pointer[[]byte]
}

// JSON is the encoding, or nil before the first write.
func (b *Body) JSON() []byte {
	if p := b.json.Load(); p != nil {
		return *p
	}
	return nil
}

// Keep stores the encoding; json must not change afterwards.
func (b *Body) Keep(json []byte) { b.json.Store(&json) }

// Gzipped is the kept encoding compressed with gzip, made on the first call (after Keep).
// Requests that race on the first call each compress it, and one result is kept: the same
// bytes either way.
func (b *Body) Gzipped() []byte {
	if p := b.gzipped.Load(); p != nil {
		return *p
	}
	json := b.JSON()
	var buf bytes.Buffer
	buf.Grow(len(json)/8 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(json) // a bytes.Buffer does not fail
	_ = zw.Close()
	gzipWriters.Put(zw)
	zipped := buf.Bytes()
	b.gzipped.CompareAndSwap(nil, &zipped)
	return *b.gzipped.Load()
}

// gzipWriters recycles compressors: each holds hundreds of kilobytes of state, which a flood of
// answers kept once each (a new Host header per request) allocated once per request.
var gzipWriters = sync.Pool{New: func() any {
	// The fastest level: an answer is kept until the next change, which may come in
	// milliseconds, and most of what repeats in a page (keys, authors, URLs) compresses at
	// any level.
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // the level is valid
	return zw
}}

// Slot is where a request's handler learns that its answer is a kept one.
type Slot struct{ body *Body }

// Body is the body offered for the request's answer, or nil when the answer is its own.
func (s *Slot) Body() *Body { return s.body }

type slotKey struct{}

// WithSlot returns a context whose answer may be offered a body (Offer), and the slot to read
// it from once the answer is made.
func WithSlot(ctx context.Context) (context.Context, *Slot) {
	s := &Slot{}
	return context.WithValue(ctx, slotKey{}, s), s
}

// Offer says that the answer to ctx's request is a kept one, whose encoding belongs in b. Without
// a slot in ctx (a caller that encodes nothing) it does nothing.
func Offer(ctx context.Context, b *Body) {
	if s, ok := ctx.Value(slotKey{}).(*Slot); ok {
		s.body = b
	}
}
