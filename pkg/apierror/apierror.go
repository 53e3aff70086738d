// Package apierror builds Kratos errors from the ErrorReason enums declared in api/*/v1.
//
// Each enum value carries its status code in the (errors.code) option, so the proto is the one
// place that says which code a reason has; this replaces protoc-gen-go-errors, which cannot be
// installed here.
package apierror

import (
	"fmt"

	"github.com/go-kratos/kratos/v2/errors"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// New returns an error for reason whose message is shown to people as is.
func New(reason protoreflect.Enum, format string, args ...any) *errors.Error {
	return errors.New(Code(reason), Reason(reason), fmt.Sprintf(format, args...))
}

// Is reports whether err (or what it wraps) is a Kratos error with reason, also after it crossed
// gRPC.
func Is(err error, reason protoreflect.Enum) bool {
	return err != nil && errors.Reason(err) == Reason(reason)
}

// Reason is the string form of reason carried on the wire.
func Reason(reason protoreflect.Enum) string {
	return string(reason.Descriptor().Values().ByNumber(reason.Number()).Name())
}

// Code is the status code declared for reason, falling back to the enum's default_code.
func Code(reason protoreflect.Enum) int {
	value := reason.Descriptor().Values().ByNumber(reason.Number())
	if code := proto.GetExtension(value.Options(), errors.E_Code).(int32); code != 0 {
		return int(code)
	}
	if code := proto.GetExtension(reason.Descriptor().Options(), errors.E_DefaultCode).(int32); code != 0 {
		return int(code)
	}
	return errors.UnknownCode
}

// Bytes writes a size for a message people read: "200 MB", "1.5 MB", "146 KB", "512 bytes"
// (a KB is 1024 bytes, a MB 1024 KB).
func Bytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
