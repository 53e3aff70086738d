package data

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"google.golang.org/protobuf/proto"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	"github.com/douyin-kratos/douyin/app/relation/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
	"github.com/douyin-kratos/douyin/pkg/edges"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

// The same contract holds for every store the repository runs on: embedded SQLite and MySQL
// (MariaDB), each also as in the all-in-one (kafka.in_process), which caches each viewer's
// followed set in memory.
func TestFollowRepo(t *testing.T) {
	databasetest.ForEach(t, runFollowContract,
		databasetest.OnSQLite, databasetest.OnSQLiteInProcess, databasetest.OnMySQL,
		// MySQL runs transactions of one viewer side by side, unlike SQLite's one connection:
		// the cache must stay exact under that too.
		databasetest.OnMySQLInProcess)
}

const typeFollowChanged = "douyin.relation.v1.FollowChanged"

// stores is what the suite works with: the repository and, for inspection, its Data.
type stores struct {
	data    *Data
	relay   *event.Relay
	follows *FollowRepo
}

// openStores goes through NewData, so every open runs the migrations. The relay is never
// started: the events stay in the outbox for the test to read.
func openStores(t *testing.T, bc *confv1.Bootstrap) *stores {
	t.Helper()
	data := databasetest.OpenData(t, bc, NewData)
	relay := event.NewRelay(data.db, nil, nil, log.DefaultLogger)
	return &stores{data: data, relay: relay, follows: NewFollowRepo(data, relay, bc.GetKafka())}
}

// followEvent checks row is a FollowChanged on its topic, keyed by its follower, and decodes it.
func followEvent(t *testing.T, row eventtest.Row) *relationv1.FollowChanged {
	t.Helper()
	var ev relationv1.FollowChanged
	route := eventtest.Route{Topic: relationv1.TopicFollow, Type: typeFollowChanged, KeyedBy: "the follower"}
	eventtest.Decode(t, row, &ev, route, ev.GetFollowerId)
	return &ev
}

// checkFollowEvent checks that rows is exactly the one event of a Set that returned eventID.
func checkFollowEvent(t *testing.T, what string, rows []eventtest.Row, eventID string, f biz.Follow, delta int32) {
	t.Helper()
	ev := followEvent(t, eventtest.OnlyRow(t, what, rows, eventID))
	if ev.GetEventId() != eventID || ev.GetFollowerId() != f.FollowerID || ev.GetFolloweeId() != f.FolloweeID ||
		ev.GetDelta() != delta || ev.GetOccurredAt() <= 0 {
		t.Fatalf("%s: event %v; want id %q, follower %d, followee %d, delta %+d, a time",
			what, ev, eventID, f.FollowerID, f.FolloweeID, delta)
	}
}

func (s *stores) set(t *testing.T, f biz.Follow, follow bool) (string, []eventtest.Row) {
	t.Helper()
	mark := eventtest.Mark(t, s.data.db)
	id, err := setFollow(context.Background(), s.follows, f, follow)
	if err != nil {
		t.Fatalf("Set(%+v, %v): %v", f, follow, err)
	}
	return id, eventtest.After(t, s.data.db, mark)
}

func (s *stores) edgeRows(t *testing.T, f biz.Follow) int64 {
	t.Helper()
	var n int64
	if err := s.data.db.Table("follows").Where("follower_id = ? AND followee_id = ?", f.FollowerID, f.FolloweeID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// everything is a list bound no list of the suite reaches.
const everything = 1000

// edgeTime is when the edge was made, as stored.
func (s *stores) edgeTime(t *testing.T, f biz.Follow) int64 {
	t.Helper()
	var at int64
	if err := s.data.db.Table("follows").Where("follower_id = ? AND followee_id = ?", f.FollowerID, f.FolloweeID).
		Select("created_at").Scan(&at).Error; err != nil {
		t.Fatal(err)
	}
	return at
}

// truth is whom viewer follows according to the table itself.
func (s *stores) truth(t *testing.T, viewer int64) []int64 {
	t.Helper()
	var ids []int64
	if err := s.data.db.Table("follows").Where("follower_id = ?", viewer).Pluck("followee_id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	return sorted(ids)
}

// among calls FollowedAmong and returns its answer sorted, failing on an error or a repeat.
func (s *stores) among(t *testing.T, viewer int64, ids []int64) []int64 {
	t.Helper()
	got, err := s.follows.FollowedAmong(context.Background(), viewer, ids)
	if err != nil {
		t.Fatalf("FollowedAmong(%d): %v", viewer, err)
	}
	out := sorted(got)
	if len(slices.Compact(slices.Clone(out))) != len(out) {
		t.Fatalf("FollowedAmong(%d, %v) = %v: an id twice", viewer, ids, got)
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

func runFollowContract(t *testing.T, bc *confv1.Bootstrap) {
	ctx := context.Background()
	s := openStores(t, bc)

	t.Run("follow twice: one event, then none", func(t *testing.T) {
		f := biz.Follow{FollowerID: 1, FolloweeID: 2}
		id, rows := s.set(t, f, true)
		checkFollowEvent(t, "first follow", rows, id, f, +1)
		if n := s.edgeRows(t, f); n != 1 {
			t.Fatalf("%d follows rows after a follow; want 1", n)
		}
		id, rows = s.set(t, f, true)
		if id != "" || len(rows) != 0 {
			t.Fatalf("second follow returned %q and wrote %d outbox rows; want \"\" and none", id, len(rows))
		}
		if n := s.edgeRows(t, f); n != 1 {
			t.Fatalf("%d follows rows after a second follow; want 1", n)
		}
		if n := s.edgeRows(t, biz.Follow{FollowerID: 2, FolloweeID: 1}); n != 0 {
			t.Fatal("following made the edge back too")
		}
	})

	t.Run("unfollow of someone never followed: no event", func(t *testing.T) {
		for _, f := range []biz.Follow{{FollowerID: 2, FolloweeID: 1}, {FollowerID: 3, FolloweeID: 404_404}} {
			id, rows := s.set(t, f, false)
			if id != "" || len(rows) != 0 {
				t.Fatalf("unfollow %+v of a never-followed user returned %q and wrote %d outbox rows; want \"\" and none", f, id, len(rows))
			}
		}
	})

	t.Run("unfollow after follow: delta -1, then nothing, then a follow again", func(t *testing.T) {
		f := biz.Follow{FollowerID: 3, FolloweeID: 4}
		followID, rows := s.set(t, f, true)
		checkFollowEvent(t, "follow", rows, followID, f, +1)
		unfollowID, rows := s.set(t, f, false)
		checkFollowEvent(t, "unfollow", rows, unfollowID, f, -1)
		if unfollowID == followID {
			t.Fatalf("follow and unfollow share event id %q", followID)
		}
		if n := s.edgeRows(t, f); n != 0 {
			t.Fatalf("%d follows rows after the unfollow; want 0", n)
		}
		if id, rows := s.set(t, f, false); id != "" || len(rows) != 0 {
			t.Fatalf("second unfollow returned %q and wrote %d rows", id, len(rows))
		}
		again, rows := s.set(t, f, true)
		checkFollowEvent(t, "follow after unfollow", rows, again, f, +1)
	})

	t.Run("30 concurrent follows of one pair: exactly one event", func(t *testing.T) {
		f := biz.Follow{FollowerID: 10, FolloweeID: 11}
		mark := eventtest.Mark(t, s.data.db)
		ids := eventtest.Concurrently(t, 30, func(int) (string, error) { return setFollow(ctx, s.follows, f, true) })
		var changed []string
		for _, id := range ids {
			if id != "" {
				changed = append(changed, id)
			}
		}
		rows := eventtest.After(t, s.data.db, mark)
		if len(changed) != 1 || len(rows) != 1 {
			t.Fatalf("%d of 30 concurrent follows reported a change and %d events were written; want exactly 1 and 1", len(changed), len(rows))
		}
		checkFollowEvent(t, "the winning follow", rows, changed[0], f, +1)
		if n := s.edgeRows(t, f); n != 1 {
			t.Fatalf("%d follows rows; want 1", n)
		}
	})

	t.Run("30 users follow one user at once: 30 events", func(t *testing.T) {
		const star = int64(20)
		mark := eventtest.Mark(t, s.data.db)
		ids := eventtest.Concurrently(t, 30, func(i int) (string, error) {
			return setFollow(ctx, s.follows, biz.Follow{FollowerID: int64(100 + i), FolloweeID: star}, true)
		})
		rows := eventtest.After(t, s.data.db, mark)
		if len(rows) != 30 {
			t.Fatalf("%d events; want 30", len(rows))
		}
		returned := map[string]bool{}
		for i, id := range ids {
			if id == "" {
				t.Fatalf("user %d's follow reported no change", 100+i)
			}
			returned[id] = true
		}
		followers := map[int64]bool{}
		for _, row := range rows {
			ev := followEvent(t, row)
			if ev.GetFolloweeId() != star || ev.GetDelta() != 1 || !returned[ev.GetEventId()] {
				t.Fatalf("event %v does not match a returned follow", ev)
			}
			followers[ev.GetFollowerId()] = true
		}
		if len(followers) != 30 || len(returned) != 30 {
			t.Fatalf("%d distinct followers, %d distinct event ids; want 30 and 30", len(followers), len(returned))
		}
		got, err := s.follows.ListFollowers(ctx, star, everything)
		if err != nil || len(got) != 30 {
			t.Fatalf("ListFollowers(star) = %d ids, %v; want 30", len(got), err)
		}
	})

	t.Run("interleaved follows and unfollows of one pair: events add up to the final state", func(t *testing.T) {
		f := biz.Follow{FollowerID: 30, FolloweeID: 31}
		mark := eventtest.Mark(t, s.data.db)
		const workers, each = 12, 15
		var wg sync.WaitGroup
		var mu sync.Mutex
		returned := map[string]bool{}
		var failed []error
		for w := range workers {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				for range each {
					id, err := setFollow(ctx, s.follows, f, rng.IntN(2) == 0)
					mu.Lock()
					if err != nil {
						failed = append(failed, err)
					} else if id != "" {
						returned[id] = true
					}
					mu.Unlock()
					// Readers in between: in the all-in-one they load the cache mid-change.
					if _, err := s.follows.FollowedAmong(ctx, f.FollowerID, []int64{f.FolloweeID}); err != nil {
						mu.Lock()
						failed = append(failed, err)
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		// A follow or unfollow racing another one of the same pair must still succeed: the
		// caller asked for a state, and either order reaches it.
		if len(failed) > 0 {
			t.Errorf("%d of %d concurrent calls failed; first: %v", len(failed), 2*workers*each, failed[0])
		}
		rows := eventtest.After(t, s.data.db, mark)
		// In outbox order (the order the relay publishes, and the consumer applies, them) the
		// counts go +1, -1, +1, ...: never negative, never two follows of one pair.
		sum := 0
		for _, row := range rows {
			ev := followEvent(t, row)
			if !returned[ev.GetEventId()] {
				t.Errorf("event %s was not returned by any Set", ev.GetEventId())
			}
			sum += int(ev.GetDelta())
			if sum < 0 || sum > 1 {
				t.Fatalf("after outbox row %d the applied count is %d (events %v)", row.ID, sum, deltas(rows))
			}
		}
		if len(returned) != len(rows) {
			t.Errorf("%d Set calls reported a change, %d events were written", len(returned), len(rows))
		}
		final := int(s.edgeRows(t, f))
		if sum != final {
			t.Fatalf("events add up to %d, but the pair is followed %d times (events %v)", sum, final, deltas(rows))
		}
		if got := s.among(t, f.FollowerID, []int64{f.FolloweeID}); len(got) != final {
			t.Fatalf("FollowedAmong = %v; want the final state %d", got, final)
		}
		t.Logf("%d events, final state %d", len(rows), final)
	})

	t.Run("ListFollowing and ListFollowers: newest first", func(t *testing.T) {
		const me = int64(40)
		follow := func(f biz.Follow, on bool) {
			t.Helper()
			if _, err := setFollow(ctx, s.follows, f, on); err != nil {
				t.Fatal(err)
			}
			time.Sleep(3 * time.Millisecond) // the order is kept in milliseconds
		}
		following := func(want ...int64) {
			t.Helper()
			got, err := s.follows.ListFollowing(ctx, me, everything)
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("ListFollowing = %v, %v; want %v", got, err, want)
			}
		}
		followers := func(want ...int64) {
			t.Helper()
			got, err := s.follows.ListFollowers(ctx, me, everything)
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("ListFollowers = %v, %v; want %v", got, err, want)
			}
		}
		following()
		followers()
		follow(biz.Follow{FollowerID: me, FolloweeID: 43}, true)
		follow(biz.Follow{FollowerID: 44, FolloweeID: me}, true)
		follow(biz.Follow{FollowerID: me, FolloweeID: 41}, true)
		follow(biz.Follow{FollowerID: 42, FolloweeID: me}, true)
		follow(biz.Follow{FollowerID: me, FolloweeID: 42}, true)
		follow(biz.Follow{FollowerID: 41, FolloweeID: me}, true)
		following(42, 41, 43)
		followers(41, 42, 44)
		follow(biz.Follow{FollowerID: me, FolloweeID: 41}, false)
		follow(biz.Follow{FollowerID: 44, FolloweeID: me}, false)
		following(42, 43)
		followers(41, 42)
		follow(biz.Follow{FollowerID: me, FolloweeID: 41}, true) // following again: newest again
		following(41, 42, 43)
		follow(biz.Follow{FollowerID: me, FolloweeID: 43}, true) // a repeated follow does not move it up
		following(41, 42, 43)
		if got, err := s.follows.ListFollowing(ctx, 404_404, everything); err != nil || len(got) != 0 {
			t.Fatalf("ListFollowing(nobody) = %v, %v; want none", got, err)
		}
		if got, err := s.follows.ListFollowers(ctx, 404_404, everything); err != nil || len(got) != 0 {
			t.Fatalf("ListFollowers(nobody) = %v, %v; want none", got, err)
		}
	})

	t.Run("ListMutual: only mutual follows, with both times", func(t *testing.T) {
		const me = int64(50)
		edges := []biz.Follow{
			{FollowerID: me, FolloweeID: 51}, {FollowerID: 51, FolloweeID: me}, // friends
			{FollowerID: 52, FolloweeID: me}, {FollowerID: me, FolloweeID: 52}, // friends, they followed first
			{FollowerID: me, FolloweeID: 53},                                   // one way
			{FollowerID: 54, FolloweeID: me},                                   // the other way
			{FollowerID: 55, FolloweeID: 56}, {FollowerID: 56, FolloweeID: 55}, // others' friendship
			{FollowerID: me, FolloweeID: 57}, {FollowerID: 57, FolloweeID: me}, // friends, until...
		}
		for _, f := range edges {
			if _, err := setFollow(ctx, s.follows, f, true); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
		}
		if _, err := setFollow(ctx, s.follows, biz.Follow{FollowerID: 57, FolloweeID: me}, false); err != nil {
			t.Fatal(err)
		}
		got, err := s.follows.ListMutual(ctx, me, everything)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(a, b biz.Mutual) int { return cmp.Compare(a.UserID, b.UserID) })
		var want []biz.Mutual
		for _, other := range []int64{51, 52} {
			want = append(want, biz.Mutual{
				UserID:         other,
				FollowedAt:     s.edgeTime(t, biz.Follow{FollowerID: me, FolloweeID: other}),
				FollowedBackAt: s.edgeTime(t, biz.Follow{FollowerID: other, FolloweeID: me}),
			})
		}
		if !slices.Equal(got, want) {
			t.Fatalf("ListMutual = %+v; want %+v", got, want)
		}
		if got[0].FollowedAt >= got[0].FollowedBackAt || got[1].FollowedAt <= got[1].FollowedBackAt {
			t.Fatalf("ListMutual times %+v: the follows were made in the other order", got)
		}
		for _, other := range []int64{51, 52} {
			back, err := s.follows.ListMutual(ctx, other, everything)
			if err != nil || len(back) != 1 || back[0].UserID != me {
				t.Fatalf("ListMutual(%d) = %+v, %v; want only %d", other, back, err, me)
			}
		}
		for _, lonely := range []int64{53, 54, 404_404} {
			if got, err := s.follows.ListMutual(ctx, lonely, everything); err != nil || len(got) != 0 {
				t.Fatalf("ListMutual(%d) = %+v, %v; want none", lonely, got, err)
			}
		}
	})

	t.Run("lists: the newest up to the bound, friends by when the friendship formed", func(t *testing.T) {
		// Edges stored with exact times, as made at those milliseconds.
		put := func(t *testing.T, edges ...[3]int64) {
			t.Helper()
			for _, e := range edges {
				if err := s.data.db.Create(&followModel{FollowerID: e[0], FolloweeID: e[1], CreatedAt: e[2]}).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		const me = int64(1000)
		// Friendships formed at 1005: 100, 1007: 70, 1008: 60, 1006: 50. Ordering by when I
		// followed (1005, 1008, 1006, 1007), by when they followed me (1007, 1006, 1008, 1005) or
		// by the earlier of the two (1006, 1008, 1007, 1005) each gives another order.
		put(t,
			[3]int64{1005, me, 1}, [3]int64{me, 1005, 100},
			[3]int64{me, 1006, 45}, [3]int64{1006, me, 50},
			[3]int64{me, 1007, 10}, [3]int64{1007, me, 70},
			[3]int64{me, 1008, 60}, [3]int64{1008, me, 20},
			[3]int64{me, 1009, 200}, [3]int64{1010, me, 300}, // one way, either way
		)
		friends := func(user int64, limit int) []int64 {
			t.Helper()
			got, err := s.follows.ListMutual(ctx, user, limit)
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]int64, len(got))
			for i, m := range got {
				ids[i] = m.UserID
			}
			return ids
		}
		for limit, want := range map[int][]int64{everything: {1005, 1007, 1008, 1006}, 2: {1005, 1007}, 1: {1005}} {
			if got := friends(me, limit); !slices.Equal(got, want) {
				t.Fatalf("ListMutual(limit %d) = %v; want %v, newest friendship first", limit, got, want)
			}
		}
		if got, err := s.follows.ListFollowing(ctx, me, 3); err != nil || !slices.Equal(got, []int64{1009, 1005, 1008}) {
			t.Fatalf("ListFollowing(limit 3) = %v, %v; want the 3 most recent", got, err)
		}
		if got, err := s.follows.ListFollowers(ctx, me, 2); err != nil || !slices.Equal(got, []int64{1010, 1007}) {
			t.Fatalf("ListFollowers(limit 2) = %v, %v; want the 2 most recent", got, err)
		}

		// Friendships formed in the same millisecond: the larger id first, every time.
		const other = int64(1100)
		put(t,
			[3]int64{other, 1102, 10}, [3]int64{1102, other, 30},
			[3]int64{other, 1109, 30}, [3]int64{1109, other, 5},
			[3]int64{other, 1104, 30}, [3]int64{1104, other, 30},
		)
		if got := friends(other, everything); !slices.Equal(got, []int64{1109, 1104, 1102}) {
			t.Fatalf("ListMutual of ties = %v; want [1109 1104 1102]", got)
		}
	})

	t.Run("FollowedAmong: exactly the subset, through every change", func(t *testing.T) {
		const viewer = int64(60)
		ask := []int64{61, 62, 63, 64, 65, 61, 404_404, viewer}
		check := func(step string) {
			t.Helper()
			want := []int64{}
			for _, id := range s.truth(t, viewer) {
				if slices.Contains(ask, id) {
					want = append(want, id)
				}
			}
			for range 2 { // the second answer may come from the cache the first filled
				if got := s.among(t, viewer, ask); !slices.Equal(got, want) {
					t.Fatalf("%s: FollowedAmong = %v; want %v", step, got, want)
				}
			}
		}
		check("before any follow")
		rng := rand.New(rand.NewPCG(60, 1))
		for i := range 40 {
			f := biz.Follow{FollowerID: viewer, FolloweeID: 61 + rng.Int64N(6)}
			on := rng.IntN(3) > 0
			if _, err := setFollow(ctx, s.follows, f, on); err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("step %d (%+v, %v)", i, f, on))
		}
		// Others' follows are theirs: being followed is not following.
		if _, err := setFollow(ctx, s.follows, biz.Follow{FollowerID: 66, FolloweeID: viewer}, true); err != nil {
			t.Fatal(err)
		}
		if got := s.among(t, 66, []int64{61, 62, 63}); len(got) != 0 {
			t.Fatalf("FollowedAmong(another viewer) = %v; want none", got)
		}
		check("after someone followed the viewer")
	})

	t.Run("FollowedAmong stays exact while changes commit as it loads", func(t *testing.T) {
		for round := range 5 {
			raceFollowedAmong(t, s, int64(70+round))
		}
	})

	t.Run("FollowedAmong of a viewer who follows more than the cache keeps", func(t *testing.T) {
		const viewer = int64(80)
		n := edges.MaxCachedEdges + 10
		rows := make([]followModel, n)
		for i := range rows {
			rows[i] = followModel{FollowerID: viewer, FolloweeID: int64(10_000 + i), CreatedAt: time.Now().UnixMilli()}
		}
		if err := s.data.db.CreateInBatches(rows, 500).Error; err != nil {
			t.Fatal(err)
		}
		ask := []int64{10_000, 10_001, int64(10_000 + n - 1), int64(10_000 + n), 5}
		want := []int64{10_000, 10_001, int64(10_000 + n - 1)}
		for range 2 {
			if got := s.among(t, viewer, ask); !slices.Equal(got, want) {
				t.Fatalf("FollowedAmong = %v; want %v", got, want)
			}
		}
		if _, err := setFollow(ctx, s.follows, biz.Follow{FollowerID: viewer, FolloweeID: 10_001}, false); err != nil {
			t.Fatal(err)
		}
		if _, err := setFollow(ctx, s.follows, biz.Follow{FollowerID: viewer, FolloweeID: 5}, true); err != nil {
			t.Fatal(err)
		}
		want = []int64{5, 10_000, int64(10_000 + n - 1)}
		if got := s.among(t, viewer, ask); !slices.Equal(got, want) {
			t.Fatalf("after changes: FollowedAmong = %v; want %v", got, want)
		}
	})

	t.Run("a reopened store has everything", func(t *testing.T) {
		again := openStores(t, bc)
		got, err := again.follows.ListFollowing(ctx, 40, everything)
		if err != nil || !slices.Equal(got, []int64{41, 42, 43}) {
			t.Fatalf("ListFollowing after reopening = %v, %v", got, err)
		}
		got, err = again.follows.ListFollowers(ctx, 40, everything)
		if err != nil || !slices.Equal(got, []int64{41, 42}) {
			t.Fatalf("ListFollowers after reopening = %v, %v", got, err)
		}
		mutual, err := again.follows.ListMutual(ctx, 50, everything)
		if err != nil || len(mutual) != 2 {
			t.Fatalf("ListMutual after reopening = %+v, %v; want 2", mutual, err)
		}
		if got := again.among(t, 1, []int64{2, 3}); !slices.Equal(got, []int64{2}) {
			t.Fatalf("FollowedAmong after reopening = %v; want [2]", got)
		}
		// The event of a change made through the reopened store joins the same outbox.
		f := biz.Follow{FollowerID: 90, FolloweeID: 91}
		id, rows := again.set(t, f, true)
		checkFollowEvent(t, "follow after reopening", rows, id, f, +1)
	})

	// Last: it drops the outbox table.
	t.Run("no outbox, no change: the change and its event commit together", func(t *testing.T) {
		kept := biz.Follow{FollowerID: 95, FolloweeID: 96}
		if _, err := setFollow(ctx, s.follows, kept, true); err != nil {
			t.Fatal(err)
		}
		// Warm the cache, if any: a failed change must not leave it wrong either.
		if got := s.among(t, kept.FollowerID, []int64{96, 97}); !slices.Equal(got, []int64{96}) {
			t.Fatalf("FollowedAmong = %v; want [96]", got)
		}
		if err := s.data.db.Migrator().DropTable(event.OutboxTable); err != nil {
			t.Fatal(err)
		}

		fresh := biz.Follow{FollowerID: 95, FolloweeID: 97}
		if id, err := setFollow(ctx, s.follows, fresh, true); err == nil || id != "" {
			t.Fatalf("follow without an outbox = %q, %v; want an error", id, err)
		}
		if n := s.edgeRows(t, fresh); n != 0 {
			t.Fatal("the follow was stored without its event")
		}
		if id, err := setFollow(ctx, s.follows, kept, false); err == nil || id != "" {
			t.Fatalf("unfollow without an outbox = %q, %v; want an error", id, err)
		}
		if n := s.edgeRows(t, kept); n != 1 {
			t.Fatal("the unfollow was stored without its event")
		}
		if got := s.among(t, kept.FollowerID, []int64{96, 97}); !slices.Equal(got, []int64{96}) {
			t.Fatalf("FollowedAmong after the failed changes = %v; want [96]", got)
		}

		// With the outbox back, the same follow goes through.
		if err := event.MigrateOutbox(s.data.db); err != nil {
			t.Fatal(err)
		}
		id, rows := s.set(t, fresh, true)
		checkFollowEvent(t, "follow once the outbox is back", rows, id, fresh, +1)
	})
}

// raceFollowedAmong runs readers of viewer's followed set against two writers changing it, so
// the readers load (and in the all-in-one cache) sets while changes commit; once the writers
// are done the answer must be exactly what is stored.
func raceFollowedAmong(t *testing.T, s *stores, viewer int64) {
	t.Helper()
	ctx := context.Background()
	all := make([]int64, 40)
	for i := range all {
		all[i] = viewer*10 + int64(i)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					if _, err := s.follows.FollowedAmong(ctx, viewer, all); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	// Two writers on the same viewer: their commits and their cache updates may
	// interleave in different orders.
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), uint64(viewer)))
			for range 60 {
				f := biz.Follow{FollowerID: viewer, FolloweeID: all[rng.IntN(len(all)/2)+w*len(all)/4]}
				if _, err := setFollow(ctx, s.follows, f, rng.IntN(2) == 0); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	if got, want := s.among(t, viewer, all), s.truth(t, viewer); !slices.Equal(got, want) {
		t.Fatalf("after racing readers and writers: FollowedAmong = %v; want %v", got, want)
	}
}

func deltas(rows []eventtest.Row) []int32 {
	out := make([]int32, len(rows))
	for i, row := range rows {
		var ev relationv1.FollowChanged
		_ = proto.Unmarshal(row.Payload, &ev)
		out[i] = ev.GetDelta()
	}
	return out
}

// setFollow follows (follow) or unfollows f as the use case does: by the rule of biz.Follow.Set.
func setFollow(ctx context.Context, repo *FollowRepo, f biz.Follow, follow bool) (string, error) {
	return repo.Set(ctx, f, func(exists bool) (bool, *relationv1.FollowChanged) { return f.Set(exists, follow) })
}
