package data

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/event/eventtest"
)

// A take-down removes the video's favorites, each with its unfavorite, and its comments, in the
// consumer's transaction, on every store; after the commit every cache has forgotten them.
func TestTakedowns(t *testing.T) {
	databasetest.ForEach(t, runTakedownContract,
		databasetest.OnSQLite, databasetest.OnSQLiteInProcess, databasetest.OnMySQL, databasetest.OnMySQLRedis)
}

// takedownLikes is how many likes the taken-down video has: enough to show a large video is
// taken down in one transaction in reasonable time.
const takedownLikes = 2_000

// message is ev as the consumer receives it, with id eventID.
func message(t *testing.T, eventID string, ev proto.Message) event.Message {
	t.Helper()
	payload, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return event.Message{Topic: videov1.TopicPublished, EventID: eventID, Type: string(ev.ProtoReflect().Descriptor().FullName()), Payload: payload}
}

// takedowns is the take-down consumer's handler over s, with a video directory that asks no
// video app (the tests tell it the authors), as the app assembles them for bc.
func (s *stores) takedowns(t *testing.T, bc *confv1.Bootstrap) (*takedowns, *VideoDirectory) {
	t.Helper()
	videos, err := newVideoDirectory(nil, s.data.DB, bc.GetKafka().GetInProcess())
	if err != nil {
		t.Fatal(err)
	}
	return &takedowns{favorites: s.favs, comments: s.comments, videos: videos, relay: s.relay, likers: map[string][]int64{}}, videos
}

func runTakedownContract(t *testing.T, bc *confv1.Bootstrap) {
	ctx := context.Background()
	s := openStores(t, bc)
	td, videos := s.takedowns(t, bc)
	// consume applies msgs in one transaction and runs what follows its commit, as the consumer
	// does.
	consume := func(msgs ...event.Message) {
		t.Helper()
		err := s.data.DB.Transaction(func(tx *gorm.DB) error {
			for _, msg := range msgs {
				if err := td.apply(ctx, tx, msg); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		td.committed(ctx, msgs)
	}

	const doomed, kept, author = int64(100), int64(101), int64(7)
	// Two likers through the use case's path, the rest stored at once.
	for _, user := range []int64{1, 2} {
		for _, video := range []int64{doomed, kept} {
			if _, err := setFavorite(ctx, s.favs, biz.Favorite{UserID: user, VideoID: video, AuthorID: author}, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	bulk := make([]favoriteModel, takedownLikes-2)
	for i := range bulk {
		bulk[i] = favoriteModel{UserID: int64(1000 + i), VideoID: doomed, AuthorID: author, CreatedAt: time.Now().UnixMilli()}
	}
	if err := s.data.DB.CreateInBatches(bulk, 500).Error; err != nil {
		t.Fatal(err)
	}
	var commentsOf = map[int64][]int64{}
	for i, video := range []int64{doomed, doomed, doomed, kept} {
		c := &biz.Comment{VideoID: video, UserID: int64(1 + i%2), Content: "hello"}
		if _, err := s.comments.Create(ctx, c, (*biz.Comment).Posted); err != nil {
			t.Fatal(err)
		}
		commentsOf[video] = append(commentsOf[video], c.ID)
	}
	videos.authors.Add(doomed, author)
	// Warm every cache there is: each liker's set, the comment lists.
	for _, user := range []int64{1, 2} {
		if got, err := s.favs.FavoritedAmong(ctx, user, []int64{doomed, kept}); err != nil || len(got) != 2 {
			t.Fatalf("FavoritedAmong(%d) = %v, %v; want both videos", user, got, err)
		}
	}
	for video, ids := range commentsOf {
		if got, err := s.comments.ListByVideo(ctx, video, everything); err != nil || len(got) != len(ids) {
			t.Fatalf("ListByVideo(%d) = %d comments, %v; want %d", video, len(got), err, len(ids))
		}
	}

	if gone, err := videos.TakenDown(ctx, doomed); err != nil || gone {
		t.Fatalf("TakenDown before the take-down = %v, %v; want false", gone, err)
	}
	// The topic's other events leave nothing to do, and are no error. Nor are they a change
	// (isTakedown): counted, they would drop every answer the gateways keep.
	mark := eventtest.Mark(t, s.data.DB)
	published, counted := message(t, "published", &videov1.VideoPublished{VideoId: doomed, AuthorId: author}),
		message(t, "counted", &videov1.WorksCounted{AuthorId: author, WorkCount: 2})
	consume(published, counted)
	if rows := eventtest.After(t, s.data.DB, mark); len(rows) != 0 || s.videoRows(t, "favorites", doomed) != takedownLikes ||
		isTakedown(published) || isTakedown(counted) {
		t.Fatalf("a publish and a work count wrote %d events, left %d favorites, counted as changes %v, %v; want none, all %d, neither",
			len(rows), s.videoRows(t, "favorites", doomed), isTakedown(published), isTakedown(counted), takedownLikes)
	}

	start := time.Now()
	deleted := message(t, "deleted", &videov1.VideoDeleted{VideoId: doomed, AuthorId: author})
	if !isTakedown(deleted) {
		t.Fatal("a take-down does not count as a change: answers the gateways keep would go on showing the video")
	}
	consume(deleted)
	t.Logf("took down a video of %d likes in %v", takedownLikes, time.Since(start))

	// Each favorite went with the unfavorite of its liker's own unlike.
	rows := eventtest.After(t, s.data.DB, mark)
	if len(rows) != takedownLikes {
		t.Fatalf("the take-down wrote %d events; want one per like, %d", len(rows), takedownLikes)
	}
	likers := map[int64]bool{}
	ids := map[string]bool{}
	for _, row := range rows {
		var ev interactionv1.FavoriteChanged
		route := eventtest.Route{Topic: interactionv1.TopicFavorite, Type: typeFavoriteChanged, KeyedBy: "the video"}
		eventtest.Decode(t, row, &ev, route, ev.GetVideoId)
		if ev.GetVideoId() != doomed || ev.GetAuthorId() != author || ev.GetDelta() != -1 || ev.GetOccurredAt() <= 0 ||
			likers[ev.GetUserId()] || ids[ev.GetEventId()] {
			t.Fatalf("event %v; want one unfavorite of video %d by author %d per liker, each with an id of its own", &ev, doomed, author)
		}
		likers[ev.GetUserId()], ids[ev.GetEventId()] = true, true
	}
	if !likers[1] || !likers[2] || !likers[1000] || !likers[1000+takedownLikes-3] {
		t.Fatal("a liker's unfavorite is missing")
	}
	if n := s.videoRows(t, "favorites", doomed); n != 0 {
		t.Fatalf("%d favorites of the taken-down video are left", n)
	}
	if n := s.videoRows(t, "favorites", kept); n != 2 {
		t.Fatalf("%d favorites of another video are left; want its 2", n)
	}
	if s.videoRows(t, "comments", doomed) != 0 || s.videoRows(t, "comments", kept) != 1 {
		t.Fatalf("%d comments of the taken-down video and %d of the other are left; want 0 and 1", s.videoRows(t, "comments", doomed), s.videoRows(t, "comments", kept))
	}
	// No cache still shows them.
	for _, user := range []int64{1, 2} {
		if got, err := s.favs.FavoritedAmong(ctx, user, []int64{doomed, kept}); err != nil || !slices.Equal(got, []int64{kept}) {
			t.Fatalf("FavoritedAmong(%d) after the take-down = %v, %v; want only the other video", user, got, err)
		}
		if got, err := s.favs.ListVideos(ctx, user, everything); err != nil || !slices.Equal(got, []int64{kept}) {
			t.Fatalf("ListVideos(%d) after the take-down = %v, %v; want only the other video", user, got, err)
		}
	}
	if got, err := s.comments.ListByVideo(ctx, doomed, everything); err != nil || len(got) != 0 {
		t.Fatalf("ListByVideo of the taken-down video = %v, %v; want none", got, err)
	}
	if got, err := s.comments.ListByVideo(ctx, kept, everything); err != nil || len(got) != 1 {
		t.Fatalf("ListByVideo of the other video = %v, %v; want its comment", got, err)
	}
	if _, ok := videos.authors.Get(doomed); ok {
		t.Fatal("the directory still remembers the taken-down video's author")
	}
	// Likes and comments that come late find the take-down recorded, also after a restart.
	restarted, err := newVideoDirectory(nil, s.data.DB, bc.GetKafka().GetInProcess())
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []*VideoDirectory{videos, restarted} {
		for video, want := range map[int64]bool{doomed: true, kept: false} {
			if gone, err := dir.TakenDown(ctx, video); err != nil || gone != want {
				t.Fatalf("TakenDown(%d) = %v, %v; want %v", video, gone, err, want)
			}
		}
	}
	// A like that commits after the take-down read the favorites checks once it has committed;
	// the check must see the take-down from then on, even before the take-down's own commit
	// (in a cluster the database's locks order the two; in process nothing does).
	const racing = int64(102)
	err = s.data.DB.Transaction(func(tx *gorm.DB) error {
		if err := td.apply(ctx, tx, message(t, "deleted-racing", &videov1.VideoDeleted{VideoId: racing, AuthorId: author})); err != nil {
			return err
		}
		if bc.GetKafka().GetInProcess() {
			if gone, err := videos.TakenDown(ctx, racing); err != nil || !gone {
				t.Errorf("TakenDown during the take-down's transaction = %v, %v; want true", gone, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	td.committed(ctx, []event.Message{message(t, "deleted-racing", &videov1.VideoDeleted{VideoId: racing, AuthorId: author})})
	if gone, err := videos.TakenDown(ctx, racing); err != nil || !gone {
		t.Fatalf("TakenDown after the take-down = %v, %v; want true", gone, err)
	}

	// A take-down of a video with nothing left is no error and announces nothing.
	mark = eventtest.Mark(t, s.data.DB)
	consume(message(t, "deleted-again", &videov1.VideoDeleted{VideoId: doomed, AuthorId: author}))
	if rows := eventtest.After(t, s.data.DB, mark); len(rows) != 0 {
		t.Fatalf("a second take-down wrote %d events", len(rows))
	}
}

// Likers unliking while their video is taken down: each favorite is taken back exactly once,
// by the unlike or by the take-down, never by both.
func TestTakedownRacingUnlikes(t *testing.T) {
	databasetest.ForEach(t, func(t *testing.T, bc *confv1.Bootstrap) {
		ctx := context.Background()
		s := openStores(t, bc)
		td, _ := s.takedowns(t, bc)
		const video, author, likers = int64(300), int64(8), 40
		for user := range int64(likers) {
			if _, err := setFavorite(ctx, s.favs, biz.Favorite{UserID: user + 1, VideoID: video, AuthorID: author}, true); err != nil {
				t.Fatal(err)
			}
		}
		mark := eventtest.Mark(t, s.data.DB)
		msg := message(t, "deleted", &videov1.VideoDeleted{VideoId: video, AuthorId: author})
		eventtest.Concurrently(t, likers+1, func(i int) (string, error) {
			if i == likers {
				err := s.data.DB.Transaction(func(tx *gorm.DB) error { return td.apply(ctx, tx, msg) })
				td.committed(ctx, []event.Message{msg})
				return "", err
			}
			return setFavorite(ctx, s.favs, biz.Favorite{UserID: int64(i + 1), VideoID: video, AuthorID: author}, false)
		})
		takenBack := map[int64]int{}
		for _, row := range eventtest.After(t, s.data.DB, mark) {
			var ev interactionv1.FavoriteChanged
			route := eventtest.Route{Topic: interactionv1.TopicFavorite, Type: typeFavoriteChanged, KeyedBy: "the video"}
			eventtest.Decode(t, row, &ev, route, ev.GetVideoId)
			if ev.GetDelta() != -1 {
				t.Fatalf("event %v; want unfavorites only", &ev)
			}
			takenBack[ev.GetUserId()]++
		}
		for user := range int64(likers) {
			if n := takenBack[user+1]; n != 1 {
				t.Fatalf("user %d's favorite was taken back %d times; want once", user+1, n)
			}
		}
		if n := s.videoRows(t, "favorites", video); n != 0 {
			t.Fatalf("%d favorites left", n)
		}
	}, databasetest.OnSQLite, databasetest.OnMySQL)
}
