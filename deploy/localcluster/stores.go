package localcluster

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
)

// storeTimeout bounds each step of preparing MySQL and Redis: a server that does not answer by
// then is taken as not there, and Start fails rather than the apps waiting for it.
const storeTimeout = 10 * time.Second

// recreateDatabases drops and creates one database per app, named prefix+app, and returns the
// DSN of each. An unreachable server is an error: the cluster cannot run without it.
func recreateDatabases(ctx context.Context, adminDSN, prefix string, apps []string) (map[string]string, error) {
	cfg, err := mysql.ParseDSN(adminDSN)
	if err != nil {
		return nil, fmt.Errorf("MySQL DSN %q: %w", adminDSN, err)
	}
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("MySQL/MariaDB at %s is required and not reachable: %w", cfg.Addr, err)
	}
	dsns := make(map[string]string, len(apps))
	for _, app := range apps {
		name := prefix + app
		for _, stmt := range []string{
			"DROP DATABASE IF EXISTS `" + name + "`",
			"CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4",
		} {
			if _, err := admin.ExecContext(ctx, stmt); err != nil {
				return nil, fmt.Errorf("%s: %w", stmt, err)
			}
		}
		appCfg := cfg.Clone()
		appCfg.DBName = name
		appCfg.ParseTime = true
		if appCfg.Params == nil {
			appCfg.Params = map[string]string{}
		}
		appCfg.Params["charset"] = "utf8mb4"
		dsns[app] = appCfg.FormatDSN()
	}
	return dsns, nil
}

// databaseName is the database a DSN names.
func databaseName(dsn string) string {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "?"
	}
	return cfg.DBName
}

// purgeRedis deletes every key under prefix. An unreachable server is an error.
func purgeRedis(ctx context.Context, addr, prefix string) error {
	client := redis.NewClient(&redis.Options{Addr: addr})
	defer client.Close()
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis at %s is required and not reachable: %w", addr, err)
	}
	iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("redis: list keys under %q: %w", prefix, err)
	}
	for start := 0; start < len(keys); start += 1000 {
		if err := client.Del(ctx, keys[start:min(start+1000, len(keys))]...).Err(); err != nil {
			return fmt.Errorf("redis: delete keys under %q: %w", prefix, err)
		}
	}
	return nil
}
