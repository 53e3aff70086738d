package event

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/segmentio/kafka-go"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// consumedEvent records that a consumer applied an event, in the consumer's own database and in
// the same transaction as the change: a second delivery finds it and changes nothing.
type consumedEvent struct {
	Consumer  string `gorm:"primaryKey;size:100"`
	EventID   string `gorm:"primaryKey;size:64"`
	CreatedAt time.Time
}

func (consumedEvent) TableName() string { return "event_consumed" }

// MigrateConsumer creates the table of applied event ids in a consumer's database.
func MigrateConsumer(db *gorm.DB) error { return db.AutoMigrate(&consumedEvent{}) }

// Handler applies one event inside tx. Returning an error rolls the batch back and retries it;
// return ErrSkip for an event that can never apply (it is then recorded and passed over).
type Handler func(ctx context.Context, tx *gorm.DB, msg Message) error

// Consumer applies the events of some topics to its app's database, each exactly once. It is a
// transport.Server; the Kafka reader (which starts goroutines) is created in Start.
type Consumer struct {
	name    string
	db      *gorm.DB
	brokers []string
	topics  []string
	handle  Handler
	log     *log.Helper

	// afterApply runs between the database commit and the offset commit; tests use it to
	// stop a consumer at its most delicate moment.
	afterApply func()
	stop       context.CancelFunc
	done       chan struct{}
}

// maxBatch bounds the events applied in one transaction.
const maxBatch = 200

// NewConsumer returns a consumer in group name (one group per consuming app).
func NewConsumer(name string, db *gorm.DB, brokers, topics []string, handle Handler, logger log.Logger) *Consumer {
	return &Consumer{
		name: name, db: db, brokers: brokers, topics: topics, handle: handle,
		log: log.NewHelper(log.With(logger, "consumer", name)), done: make(chan struct{}),
	}
}

// Start consumes until Stop.
func (c *Consumer) Start(ctx context.Context) error {
	ctx, c.stop = context.WithCancel(ctx)
	defer close(c.done)
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     c.brokers,
		GroupID:     c.name,
		GroupTopics: c.topics,
		// A new group starts from the oldest event: nothing published before it joined is lost.
		StartOffset:       kafka.FirstOffset,
		MinBytes:          1,
		MaxBytes:          10 << 20,
		MaxWait:           250 * time.Millisecond,
		HeartbeatInterval: time.Second,
		SessionTimeout:    6 * time.Second,
		RebalanceTimeout:  5 * time.Second,
		JoinGroupBackoff:  500 * time.Millisecond,
		ReadBackoffMin:    10 * time.Millisecond,
		ReadBackoffMax:    500 * time.Millisecond,
		CommitInterval:    0, // commit synchronously, after the database
	})
	defer reader.Close()

	for {
		batch, err := fetchBatch(ctx, reader)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			c.log.Warnw("msg", "fetch failed", "error", err)
			continue
		}
		// A failed apply (the database is down) is retried with the same batch until it
		// works: skipping it would lose the updates.
		for backoff := 50 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
			err := c.apply(ctx, batch)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return nil
			}
			c.log.Errorw("msg", "could not apply events; retrying", "events", len(batch), "error", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
		}
		if c.afterApply != nil {
			c.afterApply()
		}
		if err := reader.CommitMessages(ctx, batch...); err != nil && ctx.Err() == nil {
			// Harmless: the events will come again and be recognised as applied.
			c.log.Warnw("msg", "offset commit failed", "error", err)
		}
	}
}

// Stop ends Start; the reader leaves its group so the others take over at once.
func (c *Consumer) Stop(context.Context) error {
	if c.stop != nil {
		c.stop()
		<-c.done
	}
	return nil
}

// fetchBatch waits for one event, then takes whatever else is already there, so a busy topic is
// applied in few transactions.
func fetchBatch(ctx context.Context, reader *kafka.Reader) ([]kafka.Message, error) {
	first, err := reader.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	batch := []kafka.Message{first}
	for len(batch) < maxBatch {
		more, cancel := context.WithTimeout(ctx, time.Millisecond)
		m, err := reader.FetchMessage(more)
		cancel()
		if err != nil {
			break
		}
		batch = append(batch, m)
	}
	return batch, nil
}

func (c *Consumer) apply(ctx context.Context, batch []kafka.Message) error {
	return c.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, km := range batch {
			msg := fromKafka(km)
			if msg.EventID == "" {
				c.log.Errorw("msg", "event without an id passed over", "topic", msg.Topic, "offset", km.Offset)
				continue
			}
			res := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "consumer"}, {Name: "event_id"}},
				DoNothing: true,
			}).Create(&consumedEvent{Consumer: c.name, EventID: msg.EventID})
			if res.Error != nil {
				return fmt.Errorf("record event %s: %w", msg.EventID, res.Error)
			}
			if res.RowsAffected == 0 {
				continue // applied before: a redelivery or a republished outbox row
			}
			if err := c.handle(ctx, tx, msg); err != nil {
				if errors.Is(err, ErrSkip) {
					c.log.Warnw("msg", "event passed over", "event_id", msg.EventID, "type", msg.Type, "error", err)
					continue
				}
				return fmt.Errorf("apply event %s (%s): %w", msg.EventID, msg.Type, err)
			}
		}
		return nil
	})
}
