package connlimit

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// serve runs an HTTP server behind a Limiter of cap connections. Requests to /block wait until
// release is closed.
func serve(t *testing.T, cap int) (addr string, l *Limiter, release chan struct{}, shed *[]string) {
	t.Helper()
	var mu sync.Mutex
	var reasons []string
	l = New(cap, func(r string) { mu.Lock(); reasons = append(reasons, r); mu.Unlock() })
	release = make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			<-release
		}
		_, _ = io.WriteString(w, "ok")
	})}
	l.Apply(srv, Timeouts{ReadHeader: 5 * time.Second, Idle: time.Minute})
	go func() { _ = srv.Serve(l.Listener(ln)) }()
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), l, release, &reasons
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// get sends one keep-alive request on c and returns the answer's body.
func get(c net.Conn, path string) (string, error) {
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return "", err
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// closed reports whether the server has closed c (a closed one answers the read at once).
func closed(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !strings.Contains(err.Error(), "timeout")
}

// waitIdle waits until want connections wait for a request (none in one).
func waitIdle(t *testing.T, l *Limiter, want int) {
	t.Helper()
	idle := func() int { l.mu.Lock(); defer l.mu.Unlock(); return l.waiting.Len() }
	deadline := time.Now().Add(5 * time.Second)
	for idle() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections wait for a request; want %d", idle(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitOpen(t *testing.T, l *Limiter, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for l.Open() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections held; want %d", l.Open(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSilentConnectionsMakeRoomForARequest(t *testing.T) {
	addr, l, _, shed := serve(t, 3)
	silent := []net.Conn{dial(t, addr), dial(t, addr), dial(t, addr)}
	waitOpen(t, l, 3)

	c := dial(t, addr)
	if body, err := get(c, "/"); err != nil || body != "ok" {
		t.Fatalf("a request at the cap: %q, %v; want it answered", body, err)
	}
	if !closed(silent[0]) {
		t.Fatal("the oldest silent connection is still open")
	}
	for _, s := range silent[1:] {
		if closed(s) {
			t.Fatal("a younger silent connection was closed too")
		}
	}
	if evicted, refused := l.Shed(); evicted != 1 || refused != 0 || len(*shed) != 1 || (*shed)[0] != ReasonEvicted {
		t.Fatalf("shed %d evicted, %d refused, reasons %v; want one eviction", evicted, refused, *shed)
	}
	if l.Open() > 3 {
		t.Fatalf("%d connections held over a cap of 3", l.Open())
	}
}

func TestBusyConnectionsAreNeverCutOff(t *testing.T) {
	addr, l, release, _ := serve(t, 2)
	busy := []net.Conn{dial(t, addr), dial(t, addr)}
	results := make(chan string, 2)
	for _, c := range busy {
		go func() { body, _ := get(c, "/block"); results <- body }()
	}
	waitOpen(t, l, 2)
	waitIdle(t, l, 0) // both requests are read and waiting in the handler

	late := dial(t, addr)
	if !closed(late) {
		t.Fatal("a connection past the cap of busy ones was kept")
	}
	close(release)
	for range busy {
		if body := <-results; body != "ok" {
			t.Fatalf("a busy request got %q; want it answered", body)
		}
	}
	if _, refused := l.Shed(); refused != 1 {
		t.Fatalf("%d refused; want 1", refused)
	}
}

func TestKeptAliveConnectionsWaitLikeSilentOnes(t *testing.T) {
	addr, l, _, _ := serve(t, 2)
	kept := dial(t, addr)
	if body, err := get(kept, "/"); err != nil || body != "ok" {
		t.Fatal(body, err)
	}
	// The server marks kept idle after writing the answer, which the client may read first.
	waitIdle(t, l, 1)
	other := dial(t, addr) // silent, newer than kept's last request
	waitOpen(t, l, 2)
	waitIdle(t, l, 2)
	c := dial(t, addr)
	if body, err := get(c, "/"); err != nil || body != "ok" {
		t.Fatalf("request at the cap: %q, %v", body, err)
	}
	if !closed(kept) || closed(other) {
		t.Fatal("want the connection idle longest (the kept-alive one) closed, the newer silent one kept")
	}
}

func TestDefaultMax(t *testing.T) {
	for files, want := range map[uint64]int{0: 10_000, 20_000: 17_500, 1024: 512, 300: 64, 1 << 30: 1 << 20} {
		if got := DefaultMax(files); got != want {
			t.Errorf("DefaultMax(%d) = %d; want %d", files, got, want)
		}
	}
	if n, err := RaiseOpenFiles(); err != nil || n == 0 {
		t.Fatalf("RaiseOpenFiles = %d, %v", n, err)
	}
}

func TestRefusingKeepsWhatItHasAndForgetsClosedOnes(t *testing.T) {
	l := NewRefusing(2, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	limited := l.Listener(ln)
	t.Cleanup(func() { limited.Close() })
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := limited.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	a, b := dial(t, ln.Addr().String()), dial(t, ln.Addr().String())
	first, second := <-accepted, <-accepted
	late := dial(t, ln.Addr().String())
	if !closed(late) || closed(a) || closed(b) {
		t.Fatal("want the third connection refused and the first two kept")
	}
	// A connection closed by the server (gRPC reports no states) frees its place.
	first.Close()
	waitOpen(t, l, 1)
	dial(t, ln.Addr().String())
	if third := <-accepted; third == nil || l.Open() != 2 {
		t.Fatalf("after a close: %d held; want the newcomer admitted", l.Open())
	}
	_ = second
}
