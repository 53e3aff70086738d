package event

import (
	"context"
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"

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

// reachable returns nil once one of the brokers accepts a connection.
func reachable(ctx context.Context, brokers []string) error {
	if len(brokers) == 0 {
		return errors.New("no brokers configured (kafka.brokers)")
	}
	dialer := dialerFor(brokers)
	var errs []error
	for _, b := range brokers {
		conn, err := dialer.DialContext(ctx, "tcp", b)
		if err == nil {
			return conn.Close()
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
