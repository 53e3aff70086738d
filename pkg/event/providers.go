package event

import (
	"github.com/go-kratos/kratos/v2/log"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
)

// What an app whose actions publish events (through the outbox of its Stores) takes from its
// Stores the same way.

// AwaiterOf is how the app's actions wait for the counts they moved (api/counts/v1): through the
// acknowledgements of its counter consumers, at most kafka.apply_wait.
func AwaiterOf(s *Stores) countsv1.Awaiter {
	return countsv1.Awaiter{Acks: s.Acks, Wait: s.ApplyWait}
}

// RelayOf publishes the outbox of s to topics, counting its transactions in s's Changes so that
// read caches drop what they changed (CountChanges).
func RelayOf(s *Stores, kafka *confv1.Kafka, logger log.Logger, topics ...string) *Relay {
	return NewRelay(s.DB, Brokers(kafka), topics, logger, CountChanges(s.Changes))
}
