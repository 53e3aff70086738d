package event

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"gorm.io/gorm"

	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
)

func TestRecordStoresTheWriteAndItsRoutedEventTogether(t *testing.T) {
	db, relay := openProducer(t, "record", &counter{})
	ctx := context.Background()
	// The key comes from the event, as countsv1.Route takes it from the aggregate's id.
	route := func(ev proto.Message) (string, string) {
		if f, ok := ev.(*relationv1.FollowChanged); ok {
			return topic, strconv.FormatInt(f.GetFollowerId(), 10)
		}
		return "", ""
	}
	state := func() (rows []counter, events []outboxRecord) {
		db.Order("key").Find(&rows)
		db.Order("id").Find(&events)
		return rows, events
	}
	// write stores a counter row under key and returns ev.
	write := func(key string, ev proto.Message, err error) func(*gorm.DB) (proto.Message, error) {
		return func(tx *gorm.DB) (proto.Message, error) {
			if err := tx.Create(&counter{Key: key, Value: 1}).Error; err != nil {
				return nil, err
			}
			return ev, err
		}
	}

	id, err := relay.Record(ctx, route, write("a", &relationv1.FollowChanged{FollowerId: 7, FolloweeId: 8, Delta: 1}, nil))
	rows, events := state()
	if err != nil || id == "" || len(rows) != 1 || len(events) != 1 {
		t.Fatalf("a write with an event: %q, %v, rows %v, %d events; want the row and one event", id, err, rows, len(events))
	}
	var ev relationv1.FollowChanged
	if err := proto.Unmarshal(events[0].Payload, &ev); err != nil || ev.GetEventId() != id || events[0].EventID != id ||
		events[0].Topic != topic || events[0].Key != "7" || events[0].Type != "douyin.relation.v1.FollowChanged" ||
		ev.GetFollowerId() != 7 || ev.GetFolloweeId() != 8 || ev.GetDelta() != 1 {
		t.Fatalf("stored event %+v (%v, payload %v); want id %q in the payload and the record, on %q keyed 7, fields kept",
			events[0], err, &ev, id, topic)
	}

	for _, none := range []struct {
		name     string
		key      string
		ev       proto.Message
		wantRows int
	}{
		{"nil", "b", nil, 2},
		{"a typed nil", "c", (*relationv1.FollowChanged)(nil), 3},
	} {
		id, err := relay.Record(ctx, route, write(none.key, none.ev, nil))
		rows, events := state()
		if err != nil || id != "" || len(rows) != none.wantRows || rows[len(rows)-1].Key != none.key || len(events) != 1 {
			t.Fatalf("a write announcing %s: %q, %v, rows %v, %d events; want the row stored and no event", none.name, id, err, rows, len(events))
		}
	}

	failure := errors.New("constraint violated")
	for _, c := range []struct {
		name  string
		ev    proto.Message
		err   error
		route Router
	}{
		{"a write that fails", &relationv1.FollowChanged{FollowerId: 7}, failure, route},
		{"an event the route does not know", &relationv1.FollowChanged{FollowerId: 7}, nil, func(proto.Message) (string, string) { return "", "" }},
		{"an event without event_id", wrapperspb.String("x"), nil, func(proto.Message) (string, string) { return topic, "x" }},
	} {
		id, err := relay.Record(ctx, c.route, write("d", c.ev, c.err))
		rows, events := state()
		if err == nil || (c.err != nil && !errors.Is(err, c.err)) || id != "" || len(rows) != 3 || len(events) != 1 {
			t.Fatalf("%s: %q, %v, rows %v, %d events; want its error, and neither the row nor an event", c.name, id, err, rows, len(events))
		}
	}
}

// EnqueueAll stores many events in order, each with its own id, in batches, within the
// caller's transaction.
func TestEnqueueAllStoresEveryEventInOrder(t *testing.T) {
	db, _ := openProducer(t, "enqueue-all", &counter{})
	route := func(ev proto.Message) (string, string) {
		return topic, strconv.FormatInt(ev.(*relationv1.FollowChanged).GetFollowerId(), 10)
	}
	n := 2*enqueueBatch + 7
	evs := make([]*relationv1.FollowChanged, n)
	for i := range evs {
		evs[i] = &relationv1.FollowChanged{FollowerId: int64(i), Delta: -1}
	}
	var ids []string
	err := db.Transaction(func(tx *gorm.DB) (err error) {
		ids, err = EnqueueAll(tx, route, evs)
		return err
	})
	var events []outboxRecord
	db.Order("id").Find(&events)
	if err != nil || len(ids) != n || len(events) != n {
		t.Fatalf("EnqueueAll of %d: %d ids, %v, %d outbox rows; want %d of each", n, len(ids), err, len(events), n)
	}
	seen := map[string]bool{}
	for i, rec := range events {
		var ev relationv1.FollowChanged
		if err := proto.Unmarshal(rec.Payload, &ev); err != nil || rec.EventID != ids[i] || ev.GetEventId() != ids[i] || seen[ids[i]] ||
			rec.Key != strconv.Itoa(i) || ev.GetFollowerId() != int64(i) || rec.Topic != topic {
			t.Fatalf("outbox row %d: %+v (%v); want event %d, id %q of its own, keyed %d", i, &ev, err, i, ids[i], i)
		}
		seen[ids[i]] = true
	}

	// An event the route does not know fails the transaction: nothing is stored.
	err = db.Transaction(func(tx *gorm.DB) error {
		_, err := EnqueueAll(tx, func(proto.Message) (string, string) { return "", "" }, evs[:1])
		return err
	})
	var count int64
	db.Model(&outboxRecord{}).Count(&count)
	if err == nil || count != int64(n) {
		t.Fatalf("EnqueueAll with no route: %v, %d rows; want an error and no new row", err, count)
	}
}
