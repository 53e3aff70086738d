package biz

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-kratos/kratos/v2/log"

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
	// ErrCommentBlocked refuses a comment with a blocked word in it.
	ErrCommentBlocked = apierror.New(interactionv1.ErrorReason_INVALID_ARGUMENT, "the comment contains a word that is not allowed here")
)

// Blocklist tells whether text contains a word or phrase this server does not allow
// (moderation.blocked_words); an empty list allows everything.
type Blocklist interface {
	Blocks(text string) bool
}

// Comment is a comment on a video.
type Comment struct {
	ID      int64
	VideoID int64
	UserID  int64
	Content string
	// CreatedAt is in epoch milliseconds.
	CreatedAt int64
}

// Posted announces that c, as stored (with its ID), was posted: a comment adds one to its
// video's comment_count (api/counts/v1). The outbox gives the event its id.
func (c *Comment) Posted() *interactionv1.CommentChanged { return c.changed(1) }

// Deleted announces that c was deleted: it takes its one back from its video's comment_count.
// Only the delete that removed the row may announce it, or the count would drop twice.
func (c *Comment) Deleted() *interactionv1.CommentChanged { return c.changed(-1) }

func (c *Comment) changed(delta int32) *interactionv1.CommentChanged {
	return &interactionv1.CommentChanged{
		VideoId: c.VideoID, CommentId: c.ID, UserId: c.UserID, Delta: delta, OccurredAt: time.Now().UnixMilli(),
	}
}

// CommentRepo stores comments. Posting and deleting store, in the same transaction, the event
// announce builds from the comment (Comment.Posted, Comment.Deleted), which carries the change
// to the video's comment_count, and return its id. announce runs inside the transaction, again
// if it is retried, so it must have no effects.
type CommentRepo interface {
	// Create stores c, sets its ID and CreatedAt, and announces the comment as stored.
	Create(ctx context.Context, c *Comment, announce func(*Comment) *interactionv1.CommentChanged) (eventID string, err error)
	Get(ctx context.Context, id int64) (*Comment, error) // ErrCommentNotFound
	// Delete removes c and announces it only if this call removed its row: a comment already
	// gone was removed, and announced, by a concurrent delete; eventID is then "".
	Delete(ctx context.Context, c *Comment, announce func(*Comment) *interactionv1.CommentChanged) (eventID string, err error)
	// ListByVideo returns a video's newest limit comments, newest first.
	ListByVideo(ctx context.Context, videoID int64, limit int) ([]*Comment, error)
}

// CommentUsecase posts, deletes and lists comments.
type CommentUsecase struct {
	repo   CommentRepo
	videos VideoDirectory
	counts countsv1.Awaiter
	// blocked are the words no comment may contain.
	blocked Blocklist
	// maxItems bounds a list of comments (lists.max_items).
	maxItems int
	log      *log.Helper
}

// NewCommentUsecase returns a CommentUsecase.
func NewCommentUsecase(settings Settings, repo CommentRepo, videos VideoDirectory, counts countsv1.Awaiter, blocked Blocklist, logger log.Logger) *CommentUsecase {
	return &CommentUsecase{
		repo: repo, videos: videos, counts: counts, blocked: blocked, maxItems: settings.MaxListItems, log: log.NewHelper(logger),
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
	// Before asking the video app: what is refused whatever the video costs no call.
	if uc.blocked.Blocks(content) {
		return nil, ErrCommentBlocked
	}
	if _, err := uc.videos.Author(ctx, videoID); err != nil {
		return nil, err
	}
	c := &Comment{UserID: userID, VideoID: videoID, Content: content}
	eventID, err := uc.repo.Create(ctx, c, (*Comment).Posted)
	if err != nil {
		return nil, err
	}
	// As a favorite does (FavoriteUsecase.unlessTakenDown): a comment that raced its video's
	// take-down, or found it through a directory that still remembered it, must not outlive it.
	if gone, err := uc.videos.TakenDown(ctx, videoID); err != nil || gone {
		if err != nil {
			return nil, err
		}
		if _, err := uc.repo.Delete(ctx, c, (*Comment).Deleted); err != nil {
			return nil, err
		}
		return nil, ErrVideoNotFound
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
	eventID, err := uc.repo.Delete(ctx, c, (*Comment).Deleted)
	if err != nil || eventID == "" {
		return err
	}
	uc.counts.AwaitCounts(ctx, eventID, &interactionv1.CommentChanged{})
	return nil
}

// Remove takes comment commentID down on operator's word, whoever wrote it, and returns it as it
// was. It is the author's delete without the ownership rule: the same event takes the comment's
// one back from its video's comment_count, and the same caches follow. A comment that does not
// exist, or that a concurrent delete removed first (and announced), is ErrCommentNotFound.
func (uc *CommentUsecase) Remove(ctx context.Context, commentID int64, operator string) (*Comment, error) {
	if commentID <= 0 {
		return nil, apierror.New(interactionv1.ErrorReason_INVALID_ARGUMENT, "comment_id must be positive")
	}
	c, err := uc.repo.Get(ctx, commentID)
	if err != nil {
		return nil, err
	}
	eventID, err := uc.repo.Delete(ctx, c, (*Comment).Deleted)
	if err != nil {
		return nil, err
	}
	if eventID == "" {
		return nil, ErrCommentNotFound
	}
	uc.log.WithContext(ctx).Infow("msg", "comment removed",
		"comment_id", c.ID, "video_id", c.VideoID, "author", c.UserID, "operator", operator)
	uc.counts.AwaitCounts(ctx, eventID, &interactionv1.CommentChanged{})
	return c, nil
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
