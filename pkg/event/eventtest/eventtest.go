// Package eventtest reads a producer's outbox back in tests: what a step enqueued, as stored.
package eventtest

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	"github.com/douyin-kratos/douyin/pkg/event"
)

// Row is an outbox row as stored.
type Row struct {
	ID      int64
	Topic   string
	Key     string
	EventID string
	Type    string
	Payload []byte
}

// Mark returns the id of db's newest outbox row (0 when empty): what After counts from.
func Mark(t testing.TB, db *gorm.DB) int64 {
	t.Helper()
	var id *int64
	if err := db.Table(event.OutboxTable).Select("MAX(id)").Scan(&id).Error; err != nil {
		t.Fatalf("read the outbox: %v", err)
	}
	if id == nil {
		return 0
	}
	return *id
}

// After returns the rows enqueued since mark, oldest first.
func After(t testing.TB, db *gorm.DB, mark int64) []Row {
	t.Helper()
	var rows []Row
	if err := db.Table(event.OutboxTable).Where("id > ?", mark).Order("id").Find(&rows).Error; err != nil {
		t.Fatalf("read the outbox: %v", err)
	}
	return rows
}

// AckWait is one call of Acks.Wait.
type AckWait struct {
	EventID   string
	Consumers []string
	Deadline  time.Time // zero when the context had none
	Started   time.Time
}

// Acks stands in for event.Acks in tests of actions that wait for their counts: it records
// each wait and answers at once that the event was applied or, with Block, waits until the
// context ends, like consumers that never apply the event.
type Acks struct {
	Block bool

	mu    sync.Mutex
	waits []AckWait
}

// Applied implements event.Acks; waits do not depend on it.
func (a *Acks) Applied(context.Context, string, []string) {}

// Wait implements event.Acks.
func (a *Acks) Wait(ctx context.Context, eventID string, consumers ...string) bool {
	deadline, _ := ctx.Deadline()
	a.mu.Lock()
	a.waits = append(a.waits, AckWait{EventID: eventID, Consumers: consumers, Deadline: deadline, Started: time.Now()})
	block := a.Block
	a.mu.Unlock()
	if !block {
		return true
	}
	select {
	case <-ctx.Done():
		return false
	case <-time.After(10 * time.Second): // an action that waits unbounded fails its test, not hangs it
		return false
	}
}

// Waits returns the waits so far, in order.
func (a *Acks) Waits() []AckWait {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]AckWait(nil), a.waits...)
}

// WantBoundedWait runs act, an action that makes a change and waits for its counts through acks
// that never see them (Block), and checks what every such action promises: the change still
// succeeds, after about applyWait and no longer, having waited once with a deadline within
// applyWait. what names the action in failures.
func WantBoundedWait(t testing.TB, what string, acks *Acks, applyWait time.Duration, act func() (changed bool, err error)) {
	t.Helper()
	start := time.Now()
	changed, err := act()
	took := time.Since(start)
	if err != nil || !changed {
		t.Fatalf("%s = %v, %v; a change whose counts are late still succeeds", what, changed, err)
	}
	if took < applyWait || took > applyWait+time.Second {
		t.Fatalf("%s took %v with a waiter that never sees the counts; want ≈ apply_wait %v", what, took, applyWait)
	}
	calls := acks.Waits()
	if len(calls) != 1 || calls[0].Deadline.IsZero() || calls[0].Deadline.Sub(calls[0].Started) > applyWait {
		t.Fatalf("%s: waits %+v; want one with a deadline within apply_wait", what, calls)
	}
}

// WantNoWaitSince checks that the actions run since start, which changed nothing, answered at
// once without waiting for counts through acks: a no-op has no counts to wait for.
func WantNoWaitSince(t testing.TB, start time.Time, acks *Acks) {
	t.Helper()
	if took := time.Since(start); took > time.Second {
		t.Fatalf("no-op calls took %v: they waited for counts", took)
	}
	if calls := acks.Waits(); len(calls) != 0 {
		t.Fatalf("no-op calls waited for counts: %+v", calls)
	}
}

// Route is how a producer promises one kind of its events travels.
type Route struct {
	Topic string
	// Type is the message's full name, spelled out by the test so that a rename, which changes
	// the wire format consumers dispatch on, fails it.
	Type string
	// KeyedBy names the id the event is keyed by, for failures ("the video").
	KeyedBy string
}

// identified is an event message: every one carries its event_id.
type identified interface {
	proto.Message
	GetEventId() string
}

// Decode decodes row's payload into ev and checks that the row travels by route, keyed by what
// key returns (read from ev once decoded), with the payload's own, non-empty event id. Every
// producer's contract test checks its outbox rows so.
func Decode(t testing.TB, row Row, ev identified, route Route, key func() int64) {
	t.Helper()
	if err := proto.Unmarshal(row.Payload, ev); err != nil {
		t.Fatalf("outbox row %d: payload does not decode: %v", row.ID, err)
	}
	if row.Topic != route.Topic || row.Type != route.Type ||
		row.Key != strconv.FormatInt(key(), 10) || row.EventID != ev.GetEventId() || row.EventID == "" {
		t.Fatalf("outbox row %d: topic %q type %q key %q event id %q, payload %v; want topic %q, type %q, keyed by %s, the payload's event id",
			row.ID, row.Topic, row.Type, row.Key, row.EventID, ev, route.Topic, route.Type, route.KeyedBy)
	}
}

// Concurrently runs n calls of set at once, released together so that they race, and returns
// the event ids they returned in call order; a call that fails fails the test. Contract tests
// use it to show that one change asked for many times at once makes one event.
func Concurrently(t testing.TB, n int, set func(i int) (eventID string, err error)) []string {
	t.Helper()
	out := make([]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i], errs[i] = set(i)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	return out
}

// WantOneWinner checks that of ids, what racing calls of one change returned (Concurrently),
// exactly one reported a change and that exactly one event was written since mark: however
// many ask for a change at once, it happens once. what names the calls in failures. It returns
// the winner's event id and the rows written.
func WantOneWinner(t testing.TB, what string, db *gorm.DB, mark int64, ids []string) (eventID string, rows []Row) {
	t.Helper()
	var won []string
	for _, id := range ids {
		if id != "" {
			won = append(won, id)
		}
	}
	rows = After(t, db, mark)
	if len(won) != 1 || len(rows) != 1 {
		t.Fatalf("%d of %d %s reported a change and %d events were written; want exactly 1 and 1", len(won), len(ids), what, len(rows))
	}
	return won[0], rows
}

// OnlyRow checks that a change that returned eventID wrote exactly one outbox row, rows[0], and
// returns it: a change makes one event, and says which. what names the change in failures.
func OnlyRow(t testing.TB, what string, rows []Row, eventID string) Row {
	t.Helper()
	if eventID == "" {
		t.Fatalf("%s returned no event id; it changed something", what)
	}
	if len(rows) != 1 {
		t.Fatalf("%s wrote %d outbox rows; want 1", what, len(rows))
	}
	return rows[0]
}
