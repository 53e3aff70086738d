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
	"github.com/douyin-kratos/douyin/pkg/edges/edgestest"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

const (
	videoA  = int64(101) // by author 7
	videoB  = int64(102) // by author 8
	authorA = int64(7)
	authorB = int64(8)
)

func catalogue() map[int64]int64 { return map[int64]int64{videoA: authorA, videoB: authorB} }

// favorites are the edges of the (user, video) pairs.
func favorites(pairs [][2]int64) []edgestest.Edge {
	out := make([]edgestest.Edge, len(pairs))
	for i, p := range pairs {
		out[i] = edgestest.Edge{Owner: p[0], Member: p[1]}
	}
	return out
}

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
			repo.WantHeld(t, favorites(tt.favorited), favorites(tt.notFavorited))
			if n := len(repo.Asked); n != tt.repoCalls {
				t.Errorf("%d Set calls; want %d", n, tt.repoCalls)
			}
			// A favorite moves video and user counts.
			repo.WantWaits(t, waiter, tt.waits, videov1.CounterConsumer, userv1.CounterConsumer)
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
		f, ok := repo.Stored(edgestest.Edge{Owner: 3, Member: v})
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
			repo.put(Favorite{UserID: 1, VideoID: videoA, AuthorID: authorA})
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
	repo.put(Favorite{UserID: 1, VideoID: videoA, AuthorID: authorA})
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
	repo.Err = errors.New("database down")
	uc := NewFavoriteUsecase(settings(), repo, newFakeVideos(catalogue()), awaiter(waiter, time.Second))
	changed, err := uc.Favorite(context.Background(), 1, videoA, true)
	if !errors.Is(err, repo.Err) || changed {
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
	repo := newFakeFavorites()
	repo.put(Favorite{UserID: 1, VideoID: videoA, AuthorID: authorA})
	uc := NewFavoriteUsecase(settings(), repo, newFakeVideos(catalogue()), awaiter(&eventtest.Acks{}, time.Second))
	edgestest.WantAmong(t, uc.FavoritedAmong, func() int { return repo.Lookups }, []int64{videoA}, MaxBatch, interactionv1.ErrorReason_INVALID_ARGUMENT,
		edgestest.AmongCase{Name: "the subset favorited", Viewer: 1, IDs: []int64{videoB, 555, videoA}, Want: []int64{videoA}},
		edgestest.AmongCase{Name: "none favorited", Viewer: 2, IDs: []int64{videoA, videoB}},
	)
}

func TestFavoriteSetIsIdempotentAndAnnouncesEachChange(t *testing.T) {
	f := Favorite{UserID: 1, VideoID: videoA, AuthorID: authorA}
	edgestest.WantSetRule(t, f.Set, func(ev *interactionv1.FavoriteChanged) bool {
		return ev.GetUserId() == f.UserID && ev.GetVideoId() == f.VideoID && ev.GetAuthorId() == f.AuthorID
	})
}
