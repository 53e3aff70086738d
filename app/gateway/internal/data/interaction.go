package data

import (
	"context"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/pkg/rpc"
)

// FavoriteRepo implements biz.FavoriteRepo with the interaction app's gRPC API.
type FavoriteRepo struct {
	client interactionv1.InteractionServiceClient
}

// NewFavoriteRepo dials the interaction app.
func NewFavoriteRepo(bc *confv1.Bootstrap) (*FavoriteRepo, func(), error) {
	// A like waits for its counts (kafka.apply_wait), so it gets that much longer than a call.
	timeout := bc.GetServices().GetCallTimeout().AsDuration() + bc.GetKafka().GetApplyWait().AsDuration()
	conn, closeConn, err := rpc.Dial(bc.GetServices().GetInteraction(), timeout)
	if err != nil {
		return nil, nil, err
	}
	return &FavoriteRepo{client: interactionv1.NewInteractionServiceClient(conn)}, closeConn, nil
}

// Favorite implements biz.FavoriteRepo.
func (r *FavoriteRepo) Favorite(ctx context.Context, userID, videoID int64, like bool) error {
	_, err := r.client.Favorite(ctx, &interactionv1.FavoriteRequest{UserId: userID, VideoId: videoID, Like: like})
	return err
}

// ListFavorites implements biz.FavoriteRepo.
func (r *FavoriteRepo) ListFavorites(ctx context.Context, userID int64) ([]int64, error) {
	reply, err := r.client.ListFavorites(ctx, &interactionv1.ListFavoritesRequest{UserId: userID})
	if err != nil {
		return nil, err
	}
	return reply.GetVideoIds(), nil
}

// Liked implements biz.FavoriteRepo.
func (r *FavoriteRepo) Liked(ctx context.Context, userID int64, videoIDs []int64) (map[int64]bool, error) {
	reply, err := r.client.IsFavorite(ctx, &interactionv1.IsFavoriteRequest{UserId: userID, VideoIds: videoIDs})
	if err != nil {
		return nil, err
	}
	liked := make(map[int64]bool, len(reply.GetLikedVideoIds()))
	for _, id := range reply.GetLikedVideoIds() {
		liked[id] = true
	}
	return liked, nil
}
