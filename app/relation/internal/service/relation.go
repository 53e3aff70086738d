// Package service implements the relation app's gRPC API by mapping its messages to the use
// cases.
package service

import (
	"context"

	"github.com/google/wire"
	"google.golang.org/grpc"

	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	"github.com/douyin-kratos/douyin/app/relation/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// ProviderSet provides the services of this package.
var ProviderSet = wire.NewSet(NewRelationService, wire.Bind(new(bootstrap.GRPCService), new(*RelationService)))

// RelationService implements relationv1.RelationServiceServer.
type RelationService struct {
	relationv1.UnimplementedRelationServiceServer
	uc *biz.RelationUsecase
}

// NewRelationService returns a RelationService.
func NewRelationService(uc *biz.RelationUsecase) *RelationService {
	return &RelationService{uc: uc}
}

// RegisterOn implements bootstrap.GRPCService.
func (s *RelationService) RegisterOn(srv grpc.ServiceRegistrar) {
	relationv1.RegisterRelationServiceServer(srv, s)
}

// Follow implements relationv1.RelationServiceServer.
func (s *RelationService) Follow(ctx context.Context, req *relationv1.FollowRequest) (*relationv1.FollowReply, error) {
	changed, err := s.uc.Follow(ctx, req.GetUserId(), req.GetToUserId(), req.GetFollow())
	if err != nil {
		return nil, err
	}
	return &relationv1.FollowReply{Changed: changed}, nil
}

// ListFollowing implements relationv1.RelationServiceServer.
func (s *RelationService) ListFollowing(ctx context.Context, req *relationv1.ListRequest) (*relationv1.ListReply, error) {
	return listReply(s.uc.ListFollowing(ctx, req.GetUserId()))
}

// ListFollowers implements relationv1.RelationServiceServer.
func (s *RelationService) ListFollowers(ctx context.Context, req *relationv1.ListRequest) (*relationv1.ListReply, error) {
	return listReply(s.uc.ListFollowers(ctx, req.GetUserId()))
}

// ListFriends implements relationv1.RelationServiceServer.
func (s *RelationService) ListFriends(ctx context.Context, req *relationv1.ListRequest) (*relationv1.ListReply, error) {
	return listReply(s.uc.ListFriends(ctx, req.GetUserId()))
}

// FollowedAmong implements relationv1.RelationServiceServer.
func (s *RelationService) FollowedAmong(ctx context.Context, req *relationv1.FollowedAmongRequest) (*relationv1.FollowedAmongReply, error) {
	ids, err := s.uc.FollowedAmong(ctx, req.GetViewerId(), req.GetUserIds())
	if err != nil {
		return nil, err
	}
	return &relationv1.FollowedAmongReply{FollowedIds: ids}, nil
}

// AreFriends implements relationv1.RelationServiceServer.
func (s *RelationService) AreFriends(ctx context.Context, req *relationv1.AreFriendsRequest) (*relationv1.AreFriendsReply, error) {
	friends, err := s.uc.AreFriends(ctx, req.GetUserId(), req.GetOtherId())
	if err != nil {
		return nil, err
	}
	return &relationv1.AreFriendsReply{Friends: friends}, nil
}

func listReply(ids []int64, err error) (*relationv1.ListReply, error) {
	if err != nil {
		return nil, err
	}
	return &relationv1.ListReply{UserIds: ids}, nil
}
