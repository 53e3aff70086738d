package data

import (
	"context"
	"fmt"
	"sync"
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
	// takenDown holds them too, where this process applies every one (kafka.in_process), so
	// that the check every like and comment makes after its commit reads no row; nil where
	// another replica may have applied one.
	takenDown *videoSet
}

// videoSet is a set of video ids safe for concurrent use.
type videoSet struct {
	mu  sync.RWMutex
	ids map[int64]struct{}
}

func (s *videoSet) has(id int64) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.ids[id]
	return ok
}

func (s *videoSet) add(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids[id] = struct{}{}
}

// authorTTL bounds how long a replica that did not consume a video's take-down may still take
// it for existing: its favorites and comments in that time outlive the take-down.
const authorTTL = time.Minute

// NewVideoDirectory dials the video app.
func NewVideoDirectory(d *Data, services *confv1.Services, kafka *confv1.Kafka, dialer *rpc.Dialer) (*VideoDirectory, func(), error) {
	conn, closeConn, err := dialer.Dial(services.GetVideo(), services.GetCallTimeout().AsDuration(), rpc.Retry(videov1.RetryableMethods...))
	if err != nil {
		return nil, nil, err
	}
	dir, err := newVideoDirectory(videov1.NewVideoServiceClient(conn), d.DB, kafka.GetInProcess())
	if err != nil {
		closeConn()
		return nil, nil, err
	}
	return dir, closeConn, nil
}

// newVideoDirectory returns the directory asking client, with the take-downs applied to db held
// in memory as well when inProcess.
func newVideoDirectory(client videov1.VideoServiceClient, db *gorm.DB, inProcess bool) (*VideoDirectory, error) {
	d := &VideoDirectory{client: client, authors: expirable.NewLRU[int64, int64](100_000, nil, authorTTL), db: db}
	if inProcess {
		var ids []int64
		if err := db.Model(&takenDownModel{}).Pluck("video_id", &ids).Error; err != nil {
			return nil, fmt.Errorf("load the take-downs: %w", err)
		}
		d.takenDown = &videoSet{ids: make(map[int64]struct{}, len(ids))}
		for _, id := range ids {
			d.takenDown.add(id)
		}
	}
	return d, nil
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

// takingDown tells the directory that the take-down of videoID is being applied. It is called
// before that transaction commits, so that a like which commits too late to be removed by it,
// and then checks (TakenDown), finds it: once the check could see the commit, it sees the mark.
// A mark whose transaction rolls back stays, rightly: the video is gone from the video app, and
// its consumer applies the take-down again until it commits.
func (d *VideoDirectory) takingDown(videoID int64) {
	if d.takenDown != nil {
		d.takenDown.add(videoID)
	}
}

// TakenDown implements biz.VideoDirectory. A like asks it right after committing, to catch a
// take-down that its own check of the video missed, so it reads what is committed (or, in
// process, marked before its commit), never the authors remembered.
func (d *VideoDirectory) TakenDown(ctx context.Context, videoID int64) (bool, error) {
	if d.takenDown != nil {
		return d.takenDown.has(videoID), nil
	}
	var n int64
	if err := d.db.WithContext(ctx).Model(&takenDownModel{}).Where("video_id = ?", videoID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("whether video %d was taken down: %w", videoID, err)
	}
	return n > 0, nil
}
