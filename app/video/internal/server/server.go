// Package server builds the video app's gRPC server and its sweeper of crash leftovers.
package server

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	"github.com/google/wire"

	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/service"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// ProviderSet provides the servers of this package.
var ProviderSet = wire.NewSet(NewGRPCServer, NewSweeper)

// NewGRPCServer serves the internal video API on grpc_addr.
func NewGRPCServer(settings bootstrap.GRPCSettings, videos *service.VideoService, logger log.Logger) (*grpc.Server, func(), error) {
	srv, closeListener, err := bootstrap.NewGRPCServer(settings, logger)
	if err != nil {
		return nil, nil, err
	}
	videov1.RegisterVideoServiceServer(srv, videos)
	return srv, closeListener, nil
}
