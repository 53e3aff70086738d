package event

import (
	"context"
	"errors"
	"testing"

	"github.com/go-kratos/kratos/v2/log"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"gorm.io/gorm"
)

// openProducer opens a producer's database with the outbox and the models' tables, and a relay
// that is never started: Commit and SetFact only store, and Notify never blocks.
func openProducer(t *testing.T, name string, models ...any) (*gorm.DB, *Relay) {
	t.Helper()
	db := openDB(t, name)
	if err := MigrateOutbox(db); err != nil {
		t.Fatal(err)
	}
	if err := db.AutoMigrate(models...); err != nil {
		t.Fatal(err)
	}
	return db, NewRelay(db, []string{"127.0.0.1:1"}, []string{topic}, log.DefaultLogger)
}

func TestCommitStoresTheChangeAndItsEventTogether(t *testing.T) {
	db, relay := openProducer(t, "producer", &counter{})
	ctx := context.Background()
	outbox := func() (ids []string) {
		db.Model(&outboxRecord{}).Order("id").Pluck("event_id", &ids)
		return ids
	}
	counters := func() (n int64) {
		db.Model(&counter{}).Count(&n)
		return n
	}

	id, err := relay.Commit(ctx, func(tx *gorm.DB, eventID string) (*Outgoing, error) {
		if err := tx.Create(&counter{Key: "a", Value: 1}).Error; err != nil {
			return nil, err
		}
		return &Outgoing{Topic: topic, Key: "a", Message: wrapperspb.String(eventID)}, nil
	})
	if err != nil || id == "" || len(outbox()) != 1 || outbox()[0] != id || counters() != 1 {
		t.Fatalf("a change: id %q, %v, outbox %v, %d rows; want its event stored with it", id, err, outbox(), counters())
	}

	id, err = relay.Commit(ctx, func(*gorm.DB, string) (*Outgoing, error) { return nil, nil })
	if err != nil || id != "" || len(outbox()) != 1 {
		t.Fatalf("nothing changed: id %q, %v, outbox %v; want no event", id, err, outbox())
	}

	failure := errors.New("constraint violated")
	id, err = relay.Commit(ctx, func(tx *gorm.DB, eventID string) (*Outgoing, error) {
		if err := tx.Create(&counter{Key: "b", Value: 1}).Error; err != nil {
			return nil, err
		}
		return &Outgoing{Topic: topic, Key: "b", Message: wrapperspb.String(eventID)}, failure
	})
	if !errors.Is(err, failure) || id != "" || len(outbox()) != 1 || counters() != 1 {
		t.Fatalf("a failed change: id %q, %v, outbox %v, %d rows; want neither the change nor its event", id, err, outbox(), counters())
	}
}
