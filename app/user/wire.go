//go:build wireinject

package user

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/google/wire"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/user/internal/biz"
	"github.com/douyin-kratos/douyin/app/user/internal/data"
	"github.com/douyin-kratos/douyin/app/user/internal/service"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

func wireComponent(*confv1.Bootstrap, log.Logger, *bootstrap.Process) (*bootstrap.Component, func(), error) {
	panic(wire.Build(data.ProviderSet, biz.ProviderSet, service.ProviderSet, bootstrap.DomainSet, workers, passwordHashing))
}
