package event

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"
)

// CountHandler returns the Handler of a consumer that keeps counters in table. counts knows
// which counters an event moves (the rules are the caller's): it calls move once for each,
// with the row's id, the column, and by how much it moves or, when absolute, what it becomes.
// An event that moves none of table's counters is passed over (ErrSkip).
func CountHandler(table string, counts func(ev proto.Message, move func(id int64, column string, by int64, absolute bool))) Handler {
	type change struct {
		id       int64
		column   string
		by       int64
		absolute bool
	}
	return func(_ context.Context, tx *gorm.DB, msg Message) error {
		ev, err := msg.Decode()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrSkip, err)
		}
		var changes []change
		counts(ev, func(id int64, column string, by int64, absolute bool) {
			changes = append(changes, change{id, column, by, absolute})
		})
		if len(changes) == 0 {
			return fmt.Errorf("%w: event type %s on %s moves no counter of %s", ErrSkip, msg.Type, msg.Topic, table)
		}
		for _, c := range changes {
			var value any = gorm.Expr(c.column+" + ?", c.by)
			if c.absolute {
				value = c.by
			}
			if err := tx.Table(table).Where("id = ?", c.id).Update(c.column, value).Error; err != nil {
				return err
			}
		}
		return nil
	}
}
