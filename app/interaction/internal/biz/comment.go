package biz

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// MaxCommentLength is the longest comment, in characters.
const MaxCommentLength = 500

var (
	// ErrCommentNotFound is returned for a comment that does not exist on the video.
	ErrCommentNotFound = apierror.New(interactionv1.ErrorReason_COMMENT_NOT_FOUND, "comment not found")
	// ErrNotCommentAuthor refuses deleting someone else's comment.
	ErrNotCommentAuthor = apierror.New(interactionv1.ErrorReason_NOT_COMMENT_AUTHOR, "you can only delete your own comments")
)

// Comment is a comment on a video.
type Comment struct {
	ID      int64
	VideoID int64
	UserID  int64
	Content string
	// CreatedAt is in epoch milliseconds.
	CreatedAt int64
}

// CommentRepo stores comments. Posting and deleting record, in the same transaction, the event
// that carries the change to the video's comment_count, and return its id.
type CommentRepo interface {
	Create(ctx context.Context, c *Comment) (eventID string, err error)
	Get(ctx context.Context, id int64) (*Comment, error) // ErrCommentNotFound
	// Delete removes the comment; eventID is "" if it was already gone.
	Delete(ctx context.Context, c *Comment) (eventID string, err error)
	// ListByVideo returns a video's newest limit comments, newest first.
	ListByVideo(ctx context.Context, videoID int64, limit int) ([]*Comment, error)
}

// CommentUsecase posts, deletes and lists comments.
type CommentUsecase struct {
	repo   CommentRepo
	videos VideoDirectory
	counts countsv1.Awaiter
	// maxItems bounds a list of comments (lists.max_items).
	maxItems int
}

// NewCommentUsecase returns a CommentUsecase.
func NewCommentUsecase(settings Settings, repo CommentRepo, videos VideoDirectory, counts countsv1.Awaiter) *CommentUsecase {
	return &CommentUsecase{
		repo: repo, videos: videos, counts: counts, maxItems: settings.MaxListItems,
	}
}

// Post stores a comment of userID on videoID and returns it.
func (uc *CommentUsecase) Post(ctx context.Context, userID, videoID int64, content string) (*Comment, error) {
	content, err := cleanComment(content)
	if err != nil {
		return nil, err
	}
	if userID <= 0 || videoID <= 0 {
		return nil, apierror.New(interactionv1.ErrorReason_INVALID_ARGUMENT, "video_id must be positive")
	}
	if _, err := uc.videos.Author(ctx, videoID); err != nil {
		return nil, err
	}
	c := &Comment{UserID: userID, VideoID: videoID, Content: content}
	eventID, err := uc.repo.Create(ctx, c)
	if err != nil {
		return nil, err
	}
	uc.counts.AwaitCounts(ctx, eventID, &interactionv1.CommentChanged{})
	return c, nil
}

// Delete removes comment commentID of videoID; only its author, userID, may.
func (uc *CommentUsecase) Delete(ctx context.Context, userID, videoID, commentID int64) error {
	if commentID <= 0 {
		return apierror.New(interactionv1.ErrorReason_INVALID_ARGUMENT, "comment_id must be positive")
	}
	c, err := uc.repo.Get(ctx, commentID)
	if err != nil {
		return err
	}
	if c.VideoID != videoID {
		return ErrCommentNotFound // not a comment of this video
	}
	if c.UserID != userID {
		return ErrNotCommentAuthor
	}
	eventID, err := uc.repo.Delete(ctx, c)
	if err != nil || eventID == "" {
		return err
	}
	uc.counts.AwaitCounts(ctx, eventID, &interactionv1.CommentChanged{})
	return nil
}

// List returns a video's newest comments, at most maxItems, newest first: however many are
// posted, the answer stays small enough to send. An unknown video is refused.
func (uc *CommentUsecase) List(ctx context.Context, videoID int64) ([]*Comment, error) {
	if videoID <= 0 {
		return nil, apierror.New(interactionv1.ErrorReason_INVALID_ARGUMENT, "video_id must be positive")
	}
	if _, err := uc.videos.Author(ctx, videoID); err != nil {
		return nil, err
	}
	return uc.repo.ListByVideo(ctx, videoID, uc.maxItems)
}

func cleanComment(content string) (string, error) {
	content = strings.TrimSpace(content)
	switch n := utf8.RuneCountInString(content); {
	case !utf8.ValidString(content):
		return "", apierror.New(interactionv1.ErrorReason_INVALID_ARGUMENT, "the comment is not valid UTF-8")
	case n == 0:
		return "", apierror.New(interactionv1.ErrorReason_INVALID_ARGUMENT, "the comment is empty")
	case n > MaxCommentLength:
		return "", apierror.New(interactionv1.ErrorReason_INVALID_ARGUMENT, "a comment can have at most %d characters, got %d", MaxCommentLength, n)
	case strings.ContainsFunc(content, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }):
		return "", apierror.New(interactionv1.ErrorReason_INVALID_ARGUMENT, "the comment must not contain control characters")
	}
	return content, nil
}
