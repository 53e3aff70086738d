// Package apierrortest checks in tests that an error carries the ErrorReason a use case
// promises, the way every app's biz tests assert on errors.
package apierrortest

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/douyin-kratos/douyin/pkg/apierror"
)

// WantReason checks err carries reason, also when wrapped, or, for a nil reason, that there is
// no error: a pointer, so that a test table can say "no error" with its zero value.
func WantReason[R protoreflect.Enum](t testing.TB, what string, err error, reason *R) {
	t.Helper()
	switch {
	case reason == nil && err != nil:
		t.Fatalf("%s: unexpected error %v", what, err)
	case reason != nil && !apierror.Is(err, *reason):
		t.Fatalf("%s: error %v; want reason %v", what, err, *reason)
	}
}
