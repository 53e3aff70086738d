// Package setcache keeps, per owner, the whole set of ids the owner holds (the videos a user
// liked, the users they follow), so that "which of these 30 does this user hold" is answered
// from memory on every page. It is exact only in a process that makes every change to those
// sets itself and reports each one (Changed); replicas would miss each other's changes.
package setcache

import (
	"slices"
	"sync"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// Cache holds the sets of at most a fixed number of owners, each of at most a fixed size.
type Cache struct {
	max int

	mu sync.Mutex
	// sets maps an owner to their set; a nil set marks an owner who holds more than max, whose
	// lookups go to the database.
	sets *expirable.LRU[int64, map[int64]struct{}]
	// epoch counts changes: a set loaded from the database is kept only if no change happened
	// while it was being read, or it could miss that change.
	epoch uint64
}

// New returns a cache of the sets of up to owners owners, each of up to maxMembers ids.
func New(owners, maxMembers int) *Cache {
	return &Cache{max: maxMembers, sets: expirable.NewLRU[int64, map[int64]struct{}](owners, nil, 0)}
}

// Among returns which of ids owner holds, each once, in the order asked. It answers from the
// owner's cached set; without one it loads the whole set with loadAll (asked for at most limit
// ids) and keeps it. An owner holding more than the cache keeps is remembered as such and
// answered by query, which asks the database about ids alone.
func (c *Cache) Among(owner int64, ids []int64, loadAll func(limit int) ([]int64, error), query func() ([]int64, error)) ([]int64, error) {
	c.mu.Lock()
	set, cached := c.sets.Get(owner)
	epoch := c.epoch
	c.mu.Unlock()
	switch {
	case cached && set == nil:
		return query()
	case cached:
		return pick(set, ids), nil
	}
	// One past the cap tells an owner who holds too many from one who does not.
	all, err := loadAll(c.max + 1)
	if err != nil {
		return nil, err
	}
	if len(all) > c.max {
		c.mu.Lock()
		c.sets.Add(owner, nil) // never wrong: it only sends lookups to the database
		c.mu.Unlock()
		return query()
	}
	set = make(map[int64]struct{}, len(all))
	for _, id := range all {
		set[id] = struct{}{}
	}
	c.mu.Lock()
	if c.epoch == epoch {
		c.sets.Add(owner, set)
	}
	c.mu.Unlock()
	return pick(set, ids), nil
}

// Changed records that owner's set changed, or may have (a commit whose answer was lost). The
// set is dropped rather than edited: two changes of one owner that commit in one order could
// reach the cache in the other and leave it wrong. The next lookup reloads it.
func (c *Cache) Changed(owner int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if set, ok := c.sets.Peek(owner); ok && set != nil {
		c.sets.Remove(owner)
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
