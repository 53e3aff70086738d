package data

import (
	"context"
	"errors"
	"math"
	"strconv"
	"testing"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

// A delete removes the row and enqueues its one VideoDeleted in one transaction, on every store,
// and the feed's cache follows at once.
func TestVideoRepoDelete(t *testing.T) {
	databasetest.ForEach(t, runVideoDeleteContract, databasetest.OnSQLite, databasetest.OnMySQL, databasetest.OnMySQLRedis)
}

func runVideoDeleteContract(t *testing.T, bc *confv1.Bootstrap) {
	ctx := context.Background()
	repo := openVideoRepo(t, bc)
	const base = int64(1_700_000_000_000)
	create := func(author int64, name string, at int64) *biz.Video {
		t.Helper()
		v := &biz.Video{AuthorID: author, Title: name, PublishedAt: at, PlayKey: "videos/" + name + ".mp4", CoverKey: "covers/" + name + ".jpg"}
		if _, err := repo.Create(ctx, v, (*biz.Video).Published); err != nil {
			t.Fatal(err)
		}
		return v
	}
	doomed := create(3, "doomed", base)
	kept := create(3, "kept", base+1)
	if page, err := repo.Feed(ctx, math.MaxInt64, 30); err != nil || len(page) != 2 { // fills the read cache
		t.Fatalf("Feed = %d videos, %v; want 2", len(page), err)
	}

	mark := eventtest.Mark(t, repo.data.DB)
	got, eventID, err := repo.Delete(ctx, doomed.ID, (*biz.Video).Deleted)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != doomed.ID || got.AuthorID != 3 || got.PlayKey != doomed.PlayKey || got.CoverKey != doomed.CoverKey {
		t.Fatalf("Delete returned %s; want the video as it was, %s", describe(got), describe(doomed))
	}
	events := outboxEvents(t, repo.data.DB, mark)
	if len(events) != 1 {
		t.Fatalf("the delete enqueued %d events; want one VideoDeleted", len(events))
	}
	d, ok := events[0].msg.(*videov1.VideoDeleted)
	if !ok || events[0].topic != videov1.TopicPublished || events[0].key != strconv.FormatInt(3, 10) ||
		d.GetEventId() != eventID || eventID == "" || d.GetVideoId() != doomed.ID || d.GetAuthorId() != 3 || d.GetOccurredAt() <= 0 {
		t.Fatalf("enqueued %T %v on %q keyed %q; want VideoDeleted %q of video %d by author 3 on %q keyed by the author",
			events[0].msg, events[0].msg, events[0].topic, events[0].key, eventID, doomed.ID, videov1.TopicPublished)
	}

	// Gone from every read, the cached feed included; the other video stays.
	page, err := repo.Feed(ctx, math.MaxInt64, 30)
	if err != nil || len(page) != 1 || page[0].ID != kept.ID {
		t.Fatalf("Feed after the delete = %v, %v; want only video %d", page, err, kept.ID)
	}
	if list, err := repo.ListByAuthor(ctx, 3, 30); err != nil || len(list) != 1 || list[0].ID != kept.ID {
		t.Fatalf("ListByAuthor after the delete = %v, %v; want only video %d", list, err, kept.ID)
	}
	if vs, err := repo.GetVideos(ctx, []int64{doomed.ID, kept.ID}); err != nil || len(vs) != 1 || vs[0].ID != kept.ID {
		t.Fatalf("GetVideos after the delete = %v, %v; want only video %d", vs, err, kept.ID)
	}
	// Its objects are no longer referenced: the orphan sweep may take them.
	refs, err := repo.Referenced(ctx, []string{doomed.PlayKey, doomed.CoverKey, kept.PlayKey})
	if err != nil || refs[doomed.PlayKey] || refs[doomed.CoverKey] || !refs[kept.PlayKey] {
		t.Fatalf("Referenced after the delete = %v, %v; want only %s", refs, err, kept.PlayKey)
	}

	// Deleting again, or a video that never was, is not found and changes nothing.
	mark = eventtest.Mark(t, repo.data.DB)
	for _, id := range []int64{doomed.ID, 404_404} {
		if v, eventID, err := repo.Delete(ctx, id, (*biz.Video).Deleted); !errors.Is(err, biz.ErrVideoNotFound) || v != nil || eventID != "" {
			t.Fatalf("Delete(%d) = %v, %q, %v; want ErrVideoNotFound", id, v, eventID, err)
		}
	}
	if rows := eventtest.After(t, repo.data.DB, mark); len(rows) != 0 {
		t.Fatalf("deletes that found nothing enqueued %d events", len(rows))
	}

	// Racing deletes of one video: one removes it and announces it; the rest find nothing.
	racy := create(4, "racy", base+2)
	mark = eventtest.Mark(t, repo.data.DB)
	ids := eventtest.Concurrently(t, 10, func(int) (string, error) {
		_, id, err := repo.Delete(ctx, racy.ID, (*biz.Video).Deleted)
		if errors.Is(err, biz.ErrVideoNotFound) {
			return "", nil
		}
		return id, err
	})
	eventtest.WantOneWinner(t, "racing deletes", repo.data.DB, mark, ids)
}
