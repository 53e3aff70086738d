package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadLayers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "app.yaml")
	if err := os.WriteFile(file, []byte("http_addr: 127.0.0.1:7000\nauth:\n  token_ttl: 1h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOUYIN_DATA_DIR", "/var/lib/douyin")
	t.Setenv("DOUYIN_AUTH_PASSWORD_HASHING_ITERATIONS", "3")
	t.Setenv("DOUYIN_SERVICES_CALL_TIMEOUT", "250ms")
	t.Setenv("DOUYIN_TRACING_SAMPLE_RATIO", "0.25")

	bc, _, err := Load(file, "grpc_addr: 127.0.0.1:9001\nhttp_addr: 127.0.0.1:6000")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"default kept", bc.Database.Driver, "sqlite"},
		{"overlay", bc.GrpcAddr, "127.0.0.1:9001"},
		{"file beats overlay", bc.HttpAddr, "127.0.0.1:7000"},
		{"file duration", bc.Auth.TokenTtl.AsDuration(), time.Hour},
		{"default next to file key", bc.Auth.PasswordHashing.MemoryKib, uint32(19456)},
		{"env string", bc.DataDir, "/var/lib/douyin"},
		{"env nested uint", bc.Auth.PasswordHashing.Iterations, uint32(3)},
		{"env duration", bc.Services.CallTimeout.AsDuration(), 250 * time.Millisecond},
		{"env double", bc.Tracing.SampleRatio, 0.25},
		{"default list bound", bc.Lists.MaxItems, int32(1000)},
		{"default gRPC message bound", bc.Services.MaxMessageBytes, int32(16 << 20)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLoadRejectsUnknownKeysAndBadEnv(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "typo.yaml")
	if err := os.WriteFile(file, []byte("htp_addr: :1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(file); err == nil {
		t.Error("a misspelled key was accepted")
	}
	t.Setenv("DOUYIN_AUTH_TOKEN_TTL", "forever")
	if _, _, err := Load(""); err == nil {
		t.Error("an unparsable duration in the environment was accepted")
	}
}

func TestLoadRejectsBoundsThatCannotWork(t *testing.T) {
	for _, tt := range []struct{ env, value, want string }{
		{"DOUYIN_LISTS_MAX_ITEMS", "0", "config lists.max_items: want at least 1, got 0"},
		{"DOUYIN_LISTS_MAX_ITEMS", "-5", "config lists.max_items: want at least 1, got -5"},
		{"DOUYIN_SERVICES_MAX_MESSAGE_BYTES", "0", "config services.max_message_bytes: want at least 1, got 0"},
	} {
		t.Run(tt.env+"="+tt.value, func(t *testing.T) {
			t.Setenv(tt.env, tt.value)
			if _, _, err := Load(""); err == nil || err.Error() != tt.want {
				t.Fatalf("Load = %v; want %q", err, tt.want)
			}
		})
	}
	t.Setenv("DOUYIN_LISTS_MAX_ITEMS", "1")
	t.Setenv("DOUYIN_SERVICES_MAX_MESSAGE_BYTES", "1")
	if bc, _, err := Load(""); err != nil || bc.GetLists().GetMaxItems() != 1 || bc.GetServices().GetMaxMessageBytes() != 1 {
		t.Fatalf("Load with the smallest bounds = %v, %v; want them taken", bc, err)
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "app.yaml")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// A mistake in the -conf file is reported at its line and column in that file, not at an offset
// in the JSON the layers are merged into.
func TestLoadPointsAtTheFileLine(t *testing.T) {
	for _, tt := range []struct{ name, yaml, want string }{
		{"unknown top-level key", "data_dir: /tmp\nhtp_addr: :1\n",
			`app.yaml:2:1: unknown setting "htp_addr" (did you mean http_addr?)`},
		{"unknown nested key", "log:\n  level: info\n  formt: json\n",
			`app.yaml:3:3: unknown setting "log.formt" (did you mean log.format?)`},
		{"unknown key, nothing near", "log:\n  colour: red\n",
			`app.yaml:2:3: unknown setting "log.colour"`},
		{"number for a string", "http:\n  trusted_proxies: 8080\n",
			`app.yaml:2:20: http.trusted_proxies: want a string, got "8080"`},
		{"string for a number", "lists:\n  max_items: many\n",
			`app.yaml:2:14: lists.max_items: want a number, got "many"`},
		{"bad duration", "auth:\n  token_ttl: forever\n",
			`app.yaml:2:14: auth.token_ttl: time: invalid duration "forever"`},
		{"scalar for a section", "database: mysql\n",
			`app.yaml:1:11: database: want a mapping of settings, got "mysql"`},
		{"syntax", "log:\n  level: info\n bad\n",
			`app.yaml: yaml: line 2: did not find expected key`}, // yaml.v3 gives no column here
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, tt.yaml)
			_, _, err := Load(file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v; want it to contain %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), file) {
				t.Errorf("Load = %v; want the file name %s in it", err, file)
			}
		})
	}
	// What the checks must not refuse: camelCase names (protojson takes them), null values, an
	// empty file, a whole number for a fraction.
	file := writeFile(t, "httpAddr: 127.0.0.1:1\nlog:\nredis:\n  cache_ttl: 1m\ntracing:\n  sample_ratio: 1\n")
	if bc, _, err := Load(file); err != nil || bc.HttpAddr != "127.0.0.1:1" || bc.Log.Level != "info" {
		t.Fatalf("Load = %v, %v", bc, err)
	}
	if _, _, err := Load(writeFile(t, "# nothing\n")); err != nil {
		t.Fatalf("empty file: %v", err)
	}
}

// A DOUYIN_* variable that names no setting is not silently ignored: Load names it, with the
// setting it most likely meant, in one warning. Variables read by tests are not settings and
// are not named.
func TestLoadWarnsAboutUnknownVariables(t *testing.T) {
	t.Setenv("DOUYIN_HTTP_ADR", ":1")
	t.Setenv("DOUYIN_NO_SUCH_THING", "1")
	t.Setenv("DOUYIN_LOG", "debug") // a section, not a setting
	t.Setenv("DOUYIN_TEST_MYSQL_DSN", "root:@tcp(127.0.0.1:3306)/")
	t.Setenv("DOUYIN_HTTP_ADDR", "127.0.0.1:1")
	_, warnings, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	want := "ignoring environment variables that name no setting: DOUYIN_HTTP_ADR (did you mean DOUYIN_HTTP_ADDR?), " +
		"DOUYIN_LOG, DOUYIN_NO_SUCH_THING"
	if len(warnings) != 1 || warnings[0] != want {
		t.Fatalf("warnings = %q; want [%q]", warnings, want)
	}
}

func TestLoadWarnsAboutNothingByDefault(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, EnvPrefix) {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	t.Setenv("DOUYIN_TEST_CHROMIUM", "/usr/bin/chromium")
	t.Setenv("DOUYIN_TEST_REDIS_ADDR", "127.0.0.1:6379")
	if _, warnings, err := Load(""); err != nil || len(warnings) != 0 {
		t.Fatalf("Load = %q, %v; want no warnings", warnings, err)
	}
}

// Settings the chosen driver or format cannot do without, or choices that do not exist, are
// refused at start, naming the variable that sets them.
func TestLoadRefusesIncompleteChoices(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"DOUYIN_DATABASE_DRIVER": "mysql"},
			"config database.dsn (DOUYIN_DATABASE_DSN) is required when database.driver is mysql"},
		{map[string]string{"DOUYIN_DATABASE_DRIVER": "postgres"},
			`config database.driver (DOUYIN_DATABASE_DRIVER) "postgres": want sqlite or mysql`},
		{map[string]string{"DOUYIN_LOG_LEVEL": "verbose"},
			`config log.level (DOUYIN_LOG_LEVEL) "verbose": want debug, info, warn or error`},
		{map[string]string{"DOUYIN_LOG_FORMAT": "xml"},
			`config log.format (DOUYIN_LOG_FORMAT) "xml": want logfmt or json`},
	} {
		t.Run(tt.want, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if _, _, err := Load(""); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Load = %v; want %q", err, tt.want)
			}
		})
	}
	t.Setenv("DOUYIN_DATABASE_DRIVER", "mysql")
	t.Setenv("DOUYIN_DATABASE_DSN", "root:@tcp(127.0.0.1:3306)/douyin")
	t.Setenv("DOUYIN_LOG_FORMAT", "json")
	if bc, _, err := Load(""); err != nil || bc.Log.Format != "json" {
		t.Fatalf("Load = %v, %v", bc, err)
	}
}

// The shipped example files pass the stricter checks.
func TestDeployConfigsLoad(t *testing.T) {
	files, err := filepath.Glob("../../deploy/config/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no deploy/config files: %v", err)
	}
	for _, f := range files {
		if _, _, err := Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// A list setting is a YAML list in a file, and comma-separated in its variable, which replaces
// the file's list whole.
func TestLoadLists(t *testing.T) {
	file := writeFile(t, "moderation:\n  blocked_words: [spam, \"scam, fraud\", 垃圾]\n")
	bc, _, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(bc.GetModeration().GetBlockedWords(), "|"); got != "spam|scam, fraud|垃圾" {
		t.Errorf("from the file: %q", got)
	}
	for _, tt := range []struct{ env, want string }{
		{" spam , eggs,,ham ", "spam|eggs|ham"},
		{"", ""}, // set but empty: no words, not the file's
	} {
		t.Setenv("DOUYIN_MODERATION_BLOCKED_WORDS", tt.env)
		bc, _, err := Load(file)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(bc.GetModeration().GetBlockedWords(), "|"); got != tt.want {
			t.Errorf("DOUYIN_MODERATION_BLOCKED_WORDS=%q: got %q, want %q", tt.env, got, tt.want)
		}
	}
	for _, tt := range []struct{ name, yaml, want string }{
		{"a string for a list", "moderation:\n  blocked_words: spam\n",
			`app.yaml:2:18: moderation.blocked_words: want a list of strings, got "spam"`},
		{"a number in the list", "moderation:\n  blocked_words: [spam, 42]\n",
			`app.yaml:2:25: moderation.blocked_words: want a string, got "42" (quote it: "42")`},
		{"a list for a string", "moderation:\n  blocked_words_file: [a]\n",
			`app.yaml:2:23: moderation.blocked_words_file: want a single value, got a list`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := Load(writeFile(t, tt.yaml)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v; want it to contain %q", err, tt.want)
			}
		})
	}
}
