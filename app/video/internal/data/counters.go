package data

import (
	"context"
	"fmt"

	"github.com/go-kratos/kratos/v2/log"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// NewCounterConsumer keeps videos' favorite_count and comment_count from the interaction app's
// events. Each
// committed batch bumps the read cache's generation, so the next feed shows the new counts.
func NewCounterConsumer(d *Data, repo *VideoRepo, bc *confv1.Bootstrap, logger log.Logger) (*event.Consumer, error) {
	if err := event.MigrateConsumer(d.db); err != nil {
		return nil, err
	}
	return event.NewConsumer(videov1.CounterConsumer, d.db, event.Brokers(bc.GetKafka()),
		[]string{interactionv1.TopicFavorite, interactionv1.TopicComment}, applyCount, event.ConsumerOptions{
			Acks: event.AcksFor(bc, d.rdb),
			AfterCommit: func(ctx context.Context, _ []event.Message) {
				if err := repo.cache.gen.bump(ctx); err != nil {
					repo.log.Warnw("msg", "could not announce new counts to the read caches", "error", err)
				}
			},
		}, logger), nil
}

// applyCount adds an event's delta to its video's count. Deltas arrive once each and in order
// per video (the key), and only for real changes, so counts never go below zero.
func applyCount(_ context.Context, tx *gorm.DB, msg event.Message) error {
	var (
		videoID int64
		column  string
		delta   int32
	)
	switch msg.Topic {
	case interactionv1.TopicFavorite:
		var e interactionv1.FavoriteChanged
		if err := msg.Unmarshal(&e); err != nil {
			return fmt.Errorf("%w: %v", event.ErrSkip, err)
		}
		videoID, column, delta = e.GetVideoId(), "favorite_count", e.GetDelta()
	case interactionv1.TopicComment:
		var e interactionv1.CommentChanged
		if err := msg.Unmarshal(&e); err != nil {
			return fmt.Errorf("%w: %v", event.ErrSkip, err)
		}
		videoID, column, delta = e.GetVideoId(), "comment_count", e.GetDelta()
	default:
		return fmt.Errorf("%w: topic %s", event.ErrSkip, msg.Topic)
	}
	return tx.Model(&videoModel{}).Where("id = ?", videoID).
		Update(column, gorm.Expr(column+" + ?", delta)).Error
}
