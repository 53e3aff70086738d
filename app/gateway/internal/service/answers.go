package service

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"google.golang.org/protobuf/proto"

	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
	"github.com/douyin-kratos/douyin/app/gateway/internal/encoded"
)

// answers keeps the answers to reads (a feed page, a profile, a list, a chat) until the next
// change counted anywhere in the system (biz.Changes). What many read and few change is then
// assembled once per change rather than once per request, and an answer is still never older
// than the last change counted before the request: the user who acted sees their change at once,
// and so does everyone else. Only complete, successful answers are kept, within a budget of
// bytes.
type answers struct {
	changes biz.Changes
	kept    *lru.Cache[string, *answer]
	// keeping serialises the changes to kept, so that bytes is exactly their sizes.
	keeping sync.Mutex
	bytes   int64
	budget  int64 // answerBudget; smaller in tests
}

type answer struct {
	count int64
	// at is when count was read, before the rows: what orders two answers to one key (a count
	// that Redis lost restarts at a random value, which may be lower).
	at time.Time
	// expires bounds the answer's age (answerLifetime).
	expires time.Time
	// from is the time the answer was read for (a feed page's latest_time, a chat poll's
	// pre_msg_time): what tells whether it answers a request for another time (see keep's fits).
	from int64
	msg  proto.Message
	size int
	// body is msg's JSON, kept by the server the first time it writes msg.
	body encoded.Body
}

const (
	// answerBudget bounds the memory of the answers kept, as answerCost estimates it.
	answerBudget = 32 << 20
	// maxKeptAnswer keeps one answer from taking much of the budget, yet keeps a list at its
	// bound (lists.max_items, 1,000 users: about 0.7 MB as answerCost counts), which the most
	// followed users' lists are.
	maxKeptAnswer = 1 << 20
	maxAnswers    = 1 << 15
	// maxAnswerAge bounds an answer's life when a change could not be counted (Redis
	// unreachable at that moment) or an app counts its changes elsewhere (misconfigured).
	maxAnswerAge = 10 * time.Second
)

// answerLifetime is how long an answer kept now may be used: between three quarters of
// maxAnswerAge and all of it, at random. Answers kept together (every viewer's feed after a
// change) would otherwise all expire in the same instant and be assembled again at once: in the
// cluster, where assembling a logged-in feed takes four calls to other apps, that burst every
// ten seconds was the logged-in feed's p99.
func answerLifetime() time.Duration {
	return maxAnswerAge - rand.N(maxAnswerAge/4)
}

func newAnswers(changes biz.Changes) *answers {
	a := &answers{changes: changes, budget: answerBudget}
	a.kept, _ = lru.NewWithEvict(maxAnswers, func(_ string, e *answer) { a.bytes -= int64(e.size) })
	return a
}

// keep answers from what was kept under key at the current count of changes (changes, one of
// a.changes) when there is such an answer and fits says it fits (nil: any does), and otherwise
// runs load and keeps its answer, with from (see answer.from). ctx is the request's. A nil
// count keeps nothing.
func keep[T proto.Message](ctx context.Context, a *answers, changes biz.Counter, key string, from int64, fits func(kept T, from int64) bool, load func(ctx context.Context) (T, error)) (T, error) {
	if changes == nil {
		return load(ctx)
	}
	// The count is read before the rows: rows read after it are at least as new as every
	// change it counts.
	countedAt := time.Now()
	count, err := changes.Count(ctx)
	if err != nil {
		return load(ctx) // the count is unknown: nothing can be kept or reused
	}
	if e, ok := a.kept.Get(key); ok && e.count == count && countedAt.Before(e.expires) {
		if kept := e.msg.(T); fits == nil || fits(kept, e.from) {
			encoded.Offer(ctx, &e.body)
			return kept, nil
		}
	}
	ctx, degraded := biz.NoteDegraded(ctx)
	msg, err := load(ctx)
	if err != nil || degraded() {
		return msg, err
	}
	size := answerCost(key, msg)
	if size > maxKeptAnswer {
		return msg, nil
	}
	a.keeping.Lock()
	defer a.keeping.Unlock()
	if newer, ok := a.kept.Peek(key); ok && newer.at.After(countedAt) {
		// A slower read must not replace what a later one kept. Told by when the counts were
		// read, not by their values: comparing values, a count restarted lower (Redis lost it)
		// kept every answer kept before from being replaced, and so from being kept, for good.
		return msg, nil
	}
	a.kept.Remove(key) // an answer replaced in place would not be subtracted
	e := &answer{count: count, at: countedAt, expires: countedAt.Add(answerLifetime()), from: from, msg: msg, size: size}
	a.kept.Add(key, e)
	encoded.Offer(ctx, &e.body)
	a.bytes += int64(size)
	for a.bytes > a.budget {
		if _, _, ok := a.kept.RemoveOldest(); !ok {
			break
		}
	}
	return msg, nil
}

// answerCost estimates the memory an answer takes when kept: its message, held as Go structs,
// and its JSON are each about twice its protobuf encoding, and a small answer's fixed costs
// (the entry, the list's element, the key) outweigh its content. Counting only the encoding let
// a flood of distinct keys (one Host header per request) grow the process far past its budget
// (the README's measured section has the figures).
func answerCost(key string, msg proto.Message) int {
	const perEntry = 512
	return 4*proto.Size(msg) + len(key) + perEntry
}

// answerKey is the key of a read's answer: the method, who asks, its parameters and, when links
// are made from the request's host, the host.
func (s *DouyinService) answerKey(ctx context.Context, method string, viewer int64, params ...int64) string {
	b := make([]byte, 0, 64)
	b = append(b, method...)
	b = append(b, '|')
	b = strconv.AppendInt(b, viewer, 10)
	for _, p := range params {
		b = append(b, '|')
		b = strconv.AppendInt(b, p, 10)
	}
	if s.publicURL == "" {
		b = append(b, '|')
		b = append(b, s.absoluteURL(ctx, "/")...)
	}
	return string(b)
}
