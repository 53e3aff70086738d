// Package biz holds the rules of favorites: a favorite is idempotent (favoriting twice or
// unfavoriting what was not favorited changes nothing and produces no event), only known videos
// can be favorited, and the user who acted sees the counts change in their next request.
package biz

import (
	"context"
	"time"

	"github.com/google/wire"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// ProviderSet provides the use cases of this package.
var ProviderSet = wire.NewSet(NewFavoriteUsecase, NewCommentUsecase)

// MaxBatch bounds FavoritedAmong.
const MaxBatch = 500

var (
	// ErrVideoNotFound refuses acting on a video that does not exist.
	ErrVideoNotFound = apierror.New(interactionv1.ErrorReason_VIDEO_NOT_FOUND, "video not found")
)

// Favorite is one user favoriting one video.
type Favorite struct {
	UserID   int64
	VideoID  int64
	AuthorID int64
}

// Set decides a favorite (favorite) or an unfavorite of f, given whether f is favorited now:
// whether it is to be favorited, and the event announcing the change. Favoriting what is
// favorited, or unfavoriting what is not, changes nothing and announces nothing, so however often
// it is asked a favorite counts once; a real change moves the counts by one (api/counts/v1).
func (f Favorite) Set(favorited, favorite bool) (bool, *interactionv1.FavoriteChanged) {
	delta := countsv1.Delta(favorited, favorite)
	if delta == 0 {
		return favorited, nil
	}
	return favorite, &interactionv1.FavoriteChanged{
		UserId: f.UserID, VideoId: f.VideoID, AuthorId: f.AuthorID, Delta: delta, OccurredAt: time.Now().UnixMilli(),
	}
}

// TakenDown is the event of removing f because its video was taken down (videov1.VideoDeleted):
// the unfavorite its liker's own unlike would announce, so the liker's favorite_count and the
// author's total_favorited drop by the one the like added (api/counts/v1). The video's own
// favorite_count went with its row. Only the removal that deleted f's row may announce it.
func (f Favorite) TakenDown() *interactionv1.FavoriteChanged {
	_, ev := f.Set(true, false)
	return ev
}

// FavoriteRepo stores favorites.
type FavoriteRepo interface {
	// Set stores whether f is favorited as decide says and, in the same transaction, the event
	// decide returns (nil: none). decide gets whether f is favorited now; it must have no
	// effects, as it may be asked about both states (event.Relay.SetFact). Set returns the
	// event's id, or "".
	Set(ctx context.Context, f Favorite, decide func(favorited bool) (bool, *interactionv1.FavoriteChanged)) (eventID string, err error)
	// ListVideos returns the limit videos userID favorited most recently, most recent first.
	ListVideos(ctx context.Context, userID int64, limit int) ([]int64, error)
	// FavoritedAmong returns the subset of videoIDs userID favorited.
	FavoritedAmong(ctx context.Context, userID int64, videoIDs []int64) ([]int64, error)
}

// VideoDirectory answers who published a video, and whether it was taken down.
type VideoDirectory interface {
	// Author returns the author of videoID, or ErrVideoNotFound. It may remember a video for
	// a while after it was taken down (on a replica that did not consume the take-down).
	Author(ctx context.Context, videoID int64) (int64, error)
	// TakenDown reports whether this app has applied the take-down of videoID (its favorites
	// and comments removed): exact, as of the moment asked.
	TakenDown(ctx context.Context, videoID int64) (bool, error)
}

// Settings are the interaction rules' settings, taken from the configuration at the app's edge.
type Settings struct {
	// MaxListItems bounds every list of favorited videos and of comments (lists.max_items).
	MaxListItems int
}

// FavoriteUsecase favorites and unfavorites videos.
type FavoriteUsecase struct {
	repo   FavoriteRepo
	videos VideoDirectory
	// counts lets the user who acted see the counts of their change in their next request.
	counts countsv1.Awaiter
	// maxItems bounds a list of favorited videos (lists.max_items).
	maxItems int
}

// NewFavoriteUsecase returns a FavoriteUsecase.
func NewFavoriteUsecase(settings Settings, repo FavoriteRepo, videos VideoDirectory, counts countsv1.Awaiter) *FavoriteUsecase {
	return &FavoriteUsecase{
		repo: repo, videos: videos, counts: counts, maxItems: settings.MaxListItems,
	}
}

// Favorite favorites (favorite) or unfavorites a video and reports whether anything changed.
func (uc *FavoriteUsecase) Favorite(ctx context.Context, userID, videoID int64, favorite bool) (bool, error) {
	if userID <= 0 || videoID <= 0 {
		return false, apierror.New(interactionv1.ErrorReason_INVALID_ARGUMENT, "video_id must be positive")
	}
	author, err := uc.videos.Author(ctx, videoID)
	if err != nil {
		return false, err
	}
	f := Favorite{UserID: userID, VideoID: videoID, AuthorID: author}
	eventID, err := uc.repo.Set(ctx, f, func(favorited bool) (bool, *interactionv1.FavoriteChanged) { return f.Set(favorited, favorite) })
	if err != nil {
		return false, err
	}
	if favorite {
		if err := uc.unlessTakenDown(ctx, f); err != nil {
			return false, err
		}
	}
	if eventID == "" {
		return false, nil
	}
	uc.counts.AwaitCounts(ctx, eventID, &interactionv1.FavoriteChanged{})
	return true, nil
}

// unlessTakenDown undoes the favorite f, just stored, if its video has been taken down, and then
// returns ErrVideoNotFound. The like may have found the video through a directory that still
// remembered it, or have raced its take-down: the take-down removes the favorites it sees, and
// one committed after it would outlive it, counted in its liker's favorite_count and its author's
// total_favorited for good. Checked after the like's commit, one of the two always catches it:
// the take-down removes every favorite committed before its own transaction, and once that has
// committed this check sees it. (A like repeated by a retry checks again: the undo is itself a
// favorite change, made once.)
func (uc *FavoriteUsecase) unlessTakenDown(ctx context.Context, f Favorite) error {
	gone, err := uc.videos.TakenDown(ctx, f.VideoID)
	if err != nil || !gone {
		return err
	}
	if _, err := uc.repo.Set(ctx, f, func(favorited bool) (bool, *interactionv1.FavoriteChanged) { return f.Set(favorited, false) }); err != nil {
		return err
	}
	return ErrVideoNotFound
}

// ListFavorites returns the videos userID favorited most recently, at most maxItems, most recent
// first.
func (uc *FavoriteUsecase) ListFavorites(ctx context.Context, userID int64) ([]int64, error) {
	if userID <= 0 {
		return nil, apierror.New(interactionv1.ErrorReason_INVALID_ARGUMENT, "user_id must be positive")
	}
	return uc.repo.ListVideos(ctx, userID, uc.maxItems)
}

// FavoritedAmong returns which of videoIDs userID favorited; an anonymous viewer (0) favorited
// none.
func (uc *FavoriteUsecase) FavoritedAmong(ctx context.Context, userID int64, videoIDs []int64) ([]int64, error) {
	if userID <= 0 || len(videoIDs) == 0 {
		return nil, nil
	}
	if len(videoIDs) > MaxBatch {
		return nil, apierror.New(interactionv1.ErrorReason_INVALID_ARGUMENT, "at most %d videos at once", MaxBatch)
	}
	return uc.repo.FavoritedAmong(ctx, userID, videoIDs)
}
