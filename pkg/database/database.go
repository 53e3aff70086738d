// Package database opens the SQL database and the Redis cache an app's data layer uses, chosen
// by configuration: embedded SQLite (one file per app) or MySQL, and Redis or no cache at all.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/libtnb/sqlite"
	"github.com/redis/go-redis/v9"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

// OpenSQL connects to the database for the app called name. With the sqlite driver each app gets
// its own file, <dir>/<name>.db, so apps keep to their own tables as they would on separate
// servers.
func OpenSQL(cfg *confv1.Database, dataDir, name string) (*gorm.DB, func(), error) {
	var dialector gorm.Dialector
	switch cfg.GetDriver() {
	case "", "sqlite":
		dir := cfg.GetDsn()
		if dir == "" {
			dir = dataDir
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("create data dir: %w", err)
		}
		// WAL lets readers run beside the single writer; immediate transactions take the write
		// lock up front, so two writers queue on busy_timeout instead of failing with "locked".
		// temp_store(2) keeps statement journals and sorts in memory in small chunks; otherwise
		// each one allocates a 64 KiB buffer, which the pure-Go SQLite maps and unmaps.
		// Times are written as SQLite's own functions write them ("2006-01-02
		// 15:04:05.999999999-07:00"), as every earlier build did, and read back as times.
		dsn := "file:" + filepath.Join(dir, name+".db") +
			"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)" +
			"&_pragma=foreign_keys(1)&_pragma=temp_store(2)&_txlock=immediate" +
			"&_time_format=sqlite&_texttotime=1&_inttotime=1"
		conn, err := openSQLite(dsn)
		if err != nil {
			return nil, nil, err
		}
		dialector = sqlite.New(sqlite.Config{Conn: conn})
	case "mysql":
		dsn, err := mysqldriver.ParseDSN(cfg.GetDsn())
		if err != nil {
			return nil, nil, fmt.Errorf("database.dsn: %w", err)
		}
		// Without prepared statements the driver would otherwise prepare, execute and close
		// each query: three round trips instead of one. Interpolation is safe with the
		// utf8/utf8mb4 connection charsets the driver negotiates.
		dsn.InterpolateParams = true
		dialector = mysql.Open(dsn.FormatDSN())
	default:
		return nil, nil, fmt.Errorf("database.driver %q: want sqlite or mysql", cfg.GetDriver())
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:         logger.Discard, // errors are returned and logged once, at the edge
		TranslateError: true,           // duplicate keys become gorm.ErrDuplicatedKey on every driver
		// No gorm statement cache: a statement being prepared outside a transaction waits for a
		// connection while a transaction that holds the last one waits for that statement, so
		// with a small pool (SQLite's is one) requests stalled until their deadlines.
		PrepareStmt: false,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("open %s database: %w", cfg.GetDriver(), err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, nil, err
	}
	if n := cfg.GetMaxOpenConns(); n > 0 {
		sqlDB.SetMaxOpenConns(int(n))
	}
	if db.Dialector.Name() == "sqlite" {
		// SQLite has one writer. With several connections, a writer that finds the lock taken
		// waits in SQLite's busy handler, which sleeps in steps of up to 100 ms, and a burst of
		// likes waited that long. With one connection writers queue in Go instead, sooner and
		// faster (the README's measured section has the figures); reads queue too, but they
		// take microseconds and hot ones are cached.
		sqlDB.SetMaxOpenConns(1)
	}
	if n := cfg.GetMaxIdleConns(); n > 0 {
		sqlDB.SetMaxIdleConns(int(n))
	}
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, nil, fmt.Errorf("connect to %s database: %w", cfg.GetDriver(), err)
	}
	return db, func() { sqlDB.Close() }, nil
}

// openSQLite opens the SQLite database at dsn through connections that keep their prepared
// statements (statementCachingConnector).
func openSQLite(dsn string) (*sql.DB, error) {
	// The driver registered under "sqlite" (modernc.org/sqlite, through the gorm dialector).
	registered, err := sql.Open(sqlite.DriverName, "")
	if err != nil {
		return nil, fmt.Errorf("sqlite driver: %w", err)
	}
	drv := registered.Driver()
	registered.Close()
	return sql.OpenDB(statementCachingConnector{driver: drv, dsn: dsn}), nil
}

// IsMySQL reports whether db talks to MySQL or MariaDB, for the few schema details that differ.
func IsMySQL(db *gorm.DB) bool {
	return db.Dialector.Name() == "mysql"
}

// OpenRedis connects to the configured Redis, or returns nil when no address is set: callers
// then run without a cache.
func OpenRedis(cfg *confv1.Redis) (*redis.Client, func(), error) {
	if cfg.GetAddr() == "" {
		return nil, func() {}, nil
	}
	client := redis.NewClient(&redis.Options{
		Addr:     cfg.GetAddr(),
		Password: cfg.GetPassword(),
		DB:       int(cfg.GetDb()),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, nil, fmt.Errorf("connect to redis %s: %w", cfg.GetAddr(), err)
	}
	return client, func() { client.Close() }, nil
}

// Transaction runs fn in a transaction, retrying it when MySQL aborts it as a deadlock victim
// or after a lock wait timeout. InnoDB resolves a deadlock by rolling one transaction back and
// expects it to be retried; two requests on the same rows (a double tap on like) can do that.
func Transaction(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	const attempts = 5
	var err error
	for i := 0; i < attempts; i++ {
		err = db.WithContext(ctx).Transaction(fn)
		if !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(1+rand.IntN(5*(i+1))) * time.Millisecond):
		}
	}
	return err
}

// retryable reports whether err is a transaction the database rolled back to break a deadlock
// or a lock wait (MySQL 1213 and 1205).
func retryable(err error) bool {
	var me *mysqldriver.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// Migrate creates or updates the tables of models. On MySQL they are InnoDB, for transactions,
// and utf8mb4, so text holds any character, emoji included, whatever the server's defaults:
// every table wants both, and one created without them stays so.
func Migrate(db *gorm.DB, models ...any) error {
	if IsMySQL(db) {
		db = db.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4") // a derived handle
	}
	return db.AutoMigrate(models...)
}
