//! The one query interface both engines implement. SQL above this line is portable:
//! `$1`-style placeholders and the TEXT / BIGINT / DOUBLE PRECISION types only.

use crate::StoreError;
use crate::value::{Cells, Row, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A connection inside a transaction.
pub trait Conn {
    fn dialect(&self) -> Dialect;
    /// Runs a statement; returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
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
}

/// Rewrites `$N` placeholders to SQLite's `?N`, leaving string literals alone.
pub fn to_sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_str = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            in_str = !in_str;
            out.push(c);
        } else if c == '$' && !in_str && chars.peek().is_some_and(|n| n.is_ascii_digit()) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// `$start, $start+1, …` for `n` values: the placeholders of an `IN (…)` list.
pub fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
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
    }
}
