// Package data stores follows through gorm with the outbox of their events, publishes that
// outbox to Kafka, caches who each viewer follows in the all-in-one, and asks the user app
// whether a user exists.
package data

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	"github.com/douyin-kratos/douyin/app/relation/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// ProviderSet provides the adapters of this package.
var ProviderSet = wire.NewSet(
	NewData, NewRelay,
	NewFollowRepo, wire.Bind(new(biz.FollowRepo), new(*FollowRepo)),
	NewUserDirectory, wire.Bind(new(biz.UserDirectory), new(*UserDirectory)),
	event.AwaiterOf,
)

// Data holds the connections the repositories share.
type Data = event.Stores

// NewData connects to the app's stores and brings the schema up to date.
func NewData(settings database.Settings, kafka *confv1.Kafka, ready *bootstrap.Readiness) (*Data, func(), error) {
	return event.OpenStores(settings, kafka, "relation", migrate, ready)
}

func migrate(db *gorm.DB) error {
	if err := database.Migrate(db, &followModel{}); err != nil {
		return err
	}
	return event.MigrateOutbox(db)
}

// NewRelay publishes the outbox; it runs as one of the app's servers.
func NewRelay(d *Data, kafka *confv1.Kafka, logger log.Logger) *event.Relay {
	return event.RelayOf(d, kafka, logger, relationv1.TopicFollow)
}
