// Package data stores favorites and comments through gorm with the outbox of their events,
// publishes that outbox to Kafka, caches hot reads, and asks the video app who published a
// video.
package data

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/moderation"
)

// ProviderSet provides the adapters of this package.
var ProviderSet = wire.NewSet(
	NewData, NewRelay,
	NewFavoriteRepo, wire.Bind(new(biz.FavoriteRepo), new(*FavoriteRepo)),
	NewCommentRepo, wire.Bind(new(biz.CommentRepo), new(*CommentRepo)),
	NewVideoDirectory, wire.Bind(new(biz.VideoDirectory), new(*VideoDirectory)),
	event.AwaiterOf, NewTakedownConsumer,
	// The words biz refuses (pkg/moderation), loaded once when the app is assembled.
	moderation.FromConfig, wire.Bind(new(biz.Blocklist), new(*moderation.Blocklist)),
)

// Data holds the connections the repositories share.
type Data = event.Stores

// NewData connects to the app's stores and brings the schema up to date.
func NewData(settings database.Settings, kafka *confv1.Kafka, ready *bootstrap.Readiness) (*Data, func(), error) {
	return event.OpenStores(settings, kafka, "interaction", migrate, ready)
}

func migrate(db *gorm.DB) error {
	if err := database.Migrate(db, &commentModel{}, &takenDownModel{}); err != nil {
		return err
	}
	if err := migrateFavorites(db); err != nil {
		return err
	}
	return event.MigrateOutbox(db)
}

// NewRelay publishes the outbox; it runs as one of the app's servers.
func NewRelay(d *Data, kafka *confv1.Kafka, logger log.Logger) *event.Relay {
	return event.RelayOf(d, kafka, logger, interactionv1.TopicFavorite, interactionv1.TopicComment)
}
