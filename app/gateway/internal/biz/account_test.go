package biz

import (
	"context"
	"errors"
	"testing"
)

type fakeUsers struct{ users map[int64]*User }

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

// fakeTokens accepts "token-N" for user N.
type fakeTokens struct{}

func (fakeTokens) Issue(id int64) (string, error) { return "token-" + string(rune('0'+id)), nil }
func (fakeTokens) Verify(token string) (int64, error) {
	if len(token) == 7 && token[:6] == "token-" {
		return int64(token[6] - '0'), nil
	}
	return 0, errors.New("bad")
}

func TestViewerAndProfile(t *testing.T) {
	users := fakeUsers{users: map[int64]*User{1: {ID: 1, Name: "me"}, 2: {ID: 2, Name: "you", WorkCount: 5}}}
	uc := NewAccountUsecase(users, NewUserJoiner(users, fakeFollows{}, quiet), fakeTokens{})
	ctx := context.Background()

	session, err := uc.Register(ctx, "x", "y")
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			viewer, err := uc.Viewer(tt.token)
			if tt.need {
				viewer, err = uc.RequireViewer(tt.token)
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
