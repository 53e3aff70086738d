// Package data stores videos in SQL through gorm with the outbox of their events, publishes
// that outbox to Kafka, keeps their files in object storage, spools uploads to local files,
// and runs ffprobe and ffmpeg on them.
package data

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/moderation"
)

// ProviderSet provides the adapters of this package.
var ProviderSet = wire.NewSet(
	NewData,
	NewVideoRepo, wire.Bind(new(biz.VideoRepo), new(*VideoRepo)),
	NewObjectStore, wire.Bind(new(biz.ObjectStore), new(*ObjectStore)),
	NewFFmpeg, wire.Bind(new(biz.MediaTool), new(*FFmpeg)),
	NewUploadSpool, wire.Bind(new(biz.UploadSpool), new(*UploadSpool)),
	NewCounterConsumer, NewRelay,
	event.AwaiterOf,
	// The words biz refuses (pkg/moderation), loaded once when the app is assembled.
	moderation.FromConfig, wire.Bind(new(biz.Blocklist), new(*moderation.Blocklist)),
)

// Data holds the connections the repositories share.
type Data = event.Stores

// NewData connects to the app's stores and brings the schema up to date.
func NewData(settings database.Settings, kafka *confv1.Kafka, ready *bootstrap.Readiness) (*Data, func(), error) {
	return event.OpenStores(settings, kafka, "video", migrateAndBackfill, ready)
}

// migrateAndBackfill brings the schema up to date, then announces the work counts of a store
// created before VideoPublished events existed (once).
func migrateAndBackfill(db *gorm.DB) error {
	if err := migrate(db); err != nil {
		return err
	}
	return publishWorkCountsOnce(db)
}

func migrate(db *gorm.DB) error {
	if err := database.Migrate(db, &videoModel{}, &backfillModel{}); err != nil {
		return err
	}
	return event.MigrateOutbox(db)
}

// NewRelay publishes the outbox; it runs as one of the app's workers.
func NewRelay(d *Data, kafka *confv1.Kafka, logger log.Logger) *event.Relay {
	return event.RelayOf(d, kafka, logger, videov1.TopicPublished)
}
