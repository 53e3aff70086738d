// Package gateway is the gateway app: the one public HTTP address serving the Douyin API. It
// owns no data; it checks tokens and joins answers from the domain apps.
package gateway

import (
	nethttp "net/http"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/go-kratos/kratos/v2/transport"
	"github.com/go-kratos/kratos/v2/transport/http"

	"github.com/douyin-kratos/douyin"
	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/data"
	"github.com/douyin-kratos/douyin/app/gateway/internal/server"
	"github.com/douyin-kratos/douyin/app/gateway/internal/service"
	"github.com/douyin-kratos/douyin/app/gateway/internal/web"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
)

// Name identifies the app in logs and discovery.
const Name = "gateway"

// App is the gateway: it listens on the configuration's http_addr.
var App = bootstrap.App{Name: Name, Build: wireComponent, Stateless: true}

// httpSettings are the public server's settings, from the configuration.
func httpSettings(bc *confv1.Bootstrap, logger log.Logger) server.Settings {
	return server.Settings{
		Addr:           bc.GetHttpAddr(),
		HTTP:           bc.GetHttp(),
		MaxUploadBytes: bc.GetVideo().GetMaxUploadBytes(),
		AccessSample:   bc.GetLog().GetAccessSample(),
		Middleware:     bootstrap.ServerMiddleware(bc, logger),
		Web:            webSite(bc),
	}
}

// webSite is the browser client, or nil when web.enabled is off. Its pages may show images and
// videos from the configured public URLs besides the gateway itself.
func webSite(bc *confv1.Bootstrap) *web.Site {
	if !bc.GetWeb().GetEnabled() {
		return nil
	}
	var origins []string
	for _, u := range []string{bc.GetPublicUrl(), bc.GetStorage().GetPublicUrl()} {
		if o := web.Origin(u); o != "" {
			origins = append(origins, o)
		}
	}
	return web.New(web.Settings{MediaOrigins: origins, OpenAPI: douyin.OpenAPI})
}

// publicURL is the base of the links in answers (public_url).
func publicURL(bc *confv1.Bootstrap) service.PublicURL { return service.PublicURL(bc.GetPublicUrl()) }

// adminToken is the credential of the take-downs on the admin address (admin_token).
func adminToken(bc *confv1.Bootstrap) server.AdminToken { return server.AdminToken(bc.GetAdminToken()) }

// newComponent is the gateway's servers: the public API, the take-downs on the process's admin
// address (when it has one), and the listener that keeps its account cache in step with bans
// made through other replicas.
func newComponent(hs *http.Server, admin nethttp.Handler, accounts *data.AccountChanges, p *bootstrap.Process) *bootstrap.Component {
	p.HandleAdmin(server.AdminPrefix, admin)
	return &bootstrap.Component{Name: Name, HTTP: hs, Workers: []transport.Server{accounts}}
}
