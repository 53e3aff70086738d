// Package server builds the message app's gRPC server and its HTTP health endpoint.
package server

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	"github.com/google/wire"

	messagev1 "github.com/douyin-kratos/douyin/api/message/v1"
	"github.com/douyin-kratos/douyin/app/message/internal/service"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// ProviderSet provides the servers of this package.
var ProviderSet = wire.NewSet(NewGRPCServer)

// NewGRPCServer serves the internal message API on grpc_addr.
func NewGRPCServer(settings bootstrap.GRPCSettings, svc *service.MessageService, logger log.Logger) (*grpc.Server, func(), error) {
	srv, closeListener, err := bootstrap.NewGRPCServer(settings, logger)
	if err != nil {
		return nil, nil, err
	}
	messagev1.RegisterMessageServiceServer(srv, svc)
	return srv, closeListener, nil
}
