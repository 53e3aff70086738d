package data

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/message/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/changes"
	"github.com/douyin-kratos/douyin/pkg/database"
)

// conversationModel is one row per pair of users who have exchanged a message, keyed by the
// pair as (smaller id, larger id). Every send locks it, which puts the sends of a conversation
// in one order, and LastTime is the create_time of the conversation's newest message.
type conversationModel struct {
	UserLow  int64 `gorm:"primaryKey;autoIncrement:false"`
	UserHigh int64 `gorm:"primaryKey;autoIncrement:false"`
	LastTime int64 `gorm:"not null"`
}

func (conversationModel) TableName() string { return "conversations" }

type messageModel struct {
	ID int64 `gorm:"primaryKey"`
	// The conversation, as in conversationModel: the whole chat reads idx_conversation_time in
	// order, and its uniqueness is the promise the poll cursor rests on.
	UserLow  int64 `gorm:"not null;uniqueIndex:idx_conversation_time,priority:1"`
	UserHigh int64 `gorm:"not null;uniqueIndex:idx_conversation_time,priority:2"`
	// idx_from_to_time answers the poll ("what did the peer send me after T") with a range read.
	FromUserID int64  `gorm:"not null;index:idx_from_to_time,priority:1"`
	ToUserID   int64  `gorm:"not null;index:idx_from_to_time,priority:2"`
	Content    string `gorm:"size:4000;not null"` // biz.MaxMessageLength characters of up to 4 bytes
	// CreateTime is in epoch ms, unique within the conversation and growing in commit order.
	CreateTime int64 `gorm:"not null;uniqueIndex:idx_conversation_time,priority:3;index:idx_from_to_time,priority:3"`
}

func (messageModel) TableName() string { return "messages" }

func (m *messageModel) message() *biz.Message {
	return &biz.Message{ID: m.ID, FromUserID: m.FromUserID, ToUserID: m.ToUserID, Content: m.Content, CreateTime: m.CreateTime}
}

func messages(rows []messageModel) []*biz.Message {
	out := make([]*biz.Message, len(rows))
	for i := range rows {
		out[i] = rows[i].message()
	}
	return out
}

// conversation is the key of the conversation between a and b, the same from either side.
func conversation(a, b int64) (low, high int64) {
	if a < b {
		return a, b
	}
	return b, a
}

// MessageRepo implements biz.MessageRepo.
type MessageRepo struct {
	data *Data
	// newest lets polls that find nothing skip the database; nil where no store sees every
	// send (replicas without a shared Redis).
	newest newestTimes
	// sent counts the messages sent, for the caches of chats (pkg/changes).
	sent changes.Counter
	log  *log.Helper
	// now is the clock create_time starts from; tests stop it to make sends collide.
	now func() time.Time
}

// NewMessageRepo returns the message repository. The newest message time of each direction is
// kept in Redis when there is one, in memory when this process makes every send
// (kafka.in_process, the all-in-one), and not at all otherwise.
func NewMessageRepo(data *Data, redis *confv1.Redis, kafka *confv1.Kafka, logger log.Logger) *MessageRepo {
	r := &MessageRepo{
		data: data, sent: changes.For(data.Redis, redis.GetKeyPrefix(), changes.Messages),
		log: log.NewHelper(logger), now: time.Now,
	}
	switch {
	case data.Redis != nil:
		r.newest = newRedisNewest(data.Redis, redis.GetKeyPrefix(), redis.GetCacheTtl().AsDuration())
	case kafka.GetInProcess():
		r.newest = newMemoryNewest()
	}
	return r
}

// Create implements biz.MessageRepo.
//
// create_time is max(now, the conversation's newest + 1), taken from the conversation's row
// while the insert holds that row locked. A plain read of the newest message would not do: two
// sends reading it at once can take times that commit in the opposite order (one at now=105
// committing before another at now=103), and a client that polled in between, from 105, would
// never see the message at 103. Under the lock each send sees every earlier one committed, so
// times grow in commit order and never repeat. The unique index on (conversation, create_time)
// enforces what the lock guarantees, so a duplicate there is a bug, reported rather than retried.
func (r *MessageRepo) Create(ctx context.Context, m *biz.Message) error {
	low, high := conversation(m.FromUserID, m.ToUserID)
	row := messageModel{UserLow: low, UserHigh: high, FromUserID: m.FromUserID, ToUserID: m.ToUserID, Content: m.Content}
	err := database.Transaction(ctx, r.data.DB, func(tx *gorm.DB) error {
		row.ID = 0 // a retried attempt inserts afresh
		now := r.now().UnixMilli()
		// Insert or lock-and-advance in one statement: a separate SELECT ... FOR UPDATE of a row
		// that does not exist yet locks a gap, which two first messages would deadlock on.
		err := tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "user_low"}, {Name: "user_high"}},
			DoUpdates: clause.Assignments(map[string]any{
				"last_time": gorm.Expr("CASE WHEN conversations.last_time >= ? THEN conversations.last_time + 1 ELSE ? END", now, now),
			}),
		}).Create(&conversationModel{UserLow: low, UserHigh: high, LastTime: now}).Error
		if err != nil {
			return err
		}
		var conv conversationModel
		if err := tx.Where("user_low = ? AND user_high = ?", low, high).Take(&conv).Error; err != nil {
			return err
		}
		row.CreateTime = conv.LastTime
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if r.newest != nil {
			// Before the commit: a bound that cannot be raised must not let the message
			// commit, or polls would trust a bound below it (newestTimes).
			return r.newest.sending(ctx, row.FromUserID, row.ToUserID, row.CreateTime)
		}
		return nil
	})
	// Counted also after an error: the commit may have happened with its answer lost.
	if countErr := r.sent.Bump(ctx); countErr != nil {
		// Not the sender's failure: an error would have them send the message twice. The
		// chats kept meanwhile show it at their age bound.
		r.log.Warnw("msg", "could not count a message sent for the chats kept", "error", countErr)
	}
	if err != nil {
		return fmt.Errorf("send message: %w", err)
	}
	if r.newest != nil {
		r.newest.sent(row.FromUserID, row.ToUserID, row.CreateTime)
	}
	m.ID, m.CreateTime = row.ID, row.CreateTime
	return nil
}

// Conversation implements biz.MessageRepo.
func (r *MessageRepo) Conversation(ctx context.Context, a, b int64, limit int) ([]*biz.Message, error) {
	var rows []messageModel
	err := conversationQuery(r.data.DB.WithContext(ctx), a, b, limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read conversation: %w", err)
	}
	slices.Reverse(rows) // read newest first, to stop at the limit
	return messages(rows), nil
}

// SentAfter implements biz.MessageRepo. Almost every poll finds nothing, so when the newest
// time of from→to is known and not after afterMs, it answers without the database.
func (r *MessageRepo) SentAfter(ctx context.Context, from, to, afterMs int64, limit int) ([]*biz.Message, error) {
	if r.newest != nil {
		newest, token, ok := r.newest.get(ctx, from, to)
		if !ok {
			var err error
			if newest, err = r.newestFromDB(ctx, from, to); err != nil {
				return nil, err
			}
			r.newest.fill(ctx, from, to, newest, token)
		}
		if newest <= afterMs {
			return nil, nil
		}
	}
	var rows []messageModel
	err := pollQuery(r.data.DB.WithContext(ctx), from, to, afterMs, limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("poll messages: %w", err)
	}
	return messages(rows), nil
}

// newestFromDB reads the newest time of from→to, 0 if none.
func (r *MessageRepo) newestFromDB(ctx context.Context, from, to int64) (int64, error) {
	var newest int64
	err := newestQuery(r.data.DB.WithContext(ctx), from, to).Scan(&newest).Error
	if err != nil {
		return 0, fmt.Errorf("read newest message time: %w", err)
	}
	return newest, nil
}

// Latest implements biz.MessageRepo.
func (r *MessageRepo) Latest(ctx context.Context, userID int64, peerIDs []int64) ([]*biz.Message, error) {
	var rows []messageModel
	if err := latestQuery(r.data.DB.WithContext(ctx), userID, peerIDs).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read latest messages: %w", err)
	}
	return messages(rows), nil
}

// The queries, apart so that a test can check the database plans each with an index.

// conversationQuery reads the newest limit messages of a conversation, newest first, backwards
// along idx_conversation_time.
func conversationQuery(db *gorm.DB, a, b int64, limit int) *gorm.DB {
	low, high := conversation(a, b)
	return db.Model(&messageModel{}).Where("user_low = ? AND user_high = ?", low, high).
		Order("create_time DESC").Limit(limit)
}

// pollQuery reads the oldest limit messages from→to after afterMs as a range of
// idx_from_to_time.
func pollQuery(db *gorm.DB, from, to, afterMs int64, limit int) *gorm.DB {
	return db.Model(&messageModel{}).
		Where("from_user_id = ? AND to_user_id = ? AND create_time > ?", from, to, afterMs).Order("create_time").Limit(limit)
}

// newestQuery reads the newest time of from→to (0 if none) from the end of idx_from_to_time.
func newestQuery(db *gorm.DB, from, to int64) *gorm.DB {
	return db.Model(&messageModel{}).Where("from_user_id = ? AND to_user_id = ?", from, to).
		Select("COALESCE(MAX(create_time), 0)")
}

// latestQuery is one query: the conversations' rows, found by primary key, give each newest
// time, and (conversation, create_time) finds that message by its unique index.
func latestQuery(db *gorm.DB, userID int64, peerIDs []int64) *gorm.DB {
	var above, below []int64 // peers whose ids sort above and below userID's
	for _, id := range peerIDs {
		if id > userID {
			above = append(above, id)
		} else {
			below = append(below, id)
		}
	}
	// Each half is a list of point lookups of the primary key (user_low, user_high).
	var conds []string
	var args []any
	if len(above) > 0 {
		conds, args = append(conds, "(c.user_low = ? AND c.user_high IN ?)"), append(args, userID, above)
	}
	if len(below) > 0 {
		conds, args = append(conds, "(c.user_low IN ? AND c.user_high = ?)"), append(args, below, userID)
	}
	if len(conds) == 0 {
		conds = []string{"1 = 0"}
	}
	return db.Table("conversations AS c").
		Joins("JOIN messages AS m ON m.user_low = c.user_low AND m.user_high = c.user_high AND m.create_time = c.last_time").
		Where(strings.Join(conds, " OR "), args...).Select("m.*")
}
