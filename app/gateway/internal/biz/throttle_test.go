package biz

import (
	"context"
	"errors"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"google.golang.org/protobuf/types/known/durationpb"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// unthrottled is a Throttle that allows everything, for tests about other rules.
var unthrottled = NewThrottle(&confv1.RateLimit{Enabled: false}, nil, nil, quiet)

// countingLimiter allows Burst events per key, then refuses with a retry of Per.
type countingLimiter struct {
	taken map[string]int
	err   error
}

func (l *countingLimiter) Take(_ context.Context, key string, r Rate) (time.Duration, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.taken[key] >= r.Burst {
		return r.Per, nil
	}
	l.taken[key]++
	return 0, nil
}

type memFailures struct {
	m   map[string]LoginFailures
	err error
}

func (f *memFailures) Get(_ context.Context, key string) (LoginFailures, error) {
	return f.m[key], f.err
}
func (f *memFailures) Add(_ context.Context, key string, at time.Time, _ time.Duration) error {
	if f.err != nil {
		return f.err
	}
	f.m[key] = LoginFailures{Count: f.m[key].Count + 1, Last: at}
	return nil
}
func (f *memFailures) Clear(_ context.Context, key string) error { delete(f.m, key); return f.err }

func rateOf(events int32, per time.Duration, burst int32) *confv1.Rate {
	return &confv1.Rate{Events: events, Per: durationpb.New(per), Burst: burst}
}

func newTestThrottle(limiter *countingLimiter, failures *memFailures) *Throttle {
	cfg := &confv1.RateLimit{
		Enabled:     true,
		Like:        rateOf(10, time.Second, 3),
		Comment:     rateOf(20, time.Minute, 2),
		Message:     rateOf(60, time.Minute, 5),
		MessagePair: rateOf(30, time.Minute, 2),
		Register:    rateOf(30, time.Hour, 1),
		Login:       rateOf(60, time.Minute, 100),
		LoginFailures: &confv1.LoginFailures{Free: 2, Delay: durationpb.New(time.Second),
			MaxDelay: durationpb.New(4 * time.Second), ForgetAfter: durationpb.New(time.Hour)},
	}
	return NewThrottle(cfg, limiter, failures, quiet)
}

func assertTooMany(t *testing.T, err error, msg string) {
	t.Helper()
	e := kerrors.FromError(err)
	if e.Code != 429 || e.Reason != "TOO_MANY_REQUESTS" || e.Message != msg {
		t.Fatalf("err %v; want 429 TOO_MANY_REQUESTS %q", err, msg)
	}
}

func TestThrottlePerUserActions(t *testing.T) {
	ctx := context.Background()
	limiter := &countingLimiter{taken: map[string]int{}}
	th := newTestThrottle(limiter, &memFailures{m: map[string]LoginFailures{}})
	for i := 0; i < 3; i++ {
		if err := th.Act(ctx, ActionFavorite, 7); err != nil {
			t.Fatalf("like %d: %v", i+1, err)
		}
	}
	assertTooMany(t, th.Act(ctx, ActionFavorite, 7), "too many likes: please try again in 1 second")
	// Budgets are per user and per action.
	if err := th.Act(ctx, ActionFavorite, 8); err != nil {
		t.Fatalf("another user's like: %v", err)
	}
	if err := th.Act(ctx, ActionComment, 7); err != nil {
		t.Fatalf("a comment after likes: %v", err)
	}
	// Actions without a configured rate (follow and publish here) are not limited.
	for i := 0; i < 10; i++ {
		if err := th.Act(ctx, ActionFollow, 7); err != nil {
			t.Fatalf("follow %d: %v", i+1, err)
		}
	}
	_ = th.Act(ctx, ActionComment, 7)
	assertTooMany(t, th.Act(ctx, ActionComment, 7), "too many comments: please try again in 60 seconds")
}

func TestThrottleMessagesPerSenderAndPair(t *testing.T) {
	ctx := context.Background()
	th := newTestThrottle(&countingLimiter{taken: map[string]int{}}, &memFailures{m: map[string]LoginFailures{}})
	for i := 0; i < 2; i++ {
		if err := th.Message(ctx, 1, 2); err != nil {
			t.Fatal(err)
		}
	}
	assertTooMany(t, th.Message(ctx, 1, 2), "too many messages to this user: please try again in 60 seconds")
	// The pair is used up, the sender is not: others can still be written to, until the
	// sender's own budget (5, of which the refused message took one) runs out.
	if err := th.Message(ctx, 1, 3); err != nil {
		t.Fatalf("message to another user: %v", err)
	}
	if err := th.Message(ctx, 2, 1); err != nil {
		t.Fatalf("the reply: %v", err)
	}
	_ = th.Message(ctx, 1, 4)
	assertTooMany(t, th.Message(ctx, 1, 5), "too many messages: please try again in 60 seconds")
}

func TestThrottleSignUpsPerClient(t *testing.T) {
	ctx := context.Background()
	th := newTestThrottle(&countingLimiter{taken: map[string]int{}}, &memFailures{m: map[string]LoginFailures{}})
	if err := th.Register(ctx, "198.51.100.4"); err != nil {
		t.Fatal(err)
	}
	assertTooMany(t, th.Register(ctx, "198.51.100.4"), "too many sign-ups from your network: please try again in 60 minutes")
	if err := th.Register(ctx, "198.51.100.5"); err != nil {
		t.Fatalf("another client: %v", err)
	}
}

func TestThrottleFailedLoginsWaitLongerEachTime(t *testing.T) {
	ctx := context.Background()
	failures := &memFailures{m: map[string]LoginFailures{}}
	th := newTestThrottle(&countingLimiter{taken: map[string]int{}}, failures)
	now := time.Unix(1_700_000_000, 0)
	th.now = func() time.Time { return now }
	wrong := apierror.New(userv1.ErrorReason_WRONG_CREDENTIALS, "wrong username or password")
	attempt := func(client, name string, result error) error {
		if err := th.StartLogin(ctx, client, name); err != nil {
			return err
		}
		th.FinishLogin(ctx, client, name, result)
		return nil
	}
	// Two free failures, then 1 s, 2 s, 4 s, 4 s (the cap) after each further one.
	for i := 0; i < 2; i++ {
		if err := attempt("a", "alice", wrong); err != nil {
			t.Fatalf("free failure %d: %v", i+1, err)
		}
	}
	for _, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		assertTooMany(t, attempt("a", "alice", wrong), "too many wrong passwords for this name: please try again in "+inWords(wait))
		// Every spelling of the name is the name.
		assertTooMany(t, attempt("a", "ａｌｉｃｅ ", wrong), "too many wrong passwords for this name: please try again in "+inWords(wait))
		now = now.Add(wait - time.Millisecond)
		assertTooMany(t, attempt("a", "alice", nil), "too many wrong passwords for this name: please try again in 1 second")
		now = now.Add(time.Millisecond)
		if err := attempt("a", "alice", wrong); err != nil {
			t.Fatalf("after waiting %s: %v", wait, err)
		}
	}
	// Other clients and other names are not held up.
	if err := attempt("b", "alice", nil); err != nil {
		t.Fatalf("alice from another client: %v", err)
	}
	if err := attempt("a", "bob", nil); err != nil {
		t.Fatalf("another name from the client: %v", err)
	}
	// Answers other than a wrong password do not count; a success wipes the count.
	now = now.Add(time.Hour)
	if err := attempt("a", "alice", errors.New("user app unreachable")); err != nil {
		t.Fatal(err)
	}
	if err := attempt("a", "alice", nil); err != nil {
		t.Fatal(err)
	}
	if len(failures.m) != 0 {
		t.Fatalf("failures after a success: %v; want none", failures.m)
	}
}

func TestThrottleAllowsWhenItsStoreIsAway(t *testing.T) {
	ctx := context.Background()
	down := errors.New("redis: connection refused")
	th := newTestThrottle(&countingLimiter{taken: map[string]int{}, err: down}, &memFailures{m: map[string]LoginFailures{}, err: down})
	for i := 0; i < 10; i++ {
		if err := th.Act(ctx, ActionFavorite, 1); err != nil {
			t.Fatalf("like with the counts away: %v; want allowed", err)
		}
		if err := th.StartLogin(ctx, "a", "alice"); err != nil {
			t.Fatalf("login with the counts away: %v; want allowed", err)
		}
	}
}

func TestThrottleDisabled(t *testing.T) {
	ctx := context.Background()
	for i := 0; i < 100; i++ {
		if err := unthrottled.Act(ctx, ActionFavorite, 1); err != nil {
			t.Fatal(err)
		}
		if err := unthrottled.StartLogin(ctx, "a", "alice"); err != nil {
			t.Fatal(err)
		}
		unthrottled.FinishLogin(ctx, "a", "alice", apierror.New(userv1.ErrorReason_WRONG_CREDENTIALS, "x"))
	}
}

func TestInWords(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Millisecond: "1 second", time.Second: "1 second", 1500 * time.Millisecond: "2 seconds",
		119 * time.Second: "119 seconds", 120 * time.Second: "2 minutes", 121 * time.Second: "3 minutes", time.Hour: "60 minutes",
	} {
		if got := inWords(d); got != want {
			t.Errorf("inWords(%s) = %q; want %q", d, got, want)
		}
	}
}
