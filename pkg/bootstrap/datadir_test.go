package bootstrap

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/douyin-kratos/douyin/pkg/buildinfo"
)

// The refusal says who holds the directory and what to do about it; releasing lets the next
// process in. (The lock itself, and a killed holder, are tested in pkg/dirlock.)
func TestLockDataDir(t *testing.T) {
	dir := t.TempDir()
	unlock, err := LockDataDir(dir, "allinone")
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockDataDir(dir, "allinone")
	if err == nil {
		t.Fatal("a second lock of the same name succeeded")
	}
	want := "data dir " + dir + " is in use by process " + strconv.Itoa(os.Getpid())
	if msg := err.Error(); !strings.Contains(msg, want) || !strings.Contains(msg, "DOUYIN_DATA_DIR") {
		t.Errorf("refusal %q, want it to contain %q and DOUYIN_DATA_DIR", msg, want)
	}
	// Apps of other names keep other files in the directory.
	unlockUser, err := LockDataDir(dir, "user")
	if err != nil {
		t.Fatalf("another name: %v", err)
	}
	unlockUser()
	unlock()
	unlock, err = LockDataDir(dir, "allinone")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	unlock()

	if unlock, err := LockDataDir("", "allinone"); err != nil {
		t.Errorf("no data dir: %v", err)
	} else {
		unlock()
	}
}

func TestServiceVersion(t *testing.T) {
	for _, tc := range []struct {
		in   buildinfo.Info
		want string
	}{
		{buildinfo.Info{Version: "v1.2.0", Revision: "abc"}, "v1.2.0"},
		{buildinfo.Info{Version: "(devel)", Revision: "abc", Modified: true}, "(devel) abc (modified)"},
		{buildinfo.Info{Version: "(devel)"}, "(devel)"},
	} {
		if got := serviceVersion(tc.in); got != tc.want {
			t.Errorf("serviceVersion(%+v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
