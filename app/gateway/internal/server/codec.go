package server

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// appendJSON writes m the way the Douyin app reads it, which protojson cannot do: keys are the
// proto field names, every field is present (zero values, empty lists as [], unset messages as
// objects of zero values) and 64-bit integers are JSON numbers, not strings.
func appendJSON(b []byte, m protoreflect.Message) ([]byte, error) {
	fields := m.Descriptor().Fields()
	b = append(b, '{')
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, string(fd.Name()))
		b = append(b, ':')
		var err error
		switch {
		case fd.IsMap():
			return nil, fmt.Errorf("field %s: map fields are not part of the Douyin API", fd.FullName())
		case fd.IsList():
			list := m.Get(fd).List()
			b = append(b, '[')
			for j := 0; j < list.Len(); j++ {
				if j > 0 {
					b = append(b, ',')
				}
				if b, err = appendValue(b, fd, list.Get(j)); err != nil {
					return nil, err
				}
			}
			b = append(b, ']')
		default:
			// Get on an unset message field yields an empty message, written as its zero fields.
			if b, err = appendValue(b, fd, m.Get(fd)); err != nil {
				return nil, err
			}
		}
	}
	return append(b, '}'), nil
}

func appendValue(b []byte, fd protoreflect.FieldDescriptor, v protoreflect.Value) ([]byte, error) {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return strconv.AppendBool(b, v.Bool()), nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case protoreflect.EnumKind:
		return strconv.AppendInt(b, int64(v.Enum()), 10), nil
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(b, '0'), nil // JSON has no NaN or Infinity
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64), nil
	case protoreflect.StringKind:
		return appendString(b, v.String()), nil
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return appendJSON(b, v.Message())
	}
	return nil, fmt.Errorf("field %s: kind %s is not part of the Douyin API", fd.FullName(), fd.Kind())
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD, and U+2028/U+2029 are
// escaped so the output is also safe inside JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
