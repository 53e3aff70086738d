package service

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
)

// counter is a count of changes the test moves by hand.
type counter struct {
	n   int64
	err error
}

func (c *counter) Count(context.Context) (int64, error) { return c.n, c.err }

// loads counts the reads that reached the use cases and answers with the count of them.
type loads struct{ n int }

func (l *loads) user(context.Context) (*gatewayv1.UserInfoResponse, error) {
	l.n++
	return &gatewayv1.UserInfoResponse{User: &gatewayv1.User{Id: int64(l.n)}}, nil
}

// readUser returns a read of one user's answer through a, loaded by l: it returns which load
// answered.
func readUser(t *testing.T, a *answers, l *loads) func() int64 {
	return func() int64 {
		t.Helper()
		got, err := keep(context.Background(), a, a.changes.Reads, "user|1|2", 0, nil, l.user)
		if err != nil {
			t.Fatal(err)
		}
		return got.GetUser().GetId()
	}
}

func TestAnswersAreKeptUntilTheNextChange(t *testing.T) {
	ctx := context.Background()
	changes := &counter{n: 7}
	a, l := newAnswers(biz.Changes{Reads: changes}), &loads{}
	read := readUser(t, a, l)
	if first, again := read(), read(); first != 1 || again != 1 {
		t.Fatalf("reads %d, %d: want the first answer kept", first, again)
	}
	changes.n++
	if got := read(); got != 2 {
		t.Fatalf("after a change the answer of read %d; want a new read", got)
	}
	if _, err := keep(ctx, a, a.changes.Reads, "user|1|3", 0, nil, l.user); err != nil || l.n != 3 {
		t.Fatalf("another key shared the answer (reads %d, %v)", l.n, err)
	}
}

func TestAnswersWithoutACountAreNotKept(t *testing.T) {
	ctx := context.Background()
	for name, a := range map[string]*answers{
		"no count (a cluster without Redis)": newAnswers(biz.Changes{}),
		"count unreadable":                   newAnswers(biz.Changes{Reads: &counter{err: errors.New("redis down")}}),
	} {
		l := &loads{}
		_, _ = keep(ctx, a, a.changes.Reads, "k", 0, nil, l.user)
		_, _ = keep(ctx, a, a.changes.Reads, "k", 0, nil, l.user)
		if l.n != 2 {
			t.Errorf("%s: %d reads for two requests", name, l.n)
		}
	}
}

// A failed read is for its request only: the next request tries again.
func TestFailedAnswersAreNotKept(t *testing.T) {
	ctx := context.Background()
	a := newAnswers(biz.Changes{Reads: &counter{}})
	calls := 0
	failing := func(context.Context) (*gatewayv1.UserInfoResponse, error) {
		calls++
		return nil, errors.New("user app down")
	}
	_, _ = keep(ctx, a, a.changes.Reads, "failing", 0, nil, failing)
	_, _ = keep(ctx, a, a.changes.Reads, "failing", 0, nil, failing)
	if calls != 2 {
		t.Fatalf("%d reads for two failing requests", calls)
	}
}

// feedVideos is a video app with one video (by user 9), counting the feed reads.
type feedVideos struct {
	biz.VideoDirectory
	reads int
	empty bool
}

func (f *feedVideos) Feed(context.Context, int64, int) ([]*biz.Video, error) {
	f.reads++
	if f.empty {
		return nil, nil
	}
	return []*biz.Video{{ID: 1, AuthorID: 9, PublishedAt: 1_000}}, nil
}

type feedUsers struct{ biz.UserRepo }

func (feedUsers) GetUsers(_ context.Context, ids []int64) ([]*biz.User, error) {
	return []*biz.User{{ID: 9, Name: "author"}}, nil
}

type feedFollows struct{}

func (feedFollows) FollowedAmong(context.Context, int64, []int64) (map[int64]bool, error) {
	return nil, nil
}

// favoritesDown fails while down is set, as the interaction app does while it is unreachable.
type favoritesDown struct {
	biz.FavoriteRepo
	down bool
}

func (f *favoritesDown) FavoritedAmong(context.Context, int64, []int64) (map[int64]bool, error) {
	if f.down {
		return nil, errors.New("interaction app unreachable")
	}
	return map[int64]bool{1: true}, nil
}

func newFeedService(changes biz.Changes) (*DouyinService, *feedVideos, *favoritesDown) {
	videos, favorites := &feedVideos{}, &favoritesDown{}
	joiner := biz.NewUserJoiner(feedUsers{}, feedFollows{}, log.DefaultLogger)
	s := NewDouyinService("http://cdn.example", biz.NewAccountUsecase(nil, tokens{}, nil, tokens{}, unthrottled, log.DefaultLogger),
		biz.NewVideoUsecase(videos, joiner, favorites, unthrottled, log.DefaultLogger), nil, nil, nil, changes)
	return s, videos, favorites
}

// A page answered without whether the viewer liked its videos (the interaction app down) is
// for that request only: kept, it would show grey hearts until the next change.
func TestDegradedAnswersAreNotKept(t *testing.T) {
	ctx := context.Background()
	s, videos, favorites := newFeedService(biz.Changes{Reads: &counter{}})
	feed := func() bool {
		reply, err := s.Feed(ctx, &gatewayv1.FeedRequest{Token: "good"})
		if err != nil {
			t.Fatal(err)
		}
		return reply.GetVideoList()[0].GetIsFavorite()
	}
	favorites.down = true
	if feed() {
		t.Fatal("liked while the interaction app is down")
	}
	favorites.down = false
	if !feed() {
		t.Fatal("the page answered without the interaction app was kept")
	}
	if feed(); videos.reads != 2 {
		t.Fatalf("%d feed reads for three requests; want the complete page kept", videos.reads)
	}
}

// The newest page, read for one time, is the newest page for any later time until the next
// change, but not for an earlier one, and an empty page only for its own time (its next_time is
// that time). An older page (a time in the past) is kept for its own time only: videos
// published after that time are on the pages of later ones.
func TestFeedPagesFitLaterTimesOnly(t *testing.T) {
	ctx := context.Background()
	s, videos, _ := newFeedService(biz.Changes{Reads: &counter{}})
	feed := func(latest string) *gatewayv1.FeedResponse {
		reply, err := s.Feed(ctx, &gatewayv1.FeedRequest{LatestTime: latest})
		if err != nil {
			t.Fatal(err)
		}
		return reply
	}
	feed("2000000000000")
	feed("2000000000001")
	if videos.reads != 1 {
		t.Fatalf("%d reads: a later time did not reuse the page", videos.reads)
	}
	feed("1999999999999")
	if videos.reads != 2 {
		t.Fatalf("%d reads: an earlier time reused a later page", videos.reads)
	}

	s, videos, _ = newFeedService(biz.Changes{Reads: &counter{}})
	feed("1000000000000") // 2001
	feed("1000000000000")
	feed("1000000000001")
	feed("")
	if videos.reads != 3 {
		t.Fatalf("%d reads: an older page was reused for another time (want 3 reads)", videos.reads)
	}

	s, videos, _ = newFeedService(biz.Changes{Reads: &counter{}})
	videos.empty = true
	feed("2000000000000")
	if got := feed("2000000000005").GetNextTime(); got != 2000000000005 || videos.reads != 2 {
		t.Fatalf("empty page: next_time %d after %d reads; want the time asked for, read anew", got, videos.reads)
	}
	feed("2000000000005")
	if videos.reads != 2 {
		t.Fatalf("%d reads: the empty page was not kept for its own time", videos.reads)
	}
}

// The answers kept stay within their budget of bytes, the least recently used going first.
func TestAnswersStayWithinTheirBudget(t *testing.T) {
	ctx := context.Background()
	a := newAnswers(biz.Changes{Reads: &counter{}})
	a.budget = 4000
	big := func(context.Context) (*gatewayv1.UserInfoResponse, error) {
		return &gatewayv1.UserInfoResponse{User: &gatewayv1.User{Signature: strings.Repeat("x", 300)}}, nil
	}
	for i := range 10 {
		_, _ = keep(ctx, a, a.changes.Reads, "k"+strconv.Itoa(i), 0, nil, big)
		if a.bytes > a.budget {
			t.Fatalf("%d bytes kept, over the budget of %d", a.bytes, a.budget)
		}
	}
	if _, ok := a.kept.Get("k9"); !ok {
		t.Fatal("the newest answer was not kept")
	}
	if _, ok := a.kept.Get("k0"); ok {
		t.Fatal("the oldest answer outlived the budget")
	}
	var sum int64
	for _, e := range a.kept.Values() {
		sum += int64(e.size)
	}
	if sum != a.bytes {
		t.Fatalf("bytes %d, but the answers kept add up to %d", a.bytes, sum)
	}
}

// A read that started before a change and ends after a later read kept its answer does not
// replace that answer: the newer one stays kept.
func TestASlowReadDoesNotReplaceANewerAnswer(t *testing.T) {
	ctx := context.Background()
	changes := &counter{n: 1}
	a := newAnswers(biz.Changes{Reads: changes})
	slow := func(context.Context) (*gatewayv1.UserInfoResponse, error) {
		// While this read runs, a change comes and another request keeps the new answer.
		changes.n = 2
		if _, err := keep(ctx, a, a.changes.Reads, "k", 0, nil, func(context.Context) (*gatewayv1.UserInfoResponse, error) {
			return &gatewayv1.UserInfoResponse{User: &gatewayv1.User{Id: 2}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		return &gatewayv1.UserInfoResponse{User: &gatewayv1.User{Id: 1}}, nil
	}
	if _, err := keep(ctx, a, a.changes.Reads, "k", 0, nil, slow); err != nil {
		t.Fatal(err)
	}
	e, ok := a.kept.Peek("k")
	if !ok || e.count != 2 || e.msg.(*gatewayv1.UserInfoResponse).GetUser().GetId() != 2 {
		t.Fatalf("kept %+v; want the answer read at count 2", e)
	}
}

// Redis may lose the count (a restart, a flush): it restarts at a random value, possibly lower
// than the one answers were kept at. Answers are then kept again at the new count, not refused
// as older than the ones kept before.
func TestAnswersAreKeptAgainAfterTheCountRestartsLower(t *testing.T) {
	changes := &counter{n: 1_000_000}
	a, l := newAnswers(biz.Changes{Reads: changes}), &loads{}
	read := readUser(t, a, l)
	if first, again := read(), read(); first != 1 || again != 1 {
		t.Fatalf("reads %d, %d: want the first answer kept", first, again)
	}
	changes.n = 42 // the count restarted, lower
	if got := read(); got != 2 {
		t.Fatalf("after the count restarted the answer of read %d; want a new read", got)
	}
	if got := read(); got != 2 {
		t.Fatalf("read %d after the restart; want the answer read at the new count kept", got)
	}
}

// An answer whose count never moves (a change that could not be counted) is still read again
// once its lifetime is over; lifetimes differ, so answers kept together expire apart.
func TestAnswersExpireAtSpreadAges(t *testing.T) {
	a, l := newAnswers(biz.Changes{Reads: &counter{n: 1}}), &loads{}
	read := readUser(t, a, l)
	if first, again := read(), read(); first != 1 || again != 1 {
		t.Fatalf("reads %d, %d: want the first answer kept", first, again)
	}
	kept, _ := a.kept.Peek("user|1|2")
	if life := kept.expires.Sub(kept.at); life < maxAnswerAge*3/4 || life > maxAnswerAge {
		t.Fatalf("an answer kept for %v; want between 3/4 of %v and all of it", life, maxAnswerAge)
	}
	kept.expires = time.Now().Add(-time.Millisecond)
	if got := read(); got != 2 {
		t.Fatalf("an expired answer was used (read %d); want a new read", got)
	}

	lifetimes := map[time.Duration]bool{}
	for range 20 {
		life := answerLifetime()
		if life < maxAnswerAge*3/4 || life > maxAnswerAge {
			t.Fatalf("lifetime %v outside [3/4 of %v, %v]", life, maxAnswerAge, maxAnswerAge)
		}
		lifetimes[life] = true
	}
	if len(lifetimes) < 10 {
		t.Errorf("20 lifetimes took %d values; want them spread", len(lifetimes))
	}
}

// chatMessages is a message app whose conversation holds the messages sent after times in
// after; it counts the reads.
type chatMessages struct {
	biz.MessageRepo
	after map[int64][]*biz.Message
	reads int
}

func (m *chatMessages) Chat(_ context.Context, _, _, afterMs int64) ([]*biz.Message, error) {
	m.reads++
	return m.after[afterMs], nil
}

// A poll that found nothing after a time answers the polls for later times until the next
// message (a change); not those for earlier times, and an answer with messages only its own
// time. Opening the chat (no time) is answered apart.
func TestChatPollsFitLaterTimesWhileEmpty(t *testing.T) {
	ctx := context.Background()
	changes := &counter{}
	messages := &chatMessages{after: map[int64][]*biz.Message{
		0:   {{ID: 1, FromUserID: 8, ToUserID: 7, Content: "hi", CreateTime: 300}},
		250: {{ID: 1, FromUserID: 8, ToUserID: 7, Content: "hi", CreateTime: 300}},
	}}
	joiner := biz.NewUserJoiner(feedUsers{}, feedFollows{}, log.DefaultLogger)
	s := NewDouyinService("http://cdn.example", biz.NewAccountUsecase(nil, tokens{}, nil, tokens{}, unthrottled, log.DefaultLogger),
		nil, nil, nil, biz.NewMessageUsecase(messages, joiner, unthrottled), biz.Changes{Messages: changes})
	poll := func(after int64, wantReads int, wantMessages int) {
		t.Helper()
		reply, err := s.MessageChat(ctx, &gatewayv1.MessageChatRequest{Token: "good", ToUserId: 8, PreMsgTime: after})
		if err != nil {
			t.Fatal(err)
		}
		if messages.reads != wantReads || len(reply.GetMessageList()) != wantMessages {
			t.Fatalf("poll after %d: %d messages, %d reads so far; want %d messages, %d reads",
				after, len(reply.GetMessageList()), messages.reads, wantMessages, wantReads)
		}
	}
	poll(400, 1, 0)
	poll(401, 1, 0) // nothing after 400, so nothing after 401
	poll(5000, 1, 0)
	poll(399, 2, 0) // an earlier time is read: nothing after 400 says nothing of 399 to 400
	poll(0, 3, 1)   // opening the chat shows the conversation
	poll(0, 3, 1)
	poll(450, 3, 0) // the empty answer kept for 399 still answers
	changes.n++     // a message was sent
	poll(450, 4, 0)
	poll(250, 5, 1)
	poll(250, 5, 1)
	poll(260, 6, 0) // an answer with messages answers its own time only
}
