// Package eventtest reads a producer's outbox back in tests: what a step enqueued, as stored.
package eventtest

import (
	"testing"

	"gorm.io/gorm"

	"github.com/douyin-kratos/douyin/pkg/event"
)

// Row is an outbox row as stored.
type Row struct {
	ID      int64
	Topic   string
	Key     string
	EventID string
	Type    string
	Payload []byte
}

// Mark returns the id of db's newest outbox row (0 when empty): what After counts from.
func Mark(t testing.TB, db *gorm.DB) int64 {
	t.Helper()
	var id *int64
	if err := db.Table(event.OutboxTable).Select("MAX(id)").Scan(&id).Error; err != nil {
		t.Fatalf("read the outbox: %v", err)
	}
	if id == nil {
		return 0
	}
	return *id
}

// After returns the rows enqueued since mark, oldest first.
func After(t testing.TB, db *gorm.DB, mark int64) []Row {
	t.Helper()
	var rows []Row
	if err := db.Table(event.OutboxTable).Where("id > ?", mark).Order("id").Find(&rows).Error; err != nil {
		t.Fatalf("read the outbox: %v", err)
	}
	return rows
}
