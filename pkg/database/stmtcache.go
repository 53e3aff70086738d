package database

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// The pure-Go SQLite compiles a statement's SQL into its program every time the statement is
// executed through the connection (Exec, Query), and only a prepared statement keeps its
// program. Compiling was the largest single cost of a like's write (its parse and code
// generation took longer than running it), and gorm's own statement cache cannot be used (see
// OpenSQL). So each SQLite connection keeps the statements it ran, by their SQL, and runs a
// statement again by resetting it: gorm writes the same few SQL texts over and over, with the
// values as arguments.

// maxCachedStatements bounds the statements one connection keeps. The app's statements are a
// few dozen texts; lists of ids (IN (?,?,...)) make one text per length, and the least recently
// used ones go.
const maxCachedStatements = 256

// statementCachingConnector opens SQLite connections that keep their statements.
type statementCachingConnector struct {
	driver driver.Driver
	dsn    string
}

func (c statementCachingConnector) Connect(context.Context) (driver.Conn, error) {
	opened, err := c.driver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	conn, err := narrow[sqliteConn](opened)
	if err != nil {
		return nil, err
	}
	// Dropped from the cache: closed, or, while its rows are read, once they are closed.
	kept, _ := simplelru.NewLRU(maxCachedStatements, func(_ string, cs *cachedStatement) {
		cs.evicted = true
		if !cs.busy {
			cs.stmt.Close()
		}
	}) // the size is positive
	return &statementCachingConn{conn: conn, kept: kept}, nil
}

// narrow returns what the driver gave as T, the interfaces the cache uses, or closes it and
// fails: a driver that lacks them is not the one this cache was written for.
func narrow[T any](v interface{ Close() error }) (T, error) {
	t, ok := v.(T)
	if !ok {
		v.Close()
		return t, fmt.Errorf("the sqlite driver's %T is not a %T", v, (*T)(nil))
	}
	return t, nil
}

func (c statementCachingConnector) Driver() driver.Driver { return c.driver }

// sqliteConn is what the SQLite driver's connection does, and what database/sql asks of it.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// sqliteStmt is what the SQLite driver's prepared statement does.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// statementCachingConn is a SQLite connection that runs its statements through the prepared
// ones it keeps. database/sql uses a connection from one goroutine at a time; the mutex guards
// the one exception, a result set closed while the connection runs something else.
type statementCachingConn struct {
	conn sqliteConn

	mu   sync.Mutex
	kept *simplelru.LRU[string, *cachedStatement] // by their SQL
}

// cachedStatement is a prepared statement and whether a result set is reading from it: a
// statement runs one execution at a time, so a query asked again while its rows are open (a
// query nested in its own loop) runs unprepared beside it.
type cachedStatement struct {
	stmt sqliteStmt
	busy bool
	// evicted: dropped from the cache while busy; closed when its rows are.
	evicted bool
}

func (c *statementCachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.take(ctx, query)
	switch {
	case err != nil:
		return nil, err
	case cs == nil: // busy
		return c.conn.ExecContext(ctx, query, args)
	}
	defer c.release(cs)
	return cs.stmt.ExecContext(ctx, args)
}

// QueryContext leaves the statement busy until the rows are closed.
func (c *statementCachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.take(ctx, query)
	if cs == nil { // busy, or err
		if err != nil {
			return nil, err
		}
		return c.conn.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		c.release(cs)
		return nil, err
	}
	described, err := narrow[sqliteRows](rows)
	if err != nil {
		c.release(cs)
		return nil, err
	}
	return &releasingRows{sqliteRows: described, release: func() { c.release(cs) }}, nil
}

// take returns the prepared statement of query, preparing and keeping it on first use, and
// marks it busy; nil when it is busy already.
func (c *statementCachingConn) take(ctx context.Context, query string) (*cachedStatement, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cs, ok := c.kept.Get(query); ok {
		if cs.busy {
			return nil, nil
		}
		cs.busy = true
		return cs, nil
	}
	prepared, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	stmt, err := narrow[sqliteStmt](prepared)
	if err != nil {
		return nil, err
	}
	cs := &cachedStatement{stmt: stmt, busy: true}
	c.kept.Add(query, cs) // evicting the least recently used beyond maxCachedStatements
	return cs, nil
}

// release marks cs free again, closing it if it was evicted meanwhile.
func (c *statementCachingConn) release(cs *cachedStatement) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs.busy = false
	if cs.evicted {
		cs.stmt.Close()
	}
}

// Close closes the kept statements, then the connection.
func (c *statementCachingConn) Close() error {
	c.mu.Lock()
	c.kept.Purge()
	c.mu.Unlock()
	return c.conn.Close()
}

func (c *statementCachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.conn.Prepare(query)
}
func (c *statementCachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.conn.PrepareContext(ctx, query)
}

//nolint:staticcheck // driver.Conn requires Begin; database/sql calls BeginTx
func (c *statementCachingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx begins a transaction with the kept statements BEGIN IMMEDIATE (every connection is
// opened with _txlock=immediate: a writer takes the lock up front) or, read-only, BEGIN.
func (c *statementCachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if opts.Isolation != driver.IsolationLevel(0) {
		return c.conn.BeginTx(ctx, opts) // which refuses it, as SQLite has one level
	}
	begin := "BEGIN IMMEDIATE"
	if opts.ReadOnly {
		begin = "BEGIN"
	}
	if _, err := c.ExecContext(ctx, begin, nil); err != nil {
		return nil, err
	}
	return &statementCachingTx{conn: c, ctx: ctx}, nil
}

// statementCachingTx ends a transaction with the kept statements COMMIT and ROLLBACK.
type statementCachingTx struct {
	conn *statementCachingConn
	// ctx is BeginTx's, in use until the transaction ends (database/sql): a COMMIT waiting for
	// a lock stops waiting once it is done.
	ctx context.Context
}

func (t *statementCachingTx) Commit() error {
	_, err := t.conn.ExecContext(t.ctx, "COMMIT", nil)
	if err != nil {
		// A COMMIT that failed may leave the transaction open, and database/sql takes the
		// connection back as if it had ended: end it. (ROLLBACK fails harmlessly when it did.)
		_, _ = t.conn.ExecContext(context.Background(), "ROLLBACK", nil)
	}
	return err
}

// Rollback does not watch ctx: database/sql rolls back once it is done.
func (t *statementCachingTx) Rollback() error {
	_, err := t.conn.ExecContext(context.Background(), "ROLLBACK", nil)
	return err
}
func (c *statementCachingConn) Ping(ctx context.Context) error { return c.conn.Ping(ctx) }
func (c *statementCachingConn) ResetSession(ctx context.Context) error {
	return c.conn.ResetSession(ctx)
}
func (c *statementCachingConn) IsValid() bool { return c.conn.IsValid() }

// sqliteRows is what the SQLite driver's result set tells of its columns, which gorm's
// migrator reads (database/sql.Rows.ColumnTypes).
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// releasingRows releases its statement once closed.
type releasingRows struct {
	sqliteRows
	once    sync.Once
	release func()
}

func (r *releasingRows) Close() error {
	err := r.sqliteRows.Close()
	r.once.Do(r.release)
	return err
}
