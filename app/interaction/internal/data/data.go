// Package data stores favorites and comments through gorm with the outbox of their events,
// publishes that outbox to Kafka, caches hot reads, and asks the video app who published a
// video.
package data

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// ProviderSet provides the adapters of this package.
var ProviderSet = wire.NewSet(
	NewData, NewRelay,
	NewFavoriteRepo, wire.Bind(new(biz.FavoriteRepo), new(*FavoriteRepo)),
	NewCommentRepo, wire.Bind(new(biz.CommentRepo), new(*CommentRepo)),
	NewVideoDirectory, wire.Bind(new(biz.VideoDirectory), new(*VideoDirectory)),
	wire.FieldsOf(new(*Data), "Counts"),
)

// Data holds the connections the repositories share.
type Data struct {
	db  *gorm.DB
	rdb *redis.Client // nil without Redis
	// Counts is how an action waits for its counts: through Redis when one is configured, at
	// most kafka.apply_wait.
	Counts countsv1.Awaiter
}

// NewData connects to the app's stores and brings the schema up to date.
func NewData(settings database.Settings, kafka *confv1.Kafka, ready *bootstrap.Readiness) (*Data, func(), error) {
	stores, closeStores, err := database.Open(settings, "interaction", migrate, ready)
	if err != nil {
		return nil, nil, err
	}
	event.RequireBrokers(ready, event.Brokers(kafka))
	return &Data{db: stores.DB, rdb: stores.Redis, Counts: countsv1.Awaiter{
		Acks: event.AcksFor(kafka, stores.Redis, settings.Redis.GetKeyPrefix()), Wait: kafka.GetApplyWait().AsDuration(),
	}}, closeStores, nil
}

func migrate(db *gorm.DB) error {
	if err := database.Migrate(db, &favoriteModel{}, &commentModel{}); err != nil {
		return err
	}
	return event.MigrateOutbox(db)
}

// NewRelay publishes the outbox; it runs as one of the app's servers.
func NewRelay(d *Data, kafka *confv1.Kafka, logger log.Logger) *event.Relay {
	return event.NewRelay(d.db, event.Brokers(kafka), []string{interactionv1.TopicFavorite, interactionv1.TopicComment}, logger)
}
