package biz

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	messagev1 "github.com/douyin-kratos/douyin/api/message/v1"
)

// Users of the tests: alice and bob are friends, carol follows nobody back.
const (
	alice = int64(1)
	bob   = int64(2)
	carol = int64(3)
	dave  = int64(4)
)

func friendsOfAlice() *fakeFriends {
	return newFakeFriends([2]int64{alice, bob}, [2]int64{alice, dave})
}

func TestSend(t *testing.T) {
	ctx := context.Background()
	invalid := reasonOf(messagev1.ErrorReason_INVALID_ARGUMENT)
	tests := []struct {
		name     string
		from, to int64
		content  string
		want     string // the stored content
		reason   *messagev1.ErrorReason
		message  string // the refusal's text, when it is fixed
		// strangers: from and to are not friends, which only message.friends_only refuses.
		strangers bool
	}{
		{name: "plain", from: alice, to: bob, content: "hi bob", want: "hi bob"},
		{name: "the other direction", from: bob, to: alice, content: "hi alice", want: "hi alice"},
		{name: "trimmed", from: alice, to: bob, content: " \t\n hi \r\n ", want: "hi"},
		{name: "ideographic space trimmed", from: alice, to: bob, content: "\u3000你好\u3000", want: "你好"},
		{name: "inner newline and tab allowed", from: alice, to: bob, content: "line one\nline\ttwo", want: "line one\nline\ttwo"},
		{name: "emoji", from: alice, to: bob, content: "👋🏽 see you 🎬", want: "👋🏽 see you 🎬"},
		{name: "MaxMessageLength multi-byte characters", from: alice, to: bob,
			content: strings.Repeat("抖", MaxMessageLength), want: strings.Repeat("抖", MaxMessageLength)},
		{name: "MaxMessageLength four-byte characters", from: alice, to: bob,
			content: strings.Repeat("😀", MaxMessageLength), want: strings.Repeat("😀", MaxMessageLength)},
		{name: "MaxMessageLength characters once trimmed", from: alice, to: bob,
			content: "  " + strings.Repeat("a", MaxMessageLength) + "\n", want: strings.Repeat("a", MaxMessageLength)},
		{name: "one character too many", from: alice, to: bob, content: strings.Repeat("抖", MaxMessageLength+1), reason: invalid,
			message: fmt.Sprintf("a message can have at most %d characters, got %d", MaxMessageLength, MaxMessageLength+1)},
		{name: "ASCII, one too many", from: alice, to: bob, content: strings.Repeat("a", MaxMessageLength+1), reason: invalid,
			message: "a message can have at most 1000 characters, got 1001"},
		{name: "empty", from: alice, to: bob, content: "", reason: invalid, message: "the message is empty"},
		{name: "whitespace only", from: alice, to: bob, content: " \t\n\u3000\r ", reason: invalid, message: "the message is empty"},
		{name: "NUL inside", from: alice, to: bob, content: "a\x00b", reason: invalid, message: "the message must not contain control characters"},
		{name: "carriage return inside", from: alice, to: bob, content: "a\rb", reason: invalid, message: "the message must not contain control characters"},
		{name: "escape inside", from: alice, to: bob, content: "a\x1b[31mred", reason: invalid, message: "the message must not contain control characters"},
		{name: "DEL inside", from: alice, to: bob, content: "a\x7fb", reason: invalid, message: "the message must not contain control characters"},
		{name: "C1 control inside", from: alice, to: bob, content: "a\u009bb", reason: invalid, message: "the message must not contain control characters"},
		{name: "invalid UTF-8", from: alice, to: bob, content: "ab\xffcd", reason: invalid, message: "the message is not valid UTF-8"},
		{name: "truncated multi-byte character", from: alice, to: bob, content: "抖"[:2], reason: invalid, message: "the message is not valid UTF-8"},
		{name: "to yourself", from: alice, to: alice, content: "note to self", reason: invalid, message: "you cannot message yourself"},
		{name: "zero receiver", from: alice, to: 0, content: "hi", reason: invalid, message: "from_user_id and to_user_id must be positive"},
		{name: "negative receiver", from: alice, to: -2, content: "hi", reason: invalid, message: "from_user_id and to_user_id must be positive"},
		{name: "zero sender", from: 0, to: bob, content: "hi", reason: invalid, message: "from_user_id and to_user_id must be positive"},
		{name: "not friends: one-way follow or none", from: alice, to: carol, content: "hi", want: "hi", strangers: true},
		{name: "not friends, the other way", from: carol, to: alice, content: "hi", want: "hi", strangers: true},
		{name: "strangers, to yourself", from: carol, to: carol, content: "hi", reason: invalid, message: "you cannot message yourself"},
		{name: "strangers, empty", from: carol, to: alice, content: " ", reason: invalid, message: "the message is empty"},
		{name: "blocked word", from: alice, to: bob, content: "buy spam now", reason: invalid,
			message: "the message contains a word that is not allowed here"},
		{name: "blocked word in Chinese", from: alice, to: bob, content: "你是垃圾", reason: invalid,
			message: "the message contains a word that is not allowed here"},
		// Refused for its words before the relation app is asked whether they are friends.
		{name: "strangers, blocked word", from: carol, to: alice, content: "spam", reason: invalid,
			message: "the message contains a word that is not allowed here"},
	}
	for _, friendsOnly := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("friends_only=%v/%s", friendsOnly, tt.name), func(t *testing.T) {
				reason, message := tt.reason, tt.message
				if friendsOnly && tt.strangers {
					reason, message = reasonOf(messagev1.ErrorReason_NOT_FRIENDS), "you can only message friends: follow each other first"
				}
				repo, friends := &fakeMessages{}, friendsOfAlice()
				uc := NewMessageUsecase(config(friendsOnly, testMaxItems), repo, friends, testBlocklist)
				got, err := uc.Send(ctx, tt.from, tt.to, tt.content)
				wantError(t, "Send", err, reason, message)
				// The relation app is asked only where friendship is the rule, and only about
				// input that is otherwise fine.
				if asked, want := friends.called() > 0, friendsOnly && tt.reason == nil; asked != want {
					t.Fatalf("asked the relation app: %v; want %v", asked, want)
				}
				if reason != nil {
					if got != nil || repo.creates != 0 || repo.count() != 0 {
						t.Fatalf("refused Send returned %+v and stored %d messages", got, repo.count())
					}
					return
				}
				if got == nil || got.ID == 0 || got.CreateTime == 0 {
					t.Fatalf("Send = %+v; want the stored message with its id and time", got)
				}
				if got.Content != tt.want || got.FromUserID != tt.from || got.ToUserID != tt.to {
					t.Fatalf("Send = %+v; want content %q from %d to %d", got, tt.want, tt.from, tt.to)
				}
				if stored := repo.find(func(*Message) bool { return true }); len(stored) != 1 || *stored[0] != *got {
					t.Fatalf("stored %+v; want exactly %+v", stored, got)
				}
			})
		}
	}
}

func TestSendWhenTheRelationAppFails(t *testing.T) {
	t.Run("friends only: nothing is sent", func(t *testing.T) {
		repo, friends := &fakeMessages{}, friendsOfAlice()
		friends.err = errors.New("relation app unreachable")
		uc := NewMessageUsecase(config(true, testMaxItems), repo, friends, testBlocklist)
		got, err := uc.Send(context.Background(), alice, bob, "hi")
		if !errors.Is(err, friends.err) || got != nil {
			t.Fatalf("Send = %+v, %v; want the relation app's error", got, err)
		}
		if repo.count() != 0 {
			t.Fatal("a message was stored without knowing the two are friends")
		}
	})
	t.Run("open chat: the relation app is not needed", func(t *testing.T) {
		repo, friends := &fakeMessages{}, friendsOfAlice()
		friends.err = errors.New("relation app unreachable")
		uc := NewMessageUsecase(config(false, testMaxItems), repo, friends, testBlocklist)
		if got, err := uc.Send(context.Background(), alice, carol, "hi"); err != nil || got == nil || repo.count() != 1 {
			t.Fatalf("Send = %+v, %v, %d stored; want the message stored", got, err, repo.count())
		}
	})
}

func TestChat(t *testing.T) {
	ctx := context.Background()
	repo := &fakeMessages{}
	m1 := repo.put(alice, bob, "a→b 1")
	m2 := repo.put(bob, alice, "b→a 1")
	repo.put(alice, carol, "elsewhere")
	m3 := repo.put(alice, bob, "a→b 2")
	m4 := repo.put(bob, alice, "b→a 2")
	m5 := repo.put(bob, alice, "b→a 3")
	stranger := repo.put(carol, dave, "between strangers")

	ids := func(ms []*Message) []int64 {
		out := make([]int64, len(ms))
		for i, m := range ms {
			out[i] = m.ID
		}
		return out
	}
	tests := []struct {
		name        string
		user, peer  int64
		afterMs     int64
		maxItems    int // 0: testMaxItems
		want        []int64
		wantQuery   string
		reason      *messagev1.ErrorReason
		wantMessage string
	}{
		{name: "whole conversation, both directions, oldest first", user: alice, peer: bob,
			want: ids([]*Message{&m1, &m2, &m3, &m4, &m5}), wantQuery: "Conversation"},
		{name: "the same conversation from the other side", user: bob, peer: alice,
			want: ids([]*Message{&m1, &m2, &m3, &m4, &m5}), wantQuery: "Conversation"},
		{name: "negative after_ms is the whole conversation", user: alice, peer: bob, afterMs: -5,
			want: ids([]*Message{&m1, &m2, &m3, &m4, &m5}), wantQuery: "Conversation"},
		{name: "poll: only what the peer sent after it", user: alice, peer: bob, afterMs: m1.CreateTime,
			want: ids([]*Message{&m2, &m4, &m5}), wantQuery: "SentAfter"},
		{name: "poll from the newest seen of the peer's", user: alice, peer: bob, afterMs: m4.CreateTime,
			want: ids([]*Message{&m5}), wantQuery: "SentAfter"},
		{name: "poll that finds nothing new", user: alice, peer: bob, afterMs: m5.CreateTime, wantQuery: "SentAfter"},
		{name: "poll from bob's side: alice's messages only", user: bob, peer: alice, afterMs: m2.CreateTime,
			want: ids([]*Message{&m3}), wantQuery: "SentAfter"},
		{name: "whole conversation past the bound: the newest, oldest first", user: alice, peer: bob, maxItems: 2,
			want: ids([]*Message{&m4, &m5}), wantQuery: "Conversation"},
		{name: "poll past the bound: the oldest, so the next poll carries on from them", user: alice, peer: bob,
			afterMs: m1.CreateTime, maxItems: 2, want: ids([]*Message{&m2, &m4}), wantQuery: "SentAfter"},
		{name: "the next poll", user: alice, peer: bob, afterMs: m4.CreateTime, maxItems: 2,
			want: ids([]*Message{&m5}), wantQuery: "SentAfter"},
		{name: "strangers see what exists, without asking the relation app", user: carol, peer: dave,
			want: []int64{stranger.ID}, wantQuery: "Conversation"},
		{name: "no conversation at all", user: dave, peer: bob, wantQuery: "Conversation"},
		{name: "with yourself", user: alice, peer: alice, reason: reasonOf(messagev1.ErrorReason_INVALID_ARGUMENT),
			wantMessage: "you cannot chat with yourself"},
		{name: "zero peer", user: alice, peer: 0, reason: reasonOf(messagev1.ErrorReason_INVALID_ARGUMENT),
			wantMessage: "user_id and peer_id must be positive"},
		{name: "negative user", user: -1, peer: bob, afterMs: 5, reason: reasonOf(messagev1.ErrorReason_INVALID_ARGUMENT),
			wantMessage: "user_id and peer_id must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			friends := friendsOfAlice()
			maxItems := cmp.Or(tt.maxItems, testMaxItems)
			uc := NewMessageUsecase(config(true, maxItems), repo, friends, testBlocklist)
			before := len(repo.queries())
			got, err := uc.Chat(ctx, tt.user, tt.peer, tt.afterMs)
			wantError(t, "Chat", err, tt.reason, tt.wantMessage)
			queries := repo.queries()[before:]
			if tt.reason != nil {
				if len(queries) != 0 {
					t.Fatalf("a refused Chat queried %v", queries)
				}
				return
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Fatalf("Chat = %v; want %v", ids(got), tt.want)
			}
			if len(queries) != 1 || queries[0] != tt.wantQuery {
				t.Fatalf("queries %v; want one %s", queries, tt.wantQuery)
			}
			if friends.called() != 0 {
				t.Fatal("Chat asked the relation app")
			}
		})
	}
}

func TestLatest(t *testing.T) {
	ctx := context.Background()
	repo := &fakeMessages{}
	repo.put(alice, bob, "old")
	withBob := repo.put(bob, alice, "newest with bob")
	withDave := repo.put(alice, dave, "newest with dave")
	repo.put(carol, dave, "not alice's")
	const nobody = int64(99)
	many := make([]int64, MaxBatch) // dave last among MaxBatch distinct peers
	for i := range many {
		many[i] = int64(1000 + i)
	}
	many[MaxBatch-1] = dave

	tests := []struct {
		name      string
		user      int64
		peers     []int64
		want      []string // contents, in the order of the asked peers
		wantAsked []int64  // the peers the repository is asked about; nil: not asked
		reason    *messagev1.ErrorReason
		message   string
	}{
		{name: "each peer's newest, in the asked order", user: alice, peers: []int64{dave, nobody, bob},
			want: []string{withDave.Content, withBob.Content}, wantAsked: []int64{dave, nobody, bob}},
		{name: "the other order", user: alice, peers: []int64{bob, dave},
			want: []string{withBob.Content, withDave.Content}, wantAsked: []int64{bob, dave}},
		{name: "repeats, self and non-positive ids are skipped", user: alice, peers: []int64{bob, alice, 0, -3, bob, dave},
			want: []string{withBob.Content, withDave.Content}, wantAsked: []int64{bob, dave}},
		{name: "seen from the peer's side", user: bob, peers: []int64{alice, carol},
			want: []string{withBob.Content}, wantAsked: []int64{alice, carol}},
		{name: "nobody to ask about: no query", user: alice, peers: []int64{alice, 0}},
		{name: "no peers: no query", user: alice},
		{name: "MaxBatch peers", user: alice, peers: many, want: []string{withDave.Content}, wantAsked: many},
		{name: "one peer too many", user: alice, peers: append(slices.Clone(many), bob),
			reason: reasonOf(messagev1.ErrorReason_INVALID_ARGUMENT), message: "at most 500 peers at once, got 501"},
		{name: "zero user", user: 0, peers: []int64{bob},
			reason: reasonOf(messagev1.ErrorReason_INVALID_ARGUMENT), message: "user_id must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uc := NewMessageUsecase(config(false, testMaxItems), repo, friendsOfAlice(), testBlocklist)
			before := len(repo.latestQ)
			got, err := uc.Latest(ctx, tt.user, tt.peers)
			wantError(t, "Latest", err, tt.reason, tt.message)
			var contents []string
			for _, m := range got {
				contents = append(contents, m.Content)
			}
			if !slices.Equal(contents, tt.want) {
				t.Fatalf("Latest = %q; want %q", contents, tt.want)
			}
			asked := repo.latestQ[before:]
			switch {
			case tt.wantAsked == nil && len(asked) != 0:
				t.Fatalf("the repository was asked %v; want no query", asked)
			case tt.wantAsked != nil && (len(asked) != 1 || !slices.Equal(asked[0], tt.wantAsked)):
				t.Fatalf("the repository was asked %v; want one query for %v", asked, tt.wantAsked)
			}
		})
	}
}
