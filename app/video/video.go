// Package video is the video app: videos, their files and covers, and the feed, served over gRPC.
package video

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport"
	"github.com/go-kratos/kratos/v2/transport/grpc"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/server"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// Name identifies the app in logs, discovery and file names.
const Name = "video"

// New assembles the video app from its configuration.
func New(bc *confv1.Bootstrap, logger log.Logger, p *bootstrap.Process) (*bootstrap.Component, func(), error) {
	return wireComponent(bc, log.With(logger, "app", Name), p)
}

func newComponent(gs *grpc.Server, counters *event.Consumer, relay *event.Relay, sweeper *server.Sweeper) *bootstrap.Component {
	return &bootstrap.Component{Name: Name, GRPC: gs, Workers: []transport.Server{counters, relay, sweeper}}
}
