package biz

import (
	"context"
	"sort"
	"sync"
	"testing"

	"github.com/go-kratos/kratos/v2/errors"

	messagev1 "github.com/douyin-kratos/douyin/api/message/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror/apierrortest"
	"github.com/douyin-kratos/douyin/pkg/moderation/moderationtest"
)

// testMaxItems is lists.max_items in the tests that do not set their own.
const testMaxItems = 1000

// config is the use case's configuration: whether only friends may chat, and the list bound.
func config(friendsOnly bool, maxItems int) Settings {
	return Settings{FriendsOnly: friendsOnly, MaxListItems: maxItems}
}

// testBlocklist are the words no message of the tests' use cases may contain.
var testBlocklist = moderationtest.Words{"spam", "垃圾"}

// fakeFriends is a FriendChecker over a fixed set of friend pairs.
type fakeFriends struct {
	mu    sync.Mutex
	pairs map[[2]int64]bool // both orders of each pair
	calls int
	// err, when set, is returned by every call, like a relation app that cannot be reached.
	err error
}

func newFakeFriends(pairs ...[2]int64) *fakeFriends {
	f := &fakeFriends{pairs: map[[2]int64]bool{}}
	for _, p := range pairs {
		f.pairs[p], f.pairs[[2]int64{p[1], p[0]}] = true, true
	}
	return f
}

func (f *fakeFriends) AreFriends(_ context.Context, a, b int64) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return false, f.err
	}
	return f.pairs[[2]int64{a, b}], nil
}

func (f *fakeFriends) called() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// fakeMessages is a MessageRepo in memory that keeps the contract: ids and create times grow
// with every message.
type fakeMessages struct {
	mu      sync.Mutex
	all     []Message // in the order stored
	clock   int64
	creates int
	// calls records which query answered, to check the use case picks the right one.
	calls   []string
	latestQ [][]int64 // the peers each Latest call asked for
}

func (r *fakeMessages) Create(_ context.Context, m *Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.creates++
	r.clock++
	m.ID, m.CreateTime = int64(len(r.all)+1), 1_700_000_000_000+r.clock
	r.all = append(r.all, *m)
	return nil
}

// put stores a message directly, as if sent earlier.
func (r *fakeMessages) put(from, to int64, content string) Message {
	m := &Message{FromUserID: from, ToUserID: to, Content: content}
	_ = r.Create(context.Background(), m)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.creates--
	return *m
}

func (r *fakeMessages) find(keep func(m *Message) bool) []*Message {
	var out []*Message
	for i := range r.all {
		if keep(&r.all[i]) {
			m := r.all[i]
			out = append(out, &m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreateTime < out[j].CreateTime })
	return out
}

func between(m *Message, a, b int64) bool {
	return (m.FromUserID == a && m.ToUserID == b) || (m.FromUserID == b && m.ToUserID == a)
}

func (r *fakeMessages) Conversation(_ context.Context, a, b int64, limit int) ([]*Message, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "Conversation")
	all := r.find(func(m *Message) bool { return between(m, a, b) })
	return all[max(0, len(all)-limit):], nil // the newest
}

func (r *fakeMessages) SentAfter(_ context.Context, from, to, afterMs int64, limit int) ([]*Message, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "SentAfter")
	all := r.find(func(m *Message) bool { return m.FromUserID == from && m.ToUserID == to && m.CreateTime > afterMs })
	return all[:min(limit, len(all))], nil // the oldest
}

func (r *fakeMessages) Latest(_ context.Context, userID int64, peerIDs []int64) ([]*Message, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "Latest")
	r.latestQ = append(r.latestQ, append([]int64(nil), peerIDs...))
	var out []*Message
	// Newest peer first: the use case, not the repository, puts them in the asked order.
	for i := len(peerIDs) - 1; i >= 0; i-- {
		if list := r.find(func(m *Message) bool { return between(m, userID, peerIDs[i]) }); len(list) > 0 {
			out = append(out, list[len(list)-1])
		}
	}
	return out, nil
}

func (r *fakeMessages) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.all)
}

func (r *fakeMessages) queries() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// wantError checks err carries reason and, when message is not empty, says it (nil reason: no
// error).
func wantError(t *testing.T, what string, err error, reason *messagev1.ErrorReason, message string) {
	t.Helper()
	apierrortest.WantReason(t, what, err, reason)
	if reason != nil && message != "" && apiMessage(err) != message {
		t.Fatalf("%s: message %q; want %q", what, apiMessage(err), message)
	}
}

func apiMessage(err error) string { return errors.FromError(err).GetMessage() }

func reasonOf(r messagev1.ErrorReason) *messagev1.ErrorReason { return &r }
