package biz

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"
	"golang.org/x/sync/errgroup"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
	"github.com/douyin-kratos/douyin/pkg/byid"
)

// VideoProviderSet provides the video use cases.
var VideoProviderSet = wire.NewSet(NewVideoUsecase, NewUserJoiner, NewCommentUsecase)

// FeedPageSize is how many videos a feed page holds.
const FeedPageSize = 30

// Video is a video as the viewer sees it.
type Video struct {
	ID            int64
	AuthorID      int64
	Author        *User
	Title         string
	PlayURL       string
	CoverURL      string
	PublishedAt   int64
	FavoriteCount int64
	CommentCount  int64
	IsFavorite    bool
}

// VideoDirectory is the video app, as the gateway uses it.
type VideoDirectory interface {
	Feed(ctx context.Context, beforeMs int64, limit int) ([]*Video, error)
	ListByAuthor(ctx context.Context, authorID int64) ([]*Video, error)
	// GetVideos returns the videos among ids that exist, in any order.
	GetVideos(ctx context.Context, ids []int64) ([]*Video, error)
	// NewUpload opens a publish; the file is written to it as it arrives.
	NewUpload(ctx context.Context) (VideoUpload, error)
}

// VideoUpload is a publish in progress.
type VideoUpload interface {
	io.Writer
	// Publish ends the upload and stores the video.
	Publish(authorID int64, title string) error
	// Abort drops the upload; nothing is stored.
	Abort()
}

// FavoriteRepo is the interaction app's favorites, as the gateway uses them.
type FavoriteRepo interface {
	Favorite(ctx context.Context, userID, videoID int64, favorite bool) error
	// ListFavorites returns the videos userID has favorited, most recent first.
	ListFavorites(ctx context.Context, userID int64) ([]int64, error)
	// FavoritedAmong returns which of videoIDs userID has favorited.
	FavoritedAmong(ctx context.Context, userID int64, videoIDs []int64) (map[int64]bool, error)
}

// VideoUsecase serves the feed, publish lists, uploads and favorites.
type VideoUsecase struct {
	videos    VideoDirectory
	users     *UserJoiner
	favorites FavoriteRepo
	// isFavorite is answered false when the interaction app cannot say.
	isFavorite optional
	throttle   *Throttle
	now        func() time.Time
}

// NewVideoUsecase returns a VideoUsecase.
func NewVideoUsecase(videos VideoDirectory, users *UserJoiner, favorites FavoriteRepo, throttle *Throttle, logger log.Logger) *VideoUsecase {
	return &VideoUsecase{videos: videos, users: users, favorites: favorites, isFavorite: newOptional("is_favorite", logger), throttle: throttle, now: time.Now}
}

// FeedPage is one page of the feed.
type FeedPage struct {
	Videos []*Video
	// NextTime (ms) is the cursor for the next page: the publish time of the oldest video, or
	// the effective latest_time when the page is empty.
	NextTime int64
}

// Feed returns the videos published strictly before latestTime, newest first, as viewerID
// (0: anonymous) sees them.
func (uc *VideoUsecase) Feed(ctx context.Context, viewerID int64, latestTime string) (*FeedPage, error) {
	before, _ := uc.Cursor(latestTime)
	return uc.FeedBefore(ctx, viewerID, before)
}

// Cursor is the publish time (ms) a feed request's latestTime asks for videos before, and
// whether that is now or later: the newest page, which stays the same while nothing is
// published.
func (uc *VideoUsecase) Cursor(latestTime string) (before int64, newest bool) {
	now := uc.now().UnixMilli()
	before = ParseLatestTime(latestTime, uc.now())
	return before, before >= now
}

// FeedBefore returns the videos published strictly before the cursor before (ms), newest first,
// as viewerID (0: anonymous) sees them.
func (uc *VideoUsecase) FeedBefore(ctx context.Context, viewerID, before int64) (*FeedPage, error) {
	videos, err := uc.videos.Feed(ctx, before, FeedPageSize)
	if err != nil {
		return nil, err
	}
	page := &FeedPage{Videos: videos, NextTime: before}
	if len(videos) > 0 {
		page.NextTime = videos[len(videos)-1].PublishedAt
	}
	return page, uc.decorate(ctx, viewerID, videos)
}

// ParseLatestTime reads the feed's latest_time the way the app sends it: milliseconds (the app
// does, although the old documentation says seconds), or seconds for a positive value below
// 10^12. Absent, zero, negative or unreadable means now.
func ParseLatestTime(raw string, now time.Time) int64 {
	raw = strings.TrimSpace(raw)
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		// Clients that keep numbers as doubles send "1.6807037130e+12".
		f, ferr := strconv.ParseFloat(raw, 64)
		if ferr != nil || f != f || f > 9e18 || f < 0 {
			return now.UnixMilli()
		}
		n = int64(f)
	}
	switch {
	case n <= 0:
		return now.UnixMilli()
	case n < 1e12:
		return n * 1000
	default:
		return n
	}
}

// PublishList returns the videos userID published (0: the viewer's own), newest first.
func (uc *VideoUsecase) PublishList(ctx context.Context, viewerID, userID int64) ([]*Video, error) {
	userID, err := uc.users.Subject(ctx, viewerID, userID)
	if err != nil {
		return nil, err
	}
	videos, err := uc.videos.ListByAuthor(ctx, userID)
	if err != nil {
		return nil, err
	}
	return videos, uc.decorate(ctx, viewerID, videos)
}

// FavoriteAction favorites (actionType 1) or unfavorites (2) a video for viewerID. Both are idempotent.
func (uc *VideoUsecase) FavoriteAction(ctx context.Context, viewerID, videoID int64, actionType int32) error {
	if videoID <= 0 {
		return apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "video_id must be a positive integer")
	}
	if actionType != 1 && actionType != 2 {
		return apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "action_type must be 1 (like) or 2 (unlike), got %d", actionType)
	}
	if err := uc.throttle.Act(ctx, ActionFavorite, viewerID); err != nil {
		return err
	}
	return uc.favorites.Favorite(ctx, viewerID, videoID, actionType == 1)
}

// FavoriteList returns the videos userID (0: the viewer) has favorited, most recent first, as
// viewerID sees them.
func (uc *VideoUsecase) FavoriteList(ctx context.Context, viewerID, userID int64) ([]*Video, error) {
	userID, err := uc.users.Subject(ctx, viewerID, userID)
	if err != nil {
		return nil, err
	}
	ids, err := uc.favorites.ListFavorites(ctx, userID)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	byID, err := inBatches(ids, func(batch []int64) (map[int64]*Video, error) {
		found, err := uc.videos.GetVideos(ctx, batch)
		if err != nil {
			return nil, err
		}
		return byid.Index(found, func(v *Video) int64 { return v.ID }), nil
	})
	if err != nil {
		return nil, err
	}
	videos := byid.InOrder(ids, byID)
	return videos, uc.decorate(ctx, viewerID, videos)
}

// AllowPublish counts a publish of viewerID against its throttle: called as soon as the
// uploader is known, so a refused upload is not read.
func (uc *VideoUsecase) AllowPublish(ctx context.Context, viewerID int64) error {
	return uc.throttle.Act(ctx, ActionPublish, viewerID)
}

// NewUpload opens a publish for a file about to stream in.
func (uc *VideoUsecase) NewUpload(ctx context.Context) (VideoUpload, error) {
	return uc.videos.NewUpload(ctx)
}

// Publish stores an uploaded video of viewerID. The upload is aborted on any failure.
func (uc *VideoUsecase) Publish(viewerID int64, title string, upload VideoUpload) error {
	if err := upload.Publish(viewerID, title); err != nil {
		upload.Abort()
		return err
	}
	return nil
}

// decorate fills in every video's author and whether the viewer favorited it, with one batch of
// calls for the whole page (a few for a list longer than maxBatch), made concurrently. Without
// the interaction app every video comes with is_favorite false.
func (uc *VideoUsecase) decorate(ctx context.Context, viewerID int64, videos []*Video) error {
	if len(videos) == 0 {
		return nil
	}
	videoIDs := make([]int64, len(videos))
	authorIDs := make([]int64, len(videos))
	for i, v := range videos {
		videoIDs[i], authorIDs[i] = v.ID, v.AuthorID
	}
	var (
		authors   map[int64]*User
		favorited map[int64]bool
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		authors, err = uc.users.Join(gctx, viewerID, authorIDs)
		return err
	})
	if viewerID != 0 { // an anonymous viewer favorited nothing
		g.Go(func() (err error) {
			favorited, err = inBatches(videoIDs, func(batch []int64) (map[int64]bool, error) {
				return uc.favorites.FavoritedAmong(gctx, viewerID, batch)
			})
			return uc.isFavorite.settle(ctx, err)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, v := range videos {
		v.IsFavorite = favorited[v.ID]
		if a, ok := authors[v.AuthorID]; ok {
			v.Author = a
		} else {
			// An author whose account is gone still gets a user object: the app needs one.
			v.Author = &User{ID: v.AuthorID, Name: "unknown"}
		}
	}
	return nil
}
