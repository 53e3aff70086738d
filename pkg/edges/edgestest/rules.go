package edgestest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/douyin-kratos/douyin/pkg/apierror/apierrortest"
)

// Announcement is the event of a change of an edge (FavoriteChanged, FollowChanged).
type Announcement interface {
	proto.Message
	GetDelta() int32
	GetOccurredAt() int64
	GetEventId() string
}

// WantSetRule checks an edge's rule of change (biz Favorite.Set, Follow.Set), decide. Asked for
// the state that holds, it keeps it and announces nothing, so however often a change is asked
// for it counts once; asked for a change, it makes it and announces it with delta +1 (made) or
// -1 (removed), a time, and no event id yet (the outbox gives it). about says whether an
// announcement is of the edge decide decides about.
func WantSetRule[E Announcement](t *testing.T, decide func(holds, want bool) (bool, E), about func(E) bool) {
	t.Helper()
	for _, tt := range []struct {
		holds, want bool
		delta       int32 // 0: no event
	}{
		{holds: false, want: true, delta: 1},
		{holds: true, want: false, delta: -1},
		{holds: true, want: true},   // setting twice counts once
		{holds: false, want: false}, // removing what was never set
	} {
		next, ev := decide(tt.holds, tt.want)
		if next != tt.want {
			t.Errorf("decide(holds=%v, want=%v) stores holds=%v; want %v", tt.holds, tt.want, next, tt.want)
		}
		// A nil message of the event's type is an invalid one: no event.
		announced := ev.ProtoReflect().IsValid()
		if tt.delta == 0 {
			if announced {
				t.Errorf("decide(holds=%v, want=%v) announces %v; a no-op announces nothing", tt.holds, tt.want, ev)
			}
			continue
		}
		if !announced || !about(ev) || ev.GetDelta() != tt.delta || ev.GetOccurredAt() <= 0 || ev.GetEventId() != "" {
			t.Errorf("decide(holds=%v, want=%v) announces %v; want the edge's event, delta %d, a time, and no id yet (the outbox gives it)",
				tt.holds, tt.want, ev, tt.delta)
		}
	}
}

// AmongCase is a question to a use case's batch lookup: which of IDs Viewer has an edge to.
type AmongCase struct {
	Name   string
	Viewer int64
	IDs    []int64
	Want   []int64 // in the order asked
}

// WantAmong checks a use case's batch lookup, among (FavoritedAmong, FollowedAmong), over a
// repository in which viewer 1 has edges to held (ascending, each at most maxBatch) and
// lookups counts the lookups. Each of cases is answered with one lookup. So are maxBatch ids,
// and more are refused with the reason invalid, without one. An anonymous (0) or a negative
// viewer has no edges, and no ids have none: neither costs a lookup.
func WantAmong[R protoreflect.Enum](t *testing.T, among func(ctx context.Context, viewer int64, ids []int64) ([]int64, error),
	lookups func() int, held []int64, maxBatch int, invalid R, cases ...AmongCase) {
	t.Helper()
	many := make([]int64, maxBatch+1)
	for i := range many {
		many[i] = int64(i + 1)
	}
	type check struct {
		AmongCase
		reason  *R
		lookups int
	}
	var checks []check
	for _, c := range cases {
		checks = append(checks, check{c, nil, 1})
	}
	checks = append(checks,
		check{AmongCase{Name: "anonymous viewer has none, no lookup", Viewer: 0, IDs: held}, nil, 0},
		check{AmongCase{Name: "negative viewer has none, no lookup", Viewer: -3, IDs: held}, nil, 0},
		check{AmongCase{Name: "no ids, no lookup", Viewer: 1}, nil, 0},
		check{AmongCase{Name: fmt.Sprintf("exactly %d ids", maxBatch), Viewer: 1, IDs: many[:maxBatch], Want: held}, nil, 1},
		check{AmongCase{Name: fmt.Sprintf("more than %d ids is invalid", maxBatch), Viewer: 1, IDs: many}, &invalid, 0},
	)
	for _, c := range checks {
		t.Run(c.Name, func(t *testing.T) {
			before := lookups()
			got, err := among(context.Background(), c.Viewer, c.IDs)
			apierrortest.WantReason(t, "Among", err, c.reason)
			if !slices.Equal(got, c.Want) {
				t.Fatalf("Among(%d, %d ids) = %v; want %v", c.Viewer, len(c.IDs), got, c.Want)
			}
			if n := lookups() - before; n != c.lookups {
				t.Fatalf("%d repository lookups; want %d", n, c.lookups)
			}
		})
	}
}
