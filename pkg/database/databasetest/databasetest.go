// Package databasetest gives repository contract tests a fresh MySQL database and a private
// Redis namespace on the servers CI runs (MariaDB on 127.0.0.1:3306, Redis on 127.0.0.1:6379;
// override with DOUYIN_TEST_MYSQL_DSN and DOUYIN_TEST_REDIS_ADDR).
//
// A server that cannot be reached fails the test: the contract is not proven against it, and
// that must not pass unnoticed. Only `go test -short` leaves these tests out, on purpose.
package databasetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/database"
)

func env(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func suffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// MySQL creates an empty database for the test, drops it when the test ends, and returns the
// configuration that points at it.
func MySQL(t testing.TB) *confv1.Database {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the MySQL contract is not run")
	}
	cfg, err := mysql.ParseDSN(env("DOUYIN_TEST_MYSQL_DSN", "root:@tcp(127.0.0.1:3306)/"))
	if err != nil {
		t.Fatalf("DOUYIN_TEST_MYSQL_DSN: %v", err)
	}
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("MySQL/MariaDB at %s is required for this test and is not reachable: %v", cfg.Addr, err)
	}
	name := "douyin_test_" + suffix()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("mysql", cfg.FormatDSN()); err == nil {
			_, _ = db.Exec("DROP DATABASE IF EXISTS `" + name + "`")
			db.Close()
		}
	})
	cfg.DBName = name
	cfg.ParseTime = true
	return &confv1.Database{Driver: "mysql", Dsn: cfg.FormatDSN(), MaxOpenConns: 16, MaxIdleConns: 8}
}

// Redis returns the configuration of the test Redis with a key prefix of the test's own, and
// deletes the test's keys when it ends.
func Redis(t testing.TB) *confv1.Redis {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the Redis contract is not run")
	}
	addr := env("DOUYIN_TEST_REDIS_ADDR", "127.0.0.1:6379")
	client := redis.NewClient(&redis.Options{Addr: addr})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		t.Fatalf("Redis at %s is required for this test and is not reachable: %v", addr, err)
	}
	prefix := fmt.Sprintf("douyin_test:%s:%s:", strings.ReplaceAll(t.Name(), "/", "_"), suffix())
	t.Cleanup(func() {
		defer client.Close()
		iter := client.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
		for iter.Next(context.Background()) {
			client.Del(context.Background(), iter.Val())
		}
	})
	return &confv1.Redis{Addr: addr, KeyPrefix: prefix, CacheTtl: durationpb.New(time.Minute)}
}

// Store is one configuration of the stores a repository runs on, named for the subtest that
// proves a contract on it.
type Store struct {
	Name   string
	config func(t testing.TB) *confv1.Bootstrap
}

// The configurations the apps run on. InProcess is the all-in-one's setting (kafka.in_process):
// a repository may then keep in memory what this process alone changes.
var (
	OnSQLite = Store{"SQLite", func(t testing.TB) *confv1.Bootstrap {
		return &confv1.Bootstrap{DataDir: t.TempDir(), Database: &confv1.Database{Driver: "sqlite"}}
	}}
	OnSQLiteInProcess = Store{"SQLiteInProcess", func(t testing.TB) *confv1.Bootstrap {
		return &confv1.Bootstrap{
			DataDir: t.TempDir(), Database: &confv1.Database{Driver: "sqlite"},
			Kafka: &confv1.Kafka{InProcess: true},
		}
	}}
	OnMySQL = Store{"MySQL", func(t testing.TB) *confv1.Bootstrap {
		return &confv1.Bootstrap{Database: MySQL(t)}
	}}
	OnMySQLInProcess = Store{"MySQLInProcess", func(t testing.TB) *confv1.Bootstrap {
		return &confv1.Bootstrap{Database: MySQL(t), Kafka: &confv1.Kafka{InProcess: true}}
	}}
	OnMySQLRedis = Store{"MySQLRedis", func(t testing.TB) *confv1.Bootstrap {
		return &confv1.Bootstrap{Database: MySQL(t), Redis: Redis(t)}
	}}
)

// ForEach proves contract on each of stores, one subtest each: every repository keeps one contract
// and says on which configurations it must hold, rather than each writing the same set of tests.
func ForEach(t *testing.T, contract func(t *testing.T, bc *confv1.Bootstrap), stores ...Store) {
	t.Helper()
	for _, s := range stores {
		t.Run(s.Name, func(t *testing.T) { contract(t, s.config(t)) })
	}
}

// ReadWhile calls read over and over on readers goroutines for as long as write runs, then
// waits for them: readers that load, and may cache, what they read while changes commit. Once
// it returns, a repository must answer exactly what is stored. A failed read fails t.
func ReadWhile(t testing.TB, readers int, read func() error, write func()) {
	t.Helper()
	var written atomic.Bool
	var wg sync.WaitGroup
	for range readers {
		wg.Go(func() {
			for !written.Load() {
				if err := read(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	// Deferred, so that a write that fails t stops the readers too.
	defer func() {
		written.Store(true)
		wg.Wait()
	}()
	write()
}

// OpenData opens an app's stores for bc through its NewData, as the app does, so that every
// open runs the migrations, and closes them when the test ends.
func OpenData[D any](t testing.TB, bc *confv1.Bootstrap, newData func(database.Settings, *confv1.Kafka, *bootstrap.Readiness) (D, func(), error)) D {
	t.Helper()
	data, cleanup, err := newData(database.SettingsOf(bc), bc.GetKafka(), bootstrap.NewReadiness())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	return data
}
