package biz

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	kerrors "github.com/go-kratos/kratos/v2/errors"
	"github.com/go-kratos/kratos/v2/log"
)

// takedownApps records what reached the apps.
type takedownApps struct {
	calls  []string
	banned map[int64]bool
	fail   error
}

func (a *takedownApps) SetBanned(_ context.Context, id int64, ban bool, operator string) (bool, error) {
	a.calls = append(a.calls, "ban "+itoa(id)+" by "+operator)
	if a.fail != nil {
		return false, a.fail
	}
	changed := a.banned[id] != ban
	a.banned[id] = ban
	return changed, nil
}

func (a *takedownApps) DeleteVideo(_ context.Context, id int64, operator string) (int64, error) {
	a.calls = append(a.calls, "delete video "+itoa(id)+" by "+operator)
	return 1, a.fail
}

func (a *takedownApps) RemoveComment(_ context.Context, id int64, operator string) (int64, error) {
	a.calls = append(a.calls, "remove comment "+itoa(id)+" by "+operator)
	return 1, a.fail
}

func TestTakedowns(t *testing.T) {
	ctx := context.Background()
	apps := &takedownApps{banned: map[int64]bool{}}
	var logged bytes.Buffer
	uc := NewTakedownUsecase(apps, apps, apps, log.NewStdLogger(&logged))
	ops := Operator{Name: "alice@laptop", Client: "127.0.0.1"}

	out, err := uc.Ban(ctx, ops, 42, true)
	if err != nil || !out.Changed || out.Message != "user banned: they cannot log in and their tokens are refused" {
		t.Fatalf("ban = %+v, %v", out, err)
	}
	if out, err = uc.Ban(ctx, ops, 42, true); err != nil || out.Changed || out.Message != "user was banned already" {
		t.Fatalf("second ban = %+v, %v", out, err)
	}
	if out, err = uc.Ban(ctx, ops, 42, false); err != nil || !out.Changed {
		t.Fatalf("unban = %+v, %v", out, err)
	}
	if out, err = uc.Ban(ctx, ops, 42, false); err != nil || out.Changed || out.Message != "user was not banned" {
		t.Fatalf("second unban = %+v, %v", out, err)
	}
	if out, err = uc.DeleteVideo(ctx, ops, 7); err != nil || !out.Changed || out.Message != "video deleted" {
		t.Fatalf("delete video = %+v, %v", out, err)
	}
	if out, err = uc.DeleteComment(ctx, ops, 9); err != nil || !out.Changed || out.Message != "comment deleted" {
		t.Fatalf("delete comment = %+v, %v", out, err)
	}

	// Refused before anything reaches an app: no name, a name too long or with control
	// characters (it goes into the log), an id that cannot be one.
	before := len(apps.calls)
	for _, bad := range []struct {
		op Operator
		id int64
	}{
		{Operator{Name: ""}, 1},
		{Operator{Name: strings.Repeat("é", MaxOperatorName+1)}, 1},
		{Operator{Name: "eve\nmsg=forged"}, 1},
		{Operator{Name: "eve\x1b[31m"}, 1},
		{ops, 0},
		{ops, -3},
	} {
		if _, err := uc.DeleteVideo(ctx, bad.op, bad.id); kerrors.Reason(err) != "INVALID_PARAMETER" {
			t.Errorf("delete video %d by %q: %v; want INVALID_PARAMETER", bad.id, bad.op.Name, err)
		}
	}
	if len(apps.calls) != before {
		t.Fatalf("refused actions reached the apps: %v", apps.calls[before:])
	}
	if _, err := uc.DeleteVideo(ctx, Operator{Name: strings.Repeat("é", MaxOperatorName)}, 1); err != nil {
		t.Fatalf("a name of %d characters: %v", MaxOperatorName, err)
	}

	// An app's refusal passes through unchanged, and is logged.
	apps.fail = kerrors.NotFound("USER_NOT_FOUND", "user not found")
	if _, err := uc.Ban(ctx, ops, 999, true); !errors.Is(err, apps.fail) {
		t.Fatalf("ban of nobody: %v; want the user app's refusal", err)
	}

	lines := strings.Split(strings.TrimSpace(logged.String()), "\n")
	wantAudit := []string{
		"action=ban-user id=42 operator=alice@laptop client=127.0.0.1 changed=true",
		"action=ban-user id=42 operator=alice@laptop client=127.0.0.1 changed=false",
		"action=unban-user id=42 operator=alice@laptop client=127.0.0.1 changed=true",
		"action=unban-user id=42 operator=alice@laptop client=127.0.0.1 changed=false",
		"action=delete-video id=7 operator=alice@laptop client=127.0.0.1 changed=true",
		"action=delete-comment id=9 operator=alice@laptop client=127.0.0.1 changed=true",
	}
	for i, want := range wantAudit {
		if i >= len(lines) || !strings.Contains(lines[i], "msg=admin action "+want) {
			t.Fatalf("audit line %d: %q; want %q in it\nlog:\n%s", i, lines[min(i, len(lines)-1)], want, logged.String())
		}
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "action=ban-user id=999") || !strings.Contains(last, "user not found") || !strings.HasPrefix(last, "WARN") {
		t.Fatalf("the refused ban's audit line: %q", last)
	}
	if n := strings.Count(logged.String(), "msg=admin action"); n != len(wantAudit)+6+1+1 {
		t.Fatalf("%d audit lines; want one per attempt (%d)\n%s", n, len(wantAudit)+8, logged.String())
	}
}
