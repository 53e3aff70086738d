package bootstrap

import (
	"fmt"

	"github.com/go-kratos/kratos/v2/transport"
	"github.com/go-kratos/kratos/v2/transport/grpc"
	"github.com/google/wire"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/database"
)

// DomainSet is what every domain app (user, video, interaction, relation, message) takes from
// its process and its configuration in the same way: a gRPC server with the common settings
// serving the app's GRPCService, the database settings, the process's dialer and readiness, and
// the configuration sections the apps' adapters read; and the Component it makes of that server
// and the app's Workers. An app's injector adds its own settings and Workers and binds its biz
// interfaces.
var DomainSet = wire.NewSet(
	GRPCSettingsOf, ServeGRPC, database.SettingsOf, DomainComponent,
	wire.FieldsOf(new(*Process), "Dialer", "Ready"),
	wire.FieldsOf(new(*confv1.Bootstrap), "Redis", "Kafka", "Services"),
)

// Workers are the servers a domain app runs beside its gRPC server: event consumers, its outbox
// relay, sweepers. A type of its own so that the injector can tell them from other lists.
type Workers []transport.Server

// DomainComponent is a domain app: its gRPC API and its workers. App.New names it.
func DomainComponent(gs *grpc.Server, workers Workers) *Component {
	return &Component{GRPC: gs, Workers: workers}
}

// DomainListen is a domain app's Listen: its gRPC API on every interface, for the other apps of
// the cluster, and its admin address (health, metrics, profiling) on loopback only, since admin
// actions never belong on an address others can reach.
func DomainListen(grpcPort, adminPort int) string {
	return fmt.Sprintf("grpc_addr: 0.0.0.0:%d\nadmin_addr: 127.0.0.1:%d\n", grpcPort, adminPort)
}
