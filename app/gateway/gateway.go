// Package gateway is the gateway app: the one public HTTP address serving the Douyin API. It
// owns no data; it checks tokens and joins answers from the domain apps.
package gateway

import (
	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport/http"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// Name identifies the app in logs and discovery.
const Name = "gateway"

// New assembles the gateway from its configuration.
func New(bc *confv1.Bootstrap, logger log.Logger, p *bootstrap.Process) (*bootstrap.Component, func(), error) {
	return wireComponent(bc, log.With(logger, "app", Name), p)
}

func newComponent(hs *http.Server) *bootstrap.Component {
	return &bootstrap.Component{Name: Name, HTTP: hs}
}
