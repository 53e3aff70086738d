package data

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/message/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/bootstrap"
	"github.com/douyin-kratos/douyin/pkg/changes"
	"github.com/douyin-kratos/douyin/pkg/database"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
)

// The same contract holds for every store the repository runs on: embedded SQLite without the
// poll shortcut, SQLite in the all-in-one (kafka.in_process: newest times in memory), MySQL
// (MariaDB) without it, and MySQL with newest times in Redis.
func TestMessageRepo(t *testing.T) {
	databasetest.ForEach(t, runMessageContract,
		databasetest.OnSQLite, databasetest.OnSQLiteInProcess, databasetest.OnMySQL, databasetest.OnMySQLRedis)
}

// stores is what the suite works with: the repository, its Data, and a count of the reads the
// database ran.
type stores struct {
	data  *Data
	repo  *MessageRepo
	reads *atomic.Int64
}

// openStores goes through NewData, so every open runs the migrations.
func openStores(t testing.TB, bc *confv1.Bootstrap) *stores {
	t.Helper()
	data, cleanup, err := NewData(database.SettingsOf(bc), bootstrap.NewReadiness())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	reads := &atomic.Int64{}
	count := func(*gorm.DB) { reads.Add(1) }
	if err := data.DB.Callback().Query().Before("gorm:query").Register("test:count_query", count); err != nil {
		t.Fatal(err)
	}
	if err := data.DB.Callback().Row().Before("gorm:row").Register("test:count_row", count); err != nil {
		t.Fatal(err)
	}
	return &stores{data: data, repo: NewMessageRepo(data, bc.GetRedis(), bc.GetKafka(), log.DefaultLogger), reads: reads}
}

func (s *stores) send(t testing.TB, from, to int64, content string) *biz.Message {
	t.Helper()
	m := &biz.Message{FromUserID: from, ToUserID: to, Content: content}
	if err := s.repo.Create(context.Background(), m); err != nil {
		t.Fatalf("Create(%d→%d): %v", from, to, err)
	}
	return m
}

// everything is a list bound no test conversation reaches.
const everything = 1000

func (s *stores) conversation(t testing.TB, a, b int64) []*biz.Message {
	t.Helper()
	got, err := s.repo.Conversation(context.Background(), a, b, everything)
	if err != nil {
		t.Fatalf("Conversation(%d, %d): %v", a, b, err)
	}
	return got
}

func (s *stores) poll(t testing.TB, from, to, afterMs int64) []*biz.Message {
	t.Helper()
	got, err := s.repo.SentAfter(context.Background(), from, to, afterMs, everything)
	if err != nil {
		t.Fatalf("SentAfter(%d→%d, %d): %v", from, to, afterMs, err)
	}
	return got
}

func ids(ms []*biz.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// checkOrdered fails unless ms are in strictly increasing create_time and, since ids are
// assigned in commit order within a conversation, in increasing id too.
func checkOrdered(t testing.TB, what string, ms []*biz.Message) {
	t.Helper()
	for i := 1; i < len(ms); i++ {
		if ms[i].CreateTime <= ms[i-1].CreateTime || ms[i].ID <= ms[i-1].ID {
			t.Fatalf("%s: message %d (id %d, time %d) follows id %d, time %d; want both to grow",
				what, i, ms[i].ID, ms[i].CreateTime, ms[i-1].ID, ms[i-1].CreateTime)
		}
	}
}

func runMessageContract(t *testing.T, bc *confv1.Bootstrap) {
	ctx := context.Background()
	s := openStores(t, bc)

	t.Run("Create stores the message with an id and the time it was sent", func(t *testing.T) {
		before := time.Now().UnixMilli()
		m := s.send(t, 10, 11, "hello")
		after := time.Now().UnixMilli()
		if m.ID <= 0 || m.CreateTime < before || m.CreateTime > after {
			t.Fatalf("Create set id %d, create_time %d; want an id and a time in [%d, %d]", m.ID, m.CreateTime, before, after)
		}
		if got := s.conversation(t, 10, 11); len(got) != 1 || *got[0] != *m {
			t.Fatalf("Conversation = %+v; want exactly %+v", got, *m)
		}
	})

	t.Run("20 concurrent sends in one millisecond from both sides: unique, growing times", func(t *testing.T) {
		const a, b = int64(20), int64(21)
		frozen := time.Now()
		// Every send reads the same millisecond, as a burst on a fast machine would.
		s.repo.now = func() time.Time { return frozen }
		defer func() { s.repo.now = time.Now }()
		sent := make([]*biz.Message, 20)
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, len(sent))
		for i := range sent {
			from, to := a, b
			if i%2 == 1 {
				from, to = b, a
			}
			wg.Go(func() {
				<-start
				m := &biz.Message{FromUserID: from, ToUserID: to, Content: fmt.Sprintf("burst %d", i)}
				if err := s.repo.Create(ctx, m); err != nil {
					errs <- err
					return
				}
				sent[i] = m
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("a concurrent send failed: %v", err)
		}
		got := s.conversation(t, a, b)
		if len(got) != len(sent) {
			t.Fatalf("Conversation has %d messages; want %d", len(got), len(sent))
		}
		checkOrdered(t, "the burst", got)
		times := map[int64]bool{}
		for _, m := range got {
			times[m.CreateTime] = true
		}
		base := frozen.UnixMilli()
		for i := range int64(len(sent)) {
			if !times[base+i] {
				t.Fatalf("times %v; want exactly %d..%d: the frozen millisecond, then one more per send", slices.Sorted(maps.Keys(times)), base, base+19)
			}
		}
		for _, m := range sent {
			if !slices.ContainsFunc(got, func(g *biz.Message) bool { return *g == *m }) {
				t.Fatalf("Create returned %+v, which the conversation does not hold", *m)
			}
		}
	})

	t.Run("a clock behind the conversation's newest message still moves it forward", func(t *testing.T) {
		const a, b = int64(30), int64(31)
		ahead := time.Now().Add(time.Hour)
		s.repo.now = func() time.Time { return ahead }
		first := s.send(t, a, b, "from a replica whose clock is ahead")
		s.repo.now = time.Now
		second := s.send(t, b, a, "from one whose clock is right")
		if first.CreateTime != ahead.UnixMilli() || second.CreateTime != first.CreateTime+1 {
			t.Fatalf("times %d then %d; want %d then one more", first.CreateTime, second.CreateTime, ahead.UnixMilli())
		}
		if got := s.poll(t, b, a, first.CreateTime); len(got) != 1 || got[0].ID != second.ID {
			t.Fatalf("poll after the first = %v; want the second", ids(got))
		}
	})

	// One conversation for the reading tests: 40 ↔ 41, with 40 ↔ 42 and 41 ↔ 42 beside it.
	const u, p, other = int64(40), int64(41), int64(42)
	var history []*biz.Message
	for i, dir := range [][2]int64{{u, p}, {p, u}, {u, other}, {u, p}, {p, u}, {other, p}, {p, u}, {u, p}} {
		m := s.send(t, dir[0], dir[1], fmt.Sprintf("message %d", i))
		if (dir[0] == u && dir[1] == p) || (dir[0] == p && dir[1] == u) {
			history = append(history, m)
		}
	}

	t.Run("Conversation: both directions, oldest first, the same from either side", func(t *testing.T) {
		want := ids(history)
		for _, side := range [][2]int64{{u, p}, {p, u}} {
			got := s.conversation(t, side[0], side[1])
			if !slices.Equal(ids(got), want) {
				t.Fatalf("Conversation(%d, %d) = %v; want %v", side[0], side[1], ids(got), want)
			}
			checkOrdered(t, "Conversation", got)
		}
		if got := s.conversation(t, u, 404); len(got) != 0 {
			t.Fatalf("Conversation with nobody = %v; want none", ids(got))
		}
	})

	t.Run("SentAfter: only the peer's messages after the cursor, oldest first", func(t *testing.T) {
		fromPeer := func(after int64) []int64 {
			var out []int64
			for _, m := range history {
				if m.FromUserID == p && m.CreateTime > after {
					out = append(out, m.ID)
				}
			}
			return out
		}
		// Every cursor a client could hold: before everything, each message's time, one ms on.
		cursors := []int64{1}
		for _, m := range history {
			cursors = append(cursors, m.CreateTime, m.CreateTime+1)
		}
		for round := range 2 { // the second round is served by whatever the first kept
			for _, after := range cursors {
				got := s.poll(t, p, u, after)
				if want := fromPeer(after); !slices.Equal(ids(got), want) {
					t.Fatalf("round %d: SentAfter(%d→%d, %d) = %v; want %v", round, p, u, after, ids(got), want)
				}
				checkOrdered(t, "SentAfter", got)
			}
		}
		// 40 wrote to 42, never the other way.
		if got := s.poll(t, other, u, 1); len(got) != 0 {
			t.Fatalf("SentAfter(%d→%d) = %v; want none", other, u, ids(got))
		}
	})

	t.Run("a poll that finds nothing skips the database when newest times are kept", func(t *testing.T) {
		const user, peer = int64(50), int64(51)
		m := s.send(t, peer, user, "hello")
		reads := func(poll func()) int64 {
			t.Helper()
			before := s.reads.Load()
			poll()
			return s.reads.Load() - before
		}
		nothingNew := func(from, to, after int64) {
			t.Helper()
			if got := s.poll(t, from, to, after); len(got) != 0 {
				t.Fatalf("SentAfter(%d→%d, %d) = %v; want nothing", from, to, after, ids(got))
			}
		}
		first := reads(func() { nothingNew(peer, user, m.CreateTime) })
		next := reads(func() {
			for range 10 {
				nothingNew(peer, user, m.CreateTime)
			}
		})
		cached := s.repo.newest != nil
		switch {
		case cached && (first > 1 || next != 0):
			t.Fatalf("with newest times kept, polls that find nothing read the database %d times, then %d for 10 more; want at most 1, then 0", first, next)
		case !cached && next != 10:
			t.Fatalf("without newest times, 10 polls read the database %d times; want 10", next)
		}
		// The user's own messages do not wake the peer's poll.
		own := s.send(t, user, peer, "my reply")
		if n := reads(func() { nothingNew(peer, user, m.CreateTime) }); cached && n != 0 {
			t.Fatalf("a poll after the user's own message read the database %d times; want 0", n)
		}
		// The peer's next message is found by the very next poll.
		m2 := s.send(t, peer, user, "again")
		if got := s.poll(t, peer, user, m.CreateTime); len(got) != 1 || got[0].ID != m2.ID {
			t.Fatalf("poll after a new message = %v; want [%d]", ids(got), m2.ID)
		}
		if n := reads(func() { nothingNew(peer, user, m2.CreateTime) }); cached && n != 0 {
			t.Fatalf("a poll from the newest message read the database %d times; want 0", n)
		}
		// And the peer's poll sees the user's message.
		if got := s.poll(t, user, peer, 1); len(got) != 1 || got[0].ID != own.ID {
			t.Fatalf("the peer's poll = %v; want [%d]", ids(got), own.ID)
		}
		// A pair that never wrote: the first poll reads the database, the next ones do not.
		reads(func() { nothingNew(52, 53, 1) })
		if n := reads(func() { nothingNew(52, 53, 1) }); cached && n != 0 {
			t.Fatalf("a poll of a silent pair read the database %d times; want 0", n)
		}
	})

	if bc.GetRedis().GetAddr() != "" {
		t.Run("replicas share newest times through Redis", func(t *testing.T) {
			replica := openStores(t, bc)
			const user, peer = int64(60), int64(61)
			m := s.send(t, peer, user, "first")
			if got := replica.poll(t, peer, user, m.CreateTime); len(got) != 0 { // keeps the bound
				t.Fatalf("replica poll = %v; want nothing", ids(got))
			}
			m2 := s.send(t, peer, user, "sent through the other replica")
			if got := replica.poll(t, peer, user, m.CreateTime); len(got) != 1 || got[0].ID != m2.ID {
				t.Fatalf("replica poll after a send elsewhere = %v; want [%d]", ids(got), m2.ID)
			}
		})
	}

	t.Run("Redis that cannot be reached: sends fail and store nothing, polls ask the database", func(t *testing.T) {
		dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1, DialTimeout: 200 * time.Millisecond})
		defer dead.Close()
		r := &MessageRepo{data: s.data, newest: newRedisNewest(dead, "test:", time.Minute), sent: &changes.Local{}, log: log.NewHelper(log.DefaultLogger), now: time.Now}
		m := &biz.Message{FromUserID: 70, ToUserID: 71, Content: "lost"}
		if err := r.Create(ctx, m); err == nil {
			t.Fatal("a send whose poll bound could not be raised succeeded; polls could miss it")
		}
		if got := s.conversation(t, 70, 71); len(got) != 0 {
			t.Fatalf("the failed send stored %v", ids(got))
		}
		ok := s.send(t, 70, 71, "through the working store")
		got, err := r.SentAfter(ctx, 70, 71, 1, everything)
		if err != nil || len(got) != 1 || got[0].ID != ok.ID {
			t.Fatalf("SentAfter with Redis down = %v, %v; want [%d] from the database", ids(got), err, ok.ID)
		}
	})

	t.Run("a poll racing sends never misses or repeats a message", func(t *testing.T) {
		const user, peer = int64(80), int64(81)
		s.send(t, peer, user, "before the race")
		s.send(t, user, peer, "before the race, mine")
		const senders, each = 4, 15
		var (
			mu   sync.Mutex
			want = map[int64]bool{} // the peer's messages sent during the race
		)
		var sendWG sync.WaitGroup
		start := make(chan struct{})
		for w := range senders {
			from, to := peer, user
			if w == 0 {
				from, to = user, peer // the user writing too moves the conversation's time
			}
			sendWG.Go(func() {
				<-start
				for i := range each {
					m := &biz.Message{FromUserID: from, ToUserID: to, Content: fmt.Sprintf("race %d.%d", w, i)}
					if err := s.repo.Create(ctx, m); err != nil {
						t.Error(err)
						return
					}
					if from == peer {
						mu.Lock()
						want[m.ID] = true
						mu.Unlock()
					}
				}
			})
		}
		// Two screens of the user poll from what they have, as the app does; the second with a
		// list bound far below what arrives, so it catches up over several polls.
		base := s.conversation(t, user, peer)
		cursor := base[len(base)-1].CreateTime
		done := make(chan struct{})
		var pollWG sync.WaitGroup
		limits := []int{everything, 4}
		seen := make([][]*biz.Message, len(limits))
		polls := make([]int, len(limits))
		for screen, limit := range limits {
			pollWG.Go(func() {
				after := cursor
				// poll reports whether the answer was full: more may be waiting.
				poll := func() (full, ok bool) {
					got, err := s.repo.SentAfter(ctx, peer, user, after, limit)
					if err != nil {
						t.Error(err)
						return false, false
					}
					polls[screen]++
					for _, m := range got {
						if m.CreateTime <= after {
							t.Errorf("screen %d: poll after %d returned message %d at %d", screen, after, m.ID, m.CreateTime)
							return false, false
						}
						after = m.CreateTime
					}
					if len(got) > limit {
						t.Errorf("screen %d: a poll bounded to %d returned %d", screen, limit, len(got))
						return false, false
					}
					seen[screen] = append(seen[screen], got...)
					return len(got) == limit, true
				}
				for {
					select {
					case <-done:
						// Every send has returned: these polls must find the rest.
						for full, ok := poll(); full && ok; full, ok = poll() {
						}
						return
					default:
						if _, ok := poll(); !ok {
							return
						}
					}
				}
			})
		}
		close(start)
		sendWG.Wait()
		close(done)
		pollWG.Wait()
		if len(want) != (senders-1)*each {
			t.Fatalf("%d of the peer's sends succeeded; want %d", len(want), (senders-1)*each)
		}
		for screen, got := range seen {
			checkOrdered(t, fmt.Sprintf("screen %d", screen), got)
			if len(got) != len(want) {
				t.Fatalf("screen %d received %d messages in %d polls; want each of the peer's %d exactly once", screen, len(got), polls[screen], len(want))
			}
			for _, m := range got {
				if !want[m.ID] || m.FromUserID != peer {
					t.Fatalf("screen %d received %+v, not one of the peer's messages of the race", screen, *m)
				}
			}
			t.Logf("screen %d: %d messages in %d polls", screen, len(got), polls[screen])
		}
	})

	t.Run("the list bound: the newest of a conversation, the oldest of a poll", func(t *testing.T) {
		const user, peer, limit = int64(140), int64(141), 3
		var all, fromPeer []*biz.Message
		for i := range 10 {
			from, to := peer, user
			if i%3 == 0 {
				from, to = user, peer
			}
			m := s.send(t, from, to, fmt.Sprintf("bounded %d", i))
			all = append(all, m)
			if from == peer {
				fromPeer = append(fromPeer, m)
			}
		}
		for _, side := range [][2]int64{{user, peer}, {peer, user}} {
			got, err := s.repo.Conversation(ctx, side[0], side[1], limit)
			if err != nil || !slices.Equal(ids(got), ids(all[len(all)-limit:])) {
				t.Fatalf("Conversation(%d, %d, limit %d) = %v, %v; want the newest %d, oldest first: %v",
					side[0], side[1], limit, ids(got), err, limit, ids(all[len(all)-limit:]))
			}
		}
		// Polls from the start, each from the newest message the last one returned, as the app
		// does: every one of the peer's messages exactly once, in order, in full pages but the last.
		var got []*biz.Message
		after := int64(1)
		for page := 0; ; page++ {
			polled, err := s.repo.SentAfter(ctx, peer, user, after, limit)
			if err != nil {
				t.Fatal(err)
			}
			if page > len(fromPeer) || len(polled) > limit {
				t.Fatalf("poll %d after %d returned %v: more than %d, or no end", page, after, ids(polled), limit)
			}
			got = append(got, polled...)
			if len(polled) < limit {
				break
			}
			after = polled[len(polled)-1].CreateTime
		}
		if !slices.Equal(ids(got), ids(fromPeer)) {
			t.Fatalf("polls in pages of %d returned %v; want the peer's %v, each once, in order", limit, ids(got), ids(fromPeer))
		}
	})

	t.Run("Latest: each peer's newest message, exactly", func(t *testing.T) {
		const user = int64(100)
		// Peers on both sides of the user's id, a peer with no messages, and conversations
		// among the peers that are newer but not the user's.
		const below1, below2, above1, above2, silent = int64(90), int64(95), int64(105), int64(110), int64(120)
		want := map[int64]int64{} // peer → id of the newest message
		for round := range 3 {
			for _, peer := range []int64{below1, below2, above1, above2} {
				from, to := user, peer
				if (round+int(peer))%2 == 0 {
					from, to = peer, user
				}
				want[peer] = s.send(t, from, to, fmt.Sprintf("round %d with %d", round, peer)).ID
			}
			s.send(t, below1, above1, "not the user's")
		}
		s.send(t, above2, below2, "not the user's either")
		got, err := s.repo.Latest(ctx, user, []int64{above2, silent, below1, above1, below2})
		if err != nil {
			t.Fatal(err)
		}
		byPeer := map[int64]int64{}
		for _, m := range got {
			peer := m.FromUserID
			if peer == user {
				peer = m.ToUserID
			} else if m.ToUserID != user {
				t.Fatalf("Latest returned %+v, which is not the user's", *m)
			}
			if _, dup := byPeer[peer]; dup {
				t.Fatalf("Latest returned two messages with %d", peer)
			}
			byPeer[peer] = m.ID
		}
		if len(byPeer) != len(want) {
			t.Fatalf("Latest = %v; want %v", byPeer, want)
		}
		for peer, id := range want {
			if byPeer[peer] != id {
				t.Fatalf("Latest with %d = message %d; want %d (all: %v)", peer, byPeer[peer], id, byPeer)
			}
		}
		// Only peers above, only below, and nobody with messages.
		if got, err := s.repo.Latest(ctx, user, []int64{above1}); err != nil || len(got) != 1 || got[0].ID != want[above1] {
			t.Fatalf("Latest(above only) = %v, %v; want [%d]", ids(got), err, want[above1])
		}
		if got, err := s.repo.Latest(ctx, user, []int64{below2}); err != nil || len(got) != 1 || got[0].ID != want[below2] {
			t.Fatalf("Latest(below only) = %v, %v; want [%d]", ids(got), err, want[below2])
		}
		if got, err := s.repo.Latest(ctx, user, []int64{silent, 404}); err != nil || len(got) != 0 {
			t.Fatalf("Latest(no messages) = %v, %v; want none", ids(got), err)
		}
		// A whole batch of peers in one query.
		many := make([]int64, biz.MaxBatch)
		for i := range many {
			many[i] = int64(1000 + i)
		}
		many[0], many[len(many)-1] = below1, above2
		before := s.reads.Load()
		got, err = s.repo.Latest(ctx, user, many)
		if err != nil || len(got) != 2 {
			t.Fatalf("Latest(%d peers) = %v, %v; want 2", len(many), ids(got), err)
		}
		if n := s.reads.Load() - before; n != 1 {
			t.Fatalf("Latest read the database %d times; want 1", n)
		}
	})

	t.Run("multi-byte and emoji content round-trips exactly", func(t *testing.T) {
		const a, b = int64(130), int64(131)
		contents := []string{
			strings.Repeat("抖", biz.MaxMessageLength),
			strings.Repeat("😀", biz.MaxMessageLength), // four bytes each: needs utf8mb4 on MySQL
			"多行\n消息\t🎬 👋🏽 it's 100% \"real\" \\ _x_ ' --",
		}
		for _, content := range contents {
			m := s.send(t, a, b, content)
			got := s.conversation(t, a, b)
			if last := got[len(got)-1]; last.ID != m.ID || last.Content != content {
				t.Fatalf("stored %d bytes; read back %d bytes: %q", len(content), len(last.Content), last.Content)
			}
			if polled := s.poll(t, a, b, m.CreateTime-1); len(polled) != 1 || polled[0].Content != content {
				t.Fatalf("SentAfter changed the content")
			}
		}
		latest, err := s.repo.Latest(ctx, b, []int64{a})
		if err != nil || len(latest) != 1 || latest[0].Content != contents[2] {
			t.Fatalf("Latest = %v, %v; want the last content exactly", latest, err)
		}
	})

	t.Run("queries read their indexes, never a table", func(t *testing.T) {
		checkPlans(t, s.data.DB)
	})

	t.Run("a reopened store has everything and carries on", func(t *testing.T) {
		again := openStores(t, bc)
		if got := again.conversation(t, u, p); !slices.Equal(ids(got), ids(history)) {
			t.Fatalf("Conversation after reopening = %v; want %v", ids(got), ids(history))
		}
		if got := again.conversation(t, 20, 21); len(got) != 20 {
			t.Fatalf("the burst after reopening has %d messages; want 20", len(got))
		}
		got, err := again.repo.Latest(ctx, u, []int64{p, other})
		if err != nil || len(got) != 2 {
			t.Fatalf("Latest after reopening = %v, %v; want 2", ids(got), err)
		}
		m := again.send(t, p, u, "after reopening")
		if m.CreateTime <= history[len(history)-1].CreateTime {
			t.Fatalf("a message after reopening got time %d, not after the conversation's newest %d", m.CreateTime, history[len(history)-1].CreateTime)
		}
		if got := again.poll(t, p, u, history[len(history)-1].CreateTime); len(got) != 1 || got[0].ID != m.ID {
			t.Fatalf("poll after reopening = %v; want [%d]", ids(got), m.ID)
		}
	})
}
