package event

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

// Brokers returns the configured Kafka brokers.
func Brokers(cfg *confv1.Kafka) []string {
	var out []string
	for _, b := range strings.Split(cfg.GetBrokers(), ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// AcksFor picks how this process's actions wait for their counts: through Redis when there is
// one (rdb, its keys under keyPrefix), in memory when producers and consumers share the process,
// not at all otherwise.
func AcksFor(kafka *confv1.Kafka, rdb *redis.Client, keyPrefix string) Acks {
	switch {
	case rdb != nil:
		return NewRedisAcks(rdb, keyPrefix)
	case kafka.GetInProcess():
		return ProcessAcks
	}
	return NoAcks{}
}

// Requirer is told what a process cannot do its work without (bootstrap.Readiness).
type Requirer interface {
	Require(name string, check func(context.Context) error)
}

// RequireBrokers makes the process not ready while none of the brokers answers: its counts
// would not move, and an orchestrator should know it. One probe serves every app of a process.
func RequireBrokers(ready Requirer, brokers []string) {
	ready.Require("kafka", func(ctx context.Context) error { return reachable(ctx, brokers) })
}

// reachable returns nil once one of the brokers answers a Kafka metadata request and the
// brokers it names (where clients are sent for their partitions) accept connections. A bare TCP
// connection said too little: a port that is no Kafka (a mistyped address, say MinIO's), or a
// broker that advertises an address this process cannot reach, accepted it while the relays and
// consumers failed and retried.
func reachable(ctx context.Context, brokers []string) error {
	if len(brokers) == 0 {
		return errors.New("no brokers configured (kafka.brokers)")
	}
	dialer := dialerFor(brokers)
	var errs []error
	for _, b := range brokers {
		err := answersMetadata(ctx, dialer, b)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// answersMetadata asks the broker at addr for the cluster's brokers and dials each of them.
func answersMetadata(ctx context.Context, dialer *kafka.Dialer, addr string) error {
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	advertised, err := conn.Brokers()
	if err != nil {
		return fmt.Errorf("%s does not answer as a Kafka broker: %w", addr, err)
	}
	if len(advertised) == 0 {
		return fmt.Errorf("%s names no brokers", addr)
	}
	for _, b := range advertised {
		to := net.JoinHostPort(b.Host, strconv.Itoa(b.Port))
		c, err := dialer.DialContext(ctx, "tcp", to)
		if err != nil {
			return fmt.Errorf("%s sends clients to broker %d at %s, which does not answer: %w", addr, b.ID, to, err)
		}
		c.Close()
	}
	return nil
}
