// Package changes counts the changes that readers can see, so that a cache anywhere in the
// system can keep an answer exactly until the next one: an entry remembers the count it was
// filled at and is good while the count has not moved.
//
// Whatever changes rows a reader can see bumps the count once the change is committed (the
// event relay after every transaction, the event consumers after every batch), and a reader
// reads the count before it reads the rows. So an entry filled at count n holds rows at least
// as new as every change counted up to n, and the next change makes it a miss everywhere.
package changes

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// Counter is the count of changes.
type Counter interface {
	// Count is the current count.
	Count(ctx context.Context) (int64, error)
	// Bump counts a change; call it after the change is committed (also when the commit
	// reported an error, since it may have happened all the same).
	Bump(ctx context.Context) error
}

// The counts kept, by name.
const (
	// Reads counts what feeds, profiles and lists show: every transaction that carries an
	// event (likes, follows, comments, publishes, take-downs) and every batch of events applied
	// (the counts).
	Reads = "reads"
	// Messages counts the messages sent, which only chats show: many, and none of the reads'.
	Messages = "messages"
)

// Local counts the changes made in this process, for apps that share one process and no
// Redis (the all-in-one).
type Local struct{ n atomic.Int64 }

// Count implements Counter.
func (l *Local) Count(context.Context) (int64, error) { return l.n.Load(), nil }

// Bump implements Counter.
func (l *Local) Bump(context.Context) error { l.n.Add(1); return nil }

var inProcess sync.Map // count name → *Local

// InProcess is the count called name of every change made in this process. All the apps of a
// process without Redis share it; two deployments in one process (tests) share it too, which
// only costs their caches some misses.
func InProcess(name string) *Local {
	l, _ := inProcess.LoadOrStore(name, &Local{})
	return l.(*Local)
}

// Redis is a count every process of a deployment shares.
type Redis struct {
	rdb *redis.Client
	key string
}

// NewRedis keeps the count called name under prefix+"changes:"+name.
func NewRedis(rdb *redis.Client, prefix, name string) *Redis {
	return &Redis{rdb: rdb, key: prefix + "changes:" + name}
}

// For is the count called name an app keeps: the deployment's in Redis when it has one (rdb
// not nil), this process's otherwise.
func For(rdb *redis.Client, prefix, name string) Counter {
	if rdb == nil {
		return InProcess(name)
	}
	return NewRedis(rdb, prefix, name)
}

// Count implements Counter.
func (r *Redis) Count(ctx context.Context) (int64, error) {
	n, err := r.rdb.Get(ctx, r.key).Int64()
	if err == redis.Nil {
		if err := r.start(ctx); err != nil {
			return 0, err
		}
		n, err = r.rdb.Get(ctx, r.key).Int64()
	}
	if err != nil {
		return 0, fmt.Errorf("count of changes: %w", err)
	}
	return n, nil
}

// bump increments the count, creating it first at ARGV[1] when it is missing: one round trip.
var bump = redis.NewScript(`
if redis.call("EXISTS", KEYS[1]) == 0 then redis.call("SET", KEYS[1], ARGV[1]) end
return redis.call("INCR", KEYS[1])`)

// Bump implements Counter.
func (r *Redis) Bump(ctx context.Context) error {
	if err := bump.Run(ctx, r.rdb, []string{r.key}, randomStart()).Err(); err != nil {
		return fmt.Errorf("count a change: %w", err)
	}
	return nil
}

// start creates the count when it is missing.
func (r *Redis) start(ctx context.Context) error {
	if err := r.rdb.SetNX(ctx, r.key, randomStart(), 0).Err(); err != nil {
		return fmt.Errorf("start the count of changes: %w", err)
	}
	return nil
}

// randomStart is where a missing count starts. Counting from zero again after Redis lost the
// key (a restart, a flush) would bring back counts that caches already hold entries for,
// filled before the changes in between; a random start below 2^62 meets one of them with a
// chance of one in billions.
func randomStart() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:]) >> 2)
}
