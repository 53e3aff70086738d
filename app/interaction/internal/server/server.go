// Package server builds the interaction app's gRPC server, its HTTP health endpoint and the
// relay that publishes its events.
package server

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	"github.com/google/wire"

	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/service"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// ProviderSet provides the servers of this package.
var ProviderSet = wire.NewSet(NewGRPCServer)

// NewGRPCServer serves the internal interaction API on grpc_addr.
func NewGRPCServer(settings bootstrap.GRPCSettings, svc *service.InteractionService, logger log.Logger) (*grpc.Server, func(), error) {
	srv, closeListener, err := bootstrap.NewGRPCServer(settings, logger)
	if err != nil {
		return nil, nil, err
	}
	interactionv1.RegisterInteractionServiceServer(srv, svc)
	return srv, closeListener, nil
}
