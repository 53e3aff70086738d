package message

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/errors"
	ggrpc "google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	messagev1 "github.com/douyin-kratos/douyin/api/message/v1"
	relationv1 "github.com/douyin-kratos/douyin/api/relation/v1"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/bootstrap/bootstraptest"
	"github.com/douyin-kratos/douyin/pkg/rpc/rpctest"
)

// fakeRelation is the relation app's gRPC API with a fixed set of friend pairs.
type fakeRelation struct {
	relationv1.UnimplementedRelationServiceServer
	mu      sync.Mutex
	friends map[[2]int64]bool
	asked   int
}

func (f *fakeRelation) AreFriends(_ context.Context, req *relationv1.AreFriendsRequest) (*relationv1.AreFriendsReply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked++
	a, b := req.GetUserId(), req.GetOtherId()
	return &relationv1.AreFriendsReply{Friends: f.friends[[2]int64{a, b}] || f.friends[[2]int64{b, a}]}, nil
}

// serveRelation runs fake on a loopback port and returns its address and a stop function.
func serveRelation(t *testing.T, fake *fakeRelation) (string, func()) {
	t.Helper()
	return rpctest.Serve(t, func(srv *ggrpc.Server) { relationv1.RegisterRelationServiceServer(srv, fake) })
}

// startApp runs the message app as New assembles it, on SQLite, and returns a client of it.
func startApp(t *testing.T, relationAddr string, message *confv1.Messaging, lists *confv1.Lists) messagev1.MessageServiceClient {
	t.Helper()
	bc := &confv1.Bootstrap{
		DataDir:  t.TempDir(),
		GrpcAddr: "127.0.0.1:0",
		Database: &confv1.Database{Driver: "sqlite"},
		Services: &confv1.Services{Relation: relationAddr, CallTimeout: durationpb.New(3 * time.Second)},
		Message:  message,
		Lists:    lists,
	}
	component := bootstraptest.New(t, App, bc)
	if component.Name != Name || component.HTTP != nil || len(component.Workers) != 0 {
		t.Fatalf("component %+v; want the message app with gRPC only (no http_addr, no workers)", component)
	}
	return messagev1.NewMessageServiceClient(bootstraptest.ServeGRPC(t, component))
}

// wantCallError checks that err crossed gRPC with reason, code and message intact.
func wantCallError(t *testing.T, what string, err error, reason string, code int32, message string) {
	t.Helper()
	e := errors.FromError(err)
	if err == nil || e.Reason != reason || e.Code != code || (message != "" && e.Message != message) {
		t.Fatalf("%s: error %v; want reason %s, code %d, message %q", what, err, reason, code, message)
	}
}

// The app end to end over gRPC, where only friends may chat: wiring, the relation app asked
// through pkg/rpc, declared errors reaching the caller as declared, and a relation app that is
// down.
func TestMessageAppFriendsOnly(t *testing.T) {
	ctx := context.Background()
	relation := &fakeRelation{friends: map[[2]int64]bool{{1, 2}: true}}
	relationAddr, stopRelation := serveRelation(t, relation)
	client := startApp(t, relationAddr, &confv1.Messaging{FriendsOnly: true}, &confv1.Lists{MaxItems: 1000})

	sent, err := client.Send(ctx, &messagev1.SendRequest{FromUserId: 1, ToUserId: 2, Content: "  hi bob 👋\n"})
	if err != nil {
		t.Fatal(err)
	}
	m := sent.GetMessage()
	if m.GetId() <= 0 || m.GetFromUserId() != 1 || m.GetToUserId() != 2 || m.GetContent() != "hi bob 👋" || m.GetCreateTime() <= 0 {
		t.Fatalf("Send = %v; want the stored, trimmed message", m)
	}
	reply, err := client.Send(ctx, &messagev1.SendRequest{FromUserId: 2, ToUserId: 1, Content: "hi alice"})
	if err != nil {
		t.Fatal(err)
	}

	_, err = client.Send(ctx, &messagev1.SendRequest{FromUserId: 1, ToUserId: 3, Content: "hi stranger"})
	wantCallError(t, "Send to a non-friend", err, messagev1.ErrorReason_NOT_FRIENDS.String(), 403,
		"you can only message friends: follow each other first")
	_, err = client.Send(ctx, &messagev1.SendRequest{FromUserId: 1, ToUserId: 2, Content: " \n "})
	wantCallError(t, "Send of nothing", err, messagev1.ErrorReason_INVALID_ARGUMENT.String(), 400, "the message is empty")

	chat, err := client.Chat(ctx, &messagev1.ChatRequest{UserId: 2, PeerId: 1})
	if err != nil || len(chat.GetMessages()) != 2 || chat.GetMessages()[0].GetId() != m.GetId() {
		t.Fatalf("Chat = %v, %v; want both messages, oldest first", chat, err)
	}
	chat, err = client.Chat(ctx, &messagev1.ChatRequest{UserId: 1, PeerId: 2, AfterMs: m.GetCreateTime()})
	if err != nil || len(chat.GetMessages()) != 1 || chat.GetMessages()[0].GetId() != reply.GetMessage().GetId() {
		t.Fatalf("Chat after the first = %v, %v; want only bob's reply", chat, err)
	}
	_, err = client.Chat(ctx, &messagev1.ChatRequest{UserId: 1, PeerId: 1})
	wantCallError(t, "Chat with yourself", err, messagev1.ErrorReason_INVALID_ARGUMENT.String(), 400, "")

	latest, err := client.Latest(ctx, &messagev1.LatestRequest{UserId: 1, PeerIds: []int64{3, 2}})
	if err != nil || len(latest.GetMessages()) != 1 || latest.GetMessages()[0].GetContent() != "hi alice" {
		t.Fatalf("Latest = %v, %v; want bob's reply", latest, err)
	}
	_, err = client.Latest(ctx, &messagev1.LatestRequest{UserId: 1, PeerIds: make([]int64, 501)})
	wantCallError(t, "Latest of 501 peers", err, messagev1.ErrorReason_INVALID_ARGUMENT.String(), 400, "")

	// The relation app down: no message is sent, and the caller learns it can try again.
	stopRelation()
	_, err = client.Send(ctx, &messagev1.SendRequest{FromUserId: 1, ToUserId: 2, Content: "lost"})
	wantCallError(t, "Send with the relation app down", err, bootstrap.ReasonUnavailable, 503, "")
	chat, err = client.Chat(ctx, &messagev1.ChatRequest{UserId: 1, PeerId: 2})
	if err != nil || len(chat.GetMessages()) != 2 {
		t.Fatalf("Chat with the relation app down = %v, %v; want the 2 messages, and nothing more", chat, err)
	}
}

// As configured by default: anyone writes to anyone, without asking the relation app, and every
// answer holds at most lists.max_items messages.
func TestMessageAppOpenChat(t *testing.T) {
	ctx := context.Background()
	relation := &fakeRelation{}
	relationAddr, _ := serveRelation(t, relation)
	client := startApp(t, relationAddr, &confv1.Messaging{}, &confv1.Lists{MaxItems: 2})

	var sent []*messagev1.Message
	for i, from := range []int64{1, 3, 1, 3, 3} {
		to := 4 - from // 1 writes to 3, 3 to 1: they follow nobody
		reply, err := client.Send(ctx, &messagev1.SendRequest{FromUserId: from, ToUserId: to, Content: fmt.Sprintf("message %d", i)})
		if err != nil {
			t.Fatalf("Send %d→%d between strangers: %v", from, to, err)
		}
		sent = append(sent, reply.GetMessage())
	}
	relation.mu.Lock()
	asked := relation.asked
	relation.mu.Unlock()
	if asked != 0 {
		t.Fatalf("the relation app was asked %d times; want none", asked)
	}
	_, err := client.Send(ctx, &messagev1.SendRequest{FromUserId: 1, ToUserId: 1, Content: "me"})
	wantCallError(t, "Send to yourself", err, messagev1.ErrorReason_INVALID_ARGUMENT.String(), 400, "you cannot message yourself")

	contents := func(reply *messagev1.ChatReply) []string {
		var out []string
		for _, m := range reply.GetMessages() {
			out = append(out, m.GetContent())
		}
		return out
	}
	chat, err := client.Chat(ctx, &messagev1.ChatRequest{UserId: 1, PeerId: 3})
	if got := contents(chat); err != nil || !slices.Equal(got, []string{"message 3", "message 4"}) {
		t.Fatalf("Chat = %q, %v; want the newest 2, oldest first", got, err)
	}
	chat, err = client.Chat(ctx, &messagev1.ChatRequest{UserId: 1, PeerId: 3, AfterMs: sent[0].GetCreateTime()})
	if got := contents(chat); err != nil || !slices.Equal(got, []string{"message 1", "message 3"}) {
		t.Fatalf("a poll = %q, %v; want the oldest 2 of what 3 sent", got, err)
	}
}
