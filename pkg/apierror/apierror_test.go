package apierror

import (
	"fmt"
	"testing"

	"github.com/go-kratos/kratos/v2/errors"
	"google.golang.org/protobuf/reflect/protoreflect"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	interactionv1 "github.com/douyin-kratos/douyin/api/interaction/v1"
	userv1 "github.com/douyin-kratos/douyin/api/user/v1"
	videov1 "github.com/douyin-kratos/douyin/api/video/v1"
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
		if Is(e, userv1.ErrorReason_WRONG_CREDENTIALS) {
			t.Errorf("%s: matched another reason", name)
		}
	}
	if Is(nil, userv1.ErrorReason_USER_NOT_FOUND) {
		t.Error("nil matched")
	}
}

// Kratos rebuilds an error's code from the gRPC status code, which has no equivalent for many
// HTTP codes (413 and 415 arrive as 500). Every reason the apps declare must survive the trip.
func TestEveryDeclaredCodeSurvivesGRPC(t *testing.T) {
	enums := []protoreflect.EnumType{
		userv1.ErrorReason(0).Type(), videov1.ErrorReason(0).Type(), gatewayv1.ErrorReason(0).Type(),
		interactionv1.ErrorReason(0).Type(),
	}
	for _, et := range enums {
		values := et.Descriptor().Values()
		for i := 0; i < values.Len(); i++ {
			reason := et.New(values.Get(i).Number())
			sent := New(reason, "x")
			got := errors.FromError(sent.GRPCStatus().Err())
			if got.Code != sent.Code || got.Reason != sent.Reason {
				t.Errorf("%s: sent code %d, received %d %s", values.Get(i).FullName(), sent.Code, got.Code, got.Reason)
			}
		}
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 bytes", 512: "512 bytes", 1024: "1 KB", 150000: "146 KB", 1 << 20: "1 MB",
		3 << 19: "1.5 MB", 200 << 20: "200 MB",
	} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
