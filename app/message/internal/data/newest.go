package data

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/redis/go-redis/v9"
)

// newestTimes keeps, per direction (from, to), a bound on the create_time of the messages
// from→to: every open chat screen polls "anything from the peer newer than T?" every few
// seconds, almost always for nothing, and a bound <= T answers that without the database.
//
// The one rule: a bound that get returns is >= the create_time of every message from→to whose
// send has returned. A poll that reads a bound below a message may then only be one that ran
// while that message was being sent, which is as if the poll came first; a later poll sees it.
// A bound above the newest message only costs a database read. So a miss or an error is
// reported as a miss (the database answers), and bounds only ever go up.
type newestTimes interface {
	// get returns the bound, or ok=false and a token for fill.
	get(ctx context.Context, from, to int64) (bound int64, token uint64, ok bool)
	// fill stores newest, read from the database after get missed with token.
	fill(ctx context.Context, from, to, newest int64, token uint64)
	// sending raises the bound to t inside the transaction storing a message at t, before it
	// commits; an error aborts the send.
	sending(ctx context.Context, from, to, t int64) error
	// sent raises the bound to t once the message at t committed.
	sent(from, to, t int64)
}

// redisNewest is shared by every replica of the message app. A send raises the bound before it
// commits, so the bound covers the message before anyone can read it, and a Redis that cannot
// be written fails the send instead of leaving a bound below a stored message (raising it after
// the commit could fail with the message already stored, hiding it from polls for a whole TTL).
//
// fill only sets a bound that is absent (SET NX): a present one covers everything sent. An
// absent bound under a send is impossible while the TTL is long: the send's raise refreshed it
// to the full TTL just before committing, and a poll that read the database before that commit
// fills within its own call timeout. minNewestTTL keeps the TTL far above any call's duration.
type redisNewest struct {
	rdb    *redis.Client
	prefix string
	ttl    time.Duration
}

// minNewestTTL is the shortest lifetime of a Redis bound, whatever redis.cache_ttl says (see
// redisNewest).
const minNewestTTL = time.Minute

// raiseNewest sets the bound to max(bound, ARGV[1]) and its lifetime to ARGV[2] ms, atomically:
// two sends' raises arriving out of order still leave the larger.
var raiseNewest = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur or tonumber(cur) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
`)

func newRedisNewest(rdb *redis.Client, prefix string, ttl time.Duration) *redisNewest {
	return &redisNewest{rdb: rdb, prefix: prefix, ttl: max(ttl, minNewestTTL)}
}

func (c *redisNewest) key(from, to int64) string {
	return c.prefix + "message:newest:" + strconv.FormatInt(from, 10) + ":" + strconv.FormatInt(to, 10)
}

func (c *redisNewest) get(ctx context.Context, from, to int64) (int64, uint64, bool) {
	s, err := c.rdb.Get(ctx, c.key(from, to)).Result()
	if err != nil {
		return 0, 0, false // absent or unreachable: the database answers
	}
	bound, err := strconv.ParseInt(s, 10, 64)
	return bound, 0, err == nil
}

func (c *redisNewest) fill(ctx context.Context, from, to, newest int64, _ uint64) {
	_ = c.rdb.SetNX(ctx, c.key(from, to), newest, c.ttl).Err()
}

func (c *redisNewest) sending(ctx context.Context, from, to, t int64) error {
	return raiseNewest.Run(ctx, c.rdb, []string{c.key(from, to)}, t, c.ttl.Milliseconds()).Err()
}

func (c *redisNewest) sent(int64, int64, int64) {}

// memoryNewest is the embedded store of the all-in-one, whose one message app makes every send.
// Raising a bound in memory cannot fail, so sends raise it after committing. An LRU may drop a
// bound at any moment, though, so a fill is kept only if no send completed since the get that
// missed (epoch): otherwise a poll that read the database just before a commit could store a
// bound below that message after the send's own raise was dropped.
type memoryNewest struct {
	mu     sync.Mutex
	bounds *simplelru.LRU[[2]int64, int64]
	epoch  uint64 // sends completed
}

// memoryNewestPairs bounds the embedded store: at most this many directions (about 100 bytes
// each); the least recently polled go to the database next time.
const memoryNewestPairs = 100_000

func newMemoryNewest() *memoryNewest {
	bounds, _ := simplelru.NewLRU[[2]int64, int64](memoryNewestPairs, nil) // errors only for size <= 0
	return &memoryNewest{bounds: bounds}
}

func (c *memoryNewest) get(_ context.Context, from, to int64) (int64, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if bound, ok := c.bounds.Get([2]int64{from, to}); ok {
		return bound, 0, true
	}
	return 0, c.epoch, false
}

func (c *memoryNewest) fill(_ context.Context, from, to, newest int64, token uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if token == c.epoch {
		c.raise([2]int64{from, to}, newest)
	}
}

func (c *memoryNewest) sending(context.Context, int64, int64, int64) error { return nil }

func (c *memoryNewest) sent(from, to, t int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.raise([2]int64{from, to}, t)
}

// raise sets the bound to max(bound, t); the caller holds mu.
func (c *memoryNewest) raise(pair [2]int64, t int64) {
	if cur, ok := c.bounds.Peek(pair); !ok || cur < t {
		c.bounds.Add(pair, t)
	}
}
