package data

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
)

func TestNewestMemory(t *testing.T) {
	c := newMemoryNewest()
	runNewestContract(t, c, c.sent)

	// A fill read from the database before a send completed may be below that message: it is
	// dropped, whichever pair the send was in (the bound the send set may have been evicted).
	ctx := context.Background()
	_, token, ok := c.get(ctx, 500, 501)
	if ok {
		t.Fatal("an unknown pair had a bound")
	}
	c.sent(600, 601, 50)
	c.fill(ctx, 500, 501, 10, token)
	if bound, _, ok := c.get(ctx, 500, 501); ok {
		t.Fatalf("a fill that raced a send was kept: %d", bound)
	}

	// Evicted bounds are misses, never wrong ones.
	for i := range int64(memoryNewestPairs + 1) {
		c.sent(1_000_000+i, 1, 5)
	}
	if _, _, ok := c.get(ctx, 1_000_000, 1); ok {
		t.Fatalf("the store holds more than %d pairs", memoryNewestPairs)
	}
}

func TestNewestRedis(t *testing.T) {
	cfg := databasetest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: cfg.GetAddr()})
	t.Cleanup(func() { rdb.Close() })
	c := newRedisNewest(rdb, cfg.GetKeyPrefix(), time.Second)
	if c.ttl != minNewestTTL {
		t.Fatalf("ttl %v from a configured 1s; want the floor %v", c.ttl, minNewestTTL)
	}
	ctx := context.Background()
	runNewestContract(t, c, func(from, to, t int64) {
		if err := c.sending(ctx, from, to, t); err != nil {
			panic(err)
		}
	})

	// Every bound expires, so one left too high by a rolled-back send does not last; a send
	// renews it, so it cannot expire under a send in progress.
	if err := c.sending(ctx, 700, 701, 10); err != nil {
		t.Fatal(err)
	}
	ttl, err := rdb.PTTL(ctx, c.key(700, 701)).Result()
	if err != nil || ttl <= minNewestTTL-5*time.Second || ttl > minNewestTTL {
		t.Fatalf("PTTL after a send = %v, %v; want about %v", ttl, err, minNewestTTL)
	}
	rdb.PExpire(ctx, c.key(700, 701), time.Second)
	if err := c.sending(ctx, 700, 701, 5); err != nil { // lower: the value stays, the TTL renews
		t.Fatal(err)
	}
	if ttl, _ := rdb.PTTL(ctx, c.key(700, 701)).Result(); ttl <= time.Second {
		t.Fatalf("PTTL after a lower send = %v; want it renewed", ttl)
	}

	// Another replica reads the same bounds.
	other := newRedisNewest(rdb, cfg.GetKeyPrefix(), time.Minute)
	if bound, _, ok := other.get(ctx, 700, 701); !ok || bound != 10 {
		t.Fatalf("another replica's get = %d, %v; want 10", bound, ok)
	}

	// A bound nobody can read back (not a number) is a miss.
	rdb.Set(ctx, c.key(800, 801), "garbage", time.Minute)
	if _, _, ok := c.get(ctx, 800, 801); ok {
		t.Fatal("an unreadable bound was used")
	}
}

// runNewestContract checks what both stores promise. raise is how a completed send raises the
// bound in that store.
func runNewestContract(t *testing.T, c newestTimes, raise func(from, to, t int64)) {
	t.Helper()
	ctx := context.Background()
	if _, _, ok := c.get(ctx, 1, 2); ok {
		t.Fatal("an empty store had a bound")
	}
	_, token, _ := c.get(ctx, 1, 2)
	c.fill(ctx, 1, 2, 100, token)
	if bound, _, ok := c.get(ctx, 1, 2); !ok || bound != 100 {
		t.Fatalf("get after fill = %d, %v; want 100", bound, ok)
	}
	if _, _, ok := c.get(ctx, 2, 1); ok {
		t.Fatal("the other direction shares the bound")
	}

	raise(1, 2, 200)
	if bound, _, ok := c.get(ctx, 1, 2); !ok || bound != 200 {
		t.Fatalf("get after a send at 200 = %d, %v; want 200", bound, ok)
	}
	// Raises arriving out of order keep the larger.
	raise(1, 2, 150)
	if bound, _, _ := c.get(ctx, 1, 2); bound != 200 {
		t.Fatalf("a send at 150 after one at 200 left %d; want 200", bound)
	}
	// A fill with an older database read never lowers a bound.
	_, token, _ = c.get(ctx, 1, 2)
	c.fill(ctx, 1, 2, 120, token)
	if bound, _, _ := c.get(ctx, 1, 2); bound != 200 {
		t.Fatalf("a fill of 120 left %d; want 200", bound)
	}
	// A pair that never wrote is filled with 0: every later poll is answered.
	_, token, _ = c.get(ctx, 3, 4)
	c.fill(ctx, 3, 4, 0, token)
	if bound, _, ok := c.get(ctx, 3, 4); !ok || bound != 0 {
		t.Fatalf("get after filling 0 = %d, %v; want 0", bound, ok)
	}
	// A send to a pair with no bound sets one.
	raise(5, 6, 300)
	if bound, _, ok := c.get(ctx, 5, 6); !ok || bound != 300 {
		t.Fatalf("get after a send to an unknown pair = %d, %v; want 300", bound, ok)
	}
}
