// Package allinone runs every app in one process on embedded defaults: the quick start. The
// apps are the same as in the distributed deployment and still talk gRPC, Kafka and S3, through
// in-memory pipes (pkg/inprocess) instead of sockets: nothing but the process reaches its broker,
// its object store or its apps, and no call pays for the kernel's socket code. Only the public
// HTTP address and the admin address listen on the network.
package allinone

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"google.golang.org/protobuf/proto"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/gateway"
	"github.com/douyin-kratos/douyin/app/interaction"
	"github.com/douyin-kratos/douyin/app/message"
	"github.com/douyin-kratos/douyin/app/relation"
	"github.com/douyin-kratos/douyin/app/user"
	"github.com/douyin-kratos/douyin/app/video"
	"github.com/douyin-kratos/douyin/pkg/auth"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/event"
	"github.com/douyin-kratos/douyin/pkg/inprocess"
	"github.com/douyin-kratos/douyin/pkg/objectstore"
)

// Name identifies the process in logs.
const Name = "allinone"

// domainApps are the apps behind the gateway, in the order they start.
var domainApps = []struct {
	bootstrap.App
	// endpoint is where the gateway's configuration says this app is.
	endpoint func(*confv1.Services) *string
}{
	{user.App, func(s *confv1.Services) *string { return &s.User }},
	{video.App, func(s *confv1.Services) *string { return &s.Video }},
	{interaction.App, func(s *confv1.Services) *string { return &s.Interaction }},
	{relation.App, func(s *confv1.Services) *string { return &s.Relation }},
	// After relation: it checks friendship there, and each app is configured with the
	// endpoints of the apps built before it.
	{message.App, func(s *confv1.Services) *string { return &s.Message }},
}

// New assembles every app from one configuration: each domain app serves gRPC on an in-process
// pipe of its own, and the gateway serves the Douyin API on http_addr and dials them there.
func New(bc *confv1.Bootstrap, logger log.Logger, p *bootstrap.Process) ([]*bootstrap.Component, func(), error) {
	bc = proto.Clone(bc).(*confv1.Bootstrap)
	var components []*bootstrap.Component
	var cleanups []func()
	cleanup := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	// The process holds the all-in-one's own lock already (bootstrap.Main); the apps' locks
	// keep out an app started on its own on this directory, which would share their SQLite
	// files but not this process's broker.
	for _, app := range domainApps {
		unlock, err := bootstrap.LockDataDir(bc.GetDataDir(), app.Name)
		if err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("%s: %w", app.Name, err)
		}
		cleanups = append(cleanups, unlock)
	}
	if bc.GetAuth().GetTokenSecret() == "" {
		secret, err := auth.LoadOrCreateSecret(bc.GetDataDir())
		if err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("token secret: %w", err)
		}
		bc.Auth.TokenSecret = secret
	}
	if bc.GetAdminToken() == "" {
		token, err := auth.LoadOrCreateSecretFile(bc.GetDataDir(), gateway.AdminTokenFile)
		if err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("admin token: %w", err)
		}
		bc.AdminToken = token
	}
	if bc.Storage == nil {
		bc.Storage = &confv1.Storage{}
	}
	if bc.Kafka == nil {
		bc.Kafka = &confv1.Kafka{}
	}
	if bc.GetKafka().GetBrokers() == "" {
		broker, err := event.NewEmbeddedBroker(filepath.Join(bc.GetDataDir(), "kafka"))
		if err != nil {
			return nil, nil, err
		}
		cleanups = append(cleanups, broker.Close)
		bc.Kafka.Brokers = strings.Join(broker.Brokers(), ",")
		// Producers and consumers all live here: actions can wait for their counts in memory.
		bc.Kafka.InProcess = true
	}
	if bc.GetStorage().GetEndpoint() == "" {
		stop, err := startEmbeddedStorage(bc)
		if err != nil {
			return nil, nil, err
		}
		cleanups = append(cleanups, stop)
	}
	for _, app := range domainApps {
		appConf := proto.Clone(bc).(*confv1.Bootstrap)
		// Port 0 of an in-process address: each app of each all-in-one gets its own pipe, so two
		// all-in-ones in one process never clash either.
		appConf.GrpcAddr = inprocess.Address(app.Name)
		appConf.HttpAddr = "" // the gateway owns the one HTTP address
		c, done, err := app.New(appConf, logger, p)
		if err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("%s: %w", app.Name, err)
		}
		cleanups = append(cleanups, done)
		addr, err := c.GRPCAddr()
		if err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("%s: listen: %w", app.Name, err)
		}
		*app.endpoint(bc.Services) = addr
		components = append(components, c)
	}
	gw, done, err := gateway.App.New(bc, logger, p)
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("%s: %w", gateway.Name, err)
	}
	cleanups = append(cleanups, done)
	if bc.GetDemo() {
		gw.Workers = append(gw.Workers, &demoSeeder{bc: bc, dialer: p.Dialer, log: log.NewHelper(log.With(logger, "app", "demo"))})
	}
	return append(components, gw), cleanup, nil
}

// startEmbeddedStorage serves an S3 store only this process can reach, keeping objects under
// data_dir/objects, and points the configuration at it. It runs for the whole life of the
// process rather than as a component, because the apps check their bucket while they are
// assembled, before components start; it stops last, after every app.
func startEmbeddedStorage(bc *confv1.Bootstrap) (func(), error) {
	store, err := objectstore.NewEmbedded(filepath.Join(bc.GetDataDir(), "objects"))
	if err != nil {
		return nil, fmt.Errorf("embedded object storage: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- store.Start(context.Background()) }()
	bc.Storage.Endpoint = store.Endpoint()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = store.Stop(ctx)
		<-served
	}, nil
}
