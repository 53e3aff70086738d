package data

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"google.golang.org/protobuf/proto"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

// The same contract holds for every store the repositories run on: embedded SQLite, SQLite in
// the all-in-one (kafka.in_process, which caches each viewer's favorites and comment lists in
// memory), and MySQL (MariaDB), also with comment lists cached in Redis.
func TestInteractionRepos(t *testing.T) {
	databasetest.ForEach(t, runInteractionContract,
		databasetest.OnSQLite, databasetest.OnSQLiteInProcess, databasetest.OnMySQL,
		// With Redis, comment lists are cached there, shared by replicas.
		databasetest.OnMySQLRedis)
}

// everything is a list bound no list of the suite reaches.
const everything = 1000

const (
	typeFavoriteChanged = "douyin.interaction.v1.FavoriteChanged"
	typeCommentChanged  = "douyin.interaction.v1.CommentChanged"
)

// stores is what the suite works with: the repositories and, for inspection, their Data.
type stores struct {
	data     *Data
	relay    *event.Relay
	favs     *FavoriteRepo
	comments *CommentRepo
}

// openStores goes through NewData, so every open runs the migrations. The relay is never
// started: the events stay in the outbox for the test to read.
func openStores(t *testing.T, bc *confv1.Bootstrap) *stores {
	t.Helper()
	data := databasetest.OpenData(t, bc, NewData)
	relay := event.NewRelay(data.db, nil, nil, log.DefaultLogger)
	return &stores{data: data, relay: relay, favs: NewFavoriteRepo(data, relay, bc.GetKafka()), comments: NewCommentRepo(data, relay, bc.GetRedis(), bc.GetKafka())}
}

// favoriteEvent checks row is a FavoriteChanged on its topic, keyed by its video, and decodes it.
func favoriteEvent(t *testing.T, row eventtest.Row) *interactionv1.FavoriteChanged {
	t.Helper()
	var ev interactionv1.FavoriteChanged
	route := eventtest.Route{Topic: interactionv1.TopicFavorite, Type: typeFavoriteChanged, KeyedBy: "the video"}
	eventtest.Decode(t, row, &ev, route, ev.GetVideoId)
	return &ev
}

func commentEvent(t *testing.T, row eventtest.Row) *interactionv1.CommentChanged {
	t.Helper()
	var ev interactionv1.CommentChanged
	route := eventtest.Route{Topic: interactionv1.TopicComment, Type: typeCommentChanged, KeyedBy: "the video"}
	eventtest.Decode(t, row, &ev, route, ev.GetVideoId)
	return &ev
}

// checkFavoriteEvent checks that rows is exactly the one event of a Set that returned eventID.
func checkFavoriteEvent(t *testing.T, what string, rows []eventtest.Row, eventID string, f biz.Favorite, delta int32) {
	t.Helper()
	ev := favoriteEvent(t, eventtest.OnlyRow(t, what, rows, eventID))
	if ev.GetEventId() != eventID || ev.GetUserId() != f.UserID || ev.GetVideoId() != f.VideoID ||
		ev.GetAuthorId() != f.AuthorID || ev.GetDelta() != delta || ev.GetOccurredAt() <= 0 {
		t.Fatalf("%s: event %v; want id %q, user %d, video %d, author %d, delta %+d, a time",
			what, ev, eventID, f.UserID, f.VideoID, f.AuthorID, delta)
	}
}

func (s *stores) set(t *testing.T, f biz.Favorite, favorite bool) (string, []eventtest.Row) {
	t.Helper()
	mark := eventtest.Mark(t, s.data.db)
	id, err := setFavorite(context.Background(), s.favs, f, favorite)
	if err != nil {
		t.Fatalf("Set(%+v, %v): %v", f, favorite, err)
	}
	return id, eventtest.After(t, s.data.db, mark)
}

func (s *stores) favoriteRows(t *testing.T, userID, videoID int64) int64 {
	t.Helper()
	var n int64
	if err := s.data.db.Table("favorites").Where("user_id = ? AND video_id = ?", userID, videoID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func (s *stores) commentRows(t *testing.T, videoID int64) int64 {
	t.Helper()
	var n int64
	if err := s.data.db.Table("comments").Where("video_id = ?", videoID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func sorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func runInteractionContract(t *testing.T, bc *confv1.Bootstrap) {
	ctx := context.Background()
	s := openStores(t, bc)

	t.Run("Notify on a relay that was never started does not block", func(t *testing.T) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range 1000 {
				s.relay.Notify()
			}
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatal("Notify blocked")
		}
	})

	t.Run("favorite twice: one event, then none", func(t *testing.T) {
		f := biz.Favorite{UserID: 1, VideoID: 1001, AuthorID: 77}
		id, rows := s.set(t, f, true)
		checkFavoriteEvent(t, "first favorite", rows, id, f, +1)
		if n := s.favoriteRows(t, 1, 1001); n != 1 {
			t.Fatalf("%d favorites rows after a favorite; want 1", n)
		}
		id, rows = s.set(t, f, true)
		if id != "" || len(rows) != 0 {
			t.Fatalf("second favorite returned %q and wrote %d outbox rows; want \"\" and none", id, len(rows))
		}
		if n := s.favoriteRows(t, 1, 1001); n != 1 {
			t.Fatalf("%d favorites rows after a second favorite; want 1", n)
		}
	})

	t.Run("unfavorite of a never-favorited pair: no event", func(t *testing.T) {
		id, rows := s.set(t, biz.Favorite{UserID: 2, VideoID: 1001, AuthorID: 77}, false)
		if id != "" || len(rows) != 0 {
			t.Fatalf("unfavorite of a never-favorited pair returned %q and wrote %d outbox rows; want \"\" and none", id, len(rows))
		}
	})

	t.Run("unfavorite after favorite: delta -1, then nothing", func(t *testing.T) {
		f := biz.Favorite{UserID: 3, VideoID: 1002, AuthorID: 78}
		favoriteID, rows := s.set(t, f, true)
		checkFavoriteEvent(t, "favorite", rows, favoriteID, f, +1)
		unfavoriteID, rows := s.set(t, f, false)
		checkFavoriteEvent(t, "unfavorite", rows, unfavoriteID, f, -1)
		if unfavoriteID == favoriteID {
			t.Fatalf("favorite and unfavorite share event id %q", favoriteID)
		}
		if n := s.favoriteRows(t, 3, 1002); n != 0 {
			t.Fatalf("%d favorites rows after the unfavorite; want 0", n)
		}
		if id, rows := s.set(t, f, false); id != "" || len(rows) != 0 {
			t.Fatalf("second unfavorite returned %q and wrote %d rows", id, len(rows))
		}
		// Favoriting again is a change again.
		again, rows := s.set(t, f, true)
		checkFavoriteEvent(t, "favorite after unfavorite", rows, again, f, +1)
	})

	t.Run("30 concurrent favorites of one pair: exactly one event", func(t *testing.T) {
		f := biz.Favorite{UserID: 10, VideoID: 2001, AuthorID: 79}
		mark := eventtest.Mark(t, s.data.db)
		ids := eventtest.Concurrently(t, 30, func(int) (string, error) { return setFavorite(ctx, s.favs, f, true) })
		var changed []string
		for _, id := range ids {
			if id != "" {
				changed = append(changed, id)
			}
		}
		rows := eventtest.After(t, s.data.db, mark)
		if len(changed) != 1 || len(rows) != 1 {
			t.Fatalf("%d of 30 concurrent favorites reported a change and %d events were written; want exactly 1 and 1", len(changed), len(rows))
		}
		checkFavoriteEvent(t, "the winning favorite", rows, changed[0], f, +1)
		if n := s.favoriteRows(t, 10, 2001); n != 1 {
			t.Fatalf("%d favorites rows; want 1", n)
		}
	})

	t.Run("30 users favorite one video at once: 30 events", func(t *testing.T) {
		const video = int64(2002)
		mark := eventtest.Mark(t, s.data.db)
		ids := eventtest.Concurrently(t, 30, func(i int) (string, error) {
			return setFavorite(ctx, s.favs, biz.Favorite{UserID: int64(100 + i), VideoID: video, AuthorID: 80}, true)
		})
		rows := eventtest.After(t, s.data.db, mark)
		if len(rows) != 30 {
			t.Fatalf("%d events; want 30", len(rows))
		}
		users := map[int64]bool{}
		returned := map[string]bool{}
		for i, id := range ids {
			if id == "" {
				t.Fatalf("user %d's favorite reported no change", 100+i)
			}
			returned[id] = true
		}
		for _, row := range rows {
			ev := favoriteEvent(t, row)
			if ev.GetVideoId() != video || ev.GetDelta() != 1 || ev.GetAuthorId() != 80 || !returned[ev.GetEventId()] {
				t.Fatalf("event %v does not match a returned favorite", ev)
			}
			users[ev.GetUserId()] = true
		}
		if len(users) != 30 || len(returned) != 30 {
			t.Fatalf("%d distinct users, %d distinct event ids; want 30 and 30", len(users), len(returned))
		}
	})

	t.Run("interleaved favorites and unfavorites of one pair: events add up to the final state", func(t *testing.T) {
		f := biz.Favorite{UserID: 20, VideoID: 2003, AuthorID: 81}
		mark := eventtest.Mark(t, s.data.db)
		const workers, each = 12, 15
		var wg sync.WaitGroup
		var mu sync.Mutex
		returned := map[string]bool{}
		var failed []error
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				for range each {
					id, err := setFavorite(ctx, s.favs, f, rng.IntN(2) == 0)
					if err != nil {
						mu.Lock()
						failed = append(failed, err)
						mu.Unlock()
						continue
					}
					if id != "" {
						mu.Lock()
						returned[id] = true
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		// A favorite or unfavorite racing another one of the same pair must still succeed: the caller
		// asked for a state, and either order reaches it.
		if len(failed) > 0 {
			t.Errorf("%d of %d concurrent Set calls failed; first: %v", len(failed), workers*each, failed[0])
		}
		rows := eventtest.After(t, s.data.db, mark)
		// In outbox order (the order the relay publishes, and consumers apply, them), the count
		// goes +1, -1, +1, ...: it is never negative and never above one favorite per user.
		sum := 0
		for _, row := range rows {
			ev := favoriteEvent(t, row)
			if !returned[ev.GetEventId()] {
				t.Errorf("event %s was not returned by any Set", ev.GetEventId())
			}
			sum += int(ev.GetDelta())
			if sum < 0 || sum > 1 {
				t.Fatalf("after outbox row %d the applied count is %d (events %v)", row.ID, sum, deltas(t, rows))
			}
		}
		if len(returned) != len(rows) {
			t.Errorf("%d Set calls reported a change, %d events were written", len(returned), len(rows))
		}
		final := int(s.favoriteRows(t, f.UserID, f.VideoID))
		if sum != final {
			t.Fatalf("events add up to %d, but the pair is favorited %d times (events %v)", sum, final, deltas(t, rows))
		}
		favorited, err := s.favs.FavoritedAmong(ctx, f.UserID, []int64{f.VideoID})
		if err != nil || len(favorited) != final {
			t.Fatalf("FavoritedAmong = %v, %v; want the final state %d", favorited, err, final)
		}
		t.Logf("%d events, final state %d, %d failed calls", len(rows), final, len(failed))
	})

	t.Run("ListVideos: most recently favorited first; FavoritedAmong: the subset", func(t *testing.T) {
		const user = int64(30)
		favorite := func(video int64, on bool) {
			t.Helper()
			if _, err := setFavorite(ctx, s.favs, biz.Favorite{UserID: user, VideoID: video, AuthorID: 82}, on); err != nil {
				t.Fatal(err)
			}
			time.Sleep(3 * time.Millisecond) // the order is kept in milliseconds
		}
		list := func(want ...int64) {
			t.Helper()
			got, err := s.favs.ListVideos(ctx, user, everything)
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("ListVideos = %v, %v; want %v", got, err, want)
			}
		}
		checkFavorited := func(ask []int64, want ...int64) {
			t.Helper()
			got, err := s.favs.FavoritedAmong(ctx, user, ask)
			if err != nil || !slices.Equal(sorted(got), sorted(want)) {
				t.Fatalf("FavoritedAmong(%v) = %v, %v; want %v", ask, got, err, want)
			}
		}
		list()
		checkFavorited([]int64{3001, 3002})
		favorite(3003, true)
		favorite(3001, true)
		favorite(3002, true)
		list(3002, 3001, 3003)
		checkFavorited([]int64{3001, 9999, 3003}, 3001, 3003)
		favorite(3001, false)
		list(3002, 3003)
		checkFavorited([]int64{3001, 9999, 3003}, 3003)
		favorite(3001, true)
		list(3001, 3002, 3003)
		checkFavorited([]int64{3001, 3002, 3003, 1001}, 3001, 3002, 3003)
		favorite(3003, true) // a repeated favorite does not move it up
		list(3001, 3002, 3003)
		if got, err := s.favs.ListVideos(ctx, 404_404, everything); err != nil || len(got) != 0 {
			t.Fatalf("ListVideos(nobody) = %v, %v; want none", got, err)
		}
		// Another user's favorites are theirs.
		if got, err := s.favs.FavoritedAmong(ctx, 31, []int64{3001, 3002, 3003}); err != nil || len(got) != 0 {
			t.Fatalf("FavoritedAmong(other user) = %v, %v; want none", got, err)
		}
	})

	t.Run("ListVideos: the most recent favorites up to the bound", func(t *testing.T) {
		const user = int64(32)
		for _, video := range []int64{3201, 3202, 3203, 3204} {
			if _, err := setFavorite(ctx, s.favs, biz.Favorite{UserID: user, VideoID: video, AuthorID: 82}, true); err != nil {
				t.Fatal(err)
			}
			time.Sleep(3 * time.Millisecond) // the order is kept in milliseconds
		}
		for limit, want := range map[int][]int64{1: {3204}, 3: {3204, 3203, 3202}, 4: {3204, 3203, 3202, 3201}, 5: {3204, 3203, 3202, 3201}} {
			if got, err := s.favs.ListVideos(ctx, user, limit); err != nil || !slices.Equal(got, want) {
				t.Fatalf("ListVideos(limit %d) = %v, %v; want %v", limit, got, err, want)
			}
		}
	})

	t.Run("comment: Create, Get, Delete once", func(t *testing.T) {
		const video = int64(5000)
		mark := eventtest.Mark(t, s.data.db)
		before := time.Now().UnixMilli()
		c := &biz.Comment{VideoID: video, UserID: 40, Content: "first!"}
		id, err := s.comments.Create(ctx, c, (*biz.Comment).Posted)
		after := time.Now().UnixMilli()
		if err != nil {
			t.Fatal(err)
		}
		if c.ID <= 0 || c.CreatedAt < before || c.CreatedAt > after {
			t.Fatalf("Create set id %d, created_at %d; want an id and a time in [%d, %d]", c.ID, c.CreatedAt, before, after)
		}
		rows := eventtest.After(t, s.data.db, mark)
		if id == "" || len(rows) != 1 {
			t.Fatalf("Create returned event %q and wrote %d outbox rows; want one", id, len(rows))
		}
		if ev := commentEvent(t, rows[0]); ev.GetEventId() != id || ev.GetVideoId() != video || ev.GetCommentId() != c.ID ||
			ev.GetUserId() != 40 || ev.GetDelta() != 1 || ev.GetOccurredAt() <= 0 {
			t.Fatalf("event %v; want id %q, video %d, comment %d, user 40, delta +1", ev, id, video, c.ID)
		}

		got, err := s.comments.Get(ctx, c.ID)
		if err != nil || *got != *c {
			t.Fatalf("Get = %+v, %v; want %+v", got, err, *c)
		}
		if _, err := s.comments.Get(ctx, c.ID+1_000_000); !errors.Is(err, biz.ErrCommentNotFound) {
			t.Fatalf("Get(missing) error %v; want ErrCommentNotFound", err)
		}

		mark = eventtest.Mark(t, s.data.db)
		delID, err := s.comments.Delete(ctx, got, (*biz.Comment).Deleted)
		if err != nil {
			t.Fatal(err)
		}
		rows = eventtest.After(t, s.data.db, mark)
		if delID == "" || delID == id || len(rows) != 1 {
			t.Fatalf("Delete returned event %q and wrote %d outbox rows; want a new one", delID, len(rows))
		}
		if ev := commentEvent(t, rows[0]); ev.GetEventId() != delID || ev.GetVideoId() != video || ev.GetCommentId() != c.ID ||
			ev.GetUserId() != 40 || ev.GetDelta() != -1 {
			t.Fatalf("event %v; want id %q, video %d, comment %d, user 40, delta -1", ev, delID, video, c.ID)
		}
		if _, err := s.comments.Get(ctx, c.ID); !errors.Is(err, biz.ErrCommentNotFound) {
			t.Fatalf("Get after Delete error %v; want ErrCommentNotFound", err)
		}
		mark = eventtest.Mark(t, s.data.db)
		again, err := s.comments.Delete(ctx, got, (*biz.Comment).Deleted)
		if err != nil || again != "" {
			t.Fatalf("second Delete = %q, %v; want \"\", nil", again, err)
		}
		if rows := eventtest.After(t, s.data.db, mark); len(rows) != 0 {
			t.Fatalf("second Delete wrote %d outbox rows", len(rows))
		}
	})

	t.Run("concurrent deletes of one comment: one event", func(t *testing.T) {
		c := &biz.Comment{VideoID: 5002, UserID: 41, Content: "racy"}
		if _, err := s.comments.Create(ctx, c, (*biz.Comment).Posted); err != nil {
			t.Fatal(err)
		}
		mark := eventtest.Mark(t, s.data.db)
		ids := eventtest.Concurrently(t, 10, func(int) (string, error) { return s.comments.Delete(ctx, c, (*biz.Comment).Deleted) })
		n := 0
		for _, id := range ids {
			if id != "" {
				n++
			}
		}
		if rows := eventtest.After(t, s.data.db, mark); n != 1 || len(rows) != 1 {
			t.Fatalf("%d deletes reported a change, %d events; want 1 and 1", n, len(rows))
		}
	})

	t.Run("ListByVideo: that video's comments, newest first", func(t *testing.T) {
		const video = int64(5001)
		var posted []*biz.Comment
		for i := range 5 {
			c := &biz.Comment{VideoID: video, UserID: int64(50 + i%2), Content: fmt.Sprintf("comment %d", i)}
			if _, err := s.comments.Create(ctx, c, (*biz.Comment).Posted); err != nil {
				t.Fatal(err)
			}
			posted = append(posted, c)
			if i == 2 {
				time.Sleep(3 * time.Millisecond)
			}
		}
		if _, err := s.comments.Create(ctx, &biz.Comment{VideoID: video + 1000, UserID: 50, Content: "elsewhere"}, (*biz.Comment).Posted); err != nil {
			t.Fatal(err)
		}
		if _, err := s.comments.Delete(ctx, posted[1], (*biz.Comment).Deleted); err != nil {
			t.Fatal(err)
		}
		want := []*biz.Comment{posted[4], posted[3], posted[2], posted[0]}
		got, err := s.comments.ListByVideo(ctx, video, everything)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("ListByVideo = %d comments; want %d", len(got), len(want))
		}
		for i := range want {
			if *got[i] != *want[i] {
				t.Fatalf("ListByVideo[%d] = %+v; want %+v", i, *got[i], *want[i])
			}
		}
		if got, err := s.comments.ListByVideo(ctx, 404_404, everything); err != nil || len(got) != 0 {
			t.Fatalf("ListByVideo(no comments) = %v, %v; want none", got, err)
		}
	})

	t.Run("ListByVideo follows every post and delete at once, also while being read", func(t *testing.T) {
		const video = int64(5004)
		list := func() []*biz.Comment {
			t.Helper()
			got, err := s.comments.ListByVideo(ctx, video, everything)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		ids := func(cs []*biz.Comment) []int64 {
			out := make([]int64, len(cs))
			for i, c := range cs {
				out[i] = c.ID
			}
			return out
		}
		var want []int64 // newest first
		for i := range 4 {
			list() // warm whatever cache there is
			c := &biz.Comment{VideoID: video, UserID: 70, Content: fmt.Sprintf("step %d", i)}
			if _, err := s.comments.Create(ctx, c, (*biz.Comment).Posted); err != nil {
				t.Fatal(err)
			}
			want = append([]int64{c.ID}, want...)
			if got := ids(list()); !slices.Equal(got, want) {
				t.Fatalf("after posting %d: ListByVideo = %v; want %v", c.ID, got, want)
			}
		}
		got := list()
		got[0].Content = "changed by a caller"
		if again := list(); again[0].Content != "step 3" {
			t.Fatalf("a caller's change to a listed comment showed in the next list: %q", again[0].Content)
		}
		if _, err := s.comments.Delete(ctx, got[1], (*biz.Comment).Deleted); err != nil {
			t.Fatal(err)
		}
		want = slices.Delete(want, 1, 2)
		if got := ids(list()); !slices.Equal(got, want) {
			t.Fatalf("after deleting: ListByVideo = %v; want %v", got, want)
		}

		// Readers racing writers may fill the cache with what they read mid-change; once the
		// writers are done, the list must still be exactly what is stored.
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
						if _, err := s.comments.ListByVideo(ctx, video, everything); err != nil {
							t.Error(err)
							return
						}
					}
				}
			})
		}
		for i := range 20 {
			c := &biz.Comment{VideoID: video, UserID: 71, Content: fmt.Sprintf("race %d", i)}
			if _, err := s.comments.Create(ctx, c, (*biz.Comment).Posted); err != nil {
				t.Fatal(err)
			}
			want = append([]int64{c.ID}, want...)
			if i%3 == 0 {
				if _, err := s.comments.Delete(ctx, c, (*biz.Comment).Deleted); err != nil {
					t.Fatal(err)
				}
				want = want[1:]
			}
		}
		close(stop)
		wg.Wait()
		if got := ids(list()); !slices.Equal(got, want) {
			t.Fatalf("after racing readers: ListByVideo = %v; want %v", got, want)
		}
	})

	t.Run("ListByVideo: the newest comments up to the bound, cached or not", func(t *testing.T) {
		const video = int64(5005)
		var newestFirst []int64
		post := func(content string) {
			t.Helper()
			c := &biz.Comment{VideoID: video, UserID: 72, Content: content}
			if _, err := s.comments.Create(ctx, c, (*biz.Comment).Posted); err != nil {
				t.Fatal(err)
			}
			newestFirst = append([]int64{c.ID}, newestFirst...)
		}
		for i := range 6 {
			post(fmt.Sprintf("bounded %d", i))
		}
		list := func(limit int) {
			t.Helper()
			got, err := s.comments.ListByVideo(ctx, video, limit)
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]int64, len(got))
			for i, c := range got {
				ids[i] = c.ID
			}
			if want := newestFirst[:min(limit, len(newestFirst))]; !slices.Equal(ids, want) {
				t.Fatalf("ListByVideo(limit %d) = %v; want %v", limit, ids, want)
			}
		}
		// Each bound twice: the second may come from whatever cache the first filled. A list
		// read under a smaller bound must not answer a larger one.
		for _, limit := range []int{3, 3, 5, 5, 2, 2, 10, 10, 4} {
			list(limit)
		}
		post("after the lists were read")
		for _, limit := range []int{2, 2, 10} {
			list(limit)
		}
	})

	t.Run("multi-byte comments round-trip exactly", func(t *testing.T) {
		const video = int64(5003)
		contents := []string{
			strings.Repeat("抖", biz.MaxCommentLength),
			strings.Repeat("😀", biz.MaxCommentLength), // four bytes each: needs utf8mb4 on MySQL
			"多行\n评论 🎬 it's 100% \"real\" \\ _x_",
		}
		ids := map[int64]string{}
		for _, content := range contents {
			c := &biz.Comment{VideoID: video, UserID: 60, Content: content}
			if _, err := s.comments.Create(ctx, c, (*biz.Comment).Posted); err != nil {
				t.Fatalf("Create(%d bytes): %v", len(content), err)
			}
			ids[c.ID] = content
			got, err := s.comments.Get(ctx, c.ID)
			if err != nil || got.Content != content {
				t.Fatalf("Get: %d bytes, %v; want the %d bytes stored, exactly", len(got.Content), err, len(content))
			}
		}
		list, err := s.comments.ListByVideo(ctx, video, everything)
		if err != nil || len(list) != len(contents) {
			t.Fatalf("ListByVideo = %d, %v", len(list), err)
		}
		for _, c := range list {
			if c.Content != ids[c.ID] {
				t.Fatalf("ListByVideo: comment %d changed (%d bytes; want %d)", c.ID, len(c.Content), len(ids[c.ID]))
			}
		}
	})

	t.Run("a reopened store has everything", func(t *testing.T) {
		again := openStores(t, bc)
		got, err := again.favs.ListVideos(ctx, 30, everything)
		if err != nil || !slices.Equal(got, []int64{3001, 3002, 3003}) {
			t.Fatalf("ListVideos after reopening = %v, %v", got, err)
		}
		list, err := again.comments.ListByVideo(ctx, 5001, everything)
		if err != nil || len(list) != 4 {
			t.Fatalf("ListByVideo after reopening = %d, %v; want 4", len(list), err)
		}
		// The event of a change made through the reopened store joins the same outbox.
		f := biz.Favorite{UserID: 70, VideoID: 6001, AuthorID: 83}
		id, rows := again.set(t, f, true)
		checkFavoriteEvent(t, "favorite after reopening", rows, id, f, +1)
	})

	// Last: it drops the outbox table.
	t.Run("no outbox, no change: the change and its event commit together", func(t *testing.T) {
		favorited := biz.Favorite{UserID: 80, VideoID: 7001, AuthorID: 84}
		if _, err := setFavorite(ctx, s.favs, favorited, true); err != nil {
			t.Fatal(err)
		}
		kept := &biz.Comment{VideoID: 7002, UserID: 80, Content: "kept"}
		if _, err := s.comments.Create(ctx, kept, (*biz.Comment).Posted); err != nil {
			t.Fatal(err)
		}
		if err := s.data.db.Migrator().DropTable(event.OutboxTable); err != nil {
			t.Fatal(err)
		}

		fresh := biz.Favorite{UserID: 80, VideoID: 7003, AuthorID: 84}
		if id, err := setFavorite(ctx, s.favs, fresh, true); err == nil || id != "" {
			t.Fatalf("favorite without an outbox = %q, %v; want an error", id, err)
		}
		if n := s.favoriteRows(t, fresh.UserID, fresh.VideoID); n != 0 {
			t.Fatal("the favorite was stored without its event")
		}
		if got, err := s.favs.FavoritedAmong(ctx, fresh.UserID, []int64{fresh.VideoID, favorited.VideoID}); err != nil || !slices.Equal(got, []int64{favorited.VideoID}) {
			t.Fatalf("FavoritedAmong after the failed favorite = %v, %v; want only %d", got, err, favorited.VideoID)
		}
		if id, err := setFavorite(ctx, s.favs, favorited, false); err == nil || id != "" {
			t.Fatalf("unfavorite without an outbox = %q, %v; want an error", id, err)
		}
		if n := s.favoriteRows(t, favorited.UserID, favorited.VideoID); n != 1 {
			t.Fatal("the unfavorite was stored without its event")
		}

		c := &biz.Comment{VideoID: 7004, UserID: 80, Content: "lost"}
		if id, err := s.comments.Create(ctx, c, (*biz.Comment).Posted); err == nil || id != "" {
			t.Fatalf("comment without an outbox = %q, %v; want an error", id, err)
		}
		if n := s.commentRows(t, 7004); n != 0 {
			t.Fatal("the comment was stored without its event")
		}
		if id, err := s.comments.Delete(ctx, kept, (*biz.Comment).Deleted); err == nil || id != "" {
			t.Fatalf("delete without an outbox = %q, %v; want an error", id, err)
		}
		if _, err := s.comments.Get(ctx, kept.ID); err != nil {
			t.Fatalf("the comment was deleted without its event: %v", err)
		}

		// With the outbox back, the same favorite goes through.
		if err := event.MigrateOutbox(s.data.db); err != nil {
			t.Fatal(err)
		}
		id, rows := s.set(t, fresh, true)
		checkFavoriteEvent(t, "favorite once the outbox is back", rows, id, fresh, +1)
	})
}

func deltas(t *testing.T, rows []eventtest.Row) []int32 {
	t.Helper()
	out := make([]int32, len(rows))
	for i, row := range rows {
		var ev interactionv1.FavoriteChanged
		_ = proto.Unmarshal(row.Payload, &ev)
		out[i] = ev.GetDelta()
	}
	return out
}

// setFavorite favorites (favorite) or unfavorites f as the use case does: by the rule of
// biz.Favorite.Set.
func setFavorite(ctx context.Context, repo *FavoriteRepo, f biz.Favorite, favorite bool) (string, error) {
	return repo.Set(ctx, f, func(favorited bool) (bool, *interactionv1.FavoriteChanged) { return f.Set(favorited, favorite) })
}
