package database

import (
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

// sqlTracing makes every statement gorm runs a client span of the request's trace: its
// operation, the SQL with placeholders (never the arguments: they hold users' texts) and the
// rows it affected. It does what gorm.io/plugin/opentelemetry did for us, which linked the
// ClickHouse and Postgres drivers into every binary to tell the database system apart; here the
// dialector says it.
type sqlTracing struct {
	tracer trace.Tracer
	system attribute.KeyValue
}

// spanKey keeps a statement's span between its before and after callbacks.
const spanKey = "douyin:span"

func newSQLTracing(db *gorm.DB) *sqlTracing {
	return &sqlTracing{
		tracer: otel.Tracer("github.com/douyin-kratos/douyin/pkg/database"),
		system: attribute.String("db.system.name", db.Dialector.Name()),
	}
}

// Name implements gorm.Plugin.
func (*sqlTracing) Name() string { return "douyin:tracing" }

// Initialize implements gorm.Plugin: a callback before and after each kind of statement.
func (p *sqlTracing) Initialize(db *gorm.DB) error {
	cb := db.Callback()
	type register func(name string, fn func(*gorm.DB)) error
	for _, c := range []struct {
		name          string
		before, after register
	}{
		{"create", cb.Create().Before("gorm:create").Register, cb.Create().After("gorm:create").Register},
		{"query", cb.Query().Before("gorm:query").Register, cb.Query().After("gorm:query").Register},
		{"update", cb.Update().Before("gorm:update").Register, cb.Update().After("gorm:update").Register},
		{"delete", cb.Delete().Before("gorm:delete").Register, cb.Delete().After("gorm:delete").Register},
		{"row", cb.Row().Before("gorm:row").Register, cb.Row().After("gorm:row").Register},
		{"raw", cb.Raw().Before("gorm:raw").Register, cb.Raw().After("gorm:raw").Register},
	} {
		if err := errors.Join(c.before("douyin:trace_before_"+c.name, p.before), c.after("douyin:trace_after_"+c.name, p.after)); err != nil {
			return fmt.Errorf("register the tracing of %s: %w", c.name, err)
		}
	}
	return nil
}

func (p *sqlTracing) before(tx *gorm.DB) {
	ctx := tx.Statement.Context
	if ctx == nil || !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		return // no trace to join: a background statement (a relay round, a sweep) is not worth one
	}
	_, span := p.tracer.Start(ctx, "sql "+tx.Statement.Table, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(p.system))
	tx.InstanceSet(spanKey, span)
}

func (p *sqlTracing) after(tx *gorm.DB) {
	v, ok := tx.InstanceGet(spanKey)
	if !ok {
		return
	}
	span := v.(trace.Span)
	defer span.End()
	query := tx.Statement.SQL.String()
	operation, _, _ := strings.Cut(strings.TrimSpace(query), " ")
	span.SetName(strings.TrimSpace(strings.ToUpper(operation) + " " + tx.Statement.Table)) // raw SQL names no table
	span.SetAttributes(
		attribute.String("db.operation.name", strings.ToUpper(operation)),
		attribute.String("db.collection.name", tx.Statement.Table),
		attribute.String("db.query.text", query),
		attribute.Int64("db.response.returned_rows", tx.Statement.RowsAffected),
	)
	if err := tx.Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		span.RecordError(err)
		span.SetStatus(codes.Error, "statement failed")
	}
}
