//! The one query interface both engines implement. SQL above this line is portable:
//! `$1`-style placeholders and the TEXT / BIGINT / DOUBLE PRECISION types only.

use crate::StoreError;
use crate::value::{Cell, Cells, Row, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection inside a transaction.
pub trait Conn {
    fn dialect(&self) -> Dialect;
    /// Runs a statement; returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let cells: Vec<Cell<'_>> = params.iter().map(Cell::from).collect();
        self.execute_cells(sql, &cells)
    }
    /// [`Conn::execute`] with borrowed values (the one each engine implements): for
    /// multi-row inserts, whose values are taken from the records being written without
    /// copying each into a `Value`.
    fn execute_cells(&mut self, sql: &str, params: &[Cell<'_>]) -> Result<u64, StoreError>;
    /// Runs `sql` once for each `per` values of `params`, in order (the statements of a
    /// multi-row insert split in chunks); returns the rows changed by all of them. An
    /// engine may prepare the statement once for all the chunks.
    fn execute_each(
        &mut self,
        sql: &str,
        params: &[Cell<'_>],
        per: usize,
    ) -> Result<u64, StoreError> {
        let mut changed = 0;
        for chunk in params.chunks(per.max(1)) {
            changed += self.execute_cells(sql, chunk)?;
        }
        Ok(changed)
    }
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Hands each result row to `f` in place, without copying its values: for passes
    /// over many rows. Stops at the first error `f` returns.
    fn for_each(
        &mut self,
        sql: &str,
        params: &[Value],
        f: &mut dyn FnMut(&dyn Cells) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Appends rows of `width` values to `target` (`table (col, …)`) in the engine's
    /// bulk form, PostgreSQL's `COPY … FROM STDIN`; the rows and the constraints checked
    /// are those of an `INSERT`. `None` when the engine has no such form (then insert).
    fn copy_in(
        &mut self,
        _target: &str,
        _width: usize,
        _params: &[Cell<'_>],
    ) -> Result<Option<u64>, StoreError> {
        Ok(None)
    }
}

/// Rewrites `$N` placeholders to SQLite's `?N`, leaving string literals alone.
pub fn to_sqlite_placeholders(sql: &str) -> String {
    // Byte by byte: `$`, `?`, `'` and digits are ASCII, so the rest of the UTF-8 text is
    // copied unchanged (multi-row inserts make this text long; it is on the hot path).
    let mut out = sql.as_bytes().to_vec();
    let mut in_str = false;
    for i in 0..out.len() {
        match out[i] {
            b'\'' => in_str = !in_str,
            b'$' if !in_str && out.get(i + 1).is_some_and(u8::is_ascii_digit) => out[i] = b'?',
            _ => {}
        }
    }
    // Only ASCII bytes were replaced by ASCII bytes.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `$start, $start+1, …` for `n` values: the placeholders of an `IN (…)` list.
pub fn placeholders(start: usize, n: usize) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(n * 6);
    for i in start..start + n {
        if i > start {
            out.push_str(", ");
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "${i}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_placeholders_outside_strings() {
        assert_eq!(
            to_sqlite_placeholders("SELECT $1, '$2', $10"),
            "SELECT ?1, '$2', ?10"
        );
        assert_eq!(placeholders(3, 2), "$3, $4");
        assert_eq!(placeholders(1, 0), "");
        assert_eq!(
            to_sqlite_placeholders("SELECT 'Zoë $1', $2 -- é"),
            "SELECT 'Zoë $1', ?2 -- é"
        );
    }
}
