package event

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/segmentio/kafka-go"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"gorm.io/gorm"

	"github.com/douyin-kratos/douyin/pkg/changes"
	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/metrics"
)

// outboxRecord is an event waiting to be published.
type outboxRecord struct {
	ID      int64  `gorm:"primaryKey"` // publish order
	Topic   string `gorm:"size:200;not null"`
	Key     string `gorm:"size:200;not null"`
	EventID string `gorm:"size:64;not null"`
	Type    string `gorm:"size:200;not null"`
	Payload []byte // an empty proto encodes to no bytes
	// W3C trace context of the request that made the change, if it was traced.
	TraceParent string `gorm:"size:64;not null;default:''"`
	TraceState  string `gorm:"size:512;not null;default:''"`
	CreatedAt   time.Time
}

// OutboxTable is the outbox's table in a producer's database.
const OutboxTable = "event_outbox"

func (outboxRecord) TableName() string { return OutboxTable }

// MigrateOutbox creates the outbox table in a producer's database.
func MigrateOutbox(db *gorm.DB) error { return database.Migrate(db, &outboxRecord{}) }

// Enqueue records an event in the outbox within tx, the transaction that makes the change the
// event describes: both are stored, or neither. The trace context of tx's context travels with
// the event, so the consumers' work joins the trace of the request that caused it.
func Enqueue(tx *gorm.DB, topic, key, eventID string, msg proto.Message) error {
	rec, err := outboxRow(tx, topic, key, eventID, msg)
	if err != nil {
		return err
	}
	if err := tx.Table(outboxRecord{}.TableName()).Create(rec).Error; err != nil {
		return fmt.Errorf("enqueue event: %w", err)
	}
	return nil
}

// enqueueBatch bounds the rows of one insert of EnqueueAll: a few thousand bound parameters,
// well within what SQLite and MySQL take in one statement.
const enqueueBatch = 500

// EnqueueAll records events in the outbox within tx, in their order, as Enqueue does for one:
// each gets a fresh event id, in its event_id field, and travels on the topic and key route
// gives it. It inserts many rows per statement, for a change that announces thousands of events
// at once (a take-down of a video with thousands of likes), and returns the events' ids.
func EnqueueAll[E proto.Message](tx *gorm.DB, route Router, events []E) ([]string, error) {
	ids := make([]string, 0, len(events))
	recs := make([]map[string]any, 0, min(len(events), enqueueBatch))
	flush := func() error {
		if err := insertOutbox(tx, recs); err != nil {
			return err
		}
		recs = recs[:0]
		return nil
	}
	for _, ev := range events {
		id := NewID()
		out, err := outgoing(ev, id, route)
		if err != nil {
			return nil, err
		}
		if out == nil {
			continue
		}
		rec, err := outboxRow(tx, out.Topic, out.Key, id, out.Message)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
		if recs = append(recs, rec); len(recs) == enqueueBatch {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return ids, nil
}

// insertOutbox inserts rows (outboxRow's) in one statement; none is no statement.
func insertOutbox(tx *gorm.DB, rows []map[string]any) error {
	if len(rows) == 0 {
		return nil
	}
	if err := tx.Table(OutboxTable).Create(rows).Error; err != nil {
		return fmt.Errorf("enqueue %d events: %w", len(rows), err)
	}
	return nil
}

// outboxRow is msg's row of the outbox, with the trace context of tx's context.
//
// It is inserted as a map into the bare table, not as an outboxRecord: for a model with an
// auto-increment key gorm adds RETURNING, which SQLite runs as a trigger, and a statement with a
// trigger keeps a statement journal. That made an insert cost more than the change it records.
func outboxRow(tx *gorm.DB, topic, key, eventID string, msg proto.Message) (map[string]any, error) {
	payload, err := proto.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", msg.ProtoReflect().Descriptor().FullName(), err)
	}
	rec := map[string]any{
		"topic": topic, "key": key, "event_id": eventID,
		"type": string(msg.ProtoReflect().Descriptor().FullName()), "payload": payload,
		"created_at": time.Now(),
	}
	trace := propagation.MapCarrier{}
	if ctx := tx.Statement.Context; ctx != nil {
		traceContext.Inject(ctx, trace)
	}
	rec["trace_parent"], rec["trace_state"] = trace[headerTraceParent], trace[headerTraceState]
	return rec, nil
}

// Outgoing is the event announcing a change, as Commit enqueues it.
type Outgoing struct {
	Topic string
	// Key orders the events: those with one key stay on one partition, in commit order.
	Key     string
	Message proto.Message
}

// Commit makes a change and records the event announcing it in one transaction, retried
// after a deadlock (database.Transaction), then wakes the relay. change gets a fresh event id
// for each attempt and returns the event, or nil when it found nothing to change (a like of a
// liked video). Commit returns the id of the event committed, or "" when there was none.
//
// On SQLite, changes committed at the same time share one transaction (see committer): change
// then sees what the changes before it in that transaction wrote, as it would have after
// their commits.
//
// When Commit fails the change may still have been committed (its answer lost on the way):
// callers that cache what the change touches should drop it after an error too.
func (r *Relay) Commit(ctx context.Context, change func(tx *gorm.DB, eventID string) (*Outgoing, error)) (string, error) {
	if r.group != nil {
		return r.group.commit(r, ctx, change)
	}
	return r.commitAlone(ctx, change)
}

// commitAlone makes change in a transaction of its own.
func (r *Relay) commitAlone(ctx context.Context, change func(tx *gorm.DB, eventID string) (*Outgoing, error)) (string, error) {
	var committed string
	err := database.Transaction(ctx, r.db, func(tx *gorm.DB) error {
		committed = "" // an attempt rolled back took its event with it
		eventID := NewID()
		out, err := change(tx, eventID)
		if err != nil || out == nil {
			return err
		}
		if err := Enqueue(tx, out.Topic, out.Key, eventID, out.Message); err != nil {
			return err
		}
		committed = eventID
		return nil
	})
	// Counted also after an error: the commit may have happened with its answer lost.
	r.ran(ctx, err == nil && committed != "")
	if err != nil {
		return "", err
	}
	return committed, nil
}

// ran follows a transaction of Commit's: it counts the change for the read caches and, when
// events were committed, wakes the relay.
func (r *Relay) ran(ctx context.Context, enqueued bool) {
	if r.changes != nil {
		if err := r.changes.Bump(ctx); err != nil {
			// The change stands; caches that did not hear of it drop it at their bound.
			r.log.Warnw("msg", "could not count a change for the read caches", "error", err)
		}
	}
	if enqueued {
		r.Notify()
	}
}

// Router gives the topic an event travels on and its key; "" for a message it does not know.
type Router func(ev proto.Message) (topic, key string)

// Record makes a change and records the event announcing it in one transaction, as Commit
// does, for callers whose rules build the event: write makes the change in tx and returns its
// event, or nil (also a typed nil) when there is none to announce; its writes commit either way.
// Record fills in the event's event_id and routes it by route, so write is only the row writes.
// An event route does not know, or one without an event_id field, fails the transaction: no
// change is stored without the event its rules asked for. write runs again when a deadlock
// retries the transaction, so it must have no effects outside tx. Record returns the event's
// id, or "" when there was none.
func (r *Relay) Record(ctx context.Context, route Router, write func(tx *gorm.DB) (proto.Message, error)) (string, error) {
	return r.Commit(ctx, func(tx *gorm.DB, eventID string) (*Outgoing, error) {
		ev, err := write(tx)
		if err != nil {
			return nil, err
		}
		return outgoing(ev, eventID, route)
	})
}

// outgoing routes ev and gives it eventID, in its event_id field: every event carries its id
// there, besides the header, so a consumer reading the payload alone still knows it.
func outgoing(ev proto.Message, eventID string, route Router) (*Outgoing, error) {
	if ev == nil || !ev.ProtoReflect().IsValid() { // also a typed nil
		return nil, nil
	}
	m := ev.ProtoReflect()
	field := m.Descriptor().Fields().ByName("event_id")
	if field == nil || field.Kind() != protoreflect.StringKind || field.Cardinality() == protoreflect.Repeated {
		return nil, fmt.Errorf("event %s has no event_id", m.Descriptor().FullName())
	}
	m.Set(field, protoreflect.ValueOfString(eventID))
	topic, key := route(ev)
	if topic == "" {
		return nil, fmt.Errorf("event %s has no route", m.Descriptor().FullName())
	}
	return &Outgoing{Topic: topic, Key: key, Message: ev}, nil
}

// Relay publishes the outbox to Kafka. It is a transport.Server; its constructor starts nothing.
type Relay struct {
	db      *gorm.DB
	brokers []string
	topics  []string
	writer  *kafka.Writer
	wake    chan struct{}
	poll    time.Duration
	log     *log.Helper
	stop    context.CancelFunc
	done    chan struct{}
	// changes is bumped after every transaction Commit ran (changes.Counter); nil counts none.
	changes changes.Counter
	// group gathers concurrent Commits into one transaction; nil where each has its own.
	group *committer
}

// RelayOption configures a Relay.
type RelayOption func(*Relay)

// CountChanges bumps c after every transaction the relay's Commit runs, committed or not
// (a failed commit may have happened all the same), so that read caches drop what it changed
// (pkg/changes). A transaction that changed nothing is counted too: telling it apart would cost
// more than the misses it causes.
func CountChanges(c changes.Counter) RelayOption { return func(r *Relay) { r.changes = c } }

// relayBatch is how many records one round publishes.
const relayBatch = 500

// NewRelay returns a relay publishing db's outbox to brokers, on topics it creates if needed.
func NewRelay(db *gorm.DB, brokers, topics []string, logger log.Logger, opts ...RelayOption) *Relay {
	r := &Relay{
		db: db, brokers: brokers, topics: topics,
		writer: &kafka.Writer{
			Addr:         kafka.TCP(brokers...),
			Transport:    transportFor(brokers),
			Balancer:     &kafka.Hash{}, // one key, one partition: an aggregate's events stay in order
			RequiredAcks: kafka.RequireAll,
			BatchTimeout: 2 * time.Millisecond, // the default 1 s would delay every event
			BatchSize:    relayBatch,
		},
		wake: make(chan struct{}, 1),
		poll: time.Second,
		log:  log.NewHelper(logger),
		done: make(chan struct{}),
	}
	if db.Dialector.Name() == "sqlite" { // one writer: see committer
		r.group = &committer{}
	}
	for _, opt := range opts {
		opt(r)
	}
	return r
}

// Notify tells the relay that records were committed, so it publishes now instead of at its
// next poll. It never blocks.
func (r *Relay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Start publishes until Stop. Records left by a crash are published on the first round.
func (r *Relay) Start(ctx context.Context) error {
	ctx, r.stop = context.WithCancel(ctx)
	defer close(r.done)
	if !ensureTopics(ctx, r.brokers, r.topics, r.log) {
		return nil
	}
	for {
		for {
			n, err := r.publishBatch(ctx)
			if err != nil {
				if ctx.Err() == nil {
					metrics.RecordPublishFailure()
					r.log.Warnw("msg", "outbox publish failed; retrying", "error", err)
				}
				break
			}
			if n < relayBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-time.After(r.poll):
		}
	}
}

// Stop ends Start and closes the writer.
func (r *Relay) Stop(context.Context) error {
	if r.stop != nil {
		r.stop()
		<-r.done
	}
	return r.writer.Close()
}

// publishBatch publishes the oldest records and deletes them. Dying between the two leaves
// them to be published again: consumers drop the duplicates by event id.
func (r *Relay) publishBatch(ctx context.Context) (int, error) {
	var recs []outboxRecord
	if err := r.db.WithContext(ctx).Order("id").Limit(relayBatch).Find(&recs).Error; err != nil {
		return 0, err
	}
	if len(recs) == 0 {
		return 0, nil
	}
	msgs := make([]kafka.Message, len(recs))
	ids := make([]int64, len(recs))
	spans := make([]trace.Span, 0, len(recs))
	defer func() {
		for _, span := range spans {
			span.End()
		}
	}()
	for i, rec := range recs {
		ids[i] = rec.ID
		msgs[i] = kafka.Message{
			Topic: rec.Topic,
			Key:   []byte(rec.Key),
			Value: rec.Payload,
			Headers: []kafka.Header{
				{Key: HeaderEventID, Value: []byte(rec.EventID)},
				{Key: HeaderType, Value: []byte(rec.Type)},
			},
		}
		if rec.TraceParent != "" {
			// The publish is a span of the request's trace, and the consumers continue from it.
			parent := traceContext.Extract(ctx, propagation.MapCarrier{headerTraceParent: rec.TraceParent, headerTraceState: rec.TraceState})
			spanCtx, span := tracer.Start(parent, "publish "+rec.Topic, trace.WithSpanKind(trace.SpanKindProducer),
				trace.WithAttributes(messagingAttributes(rec.Topic, rec.EventID)...))
			spans = append(spans, span)
			headers := propagation.MapCarrier{}
			traceContext.Inject(spanCtx, headers)
			for _, key := range []string{headerTraceParent, headerTraceState} {
				if v := headers[key]; v != "" {
					msgs[i].Headers = append(msgs[i].Headers, kafka.Header{Key: key, Value: []byte(v)})
				}
			}
		}
	}
	if err := r.writer.WriteMessages(ctx, msgs...); err != nil {
		for _, span := range spans {
			span.RecordError(err)
			span.SetStatus(codes.Error, "publish failed")
		}
		return 0, err
	}
	published := map[string]int{}
	for _, rec := range recs {
		published[rec.Topic]++
	}
	for topic, n := range published {
		metrics.RecordPublished(topic, n)
	}
	if err := r.db.WithContext(ctx).Delete(&outboxRecord{}, ids).Error; err != nil {
		return 0, err
	}
	return len(recs), nil
}

// ErrSkip may be returned by a Handler for an event it does not apply (an unknown type); the
// event is then recorded as handled.
var ErrSkip = errors.New("event skipped")
