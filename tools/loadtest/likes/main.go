// Command likes checks, after make load's likes and unlikes, what users see of them: that every
// count they moved is exact once their events are applied (counts.go), and how long one user's
// like takes to show in the count another user sees (delay.go). It exits 1 when a count is
// wrong.
package main

import (
	"flag"
	"log"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18888", "the server's HTTP address")
	usersFile := flag.String("users", "", `file of the load's users, "id token" a line`)
	wait := flag.Duration("wait", 10*time.Second, "how long the counts may take to agree")
	video := flag.Int64("video", 0, "id of a video on the first feed page, liked to time the delay")
	rounds := flag.Int("rounds", 20, "likes to time")
	flag.Parse()
	users, err := readUsers(*usersFile)
	if err != nil || len(users) < 3 {
		log.Fatalf("need at least 3 users in %q: %v", *usersFile, err)
	}
	c := client{base: "http://" + *addr, token: users[0].token}
	exact, err := countsExact(c, users, *wait)
	if err != nil {
		log.Fatal(err)
	}
	// Likes by the second user, seen by the third.
	if err := timeDelay(c, users[1].token, users[2].token, *video, *rounds); err != nil {
		log.Fatal(err)
	}
	if !exact {
		os.Exit(1)
	}
}
