package data

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	"github.com/douyin-kratos/douyin/app/relation/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/edges"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// followModel is the edge "follower follows followee". The primary key answers "does A follow
// these B" (FollowedAmong, the hot path) and keeps an edge unique; each list has an index that
// yields it in order without a sort, carrying the other end so the index alone answers it.
type followModel struct {
	FollowerID int64 `gorm:"primaryKey;autoIncrement:false;index:idx_follows_following,priority:1;index:idx_follows_followers,priority:3"`
	FolloweeID int64 `gorm:"primaryKey;autoIncrement:false;index:idx_follows_followers,priority:1;index:idx_follows_following,priority:3"`
	CreatedAt  int64 `gorm:"not null;index:idx_follows_following,priority:2;index:idx_follows_followers,priority:2"` // epoch ms: the list order
}

func (followModel) TableName() string { return "follows" }

// FollowRepo implements biz.FollowRepo.
type FollowRepo struct {
	data    *Data
	follows *edges.Store
}

// NewFollowRepo returns the follow repository.
func NewFollowRepo(data *Data, relay *event.Relay, kafka *confv1.Kafka) *FollowRepo {
	table := edges.Table{Name: followModel{}.TableName(), Owner: "follower_id", Member: "followee_id", LookUpByPrimaryKey: true}
	return &FollowRepo{data: data, follows: edges.New(data.DB, relay, countsv1.Route, table, kafka.GetInProcess())}
}

// Set implements biz.FollowRepo.
func (r *FollowRepo) Set(ctx context.Context, f biz.Follow, decide func(exists bool) (bool, *relationv1.FollowChanged)) (string, error) {
	row := &followModel{FollowerID: f.FollowerID, FolloweeID: f.FolloweeID, CreatedAt: time.Now().UnixMilli()}
	return r.follows.Set(ctx, row, f.FollowerID, f.FolloweeID, func(exists bool) (bool, proto.Message) { return decide(exists) })
}

// ListFollowing implements biz.FollowRepo.
func (r *FollowRepo) ListFollowing(ctx context.Context, userID int64, limit int) ([]int64, error) {
	return r.follows.Newest(ctx, userID, limit)
}

// ListFollowers implements biz.FollowRepo.
func (r *FollowRepo) ListFollowers(ctx context.Context, userID int64, limit int) ([]int64, error) {
	var ids []int64
	err := r.data.DB.WithContext(ctx).Model(&followModel{}).Where("followee_id = ?", userID).
		Order("created_at DESC").Order("follower_id DESC").Limit(limit).Pluck("follower_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("list followers: %w", err)
	}
	return ids, nil
}

// ListMutual implements biz.FollowRepo: userID's following list (its index) joined with the
// edge back (the primary key), so it reads no more rows than userID follows, sorted by when
// each friendship formed (biz.Mutual.FriendsSince; CASE, as SQLite and MySQL spell the larger
// of two values differently).
func (r *FollowRepo) ListMutual(ctx context.Context, userID int64, limit int) ([]biz.Mutual, error) {
	var rows []biz.Mutual
	err := r.data.DB.WithContext(ctx).Table("follows AS a").
		Select("a.followee_id AS user_id, a.created_at AS followed_at, b.created_at AS followed_back_at").
		Joins("JOIN follows AS b ON b.follower_id = a.followee_id AND b.followee_id = a.follower_id").
		Where("a.follower_id = ?", userID).
		Order("CASE WHEN a.created_at > b.created_at THEN a.created_at ELSE b.created_at END DESC").
		Order("a.followee_id DESC").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list mutual follows: %w", err)
	}
	return rows, nil
}

// FollowedAmong implements biz.FollowRepo.
func (r *FollowRepo) FollowedAmong(ctx context.Context, viewerID int64, ids []int64) ([]int64, error) {
	return r.follows.Among(ctx, viewerID, ids)
}
