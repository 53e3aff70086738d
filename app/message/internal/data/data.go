// Package data stores messages through gorm, keeps the newest message time of each direction of
// each conversation where polls can read it without the database, and asks the relation app
// who is friends with whom.
package data

import (
	"github.com/google/wire"
	"gorm.io/gorm"

	"github.com/douyin-kratos/douyin/app/message/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/moderation"
)

// ProviderSet provides the adapters of this package.
var ProviderSet = wire.NewSet(
	NewData,
	NewMessageRepo, wire.Bind(new(biz.MessageRepo), new(*MessageRepo)),
	NewFriendChecker, wire.Bind(new(biz.FriendChecker), new(*FriendChecker)),
	// The words biz refuses (pkg/moderation), loaded once when the app is assembled.
	moderation.FromConfig, wire.Bind(new(biz.Blocklist), new(*moderation.Blocklist)),
)

// Data holds the connections the repositories share.
type Data = database.Stores

// NewData connects to the app's stores and brings the schema up to date.
func NewData(stores database.Settings, ready *bootstrap.Readiness) (*Data, func(), error) {
	return database.Open(stores, "message", migrate, ready)
}

func migrate(db *gorm.DB) error {
	return database.Migrate(db, &conversationModel{}, &messageModel{})
}
