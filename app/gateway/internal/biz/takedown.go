package biz

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/go-kratos/kratos/v2/log"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// AccountAdmin suspends and reinstates accounts in the user app.
type AccountAdmin interface {
	// SetBanned bans or unbans userID and makes every gateway forget what it remembers of the
	// account, so the ban holds on the next request everywhere. It reports whether the account
	// changed (false: it was so already).
	SetBanned(ctx context.Context, userID int64, banned bool, operator string) (changed bool, err error)
}

// VideoAdmin takes videos down in the video app.
type VideoAdmin interface {
	// DeleteVideo deletes videoID, its objects, and through events what counted it, and returns
	// its author.
	DeleteVideo(ctx context.Context, videoID int64, operator string) (authorID int64, err error)
}

// CommentAdmin takes comments down in the interaction app.
type CommentAdmin interface {
	// RemoveComment removes commentID, whoever wrote it, and returns the video it was on.
	RemoveComment(ctx context.Context, commentID int64, operator string) (videoID int64, err error)
}

// TakedownUsecase is what an operator does to content and accounts (the admin address, through
// the admin command): every change goes through the app that owns the data, so the events,
// counts and caches follow as they do for a user's own action. Each action is logged with who
// asked for it.
type TakedownUsecase struct {
	accounts AccountAdmin
	videos   VideoAdmin
	comments CommentAdmin
	log      *log.Helper
}

// NewTakedownUsecase returns a TakedownUsecase.
func NewTakedownUsecase(accounts AccountAdmin, videos VideoAdmin, comments CommentAdmin, logger log.Logger) *TakedownUsecase {
	return &TakedownUsecase{accounts: accounts, videos: videos, comments: comments, log: log.NewHelper(logger)}
}

// Operator is who asks for a take-down, as the audit log names them.
type Operator struct {
	// Name is what the operator calls themself (the admin command sends the login name).
	Name string
	// Client is the address the request came from.
	Client string
}

// MaxOperatorName bounds the operator's name in the log.
const MaxOperatorName = 64

// Outcome is what a take-down did.
type Outcome struct {
	// Changed is false when there was nothing to do (a user banned already).
	Changed bool
	// Message says what happened, for the operator.
	Message string
}

func (op Operator) valid() error {
	if op.Name == "" || utf8.RuneCountInString(op.Name) > MaxOperatorName || strings.ContainsFunc(op.Name, isControl) {
		return apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "the operator's name must be 1 to %d printable characters", MaxOperatorName)
	}
	return nil
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }

// Ban suspends userID (ban) or lifts the suspension: a suspended user cannot log in, and no
// token issued before the ban acts for them again, from the next request on.
func (uc *TakedownUsecase) Ban(ctx context.Context, op Operator, userID int64, ban bool) (*Outcome, error) {
	action := "unban-user"
	if ban {
		action = "ban-user"
	}
	return uc.do(ctx, op, action, userID, func() (*Outcome, error) {
		changed, err := uc.accounts.SetBanned(ctx, userID, ban, op.Name)
		if err != nil {
			return nil, err
		}
		switch {
		case ban && changed:
			return &Outcome{true, "user banned: they cannot log in and their tokens are refused"}, nil
		case ban:
			return &Outcome{false, "user was banned already"}, nil
		case changed:
			return &Outcome{true, "user unbanned: they may log in again (their old tokens stay refused)"}, nil
		}
		return &Outcome{false, "user was not banned"}, nil
	})
}

// DeleteVideo takes videoID down: it leaves the feed and every list, its files are removed,
// and the counts that included it (its author's work_count and total_favorited, its likers'
// favorite_count) follow through events.
func (uc *TakedownUsecase) DeleteVideo(ctx context.Context, op Operator, videoID int64) (*Outcome, error) {
	return uc.do(ctx, op, "delete-video", videoID, func() (*Outcome, error) {
		if _, err := uc.videos.DeleteVideo(ctx, videoID, op.Name); err != nil {
			return nil, err
		}
		return &Outcome{true, "video deleted"}, nil
	})
}

// DeleteComment takes commentID down, whoever wrote it; its video's comment_count follows.
func (uc *TakedownUsecase) DeleteComment(ctx context.Context, op Operator, commentID int64) (*Outcome, error) {
	return uc.do(ctx, op, "delete-comment", commentID, func() (*Outcome, error) {
		if _, err := uc.comments.RemoveComment(ctx, commentID, op.Name); err != nil {
			return nil, err
		}
		return &Outcome{true, "comment deleted"}, nil
	})
}

// do checks an action's operator and target, runs it, and logs it: who, from where, what, on
// which id, and how it ended. Refusals and failures are logged too (at WARN), so the log shows
// every attempt.
func (uc *TakedownUsecase) do(ctx context.Context, op Operator, action string, id int64, run func() (*Outcome, error)) (*Outcome, error) {
	err := op.valid()
	if err == nil && id <= 0 {
		err = apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "the id must be a positive number")
	}
	var out *Outcome
	if err == nil {
		out, err = run()
	}
	fields := []any{"msg", "admin action", "action", action, "id", id, "operator", op.Name, "client", op.Client}
	if err != nil {
		uc.log.WithContext(ctx).Warnw(append(fields, "error", err)...)
		return nil, err
	}
	uc.log.WithContext(ctx).Infow(append(fields, "changed", out.Changed)...)
	return out, nil
}
