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
//
// A list is the newest limit comments, and stored with its limit: a list read under a smaller
// bound (another replica's, or before a restart with another setting) that filled it may lack
// comments a larger bound includes, so it answers only bounds up to its own.
type commentCache interface {
	// get returns the newest limit comments, or ok=false and the version to store a fresh list
	// under.
	get(ctx context.Context, videoID int64, limit int) (list []*biz.Comment, version string, ok bool)
	// put stores the newest limit comments, read from the database at version.
	put(ctx context.Context, videoID int64, version string, limit int, list []*biz.Comment)
	// changed records a committed post or delete on the video.
	changed(ctx context.Context, videoID int64)
}

// maxCachedComments keeps the few videos with huge comment sections from filling the shared
// cache (Redis); their lists come from the database there. The embedded cache keeps the longest
// lists apart instead (memoryLongCommentVideos).
const maxCachedComments = 500

// cachedComment is the stored form of a comment; the video id is the key.
type cachedComment struct {
	ID        int64  `json:"i"`
	UserID    int64  `json:"u"`
	Content   string `json:"c"`
	CreatedAt int64  `json:"t"`
}

// cachedList is the stored form of a list: the newest Limit comments of a video.
type cachedList struct {
	Limit    int             `json:"n"`
	Comments []cachedComment `json:"c"`
}

func cacheComments(limit int, list []*biz.Comment) cachedList {
	out := make([]cachedComment, len(list))
	for i, c := range list {
		out[i] = cachedComment{ID: c.ID, UserID: c.UserID, Content: c.Content, CreatedAt: c.CreatedAt}
	}
	return cachedList{Limit: limit, Comments: out}
}

// comments returns the newest limit comments in fresh values (callers may change what they
// get), or ok=false when l may lack some of them: it was read under a smaller bound and filled it.
func (l cachedList) comments(videoID int64, limit int) (out []*biz.Comment, ok bool) {
	if l.Limit < limit && len(l.Comments) >= l.Limit {
		return nil, false
	}
	newest := l.Comments[:min(limit, len(l.Comments))]
	out = make([]*biz.Comment, len(newest))
	for i, c := range newest {
		out[i] = &biz.Comment{ID: c.ID, VideoID: videoID, UserID: c.UserID, Content: c.Content, CreatedAt: c.CreatedAt}
	}
	return out, true
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
	Version string `json:"v"`
	cachedList
}

func (c *redisCommentCache) keys(videoID int64) (version, list string) {
	id := strconv.FormatInt(videoID, 10)
	return c.prefix + "comments:version:" + id, c.prefix + "comments:list:" + id
}

func (c *redisCommentCache) get(ctx context.Context, videoID int64, limit int) ([]*biz.Comment, string, bool) {
	versionKey, listKey := c.keys(videoID)
	vals, err := c.rdb.MGet(ctx, versionKey, listKey).Result()
	if err != nil {
		return nil, "", false
	}
	version, _ := vals[0].(string) // absent: no change within the version's lifetime
	var stored redisCommentList
	if s, ok := vals[1].(string); ok && json.Unmarshal([]byte(s), &stored) == nil && stored.Version == version {
		if list, ok := stored.comments(videoID, limit); ok {
			return list, version, true
		}
	}
	return nil, version, false
}

func (c *redisCommentCache) put(ctx context.Context, videoID int64, version string, limit int, list []*biz.Comment) {
	if len(list) > maxCachedComments {
		return
	}
	b, err := json.Marshal(redisCommentList{Version: version, cachedList: cacheComments(limit, list)})
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
//
// Lists longer than maxCachedComments are kept too, but in an LRU of their own, of a few videos:
// a video with a huge comment section is a popular one, read far more often than most, and each
// read of its list from the database costs lists.max_items rows, while the short lists' LRU,
// sized by videos, could fill with thousands of such lists.
type memoryCommentCache struct {
	mu      sync.Mutex
	lists   *expirable.LRU[int64, cachedList] // at most maxCachedComments comments each
	long    *expirable.LRU[int64, cachedList] // longer ones
	version uint64
}

// memoryCommentVideos bounds the embedded cache: at most this many videos' lists of at most
// maxCachedComments, and memoryLongCommentVideos longer ones (at the default lists.max_items,
// 1,000 comments of at most 2,000 bytes, 40 MB at worst).
const (
	memoryCommentVideos     = 10_000
	memoryLongCommentVideos = 20
)

func newMemoryCommentCache(ttl time.Duration) *memoryCommentCache {
	return &memoryCommentCache{
		lists: expirable.NewLRU[int64, cachedList](memoryCommentVideos, nil, ttl),
		long:  expirable.NewLRU[int64, cachedList](memoryLongCommentVideos, nil, ttl),
	}
}

func (c *memoryCommentCache) get(_ context.Context, videoID int64, limit int) ([]*biz.Comment, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	stored, ok := c.lists.Get(videoID)
	if !ok {
		stored, ok = c.long.Get(videoID)
	}
	if ok {
		if list, ok := stored.comments(videoID, limit); ok {
			return list, "", true
		}
	}
	return nil, strconv.FormatUint(c.version, 10), false
}

func (c *memoryCommentCache) put(_ context.Context, videoID int64, version string, limit int, list []*biz.Comment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != strconv.FormatUint(c.version, 10) {
		return
	}
	// A video's list lives in one LRU: one it grew or shrank out of must not answer later.
	into, other := c.lists, c.long
	if len(list) > maxCachedComments {
		into, other = c.long, c.lists
	}
	other.Remove(videoID)
	into.Add(videoID, cacheComments(limit, list))
}

func (c *memoryCommentCache) changed(_ context.Context, videoID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version++
	c.lists.Remove(videoID)
	c.long.Remove(videoID)
}

// noCommentCache serves replicas that have no Redis to share a cache through.
type noCommentCache struct{}

func (noCommentCache) get(context.Context, int64, int) ([]*biz.Comment, string, bool) {
	return nil, "", false
}
func (noCommentCache) put(context.Context, int64, string, int, []*biz.Comment) {}
func (noCommentCache) changed(context.Context, int64)                          {}
