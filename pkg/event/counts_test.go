package event

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"gorm.io/gorm"
)

// counterRow is a row of the counters table the tests keep.
type counterRow struct {
	ID    int64 `gorm:"primaryKey"`
	Likes int64
	Works int64
}

// counterTable creates the table "rows" in a new database, holding rows.
func counterTable(t *testing.T, name string, rows ...counterRow) *gorm.DB {
	t.Helper()
	db := openDB(t, name)
	if err := db.Table("rows").AutoMigrate(&counterRow{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Table("rows").Create(rows).Error; err != nil {
		t.Fatal(err)
	}
	return db
}

func TestCountsMoveAndSetCounters(t *testing.T) {
	db := counterTable(t, "counts", counterRow{ID: 1, Likes: 5, Works: 2}, counterRow{ID: 2})
	// The caller's rules: an Int64Value moves row 1's likes by its value and makes row 2's works
	// its value; a StringValue moves nothing here.
	counts := Counts("rows", func(ev proto.Message, move func(int64, string, int64, bool)) {
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
	// apply applies the messages as one batch.
	apply := func(ms ...Message) error {
		return db.Transaction(func(tx *gorm.DB) error {
			b := counts.NewBatch()
			for _, m := range ms {
				if err := b.Apply(context.Background(), tx, m); err != nil {
					return err
				}
			}
			return b.Flush(context.Background(), tx)
		})
	}
	read := func() (rows []counterRow) {
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

func TestCountsSumABatchIntoOneStatement(t *testing.T) {
	db := counterTable(t, "batch", counterRow{ID: 1, Likes: 5, Works: 2}, counterRow{ID: 2, Likes: 1, Works: 9}, counterRow{ID: 3, Likes: 4, Works: 4})
	// An Int64Value v moves row 1's likes and row 2's likes by v; a StringValue "set:n" makes
	// row 2's works n (absolute), and "works" moves the works of rows 1 and 2 by one.
	counts := Counts("rows", func(ev proto.Message, move func(int64, string, int64, bool)) {
		switch v := ev.(type) {
		case *wrapperspb.Int64Value:
			move(1, "likes", v.GetValue(), false)
			move(2, "likes", v.GetValue(), false)
		case *wrapperspb.StringValue:
			if v.GetValue() == "works" {
				move(1, "works", 1, false)
				move(2, "works", 1, false)
			} else {
				var n int64
				fmt.Sscanf(v.GetValue(), "set:%d", &n)
				move(2, "works", n, true)
			}
		}
	})
	var updates int
	if err := db.Callback().Update().After("gorm:update").Register("count_updates", func(*gorm.DB) { updates++ }); err != nil {
		t.Fatal(err)
	}
	message := func(m proto.Message) Message {
		payload, _ := proto.Marshal(m)
		return Message{EventID: "e", Type: string(m.ProtoReflect().Descriptor().FullName()), Payload: payload}
	}
	err := db.Transaction(func(tx *gorm.DB) error {
		b := counts.NewBatch()
		for _, ev := range []proto.Message{
			wrapperspb.Int64(3), wrapperspb.String("works"), wrapperspb.String("set:100"),
			wrapperspb.Int64(-1), wrapperspb.String("set:7"), wrapperspb.Int64(2), wrapperspb.String("works"),
		} {
			if err := b.Apply(context.Background(), tx, message(ev)); err != nil {
				return err
			}
		}
		if updates != 0 {
			t.Errorf("%d UPDATEs before the flush; want the moves gathered", updates)
		}
		return b.Flush(context.Background(), tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []counterRow
	db.Table("rows").Order("id").Find(&got)
	want := []counterRow{{ID: 1, Likes: 9, Works: 4}, {ID: 2, Likes: 5, Works: 8}, {ID: 3, Likes: 4, Works: 4}}
	if !slices.Equal(got, want) {
		t.Errorf("after the batch: %+v; want %+v (likes summed; row 2's works the last absolute plus the move after it; row 3 untouched)", got, want)
	}
	if updates != 1 {
		t.Errorf("the batch wrote %d UPDATEs; want 1", updates)
	}

	// A batch that moved nothing writes nothing.
	updates = 0
	if err := db.Transaction(func(tx *gorm.DB) error { return counts.NewBatch().Flush(context.Background(), tx) }); err != nil || updates != 0 {
		t.Errorf("an empty batch: %v, %d UPDATEs; want none", err, updates)
	}
}
