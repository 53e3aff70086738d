// Package video is the video app: videos, their files and covers, and the feed, served over gRPC.
package video

import (
	"github.com/go-kratos/kratos/v2/log"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
	"github.com/douyin-kratos/douyin/app/video/internal/data"
	"github.com/douyin-kratos/douyin/app/video/internal/server"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/objectstore"
)

// Name identifies the app in logs, discovery and file names.
const Name = "video"

// App is the video app. Run alone, it listens on these addresses unless told otherwise.
var App = bootstrap.App{Name: Name, Build: build, Listen: bootstrap.DomainListen(9002, 8002)}

// workers are what the video app runs beside its gRPC API: the consumer applying the counts the
// other apps' events move, the relay publishing its own outbox, and the sweeper of orphaned
// files.
func workers(counters *event.Consumer, relay *event.Relay, sweeper *server.Sweeper) bootstrap.Workers {
	return bootstrap.Workers{counters, relay, sweeper}
}

// build assembles the app (wireComponent) and makes the process not ready while its object
// store does not answer: a publish would fail, and the start checked the store only once.
func build(bc *confv1.Bootstrap, logger log.Logger, p *bootstrap.Process) (*bootstrap.Component, func(), error) {
	c, cleanup, err := wireComponent(bc, logger, p)
	if err != nil {
		return nil, nil, err
	}
	if err := objectstore.RequireReachable(p.Ready, bc.GetStorage()); err != nil {
		cleanup()
		return nil, nil, err
	}
	return c, cleanup, nil
}

// settings are the video rules' limits, from the configuration.
func settings(bc *confv1.Bootstrap) biz.Settings {
	return biz.Settings{
		MaxUploadBytes: bc.GetVideo().GetMaxUploadBytes(),
		MaxDimension:   int(bc.GetVideo().GetMaxDimension()),
		MaxDuration:    bc.GetVideo().GetMaxDuration().AsDuration(),
		UploadTimeout:  bc.GetHttp().GetUploadTimeout().AsDuration(),
		OrphanGrace:    bc.GetVideo().GetOrphanGrace().AsDuration(),
		MaxListItems:   int(bc.GetLists().GetMaxItems()),
	}
}

// uploadDir is where uploads spool: video.upload_dir, by default the data dir's tmp.
func uploadDir(bc *confv1.Bootstrap) data.UploadDir {
	if dir := bc.GetVideo().GetUploadDir(); dir != "" {
		return data.UploadDir(dir)
	}
	return data.UploadDir(bc.GetDataDir() + "/tmp")
}
