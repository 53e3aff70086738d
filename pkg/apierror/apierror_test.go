package apierror

import (
	"fmt"
	"testing"

	"github.com/go-kratos/kratos/v2/errors"

	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
)

func TestNewUsesTheCodeDeclaredInProto(t *testing.T) {
	err := New(userv1.ErrorReason_USERNAME_TAKEN, "username %q is taken", "bob")
	if err.Code != 409 || err.Reason != "USERNAME_TAKEN" || err.Message != `username "bob" is taken` {
		t.Fatalf("got %d %s %q", err.Code, err.Reason, err.Message)
	}
	if got := Code(userv1.ErrorReason_ERROR_REASON_UNSPECIFIED); got != 500 {
		t.Errorf("unspecified reason code = %d, want the enum default 500", got)
	}
}

func TestIsSurvivesWrappingAndGRPC(t *testing.T) {
	err := New(userv1.ErrorReason_USER_NOT_FOUND, "no such user")
	wrapped := fmt.Errorf("login: %w", err)
	overGRPC := errors.FromError(err.GRPCStatus().Err())
	for name, e := range map[string]error{"direct": err, "wrapped": wrapped, "over gRPC": overGRPC} {
		if !Is(e, userv1.ErrorReason_USER_NOT_FOUND) {
			t.Errorf("%s: Is = false", name)
		}
		if Is(e, userv1.ErrorReason_WRONG_PASSWORD) {
			t.Errorf("%s: matched another reason", name)
		}
	}
	if Is(nil, userv1.ErrorReason_USER_NOT_FOUND) {
		t.Error("nil matched")
	}
}
