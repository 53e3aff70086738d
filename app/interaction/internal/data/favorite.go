package data

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/edges"
	"github.com/douyin-kratos/douyin/pkg/event"
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
	favorites *edges.Store
}

// NewFavoriteRepo returns the favorite repository.
func NewFavoriteRepo(data *Data, relay *event.Relay, kafka *confv1.Kafka) *FavoriteRepo {
	table := edges.Table{Name: favoriteModel{}.TableName(), Owner: "user_id", Member: "video_id"}
	return &FavoriteRepo{favorites: edges.New(data.DB, relay, countsv1.Route, table, kafka.GetInProcess())}
}

// Set implements biz.FavoriteRepo.
func (r *FavoriteRepo) Set(ctx context.Context, f biz.Favorite, decide func(favorited bool) (bool, *interactionv1.FavoriteChanged)) (string, error) {
	row := &favoriteModel{UserID: f.UserID, VideoID: f.VideoID, AuthorID: f.AuthorID, CreatedAt: time.Now().UnixMilli()}
	return r.favorites.Set(ctx, row, f.UserID, f.VideoID, func(favorited bool) (bool, proto.Message) { return decide(favorited) })
}

// ListVideos implements biz.FavoriteRepo.
func (r *FavoriteRepo) ListVideos(ctx context.Context, userID int64, limit int) ([]int64, error) {
	return r.favorites.Newest(ctx, userID, limit)
}

// FavoritedAmong implements biz.FavoriteRepo.
func (r *FavoriteRepo) FavoritedAmong(ctx context.Context, userID int64, videoIDs []int64) ([]int64, error) {
	return r.favorites.Among(ctx, userID, videoIDs)
}
