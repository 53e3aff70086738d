package inprocess

import (
	"context"
	"io"
	"net"
	"testing"
)

// The in-process connections replace loopback TCP on the all-in-one's paths to its broker, its
// object store and its apps; they must not be slower. Compare with
//
//	go test -run NONE -bench . ./pkg/inprocess
func connPair(b *testing.B, inProcess bool) (client, server net.Conn) {
	b.Helper()
	var l net.Listener
	var err error
	if inProcess {
		l, err = Listen(Address("bench"))
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	if inProcess {
		client, err = Dial(context.Background(), "tcp", l.Addr().String())
	} else {
		client, err = net.Dial("tcp", l.Addr().String())
	}
	if err != nil {
		b.Fatal(err)
	}
	server = <-accepted
	b.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func transports(b *testing.B, run func(b *testing.B, client, server net.Conn)) {
	for _, tc := range []struct {
		name      string
		inProcess bool
	}{{"inprocess", true}, {"tcp", false}} {
		b.Run(tc.name, func(b *testing.B) {
			client, server := connPair(b, tc.inProcess)
			run(b, client, server)
		})
	}
}

// BenchmarkRequestResponse is one small request answered by a 1 KiB response, as a gRPC call or
// a Kafka produce is.
func BenchmarkRequestResponse(b *testing.B) {
	transports(b, func(b *testing.B, client, server net.Conn) {
		go func() {
			req, resp := make([]byte, 100), make([]byte, 1024)
			for {
				if _, err := io.ReadFull(server, req); err != nil {
					return
				}
				if _, err := server.Write(resp); err != nil {
					return
				}
			}
		}()
		req, resp := make([]byte, 100), make([]byte, 1024)
		for b.Loop() {
			if _, err := client.Write(req); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(client, resp); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStream is a large body sent in 32 KiB writes, as an object is.
func BenchmarkStream(b *testing.B) {
	transports(b, func(b *testing.B, client, server net.Conn) {
		go func() { _, _ = io.Copy(io.Discard, server) }()
		buf := make([]byte, 32<<10)
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			if _, err := client.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}
