package data

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/user/internal/biz"
)

type userModel struct {
	ID              int64  `gorm:"primaryKey"`
	Username        string `gorm:"size:32;not null;uniqueIndex"`
	PasswordHash    string `gorm:"size:255;not null"`
	Avatar          string `gorm:"size:512;not null;default:''"`
	BackgroundImage string `gorm:"size:512;not null;default:''"`
	Signature       string `gorm:"size:255;not null;default:''"`
	// Counts kept from other apps' events (counters.go).
	FavoriteCount  int64 `gorm:"not null;default:0"`
	TotalFavorited int64 `gorm:"not null;default:0"`
	WorkCount      int64 `gorm:"not null;default:0"`
	FollowCount    int64 `gorm:"not null;default:0"`
	FollowerCount  int64 `gorm:"not null;default:0"`
	CreatedAt      time.Time
}

func (userModel) TableName() string { return "users" }

// banModel is an operator's ban of an account (biz.Account), a row from its first ban on. It is
// a table of its own, not two columns of users: every like and follow updates a counter of
// users, and SQLite builds each UPDATE for the whole width of the row (two more columns cost the
// like a large share of its throughput: the README's measured section has the figure).
type banModel struct {
	UserID int64 `gorm:"primaryKey;autoIncrement:false"`
	// BannedAt is NULL when the ban was lifted.
	BannedAt *time.Time
	// TokensRevokedAt is when the last ban began: no token from before it acts for the account.
	TokensRevokedAt *time.Time
}

func (banModel) TableName() string { return "account_bans" }

// accountRow is an account with its ban, as read by a join.
type accountRow struct {
	ID              int64
	PasswordHash    string
	CreatedAt       time.Time
	BannedAt        *time.Time
	TokensRevokedAt *time.Time
}

// accounts reads users with their bans.
func (r *UserRepo) accounts(ctx context.Context) *gorm.DB {
	return r.data.DB.WithContext(ctx).Table("users").
		Joins("LEFT JOIN account_bans ON account_bans.user_id = users.id")
}

// UserRepo implements biz.UserRepo.
type UserRepo struct {
	data  *Data
	cache profileCache
	// forgets counts Forget calls: GetUsers caches what it read only if none happened
	// meanwhile, or it could put back counts older than the ones just committed.
	forgets atomic.Int64
}

// NewUserRepo returns the account repository, caching profiles in Redis when one is configured
// and in memory otherwise.
func NewUserRepo(data *Data, redis *confv1.Redis) *UserRepo {
	ttl := redis.GetCacheTtl().AsDuration()
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	var cache profileCache = newMemoryProfileCache(ttl)
	if data.Redis != nil {
		cache = &redisProfileCache{rdb: data.Redis, ttl: ttl, prefix: redis.GetKeyPrefix()}
	}
	return &UserRepo{data: data, cache: cache}
}

// Create implements biz.UserRepo.
func (r *UserRepo) Create(ctx context.Context, username, passwordHash string) (int64, error) {
	m := userModel{Username: username, PasswordHash: passwordHash}
	if err := r.data.DB.WithContext(ctx).Create(&m).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return 0, biz.ErrUsernameTaken
		}
		return 0, fmt.Errorf("insert user: %w", err)
	}
	return m.ID, nil
}

// FindCredentials implements biz.UserRepo.
func (r *UserRepo) FindCredentials(ctx context.Context, username string) (*biz.Credentials, error) {
	var m accountRow
	err := r.accounts(ctx).Select("users.id", "users.password_hash", "account_bans.banned_at").
		Where("users.username = ?", username).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, biz.ErrUserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find user by name: %w", err)
	}
	return &biz.Credentials{UserID: m.ID, PasswordHash: m.PasswordHash, Banned: m.BannedAt != nil}, nil
}

// GetUsers implements biz.UserRepo: profiles come from the cache when there, the rest from SQL
// in one query, and those are then cached.
func (r *UserRepo) GetUsers(ctx context.Context, ids []int64) ([]*biz.User, error) {
	users, missing := r.cache.get(ctx, ids)
	if len(missing) == 0 {
		return users, nil
	}
	epoch := r.forgets.Load()
	var rows []userModel
	err := r.data.DB.WithContext(ctx).
		Select("id", "username", "avatar", "background_image", "signature",
			"favorite_count", "total_favorited", "work_count", "follow_count", "follower_count").
		Where("id IN ?", missing).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("get users: %w", err)
	}
	for i := range rows {
		users = append(users, &biz.User{
			ID: rows[i].ID, Name: rows[i].Username, Avatar: rows[i].Avatar,
			BackgroundImage: rows[i].BackgroundImage, Signature: rows[i].Signature,
			FavoriteCount: rows[i].FavoriteCount, TotalFavorited: rows[i].TotalFavorited, WorkCount: rows[i].WorkCount,
			FollowCount: rows[i].FollowCount, FollowerCount: rows[i].FollowerCount,
		})
	}
	if r.forgets.Load() == epoch {
		r.cache.put(ctx, users[len(users)-len(rows):])
	}
	return users, nil
}

// GetAccounts implements biz.UserRepo. It is read once a minute or so per user and gateway
// (the gateway caches the answer), so it is not cached here.
func (r *UserRepo) GetAccounts(ctx context.Context, ids []int64) ([]*biz.Account, error) {
	var rows []accountRow
	err := r.accounts(ctx).Select("users.id", "users.created_at", "account_bans.banned_at", "account_bans.tokens_revoked_at").
		Where("users.id IN ?", ids).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("get accounts: %w", err)
	}
	out := make([]*biz.Account, len(rows))
	for i := range rows {
		out[i] = &biz.Account{ID: rows[i].ID, CreatedAt: rows[i].CreatedAt,
			BannedAt: timeOrZero(rows[i].BannedAt), TokensRevokedAt: timeOrZero(rows[i].TokensRevokedAt)}
	}
	return out, nil
}

// SetBanned implements biz.UserRepo. One conditional update decides, so two operators banning
// at once change the account once.
func (r *UserRepo) SetBanned(ctx context.Context, userID int64, banned bool, at time.Time) (bool, error) {
	var exists int64
	if err := r.data.DB.WithContext(ctx).Model(&userModel{}).Where("id = ?", userID).Count(&exists).Error; err != nil {
		return false, fmt.Errorf("find user %d: %w", userID, err)
	}
	if exists == 0 {
		return false, biz.ErrUserNotFound
	}
	db := r.data.DB.WithContext(ctx).Model(&banModel{}).Where("user_id = ?", userID)
	var res *gorm.DB
	if banned {
		// The account's row, unbanned, if it has none yet; then the one update that bans it.
		err := r.data.DB.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}}, DoNothing: true}).
			Create(&banModel{UserID: userID}).Error
		if err != nil {
			return false, fmt.Errorf("ban user %d: %w", userID, err)
		}
		res = db.Where("banned_at IS NULL").Updates(map[string]any{"banned_at": at, "tokens_revoked_at": at})
	} else {
		res = db.Where("banned_at IS NOT NULL").Update("banned_at", nil)
	}
	if res.Error != nil {
		return false, fmt.Errorf("set user %d banned=%t: %w", userID, banned, res.Error)
	}
	return res.RowsAffected > 0, nil
}

func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// secondForget is how long after a change its cache entries are dropped again: a replica that
// read the old row just before the change may have cached it meanwhile.
const secondForget = 200 * time.Millisecond

// Forget drops users whose rows just changed from the cache.
func (r *UserRepo) Forget(ctx context.Context, ids []int64) {
	if len(ids) == 0 {
		return
	}
	r.forgets.Add(1)
	r.cache.forget(ctx, ids)
	time.AfterFunc(secondForget, func() {
		r.forgets.Add(1)
		r.cache.forget(context.Background(), ids)
		// Answers assembled from such an entry meanwhile (the gateway's) go with it; should
		// the count be unreachable, they go at their age bound.
		_ = r.data.Changes.Bump(context.Background())
	})
}
