package data

import (
	"context"

	"github.com/go-kratos/kratos/v2/log"
	"google.golang.org/protobuf/proto"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// NewCounterConsumer keeps users' counters as the counter table says (api/counts/v1), from the
// interaction, video and relation apps' events, and drops the changed users from the cache once
// a batch is committed.
func NewCounterConsumer(d *Data, repo *UserRepo, kafka *confv1.Kafka, logger log.Logger) (*event.Consumer, error) {
	if err := event.MigrateConsumer(d.DB); err != nil {
		return nil, err
	}
	return event.NewConsumer(userv1.CounterConsumer, d.DB, event.Brokers(kafka),
		[]string{interactionv1.TopicFavorite, videov1.TopicPublished, relationv1.TopicFollow}, applyCount, event.ConsumerOptions{
			Acks:    d.Acks,
			Changes: d.Changes,
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

// applyCount applies one event to the users' counters it moves.
var applyCount = event.Counts(userModel{}.TableName(), countsv1.Mover(countsv1.User))

// usersChangedBy returns the users whose cached profiles an applied event made stale: those
// whose counters it moved.
func usersChangedBy(e proto.Message) []int64 {
	var ids []int64
	for _, m := range countsv1.MovesOf(countsv1.User, e) {
		ids = append(ids, m.ID)
	}
	return ids
}
