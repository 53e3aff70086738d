// Package biz holds the rules of follows: a follow is idempotent (following twice or unfollowing
// someone not followed changes nothing and produces no event), nobody follows themselves or an
// unknown user, friends are users who follow each other, the user who acted sees the counts
// change in their next request, and no list holds more than lists.max_items users.
package biz

import (
	"context"
	"time"

	"github.com/google/wire"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// ProviderSet provides the use cases of this package.
var ProviderSet = wire.NewSet(NewRelationUsecase)

// MaxBatch bounds FollowedAmong.
const MaxBatch = 500

var (
	// ErrUserNotFound refuses following a user that does not exist.
	ErrUserNotFound = apierror.New(relationv1.ErrorReason_USER_NOT_FOUND, "user not found")
	// ErrCannotFollowSelf refuses following yourself.
	ErrCannotFollowSelf = apierror.New(relationv1.ErrorReason_CANNOT_FOLLOW_SELF, "you cannot follow yourself")
)

// Follow is the edge "FollowerID follows FolloweeID".
type Follow struct {
	FollowerID int64
	FolloweeID int64
}

// Set decides a follow (follow) or an unfollow of f, given whether f exists now: whether it is
// to exist, and the event announcing the change. Following whom you follow, or unfollowing
// whom you do not, changes nothing and announces nothing, so a follow counts once; a real
// change moves the follower's follow_count and the followee's follower_count by one
// (api/counts/v1).
func (f Follow) Set(exists, follow bool) (bool, *relationv1.FollowChanged) {
	delta := countsv1.Delta(exists, follow)
	if delta == 0 {
		return exists, nil
	}
	return follow, &relationv1.FollowChanged{
		FollowerId: f.FollowerID, FolloweeId: f.FolloweeID, Delta: delta, OccurredAt: time.Now().UnixMilli(),
	}
}

// Mutual is a user who follows the asking user back, with the times (epoch ms) of both follows.
type Mutual struct {
	UserID int64
	// FollowedAt is when the asking user followed UserID.
	FollowedAt int64
	// FollowedBackAt is when UserID followed the asking user.
	FollowedBackAt int64
}

// FriendsSince is when the two became friends: a friendship forms with the second follow.
func (m Mutual) FriendsSince() int64 { return max(m.FollowedAt, m.FollowedBackAt) }

// FollowRepo stores follows.
type FollowRepo interface {
	// Set stores whether f exists as decide says and, in the same transaction, the event
	// decide returns (nil: none). decide gets whether f exists now; it must have no effects, as
	// it may be asked about both states (event.Relay.SetFact). Set returns the event's id, or "".
	Set(ctx context.Context, f Follow, decide func(exists bool) (bool, *relationv1.FollowChanged)) (eventID string, err error)
	// ListFollowing returns the limit users userID followed most recently, most recent first.
	ListFollowing(ctx context.Context, userID int64, limit int) ([]int64, error)
	// ListFollowers returns the limit users who followed userID most recently, most recent first.
	ListFollowers(ctx context.Context, userID int64, limit int) ([]int64, error)
	// ListMutual returns the limit users userID follows who follow userID back with whom
	// userID became friends most recently: by FriendsSince, newest first, and of friendships
	// formed in the same millisecond the larger UserID first, so the order is stable.
	ListMutual(ctx context.Context, userID int64, limit int) ([]Mutual, error)
	// FollowedAmong returns the subset of ids viewerID follows, in any order.
	FollowedAmong(ctx context.Context, viewerID int64, ids []int64) ([]int64, error)
}

// UserDirectory answers whether a user exists.
type UserDirectory interface {
	Exists(ctx context.Context, userID int64) (bool, error)
}

// Settings are the relation rules' settings, taken from the configuration at the app's edge.
type Settings struct {
	// MaxListItems bounds every list of users (lists.max_items).
	MaxListItems int
}

// RelationUsecase follows and unfollows users and answers who follows whom.
type RelationUsecase struct {
	repo  FollowRepo
	users UserDirectory
	// counts lets the user who acted see the counts of their change in their next request.
	counts countsv1.Awaiter
	// maxItems bounds every list of users (lists.max_items).
	maxItems int
}

// NewRelationUsecase returns a RelationUsecase.
func NewRelationUsecase(settings Settings, repo FollowRepo, users UserDirectory, counts countsv1.Awaiter) *RelationUsecase {
	return &RelationUsecase{
		repo: repo, users: users, counts: counts, maxItems: settings.MaxListItems,
	}
}

func invalidArgument(format string, args ...any) error {
	return apierror.New(relationv1.ErrorReason_INVALID_ARGUMENT, format, args...)
}

// Follow makes userID follow (follow) or unfollow toUserID and reports whether anything changed.
func (uc *RelationUsecase) Follow(ctx context.Context, userID, toUserID int64, follow bool) (bool, error) {
	if userID <= 0 || toUserID <= 0 {
		return false, invalidArgument("user_id and to_user_id must be positive")
	}
	if userID == toUserID {
		if follow {
			return false, ErrCannotFollowSelf
		}
		return false, nil // nobody follows themselves: there is nothing to undo
	}
	if follow {
		// Only following needs the user to exist; unfollowing a stranger finds no edge and
		// changes nothing, so it costs no call to the user app.
		ok, err := uc.users.Exists(ctx, toUserID)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, ErrUserNotFound
		}
	}
	f := Follow{FollowerID: userID, FolloweeID: toUserID}
	eventID, err := uc.repo.Set(ctx, f, func(exists bool) (bool, *relationv1.FollowChanged) { return f.Set(exists, follow) })
	if err != nil || eventID == "" {
		return false, err
	}
	uc.counts.AwaitCounts(ctx, eventID, &relationv1.FollowChanged{})
	return true, nil
}

// ListFollowing returns whom userID follows, most recently followed first, at most maxItems.
func (uc *RelationUsecase) ListFollowing(ctx context.Context, userID int64) ([]int64, error) {
	if userID <= 0 {
		return nil, invalidArgument("user_id must be positive")
	}
	return uc.repo.ListFollowing(ctx, userID, uc.maxItems)
}

// ListFollowers returns who follows userID, most recent first, at most maxItems.
func (uc *RelationUsecase) ListFollowers(ctx context.Context, userID int64) ([]int64, error) {
	if userID <= 0 {
		return nil, invalidArgument("user_id must be positive")
	}
	return uc.repo.ListFollowers(ctx, userID, uc.maxItems)
}

// ListFriends returns userID's friends, the users they follow who follow them back, newest
// friendship first (Mutual.FriendsSince), at most maxItems.
func (uc *RelationUsecase) ListFriends(ctx context.Context, userID int64) ([]int64, error) {
	if userID <= 0 {
		return nil, invalidArgument("user_id must be positive")
	}
	mutual, err := uc.repo.ListMutual(ctx, userID, uc.maxItems)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(mutual))
	for i, m := range mutual {
		ids[i] = m.UserID
	}
	return ids, nil
}

// FollowedAmong returns which of ids viewerID follows; an anonymous viewer (0) follows nobody.
func (uc *RelationUsecase) FollowedAmong(ctx context.Context, viewerID int64, ids []int64) ([]int64, error) {
	if viewerID <= 0 || len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > MaxBatch {
		return nil, invalidArgument("at most %d users at once", MaxBatch)
	}
	return uc.repo.FollowedAmong(ctx, viewerID, ids)
}

// AreFriends reports whether userID and otherID follow each other.
func (uc *RelationUsecase) AreFriends(ctx context.Context, userID, otherID int64) (bool, error) {
	if userID <= 0 || otherID <= 0 {
		return false, invalidArgument("user_id and other_id must be positive")
	}
	if userID == otherID {
		return false, nil // nobody follows themselves
	}
	// Two lookups of one edge each rather than a query of their own: FollowedAmong is the
	// cached hot path, and this keeps the friend rule here.
	for _, f := range []Follow{{userID, otherID}, {otherID, userID}} {
		got, err := uc.repo.FollowedAmong(ctx, f.FollowerID, []int64{f.FolloweeID})
		if err != nil {
			return false, err
		}
		if len(got) == 0 {
			return false, nil
		}
	}
	return true, nil
}
