package data

import (
	"fmt"
	"testing"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
)

// A store from before work_count travelled as events gets every author's count announced, once.
func TestWorkCountsBackfill(t *testing.T) {
	databasetest.ForEach(t, runWorkCountsBackfill, databasetest.OnSQLite, databasetest.OnMySQL)
}

func runWorkCountsBackfill(t *testing.T, bc *confv1.Bootstrap) {
	// The store as the earlier version left it: videos, and no outbox or backfill record.
	db, closeDB, err := database.OpenSQL(bc.GetDatabase(), bc.GetDataDir(), "video")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AutoMigrate(&videoModel{}); err != nil {
		t.Fatal(err)
	}
	want := map[int64]int64{4: 3, 9: 1, 12: 2}
	at := int64(1_700_000_000_000)
	for author, n := range want {
		for range n {
			at++
			key := fmt.Sprintf("%d-%d", author, at)
			if err := db.Create(&videoModel{AuthorID: author, Title: key, PlayKey: "videos/" + key, CoverKey: "covers/" + key, PublishedAt: at}).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	closeDB()

	counted := func() map[int64]int64 {
		data, cleanup, err := NewData(database.SettingsOf(bc), bc.GetKafka(), bootstrap.NewReadiness())
		if err != nil {
			t.Fatal(err)
		}
		defer cleanup()
		got := map[int64]int64{}
		for _, e := range outboxEvents(t, data.DB, 0) {
			c, ok := e.msg.(*videov1.WorksCounted)
			if !ok || e.topic != videov1.TopicPublished || e.key != fmt.Sprint(c.GetAuthorId()) || c.GetEventId() == "" {
				t.Fatalf("outbox row %d: %T %v on %q keyed %q; want a WorksCounted on %q keyed by its author",
					e.id, e.msg, e.msg, e.topic, e.key, videov1.TopicPublished)
			}
			if _, twice := got[c.GetAuthorId()]; twice {
				t.Fatalf("author %d counted twice", c.GetAuthorId())
			}
			got[c.GetAuthorId()] = c.GetWorkCount()
		}
		return got
	}
	if got := counted(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("first start with events: WorksCounted %v; want %v", got, want)
	}
	if got := counted(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("second start: the outbox holds %v; want the first start's %v and nothing more", got, want)
	}
}
