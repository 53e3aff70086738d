package bootstrap

import (
	"net"
	"net/url"
	"strings"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/douyin-kratos/douyin/pkg/inprocess"
)

// Link is an address a person can open, announced once the process serves it.
type Link struct {
	// What says what is there, e.g. "API reference".
	What string
	// URL is where, e.g. "http://localhost:8080/docs".
	URL string
}

// announce says, once every server listens, where a person finds what the process serves: one
// line per address (the components' Links, the gRPC addresses the other apps dial, the admin
// address), each once. Kratos' own "server listening on" lines are dropped (see lineLogger):
// the all-in-one printed one per in-process pipe, five alike.
func announce(logger log.Logger, p *Process, components []*Component) {
	helper := log.NewHelper(logger)
	seen := map[string]bool{}
	say := func(msg, key, value string) {
		if seen[value] {
			return
		}
		seen[value] = true
		helper.Infow("msg", msg, key, value)
	}
	for _, c := range components {
		for _, l := range c.Links {
			say(l.What, "url", l.URL)
		}
	}
	for _, c := range components {
		if c.GRPC == nil {
			continue
		}
		addr, err := c.GRPCAddr()
		if err != nil || inprocess.Is(addr) {
			continue // the all-in-one's apps talk over in-process pipes: nothing to open
		}
		say(c.Name+" gRPC API (for the other apps)", "addr", addr)
	}
	if p.admin != nil {
		if u, err := p.admin.Endpoint(); err == nil {
			say("admin: /healthz (liveness), /readyz (readiness), /metrics (Prometheus), /debug/pprof/ (profiler)",
				"url", OpenURL(p.adminAddr, u))
		}
	}
}

// OpenURL is the http:// URL a person on this machine opens for a server configured on addr
// that listens at endpoint: a server on every interface (0.0.0.0, ::, or no host) is
// "localhost"; the port is the one it got (so port 0 shows the real one).
func OpenURL(addr string, endpoint *url.URL) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	port := endpoint.Port()
	if port == "" {
		if _, p, err := net.SplitHostPort(addr); err == nil {
			port = p
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}

// kratosServerLine says a log message is one of Kratos' own about a server starting or stopping
// ("[gRPC] server listening on: ...", "[HTTP] server stopping"), which say per server what
// announce and Run say once per process.
func kratosServerLine(msg any) bool {
	s, ok := msg.(string)
	if !ok || len(s) < 8 || s[0] != '[' {
		return false
	}
	return (strings.HasPrefix(s, "[gRPC] server ") || strings.HasPrefix(s, "[HTTP] server ")) &&
		(strings.Contains(s, "server listening on") || strings.HasSuffix(s, "server stopping"))
}
