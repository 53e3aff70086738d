// Package data stores videos in SQL through gorm and their files in object storage, and runs
// ffprobe and ffmpeg on uploads.
package data

import (
	"github.com/google/wire"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database"
)

// ProviderSet provides the adapters of this package.
var ProviderSet = wire.NewSet(
	NewData,
	NewVideoRepo, wire.Bind(new(biz.VideoRepo), new(*VideoRepo)),
	NewObjectStore, wire.Bind(new(biz.ObjectStore), new(*ObjectStore)),
	NewFFmpeg, wire.Bind(new(biz.MediaTool), new(*FFmpeg)),
	NewCounterConsumer,
)

// Data holds the connections the repositories share.
type Data struct {
	db *gorm.DB
	// rdb is nil when no Redis is configured.
	rdb *redis.Client
}

// NewData connects to the database and brings the schema up to date.
func NewData(bc *confv1.Bootstrap) (*Data, func(), error) {
	db, closeDB, err := database.OpenSQL(bc.GetDatabase(), bc.GetDataDir(), "video")
	if err != nil {
		return nil, nil, err
	}
	if database.IsMySQL(db) {
		db = db.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
	}
	if err := db.AutoMigrate(&videoModel{}); err != nil {
		closeDB()
		return nil, nil, err
	}
	rdb, closeRedis, err := database.OpenRedis(bc.GetRedis())
	if err != nil {
		closeDB()
		return nil, nil, err
	}
	return &Data{db: db, rdb: rdb}, func() { closeRedis(); closeDB() }, nil
}
