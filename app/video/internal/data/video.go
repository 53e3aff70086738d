package data

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/event"
)

type videoModel struct {
	ID       int64  `gorm:"primaryKey"`
	AuthorID int64  `gorm:"not null;index:idx_author_published,priority:1"`
	Title    string `gorm:"size:400;not null"`
	// The keys are indexed for the orphan sweep, which asks which of a batch of keys a video
	// points at.
	PlayKey  string `gorm:"size:255;not null;index"`
	CoverKey string `gorm:"size:255;not null;index"`
	// PublishedAt (epoch ms) is unique: it is the feed cursor.
	PublishedAt int64 `gorm:"not null;uniqueIndex;index:idx_author_published,priority:2"`
	// Counts kept from the interaction app's events (counters.go).
	FavoriteCount int64 `gorm:"not null;default:0"`
	CommentCount  int64 `gorm:"not null;default:0"`
	CreatedAt     time.Time
}

func (videoModel) TableName() string { return "videos" }

func (r *VideoRepo) video(m *videoModel) *biz.Video {
	return &biz.Video{
		ID: m.ID, AuthorID: m.AuthorID, Title: m.Title,
		PlayKey: m.PlayKey, CoverKey: m.CoverKey, PublishedAt: m.PublishedAt,
		FavoriteCount: m.FavoriteCount, CommentCount: m.CommentCount,
		PlayURL: r.objects.URL(m.PlayKey), CoverURL: r.objects.URL(m.CoverKey),
	}
}

// VideoRepo implements biz.VideoRepo.
type VideoRepo struct {
	data    *Data
	objects *ObjectStore
	relay   *event.Relay
	cache   *readCache
	log     *log.Helper
}

// NewVideoRepo returns the video repository. Its read cache is good until the next change
// counted anywhere in the system (data.Changes): its own publishes and deletes and the counts
// it applies among them.
func NewVideoRepo(data *Data, objects *ObjectStore, relay *event.Relay, logger log.Logger) *VideoRepo {
	return &VideoRepo{data: data, objects: objects, relay: relay, cache: &readCache{changes: data.Changes}, log: log.NewHelper(logger)}
}

// maxPublishRetries bounds the search for a free millisecond; only a burst of more publishes
// than this in one millisecond could exhaust it.
const maxPublishRetries = 100

// Create implements biz.VideoRepo.
func (r *VideoRepo) Create(ctx context.Context, v *biz.Video, announce func(*biz.Video) *videov1.VideoPublished) (string, error) {
	m := videoModel{
		AuthorID: v.AuthorID, Title: v.Title, PlayKey: v.PlayKey, CoverKey: v.CoverKey, PublishedAt: v.PublishedAt,
	}
	for range maxPublishRetries {
		eventID, err := r.relay.Record(ctx, countsv1.Route, func(tx *gorm.DB) (proto.Message, error) {
			m.ID = 0 // a retried attempt inserts afresh
			if err := tx.Create(&m).Error; err != nil {
				return nil, err
			}
			return announce(r.video(&m)), nil
		})
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			m.PublishedAt++ // the only unique column besides the id: take the next millisecond
			continue
		}
		if err != nil {
			return "", fmt.Errorf("insert video: %w", err)
		}
		v.ID, v.PublishedAt = m.ID, m.PublishedAt
		v.PlayURL, v.CoverURL = r.objects.URL(v.PlayKey), r.objects.URL(v.CoverKey)
		return eventID, nil
	}
	return "", fmt.Errorf("insert video: no free publish time after %d tries", maxPublishRetries)
}

// errGone ends a delete's transaction when the video is not there.
var errGone = errors.New("no such video")

// Delete implements biz.VideoRepo.
func (r *VideoRepo) Delete(ctx context.Context, id int64, announce func(*biz.Video) *videov1.VideoDeleted) (*biz.Video, string, error) {
	var m videoModel
	eventID, err := r.relay.Record(ctx, countsv1.Route, func(tx *gorm.DB) (proto.Message, error) {
		if err := tx.Take(&m, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil, errGone
			}
			return nil, err
		}
		// Only the delete that removes the row announces it: of two racing deletes that both
		// read it, the second removes nothing and ends as not found.
		res := tx.Delete(&videoModel{}, id)
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected == 0 {
			return nil, errGone
		}
		return announce(r.video(&m)), nil
	})
	if errors.Is(err, errGone) {
		return nil, "", biz.ErrVideoNotFound
	}
	// The relay counted the change, also after an error (see event.Relay.Commit): the feed's
	// cache follows at once.
	if err != nil {
		return nil, "", fmt.Errorf("delete video %d: %w", id, err)
	}
	return r.video(&m), eventID, nil
}

// Feed implements biz.VideoRepo.
func (r *VideoRepo) Feed(ctx context.Context, beforeMs int64, limit int) ([]*biz.Video, error) {
	newest := func(n int) ([]*biz.Video, error) { return r.feed(ctx, math.MaxInt64, n) }
	if vs, ok, err := r.cache.feed(ctx, beforeMs, limit, newest); ok || err != nil {
		return vs, err
	}
	return r.feed(ctx, beforeMs, limit)
}

func (r *VideoRepo) feed(ctx context.Context, beforeMs int64, limit int) ([]*biz.Video, error) {
	var rows []videoModel
	err := r.data.DB.WithContext(ctx).Where("published_at < ?", beforeMs).
		Order("published_at DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	return r.videos(rows), nil
}

// ListByAuthor implements biz.VideoRepo.
func (r *VideoRepo) ListByAuthor(ctx context.Context, authorID int64, limit int) ([]*biz.Video, error) {
	var rows []videoModel
	err := r.data.DB.WithContext(ctx).Where("author_id = ?", authorID).Order("published_at DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list videos of author: %w", err)
	}
	return r.videos(rows), nil
}

// GetVideos implements biz.VideoRepo.
func (r *VideoRepo) GetVideos(ctx context.Context, ids []int64) ([]*biz.Video, error) {
	var rows []videoModel
	if err := r.data.DB.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get videos: %w", err)
	}
	return r.videos(rows), nil
}

// Referenced implements biz.VideoRepo.
func (r *VideoRepo) Referenced(ctx context.Context, keys []string) (map[string]bool, error) {
	var rows []videoModel
	err := r.data.DB.WithContext(ctx).Select("play_key", "cover_key").
		Where("play_key IN ? OR cover_key IN ?", keys, keys).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("referenced keys: %w", err)
	}
	out := make(map[string]bool, 2*len(rows))
	for _, row := range rows {
		out[row.PlayKey], out[row.CoverKey] = true, true
	}
	return out, nil
}

func (r *VideoRepo) videos(rows []videoModel) []*biz.Video {
	out := make([]*biz.Video, len(rows))
	for i := range rows {
		out[i] = r.video(&rows[i])
	}
	return out
}
