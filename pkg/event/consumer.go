package event

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/segmentio/kafka-go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"

	"github.com/douyin-kratos/douyin/pkg/changes"
	"github.com/douyin-kratos/douyin/pkg/metrics"
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

// NewBatch implements Applier: each event is applied as it comes.
func (h Handler) NewBatch() Batch { return handlerBatch(h) }

// Applier is what a consumer applies: a Batch for each of its transactions.
type Applier interface {
	NewBatch() Batch
}

// Batch applies the events of one transaction: Apply for each event applied for the first time,
// in order, then Flush, within the transaction. A Batch whose transaction fails is dropped; the
// retry gets a new one. Apply's errors are a Handler's (ErrSkip passes the event over).
type Batch interface {
	Apply(ctx context.Context, tx *gorm.DB, msg Message) error
	Flush(ctx context.Context, tx *gorm.DB) error
}

type handlerBatch Handler

func (b handlerBatch) Apply(ctx context.Context, tx *gorm.DB, msg Message) error {
	return b(ctx, tx, msg)
}

func (handlerBatch) Flush(context.Context, *gorm.DB) error { return nil }

// Consumer applies the events of some topics to its app's database, each exactly once. It is a
// transport.Server; the Kafka reader (which starts goroutines) is created in Start.
type Consumer struct {
	name    string
	db      *gorm.DB
	brokers []string
	topics  []string
	applier Applier
	opts    ConsumerOptions
	log     *log.Helper

	// afterApply runs between the database commit and the offset commit; tests use it to
	// stop a consumer at its most delicate moment.
	afterApply func()
	stop       context.CancelFunc
	done       chan struct{}
}

// maxBatch bounds the events applied in one transaction.
const maxBatch = 200

// consumedRetention is how long applied event ids are kept. A redelivery comes within seconds
// (an uncommitted offset) or minutes (an outbox row published twice); 30 days also outlasts
// Kafka's default log and offset retention, after which no event can come again.
const consumedRetention = 30 * 24 * time.Hour

// ConsumerOptions are what a consumer does once a batch is committed.
type ConsumerOptions struct {
	// Acks is told which events were applied, for the actions waiting on them.
	Acks Acks
	// AfterCommit runs after each committed batch, e.g. to drop cache entries it changed.
	AfterCommit func(ctx context.Context, applied []Message)
	// Changes is bumped after each committed batch that applied an event Changed says changed
	// something, for the read caches (pkg/changes); nil counts none.
	Changes changes.Counter
	// Changed tells which applied events change what readers see; nil: every one. A consumer
	// that applies some of its topics' events as nothing says so here: a count for those would
	// drop every answer the gateways keep, at a moment no request waits for.
	Changed func(Message) bool
}

// NewConsumer returns a consumer in group name (one group per consuming app).
func NewConsumer(name string, db *gorm.DB, brokers, topics []string, applier Applier, opts ConsumerOptions, logger log.Logger) *Consumer {
	return &Consumer{
		name: name, db: db, brokers: brokers, topics: topics, applier: applier, opts: opts,
		log: log.NewHelper(log.With(logger, "consumer", name)), done: make(chan struct{}),
	}
}

// Name is the consumer group, which actions name when they wait for it.
func (c *Consumer) Name() string { return c.name }

// Start consumes until Stop.
func (c *Consumer) Start(ctx context.Context) error {
	ctx, c.stop = context.WithCancel(ctx)
	defer close(c.done)
	if !ensureTopics(ctx, c.brokers, c.topics, c.log) {
		return nil
	}
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     c.brokers,
		Dialer:      dialerFor(c.brokers),
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

	nextPrune := time.Now()
	for {
		if time.Now().After(nextPrune) {
			c.prune(ctx)
			nextPrune = time.Now().Add(time.Hour)
		}
		batch, err := fetchBatch(ctx, reader)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			c.log.Warnw("msg", "fetch failed", "error", err)
			continue
		}
		c.recordLag(batch, false)
		// A failed apply (the database is down) is retried with the same batch until it
		// works: skipping it would lose the updates.
		var applied []Message
		for backoff := 50 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
			var err error
			applied, err = c.apply(ctx, batch)
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
		c.committed(ctx, batch, applied)
		c.recordLag(batch, true)
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

// prune forgets applied event ids older than consumedRetention.
func (c *Consumer) prune(ctx context.Context) {
	err := c.db.WithContext(ctx).Where("consumer = ? AND created_at < ?", c.name, time.Now().Add(-consumedRetention)).
		Delete(&consumedEvent{}).Error
	if err != nil && ctx.Err() == nil {
		c.log.Warnw("msg", "could not prune applied event ids", "error", err)
	}
}

// fetchBatch waits for one event, then takes whatever else comes within batchWindow of it, so a
// busy topic is applied in few transactions while no event waits long for its batch to fill.
func fetchBatch(ctx context.Context, reader *kafka.Reader) ([]kafka.Message, error) {
	first, err := reader.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	batch := []kafka.Message{first}
	more, cancel := context.WithTimeout(ctx, batchWindow)
	defer cancel()
	for len(batch) < maxBatch {
		m, err := reader.FetchMessage(more)
		if err != nil {
			break
		}
		batch = append(batch, m)
	}
	return batch, nil
}

// batchWindow is how long a batch gathers events after its first. A wait per event instead (the
// next within a millisecond of the last) keeps a batch open as long as a steady stream flows,
// up to maxBatch events, its first event and the user waiting for it (countsv1.Awaiter) waiting
// all that time: 40 ms at 5,000 likes a second.
const batchWindow = 2 * time.Millisecond

// recordLag records, for each partition of batch, how many of its messages the group has yet to
// apply: from the batch's first message while it is being applied (so a batch stuck on a
// failing database shows), and after it once it is committed.
func (c *Consumer) recordLag(batch []kafka.Message, applied bool) {
	type partition struct {
		topic string
		id    int
	}
	lag := make(map[partition]int64, 1)
	for _, m := range batch {
		p := partition{m.Topic, m.Partition}
		if applied {
			lag[p] = m.HighWaterMark - (m.Offset + 1) // the batch's last message of p wins
		} else if _, seen := lag[p]; !seen {
			lag[p] = m.HighWaterMark - m.Offset
		}
	}
	for p, n := range lag {
		metrics.RecordLag(c.name, p.topic, p.id, max(n, 0))
	}
}

// committed runs AfterCommit for the events applied for the first time, then tells the acks
// about every event of the batch (also redelivered ones: their first application may have been
// cut off before its ack).
func (c *Consumer) committed(ctx context.Context, batch []kafka.Message, applied []Message) {
	// Caches first: a request released by the ack must not read a value cached before the
	// batch was applied.
	if c.opts.AfterCommit != nil && len(applied) > 0 {
		c.opts.AfterCommit(ctx, applied)
	}
	changed := len(applied) > 0
	if c.opts.Changed != nil {
		changed = slices.ContainsFunc(applied, c.opts.Changed)
	}
	if c.opts.Changes != nil && changed {
		if err := c.opts.Changes.Bump(ctx); err != nil {
			c.log.Warnw("msg", "could not count applied events for the read caches", "error", err)
		}
	}
	if c.opts.Acks != nil {
		ids := make([]string, 0, len(batch))
		for _, km := range batch {
			if id := fromKafka(km).EventID; id != "" {
				ids = append(ids, id)
			}
		}
		c.opts.Acks.Applied(ctx, c.name, ids)
	}
}

// apply applies the batch in one transaction and returns the events it applied for the first
// time. Another consumer of the group may have applied some of them meanwhile (a rebalance hands
// a partition over while its old owner still applies it): recording them again then fails on
// their key, and the batch is applied anew, without them.
func (c *Consumer) apply(ctx context.Context, batch []kafka.Message) ([]Message, error) {
	for attempt := 1; ; attempt++ {
		applied, err := c.applyOnce(ctx, batch)
		if errors.Is(err, gorm.ErrDuplicatedKey) && attempt < 3 {
			continue
		}
		return applied, err
	}
}

func (c *Consumer) applyOnce(ctx context.Context, batch []kafka.Message) ([]Message, error) {
	var applied []Message
	err := c.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		applied = applied[:0]
		fresh, err := c.firstTime(tx, batch)
		if err != nil {
			return err
		}
		b := c.applier.NewBatch()
		for _, msg := range fresh {
			if err := c.applyTraced(ctx, tx, b, msg); err != nil {
				if errors.Is(err, ErrSkip) {
					c.log.Warnw("msg", "event passed over", "event_id", msg.EventID, "type", msg.Type, "error", err)
					continue
				}
				return fmt.Errorf("apply event %s (%s): %w", msg.EventID, msg.Type, err)
			}
			applied = append(applied, msg)
		}
		if err := b.Flush(ctx, tx); err != nil {
			return fmt.Errorf("apply %d events: %w", len(applied), err)
		}
		return nil
	})
	return applied, err
}

// firstTime records, within tx, the events of batch this consumer has not applied before, and
// returns them in the batch's order: one read and one insert for the whole batch. An event that
// comes twice (a redelivery, an outbox row published twice) is returned once, the first time.
func (c *Consumer) firstTime(tx *gorm.DB, batch []kafka.Message) ([]Message, error) {
	msgs := make([]Message, 0, len(batch))
	ids := make([]string, 0, len(batch))
	for _, km := range batch {
		msg := fromKafka(km)
		if msg.EventID == "" {
			c.log.Errorw("msg", "event without an id passed over", "topic", msg.Topic, "offset", km.Offset)
			continue
		}
		msgs = append(msgs, msg)
		ids = append(ids, msg.EventID)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var known []string
	if err := tx.Model(&consumedEvent{}).Where("consumer = ? AND event_id IN ?", c.name, ids).Pluck("event_id", &known).Error; err != nil {
		return nil, fmt.Errorf("read applied events: %w", err)
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range known {
		seen[id] = true
	}
	fresh := msgs[:0]
	now := time.Now()
	rows := make([]consumedEvent, 0, len(msgs))
	for _, msg := range msgs {
		if seen[msg.EventID] {
			continue // applied before
		}
		seen[msg.EventID] = true
		fresh = append(fresh, msg)
		rows = append(rows, consumedEvent{Consumer: c.name, EventID: msg.EventID, CreatedAt: now})
	}
	if len(rows) > 0 {
		if err := tx.Create(&rows).Error; err != nil {
			return nil, fmt.Errorf("record %d events: %w", len(rows), err)
		}
	}
	return fresh, nil
}

// applyTraced applies msg in b, in a span continuing the trace of the request that caused the
// event when it carries one.
func (c *Consumer) applyTraced(ctx context.Context, tx *gorm.DB, b Batch, msg Message) error {
	if msg.TraceParent == "" {
		return b.Apply(ctx, tx, msg)
	}
	ctx, span := tracer.Start(msg.Context(ctx), "apply "+msg.Topic, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(append(messagingAttributes(msg.Topic, msg.EventID),
			attribute.String("messaging.consumer.group.name", c.name))...))
	defer span.End()
	err := b.Apply(ctx, tx, msg)
	if err != nil && !errors.Is(err, ErrSkip) {
		span.RecordError(err)
		span.SetStatus(codes.Error, "apply failed")
	}
	return err
}
