package data

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
)

func TestCommentCacheMemory(t *testing.T) {
	runCommentCacheContract(t, newMemoryCommentCache(time.Minute))
}

func TestCommentCacheRedis(t *testing.T) {
	cfg := databasetest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: cfg.GetAddr()})
	t.Cleanup(func() { rdb.Close() })
	runCommentCacheContract(t, &redisCommentCache{rdb: rdb, ttl: time.Minute, prefix: cfg.GetKeyPrefix()})
}

func runCommentCacheContract(t *testing.T, c commentCache) {
	ctx := context.Background()
	const video = int64(9)
	stored := []*biz.Comment{{ID: 2, VideoID: video, UserID: 5, Content: "two", CreatedAt: 20}, {ID: 1, VideoID: video, UserID: 6, Content: "one", CreatedAt: 10}}

	_, version, ok := c.get(ctx, video, 10)
	if ok {
		t.Fatal("an empty cache had a list")
	}
	c.put(ctx, video, version, 10, stored)
	got, _, ok := c.get(ctx, video, 10)
	if !ok || len(got) != 2 || *got[0] != *stored[0] || *got[1] != *stored[1] {
		t.Fatalf("get after put = %v, %v; want the stored list", got, ok)
	}
	got[0].Content = "changed by a caller"
	if again, _, _ := c.get(ctx, video, 10); again[0].Content != "two" {
		t.Fatalf("a caller's change reached the cache: %q", again[0].Content)
	}

	c.changed(ctx, video)
	if _, _, ok := c.get(ctx, video, 10); ok {
		t.Fatal("a list was served after a change to its video")
	}

	// A reader that looked before a change and read the database while it committed must not
	// store what it read.
	_, before, _ := c.get(ctx, video, 10)
	c.changed(ctx, video)
	c.put(ctx, video, before, 10, stored)
	if got, _, ok := c.get(ctx, video, 10); ok {
		t.Fatalf("a list read before the last change was served: %v", got)
	}

	// Other videos keep their lists through a change here... or at least never serve stale ones.
	_, version, _ = c.get(ctx, video+1, 10)
	c.put(ctx, video+1, version, 10, stored[:1])
	c.changed(ctx, video)
	if got, _, ok := c.get(ctx, video+1, 10); ok && (len(got) != 1 || got[0].ID != 2) {
		t.Fatalf("another video's list = %v", got)
	}

	// A list is the newest comments up to the bound it was read under: it answers smaller
	// bounds, and larger ones only if it held fewer (all there were).
	const bounded = int64(19)
	_, version, _ = c.get(ctx, bounded, 2)
	c.put(ctx, bounded, version, 2, stored)
	if got, _, ok := c.get(ctx, bounded, 1); !ok || len(got) != 1 || got[0].ID != stored[0].ID {
		t.Fatalf("get(limit 1) of a list read with limit 2 = %v, %v; want the newest", got, ok)
	}
	if got, _, ok := c.get(ctx, bounded, 3); ok {
		t.Fatalf("get(limit 3) of a full list read with limit 2 = %v; want a miss: a third comment may exist", got)
	}
	_, version, _ = c.get(ctx, bounded, 5)
	c.put(ctx, bounded, version, 5, stored)
	if got, _, ok := c.get(ctx, bounded, 50); !ok || len(got) != 2 {
		t.Fatalf("get(limit 50) of the whole list = %v, %v; want both comments", got, ok)
	}

	_, version, _ = c.get(ctx, video+2, 10)
	huge := make([]*biz.Comment, maxCachedComments+1)
	for i := range huge {
		huge[i] = &biz.Comment{ID: int64(i + 1), VideoID: video + 2}
	}
	c.put(ctx, video+2, version, len(huge), huge)
	if _, _, ok := c.get(ctx, video+2, 10); ok {
		t.Fatalf("a list of %d comments was cached; the limit is %d", len(huge), maxCachedComments)
	}
}
