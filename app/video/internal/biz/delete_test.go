package biz

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"google.golang.org/protobuf/proto"

	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
)

// Delete removes video id and stores the event announce builds from it as it was, which it gives
// the id deleted-<video id>, as the outbox would give one.
func (r *fakeRepo) Delete(_ context.Context, id int64, announce func(*Video) *videov1.VideoDeleted) (*Video, string, error) {
	if r.failCreate {
		return nil, "", errors.New("database down")
	}
	i := slices.IndexFunc(r.videos, func(v *Video) bool { return v.ID == id })
	if i < 0 {
		return nil, "", ErrVideoNotFound
	}
	v := r.videos[i]
	r.videos = slices.Delete(r.videos, i, i+1)
	r.deleted = append(r.deleted, announce(v))
	return v, fmt.Sprintf("deleted-%d", id), nil
}

func TestDelete(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, fakeMedia{}, 1<<10)
	v, err := f.publish(t, "VIDEO bytes", "doomed")
	if err != nil {
		t.Fatal(err)
	}
	kept, err := f.publish(t, "VIDEO other bytes", "kept")
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.uc.Delete(ctx, v.ID, "alice")
	if err != nil || got.ID != v.ID || got.AuthorID != 7 {
		t.Fatalf("Delete = %+v, %v; want video %d of author 7", got, err, v.ID)
	}
	// The row and its event went together; the objects went after.
	if len(f.repo.deleted) != 1 || f.repo.deleted[0].GetVideoId() != v.ID || f.repo.deleted[0].GetAuthorId() != 7 {
		t.Fatalf("announced %v; want video %d of author 7 deleted", f.repo.deleted, v.ID)
	}
	for _, key := range []string{v.PlayKey, v.CoverKey} {
		if _, ok := f.objects.objects[key]; ok {
			t.Errorf("object %s of the deleted video is still stored", key)
		}
	}
	for _, key := range []string{kept.PlayKey, kept.CoverKey} {
		if _, ok := f.objects.objects[key]; !ok {
			t.Errorf("object %s of another video was removed", key)
		}
	}
	// The author's next request shows the lower work_count.
	if !slices.Equal(f.waiter.waited, []string{"published-1", "published-2", "deleted-1"}) {
		t.Fatalf("waited for %v; want the delete's event, deleted-1, last", f.waiter.waited)
	}
	if vs, _ := f.uc.GetVideos(ctx, []int64{v.ID, kept.ID}); len(vs) != 1 || vs[0].ID != kept.ID {
		t.Fatalf("GetVideos after the delete = %v; want only the other video", vs)
	}

	// A second delete, or one of a video that never was, finds nothing and changes nothing.
	for _, id := range []int64{v.ID, 404} {
		_, err := f.uc.Delete(ctx, id, "alice")
		if e := kerrors.FromError(err); e.Reason != videov1.ErrorReason_VIDEO_NOT_FOUND.String() || e.Code != 404 || e.Message != "video not found" {
			t.Fatalf("Delete(%d) error %v; want VIDEO_NOT_FOUND 404 \"video not found\"", id, err)
		}
	}
	if len(f.repo.deleted) != 1 || len(f.waiter.waited) != 3 {
		t.Fatalf("a failed delete announced %v or waited for %v", f.repo.deleted, f.waiter.waited)
	}
	for _, id := range []int64{0, -1} {
		if _, err := f.uc.Delete(ctx, id, "alice"); kerrors.FromError(err).Reason != videov1.ErrorReason_INVALID_ARGUMENT.String() {
			t.Fatalf("Delete(%d) error %v; want INVALID_ARGUMENT", id, err)
		}
	}
}

// Objects that cannot be removed do not undo a take-down: the video is gone, and the orphan
// sweep removes what it left once the grace has passed.
func TestDeleteLeavesOrphansToTheSweep(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	f := sweepFixture(t, time.Minute, time.Hour, now)
	v := &Video{ID: 1, AuthorID: 7, PlayKey: "videos/a.mp4", CoverKey: "covers/a.jpg"}
	f.repo.videos = append(f.repo.videos, v)
	f.objects.store(v.PlayKey, nil, now.Add(-2*time.Hour))
	f.objects.store(v.CoverKey, nil, now.Add(-2*time.Hour))
	f.objects.failDelete = true
	if _, err := f.uc.Delete(ctx, v.ID, "alice"); err != nil {
		t.Fatalf("Delete with the object store down: %v; want the video deleted all the same", err)
	}
	if len(f.repo.videos) != 0 || len(f.objects.objects) != 2 {
		t.Fatalf("%d videos, %d objects; want none and the 2 left behind", len(f.repo.videos), len(f.objects.objects))
	}
	f.objects.failDelete = false
	if n, err := f.uc.SweepOrphans(ctx); err != nil || n != 2 || len(f.objects.objects) != 0 {
		t.Fatalf("SweepOrphans = %d, %v, left %v; want the deleted video's 2 objects removed", n, err, f.objects.objects)
	}
}

// A deleted video takes its one back from its author's work_count.
func TestVideoDeleted(t *testing.T) {
	v := &Video{ID: 12, AuthorID: 7}
	ev := v.Deleted()
	want := &videov1.VideoDeleted{VideoId: 12, AuthorId: 7, OccurredAt: ev.GetOccurredAt()}
	if !proto.Equal(ev, want) || ev.GetOccurredAt() <= 0 {
		t.Errorf("Deleted = %v; want %v at a time, and no event id yet", ev, want)
	}
	if moves := countsv1.Moves(ev); len(moves) != 1 || moves[0] != (countsv1.Move{Entity: countsv1.User, Counter: "work_count", ID: 7, By: -1}) {
		t.Errorf("Deleted moves %+v; want the author's work_count down by one", moves)
	}
}
