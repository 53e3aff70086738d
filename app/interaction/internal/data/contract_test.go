package data

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
	"github.com/douyin-kratos/douyin/pkg/edges"
	"github.com/douyin-kratos/douyin/pkg/edges/edgestest"
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
	relay := event.NewRelay(data.DB, nil, nil, log.DefaultLogger)
	return &stores{data: data, relay: relay, favs: NewFavoriteRepo(data, relay, bc.GetKafka()), comments: NewCommentRepo(data, relay, bc.GetRedis(), bc.GetKafka())}
}

// favorites drives the favorite repository through the contract of every store of edges: a
// favorite is the edge user → video. Each video of the contract is by an author of its own,
// authorOf(video), which every event must carry.
func (s *stores) favorites() edgestest.Repo[favoriteModel] {
	favorite := func(e edgestest.Edge) biz.Favorite {
		return biz.Favorite{UserID: e.Owner, VideoID: e.Member, AuthorID: authorOf(e.Member)}
	}
	return edgestest.Repo[favoriteModel]{
		DB:    s.data.DB,
		Table: edges.Table{Name: "favorites", Owner: "user_id", Member: "video_id"},
		Set: func(ctx context.Context, e edgestest.Edge, on bool) (string, error) {
			return setFavorite(ctx, s.favs, favorite(e), on)
		},
		Newest: s.favs.ListVideos,
		Among:  s.favs.FavoritedAmong,
		Event: func(t testing.TB, row eventtest.Row) edgestest.Change {
			t.Helper()
			var ev interactionv1.FavoriteChanged
			route := eventtest.Route{Topic: interactionv1.TopicFavorite, Type: typeFavoriteChanged, KeyedBy: "the video"}
			eventtest.Decode(t, row, &ev, route, ev.GetVideoId)
			if ev.GetAuthorId() != authorOf(ev.GetVideoId()) {
				t.Fatalf("event %v: author %d; want the video's, %d", &ev, ev.GetAuthorId(), authorOf(ev.GetVideoId()))
			}
			return edgestest.Change{
				EventID: ev.GetEventId(), Edge: edgestest.Edge{Owner: ev.GetUserId(), Member: ev.GetVideoId()},
				Delta: ev.GetDelta(), OccurredAt: ev.GetOccurredAt(),
			}
		},
		Model: func(e edgestest.Edge, createdAt int64) favoriteModel {
			f := favorite(e)
			return favoriteModel{UserID: f.UserID, VideoID: f.VideoID, AuthorID: f.AuthorID, CreatedAt: createdAt}
		},
	}
}

// authorOf is the author of a video of the edge contract.
func authorOf(video int64) int64 { return video + 500_000_000 }

func commentEvent(t *testing.T, row eventtest.Row) *interactionv1.CommentChanged {
	t.Helper()
	var ev interactionv1.CommentChanged
	route := eventtest.Route{Topic: interactionv1.TopicComment, Type: typeCommentChanged, KeyedBy: "the video"}
	eventtest.Decode(t, row, &ev, route, ev.GetVideoId)
	return &ev
}

// commentIDs are the ids of cs, in order.
func commentIDs(cs []*biz.Comment) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// videoRows counts the rows of table (favorites, comments) that belong to the video.
func (s *stores) videoRows(t *testing.T, table string, videoID int64) int64 {
	t.Helper()
	var n int64
	if err := s.data.DB.Table(table).Where("video_id = ?", videoID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
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

	t.Run("favorites", s.favorites().Run)

	t.Run("comment: Create, Get, Delete once", func(t *testing.T) {
		const video = int64(5000)
		mark := eventtest.Mark(t, s.data.DB)
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
		rows := eventtest.After(t, s.data.DB, mark)
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

		mark = eventtest.Mark(t, s.data.DB)
		delID, err := s.comments.Delete(ctx, got, (*biz.Comment).Deleted)
		if err != nil {
			t.Fatal(err)
		}
		rows = eventtest.After(t, s.data.DB, mark)
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
		mark = eventtest.Mark(t, s.data.DB)
		again, err := s.comments.Delete(ctx, got, (*biz.Comment).Deleted)
		if err != nil || again != "" {
			t.Fatalf("second Delete = %q, %v; want \"\", nil", again, err)
		}
		if rows := eventtest.After(t, s.data.DB, mark); len(rows) != 0 {
			t.Fatalf("second Delete wrote %d outbox rows", len(rows))
		}
	})

	t.Run("concurrent deletes of one comment: one event", func(t *testing.T) {
		c := &biz.Comment{VideoID: 5002, UserID: 41, Content: "racy"}
		if _, err := s.comments.Create(ctx, c, (*biz.Comment).Posted); err != nil {
			t.Fatal(err)
		}
		mark := eventtest.Mark(t, s.data.DB)
		ids := eventtest.Concurrently(t, 10, func(int) (string, error) { return s.comments.Delete(ctx, c, (*biz.Comment).Deleted) })
		eventtest.WantOneWinner(t, "concurrent deletes", s.data.DB, mark, ids)
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
		var want []int64 // newest first
		for i := range 4 {
			list() // warm whatever cache there is
			c := &biz.Comment{VideoID: video, UserID: 70, Content: fmt.Sprintf("step %d", i)}
			if _, err := s.comments.Create(ctx, c, (*biz.Comment).Posted); err != nil {
				t.Fatal(err)
			}
			want = append([]int64{c.ID}, want...)
			if got := commentIDs(list()); !slices.Equal(got, want) {
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
		if got := commentIDs(list()); !slices.Equal(got, want) {
			t.Fatalf("after deleting: ListByVideo = %v; want %v", got, want)
		}

		// Readers racing writers may fill the cache with what they read mid-change; once the
		// writers are done, the list must still be exactly what is stored.
		read := func() error {
			_, err := s.comments.ListByVideo(ctx, video, everything)
			return err
		}
		databasetest.ReadWhile(t, 4, read, func() {
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
		})
		if got := commentIDs(list()); !slices.Equal(got, want) {
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
			if ids, want := commentIDs(got), newestFirst[:min(limit, len(newestFirst))]; !slices.Equal(ids, want) {
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
		again.favorites().Reopened(t)
		list, err := again.comments.ListByVideo(ctx, 5001, everything)
		if err != nil || len(list) != 4 {
			t.Fatalf("ListByVideo after reopening = %d, %v; want 4", len(list), err)
		}
	})

	// Last: it drops the outbox table.
	t.Run("no outbox, no change: the change and its event commit together", func(t *testing.T) {
		kept := &biz.Comment{VideoID: 7002, UserID: 80, Content: "kept"}
		if _, err := s.comments.Create(ctx, kept, (*biz.Comment).Posted); err != nil {
			t.Fatal(err)
		}
		s.favorites().WithoutOutbox(t, func(t *testing.T) {
			c := &biz.Comment{VideoID: 7004, UserID: 80, Content: "lost"}
			if id, err := s.comments.Create(ctx, c, (*biz.Comment).Posted); err == nil || id != "" {
				t.Fatalf("comment without an outbox = %q, %v; want an error", id, err)
			}
			if n := s.videoRows(t, "comments", 7004); n != 0 {
				t.Fatal("the comment was stored without its event")
			}
			if id, err := s.comments.Delete(ctx, kept, (*biz.Comment).Deleted); err == nil || id != "" {
				t.Fatalf("delete without an outbox = %q, %v; want an error", id, err)
			}
			if _, err := s.comments.Get(ctx, kept.ID); err != nil {
				t.Fatalf("the comment was deleted without its event: %v", err)
			}
		})
	})
}

// setFavorite favorites (favorite) or unfavorites f as the use case does: by the rule of
// biz.Favorite.Set.
func setFavorite(ctx context.Context, repo *FavoriteRepo, f biz.Favorite, favorite bool) (string, error) {
	return repo.Set(ctx, f, func(favorited bool) (bool, *interactionv1.FavoriteChanged) { return f.Set(favorited, favorite) })
}
