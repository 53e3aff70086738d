// Package biz holds the rules of chat: anyone writes to anyone but themselves (or, with
// message.friends_only, only friends, mutual follows, write to each other), a message is
// non-empty, printable, bounded text, and a conversation is ordered by create_time, which a
// polling client uses as its cursor: the poll returns only what the peer sent after it, because
// the client already shows what its own user sent. No answer holds more than lists.max_items
// messages.
package biz

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/wire"

	messagev1 "github.com/douyin-kratos/douyin/api/message/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
	"github.com/douyin-kratos/douyin/pkg/byid"
)

// ProviderSet provides the use cases of this package.
var ProviderSet = wire.NewSet(NewMessageUsecase)

// MaxMessageLength is the longest message, in characters (Unicode code points, so an emoji or a
// Chinese character counts as one), after surrounding whitespace is trimmed. A chat line is
// short; 1000 leaves room for a pasted paragraph while bounding what every poll may carry.
const MaxMessageLength = 1000

// MaxBatch bounds the peers of one Latest call: a friend list page, never a whole directory.
const MaxBatch = 500

// ErrNotFriends refuses a message to someone who is not a friend, where only friends may chat
// (message.friends_only).
var ErrNotFriends = apierror.New(messagev1.ErrorReason_NOT_FRIENDS, "you can only message friends: follow each other first")

// ErrMessageBlocked refuses a message with a blocked word in it.
var ErrMessageBlocked = apierror.New(messagev1.ErrorReason_INVALID_ARGUMENT, "the message contains a word that is not allowed here")

// Blocklist tells whether text contains a word or phrase this server does not allow
// (moderation.blocked_words); an empty list allows everything.
type Blocklist interface {
	Blocks(text string) bool
}

// Message is a chat message.
type Message struct {
	ID         int64
	FromUserID int64
	ToUserID   int64
	Content    string
	// CreateTime is in epoch milliseconds, unique within the conversation.
	CreateTime int64
}

// MessageRepo stores messages.
type MessageRepo interface {
	// Create stores m and sets its ID and CreateTime. CreateTime is unique within the
	// conversation and greater than that of every message the conversation held when m
	// committed (in both directions), so a reader that saw a message never later finds an older
	// one appearing: polling from the newest CreateTime seen neither repeats nor skips.
	Create(ctx context.Context, m *Message) error
	// Conversation returns the newest limit messages between a and b, in both directions,
	// oldest first.
	Conversation(ctx context.Context, a, b int64, limit int) ([]*Message, error)
	// SentAfter returns the oldest limit messages from sent to to with CreateTime > afterMs,
	// oldest first. This is the poll every open chat screen makes every few seconds.
	SentAfter(ctx context.Context, from, to, afterMs int64, limit int) ([]*Message, error)
	// Latest returns, for each of peerIDs that has exchanged a message with userID, the newest
	// message between them, in any order. peerIDs are positive, distinct and not userID.
	Latest(ctx context.Context, userID int64, peerIDs []int64) ([]*Message, error)
}

// FriendChecker answers whether two users are friends (follow each other); the relation app
// owns follows.
type FriendChecker interface {
	AreFriends(ctx context.Context, a, b int64) (bool, error)
}

// Settings are the message rules' settings, taken from the configuration at the app's edge.
type Settings struct {
	// FriendsOnly: only friends may message each other (message.friends_only).
	FriendsOnly bool
	// MaxListItems bounds every list of messages (lists.max_items).
	MaxListItems int
}

// MessageUsecase sends and lists messages.
type MessageUsecase struct {
	repo     MessageRepo
	friends  FriendChecker
	settings Settings
	// blocked are the words no message may contain.
	blocked Blocklist
}

// NewMessageUsecase returns a MessageUsecase.
func NewMessageUsecase(settings Settings, repo MessageRepo, friends FriendChecker, blocked Blocklist) *MessageUsecase {
	return &MessageUsecase{repo: repo, friends: friends, settings: settings, blocked: blocked}
}

func invalidArgument(format string, args ...any) error {
	return apierror.New(messagev1.ErrorReason_INVALID_ARGUMENT, format, args...)
}

// Send stores a message from one user to another and returns it. That the receiver exists is
// the caller's to know (the gateway asks the user app, as for every request about a user);
// with friends_only, being friends (which needs both to exist) is checked here.
func (uc *MessageUsecase) Send(ctx context.Context, fromUserID, toUserID int64, content string) (*Message, error) {
	if fromUserID <= 0 || toUserID <= 0 {
		return nil, invalidArgument("from_user_id and to_user_id must be positive")
	}
	if fromUserID == toUserID {
		return nil, invalidArgument("you cannot message yourself")
	}
	content, err := cleanMessage(content)
	if err != nil {
		return nil, err
	}
	if uc.blocked.Blocks(content) {
		return nil, ErrMessageBlocked
	}
	if uc.settings.FriendsOnly {
		// Checked last: it is the only rule that costs a call to another app.
		friends, err := uc.friends.AreFriends(ctx, fromUserID, toUserID)
		if err != nil {
			return nil, err
		}
		if !friends {
			return nil, ErrNotFriends
		}
	}
	m := &Message{FromUserID: fromUserID, ToUserID: toUserID, Content: content}
	if err := uc.repo.Create(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Chat returns the conversation of userID with peerID, oldest first, at most Settings.MaxListItems messages.
// afterMs <= 0: the newest of it, both directions, which is what opening the chat shows.
// afterMs > 0: only what peerID sent after it, which is what a polling client lacks (it shows
// its own user's messages as they are sent); the oldest of that, so a client far behind
// catches up over its next polls, each from the newest message it got, and skips none.
// Friendship is not checked: former friends still see what they wrote, and strangers simply
// have nothing to see.
func (uc *MessageUsecase) Chat(ctx context.Context, userID, peerID, afterMs int64) ([]*Message, error) {
	if userID <= 0 || peerID <= 0 {
		return nil, invalidArgument("user_id and peer_id must be positive")
	}
	if userID == peerID {
		return nil, invalidArgument("you cannot chat with yourself")
	}
	if afterMs <= 0 {
		return uc.repo.Conversation(ctx, userID, peerID, uc.settings.MaxListItems)
	}
	return uc.repo.SentAfter(ctx, peerID, userID, afterMs, uc.settings.MaxListItems)
}

// Latest returns the newest message between userID and each of peerIDs that has one, in the
// order of peerIDs. Ids that cannot have a conversation (not positive, userID itself) and
// repeats are skipped rather than refused: a friend list asks about whoever is on it.
func (uc *MessageUsecase) Latest(ctx context.Context, userID int64, peerIDs []int64) ([]*Message, error) {
	if userID <= 0 {
		return nil, invalidArgument("user_id must be positive")
	}
	if len(peerIDs) > MaxBatch {
		return nil, invalidArgument("at most %d peers at once, got %d", MaxBatch, len(peerIDs))
	}
	peers := slices.DeleteFunc(byid.Distinct(peerIDs), func(id int64) bool { return id == userID })
	if len(peers) == 0 {
		return nil, nil
	}
	found, err := uc.repo.Latest(ctx, userID, peers)
	if err != nil {
		return nil, err
	}
	return byid.Order(peers, found, func(m *Message) int64 {
		if m.ToUserID == userID {
			return m.FromUserID
		}
		return m.ToUserID
	}), nil
}

// cleanMessage returns content trimmed, or why it cannot be sent. Newlines and tabs are the only
// control characters allowed: the others (escape sequences, NUL, C1 codes) garble or hide text on
// the other phone.
func cleanMessage(content string) (string, error) {
	content = strings.TrimSpace(content)
	switch n := utf8.RuneCountInString(content); {
	case !utf8.ValidString(content):
		return "", invalidArgument("the message is not valid UTF-8")
	case n == 0:
		return "", invalidArgument("the message is empty")
	case n > MaxMessageLength:
		return "", invalidArgument("a message can have at most %d characters, got %d", MaxMessageLength, n)
	case strings.ContainsFunc(content, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }):
		return "", invalidArgument("the message must not contain control characters")
	}
	return content, nil
}
