package event

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
)

type edge struct {
	From int64 `gorm:"primaryKey;autoIncrement:false"`
	To   int64 `gorm:"primaryKey;autoIncrement:false"`
}

func TestSetFactStoresTheDecisionAndItsEventTogether(t *testing.T) {
	db, relay := openProducer(t, "facts", &edge{})
	ctx := context.Background()
	fact := func() Fact { return Fact{Row: &edge{From: 1, To: 2}, Key: map[string]any{"from": 1, "to": 2}} }
	route := func(ev proto.Message) (string, string) {
		if _, ok := ev.(*relationv1.FollowChanged); ok {
			return topic, "1"
		}
		return "", ""
	}
	// The caller's rule: setting what holds changes nothing and announces nothing.
	set := func(want bool) func(bool) (bool, proto.Message) {
		return func(holds bool) (bool, proto.Message) {
			if holds == want {
				return holds, (*relationv1.FollowChanged)(nil) // a typed nil is no event either
			}
			return want, &relationv1.FollowChanged{FollowerId: 1, FolloweeId: 2, Delta: 1}
		}
	}
	state := func() (rows int64, events []outboxRecord) {
		db.Model(&edge{}).Count(&rows)
		db.Order("id").Find(&events)
		return rows, events
	}

	id, err := relay.SetFact(ctx, fact(), route, set(true))
	rows, events := state()
	if err != nil || id == "" || rows != 1 || len(events) != 1 {
		t.Fatalf("first set: %q, %v, %d rows, %d events; want the row and one event", id, err, rows, len(events))
	}
	var ev relationv1.FollowChanged
	if err := proto.Unmarshal(events[0].Payload, &ev); err != nil || ev.GetEventId() != id || events[0].EventID != id ||
		events[0].Topic != topic || events[0].Key != "1" || ev.GetDelta() != 1 {
		t.Fatalf("stored event %+v (%v, payload %v); want id %q in the payload and the record, routed", events[0], err, &ev, id)
	}

	id, err = relay.SetFact(ctx, fact(), route, set(true))
	if rows, events := state(); err != nil || id != "" || rows != 1 || len(events) != 1 {
		t.Fatalf("second set: %q, %v, %d rows, %d events; want nothing new", id, err, rows, len(events))
	}

	noRoute := func(proto.Message) (string, string) { return "", "" }
	anyRoute := func(proto.Message) (string, string) { return topic, "1" }
	for _, c := range []struct {
		name   string
		route  Router
		decide func(bool) (bool, proto.Message)
	}{
		{"an event without a route", noRoute, func(bool) (bool, proto.Message) { return false, &relationv1.FollowChanged{} }},
		{"an event without event_id", anyRoute, func(bool) (bool, proto.Message) { return false, wrapperspb.String("x") }},
	} {
		id, err := relay.SetFact(ctx, fact(), c.route, c.decide)
		if rows, events := state(); err == nil || id != "" || rows != 1 || len(events) != 1 {
			t.Fatalf("%s: %q, %v, %d rows, %d events; want an error and nothing changed", c.name, id, err, rows, len(events))
		}
	}

	id, err = relay.SetFact(ctx, fact(), route, set(false))
	if rows, events := state(); err != nil || id == "" || rows != 0 || len(events) != 2 || events[1].EventID != id {
		t.Fatalf("unset: %q, %v, %d rows, %d events; want the row gone and its event", id, err, rows, len(events))
	}
}

// A rule whose outcome depends on the state (a toggle) is told the state as read, and each call
// changes the fact and announces that.
func TestSetFactToggles(t *testing.T) {
	db, relay := openProducer(t, "toggles", &edge{})
	route := func(proto.Message) (string, string) { return topic, "1" }
	toggle := func(holds bool) (bool, proto.Message) {
		delta := int32(1)
		if holds {
			delta = -1
		}
		return !holds, &relationv1.FollowChanged{FollowerId: 1, FolloweeId: 2, Delta: delta}
	}
	for i, wantRows := range []int64{1, 0, 1} {
		id, err := relay.SetFact(context.Background(), Fact{Row: &edge{From: 1, To: 2}, Key: map[string]any{"from": 1, "to": 2}}, route, toggle)
		var rows, events int64
		db.Model(&edge{}).Count(&rows)
		db.Model(&outboxRecord{}).Count(&events)
		if err != nil || id == "" || rows != wantRows || events != int64(i+1) {
			t.Fatalf("toggle %d: %q, %v, %d rows, %d events; want %d rows and %d events", i+1, id, err, rows, events, wantRows, i+1)
		}
	}
}
