package data

import (
	"context"
	"fmt"

	"github.com/go-kratos/kratos/v2/log"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// NewCounterConsumer keeps users' favorite_count (videos they liked) and total_favorited (likes
// their videos received) from the interaction app's events, and drops the changed users from
// the cache once a batch is committed.
func NewCounterConsumer(d *Data, repo *UserRepo, bc *confv1.Bootstrap, logger log.Logger) (*event.Consumer, error) {
	if err := event.MigrateConsumer(d.db); err != nil {
		return nil, err
	}
	return event.NewConsumer(userv1.CounterConsumer, d.db, event.Brokers(bc.GetKafka()),
		[]string{interactionv1.TopicFavorite}, applyFavorite, event.ConsumerOptions{
			Acks: event.AcksFor(bc, d.rdb),
			AfterCommit: func(ctx context.Context, applied []event.Message) {
				var changed []int64
				for _, msg := range applied {
					var e interactionv1.FavoriteChanged
					if msg.Unmarshal(&e) == nil {
						changed = append(changed, e.GetUserId(), e.GetAuthorId())
					}
				}
				repo.Forget(ctx, changed)
			},
		}, logger), nil
}

func applyFavorite(_ context.Context, tx *gorm.DB, msg event.Message) error {
	var e interactionv1.FavoriteChanged
	if err := msg.Unmarshal(&e); err != nil {
		return fmt.Errorf("%w: %v", event.ErrSkip, err)
	}
	// Each event arrives once and only for a real change, so the counts never go below zero.
	if err := tx.Model(&userModel{}).Where("id = ?", e.GetUserId()).
		Update("favorite_count", gorm.Expr("favorite_count + ?", e.GetDelta())).Error; err != nil {
		return err
	}
	return tx.Model(&userModel{}).Where("id = ?", e.GetAuthorId()).
		Update("total_favorited", gorm.Expr("total_favorited + ?", e.GetDelta())).Error
}
