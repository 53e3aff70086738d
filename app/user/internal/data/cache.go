package data

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/redis/go-redis/v9"

	"github.com/douyin-kratos/douyin/app/user/internal/biz"
)

// profileCache keeps users (profile and counts) by id. It only ever saves work: a cache that
// fails reports misses, and the database answers. Whoever changes a user forgets it here.
type profileCache interface {
	// get returns the cached users among ids and the ids it does not have.
	get(ctx context.Context, ids []int64) (hits []*biz.User, misses []int64)
	put(ctx context.Context, users []*biz.User)
	forget(ctx context.Context, ids []int64)
}

// profile is a cached profile; callers get fresh copies, never a shared pointer.
type profile struct {
	Name            string `json:"n"`
	Avatar          string `json:"a,omitempty"`
	BackgroundImage string `json:"b,omitempty"`
	Signature       string `json:"s,omitempty"`
	FavoriteCount   int64  `json:"fc,omitempty"`
	TotalFavorited  int64  `json:"tf,omitempty"`
	WorkCount       int64  `json:"wc,omitempty"`
	FollowCount     int64  `json:"fo,omitempty"`
	FollowerCount   int64  `json:"fr,omitempty"`
}

func profileOf(u *biz.User) profile {
	return profile{
		Name: u.Name, Avatar: u.Avatar, BackgroundImage: u.BackgroundImage, Signature: u.Signature,
		FavoriteCount: u.FavoriteCount, TotalFavorited: u.TotalFavorited, WorkCount: u.WorkCount,
		FollowCount: u.FollowCount, FollowerCount: u.FollowerCount,
	}
}

func (p profile) user(id int64) *biz.User {
	return &biz.User{
		ID: id, Name: p.Name, Avatar: p.Avatar, BackgroundImage: p.BackgroundImage, Signature: p.Signature,
		FavoriteCount: p.FavoriteCount, TotalFavorited: p.TotalFavorited, WorkCount: p.WorkCount,
		FollowCount: p.FollowCount, FollowerCount: p.FollowerCount,
	}
}

// redisProfileCache shares profiles between the replicas of the user app.
type redisProfileCache struct {
	rdb    *redis.Client
	ttl    time.Duration
	prefix string
}

func (c *redisProfileCache) key(id int64) string {
	// v3: profiles carry follow_count and follower_count (v2 added work_count); entries
	// written before would read as 0.
	return c.prefix + "user:profile:v3:" + strconv.FormatInt(id, 10)
}

func (c *redisProfileCache) get(ctx context.Context, ids []int64) ([]*biz.User, []int64) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = c.key(id)
	}
	vals, err := c.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, ids
	}
	var hits []*biz.User
	var misses []int64
	for i, v := range vals {
		var p profile
		if s, ok := v.(string); !ok || json.Unmarshal([]byte(s), &p) != nil {
			misses = append(misses, ids[i])
			continue
		}
		hits = append(hits, p.user(ids[i]))
	}
	return hits, misses
}

func (c *redisProfileCache) put(ctx context.Context, users []*biz.User) {
	_, _ = c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, u := range users {
			b, _ := json.Marshal(profileOf(u))
			p.Set(ctx, c.key(u.ID), b, c.ttl)
		}
		return nil
	})
}

func (c *redisProfileCache) forget(ctx context.Context, ids []int64) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = c.key(id)
	}
	_ = c.rdb.Del(ctx, keys...).Err()
}

// memoryProfileCache is the embedded cache of a process without Redis (the all-in-one). It is
// exact there because the one process is the only writer.
type memoryProfileCache struct {
	lru *expirable.LRU[int64, profile]
}

// memoryCacheSize bounds the embedded cache: about 100 bytes a profile.
const memoryCacheSize = 100_000

func newMemoryProfileCache(ttl time.Duration) *memoryProfileCache {
	return &memoryProfileCache{lru: expirable.NewLRU[int64, profile](memoryCacheSize, nil, ttl)}
}

func (c *memoryProfileCache) get(_ context.Context, ids []int64) ([]*biz.User, []int64) {
	hits := make([]*biz.User, 0, len(ids))
	var misses []int64
	for _, id := range ids {
		if p, ok := c.lru.Get(id); ok {
			hits = append(hits, p.user(id))
		} else {
			misses = append(misses, id)
		}
	}
	return hits, misses
}

func (c *memoryProfileCache) put(_ context.Context, users []*biz.User) {
	for _, u := range users {
		c.lru.Add(u.ID, profileOf(u))
	}
}

func (c *memoryProfileCache) forget(_ context.Context, ids []int64) {
	for _, id := range ids {
		c.lru.Remove(id)
	}
}
