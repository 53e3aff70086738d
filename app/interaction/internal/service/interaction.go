// Package service implements the interaction app's gRPC API by mapping its messages to the use
// cases.
package service

import (
	"context"

	"github.com/google/wire"

	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
)

// ProviderSet provides the services of this package.
var ProviderSet = wire.NewSet(NewInteractionService)

// InteractionService implements interactionv1.InteractionServiceServer.
type InteractionService struct {
	interactionv1.UnimplementedInteractionServiceServer
	favorites *biz.FavoriteUsecase
}

// NewInteractionService returns an InteractionService.
func NewInteractionService(favorites *biz.FavoriteUsecase) *InteractionService {
	return &InteractionService{favorites: favorites}
}

// Favorite implements interactionv1.InteractionServiceServer.
func (s *InteractionService) Favorite(ctx context.Context, req *interactionv1.FavoriteRequest) (*interactionv1.FavoriteReply, error) {
	changed, err := s.favorites.Favorite(ctx, req.GetUserId(), req.GetVideoId(), req.GetLike())
	if err != nil {
		return nil, err
	}
	return &interactionv1.FavoriteReply{Changed: changed}, nil
}

// ListFavorites implements interactionv1.InteractionServiceServer.
func (s *InteractionService) ListFavorites(ctx context.Context, req *interactionv1.ListFavoritesRequest) (*interactionv1.ListFavoritesReply, error) {
	ids, err := s.favorites.ListFavorites(ctx, req.GetUserId())
	if err != nil {
		return nil, err
	}
	return &interactionv1.ListFavoritesReply{VideoIds: ids}, nil
}

// IsFavorite implements interactionv1.InteractionServiceServer.
func (s *InteractionService) IsFavorite(ctx context.Context, req *interactionv1.IsFavoriteRequest) (*interactionv1.IsFavoriteReply, error) {
	ids, err := s.favorites.IsFavorite(ctx, req.GetUserId(), req.GetVideoIds())
	if err != nil {
		return nil, err
	}
	return &interactionv1.IsFavoriteReply{LikedVideoIds: ids}, nil
}
