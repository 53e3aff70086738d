//go:build wireinject

package video

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
	"github.com/douyin-kratos/douyin/app/video/internal/data"
	"github.com/douyin-kratos/douyin/app/video/internal/server"
	"github.com/douyin-kratos/douyin/app/video/internal/service"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

func wireComponent(*confv1.Bootstrap, log.Logger, *bootstrap.Process) (*bootstrap.Component, func(), error) {
	panic(wire.Build(server.ProviderSet, data.ProviderSet, biz.ProviderSet, service.ProviderSet, bootstrap.DomainSet,
		workers, settings, uploadDir,
		wire.FieldsOf(new(*confv1.Bootstrap), "Video", "Storage"),
	))
}
