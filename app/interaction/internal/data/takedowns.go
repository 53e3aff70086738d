package data

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/event"
)

// takenDownModel records that this app applied the take-down of a video: likes and comments
// check it after they commit (biz.VideoDirectory.TakenDown) and undo themselves if it is there.
type takenDownModel struct {
	VideoID   int64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt time.Time
}

func (takenDownModel) TableName() string { return "taken_down_videos" }

// takedowns removes what a taken-down video leaves in this app: its favorites, each announced as
// the unfavorite biz.Favorite.TakenDown builds, and its comments.
//
// Exactly once: the consumer records the event's id, the rows removed and the unfavorites'
// outbox records in one transaction. A crash before its commit leaves the event to be applied
// again whole; one after it, before the offset is committed, redelivers an event found applied.
// So each favorite is taken back once, whatever dies when.
type takedowns struct {
	favorites *FavoriteRepo
	comments  *CommentRepo
	videos    *VideoDirectory
	relay     *event.Relay

	// likers holds, per event applied in the transaction under way, the users whose favorites
	// it removed, for after the commit. Only the consumer's goroutine uses it; the mutex keeps
	// that from mattering.
	mu     sync.Mutex
	likers map[string][]int64
}

// NewTakedownConsumer applies the video app's take-downs (videov1.VideoDeleted) to favorites and
// comments, in consumer group interactionv1.TakedownConsumer.
func NewTakedownConsumer(d *Data, relay *event.Relay, favorites *FavoriteRepo, comments *CommentRepo, videos *VideoDirectory,
	kafka *confv1.Kafka, logger log.Logger) (*event.Consumer, error) {
	if err := event.MigrateConsumer(d.DB); err != nil {
		return nil, err
	}
	t := &takedowns{favorites: favorites, comments: comments, videos: videos, relay: relay, likers: map[string][]int64{}}
	return event.NewConsumer(interactionv1.TakedownConsumer, d.DB, event.Brokers(kafka), []string{videov1.TopicPublished},
		event.Handler(t.apply), event.ConsumerOptions{AfterCommit: t.committed, Changes: d.Changes, Changed: isTakedown}, logger), nil
}

// isTakedown tells the take-downs among the topic's events: the publishes and work counts
// the consumer also reads change nothing in this app.
func isTakedown(msg event.Message) bool { return msg.Is((*videov1.VideoDeleted)(nil)) }

// apply removes, within tx, what the take-down msg announces. The topic's other events
// (publishes, work counts) leave nothing to do here: they are applied as nothing, rather than
// passed over with a warning each.
func (t *takedowns) apply(_ context.Context, tx *gorm.DB, msg event.Message) error {
	ev, err := msg.Decode()
	if err != nil {
		return fmt.Errorf("%w: %v", event.ErrSkip, err)
	}
	deleted, ok := ev.(*videov1.VideoDeleted)
	if !ok {
		return nil
	}
	// Once this commits, a like or comment that committed too late to be removed below sees
	// the record when it checks (biz.FavoriteUsecase.unlessTakenDown) and undoes itself. Too
	// late means after the rows below were read: on MySQL that read locks the video's index
	// range (FOR UPDATE), so such a like commits only after this transaction; on SQLite the
	// transactions run one at a time. In process the directory holds the record in memory,
	// marked now, before the commit (VideoDirectory.takingDown).
	t.videos.takingDown(deleted.GetVideoId())
	mark := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "video_id"}}, DoNothing: true}).
		Create(&takenDownModel{VideoID: deleted.GetVideoId()})
	if mark.Error != nil {
		return fmt.Errorf("record the take-down of video %d: %w", deleted.GetVideoId(), mark.Error)
	}
	likers, err := t.favorites.removeVideo(tx, deleted.GetVideoId(), biz.Favorite.TakenDown)
	if err != nil {
		return err
	}
	if err := t.comments.removeVideo(tx, deleted.GetVideoId()); err != nil {
		return err
	}
	t.mu.Lock()
	t.likers[msg.EventID] = likers // a retried batch overwrites what its rolled-back try left
	t.mu.Unlock()
	return nil
}

// committed drops, once the take-downs applied are committed, whatever this process remembers
// of their videos: the likers' sets, the comment lists, the videos' authors. Then it wakes the
// relay to publish the unfavorites.
func (t *takedowns) committed(ctx context.Context, applied []event.Message) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, msg := range applied {
		likers, ok := t.likers[msg.EventID]
		if !ok {
			continue // not a take-down
		}
		t.favorites.forget(likers)
		if ev, err := msg.Decode(); err == nil {
			if deleted, ok := ev.(*videov1.VideoDeleted); ok {
				t.comments.forget(ctx, deleted.GetVideoId())
				t.videos.Forget(deleted.GetVideoId())
			}
		}
	}
	clear(t.likers)
	t.relay.Notify()
}
