package bootstrap

import (
	"context"
	"io"
	"math"
	"net"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	ggrpc "google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/rpc"
)

// payloads answers each call with a payload of the size asked for.
type payloads struct {
	testgrpc.UnimplementedTestServiceServer
}

func (payloads) UnaryCall(_ context.Context, req *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	return &testgrpc.SimpleResponse{Payload: &testgrpc.Payload{Body: make([]byte, req.GetResponseSize())}}, nil
}

// call sends a request carrying sent bytes and asking for received bytes back, and returns the
// gRPC code of the outcome.
func call(client testgrpc.TestServiceClient, sent, received int) codes.Code {
	_, err := client.UnaryCall(context.Background(), &testgrpc.SimpleRequest{
		ResponseSize: int32(received), Payload: &testgrpc.Payload{Body: make([]byte, sent)},
	})
	return status.Code(err)
}

// Both ends of every call between apps take services.max_message_bytes, above gRPC's 4 MiB
// default as below it: each side is checked against a peer that accepts anything.
func TestMessagesBetweenAppsAreBoundedByMaxMessageBytes(t *testing.T) {
	const limit = 6 << 20
	const fits, tooLarge = 5 << 20, 7 << 20 // fits is above gRPC's default of 4 MiB
	bc := &confv1.Bootstrap{GrpcAddr: "127.0.0.1:0", Services: &confv1.Services{MaxMessageBytes: limit}}
	checks := func(t *testing.T, client testgrpc.TestServiceClient) {
		t.Helper()
		for _, tt := range []struct {
			name           string
			sent, received int
			want           codes.Code
		}{
			{"a request that fits", fits, 0, codes.OK},
			{"an answer that fits", 0, fits, codes.OK},
			{"a request too large", tooLarge, 0, codes.ResourceExhausted},
			{"an answer too large", 0, tooLarge, codes.ResourceExhausted},
		} {
			if got := call(client, tt.sent, tt.received); got != tt.want {
				t.Errorf("%s (%d bytes sent, %d asked for): %s; want %s", tt.name, tt.sent, tt.received, got, tt.want)
			}
		}
	}

	t.Run("servers", func(t *testing.T) {
		srv, closeListener, err := NewGRPCServer(GRPCSettingsOf(bc, log.NewStdLogger(io.Discard)), log.NewStdLogger(io.Discard))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(closeListener)
		testgrpc.RegisterTestServiceServer(srv, payloads{})
		addr, err := (&Component{GRPC: srv}).GRPCAddr()
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = srv.Start(context.Background()) }()
		t.Cleanup(func() { _ = srv.Stop(context.Background()) })
		conn, err := ggrpc.NewClient(addr, ggrpc.WithTransportCredentials(insecure.NewCredentials()),
			ggrpc.WithDefaultCallOptions(ggrpc.MaxCallRecvMsgSize(math.MaxInt32), ggrpc.MaxCallSendMsgSize(math.MaxInt32)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		checks(t, testgrpc.NewTestServiceClient(conn))
	})

	t.Run("connections of the dialer", func(t *testing.T) {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := ggrpc.NewServer(ggrpc.MaxRecvMsgSize(math.MaxInt32), ggrpc.MaxSendMsgSize(math.MaxInt32))
		testgrpc.RegisterTestServiceServer(srv, payloads{})
		go func() { _ = srv.Serve(lis) }()
		t.Cleanup(srv.Stop)
		conn, closeConn, err := rpc.NewDialer(bc, nil).Dial(lis.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(closeConn)
		checks(t, testgrpc.NewTestServiceClient(conn))
	})
}
