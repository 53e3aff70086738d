package data

import (
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// likedCache remembers, per user, every video they like: the feed asks "which of these 30
// did the viewer like" on every page, and the answer only changes when that viewer likes or
// unlikes. It is exact only while this process makes every change (the all-in-one); replicas
// would each miss the others' changes, so it is off there.
type likedCache struct {
	mu    sync.Mutex
	users *expirable.LRU[int64, map[int64]struct{}]
	// epoch counts changes: a set loaded from the database is stored only if no change
	// happened while it was being read, or it could miss that change.
	epoch atomic.Int64
}

const (
	likedCacheUsers = 10_000
	// maxCachedLikes keeps a user who likes everything from filling memory; their lookups go
	// to the database.
	maxCachedLikes = 5_000
)

func newLikedCache() *likedCache {
	return &likedCache{users: expirable.NewLRU[int64, map[int64]struct{}](likedCacheUsers, nil, 0)}
}

// liked returns which of videoIDs userID likes, or ok=false when the user is not cached.
func (c *likedCache) liked(userID int64, videoIDs []int64) ([]int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	set, ok := c.users.Get(userID)
	if !ok {
		return nil, false
	}
	var out []int64
	for _, id := range videoIDs {
		if _, ok := set[id]; ok {
			out = append(out, id)
		}
	}
	return out, true
}

// begin returns the epoch to pass to store for a load starting now.
func (c *likedCache) begin() int64 { return c.epoch.Load() }

// store caches userID's full set, read from the database since epoch.
func (c *likedCache) store(userID int64, all []int64, epoch int64) {
	if len(all) > maxCachedLikes {
		return
	}
	set := make(map[int64]struct{}, len(all))
	for _, id := range all {
		set[id] = struct{}{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch.Load() == epoch {
		c.users.Add(userID, set)
	}
}

// changed records a committed like or unlike of userID by dropping their set: editing it in
// place could apply two racing changes of one user in the opposite order of their commits.
// The next lookup reloads it.
func (c *likedCache) changed(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch.Add(1)
	c.users.Remove(userID)
}
