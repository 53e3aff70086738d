package event

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Acks connects the action that caused an event with the consumers that apply it, so the user
// who acted can be answered only once the counts they will look at next include the change.
type Acks interface {
	// Applied records that consumer applied the events (after its transaction committed).
	Applied(ctx context.Context, consumer string, eventIDs []string)
	// Wait blocks until every consumer applied eventID, or ctx ends; it reports which.
	Wait(ctx context.Context, eventID string, consumers ...string) bool
}

// localAcks serves a process that runs its producers and consumers together (the all-in-one).
type localAcks struct {
	mu      sync.Mutex
	applied map[string]time.Time // consumer + "/" + event id
	changed chan struct{}        // closed and replaced on every Applied
}

// ProcessAcks is the Acks of this process: the all-in-one's apps share it.
var ProcessAcks Acks = &localAcks{applied: map[string]time.Time{}, changed: make(chan struct{})}

// localAckTTL bounds how long an application is remembered; a waiter arrives within
// milliseconds of the commit, long before.
const localAckTTL = time.Minute

func (a *localAcks) Applied(_ context.Context, consumer string, eventIDs []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	if len(a.applied) > 100_000 {
		for k, at := range a.applied {
			if now.Sub(at) > localAckTTL {
				delete(a.applied, k)
			}
		}
	}
	for _, id := range eventIDs {
		a.applied[consumer+"/"+id] = now
	}
	close(a.changed)
	a.changed = make(chan struct{})
}

func (a *localAcks) Wait(ctx context.Context, eventID string, consumers ...string) bool {
	for {
		a.mu.Lock()
		all := true
		for _, c := range consumers {
			if _, ok := a.applied[c+"/"+eventID]; !ok {
				all = false
				break
			}
		}
		changed := a.changed
		a.mu.Unlock()
		if all {
			return true
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		}
	}
}

// RedisAcks shares applications between processes through Redis keys that expire.
type RedisAcks struct {
	rdb    *redis.Client
	prefix string
}

// NewRedisAcks returns Acks kept in rdb under prefix.
func NewRedisAcks(rdb *redis.Client, prefix string) *RedisAcks {
	return &RedisAcks{rdb: rdb, prefix: prefix + "event:applied:"}
}

// Applied implements Acks.
func (a *RedisAcks) Applied(ctx context.Context, consumer string, eventIDs []string) {
	_, _ = a.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range eventIDs {
			p.Set(ctx, a.prefix+consumer+":"+id, 1, localAckTTL)
		}
		return nil
	})
}

// Wait implements Acks by polling: the wait is a few milliseconds, shorter than setting up a
// subscription.
func (a *RedisAcks) Wait(ctx context.Context, eventID string, consumers ...string) bool {
	keys := make([]string, len(consumers))
	for i, c := range consumers {
		keys[i] = a.prefix + c + ":" + eventID
	}
	for {
		if n, err := a.rdb.Exists(ctx, keys...).Result(); err == nil && int(n) == len(keys) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(3 * time.Millisecond):
		}
	}
}

// NoAcks is for a deployment where waiting cannot work (separate processes without Redis):
// actions return at once and counts follow within the consumers' lag.
type NoAcks struct{}

// Applied implements Acks.
func (NoAcks) Applied(context.Context, string, []string) {}

// Wait implements Acks.
func (NoAcks) Wait(context.Context, string, ...string) bool { return false }
