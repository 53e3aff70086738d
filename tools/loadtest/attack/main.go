// Command attack plays one hostile client against a server on this machine for a while, so
// that the load test can measure what ordinary users get meanwhile (tools/loadtest/attacks.sh).
// Every request loop is bounded by -duration, and it only ever dials the -addr given, which
// must be a loopback address.
//
//	-mode comments   users post 500-emoji comments as fast as they are answered
//	-mode logins     wrong passwords for one name, as fast as they are answered
//	-mode slowheader connections that send half a header, then a byte now and then
//	-mode idle       connections that send nothing, reopened as the server closes them
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18888", "the server's HTTP address (loopback only)")
	mode := flag.String("mode", "", "comments, logins, slowheader or idle")
	conns := flag.Int("conns", 8, "concurrent requests (comments, logins) or connections held (slowheader, idle)")
	duration := flag.Duration("duration", 20*time.Second, "how long to attack")
	tokensFile := flag.String("tokens", "", "comments: file of user tokens, one a line")
	video := flag.Int64("video", 0, "comments: the video to comment on")
	name := flag.String("name", "load1", "logins: the name to guess passwords of")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		log.Fatalf("-addr %q: attack only a server on this machine (a loopback address)", *addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()

	var answered, failed atomic.Int64
	var wg sync.WaitGroup
	switch *mode {
	case "comments":
		tokens, err := os.ReadFile(*tokensFile)
		if err != nil {
			log.Fatal(err)
		}
		list := strings.Fields(string(tokens))
		text := strings.Repeat("😀", 500)
		for i := range *conns {
			wg.Go(func() {
				token := list[i%len(list)]
				q := url.Values{"token": {token}, "video_id": {fmt.Sprint(*video)}, "action_type": {"1"}, "comment_text": {text}}
				hammer(ctx, "http://"+*addr+"/douyin/comment/action/?"+q.Encode(), &answered, &failed)
			})
		}
	case "logins":
		for i := range *conns {
			wg.Go(func() {
				q := url.Values{"username": {*name}, "password": {fmt.Sprint("guess-", i)}}
				hammer(ctx, "http://"+*addr+"/douyin/user/login/?"+q.Encode(), &answered, &failed)
			})
		}
	case "slowheader", "idle":
		for range *conns {
			wg.Go(func() { hold(ctx, *addr, *mode == "slowheader", &answered, &failed) })
		}
	default:
		log.Fatalf("-mode %q: want comments, logins, slowheader or idle", *mode)
	}
	wg.Wait()
	what := "requests answered"
	if *mode == "slowheader" || *mode == "idle" {
		what = "connections the server closed"
	}
	fmt.Printf("attack %s: %d %s, %d failed to connect or send, in %s\n", *mode, answered.Load(), what, failed.Load(), *duration)
}

// hammer POSTs u until ctx ends, counting answers and transport failures.
func hammer(ctx context.Context, u string, answered, failed *atomic.Int64) {
	client := &http.Client{Timeout: 10 * time.Second}
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				failed.Add(1)
				time.Sleep(10 * time.Millisecond)
			}
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		answered.Add(1)
	}
}

// hold keeps one connection open on addr until ctx ends, opening another each time the server
// closes it. A slow one sends half a header, then one more header byte every few seconds.
func hold(ctx context.Context, addr string, slow bool, closed, failed *atomic.Int64) {
	var d net.Dialer
	for ctx.Err() == nil {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() == nil {
				failed.Add(1)
				time.Sleep(100 * time.Millisecond)
			}
			continue
		}
		done := make(chan struct{})
		go func() {
			_, _ = io.Copy(io.Discard, c) // returns once the server closes the connection
			close(done)
		}()
		if slow {
			_, _ = io.WriteString(c, "GET /douyin/feed/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		}
		tick := time.NewTicker(3 * time.Second)
	held:
		for {
			select {
			case <-ctx.Done():
				break held
			case <-done:
				closed.Add(1)
				break held
			case <-tick.C:
				if slow {
					_, _ = io.WriteString(c, "x")
				}
			}
		}
		tick.Stop()
		c.Close()
	}
}
