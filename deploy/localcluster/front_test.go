package localcluster

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestFrontSpreadsConnectionsAndSkipsADeadGateway: new connections go to the gateways in turn,
// a keep-alive connection stays with its gateway, and a gateway that refuses connections is
// passed over instead of failing the client.
func TestFrontSpreadsConnectionsAndSkipsADeadGateway(t *testing.T) {
	t.Parallel()
	var backends []string
	for _, name := range []string{"a", "b"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, name) }))
		t.Cleanup(srv.Close)
		backends = append(backends, srv.Listener.Addr().String())
	}
	// A port nobody listens on: what a killed gateway leaves.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	backends = append(backends, dead)

	f, err := startFront("127.0.0.1:0", backends)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.close)
	url := "http://" + f.ln.Addr().String() + "/"

	get := func(client *http.Client) string {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(body)
	}
	served := map[string]int{}
	for range 6 {
		// A client of its own each time: a new connection.
		client := &http.Client{Transport: &http.Transport{}}
		served[get(client)]++
		client.CloseIdleConnections()
	}
	// Connections 1..6 start at backends 1,2,0,1,2,0: the dead one's turns pass to the next.
	if served["a"] != 4 || served["b"] != 2 || len(served) != 2 {
		t.Errorf("six connections were answered by %v; want a four times (taking the dead gateway's turns too) and b twice", served)
	}

	keepAlive := &http.Client{Transport: &http.Transport{}}
	defer keepAlive.CloseIdleConnections()
	first := get(keepAlive)
	for range 5 {
		if got := get(keepAlive); got != first {
			t.Fatalf("a keep-alive connection moved from gateway %s to %s", first, got)
		}
	}
}
