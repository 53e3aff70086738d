package event

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/douyin-kratos/douyin/pkg/inprocess"
)

// EmbeddedBroker is a Kafka-protocol broker inside the process (franz-go's kfake), keeping its
// log under a directory so events survive a restart. The all-in-one uses it instead of Kafka, so
// the same kafka-go code and the same guarantees run everywhere.
type EmbeddedBroker struct {
	cluster *kfake.Cluster
}

// NewEmbeddedBroker starts a one-node broker that only this process can reach: it listens on an
// in-process address (pkg/inprocess), which Relay, Consumer and EnsureTopics dial through memory.
// It checks no credentials, so it must not listen where anyone else could connect. It persists
// to dir and serves from its own goroutines until Close.
func NewEmbeddedBroker(dir string) (*EmbeddedBroker, error) {
	return newEmbeddedBroker(dir, kfake.ListenFn(func(string, string) (net.Listener, error) {
		return inprocess.Listen(inprocess.Address("kafka"))
	}))
}

// NewEmbeddedBrokerOn is NewEmbeddedBroker on a loopback TCP port (127.0.0.1:port; 0 lets the
// kernel pick), for a broker other processes must find at an address known in advance, such as
// the stand-in for Kafka of deploy/localcluster. Every local process can reach it.
func NewEmbeddedBrokerOn(dir string, port int) (*EmbeddedBroker, error) {
	return newEmbeddedBroker(dir, kfake.Ports(port))
}

func newEmbeddedBroker(dir string, listen kfake.Opt) (*EmbeddedBroker, error) {
	cluster, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		listen,
		kfake.DataDir(dir),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(4),
		kfake.GroupMinSessionTimeout(time.Second),
	)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	return &EmbeddedBroker{cluster: cluster}, nil
}

// Brokers returns the addresses to give producers and consumers.
func (b *EmbeddedBroker) Brokers() []string { return b.cluster.ListenAddrs() }

// Close stops the broker, flushing its log to disk.
func (b *EmbeddedBroker) Close() { b.cluster.Close() }

// EnsureTopics creates the topics that do not exist yet.
func EnsureTopics(ctx context.Context, brokers []string, partitions int, topics ...string) error {
	if len(brokers) == 0 {
		return errors.New("no Kafka brokers configured")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	dialer := dialerFor(brokers)
	conn, err := dialer.DialContext(ctx, "tcp", brokers[0])
	if err != nil {
		return fmt.Errorf("connect to Kafka %s: %w", brokers[0], err)
	}
	defer conn.Close()
	controller, err := conn.Controller()
	if err != nil {
		return fmt.Errorf("find the Kafka controller: %w", err)
	}
	cconn, err := dialer.DialContext(ctx, "tcp", net.JoinHostPort(controller.Host, strconv.Itoa(controller.Port)))
	if err != nil {
		return fmt.Errorf("connect to the Kafka controller: %w", err)
	}
	defer cconn.Close()
	configs := make([]kafka.TopicConfig, len(topics))
	for i, t := range topics {
		configs[i] = kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: 1}
	}
	if err := cconn.CreateTopics(configs...); err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return fmt.Errorf("create topics: %w", err)
	}
	return nil
}

// inProcessTransport carries the writes of every Relay whose broker is embedded in this process,
// as kafka-go's DefaultTransport does for TCP brokers: one connection pool for the process.
var inProcessTransport = &kafka.Transport{Dial: inprocess.Dial}

// transportFor is how a Writer reaches brokers: kafka-go's default over TCP, unless they are
// embedded in this process.
func transportFor(brokers []string) kafka.RoundTripper {
	if slices.ContainsFunc(brokers, inprocess.Is) {
		return inProcessTransport
	}
	return kafka.DefaultTransport
}

// dialerFor is how a Reader and EnsureTopics reach brokers: kafka-go's default dialer over TCP,
// unless they are embedded in this process.
func dialerFor(brokers []string) *kafka.Dialer {
	if !slices.ContainsFunc(brokers, inprocess.Is) {
		return kafka.DefaultDialer
	}
	d := *kafka.DefaultDialer
	d.DialFunc = inprocess.Dial
	return &d
}

// topicPartitions is how many partitions the apps give the topics they create.
const topicPartitions = 4

// ensureTopics creates the topics, retrying while the brokers are unreachable, so apps can start
// before Kafka and in any order. It returns false if ctx ended first.
func ensureTopics(ctx context.Context, brokers, topics []string, logger *log.Helper) bool {
	for attempt := 0; ; attempt++ {
		err := EnsureTopics(ctx, brokers, topicPartitions, topics...)
		if err == nil {
			return true
		}
		if attempt == 0 || attempt%30 == 0 {
			logger.Warnw("msg", "Kafka not ready; retrying", "error", err)
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(time.Second):
		}
	}
}
