package data

import (
	"context"
	"testing"
	"time"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
)

// The throttles' stores keep the same contract in memory (the all-in-one) and in Redis (shared
// by gateway replicas).
func TestThrottleStoresInMemory(t *testing.T) {
	runThrottleStoreContract(t, nil)
}

func TestThrottleStoresInRedis(t *testing.T) {
	runThrottleStoreContract(t, openRedis(t, databasetest.Redis(t)))
}

// openRedis connects to the test Redis conf as a gateway replica does, until the test ends.
func openRedis(t *testing.T, conf *confv1.Redis) *Redis {
	t.Helper()
	r, closeRedis, err := NewRedis(conf, bootstrap.NewReadiness())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeRedis)
	return r
}

func runThrottleStoreContract(t *testing.T, r *Redis) {
	ctx := context.Background()
	t.Run("a burst, then one event per interval", func(t *testing.T) {
		limiter := NewRateLimiter(r)
		rate := biz.Rate{Events: 5, Per: time.Second, Burst: 3} // one event per 200 ms
		for i := 0; i < 3; i++ {
			if wait, err := limiter.Take(ctx, "burst", rate); err != nil || wait != 0 {
				t.Fatalf("event %d of the burst: wait %s, %v", i+1, wait, err)
			}
		}
		wait, err := limiter.Take(ctx, "burst", rate)
		if err != nil || wait <= 0 || wait > 200*time.Millisecond {
			t.Fatalf("past the burst: wait %s, %v; want (0, 200ms]", wait, err)
		}
		// A refused event takes nothing: waiting the time said is enough.
		time.Sleep(wait + 20*time.Millisecond)
		if wait, err := limiter.Take(ctx, "burst", rate); err != nil || wait != 0 {
			t.Fatalf("after waiting: wait %s, %v", wait, err)
		}
		if wait, err := limiter.Take(ctx, "other key", rate); err != nil || wait != 0 {
			t.Fatalf("another key: wait %s, %v", wait, err)
		}
	})
	t.Run("failed logins are counted, cleared and forgotten", func(t *testing.T) {
		store := NewLoginFailureStore(r)
		now := time.Now().Truncate(time.Millisecond)
		for i := 0; i < 2; i++ {
			if err := store.Add(ctx, "k", now, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		if f, err := store.Get(ctx, "k"); err != nil || f.Count != 2 || !f.Last.Equal(now) {
			t.Fatalf("Get = %+v, %v; want 2 failures, the last at %v", f, err, now)
		}
		if err := store.Clear(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		if f, err := store.Get(ctx, "k"); err != nil || f.Count != 0 {
			t.Fatalf("after Clear: %+v, %v", f, err)
		}
		if err := store.Add(ctx, "short", time.Now(), 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
		if f, err := store.Get(ctx, "short"); err != nil || f.Count != 0 {
			t.Fatalf("after forget_after: %+v, %v; want forgotten", f, err)
		}
	})
}
