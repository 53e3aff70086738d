// Package discovery lets apps find each other through a service registry. Each app registers the
// endpoints of its servers while it runs, and callers name another app as
// "discovery:///<app>.grpc" (e.g. "discovery:///user.grpc") to be handed its live instances.
// Without a registry (registry.nacos.addrs empty) there is nothing to register with, and the
// endpoints under services are static host:port addresses.
package discovery

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-kratos/kratos/contrib/registry/nacos/v2"
	"github.com/go-kratos/kratos/v2/registry"
	"github.com/nacos-group/nacos-sdk-go/v2/clients"
	"github.com/nacos-group/nacos-sdk-go/v2/clients/naming_client"
	"github.com/nacos-group/nacos-sdk-go/v2/common/constant"
	"github.com/nacos-group/nacos-sdk-go/v2/vo"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

// defaultTimeout bounds one request to Nacos when registry.nacos.timeout is unset. The SDK's own
// default, 10s, would let a Nacos that stops answering hold up an app's start or a dial that long.
const defaultTimeout = 3 * time.Second

// Registry announces this process's servers and resolves "discovery:///<app>.grpc" endpoints.
//
// Register publishes every endpoint URL of a ServiceInstance as its own service named
// "<name>.<scheme>": an app "user" with a gRPC and an HTTP server appears as "user.grpc" and
// "user.http". GetService and Watch take that full name, which is why callers dial
// "discovery:///user.grpc" rather than "discovery:///user".
//
// It is an alias, the same type as bootstrap.Registry, so that New is a bootstrap.OpenRegistry.
type Registry = interface {
	registry.Registrar
	registry.Discovery
}

// New returns the registry bc.registry names, or (nil, no-op cleanup, nil) when none is
// configured (registry.nacos.addrs empty). The returned cleanup closes the client.
//
// The Nacos client logs to <data_dir>/nacos/log and keeps its cache in <data_dir>/nacos/cache.
// New does not wait for Nacos to be reachable: the client keeps reconnecting in the background.
// While it is unreachable Register fails, so an app does not start unannounced, and so does
// Watch, so dialing "discovery:///..." fails at once rather than at the first call.
func New(bc *confv1.Bootstrap) (Registry, func(), error) {
	cfg := bc.GetRegistry().GetNacos()
	servers, err := serverConfigs(cfg.GetAddrs())
	if err != nil {
		return nil, nil, err
	}
	if len(servers) == 0 {
		return nil, func() {}, nil
	}
	// Without data_dir the log and cache would land in the working directory.
	if bc.GetDataDir() == "" {
		return nil, nil, errors.New("registry.nacos: data_dir is empty; the Nacos client needs it for its log and cache")
	}
	timeout := defaultTimeout
	if d := cfg.GetTimeout().AsDuration(); d > 0 {
		timeout = d
	}
	dir := filepath.Join(bc.GetDataDir(), "nacos")
	client, err := clients.NewNamingClient(vo.NacosClientParam{
		ClientConfig: &constant.ClientConfig{
			NamespaceId: cfg.GetNamespace(),
			Username:    cfg.GetUsername(),
			Password:    cfg.GetPassword(),
			TimeoutMs:   uint64(timeout.Milliseconds()),
			// Instances cached by an earlier run may be long gone; ask the server instead.
			NotLoadCacheAtStart: true,
			LogDir:              filepath.Join(dir, "log"),
			CacheDir:            filepath.Join(dir, "cache"),
			LogLevel:            "warn",
		},
		ServerConfigs: servers,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("registry.nacos %s: %w", cfg.GetAddrs(), err)
	}
	return NewNacos(client, cfg.GetGroup()), client.CloseClient, nil
}

// NewNacos wraps a naming client (the real one, or an in-memory one in tests) as a Registry,
// registering in group (empty = Nacos' DEFAULT_GROUP). Only instances in the same group (and
// namespace) find each other.
func NewNacos(client naming_client.INamingClient, group string) Registry {
	var opts []nacos.Option
	// WithGroup("") would replace the contrib's DEFAULT_GROUP with "", leaving every SDK call to
	// re-default it on its own.
	if group != "" {
		opts = append(opts, nacos.WithGroup(group))
	}
	return nacos.New(client, opts...)
}

// serverConfigs parses the comma-separated host:port list of registry.nacos.addrs. Empty
// entries are skipped so that a trailing comma is harmless.
func serverConfigs(addrs string) ([]constant.ServerConfig, error) {
	var servers []constant.ServerConfig
	for entry := range strings.SplitSeq(addrs, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		host, port, err := net.SplitHostPort(entry)
		if err != nil {
			return nil, fmt.Errorf("registry.nacos.addrs: %q is not host:port", entry)
		}
		p, err := strconv.ParseUint(port, 10, 16)
		if host == "" || err != nil || p == 0 {
			return nil, fmt.Errorf("registry.nacos.addrs: %q is not host:port", entry)
		}
		servers = append(servers, constant.ServerConfig{IpAddr: host, Port: p})
	}
	return servers, nil
}
