package biz

import (
	"context"

	"golang.org/x/sync/errgroup"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
	"github.com/douyin-kratos/douyin/pkg/byid"
)

// RelationRepo is the relation app, as the gateway uses it.
type RelationRepo interface {
	FollowRepo
	// Follow makes userID follow (follow=true) or unfollow toUserID; idempotent.
	Follow(ctx context.Context, userID, toUserID int64, follow bool) error
	// Following, Followers and Friends list user ids, most recent first.
	Following(ctx context.Context, userID int64) ([]int64, error)
	Followers(ctx context.Context, userID int64) ([]int64, error)
	Friends(ctx context.Context, userID int64) ([]int64, error)
}

// LatestMessages is the message app's answer to "what was said last with each of these".
type LatestMessages interface {
	// Latest returns, by peer, the newest message between userID and each of peerIDs that has one.
	Latest(ctx context.Context, userID int64, peerIDs []int64) (map[int64]*Message, error)
}

// Friend is a friend as the friend list shows it: the user and the last message exchanged.
type Friend struct {
	*User
	// Latest is nil when the two never wrote to each other.
	Latest *Message
}

// RelationUsecase follows and unfollows, and lists follows, followers and friends.
type RelationUsecase struct {
	relations RelationRepo
	users     *UserJoiner
	messages  LatestMessages
	throttle  *Throttle
}

// NewRelationUsecase returns a RelationUsecase.
func NewRelationUsecase(relations RelationRepo, users *UserJoiner, messages LatestMessages, throttle *Throttle) *RelationUsecase {
	return &RelationUsecase{relations: relations, users: users, messages: messages, throttle: throttle}
}

// Action follows (actionType 1) or unfollows (2) toUserID for viewerID. Both are idempotent.
func (uc *RelationUsecase) Action(ctx context.Context, viewerID, toUserID int64, actionType int32) error {
	if toUserID <= 0 {
		return apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "to_user_id must be a user id")
	}
	if actionType != 1 && actionType != 2 {
		return apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "action_type must be 1 (follow) or 2 (unfollow)")
	}
	if err := uc.throttle.Act(ctx, ActionFollow, viewerID); err != nil {
		return err
	}
	return uc.relations.Follow(ctx, viewerID, toUserID, actionType == 1)
}

// FollowList returns the users userID follows (0: the viewer), most recently followed first.
func (uc *RelationUsecase) FollowList(ctx context.Context, viewerID, userID int64) ([]*User, error) {
	return uc.list(ctx, viewerID, userID, uc.relations.Following)
}

// FollowerList returns the users who follow userID (0: the viewer), most recent first.
func (uc *RelationUsecase) FollowerList(ctx context.Context, viewerID, userID int64) ([]*User, error) {
	return uc.list(ctx, viewerID, userID, uc.relations.Followers)
}

func (uc *RelationUsecase) list(ctx context.Context, viewerID, userID int64, ids func(context.Context, int64) ([]int64, error)) ([]*User, error) {
	userID, err := uc.users.Subject(ctx, viewerID, userID)
	if err != nil {
		return nil, err
	}
	listed, err := ids(ctx, userID)
	if err != nil || len(listed) == 0 {
		return nil, err
	}
	users, err := uc.users.Join(ctx, viewerID, listed)
	if err != nil {
		return nil, err
	}
	return byid.InOrder(listed, users), nil
}

// errOthersFriends refuses a friend list asked for someone else: its entries carry the viewer's
// own messages, so it is only ever the viewer's.
var errOthersFriends = apierror.New(gatewayv1.ErrorReason_PERMISSION_DENIED, "you can only list your own friends")

// FriendList returns the viewer's friends (mutual follows), most recently befriended first,
// each with the latest message exchanged.
func (uc *RelationUsecase) FriendList(ctx context.Context, viewerID, userID int64) ([]*Friend, error) {
	if userID != 0 && userID != viewerID {
		return nil, errOthersFriends
	}
	ids, err := uc.relations.Friends(ctx, viewerID)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	var (
		users  map[int64]*User
		latest map[int64]*Message
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		users, err = uc.users.JoinFollowed(gctx, ids) // friends: followed by definition
		return err
	})
	g.Go(func() (err error) {
		latest, err = inBatches(ids, func(batch []int64) (map[int64]*Message, error) {
			return uc.messages.Latest(gctx, viewerID, batch)
		})
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	ordered := byid.InOrder(ids, users)
	friends := make([]*Friend, len(ordered))
	for i, u := range ordered {
		friends[i] = &Friend{User: u, Latest: latest[u.ID]}
	}
	return friends, nil
}
