package biz

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/log"
	"google.golang.org/protobuf/proto"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror/apierrortest"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

func TestPostComment(t *testing.T) {
	ctx := context.Background()
	invalid := reasonOf(interactionv1.ErrorReason_INVALID_ARGUMENT)
	tests := []struct {
		name        string
		user, video int64
		content     string
		want        string // the stored content
		reason      *interactionv1.ErrorReason
	}{
		{name: "plain", user: 1, video: videoA, content: "nice video", want: "nice video"},
		{name: "trimmed", user: 1, video: videoA, content: " \t\n nice \n ", want: "nice"},
		{name: "inner newline allowed", user: 1, video: videoA, content: "line one\nline two", want: "line one\nline two"},
		{name: "MaxCommentLength multi-byte characters", user: 1, video: videoA,
			content: strings.Repeat("抖", MaxCommentLength), want: strings.Repeat("抖", MaxCommentLength)},
		{name: "MaxCommentLength four-byte characters", user: 1, video: videoA,
			content: strings.Repeat("😀", MaxCommentLength), want: strings.Repeat("😀", MaxCommentLength)},
		{name: "MaxCommentLength characters once trimmed", user: 1, video: videoA,
			content: "  " + strings.Repeat("抖", MaxCommentLength) + "\n", want: strings.Repeat("抖", MaxCommentLength)},
		{name: "one character too many", user: 1, video: videoA, content: strings.Repeat("抖", MaxCommentLength+1), reason: invalid},
		{name: "ASCII, one too many", user: 1, video: videoA, content: strings.Repeat("a", MaxCommentLength+1), reason: invalid},
		{name: "empty", user: 1, video: videoA, content: "", reason: invalid},
		{name: "whitespace only", user: 1, video: videoA, content: " \t\n\u3000 ", reason: invalid},
		{name: "tab inside", user: 1, video: videoA, content: "a\tb", reason: invalid},
		{name: "NUL inside", user: 1, video: videoA, content: "a\x00b", reason: invalid},
		{name: "escape inside", user: 1, video: videoA, content: "a\x1b[31mred", reason: invalid},
		{name: "DEL inside", user: 1, video: videoA, content: "a\x7fb", reason: invalid},
		{name: "C1 control inside", user: 1, video: videoA, content: "a\u0085b", reason: invalid},
		{name: "invalid UTF-8", user: 1, video: videoA, content: "ab\xffcd", reason: invalid},
		{name: "truncated multi-byte character", user: 1, video: videoA, content: "抖"[:2], reason: invalid},
		{name: "unknown video", user: 1, video: 999, content: "hello", reason: reasonOf(interactionv1.ErrorReason_VIDEO_NOT_FOUND)},
		{name: "zero video", user: 1, video: 0, content: "hello", reason: invalid},
		{name: "negative video", user: 1, video: -1, content: "hello", reason: invalid},
		{name: "zero user", user: 0, video: videoA, content: "hello", reason: invalid},
		{name: "blocked word", user: 1, video: videoA, content: "buy spam here", reason: invalid},
		{name: "blocked word in Chinese", user: 1, video: videoA, content: "这是垃圾视频", reason: invalid},
		{name: "blocked word on an unknown video", user: 1, video: 999, content: "spam", reason: invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo, waiter := newFakeComments(), &eventtest.Acks{}
			uc := newTestCommentUsecase(settings(), repo, newFakeVideos(catalogue()), awaiter(waiter, time.Second))
			got, err := uc.Post(ctx, tt.user, tt.video, tt.content)
			apierrortest.WantReason(t, "Post", err, tt.reason)
			if tt.reason != nil {
				if got != nil || repo.creates != 0 || repo.count() != 0 {
					t.Fatalf("refused Post returned %+v and stored %d comments", got, repo.count())
				}
				if len(waiter.Waits()) != 0 {
					t.Fatal("a refused Post waited for counts")
				}
				return
			}
			if got == nil || got.ID == 0 || got.CreatedAt == 0 {
				t.Fatalf("Post = %+v; want the stored comment with id and time", got)
			}
			if got.Content != tt.want || got.UserID != tt.user || got.VideoID != tt.video {
				t.Fatalf("Post = %+v; want content %q by %d on %d", got, tt.want, tt.user, tt.video)
			}
			stored, err := repo.Get(ctx, got.ID)
			if err != nil || stored.Content != tt.want {
				t.Fatalf("stored %+v, %v; want content %q", stored, err, tt.want)
			}
			if len(repo.announced) != 1 || !sameEvent(repo.announced[0], got, +1) {
				t.Fatalf("announced %v; want the stored comment %d posted (delta +1)", repo.announced, got.ID)
			}
			calls := waiter.Waits()
			if len(calls) != 1 || !slices.Equal(calls[0].Consumers, []string{videov1.CounterConsumer}) || calls[0].EventID != "comment-event-1" {
				t.Fatalf("waits %+v; want one for the video counts of the post's event", calls)
			}
		})
	}
}

// A comment with a blocked word is refused saying which field, before the video app is asked,
// and nothing is stored or announced.
func TestPostCommentRefusesBlockedWords(t *testing.T) {
	repo, videos, waiter := newFakeComments(), newFakeVideos(catalogue()), &eventtest.Acks{}
	uc := NewCommentUsecase(settings(), repo, videos, awaiter(waiter, time.Second), testBlocklist, log.DefaultLogger)
	got, err := uc.Post(context.Background(), 1, videoA, "  what 垃圾  ")
	if got != nil || kerrors.Code(err) != 400 || kerrors.FromError(err).Message != "the comment contains a word that is not allowed here" {
		t.Fatalf("Post = %+v, %v; want 400 %q", got, err, "the comment contains a word that is not allowed here")
	}
	if repo.creates != 0 || len(repo.announced) != 0 || len(videos.asked) != 0 || len(waiter.Waits()) != 0 {
		t.Fatalf("a refused comment was stored (%d), announced (%d), looked up (%v) or waited for",
			repo.creates, len(repo.announced), videos.asked)
	}
}

func TestPostCommentWaitIsBoundedByApplyWait(t *testing.T) {
	const applyWait = 50 * time.Millisecond
	waiter := &eventtest.Acks{Block: true}
	uc := newTestCommentUsecase(settings(), newFakeComments(), newFakeVideos(catalogue()), awaiter(waiter, applyWait))
	start := time.Now()
	c, err := uc.Post(context.Background(), 1, videoA, "hi")
	took := time.Since(start)
	if err != nil || c == nil {
		t.Fatalf("Post = %+v, %v; a comment whose count is late is still posted", c, err)
	}
	if took < applyWait || took > applyWait+time.Second {
		t.Fatalf("Post took %v with a waiter that never sees the counts; want ≈ apply_wait %v", took, applyWait)
	}
}

func TestDeleteComment(t *testing.T) {
	ctx := context.Background()
	const author, other = int64(1), int64(2)
	mine := Comment{ID: 10, VideoID: videoA, UserID: author, Content: "mine", CreatedAt: 1}
	tests := []struct {
		name                    string
		user, video, commentID  int64
		vanish                  bool // Delete finds the comment already gone
		reason                  *interactionv1.ErrorReason
		wantDeleted, wantWaited bool
	}{
		{name: "the author deletes", user: author, video: videoA, commentID: mine.ID, wantDeleted: true, wantWaited: true},
		{name: "someone else may not", user: other, video: videoA, commentID: mine.ID,
			reason: reasonOf(interactionv1.ErrorReason_NOT_COMMENT_AUTHOR)},
		{name: "anonymous may not", user: 0, video: videoA, commentID: mine.ID,
			reason: reasonOf(interactionv1.ErrorReason_NOT_COMMENT_AUTHOR)},
		{name: "the comment is on another video", user: author, video: videoB, commentID: mine.ID,
			reason: reasonOf(interactionv1.ErrorReason_COMMENT_NOT_FOUND)},
		{name: "another video, another user: not found, not forbidden", user: other, video: videoB, commentID: mine.ID,
			reason: reasonOf(interactionv1.ErrorReason_COMMENT_NOT_FOUND)},
		{name: "missing comment", user: author, video: videoA, commentID: 404,
			reason: reasonOf(interactionv1.ErrorReason_COMMENT_NOT_FOUND)},
		{name: "zero comment id", user: author, video: videoA, commentID: 0,
			reason: reasonOf(interactionv1.ErrorReason_INVALID_ARGUMENT)},
		{name: "negative comment id", user: author, video: videoA, commentID: -10,
			reason: reasonOf(interactionv1.ErrorReason_INVALID_ARGUMENT)},
		{name: "already gone when deleting: success, no wait", user: author, video: videoA, commentID: mine.ID,
			vanish: true, wantDeleted: true, wantWaited: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo, waiter := newFakeComments(), &eventtest.Acks{Block: true}
			repo.put(mine)
			repo.vanished[mine.ID] = tt.vanish
			// A blocking waiter with a long apply_wait: a Delete that should not wait answers at once.
			uc := newTestCommentUsecase(settings(), repo, newFakeVideos(catalogue()), awaiter(waiter, 200*time.Millisecond))
			start := time.Now()
			err := uc.Delete(ctx, tt.user, tt.video, tt.commentID)
			took := time.Since(start)
			apierrortest.WantReason(t, "Delete", err, tt.reason)
			_, getErr := repo.Get(ctx, mine.ID)
			if deleted := getErr != nil; deleted != tt.wantDeleted {
				t.Fatalf("comment deleted = %v; want %v", deleted, tt.wantDeleted)
			}
			if tt.reason != nil && repo.deletes != 0 {
				t.Fatalf("a refused Delete reached the repository %d times", repo.deletes)
			}
			switch {
			case tt.wantWaited && (len(repo.announced) != 1 || !sameEvent(repo.announced[0], &mine, -1)):
				t.Fatalf("announced %v; want comment %d deleted (delta -1)", repo.announced, mine.ID)
			case !tt.wantWaited && len(repo.announced) != 0:
				t.Fatalf("announced %v; a delete that removed nothing announces nothing", repo.announced)
			}
			calls := waiter.Waits()
			if tt.wantWaited {
				if len(calls) != 1 || !slices.Equal(calls[0].Consumers, []string{videov1.CounterConsumer}) || calls[0].EventID != "comment-event-1" {
					t.Fatalf("waits %+v; want one for the video counts of the delete's event", calls)
				}
				if took < 200*time.Millisecond || took > 2*time.Second {
					t.Fatalf("Delete took %v; want ≈ apply_wait", took)
				}
			} else {
				if len(calls) != 0 {
					t.Fatalf("waited for counts: %+v", calls)
				}
				if took > 150*time.Millisecond {
					t.Fatalf("Delete took %v; it must not wait", took)
				}
			}
		})
	}
}

func TestListComments(t *testing.T) {
	ctx := context.Background()
	repo, videos := newFakeComments(), newFakeVideos(catalogue())
	uc := newTestCommentUsecase(settings(), repo, videos, awaiter(&eventtest.Acks{}, time.Second))
	var posted []*Comment
	for _, text := range []string{"first", "second", "third"} {
		c, err := uc.Post(ctx, 1, videoA, text)
		if err != nil {
			t.Fatal(err)
		}
		posted = append(posted, c)
	}
	if _, err := uc.Post(ctx, 1, videoB, "elsewhere"); err != nil {
		t.Fatal(err)
	}
	got, err := uc.List(ctx, videoA)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != posted[2].ID || got[1].ID != posted[1].ID || got[2].ID != posted[0].ID {
		t.Fatalf("List = %+v; want the three comments of the video, newest first", got)
	}
	if got, err := uc.List(ctx, videoB); err != nil || len(got) != 1 {
		t.Fatalf("List(videoB) = %+v, %v", got, err)
	}

	lists := repo.lists
	_, err = uc.List(ctx, 999)
	apierrortest.WantReason(t, "List(unknown video)", err, reasonOf(interactionv1.ErrorReason_VIDEO_NOT_FOUND))
	for _, v := range []int64{0, -1} {
		_, err = uc.List(ctx, v)
		apierrortest.WantReason(t, "List(non-positive)", err, reasonOf(interactionv1.ErrorReason_INVALID_ARGUMENT))
	}
	if repo.lists != lists {
		t.Fatal("refused List calls reached the repository")
	}

	bounded := settings()
	bounded.MaxListItems = 2
	got, err = newTestCommentUsecase(bounded, repo, videos, awaiter(&eventtest.Acks{}, time.Second)).List(ctx, videoA)
	if err != nil || len(got) != 2 || got[0].ID != posted[2].ID || got[1].ID != posted[1].ID {
		t.Fatalf("List under lists.max_items 2 = %+v, %v; want the newest two", got, err)
	}
}

// sameEvent reports whether ev announces comment c with delta and no id yet (the outbox gives it).
func sameEvent(ev *interactionv1.CommentChanged, c *Comment, delta int32) bool {
	return ev.GetVideoId() == c.VideoID && ev.GetCommentId() == c.ID && ev.GetUserId() == c.UserID &&
		ev.GetDelta() == delta && ev.GetOccurredAt() > 0 && ev.GetEventId() == ""
}

// A posted comment adds one to its video's comment_count and a deleted one takes it back: the
// events carry the comment as stored, with the delta the counter table applies.
func TestCommentEvents(t *testing.T) {
	c := &Comment{ID: 10, VideoID: videoA, UserID: 3, Content: "hi", CreatedAt: 1_700_000_000_000}
	for _, tt := range []struct {
		name     string
		announce func(*Comment) *interactionv1.CommentChanged
		delta    int32
	}{
		{"Posted", (*Comment).Posted, +1},
		{"Deleted", (*Comment).Deleted, -1},
	} {
		before := time.Now().UnixMilli()
		ev := tt.announce(c)
		after := time.Now().UnixMilli()
		want := &interactionv1.CommentChanged{VideoId: videoA, CommentId: 10, UserId: 3, Delta: tt.delta, OccurredAt: ev.GetOccurredAt()}
		if !proto.Equal(ev, want) || ev.GetOccurredAt() < before || ev.GetOccurredAt() > after {
			t.Errorf("%s = %v; want %v at a time in [%d, %d], and no event id yet (the outbox gives it)", tt.name, ev, want, before, after)
		}
		wantMove := countsv1.Move{Entity: countsv1.Video, Counter: "comment_count", ID: videoA, By: int64(tt.delta)}
		if moves := countsv1.Moves(ev); len(moves) != 1 || moves[0] != wantMove {
			t.Errorf("%s moves %+v; want only %+v", tt.name, moves, wantMove)
		}
	}
}
