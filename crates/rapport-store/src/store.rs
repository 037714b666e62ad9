//! The store: a pool of connections to one engine, handing out transactions.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::Duration;

use crate::conn::{Conn, Dialect};
use crate::{StoreError, postgres as pg, sqlite};

/// A transaction. Every repository operation is a method on it, so SQL stays in this crate.
pub struct Tx<'a> {
    pub(crate) c: &'a mut dyn Conn,
    /// Inside a bulk build (`BulkLoad`): the SQLite full-text indexes and
    /// `agenda_relationships` are filled once at the end, not batch by batch.
    pub(crate) bulk_build: bool,
    /// Loading new records (`Store::load`): multi-row inserts go through the engine's
    /// bulk form where it has one (PostgreSQL's `COPY`).
    pub(crate) copy: bool,
    /// While loading: the `agenda_relationships` rows to recompute once, when the
    /// load's work is done and before it commits, instead of after every multi-row
    /// insert (a batch's relationships, people and interactions each touch the same
    /// rows).
    pub(crate) agenda_later: Option<crate::queries::AgendaLater>,
    /// The workspaces whose network this transaction changed, each with the people it
    /// touched (`None`: too many to patch the kept graph from, see
    /// [`Tx::network_changed`]).
    pub(crate) network_changed: Vec<(rapport_core::Id, Option<Vec<rapport_core::Id>>)>,
    /// A load's vocabulary words go here instead of into this transaction (see
    /// [`Vocabulary`]): [`Writer::load`] on PostgreSQL.
    pub(crate) vocabulary: Option<&'a mut Vocabulary>,
}

impl<'a> Tx<'a> {
    /// A transaction's handle with nothing deferred and ordinary inserts.
    pub(crate) fn plain(c: &'a mut dyn Conn) -> Tx<'a> {
        Tx {
            c,
            bulk_build: false,
            copy: false,
            agenda_later: None,
            network_changed: Vec::new(),
            vocabulary: None,
        }
    }

    /// Runs `f` as a write transaction's work on `c`, then what a write puts off until
    /// its end ([`Tx::before_commit`]). With `load` (see [`Store::load`]): bulk inserts,
    /// and the agenda rows it touched recomputed once, after `f` and before the commit.
    /// With `vocabulary`, the vocabulary words are written there (see [`Vocabulary`]).
    pub(crate) fn write<T>(
        c: &'a mut dyn Conn,
        load: bool,
        vocabulary: Option<&'a mut Vocabulary>,
        f: &mut dyn FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = if load {
            Tx {
                copy: true,
                agenda_later: Some(Default::default()),
                vocabulary,
                ..Tx::plain(c)
            }
        } else {
            Tx::plain(c)
        };
        let out = f(&mut tx)?;
        tx.before_commit()?;
        Ok(out)
    }

    /// What every write transaction does last, once `f`'s work is done: the agenda
    /// rows a load put off, then the network generations it moved on (last, see
    /// [`Tx::network_generations_on`]).
    pub(crate) fn before_commit(&mut self) -> Result<(), StoreError> {
        if let Some(v) = self.vocabulary.as_deref_mut() {
            v.wait()?;
        }
        self.refresh_agenda_later()?;
        self.network_generations_on()
    }
}

impl Tx<'_> {
    pub fn dialect(&self) -> Dialect {
        self.c.dialect()
    }

    /// On PostgreSQL, sets how the planner plans the statements that follow, for the rest
    /// of this transaction (`set_config(…, true)`), in one statement, and returns the
    /// settings as they were, for [`Tx::restore_planning`] once those statements have
    /// run. `None` on SQLite, whose planner has no such settings.
    pub(crate) fn set_planning(
        &mut self,
        settings: &[(&str, &str)],
    ) -> Result<Option<Vec<crate::Value>>, StoreError> {
        if self.c.dialect() != Dialect::Postgres || settings.is_empty() {
            return Ok(None);
        }
        // The current values are read in a subquery, evaluated before the outer row
        // changes them.
        let current = settings
            .iter()
            .enumerate()
            .map(|(i, (name, _))| format!("current_setting('{name}') AS v{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let set = settings
            .iter()
            .map(|(name, value)| format!("set_config('{name}', '{value}', true)"))
            .collect::<Vec<_>>()
            .join(", ");
        let olds = (0..settings.len())
            .map(|i| format!("s.v{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT {olds}, {set} FROM (SELECT {current} OFFSET 0) AS s");
        let Some(row) = self.c.query_one(&sql, &[])? else {
            return Ok(None);
        };
        let before = (0..settings.len())
            .map(|i| row.text(i).map(crate::Value::from))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(before))
    }

    /// Puts back the planner settings [`Tx::set_planning`] changed (`before`, what it
    /// returned for the same `settings`), in one statement; nothing when it changed none.
    pub(crate) fn restore_planning(
        &mut self,
        settings: &[(&str, &str)],
        before: Option<Vec<crate::Value>>,
    ) -> Result<(), StoreError> {
        let Some(before) = before else {
            return Ok(());
        };
        let sets = settings
            .iter()
            .enumerate()
            .map(|(i, (name, _))| format!("set_config('{name}', ${}, true)", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        self.c.query(&format!("SELECT {sets}"), &before)?;
        Ok(())
    }

    /// A read by a list of ids: runs `sql(list)` once per [`IDS_PER_STATEMENT`] of
    /// `ids`, where `list` is their placeholders, numbered after the parameters of
    /// `lead` (which every statement binds first), and hands each row to `f` in place.
    pub(crate) fn for_each_by_ids(
        &mut self,
        lead: &[crate::Value],
        ids: &[impl std::borrow::Borrow<rapport_core::Id>],
        sql: impl Fn(&str) -> String,
        f: &mut dyn FnMut(&dyn crate::value::Cells) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for chunk in ids.chunks(IDS_PER_STATEMENT) {
            let list = crate::conn::placeholders(lead.len() + 1, chunk.len());
            let mut params = Vec::with_capacity(lead.len() + chunk.len());
            params.extend_from_slice(lead);
            params.extend(chunk.iter().map(|id| crate::Value::from(id.borrow())));
            self.c.for_each(&sql(&list), &params, f)?;
        }
        Ok(())
    }
}

/// How many ids one statement of a read by ids ([`Tx::for_each_by_ids`]) lists at most.
pub(crate) const IDS_PER_STATEMENT: usize = 500;

pub(crate) enum Backend {
    Sqlite {
        /// Replaced by a new, empty pool when a bulk build needs this store's own
        /// connections closed (see `bulk.rs`).
        pool: RwLock<r2d2::Pool<sqlite::SqliteManager>>,
        path: PathBuf,
    },
    Postgres {
        pool: r2d2::Pool<pg::PgManager>,
        /// The server's short reads (`Store::read_one_async`).
        shared: Box<pg::AsyncPg>,
    },
}

/// Where the data lives, parsed from `--db` / `RAPPORT_DB`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite://PATH`,
    /// `sqlite:PATH` or a plain path selects SQLite.
    pub fn parse(spec: &str) -> Result<Location, StoreError> {
        let s = spec.trim();
        if s.is_empty() {
            return Err(StoreError::Config("the database location is empty".into()));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Location::Postgres(s.to_string()));
        }
        let path = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
            .unwrap_or(s);
        if path.is_empty() {
            return Err(StoreError::Config("`sqlite:` needs a file path".into()));
        }
        if path.contains("://") {
            return Err(StoreError::Config(format!(
                "`{s}` is neither a file path nor a postgres:// or sqlite:// URL"
            )));
        }
        Ok(Location::Sqlite(PathBuf::from(path)))
    }
}

pub struct Store {
    pub(crate) backend: Backend,
}

/// What a transaction is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxKind {
    Read,
    /// A read that is usually one statement: see [`Store::read_one`].
    ReadOne,
    Write,
}

/// How many times a transaction that hit a lock or a serialization failure is retried.
const RETRIES: u32 = 30;
/// Pooled connections per store: to one SQLite file, to a PostgreSQL server.
const SQLITE_CONNECTIONS: u32 = 8;
const POSTGRES_CONNECTIONS: u32 = 16;

impl Store {
    pub fn open(spec: &str) -> Result<Store, StoreError> {
        match Location::parse(spec)? {
            Location::Sqlite(path) => Store::open_sqlite(&path),
            Location::Postgres(url) => Store::open_postgres(&url),
        }
    }

    fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        let path = path.to_path_buf();
        let first = with_retry(|| sqlite::open(&path).map_err(StoreError::from))
            .map_err(|e| StoreError::Config(format!("{}: {e}", path.display())))?;
        crate::migrate::sqlite(&first)?;
        Ok(Store {
            backend: Backend::Sqlite {
                pool: RwLock::new(sqlite_pool(&path)),
                path,
            },
        })
    }

    fn open_postgres(url: &str) -> Result<Store, StoreError> {
        let async_config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Config(format!("bad PostgreSQL URL: {e}")))?;
        let manager = pg::PgManager::new(postgres::Config::from(async_config.clone()));
        let mut first = manager
            .open()
            .map_err(|e| StoreError::Config(format!("cannot connect to PostgreSQL: {e}")))?;
        crate::migrate::postgres(first.client())?;
        manager.keep(first);
        let pool = r2d2::Pool::builder()
            .max_size(POSTGRES_CONNECTIONS)
            .min_idle(Some(0))
            // No ping per checkout (a round trip per transaction); `pg::in_tx` retries a
            // transaction whose idle connection turned out closed.
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(30))
            .build_unchecked(manager);
        Ok(Store {
            backend: Backend::Postgres {
                pool,
                shared: Box::new(pg::AsyncPg::new(async_config)),
            },
        })
    }

    /// How many transactions can run at once: the size of the connection pool. More
    /// threads than this would only queue for a connection.
    pub fn max_connections(&self) -> usize {
        match self.backend {
            Backend::Sqlite { .. } => SQLITE_CONNECTIONS as usize,
            Backend::Postgres { .. } => POSTGRES_CONNECTIONS as usize,
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self.backend {
            Backend::Sqlite { .. } => Dialect::Sqlite,
            Backend::Postgres { .. } => Dialect::Postgres,
        }
    }

    /// Runs `f` in a read transaction: one consistent snapshot on both engines (SQLite's
    /// WAL read transaction, PostgreSQL's REPEATABLE READ).
    pub fn read<T>(
        &self,
        mut f: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(TxKind::Read, &mut |c| f(&mut Tx::plain(c)))
    }

    /// [`Store::read`] for a read that is usually one statement (a credential, a record
    /// by id, a page of a list): on PostgreSQL it runs without `BEGIN` and `COMMIT`, two
    /// round trips fewer, since one statement sees one snapshot on its own. Should `f`
    /// ask for a second statement, it is refused, what `f` returned is dropped and `f`
    /// runs again in a transaction, so `f` must have no effects (not even on what it
    /// captured).
    pub fn read_one<T>(
        &self,
        mut f: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(TxKind::ReadOne, &mut |c| f(&mut Tx::plain(c)))
    }

    /// [`Store::read_one`] for the server's async workers, on PostgreSQL: `f`'s one
    /// statement is sent on a connection the server's runtime drives and awaited there,
    /// so the worker neither hands the read to a blocking thread nor sleeps in a
    /// connection's `block_on` (under concurrent reads, most of a read's cost on
    /// PostgreSQL). `f` runs twice, first to learn its statement (which is refused), then
    /// with that statement's rows, so it must have no effects. `None` when this cannot
    /// answer (SQLite, a second statement, anything but a query, a connection error):
    /// the caller then uses `read_one`, whose answer is the authoritative one.
    pub async fn read_one_async<T>(
        &self,
        f: impl Fn(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Option<Result<T, StoreError>> {
        let Backend::Postgres { shared, .. } = &self.backend else {
            return None;
        };
        let mut first = pg::Replay {
            asked: None,
            rows: None,
            refused: false,
        };
        let without = f(&mut Tx::plain(&mut first));
        let asked = match first.asked {
            Some(asked) if first.refused => asked,
            // No statement at all: that is the answer.
            None if !first.refused => return Some(without),
            _ => return None,
        };
        let rows = shared.query(&asked.sql, &asked.params).await.ok()?;
        let mut second = pg::Replay {
            asked: Some(asked),
            rows: Some(&rows),
            refused: false,
        };
        let answer = f(&mut Tx::plain(&mut second));
        (!second.refused).then_some(answer)
    }

    /// Runs `f` in one write transaction: all of its writes land, or none. A transaction
    /// that meets a lock or a serialization failure is rolled back and run again, so `f`
    /// must not have effects outside the transaction.
    pub fn write<T>(
        &self,
        mut f: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(TxKind::Write, &mut |c| Tx::write(c, false, None, &mut f))
    }

    /// `write` for loading many new records (the demo): the same transaction and the
    /// same rows, but plain multi-row inserts (those without an `ON CONFLICT` clause) go
    /// through PostgreSQL's `COPY … FROM STDIN`, several times faster to parse than
    /// `INSERT` statements with thousands of parameters, and the `agenda_relationships`
    /// rows the load touches are recomputed once, before it commits, not after each
    /// insert (the table is exact again when the transaction ends, as after `write`).
    pub fn load<T>(
        &self,
        mut f: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(TxKind::Write, &mut |c| Tx::write(c, true, None, &mut f))
    }

    /// Runs `f` in a read transaction on a connection of its own, opened for it outside
    /// the pool, so that it never waits for a pooled connection (nor holds one): for a
    /// read run on another thread beside a read in progress, such as the whole
    /// network's participant rows beside its people and ties. Its snapshot is its own:
    /// the caller checks that it sees what the other read sees. SQLite only: `None` on
    /// PostgreSQL, where the caller reads in its own transaction instead. Not for short
    /// reads on an async worker ([`without_waiting`] is per thread, and this read runs on
    /// another): opening a connection costs more than a short read.
    pub fn read_apart<T>(
        &self,
        mut f: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let Backend::Sqlite { path, .. } = &self.backend else {
            return Ok(None);
        };
        let conn = sqlite::open(path)?;
        sqlite::in_tx(&conn, false, &mut |c| f(&mut Tx::plain(c))).map(Some)
    }

    /// Whether [`without_waiting`] can ever run a read here: on SQLite, whose reads of
    /// a local file take microseconds; never on PostgreSQL, where every statement is a
    /// network round trip (and its blocking client cannot run inside an async runtime).
    pub fn reads_without_waiting(&self) -> bool {
        matches!(self.backend, Backend::Sqlite { .. })
    }

    fn run<T>(
        &self,
        kind: TxKind,
        f: &mut dyn FnMut(&mut dyn Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if NO_WAIT.with_borrow(|s| s.is_some()) {
            return self.run_without_waiting(kind, f);
        }
        with_retry(|| match &self.backend {
            Backend::Sqlite { pool, .. } => {
                let conn = current(pool).get()?;
                sqlite::in_tx(&conn, kind == TxKind::Write, f)
            }
            Backend::Postgres { pool, .. } => {
                let mut client = pool.get()?;
                pg::in_tx(&mut client, kind, f)
            }
        })
    }

    /// One attempt at a read, inside [`without_waiting`]: in the scope's read
    /// transaction on an idle pooled SQLite connection (begun by the scope's first
    /// read), or refused (a write, PostgreSQL, no idle connection, a lock).
    fn run_without_waiting<T>(
        &self,
        kind: TxKind,
        f: &mut dyn FnMut(&mut dyn Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Backend::Sqlite { pool, .. } = &self.backend else {
            return refuse();
        };
        if kind == TxKind::Write {
            return refuse();
        }
        let me = self as *const Store as usize;
        let conn = match NO_WAIT.with_borrow_mut(|s| s.as_mut().and_then(|s| s.open.take())) {
            Some((store, conn)) if store == me => conn,
            Some(other) => {
                // Another store's transaction: left open for it; this store would wait.
                NO_WAIT.with_borrow_mut(|s| {
                    if let Some(s) = s {
                        s.open = Some(other);
                    }
                });
                return refuse();
            }
            None => {
                let Some(conn) = current(pool).try_get() else {
                    return refuse();
                };
                match sqlite::begin_without_waiting(&conn) {
                    Ok(()) => conn,
                    Err(e) if e.is_retryable() => return refuse(),
                    Err(e) => return Err(e),
                }
            }
        };
        match f(&mut sqlite::SqliteConn(&conn)) {
            Ok(v) => {
                // Kept open for the scope's next read; `without_waiting` ends it.
                let kept = NO_WAIT.with_borrow_mut(|s| match s {
                    Some(s) => {
                        s.open = Some((me, conn));
                        None
                    }
                    None => Some(conn),
                });
                if let Some(conn) = kept {
                    sqlite::end_without_waiting(&conn, true)?;
                }
                Ok(v)
            }
            Err(e) => {
                let _ = sqlite::end_without_waiting(&conn, false);
                if e.is_retryable() { refuse() } else { Err(e) }
            }
        }
    }

    /// After loading many rows: gives PostgreSQL's planner the tables' new sizes and
    /// value distributions. Until autovacuum gets round to it (later, or never where it
    /// is off) a freshly loaded table looks empty, and a page of a list is planned as
    /// "read the whole workspace and sort it" instead of a walk of the
    /// `(workspace_id, id)` index. SQLite's plans here use no statistics: nothing to do.
    pub fn refresh_statistics(&self) -> Result<(), StoreError> {
        may_wait()?;
        match &self.backend {
            Backend::Sqlite { .. } => Ok(()),
            Backend::Postgres { pool, .. } => pg::analyze(&mut *pool.get()?),
        }
    }

    /// A connection kept for a long series of write transactions (see [`Writer`]).
    pub fn writer(&self) -> Result<Writer, StoreError> {
        may_wait()?;
        let conn = match &self.backend {
            Backend::Sqlite { pool, .. } => {
                let conn = current(pool).get()?;
                sqlite::set_cache(&conn, WRITER_CACHE_KIB)?;
                WriterConn::Sqlite(conn)
            }
            Backend::Postgres { pool, .. } => WriterConn::Postgres(Box::new(pool.get()?)),
        };
        let pool = match &self.backend {
            Backend::Postgres { pool, .. } => Some(pool.clone()),
            Backend::Sqlite { .. } => None,
        };
        Ok(Writer {
            conn,
            pool,
            vocabulary: None,
        })
    }

    /// The SQLite file, when the store is SQLite.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Sqlite { path, .. } => Some(path),
            Backend::Postgres { .. } => None,
        }
    }

    /// Writes a consistent copy of a SQLite database to `dest` (online, safe while others write).
    pub fn sqlite_backup(&self, dest: &Path) -> Result<(), StoreError> {
        may_wait()?;
        match &self.backend {
            Backend::Sqlite { pool, .. } => {
                let conn = current(pool).get()?;
                sqlite::backup_to(&conn, dest)
            }
            Backend::Postgres { .. } => {
                Err(StoreError::Config("a file copy is only for SQLite".into()))
            }
        }
    }
}

/// What [`without_waiting`] keeps on its thread.
struct NoWait {
    /// A transaction was refused.
    refused: bool,
    /// The read transaction the scope's reads share: the store's address and its
    /// pooled connection, `BEGIN` run.
    open: Option<(usize, r2d2::PooledConnection<sqlite::SqliteManager>)>,
}

thread_local! {
    /// Inside [`without_waiting`] on this thread.
    static NO_WAIT: RefCell<Option<NoWait>> = const { RefCell::new(None) };
}

/// Records a refusal inside [`without_waiting`].
fn refuse<T>() -> Result<T, StoreError> {
    NO_WAIT.with_borrow_mut(|s| {
        if let Some(s) = s {
            s.refused = true;
        }
    });
    Err(StoreError::WouldWait)
}

/// Runs `f`, whose transactions (on any store) must not wait: for short reads on a
/// thread that serves many clients, such as an async runtime's worker. Reads run at
/// once, in one attempt, in one read transaction (one snapshot) that they share, on an
/// idle pooled SQLite connection taken by the first and given back when `f` returns.
/// Every other transaction (a write, a read that finds no idle connection or meets a
/// lock, anything on PostgreSQL, a [`Writer`]) is refused with
/// [`StoreError::WouldWait`] without being run; a read that meets a lock is not
/// retried, nor does SQLite wait for the lock. `None` when anything was refused,
/// whatever `f` made of the error: the caller then runs `f` again where it may wait, so
/// `f` must have no effects outside the store.
pub fn without_waiting<R>(f: impl FnOnce() -> R) -> Option<R> {
    let mut scope = Scope {
        outer: Some(NO_WAIT.replace(Some(NoWait {
            refused: false,
            open: None,
        }))),
    };
    let r = f();
    let outer = scope.outer.take()?;
    let had_outer = outer.is_some();
    let inner = NO_WAIT.replace(outer);
    let mut refused = inner.as_ref().is_none_or(|s| s.refused);
    if let Some((_, conn)) = inner.and_then(|s| s.open)
        && sqlite::end_without_waiting(&conn, true).is_err()
    {
        refused = true;
    }
    if refused {
        // A refusal inside a nested call is a refusal of the outer one too.
        if had_outer {
            let _ = refuse::<()>();
        }
        None
    } else {
        Some(r)
    }
}

/// Puts back what [`without_waiting`] replaced, should `f` unwind: the thread's state as
/// it was, the scope's transaction rolled back and its connection back in the pool.
struct Scope {
    outer: Option<Option<NoWait>>,
}

impl Drop for Scope {
    fn drop(&mut self) {
        if let Some(outer) = self.outer.take()
            && let Some((_, conn)) = NO_WAIT.replace(outer).and_then(|s| s.open)
        {
            let _ = sqlite::end_without_waiting(&conn, false);
        }
    }
}

/// Refuses (and records the refusal) inside [`without_waiting`]: for the store's work
/// that is never short (a writer, a backup, a bulk build, statistics).
pub(crate) fn may_wait() -> Result<(), StoreError> {
    if NO_WAIT.with_borrow(|s| s.is_some()) {
        return refuse();
    }
    Ok(())
}

/// The SQLite page cache of a [`Writer`], in KiB (256 MiB).
pub const WRITER_CACHE_KIB: i64 = 256 * 1024;

/// One connection kept for a long series of write transactions, such as the batches of
/// a large import, so that the pages one transaction wrote are still cached for the
/// next. On SQLite its page cache is [`WRITER_CACHE_KIB`] rather than a pooled
/// connection's 16 MB: the indexes a batch adds to at many places (by name, by
/// organization, the full-text segments it merges) outgrow 16 MB early in a large
/// import, and every page evicted is written to the WAL and read back. Memory stays
/// bounded by the cache, not by the data; the cache is set back when the writer is
/// dropped. Transactions are retried as [`Store::write`] retries them.
pub struct Writer {
    conn: WriterConn,
    /// PostgreSQL: the pool the [`Vocabulary`]'s connection is taken from.
    pool: Option<r2d2::Pool<pg::PgManager>>,
    /// PostgreSQL: started by the first [`Writer::load`].
    vocabulary: Option<Vocabulary>,
}

enum WriterConn {
    Sqlite(r2d2::PooledConnection<sqlite::SqliteManager>),
    Postgres(Box<r2d2::PooledConnection<pg::PgManager>>),
}

impl Writer {
    /// Runs `f` in one write transaction on this writer's connection; see
    /// [`Store::write`].
    pub fn write<T>(
        &mut self,
        f: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(false, false, f)
    }

    /// [`Writer::write`] for a transaction that adds many new records (an import's
    /// batch): as in [`Store::load`], plain multi-row inserts go through PostgreSQL's
    /// `COPY` and the agenda rows are recomputed once at the end; the rows,
    /// constraints and the rest of the transaction are those of `write`. On PostgreSQL
    /// the new vocabulary words are written meanwhile on a second connection
    /// ([`Vocabulary`]), and are there before this transaction commits, but stay if it
    /// fails: a transaction to be rolled back (a dry run) takes [`Writer::load_all_inside`].
    pub fn load<T>(
        &mut self,
        f: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.vocabulary.is_none()
            && let Some(pool) = &self.pool
        {
            self.vocabulary = Some(Vocabulary::start(pool)?);
        }
        self.run(true, true, f)
    }

    /// [`Writer::load`] with the vocabulary words written inside the transaction too, so
    /// that rolling it back leaves nothing behind.
    pub fn load_all_inside<T>(
        &mut self,
        f: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.run(true, false, f)
    }

    /// [`Store::refresh_statistics`] on this writer's connection, between the batches of
    /// a large import: until then the planner takes the tables just filled for empty,
    /// and the next batch's lookups (which emails, phones and names are known) keep
    /// plans made for empty tables — a scan of every row per lookup.
    /// On PostgreSQL, with a [`Vocabulary`] started, its connection vacuums and analyzes
    /// the search tables while this one analyzes the others.
    pub fn refresh_statistics(&mut self) -> Result<(), StoreError> {
        match (&mut self.conn, &mut self.vocabulary) {
            (WriterConn::Sqlite(_), _) => Ok(()),
            (WriterConn::Postgres(client), None) => pg::analyze(&mut *client),
            (WriterConn::Postgres(client), Some(vocabulary)) => {
                vocabulary.refresh_search_statistics()?;
                let rest = pg::analyze_the_rest(&mut *client);
                vocabulary.wait()?;
                rest
            }
        }
    }

    fn run<T>(
        &mut self,
        copy: bool,
        aside: bool,
        mut f: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Writer {
            conn, vocabulary, ..
        } = self;
        let mut vocabulary = vocabulary.as_mut().filter(|_| aside);
        with_retry(|| {
            if let Some(v) = vocabulary.as_deref_mut() {
                // What an earlier attempt handed over is written (or failed) before this
                // one starts; its outcome is that attempt's, not this one's.
                let _ = v.wait();
            }
            let mut run = |c: &mut dyn Conn| Tx::write(c, copy, vocabulary.as_deref_mut(), &mut f);
            match conn {
                WriterConn::Sqlite(conn) => sqlite::in_tx(conn, true, &mut run),
                WriterConn::Postgres(client) => pg::in_tx(client, TxKind::Write, &mut run),
            }
        })
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let WriterConn::Sqlite(conn) = &self.conn {
            // Back in the pool with a pooled connection's cache. A failure leaves the
            // larger cache on one connection, which is bounded too.
            let _ = sqlite::set_cache(conn, sqlite::POOL_CACHE_KIB);
        }
    }
}

/// The vocabulary words (`search_terms`) of a PostgreSQL load, written on a connection
/// of their own, on a thread of their own, while the load's transaction goes on with the
/// rest: the two PostgreSQL backends then work at once. The vocabulary is the one table
/// this can hold for: it only ever grows (a word whose records changed or went away
/// stays, and typo correction and the words index already take such words), so words
/// committed apart from their records, even when the load fails, change nothing a
/// search answers that an edit could not. A load waits, before it commits, until every
/// word it handed over is written, so its records are never without their words.
///
/// The words go in with the statement the transaction would have run
/// ([`Tx::insert_vocabulary`]), one transaction per [`Vocabulary::send`], with a lock
/// timeout: a word another transaction is inserting makes this one wait, and that
/// transaction might be waiting for the load, which is waiting for this.
pub(crate) struct Vocabulary {
    send: Option<std::sync::mpsc::SyncSender<VocabularyWork>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

enum VocabularyWork {
    /// Rows of (workspace, word, word reversed), flattened.
    Words(Vec<String>),
    /// The search tables' statistics refreshed (`pg::analyze_search`).
    Statistics,
    /// Answered once the words before it are written, with the first failure since the
    /// last `Done`.
    Done(std::sync::mpsc::Sender<Result<(), StoreError>>),
}

impl Vocabulary {
    fn start(pool: &r2d2::Pool<pg::PgManager>) -> Result<Vocabulary, StoreError> {
        let mut conn = pool.get()?;
        // Two sets of words queued at most: memory stays bounded by the load's batches.
        let (send, receive) = std::sync::mpsc::sync_channel::<VocabularyWork>(2);
        let thread = std::thread::Builder::new()
            .name("vocabulary".into())
            .spawn(move || {
                let mut failed = None;
                for work in receive {
                    match work {
                        VocabularyWork::Words(words) if failed.is_none() => {
                            let cells: Vec<crate::value::Cell<'_>> =
                                words.iter().map(|w| crate::value::Cell::Text(w)).collect();
                            let written = with_retry(|| {
                                pg::in_tx(&mut conn, TxKind::Write, &mut |c| {
                                    c.execute(
                                        "SELECT set_config('lock_timeout', '10s', true)",
                                        &[],
                                    )?;
                                    Tx::plain(c).insert_vocabulary(&cells)
                                })
                            });
                            failed = written.err();
                        }
                        VocabularyWork::Statistics if failed.is_none() => {
                            failed = pg::analyze_search(&mut conn).err();
                        }
                        VocabularyWork::Words(_) | VocabularyWork::Statistics => {}
                        VocabularyWork::Done(answer) => {
                            let _ = answer.send(failed.take().map_or(Ok(()), Err));
                        }
                    }
                }
            })
            .map_err(|e| StoreError::Config(format!("cannot start a thread: {e}")))?;
        Ok(Vocabulary {
            send: Some(send),
            thread: Some(thread),
        })
    }

    /// Queues work for the thread.
    fn hand(&mut self, work: VocabularyWork) -> Result<(), StoreError> {
        self.send
            .as_ref()
            .and_then(|s| s.send(work).ok())
            .ok_or_else(|| StoreError::Config("the vocabulary's writer stopped".into()))
    }

    /// Hands rows of (workspace, word, word reversed), flattened, to the thread.
    pub(crate) fn send(&mut self, words: Vec<String>) -> Result<(), StoreError> {
        self.hand(VocabularyWork::Words(words))
    }

    /// Asks the thread to refresh the search tables' statistics after the words handed
    /// over (see [`Writer::refresh_statistics`]).
    fn refresh_search_statistics(&mut self) -> Result<(), StoreError> {
        self.hand(VocabularyWork::Statistics)
    }

    /// Waits until every word handed over is written; the first failure since the last
    /// wait. A lock timeout is a busy database: the load is tried again.
    pub(crate) fn wait(&mut self) -> Result<(), StoreError> {
        let (answer, done) = std::sync::mpsc::channel();
        self.hand(VocabularyWork::Done(answer))?;
        done.recv()
            .unwrap_or_else(|_| Err(StoreError::Config("the vocabulary's writer stopped".into())))
            .map_err(|e| match &e {
                StoreError::Postgres(pg)
                    if pg.code() == Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE) =>
                {
                    StoreError::Busy
                }
                _ => e,
            })
    }
}

impl Drop for Vocabulary {
    fn drop(&mut self) {
        // The thread ends once its queue is closed and empty.
        self.send = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A pool of up to `SQLITE_CONNECTIONS` connections to one SQLite file, opened as they are needed.
pub(crate) fn sqlite_pool(path: &Path) -> r2d2::Pool<sqlite::SqliteManager> {
    r2d2::Pool::builder()
        .max_size(SQLITE_CONNECTIONS)
        .min_idle(Some(0))
        // A connection to a local file does not go stale; checking one costs a call.
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(30))
        .build_unchecked(sqlite::SqliteManager {
            path: path.to_path_buf(),
        })
}

/// The store's current SQLite pool (a cheap handle).
pub(crate) fn current(
    pool: &RwLock<r2d2::Pool<sqlite::SqliteManager>>,
) -> r2d2::Pool<sqlite::SqliteManager> {
    // A poisoned lock still holds a valid pool: replacing it cannot panic half-way.
    pool.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Retries `f` with growing, jittered pauses while it fails with a transient lock error.
fn with_retry<T>(mut f: impl FnMut() -> Result<T, StoreError>) -> Result<T, StoreError> {
    let mut attempt = 0u32;
    loop {
        match f() {
            Err(e) if e.is_retryable() && attempt < RETRIES => {
                attempt += 1;
                let jitter = (std::process::id() as u64)
                    .wrapping_mul(2654435761)
                    .wrapping_add(attempt as u64 * 97)
                    % 20;
                let pause = Duration::from_millis((5u64 << attempt.min(5)) + jitter);
                #[allow(clippy::disallowed_methods)]
                // reason: the store's own backoff between retries
                std::thread::sleep(pause);
            }
            Err(e) if e.is_retryable() => return Err(StoreError::Busy),
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert_eq!(
            Location::parse("a.db").ok(),
            Some(Location::Sqlite("a.db".into()))
        );
        assert_eq!(
            Location::parse("sqlite:///tmp/x.db").ok(),
            Some(Location::Sqlite("/tmp/x.db".into()))
        );
        assert!(matches!(
            Location::parse("postgres://u@h/db"),
            Ok(Location::Postgres(_))
        ));
        assert!(Location::parse("mysql://x").is_err());
        assert!(Location::parse("").is_err());
    }
}
