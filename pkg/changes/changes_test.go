package changes_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// slowCount counts its reads and holds each until released, to line callers up behind one.
type slowCount struct {
	changes.Local
	reads   atomic.Int64
	release chan struct{}
}

func (s *slowCount) Count(ctx context.Context) (int64, error) {
	s.reads.Add(1)
	<-s.release
	return s.Local.Count(ctx)
}

// Callers that arrive while a read is in flight share the next read, never the one in flight:
// a change counted before a caller called is in the count it gets.
func TestCoalescedReadsAfterEveryCaller(t *testing.T) {
	ctx := context.Background()
	slow := &slowCount{release: make(chan struct{})}
	c := changes.Coalesced(slow)

	first := make(chan int64)
	go func() { n, _ := c.Count(ctx); first <- n }()
	for slow.reads.Load() == 0 { // the first read is in flight, at count 0
		runtime.Gosched()
	}
	_ = slow.Bump(ctx) // a change, counted before the next callers call
	var later sync.WaitGroup
	counts := make(chan int64, 10)
	for range 10 {
		later.Add(1)
		go func() { defer later.Done(); n, _ := c.Count(ctx); counts <- n }()
	}
	time.Sleep(50 * time.Millisecond) // let them line up behind the read in flight
	close(slow.release)
	if n := <-first; n > 1 {
		t.Fatalf("first caller got %d", n)
	}
	later.Wait()
	close(counts)
	for n := range counts {
		if n != 1 {
			t.Fatalf("a caller that came after the change got count %d; want 1", n)
		}
	}
	if reads := slow.reads.Load(); reads != 2 {
		t.Fatalf("%d reads for 11 callers in two waves; want 2", reads)
	}
}
