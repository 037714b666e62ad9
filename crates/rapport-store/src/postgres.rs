//! The PostgreSQL engine: the same portable SQL, bound through one `Value` type.

use std::collections::HashMap;
use std::error::Error;
use std::io::Write;
use std::sync::Arc;

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, GenericClient, NoTls, Statement};

use crate::StoreError;
use crate::conn::{Conn, Dialect};
use crate::store::TxKind;
use crate::value::{Cell, Cells, Row, Value};

type BoxError = Box<dyn Error + Sync + Send>;

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        Cell::from(self).to_sql(ty, out)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl ToSql for Cell<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match *self {
            Cell::Null => Ok(IsNull::Yes),
            Cell::Int(v) => match *ty {
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::FLOAT8 => (v as f64).to_sql(ty, out),
                Type::FLOAT4 => (v as f32).to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                    v.to_string().to_sql(ty, out)
                }
                _ => v.to_sql(ty, out),
            },
            Cell::Real(v) => match *ty {
                Type::FLOAT4 => (v as f32).to_sql(ty, out),
                Type::INT8 => (v as i64).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Cell::Text(s) => match *ty {
                Type::INT8 => s.parse::<i64>()?.to_sql(ty, out),
                _ => s.to_sql(ty, out),
            },
            Cell::Bytes(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Value, BoxError> {
        Ok(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)? as i64),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)? as i64),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)? as i64),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)? as f64),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                Value::Text(String::from_sql(ty, raw)?)
            }
            Type::BYTEA => Value::Bytes(<&[u8]>::from_sql(ty, raw)?.to_vec()),
            _ => return Err(format!("unsupported column type {ty} (cast it in SQL)").into()),
        })
    }

    fn from_sql_null(_ty: &Type) -> Result<Value, BoxError> {
        Ok(Value::Null)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }
}

impl<'a> FromSql<'a> for Cell<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Cell<'a>, BoxError> {
        Ok(match *ty {
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                Cell::Text(<&str>::from_sql(ty, raw)?)
            }
            Type::BYTEA => Cell::Bytes(<&[u8]>::from_sql(ty, raw)?),
            _ => match Value::from_sql(ty, raw)? {
                Value::Int(v) => Cell::Int(v),
                Value::Real(v) => Cell::Real(v),
                Value::Null | Value::Text(_) | Value::Bytes(_) => {
                    return Err(format!("unsupported column type {ty}").into());
                }
            },
        })
    }

    fn from_sql_null(_ty: &Type) -> Result<Cell<'a>, BoxError> {
        Ok(Cell::Null)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }
}

/// A fetched row read in place.
struct PgCells<'r>(&'r postgres::Row);

impl Cells for PgCells<'_> {
    fn cell(&self, i: usize) -> Result<Cell<'_>, StoreError> {
        Ok(self.0.try_get::<_, Cell<'_>>(i)?)
    }
}

/// A pooled connection with its prepared-statement cache.
pub struct PgClient {
    client: Client,
    cache: HashMap<String, Statement>,
}

/// A PostgreSQL transaction (or a lone statement, see `in_tx`) seen through the portable
/// interface.
pub struct PgConn<'a, C: GenericClient> {
    tx: &'a mut C,
    cache: &'a mut HashMap<String, Statement>,
    /// Outside a transaction: whether the one statement allowed has run, and whether a
    /// second one was asked for (the work is then done again in a transaction).
    lone: Option<&'a mut Lone>,
}

#[derive(Default)]
struct Lone {
    ran: bool,
    needs_transaction: bool,
}

impl<C: GenericClient> PgConn<'_, C> {
    /// Counts a statement about to run; outside a transaction refuses a second one, and
    /// anything but a query (which the read-only transaction will refuse in turn).
    fn admit(&mut self, sql: &str) -> Result<(), StoreError> {
        if let Some(lone) = self.lone.as_deref_mut() {
            let query = sql
                .trim_start()
                .get(..6)
                .is_some_and(|w| w.eq_ignore_ascii_case("SELECT"));
            if lone.ran || !query {
                lone.needs_transaction = true;
                return Err(StoreError::Busy);
            }
            lone.ran = true;
        }
        Ok(())
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        self.admit(sql)?;
        if let Some(s) = self.cache.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        if self.cache.len() > 512 {
            self.cache.clear();
        }
        self.cache.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

fn refs<P: ToSql + Sync>(params: &[P]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// Hands each fetched row to `f` in place; stops at the first error `f` returns.
fn feed(
    rows: &[postgres::Row],
    f: &mut dyn FnMut(&dyn Cells) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    for r in rows {
        f(&PgCells(r))?;
    }
    Ok(())
}

/// Fetched rows as values.
fn values(rows: &[postgres::Row]) -> Result<Vec<Row>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut vals = Vec::with_capacity(r.len());
        for i in 0..r.len() {
            vals.push(r.try_get::<_, Value>(i)?);
        }
        out.push(Row(vals));
    }
    Ok(out)
}

impl<C: GenericClient> Conn for PgConn<'_, C> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute_cells(&mut self, sql: &str, params: &[Cell<'_>]) -> Result<u64, StoreError> {
        let stmt = self.statement(sql)?;
        Ok(self.tx.execute(&stmt, &refs(params))?)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let stmt = self.statement(sql)?;
        values(&self.tx.query(&stmt, &refs(params))?)
    }

    fn for_each(
        &mut self,
        sql: &str,
        params: &[Value],
        f: &mut dyn FnMut(&dyn Cells) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        // The rows are collected, then handed over: streaming them (`query_raw`) enters
        // the driver's runtime once per row, which cost a 100k `today` about 20 ms of
        // client CPU more than the overlap with the server saved.
        let stmt = self.statement(sql)?;
        feed(&self.tx.query(&stmt, &refs(params))?, f)
    }

    fn copy_in(
        &mut self,
        target: &str,
        width: usize,
        params: &[Cell<'_>],
    ) -> Result<Option<u64>, StoreError> {
        if width == 0 || params.is_empty() {
            return Ok(Some(0));
        }
        let data = copy_text(width, params);
        let mut writer = self.tx.copy_in(&format!("COPY {target} FROM STDIN"))?;
        writer.write_all(&data).map_err(|e| {
            // The writer fails only when sending fails, with the driver's error inside.
            match e.into_inner().map(|b| b.downcast::<postgres::Error>()) {
                Some(Ok(pg)) => StoreError::Postgres(*pg),
                Some(Err(other)) => StoreError::Config(format!("COPY failed: {other}")),
                None => StoreError::Config("COPY failed".into()),
            }
        })?;
        Ok(Some(writer.finish()?))
    }
}

/// Rows in `COPY`'s text format: tab-separated, one line a row, `\N` for NULL, and
/// backslash, tab, newline and carriage return escaped in text. Numbers are written as
/// PostgreSQL reads them back, so each column gets what an `INSERT` would store.
fn copy_text(width: usize, params: &[Cell<'_>]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(params.len() * 24);
    for row in params.chunks(width) {
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                out.push(b'\t');
            }
            // Writing into a Vec cannot fail.
            let _ = match *v {
                Cell::Null => out.write_all(b"\\N"),
                Cell::Int(n) => write!(out, "{n}"),
                Cell::Real(x) if x.is_nan() => out.write_all(b"NaN"),
                Cell::Real(x) if x.is_infinite() => {
                    out.write_all(if x > 0.0 { b"Infinity" } else { b"-Infinity" })
                }
                Cell::Real(x) => write!(out, "{x:?}"),
                Cell::Text(s) => {
                    for b in s.bytes() {
                        match b {
                            b'\\' => out.extend_from_slice(b"\\\\"),
                            b'\t' => out.extend_from_slice(b"\\t"),
                            b'\n' => out.extend_from_slice(b"\\n"),
                            b'\r' => out.extend_from_slice(b"\\r"),
                            _ => out.push(b),
                        }
                    }
                    Ok(())
                }
                // `bytea`'s hex input, its backslash escaped.
                Cell::Bytes(b) => {
                    out.extend_from_slice(b"\\\\x");
                    for byte in b {
                        let _ = write!(out, "{byte:02x}");
                    }
                    Ok(())
                }
            };
        }
        out.push(b'\n');
    }
    out
}

pub struct PgManager {
    config: postgres::Config,
    /// A connection made before the pool (the one that checked the schema), handed out
    /// by the pool's first `connect` instead of starting another backend: a command
    /// that reads once then needs one connection in all.
    spare: std::sync::Mutex<Option<PgClient>>,
}

impl PgManager {
    pub fn new(config: postgres::Config) -> PgManager {
        PgManager {
            config,
            spare: std::sync::Mutex::new(None),
        }
    }

    /// A new connection, outside the pool.
    pub fn open(&self) -> Result<PgClient, postgres::Error> {
        Ok(PgClient {
            client: self.config.connect(NoTls)?,
            cache: HashMap::new(),
        })
    }

    /// Keeps `conn` for the pool's first connection.
    pub fn keep(&self, conn: PgClient) {
        if let Ok(mut spare) = self.spare.lock() {
            *spare = Some(conn);
        }
    }
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgClient;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgClient, postgres::Error> {
        let kept = self.spare.lock().ok().and_then(|mut s| s.take());
        match kept {
            Some(conn) if !conn.client.is_closed() => Ok(conn),
            _ => self.open(),
        }
    }

    fn is_valid(&self, conn: &mut PgClient) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut PgClient) -> bool {
        conn.client.is_closed()
    }
}

impl PgClient {
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// `ANALYZE`: the planner's statistics of every table, after a large load. Statements
/// prepared before are planned again when next run.
///
/// The search tables are vacuumed first (each its own statement: `VACUUM` cannot run in
/// a transaction, nor in a string of several statements): until a table's pages are
/// marked all-visible, the typo corrections' index ranges over `search_terms` are not
/// index-only but visit a heap page per word in the range (2,900 words, 1,600 pages,
/// 1.5–4 ms for a four-letter word at 100k people), and the trigram index's pending
/// list is merged. Autovacuum would do both in its own time, or never where it is off.
/// Only the pages written since the last vacuum are read again.
pub(crate) fn analyze(conn: &mut PgClient) -> Result<(), StoreError> {
    analyze_search(conn)?;
    analyze_the_rest(conn)
}

/// The search tables' half of [`analyze`]: vacuumed, then analyzed.
pub(crate) fn analyze_search(conn: &mut PgClient) -> Result<(), StoreError> {
    conn.client.batch_execute("VACUUM search_terms")?;
    conn.client.batch_execute("VACUUM search_docs")?;
    conn.client
        .batch_execute("ANALYZE search_terms, search_docs")?;
    Ok(())
}

/// The tables the agenda reads most of, vacuumed as well as analyzed after a load (see
/// [`analyze_the_rest`]).
const AGENDA_TABLES: [&str; 2] = ["agenda_relationships", "commitments"];

/// The other half of [`analyze`]: every other table of the schema analyzed, which
/// another connection can do at the same time as [`analyze_search`].
///
/// The agenda's tables are vacuumed too. Until a page is marked all-visible, an
/// index-only scan visits the heap for each of its rows: the open promises, which
/// `commitments_open` covers, were read by a scan of the whole table (70 ms at 100k
/// people) instead of their index range (10–15 ms). And the load's refreshes of the
/// agenda rows leave as many dead rows in `agenda_relationships` as live ones, which
/// every read of the check-ins steps over. Autovacuum would do both in its own time, or
/// never where it is off; only the pages written since the last vacuum are read again.
pub(crate) fn analyze_the_rest(conn: &mut PgClient) -> Result<(), StoreError> {
    conn.client
        .batch_execute(&format!("VACUUM (ANALYZE) {}", AGENDA_TABLES.join(", ")))?;
    // Table names from this file, never from input.
    let done = ["search_terms", "search_docs"]
        .iter()
        .chain(AGENDA_TABLES.iter())
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let tables: String = conn
        .client
        .query_one(
            &format!(
                "SELECT COALESCE(string_agg(quote_ident(relname), ', '), '') FROM pg_class
                 WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p')
                   AND relname NOT IN ({done})"
            ),
            &[],
        )?
        .get(0);
    if !tables.is_empty() {
        conn.client.batch_execute(&format!("ANALYZE {tables}"))?;
    }
    Ok(())
}

/// Whether the connection was gone before the request was sent (closed, or ended by the
/// server, which says so when next asked).
fn lost(e: &postgres::Error) -> bool {
    e.is_closed() || e.code() == Some(&postgres::error::SqlState::ADMIN_SHUTDOWN)
}

/// Runs `f` in a transaction: read-only REPEATABLE READ for reads.
///
/// A `ReadOne` is first tried as a lone statement, without `BEGIN` and `COMMIT`. If `f`
/// asks for a second statement (or for anything but a query), that attempt is refused,
/// whatever `f` returned is dropped, and `f` runs again in a transaction.
pub(crate) fn in_tx<T>(
    conn: &mut PgClient,
    kind: TxKind,
    f: &mut dyn FnMut(&mut dyn Conn) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let PgClient { client, cache } = conn;
    let write = kind == TxKind::Write;
    if kind == TxKind::ReadOne {
        let mut lone = Lone::default();
        let result = f(&mut PgConn {
            tx: client,
            cache,
            lone: Some(&mut lone),
        });
        match result {
            _ if lone.needs_transaction => {}
            // A connection the server closed while it sat in the pool: nothing ran, so
            // the read is retried on another one (this one is dropped as broken).
            Err(StoreError::Postgres(e)) if lost(&e) => return Err(StoreError::Busy),
            other => return other,
        }
    }
    let begun = if write {
        client.transaction()
    } else {
        client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
    };
    // Pooled connections are not pinged when they are taken (a round trip per
    // transaction): one the server closed while it sat idle fails here, before anything
    // of the transaction ran, so the transaction is retried on another connection (this
    // one is dropped from the pool as broken).
    let mut tx = match begun {
        Ok(tx) => tx,
        Err(e) if lost(&e) => return Err(StoreError::Busy),
        Err(e) => return Err(e.into()),
    };
    let v = f(&mut PgConn {
        tx: &mut tx,
        cache,
        lone: None,
    })?;
    tx.commit()?;
    Ok(v)
}

/// A connection shared by the server's short reads, driven by the server's own runtime
/// instead of a pooled connection's: a read is sent and awaited on the async worker,
/// with no hop to a blocking thread and no `block_on` (see `Store::read_one_async`).
/// Concurrent reads are pipelined on it, and its backend takes them in batches (under
/// `wrk -c16`, 56-59 µs of CPU per person read, server and backend, against 73-83 µs
/// with four such connections taken in turn). Made when first needed; a closed one is
/// replaced by the next read.
pub struct AsyncPg {
    config: tokio_postgres::Config,
    client: std::sync::Mutex<Option<Arc<AsyncClient>>>,
}

struct AsyncClient {
    client: tokio_postgres::Client,
    cache: std::sync::Mutex<HashMap<String, Statement>>,
}

impl AsyncPg {
    pub fn new(config: tokio_postgres::Config) -> AsyncPg {
        AsyncPg {
            config,
            client: std::sync::Mutex::new(None),
        }
    }

    async fn connect(&self) -> Result<Arc<AsyncClient>, StoreError> {
        let open = self
            .client
            .lock()
            .ok()
            .and_then(|c| c.as_ref().filter(|c| !c.client.is_closed()).cloned());
        if let Some(c) = open {
            return Ok(c);
        }
        let (client, connection) = self.config.connect(NoTls).await?;
        // The connection's task ends when the client is dropped or the server closes it.
        tokio::spawn(connection);
        let fresh = Arc::new(AsyncClient {
            client,
            cache: std::sync::Mutex::new(HashMap::new()),
        });
        if let Ok(mut c) = self.client.lock() {
            *c = Some(fresh.clone());
        }
        Ok(fresh)
    }

    /// Runs one query (prepared once per connection) and returns its rows.
    pub(crate) async fn query(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<Vec<postgres::Row>, StoreError> {
        let c = self.connect().await?;
        let cached = c.cache.lock().ok().and_then(|m| m.get(sql).cloned());
        let stmt = match cached {
            Some(s) => s,
            None => {
                let s = c.client.prepare(sql).await?;
                if let Ok(mut m) = c.cache.lock() {
                    if m.len() > 512 {
                        m.clear();
                    }
                    m.insert(sql.to_string(), s.clone());
                }
                s
            }
        };
        Ok(c.client.query(&stmt, &refs(params)).await?)
    }
}

/// The one statement a read asks for (see `Store::read_one_async`).
#[derive(PartialEq)]
pub(crate) struct Asked {
    pub sql: String,
    pub params: Vec<Value>,
}

/// A read run twice: first to learn its one statement (`rows` is `None`, every statement
/// is refused), then with that statement's rows, which answer the same statement once.
/// Anything else — a second statement, a different one, anything but a query — is
/// refused, and `refused` says so.
pub(crate) struct Replay<'a> {
    pub asked: Option<Asked>,
    pub rows: Option<&'a [postgres::Row]>,
    pub refused: bool,
}

impl Replay<'_> {
    fn answer(&mut self, sql: &str, params: &[Value]) -> Result<&[postgres::Row], StoreError> {
        let is_query = sql
            .trim_start()
            .get(..6)
            .is_some_and(|w| w.eq_ignore_ascii_case("SELECT"));
        let asked = Asked {
            sql: sql.to_string(),
            params: params.to_vec(),
        };
        match self.rows.take() {
            Some(rows) if is_query && self.asked.as_ref() == Some(&asked) => Ok(rows),
            None if is_query && self.asked.is_none() => {
                self.asked = Some(asked);
                self.refused = true;
                Err(StoreError::Busy)
            }
            _ => {
                self.refused = true;
                Err(StoreError::Busy)
            }
        }
    }
}

impl Conn for Replay<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute_cells(&mut self, _sql: &str, _params: &[Cell<'_>]) -> Result<u64, StoreError> {
        self.refused = true;
        Err(StoreError::Busy)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        values(self.answer(sql, params)?)
    }

    fn for_each(
        &mut self,
        sql: &str,
        params: &[Value],
        f: &mut dyn FnMut(&dyn Cells) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        feed(self.answer(sql, params)?, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_text_and_writes_null() {
        let rows = [
            Value::Text("a\tb\\c\nd\re".into()),
            Value::Null,
            Value::Int(-7),
            Value::Real(2.5),
            Value::Text("Zoë".into()),
            Value::Text(String::new()),
            Value::Real(f64::NAN),
            Value::Real(f64::NEG_INFINITY),
            Value::Bytes(vec![0, 0x5c, 0xff]),
            Value::Bytes(Vec::new()),
            Value::Null,
            Value::Null,
        ];
        assert_eq!(
            String::from_utf8(copy_text(
                4,
                &rows.iter().map(Cell::from).collect::<Vec<_>>()
            ))
            .ok()
            .as_deref(),
            Some(
                "a\\tb\\\\c\\nd\\re\t\\N\t-7\t2.5\nZoë\t\tNaN\t-Infinity\n\\\\x005cff\t\\\\x\t\\N\t\\N\n"
            )
        );
    }
}
