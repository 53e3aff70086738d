package data

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/redis/go-redis/v9"

	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
)

// commentCache keeps each video's comment list, the read the app makes whenever someone opens
// the comments. A list is stored under the version of the video's comments it was read at, and
// every post or delete changes that version after committing, so a list read from the
// database while a change was committing is never served. Like the other caches it only saves
// work: when it fails it reports a miss and the database answers.
type commentCache interface {
	// get returns the cached list, or ok=false and the version to store a fresh list under.
	get(ctx context.Context, videoID int64) (list []*biz.Comment, version string, ok bool)
	// put stores a list read from the database at version.
	put(ctx context.Context, videoID int64, version string, list []*biz.Comment)
	// changed records a committed post or delete on the video.
	changed(ctx context.Context, videoID int64)
}

// maxCachedComments keeps the few videos with huge comment sections from filling the cache;
// their lists come from the database.
const maxCachedComments = 500

// cachedComment is the stored form of a comment; the video id is the key.
type cachedComment struct {
	ID        int64  `json:"i"`
	UserID    int64  `json:"u"`
	Content   string `json:"c"`
	CreatedAt int64  `json:"t"`
}

func cacheComments(list []*biz.Comment) []cachedComment {
	out := make([]cachedComment, len(list))
	for i, c := range list {
		out[i] = cachedComment{ID: c.ID, UserID: c.UserID, Content: c.Content, CreatedAt: c.CreatedAt}
	}
	return out
}

// comments returns fresh values: callers may change what they get.
func comments(videoID int64, cached []cachedComment) []*biz.Comment {
	out := make([]*biz.Comment, len(cached))
	for i, c := range cached {
		out[i] = &biz.Comment{ID: c.ID, VideoID: videoID, UserID: c.UserID, Content: c.Content, CreatedAt: c.CreatedAt}
	}
	return out
}

// redisCommentCache is shared by every replica of the interaction app. A video's version is a
// random token rather than a counter: a counter that expired and counted up again could
// repeat a version a stale list was stored under.
type redisCommentCache struct {
	rdb    *redis.Client
	ttl    time.Duration
	prefix string
}

// redisCommentList is the stored value: the list and the version it was read at.
type redisCommentList struct {
	Version  string          `json:"v"`
	Comments []cachedComment `json:"c"`
}

func (c *redisCommentCache) keys(videoID int64) (version, list string) {
	id := strconv.FormatInt(videoID, 10)
	return c.prefix + "comments:version:" + id, c.prefix + "comments:list:" + id
}

func (c *redisCommentCache) get(ctx context.Context, videoID int64) ([]*biz.Comment, string, bool) {
	versionKey, listKey := c.keys(videoID)
	vals, err := c.rdb.MGet(ctx, versionKey, listKey).Result()
	if err != nil {
		return nil, "", false
	}
	version, _ := vals[0].(string) // absent: no change within the version's lifetime
	var stored redisCommentList
	if s, ok := vals[1].(string); ok && json.Unmarshal([]byte(s), &stored) == nil && stored.Version == version {
		return comments(videoID, stored.Comments), version, true
	}
	return nil, version, false
}

func (c *redisCommentCache) put(ctx context.Context, videoID int64, version string, list []*biz.Comment) {
	if len(list) > maxCachedComments {
		return
	}
	b, err := json.Marshal(redisCommentList{Version: version, Comments: cacheComments(list)})
	if err != nil {
		return
	}
	_, listKey := c.keys(videoID)
	_ = c.rdb.Set(ctx, listKey, b, c.ttl).Err()
}

func (c *redisCommentCache) changed(ctx context.Context, videoID int64) {
	versionKey, _ := c.keys(videoID)
	// The version outlives every list stored under an older one (they live ttl), so the
	// version cannot lapse back to "absent" while a list stored before this change survives.
	_ = c.rdb.Set(ctx, versionKey, strconv.FormatUint(rand.Uint64(), 36), 2*c.ttl).Err()
}

// memoryCommentCache is the embedded cache of the all-in-one, whose one interaction app makes
// every change. Its version is one counter for all videos: a change anywhere only makes the
// lists being read at that moment go uncached.
type memoryCommentCache struct {
	mu      sync.Mutex
	lists   *expirable.LRU[int64, []cachedComment]
	version uint64
}

// memoryCommentVideos bounds the embedded cache: at most this many videos' lists.
const memoryCommentVideos = 10_000

func newMemoryCommentCache(ttl time.Duration) *memoryCommentCache {
	return &memoryCommentCache{lists: expirable.NewLRU[int64, []cachedComment](memoryCommentVideos, nil, ttl)}
}

func (c *memoryCommentCache) get(_ context.Context, videoID int64) ([]*biz.Comment, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if list, ok := c.lists.Get(videoID); ok {
		return comments(videoID, list), "", true
	}
	return nil, strconv.FormatUint(c.version, 10), false
}

func (c *memoryCommentCache) put(_ context.Context, videoID int64, version string, list []*biz.Comment) {
	if len(list) > maxCachedComments {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if version == strconv.FormatUint(c.version, 10) {
		c.lists.Add(videoID, cacheComments(list))
	}
}

func (c *memoryCommentCache) changed(_ context.Context, videoID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version++
	c.lists.Remove(videoID)
}

// noCommentCache serves replicas that have no Redis to share a cache through.
type noCommentCache struct{}

func (noCommentCache) get(context.Context, int64) ([]*biz.Comment, string, bool) {
	return nil, "", false
}
func (noCommentCache) put(context.Context, int64, string, []*biz.Comment) {}
func (noCommentCache) changed(context.Context, int64)                     {}
