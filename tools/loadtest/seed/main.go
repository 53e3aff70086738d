// Command seed fills a stopped all-in-one's data dir (or, with -mysql, the MySQL databases of a
// cluster) with fixture videos for load tests.
//
// Publishing 10,000 real files would spend minutes in ffmpeg, and a load test measures reads.
// So the videos the instance already published (the demo clips) are cloned as rows: every
// clone points at real objects, has its own publish millisecond, and is spread over the
// registered users as authors, whose work_count it sets to match. Only for load tests: it writes
// the apps' tables directly.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/glebarez/go-sqlite"
	_ "github.com/go-sql-driver/mysql"
)

// stores opens the apps' databases: SQLite files under a data dir, or MySQL databases named by
// a DSN template.
type stores struct {
	dataDir string
	// mysql is a DSN with "{app}" where the app's name goes; empty for SQLite.
	mysql string
}

func (s stores) open(app string) (*sql.DB, error) {
	if s.mysql != "" {
		return sql.Open("mysql", strings.ReplaceAll(s.mysql, "{app}", app))
	}
	return sql.Open("sqlite", filepath.Join(s.dataDir, app+".db")+"?_pragma=busy_timeout(10000)")
}

// now is the dialect's current timestamp.
func (s stores) now() string {
	if s.mysql != "" {
		return "NOW()"
	}
	return "datetime('now')"
}

func main() {
	dataDir := flag.String("data", "", "data dir of a stopped all-in-one")
	mysql := flag.String("mysql", "", `instead of -data: a MySQL DSN with {app} for the app's name, e.g. "root:@tcp(127.0.0.1:3306)/douyin_{app}"`)
	videos := flag.Int("videos", 10000, "rows to add")
	authors := flag.Int("authors", 50, "spread the videos over user ids 1..authors")
	users := flag.String("users", "", `file of "id token" lines: the users to seed conversations between`)
	conversations := flag.Int("conversations", 1000, "conversations to add between pairs of -users")
	messages := flag.Int("messages", 1000, "messages in each conversation")
	pairs := flag.String("pairs", "", `file to write "token peer_id" lines to, one per conversation`)
	flag.Parse()
	st := stores{dataDir: *dataDir, mysql: *mysql}
	if err := seed(st, *videos, *authors); err != nil {
		log.Fatal(err)
	}
	if *users != "" && *conversations > 0 {
		if err := seedChats(st, *users, *pairs, *conversations, *messages); err != nil {
			log.Fatal(err)
		}
	}
}

func seed(st stores, n, authors int) error {
	db, err := st.open("video")
	if err != nil {
		return err
	}
	defer db.Close()

	var keys [][2]string
	var oldest int64
	rows, err := db.Query("SELECT play_key, cover_key, published_at FROM videos ORDER BY published_at")
	if err != nil {
		return err
	}
	for rows.Next() {
		var k [2]string
		var at int64
		if err := rows.Scan(&k[0], &k[1], &at); err != nil {
			return err
		}
		if len(keys) == 0 {
			oldest = at
		}
		keys = append(keys, k)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(keys) == 0 {
		return fmt.Errorf("no videos to clone: start the all-in-one once with DOUYIN_DEMO=true, or publish one")
	}

	tx, err := db.Begin()
	if err != nil {
		return err
	}
	insert, err := tx.Prepare(`INSERT INTO videos (author_id, title, play_key, cover_key, published_at, created_at)
		VALUES (?, ?, ?, ?, ?, ` + st.now() + `)`)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		k := keys[i%len(keys)]
		// A second apart, all older than the real videos.
		at := oldest - int64(n-i)*1000
		if _, err := insert.Exec(i%authors+1, fmt.Sprintf("Load test video %d", i), k[0], k[1], at); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if err := setWorkCounts(db, st); err != nil {
		return err
	}
	fmt.Printf("added %d videos by %d authors\n", n, authors)
	return nil
}

// setWorkCounts writes each author's number of videos into the user app's table, as the
// events of real publishes would have.
func setWorkCounts(videos *sql.DB, st stores) error {
	users, err := st.open("user")
	if err != nil {
		return err
	}
	defer users.Close()
	rows, err := videos.Query("SELECT author_id, COUNT(*) FROM videos GROUP BY author_id")
	if err != nil {
		return err
	}
	counts := map[int64]int64{}
	for rows.Next() {
		var author, n int64
		if err := rows.Scan(&author, &n); err != nil {
			return err
		}
		counts[author] = n
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for author, n := range counts {
		if _, err := users.Exec("UPDATE users SET work_count = ? WHERE id = ?", n, author); err != nil {
			return fmt.Errorf("set work_count of user %d: %w", author, err)
		}
	}
	return nil
}

// seedChats adds conversations between pairs of users, each of n messages alternating in
// direction a second apart, all in the past, in the message app's tables. It writes the pairs
// to pairsFile so a load test can poll them.
func seedChats(st stores, usersFile, pairsFile string, conversations, n int) error {
	type user struct {
		id    int64
		token string
	}
	raw, err := os.ReadFile(usersFile)
	if err != nil {
		return err
	}
	var users []user
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var u user
		if _, err := fmt.Sscan(line, &u.id, &u.token); err != nil {
			return fmt.Errorf("%s: %q: %w", usersFile, line, err)
		}
		users = append(users, u)
	}
	var pairs [][2]user
	for i := 0; i < len(users) && len(pairs) < conversations; i++ {
		for j := i + 1; j < len(users) && len(pairs) < conversations; j++ {
			pairs = append(pairs, [2]user{users[i], users[j]})
		}
	}
	if len(pairs) < conversations {
		return fmt.Errorf("%d users make only %d conversations", len(users), len(pairs))
	}

	db, err := st.open("message")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	insert, err := tx.Prepare(`INSERT INTO messages (user_low, user_high, from_user_id, to_user_id, content, create_time)
		VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	conversation, err := tx.Prepare(`INSERT INTO conversations (user_low, user_high, last_time) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	start := time.Now().Add(-time.Duration(n+60) * time.Second).UnixMilli()
	var out strings.Builder
	for _, p := range pairs {
		low, high := p[0].id, p[1].id
		if low > high {
			low, high = high, low
		}
		at := start
		for k := range n {
			from, to := p[k%2], p[(k+1)%2]
			at = start + int64(k)*1000
			if _, err := insert.Exec(low, high, from.id, to.id, fmt.Sprintf("message %d", k), at); err != nil {
				return err
			}
		}
		if _, err := conversation.Exec(low, high, at); err != nil {
			return err
		}
		fmt.Fprintf(&out, "%s %d\n", p[0].token, p[1].id)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	fmt.Printf("added %d conversations of %d messages\n", conversations, n)
	if pairsFile == "" {
		return nil
	}
	return os.WriteFile(pairsFile, []byte(out.String()), 0o644)
}
