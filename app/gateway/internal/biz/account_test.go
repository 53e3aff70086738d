package biz

import (
	"context"
	"errors"
	"testing"
	"time"
)

type fakeUsers struct {
	users map[int64]*User
	// banned are the suspended accounts among users.
	banned map[int64]bool
}

func (f fakeUsers) Register(context.Context, string, string) (int64, error) { return 7, nil }
func (f fakeUsers) Login(context.Context, string, string) (int64, error)    { return 7, nil }
func (f fakeUsers) GetUsers(_ context.Context, ids []int64) ([]*User, error) {
	var out []*User
	for _, id := range ids {
		if u, ok := f.users[id]; ok {
			out = append(out, u)
		}
	}
	return out, nil
}

// Account implements AccountRepo: an account accepts tokens issued since its creation second,
// 1000 + its id * 100, unless it is banned.
func (f fakeUsers) Account(_ context.Context, id int64) (*Account, error) {
	if _, ok := f.users[id]; !ok {
		return nil, nil
	}
	return &Account{TokensValidSince: 1000 + id*100, Banned: f.banned[id]}, nil
}

// fakeTokens accepts "token-N" for user N, issued at second 1150.
type fakeTokens struct{}

func (fakeTokens) Issue(id int64) (string, error) { return "token-" + string(rune('0'+id)), nil }
func (fakeTokens) Verify(token string) (int64, time.Time, error) {
	if len(token) == 7 && token[:6] == "token-" {
		return int64(token[6] - '0'), time.Unix(1150, 0), nil
	}
	return 0, time.Time{}, errors.New("bad")
}

func TestViewerAndProfile(t *testing.T) {
	users := fakeUsers{users: map[int64]*User{1: {ID: 1, Name: "me"}, 2: {ID: 2, Name: "you", WorkCount: 5}, 3: {ID: 3, Name: "new"}}}
	users.users[0] = &User{ID: 0, Name: "banned"} // token-0: issued after the account was made
	users.banned = map[int64]bool{0: true}
	uc := NewAccountUsecase(users, users, NewUserJoiner(users, fakeFollows{}, quiet), fakeTokens{}, unthrottled, quiet)
	ctx := context.Background()

	session, err := uc.Register(ctx, "198.51.100.4", "x", "y")
	if err != nil || session.UserID != 7 || session.Token != "token-7" {
		t.Fatalf("Register = %+v, %v; want a session for the new user", session, err)
	}

	tests := []struct {
		name   string
		token  string
		userID int64
		need   bool
		want   string
		err    error
	}{
		{name: "anonymous viewer allowed where optional", token: "", userID: 2, want: "you"},
		{name: "anonymous without user_id", token: "", userID: 0, err: errAnonymousWithoutUser},
		{name: "token required", token: "", userID: 2, need: true, err: ErrLoginRequired},
		{name: "bad token is never anonymous", token: "forged", userID: 2, err: ErrBadToken},
		{name: "no user_id means the viewer", token: "token-1", need: true, want: "me"},
		{name: "someone else", token: "token-1", userID: 2, need: true, want: "you"},
		{name: "unknown user", token: "token-1", userID: 9, need: true, err: errUserNotFound},
		{name: "token of a user that is gone", token: "token-5", need: true, err: ErrBadToken},
		{name: "token of a user that is gone, where a token is optional", token: "token-5", userID: 2, err: ErrBadToken},
		{name: "token issued before its account was made", token: "token-3", userID: 2, err: ErrBadToken},
		{name: "token issued in its account's creation second", token: "token-1", userID: 2, want: "you"},
		{name: "token of a suspended account", token: "token-0", need: true, err: ErrAccountSuspended},
		{name: "token of a suspended account, where a token is optional", token: "token-0", userID: 2, err: ErrAccountSuspended},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			viewer, err := uc.Viewer(ctx, tt.token)
			if tt.need {
				viewer, err = uc.RequireViewer(ctx, tt.token)
			}
			var u *User
			if err == nil {
				u, err = uc.Profile(ctx, viewer, tt.userID)
			}
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err %v; want %v", err, tt.err)
				}
				return
			}
			if err != nil || u.Name != tt.want || (u.ID == 2) != (u.WorkCount == 5) {
				t.Fatalf("Profile = %+v, %v; want %s", u, err, tt.want)
			}
		})
	}
}

// errAccountsAway is the user app failing to say whether an account exists.
var errAccountsAway = errors.New("user app away")

type awayAccounts struct{}

func (awayAccounts) Account(context.Context, int64) (*Account, error) {
	return nil, errAccountsAway
}

// TestFeedViewer: on the feed, and only there, a token that acts for nobody reads as no token,
// so a phone that kept its token across a data reset still sees the feed.
func TestFeedViewer(t *testing.T) {
	users := fakeUsers{users: map[int64]*User{0: {ID: 0, Name: "banned"}, 1: {ID: 1, Name: "me"}, 3: {ID: 3, Name: "new"}}, banned: map[int64]bool{0: true}}
	uc := NewAccountUsecase(users, users, NewUserJoiner(users, fakeFollows{}, quiet), fakeTokens{}, unthrottled, quiet)
	ctx := context.Background()
	tests := []struct {
		name  string
		token string
		want  int64
	}{
		{name: "suspended account", token: "token-0", want: 0},
		{name: "no token", token: "", want: 0},
		{name: "good token", token: "token-1", want: 1},
		{name: "forged or malformed", token: "forged", want: 0},
		{name: "user that is gone", token: "token-5", want: 0},
		{name: "issued before its account was made", token: "token-3", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := uc.FeedViewer(ctx, tt.token)
			if err != nil || got != tt.want {
				t.Fatalf("FeedViewer(%q) = %d, %v; want %d, nil", tt.token, got, err, tt.want)
			}
			// Everywhere else the same token is refused as before.
			if _, err := uc.Viewer(ctx, tt.token); (err != nil) != (tt.want == 0 && tt.token != "") {
				t.Fatalf("Viewer(%q) err = %v", tt.token, err)
			}
			if _, err := uc.RequireViewer(ctx, tt.token); tt.want == 0 && !errors.Is(err, ErrBadToken) && !errors.Is(err, ErrLoginRequired) && !errors.Is(err, ErrAccountSuspended) {
				t.Fatalf("RequireViewer(%q) err = %v; want a refusal", tt.token, err)
			}
		})
	}
	// A token that cannot be checked is not one that acts for nobody: the feed fails rather
	// than hide an outage behind an anonymous page.
	away := NewAccountUsecase(users, awayAccounts{}, nil, fakeTokens{}, unthrottled, quiet)
	if _, err := away.FeedViewer(ctx, "token-1"); !errors.Is(err, errAccountsAway) {
		t.Fatalf("FeedViewer with the user app away: err = %v; want it passed on", err)
	}
}
