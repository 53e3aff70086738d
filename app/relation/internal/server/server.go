// Package server builds the relation app's gRPC server and its HTTP health endpoint.
package server

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	"github.com/google/wire"

	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	"github.com/douyin-kratos/douyin/app/relation/internal/service"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// ProviderSet provides the servers of this package.
var ProviderSet = wire.NewSet(NewGRPCServer)

// NewGRPCServer serves the internal relation API on grpc_addr.
func NewGRPCServer(settings bootstrap.GRPCSettings, svc *service.RelationService, logger log.Logger) (*grpc.Server, func(), error) {
	srv, closeListener, err := bootstrap.NewGRPCServer(settings, logger)
	if err != nil {
		return nil, nil, err
	}
	relationv1.RegisterRelationServiceServer(srv, svc)
	return srv, closeListener, nil
}
