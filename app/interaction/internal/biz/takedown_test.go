package biz

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror/apierrortest"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

// A favorite removed by a take-down announces exactly the unfavorite of its liker's own unlike:
// the counts the like moved drop by one.
func TestFavoriteTakenDown(t *testing.T) {
	f := Favorite{UserID: 1, VideoID: 2, AuthorID: 3}
	ev := f.TakenDown()
	_, unlike := f.Set(true, false)
	unlike.OccurredAt = ev.GetOccurredAt()
	if !proto.Equal(ev, unlike) || ev.GetDelta() != -1 || ev.GetOccurredAt() <= 0 {
		t.Fatalf("TakenDown = %v; want the unlike %v", ev, unlike)
	}
	want := []countsv1.Move{
		{Entity: countsv1.Video, Counter: "favorite_count", ID: 2, By: -1},
		{Entity: countsv1.User, Counter: "favorite_count", ID: 1, By: -1},
		{Entity: countsv1.User, Counter: "total_favorited", ID: 3, By: -1},
	}
	if got := countsv1.Moves(ev); !slices.Equal(got, want) {
		t.Fatalf("TakenDown moves %+v; want %+v", got, want)
	}
}

func TestRemoveComment(t *testing.T) {
	ctx := context.Background()
	theirs := Comment{ID: 10, VideoID: videoA, UserID: 1, Content: "theirs", CreatedAt: 1}
	tests := []struct {
		name        string
		commentID   int64
		vanish      bool // Delete finds the comment already gone
		reason      *interactionv1.ErrorReason
		wantRemoved bool
	}{
		{name: "an operator removes anyone's comment", commentID: theirs.ID, wantRemoved: true},
		{name: "missing comment", commentID: 404, reason: reasonOf(interactionv1.ErrorReason_COMMENT_NOT_FOUND)},
		{name: "removed by a concurrent delete first", commentID: theirs.ID, vanish: true,
			reason: reasonOf(interactionv1.ErrorReason_COMMENT_NOT_FOUND)},
		{name: "zero comment id", commentID: 0, reason: reasonOf(interactionv1.ErrorReason_INVALID_ARGUMENT)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo, waiter := newFakeComments(), &eventtest.Acks{}
			repo.put(theirs)
			repo.vanished[theirs.ID] = tt.vanish
			// The directory knows no video: removing a comment does not ask whether its video exists.
			uc := newTestCommentUsecase(settings(), repo, newFakeVideos(nil), awaiter(waiter, time.Second))
			got, err := uc.Remove(ctx, tt.commentID, "alice")
			apierrortest.WantReason(t, "Remove", err, tt.reason)
			if !tt.wantRemoved {
				if len(repo.announced) != 0 || len(waiter.Waits()) != 0 {
					t.Fatalf("announced %v, waited %+v; a removal that removed nothing announces nothing", repo.announced, waiter.Waits())
				}
				return
			}
			if got == nil || *got != theirs || repo.count() != 0 {
				t.Fatalf("Remove = %+v, %d comments left; want %+v removed", got, repo.count(), theirs)
			}
			if len(repo.announced) != 1 || !sameEvent(repo.announced[0], &theirs, -1) {
				t.Fatalf("announced %v; want comment %d deleted (delta -1), as its author's delete would", repo.announced, theirs.ID)
			}
			if calls := waiter.Waits(); len(calls) != 1 || calls[0].EventID != "comment-event-1" ||
				!slices.Equal(calls[0].Consumers, []string{videov1.CounterConsumer}) {
				t.Fatalf("waits %+v; want one for the video counts of the removal's event", calls)
			}
		})
	}
}

// A like of a video already taken down, which the directory still remembers (a replica that did
// not consume the take-down), is undone at once: the unlike takes back what the like counted,
// and the liker is told the video is gone. Likes of other videos check and stay.
func TestFavoriteOfATakenDownVideoIsUndone(t *testing.T) {
	ctx := context.Background()
	repo, videos, waiter := newFakeFavorites(), newFakeVideos(catalogue()), &eventtest.Acks{}
	videos.takenDown = map[int64]bool{videoA: true}
	uc := NewFavoriteUsecase(settings(), repo, videos, awaiter(waiter, time.Second))
	for range 2 { // a retried like is undone again
		changed, err := uc.Favorite(ctx, 1, videoA, true)
		apierrortest.WantReason(t, "Favorite of a taken-down video", err, reasonOf(interactionv1.ErrorReason_VIDEO_NOT_FOUND))
		if changed {
			t.Fatal("a like of a taken-down video reported a change")
		}
	}
	if changed, err := uc.Favorite(ctx, 1, videoB, true); err != nil || !changed {
		t.Fatalf("Favorite of a video still up = %v, %v; want a change", changed, err)
	}
	f := Favorite{UserID: 1, VideoID: videoA, AuthorID: catalogue()[videoA]}
	repo.WantHeld(t, favorites([][2]int64{{1, videoB}}), favorites([][2]int64{{1, videoA}}))
	var deltas []int32
	for _, ev := range repo.Published {
		if ev.GetVideoId() == videoA {
			if ev.GetUserId() != f.UserID || ev.GetAuthorId() != f.AuthorID {
				t.Fatalf("event %v; want one of %+v", ev, f)
			}
			deltas = append(deltas, ev.GetDelta())
		}
	}
	if !slices.Equal(deltas, []int32{1, -1, 1, -1}) {
		t.Fatalf("the taken-down video's events moved the counts by %v; want each like taken back: [1 -1 1 -1]", deltas)
	}
	// Unliking needs no check: there is nothing to undo.
	if _, err := uc.Favorite(ctx, 1, videoA, false); err != nil {
		t.Fatalf("unlike of a taken-down video: %v", err)
	}
}

// A comment on a video already taken down is deleted at once, with the event that takes back
// its count, and the commenter is told the video is gone.
func TestCommentOnATakenDownVideoIsUndone(t *testing.T) {
	ctx := context.Background()
	repo, videos := newFakeComments(), newFakeVideos(catalogue())
	videos.takenDown = map[int64]bool{videoA: true}
	uc := newTestCommentUsecase(settings(), repo, videos, awaiter(&eventtest.Acks{}, time.Second))
	_, err := uc.Post(ctx, 1, videoA, "late")
	apierrortest.WantReason(t, "Post on a taken-down video", err, reasonOf(interactionv1.ErrorReason_VIDEO_NOT_FOUND))
	if repo.count() != 0 || len(repo.announced) != 2 || repo.announced[0].GetDelta() != 1 || repo.announced[1].GetDelta() != -1 {
		t.Fatalf("%d comments left, announced %v; want none left, the post taken back", repo.count(), repo.announced)
	}
	if _, err := uc.Post(ctx, 1, videoB, "fine"); err != nil || repo.count() != 1 {
		t.Fatalf("Post on a video still up: %v, %d comments; want it stored", err, repo.count())
	}
}
