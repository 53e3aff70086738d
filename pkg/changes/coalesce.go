package changes

import (
	"context"
	"sync"
)

// Coalesced reads c's count for many callers at once: a Count that arrives while a read is on
// its way waits for the next read, issued as soon as that one ends, and shares it with every
// caller that arrived meanwhile. Each caller still gets a count read after it called, so it
// sees every change counted before, but a gateway under load asks Redis once per round trip
// instead of once per request. Bump goes to c directly.
func Coalesced(c Counter) Counter { return &coalesced{c: c} }

type coalesced struct {
	c       Counter
	mu      sync.Mutex
	waiting []chan<- countResult // arrived since the read in flight was issued
	reading bool
}

type countResult struct {
	n   int64
	err error
}

func (c *coalesced) Bump(ctx context.Context) error { return c.c.Bump(ctx) }

func (c *coalesced) Count(ctx context.Context) (int64, error) {
	result := make(chan countResult, 1)
	c.mu.Lock()
	c.waiting = append(c.waiting, result)
	if !c.reading {
		c.reading = true
		go c.read()
	}
	c.mu.Unlock()
	select {
	case r := <-result:
		return r.n, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// read issues reads until nobody waits: each for the callers that arrived before it began.
func (c *coalesced) read() {
	for {
		c.mu.Lock()
		batch := c.waiting
		c.waiting = nil
		if len(batch) == 0 {
			c.reading = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		// Not a caller's context: one that gives up must not fail the others' read. The
		// client's own timeouts bound it.
		n, err := c.c.Count(context.Background())
		for _, w := range batch {
			w <- countResult{n, err}
		}
	}
}
