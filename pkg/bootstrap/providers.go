package bootstrap

import (
	"github.com/google/wire"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/database"
)

// DomainSet is what every domain app (user, video, interaction, relation, message) takes from
// its process and its configuration in the same way: a gRPC server with the common settings
// serving the app's GRPCService, the database settings, the process's dialer and readiness, and
// the configuration sections the apps' adapters read. An app's injector adds its own settings
// and binds its biz interfaces.
var DomainSet = wire.NewSet(
	GRPCSettingsOf, ServeGRPC, database.SettingsOf,
	wire.FieldsOf(new(*Process), "Dialer", "Ready"),
	wire.FieldsOf(new(*confv1.Bootstrap), "Redis", "Kafka", "Services"),
)
