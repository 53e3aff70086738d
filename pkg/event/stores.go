package event

import (
	"time"

	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/changes"
	"github.com/douyin-kratos/douyin/pkg/database"
)

// Stores are the connections of an app whose facts are counted or that keeps counts: its
// database stores and the acknowledgements that let an action wait for its counts.
type Stores struct {
	*database.Stores
	// Acks carries "the counts of this event moved" from the counter consumers to the actions
	// waiting for them (AcksFor).
	Acks Acks
	// ApplyWait bounds how long an action waits for its counts (kafka.apply_wait): past it the
	// change stands and the counts follow.
	ApplyWait time.Duration
	// Changes counts the changes feeds, profiles and lists show (pkg/changes): in Redis when
	// the app has one, in the process otherwise.
	Changes changes.Counter
}

// OpenStores opens the stores of the app called app (database.Open) and makes the process not
// ready while no Kafka broker answers (RequireBrokers): without one its counts stand still.
func OpenStores(settings database.Settings, kafka *confv1.Kafka, app string, migrate func(*gorm.DB) error, ready Requirer) (*Stores, func(), error) {
	stores, closeStores, err := database.Open(settings, app, migrate, ready)
	if err != nil {
		return nil, nil, err
	}
	RequireBrokers(ready, Brokers(kafka))
	return &Stores{
		Stores:    stores,
		Acks:      AcksFor(kafka, stores.Redis, settings.Redis.GetKeyPrefix()),
		ApplyWait: kafka.GetApplyWait().AsDuration(),
		Changes:   changes.For(stores.Redis, settings.Redis.GetKeyPrefix(), changes.Reads),
	}, closeStores, nil
}
