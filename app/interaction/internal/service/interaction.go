// Package service implements the interaction app's gRPC API by mapping its messages to the use
// cases.
package service

import (
	"context"

	"github.com/google/wire"
	"google.golang.org/grpc"

	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// ProviderSet provides the services of this package.
var ProviderSet = wire.NewSet(NewInteractionService, wire.Bind(new(bootstrap.GRPCService), new(*InteractionService)))

// InteractionService implements interactionv1.InteractionServiceServer.
type InteractionService struct {
	interactionv1.UnimplementedInteractionServiceServer
	favorites *biz.FavoriteUsecase
	comments  *biz.CommentUsecase
}

// NewInteractionService returns an InteractionService.
func NewInteractionService(favorites *biz.FavoriteUsecase, comments *biz.CommentUsecase) *InteractionService {
	return &InteractionService{favorites: favorites, comments: comments}
}

// RegisterOn implements bootstrap.GRPCService.
func (s *InteractionService) RegisterOn(srv grpc.ServiceRegistrar) {
	interactionv1.RegisterInteractionServiceServer(srv, s)
}

// Favorite implements interactionv1.InteractionServiceServer.
func (s *InteractionService) Favorite(ctx context.Context, req *interactionv1.FavoriteRequest) (*interactionv1.FavoriteReply, error) {
	changed, err := s.favorites.Favorite(ctx, req.GetUserId(), req.GetVideoId(), req.GetFavorite())
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
	ids, err := s.favorites.FavoritedAmong(ctx, req.GetUserId(), req.GetVideoIds())
	if err != nil {
		return nil, err
	}
	return &interactionv1.IsFavoriteReply{FavoritedVideoIds: ids}, nil
}

// PostComment implements interactionv1.InteractionServiceServer.
func (s *InteractionService) PostComment(ctx context.Context, req *interactionv1.PostCommentRequest) (*interactionv1.PostCommentReply, error) {
	c, err := s.comments.Post(ctx, req.GetUserId(), req.GetVideoId(), req.GetContent())
	if err != nil {
		return nil, err
	}
	return &interactionv1.PostCommentReply{Comment: commentProto(c)}, nil
}

// DeleteComment implements interactionv1.InteractionServiceServer.
func (s *InteractionService) DeleteComment(ctx context.Context, req *interactionv1.DeleteCommentRequest) (*interactionv1.DeleteCommentReply, error) {
	if err := s.comments.Delete(ctx, req.GetUserId(), req.GetVideoId(), req.GetCommentId()); err != nil {
		return nil, err
	}
	return &interactionv1.DeleteCommentReply{}, nil
}

// RemoveComment implements interactionv1.InteractionServiceServer.
func (s *InteractionService) RemoveComment(ctx context.Context, req *interactionv1.RemoveCommentRequest) (*interactionv1.RemoveCommentReply, error) {
	c, err := s.comments.Remove(ctx, req.GetCommentId(), req.GetOperator())
	if err != nil {
		return nil, err
	}
	return &interactionv1.RemoveCommentReply{VideoId: c.VideoID}, nil
}

// ListComments implements interactionv1.InteractionServiceServer.
func (s *InteractionService) ListComments(ctx context.Context, req *interactionv1.ListCommentsRequest) (*interactionv1.ListCommentsReply, error) {
	comments, err := s.comments.List(ctx, req.GetVideoId())
	if err != nil {
		return nil, err
	}
	reply := &interactionv1.ListCommentsReply{Comments: make([]*interactionv1.Comment, len(comments))}
	for i, c := range comments {
		reply.Comments[i] = commentProto(c)
	}
	return reply, nil
}

func commentProto(c *biz.Comment) *interactionv1.Comment {
	return &interactionv1.Comment{Id: c.ID, VideoId: c.VideoID, UserId: c.UserID, Content: c.Content, CreatedAt: c.CreatedAt}
}
