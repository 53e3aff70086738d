package buildinfo

import (
	"runtime"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	got := Info{Version: "v1.2.3", Revision: "abc", Time: "2026-12-04T22:00:00Z", Modified: true, GoVersion: "go1.26.0"}.String()
	want := "v1.2.3 revision abc (modified) committed 2026-12-04T22:00:00Z go1.26.0"
	if got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	// A test binary has no VCS stamp: still a version and the toolchain.
	if s := Get().String(); !strings.HasSuffix(s, runtime.Version()) || Get().Version == "" {
		t.Errorf("Get().String() = %q", s)
	}
}
