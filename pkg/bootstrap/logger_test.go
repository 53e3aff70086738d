package bootstrap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-kratos/kratos/v2/log"
)

// hostile is a message a client can put in a log line (a comment, a user name): spaces, quotes,
// '=', a backslash, a newline that would start a forged record, control characters, a character
// that does not print, and text beyond ASCII.
const hostile = "he said \"hi\" a=b c\\d\nlevel=ERROR msg=forged\r\t\x01\x1b[31m\x7f \u2028 emoji 😀 中文"

// parseLogfmt reads one logfmt line strictly: key=value pairs separated by single spaces, keys
// bare, values bare (no space, '=' or '"') or quoted with JSON's escapes, which is what logfmt
// readers (go-logfmt, Loki's logfmt parser) unquote.
func parseLogfmt(line string) (map[string]string, error) {
	kv := map[string]string{}
	for i := 0; i < len(line); {
		eq := strings.IndexByte(line[i:], '=')
		if eq <= 0 {
			return nil, fmt.Errorf("at %d: want key=", i)
		}
		key := line[i : i+eq]
		if strings.ContainsAny(key, " \"") {
			return nil, fmt.Errorf("at %d: bad key %q", i, key)
		}
		i += eq + 1
		var val string
		if i < len(line) && line[i] == '"' {
			end := i + 1
			for ; end < len(line) && line[end] != '"'; end++ {
				if line[end] == '\\' {
					end++
				}
			}
			if end >= len(line) {
				return nil, fmt.Errorf("at %d: unterminated quote", i)
			}
			if err := json.Unmarshal([]byte(line[i:end+1]), &val); err != nil {
				return nil, fmt.Errorf("at %d: %v", i, err)
			}
			i = end + 1
		} else {
			end := strings.IndexByte(line[i:], ' ')
			if end < 0 {
				end = len(line) - i
			}
			val = line[i : i+end]
			if strings.ContainsAny(val, "=\"") {
				return nil, fmt.Errorf("at %d: bare value %q holds '=' or '\"'", i, val)
			}
			i += end
		}
		if _, dup := kv[key]; dup {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		kv[key] = val
		if i < len(line) {
			if line[i] != ' ' {
				return nil, fmt.Errorf("at %d: want a space between pairs", i)
			}
			i++
		}
	}
	return kv, nil
}

func logOneLine(t *testing.T, format string, keyvals ...any) string {
	t.Helper()
	var out bytes.Buffer
	log.NewHelper(newLogger(&out, "test", "info", format)).Infow(keyvals...)
	line, rest, _ := strings.Cut(out.String(), "\n")
	if rest != "" || !strings.HasSuffix(out.String(), "\n") {
		t.Fatalf("want exactly one line, got %q", out.String())
	}
	return line
}

func TestLogfmtLinesParseBack(t *testing.T) {
	line := logOneLine(t, "logfmt", "msg", hostile, "err", errors.New("dial tcp: refused"),
		"n", 42, "empty", "", "key with space", "v", "bad utf8", "a\xffb") // logfmt keys cannot be quoted
	kv, err := parseLogfmt(line)
	if err != nil {
		t.Fatalf("line %q is not logfmt: %v", line, err)
	}
	for k, want := range map[string]string{
		"level": "INFO", "service": "test", "msg": hostile, "err": "dial tcp: refused", "n": "42",
		"empty": "", "bad_utf8": "a\uFFFDb", "key_with_space": "v",
	} {
		if kv[k] != want {
			t.Errorf("%s = %q; want %q (line %q)", k, kv[k], want, line)
		}
	}
	if kv["time"] == "" || kv["caller"] == "" {
		t.Errorf("line %q: want time and caller", line)
	}
	// Nothing that moves a terminal's cursor or colours it is written as is.
	if strings.ContainsAny(line, "\r\t\x01\x1b\x7f\u2028") {
		t.Errorf("line %q holds control characters", line)
	}
}

func TestJSONLinesParse(t *testing.T) {
	line := logOneLine(t, "json", "msg", hostile, "err", errors.New("refused"), "n", 42,
		"ratio", 0.5, "ok", true, "none", nil, "bad utf8", "a\xffb") // JSON keys can hold anything
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("line %q is not JSON: %v", line, err)
	}
	for k, want := range map[string]any{
		"level": "INFO", "service": "test", "msg": hostile, "err": "refused", "n": 42.0,
		"ratio": 0.5, "ok": true, "none": nil, "bad utf8": "a\uFFFDb",
	} {
		if got, ok := m[k]; !ok || got != want {
			t.Errorf("%s = %#v; want %#v (line %q)", k, got, want, line)
		}
	}
	if m["time"] == nil || m["caller"] == nil {
		t.Errorf("line %q: want time and caller", line)
	}
	// The same keys as logfmt, in the same order.
	lf, _ := parseLogfmt(logOneLine(t, "logfmt", "msg", "x"))
	js := logOneLine(t, "json", "msg", "x")
	for k := range lf {
		if !strings.Contains(js, `"`+k+`":`) {
			t.Errorf("logfmt key %q missing from the JSON line %s", k, js)
		}
	}
}
