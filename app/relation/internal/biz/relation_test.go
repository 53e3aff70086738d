package biz

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"

	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror/apierrortest"
	"github.com/douyin-kratos/douyin/pkg/edges/edgestest"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

// Users 1 to 9 exist; 999 does not.
const unknownUser = int64(999)

func directory() *fakeUsers { return newFakeUsers(1, 2, 3, 4, 5, 6, 7, 8, 9) }

func TestFollow(t *testing.T) {
	ctx := context.Background()
	type step struct {
		user, to int64
		follow   bool
		changed  bool
		reason   *relationv1.ErrorReason
	}
	tests := []struct {
		name  string
		steps []step
		// after the steps: which edges exist
		edges    []Follow
		notEdges []Follow
		waits    int // waits for counts: one per real change
		sets     int // repository Set calls
		lookups  int // directory calls
	}{
		{
			name:  "follow, follow again: the second changes nothing",
			steps: []step{{1, 2, true, true, nil}, {1, 2, true, false, nil}},
			edges: []Follow{{1, 2}}, notEdges: []Follow{{2, 1}}, waits: 1, sets: 2, lookups: 2,
		},
		{
			name:     "unfollow someone never followed changes nothing",
			steps:    []step{{1, 2, false, false, nil}},
			notEdges: []Follow{{1, 2}}, waits: 0, sets: 1, lookups: 0,
		},
		{
			name:     "follow, unfollow, unfollow again",
			steps:    []step{{1, 2, true, true, nil}, {1, 2, false, true, nil}, {1, 2, false, false, nil}},
			notEdges: []Follow{{1, 2}}, waits: 2, sets: 3, lookups: 1,
		},
		{
			name:  "following back is an edge of its own",
			steps: []step{{1, 2, true, true, nil}, {2, 1, true, true, nil}, {2, 1, false, true, nil}},
			edges: []Follow{{1, 2}}, notEdges: []Follow{{2, 1}}, waits: 3, sets: 3, lookups: 2,
		},
		{
			name:     "following yourself is refused, and nothing is stored or asked",
			steps:    []step{{3, 3, true, false, reasonOf(relationv1.ErrorReason_CANNOT_FOLLOW_SELF)}},
			notEdges: []Follow{{3, 3}}, waits: 0, sets: 0, lookups: 0,
		},
		{
			name:     "unfollowing yourself changes nothing: nobody follows themselves",
			steps:    []step{{3, 3, false, false, nil}},
			notEdges: []Follow{{3, 3}}, waits: 0, sets: 0, lookups: 0,
		},
		{
			name:     "an unknown user cannot be followed",
			steps:    []step{{1, unknownUser, true, false, reasonOf(relationv1.ErrorReason_USER_NOT_FOUND)}},
			notEdges: []Follow{{1, unknownUser}}, waits: 0, sets: 0, lookups: 1,
		},
		{
			name:     "unfollowing an unknown user succeeds with no change and no lookup",
			steps:    []step{{1, unknownUser, false, false, nil}},
			notEdges: []Follow{{1, unknownUser}}, waits: 0, sets: 1, lookups: 0,
		},
		{
			name: "non-positive ids are invalid",
			steps: []step{
				{0, 2, true, false, reasonOf(relationv1.ErrorReason_INVALID_ARGUMENT)},
				{-1, 2, true, false, reasonOf(relationv1.ErrorReason_INVALID_ARGUMENT)},
				{1, 0, true, false, reasonOf(relationv1.ErrorReason_INVALID_ARGUMENT)},
				{1, -5, false, false, reasonOf(relationv1.ErrorReason_INVALID_ARGUMENT)},
				{0, 0, true, false, reasonOf(relationv1.ErrorReason_INVALID_ARGUMENT)},
			},
			notEdges: []Follow{{0, 2}, {-1, 2}, {1, 0}}, waits: 0, sets: 0, lookups: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			for i, s := range tt.steps {
				changed, err := f.uc.Follow(ctx, s.user, s.to, s.follow)
				apierrortest.WantReason(t, "step", err, s.reason)
				if changed != s.changed {
					t.Fatalf("step %d Follow(%d, %d, %v): changed = %v; want %v", i, s.user, s.to, s.follow, changed, s.changed)
				}
			}
			f.repo.WantHeld(t, edges(tt.edges...), edges(tt.notEdges...))
			if n := len(f.repo.Asked); n != tt.sets {
				t.Errorf("%d Set calls; want %d", n, tt.sets)
			}
			if n := f.users.calls(); n != tt.lookups {
				t.Errorf("%d directory lookups; want %d", n, tt.lookups)
			}
			// A follow moves user counts only.
			f.repo.WantWaits(t, f.acks, tt.waits, userv1.CounterConsumer)
		})
	}
}

func TestFollowStoresTheEdgeAsked(t *testing.T) {
	f := newFixture()
	if _, err := f.uc.Follow(context.Background(), 4, 7, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.uc.Follow(context.Background(), 5, 8, false); err != nil {
		t.Fatal(err)
	}
	if want := edges(Follow{FollowerID: 4, FolloweeID: 7}, Follow{FollowerID: 5, FolloweeID: 8}); !slices.Equal(f.repo.Asked, want) {
		t.Fatalf("Set calls for %v; want %v (follower = the acting user)", f.repo.Asked, want)
	}
}

func TestFollowSelfSaysWhy(t *testing.T) {
	_, err := newFixture().uc.Follow(context.Background(), 2, 2, true)
	e := kerrors.FromError(err)
	if e.Code != 400 || !strings.Contains(e.Message, "yourself") {
		t.Fatalf("self-follow error %d %q; want 400 with a message a person understands", e.Code, e.Message)
	}
}

func TestFollowWaitIsBoundedByApplyWait(t *testing.T) {
	const applyWait = 50 * time.Millisecond
	for _, follow := range []bool{true, false} {
		f := newWaitingFixture(&eventtest.Acks{Block: true}, applyWait)
		if !follow {
			f.repo.put(Follow{1, 2})
		}
		eventtest.WantBoundedWait(t, fmt.Sprintf("follow=%v: Follow", follow), f.acks, applyWait, func() (bool, error) {
			return f.uc.Follow(context.Background(), 1, 2, follow)
		})
	}
}

func TestFollowNoChangeDoesNotWait(t *testing.T) {
	// A waiter that would block for the whole apply_wait: a repeated follow must answer at once.
	f := newWaitingFixture(&eventtest.Acks{Block: true}, 5*time.Second, Follow{1, 2})
	start := time.Now()
	for _, c := range []struct {
		user, to int64
		follow   bool
	}{{1, 2, true}, {2, 1, false}, {1, 3, false}, {1, 2, true}} {
		changed, err := f.uc.Follow(context.Background(), c.user, c.to, c.follow)
		if err != nil || changed {
			t.Fatalf("Follow(%d, %d, %v) that changes nothing = %v, %v; want false, nil", c.user, c.to, c.follow, changed, err)
		}
	}
	eventtest.WantNoWaitSince(t, start, f.acks)
}

func TestFollowErrorsAreReturned(t *testing.T) {
	for _, tt := range []struct {
		name string
		// fail makes the fixture's dependency fail and returns its error.
		fail func(f *fixture) error
		sets int // Set calls: none once the user could not be checked
	}{
		{name: "repository", fail: func(f *fixture) error { f.repo.Err = errors.New("database down"); return f.repo.Err }, sets: 1},
		{name: "directory", fail: func(f *fixture) error { f.users.err = errors.New("user app unreachable"); return f.users.err }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			want := tt.fail(f)
			changed, err := f.uc.Follow(context.Background(), 1, 2, true)
			if !errors.Is(err, want) || changed {
				t.Fatalf("Follow = %v, %v; want false and the %s's error", changed, err, tt.name)
			}
			if len(f.acks.Waits()) != 0 {
				t.Fatal("waited for counts of a change that failed")
			}
			if len(f.repo.Asked) != tt.sets || f.repo.has(Follow{1, 2}) {
				t.Fatalf("%d Set calls (want %d), and the follow stored: %v", len(f.repo.Asked), tt.sets, f.repo.has(Follow{1, 2}))
			}
		})
	}
}

func TestListFollowingAndFollowers(t *testing.T) {
	ctx := context.Background()
	fx := newFixture()
	uc := fx.uc
	for _, f := range []Follow{{1, 3}, {2, 1}, {1, 2}, {3, 1}, {1, 4}, {4, 1}} {
		if _, err := uc.Follow(ctx, f.FollowerID, f.FolloweeID, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := uc.Follow(ctx, 1, 2, false); err != nil {
		t.Fatal(err)
	}
	if got, err := uc.ListFollowing(ctx, 1); err != nil || !slices.Equal(got, []int64{4, 3}) {
		t.Fatalf("ListFollowing(1) = %v, %v; want [4 3], most recently followed first", got, err)
	}
	if got, err := uc.ListFollowers(ctx, 1); err != nil || !slices.Equal(got, []int64{4, 3, 2}) {
		t.Fatalf("ListFollowers(1) = %v, %v; want [4 3 2], most recent first", got, err)
	}
	small := fx.listing(1)
	if got, err := small.ListFollowing(ctx, 1); err != nil || !slices.Equal(got, []int64{4}) {
		t.Fatalf("ListFollowing(1) under lists.max_items 1 = %v, %v; want [4]", got, err)
	}
	if got, err := small.ListFollowers(ctx, 1); err != nil || !slices.Equal(got, []int64{4}) {
		t.Fatalf("ListFollowers(1) under lists.max_items 1 = %v, %v; want [4]", got, err)
	}
	for _, user := range []int64{0, -1} {
		_, err := uc.ListFollowing(ctx, user)
		apierrortest.WantReason(t, "ListFollowing(non-positive)", err, reasonOf(relationv1.ErrorReason_INVALID_ARGUMENT))
		_, err = uc.ListFollowers(ctx, user)
		apierrortest.WantReason(t, "ListFollowers(non-positive)", err, reasonOf(relationv1.ErrorReason_INVALID_ARGUMENT))
		_, err = uc.ListFriends(ctx, user)
		apierrortest.WantReason(t, "ListFriends(non-positive)", err, reasonOf(relationv1.ErrorReason_INVALID_ARGUMENT))
	}
}

func TestFriendsSince(t *testing.T) {
	for _, m := range []Mutual{{FollowedAt: 10, FollowedBackAt: 70}, {FollowedAt: 70, FollowedBackAt: 10}, {FollowedAt: 70, FollowedBackAt: 70}} {
		if got := m.FriendsSince(); got != 70 {
			t.Errorf("%+v.FriendsSince() = %d; want 70, the second follow", m, got)
		}
	}
}

// The order of friends is the repository's (its contract suite checks it); the use case keeps
// it and bounds the list.
func TestListFriends(t *testing.T) {
	const me = int64(1)
	f := newFixture()
	for _, e := range []struct{ from, to, at int64 }{
		{5, me, 1}, {me, 5, 100},
		{me, 6, 45}, {6, me, 50},
		{me, 7, 10}, {7, me, 70},
		{me, 8, 60}, {8, me, 20},
		{me, 9, 80}, // not followed back
	} {
		f.repo.PutAt(edge(Follow{e.from, e.to}), Follow{e.from, e.to}, e.at)
	}
	for _, tt := range []struct {
		maxItems int32
		want     []int64
	}{{1000, []int64{5, 7, 8, 6}}, {2, []int64{5, 7}}} {
		if got, err := f.listing(int(tt.maxItems)).ListFriends(context.Background(), me); err != nil || !slices.Equal(got, tt.want) {
			t.Fatalf("ListFriends under lists.max_items %d = %v, %v; want %v", tt.maxItems, got, err, tt.want)
		}
	}
	if got, err := f.uc.ListFriends(context.Background(), 9); err != nil || len(got) != 0 {
		t.Fatalf("ListFriends of a user nobody follows back = %v, %v; want none", got, err)
	}
}

func TestFollowedAmong(t *testing.T) {
	f := newFixture(Follow{1, 2}, Follow{1, 3}, Follow{3, 1})
	edgestest.WantAmong(t, f.uc.FollowedAmong, func() int { return f.repo.Lookups }, []int64{2, 3}, MaxBatch, relationv1.ErrorReason_INVALID_ARGUMENT,
		edgestest.AmongCase{Name: "the subset followed", Viewer: 1, IDs: []int64{5, 2, unknownUser, 3}, Want: []int64{2, 3}},
		edgestest.AmongCase{Name: "being followed is not following", Viewer: 2, IDs: []int64{1, 3}},
	)
}

func TestAreFriends(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		user, other int64
		want        bool
		reason      *relationv1.ErrorReason
		maxLookups  int
	}{
		{name: "mutual follow", user: 1, other: 3, want: true, maxLookups: 2},
		{name: "mutual follow, asked the other way", user: 3, other: 1, want: true, maxLookups: 2},
		{name: "I follow them, they do not follow me", user: 1, other: 2, want: false, maxLookups: 2},
		{name: "they follow me, I do not follow them", user: 2, other: 1, want: false, maxLookups: 2},
		{name: "strangers", user: 4, other: 5, want: false, maxLookups: 2},
		{name: "yourself: not a friend, no lookup", user: 3, other: 3, want: false, maxLookups: 0},
		{name: "non-positive ids are invalid", user: 0, other: 3, reason: reasonOf(relationv1.ErrorReason_INVALID_ARGUMENT)},
		{name: "non-positive other is invalid", user: 1, other: -3, reason: reasonOf(relationv1.ErrorReason_INVALID_ARGUMENT)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(Follow{1, 2}, Follow{1, 3}, Follow{3, 1})
			got, err := f.uc.AreFriends(ctx, tt.user, tt.other)
			apierrortest.WantReason(t, "AreFriends", err, tt.reason)
			if got != tt.want {
				t.Fatalf("AreFriends(%d, %d) = %v; want %v", tt.user, tt.other, got, tt.want)
			}
			if f.repo.Lookups > tt.maxLookups {
				t.Fatalf("%d repository lookups; want at most %d", f.repo.Lookups, tt.maxLookups)
			}
		})
	}
}

func TestFollowSetIsIdempotentAndAnnouncesEachChange(t *testing.T) {
	f := Follow{FollowerID: 1, FolloweeID: 2}
	edgestest.WantSetRule(t, f.Set, func(ev *relationv1.FollowChanged) bool {
		return ev.GetFollowerId() == 1 && ev.GetFolloweeId() == 2
	})
}
