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
// the event id, the proto type and the W3C trace context of the request that caused them in the
// headers.
package event

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Header names carried on every event.
const (
	HeaderEventID = "event-id"
	HeaderType    = "event-type"
)

// The W3C trace context headers, carried when the change was made in a traced request.
const (
	headerTraceParent = "traceparent"
	headerTraceState  = "tracestate"
)

// tracer records the publish and apply spans of traced events.
var tracer = otel.Tracer("github.com/douyin-kratos/douyin/pkg/event")

func messagingAttributes(topic, eventID string) []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("messaging.system", "kafka"),
		attribute.String("messaging.destination.name", topic),
		attribute.String("messaging.message.id", eventID),
	}
}

// traceContext is the W3C propagator, used whatever the process's global propagator is, so
// events carry the standard headers any consumer understands.
var traceContext propagation.TraceContext

// NewID returns a fresh event id: a UUIDv7, whose first 48 bits are the time in ms, written as
// 32 hex digits. Ids made one after the other sort one after the other, so the consumers'
// record of applied ids (and MySQL's primary key of it) grows at its end: a batch of events
// dirties one or two pages of its index, where random ids dirtied a page each.
func NewID() string {
	id := uuid.Must(uuid.NewV7()) // fails only if crypto/rand does, which it does not on supported platforms
	return hex.EncodeToString(id[:])
}

// Message is one delivered event.
type Message struct {
	Topic   string
	Key     string
	EventID string
	Type    string
	Payload []byte
	// TraceParent and TraceState are the W3C trace context of the request that caused the
	// event; empty if it was not traced.
	TraceParent string
	TraceState  string
}

// Context returns parent carrying the event's trace context as the remote parent, so work done
// for the event can join the trace of the request that caused it.
func (m Message) Context(parent context.Context) context.Context {
	if m.TraceParent == "" {
		return parent
	}
	return traceContext.Extract(parent, propagation.MapCarrier{headerTraceParent: m.TraceParent, headerTraceState: m.TraceState})
}

// Is tells whether the event is of kind's type; kind may be a nil message, such as
// (*videov1.VideoDeleted)(nil).
func (m Message) Is(kind proto.Message) bool {
	return m.Type == string(kind.ProtoReflect().Descriptor().FullName())
}

// Unmarshal decodes the event into m, checking that it is of m's type.
func (m Message) Unmarshal(into proto.Message) error {
	if !m.Is(into) {
		return fmt.Errorf("event %s is a %s, not a %s", m.EventID, m.Type, into.ProtoReflect().Descriptor().FullName())
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
		case headerTraceParent:
			m.TraceParent = string(h.Value)
		case headerTraceState:
			m.TraceState = string(h.Value)
		}
	}
	return m
}
