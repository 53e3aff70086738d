package biz

import (
	"context"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// Message is a chat message.
type Message struct {
	ID         int64
	FromUserID int64
	ToUserID   int64
	Content    string
	// CreateTime is in epoch milliseconds, unique and increasing within a conversation.
	CreateTime int64
}

// MessageRepo is the message app, as the gateway uses it.
type MessageRepo interface {
	LatestMessages
	Send(ctx context.Context, fromUserID, toUserID int64, content string) error
	// Chat returns the conversation oldest first, its newest messages; afterMs > 0 keeps only
	// what peerID sent after it, the oldest of those. Either holds at most lists.max_items.
	Chat(ctx context.Context, userID, peerID, afterMs int64) ([]*Message, error)
}

// MessageUsecase sends messages and answers the chat screen's polls.
type MessageUsecase struct {
	messages MessageRepo
	users    *UserJoiner
	throttle *Throttle
}

// NewMessageUsecase returns a MessageUsecase.
func NewMessageUsecase(messages MessageRepo, users *UserJoiner, throttle *Throttle) *MessageUsecase {
	return &MessageUsecase{messages: messages, users: users, throttle: throttle}
}

// Action sends content from viewerID to toUserID (actionType 1, the only action there is).
// The receiver must exist: that is asked here, of the user app, as for every request about a
// user; the message app decides the rest (not to yourself, the content, and friendship where
// only friends may chat).
func (uc *MessageUsecase) Action(ctx context.Context, viewerID, toUserID int64, actionType int32, content string) error {
	if actionType != 1 {
		return apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "action_type must be 1 (send)")
	}
	if toUserID <= 0 {
		return apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "to_user_id must be a user id")
	}
	if err := uc.throttle.Message(ctx, viewerID, toUserID); err != nil {
		return err
	}
	if _, err := uc.users.Subject(ctx, viewerID, toUserID); err != nil {
		return err
	}
	return uc.messages.Send(ctx, viewerID, toUserID, content)
}

// Chat returns the conversation between viewerID and toUserID as the polling app wants it,
// oldest first: preMsgTime 0 (or absent) its newest messages, refused for a user who does not
// exist; otherwise only what the other user sent after preMsgTime, since the app already shows
// the viewer's own messages (the oldest of those: the next poll carries on from them). The
// message app bounds both to lists.max_items.
func (uc *MessageUsecase) Chat(ctx context.Context, viewerID, toUserID, preMsgTime int64) ([]*Message, error) {
	if toUserID <= 0 {
		return nil, apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "to_user_id must be a user id")
	}
	if preMsgTime < 0 {
		preMsgTime = 0
	}
	messages, err := uc.messages.Chat(ctx, viewerID, toUserID, preMsgTime)
	if err != nil {
		return nil, err
	}
	// An empty conversation may be one with nobody: say so, as every request about a user
	// does. Only when the whole conversation was asked for (opening the chat): the polls that
	// follow, several a second, name a user that this first load found.
	if preMsgTime == 0 && len(messages) == 0 {
		if _, err := uc.users.Subject(ctx, viewerID, toUserID); err != nil {
			return nil, err
		}
	}
	return messages, nil
}
