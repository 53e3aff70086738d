package biz

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/wire"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// VideoProviderSet provides the video use cases.
var VideoProviderSet = wire.NewSet(NewVideoUsecase, NewUserJoiner)

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

// VideoRepo is the video app, as the gateway uses it.
type VideoRepo interface {
	Feed(ctx context.Context, beforeMs int64, limit int) ([]*Video, error)
	ListByAuthor(ctx context.Context, authorID int64) ([]*Video, error)
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

// VideoUsecase serves the feed, publish lists and uploads.
type VideoUsecase struct {
	videos VideoRepo
	users  *UserJoiner
	now    func() time.Time
}

// NewVideoUsecase returns a VideoUsecase.
func NewVideoUsecase(videos VideoRepo, users *UserJoiner) *VideoUsecase {
	return &VideoUsecase{videos: videos, users: users, now: time.Now}
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
	before := ParseLatestTime(latestTime, uc.now())
	videos, err := uc.videos.Feed(ctx, before, FeedPageSize)
	if err != nil {
		return nil, err
	}
	page := &FeedPage{Videos: videos, NextTime: before}
	if len(videos) > 0 {
		page.NextTime = videos[len(videos)-1].PublishedAt
	}
	return page, uc.joinAuthors(ctx, viewerID, videos)
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
	if userID == 0 {
		if viewerID == 0 {
			return nil, errAnonymousWithoutUser
		}
		userID = viewerID
	}
	if userID < 0 {
		return nil, apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "user_id must be positive")
	}
	videos, err := uc.videos.ListByAuthor(ctx, userID)
	if err != nil {
		return nil, err
	}
	authors, err := uc.users.Join(ctx, viewerID, []int64{userID})
	if err != nil {
		return nil, err
	}
	author, ok := authors[userID]
	if !ok {
		return nil, errUserNotFound
	}
	for _, v := range videos {
		v.Author = author
	}
	return videos, nil
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

// joinAuthors fills in every video's author with one batch of calls for the whole page.
func (uc *VideoUsecase) joinAuthors(ctx context.Context, viewerID int64, videos []*Video) error {
	if len(videos) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(videos))
	seen := make(map[int64]bool, len(videos))
	for _, v := range videos {
		if !seen[v.AuthorID] {
			seen[v.AuthorID] = true
			ids = append(ids, v.AuthorID)
		}
	}
	authors, err := uc.users.Join(ctx, viewerID, ids)
	if err != nil {
		return err
	}
	for _, v := range videos {
		if a, ok := authors[v.AuthorID]; ok {
			v.Author = a
		} else {
			// An author whose account is gone still gets a user object: the app needs one.
			v.Author = &User{ID: v.AuthorID, Name: "unknown"}
		}
	}
	return nil
}
