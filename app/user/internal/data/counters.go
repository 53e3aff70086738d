package data

import (
	"context"
	"fmt"

	"github.com/go-kratos/kratos/v2/log"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// NewCounterConsumer keeps users' favorite_count (videos they liked) and total_favorited (likes
// their videos received) from the interaction app's events, work_count from the video app's,
// and follow_count and follower_count from the relation app's, and drops the changed users from
// the cache once a batch is committed.
func NewCounterConsumer(d *Data, repo *UserRepo, bc *confv1.Bootstrap, logger log.Logger) (*event.Consumer, error) {
	if err := event.MigrateConsumer(d.db); err != nil {
		return nil, err
	}
	return event.NewConsumer(userv1.CounterConsumer, d.db, event.Brokers(bc.GetKafka()),
		[]string{interactionv1.TopicFavorite, videov1.TopicPublished, relationv1.TopicFollow}, applyCount, event.ConsumerOptions{
			Acks: event.AcksFor(bc, d.rdb),
			AfterCommit: func(ctx context.Context, applied []event.Message) {
				var changed []int64
				for _, msg := range applied {
					if e, err := msg.Decode(); err == nil {
						changed = append(changed, usersChangedBy(e)...)
					}
				}
				repo.Forget(ctx, changed)
			},
		}, logger), nil
}

// applyCount applies one event to the counts it changes. Deltas arrive once each and only for
// real changes, so the counts never go below zero.
func applyCount(_ context.Context, tx *gorm.DB, msg event.Message) error {
	e, err := msg.Decode()
	if err != nil {
		return fmt.Errorf("%w: %v", event.ErrSkip, err)
	}
	add := func(userID int64, column string, delta int64) error {
		return tx.Model(&userModel{}).Where("id = ?", userID).
			Update(column, gorm.Expr(column+" + ?", delta)).Error
	}
	switch e := e.(type) {
	case *interactionv1.FavoriteChanged:
		if err := add(e.GetUserId(), "favorite_count", int64(e.GetDelta())); err != nil {
			return err
		}
		return add(e.GetAuthorId(), "total_favorited", int64(e.GetDelta()))
	case *relationv1.FollowChanged:
		if err := add(e.GetFollowerId(), "follow_count", int64(e.GetDelta())); err != nil {
			return err
		}
		return add(e.GetFolloweeId(), "follower_count", int64(e.GetDelta()))
	case *videov1.VideoPublished:
		return add(e.GetAuthorId(), "work_count", 1)
	case *videov1.WorksCounted:
		// An absolute count. It comes before any VideoPublished of the author (same key, and
		// the video app enqueues it first), so the increments that follow add to it.
		return tx.Model(&userModel{}).Where("id = ?", e.GetAuthorId()).Update("work_count", e.GetWorkCount()).Error
	default:
		return fmt.Errorf("%w: event type %s on %s", event.ErrSkip, msg.Type, msg.Topic)
	}
}

// usersChangedBy returns the users whose cached profiles an applied event made stale.
func usersChangedBy(e any) []int64 {
	switch e := e.(type) {
	case *interactionv1.FavoriteChanged:
		return []int64{e.GetUserId(), e.GetAuthorId()}
	case *relationv1.FollowChanged:
		return []int64{e.GetFollowerId(), e.GetFolloweeId()}
	case *videov1.VideoPublished:
		return []int64{e.GetAuthorId()}
	case *videov1.WorksCounted:
		return []int64{e.GetAuthorId()}
	}
	return nil
}
