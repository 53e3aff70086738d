package biz

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/log"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/moderation/moderationtest"
)

// fakeRepo is an in-memory UserRepo.
type fakeRepo struct {
	byName  map[string]*Credentials
	users   map[int64]*User
	creates int
	// banned and revoked are the times of each account's ban in force and its last one.
	banned, revoked map[int64]time.Time
}

func newFakeRepo() *fakeRepo {
	return &fakeRepo{byName: map[string]*Credentials{}, users: map[int64]*User{},
		banned: map[int64]time.Time{}, revoked: map[int64]time.Time{}}
}

func (r *fakeRepo) Create(_ context.Context, username, hash string) (int64, error) {
	if _, ok := r.byName[username]; ok {
		return 0, ErrUsernameTaken
	}
	r.creates++
	id := int64(len(r.users) + 1)
	r.byName[username] = &Credentials{UserID: id, PasswordHash: hash}
	r.users[id] = &User{ID: id, Name: username}
	return id, nil
}

func (r *fakeRepo) FindCredentials(_ context.Context, username string) (*Credentials, error) {
	if c, ok := r.byName[username]; ok {
		_, banned := r.banned[c.UserID]
		return &Credentials{UserID: c.UserID, PasswordHash: c.PasswordHash, Banned: banned}, nil
	}
	return nil, ErrUserNotFound
}

func (r *fakeRepo) SetBanned(_ context.Context, id int64, banned bool, at time.Time) (bool, error) {
	if _, ok := r.users[id]; !ok {
		return false, ErrUserNotFound
	}
	if _, was := r.banned[id]; was == banned {
		return false, nil
	}
	if banned {
		r.banned[id], r.revoked[id] = at, at
	} else {
		delete(r.banned, id)
	}
	return true, nil
}

func (r *fakeRepo) GetAccounts(_ context.Context, ids []int64) ([]*Account, error) {
	var out []*Account
	for _, id := range ids {
		if _, ok := r.users[id]; ok {
			out = append(out, &Account{ID: id, CreatedAt: time.Unix(1_700_000_000+id, 5e8), BannedAt: r.banned[id], TokensRevokedAt: r.revoked[id]})
		}
	}
	return out, nil
}

func (r *fakeRepo) GetUsers(_ context.Context, ids []int64) ([]*User, error) {
	var out []*User
	for _, id := range ids {
		if u, ok := r.users[id]; ok {
			c := *u
			out = append(out, &c)
		}
	}
	return out, nil
}

// countingHasher counts the password checks, to show a login does the same work whatever the
// name.
type countingHasher struct {
	*Argon2idHasher
	verifies int
}

func (h *countingHasher) Verify(ctx context.Context, password, hash string) (bool, error) {
	h.verifies++
	return h.Argon2idHasher.Verify(ctx, password, hash)
}

func newUsecase(t *testing.T, repo UserRepo, hasher PasswordHasher) *UserUsecase {
	t.Helper()
	return newUsecaseBlocking(t, repo, hasher, nil)
}

func newUsecaseBlocking(t *testing.T, repo UserRepo, hasher PasswordHasher, blocked moderationtest.Words) *UserUsecase {
	t.Helper()
	uc, err := NewUserUsecase(repo, hasher, blocked, log.DefaultLogger)
	if err != nil {
		t.Fatal(err)
	}
	return uc
}

// A new name with a blocked word is refused, saying so, before anything is looked up, hashed or
// stored; names that hold such a word already still log in.
func TestRegisterRefusesBlockedNames(t *testing.T) {
	ctx := context.Background()
	repo := newFakeRepo()
	hasher := &countingHasher{Argon2idHasher: cheapHasher()}
	if _, err := newUsecase(t, repo, hasher).Register(ctx, "spammer", "pw"); err != nil {
		t.Fatal(err)
	}
	uc := newUsecaseBlocking(t, repo, hasher, moderationtest.Words{"spam", "垃圾"})
	for _, name := range []string{"spam", "i-spam-you", "ｓｐａｍ", "垃圾王", "spammer"} {
		before := repo.creates
		_, err := uc.Register(ctx, name, "pw")
		if !errors.Is(err, ErrUsernameBlocked) || kerrors.Code(err) != 400 ||
			kerrors.FromError(err).Message != "the username contains a word that is not allowed here" {
			t.Errorf("Register(%q) = %v; want ErrUsernameBlocked", name, err)
		}
		if repo.creates != before {
			t.Errorf("Register(%q) stored an account", name)
		}
	}
	// The name is checked as it is stored (full-width folded by CanonicalName), and the taken
	// "spammer" is refused as blocked, not as taken: the answer does not tell it exists.
	if id, err := uc.Login(ctx, "spammer", "pw"); err != nil || id != 1 {
		t.Errorf("Login of a name made before its word was blocked = %d, %v; want it to work", id, err)
	}
	if _, err := uc.Register(ctx, "ham", "pw"); err != nil {
		t.Errorf("Register of a name with no blocked word: %v", err)
	}
}

// cheapHasher keeps the tests fast; the real hasher is tested on its own below.
func cheapHasher() *Argon2idHasher {
	return NewArgon2idHasher(&confv1.PasswordHashing{
		MemoryKib: 64, Iterations: 1, Parallelism: 1, MaxConcurrent: 2,
	})
}

func TestRegisterAndLogin(t *testing.T) {
	ctx := context.Background()
	repo := newFakeRepo()
	hasher := &countingHasher{Argon2idHasher: cheapHasher()}
	uc := newUsecase(t, repo, hasher)

	id, err := uc.Register(ctx, "alice", "pw")
	if err != nil || id != 1 {
		t.Fatalf("Register = %d, %v", id, err)
	}
	if stored := repo.byName["alice"].PasswordHash; stored == "pw" || !strings.HasPrefix(stored, "$argon2id$") {
		t.Fatalf("stored password %q is not an argon2id hash", stored)
	}

	tests := []struct {
		name, username, password string
		login                    bool
		want                     error
		wantMsg                  string
	}{
		{name: "login ok", username: "alice", password: "pw", login: true},
		{name: "wrong password", username: "alice", password: "nope", login: true, want: ErrWrongCredentials},
		{name: "unknown user looks like a wrong password", username: "bob", password: "pw", login: true, want: ErrWrongCredentials},
		{name: "unknown user, even with the decoy's password", username: "bob", password: "", login: true, wantMsg: "password must not be empty"},
		{name: "taken", username: "alice", password: "other", want: ErrUsernameTaken},
		{name: "a full-width variant is the same name", username: "ａlice", password: "other", want: ErrUsernameTaken},
		{name: "surrounding spaces are not part of a name", username: " alice ", password: "other", want: ErrUsernameTaken},
		{name: "login by the name as people read it", username: "ａｌｉｃｅ", password: "pw", login: true},
		{name: "zero-width space", username: "alice\u200b", password: "pw", wantMsg: "username must not contain invisible, control or text-direction characters"},
		{name: "bidi override", username: "\u202ealice", password: "pw", wantMsg: "username must not contain invisible, control or text-direction characters"},
		{name: "only spaces", username: "   ", password: "pw", wantMsg: "username must not be empty"},
		{name: "case still tells names apart", username: "Alice", password: "pw"},
		{name: "spaces inside a name are kept", username: "Ann Lee", password: "pw"},
		{name: "empty username", username: "", password: "pw", wantMsg: "username must not be empty"},
		{name: "long username", username: strings.Repeat("a", 33), password: "pw", wantMsg: "username must be at most 32 characters, got 33"},
		{name: "32 characters of 3 bytes", username: strings.Repeat("抖", 32), password: strings.Repeat("音", 32)},
		{name: "control character", username: "bo\nb", password: "pw", wantMsg: "username must not contain invisible, control or text-direction characters"},
		{name: "invalid UTF-8", username: "bo\xffb", password: "pw", wantMsg: "username is not valid UTF-8"},
		{name: "empty password", username: "carol", password: "", wantMsg: "password must not be empty"},
		{name: "long password", username: "carol", password: strings.Repeat("p", 33), wantMsg: "password must be at most 32 characters, got 33"},
		{name: "spaces are fine inside passwords", username: "dave", password: " p w "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, checks := repo.creates, hasher.verifies
			var err error
			if tt.login {
				_, err = uc.Login(ctx, tt.username, tt.password)
				if tt.wantMsg == "" && hasher.verifies != checks+1 {
					t.Fatalf("login checked %d passwords; want 1 whether or not the name exists", hasher.verifies-checks)
				}
			} else {
				_, err = uc.Register(ctx, tt.username, tt.password)
			}
			switch {
			case tt.wantMsg != "":
				if kerrors.Reason(err) != "INVALID_ARGUMENT" || kerrors.FromError(err).Message != tt.wantMsg {
					t.Fatalf("err %v; want INVALID_ARGUMENT %q", err, tt.wantMsg)
				}
			case tt.want != nil:
				if !errors.Is(err, tt.want) {
					t.Fatalf("err %v; want %v", err, tt.want)
				}
			case err != nil:
				t.Fatal(err)
			}
			if err != nil && repo.creates != before {
				t.Fatal("a refused registration stored an account")
			}
		})
	}
}

func TestGetUsersOrderDefaultsAndLimits(t *testing.T) {
	ctx := context.Background()
	repo := newFakeRepo()
	uc := newUsecase(t, repo, cheapHasher())
	for _, name := range []string{"a", "b", "c"} {
		if _, err := uc.Register(ctx, name, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	repo.users[2].Avatar = "https://cdn.example/own.png"

	users, err := uc.GetUsers(ctx, []int64{3, 0, 42, 1, 3, -1, 2})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	if strings.Join(names, ",") != "c,a,b" {
		t.Fatalf("got %v; want the asked order without repeats or unknown ids", names)
	}
	if users[0].Avatar != "/static/avatar/3.png" || users[0].BackgroundImage != "/static/background/3.png" || users[0].Signature == "" {
		t.Fatalf("defaults not filled: %+v", users[0])
	}
	if users[2].Avatar != "https://cdn.example/own.png" {
		t.Fatalf("an avatar the user set was replaced: %q", users[2].Avatar)
	}

	if users, err := uc.GetUsers(ctx, nil); err != nil || len(users) != 0 {
		t.Fatalf("empty request = %v, %v", users, err)
	}
	if _, err := uc.GetUsers(ctx, oneTooMany()); kerrors.Reason(err) != "INVALID_ARGUMENT" {
		t.Fatalf("oversized batch: %v", err)
	}
}

// oneTooMany is a batch of MaxBatch+1 ids: one more than a batch call takes.
func oneTooMany() []int64 {
	ids := make([]int64, MaxBatch+1)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return ids
}

func TestGetAccounts(t *testing.T) {
	ctx := context.Background()
	repo := newFakeRepo()
	uc := newUsecase(t, repo, cheapHasher())
	for _, name := range []string{"a", "b"} {
		if _, err := uc.Register(ctx, name, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	accounts, err := uc.GetAccounts(ctx, []int64{2, 0, 9, 2, -4})
	if err != nil || len(accounts) != 1 || accounts[0].ID != 2 {
		t.Fatalf("GetAccounts = %+v, %v; want account 2 once", accounts, err)
	}
	// Whole seconds, rounded down: a token issued in the second the account was made is its own.
	if got := accounts[0].TokensValidSince(); got != 1_700_000_002 {
		t.Fatalf("TokensValidSince = %d; want the creation second 1700000002", got)
	}
	if _, err := uc.GetAccounts(ctx, oneTooMany()); kerrors.Reason(err) != "INVALID_ARGUMENT" {
		t.Fatalf("oversized batch: %v", err)
	}
}

func TestBanSuspendsLoginAndRevokesTokens(t *testing.T) {
	ctx := context.Background()
	repo := newFakeRepo()
	uc := newUsecase(t, repo, cheapHasher())
	id, err := uc.Register(ctx, "mallory", "pw")
	if err != nil {
		t.Fatal(err)
	}
	account := func() *Account {
		t.Helper()
		accounts, err := uc.GetAccounts(ctx, []int64{id})
		if err != nil || len(accounts) != 1 {
			t.Fatalf("GetAccounts = %v, %v", accounts, err)
		}
		return accounts[0]
	}
	created := account().TokensValidSince()

	if changed, err := uc.SetBanned(ctx, id, true, "ops"); err != nil || !changed {
		t.Fatalf("ban = %v, %v; want a change", changed, err)
	}
	if changed, err := uc.SetBanned(ctx, id, true, "ops"); err != nil || changed {
		t.Fatalf("second ban = %v, %v; want no change (the first ban stands)", changed, err)
	}
	a := account()
	if !a.Banned() || a.TokensValidSince() != repo.revoked[id].Unix() || a.TokensValidSince() < created {
		t.Fatalf("banned account = %+v (valid since %d); want banned, tokens valid only from the ban", a, a.TokensValidSince())
	}
	// The right password of a banned account says so; a wrong one says nothing of the ban.
	if _, err := uc.Login(ctx, "mallory", "pw"); kerrors.Reason(err) != "ACCOUNT_SUSPENDED" {
		t.Fatalf("login while banned: %v; want ACCOUNT_SUSPENDED", err)
	}
	if _, err := uc.Login(ctx, "mallory", "wrong"); kerrors.Reason(err) != "WRONG_CREDENTIALS" {
		t.Fatalf("wrong password while banned: %v; want WRONG_CREDENTIALS", err)
	}

	if changed, err := uc.SetBanned(ctx, id, false, "ops"); err != nil || !changed {
		t.Fatalf("unban = %v, %v; want a change", changed, err)
	}
	if a := account(); a.Banned() || a.TokensValidSince() != repo.revoked[id].Unix() {
		t.Fatalf("reinstated account = %+v; want not banned, the ban's revocation kept", a)
	}
	if got, err := uc.Login(ctx, "mallory", "pw"); err != nil || got != id {
		t.Fatalf("login after unban = %d, %v", got, err)
	}
	if changed, err := uc.SetBanned(ctx, id, false, "ops"); err != nil || changed {
		t.Fatalf("second unban = %v, %v; want no change", changed, err)
	}
	if _, err := uc.SetBanned(ctx, 999, true, "ops"); kerrors.Reason(err) != "USER_NOT_FOUND" {
		t.Fatalf("ban of no account: %v; want USER_NOT_FOUND", err)
	}
	if _, err := uc.SetBanned(ctx, 0, true, "ops"); kerrors.Reason(err) != "INVALID_ARGUMENT" {
		t.Fatalf("ban of id 0: %v; want INVALID_ARGUMENT", err)
	}
}

func TestArgon2idHasherWithProductionCost(t *testing.T) {
	h := NewArgon2idHasher(&confv1.PasswordHashing{
		MemoryKib: 19456, Iterations: 2, Parallelism: 1,
	})
	ctx := context.Background()
	hash, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not record the configured cost", hash)
	}
	if ok, err := h.Verify(ctx, "correct horse", hash); err != nil || !ok {
		t.Fatalf("Verify(right) = %v, %v", ok, err)
	}
	if ok, err := h.Verify(ctx, "correct hors", hash); err != nil || ok {
		t.Fatalf("Verify(wrong) = %v, %v", ok, err)
	}
	// A hash made with other parameters still verifies: stored hashes carry their own cost.
	if ok, err := cheapHasher().Verify(ctx, "correct horse", hash); err != nil || !ok {
		t.Fatalf("verify with other configured cost = %v, %v", ok, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	busy := cheapHasher()
	busy.slots <- struct{}{}
	busy.slots <- struct{}{}
	if _, err := busy.Hash(cancelled, "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a caller that gave up still waited for a slot: %v", err)
	}
}

func BenchmarkArgon2idLogin(b *testing.B) {
	h := NewArgon2idHasher(&confv1.PasswordHashing{
		MemoryKib: 19456, Iterations: 2, Parallelism: 1,
	})
	hash, _ := h.Hash(context.Background(), "password")
	for b.Loop() {
		if ok, _ := h.Verify(context.Background(), "password", hash); !ok {
			b.Fatal("mismatch")
		}
	}
}
