// Package connlimit keeps an HTTP server's connections under a cap, so that clients that open
// connections and send nothing (or hold them idle) cannot use up the process's file
// descriptors and lock everyone else out.
//
// At the cap a new connection is still accepted: to make room, the connection that has waited
// longest without a request in progress (one that never sent a byte, or a kept-alive one
// between requests) is closed. A client that is in the middle of a request is never cut off
// for someone else; only when every held connection is, the newcomer is turned away. An
// attacker's silent connections therefore only push out each other, while an ordinary client's
// fresh connection, which sends its request at once, gets in.
package connlimit

import (
	"container/list"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Limiter tracks the connections of one server. Give the server Listener(...) as its listener
// and, for an HTTP server, ConnState as its http.Server.ConnState (Apply does).
type Limiter struct {
	max int
	// refuseAtCap turns newcomers away at the cap instead of evicting a waiting connection:
	// for servers that cannot say which connections are busy (gRPC multiplexes every call of
	// a caller on one long-lived connection).
	refuseAtCap bool

	mu sync.Mutex
	// conns holds every open connection: one waiting for a request with its element in
	// waiting (oldest first), one busy with a request with nil.
	conns   map[net.Conn]*list.Element
	waiting *list.List

	// shed counts connections closed to make room and refused counts those turned away, for
	// whoever reports them.
	shed, refused atomic.Int64
	// onShed is told each time a connection was closed or turned away; it must not block.
	onShed func(reason string)
}

// Reasons given to the shed callback.
const (
	// ReasonEvicted: a waiting connection was closed to make room.
	ReasonEvicted = "connection_evicted"
	// ReasonRefused: every connection was busy, the new one was closed at once.
	ReasonRefused = "connection_refused"
)

// New returns a Limiter holding at most limit connections (at least 1). onShed, if not nil, is
// told of every connection closed to keep the cap.
func New(limit int, onShed func(reason string)) *Limiter {
	if onShed == nil {
		onShed = func(string) {}
	}
	return &Limiter{max: max(limit, 1), conns: map[net.Conn]*list.Element{}, waiting: list.New(), onShed: onShed}
}

// NewRefusing returns a Limiter that, at the cap, turns every new connection away and keeps
// the ones it has.
func NewRefusing(limit int, onShed func(reason string)) *Limiter {
	l := New(limit, onShed)
	l.refuseAtCap = true
	return l
}

// Open reports how many connections are held now.
func (l *Limiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Shed reports how many connections were evicted and how many refused so far.
func (l *Limiter) Shed() (evicted, refused int64) { return l.shed.Load(), l.refused.Load() }

// Listener wraps inner so that every connection it accepts is counted against the cap.
func (l *Limiter) Listener(inner net.Listener) net.Listener {
	return &listener{Listener: inner, l: l}
}

type listener struct {
	net.Listener
	l *Limiter
}

func (ln *listener) Accept() (net.Conn, error) {
	for {
		raw, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := &conn{Conn: raw, l: ln.l}
		if ln.l.admit(c) {
			return c, nil
		}
		// Turned away: keep accepting rather than return an error, which net/http would
		// answer by sleeping.
	}
}

// admit makes room for c if needed and starts tracking it as waiting for its first request.
func (l *Limiter) admit(c net.Conn) bool {
	l.mu.Lock()
	var evict net.Conn
	if len(l.conns) >= l.max {
		front := l.waiting.Front()
		if front == nil || l.refuseAtCap {
			l.mu.Unlock()
			// Counted before the close, so that whoever sees the connection closed also
			// sees it counted.
			l.refused.Add(1)
			l.onShed(ReasonRefused)
			c.Close()
			return false
		}
		evict = front.Value.(net.Conn)
		l.forget(evict)
	}
	l.conns[c] = l.waiting.PushBack(c)
	l.mu.Unlock()
	if evict != nil {
		// Closing makes the server's read fail; its ConnState(StateClosed) then finds the
		// connection already forgotten. Counted first, as a refusal is.
		l.shed.Add(1)
		l.onShed(ReasonEvicted)
		evict.Close()
	}
	return true
}

// conn is an accepted connection that stops counting once closed, whoever closes it.
type conn struct {
	net.Conn
	l    *Limiter
	once sync.Once
}

func (c *conn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.forget(c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// ConnState is the http.Server.ConnState hook that tells the Limiter which connections are
// busy with a request and which wait for one.
func (l *Limiter) ConnState(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.conns[c]
	if !ok {
		return // evicted, or accepted by another listener
	}
	switch state {
	case http.StateActive:
		if e != nil {
			l.waiting.Remove(e)
			l.conns[c] = nil
		}
	case http.StateIdle:
		if e == nil {
			l.conns[c] = l.waiting.PushBack(c)
		}
	case http.StateClosed, http.StateHijacked:
		l.forget(c)
	}
}

// forget stops tracking c. l.mu is held.
func (l *Limiter) forget(c net.Conn) {
	if e, ok := l.conns[c]; ok {
		if e != nil {
			l.waiting.Remove(e)
		}
		delete(l.conns, c)
	}
}

// Timeouts bound how long a connection may hold on without progress: ReadHeader for a
// request's headers, Idle between requests; Read and Write bound a whole request and its
// answer (routes that stream, such as uploads and downloads, extend their own deadlines with
// http.ResponseController).
type Timeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

// Apply sets t and the Limiter's hook on srv.
func (l *Limiter) Apply(srv *http.Server, t Timeouts) {
	srv.ReadHeaderTimeout = t.ReadHeader
	srv.ReadTimeout = t.Read
	srv.WriteTimeout = t.Write
	srv.IdleTimeout = t.Idle
	srv.ConnState = l.ConnState
}

// DefaultMax is the connection cap under an open-files limit of openFiles: it leaves an eighth
// of the limit (at least 512 descriptors) for what else the process opens (database files and
// connections, the broker's log, uploads being received, connections between apps). 0 means
// no known limit, where the cap is a generous fixed one.
func DefaultMax(openFiles uint64) int {
	if openFiles == 0 {
		return 10_000
	}
	reserve := max(openFiles/8, 512)
	if openFiles <= reserve+64 {
		return 64
	}
	return int(min(openFiles-reserve, 1<<20))
}
