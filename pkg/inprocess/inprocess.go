// Package inprocess connects the parts of one process through in-memory pipes that the libraries
// on either end take for network connections: gRPC, kafka-go, franz-go's kfake, net/http and
// minio-go all listen and dial through it unchanged. Unlike a loopback port, a pipe cannot be
// reached from outside the process: not by another user of the machine, and not by a web page
// through the browser. A call through it also skips the kernel's socket code on both ends.
//
// An address is "<name>.inprocess.invalid:<port>". It has the host:port form because the
// libraries split it (kfake advertises its broker as the host and port of its listener's
// address, and Kafka clients dial what was advertised). The ".invalid" top-level domain is
// reserved never to resolve (RFC 6761), so an address that reached a real dialer by mistake
// fails there instead of leaving the machine.
package inprocess

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// domain ends the host of every in-process address.
const domain = ".inprocess.invalid"

// network is what in-process addresses report as their network.
const network = "inprocess"

// maxPort bounds ports as TCP does, so every address is one a library parsing ports accepts.
const maxPort = 1<<16 - 1

var (
	mu        sync.Mutex
	listeners = map[string]*listener{} // address -> the listener on it
	lastPort  int                      // the port Listen picked last
)

// Address returns the address to Listen on for name (such as "kafka"): its port is 0, so Listen
// picks a port no listener in the process has, as the kernel does for TCP port 0. Two parts of
// one process given the same name therefore never share an address.
func Address(name string) string {
	return net.JoinHostPort(name+domain, "0")
}

// Is reports whether address is an in-process address.
func Is(address string) bool {
	host, _, err := net.SplitHostPort(address)
	return err == nil && len(host) > len(domain) && strings.HasSuffix(host, domain)
}

// Listen listens on the in-process address; port 0 picks a free port (see Address). The
// listener's Addr is the address to dial. Closing it frees the address; connections already
// made keep working, as with TCP.
func Listen(address string) (net.Listener, error) {
	host, portText, err := net.SplitHostPort(address)
	if err != nil || !Is(address) {
		return nil, fmt.Errorf("inprocess: listen on %q: not an in-process address (<name>%s:<port>)", address, domain)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("inprocess: listen on %q: bad port: %w", address, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if port == 0 {
		if port, err = freePort(host); err != nil {
			return nil, err
		}
	}
	at := addr(net.JoinHostPort(host, strconv.FormatUint(port, 10)))
	if _, taken := listeners[string(at)]; taken {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: at, Err: syscall.EADDRINUSE}
	}
	l := &listener{addr: at, dials: make(chan net.Conn), closed: make(chan struct{})}
	listeners[string(at)] = l
	return l, nil
}

// freePort returns a port no listener on host has, going round the ports from the last one
// picked, so a port closed a moment ago is the last to be given out again. mu must be held.
func freePort(host string) (uint64, error) {
	for range maxPort {
		lastPort = lastPort%maxPort + 1
		if _, taken := listeners[net.JoinHostPort(host, strconv.Itoa(lastPort))]; !taken {
			return uint64(lastPort), nil
		}
	}
	return 0, fmt.Errorf("inprocess: listen on %s: every port is taken", host)
}

// Dial connects to the listener on address. Its signature is net.Dialer's DialContext, so
// http.Transport, kafka-go's Dialer and Transport take it as it is; network is ignored. An
// address nothing in the process listens on is refused at once, as a closed TCP port is, and
// never dialed over the network.
func Dial(ctx context.Context, _, address string) (net.Conn, error) {
	mu.Lock()
	l := listeners[address]
	mu.Unlock()
	if l == nil {
		if !Is(address) {
			return nil, fmt.Errorf("inprocess: dial %q: not an in-process address (<name>%s:<port>)", address, domain)
		}
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr(address), Err: syscall.ECONNREFUSED}
	}
	client, accepted := newConn(l.addr)
	select {
	case l.dials <- accepted:
		return client, nil
	case <-l.closed:
		return nil, &net.OpError{Op: "dial", Net: network, Addr: l.addr, Err: syscall.ECONNREFUSED}
	case <-ctx.Done():
		return nil, &net.OpError{Op: "dial", Net: network, Addr: l.addr, Err: ctx.Err()}
	}
}

// listener is one in-process address being listened on.
type listener struct {
	addr      addr
	dials     chan net.Conn // the accepting ends of connections being dialed
	closed    chan struct{}
	closeOnce sync.Once
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case conn := <-l.dials:
		return conn, nil
	case <-l.closed:
		// Servers such as net/http and gRPC tell a closed listener from a broken one by
		// net.ErrClosed.
		return nil, &net.OpError{Op: "accept", Net: network, Addr: l.addr, Err: net.ErrClosed}
	}
}

func (l *listener) Close() error {
	mu.Lock()
	if listeners[string(l.addr)] == l {
		delete(listeners, string(l.addr))
	}
	mu.Unlock()
	l.closeOnce.Do(func() { close(l.closed) })
	return nil
}

func (l *listener) Addr() net.Addr { return l.addr }

// addr is an in-process address as a net.Addr.
type addr string

func (addr) Network() string  { return network }
func (a addr) String() string { return string(a) }
