package data

import (
	"context"
	"testing"
	"time"

	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
)

// A ban made through one gateway replica reaches the others' account caches through Redis.
func TestAccountChangesReachEveryReplica(t *testing.T) {
	conf := databasetest.Redis(t)
	ctx := context.Background()
	replica := func() (*Redis, *accountCache) {
		r := openRedis(t, conf)
		users := &UserRepo{accounts: newAccountCache(), redis: r}
		listener := NewAccountChanges(r, users)
		go func() { _ = listener.Start(ctx) }()
		t.Cleanup(func() { _ = listener.Stop(ctx) })
		return r, users.accounts
	}
	actor, _ := replica()
	_, other := replica()

	remember := func(c *accountCache, id int64) {
		c.remember(id, &biz.Account{TokensValidSince: 1}, c.changes.Load())
	}
	// Subscribing drops the whole cache (what was announced before is unknown), so entries are
	// remembered only once the listener is in place: until then, one remembered may be dropped.
	eventually(t, "the listener subscribes", func() bool {
		remember(other, 1)
		time.Sleep(20 * time.Millisecond)
		_, ok := other.get(1)
		return ok
	})
	remember(other, 2)
	if err := actor.announceAccountChange(ctx, 1); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the other replica forgets account 1", func() bool {
		_, ok := other.get(1)
		return !ok
	})
	if _, ok := other.get(2); !ok {
		t.Fatal("account 2, which did not change, was forgotten too")
	}
}

// An answer read from the user app before a change arrived is not remembered after it: it
// could be the account as it was before a ban.
func TestAccountCacheKeepsNoAnswerOlderThanAChange(t *testing.T) {
	c := newAccountCache()
	epoch := c.changes.Load()
	c.forget(7) // a ban lands while the read is on its way
	c.remember(7, &biz.Account{}, epoch)
	if _, ok := c.get(7); ok {
		t.Fatal("an answer read before a change was remembered")
	}
	c.remember(7, &biz.Account{Banned: true}, c.changes.Load())
	if a, ok := c.get(7); !ok || !a.Banned {
		t.Fatalf("get = %+v, %v; want the banned account", a, ok)
	}
	c.remember(8, nil, c.changes.Load())
	if a, ok := c.get(8); !ok || a != nil {
		t.Fatalf("get = %+v, %v; want known to have no account", a, ok)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
