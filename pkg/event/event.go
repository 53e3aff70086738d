// Package event carries events between apps through Kafka with no lost and no double-applied
// update, also when a process dies half-way:
//
//   - Producers write an event into an outbox table in the same transaction as the change it
//     describes (Enqueue). A Relay publishes outbox rows and deletes them only once the broker
//     has them: a crash before that republishes, never loses.
//   - Consumers apply each event in one transaction together with a record of its event id, and
//     commit the Kafka offset after that transaction. A crash before the offset commit makes
//     Kafka deliver again, and the recorded id turns the second delivery into a no-op.
//
// Events are typed protos owned by the producing app, keyed by the aggregate they change, with
// the event id and the proto type in the headers.
package event

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/segmentio/kafka-go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Header names carried on every event.
const (
	HeaderEventID = "event-id"
	HeaderType    = "event-type"
)

// NewID returns a fresh event id.
func NewID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return hex.EncodeToString(b)
}

// Message is one delivered event.
type Message struct {
	Topic   string
	Key     string
	EventID string
	Type    string
	Payload []byte
}

// Unmarshal decodes the event into m, checking that it is of m's type.
func (m Message) Unmarshal(into proto.Message) error {
	if want := string(into.ProtoReflect().Descriptor().FullName()); m.Type != want {
		return fmt.Errorf("event %s is a %s, not a %s", m.EventID, m.Type, want)
	}
	return proto.Unmarshal(m.Payload, into)
}

// Decode returns the event as the registered proto message its Type names, for consumers that
// take several kinds of event and switch on the type.
func (m Message) Decode() (proto.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(m.Type))
	if err != nil {
		return nil, fmt.Errorf("event %s: type %q: %w", m.EventID, m.Type, err)
	}
	msg := mt.New().Interface()
	if err := proto.Unmarshal(m.Payload, msg); err != nil {
		return nil, fmt.Errorf("event %s: %w", m.EventID, err)
	}
	return msg, nil
}

func fromKafka(km kafka.Message) Message {
	m := Message{Topic: km.Topic, Key: string(km.Key), Payload: km.Value}
	for _, h := range km.Headers {
		switch h.Key {
		case HeaderEventID:
			m.EventID = string(h.Value)
		case HeaderType:
			m.Type = string(h.Value)
		}
	}
	return m
}
