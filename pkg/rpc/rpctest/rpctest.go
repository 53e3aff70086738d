// Package rpctest serves fakes of the apps' gRPC services in tests, as the app under test would
// find them: on a loopback port.
package rpctest

import (
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"
)

// Serve runs a gRPC server with the services register registers on a loopback port until the
// test ends, or until stop, and returns its address.
func Serve(t testing.TB, register func(*grpc.Server)) (addr string, stop func()) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	register(srv)
	go func() { _ = srv.Serve(lis) }()
	var once sync.Once
	stop = func() { once.Do(srv.Stop) }
	t.Cleanup(stop)
	return lis.Addr().String(), stop
}
