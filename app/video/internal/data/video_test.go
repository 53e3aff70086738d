package data

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/go-kratos/kratos/v2/log"
	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

// The same contract holds for every store the repository runs on: embedded SQLite, MySQL with
// the in-process publish counter, and MySQL with the counter in Redis.
func TestVideoRepo(t *testing.T) {
	databasetest.ForEach(t, runVideoRepoContract, databasetest.OnSQLite, databasetest.OnMySQL, databasetest.OnMySQLRedis)
}

// contractObjects builds the URLs the repository fills in; a public URL makes them distinctive.
var contractObjects = &ObjectStore{publicURL: "http://cdn.example/douyin"}

// openVideoRepo goes through NewData, so every open runs the migrations.
func openVideoRepo(t *testing.T, bc *confv1.Bootstrap) *VideoRepo {
	t.Helper()
	data := databasetest.OpenData(t, bc, NewData)
	// The relay never starts: the events stay in the outbox for the test to read.
	relay := event.NewRelay(data.DB, nil, nil, log.DefaultLogger, event.CountChanges(data.Changes))
	return NewVideoRepo(data, contractObjects, relay, log.DefaultLogger)
}

// outboxEvent is a row of the outbox, decoded.
type outboxEvent struct {
	id    int64
	topic string
	key   string
	msg   proto.Message
}

// outboxEvents returns the events enqueued after the row with id after, in order.
func outboxEvents(t *testing.T, db *gorm.DB, after int64) []outboxEvent {
	t.Helper()
	rows := eventtest.After(t, db, after)
	out := make([]outboxEvent, len(rows))
	for i, row := range rows {
		msg, err := event.Message{EventID: row.EventID, Type: row.Type, Payload: row.Payload}.Decode()
		if err != nil {
			t.Fatalf("outbox row %d: %v", row.ID, err)
		}
		out[i] = outboxEvent{id: row.ID, topic: row.Topic, key: row.Key, msg: msg}
	}
	return out
}

// publishedPerAuthor checks every event is a VideoPublished on its topic, keyed by its author,
// with an id of its own, and counts them per author.
func publishedPerAuthor(t *testing.T, events []outboxEvent) map[int64]int64 {
	t.Helper()
	counts := map[int64]int64{}
	ids := map[string]bool{}
	for _, e := range events {
		p, ok := e.msg.(*videov1.VideoPublished)
		if !ok || e.topic != videov1.TopicPublished || e.key != strconv.FormatInt(p.GetAuthorId(), 10) ||
			p.GetEventId() == "" || ids[p.GetEventId()] || p.GetVideoId() <= 0 || p.GetOccurredAt() <= 0 {
			t.Fatalf("outbox row %d: %T %v on %q keyed %q; want a VideoPublished of its own on %q keyed by its author",
				e.id, e.msg, e.msg, e.topic, e.key, videov1.TopicPublished)
		}
		ids[p.GetEventId()] = true
		counts[p.GetAuthorId()]++
	}
	return counts
}

// everything is a list bound no author of the suite reaches.
const everything = 1000

// ledger remembers every video the suite stored, as Create returned it.
type ledger struct {
	mu   sync.Mutex
	byID map[int64]biz.Video
}

func (l *ledger) add(v biz.Video) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byID[v.ID] = v
}

// newestFirst returns the stored videos that match keep, newest first.
func (l *ledger) newestFirst(keep func(biz.Video) bool) []biz.Video {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []biz.Video
	for _, v := range l.byID {
		if keep == nil || keep(v) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b biz.Video) int { return -cmpInt(a.PublishedAt, b.PublishedAt) })
	return out
}

// countsOf counts the stored videos of each of authors, or of every author if authors is nil.
func (l *ledger) countsOf(authors []int64) map[int64]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	want := map[int64]int64{}
	for _, v := range l.byID {
		if authors == nil || slices.Contains(authors, v.AuthorID) {
			want[v.AuthorID]++
		}
	}
	return want
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func describe(v *biz.Video) string {
	return fmt.Sprintf("{id %d author %d at %d title %q}", v.ID, v.AuthorID, v.PublishedAt, v.Title)
}

// sameVideos checks got equals want, in order, field by field, URLs included.
func sameVideos(t *testing.T, what string, got []*biz.Video, want []biz.Video) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d videos, want %d", what, len(got), len(want))
	}
	for i := range want {
		w := want[i]
		w.PlayURL, w.CoverURL = contractObjects.URL(w.PlayKey), contractObjects.URL(w.CoverKey)
		if *got[i] != w {
			t.Fatalf("%s[%d] = %+v\nwant %+v", what, i, *got[i], w)
		}
	}
}

func sortedByPublish(vs []*biz.Video) []*biz.Video {
	out := slices.Clone(vs)
	slices.SortFunc(out, func(a, b *biz.Video) int { return -cmpInt(a.PublishedAt, b.PublishedAt) })
	return out
}

// walkFeed pages through the whole feed the way the phone does, checking every page.
func walkFeed(t *testing.T, repo *VideoRepo, pageSize int) []*biz.Video {
	t.Helper()
	ctx := context.Background()
	var all []*biz.Video
	before := int64(math.MaxInt64)
	for pages := 0; ; pages++ {
		if pages > 10_000 {
			t.Fatal("the feed never ends")
		}
		page, err := repo.Feed(ctx, before, pageSize)
		if err != nil {
			t.Fatalf("Feed(%d, %d): %v", before, pageSize, err)
		}
		if len(page) > pageSize {
			t.Fatalf("Feed(%d, %d) returned %d videos", before, pageSize, len(page))
		}
		for _, v := range page {
			if v.PublishedAt >= before {
				t.Fatalf("Feed(%d): %s is not strictly before the cursor (or not newest first)", before, describe(v))
			}
			before = v.PublishedAt
		}
		all = append(all, page...)
		if len(page) < pageSize {
			// A short page is the last one.
			if len(page) > 0 {
				if rest, err := repo.Feed(ctx, before, pageSize); err != nil || len(rest) != 0 {
					t.Fatalf("after a short page of %d, Feed(%d) = %d videos, %v; want the end", len(page), before, len(rest), err)
				}
			}
			return all
		}
	}
}

func runVideoRepoContract(t *testing.T, bc *confv1.Bootstrap) {
	ctx := context.Background()
	repo := openVideoRepo(t, bc)
	stored := &ledger{byID: map[int64]biz.Video{}}
	const base = int64(1_700_000_000_000) // Nov 2023, in epoch ms

	seq := 0
	create := func(t *testing.T, author int64, title string, at int64) *biz.Video {
		t.Helper()
		seq++
		v := &biz.Video{
			AuthorID: author, Title: title, PublishedAt: at,
			PlayKey: fmt.Sprintf("videos/%d-%d.mp4", author, seq), CoverKey: fmt.Sprintf("covers/%d-%d.jpg", author, seq),
		}
		if _, err := repo.Create(ctx, v, (*biz.Video).Published); err != nil {
			t.Fatalf("Create(%s): %v", describe(v), err)
		}
		if v.ID == 0 {
			t.Fatalf("Create(%s) set no ID", describe(v))
		}
		stored.add(*v)
		return v
	}

	t.Run("Create sets the ID and stores every field", func(t *testing.T) {
		a := create(t, 1, "first", base)
		b := create(t, 1, "second", base+1)
		if a.ID == b.ID {
			t.Fatalf("two videos share ID %d", a.ID)
		}
		if a.PublishedAt != base || b.PublishedAt != base+1 {
			t.Fatalf("free publish times changed: %d, %d", a.PublishedAt, b.PublishedAt)
		}
		got, err := repo.GetVideos(ctx, []int64{a.ID, b.ID})
		if err != nil {
			t.Fatal(err)
		}
		sameVideos(t, "GetVideos", sortedByPublish(got), []biz.Video{*b, *a})
		if want := "http://cdn.example/douyin/" + a.PlayKey; a.PlayURL != want {
			t.Fatalf("Create filled in PlayURL %q; want %q", a.PlayURL, want)
		}
	})

	t.Run("a taken publish time moves to the next free millisecond", func(t *testing.T) {
		at := base + 1_000
		first := create(t, 2, "first", at)
		second := create(t, 2, "second", at)
		third := create(t, 2, "third", at)
		fourth := create(t, 2, "fourth", at+1) // taken by second: skips past third too
		got := []int64{first.PublishedAt, second.PublishedAt, third.PublishedAt, fourth.PublishedAt}
		if want := []int64{at, at + 1, at + 2, at + 3}; !slices.Equal(got, want) {
			t.Fatalf("publish times %v; want %v", got, want)
		}
		list, err := repo.ListByAuthor(ctx, 2, everything)
		if err != nil {
			t.Fatal(err)
		}
		sameVideos(t, "ListByAuthor(2)", list, []biz.Video{*fourth, *third, *second, *first})
	})

	t.Run("20 concurrent publishes in one millisecond all get their own", func(t *testing.T) {
		at := base + 2_000
		const n = 20
		var wg sync.WaitGroup
		errs := make(chan error, n)
		times := make(chan int64, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v := &biz.Video{AuthorID: 3, Title: fmt.Sprintf("racer %d", i), PublishedAt: at,
					PlayKey: fmt.Sprintf("videos/racer-%d.mp4", i), CoverKey: fmt.Sprintf("covers/racer-%d.jpg", i)}
				if _, err := repo.Create(ctx, v, (*biz.Video).Published); err != nil {
					errs <- fmt.Errorf("racer %d: %w", i, err)
					return
				}
				stored.add(*v)
				times <- v.PublishedAt
			}()
		}
		wg.Wait()
		close(errs)
		close(times)
		for err := range errs {
			t.Error(err)
		}
		seen := map[int64]bool{}
		for ts := range times {
			if seen[ts] {
				t.Errorf("publish time %d handed out twice", ts)
			}
			if ts < at || ts >= at+n {
				t.Errorf("publish time %d is not among the next %d free milliseconds after %d", ts, n, at)
			}
			seen[ts] = true
		}
		if len(seen) != n {
			t.Fatalf("%d distinct publish times; want %d", len(seen), n)
		}
		list, err := repo.ListByAuthor(ctx, 3, everything)
		if err != nil || len(list) != n {
			t.Fatalf("ListByAuthor(3) = %d videos, %v; want %d", len(list), err, n)
		}
	})

	t.Run("Feed is strictly before the cursor, newest first, at most limit", func(t *testing.T) {
		at := base + 3_000
		a := create(t, 4, "a", at)
		b := create(t, 4, "b", at+1)
		c := create(t, 4, "c", at+2)

		page, err := repo.Feed(ctx, c.PublishedAt, 2)
		if err != nil {
			t.Fatal(err)
		}
		sameVideos(t, "Feed(c, 2)", page, []biz.Video{*b, *a}) // c, exactly at the cursor, is out
		page, err = repo.Feed(ctx, b.PublishedAt, 1)
		if err != nil {
			t.Fatal(err)
		}
		sameVideos(t, "Feed(b, 1)", page, []biz.Video{*a})
		page, err = repo.Feed(ctx, c.PublishedAt+1, 30)
		if err != nil {
			t.Fatal(err)
		}
		want := stored.newestFirst(func(v biz.Video) bool { return v.PublishedAt <= c.PublishedAt })
		sameVideos(t, "Feed(c+1, 30)", page, want[:min(30, len(want))])
		if page, err := repo.Feed(ctx, base, 30); err != nil || len(page) != 0 {
			t.Fatalf("Feed before the oldest video = %d videos, %v; want none", len(page), err)
		}
	})

	t.Run("a publish is in the very next feed, and its event in the outbox", func(t *testing.T) {
		if _, err := repo.Feed(ctx, math.MaxInt64, 30); err != nil { // fills the read cache
			t.Fatal(err)
		}
		mark := eventtest.Mark(t, repo.data.DB)
		v := &biz.Video{AuthorID: 5, Title: "fresh", PublishedAt: base + 4_000, PlayKey: "videos/fresh.mp4", CoverKey: "covers/fresh.jpg"}
		eventID, err := repo.Create(ctx, v, (*biz.Video).Published)
		if err != nil {
			t.Fatal(err)
		}
		stored.add(*v)
		events := outboxEvents(t, repo.data.DB, mark)
		if n := publishedPerAuthor(t, events); len(events) != 1 || n[5] != 1 {
			t.Fatalf("the publish enqueued %d events; want one VideoPublished", len(events))
		}
		if p := events[0].msg.(*videov1.VideoPublished); p.GetEventId() != eventID || p.GetVideoId() != v.ID || p.GetAuthorId() != 5 {
			t.Fatalf("enqueued %v; want event %q for video %d by author 5", p, eventID, v.ID)
		}
		page, err := repo.Feed(ctx, math.MaxInt64, 1)
		if err != nil {
			t.Fatal(err)
		}
		sameVideos(t, "Feed after a publish", page, []biz.Video{*v})
		page[0].Title = "changed by a caller"
		page[0].PlayURL = "changed"
		again, err := repo.Feed(ctx, math.MaxInt64, 1)
		if err != nil {
			t.Fatal(err)
		}
		sameVideos(t, "Feed after a caller changed its copy", again, []biz.Video{*v})
	})

	t.Run("paging walks every video exactly once", func(t *testing.T) {
		// 70 videos, created out of order, with gaps between their publish times.
		rng := rand.New(rand.NewPCG(1, 2))
		for _, i := range rng.Perm(70) {
			create(t, int64(6+i%3), fmt.Sprintf("paged %d", i), base+10_000+int64(i)*7)
		}
		sameVideos(t, "feed walk, 30 a page", walkFeed(t, repo, 30), stored.newestFirst(nil))
		sameVideos(t, "feed walk, 7 a page", walkFeed(t, repo, 7), stored.newestFirst(nil))
	})

	t.Run("ListByAuthor: that author only, newest first", func(t *testing.T) {
		for _, author := range []int64{1, 2, 6, 7, 8} {
			list, err := repo.ListByAuthor(ctx, author, everything)
			if err != nil {
				t.Fatal(err)
			}
			want := stored.newestFirst(func(v biz.Video) bool { return v.AuthorID == author })
			if len(want) == 0 {
				t.Fatalf("author %d has no videos in the suite", author)
			}
			sameVideos(t, fmt.Sprintf("ListByAuthor(%d)", author), list, want)
		}
		list, err := repo.ListByAuthor(ctx, 404_404, everything)
		if err != nil || len(list) != 0 {
			t.Fatalf("ListByAuthor(unknown) = %d videos, %v; want none, no error", len(list), err)
		}
		all := stored.newestFirst(func(v biz.Video) bool { return v.AuthorID == 3 })
		for _, limit := range []int{1, 5, len(all)} {
			list, err := repo.ListByAuthor(ctx, 3, limit)
			if err != nil {
				t.Fatal(err)
			}
			sameVideos(t, fmt.Sprintf("ListByAuthor(3, limit %d)", limit), list, all[:limit])
		}
	})

	t.Run("GetVideos returns the existing ids and skips unknown ones", func(t *testing.T) {
		all := stored.newestFirst(nil)
		pick := []biz.Video{all[0], all[len(all)/2], all[len(all)-1]}
		ids := []int64{999_999_999, pick[1].ID, -1, pick[0].ID, 0, pick[2].ID, pick[0].ID}
		got, err := repo.GetVideos(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		sameVideos(t, "GetVideos", sortedByPublish(got), pick)
		if got, err := repo.GetVideos(ctx, []int64{999_999_999}); err != nil || len(got) != 0 {
			t.Fatalf("GetVideos(unknown) = %d videos, %v; want none, no error", len(got), err)
		}
		if got, err := repo.GetVideos(ctx, nil); err != nil || len(got) != 0 {
			t.Fatalf("GetVideos(nil) = %d videos, %v; want none, no error", len(got), err)
		}
	})

	t.Run("Referenced tells which keys a video points at, a full batch at once", func(t *testing.T) {
		all := stored.newestFirst(nil)
		keys := []string{all[0].PlayKey, "videos/orphan.mp4", all[len(all)-1].CoverKey, "covers/orphan.jpg", all[0].PlayKey}
		for i := len(keys); i < biz.MaxBatch; i++ {
			keys = append(keys, fmt.Sprintf("videos/unknown-%d.mp4", i))
		}
		got, err := repo.Referenced(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			want := k == all[0].PlayKey || k == all[len(all)-1].CoverKey
			if got[k] != want {
				t.Errorf("Referenced: %s = %v, want %v", k, got[k], want)
			}
		}
		// The sweep asks by key: both columns are indexed.
		for _, field := range []string{"PlayKey", "CoverKey"} {
			if !repo.data.DB.Migrator().HasIndex(&videoModel{}, field) {
				t.Errorf("no index on %s", field)
			}
		}
	})

	t.Run("every publish enqueued one VideoPublished: per author they add up to the videos stored", func(t *testing.T) {
		// The racers of one millisecond retried inside transactions that rolled back: their
		// failed attempts must have left no events.
		got := publishedPerAuthor(t, outboxEvents(t, repo.data.DB, 0))
		if want := stored.countsOf(nil); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("VideoPublished per author = %v; want %v", got, want)
		}
	})

	titles := []string{
		strings.Repeat("抖", biz.MaxTitleLength),
		strings.Repeat("😀", biz.MaxTitleLength), // four bytes each in UTF-8: needs utf8mb4 on MySQL
		`它's 100% "real" \ _under_ 🎬`,
	}
	t.Run("multi-byte titles round-trip exactly", func(t *testing.T) {
		var vs []biz.Video
		for i, title := range titles {
			vs = append(vs, *create(t, 9, title, base+20_000+int64(i)))
		}
		slices.Reverse(vs)
		list, err := repo.ListByAuthor(ctx, 9, everything)
		if err != nil {
			t.Fatal(err)
		}
		sameVideos(t, "ListByAuthor(9)", list, vs)
		page, err := repo.Feed(ctx, vs[0].PublishedAt+1, len(vs))
		if err != nil {
			t.Fatal(err)
		}
		sameVideos(t, "Feed", page, vs)
	})

	t.Run("paging past the cached head of the feed", func(t *testing.T) {
		// More videos than the read cache holds, so the walk leaves the cache for the database.
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < headSize+40; i += 8 {
					v := &biz.Video{AuthorID: 10, Title: fmt.Sprintf("bulk %d", i), PublishedAt: base + 30_000 + int64(i)*3,
						PlayKey: fmt.Sprintf("videos/bulk-%d.mp4", i), CoverKey: fmt.Sprintf("covers/bulk-%d.jpg", i)}
					if _, err := repo.Create(ctx, v, (*biz.Video).Published); err != nil {
						errs <- err
						return
					}
					stored.add(*v)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		all := stored.newestFirst(nil)
		if len(all) <= headSize {
			t.Fatalf("only %d videos: the walk would stay in the cache", len(all))
		}
		sameVideos(t, "feed walk, 30 a page", walkFeed(t, repo, 30), all)
	})

	t.Run("a reopened store has everything", func(t *testing.T) {
		again := openVideoRepo(t, bc)
		all := stored.newestFirst(nil)
		sameVideos(t, "feed walk after reopening", walkFeed(t, again, biz.MaxFeedPage), all)
		list, err := again.ListByAuthor(ctx, 9, everything)
		if err != nil {
			t.Fatal(err)
		}
		sameVideos(t, "ListByAuthor(9) after reopening", list,
			stored.newestFirst(func(v biz.Video) bool { return v.AuthorID == 9 }))
		// The store was created with the events, so reopening announces no counts: the
		// outbox holds exactly one VideoPublished per video.
		if got := publishedPerAuthor(t, outboxEvents(t, again.data.DB, 0)); fmt.Sprint(got) != fmt.Sprint(stored.countsOf(nil)) {
			t.Fatalf("outbox after reopening: VideoPublished per author = %v; want %v", got, stored.countsOf(nil))
		}
		// The unique publish time survives the second migration: base+1 is taken since the first
		// subtest, base+2 is free.
		v := &biz.Video{AuthorID: 11, Title: "after reopening", PlayKey: "videos/r.mp4", CoverKey: "covers/r.jpg", PublishedAt: base + 1}
		if _, err := again.Create(ctx, v, (*biz.Video).Published); err != nil {
			t.Fatal(err)
		}
		if v.PublishedAt != base+2 {
			t.Fatalf("publish time after reopening %d; want %d", v.PublishedAt, base+2)
		}
	})
}
