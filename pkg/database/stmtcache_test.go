package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// countingDriver counts the statements its connections prepare.
type countingDriver struct {
	driver.Driver
	prepared map[string]int
}

func (d *countingDriver) Open(dsn string) (driver.Conn, error) {
	conn, err := d.Driver.Open(dsn)
	if err != nil {
		return nil, err
	}
	return countingConn{sqliteConn: conn.(sqliteConn), prepared: d.prepared}, nil
}

type countingConn struct {
	sqliteConn
	prepared map[string]int
}

func (c countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.prepared[query]++
	return c.sqliteConn.PrepareContext(ctx, query)
}

// openCaching opens a SQLite database through statementCachingConnector, on one connection as
// OpenSQL does, and returns it with the count of statements prepared per SQL text.
func openCaching(t *testing.T) (*sql.DB, map[string]int) {
	t.Helper()
	registered, err := sql.Open("sqlite", "")
	if err != nil {
		t.Fatal(err)
	}
	drv := &countingDriver{Driver: registered.Driver(), prepared: map[string]int{}}
	registered.Close()
	dsn := "file:" + filepath.Join(t.TempDir(), "cache.db") + "?_pragma=foreign_keys(1)&_txlock=immediate"
	db := sql.OpenDB(statementCachingConnector{driver: drv, dsn: dsn})
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"); err != nil {
		t.Fatal(err)
	}
	return db, drv.prepared
}

// ids reads rows of one id each, to the end.
func ids(t *testing.T, rows *sql.Rows) []int64 {
	t.Helper()
	defer rows.Close()
	var out []int64
	for rows.Next() {
		out = append(out, scanID(t, rows))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func scanID(t *testing.T, rows *sql.Rows) int64 {
	t.Helper()
	var id int64
	if err := rows.Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestStatementsArePreparedOncePerConnection(t *testing.T) {
	db, prepared := openCaching(t)
	const insert, count = "INSERT INTO t (id, v) VALUES (?, ?)", "SELECT count(*) FROM t WHERE id <= ?"
	for i := int64(1); i <= 50; i++ {
		if _, err := db.Exec(insert, i, fmt.Sprint("value ", i)); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := db.QueryRow(count, i).Scan(&n); err != nil || n != i {
			t.Fatalf("count after %d inserts: %d, %v", i, n, err)
		}
	}
	if prepared[insert] != 1 || prepared[count] != 1 {
		t.Errorf("prepared %v; want the insert and the count once each", prepared)
	}
	// A failing execution (a duplicate key) leaves the kept statement usable.
	if _, err := db.Exec(insert, 1, "again"); err == nil {
		t.Fatal("a duplicate id was inserted")
	}
	if _, err := db.Exec(insert, 51, "after the failure"); err != nil {
		t.Fatalf("the statement after a failed execution: %v", err)
	}
	if prepared[insert] != 1 {
		t.Errorf("the insert was prepared %d times; want once", prepared[insert])
	}
}

// A query run again while its own rows are still open (a lookup inside a loop over the same
// query) runs beside them; neither disturbs the other.
func TestAQueryNestedInItsOwnRowsRunsBeside(t *testing.T) {
	db, _ := openCaching(t)
	for i := 1; i <= 5; i++ {
		if _, err := db.Exec("INSERT INTO t (id) VALUES (?)", i); err != nil {
			t.Fatal(err)
		}
	}
	const all = "SELECT id FROM t ORDER BY id"
	tx, err := db.Begin() // one connection: the nested query must run on the same one
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	outer, err := tx.Query(all)
	if err != nil {
		t.Fatal(err)
	}
	var seen []int64
	for outer.Next() {
		seen = append(seen, scanID(t, outer))
		inner, err := tx.Query(all)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(t, inner); !slices.Equal(got, []int64{1, 2, 3, 4, 5}) {
			t.Fatalf("the nested query read %v", got)
		}
	}
	outer.Close()
	if !slices.Equal(seen, []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("the outer query read %v beside the nested ones; want 1..5", seen)
	}
	// Once the rows are closed the kept statement serves again.
	rows, err := tx.Query(all)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(t, rows); len(got) != 5 {
		t.Fatalf("the query after: %v", got)
	}
}

// More distinct statements than the cache keeps: the least recently used go, also one whose
// rows are open (closed once they are), and every result stays right.
func TestTheCacheIsBounded(t *testing.T) {
	db, prepared := openCaching(t)
	if _, err := db.Exec("INSERT INTO t (id) VALUES (1), (2), (3)"); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	open, err := tx.Query("SELECT id FROM t ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	if !open.Next() {
		t.Fatal("no first row")
	}
	for i := 0; i < maxCachedStatements+20; i++ {
		var n int
		q := "SELECT count(*) FROM t WHERE id IN (" + strings.Repeat("?,", i) + "0)"
		args := make([]any, i)
		for j := range args {
			args[j] = j + 1
		}
		if err := tx.QueryRow(q, args...).Scan(&n); err != nil || n != min(i, 3) {
			t.Fatalf("IN list of %d: %d, %v", i, n, err)
		}
	}
	if got := append([]int64{1}, ids(t, open)...); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("rows of an evicted statement read %v; want 1, 2, 3", got)
	}
	if prepared["SELECT id FROM t ORDER BY id"] != 1 {
		t.Fatalf("prepared %d times", prepared["SELECT id FROM t ORDER BY id"])
	}
	// Evicted, it is prepared anew.
	if _, err := tx.Query("SELECT id FROM t ORDER BY id"); err != nil {
		t.Fatal(err)
	}
	if prepared["SELECT id FROM t ORDER BY id"] != 2 {
		t.Errorf("an evicted statement run again was prepared %d times in all; want 2", prepared["SELECT id FROM t ORDER BY id"])
	}
	tx.Rollback()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Raw(func(dc any) error {
		if n := dc.(*statementCachingConn).kept.Len(); n > maxCachedStatements {
			t.Errorf("the connection keeps %d statements; want at most %d", n, maxCachedStatements)
		}
		return nil
	})
}

func TestTransactionsThroughKeptStatements(t *testing.T) {
	db, prepared := openCaching(t)
	if _, err := db.Exec(`CREATE TABLE child (id INTEGER PRIMARY KEY,
		parent INTEGER REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	for i, commit := range []bool{true, false, true} {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec("INSERT INTO t (id) VALUES (?)", i+1); err != nil {
			t.Fatal(err)
		}
		if commit {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.Query("SELECT id FROM t ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(t, rows); !slices.Equal(got, []int64{1, 3}) {
		t.Fatalf("after commit, rollback, commit: %v; want 1 and 3", got)
	}
	if prepared["BEGIN IMMEDIATE"] != 1 || prepared["COMMIT"] != 1 || prepared["ROLLBACK"] != 1 {
		t.Errorf("prepared %v; want BEGIN IMMEDIATE, COMMIT and ROLLBACK once each", prepared)
	}

	// A COMMIT that fails (a deferred foreign key left violated) ends the transaction: the
	// connection begins the next one.
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO child (id, parent) VALUES (1, 99)"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err == nil {
		t.Fatal("a commit violating a foreign key succeeded")
	}
	tx, err = db.Begin()
	if err != nil {
		t.Fatalf("begin after a failed commit: %v", err)
	}
	if _, err := tx.Exec("INSERT INTO child (id, parent) VALUES (2, 1)"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM child").Scan(&n); err != nil || n != 1 {
		t.Errorf("children after a failed and a good commit: %d, %v; want 1", n, err)
	}
}
