package event

import (
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
// one, in memory when producers and consumers share the process, not at all otherwise.
func AcksFor(bc *confv1.Bootstrap, rdb *redis.Client) Acks {
	switch {
	case rdb != nil:
		return NewRedisAcks(rdb, bc.GetRedis().GetKeyPrefix())
	case bc.GetKafka().GetInProcess():
		return ProcessAcks
	}
	return NoAcks{}
}
