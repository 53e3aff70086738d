//go:build cluster

// The distributed end-to-end test: every app two processes on loopback (replicas), real Kafka protocol
// (kfake), S3 (gofakes3), MariaDB, Redis and Jaeger, driven through the gateway over HTTP as the
// app drives it. `make test-cluster` builds the binaries and runs it; by hand:
//
//	CLUSTER_BIN_DIR=$PWD/bin JAEGER_BIN=~/.cache/douyin/jaeger-v1.75.0/jaeger \
//	  go test -tags cluster -count=1 -v -timeout 15m ./deploy/localcluster/
//
// MariaDB and Redis come from DOUYIN_TEST_MYSQL_DSN and DOUYIN_TEST_REDIS_ADDR (defaults
// 127.0.0.1:3306 as root without password, 127.0.0.1:6379), as for the other tests; when they
// do not answer the test fails, it never skips. A failed test prints the end of every program's
// log and keeps them all; CLUSTER_KEEP_LOGS=1 keeps them after a pass too.
package localcluster_test

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/douyin-kratos/douyin/deploy/localcluster"
	"github.com/douyin-kratos/douyin/pkg/changes"
)

const (
	// startTimeout bounds bringing the whole cluster up.
	startTimeout = 2 * time.Minute
	// countsTimeout bounds how long counters may take to reach their final values once every
	// action has been answered.
	countsTimeout = 10 * time.Second
	// traceTimeout bounds how long a trace may take to reach Jaeger: the apps export spans in
	// batches every 5 s.
	traceTimeout = 30 * time.Second
	// logLines is how much of each program's log a failed test prints.
	logLines = 60
	// replicas is how many processes run each app.
	replicas = 2
)

func TestCluster(t *testing.T) {
	cluster, reads := startCluster(t)
	api := newDouyin(cluster.GatewayURL())
	clip := makeClip(t)

	// Each part stands alone (its own users and videos), so a failure in one still lets the
	// others report.
	t.Run("ClientFlow", func(t *testing.T) { testClientFlow(t, api, clip) })
	t.Run("KillInteractionLosesNoLike", func(t *testing.T) { testKillLosesNoLike(t, cluster, api, clip) })
	t.Run("TraceAcrossServices", func(t *testing.T) { testTrace(t, cluster, api, clip) })
	t.Run("FeedWithoutRelationAndInteraction", func(t *testing.T) { testDegrade(t, cluster, api, reads, clip) })
	t.Run("TakeDownsThroughTheGateway", func(t *testing.T) { testTakedowns(t, cluster, api, clip) })
	t.Run("CrashIsReportedAndRestartedByHand", func(t *testing.T) { testCrash(t, cluster, api) })
	t.Run("RacingReplicasStayExact", func(t *testing.T) { testRacingReplicas(t, cluster, clip) })
}

// startCluster starts every program and stops it when the test ends, printing the end of each
// log if the test failed; the logs are then kept on disk too. reads is the count of changes the
// gateways keep their answers by (pkg/changes), as the apps keep it in Redis.
func startCluster(t *testing.T) (cluster *localcluster.Cluster, reads changes.Counter) {
	t.Helper()
	home, _ := os.UserHomeDir()
	work, err := os.MkdirTemp("", "douyin-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	opts := localcluster.Options{
		BinDir:    envOr("CLUSTER_BIN_DIR", "../../bin"),
		JaegerBin: envOr("JAEGER_BIN", filepath.Join(home, ".cache/douyin/jaeger-v1.75.0/jaeger")),
		WorkDir:   work,
		MySQLDSN:  envOr("DOUYIN_TEST_MYSQL_DSN", "root:@tcp(127.0.0.1:3306)/"),
		RedisAddr: envOr("DOUYIN_TEST_REDIS_ADDR", "127.0.0.1:6379"),
		DBPrefix:  "douyin_cluster_",
		// Redis is shared with other test runs: keys of this run only.
		RedisPrefix: "douyin_cluster:" + randomHex(4) + ":",
		// Two of every app, so that each test also crosses replicas, and one races them.
		Replicas: replicas,
		// The racing test acts far faster than people do; no test here is about throttles.
		Env: []string{
			"DOUYIN_RATE_LIMIT_REGISTER_BURST=1000", "DOUYIN_RATE_LIMIT_LIKE_BURST=1000",
			"DOUYIN_RATE_LIMIT_FOLLOW_BURST=1000", "DOUYIN_RATE_LIMIT_COMMENT_BURST=1000",
		},
		ReadyTimeout: time.Minute,
		StopGrace:    20 * time.Second,
		Logf:         t.Logf,
	}
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	start := time.Now()
	cluster, err = localcluster.Start(ctx, opts)
	if err != nil {
		printLogs(t, filepath.Join(work, "logs"))
		t.Fatalf("start the cluster (logs kept in %s): %v", work, err)
	}
	t.Logf("cluster ready in %v:\n%s", time.Since(start).Round(time.Millisecond), cluster.Summary())
	t.Cleanup(func() {
		select {
		case err := <-cluster.Crashed():
			t.Errorf("a program died during the test: %v", err)
		default:
		}
		if err := cluster.Stop(); err != nil {
			t.Errorf("stop the cluster: %v", err)
		}
		if t.Failed() {
			printLogs(t, filepath.Join(work, "logs"))
		}
		if t.Failed() || os.Getenv("CLUSTER_KEEP_LOGS") != "" {
			t.Logf("logs and data kept in %s", work)
			return
		}
		os.RemoveAll(work)
	})
	rdb := redis.NewClient(&redis.Options{Addr: opts.RedisAddr})
	t.Cleanup(func() { rdb.Close() })
	return cluster, changes.NewRedis(rdb, opts.RedisPrefix, changes.Reads)
}

// awaitQuiet returns once the count of changes has stood still for quiet. Some changes are
// counted again a moment later (the user app drops a changed profile from its cache a second
// time, 200 ms on, and counts that too); answers a gateway keeps after the last of those stay
// valid until the next change.
func awaitQuiet(t *testing.T, reads changes.Counter) {
	t.Helper()
	const quiet = time.Second
	deadline := time.Now().Add(countsTimeout)
	last, err := reads.Count(t.Context())
	for since := time.Now(); time.Since(since) < quiet; time.Sleep(50 * time.Millisecond) {
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("the count of changes did not stand still for %v within %v (last error: %v)", quiet, countsTimeout, err)
		}
		var n int64
		if n, err = reads.Count(t.Context()); err == nil && n != last {
			last, since = n, time.Now()
		}
	}
}

// printLogs logs the end of every program's log.
func printLogs(t *testing.T, dir string) {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Logf("---- %s: %v", path, err)
			continue
		}
		lines := strings.SplitAfter(strings.TrimRight(string(data), "\n"), "\n")
		t.Logf("---- last %d lines of %s ----\n%s", min(len(lines), logLines), path,
			strings.Join(lines[max(0, len(lines)-logLines):], ""))
	}
}

// makeClip renders a one-second test pattern as an H.264 mp4 with ffmpeg, its index first: the
// video app stores such a file byte for byte (one with its index last it rewrites, see the
// all-in-one's TestPublishFaststart), so the flow can check the file that comes back is the one
// sent.
func makeClip(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "clip.mp4")
	cmd := exec.CommandContext(t.Context(), "ffmpeg", "-nostdin", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10", "-pix_fmt", "yuv420p", "-movflags", "+faststart", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg (needed to publish): %v\n%s", err, msg)
	}
	clip, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return clip
}

// ---- 1. the client flow -------------------------------------------------------------------------

// testClientFlow walks through what a person does in the app: sign up, publish, watch the feed,
// like, comment, follow each other, chat.
func testClientFlow(t *testing.T, api *douyin, clip []byte) {
	ctx := t.Context()
	alice := api.register(t, "alice")
	bob := api.register(t, "bob")
	if again := api.login(t, "alice"); again.ID != alice.ID || again.Token == "" {
		t.Fatalf("login alice: user_id %d, token %q; want %d and a token", again.ID, again.Token, alice.ID)
	}
	profile, err := api.user(ctx, alice, alice.ID)
	noErr(t, err)
	if profile.ID != alice.ID || profile.Name != "alice" || profile.Avatar == "" || profile.BackgroundImage == "" {
		t.Fatalf("alice's profile: %+v", profile)
	}

	api.publish(t, alice, "a test pattern", clip)
	feed, err := api.feed(ctx, bob)
	noErr(t, err)
	v := findVideo(t, feed, "a test pattern")
	if v.Author.ID != alice.ID || v.Author.Name != "alice" || v.Author.WorkCount != 1 || v.IsFavorite || v.FavoriteCount != 0 {
		t.Fatalf("the published video in bob's feed: %+v; want alice's, with her work_count 1, no likes", v)
	}
	if got := api.fetch(t, v.PlayURL); string(got) != string(clip) {
		t.Fatalf("play_url %s serves %d bytes; want the %d uploaded", v.PlayURL, len(got), len(clip))
	}
	if cover := api.fetch(t, v.CoverURL); len(cover) == 0 {
		t.Fatalf("cover_url %s serves nothing", v.CoverURL)
	}
	works, err := api.videoList(ctx, "/douyin/publish/list/", bob, alice.ID)
	noErr(t, err)
	if len(works) != 1 || works[0].ID != v.ID {
		t.Fatalf("alice's publish list: %+v; want the one video %d", works, v.ID)
	}

	// The one who acts sees the counts at once (read-your-writes).
	noErr(t, api.like(ctx, bob, v.ID, nil))
	feed, err = api.feed(ctx, bob)
	noErr(t, err)
	if v := findVideo(t, feed, "a test pattern"); !v.IsFavorite || v.FavoriteCount != 1 {
		t.Fatalf("after bob's like his feed shows is_favorite %v, favorite_count %d; want true, 1", v.IsFavorite, v.FavoriteCount)
	}
	liked, err := api.videoList(ctx, "/douyin/favorite/list/", bob, bob.ID)
	noErr(t, err)
	if len(liked) != 1 || liked[0].ID != v.ID || !liked[0].IsFavorite {
		t.Fatalf("bob's favorite list: %+v; want video %d", liked, v.ID)
	}

	c := api.comment(t, bob, v.ID, "nice pattern")
	if c.ID <= 0 || c.User.ID != bob.ID || c.Content != "nice pattern" || !regexp.MustCompile(`^\d\d-\d\d$`).MatchString(c.CreateDate) {
		t.Fatalf("posted comment: %+v; want an id, bob, the text and an MM-DD date", c)
	}
	if list := api.comments(t, alice, v.ID); len(list) != 1 || list[0].ID != c.ID || list[0].User.Name != "bob" {
		t.Fatalf("comment list: %+v; want bob's comment %d", list, c.ID)
	}

	api.follow(t, alice, bob.ID)
	api.follow(t, bob, alice.ID)
	if list := api.userList(t, "/douyin/relation/follow/list/", alice, alice.ID); len(list) != 1 || list[0].ID != bob.ID || !list[0].IsFollow {
		t.Fatalf("alice's follow list: %+v; want bob, followed", list)
	}
	if list := api.userList(t, "/douyin/relation/follower/list/", alice, alice.ID); len(list) != 1 || list[0].ID != bob.ID {
		t.Fatalf("alice's follower list: %+v; want bob", list)
	}
	profile, err = api.user(ctx, alice, alice.ID)
	noErr(t, err)
	if profile.FollowCount != 1 || profile.FollowerCount != 1 || profile.TotalFavorited != 1 {
		t.Fatalf("alice's profile after the follows: %+v; want follow_count 1, follower_count 1, total_favorited 1", profile)
	}

	friends := api.friends(t, alice)
	if len(friends) != 1 || friends[0].ID != bob.ID || friends[0].Message != "" {
		t.Fatalf("alice's friends before chatting: %+v; want bob, no message", friends)
	}
	api.sendMessage(t, alice, bob.ID, "hi bob")
	if friends := api.friends(t, alice); len(friends) != 1 || friends[0].Message != "hi bob" || friends[0].MsgType != 1 {
		t.Fatalf("alice's friends after her message: %+v; want bob with \"hi bob\", msgType 1 (sent)", friends)
	}
	if friends := api.friends(t, bob); len(friends) != 1 || friends[0].ID != alice.ID || friends[0].Message != "hi bob" || friends[0].MsgType != 0 {
		t.Fatalf("bob's friends: %+v; want alice with \"hi bob\", msgType 0 (received)", friends)
	}
	chat := api.chat(t, bob, alice.ID, 0)
	if len(chat) != 1 || chat[0].FromUserID != alice.ID || chat[0].ToUserID != bob.ID || chat[0].Content != "hi bob" || chat[0].CreateTime <= 0 {
		t.Fatalf("bob's chat with alice: %+v; want alice's \"hi bob\" with a create_time", chat)
	}
	// The app polls from the newest message it shows: nothing new means an empty list.
	if more := api.chat(t, bob, alice.ID, chat[0].CreateTime); len(more) != 0 {
		t.Fatalf("bob's poll after the newest message: %+v; want nothing", more)
	}
}

func findVideo(t *testing.T, list []video, title string) video {
	t.Helper()
	for _, v := range list {
		if v.Title == title {
			return v
		}
	}
	t.Fatalf("no video %q in %+v", title, list)
	return video{}
}

// ---- 2. kill and restart: no like lost, none counted twice -----------------------------------

const (
	likers      = 20
	likedVideos = 5
	likeWorkers = 10
	// likeInterval paces the likes (all workers together), so the run lasts a few seconds and
	// the kill lands in the middle of it instead of after it.
	likeInterval = 40 * time.Millisecond
	// killAfter is how many likes succeed before the interaction app is killed.
	killAfter = likers * likedVideos * 3 / 10
)

// testKillLosesNoLike has every liker like every video exactly once while the interaction app is
// killed with SIGKILL and started again. A request that fails is sent again until it succeeds,
// as a person taps again. Once the system is quiet every count must be exact: a lost event
// shows as a count too low, an event applied twice (a like redone after a crash between commit
// and answer, an outbox row published twice) as one too high.
func testKillLosesNoLike(t *testing.T, cluster *localcluster.Cluster, api *douyin, clip []byte) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	author := api.register(t, "carol")
	for i := range likedVideos {
		api.publish(t, author, fmt.Sprintf("clip %d", i), clip)
	}
	works, err := api.videoList(ctx, "/douyin/publish/list/", author, author.ID)
	noErr(t, err)
	if len(works) != likedVideos {
		t.Fatalf("carol's publish list has %d videos; want %d", len(works), likedVideos)
	}
	videoIDs := make([]int64, len(works))
	for i, v := range works {
		videoIDs[i] = v.ID
	}
	users := make([]account, likers)
	for i := range users {
		users[i] = api.register(t, fmt.Sprintf("liker%02d", i))
	}

	type like struct {
		who     account
		videoID int64
	}
	jobs := make(chan like, likers*likedVideos)
	for _, i := range rand.Perm(likers * likedVideos) {
		jobs <- like{users[i/likedVideos], videoIDs[i%likedVideos]}
	}
	close(jobs)

	var (
		succeeded, failed atomic.Int64
		halfway           = make(chan struct{})
		errMu             sync.Mutex
		failures          = map[string]int{} // what the failed attempts answered, for the log
		workerErr         error
	)
	pace := time.NewTicker(likeInterval)
	defer pace.Stop()
	var workers sync.WaitGroup
	for range likeWorkers {
		workers.Go(func() {
			for job := range jobs {
				for {
					select {
					case <-ctx.Done():
						errMu.Lock()
						workerErr = fmt.Errorf("like %d by %s never succeeded: %w", job.videoID, job.who.Name, ctx.Err())
						errMu.Unlock()
						return
					case <-pace.C:
					}
					err := api.like(ctx, job.who, job.videoID, nil)
					if err == nil {
						break
					}
					failed.Add(1)
					errMu.Lock()
					failures[failureKind(err)]++
					errMu.Unlock()
				}
				if succeeded.Add(1) == killAfter {
					close(halfway)
				}
			}
		})
	}
	allDone := make(chan struct{})
	go func() { workers.Wait(); close(allDone) }()

	select {
	case <-halfway:
	case <-allDone:
		t.Fatalf("the likes ended before %d had succeeded (%v)", killAfter, workerErr)
	}
	if err := cluster.Kill("interaction"); err != nil {
		t.Fatal(err)
	}
	atKill := succeeded.Load()
	down := time.Now()
	// A second of real downtime, with the workers knocking at a dead app all along.
	time.Sleep(time.Second)
	if err := cluster.StartAgain("interaction"); err != nil {
		t.Fatal(err)
	}
	readyCtx, cancelReady := context.WithTimeout(ctx, 30*time.Second)
	defer cancelReady()
	if err := cluster.WaitReady(readyCtx, "interaction"); err != nil {
		t.Fatal(err)
	}
	t.Logf("interaction killed after %d of %d likes succeeded; ready again after %v",
		atKill, likers*likedVideos, time.Since(down).Round(time.Millisecond))
	<-allDone
	if workerErr != nil {
		t.Fatal(workerErr)
	}
	t.Logf("%d like requests failed while interaction was away and were retried: %v", failed.Load(), failures)
	if atKill >= likers*likedVideos {
		t.Errorf("the kill came after every like had succeeded: it proves nothing")
	}
	if failed.Load() == 0 {
		t.Errorf("no like request failed: the kill did not land while likes were being sent")
	}

	// Counters are applied from events: wait until they settle, then demand exact values.
	var problems []string
	poll(t, countsTimeout, func() bool {
		problems = likeCountProblems(ctx, api, author, users, videoIDs)
		return len(problems) == 0
	})
	if len(problems) > 0 {
		t.Fatalf("after %v the counts are still wrong:\n%s", countsTimeout, strings.Join(problems, "\n"))
	}
	for _, u := range users {
		liked, err := api.videoList(ctx, "/douyin/favorite/list/", u, u.ID)
		noErr(t, err)
		got := make([]int64, len(liked))
		for i, v := range liked {
			got[i] = v.ID
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(videoIDs))
		if !slices.Equal(got, want) {
			t.Errorf("%s's favorite list: %v; want exactly %v", u.Name, got, want)
		}
	}
}

// likeCountProblems lists every count that differs from what the likes must have made it.
func likeCountProblems(ctx context.Context, api *douyin, author account, users []account, videoIDs []int64) []string {
	var problems []string
	feed, err := api.feed(ctx, account{})
	if err != nil {
		return []string{"feed: " + err.Error()}
	}
	counts := map[int64]int64{}
	for _, v := range feed {
		counts[v.ID] = v.FavoriteCount
	}
	for _, id := range videoIDs {
		if got, ok := counts[id]; !ok || got != likers {
			problems = append(problems, fmt.Sprintf("video %d: favorite_count %d in the feed (listed: %v); want %d", id, got, ok, likers))
		}
	}
	for _, u := range users {
		p, err := api.user(ctx, u, u.ID)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", u.Name, err))
		} else if p.FavoriteCount != likedVideos {
			problems = append(problems, fmt.Sprintf("%s: favorite_count %d; want %d", u.Name, p.FavoriteCount, likedVideos))
		}
	}
	p, err := api.user(ctx, author, author.ID)
	if err != nil {
		problems = append(problems, fmt.Sprintf("%s: %v", author.Name, err))
	} else if p.TotalFavorited != likers*likedVideos || p.WorkCount != likedVideos {
		problems = append(problems, fmt.Sprintf("%s: total_favorited %d, work_count %d; want %d, %d",
			author.Name, p.TotalFavorited, p.WorkCount, likers*likedVideos, likedVideos))
	}
	return problems
}

// failureKind summarises a failed request for the log: the status_code and message, or that
// the request got no answer.
func failureKind(err error) string {
	var se *statusError
	if errors.As(err, &se) {
		return fmt.Sprintf("status_code %d %q", se.StatusCode, se.StatusMsg)
	}
	return "no answer: " + err.Error()
}

// ---- 3. one trace across the services ---------------------------------------------------------

// testTrace sends a like carrying a W3C traceparent and reads the trace back from Jaeger: the
// gateway continues the caller's trace, the interaction app serves the like (asking the video
// app about the video) and publishes its event, and the user and video apps apply it.
func testTrace(t *testing.T, cluster *localcluster.Cluster, api *douyin, clip []byte) {
	jaeger := cluster.Endpoints().JaegerQuery
	if jaeger == "" {
		t.Fatal("Jaeger is not running")
	}
	author := api.register(t, "dave")
	api.publish(t, author, "traced clip", clip)
	feed, err := api.feed(t.Context(), author)
	noErr(t, err)
	v := findVideo(t, feed, "traced clip")
	liker := api.register(t, "erin")

	traceID, parentID := randomHex(16), randomHex(8)
	header := http.Header{"Traceparent": {"00-" + traceID + "-" + parentID + "-01"}}
	noErr(t, api.like(t.Context(), liker, v.ID, header))

	want := []string{"gateway", "interaction", "user", "video"}
	var trace jaegerTrace
	poll(t, traceTimeout, func() bool {
		trace, err = fetchTrace(t.Context(), jaeger, traceID)
		// Each process exports its spans in batches of its own: wait for all that is checked
		// below, the gateway's server span (the child of the caller's) included, which ends last.
		return err == nil && trace.hasServices(want...) && trace.hasKind("consumer") &&
			trace.callsStore("mysql") && trace.callsStore("redis") && trace.hasParent(parentID)
	})
	if err != nil {
		t.Fatalf("trace %s from Jaeger: %v", traceID, err)
	}
	t.Logf("trace %s: services %v; spans:\n%s", traceID, trace.services(), strings.Join(trace.describe(), "\n"))
	if !trace.hasServices(want...) {
		t.Errorf("trace %s has spans of %v; want at least %v", traceID, trace.services(), want)
	}
	if !trace.hasKind("consumer") {
		t.Errorf("trace %s has no consumer span (the event's apply)", traceID)
	}
	// The like's queries and Redis commands are spans of it too.
	for _, store := range []string{"mysql", "redis"} {
		if !trace.callsStore(store) {
			t.Errorf("trace %s has no span of a %s call", traceID, store)
		}
	}
	if !trace.hasParent(parentID) {
		t.Errorf("no span of trace %s is a child of the caller's span %s: the gateway did not continue the caller's trace", traceID, parentID)
	}
}

// ---- 4. degrade, don't fail ------------------------------------------------------------------

// testDegrade stops the relation and interaction apps: the feed and profiles must still answer,
// with is_follow and is_favorite false, and a like must be refused with a message a person can
// read. Once the apps are back, so are the follow and the like.
func testDegrade(t *testing.T, cluster *localcluster.Cluster, api *douyin, reads changes.Counter, clip []byte) {
	author := api.register(t, "frank")
	api.publish(t, author, "degraded clip", clip)
	viewer := api.register(t, "grace")
	other := api.register(t, "ivan")
	api.follow(t, viewer, author.ID)
	feed, err := api.feed(t.Context(), viewer)
	noErr(t, err)
	v := findVideo(t, feed, "degraded clip")
	noErr(t, api.like(t.Context(), viewer, v.ID, nil))
	// What follows expects the answers kept now to be served through the outage: no change
	// counted late may drop them in between.
	awaitQuiet(t, reads)

	check := func(when string, wantFollow, wantFavorite bool) {
		t.Helper()
		start := time.Now()
		feed, err := api.feed(t.Context(), viewer)
		if err != nil {
			t.Fatalf("%s: the feed failed: %v", when, err)
		}
		took := time.Since(start)
		got := findVideo(t, feed, "degraded clip")
		if got.IsFavorite != wantFavorite || got.Author.IsFollow != wantFollow || got.FavoriteCount != 1 || got.Author.Name != "frank" {
			t.Errorf("%s: feed video is_favorite %v, favorite_count %d, author %q is_follow %v; want %v, 1, frank, %v",
				when, got.IsFavorite, got.FavoriteCount, got.Author.Name, got.Author.IsFollow, wantFavorite, wantFollow)
		}
		profile, err := api.user(t.Context(), viewer, author.ID)
		if err != nil || profile.IsFollow != wantFollow || profile.WorkCount != 1 {
			t.Errorf("%s: frank's profile %+v, %v; want is_follow %v, work_count 1", when, profile, err, wantFollow)
		}
		t.Logf("%s: the feed answered in %v", when, took.Round(time.Millisecond))
	}
	check("all apps up", true, true)

	for _, app := range []string{"relation", "interaction"} {
		if err := cluster.Kill(app); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing changed since the gateway kept these answers (pkg/changes): it serves them again,
	// complete, without calling the apps that are down.
	check("relation and interaction down, answers kept from before", true, true)
	// A publish is a change: from then on the gateway assembles the feed anew, without them.
	api.publish(t, other, "published during the outage", clip)
	// Several pages: the first calls find the apps gone, later ones meet the open breakers.
	for i := range 3 {
		check(fmt.Sprintf("relation and interaction down, request %d", i+1), false, false)
	}
	var refused *statusError
	if err := api.like(t.Context(), viewer, v.ID, nil); !errors.As(err, &refused) ||
		!strings.Contains(refused.StatusMsg, "temporarily unavailable") {
		t.Errorf("a like with the interaction app down: %v; want a status saying the service is temporarily unavailable", err)
	}

	for _, app := range []string{"relation", "interaction"} {
		if err := cluster.StartAgain(app); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for _, app := range []string{"relation", "interaction"} {
		if err := cluster.WaitReady(ctx, app); err != nil {
			t.Fatal(err)
		}
	}
	// The gateway reconnects within its backoff (at most 3 s) and the breakers close again.
	poll(t, 15*time.Second, func() bool {
		feed, err := api.feed(t.Context(), viewer)
		if err != nil {
			return false
		}
		got := findVideo(t, feed, "degraded clip")
		return got.IsFavorite && got.Author.IsFollow
	})
	check("apps back", true, true)
}

// testCrash: a replica that dies behind the cluster's back (SIGKILL from outside, as a crash or
// an OOM kill) is reported by name, the others keep answering, and the command line the cluster
// prints for it starts it again by hand, as make cluster tells a person to.
func testCrash(t *testing.T, cluster *localcluster.Cluster, api *douyin) {
	viewer := api.register(t, "heidi")
	const crashed = "message-1"
	pid := cluster.Pid(crashed)
	if pid == 0 {
		t.Fatal("the message app is not running")
	}
	noErr(t, syscall.Kill(pid, syscall.SIGKILL))
	select {
	case crash := <-cluster.Crashed():
		if crash.Name != crashed || crash.Pid != pid || !strings.Contains(crash.Status, "killed") {
			t.Errorf("crash report %+v; want %s, pid %d, killed", crash, crashed, pid)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no crash report 10 s after %s was killed", crashed)
	}
	if _, err := api.feed(t.Context(), viewer); err != nil {
		t.Errorf("the feed with %s dead: %v", crashed, err)
	}
	for _, app := range []string{"gateway", "user", "video"} {
		for _, name := range cluster.Endpoints().Replicas[app] {
			resp, err := http.Get("http://" + cluster.Endpoints().Admin[name] + "/readyz")
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("%s /readyz with %s dead: %v %v; want 200", name, crashed, resp, err)
			}
			if err == nil {
				resp.Body.Close()
			}
		}
	}

	// By hand, as the report says; in a process group of its own so that the test can stop it.
	line := cluster.CommandLine(crashed)
	if !strings.Contains(line, "DOUYIN_GRPC_ADDR="+cluster.Endpoints().GRPC[crashed]) {
		t.Errorf("command line %q lacks the app's gRPC address", line)
	}
	cmd := exec.Command("sh", "-c", line)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	noErr(t, cmd.Start())
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	admin := "http://" + cluster.Endpoints().Admin[crashed] + "/readyz"
	poll(t, 30*time.Second, func() bool {
		resp, err := http.Get(admin)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	// The shell ends on the signal too; the app drains first, then its admin port closes.
	noErr(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM))
	_ = cmd.Wait()
	poll(t, 30*time.Second, func() bool {
		resp, err := http.Get(admin)
		if err == nil {
			resp.Body.Close()
		}
		return err != nil
	})

	// And under the cluster again, for whatever runs after.
	noErr(t, cluster.StartAgain(crashed))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	noErr(t, cluster.WaitReady(ctx, crashed))
}

// jaegerTrace is one trace as Jaeger's query API (GET /api/traces/<id>) answers it.
type jaegerTrace struct {
	Spans []struct {
		SpanID        string `json:"spanID"`
		OperationName string `json:"operationName"`
		ProcessID     string `json:"processID"`
		References    []struct {
			RefType string `json:"refType"`
			SpanID  string `json:"spanID"`
		} `json:"references"`
		Tags []struct {
			Key   string `json:"key"`
			Value any    `json:"value"`
		} `json:"tags"`
	} `json:"spans"`
	Processes map[string]struct {
		ServiceName string `json:"serviceName"`
	} `json:"processes"`
}

// fetchTrace reads a trace; a trace Jaeger has not received yet is an error.
func fetchTrace(ctx context.Context, jaeger, traceID string) (jaegerTrace, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jaeger+"/api/traces/"+traceID, nil)
	if err != nil {
		return jaegerTrace{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return jaegerTrace{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return jaegerTrace{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return jaegerTrace{}, fmt.Errorf("HTTP %s: %s", resp.Status, body)
	}
	var out struct {
		Data []jaegerTrace `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return jaegerTrace{}, fmt.Errorf("decode %s: %w", body, err)
	}
	if len(out.Data) != 1 {
		return jaegerTrace{}, fmt.Errorf("%d traces in the answer", len(out.Data))
	}
	return out.Data[0], nil
}

func (tr jaegerTrace) services() []string {
	var out []string
	for _, p := range tr.Processes {
		if !slices.Contains(out, p.ServiceName) {
			out = append(out, p.ServiceName)
		}
	}
	sort.Strings(out)
	return out
}

func (tr jaegerTrace) hasServices(names ...string) bool {
	have := tr.services()
	for _, n := range names {
		if !slices.Contains(have, n) {
			return false
		}
	}
	return true
}

// kind is a span's span.kind tag.
func (tr jaegerTrace) kind(i int) string {
	for _, tag := range tr.Spans[i].Tags {
		if tag.Key == "span.kind" {
			return fmt.Sprint(tag.Value)
		}
	}
	return ""
}

func (tr jaegerTrace) hasKind(kind string) bool {
	for i := range tr.Spans {
		if tr.kind(i) == kind {
			return true
		}
	}
	return false
}

// callsStore reports whether a span is a call to the database system named, e.g. "redis". The
// gorm and Redis instrumentations follow different versions of OpenTelemetry's conventions,
// which renamed db.system to db.system.name.
func (tr jaegerTrace) callsStore(system string) bool {
	for _, span := range tr.Spans {
		for _, tag := range span.Tags {
			if (tag.Key == "db.system" || tag.Key == "db.system.name") && fmt.Sprint(tag.Value) == system {
				return true
			}
		}
	}
	return false
}

func (tr jaegerTrace) hasParent(spanID string) bool {
	for _, s := range tr.Spans {
		for _, ref := range s.References {
			if ref.RefType == "CHILD_OF" && ref.SpanID == spanID {
				return true
			}
		}
	}
	return false
}

// describe lists "service: operation (kind)", sorted.
func (tr jaegerTrace) describe() []string {
	out := make([]string, len(tr.Spans))
	for i, s := range tr.Spans {
		out[i] = fmt.Sprintf("  %s: %s (%s)", tr.Processes[s.ProcessID].ServiceName, s.OperationName, tr.kind(i))
	}
	sort.Strings(out)
	return out
}

// ---- helpers ------------------------------------------------------------------------------------

// poll calls done every 200 ms until it returns true or timeout has passed.
func poll(t *testing.T, timeout time.Duration, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	ticker := time.NewTicker(200 * time.Millisecond)
	defer ticker.Stop()
	for !done() && time.Now().Before(deadline) {
		select {
		case <-t.Context().Done():
			return
		case <-ticker.C:
		}
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}
