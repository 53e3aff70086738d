// Package edgestest tests what is built on edges.Store (favorites, follows) once, for every
// app that builds on it.
//
// Repo is the contract every such repository keeps, proved by each app's contract test on
// every store it runs on: a change is stored once, with its one event, however often and
// however concurrently it is asked; lists are newest first and bounded; Among answers exactly
// what is stored, also from the in-process cache while changes commit; and no change is stored
// without its event.
//
// For the biz tests of the use cases, Memory is such a repository in memory, and WantSetRule
// and WantAmong check the rules the use cases share.
package edgestest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
	"github.com/douyin-kratos/douyin/pkg/edges"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

// Edge is the edge Owner → Member: a user favorited a video, a follower follows a followee.
type Edge struct{ Owner, Member int64 }

// Change is the event of a change of an edge, as the repository wrote it to the outbox.
type Change struct {
	EventID    string
	Edge       Edge
	Delta      int32
	OccurredAt int64
}

// Repo is an app's repository of edges as the contract drives it; M is its table's gorm model.
type Repo[M any] struct {
	// DB is the database the repository writes, its table and its outbox.
	DB *gorm.DB
	// Table is the repository's table; the suite reads it to know what is stored.
	Table edges.Table
	// Set makes (on) or removes e as the app's use case does, by its biz rule, and returns the
	// event's id, or "" when nothing changed.
	Set func(ctx context.Context, e Edge, on bool) (string, error)
	// Newest returns the members of owner's newest edges, newest first (ListVideos,
	// ListFollowing).
	Newest func(ctx context.Context, owner int64, limit int) ([]int64, error)
	// Owners, when the repository has such a list, returns the owners of member's newest edges,
	// newest first (ListFollowers).
	Owners func(ctx context.Context, member int64, limit int) ([]int64, error)
	// Among returns which of ids owner has an edge to (FavoritedAmong, FollowedAmong).
	Among func(ctx context.Context, owner int64, ids []int64) ([]int64, error)
	// Event decodes row and checks it is the event of a change of an edge: its topic, type and
	// key (eventtest.Decode), and whatever else the app's event carries.
	Event func(t testing.TB, row eventtest.Row) Change
	// Model is the table's row of e as made at createdAt (epoch ms), to store many at once.
	Model func(e Edge, createdAt int64) M
}

// base is where the suite's ids begin: the app's own subtests on the same store keep below it.
const base = 1_000_000

// everything is a list bound no list of the suite reaches.
const everything = 1000

// What Run leaves for Reopened to find: twice, set twice, and the lists of listed, the owner
// (and, where edges run both ways, the member) whose lists Run checks.
var twice = Edge{Owner: base + 1, Member: base + 1001}

const listed = int64(base + 30)

// Run proves the contract on r, one subtest each. It leaves the outbox in place; WithoutOutbox,
// which drops it, comes last.
func (r Repo[M]) Run(t *testing.T) {
	t.Run("set twice: one event, then none", r.setTwice)
	t.Run("removing an edge never set: no event", r.removeNeverSet)
	t.Run("remove after set: delta -1, then nothing, then a set again", r.removeAfterSet)
	t.Run("30 concurrent sets of one edge: exactly one event", r.concurrentSetsOfOneEdge)
	t.Run("30 owners set an edge to one member at once: 30 events", r.concurrentOwners)
	t.Run("interleaved sets and removals of one edge: events add up to the final state", r.interleaved)
	t.Run("lists: most recently set first; Among: the subset", r.lists)
	t.Run("Newest: the most recent edges up to the bound", r.bounded)
	t.Run("Among: exactly the subset, through every change", r.amongThroughChanges)
	t.Run("Among stays exact while changes commit as it loads", func(t *testing.T) {
		for round := range 5 {
			r.raceAmong(t, int64(base+70+round))
		}
	})
	t.Run("Among of an owner with more edges than the cache keeps", r.amongBeyondTheCache)
}

// set makes or removes e and returns the event id and the outbox rows the change wrote.
func (r Repo[M]) set(t *testing.T, e Edge, on bool) (string, []eventtest.Row) {
	t.Helper()
	mark := eventtest.Mark(t, r.DB)
	id, err := r.Set(context.Background(), e, on)
	if err != nil {
		t.Fatalf("Set(%+v, %v): %v", e, on, err)
	}
	return id, eventtest.After(t, r.DB, mark)
}

// mustSet makes or removes e, failing t on an error.
func (r Repo[M]) mustSet(t *testing.T, e Edge, on bool) {
	t.Helper()
	if _, err := r.Set(context.Background(), e, on); err != nil {
		t.Fatalf("Set(%+v, %v): %v", e, on, err)
	}
}

// checkChange checks that rows is exactly the one event of a change of e by delta that returned
// eventID.
func (r Repo[M]) checkChange(t *testing.T, what string, rows []eventtest.Row, eventID string, e Edge, delta int32) {
	t.Helper()
	c := r.Event(t, eventtest.OnlyRow(t, what, rows, eventID))
	if c.EventID != eventID || c.Edge != e || c.Delta != delta || c.OccurredAt <= 0 {
		t.Fatalf("%s: event %+v; want id %q, edge %+v, delta %+d, a time", what, c, eventID, e, delta)
	}
}

// checkNoChange checks that a call that changed nothing returned no event id and wrote no event.
func checkNoChange(t *testing.T, what string, eventID string, rows []eventtest.Row) {
	t.Helper()
	if eventID != "" || len(rows) != 0 {
		t.Fatalf("%s returned %q and wrote %d outbox rows; want \"\" and none", what, eventID, len(rows))
	}
}

// rows counts e's rows in the table: 0 or 1.
func (r Repo[M]) rows(t *testing.T, e Edge) int64 {
	t.Helper()
	var n int64
	err := r.DB.Table(r.Table.Name).Where(r.Table.Owner+" = ? AND "+r.Table.Member+" = ?", e.Owner, e.Member).Count(&n).Error
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// truth is whom owner has an edge to according to the table itself, sorted.
func (r Repo[M]) truth(t *testing.T, owner int64) []int64 {
	t.Helper()
	var ids []int64
	if err := r.DB.Table(r.Table.Name).Where(r.Table.Owner+" = ?", owner).Pluck(r.Table.Member, &ids).Error; err != nil {
		t.Fatal(err)
	}
	return sorted(ids)
}

// among calls Among and returns its answer sorted, failing on an error or an id given twice.
func (r Repo[M]) among(t *testing.T, owner int64, ids []int64) []int64 {
	t.Helper()
	got, err := r.Among(context.Background(), owner, ids)
	if err != nil {
		t.Fatalf("Among(%d): %v", owner, err)
	}
	out := sorted(got)
	if len(slices.Compact(slices.Clone(out))) != len(out) {
		t.Fatalf("Among(%d, %v) = %v: an id twice", owner, ids, got)
	}
	return out
}

func sorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	if out == nil {
		out = []int64{}
	}
	return out
}

// changes decodes rows, each checked by Event.
func (r Repo[M]) changes(t *testing.T, rows []eventtest.Row) []Change {
	t.Helper()
	out := make([]Change, len(rows))
	for i, row := range rows {
		out[i] = r.Event(t, row)
	}
	return out
}

func deltas(changes []Change) []int32 {
	out := make([]int32, len(changes))
	for i, c := range changes {
		out[i] = c.Delta
	}
	return out
}

func (r Repo[M]) setTwice(t *testing.T) {
	id, rows := r.set(t, twice, true)
	r.checkChange(t, "first set", rows, id, twice, +1)
	if n := r.rows(t, twice); n != 1 {
		t.Fatalf("%d rows after a set; want 1", n)
	}
	id, rows = r.set(t, twice, true)
	checkNoChange(t, "second set", id, rows)
	if n := r.rows(t, twice); n != 1 {
		t.Fatalf("%d rows after a second set; want 1", n)
	}
	if n := r.rows(t, back(twice)); n != 0 {
		t.Fatal("setting an edge made the edge back too")
	}
}

// back is the edge back of e: where edges run both ways (following), one of its own.
func back(e Edge) Edge { return Edge{Owner: e.Member, Member: e.Owner} }

func (r Repo[M]) removeNeverSet(t *testing.T) {
	// Neither another owner's edge to the member of twice, nor the edge back of twice, is twice.
	for _, e := range []Edge{{Owner: base + 2, Member: twice.Member}, back(twice), {Owner: base + 3, Member: base + 404_404}} {
		id, rows := r.set(t, e, false)
		checkNoChange(t, fmt.Sprintf("removing the never-set %+v", e), id, rows)
	}
}

func (r Repo[M]) removeAfterSet(t *testing.T) {
	e := Edge{Owner: base + 3, Member: base + 1002}
	setID, rows := r.set(t, e, true)
	r.checkChange(t, "set", rows, setID, e, +1)
	removeID, rows := r.set(t, e, false)
	r.checkChange(t, "remove", rows, removeID, e, -1)
	if removeID == setID {
		t.Fatalf("set and remove share event id %q", setID)
	}
	if n := r.rows(t, e); n != 0 {
		t.Fatalf("%d rows after the removal; want 0", n)
	}
	id, rows := r.set(t, e, false)
	checkNoChange(t, "second removal", id, rows)
	// Setting it again is a change again.
	again, rows := r.set(t, e, true)
	r.checkChange(t, "set after removal", rows, again, e, +1)
}

func (r Repo[M]) concurrentSetsOfOneEdge(t *testing.T) {
	e := Edge{Owner: base + 10, Member: base + 2001}
	mark := eventtest.Mark(t, r.DB)
	ids := eventtest.Concurrently(t, 30, func(int) (string, error) { return r.Set(context.Background(), e, true) })
	won, rows := eventtest.WantOneWinner(t, "concurrent sets", r.DB, mark, ids)
	r.checkChange(t, "the winning set", rows, won, e, +1)
	if n := r.rows(t, e); n != 1 {
		t.Fatalf("%d rows; want 1", n)
	}
}

func (r Repo[M]) concurrentOwners(t *testing.T) {
	const member = int64(base + 2002)
	mark := eventtest.Mark(t, r.DB)
	ids := eventtest.Concurrently(t, 30, func(i int) (string, error) {
		return r.Set(context.Background(), Edge{Owner: int64(base + 100 + i), Member: member}, true)
	})
	rows := eventtest.After(t, r.DB, mark)
	if len(rows) != 30 {
		t.Fatalf("%d events; want 30", len(rows))
	}
	returned := map[string]bool{}
	for i, id := range ids {
		if id == "" {
			t.Fatalf("owner %d's set reported no change", base+100+i)
		}
		returned[id] = true
	}
	owners := map[int64]bool{}
	for _, c := range r.changes(t, rows) {
		if c.Edge.Member != member || c.Delta != 1 || !returned[c.EventID] {
			t.Fatalf("event %+v does not match a returned set", c)
		}
		owners[c.Edge.Owner] = true
	}
	if len(owners) != 30 || len(returned) != 30 {
		t.Fatalf("%d distinct owners, %d distinct event ids; want 30 and 30", len(owners), len(returned))
	}
	if r.Owners != nil {
		got, err := r.Owners(context.Background(), member, everything)
		if err != nil || len(got) != 30 {
			t.Fatalf("Owners(%d) = %d ids, %v; want 30", member, len(got), err)
		}
	}
}

func (r Repo[M]) interleaved(t *testing.T) {
	ctx := context.Background()
	e := Edge{Owner: base + 20, Member: base + 2003}
	mark := eventtest.Mark(t, r.DB)
	const workers, each = 12, 15
	var wg sync.WaitGroup
	var mu sync.Mutex
	returned := map[string]bool{}
	var failed []error
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range each {
				id, err := r.Set(ctx, e, rng.IntN(2) == 0)
				mu.Lock()
				if err != nil {
					failed = append(failed, err)
				} else if id != "" {
					returned[id] = true
				}
				mu.Unlock()
				// Readers in between: in the all-in-one they load the cache mid-change.
				if _, err := r.Among(ctx, e.Owner, []int64{e.Member}); err != nil {
					mu.Lock()
					failed = append(failed, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	// A set or removal racing another one of the same edge must still succeed: the caller
	// asked for a state, and either order reaches it.
	if len(failed) > 0 {
		t.Errorf("%d of %d concurrent calls failed; first: %v", len(failed), 2*workers*each, failed[0])
	}
	changes := r.changes(t, eventtest.After(t, r.DB, mark))
	// In outbox order (the order the relay publishes, and consumers apply, them) the count goes
	// +1, -1, +1, ...: never negative, never two edges of one pair.
	sum := 0
	for _, c := range changes {
		if !returned[c.EventID] {
			t.Errorf("event %s was not returned by any Set", c.EventID)
		}
		sum += int(c.Delta)
		if sum < 0 || sum > 1 {
			t.Fatalf("after event %s the applied count is %d (events %v)", c.EventID, sum, deltas(changes))
		}
	}
	if len(returned) != len(changes) {
		t.Errorf("%d Set calls reported a change, %d events were written", len(returned), len(changes))
	}
	final := int(r.rows(t, e))
	if sum != final {
		t.Fatalf("events add up to %d, but the edge is stored %d times (events %v)", sum, final, deltas(changes))
	}
	if got := r.among(t, e.Owner, []int64{e.Member}); len(got) != final {
		t.Fatalf("Among = %v; want the final state %d", got, final)
	}
	t.Logf("%d events, final state %d", len(changes), final)
}

// lists checks Newest (and Owners) through sets and removals, with Among alongside. The ids
// take both ends where the edges run both ways (following): me follows 41, 42 and 43, and is
// followed by 41, 42 and 44; elsewhere they are only numbers that name other things.
func (r Repo[M]) lists(t *testing.T) {
	ctx := context.Background()
	const me = listed
	other := func(n int64) int64 { return base + n }
	set := func(e Edge, on bool) {
		t.Helper()
		r.mustSet(t, e, on)
		time.Sleep(3 * time.Millisecond) // the order is kept in milliseconds
	}
	newest := func(want ...int64) {
		t.Helper()
		got, err := r.Newest(ctx, me, everything)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("Newest = %v, %v; want %v", got, err, want)
		}
	}
	owners := func(want ...int64) {
		t.Helper()
		if r.Owners == nil {
			return
		}
		got, err := r.Owners(ctx, me, everything)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("Owners = %v, %v; want %v", got, err, want)
		}
	}
	among := func(ask []int64, want ...int64) {
		t.Helper()
		if got := r.among(t, me, ask); !slices.Equal(got, sorted(want)) {
			t.Fatalf("Among(%v) = %v; want %v", ask, got, want)
		}
	}
	newest()
	owners()
	among([]int64{other(41), other(42)})
	set(Edge{me, other(43)}, true)
	set(Edge{other(44), me}, true)
	set(Edge{me, other(41)}, true)
	set(Edge{other(42), me}, true)
	set(Edge{me, other(42)}, true)
	set(Edge{other(41), me}, true)
	newest(other(42), other(41), other(43))
	owners(other(41), other(42), other(44))
	among([]int64{other(41), other(9999), other(43)}, other(41), other(43))
	set(Edge{me, other(41)}, false)
	set(Edge{other(44), me}, false)
	newest(other(42), other(43))
	owners(other(41), other(42))
	among([]int64{other(41), other(9999), other(43)}, other(43))
	set(Edge{me, other(41)}, true) // set again: newest again
	newest(other(41), other(42), other(43))
	among([]int64{other(41), other(42), other(43), twice.Member}, other(41), other(42), other(43))
	set(Edge{me, other(43)}, true) // a repeated set does not move it up
	newest(other(41), other(42), other(43))
	if got, err := r.Newest(ctx, other(404_404), everything); err != nil || len(got) != 0 {
		t.Fatalf("Newest(nobody) = %v, %v; want none", got, err)
	}
	if r.Owners != nil {
		if got, err := r.Owners(ctx, other(404_404), everything); err != nil || len(got) != 0 {
			t.Fatalf("Owners(nobody) = %v, %v; want none", got, err)
		}
	}
	// Another owner's edges are theirs.
	if got := r.among(t, other(31), []int64{other(41), other(42), other(43)}); len(got) != 0 {
		t.Fatalf("Among(another owner) = %v; want none", got)
	}
}

func (r Repo[M]) bounded(t *testing.T) {
	const owner = int64(base + 32)
	members := []int64{base + 3201, base + 3202, base + 3203, base + 3204}
	for _, member := range members {
		r.mustSet(t, Edge{owner, member}, true)
		time.Sleep(3 * time.Millisecond) // the order is kept in milliseconds
	}
	newestFirst := slices.Clone(members)
	slices.Reverse(newestFirst)
	for _, limit := range []int{1, 3, 4, 5} {
		want := newestFirst[:min(limit, len(newestFirst))]
		if got, err := r.Newest(context.Background(), owner, limit); err != nil || !slices.Equal(got, want) {
			t.Fatalf("Newest(limit %d) = %v, %v; want %v", limit, got, err, want)
		}
	}
}

func (r Repo[M]) amongThroughChanges(t *testing.T) {
	const owner = int64(base + 60)
	ask := []int64{base + 61, base + 62, base + 63, base + 64, base + 65, base + 61, base + 404_404, owner}
	check := func(step string) {
		t.Helper()
		want := []int64{}
		for _, id := range r.truth(t, owner) {
			if slices.Contains(ask, id) {
				want = append(want, id)
			}
		}
		for range 2 { // the second answer may come from the cache the first filled
			if got := r.among(t, owner, ask); !slices.Equal(got, want) {
				t.Fatalf("%s: Among = %v; want %v", step, got, want)
			}
		}
	}
	check("before any set")
	rng := rand.New(rand.NewPCG(60, 1))
	for i := range 40 {
		e := Edge{Owner: owner, Member: base + 61 + rng.Int64N(6)}
		on := rng.IntN(3) > 0
		r.mustSet(t, e, on)
		check(fmt.Sprintf("step %d (%+v, %v)", i, e, on))
	}
	// Others' edges are theirs: an edge to the owner is not one of the owner's.
	r.mustSet(t, Edge{Owner: base + 66, Member: owner}, true)
	if got := r.among(t, base+66, []int64{base + 61, base + 62, base + 63}); len(got) != 0 {
		t.Fatalf("Among(another owner) = %v; want none", got)
	}
	check("after another owner's edge to the owner")
}

// raceAmong runs readers of owner's set against two writers changing it, so the readers load
// (and in the all-in-one cache) sets while changes commit; once the writers are done the answer
// must be exactly what is stored.
func (r Repo[M]) raceAmong(t *testing.T, owner int64) {
	t.Helper()
	ctx := context.Background()
	all := make([]int64, 40)
	for i := range all {
		all[i] = owner*10 + int64(i)
	}
	read := func() error {
		_, err := r.Among(ctx, owner, all)
		return err
	}
	databasetest.ReadWhile(t, 4, read, func() {
		// Two writers on the same owner: their commits and their cache updates may
		// interleave in different orders.
		var writers sync.WaitGroup
		for w := range 2 {
			writers.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(w), uint64(owner)))
				for range 60 {
					e := Edge{Owner: owner, Member: all[rng.IntN(len(all)/2)+w*len(all)/4]}
					if _, err := r.Set(ctx, e, rng.IntN(2) == 0); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		writers.Wait()
	})
	if got, want := r.among(t, owner, all), r.truth(t, owner); !slices.Equal(got, want) {
		t.Fatalf("after racing readers and writers: Among = %v; want %v", got, want)
	}
}

func (r Repo[M]) amongBeyondTheCache(t *testing.T) {
	const owner = int64(base + 80)
	first := int64(base + 10_000)
	n := edges.MaxCachedEdges + 10
	models := make([]M, n)
	for i := range models {
		models[i] = r.Model(Edge{Owner: owner, Member: first + int64(i)}, time.Now().UnixMilli())
	}
	if err := r.DB.CreateInBatches(models, 500).Error; err != nil {
		t.Fatal(err)
	}
	last, past, stranger := first+int64(n-1), first+int64(n), int64(base+5)
	ask := []int64{first, first + 1, last, past, stranger}
	want := []int64{first, first + 1, last}
	for range 2 {
		if got := r.among(t, owner, ask); !slices.Equal(got, want) {
			t.Fatalf("Among = %v; want %v", got, want)
		}
	}
	r.mustSet(t, Edge{owner, first + 1}, false)
	r.mustSet(t, Edge{owner, stranger}, true)
	want = []int64{stranger, first, last}
	if got := r.among(t, owner, ask); !slices.Equal(got, want) {
		t.Fatalf("after changes: Among = %v; want %v", got, want)
	}
}

// Reopened checks that r, opened again on the store Run ran on, has what Run left there, and
// that the event of a change made through it joins the same outbox.
func (r Repo[M]) Reopened(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	want := []int64{base + 41, base + 42, base + 43}
	if got, err := r.Newest(ctx, listed, everything); err != nil || !slices.Equal(got, want) {
		t.Fatalf("Newest after reopening = %v, %v; want %v", got, err, want)
	}
	if r.Owners != nil {
		if got, err := r.Owners(ctx, listed, everything); err != nil || !slices.Equal(got, []int64{base + 41, base + 42}) {
			t.Fatalf("Owners after reopening = %v, %v; want [%d %d]", got, err, base+41, base+42)
		}
	}
	if got := r.among(t, twice.Owner, []int64{twice.Member, base + 1002}); !slices.Equal(got, []int64{twice.Member}) {
		t.Fatalf("Among after reopening = %v; want [%d]", got, twice.Member)
	}
	e := Edge{Owner: base + 90, Member: base + 91}
	id, rows := r.set(t, e, true)
	r.checkChange(t, "set after reopening", rows, id, e, +1)
}

// WithoutOutbox drops the outbox table and checks that no change is then stored without its
// event, and that Among, cached or not, still answers what is stored; during checks the app's
// own changes while the outbox is gone. It puts the outbox back at the end: a set then goes
// through.
func (r Repo[M]) WithoutOutbox(t *testing.T, during func(t *testing.T)) {
	t.Helper()
	ctx := context.Background()
	kept := Edge{Owner: base + 95, Member: base + 96}
	fresh := Edge{Owner: base + 95, Member: base + 97}
	r.mustSet(t, kept, true)
	ask := []int64{fresh.Member, kept.Member}
	// Warm the cache, if any: a failed change must not leave it wrong either.
	if got := r.among(t, kept.Owner, ask); !slices.Equal(got, []int64{kept.Member}) {
		t.Fatalf("Among = %v; want [%d]", got, kept.Member)
	}
	if err := r.DB.Migrator().DropTable(event.OutboxTable); err != nil {
		t.Fatal(err)
	}

	for _, failed := range []struct {
		what   string
		e      Edge
		on     bool
		stored int64 // e's rows before, and so after
	}{{"set", fresh, true, 0}, {"removal", kept, false, 1}} {
		if id, err := r.Set(ctx, failed.e, failed.on); err == nil || id != "" {
			t.Fatalf("%s without an outbox = %q, %v; want an error", failed.what, id, err)
		}
		if n := r.rows(t, failed.e); n != failed.stored {
			t.Fatalf("the %s was stored without its event", failed.what)
		}
		if got := r.among(t, kept.Owner, ask); !slices.Equal(got, []int64{kept.Member}) {
			t.Fatalf("Among after the failed %s = %v; want only %d", failed.what, got, kept.Member)
		}
	}
	if during != nil {
		during(t)
	}

	// With the outbox back, the same set goes through.
	if err := event.MigrateOutbox(r.DB); err != nil {
		t.Fatal(err)
	}
	id, rows := r.set(t, fresh, true)
	r.checkChange(t, "set once the outbox is back", rows, id, fresh, +1)
}
