package edgestest

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

// Memory is a store of edges in memory: the fake repository of a use case whose real one is
// built on edges.Store, for its biz tests. Set stores what decide says, as edges.Store does;
// edges are ordered by when they were made, on a logical clock; each event decide returns gets
// an id. V is what the app stores with an edge (biz.Favorite, biz.Follow), E its event.
//
// Its exported fields are for the test to set before the calls and to read once they are done.
type Memory[V any, E proto.Message] struct {
	// Err, when set, is returned by every call.
	Err error
	// Asked are the edges Set was asked about, in order, whether or not it then failed.
	Asked []Edge
	// Lookups counts the calls of Among.
	Lookups int
	// Events are the ids of the events decide returned, in order, and Published those events.
	Events    []string
	Published []E

	mu    sync.Mutex
	held  map[Edge]held[V]
	clock int64
}

// held is a stored edge: what the app stored with it, and when it was made.
type held[V any] struct {
	value V
	at    int64
}

// NewMemory returns an empty Memory.
func NewMemory[V any, E proto.Message]() *Memory[V, E] {
	return &Memory[V, E]{held: map[Edge]held[V]{}}
}

// Set stores whether e holds, with value v, as decide says, given whether it holds now, and
// returns the id it gives the event decide returns, or "" for none.
func (m *Memory[V, E]) Set(e Edge, v V, decide func(holds bool) (bool, E)) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Asked = append(m.Asked, e)
	if m.Err != nil {
		return "", m.Err
	}
	_, had := m.held[e]
	holds, ev := decide(had)
	switch {
	case holds && !had:
		m.clock++
		m.held[e] = held[V]{v, m.clock}
	case !holds && had:
		delete(m.held, e)
	}
	// A nil message of the event's type is an invalid one: no event.
	if !ev.ProtoReflect().IsValid() {
		return "", nil
	}
	id := fmt.Sprintf("event-%d", len(m.Events)+1)
	m.Events = append(m.Events, id)
	m.Published = append(m.Published, ev)
	return id, nil
}

// Put stores e with value v as if made earlier, one tick after the edge made last.
func (m *Memory[V, E]) Put(e Edge, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clock++
	m.held[e] = held[V]{v, m.clock}
}

// PutAt stores e with value v as made at the given time.
func (m *Memory[V, E]) PutAt(e Edge, v V, at int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.held[e] = held[V]{v, at}
	m.clock = max(m.clock, at)
}

// Stored returns the value stored with e, and whether e holds.
func (m *Memory[V, E]) Stored(e Edge) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.held[e]
	return h.value, ok
}

// MadeAt returns when e was made, and whether it holds.
func (m *Memory[V, E]) MadeAt(e Edge) (int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.held[e]
	return h.at, ok
}

// Newest returns the members of owner's newest edges, newest first (of edges made at the same
// time, the larger member first), at most limit.
func (m *Memory[V, E]) Newest(owner int64, limit int) ([]int64, error) {
	return m.newest(limit, func(e Edge) (int64, bool) { return e.Member, e.Owner == owner })
}

// Owners returns the owners of member's newest edges, newest first, at most limit.
func (m *Memory[V, E]) Owners(member int64, limit int) ([]int64, error) {
	return m.newest(limit, func(e Edge) (int64, bool) { return e.Owner, e.Member == member })
}

// newest returns the other ends of the newest limit edges pick selects, newest first.
func (m *Memory[V, E]) newest(limit int, pick func(Edge) (int64, bool)) ([]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return nil, m.Err
	}
	type item struct{ id, at int64 }
	var items []item
	for e, h := range m.held {
		if id, ok := pick(e); ok {
			items = append(items, item{id, h.at})
		}
	}
	slices.SortFunc(items, func(a, b item) int { return cmp.Or(cmp.Compare(b.at, a.at), cmp.Compare(b.id, a.id)) })
	out := make([]int64, min(limit, len(items)))
	for i := range out {
		out[i] = items[i].id
	}
	return out, nil
}

// Among returns which of ids owner has an edge to, in the order asked.
func (m *Memory[V, E]) Among(owner int64, ids []int64) ([]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Lookups++
	if m.Err != nil {
		return nil, m.Err
	}
	var out []int64
	for _, id := range ids {
		if _, ok := m.held[Edge{owner, id}]; ok {
			out = append(out, id)
		}
	}
	return out, nil
}

// WantHeld checks that every edge of holding holds and no edge of notHolding does.
func (m *Memory[V, E]) WantHeld(t testing.TB, holding, notHolding []Edge) {
	t.Helper()
	for _, e := range holding {
		if _, ok := m.Stored(e); !ok {
			t.Errorf("edge %d → %d is not stored", e.Owner, e.Member)
		}
	}
	for _, e := range notHolding {
		if _, ok := m.Stored(e); ok {
			t.Errorf("edge %d → %d is stored", e.Owner, e.Member)
		}
	}
}

// WantWaits checks that the use case waited for counts through acks waits times, one per real
// change: each time for the event of the next change Set stored, in order, and on consumers, the
// consumers of the counters that event moves.
func (m *Memory[V, E]) WantWaits(t testing.TB, acks *eventtest.Acks, waits int, consumers ...string) {
	t.Helper()
	calls := acks.Waits()
	if len(calls) != waits {
		t.Fatalf("%d waits for counts; want %d (one per real change): %+v", len(calls), waits, calls)
	}
	for i, c := range calls {
		if !slices.Equal(c.Consumers, consumers) {
			t.Errorf("wait %d for %v; want the consumers of the counts the change moves, %v", i, c.Consumers, consumers)
		}
		if i >= len(m.Events) || c.EventID != m.Events[i] {
			t.Errorf("wait %d for event %q; want the event of change %d of %q", i, c.EventID, i+1, m.Events)
		}
	}
}
