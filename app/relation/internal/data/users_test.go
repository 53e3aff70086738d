package data

import (
	"context"
	"sync"
	"testing"
	"time"

	ggrpc "google.golang.org/grpc"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	"github.com/douyin-kratos/douyin/pkg/rpc"
	"github.com/douyin-kratos/douyin/pkg/rpc/rpctest"
)

// fakeUserService answers GetUsers from a set of ids, counting the calls.
type fakeUserService struct {
	userv1.UnimplementedUserServiceServer
	mu    sync.Mutex
	known map[int64]bool
	calls int
}

func (s *fakeUserService) GetUsers(_ context.Context, req *userv1.GetUsersRequest) (*userv1.GetUsersReply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	reply := &userv1.GetUsersReply{}
	for _, id := range req.GetIds() {
		if s.known[id] {
			reply.Users = append(reply.Users, &userv1.User{Id: id, Name: "u"})
		}
	}
	return reply, nil
}

func (s *fakeUserService) register(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.known[id] = true
}

func (s *fakeUserService) called() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func TestUserDirectory(t *testing.T) {
	ctx := context.Background()
	users := &fakeUserService{known: map[int64]bool{1: true, 2: true}}
	addr, stopUsers := rpctest.Serve(t, func(srv *ggrpc.Server) { userv1.RegisterUserServiceServer(srv, users) })

	conn, closeConn, err := rpc.NewDialer(&confv1.Bootstrap{}, nil).Dial(addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeConn)
	dir := newUserDirectory(userv1.NewUserServiceClient(conn))

	exists := func(id int64, want bool, wantCalls int) {
		t.Helper()
		got, err := dir.Exists(ctx, id)
		if err != nil || got != want {
			t.Fatalf("Exists(%d) = %v, %v; want %v", id, got, err, want)
		}
		if n := users.called(); n != wantCalls {
			t.Fatalf("after Exists(%d): %d calls to the user app; want %d", id, n, wantCalls)
		}
	}
	exists(1, true, 1)
	exists(1, true, 1) // users are never deleted: a found user is remembered
	exists(3, false, 2)
	users.register(3)
	exists(3, true, 3) // a missing user is not remembered: they may have registered since
	exists(3, true, 3)

	// With the user app gone, an unremembered user is an error, not "not found".
	stopUsers()
	if ok, err := dir.Exists(ctx, 2); err == nil || ok {
		t.Fatalf("Exists with the user app down = %v, %v; want an error", ok, err)
	}
	exists(1, true, 3)
}
