//go:build cluster

package localcluster_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/douyin-kratos/douyin/deploy/localcluster"
)

const (
	racers      = 8 // users who like, follow and comment
	raceAuthors = 2 // of them, each publishing raceVideos/raceAuthors videos
	raceVideos  = 4
	raceWorkers = 12
	// raceRounds is how many actions each worker takes in each of the three phases (all up,
	// one interaction replica killed, back again).
	raceRounds = 25
	// exactTimeout bounds how long the counts may take to match the rows once every action has
	// been answered: beyond the events' delivery, a replica's read cache may hold a profile for
	// up to 10 s.
	exactTimeout = 25 * time.Second
	// victim is the replica killed in the middle of the race.
	victim = "interaction-1"
)

// testRacingReplicas races likes and unlikes, follows and unfollows and comments of a few users
// on a few videos through both gateways at once, the same edge often toggled from both in the
// same instant, while every app runs twice: both outbox relays publish and both replicas'
// consumers apply at once. One interaction replica is killed half-way, the system must keep
// answering through the other, and the replica is started again for the rest of the race. Once
// quiet, every count must equal what the rows say (the lists the owning apps serve), seen
// through either gateway. Every replica's metrics must show that calls reached it.
func testRacingReplicas(t *testing.T, cluster *localcluster.Cluster, clip []byte) {
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	e := cluster.Endpoints()
	if len(e.Gateways) < 2 {
		t.Fatalf("%d gateway(s): the race needs two", len(e.Gateways))
	}
	gateways := []*douyin{newDouyin(e.Gateways[0]), newDouyin(e.Gateways[1])}
	users := make([]account, racers)
	for i := range users {
		users[i] = gateways[i%2].register(t, fmt.Sprintf("racer%d", i))
	}
	var videoIDs []int64
	author := map[int64]int{} // video -> index of its author in users
	for a := range raceAuthors {
		for j := range raceVideos / raceAuthors {
			gateways[j%2].publish(t, users[a], fmt.Sprintf("race clip %d of %s", j, users[a].Name), clip)
		}
		works, err := gateways[a%2].videoList(ctx, "/douyin/publish/list/", users[a], users[a].ID)
		noErr(t, err)
		for _, v := range works {
			videoIDs = append(videoIDs, v.ID)
			author[v.ID] = a
		}
	}
	if len(videoIDs) != raceVideos {
		t.Fatalf("the authors' publish lists hold %d videos; want %d", len(videoIDs), raceVideos)
	}

	before := servedByReplica(t, e)
	r := &race{gateways: gateways, users: users, videoIDs: videoIDs, failures: map[string]int{}}

	r.run(ctx, t, "all replicas up", nil)
	afterAllUp := servedByReplica(t, e)
	for name, n := range afterAllUp {
		if n <= before[name] {
			t.Errorf("%s answered no call while both replicas of every app were up (%v then %v)", name, before[name], n)
		}
	}

	r.run(ctx, t, victim+" killed a third of the way", func() {
		// Not noErr: this runs beside the workers, not on the test's goroutine.
		if err := cluster.Kill(victim); err != nil {
			t.Error(err)
		}
		r.victimDown.Store(true)
	})
	if n := r.servedWhileDown.Load(); n == 0 {
		t.Errorf("no like or comment succeeded with %s dead: the other replica did not take over", victim)
	} else {
		t.Logf("%d likes, unlikes and comments succeeded with %s dead", n, victim)
	}
	noErr(t, cluster.StartAgain(victim))
	readyCtx, cancelReady := context.WithTimeout(ctx, 30*time.Second)
	defer cancelReady()
	noErr(t, cluster.WaitReady(readyCtx, victim))
	r.victimDown.Store(false)
	// The gateways find it again within their reconnect backoff (at most 3 s).
	time.Sleep(3 * time.Second)
	r.run(ctx, t, victim+" back", nil)
	if served := servedByReplica(t, e)[victim]; served == 0 {
		t.Errorf("%s answered no call after it was started again", victim)
	}
	t.Logf("requests that failed and were sent again: %v", r.failures)
	var relays []string
	for _, app := range []string{"interaction", "relation", "video"} {
		for _, name := range e.Replicas[app] {
			published := metricSum(t, "http://"+e.Admin[name]+"/metrics", "douyin_outbox_published_total{", "")
			relays = append(relays, fmt.Sprintf("%s %v", name, published))
		}
	}
	t.Logf("events each replica's outbox relay published since it started: %s", strings.Join(relays, ", "))

	var (
		problems []string
		rows     raceRows
	)
	poll(t, exactTimeout, func() bool {
		problems = nil
		for _, g := range gateways {
			var more []string
			rows, more = exactCountProblems(ctx, g, users, videoIDs, author)
			problems = append(problems, more...)
		}
		return len(problems) == 0
	})
	if len(problems) > 0 {
		t.Fatalf("after %v the counts still differ from the rows:\n%s", exactTimeout, strings.Join(problems, "\n"))
	}
	t.Logf("the race left %d likes, %d follows and %d comments, every count matching them", rows.likes, rows.follows, rows.comments)
	if rows.likes == 0 || rows.follows == 0 || rows.comments == 0 {
		t.Errorf("the race left %+v: counts of nothing prove nothing", rows)
	}
}

// raceRows is how many rows of each kind the race left.
type raceRows struct{ likes, follows, comments int64 }

// race is the actions of testRacingReplicas.
type race struct {
	gateways []*douyin
	users    []account
	videoIDs []int64

	// victimDown is set while the victim is dead; servedWhileDown counts the likes, unlikes and
	// comments that succeeded meanwhile.
	victimDown      atomic.Bool
	servedWhileDown atomic.Int64

	mu       sync.Mutex
	failures map[string]int
}

// run has raceWorkers workers take raceRounds actions each and returns once all are answered.
// A failed request is sent again, as a person taps again, until it succeeds or ctx ends.
// midway, if given, runs once a third of the actions are answered, while the others go on.
func (r *race) run(ctx context.Context, t *testing.T, phase string, midway func()) {
	t.Helper()
	start := time.Now()
	var done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, raceWorkers)
	for w := range raceWorkers {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			for range raceRounds {
				if err := r.act(ctx, rnd); err != nil {
					errs <- err
					return
				}
				if done.Add(1) == raceWorkers*raceRounds/3 && midway != nil {
					wg.Go(midway)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("%s: %v", phase, err)
	}
	t.Logf("%s: %d workers took %d actions each in %v", phase, raceWorkers, raceRounds, time.Since(start).Round(time.Millisecond))
}

// interacted notes a like, unlike or comment that succeeded.
func (r *race) interacted() {
	if r.victimDown.Load() {
		r.servedWhileDown.Add(1)
	}
}

// act takes one random action. Likes and follows are sent twice at the same instant, one
// through each gateway, each a like or an unlike (a follow or an unfollow) at random: the rows
// end up however the race goes, and the counts must follow them.
func (r *race) act(ctx context.Context, rnd *rand.Rand) error {
	i := rnd.IntN(len(r.users))
	who, other := r.users[i], r.users[(i+1+rnd.IntN(len(r.users)-1))%len(r.users)] // never who
	video := r.videoIDs[rnd.IntN(len(r.videoIDs))]
	g := rnd.IntN(len(r.gateways))
	switch n := rnd.IntN(10); {
	case n < 4:
		return r.both(ctx, rnd, func(d *douyin, action string) error {
			err := d.call(ctx, http.MethodPost, "/douyin/favorite/action/",
				url.Values{"token": {who.Token}, "video_id": {id(video)}, "action_type": {action}}, nil, nil)
			if err == nil {
				r.interacted()
			}
			return err
		})
	case n < 7:
		return r.both(ctx, rnd, func(d *douyin, action string) error {
			return d.call(ctx, http.MethodPost, "/douyin/relation/action/",
				url.Values{"token": {who.Token}, "to_user_id": {id(other.ID)}, "action_type": {action}}, nil, nil)
		})
	case n < 8:
		return r.retry(ctx, "comment", func() error {
			err := r.gateways[g].call(ctx, http.MethodPost, "/douyin/comment/action/",
				url.Values{"token": {who.Token}, "video_id": {id(video)}, "action_type": {"1"}, "comment_text": {"racing"}}, nil, nil)
			if err == nil {
				r.interacted()
			}
			return err
		})
	default:
		// Reads that reach the apps the writes do not: the message app, and the video and user
		// apps' pages.
		paths := []struct {
			path  string
			query url.Values
		}{
			{"/douyin/feed/", url.Values{"token": {who.Token}}},
			{"/douyin/message/chat/", url.Values{"token": {who.Token}, "to_user_id": {id(other.ID)}, "pre_msg_time": {"0"}}},
			{"/douyin/relation/friend/list/", url.Values{"token": {who.Token}, "user_id": {id(who.ID)}}},
			{"/douyin/user/", url.Values{"token": {who.Token}, "user_id": {id(other.ID)}}},
		}
		p := paths[rnd.IntN(len(paths))]
		return r.retry(ctx, "read", func() error { return r.gateways[g].call(ctx, http.MethodGet, p.path, p.query, nil, nil) })
	}
}

// both sends one request through each gateway at the same instant, each with action_type 1 or
// 2 at random, each sent again until it succeeds.
func (r *race) both(ctx context.Context, rnd *rand.Rand, send func(d *douyin, action string) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(r.gateways))
	for i, d := range r.gateways {
		action := strconv.Itoa(1 + rnd.IntN(2))
		wg.Go(func() { errs[i] = r.retry(ctx, "like or follow", func() error { return send(d, action) }) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// retry calls send until it succeeds, noting each failure, or ctx ends.
func (r *race) retry(ctx context.Context, what string, send func() error) error {
	for {
		err := send()
		if err == nil {
			return nil
		}
		r.mu.Lock()
		r.failures[what+": "+failureKind(err)]++
		r.mu.Unlock()
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s never succeeded, last %v: %w", what, err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// exactCountProblems reads the rows through d (who likes what, who follows whom, the comments)
// and lists every count, of a profile or of a video, that differs from them.
func exactCountProblems(ctx context.Context, d *douyin, users []account, videoIDs []int64, author map[int64]int) (rows raceRows, problems []string) {
	fail := func(format string, args ...any) {
		problems = append(problems, d.base+": "+fmt.Sprintf(format, args...))
	}
	likers := map[int64]int64{}    // video -> users whose favorite list holds it
	followers := map[int64]int64{} // user -> users whose follow list holds them
	liked := map[int64]int64{}     // user -> length of their favorite list
	follows := map[int64]int64{}   // user -> length of their follow list
	for _, u := range users {
		list, err := d.videoList(ctx, "/douyin/favorite/list/", u, u.ID)
		if err != nil {
			return rows, []string{err.Error()}
		}
		liked[u.ID] = int64(len(list))
		rows.likes += int64(len(list))
		for _, v := range list {
			likers[v.ID]++
		}
		var out struct {
			UserList []user `json:"user_list"`
		}
		if err := d.call(ctx, http.MethodGet, "/douyin/relation/follow/list/", url.Values{"user_id": {id(u.ID)}, "token": {u.Token}}, nil, &out); err != nil {
			return rows, []string{err.Error()}
		}
		follows[u.ID] = int64(len(out.UserList))
		rows.follows += int64(len(out.UserList))
		for _, f := range out.UserList {
			followers[f.ID]++
		}
	}
	totalFavorited := map[int64]int64{}
	works := map[int64]int64{}
	for _, v := range videoIDs {
		totalFavorited[users[author[v]].ID] += likers[v]
		works[users[author[v]].ID]++
	}
	viewer := users[0]
	for _, u := range users {
		var out struct {
			UserList []user `json:"user_list"`
		}
		if err := d.call(ctx, http.MethodGet, "/douyin/relation/follower/list/", url.Values{"user_id": {id(u.ID)}, "token": {viewer.Token}}, nil, &out); err != nil {
			return rows, []string{err.Error()}
		}
		if int64(len(out.UserList)) != followers[u.ID] {
			fail("%s's follower list has %d users, the follow lists name them %d times", u.Name, len(out.UserList), followers[u.ID])
		}
		p, err := d.user(ctx, viewer, u.ID)
		if err != nil {
			return rows, []string{err.Error()}
		}
		if p.FollowCount != follows[u.ID] || p.FollowerCount != followers[u.ID] || p.FavoriteCount != liked[u.ID] ||
			p.TotalFavorited != totalFavorited[u.ID] || p.WorkCount != works[u.ID] {
			fail("%s: follow_count %d, follower_count %d, favorite_count %d, total_favorited %d, work_count %d; the rows say %d, %d, %d, %d, %d",
				u.Name, p.FollowCount, p.FollowerCount, p.FavoriteCount, p.TotalFavorited, p.WorkCount,
				follows[u.ID], followers[u.ID], liked[u.ID], totalFavorited[u.ID], works[u.ID])
		}
	}
	for a := range raceAuthors {
		list, err := d.videoList(ctx, "/douyin/publish/list/", viewer, users[a].ID)
		if err != nil {
			return rows, []string{err.Error()}
		}
		for _, v := range list {
			var out struct {
				CommentList []comment `json:"comment_list"`
			}
			if err := d.call(ctx, http.MethodGet, "/douyin/comment/list/", url.Values{"video_id": {id(v.ID)}, "token": {viewer.Token}}, nil, &out); err != nil {
				return rows, []string{err.Error()}
			}
			rows.comments += int64(len(out.CommentList))
			if v.FavoriteCount != likers[v.ID] || v.CommentCount != int64(len(out.CommentList)) {
				fail("video %d: favorite_count %d, comment_count %d; the rows say %d, %d",
					v.ID, v.FavoriteCount, v.CommentCount, likers[v.ID], len(out.CommentList))
			}
		}
	}
	return rows, problems
}

// servedByReplica reads how many calls each app replica has answered since it started, from
// the douyin_server_requests_total counters on its admin address: the gateways' HTTP requests,
// the domain apps' gRPC calls. A replica that does not answer counts 0.
func servedByReplica(t *testing.T, e localcluster.Endpoints) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for app, names := range e.Replicas {
		kind := `kind="grpc"`
		if app == localcluster.Gateway {
			kind = `kind="http"`
		}
		for _, name := range names {
			out[name] = metricSum(t, "http://"+e.Admin[name]+"/metrics", "douyin_server_requests_total{", kind)
		}
	}
	return out
}

// metricSum adds up the series of a metric (name with "{") whose labels contain label.
func metricSum(t *testing.T, metricsURL, name, label string) float64 {
	t.Helper()
	resp, err := http.Get(metricsURL)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var sum float64
	scanner := bufio.NewScanner(resp.Body)
	scanner.Buffer(make([]byte, 64*1024), 1024*1024)
	for scanner.Scan() {
		line := scanner.Text()
		if !strings.HasPrefix(line, name) || !strings.Contains(line, label) {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			t.Fatalf("%s: %q: %v", metricsURL, line, err)
		}
		sum += v
	}
	if err := scanner.Err(); err != nil {
		t.Fatalf("%s: %v", metricsURL, err)
	}
	return sum
}
