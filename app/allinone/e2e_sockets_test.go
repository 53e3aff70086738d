package allinone_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestOnlyThePublicAndAdminAddressesListen checks that the all-in-one's embedded Kafka broker,
// S3 store and gRPC apps answer nobody outside the process: with every one of them in use (the
// demo publishing its clips, a clip played through /objects/, a like counted through Kafka),
// the only sockets the process holds are its HTTP and admin listeners and the connections
// clients made to them. Any other local process, or a web page through the browser, could
// otherwise read, overwrite or delete the videos and inject events.
func TestOnlyThePublicAndAdminAddressesListen(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the process's sockets from /proc")
	}
	s := startServer(t, t.TempDir(), "DOUYIN_DEMO=true")
	video := s.waitDemoVideos(t)[0]

	resp, err := client.Get(s.baseURL + video.playPath)
	if err != nil {
		t.Fatal(err)
	}
	clip, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || len(clip) == 0 {
		t.Fatalf("GET %s: HTTP %d, %d bytes, %v; want the clip", video.playPath, resp.StatusCode, len(clip), err)
	}

	_, token := registeredID(t, s.post(t, "/douyin/user/register/", creds("viewer", "viewer-pw")))
	assertJSON(t, s.post(t, favActionPath, favAction(token, video.id, true)), favOK)
	// Someone else's feed shows the like once the video app has consumed its event.
	for deadline := time.Now().Add(5 * time.Second); feedFavoriteCount(t, s, video.id) != 1; {
		if time.Now().After(deadline) {
			t.Fatalf("video %d: favorite_count in an anonymous feed is still not 1 after 5s", video.id)
		}
		time.Sleep(20 * time.Millisecond)
	}

	ports := map[int]string{port(t, s.baseURL): "the HTTP address", port(t, s.adminURL): "the admin address"}
	listening := map[int]bool{}
	for _, sock := range processSockets(t, s.cmd.Process.Pid) {
		switch {
		case sock.proto == "udp" || sock.proto == "udp6":
			t.Errorf("the process holds a %s socket on port %d", sock.proto, sock.localPort)
		case sock.state == tcpListen:
			if ports[sock.localPort] == "" {
				t.Errorf("the process listens on %s port %d, which is neither its HTTP nor its admin address", sock.proto, sock.localPort)
			}
			listening[sock.localPort] = true
		case ports[sock.localPort] == "":
			t.Errorf("the process holds a %s connection between its port %d and port %d, on neither its HTTP nor its admin address", sock.proto, sock.localPort, sock.remotePort)
		}
	}
	for p, what := range ports {
		if !listening[p] {
			t.Errorf("the process does not listen on port %d, %s: is the socket scan blind?", p, what)
		}
	}
}

// feedFavoriteCount is the favorite_count of a video on the first page of an anonymous feed.
func feedFavoriteCount(t *testing.T, s *server, videoID int64) int64 {
	t.Helper()
	var page struct {
		VideoList []struct {
			ID            int64 `json:"id"`
			FavoriteCount int64 `json:"favorite_count"`
		} `json:"video_list"`
	}
	body := s.get(t, "/douyin/feed/", nil)
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("feed: %v: %s", err, body)
	}
	for _, v := range page.VideoList {
		if v.ID == videoID {
			return v.FavoriteCount
		}
	}
	t.Fatalf("video %d is not on the first page of the feed: %s", videoID, body)
	return 0
}

func port(t *testing.T, baseURL string) int {
	t.Helper()
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatalf("%s has no port", baseURL)
	}
	return p
}

// tcpListen is the state of a listening socket in /proc/net/tcp.
const tcpListen = "0A"

// inetSocket is one line of /proc/<pid>/net/{tcp,tcp6,udp,udp6}.
type inetSocket struct {
	proto                 string
	localPort, remotePort int
	state                 string
}

// processSockets returns the IPv4 and IPv6 sockets the process pid holds open: the sockets of
// its network namespace whose inodes its file descriptors point at.
func processSockets(t *testing.T, pid int) []inetSocket {
	t.Helper()
	proc := filepath.Join("/proc", strconv.Itoa(pid))
	fds, err := os.ReadDir(filepath.Join(proc, "fd"))
	if err != nil {
		t.Fatal(err)
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		// A descriptor closed since the listing has no link left; it holds nothing now.
		target, err := os.Readlink(filepath.Join(proc, "fd", fd.Name()))
		if inode, ok := strings.CutPrefix(target, "socket:["); err == nil && ok {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	var out []inetSocket
	for _, proto := range []string{"tcp", "tcp6", "udp", "udp6"} {
		f, err := os.Open(filepath.Join(proc, "net", proto))
		if err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(f)
		lines.Scan() // the header
		for lines.Scan() {
			// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
			fields := strings.Fields(lines.Text())
			if len(fields) < 10 || !inodes[fields[9]] {
				continue
			}
			out = append(out, inetSocket{proto: proto, localPort: hexPort(t, fields[1]), remotePort: hexPort(t, fields[2]), state: fields[3]})
		}
		err = lines.Err()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// hexPort reads the port of an address as /proc/net/tcp writes it: "0100007F:1F90".
func hexPort(t *testing.T, addr string) int {
	t.Helper()
	_, hexPort, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("socket address %q: %v", addr, err)
	}
	p, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		t.Fatalf("socket address %q: %v", addr, err)
	}
	return int(p)
}
