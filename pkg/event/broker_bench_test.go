package event

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// BenchmarkPublishToFetch is one event from a writer to a reader through the embedded broker, on
// its in-process address (the all-in-one's) and on a loopback port (the stand-in for Kafka of
// deploy/localcluster):
//
//	go test -run NONE -bench PublishToFetch ./pkg/event
func BenchmarkPublishToFetch(b *testing.B) {
	for _, tc := range []struct {
		name  string
		start func(dir string) (*EmbeddedBroker, error)
	}{
		{"inprocess", NewEmbeddedBroker},
		{"tcp", func(dir string) (*EmbeddedBroker, error) { return NewEmbeddedBrokerOn(dir, 0) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			broker, err := tc.start(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer broker.Close()
			brokers := broker.Brokers()
			ctx := context.Background()
			if err := EnsureTopics(ctx, brokers, 1, topic); err != nil {
				b.Fatal(err)
			}
			// A batch of one goes out at once: the figure is the transport's, not a batch timer's.
			w := &kafka.Writer{Addr: kafka.TCP(brokers...), Transport: transportFor(brokers), BatchSize: 1, RequiredAcks: kafka.RequireAll}
			defer w.Close()
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Dialer: dialerFor(brokers), Topic: topic, MinBytes: 1, MaxBytes: 1 << 20, MaxWait: time.Second})
			defer r.Close()
			value := make([]byte, 200)
			for b.Loop() {
				if err := w.WriteMessages(ctx, kafka.Message{Topic: topic, Key: []byte("k"), Value: value}); err != nil {
					b.Fatal(err)
				}
				if _, err := r.ReadMessage(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
