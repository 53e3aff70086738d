package data

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	"github.com/douyin-kratos/douyin/app/relation/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
	"github.com/douyin-kratos/douyin/pkg/edges"
	"github.com/douyin-kratos/douyin/pkg/edges/edgestest"
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
	data  *Data
	relay *event.Relay
	repo  *FollowRepo
}

// openStores goes through NewData, so every open runs the migrations. The relay is never
// started: the events stay in the outbox for the test to read.
func openStores(t *testing.T, bc *confv1.Bootstrap) *stores {
	t.Helper()
	data := databasetest.OpenData(t, bc, NewData)
	relay := event.NewRelay(data.DB, nil, nil, log.DefaultLogger)
	return &stores{data: data, relay: relay, repo: NewFollowRepo(data, relay, bc.GetKafka())}
}

// follows drives the follow repository through the contract of every store of edges: a follow
// is the edge follower → followee, and ListFollowers lists its other end.
func (s *stores) follows() edgestest.Repo[followModel] {
	return edgestest.Repo[followModel]{
		DB:    s.data.DB,
		Table: edges.Table{Name: "follows", Owner: "follower_id", Member: "followee_id"},
		Set: func(ctx context.Context, e edgestest.Edge, on bool) (string, error) {
			return setFollow(ctx, s.repo, biz.Follow{FollowerID: e.Owner, FolloweeID: e.Member}, on)
		},
		Newest: s.repo.ListFollowing,
		Owners: s.repo.ListFollowers,
		Among:  s.repo.FollowedAmong,
		Event: func(t testing.TB, row eventtest.Row) edgestest.Change {
			ev := followEvent(t, row)
			return edgestest.Change{
				EventID: ev.GetEventId(), Edge: edgestest.Edge{Owner: ev.GetFollowerId(), Member: ev.GetFolloweeId()},
				Delta: ev.GetDelta(), OccurredAt: ev.GetOccurredAt(),
			}
		},
		Model: func(e edgestest.Edge, createdAt int64) followModel {
			return followModel{FollowerID: e.Owner, FolloweeID: e.Member, CreatedAt: createdAt}
		},
	}
}

// followEvent checks row is a FollowChanged on its topic, keyed by its follower, and decodes it.
func followEvent(t testing.TB, row eventtest.Row) *relationv1.FollowChanged {
	t.Helper()
	var ev relationv1.FollowChanged
	route := eventtest.Route{Topic: relationv1.TopicFollow, Type: typeFollowChanged, KeyedBy: "the follower"}
	eventtest.Decode(t, row, &ev, route, ev.GetFollowerId)
	return &ev
}

// everything is a list bound no list of the suite reaches.
const everything = 1000

// edgeTime is when the edge was made, as stored.
func (s *stores) edgeTime(t *testing.T, f biz.Follow) int64 {
	t.Helper()
	var at int64
	if err := s.data.DB.Table("follows").Where("follower_id = ? AND followee_id = ?", f.FollowerID, f.FolloweeID).
		Select("created_at").Scan(&at).Error; err != nil {
		t.Fatal(err)
	}
	return at
}

func runFollowContract(t *testing.T, bc *confv1.Bootstrap) {
	ctx := context.Background()
	s := openStores(t, bc)

	t.Run("follows", s.follows().Run)

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
			if _, err := setFollow(ctx, s.repo, f, true); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
		}
		if _, err := setFollow(ctx, s.repo, biz.Follow{FollowerID: 57, FolloweeID: me}, false); err != nil {
			t.Fatal(err)
		}
		got, err := s.repo.ListMutual(ctx, me, everything)
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
			back, err := s.repo.ListMutual(ctx, other, everything)
			if err != nil || len(back) != 1 || back[0].UserID != me {
				t.Fatalf("ListMutual(%d) = %+v, %v; want only %d", other, back, err, me)
			}
		}
		for _, lonely := range []int64{53, 54, 404_404} {
			if got, err := s.repo.ListMutual(ctx, lonely, everything); err != nil || len(got) != 0 {
				t.Fatalf("ListMutual(%d) = %+v, %v; want none", lonely, got, err)
			}
		}
	})

	t.Run("lists: the newest up to the bound, friends by when the friendship formed", func(t *testing.T) {
		// Edges stored with exact times, as made at those milliseconds.
		put := func(t *testing.T, edges ...[3]int64) {
			t.Helper()
			for _, e := range edges {
				if err := s.data.DB.Create(&followModel{FollowerID: e[0], FolloweeID: e[1], CreatedAt: e[2]}).Error; err != nil {
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
			got, err := s.repo.ListMutual(ctx, user, limit)
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
		if got, err := s.repo.ListFollowing(ctx, me, 3); err != nil || !slices.Equal(got, []int64{1009, 1005, 1008}) {
			t.Fatalf("ListFollowing(limit 3) = %v, %v; want the 3 most recent", got, err)
		}
		if got, err := s.repo.ListFollowers(ctx, me, 2); err != nil || !slices.Equal(got, []int64{1010, 1007}) {
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

	t.Run("a reopened store has everything", func(t *testing.T) {
		again := openStores(t, bc)
		again.follows().Reopened(t)
		mutual, err := again.repo.ListMutual(ctx, 50, everything)
		if err != nil || len(mutual) != 2 {
			t.Fatalf("ListMutual after reopening = %+v, %v; want 2", mutual, err)
		}
	})

	// Last: it drops the outbox table.
	t.Run("no outbox, no change: the change and its event commit together", func(t *testing.T) {
		s.follows().WithoutOutbox(t, nil)
	})
}

// setFollow follows (follow) or unfollows f as the use case does: by the rule of biz.Follow.Set.
func setFollow(ctx context.Context, repo *FollowRepo, f biz.Follow, follow bool) (string, error) {
	return repo.Set(ctx, f, func(exists bool) (bool, *relationv1.FollowChanged) { return f.Set(exists, follow) })
}
