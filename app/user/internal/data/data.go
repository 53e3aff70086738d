// Package data stores accounts in SQL through gorm, with an optional Redis cache of profiles.
package data

import (
	"github.com/google/wire"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/user/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/moderation"
)

// ProviderSet provides the repositories of this package.
var ProviderSet = wire.NewSet(
	NewData, NewUserRepo, wire.Bind(new(biz.UserRepo), new(*UserRepo)), NewCounterConsumer,
	// The words biz refuses (pkg/moderation), loaded once when the app is assembled.
	moderation.FromConfig, wire.Bind(new(biz.Blocklist), new(*moderation.Blocklist)),
)

// Data holds the connections the repositories share.
type Data = event.Stores

// NewData connects to the app's stores and brings the schema up to date.
func NewData(settings database.Settings, kafka *confv1.Kafka, ready *bootstrap.Readiness) (*Data, func(), error) {
	return event.OpenStores(settings, kafka, "user", migrate, ready)
}

func migrate(db *gorm.DB) error {
	if database.IsMySQL(db) {
		// Binary collation: usernames are compared exactly, as on SQLite, so "Bob" and "bob"
		// are two accounts everywhere.
		db = db.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
	}
	return db.AutoMigrate(&userModel{}, &banModel{})
}
