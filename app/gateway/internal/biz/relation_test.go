package biz

import (
	"context"
	"slices"
	"testing"

	kerrors "github.com/go-kratos/kratos/v2/errors"
)

// fakeFollows says who follows whom: follower -> followees.
type fakeFollows map[int64][]int64

func (f fakeFollows) FollowedAmong(_ context.Context, viewer int64, ids []int64) (map[int64]bool, error) {
	if viewer == 0 {
		// A panic, not an error: a failed is_follow lookup is answered as "follows nobody".
		panic("asked about an anonymous viewer")
	}
	out := map[int64]bool{}
	for _, id := range ids {
		if slices.Contains(f[viewer], id) {
			out[id] = true
		}
	}
	return out, nil
}

// fakeRelations is the relation app: its lists come from follows, newest last in each slice.
type fakeRelations struct {
	fakeFollows
	calls []string
}

func (f *fakeRelations) Follow(_ context.Context, userID, toUserID int64, follow bool) error {
	if follow {
		f.calls = append(f.calls, "follow")
	} else {
		f.calls = append(f.calls, "unfollow")
	}
	return nil
}

func (f *fakeRelations) Following(_ context.Context, userID int64) ([]int64, error) {
	out := slices.Clone(f.fakeFollows[userID])
	slices.Reverse(out)
	return out, nil
}

func (f *fakeRelations) Followers(_ context.Context, userID int64) ([]int64, error) {
	var out []int64
	for follower, followees := range f.fakeFollows {
		if slices.Contains(followees, userID) {
			out = append(out, follower)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (f *fakeRelations) Friends(ctx context.Context, userID int64) ([]int64, error) {
	var out []int64
	for _, id := range f.fakeFollows[userID] {
		if slices.Contains(f.fakeFollows[id], userID) {
			out = append(out, id)
		}
	}
	return out, nil
}

// fakeLatest holds the latest message per peer.
type fakeLatest map[int64]*Message

func (f fakeLatest) Latest(_ context.Context, _ int64, peers []int64) (map[int64]*Message, error) {
	out := map[int64]*Message{}
	for _, p := range peers {
		if m, ok := f[p]; ok {
			out[p] = m
		}
	}
	return out, nil
}

func ids(users []*User) []int64 {
	out := make([]int64, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}

func newRelationFixture() (*RelationUsecase, *fakeRelations) {
	users := fakeUsers{users: map[int64]*User{}}
	for id := int64(1); id <= 5; id++ {
		users.users[id] = &User{ID: id, Name: string(rune('a' + id - 1))}
	}
	rel := &fakeRelations{fakeFollows: fakeFollows{1: {2, 3, 4}, 2: {1}, 3: {1, 2}, 4: {}}}
	latest := fakeLatest{2: {FromUserID: 1, ToUserID: 2, Content: "hi 2"}, 3: {FromUserID: 3, ToUserID: 1, Content: "hi 1"}}
	return NewRelationUsecase(rel, NewUserJoiner(users, rel.fakeFollows, quiet), latest, unthrottled), rel
}

func TestRelationAction(t *testing.T) {
	uc, rel := newRelationFixture()
	ctx := context.Background()
	if err := uc.Action(ctx, 1, 5, 1); err != nil {
		t.Fatal(err)
	}
	if err := uc.Action(ctx, 1, 5, 2); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rel.calls, []string{"follow", "unfollow"}) {
		t.Fatalf("calls %v", rel.calls)
	}
	for _, tt := range []struct {
		to     int64
		action int32
		want   string
	}{
		{5, 3, "action_type must be 1 (follow) or 2 (unfollow)"},
		{5, 0, "action_type must be 1 (follow) or 2 (unfollow)"},
		{0, 1, "to_user_id must be a user id"},
		{-2, 1, "to_user_id must be a user id"},
	} {
		err := uc.Action(ctx, 1, tt.to, tt.action)
		if e := kerrors.FromError(err); e.Code != 400 || e.Message != tt.want {
			t.Errorf("Action(to %d, type %d) = %v; want 400 %q", tt.to, tt.action, err, tt.want)
		}
	}
	if len(rel.calls) != 2 {
		t.Fatalf("refused actions reached the relation app: %v", rel.calls)
	}
}

func TestFollowAndFollowerLists(t *testing.T) {
	uc, _ := newRelationFixture()
	ctx := context.Background()

	following, err := uc.FollowList(ctx, 0, 1)
	if err != nil || !slices.Equal(ids(following), []int64{4, 3, 2}) {
		t.Fatalf("FollowList(1) anonymously = %v, %v; want 4 3 2, newest first", ids(following), err)
	}
	for _, u := range following {
		if u.IsFollow {
			t.Fatalf("an anonymous viewer follows %d", u.ID)
		}
	}
	// Seen by user 3, who follows 1 and 2.
	followers, err := uc.FollowerList(ctx, 3, 1)
	if err != nil || !slices.Equal(ids(followers), []int64{2, 3}) {
		t.Fatalf("FollowerList(1) = %v, %v; want 2 3", ids(followers), err)
	}
	if !followers[0].IsFollow || followers[1].IsFollow {
		t.Fatalf("is_follow as user 3 sees it: %v %v; want true (3 follows 2) false (3 is 3)", followers[0].IsFollow, followers[1].IsFollow)
	}
	own, err := uc.FollowList(ctx, 2, 0)
	if err != nil || !slices.Equal(ids(own), []int64{1}) || !own[0].IsFollow {
		t.Fatalf("FollowList(own) of 2 = %v, %v; want 1, followed", ids(own), err)
	}
	if empty, err := uc.FollowList(ctx, 1, 4); err != nil || len(empty) != 0 {
		t.Fatalf("FollowList(4) = %v, %v; want none", ids(empty), err)
	}
	for _, tt := range []struct {
		viewer, user int64
		code         int32
	}{{0, 0, 400}, {1, -1, 400}, {1, 99, 404}} {
		if _, err := uc.FollowList(ctx, tt.viewer, tt.user); kerrors.FromError(err).Code != tt.code {
			t.Errorf("FollowList(viewer %d, user %d) = %v; want %d", tt.viewer, tt.user, err, tt.code)
		}
		if _, err := uc.FollowerList(ctx, tt.viewer, tt.user); kerrors.FromError(err).Code != tt.code {
			t.Errorf("FollowerList(viewer %d, user %d) = %v; want %d", tt.viewer, tt.user, err, tt.code)
		}
	}
}

func TestFriendList(t *testing.T) {
	uc, _ := newRelationFixture()
	ctx := context.Background()
	friends, err := uc.FriendList(ctx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, f := range friends {
		got = append(got, f.ID)
		if !f.IsFollow {
			t.Errorf("friend %d not followed", f.ID)
		}
	}
	if !slices.Equal(got, []int64{2, 3}) {
		t.Fatalf("FriendList(1) = %v; want 2 3 (4 does not follow back)", got)
	}
	if friends[0].Latest.Content != "hi 2" || friends[1].Latest.Content != "hi 1" {
		t.Fatalf("latest messages %+v %+v", friends[0].Latest, friends[1].Latest)
	}
	if same, err := uc.FriendList(ctx, 1, 1); err != nil || len(same) != 2 {
		t.Fatalf("FriendList(own id) = %d, %v", len(same), err)
	}
	// Not allowed, rather than bad input: 403 like the other refusals of what the viewer may see.
	if _, err := uc.FriendList(ctx, 1, 2); kerrors.FromError(err).Message != "you can only list your own friends" ||
		kerrors.FromError(err).Code != 403 || kerrors.Reason(err) != "PERMISSION_DENIED" {
		t.Fatalf("FriendList(someone else's) = %v", err)
	}
	if none, err := uc.FriendList(ctx, 4, 0); err != nil || len(none) != 0 {
		t.Fatalf("FriendList(4) = %v, %v; want none", none, err)
	}
}

// fakeMessages records what reaches the message app.
type fakeMessages struct {
	fakeLatest
	sent  []string
	polls []int64
}

func (f *fakeMessages) Send(_ context.Context, from, to int64, content string) error {
	f.sent = append(f.sent, content)
	return nil
}

func (f *fakeMessages) Chat(_ context.Context, user, peer, after int64) ([]*Message, error) {
	f.polls = append(f.polls, after)
	return nil, nil
}

func TestMessageRules(t *testing.T) {
	fake := &fakeMessages{}
	users := fakeUsers{users: map[int64]*User{1: {ID: 1}, 2: {ID: 2}}}
	uc := NewMessageUsecase(fake, NewUserJoiner(users, fakeFollows{}, quiet), unthrottled)
	ctx := context.Background()
	if err := uc.Action(ctx, 1, 2, 1, "hello"); err != nil {
		t.Fatal(err)
	}
	if err := uc.Action(ctx, 1, 2, 2, "x"); kerrors.FromError(err).Message != "action_type must be 1 (send)" {
		t.Fatalf("action_type 2: %v", err)
	}
	if err := uc.Action(ctx, 1, 0, 1, "x"); kerrors.FromError(err).Code != 400 {
		t.Fatalf("to_user_id 0: %v", err)
	}
	// Writing to nobody is refused before the message app hears of it.
	if err := uc.Action(ctx, 1, 99, 1, "to nobody"); kerrors.FromError(err).Code != 404 || kerrors.FromError(err).Message != "user not found" {
		t.Fatalf("to an unknown user: %v; want 404 user not found", err)
	}
	if !slices.Equal(fake.sent, []string{"hello"}) {
		t.Fatalf("sent %v", fake.sent)
	}
	for _, pre := range []int64{0, 1_700_000_000_000, -5} {
		if _, err := uc.Chat(ctx, 1, 2, pre); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(fake.polls, []int64{0, 1_700_000_000_000, 0}) {
		t.Fatalf("polls asked with %v; want 0, the time, and 0 for a negative time", fake.polls)
	}
	if _, err := uc.Chat(ctx, 1, -1, 0); kerrors.FromError(err).Code != 400 {
		t.Fatalf("Chat(to -1) = %v", err)
	}
	// Opening a chat with nobody is refused; a poll with a time is not checked (the hot path).
	if _, err := uc.Chat(ctx, 1, 99, 0); kerrors.FromError(err).Code != 404 {
		t.Fatalf("Chat(to an unknown user) = %v; want 404", err)
	}
	if _, err := uc.Chat(ctx, 1, 99, 1_700_000_000_000); err != nil {
		t.Fatalf("a poll with a time: %v", err)
	}
}

// countingUsers refuses batches over the user app's limit, as the real one does.
type countingUsers struct {
	fakeUsers
	batchLimited
}

func (c *countingUsers) GetUsers(ctx context.Context, ids []int64) ([]*User, error) {
	if err := c.check(ids); err != nil {
		return nil, err
	}
	return c.fakeUsers.GetUsers(ctx, ids)
}

func TestJoinSplitsLongLists(t *testing.T) {
	users := &countingUsers{fakeUsers: fakeUsers{users: map[int64]*User{}}}
	var ids []int64
	for id := int64(1); id <= 1234; id++ {
		users.users[id] = &User{ID: id}
		ids = append(ids, id)
	}
	follows := fakeFollows{1: {7, 1200}}
	got, err := NewUserJoiner(users, follows, quiet).Join(context.Background(), 1, ids)
	if err != nil || len(got) != 1234 || users.calls != 3 {
		t.Fatalf("Join of 1234 ids = %d users, %v, in %d calls; want all, in 3", len(got), err, users.calls)
	}
	if !got[7].IsFollow || !got[1200].IsFollow || got[8].IsFollow {
		t.Fatalf("is_follow across batches: 7 %v, 1200 %v, 8 %v", got[7].IsFollow, got[1200].IsFollow, got[8].IsFollow)
	}
}
