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
