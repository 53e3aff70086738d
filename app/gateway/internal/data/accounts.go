package data

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
)

const (
	// accountTTL is how long the gateway believes what it learnt of an account. A ban reaches
	// every replica at once (AccountChanges); this bounds how long a replica that missed it (its
	// Redis connection was down) honours the banned account's tokens, and how long it honours
	// the tokens of a data set that was reset under it.
	accountTTL = time.Minute
	// missingTTL is how long an id is believed to have no account: short, since a sign-up on
	// another gateway replica may create it.
	missingTTL = 5 * time.Second
	// accountCacheSize bounds the memory: about 100 bytes an entry.
	accountCacheSize = 100_000
)

// accountCache remembers, per user id, what decides whether its tokens are good, or that there
// is no such account.
type accountCache struct {
	valid   *expirable.LRU[int64, biz.Account]
	missing *expirable.LRU[int64, struct{}]
	flight  singleflight.Group
	// changes counts forgets: an answer read from the user app is remembered only if no account
	// changed while it was on its way, or a ban could be overwritten by what was read before it.
	changes atomic.Int64
}

func newAccountCache() *accountCache {
	return &accountCache{
		valid:   expirable.NewLRU[int64, biz.Account](accountCacheSize, nil, accountTTL),
		missing: expirable.NewLRU[int64, struct{}](accountCacheSize, nil, missingTTL),
	}
}

// get reports what is known of id: ok false when nothing is, account nil when it has none.
func (c *accountCache) get(id int64) (account *biz.Account, ok bool) {
	if a, ok := c.valid.Get(id); ok {
		return &a, true
	}
	if _, ok := c.missing.Get(id); ok {
		return nil, true
	}
	return nil, false
}

// remember keeps what was read of id (nil: no account) at epoch (changes before the read).
func (c *accountCache) remember(id int64, a *biz.Account, epoch int64) {
	if c.changes.Load() != epoch {
		return
	}
	if a == nil {
		c.missing.Add(id, struct{}{})
		return
	}
	c.missing.Remove(id)
	c.valid.Add(id, *a)
}

func (c *accountCache) forget(id int64) {
	c.changes.Add(1)
	c.valid.Remove(id)
	c.missing.Remove(id)
}

func (c *accountCache) forgetAll() {
	c.changes.Add(1)
	c.valid.Purge()
	c.missing.Purge()
}

// accountChangesChannel is the Redis channel on which a gateway that changed an account (a ban)
// tells the other replicas to forget what they remember of it.
const accountChangesChannel = "account_changes"

// AccountChanges keeps a replica's account cache in step with bans made through any replica:
// it listens on Redis and forgets each account another replica changed. It is a
// transport.Server; without Redis (the all-in-one, one gateway) it does nothing.
type AccountChanges struct {
	redis *Redis
	cache *accountCache
	// quit is closed by Stop; done by Start when it returns.
	quit     chan struct{}
	stopOnce sync.Once
	started  atomic.Bool
	done     chan struct{}
}

// NewAccountChanges returns the listener for users' account cache.
func NewAccountChanges(r *Redis, users *UserRepo) *AccountChanges {
	return &AccountChanges{redis: r, cache: users.accounts, quit: make(chan struct{}), done: make(chan struct{})}
}

// Start listens until Stop. Each time the subscription is made, first or again after the
// connection was lost (go-redis reconnects and subscribes again), the whole cache is dropped: a
// change announced meanwhile was missed.
func (a *AccountChanges) Start(ctx context.Context) error {
	a.started.Store(true)
	defer close(a.done)
	if a.redis == nil {
		return nil
	}
	sub := a.redis.client.Subscribe(ctx, a.redis.prefix+accountChangesChannel)
	defer sub.Close()
	messages := sub.ChannelWithSubscriptions()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-a.quit:
			return nil
		case msg, ok := <-messages:
			if !ok {
				return nil
			}
			switch m := msg.(type) {
			case *redis.Subscription:
				a.cache.forgetAll()
			case *redis.Message:
				if id, err := strconv.ParseInt(m.Payload, 10, 64); err == nil {
					a.cache.forget(id)
				}
			}
		}
	}
}

// Stop ends Start.
func (a *AccountChanges) Stop(context.Context) error {
	a.stopOnce.Do(func() { close(a.quit) })
	if a.started.Load() {
		<-a.done
	}
	return nil
}

// announce tells every replica that id's account changed; this one has forgotten it already.
func (r *Redis) announceAccountChange(ctx context.Context, id int64) error {
	return r.client.Publish(ctx, r.prefix+accountChangesChannel, strconv.FormatInt(id, 10)).Err()
}
