package changes_test

import (
	"context"
	"testing"

	"github.com/douyin-kratos/douyin/pkg/changes"
	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
)

func TestLocalCountsBumps(t *testing.T) {
	var c changes.Local
	ctx := context.Background()
	before, _ := c.Count(ctx)
	_ = c.Bump(ctx)
	_ = c.Bump(ctx)
	if after, _ := c.Count(ctx); after != before+2 {
		t.Fatalf("count %d after two bumps from %d", after, before)
	}
}

// Two processes of a deployment share the count; a count Redis lost starts again somewhere
// other than where it was, so entries filled before are not mistaken for new.
func TestRedisIsSharedAndRestartsElsewhere(t *testing.T) {
	ctx := context.Background()
	cfg := databasetest.Redis(t)
	rdb, closeRedis, err := database.OpenRedis(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeRedis)
	a, b := changes.For(rdb, cfg.GetKeyPrefix(), changes.Reads), changes.For(rdb, cfg.GetKeyPrefix(), changes.Reads)

	first, err := a.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Bump(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := a.Count(ctx); n != first+1 {
		t.Fatalf("a counts %d after b's bump from %d", n, first)
	}

	if err := rdb.Del(ctx, cfg.GetKeyPrefix()+"changes:"+changes.Reads).Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.Bump(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := a.Count(ctx); n == first+1 || n == 1 {
		t.Fatalf("the count started again at %d, a value it had before or its first", n)
	}
}

func TestForWithoutRedisIsTheProcessCount(t *testing.T) {
	if changes.For(nil, "", changes.Reads) != changes.InProcess(changes.Reads) {
		t.Fatal("without Redis the count is not the process's")
	}
	if changes.InProcess(changes.Reads) == changes.InProcess(changes.Messages) {
		t.Fatal("two counts are one")
	}
}
