package data

import (
	"context"
	"fmt"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	"github.com/douyin-kratos/douyin/pkg/rpc"
)

// FriendChecker implements biz.FriendChecker with the relation app. It caches nothing: an
// unfollow must stop the next message at once, and a send is rare next to a poll.
type FriendChecker struct {
	client relationv1.RelationServiceClient
}

// NewFriendChecker dials the relation app.
func NewFriendChecker(services *confv1.Services, dialer *rpc.Dialer) (*FriendChecker, func(), error) {
	conn, closeConn, err := dialer.Dial(services.GetRelation(), services.GetCallTimeout().AsDuration(), rpc.Retry(relationv1.RetryableMethods...))
	if err != nil {
		return nil, nil, fmt.Errorf("relation app: %w", err)
	}
	return &FriendChecker{client: relationv1.NewRelationServiceClient(conn)}, closeConn, nil
}

// AreFriends implements biz.FriendChecker.
func (c *FriendChecker) AreFriends(ctx context.Context, a, b int64) (bool, error) {
	reply, err := c.client.AreFriends(ctx, &relationv1.AreFriendsRequest{UserId: a, OtherId: b})
	if err != nil {
		// Not wrapped: an answer of the relation app (a reason of its own) must reach the
		// caller with its message as is, and gRPC would send a wrapper's whole text instead.
		return false, err
	}
	return reply.GetFriends(), nil
}
