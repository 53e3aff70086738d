//go:build wireinject

package interaction

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/interaction/internal/biz"
	"github.com/douyin-kratos/douyin/app/interaction/internal/data"
	"github.com/douyin-kratos/douyin/app/interaction/internal/service"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

func wireComponent(*confv1.Bootstrap, log.Logger, *bootstrap.Process) (*bootstrap.Component, func(), error) {
	panic(wire.Build(data.ProviderSet, biz.ProviderSet, service.ProviderSet, bootstrap.DomainSet, workers, settings))
}
