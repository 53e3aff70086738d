//go:build wireinject

package message

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/message/internal/biz"
	"github.com/douyin-kratos/douyin/app/message/internal/data"
	"github.com/douyin-kratos/douyin/app/message/internal/service"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/moderation"
)

func wireComponent(*confv1.Bootstrap, log.Logger, *bootstrap.Process) (*bootstrap.Component, func(), error) {
	panic(wire.Build(data.ProviderSet, biz.ProviderSet, service.ProviderSet, newComponent,
		wire.FieldsOf(new(*bootstrap.Process), "Dialer", "Ready"),
		wire.FieldsOf(new(*confv1.Bootstrap), "Redis", "Kafka", "Services"), settings,
		database.SettingsOf, bootstrap.GRPCSettingsOf, bootstrap.ServeGRPC,
		// The words biz refuses, loaded once here (pkg/moderation).
		moderation.FromConfig, wire.Bind(new(biz.Blocklist), new(*moderation.Blocklist)),
	))
}
