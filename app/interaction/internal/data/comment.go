package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/event"
)

type commentModel struct {
	ID        int64  `gorm:"primaryKey"`
	VideoID   int64  `gorm:"not null;index:idx_video_created,priority:1"`
	UserID    int64  `gorm:"not null"`
	Content   string `gorm:"size:2000;not null"`
	CreatedAt int64  `gorm:"not null;index:idx_video_created,priority:2"` // epoch ms
}

func (commentModel) TableName() string { return "comments" }

func (m *commentModel) comment() *biz.Comment {
	return &biz.Comment{ID: m.ID, VideoID: m.VideoID, UserID: m.UserID, Content: m.Content, CreatedAt: m.CreatedAt}
}

// CommentRepo implements biz.CommentRepo.
type CommentRepo struct {
	data  *Data
	relay *event.Relay
	cache commentCache
}

// NewCommentRepo returns the comment repository. Lists are cached in Redis when there is one,
// in memory when this process makes every change (kafka.in_process), and not at all otherwise.
func NewCommentRepo(data *Data, relay *event.Relay, redis *confv1.Redis, kafka *confv1.Kafka) *CommentRepo {
	var cache commentCache = noCommentCache{}
	ttl := redis.GetCacheTtl().AsDuration()
	switch {
	case data.Redis != nil:
		cache = &redisCommentCache{rdb: data.Redis, ttl: ttl, prefix: redis.GetKeyPrefix()}
	case kafka.GetInProcess():
		cache = newMemoryCommentCache(ttl)
	}
	return &CommentRepo{data: data, relay: relay, cache: cache}
}

// Create implements biz.CommentRepo.
func (r *CommentRepo) Create(ctx context.Context, c *biz.Comment, announce func(*biz.Comment) *interactionv1.CommentChanged) (string, error) {
	m := commentModel{VideoID: c.VideoID, UserID: c.UserID, Content: c.Content, CreatedAt: time.Now().UnixMilli()}
	eventID, err := r.relay.Record(ctx, countsv1.Route, func(tx *gorm.DB) (proto.Message, error) {
		m.ID = 0 // a retried attempt inserts afresh
		if err := tx.Create(&m).Error; err != nil {
			return nil, err
		}
		return announce(m.comment()), nil
	})
	r.cache.changed(ctx, c.VideoID) // also after an error: see event.Relay.Commit
	if err != nil {
		return "", fmt.Errorf("post comment: %w", err)
	}
	c.ID, c.CreatedAt = m.ID, m.CreatedAt
	return eventID, nil
}

// Get implements biz.CommentRepo.
func (r *CommentRepo) Get(ctx context.Context, id int64) (*biz.Comment, error) {
	var m commentModel
	err := r.data.DB.WithContext(ctx).Take(&m, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, biz.ErrCommentNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get comment: %w", err)
	}
	return m.comment(), nil
}

// Delete implements biz.CommentRepo.
func (r *CommentRepo) Delete(ctx context.Context, c *biz.Comment, announce func(*biz.Comment) *interactionv1.CommentChanged) (string, error) {
	removed := false
	eventID, err := r.relay.Record(ctx, countsv1.Route, func(tx *gorm.DB) (proto.Message, error) {
		res := tx.Delete(&commentModel{}, c.ID)
		removed = res.Error == nil && res.RowsAffected > 0
		if !removed {
			return nil, res.Error // gone already: a concurrent delete announced it
		}
		return announce(c), nil
	})
	// The cache follows the row, not the event: whether a removal is announced is biz's call.
	if removed || err != nil {
		r.cache.changed(ctx, c.VideoID) // also after an error: see event.Relay.Commit
	}
	if err != nil {
		return "", fmt.Errorf("delete comment: %w", err)
	}
	return eventID, nil
}

// removeVideo removes every comment of videoID within tx, announcing none: the one counter
// comments move is their video's comment_count (api/counts/v1), which went with the video's
// row. The caller drops the cached list (forget) once tx has ended.
func (r *CommentRepo) removeVideo(tx *gorm.DB, videoID int64) error {
	if err := tx.Where("video_id = ?", videoID).Delete(&commentModel{}).Error; err != nil {
		return fmt.Errorf("remove comments of video %d: %w", videoID, err)
	}
	return nil
}

// forget drops the cached comment list of videoID.
func (r *CommentRepo) forget(ctx context.Context, videoID int64) { r.cache.changed(ctx, videoID) }

// ListByVideo implements biz.CommentRepo.
func (r *CommentRepo) ListByVideo(ctx context.Context, videoID int64, limit int) ([]*biz.Comment, error) {
	list, version, ok := r.cache.get(ctx, videoID, limit)
	if ok {
		return list, nil
	}
	list, err := r.listFromDB(ctx, videoID, limit)
	if err != nil {
		return nil, err
	}
	r.cache.put(ctx, videoID, version, limit, list)
	return list, nil
}

func (r *CommentRepo) listFromDB(ctx context.Context, videoID int64, limit int) ([]*biz.Comment, error) {
	var rows []commentModel
	err := r.data.DB.WithContext(ctx).Where("video_id = ?", videoID).
		Order("created_at DESC").Order("id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	out := make([]*biz.Comment, len(rows))
	for i := range rows {
		out[i] = rows[i].comment()
	}
	return out, nil
}
