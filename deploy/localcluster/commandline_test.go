package localcluster

import (
	"os/exec"
	"strings"
	"testing"
)

// TestShellQuote: what CommandLine prints survives a POSIX shell unchanged.
func TestShellQuote(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"plain", "127.0.0.1:9000", "root:@tcp(127.0.0.1:3306)/douyin_local_user?charset=utf8mb4&parseTime=true",
		"it's", "", "a b", "$HOME", `back\slash`} {
		out, err := exec.Command("sh", "-c", "printf %s "+shellQuote(s)).Output()
		if err != nil || string(out) != s {
			t.Errorf("shellQuote(%q) = %s: the shell read %q (%v)", s, shellQuote(s), out, err)
		}
	}
	if q := shellQuote("/usr/bin/user"); strings.ContainsAny(q, `'"`) {
		t.Errorf("a plain path is quoted: %s", q)
	}
}
