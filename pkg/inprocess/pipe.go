package inprocess

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// chunkSize is the bytes one direction of a connection holds before its writer waits for the
// reader. A direction holds a chunk only while bytes are in flight and gives it back once the
// reader has taken them all, so idle connections (a Kafka reader between polls, a pooled HTTP
// connection) and closed ones cost no buffer, and a connection used for a single request, such
// as each object read through the gateway, leaves no garbage behind it.
const chunkSize = 64 << 10

var chunks = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// pipe is one direction of a connection: what one end writes, the other reads, in order.
type pipe struct {
	// One Read and one Write at a time, each whole, as on a socket: a write that waits for room
	// must not have another goroutine's bytes land in the middle of it.
	reading, writing sync.Mutex

	mu       sync.Mutex
	readable sync.Cond // bytes arrived, or the pipe was closed, or the read deadline passed
	writable sync.Cond // room was made, or the pipe was closed, or the write deadline passed

	chunk *[]byte // holds the unread bytes (*chunk)[r:w]; nil while there are none
	r, w  int

	// readerClosed: the reading end closed; everything fails, unread bytes are dropped.
	// writerClosed: the writing end closed; the reader gets what is left, then io.EOF.
	readerClosed, writerClosed bool

	readDeadline, writeDeadline deadline
}

func newPipe() *pipe {
	p := &pipe{}
	p.readable.L = &p.mu
	p.writable.L = &p.mu
	return p
}

func (p *pipe) Read(b []byte) (int, error) {
	p.reading.Lock()
	defer p.reading.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		switch {
		case p.readerClosed:
			return 0, io.ErrClosedPipe
		case p.chunk != nil:
			n := copy(b, (*p.chunk)[p.r:p.w])
			p.r += n
			if p.r == p.w {
				p.release()
			}
			p.writable.Signal()
			return n, nil
		case p.writerClosed:
			return 0, io.EOF
		case p.readDeadline.passed:
			return 0, os.ErrDeadlineExceeded
		}
		p.readable.Wait()
	}
}

func (p *pipe) Write(b []byte) (n int, err error) {
	p.writing.Lock()
	defer p.writing.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(b) > 0 {
		switch {
		case p.readerClosed || p.writerClosed:
			return n, io.ErrClosedPipe
		case p.writeDeadline.passed:
			return n, os.ErrDeadlineExceeded
		case p.chunk == nil:
			p.chunk, p.r, p.w = chunks.Get().(*[]byte), 0, 0
		case p.w == chunkSize && p.r > 0:
			// Move the unread bytes to the front rather than wait for the reader to take them all.
			p.w = copy(*p.chunk, (*p.chunk)[p.r:p.w])
			p.r = 0
		case p.w == chunkSize:
			p.writable.Wait()
		default:
			k := copy((*p.chunk)[p.w:], b)
			p.w += k
			b = b[k:]
			n += k
			p.readable.Signal()
		}
	}
	return n, nil
}

// release gives the chunk back; p.mu must be held.
func (p *pipe) release() {
	if p.chunk != nil {
		chunks.Put(p.chunk)
		p.chunk = nil
	}
}

func (p *pipe) closeReader() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.readerClosed = true
	p.release()
	p.readable.Broadcast()
	p.writable.Broadcast()
}

func (p *pipe) closeWriter() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writerClosed = true
	p.readable.Broadcast()
	p.writable.Broadcast()
}

// setDeadline sets d, one of p's deadlines, to t, waking wait's waiters when it passes.
func (p *pipe) setDeadline(d *deadline, wait *sync.Cond, t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	// A timer that fired before Stop must not mark the deadline set now as passed.
	d.generation++
	d.passed = false
	if t.IsZero() {
		return
	}
	until := time.Until(t)
	if until <= 0 {
		d.passed = true
		wait.Broadcast()
		return
	}
	generation := d.generation
	d.timer = time.AfterFunc(until, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if d.generation == generation {
			d.passed = true
			wait.Broadcast()
		}
	})
}

// deadline is a read or write deadline of a pipe, guarded by the pipe's mutex.
type deadline struct {
	timer      *time.Timer
	generation uint64
	passed     bool
}

// conn is one end of a connection: it reads from one pipe and writes to the other.
type conn struct {
	in, out       *pipe
	local, remote net.Addr
}

// clientAddr is the address of the dialing end of every connection.
const clientAddr = addr("client" + domain + ":0")

// newConn returns the two ends of a connection to the listener at server.
func newConn(server addr) (client, accepted *conn) {
	up, down := newPipe(), newPipe()
	return &conn{in: down, out: up, local: clientAddr, remote: server},
		&conn{in: up, out: down, local: server, remote: clientAddr}
}

func (c *conn) Read(b []byte) (int, error)  { return c.in.Read(b) }
func (c *conn) Write(b []byte) (int, error) { return c.out.Write(b) }

// Close ends both directions: the other end reads what was written before, then io.EOF, and
// its writes fail.
func (c *conn) Close() error {
	c.in.closeReader()
	c.out.closeWriter()
	return nil
}

func (c *conn) LocalAddr() net.Addr  { return c.local }
func (c *conn) RemoteAddr() net.Addr { return c.remote }

func (c *conn) SetDeadline(t time.Time) error {
	c.in.setDeadline(&c.in.readDeadline, &c.in.readable, t)
	c.out.setDeadline(&c.out.writeDeadline, &c.out.writable, t)
	return nil
}

func (c *conn) SetReadDeadline(t time.Time) error {
	c.in.setDeadline(&c.in.readDeadline, &c.in.readable, t)
	return nil
}

func (c *conn) SetWriteDeadline(t time.Time) error {
	c.out.setDeadline(&c.out.writeDeadline, &c.out.writable, t)
	return nil
}
