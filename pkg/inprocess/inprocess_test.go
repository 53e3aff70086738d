package inprocess

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/nettest"
)

func listen(t *testing.T, address string) net.Listener {
	t.Helper()
	l, err := Listen(address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// echo answers every connection l accepts with what it reads, until l is closed.
func echo(l net.Listener) {
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_, _ = io.Copy(conn, conn)
			}()
		}
	}()
}

func TestDialReachesTheListener(t *testing.T) {
	t.Parallel()
	l := listen(t, Address("echo"))
	echo(l)
	conn, err := Dial(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// More than a pipe's buffer in one write: the writer waits for the reader instead of failing.
	want := strings.Repeat("0123456789abcdef", chunkSize/4)
	go func() { _, _ = io.WriteString(conn, want) }()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("the echo differs from what was written")
	}
}

// The libraries using these addresses split them as host:port and parse the port (kfake
// advertises its broker that way), so an address must survive that round trip unchanged.
func TestAddressesAreHostPort(t *testing.T) {
	t.Parallel()
	l := listen(t, Address("kafka"))
	a := l.Addr().String()
	host, portText, err := net.SplitHostPort(a)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port <= 0 || port > maxPort {
		t.Fatalf("address %s: port %q is not a TCP port", a, portText)
	}
	if host != "kafka.inprocess.invalid" || net.JoinHostPort(host, strconv.Itoa(port)) != a {
		t.Fatalf("address %s: want kafka.inprocess.invalid:<port>, rejoined unchanged", a)
	}
	if !Is(a) || l.Addr().Network() != "inprocess" {
		t.Fatalf("Is(%s) = false or network %q", a, l.Addr().Network())
	}
}

func TestIs(t *testing.T) {
	t.Parallel()
	for address, want := range map[string]bool{
		"user.inprocess.invalid:3": true,
		"user.inprocess.invalid:0": true,
		"inprocess.invalid:3":      false,
		".inprocess.invalid:3":     false,
		"user.inprocess.invalid":   false,
		"127.0.0.1:9092":           false,
		"inprocess:user":           false,
		"discovery:///user.grpc":   false,
	} {
		if got := Is(address); got != want {
			t.Errorf("Is(%q) = %v, want %v", address, got, want)
		}
	}
}

// Two all-in-ones in one test process name their parts alike; each must get its own address.
func TestSameNameGetsItsOwnAddress(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		a := listen(t, Address("user")).Addr().String()
		if seen[a] {
			t.Fatalf("address %s given out twice", a)
		}
		seen[a] = true
	}
}

func TestListenOnATakenAddressFails(t *testing.T) {
	t.Parallel()
	a := listen(t, Address("taken")).Addr().String()
	if l, err := Listen(a); !errors.Is(err, syscall.EADDRINUSE) {
		if err == nil {
			l.Close()
		}
		t.Fatalf("second Listen on %s: %v, want address in use", a, err)
	}
}

func TestListenRefusesOtherAddresses(t *testing.T) {
	t.Parallel()
	for _, address := range []string{"127.0.0.1:0", "inprocess:user", "user.inprocess.invalid", "user.inprocess.invalid:70000", "user.inprocess.invalid:x"} {
		if l, err := Listen(address); err == nil {
			l.Close()
			t.Errorf("Listen(%q) succeeded", address)
		}
	}
}

func TestDialUnknownAddressIsRefused(t *testing.T) {
	t.Parallel()
	_, err := Dial(context.Background(), "tcp", "nobody.inprocess.invalid:65000")
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial of an address nobody listens on: %v, want connection refused", err)
	}
	// Never handed to the network, however it looks.
	if _, err := Dial(context.Background(), "tcp", "127.0.0.1:1"); err == nil || errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial of a TCP address: %v, want not an in-process address", err)
	}
}

// Closing a listener frees its address, refuses new connections and ends Accept the way a
// closed TCP listener does; connections already made keep working.
func TestCloseFreesTheAddress(t *testing.T) {
	t.Parallel()
	l, err := Listen(Address("closing"))
	if err != nil {
		t.Fatal(err)
	}
	a := l.Addr().String()
	echo(l)
	conn, err := Dial(context.Background(), "tcp", a)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
	}
	if _, err := Dial(context.Background(), "tcp", a); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial after Close: %v, want connection refused", err)
	}
	if _, err := io.WriteString(conn, "still here"); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len("still here"))
	if _, err := io.ReadFull(conn, got); err != nil || string(got) != "still here" {
		t.Errorf("an open connection after Close read %q, %v", got, err)
	}
	again := listen(t, a)
	if again.Addr().String() != a {
		t.Errorf("listen again on %s got %s", a, again.Addr())
	}
}

// A dial waits for Accept; a caller whose context ends gives up.
func TestDialHonoursItsContext(t *testing.T) {
	t.Parallel()
	l := listen(t, Address("busy")) // nobody accepts
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := Dial(ctx, "tcp", l.Addr().String()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("dial with nobody accepting: %v, want the context's deadline", err)
	}
}

// The connections behave as net.Conn promises, deadlines and concurrent use included: the
// libraries on both ends were written against sockets.
func TestConnIsANetConn(t *testing.T) {
	t.Parallel()
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		l, err := Listen(Address("conntest"))
		if err != nil {
			return nil, nil, nil, err
		}
		accepted := make(chan net.Conn, 1)
		go func() {
			c, _ := l.Accept()
			accepted <- c
		}()
		c1, err = Dial(context.Background(), "tcp", l.Addr().String())
		if err != nil {
			l.Close()
			return nil, nil, nil, err
		}
		c2 = <-accepted
		return c1, c2, func() { c1.Close(); c2.Close(); l.Close() }, nil
	})
}

// A connection holds a buffer only while bytes are in flight: idle and closed connections,
// however many, cost none.
func TestIdleConnectionsHoldNoBuffer(t *testing.T) {
	t.Parallel()
	client, accepted := newConn(addr("idle" + domain + ":1"))
	go func() { _, _ = client.Write(make([]byte, 3*chunkSize+5)) }()
	if _, err := io.ReadFull(accepted, make([]byte, 3*chunkSize+5)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*pipe{client.in, client.out} {
		p.mu.Lock()
		held := p.chunk != nil
		p.mu.Unlock()
		if held {
			t.Error("a drained direction still holds its buffer")
		}
	}
	if _, err := client.Write([]byte("unread")); err != nil {
		t.Fatal(err)
	}
	accepted.Close()
	client.out.mu.Lock()
	defer client.out.mu.Unlock()
	if client.out.chunk != nil {
		t.Error("a direction whose reader closed still holds its buffer")
	}
}
