package data

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/setcache"
)

type favoriteModel struct {
	UserID    int64 `gorm:"primaryKey;autoIncrement:false;index:idx_user_created,priority:1"`
	VideoID   int64 `gorm:"primaryKey;autoIncrement:false"`
	AuthorID  int64 `gorm:"not null"`
	CreatedAt int64 `gorm:"not null;index:idx_user_created,priority:2"` // epoch ms: the list order
}

func (favoriteModel) TableName() string { return "favorites" }

// FavoriteRepo implements biz.FavoriteRepo.
type FavoriteRepo struct {
	data      *Data
	relay     *event.Relay
	favorited *database.Edges
}

// NewFavoriteRepo returns the favorite repository.
func NewFavoriteRepo(data *Data, relay *event.Relay, kafka *confv1.Kafka) *FavoriteRepo {
	var cache *setcache.Cache
	if kafka.GetInProcess() {
		cache = setcache.New(favoritedCacheUsers, maxCachedFavorites)
	}
	table := database.EdgeTable{Name: favoriteModel{}.TableName(), Owner: "user_id", Member: "video_id"}
	return &FavoriteRepo{data: data, relay: relay, favorited: database.NewEdges(data.db, table, cache)}
}

// Set implements biz.FavoriteRepo.
func (r *FavoriteRepo) Set(ctx context.Context, f biz.Favorite, decide func(favorited bool) (bool, *interactionv1.FavoriteChanged)) (string, error) {
	fact := event.Fact{
		Row: &favoriteModel{UserID: f.UserID, VideoID: f.VideoID, AuthorID: f.AuthorID, CreatedAt: time.Now().UnixMilli()},
		Key: map[string]any{"user_id": f.UserID, "video_id": f.VideoID},
	}
	eventID, err := r.relay.SetFact(ctx, fact, countsv1.Route, func(favorited bool) (bool, proto.Message) { return decide(favorited) })
	r.favorited.AfterSet(f.UserID, eventID, err)
	if err != nil {
		return "", fmt.Errorf("set favorite: %w", err)
	}
	return eventID, nil
}

// ListVideos implements biz.FavoriteRepo.
func (r *FavoriteRepo) ListVideos(ctx context.Context, userID int64, limit int) ([]int64, error) {
	var ids []int64
	err := r.data.db.WithContext(ctx).Model(&favoriteModel{}).Where("user_id = ?", userID).
		Order("created_at DESC").Order("video_id DESC").Limit(limit).Pluck("video_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("list favorites: %w", err)
	}
	return ids, nil
}

// FavoritedAmong implements biz.FavoriteRepo.
func (r *FavoriteRepo) FavoritedAmong(ctx context.Context, userID int64, videoIDs []int64) ([]int64, error) {
	return r.favorited.Among(ctx, userID, videoIDs)
}

// The all-in-one's cache of favorited sets (kafka.in_process): every feed page asks which of its
// videos the viewer favorited.
const (
	favoritedCacheUsers = 10_000
	// maxCachedFavorites keeps a user who favorites everything from filling memory.
	maxCachedFavorites = 5_000
)
