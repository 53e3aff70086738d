package config

import (
	"os"
	"path/filepath"
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

	bc, err := Load(file, "grpc_addr: 127.0.0.1:9001\nhttp_addr: 127.0.0.1:6000")
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
	if _, err := Load(file); err == nil {
		t.Error("a misspelled key was accepted")
	}
	t.Setenv("DOUYIN_AUTH_TOKEN_TTL", "forever")
	if _, err := Load(""); err == nil {
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
			if _, err := Load(""); err == nil || err.Error() != tt.want {
				t.Fatalf("Load = %v; want %q", err, tt.want)
			}
		})
	}
	t.Setenv("DOUYIN_LISTS_MAX_ITEMS", "1")
	t.Setenv("DOUYIN_SERVICES_MAX_MESSAGE_BYTES", "1")
	if bc, err := Load(""); err != nil || bc.GetLists().GetMaxItems() != 1 || bc.GetServices().GetMaxMessageBytes() != 1 {
		t.Fatalf("Load with the smallest bounds = %v, %v; want them taken", bc, err)
	}
}
