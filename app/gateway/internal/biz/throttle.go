package biz

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// Rate allows Events per Per on average, and bursts of up to Burst at once.
type Rate struct {
	Events int
	Per    time.Duration
	Burst  int
}

// RateLimiter counts events by key.
type RateLimiter interface {
	// Take counts one event for key, unless that would pass rate: then it counts nothing and
	// returns how long until an event would be allowed (more than zero).
	Take(ctx context.Context, key string, rate Rate) (retryAfter time.Duration, err error)
}

// LoginFailures is what is known of the wrong passwords given for one name from one client.
type LoginFailures struct {
	Count int
	Last  time.Time
}

// LoginFailureStore counts failed logins by key.
type LoginFailureStore interface {
	Get(ctx context.Context, key string) (LoginFailures, error)
	// Add counts a failure at time at; the count is forgotten forgetAfter after its last failure.
	Add(ctx context.Context, key string, at time.Time, forgetAfter time.Duration) error
	Clear(ctx context.Context, key string) error
}

// Action is something a logged-in user does that is throttled per user.
type Action int

// The throttled actions.
const (
	ActionFavorite Action = iota
	ActionComment
	ActionFollow
	ActionPublish
	ActionMessage
)

var actionNames = [...]struct{ key, plural string }{
	// "like" is what the configuration (rate_limit.like), the answers and the shared counters'
	// keys have always said.
	ActionFavorite: {"like", "likes"},
	ActionComment:  {"comment", "comments"},
	ActionFollow:   {"follow", "follows"},
	ActionPublish:  {"publish", "uploads"},
	ActionMessage:  {"message", "messages"},
}

// Throttle decides how often one user may act and one client address may sign up or log in:
// a single user or connection must not be able to flood what everyone shares. A refusal is a
// 429 that says when to try again. When the store of counts cannot be reached, everything is
// allowed (and that is logged): throttling protects the service, it must not take it down.
type Throttle struct {
	enabled  bool
	actions  [len(actionNames)]Rate
	pair     Rate // messages per ordered pair of users
	register Rate
	login    Rate
	failures loginFailurePolicy

	limiter RateLimiter
	store   LoginFailureStore
	// unavailable logs, now and then, that the counts could not be reached.
	unavailable optional
	now         func() time.Time
}

type loginFailurePolicy struct {
	free                         int
	delay, maxDelay, forgetAfter time.Duration
}

// NewThrottle returns the throttle rate_limit configures.
func NewThrottle(cfg *confv1.RateLimit, limiter RateLimiter, store LoginFailureStore, logger log.Logger) *Throttle {
	rate := func(r *confv1.Rate) Rate {
		return Rate{Events: int(r.GetEvents()), Per: r.GetPer().AsDuration(), Burst: int(r.GetBurst())}
	}
	t := &Throttle{
		enabled:  cfg.GetEnabled(),
		pair:     rate(cfg.GetMessagePair()),
		register: rate(cfg.GetRegister()),
		login:    rate(cfg.GetLogin()),
		failures: loginFailurePolicy{
			free:        int(cfg.GetLoginFailures().GetFree()),
			delay:       cfg.GetLoginFailures().GetDelay().AsDuration(),
			maxDelay:    cfg.GetLoginFailures().GetMaxDelay().AsDuration(),
			forgetAfter: cfg.GetLoginFailures().GetForgetAfter().AsDuration(),
		},
		limiter:     limiter,
		store:       store,
		unavailable: newOptional("rate limiting", logger),
		now:         time.Now,
	}
	t.actions[ActionFavorite] = rate(cfg.GetLike())
	t.actions[ActionComment] = rate(cfg.GetComment())
	t.actions[ActionFollow] = rate(cfg.GetFollow())
	t.actions[ActionPublish] = rate(cfg.GetPublish())
	t.actions[ActionMessage] = rate(cfg.GetMessage())
	return t
}

// Act counts one action of userID.
func (t *Throttle) Act(ctx context.Context, action Action, userID int64) error {
	name := actionNames[action]
	return t.take(ctx, name.key+":"+strconv.FormatInt(userID, 10), t.actions[action], "too many "+name.plural)
}

// Message counts one message from one user to another: per sender, and per pair so that one
// conversation cannot use up what the sender may write to everyone.
func (t *Throttle) Message(ctx context.Context, from, to int64) error {
	if err := t.Act(ctx, ActionMessage, from); err != nil {
		return err
	}
	key := "message_pair:" + strconv.FormatInt(from, 10) + ":" + strconv.FormatInt(to, 10)
	return t.take(ctx, key, t.pair, "too many messages to this user")
}

// Register counts one sign-up from a client address (clientip.Key).
func (t *Throttle) Register(ctx context.Context, client string) error {
	return t.take(ctx, "register:"+client, t.register, "too many sign-ups from your network")
}

// StartLogin counts one login attempt from client for username, and refuses it while the
// wrong passwords given for that name from that client must still be waited out: after the
// free ones, each further failure doubles the wait.
func (t *Throttle) StartLogin(ctx context.Context, client, username string) error {
	if err := t.take(ctx, "login:"+client, t.login, "too many login attempts from your network"); err != nil {
		return err
	}
	if !t.enabled {
		return nil
	}
	failed, err := t.store.Get(ctx, failureKey(client, username))
	if err != nil {
		return t.unavailable.settle(ctx, err)
	}
	if wait := t.failures.wait(failed.Count); wait > 0 {
		if left := failed.Last.Add(wait).Sub(t.now()); left > 0 {
			return tooMany("too many wrong passwords for this name", left)
		}
	}
	return nil
}

// FinishLogin records how a login StartLogin allowed ended: err is what the user app answered.
// Only a wrong password counts against the name; a success wipes the count.
func (t *Throttle) FinishLogin(ctx context.Context, client, username string, err error) {
	if !t.enabled {
		return
	}
	key := failureKey(client, username)
	var storeErr error
	switch {
	case err == nil:
		storeErr = t.store.Clear(ctx, key)
	case apierror.Is(err, userv1.ErrorReason_WRONG_CREDENTIALS):
		storeErr = t.store.Add(ctx, key, t.now(), t.failures.forgetAfter)
	}
	_ = t.unavailable.settle(ctx, storeErr)
}

// wait is how long after its last failure a name that failed count times must wait.
func (p loginFailurePolicy) wait(count int) time.Duration {
	over := count - p.free
	if over < 0 || p.delay <= 0 {
		return 0
	}
	if over >= 32 || p.delay > math.MaxInt64>>over {
		return p.maxDelay
	}
	return min(p.delay<<over, p.maxDelay)
}

// failureKey counts every spelling of one name (full-width, extra spaces) as that name.
func failureKey(client, username string) string {
	if canonical, err := userv1.CanonicalName(username); err == nil {
		username = canonical
	}
	return "login_failures:" + client + ":" + username
}

func (t *Throttle) take(ctx context.Context, key string, rate Rate, what string) error {
	if !t.enabled || rate.Events <= 0 || rate.Per <= 0 {
		return nil
	}
	retryAfter, err := t.limiter.Take(ctx, key, rate)
	if err != nil {
		return t.unavailable.settle(ctx, err)
	}
	if retryAfter > 0 {
		return tooMany(what, retryAfter)
	}
	return nil
}

// tooMany is the refusal: what was too much and when to try again, in words.
func tooMany(what string, retryAfter time.Duration) error {
	return apierror.New(gatewayv1.ErrorReason_TOO_MANY_REQUESTS, "%s: please try again in %s", what, inWords(retryAfter))
}

// inWords rounds d up to what a person reads: "1 second", "45 seconds", "3 minutes".
func inWords(d time.Duration) string {
	seconds := int64(math.Ceil(d.Seconds()))
	switch {
	case seconds <= 1:
		return "1 second"
	case seconds < 120:
		return fmt.Sprintf("%d seconds", seconds)
	default:
		return fmt.Sprintf("%d minutes", (seconds+59)/60)
	}
}
