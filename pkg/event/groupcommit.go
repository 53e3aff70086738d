package event

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/douyin-kratos/douyin/pkg/database"
)

// Group commit: on a database with one writer (SQLite, whose pool here is one connection),
// changes arriving while a transaction is running wait for it anyway. Instead of one
// transaction each, they are made together in the next one: each change's statements run as
// they would alone, but the begin, the commit (the write-ahead log's writes and locks), the
// outbox insert and the wake-ups of the relay and the read caches are paid once per group.
// MySQL runs transactions side by side, so there each change keeps its own.

// maxGroup bounds the changes of one group transaction, so that one group holds the writer
// for a bounded time.
const maxGroup = 64

// groupTimeout bounds one group transaction. It runs apart from its members' contexts: one
// member's client going away must not roll back the others' changes.
const groupTimeout = 30 * time.Second

// pendingChange is a change waiting for, or made in, a group transaction.
type pendingChange struct {
	ctx    context.Context
	change func(tx *gorm.DB, eventID string) (*Outgoing, error)
	// turn is signalled once: the group the change was in has ended (done), or its caller is to
	// lead the next group.
	turn chan struct{}
	done bool
	// alone says the group failed: the caller makes its change again in a transaction of its
	// own, and gets that one's outcome. Otherwise eventID is the event committed ("" for none).
	alone   bool
	eventID string
}

// committer gathers concurrent changes into group transactions. One caller at a time leads:
// it takes the changes waiting (its own first), makes them in one transaction, tells their
// callers, and hands the lead to the first change that arrived meanwhile, so no caller waits
// for more than the group before its own and its own.
type committer struct {
	mu      sync.Mutex
	waiting []*pendingChange
	leading bool
}

// commit makes change in a group transaction of r's and returns as Commit does.
func (c *committer) commit(r *Relay, ctx context.Context, change func(tx *gorm.DB, eventID string) (*Outgoing, error)) (string, error) {
	p := &pendingChange{ctx: ctx, change: change, turn: make(chan struct{}, 1)}
	c.mu.Lock()
	c.waiting = append(c.waiting, p)
	lead := !c.leading
	c.leading = true
	c.mu.Unlock()
	if !lead {
		// Waited for whatever ctx says: the change may be in a transaction already, and a
		// caller told of a failure drops what it cached before that commit lands.
		<-p.turn
		if p.done {
			return p.outcome(r, change)
		}
	}

	// Changes whose callers are running now, a moment from calling Commit, join this group
	// rather than wait through it for the next: under load it made the groups larger (see the
	// README's measured section) for a scheduler's turn of latency.
	runtime.Gosched()
	c.mu.Lock()
	n := min(len(c.waiting), maxGroup) // p is the first waiting
	group := c.waiting[:n:n]
	c.waiting = c.waiting[n:]
	c.mu.Unlock()

	r.commitGroup(group)

	c.mu.Lock()
	if len(c.waiting) > 0 {
		c.waiting[0].turn <- struct{}{}
	} else {
		c.leading = false
	}
	c.mu.Unlock()
	for _, q := range group[1:] {
		q.turn <- struct{}{}
	}
	return p.outcome(r, change)
}

// outcome is what Commit returns for p once its group has ended.
func (p *pendingChange) outcome(r *Relay, change func(tx *gorm.DB, eventID string) (*Outgoing, error)) (string, error) {
	if p.alone {
		return r.commitAlone(p.ctx, change)
	}
	return p.eventID, nil
}

// commitGroup makes the group's changes in one transaction and marks them done. When it fails,
// it cannot tell whose change failed it, so each caller makes its change again alone (alone):
// in its own goroutine, so that a change that panics panics in its own caller, and the group's
// other callers, and whoever leads next, are told all the same.
func (r *Relay) commitGroup(group []*pendingChange) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	err := r.transactGroup(ctx, group)
	enqueued := false
	for _, p := range group {
		p.done, p.alone = true, err != nil
		enqueued = enqueued || p.eventID != ""
	}
	if err == nil {
		r.ran(ctx, enqueued)
	}
}

// transactGroup runs the group's changes and the outbox insert of their events in one
// transaction; a panic in a change rolls it back and is returned as its error.
func (r *Relay) transactGroup(ctx context.Context, group []*pendingChange) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("a change of the group panicked: %v", v)
		}
	}()
	return database.Transaction(ctx, r.db, func(tx *gorm.DB) error {
		rows := make([]map[string]any, 0, len(group))
		for _, p := range group {
			p.eventID = "" // an attempt rolled back took its event with it
			eventID := NewID()
			// The change's statements carry its caller's trace, not its cancellation.
			ptx := tx.WithContext(context.WithoutCancel(p.ctx))
			out, err := p.change(ptx, eventID)
			if err != nil {
				return err
			}
			if out == nil {
				continue
			}
			row, err := outboxRow(ptx, out.Topic, out.Key, eventID, out.Message)
			if err != nil {
				return err
			}
			rows = append(rows, row)
			p.eventID = eventID
		}
		return insertOutbox(tx, rows)
	})
}
