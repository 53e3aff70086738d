package data

import (
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// backfillModel records the one-off jobs a store has run, so each runs once in its life.
type backfillModel struct {
	Name      string `gorm:"primaryKey;size:100"`
	CreatedAt time.Time
}

func (backfillModel) TableName() string { return "backfills" }

// workCountsBackfill names the job that published every author's work count.
const workCountsBackfill = "work_counts_published"

// publishWorkCountsOnce enqueues a WorksCounted for every author, once per store: work_count
// lives in the user app, which learns it from VideoPublished events, and videos published
// before those events existed were never announced. On a new store there is nobody to count.
// Marking the job and enqueueing its events is one transaction, and a publish enqueues its
// VideoPublished only after it, so each author's events are in order: the absolute count first,
// then the increments.
func publishWorkCountsOnce(db *gorm.DB) error {
	return db.Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&backfillModel{Name: workCountsBackfill})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // done before
		}
		var rows []struct {
			AuthorID int64
			N        int64
		}
		if err := tx.Model(&videoModel{}).Select("author_id, COUNT(*) AS n").Group("author_id").Scan(&rows).Error; err != nil {
			return fmt.Errorf("count videos per author: %w", err)
		}
		now := time.Now().UnixMilli()
		for _, row := range rows {
			id := event.NewID()
			err := event.Enqueue(tx, videov1.TopicPublished, strconv.FormatInt(row.AuthorID, 10), id,
				&videov1.WorksCounted{EventId: id, AuthorId: row.AuthorID, WorkCount: row.N, OccurredAt: now})
			if err != nil {
				return err
			}
		}
		return nil
	})
}
