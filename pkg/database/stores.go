package database

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

// Stores are an app's connections: its SQL database and, when one is configured, Redis.
type Stores struct {
	DB *gorm.DB
	// Redis is nil when redis.addr is empty.
	Redis *redis.Client
}

// Requirer is told what an app cannot answer without (bootstrap.Readiness).
type Requirer interface {
	Require(name string, check func(context.Context) error)
}

// Settings are what Open reads from the configuration.
type Settings struct {
	Database *confv1.Database
	// Redis is used when its addr is set.
	Redis *confv1.Redis
	// DataDir holds the embedded SQLite files.
	DataDir string
	// Traced is whether spans go anywhere (tracing.endpoint is set).
	Traced bool
}

// SettingsOf picks Open's settings out of the configuration; every app's wiring provides it,
// so the apps' constructors take Settings and not the whole configuration.
func SettingsOf(bc *confv1.Bootstrap) Settings {
	return Settings{Database: bc.GetDatabase(), Redis: bc.GetRedis(), DataDir: bc.GetDataDir(), Traced: bc.GetTracing().GetEndpoint() != ""}
}

// Open connects the stores of the app called app, brings its schema up to date with migrate,
// and tells ready how to check them. With tracing on, every query and Redis command is a span
// of the request that made it; without their arguments, which hold users' data (password
// hashes, messages).
func Open(s Settings, app string, migrate func(*gorm.DB) error, ready Requirer) (*Stores, func(), error) {
	db, closeDB, err := OpenSQL(s.Database, s.DataDir, app)
	if err != nil {
		return nil, nil, err
	}
	tracing := s.Traced
	if tracing {
		if err := db.Use(newSQLTracing(db)); err != nil {
			closeDB()
			return nil, nil, fmt.Errorf("trace %s database: %w", app, err)
		}
	}
	if err := migrate(db); err != nil {
		closeDB()
		return nil, nil, fmt.Errorf("migrate %s database: %w", app, err)
	}
	rdb, closeRedis, err := OpenRedis(s.Redis)
	if err != nil {
		closeDB()
		return nil, nil, err
	}
	if rdb != nil && tracing {
		if err := redisotel.InstrumentTracing(rdb, redisotel.WithDBStatement(false)); err != nil {
			closeRedis()
			closeDB()
			return nil, nil, fmt.Errorf("trace redis: %w", err)
		}
	}
	sqlDB, err := db.DB()
	if err != nil {
		closeRedis()
		closeDB()
		return nil, nil, err
	}
	ready.Require(app+" database", sqlDB.PingContext)
	if rdb != nil {
		ready.Require(app+" redis", func(ctx context.Context) error { return rdb.Ping(ctx).Err() })
	}
	return &Stores{DB: db, Redis: rdb}, func() { closeRedis(); closeDB() }, nil
}
