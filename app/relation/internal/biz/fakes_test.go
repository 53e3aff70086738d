package biz

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"
	"time"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	"github.com/douyin-kratos/douyin/pkg/edges/edgestest"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

// fixture is the use case over fakes: follows in memory, the users of directory(), and counts
// waited for through acks (which, with Block, never sees them applied), at most wait
// (kafka.apply_wait).
type fixture struct {
	repo  *fakeFollows
	users *fakeUsers
	acks  *eventtest.Acks
	wait  time.Duration
	// uc lists at most 1000 users, lists.max_items at its default.
	uc *RelationUsecase
}

// newFixture holds edges, and its counts are applied at once.
func newFixture(edges ...Follow) *fixture {
	return newWaitingFixture(&eventtest.Acks{}, time.Second, edges...)
}

// newWaitingFixture holds edges and waits for counts through acks, at most wait.
func newWaitingFixture(acks *eventtest.Acks, wait time.Duration, edges ...Follow) *fixture {
	f := &fixture{repo: newFakeFollows(), users: directory(), acks: acks, wait: wait}
	f.repo.put(edges...)
	f.uc = f.listing(1000)
	return f
}

// listing is the fixture's use case with lists of at most maxItems users (lists.max_items).
func (f *fixture) listing(maxItems int) *RelationUsecase {
	return NewRelationUsecase(Settings{MaxListItems: maxItems}, f.repo, f.users, countsv1.Awaiter{Acks: f.acks, Wait: f.wait})
}

// fakeFollows is a FollowRepo in memory: a follow is the edge follower → followee.
type fakeFollows struct {
	*edgestest.Memory[Follow, *relationv1.FollowChanged]
}

func newFakeFollows() *fakeFollows {
	return &fakeFollows{edgestest.NewMemory[Follow, *relationv1.FollowChanged]()}
}

func edge(f Follow) edgestest.Edge { return edgestest.Edge{Owner: f.FollowerID, Member: f.FolloweeID} }

func edges(fs ...Follow) []edgestest.Edge {
	out := make([]edgestest.Edge, len(fs))
	for i, f := range fs {
		out[i] = edge(f)
	}
	return out
}

// put stores edges directly, as if followed earlier, one clock tick apart.
func (r *fakeFollows) put(edges ...Follow) {
	for _, f := range edges {
		r.Put(edge(f), f)
	}
}

func (r *fakeFollows) has(f Follow) bool {
	_, ok := r.Stored(edge(f))
	return ok
}

func (r *fakeFollows) Set(_ context.Context, f Follow, decide func(bool) (bool, *relationv1.FollowChanged)) (string, error) {
	return r.Memory.Set(edge(f), f, decide)
}

func (r *fakeFollows) ListFollowing(_ context.Context, userID int64, limit int) ([]int64, error) {
	return r.Newest(userID, limit)
}

func (r *fakeFollows) ListFollowers(_ context.Context, userID int64, limit int) ([]int64, error) {
	return r.Owners(userID, limit)
}

func (r *fakeFollows) ListMutual(_ context.Context, userID int64, limit int) ([]Mutual, error) {
	following, err := r.Newest(userID, math.MaxInt)
	if err != nil {
		return nil, err
	}
	var out []Mutual
	for _, other := range following {
		if back, ok := r.MadeAt(edgestest.Edge{Owner: other, Member: userID}); ok {
			at, _ := r.MadeAt(edgestest.Edge{Owner: userID, Member: other})
			out = append(out, Mutual{UserID: other, FollowedAt: at, FollowedBackAt: back})
		}
	}
	slices.SortFunc(out, func(a, b Mutual) int {
		return cmp.Or(cmp.Compare(b.FriendsSince(), a.FriendsSince()), cmp.Compare(b.UserID, a.UserID))
	})
	return out[:min(limit, len(out))], nil
}

func (r *fakeFollows) FollowedAmong(_ context.Context, viewerID int64, ids []int64) ([]int64, error) {
	return r.Among(viewerID, ids)
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

func reasonOf(r relationv1.ErrorReason) *relationv1.ErrorReason { return &r }
