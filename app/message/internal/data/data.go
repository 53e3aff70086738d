// Package data stores messages through gorm, keeps the newest message time of each direction of
// each conversation where polls can read it without the database, and asks the relation app
// who is friends with whom.
package data

import (
	"github.com/google/wire"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/douyin-kratos/douyin/app/message/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/database"
)

// ProviderSet provides the adapters of this package.
var ProviderSet = wire.NewSet(
	NewData,
	NewMessageRepo, wire.Bind(new(biz.MessageRepo), new(*MessageRepo)),
	NewFriendChecker, wire.Bind(new(biz.FriendChecker), new(*FriendChecker)),
)

// Data holds the connections the repositories share.
type Data struct {
	db  *gorm.DB
	rdb *redis.Client // nil without Redis
}

// NewData connects to the app's stores and brings the schema up to date.
func NewData(stores database.Settings, ready *bootstrap.Readiness) (*Data, func(), error) {
	opened, closeStores, err := database.Open(stores, "message", migrate, ready)
	if err != nil {
		return nil, nil, err
	}
	return &Data{db: opened.DB, rdb: opened.Redis}, closeStores, nil
}

func migrate(db *gorm.DB) error {
	return database.Migrate(db, &conversationModel{}, &messageModel{})
}
