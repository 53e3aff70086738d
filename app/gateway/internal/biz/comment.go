package biz

import (
	"context"
	"time"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// Comment is a comment as the viewer sees it.
type Comment struct {
	ID      int64
	UserID  int64
	User    *User
	Content string
	// CreatedAt is in epoch milliseconds.
	CreatedAt int64
}

// CreateDate is the comment's date the way the app shows it, "MM-DD", in the server's time zone.
func (c *Comment) CreateDate() string {
	return time.UnixMilli(c.CreatedAt).Format("01-02")
}

// CommentRepo is the interaction app's comments, as the gateway uses them.
type CommentRepo interface {
	Post(ctx context.Context, userID, videoID int64, content string) (*Comment, error)
	Delete(ctx context.Context, userID, videoID, commentID int64) error
	// List returns a video's comments, newest first.
	List(ctx context.Context, videoID int64) ([]*Comment, error)
}

// CommentUsecase posts, deletes and lists comments.
type CommentUsecase struct {
	comments CommentRepo
	users    *UserJoiner
	throttle *Throttle
}

// NewCommentUsecase returns a CommentUsecase.
func NewCommentUsecase(comments CommentRepo, users *UserJoiner, throttle *Throttle) *CommentUsecase {
	return &CommentUsecase{comments: comments, users: users, throttle: throttle}
}

// Action posts (actionType 1, returning the stored comment with its author) or deletes
// (actionType 2, returning nil) a comment of viewerID.
func (uc *CommentUsecase) Action(ctx context.Context, viewerID, videoID int64, actionType int32, text string, commentID int64) (*Comment, error) {
	if videoID <= 0 {
		return nil, apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "video_id must be a positive integer")
	}
	if actionType == 1 || actionType == 2 {
		if err := uc.throttle.Act(ctx, ActionComment, viewerID); err != nil {
			return nil, err
		}
	}
	switch actionType {
	case 1:
		c, err := uc.comments.Post(ctx, viewerID, videoID, text)
		if err != nil {
			return nil, err
		}
		return c, uc.joinUsers(ctx, viewerID, []*Comment{c})
	case 2:
		if commentID <= 0 {
			return nil, apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "comment_id must be a positive integer")
		}
		return nil, uc.comments.Delete(ctx, viewerID, videoID, commentID)
	}
	return nil, apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "action_type must be 1 (post) or 2 (delete), got %d", actionType)
}

// List returns a video's comments, newest first, with their authors as viewerID sees them.
func (uc *CommentUsecase) List(ctx context.Context, viewerID, videoID int64) ([]*Comment, error) {
	if videoID <= 0 {
		return nil, apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "video_id must be a positive integer")
	}
	comments, err := uc.comments.List(ctx, videoID)
	if err != nil {
		return nil, err
	}
	return comments, uc.joinUsers(ctx, viewerID, comments)
}

// joinUsers fills in every comment's author with one batch of calls.
func (uc *CommentUsecase) joinUsers(ctx context.Context, viewerID int64, comments []*Comment) error {
	if len(comments) == 0 {
		return nil
	}
	ids := make([]int64, len(comments))
	for i, c := range comments {
		ids[i] = c.UserID
	}
	users, err := uc.users.Join(ctx, viewerID, ids)
	if err != nil {
		return err
	}
	for _, c := range comments {
		if u, ok := users[c.UserID]; ok {
			c.User = u
		} else {
			c.User = &User{ID: c.UserID, Name: "unknown"}
		}
	}
	return nil
}
