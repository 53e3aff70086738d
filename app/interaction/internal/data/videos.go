package data

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/rpc"
)

// VideoDirectory implements biz.VideoDirectory with the video app, remembering authors: a
// video's author never changes, and popular videos are favorited over and over. A video can be
// taken down, though: the replica that consumes its VideoDeleted forgets it at once (Forget),
// the others after authorTTL.
type VideoDirectory struct {
	client  videov1.VideoServiceClient
	authors *expirable.LRU[int64, int64]
	// db holds the take-downs this app applied (takenDownModel).
	db *gorm.DB
}

// authorTTL bounds how long a replica that did not consume a video's take-down may still take
// it for existing: its favorites and comments in that time outlive the take-down.
const authorTTL = time.Minute

// NewVideoDirectory dials the video app.
func NewVideoDirectory(d *Data, services *confv1.Services, dialer *rpc.Dialer) (*VideoDirectory, func(), error) {
	conn, closeConn, err := dialer.Dial(services.GetVideo(), services.GetCallTimeout().AsDuration(), rpc.Retry(videov1.RetryableMethods...))
	if err != nil {
		return nil, nil, err
	}
	return &VideoDirectory{
		client:  videov1.NewVideoServiceClient(conn),
		authors: expirable.NewLRU[int64, int64](100_000, nil, authorTTL),
		db:      d.DB,
	}, closeConn, nil
}

// Author implements biz.VideoDirectory.
func (d *VideoDirectory) Author(ctx context.Context, videoID int64) (int64, error) {
	if author, ok := d.authors.Get(videoID); ok {
		return author, nil
	}
	reply, err := d.client.GetVideos(ctx, &videov1.GetVideosRequest{Ids: []int64{videoID}})
	if err != nil {
		return 0, err
	}
	if len(reply.GetVideos()) == 0 {
		return 0, biz.ErrVideoNotFound
	}
	author := reply.GetVideos()[0].GetAuthorId()
	d.authors.Add(videoID, author)
	return author, nil
}

// Forget drops what the directory remembers of videoID: it was taken down.
func (d *VideoDirectory) Forget(videoID int64) { d.authors.Remove(videoID) }

// TakenDown implements biz.VideoDirectory. It reads the database, not the memory: a like asks it
// right after committing, to catch a take-down that its own check of the video missed.
func (d *VideoDirectory) TakenDown(ctx context.Context, videoID int64) (bool, error) {
	var n int64
	if err := d.db.WithContext(ctx).Model(&takenDownModel{}).Where("video_id = ?", videoID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("whether video %d was taken down: %w", videoID, err)
	}
	return n > 0, nil
}
