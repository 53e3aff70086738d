package event

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/libtnb/sqlite"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"github.com/douyin-kratos/douyin/pkg/changes"
)

const topic = "test.counter"

func openDB(t *testing.T, name string) *gorm.DB {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), name+".db") + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate"
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return db
}

type counter struct {
	Key   string `gorm:"primaryKey"`
	Value int64
}

// addToCounter is the consumer side of the test: each event adds its value to its key's counter.
func addToCounter(_ context.Context, tx *gorm.DB, msg Message) error {
	var delta wrapperspb.Int64Value
	if err := msg.Unmarshal(&delta); err != nil {
		return fmt.Errorf("%w: %v", ErrSkip, err)
	}
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoUpdates: clause.Assignments(map[string]any{"value": gorm.Expr("value + ?", delta.GetValue())}),
	}).Create(&counter{Key: msg.Key, Value: delta.GetValue()}).Error
}

func startBroker(t *testing.T) []string {
	t.Helper()
	b, err := NewEmbeddedBroker(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := EnsureTopics(context.Background(), b.Brokers(), 4, topic); err != nil {
		t.Fatal(err)
	}
	return b.Brokers()
}

// run starts a transport.Server-like component and returns its stop function.
func run(t *testing.T, start func(context.Context) error, stop func(context.Context) error) func() {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- start(context.Background()) }()
	var once sync.Once
	stopFn := func() {
		once.Do(func() {
			if err := stop(context.Background()); err != nil {
				t.Errorf("stop: %v", err)
			}
			if err := <-errc; err != nil {
				t.Errorf("start returned %v", err)
			}
		})
	}
	t.Cleanup(stopFn)
	return stopFn
}

func waitFor(t *testing.T, what string, timeout time.Duration, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The whole path keeps every update exactly once through each way a process can die half-way:
// a producer that committed but never published, a relay that published but never deleted, and
// a consumer that applied but never committed its offset.
func TestEveryUpdateAppliedExactlyOnce(t *testing.T) {
	brokers := startBroker(t)
	producer, consumerDB := openDB(t, "producer"), openDB(t, "consumer")
	if err := MigrateOutbox(producer); err != nil {
		t.Fatal(err)
	}
	if err := MigrateConsumer(consumerDB); err != nil {
		t.Fatal(err)
	}
	if err := consumerDB.AutoMigrate(&counter{}); err != nil {
		t.Fatal(err)
	}

	// Updates committed while no relay runs: a producer that died right after its commits.
	const events = 3000
	want := map[string]int64{}
	rng := rand.New(rand.NewPCG(1, 2))
	var ids []string
	for i := 0; i < events; i += 100 {
		err := producer.Transaction(func(tx *gorm.DB) error {
			for j := i; j < i+100; j++ {
				key, delta := fmt.Sprintf("k%d", rng.IntN(25)), int64(rng.IntN(3)-1)
				want[key] += delta
				id := NewID()
				ids = append(ids, id)
				if err := Enqueue(tx, topic, key, id, wrapperspb.Int64(delta)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// A relay that died between publishing and deleting publishes these 200 again.
	var again []outboxRecord
	if err := producer.Order("id").Limit(200).Find(&again).Error; err != nil {
		t.Fatal(err)
	}
	for i := range again {
		again[i].ID = 0
	}
	if err := producer.Create(&again).Error; err != nil {
		t.Fatal(err)
	}

	// A consumer that is stopped after its third database commit, before that offset commit.
	first := NewConsumer("counters", consumerDB, brokers, []string{topic}, Handler(addToCounter), ConsumerOptions{}, log.DefaultLogger)
	var batches atomic.Int32
	stopFirst := func() {}
	first.afterApply = func() {
		if batches.Add(1) == 3 {
			go stopFirst()
			time.Sleep(50 * time.Millisecond) // let Stop cancel before the commit runs
		}
	}
	stopFirst = run(t, first.Start, first.Stop)

	relay := NewRelay(producer, brokers, []string{topic}, log.DefaultLogger)
	run(t, relay.Start, relay.Stop)

	waitFor(t, "the first consumer to be stopped mid-stream", 30*time.Second, func() bool { return batches.Load() >= 3 })
	stopFirst()
	second := NewConsumer("counters", consumerDB, brokers, []string{topic}, Handler(addToCounter), ConsumerOptions{}, log.DefaultLogger)
	run(t, second.Start, second.Stop)

	waitFor(t, "every event to be applied", 60*time.Second, func() bool {
		var n int64
		consumerDB.Model(&consumedEvent{}).Count(&n)
		return n == events
	})
	time.Sleep(300 * time.Millisecond) // redeliveries still in flight would show up here

	var got []counter
	if err := consumerDB.Find(&got).Error; err != nil {
		t.Fatal(err)
	}
	gotMap := map[string]int64{}
	for _, c := range got {
		gotMap[c.Key] = c.Value
	}
	for key, w := range want {
		if gotMap[key] != w {
			t.Errorf("counter %s = %d, want %d", key, gotMap[key], w)
		}
	}
	var applied int64
	consumerDB.Model(&consumedEvent{}).Count(&applied)
	if applied != events {
		t.Errorf("%d events recorded as applied, want %d", applied, events)
	}
	var left int64
	producer.Model(&outboxRecord{}).Count(&left)
	if left != 0 {
		t.Errorf("%d events still in the outbox", left)
	}
	if batches.Load() < 3 {
		t.Errorf("the first consumer applied %d batches; the crash was not exercised", batches.Load())
	}
}

// An event committed now is applied quickly: the relay is woken, not left to its poll.
func TestNotifiedEventArrivesFast(t *testing.T) {
	brokers := startBroker(t)
	producer, consumerDB := openDB(t, "producer"), openDB(t, "consumer")
	for _, err := range []error{MigrateOutbox(producer), MigrateConsumer(consumerDB), consumerDB.AutoMigrate(&counter{})} {
		if err != nil {
			t.Fatal(err)
		}
	}
	relay := NewRelay(producer, brokers, []string{topic}, log.DefaultLogger)
	relay.poll = time.Hour // only Notify can make it publish
	run(t, relay.Start, relay.Stop)
	consumer := NewConsumer("fast", consumerDB, brokers, []string{topic}, Handler(addToCounter), ConsumerOptions{}, log.DefaultLogger)
	run(t, consumer.Start, consumer.Stop)

	value := func() int64 {
		var c counter
		consumerDB.Where("key = ?", "k").Limit(1).Find(&c)
		return c.Value
	}
	publishedBefore := metricValue(t, `douyin_outbox_published_total{topic="`+topic+`"}`)
	for round := int64(1); round <= 3; round++ {
		if err := Enqueue(producer, topic, "k", NewID(), wrapperspb.Int64(1)); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		relay.Notify()
		waitFor(t, "the event", 15*time.Second, func() bool { return value() == round })
		t.Logf("round %d: applied %v after commit", round, time.Since(start))
	}
	// Other tests of the package publish to the same topic, but not at the same time.
	if got := metricValue(t, `douyin_outbox_published_total{topic="`+topic+`"}`) - publishedBefore; got != 3 {
		t.Errorf("douyin_outbox_published_total grew by %v; want 3", got)
	}
}

func TestConsumerPrunesOldEventIDs(t *testing.T) {
	db := openDB(t, "consumer")
	if err := MigrateConsumer(db); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-consumedRetention - time.Hour)
	rows := []consumedEvent{
		{Consumer: "c", EventID: "old", CreatedAt: old},
		{Consumer: "c", EventID: "recent", CreatedAt: time.Now()},
		{Consumer: "other", EventID: "old", CreatedAt: old}, // another consumer's: not ours to prune
	}
	if err := db.Create(&rows).Error; err != nil {
		t.Fatal(err)
	}
	NewConsumer("c", db, nil, nil, Handler(addToCounter), ConsumerOptions{}, log.DefaultLogger).prune(context.Background())
	var left []consumedEvent
	db.Order("consumer, event_id").Find(&left)
	if len(left) != 2 || left[0].Consumer != "c" || left[0].EventID != "recent" || left[1].Consumer != "other" {
		t.Fatalf("left %+v", left)
	}
}

// The trace context of the request that enqueued an event reaches the consumer: in the Kafka
// headers, in the Message, and as the remote parent of the context the handler gets.
func TestTraceContextTravelsWithTheEvent(t *testing.T) {
	brokers := startBroker(t)
	producer, consumerDB := openDB(t, "producer"), openDB(t, "consumer")
	for _, err := range []error{MigrateOutbox(producer), MigrateConsumer(consumerDB)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	traceID, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	spanID, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	state, _ := trace.ParseTraceState("vendor=value")
	request := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled, TraceState: state,
	}))
	if err := Enqueue(producer.WithContext(request), topic, "traced", "traced-event", wrapperspb.Int64(1)); err != nil {
		t.Fatal(err)
	}
	if err := Enqueue(producer, topic, "untraced", "untraced-event", wrapperspb.Int64(1)); err != nil {
		t.Fatal(err)
	}

	type seen struct {
		msg    Message
		remote trace.SpanContext
	}
	var mu sync.Mutex
	got := map[string]seen{}
	handle := func(ctx context.Context, _ *gorm.DB, msg Message) error {
		mu.Lock()
		defer mu.Unlock()
		got[msg.EventID] = seen{msg, trace.SpanContextFromContext(ctx)}
		return nil
	}
	relay := NewRelay(producer, brokers, []string{topic}, log.DefaultLogger)
	run(t, relay.Start, relay.Stop)
	consumer := NewConsumer("traced", consumerDB, brokers, []string{topic}, Handler(handle), ConsumerOptions{}, log.DefaultLogger)
	run(t, consumer.Start, consumer.Stop)
	waitFor(t, "both events", 15*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 2
	})

	traced := got["traced-event"]
	if want := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"; traced.msg.TraceParent != want || traced.msg.TraceState != "vendor=value" {
		t.Fatalf("traced event carries traceparent %q, tracestate %q; want %q, vendor=value", traced.msg.TraceParent, traced.msg.TraceState, want)
	}
	if !traced.remote.IsRemote() || traced.remote.TraceID() != traceID || traced.remote.SpanID() != spanID {
		t.Fatalf("the handler's context has span context %v; want the producer's, remote", traced.remote)
	}
	if untraced := got["untraced-event"]; untraced.msg.TraceParent != "" || untraced.remote.IsValid() {
		t.Fatalf("untraced event carries %q and span context %v; want none", untraced.msg.TraceParent, untraced.remote)
	}
}

// With tracing on, an event's journey is part of the request's trace: the relay's publish span
// is a child of the request's span, and the consumer's apply span a child of the publish span,
// which is also what the handler's context carries.
func TestPublishAndApplySpansJoinTheRequestTrace(t *testing.T) {
	recorder := tracetest.NewSpanRecorder()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	previous := otel.GetTracerProvider()
	otel.SetTracerProvider(provider)
	t.Cleanup(func() { otel.SetTracerProvider(previous) })

	brokers := startBroker(t)
	producer, consumerDB := openDB(t, "producer"), openDB(t, "consumer")
	for _, err := range []error{MigrateOutbox(producer), MigrateConsumer(consumerDB)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	request, requestSpan := provider.Tracer("test").Start(context.Background(), "request")
	if err := Enqueue(producer.WithContext(request), topic, "k", "spanned-event", wrapperspb.Int64(1)); err != nil {
		t.Fatal(err)
	}
	requestSpan.End()

	handled := make(chan trace.SpanContext, 1)
	handle := func(ctx context.Context, _ *gorm.DB, msg Message) error {
		handled <- trace.SpanContextFromContext(ctx)
		return nil
	}
	relay := NewRelay(producer, brokers, []string{topic}, log.DefaultLogger)
	run(t, relay.Start, relay.Stop)
	consumer := NewConsumer("spans", consumerDB, brokers, []string{topic}, Handler(handle), ConsumerOptions{}, log.DefaultLogger)
	run(t, consumer.Start, consumer.Stop)
	var inHandler trace.SpanContext
	select {
	case inHandler = <-handled:
	case <-time.After(15 * time.Second):
		t.Fatal("the event was not applied")
	}
	waitFor(t, "the apply span to end", 5*time.Second, func() bool { return len(recorder.Ended()) >= 3 })

	spans := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range recorder.Ended() {
		spans[s.Name()] = s
	}
	publish, apply := spans["publish "+topic], spans["apply "+topic]
	if publish == nil || apply == nil {
		t.Fatalf("spans recorded: %v; want publish and apply spans", slices.Collect(maps.Keys(spans)))
	}
	want := requestSpan.SpanContext()
	if publish.SpanKind() != trace.SpanKindProducer || publish.Parent().SpanID() != want.SpanID() || publish.SpanContext().TraceID() != want.TraceID() {
		t.Fatalf("publish span %v parent %v; want a producer span under the request %v", publish.SpanContext(), publish.Parent(), want)
	}
	if apply.SpanKind() != trace.SpanKindConsumer || apply.Parent().SpanID() != publish.SpanContext().SpanID() || apply.SpanContext().TraceID() != want.TraceID() {
		t.Fatalf("apply span %v parent %v; want a consumer span under the publish span %v", apply.SpanContext(), apply.Parent(), publish.SpanContext())
	}
	if inHandler.SpanID() != apply.SpanContext().SpanID() {
		t.Fatalf("the handler runs in span %v; want the apply span %v", inHandler, apply.SpanContext())
	}
}

// A committed batch counts one change for the read caches when it applied an event that
// Changed says changed something, every event when no Changed is given, and none for a batch
// that applied nothing (all redelivered).
func TestChangesCountOnlyEventsThatChangedSomething(t *testing.T) {
	ctx := context.Background()
	of := func(kind proto.Message) Message {
		return Message{EventID: NewID(), Type: string(kind.ProtoReflect().Descriptor().FullName())}
	}
	number, text := of((*wrapperspb.Int64Value)(nil)), of((*wrapperspb.StringValue)(nil))
	onlyNumbers := func(m Message) bool { return m.Is((*wrapperspb.Int64Value)(nil)) }
	for _, tc := range []struct {
		name    string
		changed func(Message) bool
		applied []Message
		want    int64
	}{
		{"nothing applied", nil, nil, 0},
		{"every event counts", nil, []Message{text}, 1},
		{"a batch counts once", nil, []Message{number, text}, 1},
		{"nothing that changed", onlyNumbers, []Message{text, text}, 0},
		{"one that changed", onlyNumbers, []Message{text, number}, 1},
	} {
		reads := &changes.Local{}
		c := NewConsumer("c", nil, nil, nil, Handler(addToCounter), ConsumerOptions{Changes: reads, Changed: tc.changed}, log.DefaultLogger)
		c.committed(ctx, nil, tc.applied)
		if n, _ := reads.Count(ctx); n != tc.want {
			t.Errorf("%s: %d changes counted; want %d", tc.name, n, tc.want)
		}
	}
}
