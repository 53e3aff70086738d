// Command kafka is a one-node Kafka-protocol broker (franz-go's kfake, as the all-in-one embeds
// it) as a process of its own: the stand-in for Kafka in deploy/localcluster, where no real
// Kafka can be installed. It listens on 127.0.0.1 only, keeps its log under -dir, and prints
// its address once it accepts connections. SIGINT or SIGTERM stops it, flushing the log.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/douyin-kratos/douyin/pkg/event"
)

func main() {
	port := flag.Int("port", 9092, "port on 127.0.0.1 to listen on (0: the kernel picks one)")
	dir := flag.String("dir", "./data/kafka", "directory the broker keeps its log in")
	flag.Parse()

	broker, err := event.NewEmbeddedBrokerOn(*dir, *port)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kafka: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("kafka brokers: %s\n", strings.Join(broker.Brokers(), ","))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	broker.Close()
	fmt.Println("kafka: stopped")
}
