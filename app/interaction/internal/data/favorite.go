package data

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	countsv1 "github.com/douyin-kratos/douyin/api/counts/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/edges"
	"github.com/douyin-kratos/douyin/pkg/event"
)

type favoriteModel struct {
	UserID int64 `gorm:"primaryKey;autoIncrement:false;index:idx_user_created,priority:1"`
	// Indexed on MySQL only (favoriteVideoIndex), for a take-down, which removes every favorite
	// of a video (takedowns.go).
	VideoID   int64 `gorm:"primaryKey;autoIncrement:false"`
	AuthorID  int64 `gorm:"not null"`
	CreatedAt int64 `gorm:"not null;index:idx_user_created,priority:2"` // epoch ms: the list order
}

func (favoriteModel) TableName() string { return "favorites" }

// favoriteVideoIndex finds a video's favorites for its take-down. It exists on MySQL only, where
// the take-down's locked read goes through it (locking the gap, so no like commits in between).
// On SQLite, one more index on the table every like writes cost a large share of the like
// throughput (the pure-Go SQLite allocates per index touched; the README's measured section has
// the figure), while a take-down, rare and already holding the one writer, scans the table
// instead.
const favoriteVideoIndex = "idx_favorites_video"

// migrateFavorites creates the favorites table and, on MySQL, favoriteVideoIndex.
func migrateFavorites(db *gorm.DB) error {
	if err := database.Migrate(db, &favoriteModel{}); err != nil {
		return err
	}
	has := db.Migrator().HasIndex(&favoriteModel{}, favoriteVideoIndex)
	switch {
	case database.IsMySQL(db) && !has:
		return db.Exec("CREATE INDEX " + favoriteVideoIndex + " ON favorites (video_id)").Error
	case !database.IsMySQL(db) && has: // made by a build that indexed it on SQLite too
		return db.Migrator().DropIndex(&favoriteModel{}, favoriteVideoIndex)
	}
	return nil
}

// FavoriteRepo implements biz.FavoriteRepo.
type FavoriteRepo struct {
	favorites *edges.Store
}

// NewFavoriteRepo returns the favorite repository.
func NewFavoriteRepo(data *Data, relay *event.Relay, kafka *confv1.Kafka) *FavoriteRepo {
	// By the primary key: with the index on video_id beside it, MariaDB could otherwise answer
	// "which of these 30 videos did this user like" by reading every like of those videos.
	table := edges.Table{Name: favoriteModel{}.TableName(), Owner: "user_id", Member: "video_id", LookUpByPrimaryKey: true}
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

// removeVideo removes every favorite of videoID within tx, with the event announce builds for
// each (biz.Favorite.TakenDown), and returns the users whose favorites it removed. Their
// in-process sets are the caller's to drop (Forget) once tx has ended.
//
// Each event announces a row this transaction deleted, so no favorite is taken back twice: on
// MySQL the rows read are locked (FOR UPDATE, which through the video_id index also locks the
// gap, so no like of the video commits in between), and SQLite transactions here take the write
// lock up front (_txlock=immediate). A count that still differs fails the transaction, which
// the consumer retries.
func (r *FavoriteRepo) removeVideo(tx *gorm.DB, videoID int64, announce func(biz.Favorite) *interactionv1.FavoriteChanged) ([]int64, error) {
	var rows []favoriteModel
	read := tx.Where("video_id = ?", videoID)
	if database.IsMySQL(tx) {
		read = read.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := read.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("favorites of video %d: %w", videoID, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	res := tx.Where("video_id = ?", videoID).Delete(&favoriteModel{})
	if res.Error != nil {
		return nil, fmt.Errorf("remove favorites of video %d: %w", videoID, res.Error)
	}
	if res.RowsAffected != int64(len(rows)) {
		return nil, fmt.Errorf("remove favorites of video %d: %d removed of the %d read", videoID, res.RowsAffected, len(rows))
	}
	users := make([]int64, len(rows))
	events := make([]*interactionv1.FavoriteChanged, len(rows))
	for i, row := range rows {
		users[i] = row.UserID
		events[i] = announce(biz.Favorite{UserID: row.UserID, VideoID: row.VideoID, AuthorID: row.AuthorID})
	}
	if _, err := event.EnqueueAll(tx, countsv1.Route, events); err != nil {
		return nil, err
	}
	return users, nil
}

// forget drops the in-process sets of users (see removeVideo).
func (r *FavoriteRepo) forget(users []int64) { r.favorites.Forget(users...) }
