package data

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/changes"
	"github.com/douyin-kratos/douyin/pkg/database"
)

// Redis is the gateway's Redis, where the throttles keep their counts so that every gateway
// replica counts the same events; nil without redis.addr (the all-in-one), where the counts
// live in this process.
type Redis struct {
	client *redis.Client
	prefix string
}

// NewRedis connects to redis.addr, when set, and makes readiness depend on it.
func NewRedis(cfg *confv1.Redis, ready *bootstrap.Readiness) (*Redis, func(), error) {
	client, closeRedis, err := database.OpenRedis(cfg)
	if err != nil || client == nil {
		return nil, closeRedis, err
	}
	ready.Require("gateway redis", func(ctx context.Context) error { return client.Ping(ctx).Err() })
	return &Redis{client: client, prefix: cfg.GetKeyPrefix()}, closeRedis, nil
}

// NewChanges are the counts of changes the gateway keeps its answers by (pkg/changes): the
// deployment's in Redis, or this process's when every app runs in it (the all-in-one, whose
// producers and consumers are all here: kafka.in_process). Otherwise there are none: a gateway
// that cannot see the other processes' changes keeps no answers.
func NewChanges(r *Redis, kafka *confv1.Kafka) biz.Changes {
	switch {
	case r != nil:
		// Every read asks for a count: coalesced, concurrent requests share a round trip.
		return biz.Changes{
			Reads:    changes.Coalesced(changes.NewRedis(r.client, r.prefix, changes.Reads)),
			Messages: changes.Coalesced(changes.NewRedis(r.client, r.prefix, changes.Messages)),
		}
	case kafka.GetInProcess():
		return biz.Changes{Reads: changes.InProcess(changes.Reads), Messages: changes.InProcess(changes.Messages)}
	}
	return biz.Changes{}
}

// NewRateLimiter counts in Redis when there is one, in memory otherwise.
func NewRateLimiter(r *Redis) biz.RateLimiter {
	if r == nil {
		return newMemoryLimiter()
	}
	return &redisLimiter{limiter: redis_rate.NewLimiter(r.client), prefix: r.prefix}
}

// NewLoginFailureStore keeps failed logins in Redis when there is one, in memory otherwise.
func NewLoginFailureStore(r *Redis) biz.LoginFailureStore {
	if r == nil {
		return newMemoryFailures()
	}
	return &redisFailures{rdb: r.client, prefix: r.prefix + "login_failures:"}
}

// redisLimiter is redis_rate's GCRA: one atomic script per event, shared by every replica.
type redisLimiter struct {
	limiter *redis_rate.Limiter
	prefix  string
}

func (l *redisLimiter) Take(ctx context.Context, key string, r biz.Rate) (time.Duration, error) {
	res, err := l.limiter.Allow(ctx, l.prefix+key, redis_rate.Limit{Rate: r.Events, Period: r.Per, Burst: r.Burst})
	if err != nil {
		return 0, fmt.Errorf("rate limit %s: %w", key, err)
	}
	if res.Allowed > 0 {
		return 0, nil
	}
	return max(res.RetryAfter, time.Millisecond), nil
}

// limiterIdle is how long a key's bucket is kept after its last event. Every rate configured
// refills its whole burst well within it; a bucket dropped earlier (the cache is full) only
// forgives its key.
const (
	limiterIdle = time.Hour
	memoryKeys  = 100_000
)

// memoryLimiter is a token bucket per key (golang.org/x/time/rate), the same arithmetic as
// GCRA, kept in a bounded cache.
type memoryLimiter struct {
	mu      sync.Mutex
	buckets *expirable.LRU[string, *rate.Limiter]
}

func newMemoryLimiter() *memoryLimiter {
	return &memoryLimiter{buckets: expirable.NewLRU[string, *rate.Limiter](memoryKeys, nil, limiterIdle)}
}

func (l *memoryLimiter) Take(_ context.Context, key string, r biz.Rate) (time.Duration, error) {
	now := time.Now()
	l.mu.Lock()
	bucket, ok := l.buckets.Get(key)
	if !ok {
		bucket = rate.NewLimiter(rate.Every(r.Per/time.Duration(r.Events)), r.Burst)
	}
	// Re-adding refreshes the key's idle time.
	l.buckets.Add(key, bucket)
	l.mu.Unlock()
	reservation := bucket.ReserveN(now, 1)
	if !reservation.OK() {
		return r.Per, nil // a burst of 0 allows nothing
	}
	if wait := reservation.DelayFrom(now); wait > 0 {
		reservation.CancelAt(now)
		return wait, nil
	}
	return 0, nil
}

// memoryFailures keeps failed logins in a bounded cache.
type memoryFailures struct {
	mu     sync.Mutex
	counts *expirable.LRU[string, failureEntry]
}

type failureEntry struct {
	biz.LoginFailures
	forgetAt time.Time
}

func newMemoryFailures() *memoryFailures {
	// The cache's own expiry only bounds how long an entry can linger; each entry carries the
	// forget_after it was counted with.
	return &memoryFailures{counts: expirable.NewLRU[string, failureEntry](memoryKeys, nil, 24*time.Hour)}
}

func (m *memoryFailures) Get(_ context.Context, key string) (biz.LoginFailures, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.counts.Get(key)
	if !ok || time.Now().After(e.forgetAt) {
		return biz.LoginFailures{}, nil
	}
	return e.LoginFailures, nil
}

func (m *memoryFailures) Add(_ context.Context, key string, at time.Time, forgetAfter time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.counts.Get(key)
	if !ok || at.After(e.forgetAt) {
		e = failureEntry{}
	}
	m.counts.Add(key, failureEntry{LoginFailures: biz.LoginFailures{Count: e.Count + 1, Last: at}, forgetAt: at.Add(forgetAfter)})
	return nil
}

func (m *memoryFailures) Clear(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts.Remove(key)
	return nil
}

// redisFailures keeps a hash per key: the count and the last failure in milliseconds, expiring
// forget_after after the last failure.
type redisFailures struct {
	rdb    *redis.Client
	prefix string
}

func (r *redisFailures) Get(ctx context.Context, key string) (biz.LoginFailures, error) {
	vals, err := r.rdb.HMGet(ctx, r.prefix+key, "n", "last").Result()
	if err != nil {
		return biz.LoginFailures{}, fmt.Errorf("login failures: %w", err)
	}
	count, _ := strconv.Atoi(fmt.Sprint(vals[0]))
	last, _ := strconv.ParseInt(fmt.Sprint(vals[1]), 10, 64)
	return biz.LoginFailures{Count: count, Last: time.UnixMilli(last)}, nil
}

func (r *redisFailures) Add(ctx context.Context, key string, at time.Time, forgetAfter time.Duration) error {
	k := r.prefix + key
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, k, "n", 1)
		p.HSet(ctx, k, "last", at.UnixMilli())
		p.PExpire(ctx, k, forgetAfter)
		return nil
	})
	if err != nil {
		return fmt.Errorf("login failures: %w", err)
	}
	return nil
}

func (r *redisFailures) Clear(ctx context.Context, key string) error {
	if err := r.rdb.Del(ctx, r.prefix+key).Err(); err != nil {
		return fmt.Errorf("login failures: %w", err)
	}
	return nil
}
