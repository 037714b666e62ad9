//! The SQLite engine: WAL, foreign keys, a busy timeout, and write transactions that
//! take the write lock up front (`BEGIN IMMEDIATE`) so that concurrent writers queue
//! instead of failing with "database is locked".

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};

use crate::StoreError;
use crate::conn::{Conn, Dialect, to_sqlite_placeholders};
use crate::value::{Cell, Cells, Row, Value};

/// How long one statement waits for a lock before SQLite reports busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(value_ref(self.into())))
    }
}

impl rusqlite::ToSql for Cell<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(value_ref(*self)))
    }
}

/// A value bound as it is, text borrowed.
fn value_ref(c: Cell<'_>) -> ValueRef<'_> {
    match c {
        Cell::Null => ValueRef::Null,
        Cell::Int(v) => ValueRef::Integer(v),
        Cell::Real(v) => ValueRef::Real(v),
        Cell::Text(s) => ValueRef::Text(s.as_bytes()),
        Cell::Bytes(b) => ValueRef::Blob(b),
    }
}

fn from_ref(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

pub struct SqliteConn<'a>(pub &'a Connection);

/// A row of a statement being stepped, read in place.
struct SqliteCells<'r, 's>(&'r rusqlite::Row<'s>);

impl Cells for SqliteCells<'_, '_> {
    fn cell(&self, i: usize) -> Result<Cell<'_>, StoreError> {
        Ok(match self.0.get_ref(i)? {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(v) => Cell::Int(v),
            ValueRef::Real(v) => Cell::Real(v),
            ValueRef::Text(t) => Cell::Text(
                std::str::from_utf8(t)
                    .map_err(|_| StoreError::Corrupt(format!("column {i}: text is not UTF-8")))?,
            ),
            ValueRef::Blob(b) => Cell::Bytes(b),
        })
    }
}

impl Conn for SqliteConn<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute_cells(&mut self, sql: &str, params: &[Cell<'_>]) -> Result<u64, StoreError> {
        let mut stmt = self.0.prepare_cached(&to_sqlite_placeholders(sql))?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }

    /// Prepared (and its placeholders rewritten, and looked up in the statement cache)
    /// once for all the chunks: a multi-row insert's text is long, and doing that for
    /// each chunk cost more than binding its values did.
    fn execute_each(
        &mut self,
        sql: &str,
        params: &[Cell<'_>],
        per: usize,
    ) -> Result<u64, StoreError> {
        let mut stmt = self.0.prepare_cached(&to_sqlite_placeholders(sql))?;
        let mut changed = 0;
        for chunk in params.chunks(per.max(1)) {
            changed += stmt.execute(rusqlite::params_from_iter(chunk.iter()))? as u64;
        }
        Ok(changed)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.0.prepare_cached(&to_sqlite_placeholders(sql))?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut vals = Vec::with_capacity(n);
            for i in 0..n {
                vals.push(from_ref(r.get_ref(i)?));
            }
            out.push(Row(vals));
        }
        Ok(out)
    }

    fn for_each(
        &mut self,
        sql: &str,
        params: &[Value],
        f: &mut dyn FnMut(&dyn Cells) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.0.prepare_cached(&to_sqlite_placeholders(sql))?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(r) = rows.next()? {
            f(&SqliteCells(r))?;
        }
        Ok(())
    }
}

/// Opens connections to one database file, each configured the same way.
pub struct SqliteManager {
    pub path: PathBuf,
}

/// How many times [`open`] opens a file again that was replaced while it waited.
const REOPENS: usize = 3;

pub fn open(path: &PathBuf) -> Result<Connection, rusqlite::Error> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    // A bulk build (bulk.rs) puts a new file in place of the database by renaming it
    // over the old one, which it holds locked until then. A connection opened before
    // the rename but first locked after it would have the replaced file: its writes
    // would be lost, and its WAL, named after the path, would be taken for the new
    // file's. So the first read waits for the lock, and if the path has meanwhile come
    // to name another file, the connection is opened again, on the new one.
    let mut attempt = 0;
    let conn = loop {
        let before = file_identity(path);
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.query_row("PRAGMA schema_version", [], |_| Ok(()))?;
        attempt += 1;
        if attempt == REOPENS || file_identity(path) == before {
            break conn;
        }
    };
    conn.set_prepared_statement_cache_capacity(256);
    // Plans that do not depend on bound values. Without this, a statement whose plan
    // could (a `LIMIT $n`, a constraint SQLite would probe with a value) is parsed and
    // planned again every time it is taken from the statement cache with new bindings:
    // the token lookup and the list page were, on every request.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    // journal_mode=WAL needs a lock the first time; the busy timeout covers it.
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;",
    )?;
    set_cache(&conn, POOL_CACHE_KIB)?;
    Ok(conn)
}

/// What tells one file from another at the same path: its device and inode.
#[cfg(unix)]
fn file_identity(path: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Elsewhere a file that is open cannot be renamed over: nothing to tell apart.
#[cfg(not(unix))]
fn file_identity(_path: &std::path::Path) -> Option<(u64, u64)> {
    None
}

/// The page cache of a pooled connection, in KiB: a server's pool holds up to 8, so the
/// caches stay within 128 MB however large the database; pages beyond that come from the
/// operating system's file cache.
pub(crate) const POOL_CACHE_KIB: i64 = 16_000;

/// Sets a connection's page cache; a smaller one frees the pages beyond it.
pub(crate) fn set_cache(conn: &Connection, kib: i64) -> Result<(), rusqlite::Error> {
    conn.execute_batch(&format!("PRAGMA cache_size = -{kib}"))
}

impl r2d2::ManageConnection for SqliteManager {
    type Connection = Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> Result<Connection, rusqlite::Error> {
        open(&self.path)
    }

    fn is_valid(&self, conn: &mut Connection) -> Result<(), rusqlite::Error> {
        conn.execute_batch("")
    }

    fn has_broken(&self, _conn: &mut Connection) -> bool {
        false
    }
}

/// Runs `f` in a transaction: `BEGIN IMMEDIATE` for writes, `BEGIN` for reads.
pub fn in_tx<T>(
    conn: &Connection,
    write: bool,
    f: &mut dyn FnMut(&mut dyn Conn) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    // Through the statement cache: these run twice per request.
    let run = |sql: &str| conn.prepare_cached(sql).and_then(|mut s| s.execute([]));
    run(if write { "BEGIN IMMEDIATE" } else { "BEGIN" })?;
    let result = f(&mut SqliteConn(conn));
    match result {
        Ok(v) => match run("COMMIT") {
            Ok(_) => Ok(v),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Begins a read transaction in which SQLite does not wait for a lock either: busy at
/// once (no busy timeout) where a read would have waited, such as while a WAL file is
/// being recovered. End it with [`end_without_waiting`].
pub fn begin_without_waiting(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::ZERO)?;
    if let Err(e) = conn.prepare_cached("BEGIN").and_then(|mut s| s.execute([])) {
        let _ = conn.busy_timeout(BUSY_TIMEOUT);
        return Err(e.into());
    }
    Ok(())
}

/// Ends a transaction begun by [`begin_without_waiting`]: `COMMIT`, or `ROLLBACK` when
/// `commit` is false or the commit fails; the busy timeout is set back.
pub fn end_without_waiting(conn: &Connection, commit: bool) -> Result<(), StoreError> {
    let mut result = Ok(());
    if commit {
        result = conn
            .prepare_cached("COMMIT")
            .and_then(|mut s| s.execute([]))
            .map(|_| ());
    }
    if !commit || result.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let timeout = conn.busy_timeout(BUSY_TIMEOUT);
    Ok(result.and(timeout)?)
}

/// `VACUUM INTO`: a consistent copy of the live database, safe while others write.
pub fn backup_to(conn: &Connection, dest: &std::path::Path) -> Result<(), StoreError> {
    let dest = dest
        .to_str()
        .ok_or_else(|| StoreError::Config("backup path is not UTF-8".into()))?;
    conn.execute("VACUUM INTO ?1", [dest])?;
    Ok(())
}
