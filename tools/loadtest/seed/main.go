// Command seed fills a stopped all-in-one's data dir (or, with -mysql, the MySQL databases of a
// cluster) with fixture rows for load tests: videos, and for the scale checks (scale.sh) accounts,
// comments, follows and likes in the numbers that make one video, one user or one viewer huge.
//
// Publishing 10,000 real files would spend minutes in ffmpeg, and a load test measures reads.
// So the videos the instance already published (the demo clips) are cloned as rows: every
// clone points at real objects, has its own publish millisecond, and is spread over the
// registered users as authors, whose work_count it sets to match. Only for load tests: it writes
// the apps' tables directly.
//
// The system reads its counts from columns the apps keep from each other's events (videos'
// favorite_count and comment_count, users' follow, follower, favorite and work counts and
// total_favorited), and no event announces these rows: so every row added here moves those
// columns as the events of the real actions would have, and the counts shown stay exact.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
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
	// Only the seed writes while it runs (the all-in-one is stopped): nothing to lose to a crash
	// that a rerun on a fresh data dir would not redo.
	return sql.Open("sqlite", filepath.Join(s.dataDir, app+".db")+"?_pragma=busy_timeout(10000)&_pragma=synchronous(OFF)")
}

// now is the dialect's current timestamp.
func (s stores) now() string {
	if s.mysql != "" {
		return "NOW()"
	}
	return "datetime('now')"
}

// counts is a repeatable flag of "id=n" pairs.
type counts map[int64]int

func (c counts) String() string { return fmt.Sprint(map[int64]int(c)) }

func (c counts) Set(v string) error {
	id, n, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want id=n, got %q", v)
	}
	i, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return err
	}
	k, err := strconv.Atoi(n)
	if err != nil || k < 0 {
		return fmt.Errorf("want a count, got %q", n)
	}
	c[i] += k
	return nil
}

// sorted returns c's ids in order, so that runs with the same flags write the same rows.
func (c counts) sorted() []int64 {
	ids := make([]int64, 0, len(c))
	for id := range c {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func main() {
	dataDir := flag.String("data", "", "data dir of a stopped all-in-one")
	mysql := flag.String("mysql", "", `instead of -data: a MySQL DSN with {app} for the app's name, e.g. "root:@tcp(127.0.0.1:3306)/douyin_{app}"`)
	videos := flag.Int("videos", 10000, "rows to add")
	authors := flag.Int("authors", 50, "spread the videos (and comments) over user ids 1..authors")
	users := flag.String("users", "", `file of "id token" lines: the users to seed conversations between`)
	conversations := flag.Int("conversations", 1000, "conversations to add between pairs of -users")
	messages := flag.Int("messages", 1000, "messages in each conversation")
	pairs := flag.String("pairs", "", `file to write "token peer_id" lines to, one per conversation`)
	accounts := flag.Int("accounts", 0, "accounts to add (named seed<n>, with user 1's password), for -followers and -follows")
	comments, followers, follows, likes := counts{}, counts{}, counts{}, counts{}
	flag.Var(comments, "comments", "video_id=n: add n comments on the video, by users 1..authors in turn (repeatable)")
	flag.Var(followers, "followers", "user_id=n: the first n added accounts follow the user (repeatable)")
	flag.Var(follows, "follows", "user_id=n: the user follows n others, users 1..authors first, then the added accounts (repeatable)")
	flag.Var(likes, "likes", "user_id=n: the user likes the n newest videos (repeatable)")
	flag.Parse()
	st := stores{dataDir: *dataDir, mysql: *mysql}
	start := time.Now()
	s := &seeder{st: st, authors: *authors, moves: map[string][]move{}}
	steps := []func() error{
		func() error { return s.videos(*videos) },
		func() error { return s.accounts(*accounts) },
		func() error { return s.comments(comments) },
		func() error { return s.followers(followers) },
		func() error { return s.follows(follows) },
		func() error { return s.likes(likes) },
		s.applyMoves,
		s.workCounts,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			log.Fatal(err)
		}
	}
	if *users != "" && *conversations > 0 {
		if err := seedChats(st, *users, *pairs, *conversations, *messages); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("seeded in %s\n", time.Since(start).Round(time.Second))
}

// move is a counter change the seeded rows imply: column += delta for the ids lo..hi of table.
type move struct {
	table, column string
	delta         int64
	lo, hi        int64
}

// seeder adds rows and collects the counter moves they imply, per app, to apply at the end.
type seeder struct {
	st      stores
	authors int
	// firstAccount and nAccounts place the accounts added by this run.
	firstAccount int64
	nAccounts    int
	moves        map[string][]move
}

func (s *seeder) move(app, table, column string, delta, lo, hi int64) {
	s.moves[app] = append(s.moves[app], move{table: table, column: column, delta: delta, lo: lo, hi: hi})
}

// videos clones the instance's videos into n rows, older than any it has.
func (s *seeder) videos(n int) error {
	return s.on("video", n, func(db *sql.DB) error {
		var keys [][2]string
		var oldest int64
		rows, err := db.Query("SELECT play_key, cover_key, published_at FROM videos ORDER BY published_at")
		if err != nil {
			return err
		}
		seen := map[[2]string]bool{}
		for rows.Next() {
			var k [2]string
			var at int64
			if err := rows.Scan(&k[0], &k[1], &at); err != nil {
				return err
			}
			if oldest == 0 {
				oldest = at
			}
			// Clones of clones point at the same objects: a rerun reads them back, once each.
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(keys) == 0 {
			return fmt.Errorf("no videos to clone: start the all-in-one once with DOUYIN_DEMO=true, or publish one")
		}
		err = insertRows(db, "videos (author_id, title, play_key, cover_key, published_at, created_at)",
			"(?, ?, ?, ?, ?, "+s.st.now()+")", n, func(i int) []any {
				k := keys[i%len(keys)]
				// A second apart, all older than the videos there are.
				return []any{i%s.authors + 1, fmt.Sprintf("Load test video %d", i), k[0], k[1], oldest - int64(n-i)*1000}
			})
		if err != nil {
			return fmt.Errorf("add videos: %w", err)
		}
		fmt.Printf("added %d videos by %d authors\n", n, s.authors)
		return nil
	})
}

// accounts adds n accounts with user 1's password hash, numbered after the last user there is.
func (s *seeder) accounts(n int) error {
	return s.on("user", n, func(db *sql.DB) error {
		var last int64
		var hash string
		if err := db.QueryRow("SELECT MAX(id) FROM users").Scan(&last); err != nil {
			return err
		}
		if err := db.QueryRow("SELECT password_hash FROM users WHERE id = 1").Scan(&hash); err != nil {
			return fmt.Errorf("user 1's password: %w", err)
		}
		s.firstAccount, s.nAccounts = last+1, n
		err := insertRows(db, "users (id, username, password_hash, created_at)", "(?, ?, ?, "+s.st.now()+")", n, func(i int) []any {
			id := s.firstAccount + int64(i)
			return []any{id, fmt.Sprintf("seed%d", id), hash}
		})
		if err != nil {
			return fmt.Errorf("add accounts: %w", err)
		}
		fmt.Printf("added %d accounts, ids %d..%d\n", n, s.firstAccount, s.firstAccount+int64(n)-1)
		return nil
	})
}

// account returns the id of the i-th account added (from 0).
func (s *seeder) account(i int) (int64, error) {
	if i >= s.nAccounts {
		return 0, fmt.Errorf("%d accounts added, %d needed: raise -accounts", s.nAccounts, i+1)
	}
	return s.firstAccount + int64(i), nil
}

// each runs add for every id in per with a count above zero, in id order, on app's database,
// with end, a minute ago: the time the newest row it adds is given.
func (s *seeder) each(per counts, app string, add func(db *sql.DB, id int64, n int, end int64) error) error {
	return s.on(app, len(per), func(db *sql.DB) error {
		end := time.Now().Add(-time.Minute).UnixMilli()
		for _, id := range per.sorted() {
			if n := per[id]; n > 0 {
				if err := add(db, id, n, end); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// on runs add on app's database, which it opens and closes, unless there are no rows to add
// (n is 0): an app that gets no rows need not even exist.
func (s *seeder) on(app string, n int, add func(db *sql.DB) error) error {
	if n == 0 {
		return nil
	}
	db, err := s.st.open(app)
	if err != nil {
		return err
	}
	defer db.Close()
	return add(db)
}

// comments adds the comments of each video in per, a second apart, the newest a minute ago.
func (s *seeder) comments(per counts) error {
	return s.each(per, "interaction", func(db *sql.DB, video int64, n int, end int64) error {
		err := insertRows(db, "comments (video_id, user_id, content, created_at)", "(?, ?, ?, ?)", n, func(i int) []any {
			return []any{video, i%s.authors + 1, fmt.Sprintf("seeded comment %d", i), end - int64(n-i)*1000}
		})
		if err != nil {
			return fmt.Errorf("add comments to video %d: %w", video, err)
		}
		s.move("video", "videos", "comment_count", int64(n), video, video)
		fmt.Printf("added %d comments to video %d\n", n, video)
		return nil
	})
}

// followers makes the first n added accounts follow each user in per.
func (s *seeder) followers(per counts) error {
	return s.each(per, "relation", func(db *sql.DB, user int64, n int, end int64) error {
		last, err := s.account(n - 1)
		if err != nil {
			return err
		}
		err = insertRows(db, "follows (follower_id, followee_id, created_at)", "(?, ?, ?)", n, func(i int) []any {
			return []any{s.firstAccount + int64(i), user, end - int64(n-i)*1000}
		})
		if err != nil {
			return fmt.Errorf("add followers of %d: %w", user, err)
		}
		s.move("user", "users", "follower_count", int64(n), user, user)
		s.move("user", "users", "follow_count", 1, s.firstAccount, last)
		fmt.Printf("added %d followers of user %d\n", n, user)
		return nil
	})
}

// follows makes each user in per follow n others: users 1..authors but itself, then the added
// accounts.
func (s *seeder) follows(per counts) error {
	return s.each(per, "relation", func(db *sql.DB, user int64, n int, end int64) error {
		var followees []int64
		for id := int64(1); id <= int64(s.authors) && len(followees) < n; id++ {
			if id != user {
				followees = append(followees, id)
			}
		}
		named := len(followees)
		if rest := n - named; rest > 0 {
			last, err := s.account(rest - 1)
			if err != nil {
				return err
			}
			for id := s.firstAccount; id <= last; id++ {
				followees = append(followees, id)
			}
			s.move("user", "users", "follower_count", 1, s.firstAccount, last)
		}
		err := insertRows(db, "follows (follower_id, followee_id, created_at)", "(?, ?, ?)", n, func(i int) []any {
			return []any{user, followees[i], end - int64(n-i)*1000}
		})
		if err != nil {
			return fmt.Errorf("add follows of %d: %w", user, err)
		}
		for _, id := range followees[:named] {
			s.move("user", "users", "follower_count", 1, id, id)
		}
		s.move("user", "users", "follow_count", int64(n), user, user)
		fmt.Printf("user %d follows %d users\n", user, n)
		return nil
	})
}

// likes makes each user in per like the newest n videos.
func (s *seeder) likes(per counts) error {
	if len(per) == 0 {
		return nil
	}
	videos, err := s.st.open("video")
	if err != nil {
		return err
	}
	defer videos.Close()
	return s.each(per, "interaction", func(db *sql.DB, user int64, n int, end int64) error {
		type liked struct{ id, author, publishedAt int64 }
		var newest []liked
		rows, err := videos.Query("SELECT id, author_id, published_at FROM videos ORDER BY published_at DESC LIMIT ?", n)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v liked
			if err := rows.Scan(&v.id, &v.author, &v.publishedAt); err != nil {
				return err
			}
			newest = append(newest, v)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(newest) < n {
			return fmt.Errorf("user %d is to like %d videos; there are %d", user, n, len(newest))
		}
		// The newest like is of the newest video: the favorite list is in the feed's order.
		err = insertRows(db, "favorites (user_id, video_id, author_id, created_at)", "(?, ?, ?, ?)", n, func(i int) []any {
			v := newest[n-1-i]
			return []any{user, v.id, v.author, end - int64(n-i)*1000}
		})
		if err != nil {
			return fmt.Errorf("add likes of %d: %w", user, err)
		}
		received := map[int64]int64{}
		for _, v := range newest {
			received[v.author]++
		}
		// The liked videos are the newest n: one range of publish times, moved in one UPDATE.
		if _, err := videos.Exec("UPDATE videos SET favorite_count = favorite_count + 1 WHERE published_at >= ?", newest[n-1].publishedAt); err != nil {
			return err
		}
		for author, k := range received {
			s.move("user", "users", "total_favorited", k, author, author)
		}
		s.move("user", "users", "favorite_count", int64(n), user, user)
		fmt.Printf("user %d likes the %d newest videos\n", user, n)
		return nil
	})
}

// applyMoves applies the counter moves collected, per app in one transaction.
func (s *seeder) applyMoves() error {
	for app, moves := range s.moves {
		db, err := s.st.open(app)
		if err != nil {
			return err
		}
		err = func() error {
			defer db.Close()
			tx, err := db.Begin()
			if err != nil {
				return err
			}
			defer tx.Rollback()
			for _, m := range moves {
				q := fmt.Sprintf("UPDATE %s SET %s = %s + ? WHERE id BETWEEN ? AND ?", m.table, m.column, m.column)
				if _, err := tx.Exec(q, m.delta, m.lo, m.hi); err != nil {
					return fmt.Errorf("%s.%s of %d..%d: %w", m.table, m.column, m.lo, m.hi, err)
				}
			}
			return tx.Commit()
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// workCounts writes each author's number of videos into the user app's table, as the events of
// real publishes would have.
func (s *seeder) workCounts() error {
	videos, err := s.st.open("video")
	if err != nil {
		return err
	}
	defer videos.Close()
	users, err := s.st.open("user")
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

// insertRows inserts n rows into into ("table (columns)"), each written as tuple (with a ? per
// value row returns), many rows to an INSERT and many INSERTs to a transaction: a row at a time,
// a million videos took many minutes on either database.
func insertRows(db *sql.DB, into, tuple string, n int, row func(i int) []any) error {
	// SQLite binds at most 32,766 values to a statement, MySQL 65,535.
	perStatement := min(1000, 30000/max(1, strings.Count(tuple, "?")))
	// Bounded transactions keep MySQL's undo log, and SQLite's WAL, from growing with n.
	const perTx = 50_000
	for done := 0; done < n; {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		txEnd := min(n, done+perTx)
		var stmt *sql.Stmt
		stmtRows := 0
		for done < txEnd {
			k := min(perStatement, txEnd-done)
			if k != stmtRows {
				if stmt != nil {
					stmt.Close()
				}
				q := "INSERT INTO " + into + " VALUES " + strings.TrimSuffix(strings.Repeat(tuple+", ", k), ", ")
				if stmt, err = tx.Prepare(q); err != nil {
					tx.Rollback()
					return err
				}
				stmtRows = k
			}
			args := make([]any, 0, k*4)
			for i := done; i < done+k; i++ {
				args = append(args, row(i)...)
			}
			if _, err := stmt.Exec(args...); err != nil {
				stmt.Close()
				tx.Rollback()
				return err
			}
			done += k
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			return err
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
		if strings.TrimSpace(line) == "" {
			continue
		}
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
	start := time.Now().Add(-time.Duration(n+60) * time.Second).UnixMilli()
	err = insertRows(db, "messages (user_low, user_high, from_user_id, to_user_id, content, create_time)",
		"(?, ?, ?, ?, ?, ?)", len(pairs)*n, func(i int) []any {
			p, k := pairs[i/n], i%n
			low, high := min(p[0].id, p[1].id), max(p[0].id, p[1].id)
			from, to := p[k%2], p[(k+1)%2]
			return []any{low, high, from.id, to.id, fmt.Sprintf("message %d", k), start + int64(k)*1000}
		})
	if err != nil {
		return err
	}
	err = insertRows(db, "conversations (user_low, user_high, last_time)", "(?, ?, ?)", len(pairs), func(i int) []any {
		p := pairs[i]
		return []any{min(p[0].id, p[1].id), max(p[0].id, p[1].id), start + int64(n-1)*1000}
	})
	if err != nil {
		return err
	}
	var out strings.Builder
	for _, p := range pairs {
		fmt.Fprintf(&out, "%s %d\n", p[0].token, p[1].id)
	}
	fmt.Printf("added %d conversations of %d messages\n", conversations, n)
	if pairsFile == "" {
		return nil
	}
	return os.WriteFile(pairsFile, []byte(out.String()), 0o644)
}
