package data

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/douyin-kratos/douyin/app/video/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/changes"
)

// headSize is how many of the newest videos the read cache holds: the first pages of the feed,
// which is what nearly every feed request asks for.
const headSize = 300

// maxAge bounds how stale the cache can be if a change could not be counted (Redis unreachable
// at that moment).
const maxAge = 10 * time.Second

// readCache keeps the newest videos until the next change (pkg/changes).
type readCache struct {
	changes changes.Counter

	mu       sync.Mutex
	at       int64        // count of changes the contents belong to
	filledAt time.Time    // contents older than maxAge are dropped even without a publish
	head     []*biz.Video // newest first; nil until loaded
	complete bool         // head holds every video there is
}

// sync drops the contents if a change was counted since they were filled. It returns false
// when the count cannot be read: the caller then goes to the database.
func (c *readCache) sync(ctx context.Context) bool {
	g, err := c.changes.Count(ctx)
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
