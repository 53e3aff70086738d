package data

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/douyin-kratos/douyin/app/video/internal/biz"
)

// headSize is how many of the newest videos the read cache holds: the first pages of the feed,
// which is what nearly every feed request asks for.
const headSize = 300

// maxAge bounds how stale the cache can be if a publish failed to bump the generation (Redis
// unreachable at that moment).
const maxAge = 10 * time.Second

// generation counts publishes and applied counter batches. A cache filled at one generation is
// good until the next, so a publish or a new count is visible to the very next read, wherever
// it lands.
type generation interface {
	current(ctx context.Context) (int64, error)
	bump(ctx context.Context) error
}

// localGeneration serves a single process (the all-in-one), which sees every publish itself.
type localGeneration struct{ n atomic.Int64 }

func (g *localGeneration) current(context.Context) (int64, error) { return g.n.Load(), nil }
func (g *localGeneration) bump(context.Context) error             { g.n.Add(1); return nil }

// redisGeneration is shared by every replica of the video app.
type redisGeneration struct {
	rdb *redis.Client
	key string
}

func (g *redisGeneration) current(ctx context.Context) (int64, error) {
	n, err := g.rdb.Get(ctx, g.key).Int64()
	if err == redis.Nil {
		return 0, nil
	}
	return n, err
}

func (g *redisGeneration) bump(ctx context.Context) error { return g.rdb.Incr(ctx, g.key).Err() }

// readCache keeps the newest videos for the current generation.
type readCache struct {
	gen generation

	mu       sync.Mutex
	at       int64        // generation the contents belong to
	filledAt time.Time    // contents older than maxAge are dropped even without a publish
	head     []*biz.Video // newest first; nil until loaded
	complete bool         // head holds every video there is
}

// sync drops the contents if a publish happened since they were filled. It returns false when
// the generation cannot be read: the caller then goes to the database.
func (c *readCache) sync(ctx context.Context) bool {
	g, err := c.gen.current(ctx)
	if err != nil {
		return false
	}
	if g != c.at || time.Since(c.filledAt) > maxAge {
		c.at, c.filledAt, c.head, c.complete = g, time.Now(), nil, false
	}
	return true
}

// feed serves Feed from the head when it covers the page. load reads the newest videos.
func (c *readCache) feed(ctx context.Context, beforeMs int64, limit int, load func(limit int) ([]*biz.Video, error)) ([]*biz.Video, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sync(ctx) {
		return nil, false, nil
	}
	if c.head == nil {
		head, err := load(headSize)
		if err != nil {
			return nil, false, err
		}
		c.head, c.complete = head, len(head) < headSize
	}
	// head is sorted by publish time, newest first.
	i := sort.Search(len(c.head), func(i int) bool { return c.head[i].PublishedAt < beforeMs })
	if i+limit > len(c.head) && !c.complete {
		return nil, false, nil // the page reaches past the head
	}
	return copies(c.head[i:min(i+limit, len(c.head))]), true, nil
}

// copies hands out videos the caller may change (the use case fills in URLs).
func copies(vs []*biz.Video) []*biz.Video {
	out := make([]*biz.Video, len(vs))
	for i, v := range vs {
		c := *v
		out[i] = &c
	}
	return out
}
