// Package server builds the user app's gRPC server and its HTTP health endpoint.
package server

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	"github.com/google/wire"

	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	"github.com/douyin-kratos/douyin/app/user/internal/service"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// ProviderSet provides the servers of this package.
var ProviderSet = wire.NewSet(NewGRPCServer)

// NewGRPCServer serves the internal user API on grpc_addr.
func NewGRPCServer(settings bootstrap.GRPCSettings, users *service.UserService, logger log.Logger) (*grpc.Server, func(), error) {
	srv, closeListener, err := bootstrap.NewGRPCServer(settings, logger)
	if err != nil {
		return nil, nil, err
	}
	userv1.RegisterUserServiceServer(srv, users)
	return srv, closeListener, nil
}
