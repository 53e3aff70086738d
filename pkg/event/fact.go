package event

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Fact is a row whose presence is a fact, such as a like or a follow.
type Fact struct {
	// Row is the row to insert when the fact becomes true: a pointer to its gorm model.
	Row any
	// Key names the columns that identify the row, with their values.
	Key map[string]any
}

// SetFact stores whether f holds as decide says and, in the same transaction, the event decide
// returns (see Record). decide gets whether f holds now and returns whether it should and the
// event announcing that, or nil: the rules are the caller's, and decide must not have effects,
// as it may be asked about both states. SetFact fills in the event's event_id and returns it, or
// "" when decide returned no event.
//
// The write is the read: a rule that sets the fact one way whatever it was (a like, an unlike)
// costs one statement, whose effect (a row inserted or deleted, or none) tells the state the
// fact was in, also against a concurrent transaction making the same change; so one change makes
// one event. Only a rule that keeps either state reads the row first.
func (r *Relay) SetFact(ctx context.Context, f Fact, route Router, decide func(holds bool) (bool, proto.Message)) (string, error) {
	return r.Record(ctx, route, func(tx *gorm.DB) (proto.Message, error) {
		ifAbsent, evIfAbsent := decide(false)
		ifPresent, evIfPresent := decide(true)
		var ev proto.Message
		switch {
		case ifAbsent && ifPresent: // make it hold
			inserted, err := storeFact(tx, f, true)
			if err != nil {
				return nil, err
			}
			ev = pick(inserted, evIfAbsent, evIfPresent)
		case !ifAbsent && !ifPresent: // make it not hold
			deleted, err := storeFact(tx, f, false)
			if err != nil {
				return nil, err
			}
			ev = pick(deleted, evIfPresent, evIfAbsent)
		default: // the rule depends on the state: read it, then write what it says
			var n int64
			if err := tx.Model(f.Row).Where(f.Key).Count(&n).Error; err != nil {
				return nil, err
			}
			holds := n > 0
			next, evNow := decide(holds)
			if next != holds {
				changed, err := storeFact(tx, f, next)
				if err != nil {
					return nil, err
				}
				if !changed {
					return nil, fmt.Errorf("fact %v: the row changed while setting it", f.Key)
				}
			}
			ev = evNow
		}
		return ev, nil
	})
}

// pick returns ifChanged when the write changed the row, otherwise ifNot.
func pick(changed bool, ifChanged, ifNot proto.Message) proto.Message {
	if changed {
		return ifChanged
	}
	return ifNot
}

// storeFact inserts or deletes f's row and reports whether that changed anything.
func storeFact(tx *gorm.DB, f Fact, holds bool) (bool, error) {
	var res *gorm.DB
	if holds {
		columns := make([]clause.Column, 0, len(f.Key))
		for name := range f.Key {
			columns = append(columns, clause.Column{Name: name})
		}
		res = tx.Clauses(clause.OnConflict{Columns: columns, DoNothing: true}).Create(f.Row)
	} else {
		res = tx.Where(f.Key).Delete(f.Row)
	}
	return res.RowsAffected > 0, res.Error
}
