package data

import (
	"context"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// Two replicas of the video app share MySQL and Redis. A publish through one must be in the
// other's feed on the very next read, although both serve from their caches.
func TestReadCacheSeesPublishesOfOtherReplicas(t *testing.T) {
	bc := &confv1.Bootstrap{Database: databasetest.MySQL(t), Redis: databasetest.Redis(t)}
	replica := func() *VideoRepo {
		data := databasetest.OpenData(t, bc, NewData)
		return NewVideoRepo(data, &ObjectStore{}, event.NewRelay(data.DB, nil, nil, log.DefaultLogger, event.CountChanges(data.Changes)), log.DefaultLogger)
	}
	a, b := replica(), replica()
	ctx := context.Background()
	now := time.Now().UnixMilli()

	publish := func(r *VideoRepo, title string) *biz.Video {
		v := &biz.Video{AuthorID: 7, Title: title, PlayKey: "videos/" + title, CoverKey: "covers/" + title, PublishedAt: now}
		if _, err := r.Create(ctx, v, (*biz.Video).Published); err != nil {
			t.Fatal(err)
		}
		return v
	}
	newest := func(r *VideoRepo) (string, int) {
		vs, err := r.Feed(ctx, now+1_000_000, 30)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) == 0 {
			return "", 0
		}
		return vs[0].Title, len(vs)
	}

	publish(a, "first")
	for round, r := range []*VideoRepo{a, b, b} { // the last read is served from b's cache
		if title, n := newest(r); title != "first" || n != 1 {
			t.Fatalf("read %d: newest %q of %d videos; want first, of 1", round, title, n)
		}
	}
	second := publish(a, "second")
	if second.PublishedAt <= now {
		t.Fatalf("second publish at %d shares the first's millisecond %d", second.PublishedAt, now)
	}
	if title, n := newest(b); title != "second" || n != 2 {
		t.Fatalf("replica b after a's publish: newest %q of %d videos; want second, of 2", title, n)
	}
	if second.PlayURL != "/objects/videos/second" {
		t.Fatalf("PlayURL %q", second.PlayURL)
	}
}

// A cached feed hands out copies: a caller changing its videos does not change the cache.
func TestReadCacheHandsOutCopies(t *testing.T) {
	bc := &confv1.Bootstrap{DataDir: t.TempDir(), Database: &confv1.Database{Driver: "sqlite"}}
	data := databasetest.OpenData(t, bc, NewData)
	r := NewVideoRepo(data, &ObjectStore{}, event.NewRelay(data.DB, nil, nil, log.DefaultLogger, event.CountChanges(data.Changes)), log.DefaultLogger)
	ctx := context.Background()
	if _, err := r.Create(ctx, &biz.Video{AuthorID: 1, Title: "t", PlayKey: "p", CoverKey: "c", PublishedAt: 1000}, (*biz.Video).Published); err != nil {
		t.Fatal(err)
	}
	first, _ := r.Feed(ctx, 2000, 30)
	first[0].Title = "changed by a caller"
	again, _ := r.Feed(ctx, 2000, 30)
	if again[0].Title != "t" {
		t.Fatalf("cache changed through a returned video: %q", again[0].Title)
	}
}
