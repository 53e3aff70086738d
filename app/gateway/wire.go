//go:build wireinject

package gateway

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
	"github.com/douyin-kratos/douyin/app/gateway/internal/data"
	"github.com/douyin-kratos/douyin/app/gateway/internal/server"
	"github.com/douyin-kratos/douyin/app/gateway/internal/service"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

func wireComponent(*confv1.Bootstrap, log.Logger, *bootstrap.Process) (*bootstrap.Component, func(), error) {
	panic(wire.Build(
		server.ProviderSet, data.ProviderSet, biz.ProviderSet, service.ProviderSet,
		wire.Bind(new(server.API), new(*service.DouyinService)),
		newComponent, httpSettings, publicURL, adminToken,
		wire.FieldsOf(new(*bootstrap.Process), "Dialer", "Ready"),
		wire.FieldsOf(new(*confv1.Bootstrap), "Redis", "RateLimit", "Storage", "Services", "Http", "Auth", "Kafka"),
	))
}
