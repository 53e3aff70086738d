package objectstore

import (
	"context"
	"strings"
	"testing"
	"time"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

// checks is a Readiness that keeps the checks it is given.
type checks map[string]func(context.Context) error

func (c checks) Require(name string, check func(context.Context) error) { c[name] = check }

// TestRequireReachable: the readiness check passes while the store answers with the bucket, and
// fails, naming the endpoint, once the store is gone or the bucket missing.
func TestRequireReachable(t *testing.T) {
	t.Parallel()
	store, err := NewEmbeddedOnLoopback(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = store.Start(context.Background()) }()
	cfg := &confv1.Storage{Endpoint: store.Endpoint(), Bucket: "douyin", AccessKey: "a", SecretKey: "b"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := Open(ctx, cfg); err != nil { // creates the bucket
		t.Fatal(err)
	}
	ready := checks{}
	if err := RequireReachable(ready, cfg); err != nil {
		t.Fatal(err)
	}
	check := ready["object store"]
	if check == nil {
		t.Fatalf("no check named %q: %v", "object store", ready)
	}
	probe := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return check(ctx)
	}
	if err := probe(); err != nil {
		t.Fatalf("store up: %v", err)
	}

	missing := checks{}
	other := &confv1.Storage{Endpoint: cfg.Endpoint, Bucket: "nobucket", AccessKey: "a", SecretKey: "b"}
	if err := RequireReachable(missing, other); err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	if err := missing["object store"](ctx2); err == nil || !strings.Contains(err.Error(), `"nobucket"`) {
		t.Errorf("bucket missing: %v, want an error naming it", err)
	}

	if err := store.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	err = probe()
	if err == nil || !strings.Contains(err.Error(), cfg.Endpoint) {
		t.Fatalf("store stopped: %v, want an error naming %s", err, cfg.Endpoint)
	}
}
