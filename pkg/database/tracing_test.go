package database

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

type note struct {
	ID   int64 `gorm:"primaryKey"`
	Text string
}

// Each statement of a traced request is a client span naming the operation and table, with the
// SQL but never its arguments; statements outside any trace make no spans.
func TestSQLTracing(t *testing.T) {
	recorder := tracetest.NewSpanRecorder()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	db, closeDB, err := OpenSQL(&confv1.Database{Driver: "sqlite"}, t.TempDir(), "traced")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeDB)
	tracing := newSQLTracing(db)
	tracing.tracer = provider.Tracer("test")
	if err := db.Use(tracing); err != nil {
		t.Fatal(err)
	}
	if err := db.AutoMigrate(&note{}); err != nil {
		t.Fatal(err)
	}
	// Outside a trace: no span.
	if err := db.Create(&note{Text: "background"}).Error; err != nil {
		t.Fatal(err)
	}
	if n := len(recorder.Ended()); n != 0 {
		t.Fatalf("%d spans for statements outside any trace", n)
	}

	ctx, parent := provider.Tracer("test").Start(context.Background(), "request")
	const secret = "a user's private text"
	if err := db.WithContext(ctx).Create(&note{Text: secret}).Error; err != nil {
		t.Fatal(err)
	}
	var got []note
	if err := db.WithContext(ctx).Where("text = ?", secret).Find(&got).Error; err != nil || len(got) != 1 {
		t.Fatalf("find = %v, %v", got, err)
	}
	if err := db.WithContext(ctx).Table("no_such_table").Where("id = ?", 1).Update("text", "x").Error; err == nil {
		t.Fatal("an update of a missing table worked")
	}
	parent.End()

	spans := recorder.Ended()
	var names []string
	for _, s := range spans[:len(spans)-1] { // the last one is the parent
		names = append(names, s.Name())
		attrs := attribute.NewSet(s.Attributes()...)
		if v, _ := attrs.Value("db.system.name"); v.AsString() != "sqlite" {
			t.Errorf("span %q: db.system.name %q, want sqlite", s.Name(), v.AsString())
		}
		if v, _ := attrs.Value("db.query.text"); v.AsString() == "" || strings.Contains(v.AsString(), secret) {
			t.Errorf("span %q: db.query.text %q: want the SQL without its arguments", s.Name(), v.AsString())
		}
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %q is not a child of the request's span", s.Name())
		}
	}
	if want := []string{"INSERT notes", "SELECT notes", "UPDATE no_such_table"}; strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("spans %v, want %v", names, want)
	}
	if failed := spans[2]; failed.Status().Code != codes.Error || len(failed.Events()) == 0 {
		t.Fatalf("the failed update's span: status %v, %d events; want an error recorded", failed.Status(), len(failed.Events()))
	}
	if ok := spans[1]; ok.Status().Code == codes.Error {
		t.Fatalf("the query's span is an error: %v", ok.Status())
	}
}
