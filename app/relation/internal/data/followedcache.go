package data

import (
	"slices"
	"sync"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// followedCache remembers, per viewer, everyone they follow: every response that shows users
// asks "which of these does the viewer follow", and the answer only changes when that viewer
// follows or unfollows. It is exact only while this process makes every change (the
// all-in-one); replicas would each miss the others' changes, so it is off there.
//
// A change drops the viewer's set instead of editing it: two changes of one viewer that
// commit in one order could otherwise reach the cache in the other, and leave it wrong.
type followedCache struct {
	mu sync.Mutex
	// users maps a viewer to their followed set; a nil set marks a viewer who follows too many
	// to cache, whose lookups go to the database.
	users *expirable.LRU[int64, map[int64]struct{}]
	// epoch counts changes: a set loaded from the database is stored only if no change
	// happened while it was being read, or it could miss that change.
	epoch int64
}

const (
	followedCacheUsers = 10_000
	// maxCachedFollows keeps a user who follows everyone from filling memory.
	maxCachedFollows = 5_000
)

type cacheState int

const (
	cacheMiss cacheState = iota
	cacheHit
	cacheTooMany
)

func newFollowedCache() *followedCache {
	return &followedCache{users: expirable.NewLRU[int64, map[int64]struct{}](followedCacheUsers, nil, 0)}
}

// among returns which of ids viewerID follows when the viewer's set is cached.
func (c *followedCache) among(viewerID int64, ids []int64) ([]int64, cacheState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	set, ok := c.users.Get(viewerID)
	switch {
	case !ok:
		return nil, cacheMiss
	case set == nil:
		return nil, cacheTooMany
	}
	return pick(set, ids), cacheHit
}

// begin returns the epoch to pass to store for a load starting now.
func (c *followedCache) begin() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// store caches viewerID's full set, read from the database since epoch, and returns it.
func (c *followedCache) store(viewerID int64, all []int64, epoch int64) map[int64]struct{} {
	set := make(map[int64]struct{}, len(all))
	for _, id := range all {
		set[id] = struct{}{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch == epoch {
		c.users.Add(viewerID, set)
	}
	return set
}

// tooMany marks viewerID as following more than the cache keeps. The mark is never wrong (it
// only sends lookups to the database), so it needs no epoch.
func (c *followedCache) tooMany(viewerID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.users.Add(viewerID, nil)
}

// changed records that viewerID's follows changed (or may have).
func (c *followedCache) changed(viewerID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if set, ok := c.users.Peek(viewerID); ok && set != nil {
		c.users.Remove(viewerID)
	}
}

// pick returns the ids in set, each once, in the order asked.
func pick(set map[int64]struct{}, ids []int64) []int64 {
	var out []int64
	for _, id := range ids {
		// out holds only hits, a handful per page: scanning it is cheaper than a map.
		if _, ok := set[id]; ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
