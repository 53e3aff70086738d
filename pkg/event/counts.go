package event

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"
)

// Counts returns the Applier of a consumer that keeps counters in table. counts knows which
// counters an event moves (the rules are the caller's): it calls move once for each, with the
// row's id, the column, and by how much it moves or, when absolute, what it becomes. An event
// that moves none of table's counters is passed over (ErrSkip).
//
// A batch's moves are summed per counter and written in one UPDATE when the batch is flushed:
// a busy stream moves the same counters many times a batch (every like of a video moves its
// author's total_favorited), and a statement per move was most of what applying a batch cost.
func Counts(table string, counts func(ev proto.Message, move func(id int64, column string, by int64, absolute bool))) Applier {
	return countsApplier{table: table, counts: counts}
}

type countsApplier struct {
	table  string
	counts func(ev proto.Message, move func(id int64, column string, by int64, absolute bool))
}

func (a countsApplier) NewBatch() Batch {
	return &countsBatch{countsApplier: a, columns: map[string]map[int64]*counterChange{}}
}

// counterChange is what a batch does to one counter: it adds by, or, when absolute, sets it to
// by (an absolute move replaces what the moves before it did; the ones after add to it).
type counterChange struct {
	by       int64
	absolute bool
}

type countsBatch struct {
	countsApplier
	columns map[string]map[int64]*counterChange // column -> row id -> change
}

func (b *countsBatch) Apply(_ context.Context, _ *gorm.DB, msg Message) error {
	ev, err := msg.Decode()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSkip, err)
	}
	moved := false
	b.counts(ev, func(id int64, column string, by int64, absolute bool) {
		moved = true
		rows := b.columns[column]
		if rows == nil {
			rows = map[int64]*counterChange{}
			b.columns[column] = rows
		}
		change := rows[id]
		switch {
		case change == nil:
			rows[id] = &counterChange{by: by, absolute: absolute}
		case absolute:
			*change = counterChange{by: by, absolute: true}
		default:
			change.by += by
		}
	})
	if !moved {
		return fmt.Errorf("%w: event type %s on %s moves no counter of %s", ErrSkip, msg.Type, msg.Topic, b.table)
	}
	return nil
}

// Flush writes the batch's changes in one statement:
//
//	UPDATE table SET c = CASE id WHEN ? THEN c + ? WHEN ? THEN ? ELSE c END, ... WHERE id IN (...)
//
// Columns and ids are in order, so on MySQL two consumers lock the rows they share in the same
// order, and batches of one shape (as many rows, moved or set alike) write the same text.
func (b *countsBatch) Flush(_ context.Context, tx *gorm.DB) error {
	if len(b.columns) == 0 {
		return nil
	}
	var ids []int64
	assignments := make(map[string]any, len(b.columns))
	for column, rows := range b.columns {
		var sql strings.Builder
		args := make([]any, 0, 2*len(rows))
		sql.WriteString("CASE id")
		for _, id := range slices.Sorted(maps.Keys(rows)) {
			change := rows[id]
			if change.absolute {
				sql.WriteString(" WHEN ? THEN ?")
			} else {
				sql.WriteString(" WHEN ? THEN " + column + " + ?")
			}
			args = append(args, id, change.by)
			ids = append(ids, id)
		}
		sql.WriteString(" ELSE " + column + " END")
		assignments[column] = gorm.Expr(sql.String(), args...)
	}
	slices.Sort(ids)
	return tx.Table(b.table).Where("id IN ?", slices.Compact(ids)).Updates(assignments).Error
}
