package data

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/user/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/database/databasetest"
)

// The same contract holds for every store the repository runs on.
func TestUserRepo(t *testing.T) {
	databasetest.ForEach(t, runUserRepoContract, databasetest.OnSQLite, databasetest.OnMySQLRedis)
}

func openRepo(t *testing.T, bc *confv1.Bootstrap) *UserRepo {
	t.Helper()
	data := databasetest.OpenData(t, bc, NewData)
	return NewUserRepo(data, bc.GetRedis())
}

func runUserRepoContract(t *testing.T, bc *confv1.Bootstrap) {
	ctx := context.Background()
	repo := openRepo(t, bc)

	beforeAlice := time.Now().Truncate(time.Second)
	alice, err := repo.Create(ctx, "alice", "hash-a")
	if err != nil {
		t.Fatal(err)
	}
	afterAlice := time.Now()
	long := strings.Repeat("抖", 32)
	bobs := map[string]int64{}
	for _, name := range []string{"Alice", long, "bob"} {
		id, err := repo.Create(ctx, name, "hash-"+name)
		if err != nil {
			t.Fatalf("create %q: %v", name, err)
		}
		bobs[name] = id
	}

	t.Run("names are unique, compared exactly", func(t *testing.T) {
		if _, err := repo.Create(ctx, "alice", "other"); !errors.Is(err, biz.ErrUsernameTaken) {
			t.Fatalf("duplicate create: %v; want ErrUsernameTaken", err)
		}
		if bobs["Alice"] == alice {
			t.Fatal("Alice and alice share an account")
		}
		creds, err := repo.FindCredentials(ctx, "alice")
		if err != nil || creds.UserID != alice || creds.PasswordHash != "hash-a" {
			t.Fatalf("FindCredentials(alice) = %+v, %v: the failed duplicate changed the account", creds, err)
		}
	})

	t.Run("32 multi-byte characters are stored whole", func(t *testing.T) {
		creds, err := repo.FindCredentials(ctx, long)
		if err != nil || creds.UserID != bobs[long] {
			t.Fatalf("FindCredentials(long) = %+v, %v", creds, err)
		}
		users, err := repo.GetUsers(ctx, []int64{bobs[long]})
		if err != nil || len(users) != 1 || users[0].Name != long {
			t.Fatalf("GetUsers = %+v, %v", users, err)
		}
	})

	t.Run("unknown name", func(t *testing.T) {
		if _, err := repo.FindCredentials(ctx, "nobody"); !errors.Is(err, biz.ErrUserNotFound) {
			t.Fatalf("err %v; want ErrUserNotFound", err)
		}
	})

	t.Run("GetUsers skips unknown ids, and cached reads equal fresh ones", func(t *testing.T) {
		ids := []int64{bobs["bob"], 999_999, alice}
		for round := 0; round < 2; round++ { // the second round is served by the cache
			users, err := repo.GetUsers(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int64]string{}
			for _, u := range users {
				got[u.ID] = u.Name
				u.Name = "mutated by a caller" // must not reach the cache
			}
			if len(got) != 2 || got[alice] != "alice" || got[bobs["bob"]] != "bob" {
				t.Fatalf("round %d: %v", round, got)
			}
		}
	})

	t.Run("GetAccounts tells when each account was made, skipping unknown ids", func(t *testing.T) {
		accounts, err := repo.GetAccounts(ctx, []int64{alice, 999_999})
		if err != nil || len(accounts) != 1 || accounts[0].ID != alice {
			t.Fatalf("GetAccounts = %+v, %v; want alice's only", accounts, err)
		}
		if made := accounts[0].CreatedAt; made.Before(beforeAlice) || made.After(afterAlice) {
			t.Fatalf("alice made at %v; want between %v and %v", made, beforeAlice, afterAlice)
		}
	})

	t.Run("a ban suspends the account once, revokes its tokens and survives an unban's lifting", func(t *testing.T) {
		at := time.Now().Add(time.Hour).Truncate(time.Second) // later than any creation time
		if changed, err := repo.SetBanned(ctx, bobs["bob"], true, at); err != nil || !changed {
			t.Fatalf("ban = %v, %v; want a change", changed, err)
		}
		if changed, err := repo.SetBanned(ctx, bobs["bob"], true, at.Add(time.Hour)); err != nil || changed {
			t.Fatalf("second ban = %v, %v; want none", changed, err)
		}
		creds, err := repo.FindCredentials(ctx, "bob")
		if err != nil || !creds.Banned {
			t.Fatalf("credentials of banned bob = %+v, %v; want Banned", creds, err)
		}
		accounts, err := repo.GetAccounts(ctx, []int64{bobs["bob"]})
		if err != nil || len(accounts) != 1 || !accounts[0].Banned() || accounts[0].TokensValidSince() != at.Unix() {
			t.Fatalf("banned bob's account = %+v, %v; want banned, tokens valid from %d (the first ban)", accounts, err, at.Unix())
		}
		if changed, err := repo.SetBanned(ctx, bobs["bob"], false, time.Now()); err != nil || !changed {
			t.Fatalf("unban = %v, %v; want a change", changed, err)
		}
		accounts, err = repo.GetAccounts(ctx, []int64{bobs["bob"]})
		if err != nil || len(accounts) != 1 || accounts[0].Banned() || accounts[0].TokensValidSince() != at.Unix() {
			t.Fatalf("reinstated bob's account = %+v, %v; want not banned, tokens still valid only from the ban", accounts, err)
		}
		if creds, err := repo.FindCredentials(ctx, "bob"); err != nil || creds.Banned {
			t.Fatalf("credentials of reinstated bob = %+v, %v", creds, err)
		}
		if changed, err := repo.SetBanned(ctx, bobs["bob"], false, time.Now()); err != nil || changed {
			t.Fatalf("second unban = %v, %v; want none", changed, err)
		}
		if _, err := repo.SetBanned(ctx, 999_999, true, at); !errors.Is(err, biz.ErrUserNotFound) {
			t.Fatalf("ban of no account: %v; want ErrUserNotFound", err)
		}
	})

	t.Run("concurrent registrations of one name: exactly one wins", func(t *testing.T) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, taken := 0, 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := repo.Create(ctx, "racer", "h")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, biz.ErrUsernameTaken):
					taken++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || taken != 7 {
			t.Fatalf("%d created, %d refused; want 1 and 7", wins, taken)
		}
	})

	t.Run("a reopened store has everything", func(t *testing.T) {
		again := openRepo(t, bc)
		if creds, err := again.FindCredentials(ctx, "alice"); err != nil || creds.UserID != alice {
			t.Fatalf("after reopen: %+v, %v", creds, err)
		}
	})
}
