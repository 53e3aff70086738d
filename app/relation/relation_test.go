package relation

import (
	"context"
	"slices"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	ggrpc "google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	"github.com/douyin-kratos/douyin/pkg/bootstrap/bootstraptest"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/rpc/rpctest"
)

// users is a user app that knows users 1 to 3.
type users struct {
	userv1.UnimplementedUserServiceServer
}

func (users) GetUsers(_ context.Context, req *userv1.GetUsersRequest) (*userv1.GetUsersReply, error) {
	reply := &userv1.GetUsersReply{}
	for _, id := range req.GetIds() {
		if id >= 1 && id <= 3 {
			reply.Users = append(reply.Users, &userv1.User{Id: id})
		}
	}
	return reply, nil
}

// The assembled app answers over gRPC, and its declared errors arrive with their reasons and
// codes.
func TestRelationOverGRPC(t *testing.T) {
	ctx := context.Background()
	userAddr, _ := rpctest.Serve(t, func(srv *ggrpc.Server) { userv1.RegisterUserServiceServer(srv, users{}) })

	bc := &confv1.Bootstrap{
		GrpcAddr: "127.0.0.1:0",
		DataDir:  t.TempDir(),
		Database: &confv1.Database{Driver: "sqlite"},
		Services: &confv1.Services{User: userAddr, CallTimeout: durationpb.New(3 * time.Second)},
		// Nothing applies the events here: a follow waits this long for counts that never come.
		Kafka: &confv1.Kafka{InProcess: true, ApplyWait: durationpb.New(10 * time.Millisecond)},
		Lists: &confv1.Lists{MaxItems: 1000},
	}
	comp := bootstraptest.New(t, App, bc)
	if comp.Name != Name || comp.HTTP != nil || len(comp.Workers) != 1 {
		t.Fatalf("component %q, HTTP %v, %d workers; want %q, no HTTP without http_addr, the relay", comp.Name, comp.HTTP, len(comp.Workers), Name)
	}
	if _, ok := comp.Workers[0].(*event.Relay); !ok {
		t.Fatalf("worker %T; want the outbox relay", comp.Workers[0])
	}
	client := relationv1.NewRelationServiceClient(bootstraptest.ServeGRPC(t, comp))

	follow := func(user, to int64, on, wantChanged bool) {
		t.Helper()
		reply, err := client.Follow(ctx, &relationv1.FollowRequest{UserId: user, ToUserId: to, Follow: on})
		if err != nil || reply.GetChanged() != wantChanged {
			t.Fatalf("Follow(%d, %d, %v) = %v, %v; want changed %v", user, to, on, reply, err, wantChanged)
		}
	}
	refused := func(req *relationv1.FollowRequest, reason relationv1.ErrorReason, code int32, message string) {
		t.Helper()
		_, err := client.Follow(ctx, req)
		e := kerrors.FromError(err)
		if e.Reason != reason.String() || e.Code != code || e.Message != message {
			t.Fatalf("Follow(%v) error %v; want %s %d %q", req, err, reason, code, message)
		}
	}
	list := func(name string, call func(context.Context, *relationv1.ListRequest, ...ggrpc.CallOption) (*relationv1.ListReply, error), user int64, want ...int64) {
		t.Helper()
		reply, err := call(ctx, &relationv1.ListRequest{UserId: user})
		if err != nil || !slices.Equal(reply.GetUserIds(), want) {
			t.Fatalf("%s(%d) = %v, %v; want %v", name, user, reply.GetUserIds(), err, want)
		}
	}

	refused(&relationv1.FollowRequest{UserId: 1, ToUserId: 1, Follow: true}, relationv1.ErrorReason_CANNOT_FOLLOW_SELF, 400, "you cannot follow yourself")
	refused(&relationv1.FollowRequest{UserId: 1, ToUserId: 99, Follow: true}, relationv1.ErrorReason_USER_NOT_FOUND, 404, "user not found")
	refused(&relationv1.FollowRequest{UserId: 0, ToUserId: 2, Follow: true}, relationv1.ErrorReason_INVALID_ARGUMENT, 400, "user_id and to_user_id must be positive")

	follow(1, 2, true, true)
	follow(1, 2, true, false)
	time.Sleep(3 * time.Millisecond)
	follow(1, 3, true, true)
	time.Sleep(3 * time.Millisecond)
	follow(2, 1, true, true)
	follow(3, 2, false, false)

	list("ListFollowing", client.ListFollowing, 1, 3, 2)
	list("ListFollowers", client.ListFollowers, 1, 2)
	list("ListFriends", client.ListFriends, 1, 2)
	list("ListFriends", client.ListFriends, 3)

	among, err := client.FollowedAmong(ctx, &relationv1.FollowedAmongRequest{ViewerId: 1, UserIds: []int64{3, 2, 1, 99}})
	if got := slices.Sorted(slices.Values(among.GetFollowedIds())); err != nil || !slices.Equal(got, []int64{2, 3}) {
		t.Fatalf("FollowedAmong = %v, %v; want [2 3]", among.GetFollowedIds(), err)
	}
	among, err = client.FollowedAmong(ctx, &relationv1.FollowedAmongRequest{ViewerId: 0, UserIds: []int64{2}})
	if err != nil || len(among.GetFollowedIds()) != 0 {
		t.Fatalf("FollowedAmong(anonymous) = %v, %v; want none", among.GetFollowedIds(), err)
	}
	for _, c := range []struct {
		a, b int64
		want bool
	}{{1, 2, true}, {2, 1, true}, {1, 3, false}, {3, 1, false}} {
		reply, err := client.AreFriends(ctx, &relationv1.AreFriendsRequest{UserId: c.a, OtherId: c.b})
		if err != nil || reply.GetFriends() != c.want {
			t.Fatalf("AreFriends(%d, %d) = %v, %v; want %v", c.a, c.b, reply.GetFriends(), err, c.want)
		}
	}
}
