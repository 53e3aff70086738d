// Package gateway is the gateway app: the one public HTTP address serving the Douyin API. It
// owns no data; it checks tokens and joins answers from the domain apps.
package gateway

import (
	"net"
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
	"github.com/douyin-kratos/douyin/pkg/accesslog"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/objectstore"
)

// Name identifies the app in logs and discovery.
const Name = "gateway"

// App is the gateway: it listens on the configuration's http_addr.
var App = bootstrap.App{Name: Name, Build: build, Stateless: true}

// build assembles the gateway (wireComponent), with the addresses it announces at start, and
// makes the process not ready while the object store it serves /objects/ from does not answer.
func build(bc *confv1.Bootstrap, logger log.Logger, p *bootstrap.Process) (*bootstrap.Component, func(), error) {
	c, cleanup, err := wireComponent(bc, logger, p)
	if err != nil {
		return nil, nil, err
	}
	if bc.GetStorage().GetPublicUrl() == "" {
		if err := objectstore.RequireReachable(p.Ready, bc.GetStorage()); err != nil {
			cleanup()
			return nil, nil, err
		}
	}
	c.Links = links(bc, c.HTTP)
	return c, cleanup, nil
}

// links are the addresses the gateway announces at start besides the web client's (which its
// server names, with those a phone on the same network opens): the API reference, or, without
// the web client, the API itself.
func links(bc *confv1.Bootstrap, hs *http.Server) []bootstrap.Link {
	u, err := hs.Endpoint()
	if err != nil {
		return nil
	}
	base := bootstrap.OpenURL(bc.GetHttpAddr(), u)
	if bc.GetWeb().GetEnabled() {
		return []bootstrap.Link{{What: "API reference", URL: base + "/docs"}}
	}
	out := []bootstrap.Link{{What: "Douyin API: point the app here", URL: base + "/"}}
	// web.URLs lists the LAN addresses of a server on every interface, and none otherwise.
	host, _, _ := net.SplitHostPort(bc.GetHttpAddr())
	_, lan := web.URLs(net.JoinHostPort(host, u.Port()))
	for _, l := range lan {
		out = append(out, bootstrap.Link{What: "Douyin API from a phone on the same network", URL: l})
	}
	return out
}

// httpSettings are the public server's settings, from the configuration.
func httpSettings(bc *confv1.Bootstrap, logger log.Logger) server.Settings {
	return server.Settings{
		Addr:           bc.GetHttpAddr(),
		HTTP:           bc.GetHttp(),
		MaxUploadBytes: bc.GetVideo().GetMaxUploadBytes(),
		AccessLog: accesslog.Sampling{
			Fraction: bc.GetLog().GetAccessSample(), PerSecond: int(bc.GetLog().GetAccessPerSecond()),
		},
		Middleware: bootstrap.ServerMiddleware(bc, logger),
		Web:        webSite(bc),
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
	return &bootstrap.Component{HTTP: hs, Workers: []transport.Server{accounts}}
}
