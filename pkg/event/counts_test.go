package event

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"gorm.io/gorm"
)

func TestCountHandlerMovesAndSetsCounters(t *testing.T) {
	type row struct {
		ID    int64 `gorm:"primaryKey"`
		Likes int64
		Works int64
	}
	db := openDB(t, "counts")
	if err := db.Table("rows").AutoMigrate(&row{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Table("rows").Create([]row{{ID: 1, Likes: 5, Works: 2}, {ID: 2}}).Error; err != nil {
		t.Fatal(err)
	}
	// The caller's rules: an Int64Value moves row 1's likes by its value and makes row 2's works
	// its value; a StringValue moves nothing here.
	handle := CountHandler("rows", func(ev proto.Message, move func(int64, string, int64, bool)) {
		if v, ok := ev.(*wrapperspb.Int64Value); ok {
			move(1, "likes", v.GetValue(), false)
			move(2, "works", v.GetValue(), true)
		}
	})
	message := func(m proto.Message) Message {
		payload, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return Message{EventID: "e", Type: string(m.ProtoReflect().Descriptor().FullName()), Payload: payload}
	}
	apply := func(m Message) error {
		return db.Transaction(func(tx *gorm.DB) error { return handle(context.Background(), tx, m) })
	}
	read := func() (rows []row) {
		db.Table("rows").Order("id").Find(&rows)
		return rows
	}

	for _, v := range []int64{3, -1} {
		if err := apply(message(wrapperspb.Int64(v))); err != nil {
			t.Fatal(err)
		}
	}
	if got := read(); got[0].Likes != 7 || got[0].Works != 2 || got[1].Works != -1 || got[1].Likes != 0 {
		t.Fatalf("after +3 and -1: %+v; want row 1 likes 7 (moved), row 2 works -1 (set)", got)
	}
	for _, m := range []Message{message(wrapperspb.String("x")), {EventID: "e", Type: "no.such.Type"}} {
		if err := apply(m); !errors.Is(err, ErrSkip) {
			t.Errorf("event %s that moves nothing here: %v; want ErrSkip", m.Type, err)
		}
	}
	if got := read(); got[0].Likes != 7 || got[1].Works != -1 {
		t.Fatalf("skipped events changed counters: %+v", got)
	}
}
