package biz

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

// bootstrap is the configuration the use cases read: lists.max_items at its default (tests of
// the bound change it).
func settings() Settings { return Settings{MaxListItems: 1000} }

// awaiter waits for counts through acks, at most wait (kafka.apply_wait).
func awaiter(acks *eventtest.Acks, wait time.Duration) countsv1.Awaiter {
	return countsv1.Awaiter{Acks: acks, Wait: wait}
}

// fakeUsers is a UserDirectory over a fixed set of ids.
type fakeUsers struct {
	mu    sync.Mutex
	known map[int64]bool
	asked []int64
	err   error
}

func newFakeUsers(ids ...int64) *fakeUsers {
	u := &fakeUsers{known: map[int64]bool{}}
	for _, id := range ids {
		u.known[id] = true
	}
	return u
}

func (u *fakeUsers) Exists(_ context.Context, userID int64) (bool, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.asked = append(u.asked, userID)
	if u.err != nil {
		return false, u.err
	}
	return u.known[userID], nil
}

func (u *fakeUsers) calls() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.asked)
}

// fakeFollows is a FollowRepo in memory: it stores what decide says, and gives the event decide
// returns an id.
type fakeFollows struct {
	mu     sync.Mutex
	edges  map[Follow]int64 // edge → when it was made (a logical clock)
	clock  int64
	seq    int
	sets   int
	among  int
	events []string
	// published are the events, in order.
	published []*relationv1.FollowChanged
	lastSet   []Follow
	// err, when set, is returned by every call.
	err error
}

func newFakeFollows() *fakeFollows { return &fakeFollows{edges: map[Follow]int64{}} }

// put stores edges directly, as if followed earlier, one clock tick apart.
func (r *fakeFollows) put(edges ...Follow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range edges {
		r.clock++
		r.edges[f] = r.clock
	}
}

// putAt stores the edge as made at the given time.
func (r *fakeFollows) putAt(f Follow, at int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.edges[f] = at
	r.clock = max(r.clock, at)
}

func (r *fakeFollows) has(f Follow) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.edges[f]
	return ok
}

func (r *fakeFollows) Set(_ context.Context, f Follow, decide func(bool) (bool, *relationv1.FollowChanged)) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sets++
	r.lastSet = append(r.lastSet, f)
	if r.err != nil {
		return "", r.err
	}
	_, had := r.edges[f]
	follow, ev := decide(had)
	switch {
	case follow && !had:
		r.clock++
		r.edges[f] = r.clock
	case !follow && had:
		delete(r.edges, f)
	}
	if ev == nil {
		return "", nil
	}
	r.seq++
	id := fmt.Sprintf("follow-event-%d", r.seq)
	r.events = append(r.events, id)
	r.published = append(r.published, ev)
	return id, nil
}

// list returns the other ends of the newest limit edges pick selects, newest first.
func (r *fakeFollows) list(limit int, pick func(Follow) (int64, bool)) ([]int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	type item struct{ id, at int64 }
	var items []item
	for f, at := range r.edges {
		if id, ok := pick(f); ok {
			items = append(items, item{id, at})
		}
	}
	sort.Slice(items, func(i, j int) bool {
		if items[i].at != items[j].at {
			return items[i].at > items[j].at
		}
		return items[i].id > items[j].id
	})
	out := make([]int64, min(limit, len(items)))
	for i := range out {
		out[i] = items[i].id
	}
	return out, nil
}

func (r *fakeFollows) ListFollowing(_ context.Context, userID int64, limit int) ([]int64, error) {
	return r.list(limit, func(f Follow) (int64, bool) { return f.FolloweeID, f.FollowerID == userID })
}

func (r *fakeFollows) ListFollowers(_ context.Context, userID int64, limit int) ([]int64, error) {
	return r.list(limit, func(f Follow) (int64, bool) { return f.FollowerID, f.FolloweeID == userID })
}

func (r *fakeFollows) ListMutual(_ context.Context, userID int64, limit int) ([]Mutual, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	var out []Mutual
	for f, at := range r.edges {
		if f.FollowerID != userID {
			continue
		}
		if back, ok := r.edges[Follow{f.FolloweeID, userID}]; ok {
			out = append(out, Mutual{UserID: f.FolloweeID, FollowedAt: at, FollowedBackAt: back})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].FriendsSince() != out[j].FriendsSince() {
			return out[i].FriendsSince() > out[j].FriendsSince()
		}
		return out[i].UserID > out[j].UserID
	})
	return out[:min(limit, len(out))], nil
}

func (r *fakeFollows) FollowedAmong(_ context.Context, viewerID int64, ids []int64) ([]int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.among++
	if r.err != nil {
		return nil, r.err
	}
	var out []int64
	for _, id := range ids {
		if _, ok := r.edges[Follow{viewerID, id}]; ok {
			out = append(out, id)
		}
	}
	return out, nil
}

func reasonOf(r relationv1.ErrorReason) *relationv1.ErrorReason { return &r }
