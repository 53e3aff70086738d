package data

import (
	"github.com/go-kratos/kratos/v2/log"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// NewCounterConsumer keeps videos' counters as the counter table says (api/counts/v1), from the
// interaction app's events. Each committed batch is counted as a change (pkg/changes), so the
// next feed, here and in every cache of the system, shows the new counts.
func NewCounterConsumer(d *Data, kafka *confv1.Kafka, logger log.Logger) (*event.Consumer, error) {
	if err := event.MigrateConsumer(d.DB); err != nil {
		return nil, err
	}
	return event.NewConsumer(videov1.CounterConsumer, d.DB, event.Brokers(kafka),
		[]string{interactionv1.TopicFavorite, interactionv1.TopicComment}, applyCount, event.ConsumerOptions{
			Acks: d.Acks, Changes: d.Changes,
		}, logger), nil
}

// applyCount applies one event to the videos' counters it moves.
var applyCount = event.Counts(videoModel{}.TableName(), countsv1.Mover(countsv1.Video))
