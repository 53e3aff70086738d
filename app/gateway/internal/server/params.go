package server

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// maxFormBytes bounds an urlencoded body; the API's parameters are a few hundred bytes.
const maxFormBytes = 64 << 10

// decodeParams fills the scalar fields of msg from the request's parameters, each looked up by
// its proto field name: in the query string first (where the app puts them, even on POST), then
// in an urlencoded body. A repeated key takes its first value. Integer fields accept any
// notation of an exact integer, because clients that read ids as doubles send "1e+06".
func decodeParams(r *http.Request, msg protoreflect.Message) error {
	query := r.URL.Query()
	var form url.Values
	if r.Method == http.MethodPost && r.Body != nil {
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
			r.Body = http.MaxBytesReader(nil, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				return fmt.Errorf("the form body could not be read: %v", err)
			}
			form = r.PostForm
		}
	}
	fields := msg.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		name := string(fd.Name())
		raw, ok := first(query, name)
		if !ok {
			raw, ok = first(form, name)
		}
		if !ok || fd.IsList() || fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.BytesKind {
			continue
		}
		if raw == "" && fd.Kind() != protoreflect.StringKind {
			continue // "user_id=" is how some clients write a missing number
		}
		v, err := parseScalar(fd, raw)
		if err != nil {
			return err
		}
		msg.Set(fd, v)
	}
	return nil
}

func first(values url.Values, key string) (string, bool) {
	if vs := values[key]; len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

func parseScalar(fd protoreflect.FieldDescriptor, raw string) (protoreflect.Value, error) {
	name := fd.Name()
	switch fd.Kind() {
	case protoreflect.StringKind:
		// Proto strings must be UTF-8; refusing here gives a clear message instead of a failed
		// internal call.
		if !utf8.ValidString(raw) {
			return protoreflect.Value{}, fmt.Errorf("%s is not valid UTF-8 text", name)
		}
		return protoreflect.ValueOfString(raw), nil
	case protoreflect.BoolKind:
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return protoreflect.Value{}, fmt.Errorf("%s must be true or false, got %q", name, clip(raw))
		}
		return protoreflect.ValueOfBool(b), nil
	case protoreflect.Int64Kind:
		n, err := parseInteger(raw, 64)
		if err != nil {
			return protoreflect.Value{}, fmt.Errorf("%s must be an integer, got %q", name, clip(raw))
		}
		return protoreflect.ValueOfInt64(n), nil
	case protoreflect.Int32Kind:
		n, err := parseInteger(raw, 32)
		if err != nil {
			return protoreflect.Value{}, fmt.Errorf("%s must be an integer, got %q", name, clip(raw))
		}
		return protoreflect.ValueOfInt32(int32(n)), nil
	}
	return protoreflect.Value{}, fmt.Errorf("parameter %s of kind %s is not supported", name, fd.Kind())
}

// parseInteger accepts an integer written plainly ("1680703713") or in decimal float notation
// ("1.680703713e+09", "1e+06", "12.0"), provided the value is exactly an integer that fits in
// bits. It works on the digits rather than through float64, so "1.0000000000000001" (not an
// integer) is refused and large ids keep every digit.
func parseInteger(raw string, bits int) (int64, error) {
	s := strings.TrimSpace(raw)
	if n, err := strconv.ParseInt(s, 10, bits); err == nil {
		return n, nil
	}
	if s == "" || len(s) > 64 {
		return 0, strconv.ErrSyntax
	}
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	mantissa, exponent := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 40 || e < -40 {
			return 0, strconv.ErrSyntax
		}
		mantissa, exponent = s[:i], e
	}
	intPart, fracPart, _ := strings.Cut(mantissa, ".")
	digits := intPart + fracPart
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	// The value is digits * 10^(exponent - len(fracPart)).
	shift := exponent - len(fracPart)
	digits = strings.TrimLeft(digits, "0")
	for shift < 0 && strings.HasSuffix(digits, "0") {
		digits = digits[:len(digits)-1]
		shift++
	}
	if digits == "" {
		return 0, nil
	}
	if shift < 0 {
		return 0, strconv.ErrSyntax // a fraction remains
	}
	if len(digits)+shift > 19 {
		return 0, strconv.ErrRange
	}
	digits += strings.Repeat("0", shift)
	if neg {
		digits = "-" + digits
	}
	return strconv.ParseInt(digits, 10, bits)
}

// clip shortens a value quoted back in an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
