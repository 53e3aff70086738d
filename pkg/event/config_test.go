package event

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// The readiness probe of the Kafka brokers: any one answering is enough.
func TestReachable(t *testing.T) {
	broker, err := NewEmbeddedBroker(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	away := closed.Addr().String()
	closed.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := reachable(ctx, append([]string{away}, broker.Brokers()...)); err != nil {
		t.Fatalf("one broker of two answering: %v; want reachable", err)
	}
	if err := reachable(ctx, []string{away}); err == nil || !strings.Contains(err.Error(), away) {
		t.Fatalf("no broker answering: %v; want an error naming it", err)
	}
	if err := reachable(ctx, nil); err == nil || !strings.Contains(err.Error(), "kafka.brokers") {
		t.Fatalf("no brokers configured: %v; want an error naming the setting", err)
	}
}

// A port that accepts connections but speaks no Kafka (a mistyped address, another server)
// is not a broker: the probe asks for metadata, as the relays and consumers will.
func TestReachableNeedsKafka(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = conn.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			conn.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = reachable(ctx, []string{ln.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), "does not answer as a Kafka broker") {
		t.Fatalf("a port that is no Kafka: %v; want not reachable, saying so", err)
	}
}
