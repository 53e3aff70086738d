package data

import (
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"
)

const (
	// accountTTL is how long the gateway believes what it learnt of an account. Accounts are
	// never deleted while the system runs; this bounds how long a replica honours the tokens
	// of a data set that was reset under it.
	accountTTL = time.Minute
	// missingTTL is how long an id is believed to have no account: short, since a sign-up on
	// another gateway replica may create it.
	missingTTL = 5 * time.Second
	// accountCacheSize bounds the memory: about 100 bytes an entry.
	accountCacheSize = 100_000
)

// accountCache remembers, per user id, the earliest issue time of a token its account accepts,
// or that there is no such account.
type accountCache struct {
	valid   *expirable.LRU[int64, int64]
	missing *expirable.LRU[int64, struct{}]
	flight  singleflight.Group
}

func newAccountCache() *accountCache {
	return &accountCache{
		valid:   expirable.NewLRU[int64, int64](accountCacheSize, nil, accountTTL),
		missing: expirable.NewLRU[int64, struct{}](accountCacheSize, nil, missingTTL),
	}
}

// get reports what is known of id: ok false when nothing is.
func (c *accountCache) get(id int64) (since int64, exists, ok bool) {
	if since, ok := c.valid.Get(id); ok {
		return since, true, true
	}
	if _, ok := c.missing.Get(id); ok {
		return 0, false, true
	}
	return 0, false, false
}

func (c *accountCache) remember(id, since int64) {
	c.missing.Remove(id)
	c.valid.Add(id, since)
}

func (c *accountCache) rememberMissing(id int64) { c.missing.Add(id, struct{}{}) }

func (c *accountCache) forget(id int64) {
	c.valid.Remove(id)
	c.missing.Remove(id)
}
