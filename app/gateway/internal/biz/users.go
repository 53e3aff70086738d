package biz

import "context"

// UserJoiner builds the user objects of a response with one call to the user app, however
// many users it shows.
type UserJoiner struct {
	users UserRepo
}

// NewUserJoiner returns a UserJoiner.
func NewUserJoiner(users UserRepo) *UserJoiner {
	return &UserJoiner{users: users}
}

// Join returns the users among ids that exist, by id, as viewerID sees them.
func (j *UserJoiner) Join(ctx context.Context, viewerID int64, ids []int64) (map[int64]*User, error) {
	users, err := j.users.GetUsers(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*User, len(users))
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}
