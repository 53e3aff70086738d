package biz

import (
	"context"
	"maps"
	"slices"

	"github.com/go-kratos/kratos/v2/log"
	"golang.org/x/sync/errgroup"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
	"github.com/douyin-kratos/douyin/pkg/byid"
)

// FollowRepo is the relation app's answer to "whom does the viewer follow".
type FollowRepo interface {
	// FollowedAmong returns which of ids viewerID follows.
	FollowedAmong(ctx context.Context, viewerID int64, ids []int64) (map[int64]bool, error)
}

// UserJoiner builds the user objects of a response: profiles and counts from the user app,
// is_follow from the relation app, one call to each however many users the response shows.
// Without the relation app the users come with is_follow false.
type UserJoiner struct {
	users   UserRepo
	follows FollowRepo
	// isFollow is answered false when the relation app cannot say.
	isFollow optional
}

// NewUserJoiner returns a UserJoiner.
func NewUserJoiner(users UserRepo, follows FollowRepo, logger log.Logger) *UserJoiner {
	return &UserJoiner{users: users, follows: follows, isFollow: newOptional("is_follow", logger)}
}

// maxBatch is the most ids one call to a domain app may carry (each app's MaxBatch); longer
// lists (a popular user's followers, a thousand favorited videos) take several calls.
const maxBatch = 500

// inBatches looks ids up at most maxBatch at a time, one call after another, and merges the
// answers.
func inBatches[V any](ids []int64, lookup func(batch []int64) (map[int64]V, error)) (map[int64]V, error) {
	out := make(map[int64]V, len(ids))
	for batch := range slices.Chunk(ids, maxBatch) {
		found, err := lookup(batch)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, found)
	}
	return out, nil
}

// Join returns the users among ids that exist, by id, as viewerID sees them. ids may repeat (the
// authors of a page): each user is asked for once.
func (j *UserJoiner) Join(ctx context.Context, viewerID int64, ids []int64) (map[int64]*User, error) {
	return j.joinAll(ctx, viewerID, ids, false)
}

// JoinFollowed is Join for users the viewer is known to follow (friends): is_follow is true
// without asking the relation app.
func (j *UserJoiner) JoinFollowed(ctx context.Context, ids []int64) (map[int64]*User, error) {
	return j.joinAll(ctx, 0, ids, true)
}

func (j *UserJoiner) joinAll(ctx context.Context, viewerID int64, ids []int64, followed bool) (map[int64]*User, error) {
	return inBatches(byid.Distinct(ids), func(batch []int64) (map[int64]*User, error) {
		return j.join(ctx, viewerID, batch, followed)
	})
}

func (j *UserJoiner) join(ctx context.Context, viewerID int64, ids []int64, allFollowed bool) (map[int64]*User, error) {
	var (
		users    []*User
		followed map[int64]bool
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		users, err = j.users.GetUsers(gctx, ids)
		return err
	})
	if viewerID != 0 { // an anonymous viewer follows nobody
		g.Go(func() (err error) {
			followed, err = j.follows.FollowedAmong(gctx, viewerID, ids)
			return j.isFollow.settle(ctx, err)
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[int64]*User, len(users))
	for _, u := range users {
		u.IsFollow = allFollowed || followed[u.ID]
		out[u.ID] = u
	}
	return out, nil
}

// Subject resolves the user_id of a request about a user (a list, a profile): absent (0)
// means the viewer. It must name a user that exists; for the viewer, one that no longer exists
// means a token of a reset data dir. It asks the user app only, not who follows whom.
func (j *UserJoiner) Subject(ctx context.Context, viewerID, userID int64) (int64, error) {
	userID, err := subjectID(viewerID, userID)
	if err != nil {
		return 0, err
	}
	found, err := j.users.GetUsers(ctx, []int64{userID})
	if err != nil {
		return 0, err
	}
	if len(found) == 0 {
		return 0, subjectMissing(viewerID, userID)
	}
	return userID, nil
}

// subjectID is the user a request is about: userID, or the viewer when it is absent (0).
func subjectID(viewerID, userID int64) (int64, error) {
	if userID == 0 {
		if viewerID == 0 {
			return 0, errAnonymousWithoutUser
		}
		userID = viewerID
	}
	if userID < 0 {
		return 0, apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "user_id must be positive")
	}
	return userID, nil
}

// subjectMissing is the answer when the user a request is about does not exist: for the viewer
// that means a valid token of a user that no longer is (the data dir was reset).
func subjectMissing(viewerID, userID int64) error {
	if userID == viewerID {
		return ErrBadToken
	}
	return errUserNotFound
}
