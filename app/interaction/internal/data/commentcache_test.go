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
	c := newMemoryCommentCache(time.Minute)
	runCommentCacheContract(t, c)

	// Long lists are kept, in an LRU of their own: filling it leaves the short lists in place.
	ctx := context.Background()
	_, version, _ := c.get(ctx, 1, 10)
	c.put(ctx, 1, version, 10, comments(1, 3))
	for v := int64(100); v < 100+memoryLongCommentVideos+1; v++ {
		c.put(ctx, v, version, 1000, comments(v, maxCachedComments+1))
	}
	if got, _, ok := c.get(ctx, 1, 10); !ok || len(got) != 3 {
		t.Fatalf("a short list after %d long ones = %v, %v; want it kept", memoryLongCommentVideos+1, got, ok)
	}
	if _, _, ok := c.get(ctx, 100, 1000); ok {
		t.Fatalf("%d long lists kept; want at most %d", memoryLongCommentVideos+1, memoryLongCommentVideos)
	}
	if got, _, ok := c.get(ctx, 101, 1000); !ok || len(got) != maxCachedComments+1 {
		t.Fatalf("the newest long list = %d comments, %v; want all %d", len(got), ok, maxCachedComments+1)
	}

	// A video's list read under a larger bound replaces the one of the smaller bound, whichever
	// LRU each belongs to: otherwise the short one would keep answering "may lack some" forever.
	c.put(ctx, 1, version, 10, comments(1, 10))
	c.put(ctx, 1, version, 1000, comments(1, maxCachedComments+1))
	if got, _, ok := c.get(ctx, 1, 1000); !ok || len(got) != maxCachedComments+1 {
		t.Fatalf("a list grown past the short LRU's size = %d comments, %v; want the long one", len(got), ok)
	}
}

func TestCommentCacheRedis(t *testing.T) {
	cfg := databasetest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: cfg.GetAddr()})
	t.Cleanup(func() { rdb.Close() })
	c := &redisCommentCache{rdb: rdb, ttl: time.Minute, prefix: cfg.GetKeyPrefix()}
	runCommentCacheContract(t, c)

	ctx := context.Background()
	const video = int64(11)
	_, version, _ := c.get(ctx, video, 10)
	huge := comments(video, maxCachedComments+1)
	c.put(ctx, video, version, len(huge), huge)
	if _, _, ok := c.get(ctx, video, 10); ok {
		t.Fatalf("a list of %d comments was cached; the limit is %d", len(huge), maxCachedComments)
	}
}

// comments returns n comments of video, newest first.
func comments(video int64, n int) []*biz.Comment {
	out := make([]*biz.Comment, n)
	for i := range out {
		out[i] = &biz.Comment{ID: int64(n - i), VideoID: video, CreatedAt: int64(n - i)}
	}
	return out
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
}
