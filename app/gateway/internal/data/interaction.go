package data

import (
	"context"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/rpc"
)

// FavoriteRepo implements biz.FavoriteRepo with the interaction app's gRPC API.
type FavoriteRepo struct {
	client interactionv1.InteractionServiceClient
}

// NewFavoriteRepo dials the interaction app.
func NewFavoriteRepo(services *confv1.Services, kafka *confv1.Kafka, dialer *rpc.Dialer) (*FavoriteRepo, func(), error) {
	// A favorite waits for its counts (kafka.apply_wait), so it gets that much longer than a call.
	timeout := services.GetCallTimeout().AsDuration() + kafka.GetApplyWait().AsDuration()
	conn, closeConn, err := dialer.Dial(services.GetInteraction(), timeout, rpc.Retry(interactionv1.RetryableMethods...))
	if err != nil {
		return nil, nil, err
	}
	return &FavoriteRepo{client: interactionv1.NewInteractionServiceClient(conn)}, closeConn, nil
}

// Favorite implements biz.FavoriteRepo.
func (r *FavoriteRepo) Favorite(ctx context.Context, userID, videoID int64, favorite bool) error {
	_, err := r.client.Favorite(ctx, &interactionv1.FavoriteRequest{UserId: userID, VideoId: videoID, Favorite: favorite})
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

// FavoritedAmong implements biz.FavoriteRepo.
func (r *FavoriteRepo) FavoritedAmong(ctx context.Context, userID int64, videoIDs []int64) (map[int64]bool, error) {
	reply, err := r.client.IsFavorite(ctx, &interactionv1.IsFavoriteRequest{UserId: userID, VideoIds: videoIDs})
	if err != nil {
		return nil, err
	}
	favorited := make(map[int64]bool, len(reply.GetFavoritedVideoIds()))
	for _, id := range reply.GetFavoritedVideoIds() {
		favorited[id] = true
	}
	return favorited, nil
}

// CommentRepo implements biz.CommentRepo with the interaction app's gRPC API.
type CommentRepo struct {
	client interactionv1.InteractionServiceClient
}

// NewCommentRepo uses the favorites' connection to the interaction app.
func NewCommentRepo(favorites *FavoriteRepo) *CommentRepo {
	return &CommentRepo{client: favorites.client}
}

// Post implements biz.CommentRepo.
func (r *CommentRepo) Post(ctx context.Context, userID, videoID int64, content string) (*biz.Comment, error) {
	reply, err := r.client.PostComment(ctx, &interactionv1.PostCommentRequest{UserId: userID, VideoId: videoID, Content: content})
	if err != nil {
		return nil, err
	}
	return commentFromProto(reply.GetComment()), nil
}

// Delete implements biz.CommentRepo.
func (r *CommentRepo) Delete(ctx context.Context, userID, videoID, commentID int64) error {
	_, err := r.client.DeleteComment(ctx, &interactionv1.DeleteCommentRequest{UserId: userID, VideoId: videoID, CommentId: commentID})
	return err
}

// List implements biz.CommentRepo.
func (r *CommentRepo) List(ctx context.Context, videoID int64) ([]*biz.Comment, error) {
	reply, err := r.client.ListComments(ctx, &interactionv1.ListCommentsRequest{VideoId: videoID})
	if err != nil {
		return nil, err
	}
	out := make([]*biz.Comment, len(reply.GetComments()))
	for i, c := range reply.GetComments() {
		out[i] = commentFromProto(c)
	}
	return out, nil
}

func commentFromProto(c *interactionv1.Comment) *biz.Comment {
	return &biz.Comment{ID: c.GetId(), UserID: c.GetUserId(), Content: c.GetContent(), CreatedAt: c.GetCreatedAt()}
}

// RemoveComment implements biz.CommentAdmin.
func (r *CommentRepo) RemoveComment(ctx context.Context, commentID int64, operator string) (int64, error) {
	reply, err := r.client.RemoveComment(ctx, &interactionv1.RemoveCommentRequest{CommentId: commentID, Operator: operator})
	if err != nil {
		return 0, err
	}
	return reply.GetVideoId(), nil
}
