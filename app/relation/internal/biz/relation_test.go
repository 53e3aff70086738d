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
			repo, users, waiter := newFakeFollows(), directory(), &eventtest.Acks{}
			uc := NewRelationUsecase(settings(), repo, users, awaiter(waiter, time.Second))
			for i, s := range tt.steps {
				changed, err := uc.Follow(ctx, s.user, s.to, s.follow)
				apierrortest.WantReason(t, "step", err, s.reason)
				if changed != s.changed {
					t.Fatalf("step %d Follow(%d, %d, %v): changed = %v; want %v", i, s.user, s.to, s.follow, changed, s.changed)
				}
			}
			for _, f := range tt.edges {
				if !repo.has(f) {
					t.Errorf("%d does not follow %d", f.FollowerID, f.FolloweeID)
				}
			}
			for _, f := range tt.notEdges {
				if repo.has(f) {
					t.Errorf("%d follows %d", f.FollowerID, f.FolloweeID)
				}
			}
			if repo.sets != tt.sets {
				t.Errorf("%d Set calls; want %d", repo.sets, tt.sets)
			}
			if n := users.calls(); n != tt.lookups {
				t.Errorf("%d directory lookups; want %d", n, tt.lookups)
			}
			calls := waiter.Waits()
			if len(calls) != tt.waits {
				t.Fatalf("%d waits for counts; want %d (one per real change): %+v", len(calls), tt.waits, calls)
			}
			// Each wait is for the event of a real change, in order, on the user counts.
			for i, c := range calls {
				if !slices.Equal(c.Consumers, []string{userv1.CounterConsumer}) {
					t.Errorf("wait %d for %v; a follow must wait for the user counts", i, c.Consumers)
				}
				if c.EventID != repo.events[i] {
					t.Errorf("wait %d for event %q; want %q", i, c.EventID, repo.events[i])
				}
			}
		})
	}
}

func TestFollowStoresTheEdgeAsked(t *testing.T) {
	repo := newFakeFollows()
	uc := NewRelationUsecase(settings(), repo, directory(), awaiter(&eventtest.Acks{}, time.Second))
	if _, err := uc.Follow(context.Background(), 4, 7, true); err != nil {
		t.Fatal(err)
	}
	if _, err := uc.Follow(context.Background(), 5, 8, false); err != nil {
		t.Fatal(err)
	}
	if want := []Follow{{FollowerID: 4, FolloweeID: 7}, {FollowerID: 5, FolloweeID: 8}}; !slices.Equal(repo.lastSet, want) {
		t.Fatalf("Set calls for %v; want %v (follower = the acting user)", repo.lastSet, want)
	}
}

func TestFollowSelfSaysWhy(t *testing.T) {
	uc := NewRelationUsecase(settings(), newFakeFollows(), directory(), awaiter(&eventtest.Acks{}, time.Second))
	_, err := uc.Follow(context.Background(), 2, 2, true)
	e := kerrors.FromError(err)
	if e.Code != 400 || !strings.Contains(e.Message, "yourself") {
		t.Fatalf("self-follow error %d %q; want 400 with a message a person understands", e.Code, e.Message)
	}
}

func TestFollowWaitIsBoundedByApplyWait(t *testing.T) {
	const applyWait = 50 * time.Millisecond
	for _, follow := range []bool{true, false} {
		repo, waiter := newFakeFollows(), &eventtest.Acks{Block: true}
		uc := NewRelationUsecase(settings(), repo, directory(), awaiter(waiter, applyWait))
		if !follow {
			repo.put(Follow{1, 2})
		}
		eventtest.WantBoundedWait(t, fmt.Sprintf("follow=%v: Follow", follow), waiter, applyWait, func() (bool, error) {
			return uc.Follow(context.Background(), 1, 2, follow)
		})
	}
}

func TestFollowNoChangeDoesNotWait(t *testing.T) {
	// A waiter that would block for the whole apply_wait: a repeated follow must answer at once.
	repo, waiter := newFakeFollows(), &eventtest.Acks{Block: true}
	uc := NewRelationUsecase(settings(), repo, directory(), awaiter(waiter, 5*time.Second))
	repo.put(Follow{1, 2})
	start := time.Now()
	for _, c := range []struct {
		user, to int64
		follow   bool
	}{{1, 2, true}, {2, 1, false}, {1, 3, false}, {1, 2, true}} {
		changed, err := uc.Follow(context.Background(), c.user, c.to, c.follow)
		if err != nil || changed {
			t.Fatalf("Follow(%d, %d, %v) that changes nothing = %v, %v; want false, nil", c.user, c.to, c.follow, changed, err)
		}
	}
	eventtest.WantNoWaitSince(t, start, waiter)
}

func TestFollowErrorsAreReturned(t *testing.T) {
	t.Run("repository", func(t *testing.T) {
		repo, waiter := newFakeFollows(), &eventtest.Acks{}
		repo.err = errors.New("database down")
		uc := NewRelationUsecase(settings(), repo, directory(), awaiter(waiter, time.Second))
		changed, err := uc.Follow(context.Background(), 1, 2, true)
		if !errors.Is(err, repo.err) || changed {
			t.Fatalf("Follow = %v, %v; want false and the repository's error", changed, err)
		}
		if len(waiter.Waits()) != 0 {
			t.Fatal("waited for counts of a change that failed")
		}
	})
	t.Run("directory", func(t *testing.T) {
		repo, users, waiter := newFakeFollows(), directory(), &eventtest.Acks{}
		users.err = errors.New("user app unreachable")
		uc := NewRelationUsecase(settings(), repo, users, awaiter(waiter, time.Second))
		changed, err := uc.Follow(context.Background(), 1, 2, true)
		if !errors.Is(err, users.err) || changed {
			t.Fatalf("Follow = %v, %v; want false and the directory's error", changed, err)
		}
		if repo.sets != 0 || repo.has(Follow{1, 2}) {
			t.Fatal("stored a follow whose user could not be checked")
		}
	})
}

func TestListFollowingAndFollowers(t *testing.T) {
	ctx := context.Background()
	repo := newFakeFollows()
	uc := NewRelationUsecase(settings(), repo, directory(), awaiter(&eventtest.Acks{}, time.Second))
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
	bounded := settings()
	bounded.MaxListItems = 1
	small := NewRelationUsecase(bounded, repo, directory(), awaiter(&eventtest.Acks{}, time.Second))
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
	repo := newFakeFollows()
	for _, e := range []struct{ from, to, at int64 }{
		{5, me, 1}, {me, 5, 100},
		{me, 6, 45}, {6, me, 50},
		{me, 7, 10}, {7, me, 70},
		{me, 8, 60}, {8, me, 20},
		{me, 9, 80}, // not followed back
	} {
		repo.putAt(Follow{e.from, e.to}, e.at)
	}
	for _, tt := range []struct {
		maxItems int32
		want     []int64
	}{{1000, []int64{5, 7, 8, 6}}, {2, []int64{5, 7}}} {
		bounded := settings()
		bounded.MaxListItems = int(tt.maxItems)
		uc := NewRelationUsecase(bounded, repo, directory(), awaiter(&eventtest.Acks{}, time.Second))
		if got, err := uc.ListFriends(context.Background(), me); err != nil || !slices.Equal(got, tt.want) {
			t.Fatalf("ListFriends under lists.max_items %d = %v, %v; want %v", tt.maxItems, got, err, tt.want)
		}
	}
	uc := NewRelationUsecase(settings(), repo, directory(), awaiter(&eventtest.Acks{}, time.Second))
	if got, err := uc.ListFriends(context.Background(), 9); err != nil || len(got) != 0 {
		t.Fatalf("ListFriends of a user nobody follows back = %v, %v; want none", got, err)
	}
}

func TestFollowedAmong(t *testing.T) {
	ctx := context.Background()
	many := make([]int64, MaxBatch+1)
	for i := range many {
		many[i] = int64(i + 1)
	}
	tests := []struct {
		name      string
		viewer    int64
		ids       []int64
		want      []int64
		reason    *relationv1.ErrorReason
		repoCalls int
	}{
		{name: "the subset followed", viewer: 1, ids: []int64{5, 2, unknownUser, 3}, want: []int64{2, 3}, repoCalls: 1},
		{name: "being followed is not following", viewer: 2, ids: []int64{1, 3}, want: nil, repoCalls: 1},
		{name: "anonymous viewer follows nobody, no lookup", viewer: 0, ids: []int64{2}, want: nil, repoCalls: 0},
		{name: "negative viewer follows nobody, no lookup", viewer: -3, ids: []int64{2}, want: nil, repoCalls: 0},
		{name: "no ids, no lookup", viewer: 1, ids: nil, want: nil, repoCalls: 0},
		{name: "exactly MaxBatch ids", viewer: 1, ids: many[:MaxBatch], want: []int64{2, 3}, repoCalls: 1},
		{name: "more than MaxBatch ids is invalid", viewer: 1, ids: many, reason: reasonOf(relationv1.ErrorReason_INVALID_ARGUMENT), repoCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := newFakeFollows()
			repo.put(Follow{1, 2}, Follow{1, 3}, Follow{3, 1})
			uc := NewRelationUsecase(settings(), repo, directory(), awaiter(&eventtest.Acks{}, time.Second))
			got, err := uc.FollowedAmong(ctx, tt.viewer, tt.ids)
			apierrortest.WantReason(t, "FollowedAmong", err, tt.reason)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("FollowedAmong(%d, %d ids) = %v; want %v", tt.viewer, len(tt.ids), got, tt.want)
			}
			if repo.among != tt.repoCalls {
				t.Fatalf("%d repository lookups; want %d", repo.among, tt.repoCalls)
			}
		})
	}
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
			repo := newFakeFollows()
			repo.put(Follow{1, 2}, Follow{1, 3}, Follow{3, 1})
			uc := NewRelationUsecase(settings(), repo, directory(), awaiter(&eventtest.Acks{}, time.Second))
			got, err := uc.AreFriends(ctx, tt.user, tt.other)
			apierrortest.WantReason(t, "AreFriends", err, tt.reason)
			if got != tt.want {
				t.Fatalf("AreFriends(%d, %d) = %v; want %v", tt.user, tt.other, got, tt.want)
			}
			if repo.among > tt.maxLookups {
				t.Fatalf("%d repository lookups; want at most %d", repo.among, tt.maxLookups)
			}
		})
	}
}

func TestFollowSetIsIdempotentAndAnnouncesEachChange(t *testing.T) {
	f := Follow{FollowerID: 1, FolloweeID: 2}
	tests := []struct {
		exists, follow bool
		delta          int32 // 0: no event
	}{
		{exists: false, follow: true, delta: 1},
		{exists: true, follow: false, delta: -1},
		{exists: true, follow: true},   // following twice counts once
		{exists: false, follow: false}, // unfollowing a stranger
	}
	for _, tt := range tests {
		next, ev := f.Set(tt.exists, tt.follow)
		if next != tt.follow {
			t.Errorf("Set(exists=%v, follow=%v) stores exists=%v; want %v", tt.exists, tt.follow, next, tt.follow)
		}
		if tt.delta == 0 {
			if ev != nil {
				t.Errorf("Set(exists=%v, follow=%v) announces %v; a no-op announces nothing", tt.exists, tt.follow, ev)
			}
			continue
		}
		if ev == nil || ev.GetFollowerId() != 1 || ev.GetFolloweeId() != 2 || ev.GetDelta() != tt.delta ||
			ev.GetOccurredAt() <= 0 || ev.GetEventId() != "" {
			t.Errorf("Set(exists=%v, follow=%v) announces %v; want follower 1, followee 2, delta %d, a time, and no id yet (the outbox gives it)",
				tt.exists, tt.follow, ev, tt.delta)
		}
	}
}
