package localcluster

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// front serves the Douyin API's public address in front of several gateways, as a TCP load
// balancer does in front of a deployment: each connection goes to the next gateway in turn and
// stays with it, so a keep-alive client talks to one gateway and many clients (wrk's
// connections, a test's workers) to all of them. A gateway that refuses the connection is
// skipped for it, so a killed gateway costs clients nothing but the connections it held.
// Bytes are copied, not parsed: the gateway sees the client's requests, Host header included.
type front struct {
	ln       net.Listener
	backends []string
	next     atomic.Uint64

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// frontDialTimeout bounds connecting to one gateway; loopback answers at once or refuses.
const frontDialTimeout = time.Second

// startFront listens on addr and serves until close.
func startFront(addr string, backends []string) (*front, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	f := &front{ln: ln, backends: backends, conns: map[net.Conn]struct{}{}}
	f.wg.Go(f.serve)
	return f, nil
}

func (f *front) serve() {
	for {
		client, err := f.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors, say: the client retries, as it would with a real balancer.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if !f.track(client) {
			client.Close()
			return
		}
		f.wg.Go(func() { f.relay(client) })
	}
}

// relay connects client to the next gateway that accepts and copies both ways until both
// sides are done.
func (f *front) relay(client net.Conn) {
	defer f.untrack(client)
	defer client.Close()
	start := f.next.Add(1)
	var gateway net.Conn
	for i := range uint64(len(f.backends)) {
		conn, err := net.DialTimeout("tcp", f.backends[(start+i)%uint64(len(f.backends))], frontDialTimeout)
		if err == nil {
			gateway = conn
			break
		}
	}
	if gateway == nil || !f.track(gateway) {
		if gateway != nil {
			gateway.Close()
		}
		return // every gateway refused: the client sees its connection closed
	}
	defer f.untrack(gateway)
	defer gateway.Close()
	var upstream sync.WaitGroup
	upstream.Go(func() {
		_, _ = io.Copy(gateway, client)
		// The client is done sending: let the gateway know, and still deliver its answer.
		if tcp, ok := gateway.(*net.TCPConn); ok {
			_ = tcp.CloseWrite()
		}
	})
	_, _ = io.Copy(client, gateway)
	// The gateway closed: a client still sending would wait for nothing.
	client.Close()
	upstream.Wait()
}

// track records an open connection so that close can end it; false once closing.
func (f *front) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *front) untrack(c net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.conns, c)
}

// close stops accepting, ends every connection and waits for the relays to finish.
func (f *front) close() {
	f.ln.Close()
	f.mu.Lock()
	f.closed = true
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}
