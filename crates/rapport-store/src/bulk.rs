//! Building a SQLite database in bulk, for loads into a database that holds no records
//! yet (the demo). Inserting into big B-trees in random key order, journalling every
//! page and keeping the full-text index in step batch by batch is what makes a large
//! load slow; into an empty database none of it is needed:
//!
//! 1. Take the database for ourselves: a connection in exclusive locking mode that gets
//!    its write lock only if no other connection (of any process) has the file open,
//!    and holds it to the end, so nobody writes to the file being replaced.
//! 2. Check that the database holds no records: only accounts (workspaces, users,
//!    tokens, sessions, login counters, the audit trail) may have rows. Those are copied
//!    into a new file next to it, created by the same migrations.
//! 3. Drop the new file's secondary indexes and load into it with no journal, no syncs
//!    and no foreign-key checks, through the same `Tx` write path as always (so the
//!    rows, side tables, activity and search documents are those the ordinary path
//!    writes), except that the FTS5 index of the search documents and the agenda's
//!    `agenda_relationships` are not fed batch by batch. The caller's data must be
//!    consistent by construction; builds with debug assertions (the tests) check every
//!    reference once the load is done.
//! 4. `finish`: fill `agenda_relationships` from the records in one statement, recreate
//!    the indexes (CREATE INDEX sorts once) reading the file through a memory map,
//!    rebuild the FTS5 index from its content table (with a 64 MiB hash of pending
//!    terms instead of FTS5's 1 MiB), sync the file and rename it over the database.
//!    A crash or an error before the rename leaves the database as it was; the partial
//!    file is removed (or replaced by the next build).
//!    A connection another process opens meanwhile waits for the lock and, finding the
//!    path renamed over once it has it, opens the new file (`sqlite::open`).
//!
//! When any condition fails, `Store::begin_bulk_load` answers `None` and the caller uses
//! the ordinary transactional path. PostgreSQL always does.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::sqlite::SqliteConn;
use crate::store::{Backend, sqlite_pool};
use crate::{Store, StoreError, Tx};

/// Tables that may hold rows when a bulk build starts; they are copied as they are.
/// Every other table must be empty.
const ACCOUNT_TABLES: &[&str] = &[
    "workspaces",
    "users",
    "api_tokens",
    "sessions",
    "login_attempts",
    "audit_events",
];

/// How long to wait for the exclusive lock before taking the ordinary path instead.
const LOCK_WAIT: Duration = Duration::from_millis(200);

/// Page cache of the connection that builds the new file, in KiB (64 MiB).
const BUILD_CACHE_KIB: i64 = 65_536;

/// How much of the new file `finish` maps into memory to read it (SQLite's default
/// ceiling is just under 2 GiB, which caps it).
const BUILD_MMAP_BYTES: i64 = 1 << 31;

/// FTS5's in-memory index of pending terms while the bulk build rebuilds the full-text
/// index (64 MiB), and its default, set back afterwards (1 MiB).
const REBUILD_HASH_BYTES: i64 = 64 << 20;
const FTS5_DEFAULT_HASH_BYTES: i64 = 1 << 20;

/// A new database file being filled; see the module documentation.
pub struct BulkLoad {
    /// The new file's connection (`None` once closed by `finish`).
    conn: Option<Connection>,
    /// Holds the database being replaced exclusively until the new file is in place.
    lock: Option<Connection>,
    tmp: PathBuf,
    target: PathBuf,
    /// The `CREATE INDEX` statements dropped before the load, run again by `finish`.
    indexes: Vec<String>,
    /// The new file has replaced the database.
    published: bool,
}

impl Store {
    /// Starts a bulk build when the store is SQLite, holds no records, and no other
    /// connection has the file open; `None` otherwise (then write as usual). This
    /// store's own idle connections are closed first.
    pub fn begin_bulk_load(&self) -> Result<Option<BulkLoad>, StoreError> {
        crate::store::may_wait()?;
        let Backend::Sqlite { pool, path } = &self.backend else {
            return Ok(None);
        };
        // Close this store's connections: ours must be the only one. A connection still
        // in use elsewhere keeps its pool (and the file) open, and we step aside below.
        *pool.write().unwrap_or_else(|e| e.into_inner()) = sqlite_pool(path);
        let Some(lock) = take_exclusive(path)? else {
            return Ok(None);
        };
        if !holds_only_accounts(&lock)? {
            return Ok(None);
        }
        // Out of WAL mode while we hold the file: its WAL is checkpointed and removed,
        // so no stale WAL sits next to the file that replaces it.
        lock.query_row("PRAGMA main.journal_mode = DELETE", [], |_| Ok(()))?;
        let tmp = building_path(path);
        remove_file_if_any(&tmp)?;
        remove_file_if_any(&with_suffix(&tmp, "-journal"))?;
        let mut load = BulkLoad {
            conn: None,
            lock: Some(lock),
            tmp: tmp.clone(),
            target: path.clone(),
            indexes: Vec::new(),
            published: false,
        };
        let conn = Connection::open_with_flags(
            &tmp,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.set_prepared_statement_cache_capacity(256);
        conn.query_row("PRAGMA journal_mode = OFF", [], |_| Ok(()))?;
        // No foreign-key checks during the load: each would look the referenced row up
        // by its 36-character id, for every reference of every row. The callers write
        // data consistent by construction (the demo), and builds with debug assertions
        // (the tests) check every reference at the end (`finish`). The connections that
        // use the file afterwards check them as always.
        conn.execute_batch(&format!(
            "PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF; PRAGMA temp_store = FILE;
             PRAGMA cache_size = -{BUILD_CACHE_KIB};"
        ))?;
        crate::migrate::sqlite(&conn)?;
        load.conn = Some(conn);
        load.copy_accounts()?;
        load.drop_indexes()?;
        // One transaction for the whole load: with no journal a commit only writes pages,
        // and committing per batch would write the same index pages again and again.
        load.conn()?.execute_batch("BEGIN")?;
        Ok(Some(load))
    }
}

impl BulkLoad {
    fn conn(&self) -> Result<&Connection, StoreError> {
        self.conn
            .as_ref()
            .ok_or_else(|| StoreError::Config("the bulk build is finished".into()))
    }

    /// Copies the account tables from the database being replaced into the new file.
    fn copy_accounts(&self) -> Result<(), StoreError> {
        let lock = self
            .lock
            .as_ref()
            .ok_or_else(|| StoreError::Config("the bulk build lost its lock".into()))?;
        let tmp = self
            .tmp
            .to_str()
            .ok_or_else(|| StoreError::Config("the database path is not UTF-8".into()))?;
        lock.execute("ATTACH ?1 AS fresh", [tmp])?;
        let copied = (|| {
            lock.execute_batch("BEGIN")?;
            for t in ACCOUNT_TABLES {
                lock.execute_batch(&format!("INSERT INTO fresh.{t} SELECT * FROM main.{t}"))?;
            }
            lock.execute_batch("COMMIT")
        })();
        if copied.is_err() {
            let _ = lock.execute_batch("ROLLBACK");
        }
        let detached = lock.execute_batch("DETACH fresh");
        copied?;
        Ok(detached?)
    }

    /// Drops the new file's secondary indexes (primary keys stay), remembering them.
    fn drop_indexes(&mut self) -> Result<(), StoreError> {
        let conn = self.conn()?;
        // From here on only this connection uses the file.
        conn.query_row("PRAGMA locking_mode = EXCLUSIVE", [], |_| Ok(()))?;
        let mut indexes = Vec::new();
        {
            let mut stmt = conn.prepare(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                indexes.push((r.get::<_, String>(0)?, r.get::<_, String>(1)?));
            }
        }
        for (name, _) in &indexes {
            conn.execute_batch(&format!("DROP INDEX {name}"))?;
        }
        self.indexes = indexes.into_iter().map(|(_, sql)| sql).collect();
        Ok(())
    }

    /// Runs `f` on the new file, inside the build's one transaction. Unlike
    /// `Store::write` nothing is retried (nobody else can hold a lock on the file) and
    /// nothing can be rolled back (there is no journal): an error abandons the build.
    pub fn write<T>(
        &mut self,
        mut f: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = SqliteConn(self.conn()?);
        let mut tx = Tx {
            bulk_build: true,
            ..Tx::plain(&mut conn)
        };
        let out = f(&mut tx)?;
        tx.before_commit()?;
        Ok(out)
    }

    /// Builds the indexes and the full-text indexes, then puts the new file in place of
    /// the database. The store opens its next connections on the new file.
    pub fn finish(mut self) -> Result<(), StoreError> {
        let conn = self
            .conn
            .take()
            .ok_or_else(|| StoreError::Config("the bulk build is finished".into()))?;
        // The agenda's rows, computed from the records in one statement, before its
        // index is built.
        Tx {
            bulk_build: true,
            ..Tx::plain(&mut SqliteConn(&conn))
        }
        .fill_agenda_relationships()?;
        conn.execute_batch("COMMIT")?;
        if cfg!(debug_assertions) {
            check_references(&conn)?;
        }
        // The index builds read the file far more than they write it: each scans its
        // table again. Through a memory map those pages are read in place rather than
        // copied by a system call each (about a second less system time at 100k people).
        conn.query_row(
            &format!("PRAGMA mmap_size = {BUILD_MMAP_BYTES}"),
            [],
            |_| Ok(()),
        )?;
        for sql in &self.indexes {
            conn.execute_batch(sql)?;
        }
        // FTS5 writes its pending terms out as a new segment whenever they pass its hash
        // size (1 MiB by default) and merges segments as they pile up: rebuilt with a
        // larger hash it writes far fewer segments and merges less (at a million people
        // the rebuild takes half the CPU). The default is set back once the index is built,
        // so the ordinary write path is unchanged.
        conn.execute_batch(&format!(
            "INSERT INTO search_docs_fts (search_docs_fts, rank) VALUES ('hashsize', {REBUILD_HASH_BYTES});
             INSERT INTO search_docs_fts (search_docs_fts) VALUES ('rebuild');
             INSERT INTO search_docs_fts (search_docs_fts, rank) VALUES ('hashsize', {FTS5_DEFAULT_HASH_BYTES});"
        ))?;
        // The file goes in place in the journal mode every connection sets anyway.
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        conn.close().map_err(|(_, e)| e)?;
        let sync = |p: &Path| {
            std::fs::File::open(p)
                .and_then(|f| f.sync_all())
                .map_err(|e| StoreError::Config(format!("cannot sync {}: {e}", p.display())))
        };
        sync(&self.tmp)?;
        std::fs::rename(&self.tmp, &self.target).map_err(|e| {
            StoreError::Config(format!(
                "cannot move {} to {}: {e}",
                self.tmp.display(),
                self.target.display()
            ))
        })?;
        self.published = true;
        if let Some(dir) = self.target.parent().filter(|d| !d.as_os_str().is_empty()) {
            sync(dir)?;
        }
        // Release the old file only now: nobody wrote to it in between.
        self.lock = None;
        Ok(())
    }
}

impl Drop for BulkLoad {
    /// An unfinished build leaves the database as it was and removes the partial file.
    fn drop(&mut self) {
        self.conn = None;
        if !self.published {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Fails when a row of the new file refers to a row that is not there (the references
/// the schema declares): what foreign-key checks during the load would have refused.
fn check_references(conn: &Connection) -> Result<(), StoreError> {
    let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
    let mut rows = stmt.query([])?;
    match rows.next()? {
        None => Ok(()),
        Some(r) => Err(StoreError::Corrupt(format!(
            "the bulk build wrote a row of {} (rowid {}) that refers to a missing row of {}",
            r.get::<_, String>(0)?,
            r.get::<_, Option<i64>>(1)?.unwrap_or_default(),
            r.get::<_, String>(2)?,
        ))),
    }
}

/// A connection holding `path` exclusively, or `None` when another connection has it
/// open (an open WAL connection keeps a shared lock on the file for its lifetime).
fn take_exclusive(path: &Path) -> Result<Option<Connection>, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(LOCK_WAIT)?;
    conn.query_row("PRAGMA main.locking_mode = EXCLUSIVE", [], |_| Ok(()))?;
    match conn
        .execute_batch("BEGIN IMMEDIATE")
        .map_err(StoreError::from)
    {
        Ok(()) => {}
        Err(e) if e.is_retryable() => return Ok(None),
        Err(e) => return Err(e),
    }
    // In exclusive mode the lock outlives the transaction.
    conn.execute_batch("COMMIT")?;
    Ok(Some(conn))
}

/// True when every table other than the account tables (and SQLite's own and the
/// full-text index's internal tables) is empty.
fn holds_only_accounts(conn: &Connection) -> Result<bool, StoreError> {
    let mut tables = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
               AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'
               AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table'
                   AND v.sql LIKE 'CREATE VIRTUAL TABLE%' AND sqlite_master.name LIKE v.name || '\\_%' ESCAPE '\\')",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            tables.push(r.get::<_, String>(0)?);
        }
    }
    for t in tables
        .iter()
        .filter(|t| !ACCOUNT_TABLES.contains(&t.as_str()))
    {
        let any: i64 = conn.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {t})"), [], |r| {
            r.get(0)
        })?;
        if any != 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Where the new file is built: next to the database, so the rename stays on one file
/// system.
fn building_path(target: &Path) -> PathBuf {
    with_suffix(target, ".building")
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

fn remove_file_if_any(p: &Path) -> Result<(), StoreError> {
    match std::fs::remove_file(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::Config(format!(
            "cannot remove {}: {e}",
            p.display()
        ))),
    }
}
