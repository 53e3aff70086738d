package biz

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror/apierrortest"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

const (
	videoA  = int64(101) // by author 7
	videoB  = int64(102) // by author 8
	authorA = int64(7)
	authorB = int64(8)
)

func catalogue() map[int64]int64 { return map[int64]int64{videoA: authorA, videoB: authorB} }

func TestFavorite(t *testing.T) {
	ctx := context.Background()
	type step struct {
		user, video int64
		favorite    bool
		changed     bool
		reason      *interactionv1.ErrorReason
	}
	tests := []struct {
		name  string
		steps []step
		// after the steps: which (user, video) pairs are favorited
		favorited    [][2]int64
		notFavorited [][2]int64
		waits        int // waits for counts: one per real change
		repoCalls    int // Set calls
	}{
		{
			name:      "favorite, favorite again: the second changes nothing",
			steps:     []step{{1, videoA, true, true, nil}, {1, videoA, true, false, nil}},
			favorited: [][2]int64{{1, videoA}}, waits: 1, repoCalls: 2,
		},
		{
			name:         "unfavorite what was never favorited changes nothing",
			steps:        []step{{1, videoA, false, false, nil}},
			notFavorited: [][2]int64{{1, videoA}}, waits: 0, repoCalls: 1,
		},
		{
			name:         "favorite, unfavorite, unfavorite again",
			steps:        []step{{1, videoA, true, true, nil}, {1, videoA, false, true, nil}, {1, videoA, false, false, nil}},
			notFavorited: [][2]int64{{1, videoA}}, waits: 2, repoCalls: 3,
		},
		{
			name:      "favorites of different users and videos are separate",
			steps:     []step{{1, videoA, true, true, nil}, {2, videoA, true, true, nil}, {1, videoB, true, true, nil}, {2, videoA, true, false, nil}},
			favorited: [][2]int64{{1, videoA}, {2, videoA}, {1, videoB}}, notFavorited: [][2]int64{{2, videoB}}, waits: 3, repoCalls: 4,
		},
		{
			name:         "unknown video is refused and nothing is stored",
			steps:        []step{{1, 999, true, false, reasonOf(interactionv1.ErrorReason_VIDEO_NOT_FOUND)}, {1, 999, false, false, reasonOf(interactionv1.ErrorReason_VIDEO_NOT_FOUND)}},
			notFavorited: [][2]int64{{1, 999}}, waits: 0, repoCalls: 0,
		},
		{
			name: "non-positive ids are invalid",
			steps: []step{
				{0, videoA, true, false, reasonOf(interactionv1.ErrorReason_INVALID_ARGUMENT)},
				{-1, videoA, true, false, reasonOf(interactionv1.ErrorReason_INVALID_ARGUMENT)},
				{1, 0, true, false, reasonOf(interactionv1.ErrorReason_INVALID_ARGUMENT)},
				{1, -5, false, false, reasonOf(interactionv1.ErrorReason_INVALID_ARGUMENT)},
			},
			notFavorited: [][2]int64{{0, videoA}, {-1, videoA}, {1, 0}}, waits: 0, repoCalls: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo, videos, waiter := newFakeFavorites(), newFakeVideos(catalogue()), &eventtest.Acks{}
			uc := NewFavoriteUsecase(settings(), repo, videos, awaiter(waiter, time.Second))
			for i, s := range tt.steps {
				changed, err := uc.Favorite(ctx, s.user, s.video, s.favorite)
				apierrortest.WantReason(t, "step", err, s.reason)
				if changed != s.changed {
					t.Fatalf("step %d Favorite(%d, %d, %v): changed = %v; want %v", i, s.user, s.video, s.favorite, changed, s.changed)
				}
			}
			for _, p := range tt.favorited {
				if _, ok := repo.stored(p[0], p[1]); !ok {
					t.Errorf("user %d / video %d is not favorited", p[0], p[1])
				}
			}
			for _, p := range tt.notFavorited {
				if _, ok := repo.stored(p[0], p[1]); ok {
					t.Errorf("user %d / video %d is favorited", p[0], p[1])
				}
			}
			if repo.sets != tt.repoCalls {
				t.Errorf("%d Set calls; want %d", repo.sets, tt.repoCalls)
			}
			calls := waiter.Waits()
			if len(calls) != tt.waits {
				t.Fatalf("%d waits for counts; want %d (one per real change): %+v", len(calls), tt.waits, calls)
			}
			// Each wait is for the event of a real change, in order, on every counting consumer.
			for i, c := range calls {
				if want := []string{videov1.CounterConsumer, userv1.CounterConsumer}; !slices.Equal(c.Consumers, want) {
					t.Errorf("wait %d for %v; a favorite must wait for video and user counts (%v)", i, c.Consumers, want)
				}
				if c.EventID != repo.events[i] {
					t.Errorf("wait %d for event %q; want %q", i, c.EventID, repo.events[i])
				}
			}
		})
	}
}

func TestFavoriteStoresTheAuthorFromTheDirectory(t *testing.T) {
	repo, videos := newFakeFavorites(), newFakeVideos(catalogue())
	uc := NewFavoriteUsecase(settings(), repo, videos, awaiter(&eventtest.Acks{}, time.Second))
	for _, v := range []int64{videoA, videoB} {
		if _, err := uc.Favorite(context.Background(), 3, v, true); err != nil {
			t.Fatal(err)
		}
	}
	for v, author := range catalogue() {
		f, ok := repo.stored(3, v)
		if !ok {
			t.Fatalf("video %d not favorited", v)
		}
		if f != (Favorite{UserID: 3, VideoID: v, AuthorID: author}) {
			t.Errorf("stored %+v; want author %d", f, author)
		}
	}
}

func TestFavoriteWaitIsBoundedByApplyWait(t *testing.T) {
	const applyWait = 50 * time.Millisecond
	for _, favorite := range []bool{true, false} {
		repo, waiter := newFakeFavorites(), &eventtest.Acks{Block: true}
		uc := NewFavoriteUsecase(settings(), repo, newFakeVideos(catalogue()), awaiter(waiter, applyWait))
		if !favorite {
			repo.favorited[[2]int64{1, videoA}] = Favorite{UserID: 1, VideoID: videoA, AuthorID: authorA}
		}
		eventtest.WantBoundedWait(t, fmt.Sprintf("favorite=%v: Favorite", favorite), waiter, applyWait, func() (bool, error) {
			return uc.Favorite(context.Background(), 1, videoA, favorite)
		})
	}
}

func TestFavoriteNoChangeDoesNotWait(t *testing.T) {
	// A waiter that would block for the whole apply_wait: a repeated favorite must answer at once.
	repo, waiter := newFakeFavorites(), &eventtest.Acks{Block: true}
	uc := NewFavoriteUsecase(settings(), repo, newFakeVideos(catalogue()), awaiter(waiter, 5*time.Second))
	repo.favorited[[2]int64{1, videoA}] = Favorite{UserID: 1, VideoID: videoA, AuthorID: authorA}
	start := time.Now()
	for _, c := range []struct {
		user, video int64
		favorite    bool
	}{{1, videoA, true}, {2, videoB, false}, {1, videoA, true}} {
		changed, err := uc.Favorite(context.Background(), c.user, c.video, c.favorite)
		if err != nil || changed {
			t.Fatalf("Favorite(%d, %d, %v) that changes nothing = %v, %v; want false, nil", c.user, c.video, c.favorite, changed, err)
		}
	}
	eventtest.WantNoWaitSince(t, start, waiter)
}

func TestFavoriteRepoErrorIsReturned(t *testing.T) {
	repo, waiter := newFakeFavorites(), &eventtest.Acks{}
	repo.err = errors.New("database down")
	uc := NewFavoriteUsecase(settings(), repo, newFakeVideos(catalogue()), awaiter(waiter, time.Second))
	changed, err := uc.Favorite(context.Background(), 1, videoA, true)
	if !errors.Is(err, repo.err) || changed {
		t.Fatalf("Favorite = %v, %v; want false and the repository's error", changed, err)
	}
	if len(waiter.Waits()) != 0 {
		t.Fatal("waited for counts of a change that failed")
	}
}

func TestListFavorites(t *testing.T) {
	ctx := context.Background()
	repo := newFakeFavorites()
	uc := NewFavoriteUsecase(settings(), repo, newFakeVideos(catalogue()), awaiter(&eventtest.Acks{}, time.Second))
	for _, v := range []int64{videoB, videoA} {
		if _, err := uc.Favorite(ctx, 4, v, true); err != nil {
			t.Fatal(err)
		}
	}
	got, err := uc.ListFavorites(ctx, 4)
	if err != nil || !slices.Equal(got, []int64{videoA, videoB}) {
		t.Fatalf("ListFavorites = %v, %v; want most recently favorited first", got, err)
	}
	for _, user := range []int64{0, -1} {
		_, err := uc.ListFavorites(ctx, user)
		apierrortest.WantReason(t, "ListFavorites(non-positive)", err, reasonOf(interactionv1.ErrorReason_INVALID_ARGUMENT))
	}

	bounded := settings()
	bounded.MaxListItems = 1
	got, err = NewFavoriteUsecase(bounded, repo, newFakeVideos(catalogue()), awaiter(&eventtest.Acks{}, time.Second)).ListFavorites(ctx, 4)
	if err != nil || !slices.Equal(got, []int64{videoA}) {
		t.Fatalf("ListFavorites under lists.max_items 1 = %v, %v; want the most recent favorite", got, err)
	}
}

func TestFavoritedAmong(t *testing.T) {
	ctx := context.Background()
	many := make([]int64, MaxBatch+1)
	for i := range many {
		many[i] = int64(i + 1)
	}
	tests := []struct {
		name      string
		user      int64
		ids       []int64
		want      []int64
		reason    *interactionv1.ErrorReason
		repoCalls int
	}{
		{name: "the subset favorited", user: 1, ids: []int64{videoB, 555, videoA}, want: []int64{videoA}, repoCalls: 1},
		{name: "none favorited", user: 2, ids: []int64{videoA, videoB}, want: nil, repoCalls: 1},
		{name: "anonymous viewer favorited nothing, no lookup", user: 0, ids: []int64{videoA}, want: nil, repoCalls: 0},
		{name: "negative viewer favorited nothing, no lookup", user: -3, ids: []int64{videoA}, want: nil, repoCalls: 0},
		{name: "no ids, no lookup", user: 1, ids: nil, want: nil, repoCalls: 0},
		{name: "exactly MaxBatch ids", user: 1, ids: many[:MaxBatch], want: []int64{videoA}, repoCalls: 1},
		{name: "more than MaxBatch ids is invalid", user: 1, ids: many, reason: reasonOf(interactionv1.ErrorReason_INVALID_ARGUMENT), repoCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := newFakeFavorites()
			repo.favorited[[2]int64{1, videoA}] = Favorite{UserID: 1, VideoID: videoA, AuthorID: authorA}
			uc := NewFavoriteUsecase(settings(), repo, newFakeVideos(catalogue()), awaiter(&eventtest.Acks{}, time.Second))
			got, err := uc.FavoritedAmong(ctx, tt.user, tt.ids)
			apierrortest.WantReason(t, "FavoritedAmong", err, tt.reason)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("FavoritedAmong(%d, %d ids) = %v; want %v", tt.user, len(tt.ids), got, tt.want)
			}
			if repo.favoritedAmongCalls != tt.repoCalls {
				t.Fatalf("%d repository lookups; want %d", repo.favoritedAmongCalls, tt.repoCalls)
			}
		})
	}
}

func TestFavoriteSetIsIdempotentAndAnnouncesEachChange(t *testing.T) {
	f := Favorite{UserID: 1, VideoID: videoA, AuthorID: authorA}
	tests := []struct {
		favorited, favorite bool
		delta               int32 // 0: no event
	}{
		{favorited: false, favorite: true, delta: 1},
		{favorited: true, favorite: false, delta: -1},
		{favorited: true, favorite: true},   // favoriting twice counts once
		{favorited: false, favorite: false}, // unfavoriting what was never favorited
	}
	for _, tt := range tests {
		next, ev := f.Set(tt.favorited, tt.favorite)
		if next != tt.favorite {
			t.Errorf("Set(favorited=%v, favorite=%v) stores favorited=%v; want %v", tt.favorited, tt.favorite, next, tt.favorite)
		}
		if tt.delta == 0 {
			if ev != nil {
				t.Errorf("Set(favorited=%v, favorite=%v) announces %v; a no-op announces nothing", tt.favorited, tt.favorite, ev)
			}
			continue
		}
		if ev == nil || ev.GetUserId() != f.UserID || ev.GetVideoId() != f.VideoID || ev.GetAuthorId() != f.AuthorID ||
			ev.GetDelta() != tt.delta || ev.GetOccurredAt() <= 0 || ev.GetEventId() != "" {
			t.Errorf("Set(favorited=%v, favorite=%v) announces %v; want user 1, video %d, author %d, delta %d, a time, and no id yet (the outbox gives it)",
				tt.favorited, tt.favorite, ev, videoA, authorA, tt.delta)
		}
	}
}
