//go:build cluster

package localcluster_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/douyin-kratos/douyin/deploy/localcluster"
)

// testTakedowns: an operator's `gateway admin` command reaches the apps of a cluster through the
// gateway's admin address: a ban refuses the user's token at once and their login, a deleted
// video leaves the feed and its author's and likers' counts follow through the events.
func testTakedowns(t *testing.T, cluster *localcluster.Cluster, api *douyin, clip []byte) {
	ctx := t.Context()
	mallory := api.register(t, "mallory")
	victor := api.register(t, "victor")
	api.publish(t, victor, "soon taken down", clip)
	feed, err := api.feed(ctx, mallory)
	noErr(t, err)
	v := findVideo(t, feed, "soon taken down")
	noErr(t, api.like(ctx, mallory, v.ID, nil))
	api.comment(t, mallory, v.ID, "spam spam spam")

	admin := func(args ...string) string {
		t.Helper()
		bin, _ := filepath.Abs(filepath.Join(envOr("CLUSTER_BIN_DIR", "../../bin"), localcluster.Gateway))
		cmd := exec.Command(bin, append([]string{"admin", "-operator", "cluster-test"}, args...)...)
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "DOUYIN_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "DOUYIN_ADMIN_ADDR="+cluster.Endpoints().Admin[localcluster.ReplicaName(localcluster.Gateway, 1)], "DOUYIN_ADMIN_TOKEN="+cluster.AdminToken())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("gateway admin %v: %v\n%s", args, err, out)
		}
		return string(out)
	}

	if out := admin("ban-user", id(mallory.ID)); !strings.Contains(out, "user banned") {
		t.Fatalf("ban-user said %q", out)
	}
	suspended := func(err error) bool {
		var refused *statusError
		return errors.As(err, &refused) && refused.StatusCode == 403 && refused.StatusMsg == "this account has been suspended"
	}
	// The gateway that carried the ban out refuses the token at once; the other replicas hear
	// of it through Redis moments later (a message each, not the same instant): within a
	// second, as the design asks of what others see.
	gateways := cluster.Endpoints().Gateways
	if _, err := newDouyin(gateways[0]).user(ctx, mallory, mallory.ID); !suspended(err) {
		t.Fatalf("mallory's token after the ban, at the gateway that banned her: %v; want 403, suspended", err)
	}
	for _, g := range gateways[1:] {
		var err error
		poll(t, time.Second, func() bool {
			_, err = newDouyin(g).user(ctx, mallory, mallory.ID)
			return suspended(err)
		})
		if !suspended(err) {
			t.Fatalf("mallory's token a second after the ban, at %s: %v; want 403, suspended", g, err)
		}
	}

	if out := admin("delete-video", id(v.ID)); !strings.Contains(out, "video deleted") {
		t.Fatalf("delete-video said %q", out)
	}
	feed, err = api.feed(ctx, victor)
	noErr(t, err)
	for _, w := range feed {
		if w.ID == v.ID {
			t.Fatalf("video %d is still in the feed after its take-down", v.ID)
		}
	}
	// The author's work_count follows before the command returns; the like, taken back by the
	// interaction app's consumer, moments later.
	deadline := time.Now().Add(countsTimeout)
	for {
		author, err := api.user(ctx, victor, victor.ID)
		noErr(t, err)
		liker, err := api.user(ctx, victor, mallory.ID)
		noErr(t, err)
		if author.WorkCount == 0 && author.TotalFavorited == 0 && liker.FavoriteCount == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the take-down: victor %+v, mallory %+v; want work_count, total_favorited and favorite_count 0", author, liker)
		}
		time.Sleep(50 * time.Millisecond)
	}

	if out := admin("unban-user", id(mallory.ID)); !strings.Contains(out, "user unbanned") {
		t.Fatalf("unban-user said %q", out)
	}
	again := api.login(t, "mallory")
	if _, err := api.user(ctx, again, mallory.ID); err != nil {
		t.Fatalf("mallory's new token after the unban: %v", err)
	}
}
